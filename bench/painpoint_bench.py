"""Per-complaint pain points on generated operator data, whose true pain point per complaint is known.

For each seed: generate an operator (`--customers`), ingest customers, complaints (both channels) and
port events, `complaints fit` with the defaults (lexical, UMAP + HDBSCAN, topics within each pain point),
then from the stored assignments: the share of complaints whose own pain point is their true one (all,
the `assigned` ones, the `uncertain` ones), the share uncertain, and the four pain points with the
highest 90-day port-out lift (planted: 携号转网受阻 ×6, 网络质量 ×3, 资费争议 ×3, 增值业务乱订 ×2.5, the
rest ×1.0–1.2). The generator's planted emerging issue is a billing fault and is scored as billing.

    PYTHONPATH=$PWD .venv/bin/python bench/painpoint_bench.py --seeds 1 2 3 [--customers 12000]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import machine, publish, table  # noqa: E402
from complaints.churn.lift import painpoint_lift  # noqa: E402
from complaints.config import resolve_library  # noqa: E402
from complaints.demo.generate import generate  # noqa: E402
from complaints.ingest.pipeline import ingest_file  # noqa: E402
from complaints.store import open_store  # noqa: E402
from complaints.topics.fit import fit_library  # noqa: E402

PLANTED = {"携号转网受阻", "网络质量", "资费争议", "增值业务乱订"}
FILES = [("customers", "customers.csv"), ("complaints", "complaints.csv"),
         ("complaints", "complaints_weibo_gbk.csv"), ("ports", "ports.csv")]


def run_seed(seed: int, customers: int, root: Path) -> list:
    data = root / f"data{seed}"
    generate(data, n_customers=customers, seed=seed)
    lib = resolve_library(root / f"lib{seed}")
    for kind, name in FILES:
        ingest_file(lib, kind, data / name)
    t = time.perf_counter()
    res = fit_library(lib, embedder="lexical")
    fit_s = time.perf_counter() - t
    truth = json.loads((data / "ground_truth.json").read_text(encoding="utf-8"))["complaint_pain_points"]
    with open_store(lib) as s:
        a = s.query("SELECT complaint_id, painpoint, painpoint_status FROM assignments WHERE version = 1")
    a["truth"] = a["complaint_id"].map(truth).replace({"emerging": "billing"})
    a = a.dropna(subset=["truth"])
    ok = a["painpoint"] == a["truth"]
    unsure = a["painpoint_status"] == "uncertain"
    top4 = painpoint_lift(lib)["key"].head(4).tolist()
    return [seed, f"{len(a):,}", res.n_topics, round(fit_s, 1), f"{ok.mean():.1%}", f"{unsure.mean():.1%}",
            f"{ok[~unsure].mean():.1%}", f"{ok[unsure].mean():.1%}" if unsure.any() else "–", " ".join(top4),
            "yes" if set(top4) == PLANTED else "no"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--customers", type=int, default=12000)
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            rows.append(run_seed(seed, args.customers, Path(tmp)))
            print(rows[-1], file=sys.stderr, flush=True)
    load = os.getloadavg()[0]
    publish(f"# Per-complaint pain points on generated data — {machine()} · load {load:.1f}\n\n" + table(
        ["seed", "complaints", "topics", "fit s", "right pain point", "uncertain", "right (assigned)",
         "right (uncertain)", "top 4 by 90-day lift", "= planted"], rows), "painpoint_bench.md")


if __name__ == "__main__":
    main()
