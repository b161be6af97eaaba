"""Pain points in `update`: the topics' pain points, re-nesting after a pain-point refit, emerging groups.

When an analyst edits the taxonomy, corrects complaints, re-maps a topic or changes the operator
mapping, `update` decides every complaint again; `renest` then keeps every topic pure (its curated
or majority pain point; a complaint whose own differs joins the nearest topic of its pain point
through the version's assigner, or leaves its topic, keeping its pain point). An emerging group is
nested the same way (`nest_emerging`).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from ..store import LibraryStore
from .assign import UNASSIGNED
from .nesting import curated_painpoints, majority, nest
from .stable_ids import merged_into, resolve_merge


def topic_painpoints(store: LibraryStore, version: int) -> dict[int, str]:
    """Stable topic id -> pain point in `version`, a merged topic answering with its target's."""
    rows = store.pairs("SELECT topic_id, painpoint FROM topics WHERE version = ?", [version])
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


# Above this confidence a complaint's own pain point is right about 85% of the time on the real
# Weibo gold (bench/painpoint_real.py); below it, a coherent new issue's majority is better evidence.
SURE = 0.8


def nest_emerging(groups: list[tuple[str | None, np.ndarray]], pps: np.ndarray, confidence: np.ndarray,
                  min_size: int, sure: float = SURE) -> list[tuple[str | None, np.ndarray, str]]:
    """(signature, rows, pain point): an emerging group is nested under the pain point most of its
    members carry. A member sure of another pain point stays where it was; a member that is not sure
    joins the group and takes its pain point (a new issue is what the taxonomy does not know yet, so
    its complaints scatter over neighbouring pain points; the caller records the change). A group
    left with too few members is dropped."""
    out = []
    for signature, rows in groups:
        rows = np.asarray(rows)
        key = majority(np.zeros(len(rows), dtype=np.int64), pps[rows], confidence[rows])[0]
        kept = rows[(pps[rows] == key) | (confidence[rows] < sure)]
        if len(kept) >= min_size:
            out.append((signature, kept, key))
    return out


def take_group_painpoint(decisions: pd.DataFrame, groups: list[tuple[str | None, np.ndarray, str]]) -> None:
    """Members of an emerging group that carried another pain point take the group's; the one they
    had becomes their runner-up and their source says why."""
    for signature, rows, key in groups:
        moved = rows[decisions["painpoint"].to_numpy(dtype=object)[rows] != key]
        if not len(moved):
            continue
        idx = decisions.index[moved]
        decisions.loc[idx, "painpoint_second"] = decisions.loc[idx, "painpoint"].to_numpy()
        decisions.loc[idx, "painpoint"] = key
        decisions.loc[idx, "painpoint_source"] = "emerging_topic"
        decisions.loc[idx, "painpoint_status"] = "uncertain"
        if signature:
            decisions.loc[idx, "painpoint_evidence"] = json.dumps([signature], ensure_ascii=False)