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

    def transform(self, vectors: np.ndarray) -> dict[str, np.ndarray]:
        """Per row: `topic` (-1 = unassigned), `nearest` topic, its `similarity`, the runner-up's `second`."""
        n = len(vectors)
        if n == 0 or not len(self.topic_ids_):
            z = np.zeros(n, dtype=np.float32)
            return {"topic": np.full(n, UNASSIGNED), "nearest": np.full(n, UNASSIGNED), "similarity": z, "second": z}
        sims = self.similarities(vectors)
        order = np.argsort(-sims, axis=1)[:, :2]
        best = order[:, 0]
        rows = np.arange(n)
        sim = sims[rows, best]
        second = sims[rows, order[:, 1]] if sims.shape[1] > 1 else np.zeros(n, dtype=np.float32)
        nearest = self.topic_ids_[best]
        topic = np.where(sim >= self.thresholds_[best], nearest, UNASSIGNED)
        return {"topic": topic, "nearest": nearest, "similarity": sim.astype(np.float32),
                "second": second.astype(np.float32)}


KNN = 10
KNN_MIN_SIMILARITY = 0.6
KNN_MIN_VOTES = 3


def nearest_neighbours(vectors: np.ndarray, neighbours: np.ndarray, k: int,
                       chunk: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """(indices, cosines) of each row's `k` most similar neighbours, most similar first."""
    n, m = len(vectors), len(neighbours)
    k = min(k, m)
    idx = np.zeros((n, k), dtype=np.int64)
    sim = np.zeros((n, k), dtype=np.float32)
    if not n or not k:
        return idx, sim
    for s in range(0, n, chunk):
        block = unit_rows(vectors[s:s + chunk]) @ neighbours.T
        top = np.argpartition(-block, k - 1, axis=1)[:, :k] if k < m else np.tile(np.arange(m), (len(block), 1))
        part = np.take_along_axis(block, top, axis=1)
        order = np.argsort(-part, axis=1)
        idx[s:s + chunk] = np.take_along_axis(top, order, axis=1)
        sim[s:s + chunk] = np.take_along_axis(part, order, axis=1)
    return idx, sim


def neighbour_vote(idx: np.ndarray, sim: np.ndarray, neighbour_topics: np.ndarray,
                   min_similarity: float = KNN_MIN_SIMILARITY, min_votes: int = KNN_MIN_VOTES,
                   min_share: float = 2 / 3) -> tuple[np.ndarray, np.ndarray]:
    """(topic, support): a complaint far from every centre (a short one, say) still joins the topic
    that its close past complaints agree on; support is their mean cosine."""
    topic = np.full(len(idx), UNASSIGNED, dtype=np.int64)
    support = np.zeros(len(idx), dtype=np.float32)
    for r in range(len(idx)):
        close = sim[r] >= min_similarity
        if close.sum() < min_votes:
            continue
        labels = neighbour_topics[idx[r][close]]
        labels = labels[labels != UNASSIGNED]
        if len(labels) < min_votes:
            continue
        values, counts = np.unique(labels, return_counts=True)
        best = int(np.argmax(counts))
        if counts[best] >= min_votes and counts[best] / close.sum() >= min_share:
            topic[r] = values[best]
            support[r] = float(sim[r][close][neighbour_topics[idx[r][close]] == values[best]].mean())
    return topic, support
