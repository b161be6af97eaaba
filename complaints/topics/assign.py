"""Assign complaints to existing stable topics by their nearest centroid, or leave them unassigned.

A complaint joins its nearest topic only if it is at least as close to that topic's centre as
most of the topic's own core members were (a per-topic threshold learned from them), so a new
kind of complaint stays unassigned instead of being forced into the least-bad topic. Shared by
`complaints update` and `complaints classify`; needs numpy only.
"""

from __future__ import annotations

import numpy as np

UNASSIGNED = -1


def unit_rows(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float32)
    n = np.linalg.norm(m, axis=-1, keepdims=True)
    return m / np.where(n == 0, 1, n)


class TopicAssigner:
    """Nearest-centroid assignment with per-topic similarity thresholds.

    Learned: `topic_ids_`, `centroids_` (unit rows), `thresholds_` (the `quantile` of the core
    members' cosine to their centroid, never below `min_similarity`), `typical_` (median).
    """

    def __init__(self, quantile: float = 0.05, min_similarity: float = 0.1) -> None:
        self.quantile = quantile
        self.min_similarity = min_similarity

    def fit(self, vectors: np.ndarray, labels: np.ndarray, core: np.ndarray | None = None,
            centroids: dict[int, np.ndarray] | None = None) -> "TopicAssigner":
        """`labels` per row (-1 = none); `core` marks members that founded their topic (not outlier reduction)."""
        vectors = unit_rows(vectors)
        labels = np.asarray(labels)
        core = np.ones(len(labels), dtype=bool) if core is None else np.asarray(core, dtype=bool)
        ids = sorted(int(t) for t in set(labels.tolist()) if t != UNASSIGNED)
        cents, thr, typ = [], [], []
        for t in ids:
            members = labels == t
            c = centroids[t] if centroids and t in centroids else vectors[members].mean(axis=0)
            c = unit_rows(c[None, :])[0]
            sims = vectors[members & core] @ c if (members & core).any() else vectors[members] @ c
            cents.append(c)
            thr.append(max(float(np.quantile(sims, self.quantile)), self.min_similarity))
            typ.append(float(np.median(sims)))
        return self._set(ids, np.stack(cents) if cents else np.zeros((0, vectors.shape[1]), np.float32), thr, typ)

    def _set(self, ids, centroids, thresholds, typical) -> "TopicAssigner":
        self.topic_ids_ = np.asarray(ids, dtype=np.int64)
        self.centroids_ = unit_rows(centroids) if len(ids) else np.asarray(centroids, dtype=np.float32)
        self.thresholds_ = np.asarray(thresholds, dtype=np.float32)
        self.typical_ = np.asarray(typical, dtype=np.float32)
        return self

    @classmethod
    def from_arrays(cls, topic_ids, centroids, thresholds, typical, **params) -> "TopicAssigner":
        return cls(**params)._set(topic_ids, centroids, thresholds, typical)

    def extend(self, other: "TopicAssigner") -> "TopicAssigner":
        """A new assigner holding this one's topics plus `other`'s (emerging topics)."""
        return TopicAssigner.from_arrays(
            np.concatenate([self.topic_ids_, other.topic_ids_]), np.vstack([self.centroids_, other.centroids_]),
            np.concatenate([self.thresholds_, other.thresholds_]), np.concatenate([self.typical_, other.typical_]),
            quantile=self.quantile, min_similarity=self.min_similarity)

    def similarities(self, vectors: np.ndarray) -> np.ndarray:
        return unit_rows(vectors) @ self.centroids_.T

    def transform(self, vectors: np.ndarray, allowed: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Per row: `topic` (-1 = unassigned), `nearest` topic, its `similarity`, and `all` cosines.
        `allowed` (rows x topics, bool) limits each row's choice, e.g. to the topics of its pain point."""
        n = len(vectors)
        if n == 0 or not len(self.topic_ids_):
            return {"topic": np.full(n, UNASSIGNED), "nearest": np.full(n, UNASSIGNED),
                    "similarity": np.zeros(n, dtype=np.float32),
                    "all": np.zeros((n, len(self.topic_ids_)), dtype=np.float32)}
        sims = self.similarities(vectors)
        pick = sims if allowed is None else np.where(allowed, sims, -np.inf)
        best = pick.argmax(axis=1)
        sim = sims[np.arange(n), best]
        nearest = self.topic_ids_[best]
        ok = sim >= self.thresholds_[best]
        if allowed is not None:
            ok &= allowed[np.arange(n), best]
        topic = np.where(ok, nearest, UNASSIGNED)
        return {"topic": topic, "nearest": nearest, "similarity": sim.astype(np.float32), "all": sims}


KNN = 10
KNN_MIN_SIMILARITY = 0.6
KNN_MIN_VOTES = 3


def _top_k(block: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Column indices and values of each row's `k` largest entries, largest first."""
    k = min(k, block.shape[1])
    if not k:
        return np.zeros((len(block), 0), dtype=np.int64), np.zeros((len(block), 0), dtype=np.float32)
    top = np.argpartition(-block, k - 1, axis=1)[:, :k] if k < block.shape[1] else \
        np.tile(np.arange(block.shape[1]), (len(block), 1))
    part = np.take_along_axis(block, top, axis=1)
    order = np.argsort(-part, axis=1)
    return np.take_along_axis(top, order, axis=1), np.take_along_axis(part, order, axis=1)


def topic_order_key(topics: np.ndarray, topic_ids: np.ndarray) -> np.ndarray:
    """Sort key grouping past complaints by topic (topic-less first); artifacts store them in this order."""
    topics = np.asarray(topics, dtype=np.int64)
    known = np.isin(topics, topic_ids)
    return np.where(known, np.searchsorted(np.sort(topic_ids), topics), -1)


class NeighbourIndex:
    """Past complaints' vectors, searched for the most similar ones.

    Up to `exact_max` complaints are searched exhaustively. Past that, each query is compared
    with the members of its `n_topics` nearest topics (and every complaint without a topic):
    similar complaints share topics, and a 50,000-complaint library then costs a few percent
    of a full scan, which keeps `classify --file` in the thousands per second.
    """

    def __init__(self, vectors: np.ndarray, topics: np.ndarray, topic_ids: np.ndarray, exact_max: int = 20_000,
                 n_topics: int = 3) -> None:
        self.vectors = vectors if getattr(vectors, "dtype", None) == np.float32 else np.asarray(vectors, np.float32)
        self.topics = np.asarray(topics, dtype=np.int64)
        self.topic_ids = np.asarray(topic_ids, dtype=np.int64)
        self.exact = len(self.vectors) <= exact_max
        self.n_topics = n_topics
        if not self.exact:
            # members of each topic (and the topic-less pool, first) as contiguous slices: no copies per query
            key = topic_order_key(self.topics, self.topic_ids)
            if np.all(key[1:] >= key[:-1]):  # saved in this order (see `topic_order_key`): use as is
                self.order, self.sorted = np.arange(len(key)), self.vectors
            else:
                self.order = np.argsort(key, kind="stable")
                self.sorted = np.ascontiguousarray(self.vectors[self.order])
            bounds = np.searchsorted(key[self.order], np.arange(-1, len(self.topic_ids) + 1))
            self.pool = (bounds[0], bounds[1])
            by_sorted = np.argsort(self.topic_ids)
            self.members = [None] * len(self.topic_ids)
            for rank, t in enumerate(by_sorted):
                self.members[t] = (bounds[rank + 1], bounds[rank + 2])

    def __len__(self) -> int:
        return len(self.vectors)

    def search(self, queries: np.ndarray, k: int, centroid_sims: np.ndarray | None = None,
               chunk: int = 512) -> tuple[np.ndarray, np.ndarray]:
        """(indices, cosines) of each query's `k` most similar past complaints, most similar first."""
        q = unit_rows(queries)
        n, k = len(q), min(k, len(self.vectors))
        idx = np.zeros((n, k), dtype=np.int64)
        sim = np.full((n, k), -np.inf, dtype=np.float32)
        if not n or not k:
            return idx, np.zeros((n, k), dtype=np.float32)
        if self.exact or centroid_sims is None:
            for s in range(0, n, chunk):
                idx[s:s + chunk], sim[s:s + chunk] = _top_k(q[s:s + chunk] @ self.vectors.T, k)
            return idx, sim
        near = np.argsort(-centroid_sims, axis=1)[:, : self.n_topics]
        blocks = [(self.pool, np.arange(n))] + [(self.members[t], np.flatnonzero((near == t).any(axis=1)))
                                                 for t in range(len(self.topic_ids))]
        for (lo, hi), rows in blocks:
            if hi <= lo or not len(rows):
                continue
            block = self.sorted[lo:hi]
            for s in range(0, len(rows), chunk):
                r = rows[s:s + chunk]
                bi, bs = _top_k(q[r] @ block.T, k)
                cand_i = np.hstack([idx[r], self.order[lo + bi]])
                cand_s = np.hstack([sim[r], bs])
                pick, vals = _top_k(cand_s, k)
                idx[r], sim[r] = np.take_along_axis(cand_i, pick, axis=1), vals
        return idx, np.where(np.isfinite(sim), sim, 0.0).astype(np.float32)


def neighbour_vote(idx: np.ndarray, sim: np.ndarray, neighbour_topics: np.ndarray,
                   min_similarity: float = KNN_MIN_SIMILARITY, min_votes: int = KNN_MIN_VOTES,
                   min_share: float = 2 / 3) -> tuple[np.ndarray, np.ndarray]:
    """(topic, support): a complaint far from every centre (a short one, say) still joins the topic
    that its close past complaints agree on; support is their mean cosine."""
    n = len(idx)
    if not n or not idx.shape[1]:
        return np.full(n, UNASSIGNED, dtype=np.int64), np.zeros(n, dtype=np.float32)
    close = sim >= min_similarity
    labels = np.where(close, neighbour_topics[idx], UNASSIGNED)
    valid = labels != UNASSIGNED
    # votes[r, j]: how many close neighbours of row r share neighbour j's topic (k is small: k*k per row)
    same = (labels[:, :, None] == labels[:, None, :]) & valid[:, :, None] & valid[:, None, :]
    votes = same.sum(axis=2)
    best = votes.argmax(axis=1)
    rows = np.arange(n)
    count = votes[rows, best]
    winner = labels[rows, best]
    ok = (count >= min_votes) & (count >= min_share * np.maximum(close.sum(axis=1), 1))
    topic = np.where(ok, winner, UNASSIGNED)
    agree = same[rows, best] & ok[:, None]
    support = np.where(ok, (sim * agree).sum(axis=1) / np.maximum(agree.sum(axis=1), 1), 0.0).astype(np.float32)
    return topic, support
