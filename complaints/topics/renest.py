"""Pain points in `update`: the topics' pain points, re-nesting after a pain-point refit, emerging groups.

When an analyst edits the taxonomy, corrects complaints, re-maps a topic or changes the operator
mapping, `update` decides every complaint again; `renest` then keeps every topic pure (its curated
or majority pain point; a complaint whose own differs joins the nearest topic of its pain point
through the version's assigner, or leaves its topic, keeping its pain point). An emerging group is
nested the same way (`nest_emerging`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..store import LibraryStore
from .assign import UNASSIGNED
from .nesting import curated_painpoints, majority, nest
from .stable_ids import merged_into, resolve_merge


def topic_painpoints(store: LibraryStore, version: int) -> dict[int, str]:
    """Stable topic id -> pain point in `version`, a merged topic answering with its target's."""
    rows = dict(store.query("SELECT topic_id, painpoint FROM topics WHERE version = ?",
                            [version]).itertuples(index=False, name=None))
    merges = merged_into(store)
    return {int(t): rows.get(resolve_merge(int(t), merges), p) for t, p in rows.items()}


def renest(store: LibraryStore, prev: int, redecided: pd.DataFrame, compact, emb) -> tuple[dict[int, str], pd.DataFrame]:
    """After a pain-point refit: every earlier complaint's new decision, and its topic re-nested (a topic
    takes its curated or majority pain point; a complaint whose own differs joins the nearest topic of its
    pain point through the assigner, or leaves its topic)."""
    from ..embed import embed_with_cache

    old = store.query("""SELECT a.complaint_id, a.topic_id, a.painpoint AS old_painpoint, c.text
                         FROM assignments a JOIN complaints c USING (complaint_id) WHERE a.version = ?""", [prev])
    old = old.merge(redecided, on="complaint_id", how="left")
    fixed = (old["painpoint_source"] == "correction").to_numpy()

    def place(rows: np.ndarray, pps: np.ndarray, topic_pp: dict[int, str]) -> np.ndarray:
        vecs = embed_with_cache(emb, old["text"].to_numpy()[rows].tolist(), store)  # cached at fit/update
        cols = np.array([topic_pp.get(int(x)) for x in compact.assigner.topic_ids_], dtype=object)
        res = compact.assigner.transform(vecs, cols[None, :] == np.asarray(pps, dtype=object)[:, None])
        return np.where(np.linalg.norm(vecs, axis=1) > 0, res["topic"], UNASSIGNED)

    res = nest(old["topic_id"].to_numpy(), old["painpoint"].to_numpy(dtype=object),
               old["painpoint_confidence"].to_numpy(dtype=float), fixed=fixed,
               curated=curated_painpoints(store), place=place)
    out = old.drop(columns=["text", "old_painpoint"]).copy()
    out["painpoint"], out["topic_id"] = res.painpoints, res.labels
    out.loc[res.curated, ["painpoint_source", "painpoint_status", "painpoint_confidence"]] = \
        ["topic_curation", "assigned", 1.0]
    out["method"] = np.where(res.moved, "painpoint_nested", np.where(res.dropped, "painpoint_outlier", None))
    out["changed"] = (out["painpoint"] != old["old_painpoint"]).to_numpy()
    topic_pp = topic_painpoints(store, prev)
    topic_pp.update(res.topic_painpoint)
    return topic_pp, out


def nest_emerging(groups: list[tuple[str | None, np.ndarray]], pps: np.ndarray, weights: np.ndarray,
                  min_size: int) -> list[tuple[str | None, np.ndarray, str]]:
    """(signature, rows, pain point): an emerging group keeps only the complaints of its majority pain
    point (the others stay where they were) and is dropped when too few remain."""
    out = []
    for signature, rows in groups:
        rows = np.asarray(rows)
        key = majority(np.zeros(len(rows), dtype=np.int64), pps[rows], weights[rows])[0]
        kept = rows[pps[rows] == key]
        if len(kept) >= min_size:
            out.append((signature, kept, key))
    return out