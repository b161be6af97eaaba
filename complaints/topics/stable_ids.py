"""Stable topic ids across model versions: match a new fit's topics to the previous version's.

BERTopic numbers topics afresh on every fit. Analysts curate by our own ids, so a refit
matches each new topic to the old topic sharing most of its complaints (Jaccard overlap,
one-to-one by the Hungarian method); unmatched topics get fresh ids. Curated merges are
followed, so a topic matched to a merged-away id lands on the id it was merged into.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from ..store import LibraryStore

MATCH_MIN_JACCARD = 0.3
LINEAGE_MIN_SHARE = 0.1


def allocate_ids(store: LibraryStore, n: int) -> list[int]:
    """Hand out `n` never-used topic ids (kept in meta so ids are never reused)."""
    cur = store.scalar("SELECT value FROM meta WHERE key = 'next_topic_id'")
    start = int(cur) if cur is not None else 1
    store.execute("DELETE FROM meta WHERE key = 'next_topic_id'")
    store.execute("INSERT INTO meta VALUES ('next_topic_id', ?)", [str(start + n)])
    return list(range(start, start + n))


def merged_into(store: LibraryStore) -> dict[int, int]:
    rows = store.query("SELECT topic_id, merged_into FROM curation WHERE merged_into IS NOT NULL")
    return {int(a): int(b) for a, b in rows.itertuples(index=False, name=None)}


def resolve_merge(topic_id: int, merges: dict[int, int]) -> int:
    seen = set()
    while topic_id in merges and topic_id not in seen:
        seen.add(topic_id)
        topic_id = merges[topic_id]
    return topic_id


def overlap(previous: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """Per (new raw topic, old stable id): shared complaints, Jaccard and share of the new topic."""
    prev = previous[previous["topic_id"] >= 0]
    cur = current[current["raw"] >= 0]
    both = cur.merge(prev, on="complaint_id")
    if both.empty:
        return pd.DataFrame(columns=["raw", "topic_id", "n", "jaccard", "share"])
    common = set(both["complaint_id"])
    n_new = cur[cur["complaint_id"].isin(common)].groupby("raw").size()
    n_old = prev[prev["complaint_id"].isin(common)].groupby("topic_id").size()
    pairs = both.groupby(["raw", "topic_id"]).size().rename("n").reset_index()
    pairs["jaccard"] = pairs["n"] / (pairs["raw"].map(n_new) + pairs["topic_id"].map(n_old) - pairs["n"])
    pairs["share"] = pairs["n"] / pairs["raw"].map(n_new)
    return pairs


def match_topics(pairs: pd.DataFrame, raw_topics: list[int]) -> dict[int, int]:
    """One-to-one raw → old id where Jaccard reaches MATCH_MIN_JACCARD."""
    if pairs.empty:
        return {}
    olds = sorted(pairs["topic_id"].unique().tolist())
    r_index = {r: i for i, r in enumerate(raw_topics)}
    o_index = {o: j for j, o in enumerate(olds)}
    m = np.zeros((len(raw_topics), len(olds)))
    for r, o, j in pairs[["raw", "topic_id", "jaccard"]].itertuples(index=False, name=None):
        if r in r_index:
            m[r_index[r], o_index[o]] = j
    rows, cols = linear_sum_assignment(-m)
    return {raw_topics[i]: int(olds[j]) for i, j in zip(rows, cols) if m[i, j] >= MATCH_MIN_JACCARD}


def lineage(pairs: pd.DataFrame) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for r, o, share in pairs.sort_values("share", ascending=False)[["raw", "topic_id", "share"]].itertuples(
            index=False, name=None):
        if share >= LINEAGE_MIN_SHARE:
            out.setdefault(int(r), []).append({"topic_id": int(o), "share": round(float(share), 3)})
    return out


def assign_stable_ids(store: LibraryStore, previous_version: int | None, complaint_ids: list[str],
                      raw_labels: np.ndarray, raw_topics: list[int]) -> tuple[dict[int, int], dict[int, list[dict]],
                                                                               dict[int, int]]:
    """Return ({raw: stable id}, {raw: lineage}, {stable id: first version}) for a new version."""
    current = pd.DataFrame({"complaint_id": complaint_ids, "raw": raw_labels})
    pairs, first_seen = pd.DataFrame(), {}
    if previous_version is not None:
        previous = store.query("SELECT complaint_id, topic_id FROM assignments WHERE version = ?", [previous_version])
        pairs = overlap(previous, current)
        first_seen = {int(t): int(v) for t, v in store.query(
            "SELECT topic_id, first_version FROM topics WHERE version = ?", [previous_version]
        ).itertuples(index=False, name=None)}
    matched = match_topics(pairs, raw_topics)
    merges = merged_into(store)
    mapping = {r: resolve_merge(o, merges) for r, o in matched.items()}
    fresh = [r for r in raw_topics if r not in mapping]
    mapping.update(zip(fresh, allocate_ids(store, len(fresh))))
    return mapping, (lineage(pairs) if not pairs.empty else {}), first_seen
