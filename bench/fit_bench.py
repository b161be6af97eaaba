"""`complaints fit` on ~50,000 generated complaints with the lexical backend.

Targets: under 5 minutes on 2 cores, peak memory under 4 GB. Also times a second fit (a refit
that reuses cached embeddings and carries topic ids over).
"""

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
from complaints.topics.fit import fit_library  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--customers", type=int, default=34000, help="34,000 customers give about 50k complaints")
    ap.add_argument("--embedder", default="lexical")
    ap.add_argument("--clustering", default="hdbscan")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp) / "data", n_customers=args.customers, seed=13)
        lib = resolve_library(Path(tmp) / "lib")
        ingest_file(lib, "complaints", Path(tmp) / "data" / "complaints.csv")
        ingest_file(lib, "complaints", Path(tmp) / "data" / "complaints_weibo_gbk.csv")
        for run in ("first fit", "refit (cached embeddings)"):
            t = time.perf_counter()
            res = fit_library(lib, embedder=args.embedder, clustering=args.clustering)
            wall = time.perf_counter() - t
            s = res.seconds
            rows.append([run, res.n_docs, res.n_topics, f"{res.outlier_share:.1%}", s["segment"], s["embed"],
                         s["topics"], round(wall, 1), len(res.carried_topic_ids)])
    print(f"# fit benchmark ({args.embedder}, {args.clustering}) — {machine()}\n")
    print(table(["run", "complaints", "topics", "unassigned", "segment s", "embed s", "topics s", "total s",
                 "ids carried over"], rows))
    print(f"\npeak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
