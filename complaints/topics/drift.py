"""Drift per update: each topic's share of the complaints that just arrived against the period before.

"Now" is the run's new complaints; "before" is the library's complaints received in the
equally long window just before the earliest of them (at least one day), as the parent
version assigned them. Unassigned complaints appear as topic -1.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..ingest.dates import EARLIEST, latest_plausible
from ..store import LibraryStore

COLUMNS = ["version", "topic_id", "label", "painpoint", "n_now", "share_now", "n_prev", "share_prev", "change",
           "is_new", "period_start", "period_end", "prev_start", "prev_end"]


def drift_summary(store: LibraryStore, version: int, prev: int, new: pd.DataFrame) -> list[dict]:
    """Compute, store (table `drift`) and return the rows, fastest-growing first."""
    # dates outside the plausible window (a library written before ingest refused them) are left out
    dated = pd.to_datetime(pd.Series(new["received_at"]), errors="coerce").dropna()
    dated = dated[(dated >= EARLIEST) & (dated <= latest_plausible())]
    start, end = (dated.min(), dated.max()) if len(dated) else (None, None)
    now = store.query("""SELECT topic_id, count(*) AS n FROM assignments
                         WHERE version = ? AND complaint_id IN (SELECT unnest(?::VARCHAR[])) GROUP BY 1""",
                      [version, new["complaint_id"].tolist()])
    before = pd.DataFrame(columns=["topic_id", "n"])
    prev_start = None
    if start is not None:
        span = max(end - start, pd.Timedelta(days=1))
        prev_start = start - span
        before = store.query("""SELECT a.topic_id, count(*) AS n FROM assignments a JOIN complaints c USING (complaint_id)
                                WHERE a.version = ? AND c.received_at >= ? AND c.received_at < ? GROUP BY 1""",
                             [prev, prev_start.to_pydatetime(), start.to_pydatetime()])
    topics = store.query("""SELECT t.topic_id, coalesce(c.label, t.label) AS label, t.painpoint, t.first_version
                            FROM topics t LEFT JOIN curation c USING (topic_id)
                            WHERE t.version = ? AND t.status <> 'merged'""", [version])
    n_now, n_prev = dict(now.itertuples(index=False, name=None)), dict(before.itertuples(index=False, name=None))
    tot_now, tot_prev = sum(n_now.values()), sum(n_prev.values())
    rows = []
    info = {int(r.topic_id): r for r in topics.itertuples(index=False)}
    for tid in sorted(set(info) | set(n_now) | set(n_prev)):
        a, b = int(n_now.get(tid, 0)), int(n_prev.get(tid, 0))
        if not a and not b:
            continue
        r = info.get(tid)
        share_now = a / tot_now if tot_now else 0.0
        share_prev = b / tot_prev if tot_prev else None
        rows.append({"version": version, "topic_id": int(tid), "label": r.label if r is not None else "(未归类)",
                     "painpoint": r.painpoint if r is not None else None, "n_now": a, "share_now": round(share_now, 4),
                     "n_prev": b, "share_prev": None if share_prev is None else round(share_prev, 4),
                     "change": None if share_prev is None else round(share_now - share_prev, 4),
                     "is_new": bool(r is not None and int(r.first_version) == version),
                     "period_start": _ts(start), "period_end": _ts(end), "prev_start": _ts(prev_start),
                     "prev_end": _ts(start)})
    # fastest growing first; the unassigned complaints (topic -1) are not a topic that grows: last
    rows.sort(key=lambda x: (x["topic_id"] < 0, -(x["change"] if x["change"] is not None else x["share_now"])))
    if rows:
        store.append("drift", pd.DataFrame(rows, columns=COLUMNS))
    return rows


def _ts(x) -> dt.datetime | None:
    return None if x is None or pd.isna(x) else pd.Timestamp(x).to_pydatetime()


def read_drift(store: LibraryStore, version: int | None = None) -> list[dict]:
    """A stored drift summary (default: the latest), as `drift_summary` returned it: missing values
    (no earlier period, undated complaints) are None, not NaN / NaT."""
    v = version if version is not None else store.scalar("SELECT max(version) FROM drift")
    if v is None:
        return []
    df = store.query("SELECT * FROM drift WHERE version = ? ORDER BY topic_id < 0, change DESC NULLS LAST, n_now DESC", [v])
    return [{k: None if not isinstance(x, str) and pd.isna(x) else x for k, x in r.items()}
            for r in df.to_dict("records")]
