"""Read-only views of a model version's topics, with curation applied: what curation, the compact
artifact, export and report all read. Kept apart from curate.py so the artifact writer (compact.py) can
read topics without importing the curation commands that refresh it."""

from __future__ import annotations

import json

import pandas as pd

from ..errors import ComplaintsError, LibraryMissingError
from ..store import LibraryStore
from ..painpoints.taxonomy import load_taxonomy


class CurationError(ComplaintsError):
    pass


def current_version(store: LibraryStore, version: int | None = None) -> int:
    v = version if version is not None else store.scalar("SELECT max(version) FROM model_versions")
    if v is None:
        raise LibraryMissingError("no topic model yet: run `complaints fit` first")
    if not store.scalar("SELECT count(*) FROM model_versions WHERE version = ?", [int(v)]):
        raise CurationError(f"no model version {v}")
    return int(v)


_VIEW = """
SELECT t.topic_id, coalesce(c.label, t.label) AS label, t.label AS auto_label, t.painpoint, t.painpoint_score,
       t.size, t.keywords, t.keywords_diverse, t.examples, t.lineage, t.first_version, t.status, t.version
FROM topics t LEFT JOIN curation c USING (topic_id)
WHERE t.version = ? {extra}
ORDER BY t.status = 'active' DESC, t.size DESC, t.topic_id
"""


def topics_frame(store: LibraryStore, version: int | None = None, lexicons: str | None = None,
                 include_merged: bool = False) -> pd.DataFrame:
    v = current_version(store, version)
    df = store.query(_VIEW.format(extra="" if include_merged else "AND t.status <> 'merged'"), [v])
    tax = {p.key: p for p in load_taxonomy(lexicons)}
    df["painpoint_name"] = [tax[p].name if p in tax else p for p in df["painpoint"]]
    df["department"] = [tax[p].department if p in tax else "" for p in df["painpoint"]]
    for col in ("keywords", "keywords_diverse", "examples", "lineage"):
        df[col] = [json.loads(x) if x else [] for x in df[col]]
    df["keywords"] = [[w for w, _ in kws] for kws in df["keywords"]]
    return df
