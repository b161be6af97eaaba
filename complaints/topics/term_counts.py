"""Per-topic term counts, added up batch by batch: keywords and examples from every member of a topic.

BERTopic finds a topic's keywords by joining all of its documents into one string and
tokenising that again (c-TF-IDF over "one document per class"): at a million complaints that
is a second full segmentation and gigabytes of joined text. Here each batch of complaints,
already segmented for embedding, adds its token counts to a sparse topics x terms matrix over a
fixed vocabulary (the fitted model's), so memory stays at that matrix and the keywords come out
with BERTopic's own c-TF-IDF weighting (`ClassTfidfTransformer(reduce_frequent_words=True)`).
`Examples` keeps, per topic, the few members closest to its centre seen so far, without
repeating a text. Both merge across processes (and Spark partitions): counts add, examples keep
the best.
"""

from __future__ import annotations

import heapq
import zlib
from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp

OUTLIER = -1


class TermCounts:
    """A (classes x vocabulary) count matrix; class ``i`` is ``topic_ids[i]``, the last row the outliers.

    ``add_tokens`` counts a batch; ``add`` adds another ``TermCounts``'s (or a partial matrix's)
    counts; ``keywords`` gives each topic's top words by c-TF-IDF.
    """

    def __init__(self, vocabulary: dict[str, int] | Sequence[str], topic_ids: Sequence[int]) -> None:
        if not isinstance(vocabulary, dict):
            vocabulary = {w: i for i, w in enumerate(vocabulary)}
        self.vocabulary = vocabulary
        self.topic_ids = [int(t) for t in topic_ids]
        self._row = {t: i for i, t in enumerate(self.topic_ids)}
        self.shape = (len(self.topic_ids) + 1, len(vocabulary))
        self.counts = sp.csr_matrix(self.shape, dtype=np.int64)
        self.docs = np.zeros(self.shape[0], dtype=np.int64)

    def rows_of(self, labels: Iterable[int]) -> np.ndarray:
        """Matrix row per topic label (unknown labels and outliers go to the last row)."""
        last = self.shape[0] - 1
        return np.fromiter((self._row.get(int(x), last) for x in labels), dtype=np.int64)

    def batch(self, tokens: Sequence[Sequence[str]], labels: Sequence[int]) -> sp.csr_matrix:
        """The counts of one batch as a matrix of this shape (what a worker sends back)."""
        get = self.vocabulary.get
        rows = self.rows_of(labels)
        r_idx: list[int] = []
        c_idx: list[int] = []
        for r, toks in zip(rows, tokens):
            cols = [c for c in map(get, toks) if c is not None]
            c_idx.extend(cols)
            r_idx.extend([int(r)] * len(cols))
        data = np.ones(len(c_idx), dtype=np.int64)
        m = sp.csr_matrix((data, (np.asarray(r_idx, dtype=np.int64), np.asarray(c_idx, dtype=np.int64))),
                          shape=self.shape)
        m.sum_duplicates()
        return m

    def add(self, counts: sp.spmatrix | TermCounts, docs: np.ndarray | None = None) -> None:
        if isinstance(counts, TermCounts):
            counts, docs = counts.counts, counts.docs
        self.counts = (self.counts + counts).tocsr()
        if docs is not None:
            self.docs += docs

    def add_tokens(self, tokens: Sequence[Sequence[str]], labels: Sequence[int]) -> None:
        self.add(self.batch(tokens, labels), np.bincount(self.rows_of(labels), minlength=self.shape[0]))

    def terms(self) -> list[str]:
        out = [""] * len(self.vocabulary)
        for w, i in self.vocabulary.items():
            out[i] = w
        return out

    def keywords(self, top_n: int = 30) -> dict[int, list[tuple[str, float]]]:
        """Each topic's `top_n` words by BERTopic's c-TF-IDF over these counts (outliers are a class,
        as in BERTopic, so they shape the idf but get no keywords)."""
        from bertopic.vectorizers import ClassTfidfTransformer

        X = self.counts.astype(np.float64)
        out: dict[int, list[tuple[str, float]]] = {t: [] for t in self.topic_ids}
        keep = np.flatnonzero(np.asarray(X.sum(axis=1)).ravel() > 0)
        if not len(keep) or X.shape[1] == 0:
            return out
        present = np.asarray(X[keep].sum(axis=0)).ravel() > 0  # BERTopic's vocabulary holds seen words only
        cols = np.flatnonzero(present)
        sub = X[keep][:, cols]
        scores = ClassTfidfTransformer(reduce_frequent_words=True).fit(sub).transform(sub.copy()).tocsr()
        words = self.terms()
        for r_sub, r in enumerate(keep):
            if r == self.shape[0] - 1:
                continue
            row = scores.getrow(r_sub)
            if not row.nnz:
                continue
            order = np.argsort(-row.data, kind="stable")[:top_n]
            out[self.topic_ids[r]] = [(words[cols[row.indices[i]]], float(row.data[i])) for i in order
                                      if row.data[i] > 0]
        return out


def text_key(text: str) -> int:
    """A cheap stable key to tell identical example texts apart across processes."""
    return zlib.crc32(text.encode("utf-8"))


class Examples:
    """Per topic, the `k` members most similar to its centre seen so far, each text at most once.

    Holds (similarity, position, text key) triples; `position` is whatever the caller uses to find
    the complaint again (an index, or a complaint id)."""

    def __init__(self, k: int = 5, spare: int = 3) -> None:
        self.k = k
        self.keep = k * spare  # a few spares per topic, so duplicates of a text can be skipped at the end
        self.best: dict[int, list[tuple[float, object, int]]] = {}

    def offer(self, topics: np.ndarray, sims: np.ndarray, positions: Sequence, keys: Sequence[int]) -> None:
        """Offer a batch: each row's topic, similarity to that topic's centre, position and text key."""
        topics = np.asarray(topics)
        sims = np.asarray(sims, dtype=np.float64)
        for t in np.unique(topics):
            if t == OUTLIER:
                continue
            rows = np.flatnonzero(topics == t)
            top = rows[np.argsort(-sims[rows], kind="stable")[: self.keep]]
            self._merge(int(t), [(float(sims[i]), positions[i], int(keys[i])) for i in top])

    def _merge(self, topic: int, items: list[tuple[float, object, int]]) -> None:
        cur = self.best.get(topic, [])
        self.best[topic] = heapq.nlargest(self.keep, cur + items, key=lambda x: (x[0], str(x[1])))

    def add(self, other: Examples) -> None:
        for t, items in other.best.items():
            self._merge(t, items)

    def picked(self, topic: int) -> list:
        """The positions of the topic's `k` examples, most similar first, distinct texts."""
        out, seen = [], set()
        for _, pos, key in sorted(self.best.get(topic, []), key=lambda x: (-x[0], str(x[1]))):
            if key not in seen:
                out.append(pos)
                seen.add(key)
            if len(out) == self.k:
                break
        return out
