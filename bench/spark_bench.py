"""Spark local-mode throughput for classify and churn features, next to the local (DuckDB / in-process) path.

    .venv/bin/python bench/spark_bench.py --n 1000000          # the issue's size
    .venv/bin/python bench/spark_bench.py --n 200000 --master local[2]

Classify: a small generated library is fitted (lexical embedder), then `--n` complaints (the demo's
raw texts, with phone numbers, repeated) are classified by `TopicClassifier` in-process and by
`classify_spark` reading and writing parquet. Features: `--n` complaints and `--n / 3` customers are
generated with SQL (bench/features_bench.py), exported with `export_tables`, then one as-of snapshot
with a 30-day label is computed by `build_features` (DuckDB) and by `features_spark`; the two results
are compared row for row on their row count and the sum of every numeric column.
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
import pandas as pd  # noqa: E402

from bench._common import machine, publish, table  # noqa: E402
from bench.features_bench import build_library  # noqa: E402
from complaints.classify.topic_classifier import TopicClassifier  # noqa: E402
from complaints.config import resolve_library  # noqa: E402
from complaints.demo.generate import generate  # noqa: E402
from complaints.churn.features import build_features  # noqa: E402
from complaints.ingest.pipeline import ingest_file  # noqa: E402
from complaints.spark import classify_spark, export_tables, features_from_dir, spark_session  # noqa: E402
from complaints.topics.compact import current_folder  # noqa: E402
from complaints.topics.fit import fit_library  # noqa: E402


def bench_classify(spark, tmp: Path, n: int) -> list[list]:
    data = tmp / "demo"
    generate(data, n_customers=1000, seed=5)
    lib = resolve_library(tmp / "clib")
    ingest_file(lib, "complaints", data / "complaints.csv")
    fit_library(lib, embedder="lexical", clustering="kmeans", n_topics=30)
    raw = pd.read_csv(data / "complaints.csv", dtype=str, keep_default_na=False)["投诉内容"]
    raw = raw[raw.str.strip() != ""].tolist()
    texts = (raw * (n // len(raw) + 1))[:n]
    src = tmp / "complaints.parquet"
    pd.DataFrame({"complaint_id": [f"C{i}" for i in range(n)], "text": texts}).to_parquet(src)
    rows = []
    t = time.perf_counter()
    clf = TopicClassifier(lib, top_k=0, supervised=False)
    local = clf.classify(texts)
    s = time.perf_counter() - t
    rows.append(["classify", "local (TopicClassifier, in-process)", f"{n:,}", round(s, 1), f"{n / s:,.0f}"])
    t = time.perf_counter()
    classify_spark(spark.read.parquet(str(src)), current_folder(lib)).write.mode("overwrite").parquet(
        str(tmp / "classified.parquet"))
    s = time.perf_counter() - t
    got = pd.read_parquet(tmp / "classified.parquet", columns=["complaint_id", "topic_id"])
    got = got.set_index("complaint_id").loc[[f"C{i}" for i in range(n)], "topic_id"]
    same = (got.fillna(-99).astype(int).to_numpy() == pd.Series([r["topic_id"] for r in local]).fillna(-99)
            .astype(int).to_numpy()).mean()
    rows.append(["classify", f"Spark {spark.sparkContext.master} (parquet in/out)", f"{n:,}", round(s, 1),
                 f"{n / s:,.0f}  (same topic as local: {same:.2%})"])
    return rows


def bench_features(spark, tmp: Path, n: int, customers: int, as_of: dt.date) -> list[list]:
    lib_dir = tmp / "flib"
    t = time.perf_counter()
    build_library(lib_dir, customers, n)
    gen_s = time.perf_counter() - t
    lib = resolve_library(lib_dir)
    rows = [["features", "generate library (DuckDB SQL)", f"{n:,} complaints, {customers:,} customers",
             round(gen_s, 1), ""]]
    t = time.perf_counter()
    export_tables(lib, tmp / "tables")
    s = time.perf_counter() - t
    rows.append(["features", "export-tables (DuckDB -> parquet)", "", round(s, 1), ""])
    t = time.perf_counter()
    want = build_features(lib, [as_of], label_horizon=30)
    s = time.perf_counter() - t
    rows.append(["features", f"DuckDB build_features ({as_of}, 30-day label)", f"{len(want):,} rows", round(s, 1),
                 f"{n / s:,.0f} complaints/s"])
    t = time.perf_counter()
    features_from_dir(spark, tmp / "tables", [as_of], label_horizon=30).write.mode("overwrite").parquet(
        str(tmp / "features.parquet"))
    s = time.perf_counter() - t
    got = pd.read_parquet(tmp / "features.parquet")
    nums = [c for c in want.columns if str(want[c].dtype) in ("Int64", "Float64", "boolean")]
    agree = len(got) == len(want) and all(
        abs(float(got[c].astype("float64").sum()) - float(want[c].astype("Float64").sum())) < 1e-6 * max(1.0, abs(float(want[c].astype("Float64").sum())))
        for c in nums)
    rows.append(["features", f"Spark {spark.sparkContext.master} features_spark (parquet in/out)", f"{len(got):,} rows",
                 round(s, 1), f"{n / s:,.0f} complaints/s  (rows and column sums equal DuckDB: {agree})"])
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000, help="complaints (both benches)")
    ap.add_argument("--classify-n", type=int, help="complaints for classify (default --n)")
    ap.add_argument("--customers", type=int, help="customers for features (default n / 3)")
    ap.add_argument("--as-of", default="2026-06-30")
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--skip", choices=["classify", "features"])
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="spark_bench_"))
    try:
        t = time.perf_counter()
        spark = spark_session(args.master, app_name="complaints-bench")
        start_s = time.perf_counter() - t
        rows = [["-", f"start SparkSession {args.master}", "", round(start_s, 1), ""]]
        if args.skip != "classify":
            rows += bench_classify(spark, tmp, args.classify_n or args.n)
        if args.skip != "features":
            rows += bench_features(spark, tmp, args.n, args.customers or args.n // 3, dt.date.fromisoformat(args.as_of))
        spark.stop()
        publish(f"# Spark bench — {machine()}\n\n"
                + table(["job", "path", "size", "seconds", "throughput / check"], rows), "spark_bench.md")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
