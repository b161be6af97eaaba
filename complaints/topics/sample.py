"""Which complaints a large library's topic model is fitted on: a stratified sample, drawn in SQL.

Past `SWITCH` complaints a full fit stops paying off (bench/scale_bench.py measured it: the
UMAP + HDBSCAN step grows faster than linearly in time and memory, while a sample of that size
finds the same topics). `complaints fit` then fits the topic model on `SWITCH` complaints and
places every other one with the assignment `update` and `classify` use (topics/bulk_assign.py).

The sample is stratified by month, channel and a pain-point guess, each stratum represented in
proportion (largest remainder, at least one complaint each when the strata are few enough), so a
quiet month, a small channel or a rare pain point is not left out by chance. The pain-point guess is the taxonomy pain point
whose seed words the text contains most often (plain SQL substring matches, computed for every
complaint in one scan; complaints with no seed word form their own stratum). Selection within a
stratum follows a seeded hash of the complaint id, so the same library and seed give the same
sample, and a library that grew keeps most of its earlier sample.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..store import LibraryStore
from .taxonomy import OTHER, PainPoint

SWITCH = 100_000  # fit on every complaint up to here; past it, on a stratified sample of this size
NO_SEED = "(none)"


@dataclass
class SamplePlan:
    """The sample: complaint ids (sorted) and texts, and the strata it was drawn from."""

    ids: list[str]
    texts: list[str]
    n_library: int
    strata: pd.DataFrame  # month, channel, painpoint, n (library), quota (sample)

    @property
    def rate(self) -> float:
        return len(self.ids) / max(1, self.n_library)


def needs_sample(n_library: int, switch: int | None = None) -> bool:
    return n_library > (SWITCH if switch is None else switch)


def painpoint_sql(taxonomy: list[PainPoint], column: str = "text") -> str:
    """A SQL expression: the pain point whose seed words `column` contains most often (ties: the
    taxonomy's order), or NO_SEED. One regular-expression count per pain point."""
    parts = []
    for p in taxonomy:
        seeds = sorted({s for s in p.seeds if s}, key=len, reverse=True)
        if p.key == OTHER or not seeds:
            continue
        alt = "|".join(re.escape(s) for s in seeds).replace("'", "''")
        parts.append((p.key, f"len(regexp_extract_all(upper({column}), '{alt}'))"))
    if not parts:
        return f"'{NO_SEED}'"
    keys = ", ".join(f"'{k}'" for k, _ in parts)
    counts = ", ".join(c for _, c in parts)
    return (f"(SELECT CASE WHEN list_max(l) > 0 THEN [{keys}][list_position(l, list_max(l))] ELSE '{NO_SEED}' END "
            f"FROM (SELECT [{counts}] AS l))")


_STRATA = """
SELECT coalesce(strftime(date_trunc('month', received_at), '%Y-%m'), 'undated') AS month,
       coalesce(nullif(trim(channel), ''), '(none)') AS channel,
       {pp} AS painpoint, complaint_id
FROM complaints
"""


def quotas(strata: pd.DataFrame, size: int) -> np.ndarray:
    """Proportional allocation of `size` over the strata's sizes `n` (largest remainder); every stratum
    gets at least one complaint when there are at most a tenth as many strata as the sample holds
    (with more, floors would crowd out the large strata)."""
    n = strata["n"].to_numpy(dtype=np.int64)
    if size >= n.sum():
        return n.copy()
    exact = n * size / n.sum()
    floor = 1 if len(n) <= size // 10 else 0
    q = np.minimum(np.maximum(np.floor(exact).astype(np.int64), floor), n)
    left = size - int(q.sum())
    if left > 0:
        room = np.flatnonzero(q < n)
        order = room[np.argsort(-(exact[room] - np.floor(exact[room])), kind="stable")]
        q[order[:left]] += 1
    while left < 0:  # the floors overshot (more strata than room): take back where most over the exact share
        over = np.where(q > 1, q - exact, -np.inf)
        i = int(np.argmax(over)) if np.isfinite(over).any() else int(np.argmin(np.where(q > 0, exact, np.inf)))
        q[i] -= 1  # with every stratum at one already, the smallest strata give up theirs
        left += 1
    return q


def draw_sample(store: LibraryStore, size: int, taxonomy: list[PainPoint], seed: int = 42) -> SamplePlan:
    """A stratified sample of `size` complaints (every complaint when the library is not larger)."""
    store.execute(f"CREATE OR REPLACE TEMP TABLE _strata AS {_STRATA.format(pp=painpoint_sql(taxonomy))}")
    try:
        strata = store.query("SELECT month, channel, painpoint, count(*) AS n FROM _strata "
                             "GROUP BY ALL ORDER BY ALL")
        strata["quota"] = quotas(strata, size)
        picked = store.query(f"""
            WITH q AS (SELECT * FROM (VALUES {_values(strata)}) q(month, channel, painpoint, quota)),
            ranked AS (
                SELECT s.complaint_id, q.quota,
                       row_number() OVER (PARTITION BY s.month, s.channel, s.painpoint
                                          ORDER BY hash(s.complaint_id, {int(seed)}), s.complaint_id) AS k
                FROM _strata s JOIN q USING (month, channel, painpoint))
            SELECT r.complaint_id, c.text FROM ranked r JOIN complaints c USING (complaint_id)
            WHERE r.k <= r.quota ORDER BY r.complaint_id""")
    finally:
        store.execute("DROP TABLE IF EXISTS _strata")
    return SamplePlan(picked["complaint_id"].tolist(), picked["text"].tolist(), int(strata["n"].sum()), strata)


def _values(strata: pd.DataFrame) -> str:
    def lit(s: str) -> str:
        return "'" + str(s).replace("'", "''") + "'"

    return ", ".join(f"({lit(m)}, {lit(c)}, {lit(p)}, {int(q)})"
                     for m, c, p, q in strata[["month", "channel", "painpoint", "quota"]].itertuples(index=False))
