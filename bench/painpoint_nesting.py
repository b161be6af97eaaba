"""Topics nested under pain points: which way costs the topics least (issue 14).

Each complaint's pain point is decided first; topics must then be pure (a topic has one pain point
and all its complaints carry it). Three ways, measured on the real library (2,164 Weibo complaints +
2,026 cocc tickets) and on a generated operator, with the package's default fit (lexical, UMAP+HDBSCAN):

* within    cluster each pain point's complaints separately (topics/within.py; the shipped default)
* enforce   cluster as before, then nest (topics/nesting.py)
* semi      semi-supervised UMAP (BERTopic's y= with the confident pain points), then nest
* none      plain clustering, not nested: the reference the others pay against

Per way: topics, share of complaints without a topic, purity (share of topic members on their
topic's pain point), mean cosine of members to their topic centroid, NMI of topics against the
cocc operator labels (topic-less tickets as one group) and against the generator's true pain points.

    PYTHONPATH=$PWD .venv/bin/python bench/painpoint_nesting.py [--customers 1500] [--skip-real]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.metrics import normalized_mutual_info_score as nmi  # noqa: E402

from bench._common import machine, publish, table  # noqa: E402
from bench.real_data import DATA, real_library, stored  # noqa: E402
from complaints.store import open_store  # noqa: E402
from complaints.topics.fit import fit_library  # noqa: E402
from complaints.topics.model import TopicModel  # noqa: E402
from complaints.topics.nesting import purity  # noqa: E402


def vectors_of(lib, ids: list[str]) -> tuple[list[str], np.ndarray, object]:
    from complaints.embed import embed_with_cache, load_embedder

    with open_store(lib) as s:
        art = s.scalar("SELECT artifact_dir FROM model_versions ORDER BY version DESC LIMIT 1")
        texts = s.query("SELECT complaint_id, text FROM complaints").set_index("complaint_id").loc[ids, "text"].tolist()
        emb = load_embedder(Path(art) / "embedder")
        vecs = embed_with_cache(emb, texts, s)
    return texts, vecs, emb


def coherence(labels: np.ndarray, vecs: np.ndarray) -> float:
    v = vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9)
    sims = []
    for t in np.unique(labels[labels >= 0]):
        m = v[labels == t]
        c = m.mean(0)
        sims.append(m @ (c / (np.linalg.norm(c) or 1)))
    return float(np.concatenate(sims).mean()) if sims else float("nan")


def measure(name: str, labels: np.ndarray, pp: np.ndarray, vecs: np.ndarray, ids: list[str], refs: dict,
            seconds: float) -> list:
    row = [name, len(set(labels[labels >= 0].tolist())), f"{(labels < 0).mean():.1%}", f"{purity(labels, pp):.3f}",
           f"{coherence(labels, vecs):.3f}"]
    for ref in refs.values():
        keep = np.array([i in ref for i in ids])
        row.append(f"{nmi([ref[i] for i, k in zip(ids, keep) if k], labels[keep]):.3f}" if keep.any() else "–")
    return row + [f"{seconds:.0f}"]


def run(lib, refs: dict, label: str) -> list[list]:
    rows = []
    for way in ("within", "enforce", "semi"):
        t = time.perf_counter()
        fit_library(lib, embedder="lexical", nesting=way)
        sec = time.perf_counter() - t
        a = stored(lib).sort_values("complaint_id")
        ids = a["complaint_id"].tolist()
        texts, vecs, emb = vectors_of(lib, ids)
        pp = a["painpoint"].to_numpy(dtype=object)
        rows.append(measure(f"{label}: {way}", a["topic_id"].to_numpy(), pp, vecs, ids, refs, sec))
        print(rows[-1], file=sys.stderr, flush=True)
        if way == "within":
            t = time.perf_counter()
            plain = TopicModel(seed=42).fit(texts, vecs, embedder=emb).labels_
            rows.append(measure(f"{label}: none (plain clustering)", np.asarray(plain), pp, vecs, ids, refs,
                                time.perf_counter() - t))
            print(rows[-1], file=sys.stderr, flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=1500)
    ap.add_argument("--skip-real", action="store_true")
    args = ap.parse_args()
    header = ["library: way", "topics", "no topic", "purity", "coherence", "NMI cocc labels", "NMI true pain points",
              "fit s"]
    rows = []
    with tempfile.TemporaryDirectory() as d:
        if not args.skip_real:
            c = pd.read_csv(DATA / "cocc_dev_tickets.csv", dtype={"ticket": str})
            refs = {"cocc": dict(zip("cocc-" + c["ticket"], c["label"])), "truth": {}}
            rows += run(real_library(Path(d) / "real"), refs, "real (Weibo + cocc)")
        from tests.conftest import generated_library

        data, lib = generated_library(Path(d) / "gen", args.customers, 11, files=("customers", "complaints"))
        truth = json.loads((data / "ground_truth.json").read_text(encoding="utf-8"))["complaint_pain_points"]
        rows += run(lib, {"cocc": {}, "truth": {k: v.replace("emerging", "billing") for k, v in truth.items()}},
                    f"generated ({args.customers} customers)")
    publish(f"# Topics nested under pain points — {machine()}\n\n" + table(header, rows), "painpoint_nesting.md")


if __name__ == "__main__":
    main()
