"""Analysts' view and curation of topics: list, show, rename, merge, re-map a pain point.

Curation is stored by stable topic id in its own table, so it survives refits and updates.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd

from ..config import Library
from ..store import LibraryStore, open_store
from .catalog import CurationError, current_version, topics_frame
from .compact import refresh_topics
from .taxonomy import load_taxonomy, resolve_painpoint


def list_topics(library: Library, version: int | None = None, lexicons: str | None = None) -> list[dict]:
    with open_store(library) as s:
        df = topics_frame(s, version, lexicons)
    cols = ["topic_id", "label", "painpoint", "painpoint_name", "department", "size", "keywords", "first_version",
            "status", "version"]
    return df[cols].to_dict("records")


def show_topic(library: Library, topic_id: int, version: int | None = None, lexicons: str | None = None) -> dict:
    with open_store(library) as s:
        df = topics_frame(s, version, lexicons, include_merged=True)
        row = df[df["topic_id"] == topic_id]
        if row.empty:
            raise CurationError(f"topic {topic_id} is not in model version {current_version(s, version)}; "
                                "see `complaints topics list`")
        rec = row.iloc[0].to_dict()
        ex = s.query("SELECT complaint_id, received_at, channel, text FROM complaints WHERE complaint_id IN "
                     "(SELECT unnest(?::VARCHAR[]))", [rec["examples"]])
        order = {cid: i for i, cid in enumerate(rec["examples"])}
        ex = ex.assign(_o=ex["complaint_id"].map(order)).sort_values("_o").drop(columns="_o")
        rec["examples"] = [{"complaint_id": c, "received_at": None if pd.isna(d) else str(d), "channel": ch,
                            "text": t} for c, d, ch, t in ex.itertuples(index=False, name=None)]
        merged = s.query("SELECT topic_id FROM curation WHERE merged_into = ?", [topic_id])["topic_id"].tolist()
        rec["merged_from"] = [int(x) for x in merged]
        into = s.scalar("SELECT merged_into FROM curation WHERE topic_id = ?", [topic_id])
        rec["merged_into"] = None if into is None else int(into)  # a merged topic says where it went
        if into is not None:
            target = df[df["topic_id"] == int(into)]
            rec["merged_into_label"] = None if target.empty else str(target.iloc[0]["label"])
    return {k: (int(v) if hasattr(v, "item") and isinstance(v.item(), int) else v) for k, v in rec.items()}


def _touch(store: LibraryStore, topic_id: int, **fields) -> None:
    if not store.scalar("SELECT count(*) FROM curation WHERE topic_id = ?", [topic_id]):
        store.execute("INSERT INTO curation (topic_id) VALUES (?)", [topic_id])
    for k, v in fields.items():
        store.execute(f"UPDATE curation SET {k} = ?, updated_at = ? WHERE topic_id = ?", [v, dt.datetime.now(), topic_id])


def _require(store: LibraryStore, version: int, topic_id: int) -> None:
    if not store.scalar("SELECT count(*) FROM topics WHERE version = ? AND topic_id = ? AND status <> 'merged'",
                        [version, topic_id]):
        raise CurationError(f"topic {topic_id} is not an active topic of model version {version}; "
                            "see `complaints topics list`")


def rename_topic(library: Library, topic_id: int, label: str) -> None:
    from ..text.normalize import collapse_space, strip_invisible

    label = collapse_space(strip_invisible(label))  # no escape sequence or control character in a label
    if not label:
        raise CurationError("a topic label cannot be empty")
    with open_store(library, write=True) as s, s.transaction():
        _require(s, current_version(s), topic_id)
        _touch(s, topic_id, label=label)
        refresh_topics(library, s)


def set_painpoint(library: Library, topic_id: int, painpoint: str, lexicons: str | None = None) -> str:
    p = resolve_painpoint(load_taxonomy(lexicons), painpoint)
    with open_store(library, write=True) as s, s.transaction():
        v = current_version(s)
        _require(s, v, topic_id)
        _touch(s, topic_id, painpoint=p.key)
        s.execute("UPDATE topics SET painpoint = ? WHERE version = ? AND topic_id = ?", [p.key, v, topic_id])
        s.execute("UPDATE assignments SET painpoint = ? WHERE version = ? AND topic_id = ?", [p.key, v, topic_id])
        refresh_topics(library, s, lexicons)
    return p.key


def merge_topics(library: Library, target: int, sources: list[int]) -> int:
    """Fold `sources` into `target` in the current version; later versions follow the merge."""
    sources = [s for s in dict.fromkeys(sources) if s != target]
    if not sources:
        raise CurationError("name at least one other topic to merge into the first")
    with open_store(library, write=True) as s, s.transaction():
        v = current_version(s)
        for t in [target, *sources]:
            _require(s, v, t)
        for src in sources:
            _touch(s, src, merged_into=target)
        ids = ",".join(str(int(x)) for x in sources)
        pain = s.scalar("SELECT painpoint FROM topics WHERE version = ? AND topic_id = ?", [v, target])
        s.execute(f"UPDATE assignments SET topic_id = ?, painpoint = ? WHERE version = ? AND topic_id IN ({ids})",
                  [target, pain, v])
        size = s.scalar("SELECT count(*) FROM assignments WHERE version = ? AND topic_id = ?", [v, target])
        s.execute("UPDATE topics SET size = ? WHERE version = ? AND topic_id = ?", [size, v, target])
        s.execute(f"UPDATE topics SET status = 'merged', size = 0 WHERE version = ? AND topic_id IN ({ids})", [v])
        lin = json.loads(s.scalar("SELECT lineage FROM topics WHERE version = ? AND topic_id = ?", [v, target]) or "[]")
        lin += [{"topic_id": int(x), "merged": True} for x in sources]
        s.execute("UPDATE topics SET lineage = ? WHERE version = ? AND topic_id = ?", [json.dumps(lin), v, target])
        refresh_topics(library, s)
        return int(size)
