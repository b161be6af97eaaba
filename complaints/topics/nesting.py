"""Topics nested under pain points (痛点 → 话题): a topic belongs to one pain point, and so do its complaints.

The pain point is decided per complaint first (complaints.painpoints); clustering groups complaints
that read alike, and those groups can mix pain points. `nest` makes them pure:
- a topic's pain point is the one an analyst set for it (`topics painpoint`) or else the
  confidence-weighted majority of its complaints';
- in a topic an analyst re-mapped, its complaints take the analyst's pain point, except those
  corrected one by one (a per-complaint correction is the more specific word);
- any other complaint whose pain point is not its topic's moves to the nearest topic of its own
  pain point when it is as close to it as that topic's own members typically are (the 5% quantile
  of their cosine, like `update`'s assigner), and otherwise leaves the topic: it keeps its pain
  point and has no topic (method `painpoint_outlier`).
numpy only; used by `fit` (on the new clustering) and by `update` (after a pain-point refit).
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Callable

import numpy as np

OUTLIER = -1


@dataclass
class Nesting:
    labels: np.ndarray          # topic per complaint after nesting (-1: none)
    painpoints: np.ndarray      # pain point per complaint after topic curation
    topic_painpoint: dict[int, str]
    moved: np.ndarray           # joined another topic of its own pain point
    dropped: np.ndarray         # left its topic, kept its pain point
    curated: np.ndarray         # took its topic's curated pain point


def majority(labels: np.ndarray, painpoints: np.ndarray, weights: np.ndarray) -> dict[int, str]:
    """Per topic, the pain point with the largest summed weight among its complaints (ties: by key)."""
    out: dict[int, str] = {}
    for t in np.unique(labels[labels != OUTLIER]):
        members = labels == t
        keys, inv = np.unique(painpoints[members], return_inverse=True)
        votes = np.bincount(inv, weights=np.maximum(weights[members], 1e-6))
        out[int(t)] = str(keys[int(np.argmax(votes))])
    return out


def _centroids(vectors: np.ndarray, labels: np.ndarray, topics: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Unit centroid and 5%-quantile member cosine per topic."""
    cents, thr = [], []
    for t in topics:
        v = vectors[labels == t]
        c = v.mean(axis=0) if len(v) else np.zeros(vectors.shape[1], dtype=np.float32)
        c = c / (np.linalg.norm(c) or 1.0)
        cents.append(c)
        thr.append(float(np.quantile(v @ c, 0.05)) if len(v) else 1.0)
    return np.asarray(cents, dtype=np.float32).reshape(len(topics), vectors.shape[1]), np.asarray(thr)


def nest(labels: np.ndarray, painpoints: np.ndarray, weights: np.ndarray, vectors: np.ndarray | None = None,
         fixed: np.ndarray | None = None, curated: dict[int, str] | None = None, min_similarity: float = 0.1,
         place: Callable[[np.ndarray, np.ndarray, dict[int, str]], np.ndarray] | None = None) -> Nesting:
    """See the module docstring. `vectors`: the complaints' embeddings (rows of `labels`), for the
    centroids strays move to; or `place(rows, their pain points, topic pain points)` -> a topic per
    row (-1: none), e.g. `update`'s assigner limited to the topics of each row's pain point."""
    labels = np.asarray(labels, dtype=np.int64).copy()
    painpoints = np.asarray(painpoints, dtype=object).copy()
    weights = np.asarray(weights, dtype=np.float64)
    fixed = np.zeros(len(labels), dtype=bool) if fixed is None else np.asarray(fixed, dtype=bool)
    curated = {int(t): k for t, k in (curated or {}).items()}
    topic_pp = majority(labels, painpoints, weights)
    topic_pp.update({t: k for t, k in curated.items() if t in topic_pp})
    took = np.zeros(len(labels), dtype=bool)
    for t, k in curated.items():
        rows = (labels == t) & ~fixed & (painpoints != k)
        painpoints[rows], took[rows] = k, True
    own = np.array([topic_pp.get(int(t)) == p if t != OUTLIER else True for t, p in zip(labels, painpoints)],
                   dtype=bool)
    strays = np.flatnonzero(~own)
    kept = labels.copy()
    kept[strays] = OUTLIER
    moved = np.zeros(len(labels), dtype=bool)
    dropped = np.zeros(len(labels), dtype=bool)
    if len(strays):
        if place is None:
            place = _centroid_placer(np.asarray(vectors, dtype=np.float32), kept, min_similarity)
        target = np.asarray(place(strays, painpoints[strays], topic_pp), dtype=np.int64)
        kept[strays] = target
        moved[strays] = target != OUTLIER
        dropped[strays] = target == OUTLIER
    return Nesting(kept, painpoints, topic_pp, moved, dropped, took)


def _centroid_placer(vectors: np.ndarray, kept: np.ndarray, min_similarity: float):
    """Strays join the nearest topic of their pain point when as close as its own members typically are."""
    def place(rows: np.ndarray, pps: np.ndarray, topic_pp: dict[int, str]) -> np.ndarray:
        topics = sorted(topic_pp)
        cents, thr = _centroids(vectors, kept, topics)
        pp_of = np.array([topic_pp[t] for t in topics], dtype=object)
        sims = vectors[rows] @ cents.T
        out = np.full(len(rows), OUTLIER, dtype=np.int64)
        for r in range(len(rows)):
            ok = np.flatnonzero((pp_of == pps[r]) & (sims[r] >= np.maximum(thr, min_similarity)))
            if len(ok):
                out[r] = topics[int(ok[np.argmax(sims[r, ok])])]
        return out
    return place


def purity(labels: np.ndarray, painpoints: np.ndarray) -> float:
    """Share of topic members whose pain point is their topic's majority (1.0 = nested)."""
    labels, painpoints = np.asarray(labels), np.asarray(painpoints, dtype=object)
    inside = labels != OUTLIER
    if not inside.any():
        return 1.0
    pp = majority(labels, painpoints, np.ones(len(labels)))
    return float(np.mean([pp[int(t)] == p for t, p in zip(labels[inside], painpoints[inside])]))


def curated_painpoints(store) -> dict[int, str]:
    """Stable topic id -> the pain point an analyst set for it (`topics painpoint`)."""
    rows = store.query("SELECT topic_id, painpoint FROM curation WHERE painpoint IS NOT NULL")
    return {int(t): str(p) for t, p in rows.itertuples(index=False, name=None)}


def nest_model(store, model, mapping: dict[int, int], texts: list[str], vectors: np.ndarray, embedder,
               decisions) -> tuple[dict[int, tuple[str, float]], object]:
    """Nest a fitted TopicModel's topics under the complaints' pain points (`decisions`: the pain-point
    columns of its texts, in order) and describe the topics again. Returns the pain point (and the
    share of its members' weight) per raw topic, and the decisions as nesting left them; the model's
    `method_` says which complaints moved (`painpoint_nested`) or left their topic (`painpoint_outlier`)."""
    curated = curated_painpoints(store)
    raw_curated = {r: curated[s] for r, s in mapping.items() if s in curated}
    pp = decisions["painpoint"].to_numpy(dtype=object)
    conf = decisions["painpoint_confidence"].to_numpy(dtype=float)
    fixed = (decisions["painpoint_source"] == "correction").to_numpy()
    res = nest(model.labels_, pp, conf, vectors, fixed=fixed, curated=raw_curated)
    if (res.labels != model.labels_).any():
        model.relabel(texts, vectors, res.labels, embedder)
    model.method_ = np.where(res.moved, "painpoint_nested", np.where(res.dropped, "painpoint_outlier", model.method_))
    out = decisions.copy()
    out.loc[res.curated, "painpoint"] = res.painpoints[res.curated]
    out.loc[res.curated, "painpoint_source"] = "topic_curation"
    out.loc[res.curated, "painpoint_status"] = "assigned"
    out.loc[res.curated, "painpoint_confidence"] = 1.0
    pains = {}
    for r in model.topics_:
        members = model.labels_ == r
        share = float(conf[members & (res.painpoints == res.topic_painpoint[r])].sum() / max(conf[members].sum(), 1e-9))
        pains[int(r)] = (res.topic_painpoint[int(r)], round(share, 4))
    return pains, out
