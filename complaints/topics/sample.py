"""Which complaints a large library's topic model is fitted on: a stratified sample, drawn in SQL.

Past `SWITCH` complaints a full fit stops paying off (bench/scale_bench.py measured it: the
UMAP + HDBSCAN step grows faster than linearly in time and memory, while a sample of that size
finds the same topics). `complaints fit` then fits the topic model on `SWITCH` complaints and
places every other one with the assignment `update` and `classify` use (topics/bulk_assign.py),
each only on the topics of its own pain point.

The sample is stratified by month, channel and each complaint's pain point (decided for every
complaint by the pain-point stage before the sample is drawn), each stratum represented in
proportion (largest remainder, at least one complaint each when the strata are few enough), so a
quiet month, a small channel or a rare pain point is not left out by chance, and every pain point
has its own complaints to cluster. Selection within a stratum follows a seeded hash of the
complaint id, so the same library and seed give the same sample, and a library that grew keeps
most of its earlier sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..store import LibraryStore

SWITCH = 100_000  # fit on every complaint up to here; past it, on a stratified sample of this size


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


_STRATA = """
SELECT coalesce(strftime(date_trunc('month', received_at), '%Y-%m'), 'undated') AS month,
       coalesce(nullif(trim(channel), ''), '(none)') AS channel,
       p.painpoint, complaint_id
FROM complaints JOIN _painpoints p USING (complaint_id)
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


def draw_sample(store: LibraryStore, size: int, painpoints: pd.DataFrame, seed: int = 42) -> SamplePlan:
    """A stratified sample of `size` among the complaints of `painpoints` (complaint_id, painpoint: the
    candidates, each with its decided pain point); all of them when there are not more."""
    store.execute("CREATE OR REPLACE TEMP TABLE _painpoints (complaint_id VARCHAR, painpoint VARCHAR)")
    store.append("_painpoints", painpoints[["complaint_id", "painpoint"]].astype(str))
    store.execute(f"CREATE OR REPLACE TEMP TABLE _strata AS {_STRATA}")
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
        store.execute("DROP TABLE IF EXISTS _painpoints")
    return SamplePlan(picked["complaint_id"].tolist(), picked["text"].tolist(), int(strata["n"].sum()), strata)


def _values(strata: pd.DataFrame) -> str:
    def lit(s: str) -> str:
        return "'" + str(s).replace("'", "''") + "'"

    return ", ".join(f"({lit(m)}, {lit(c)}, {lit(p)}, {int(q)})"
                     for m, c, p, q in strata[["month", "channel", "painpoint", "quota"]].itertuples(index=False))
