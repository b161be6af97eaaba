"""Embedding cache in the library store, keyed by (sha1 of the text, embedder id).

Vectors are stored as little-endian float32 bytes. Lookups and inserts are bulk (a temp key
table joined against the cache, one INSERT per chunk), so 100k texts cost a few queries, not
100k. A read-only store is used for lookups only: misses are computed and not saved.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from ._base import Embedder, EmbedderError, Progress

if TYPE_CHECKING:  # importing the store pulls in duckdb and pandas; classify needs neither
    import pandas as pd

    from ..store._base import LibraryStore

TABLE = "embeddings"
_KEYS = "_embed_keys"
CHUNK = 2048  # texts embedded (and saved) per round: an interrupted run keeps its finished chunks

_DDL = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    text_hash   VARCHAR NOT NULL,
    embedder_id VARCHAR NOT NULL,
    dim         INTEGER NOT NULL,
    vector      BLOB    NOT NULL,
    PRIMARY KEY (embedder_id, text_hash)
)
"""


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    def __init__(self, store: LibraryStore) -> None:
        self.store = store
        self.writable = not getattr(store, "read_only", False)
        if self.writable:
            store.execute(_DDL)

    def _table_exists(self) -> bool:
        return bool(self.store.scalar(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ? AND table_type = 'BASE TABLE'",
            [TABLE],
        ))

    def get(self, embedder_id: str, hashes: Sequence[str]) -> tuple[np.ndarray, np.ndarray | None]:
        """(positions in `hashes` found, their vectors in that order) - or (empty, None)."""
        hashes = list(hashes)
        if not hashes or not (self.writable or self._table_exists()):
            return np.zeros(0, dtype=np.int64), None
        self.store.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_KEYS} (i BIGINT, text_hash VARCHAR)")
        self.store.execute(f"DELETE FROM {_KEYS}")
        import pandas as pd  # not at module level: classify imports this package and must start fast

        try:
            self.store.append(_KEYS, pd.DataFrame({"i": np.arange(len(hashes), dtype=np.int64),
                                                   "text_hash": pd.array(hashes, dtype=object)}))
            hits = self.store.query(
                f"SELECT k.i, e.dim, e.vector FROM {_KEYS} k JOIN {TABLE} e "
                "ON e.text_hash = k.text_hash AND e.embedder_id = ? ORDER BY k.i",
                [embedder_id],
            )
        finally:
            self.store.execute(f"DELETE FROM {_KEYS}")
        if hits.empty:
            return np.zeros(0, dtype=np.int64), None
        dims = hits["dim"].unique()
        if len(dims) != 1:
            raise EmbedderError(f"embedding cache holds vectors of several sizes {sorted(dims)} for {embedder_id}")
        dim = int(dims[0])
        blob = b"".join(bytes(v) for v in hits["vector"])
        if len(blob) != 4 * dim * len(hits):
            raise EmbedderError(f"embedding cache rows for {embedder_id} do not match their dim {dim}")
        vectors = np.frombuffer(blob, dtype="<f4").reshape(len(hits), dim).astype(np.float32)
        return hits["i"].to_numpy(dtype=np.int64), vectors

    def put(self, embedder_id: str, hashes: Sequence[str], vectors: np.ndarray) -> int:
        if not self.writable or not len(hashes):
            return 0
        vectors = np.ascontiguousarray(vectors, dtype="<f4")
        if vectors.ndim != 2 or len(vectors) != len(hashes):
            raise EmbedderError(f"cannot cache {vectors.shape} vectors for {len(hashes)} texts")
        dim = vectors.shape[1]
        import pandas as pd

        frame = pd.DataFrame({
            "text_hash": pd.array(list(hashes), dtype=object),
            "embedder_id": pd.array([embedder_id] * len(hashes), dtype=object),
            "dim": np.full(len(hashes), dim, dtype=np.int32),
            "vector": pd.array([row.tobytes() for row in vectors], dtype=object),
        })
        return self.store.append(TABLE, frame)

    def count(self, embedder_id: str | None = None) -> int:
        if not (self.writable or self._table_exists()):
            return 0
        if embedder_id is None:
            return int(self.store.scalar(f"SELECT count(*) FROM {TABLE}"))
        return int(self.store.scalar(f"SELECT count(*) FROM {TABLE} WHERE embedder_id = ?", [embedder_id]))

    def embedder_ids(self) -> "pd.DataFrame":
        """Each cached embedder id with its vector count and dimension."""
        return self.store.query(
            f"SELECT embedder_id, count(*) AS n, any_value(dim) AS dim FROM {TABLE} GROUP BY 1 ORDER BY 1"
        )

    def drop(self, embedder_id: str) -> int:
        """Forget one embedder's vectors (e.g. a lexical model that was refitted)."""
        n = self.count(embedder_id)
        if self.writable and n:
            self.store.execute(f"DELETE FROM {TABLE} WHERE embedder_id = ?", [embedder_id])
        return n


def _segmenter_view(embedder: Embedder) -> Callable[[str], str] | None:
    seg = getattr(embedder, "segmenter", None)
    return getattr(seg, "neural_text", None)


def _parts(embedder: Embedder):
    from .hybrid import HybridEmbedder

    return embedder.parts if isinstance(embedder, HybridEmbedder) else None


def embed_with_cache(embedder: Embedder, texts: Sequence[str], store: LibraryStore,
                     progress: Progress | None = None, chunk_size: int = CHUNK,
                     neural_text: Callable[[str], str] | None = None, cache_lexical: bool = True) -> np.ndarray:
    """Vectors for `texts` in input order; only texts missing from the cache are embedded.

    Duplicate texts are embedded once. A hybrid embedder is cached part by part, so a refitted
    lexical part reuses the neural vectors. `progress` gets increments summing to len(texts).
    `neural_text` (``Segmenter.neural_text``: the modelling view, places cut out) turns each text
    into what an embedder that reads sentences embeds, before hashing: the view text is what is
    embedded and cached, so the form never comes back through e5. A lexical embedder reads the
    view through its own segmenter (its id names the segmenter, form included). With
    `cache_lexical=False` a lexical embedder (or part) bypasses the cache: `update` has just cut
    the texts, so their vectors cost less to compute than to look up and store (a refit's new
    lexical embedder would not find them anyway).
    """
    texts = list(texts)
    parts = _parts(embedder)
    if parts is not None:
        lexical, neural = parts
        lex = embed_with_cache(lexical, texts, store, chunk_size=chunk_size, cache_lexical=cache_lexical)
        neu = embed_with_cache(neural, texts, store, progress=progress, chunk_size=chunk_size,
                               neural_text=neural_text or _segmenter_view(lexical))
        return embedder.combine(lex, neu)
    if not cache_lexical and getattr(embedder, "kind", "") == "lexical":
        out = []
        for start in range(0, len(texts), chunk_size):
            out.append(np.asarray(embedder.transform(texts[start:start + chunk_size]), dtype=np.float32))
            if progress:
                progress(len(out[-1]))
        return np.vstack(out) if out else np.zeros((0, _dim_or_zero(embedder)), dtype=np.float32)
    if neural_text is not None and not getattr(embedder, "segments", False):
        texts = [neural_text(t) for t in texts]

    emb_id = embedder.id
    cache = EmbeddingCache(store)
    first: dict[str, int] = {}  # hash -> unique position
    inverse = np.empty(len(texts), dtype=np.int64)
    uniq_texts: list[str] = []
    for n, text in enumerate(texts):
        h = text_hash(text)
        pos = first.get(h)
        if pos is None:
            pos = first[h] = len(uniq_texts)
            uniq_texts.append(text)
        inverse[n] = pos
    uniq_hashes = list(first)
    mult = np.bincount(inverse, minlength=len(uniq_texts)) if len(texts) else np.zeros(0, dtype=np.int64)

    found, vectors = cache.get(emb_id, uniq_hashes)
    dim = vectors.shape[1] if vectors is not None else None
    uniq_vecs: np.ndarray | None = None
    if dim is not None:
        uniq_vecs = np.zeros((len(uniq_texts), dim), dtype=np.float32)
        uniq_vecs[found] = vectors
        if progress:
            progress(int(mult[found].sum()))

    have = np.zeros(len(uniq_texts), dtype=bool)
    have[found] = True
    missing = np.flatnonzero(~have)
    for start in range(0, len(missing), chunk_size):
        idx = missing[start : start + chunk_size]
        inner = _InputProgress(progress, mult[idx]) if progress else None
        new = np.asarray(embedder.transform([uniq_texts[i] for i in idx], progress=inner), dtype=np.float32)
        if new.shape[0] != len(idx):
            raise EmbedderError(f"{emb_id} returned {new.shape[0]} vectors for {len(idx)} texts")
        if uniq_vecs is None:
            dim = new.shape[1]
            uniq_vecs = np.zeros((len(uniq_texts), dim), dtype=np.float32)
        elif new.shape[1] != dim:
            raise EmbedderError(f"{emb_id} now gives {new.shape[1]}-d vectors but the cache holds {dim}-d ones")
        uniq_vecs[idx] = new
        cache.put(emb_id, [uniq_hashes[i] for i in idx], new)
        if inner is not None:
            inner.finish()

    if uniq_vecs is None:  # no texts at all
        return np.zeros((0, _dim_or_zero(embedder)), dtype=np.float32)
    return uniq_vecs[inverse]


class _InputProgress:
    """Translate "k more unique texts done" into "this many input texts done"."""

    def __init__(self, progress: Progress, multiplicity: np.ndarray) -> None:
        self.progress = progress
        self.cum = np.concatenate([[0], np.cumsum(multiplicity)])
        self.done = 0

    def __call__(self, k: int) -> None:
        new = min(self.done + int(k), len(self.cum) - 1)
        step = int(self.cum[new] - self.cum[self.done])
        self.done = new
        if step:
            self.progress(step)

    def finish(self) -> None:
        self(len(self.cum) - 1 - self.done)


def _dim_or_zero(embedder: Embedder) -> int:
    try:
        return int(embedder.dim_)
    except Exception:  # noqa: BLE001 - an unfitted embedder and no texts: shape (0, 0)
        return 0
