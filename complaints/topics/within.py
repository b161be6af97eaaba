"""Clustering within each pain point: topics that are nested by construction (the `fit` default).

Each complaint's pain point is decided first; its complaints are then clustered on their own (the
library's clustering strategy: UMAP + HDBSCAN, or k-means with the topic budget shared in proportion),
a pain point too small to split is one topic, and the group's outliers are placed only among the
topics of their own pain point: by the kNN vote in the group's reduced space (the default: only where
most of their nearest clustered complaints agree, cluster.knn_vote), or to the nearest centroid. One BERTopic model then describes all topics together (its manual mode: y = these labels), so
keywords contrast a topic with every other topic, not only with its pain point's.

Measured against clustering everything and then nesting, and against semi-supervised UMAP
(bench/painpoint_nesting.py): every complaint keeps a topic, and topics agree with the operator's
own categories at least as well.
"""

from __future__ import annotations

import numpy as np

from ..parallel import pool_map
from .cluster import OUTLIER, knn_vote, make_clustering


# A fresh worker spends ~20 s importing and compiling UMAP and HDBSCAN; below this many complaints
# clustering them takes less than that.
PARALLEL_MIN = 20_000
_PRELOAD = ("complaints.topics.within", "umap", "hdbscan")


def _unit(m: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(m, axis=-1, keepdims=True)
    return m / np.where(n == 0, 1, n)


def cluster_within(embeddings: np.ndarray, groups: np.ndarray, clustering: str, min_topic_size: int,
                   n_topics: int | None = None, seed: int = 42, outliers: str | None = "centroid",
                   knn: int = 10, knn_share: float = 0.5, workers: int | None = None,
                   parallel_min: int = PARALLEL_MIN) -> tuple[np.ndarray, np.ndarray]:
    """(labels, initial): a topic per row, numbered across groups, and the labels before the group's
    outliers were placed (-1 for those), so callers can tell clustered members from placed ones.
    `outliers`: "knn", "centroid" or None (they stay outliers, keeping their pain point).
    From `parallel_min` complaints on, pain points are clustered on `workers` (None: every core) fresh
    interpreters (`parallel.pool_map`: forked ones hang in OpenMP once this process ran UMAP or k-means),
    largest first; each reseeds, so the result does not depend on the order or the number of workers."""
    embeddings = _unit(np.asarray(embeddings, dtype=np.float32))
    groups = np.asarray(groups, dtype=object)
    labels = np.full(len(groups), OUTLIER, dtype=np.int64)
    initial = labels.copy()
    n = len(groups)
    keys = sorted(set(groups.tolist()), key=str)
    rows_of = {g: np.flatnonzero(groups == g) for g in keys}
    jobs = []
    for g in keys:
        k = None if n_topics is None else max(1, int(round(n_topics * len(rows_of[g]) / n)))
        if not (len(rows_of[g]) < 2 * min_topic_size or k == 1):
            jobs.append((g, k))
    jobs.sort(key=lambda j: -len(rows_of[j[0]]))
    params = (clustering, min_topic_size, seed, outliers, knn, knn_share)
    work = [(embeddings[rows_of[g]], k, params) for g, k in jobs]
    found = dict(zip([g for g, _ in jobs], pool_map(_cluster_group, work, workers if n >= parallel_min else 1,
                                                    preload=_PRELOAD)))
    next_id = 0
    for g in keys:
        rows = rows_of[g]
        got, placed = found.get(g, (None, None))
        if got is None or not (got >= 0).any():  # too small to split, or no cluster found: one topic
            labels[rows] = initial[rows] = next_id
            next_id += 1
            continue
        ids = sorted(set(got[got >= 0].tolist()))
        remap = {t: next_id + i for i, t in enumerate(ids)}
        initial[rows] = [remap.get(int(t), OUTLIER) for t in got]
        labels[rows] = [remap.get(int(t), OUTLIER) for t in placed]
        next_id += len(ids)
    return labels, initial


def _cluster_group(job: tuple) -> tuple[np.ndarray, np.ndarray]:
    """One pain point's (clusters found, clusters after its outliers were placed), in local ids."""
    x, k, (clustering, min_topic_size, seed, outliers, knn, knn_share) = job
    reducer, clusterer = make_clustering(clustering, k).build(len(x), min_topic_size, seed)
    np.random.seed(seed)
    space = reducer.fit_transform(x) if hasattr(reducer, "fit_transform") else reducer.fit(x).transform(x)
    got = np.asarray(clusterer.fit(space).labels_, dtype=np.int64)
    if not (got >= 0).any():
        return got, got
    if outliers == "knn":
        return got, knn_vote(np.asarray(space), got, knn, knn_share)
    if outliers == "centroid":
        ids = sorted(set(got[got >= 0].tolist()))
        cents = _unit(np.stack([x[got == t].mean(axis=0) for t in ids]))
        near = np.array([ids[j] for j in (x @ cents.T).argmax(axis=1)], dtype=np.int64)
        return got, np.where(got >= 0, got, near)
    return got, got
