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

from .cluster import OUTLIER, knn_vote, make_clustering


def _unit(m: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(m, axis=-1, keepdims=True)
    return m / np.where(n == 0, 1, n)


def cluster_within(embeddings: np.ndarray, groups: np.ndarray, clustering: str, min_topic_size: int,
                   n_topics: int | None = None, seed: int = 42, outliers: str | None = "centroid",
                   knn: int = 10, knn_share: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """(labels, initial): a topic per row, numbered across groups, and the labels before the group's
    outliers were placed (-1 for those), so callers can tell clustered members from placed ones.
    `outliers`: "knn", "centroid" or None (they stay outliers, keeping their pain point)."""
    embeddings = _unit(np.asarray(embeddings, dtype=np.float32))
    groups = np.asarray(groups, dtype=object)
    labels = np.full(len(groups), OUTLIER, dtype=np.int64)
    initial = labels.copy()
    n, next_id = len(groups), 0
    for g in sorted(set(groups.tolist()), key=str):
        rows = np.flatnonzero(groups == g)
        k = None if n_topics is None else max(1, int(round(n_topics * len(rows) / n)))
        if len(rows) < 2 * min_topic_size or k == 1:
            labels[rows] = initial[rows] = next_id
            next_id += 1
            continue
        reducer, clusterer = make_clustering(clustering, k).build(len(rows), min_topic_size, seed)
        np.random.seed(seed)
        space = reducer.fit_transform(embeddings[rows]) if hasattr(reducer, "fit_transform") else \
            reducer.fit(embeddings[rows]).transform(embeddings[rows])
        got = np.asarray(clusterer.fit(space).labels_, dtype=np.int64)
        if not (got >= 0).any():
            labels[rows] = initial[rows] = next_id
            next_id += 1
            continue
        ids = sorted(set(got[got >= 0].tolist()))
        remap = {t: next_id + i for i, t in enumerate(ids)}
        first = np.array([remap.get(int(t), OUTLIER) for t in got], dtype=np.int64)
        initial[rows] = first
        if outliers == "knn":
            labels[rows] = knn_vote(np.asarray(space), first, knn, knn_share)
        elif outliers == "centroid":
            cents = _unit(np.stack([embeddings[rows][got == t].mean(axis=0) for t in ids]))
            near = np.array([remap[ids[j]] for j in (embeddings[rows] @ cents.T).argmax(axis=1)], dtype=np.int64)
            labels[rows] = np.where(first >= 0, first, near)
        else:
            labels[rows] = first
        next_id += len(ids)
    return labels, initial
