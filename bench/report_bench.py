"""`complaints report` on a library of ~100,000 generated complaints (target: under 30 s on 2 cores).

Set-up (not timed, run once in a child process and kept in bench/out/report-lib): generate the
operator data, ingest it with the complaints after 2026-08-31 held back, fit once (lexical
embeddings, k-means clustering), ingest the held-back complaints and run `update` when the
toolkit has it, so the library looks like a real month-on-month one. Timed: report generation only,
for a month, another month and a quarter, in this process (peak RSS is the report's own).
"""

from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import machine, peak_rss_mb, publish, table  # noqa: E402

HERE = Path(__file__).resolve().parent
SPLIT = "2026-09-01"
RUNS = [("month (newest)", {"period": "2026-10"}), ("month", {"period": "2026-06"}),
        ("quarter (--from/--to)", {"date_from": "2026-04-01", "date_to": "2026-06-30"})]


def _split(src: Path, early: Path, late: Path) -> None:
    """Hold back complaints received on or after SPLIT (dates in this file are ISO-like or Chinese forms)."""
    import pandas as pd

    from complaints.ingest.dates import parse_datetime

    cut = pd.Timestamp(SPLIT)
    with open(src, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    col = rows[0].index("受理时间")
    parts: tuple[list, list] = ([rows[0]], [rows[0]])
    for r in rows[1:]:
        try:
            d = parse_datetime(r[col])
        except ValueError:
            d = None
        parts[d is not None and pd.Timestamp(d) >= cut].append(r)
    for path, part in zip((early, late), parts):
        with open(path, "w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows(part)


def setup(home: Path, customers: int) -> None:
    from complaints.config import resolve_library
    from complaints.demo.generate import generate
    from complaints.ingest.pipeline import ingest_file
    from complaints.topics.fit import fit_library

    shutil.rmtree(home, ignore_errors=True)
    data = home / "data"
    t = time.perf_counter()
    generate(data, n_customers=customers, seed=17)
    lib = resolve_library(home / "lib")
    _split(data / "complaints.csv", data / "early.csv", data / "late.csv")
    for kind, name in [("customers", "customers.csv"), ("ports", "ports.csv"), ("complaints", "early.csv"),
                       ("complaints", "complaints_weibo_gbk.csv")]:
        ingest_file(lib, kind, data / name)
    print(f"generated and ingested in {time.perf_counter() - t:.0f}s", flush=True)
    t = time.perf_counter()
    res = fit_library(lib, embedder="lexical", clustering="kmeans")
    print(f"fit: {res.n_topics} topics on {res.n_docs:,} complaints in {time.perf_counter() - t:.0f}s", flush=True)
    ingest_file(lib, "complaints", data / "late.csv")
    try:
        from complaints.topics.update import update_library
    except ImportError:
        print("no complaints.topics.update: the held-back complaints stay unassigned", flush=True)
        return
    t = time.perf_counter()
    up = update_library(lib)
    print(f"update: {up.new_complaints:,} new complaints, {len(up.emerging)} emerging topics in "
          f"{time.perf_counter() - t:.0f}s", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--customers", type=int, default=69000, help="69,000 customers give a little over 100k complaints")
    ap.add_argument("--home", type=Path, default=HERE / "out" / "report-lib")
    ap.add_argument("--fresh", action="store_true", help="rebuild the library even if one is kept")
    ap.add_argument("--setup-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.setup_only:
        setup(args.home, args.customers)
        return
    if args.fresh or not (args.home / "lib" / "library.duckdb").exists():
        subprocess.run([sys.executable, __file__, "--setup-only", "--home", str(args.home), "--customers",
                        str(args.customers)], check=True)

    from complaints.config import resolve_library
    from complaints.report import write_report
    from complaints.store.stats import library_stats

    lib = resolve_library(args.home / "lib")
    stats = library_stats(lib)
    rows = []
    for name, kw in RUNS:
        marks: dict[str, float] = {}
        t0 = time.perf_counter()
        res = write_report(lib, args.home / "reports" / name.split()[0], progress=lambda stage, d, n:
                           marks.setdefault(stage, time.perf_counter() - t0), **kw)
        total = time.perf_counter() - t0
        read, port, sections, files = (marks.get("porting analysis", 0), marks.get("sections", 0),
                                       marks.get("writing report files", 0), total)
        rows.append([name, res.period.split("（")[0], res.complaints, round(read, 1), round(port - read, 1),
                     round(sections - port, 1), round(files - sections, 1), round(total, 1)])
    text = (f"# report benchmark — {machine()}\n\n"
            f"library: {stats['complaints']:,} complaints, {stats['customers']:,} customers, "
            f"{stats['port_events']:,} port events, {stats['model_versions']} model versions\n\n"
            + table(["report", "period", "complaints in period", "read s", "porting s", "sections s",
                     "write files s", "total s"], rows)
            + f"\n\npeak RSS {peak_rss_mb():.0f} MB (report generation only; set-up ran in a child process)")
    publish(text, "report_bench.md")


if __name__ == "__main__":
    main()
