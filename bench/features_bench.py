"""Point-in-time churn features at scale: 1 million customers, 3 million complaints.

Target: one as-of snapshot in under 60 seconds on 2 cores. The library is generated directly with
DuckDB SQL (customers, complaints with masked-style text, port events, one topic model version with
assignments) into a real library file, then `build_features` is timed for one as-of date with a
30-day label, and the result written to parquet as `complaints features` does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import machine, peak_rss_mb, publish, table  # noqa: E402
from complaints.config import resolve_library  # noqa: E402
from complaints.churn.features import build_features, write_features  # noqa: E402
from complaints.store import open_store  # noqa: E402
from complaints.painpoints.taxonomy import load_taxonomy  # noqa: E402

TEXTS = ["家里信号太差了，打电话老是掉线", "莫名其妙扣了<手机号>的话费二十元", "我要携号转网，营业厅不给授权码",
         "宽带又断了，光猫一直闪红灯", "从来没订过视频彩铃却每月扣费", "客服态度太差，说好回电没回",
         "套餐被改了，没有经过我同意", "合约到期还在扣费，违约金不认", "每天收到骚扰短信，要求屏蔽"]


def build_library(root: Path, customers: int, complaints: int, topics: int = 60) -> None:
    """Fill a library with synthetic rows using SQL only (hash-based, so the data is the same every run)."""
    lib = resolve_library(root)
    pps = [p.key for p in load_taxonomy()]
    texts = ", ".join(f"'{t}'" for t in TEXTS)
    with open_store(lib, write=True) as s, s.transaction():
        s.execute("CREATE TEMP MACRO h(a, b) AS (hash(a, b) >> 1)::BIGINT")  # a signed, deterministic hash
        s.execute(f"""INSERT INTO customers (customer_key, plan, tenure_start, region, arpu, contract_end)
            SELECT 'k' || substr(md5(i::VARCHAR), 1, 20),
                   ['4G飞享套餐38元', '5G畅享套餐129元', '神州行畅听卡8元', '融合宽带套餐199元'][1 + h(i, 1) % 4],
                   DATE '2008-01-01' + (h(i, 2) % 6700)::INT,
                   ['杭州', '宁波', '温州', '嘉兴', '金华'][1 + h(i, 3) % 5],
                   round(5 + (h(i, 4) % 30000) / 100.0, 2),
                   CASE WHEN h(i, 5) % 2 = 0 THEN DATE '2025-01-01' + (h(i, 6) % 1100)::INT END
            FROM range({customers}) t(i)""")
        # heavy-tailed complaint counts: customer index skewed towards the low end
        s.execute(f"""INSERT INTO complaints (complaint_id, customer_key, received_at, channel, region, text,
                                              escalated, resolved_at, satisfaction, repeat_of)
            SELECT 'C' || i, 'k' || substr(md5((((h(i, 7) % 1000000) / 1000000.0) ^ 2 * {customers})::BIGINT::VARCHAR), 1, 20),
                   TIMESTAMP '2025-06-01 08:00:00' + to_seconds((h(i, 8) % (517 * 86400))::BIGINT),
                   ['10086热线', '手机营业厅APP', '营业厅', '网上营业厅', '微博', '工信部申诉'][1 + h(i, 9) % 6],
                   ['杭州', '宁波', '温州', '嘉兴', '金华'][1 + h(i, 10) % 5],
                   [{texts}][1 + h(i, 11) % {len(TEXTS)}],
                   h(i, 12) % 33 = 0,
                   CASE WHEN h(i, 13) % 20 > 0 THEN TIMESTAMP '2025-06-01 08:00:00'
                        + to_seconds((h(i, 8) % (517 * 86400) + h(i, 14) % (9 * 86400))::BIGINT) END,
                   CASE WHEN h(i, 15) % 3 > 0 THEN 1 + h(i, 16) % 5 END,
                   CASE WHEN h(i, 17) % 30 = 0 THEN 'C' || (i - 1) END
            FROM range({complaints}) t(i)""")
        s.execute(f"""INSERT INTO port_events (event_id, customer_key, direction, requested_at, completed_at, status,
                                               other_operator)
            SELECT 'P' || i, 'k' || substr(md5((h(i, 18) % {customers})::VARCHAR), 1, 20),
                   CASE WHEN h(i, 19) % 10 = 0 THEN 'in' ELSE 'out' END,
                   TIMESTAMP '2025-06-01 09:00:00' + to_seconds((h(i, 20) % (517 * 86400))::BIGINT),
                   CASE WHEN h(i, 21) % 6 > 0 THEN TIMESTAMP '2025-06-03 09:00:00'
                        + to_seconds((h(i, 20) % (517 * 86400))::BIGINT) END,
                   CASE WHEN h(i, 21) % 6 > 0 THEN 'completed' ELSE 'cancelled' END,
                   ['中国电信', '中国联通', '中国广电'][1 + h(i, 22) % 3]
            FROM range({customers // 20}) t(i)""")
        s.execute(f"""INSERT INTO model_versions (version, created_at, kind, embedder, clustering, n_docs, n_topics)
            VALUES (1, now(), 'fit', 'lexical', 'kmeans', {complaints}, {topics})""")
        pp_list = ", ".join(f"'{p}'" for p in pps)
        s.execute(f"""INSERT INTO topics (version, topic_id, label, painpoint, size, first_version, status)
            SELECT 1, t, 'topic ' || t, [{pp_list}][1 + t % {len(pps)}], 0, 1,
                   CASE WHEN t >= {topics - 2} THEN 'emerging' ELSE 'active' END FROM range({topics}) r(t)""")
        s.execute(f"""INSERT INTO assignments (version, complaint_id, topic_id, painpoint, confidence, method)
            SELECT 1, 'C' || i, h(i, 23) % {topics}, [{pp_list}][1 + (h(i, 23) % {topics}) % {len(pps)}],
                   0.9, 'cluster' FROM range({complaints}) t(i)""")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--complaints", type=int, default=3_000_000)
    ap.add_argument("--as-of", default="2026-06-30")
    ap.add_argument("--keep", help="Keep the generated library in this folder.")
    args = ap.parse_args()
    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="features_bench_"))
    try:
        lib_dir = tmp / "lib"
        t = time.perf_counter()
        if not (lib_dir / "library.duckdb").exists():
            build_library(lib_dir, args.customers, args.complaints)
        build_s = time.perf_counter() - t
        lib = resolve_library(lib_dir)
        size_mb = (lib_dir / "library.duckdb").stat().st_size / 2**20
        as_of = dt.date.fromisoformat(args.as_of)
        t = time.perf_counter()
        df = build_features(lib, [as_of], label_horizon=30)
        snap_s = time.perf_counter() - t
        t = time.perf_counter()
        write_features(df, tmp / "features.parquet")
        write_s = time.perf_counter() - t
        rows = [["generate library (SQL)", f"{args.customers:,}", f"{args.complaints:,}", round(build_s, 1)],
                [f"one as-of snapshot ({as_of}, 30-day label)", f"{len(df):,} rows", f"{len(df.columns)} columns",
                 round(snap_s, 1)],
                ["write parquet", f"{(tmp / 'features.parquet').stat().st_size / 2**20:.0f} MB", "", round(write_s, 1)]]
        text = (f"# features benchmark — {machine()}\n\n"
                + table(["step", "customers / rows", "complaints / columns", "seconds"], rows)
                + f"\n\nlibrary file {size_mb:,.0f} MB; peak RSS {peak_rss_mb():,.0f} MB; "
                  f"target: one snapshot under 60 s on 2 cores — {'met' if snap_s < 60 else 'NOT met'}")
        publish(text, "features_bench.md")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
