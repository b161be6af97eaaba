"""Ingest throughput on ~100k generated complaints (target: under a minute on 2 cores)."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import machine, peak_rss_mb, table  # noqa: E402
from complaints.config import resolve_library  # noqa: E402
from complaints.demo.generate import generate  # noqa: E402
from complaints.ingest.pipeline import ingest_file  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--customers", type=int, default=70000, help="70,000 customers give about 100k complaints")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        t = time.perf_counter()
        generate(data, n_customers=args.customers, seed=11)
        gen_s = time.perf_counter() - t
        lib = resolve_library(Path(tmp) / "lib")
        rows = []
        for kind, name in [("customers", "customers.csv"), ("complaints", "complaints.csv"),
                           ("complaints", "complaints_weibo_gbk.csv"), ("ports", "ports.csv")]:
            t = time.perf_counter()
            res = ingest_file(lib, kind, data / name)
            s = time.perf_counter() - t
            rows.append([f"{kind} ({name})", res.rows_read, res.accepted, res.rejected, round(s, 2),
                         int(res.rows_read / s)])
        t = time.perf_counter()
        again = ingest_file(lib, "complaints", data / "complaints.csv")
        rows.append(["re-ingest complaints.csv (no-op)", again.rows_read, again.accepted, 0,
                     round(time.perf_counter() - t, 2), "-"])
    print(f"# ingest benchmark — {machine()}; generating the data took {gen_s:.1f}s\n")
    print(table(["file", "rows", "accepted", "rejected", "seconds", "rows/s"], rows))
    print(f"\npeak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
