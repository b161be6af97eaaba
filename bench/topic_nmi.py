"""What else moves NMI against the operator's labels on real tickets? The ideas issue 15's research did not try.

On cocc_dev_tickets.csv (2,026 real China Mobile tickets, the operator's 8 labels), with the
modelling view `complaints fit` uses (learned form, places, emoticons) and its lexical embedder:

* the default fit (hdbscan-eom, kNN outlier vote, min topic size n/80);
* UMAP to 2 or 10 dimensions instead of 5;
* fewer, bigger topics: min topic size 40 and 60;
* c-TF-IDF merging (what BERTopic's reduce_topics does): topics whose c-TF-IDF rows are most
  alike are joined, agglomeratively, down to 16, 12 and 8 topics;
* topics nested under a per-complaint pain point: each complaint gets a zero-shot pain point from
  the taxonomy (seed words, then a classifier self-trained on the clearly seeded complaints, as
  topics/taxonomy.py's weak signal does), each topic is split by it (`bench/_nest.py`); also
  the per-complaint pain point alone as the clustering;
* the hybrid embedder (lexical + multilingual-e5-small on the view text, places cut out);
* k-means with 8 and 16 clusters on the same vectors.

NMI counts unassigned complaints as one more cluster, like bench/topic_real.py.

    python bench/topic_nmi.py [--skip-e5]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.metrics import normalized_mutual_info_score as nmi  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._common import machine, publish, table  # noqa: E402
from complaints.embed import LexicalEmbedder  # noqa: E402
from complaints.text.normalize import normalize_text  # noqa: E402
from complaints.text.segment import Segmenter  # noqa: E402
from complaints.topics import cluster as cluster_mod  # noqa: E402
from complaints.topics import model as model_mod  # noqa: E402
from complaints.topics.model import OUTLIER, TopicModel  # noqa: E402
from complaints.topics.modelform import learn_form  # noqa: E402
from bench._nest import complaint_painpoints, nest_topics  # noqa: E402

SHARED = Path(os.environ.get("COMPLAINTS_SHARED", ROOT.parent / "shared" / "data"))


def ctfidf_merge(model: TopicModel, k: int) -> np.ndarray:
    """Topics joined agglomeratively (average link, cosine) on their c-TF-IDF rows down to k."""
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.preprocessing import normalize

    c = model.bertopic_.c_tf_idf_
    offset = 1 if (model.labels_ == OUTLIER).any() else 0  # BERTopic's row 0 is the outlier class then
    rows = normalize(c[[t + offset for t in model.topics_]]).toarray()
    if len(rows) <= k:
        return model.labels_
    groups = AgglomerativeClustering(n_clusters=k, metric="cosine", linkage="average").fit_predict(rows)
    to = dict(zip(model.topics_, groups))
    return np.array([to.get(int(x), OUTLIER) for x in model.labels_])


def row(name: str, y: np.ndarray, labels: np.ndarray, seconds: float, by_reduction: float | None = None) -> list:
    ok = labels != OUTLIER
    k = len(set(labels[ok].tolist()))
    return [name, k, f"{nmi(y, labels):.3f}", f"{nmi(y[ok], labels[ok]):.3f}",
            "–" if by_reduction is None else f"{by_reduction:.1%}", f"{(~ok).mean():.1%}", f"{seconds:.0f}"]


def fit(texts, vectors, seg, emb, y, name, rows, **params):
    t = time.perf_counter()
    m = TopicModel(segmenter=seg, **params).fit(texts, vectors, embedder=emb)
    by = float((m.method_ == "outlier_reduction").mean())
    rows.append(row(name, y, m.labels_, time.perf_counter() - t, by))
    print(" | ".join(map(str, rows[-1])), flush=True)
    return m


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--skip-e5", action="store_true", help="leave out the hybrid embedder (e5 is slow here)")
    args = ap.parse_args()
    d = pd.read_csv(SHARED / "cocc_dev_tickets.csv", dtype=str)
    texts, y = [normalize_text(t) for t in d["text"]], d["label"].to_numpy()
    plain = Segmenter()
    seg = plain.with_form(learn_form(texts, plain))
    emb = LexicalEmbedder(segmenter=seg)
    vectors = emb.fit_transform(texts)
    rows: list[list] = []
    base = fit(texts, vectors, seg, emb, y, "default (hdbscan-eom, knn, mts n/80)", rows)
    for nc in (2, 10):
        orig = cluster_mod.make_clustering
        model_mod.make_clustering = lambda name, n=None, nc=nc: cluster_mod.UmapHdbscan(
            n_components=nc, min_samples=2, selection="eom")
        try:
            fit(texts, vectors, seg, emb, y, f"UMAP {nc} dimensions", rows)
        finally:
            model_mod.make_clustering = orig
    for mts in (40, 60):
        fit(texts, vectors, seg, emb, y, f"min topic size {mts}", rows, min_topic_size=mts)
    for k in (16, 12, 8):
        rows.append(row(f"c-TF-IDF merge to {k}", y, ctfidf_merge(base, k), 0))
    clauses = [seg.cut_clauses(t) for t in texts]
    tokens = [[w for c in cl for w in c] for cl in clauses]
    pains, sure = complaint_painpoints(tokens)
    rows.append(row("per-complaint pain point alone", y, pains, 0))
    print(f"pain point: {sure.mean():.0%} of complaints clearly seeded", flush=True)
    nested = nest_topics(base.labels_, pains, vectors, min_size=max(5, base.min_topic_size_ // 2))
    rows.append(row("default nested under pain points", y, nested, 0))
    nested_sure = nest_topics(base.labels_, np.where(sure, pains, -2), vectors,
                              min_size=max(5, base.min_topic_size_ // 2))
    rows.append(row("nested, only clearly seeded complaints split", y, nested_sure, 0))
    for k in (8, 16):
        fit(texts, vectors, seg, emb, y, f"k-means {k}", rows, clustering="kmeans", n_topics=k)
    if not args.skip_e5:
        from complaints.embed.hybrid import HybridEmbedder

        t = time.perf_counter()
        hyb = HybridEmbedder(LexicalEmbedder(segmenter=seg))
        hv = hyb.fit_transform(texts)
        print(f"e5 + lexical embedded in {time.perf_counter() - t:.0f}s", flush=True)
        hbase = fit(texts, hv, seg, hyb, y, "hybrid lexical + e5 (view text)", rows)
        rows.append(row("hybrid, nested under pain points", y,
                        nest_topics(hbase.labels_, pains, hv, max(5, hbase.min_topic_size_ // 2)), 0))
        fit(texts, hv, seg, hyb, y, "hybrid, hdbscan leaf", rows, clustering="hdbscan")
    cols = ["run", "topics", "NMI", "NMI assigned", "by outlier reduction", "unassigned", "s"]
    publish("\n".join([f"# bench/topic_nmi.py — {machine()}", "", f"cocc_dev_tickets.csv: {len(texts):,} tickets, "
                       "8 operator labels; modelling view of `complaints fit`", "", table(cols, rows)]), "topic_nmi.md")


if __name__ == "__main__":
    main()
