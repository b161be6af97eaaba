"""Topic quality on real Chinese text: BERTopic as `complaints fit` runs it.

For each data set and embedder: number of topics, share of outliers after reduction, NMI of
the topics against the human labels, the share of top-10 keywords that are stopwords,
punctuation, single digits or placeholders, and embedder / fit throughput.

    python bench/topic_quality.py                        # shopping 10k + weibo, lexical and e5
    python bench/topic_quality.py --embedders lexical --n 10000 --min-topic-size 25
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import machine, peak_rss_mb, shopping_sample, table  # noqa: E402
from bench.embed_bench import cached_neural, combine, e5  # noqa: E402
from complaints.embed import LexicalEmbedder  # noqa: E402
from complaints.text.lexicons import Lexicons  # noqa: E402
from complaints.text.normalize import normalize_text  # noqa: E402
from complaints.topics.model import OUTLIER, TopicModel  # noqa: E402

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
_BAD = re.compile(r"^(?:[\W_]+|\d|<[^>]*>)$")


def shopping(n: int) -> tuple[list[str], np.ndarray]:
    return shopping_sample(n)


def weibo() -> tuple[list[str], np.ndarray]:
    df = pd.read_csv(SHARED / "weibo_telecom_helpdesk.csv", dtype=str).dropna(subset=["text"])
    texts = [normalize_text(t) for t in df["text"]]
    keep = [i for i, t in enumerate(texts) if t]
    return [texts[i] for i in keep], df["company"].to_numpy()[keep]


class _Fixed:
    """Pre-computed vectors wearing the embedder interface (for the MMR keyword step)."""

    def __init__(self, lexical: LexicalEmbedder, weight_lex: float, neural_dim: int) -> None:
        self.lexical, self.weight_lex, self.neural_dim = lexical, weight_lex, neural_dim

    def transform(self, texts):
        v = self.lexical.transform(texts)
        if self.neural_dim:
            v = np.hstack([v * self.weight_lex, np.zeros((len(v), self.neural_dim), dtype=np.float32)])
        return v


def bad_keyword_share(model: TopicModel, stop: frozenset[str]) -> float:
    words = [w for t in model.topics_ for w, _ in model.keywords_[t]]
    return sum(1 for w in words if w in stop or _BAD.match(w)) / max(1, len(words))


def run(name: str, texts: list[str], labels: np.ndarray | None, embedders: list[str], args) -> list[list]:
    from sklearn.metrics import normalized_mutual_info_score

    stop = Lexicons.load().stopwords
    rows = []
    lex = LexicalEmbedder()
    t = time.perf_counter()
    lex_vecs = lex.fit_transform(texts)
    lex_rate = len(texts) / (time.perf_counter() - t)
    for spec in embedders:
        if spec == "lexical":
            vecs, rate, emb = lex_vecs, lex_rate, lex
        elif spec == "e5":
            vecs, rate = cached_neural("e5", e5, texts)
            emb = None  # no word vectors for MMR: keywords stay c-TF-IDF only
        elif spec.startswith("hybrid"):
            w = float(spec.split(":")[1]) if ":" in spec else 1.0
            ev, erate = cached_neural("e5", e5, texts)
            vecs = combine(lex_vecs, ev, (w, 1.0))
            rate = 1 / (1 / lex_rate + 1 / erate)
            emb = _Fixed(lex, w, ev.shape[1])
        else:
            raise SystemExit(f"unknown embedder {spec}")
        t = time.perf_counter()
        model = TopicModel(min_topic_size=args.min_topic_size, clustering=args.clustering,
                           n_topics=args.n_topics).fit(texts, vecs, embedder=emb)
        fit_s = time.perf_counter() - t
        nmi = normalized_mutual_info_score(labels, model.labels_) if labels is not None else float("nan")
        rows.append([name, spec, len(texts), len(model.topics_), f"{model.outlier_share_:.1%}",
                     f"{(model.initial_labels_ == OUTLIER).mean():.1%}", f"{nmi:.3f}",
                     f"{bad_keyword_share(model, stop):.1%}", int(rate), round(fit_s, 1)])
        print(table(HEADER, rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
    return rows


HEADER = ["data", "embedder", "docs", "topics", "outliers after reduction", "outliers before", "NMI vs labels",
          "bad top-10 keywords", "embed docs/s", "fit s"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=10000, help="stratified sample of shopping reviews")
    ap.add_argument("--embedders", default="lexical,e5,hybrid")
    ap.add_argument("--min-topic-size", type=int, default=None)
    ap.add_argument("--clustering", default="hdbscan")
    ap.add_argument("--n-topics", type=int, default=None)
    ap.add_argument("--data", default="shopping,weibo")
    args = ap.parse_args()
    embedders = args.embedders.split(",")
    rows = []
    if "shopping" in args.data:
        texts, labels = shopping(args.n)
        rows += run("shopping reviews (cat)", texts, labels, embedders, args)
    if "weibo" in args.data:
        texts, labels = weibo()
        rows += run("weibo telecom (company)", texts, labels, [e for e in embedders if e == "lexical"], args)
    print(f"# topic quality — {machine()}\n")
    print(table(HEADER, rows))
    print(f"\npeak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
