"""Read what a report needs from the library once: dated complaints with their topic, topics, model version.

No complaint text and no customer key is loaded here; example texts (already masked in the
library) are fetched per topic by `examples()`.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import pandas as pd

from ..errors import ComplaintsError
from ..text.mask import mask_pii
from ..store import LibraryStore
from ..topics.catalog import topics_frame
from ..painpoints.taxonomy import PainPoint, load_taxonomy
from .period import Period

TREND_MONTHS = 12
UNASSIGNED = "(unassigned)"
UNASSIGNED_NAME = "未分配(新于模型)"
OUTLIER = -1


class ReportError(ComplaintsError):
    pass


@dataclass
class ReportData:
    period: Period
    trend_start: dt.date
    complaints: pd.DataFrame  # trend_start..period end: id, received_at, channel, region, escalated, is_repeat, topic_id, painpoint, confidence, painpoint_status
    topics: pd.DataFrame  # topics_frame of the model version (label, painpoint, keywords, status …)
    taxonomy: list[PainPoint]
    version: dict | None  # the model_versions row, None when no model was fitted
    undated: int
    first_day: dt.date | None = None  # the library's first and last dated complaint: what the data covers
    last_day: dt.date | None = None
    updates: int = 0  # update versions run so far (an update looks for emerging topics)

    def covered_days(self, start: dt.date, end: dt.date) -> int:
        """Days of [start, end) on which the library has data (between its first and last complaint)."""
        if self.first_day is None:
            return 0
        a, b = max(start, self.first_day), min(end, self.last_day + dt.timedelta(days=1))
        return max((b - a).days, 0)

    @property
    def previous_covered(self) -> bool:
        """The comparison period lies within the data (else a change against it would be invented)."""
        p = self.period.previous
        return self.covered_days(p.start, p.end) == p.days

    @functools.cached_property
    def _by_key(self) -> dict[str, PainPoint]:
        return {p.key: p for p in reversed(self.taxonomy)}  # reversed: the first of a repeated key wins

    def painpoint_name(self, key: str) -> str:
        if key == UNASSIGNED:
            return UNASSIGNED_NAME
        p = self._by_key.get(key)
        return p.name if p else key

    def department(self, key: str) -> str:
        p = self._by_key.get(key)
        return p.department if p else ""

    def in_period(self, period: Period | None = None) -> pd.DataFrame:
        p = period or self.period
        c = self.complaints
        return c[(c["received_at"] >= pd.Timestamp(p.start)) & (c["received_at"] < pd.Timestamp(p.end))]

    @property
    def previous(self) -> pd.DataFrame:
        return self.in_period(self.period.previous)

    @property
    def empty(self) -> bool:
        return self.in_period().empty


_COMPLAINTS = """
WITH picked AS (
    SELECT complaint_id, received_at, channel, region, coalesce(escalated, false) AS escalated,
           repeat_of IS NOT NULL AS is_repeat
    FROM complaints WHERE received_at >= ? AND received_at < ?
), latest AS (  -- an update version may hold only new complaints: take each complaint's newest assignment
    SELECT a.complaint_id, a.topic_id, a.painpoint, a.confidence, a.painpoint_status
    FROM assignments a SEMI JOIN picked p ON a.complaint_id = p.complaint_id
    WHERE a.version <= ?
    QUALIFY row_number() OVER (PARTITION BY a.complaint_id ORDER BY a.version DESC) = 1
)
SELECT p.*, coalesce(m.merged_into, l.topic_id) AS topic_id,
       coalesce(t.painpoint, l.painpoint, ?) AS painpoint, l.confidence, l.painpoint_status
FROM picked p
LEFT JOIN latest l USING (complaint_id)
LEFT JOIN curation m ON m.topic_id = l.topic_id AND m.merged_into IS NOT NULL
LEFT JOIN topics t ON t.version = ? AND t.topic_id = coalesce(m.merged_into, l.topic_id)
"""


def latest_complaint_day(store: LibraryStore) -> dt.date | None:
    """The newest plausible complaint date (a stored 2099-12-31 placeholder must not choose the period)."""
    from ..ingest.dates import EARLIEST, latest_plausible

    v = store.scalar("SELECT max(received_at) FROM complaints WHERE received_at BETWEEN ? AND ?",
                     [EARLIEST, latest_plausible()])
    return None if v is None else pd.Timestamp(v).date()


def load(store: LibraryStore, period: Period, lexicons: str | None = None,
         trend_months: int = TREND_MONTHS) -> ReportData:
    """Everything the sections compute from; raises ReportError when the period has complaints
    but the library has no fitted model."""
    trend_start = min(period.months_back(trend_months), period.previous.start)
    row = store.query("SELECT * FROM model_versions ORDER BY version DESC LIMIT 1")
    version = None if row.empty else row.iloc[0].to_dict()
    v = -1 if version is None else int(version["version"])
    frame = store.query(_COMPLAINTS, [pd.Timestamp(trend_start), pd.Timestamp(period.end), v, UNASSIGNED, v])
    frame["received_at"] = pd.to_datetime(frame["received_at"])
    frame["topic_id"] = frame["topic_id"].astype("Int64")
    undated = int(store.scalar("SELECT count(*) FROM complaints WHERE received_at IS NULL"))
    span = store.query("SELECT min(received_at)::DATE AS a, max(received_at)::DATE AS b FROM complaints").iloc[0]
    updates = int(store.scalar("SELECT count(*) FROM model_versions WHERE kind = 'update'") or 0)
    taxonomy = load_taxonomy(lexicons)
    day = lambda v: None if v is None or pd.isna(v) else pd.Timestamp(v).date()  # noqa: E731
    data = ReportData(period, trend_start, frame, pd.DataFrame(), taxonomy, version, undated,
                      day(span["a"]), day(span["b"]), updates)
    if version is None:
        if not data.empty:
            raise ReportError(f"the library has {len(data.in_period()):,} complaints in {period.label} but no "
                              "topic model yet: run `complaints fit` first, then `complaints report` again")
        return data
    data.topics = topics_frame(store, v, lexicons).set_index("topic_id", drop=False)
    return data


def examples(store: LibraryStore, ids: list[str]) -> dict[str, str]:
    """Masked texts of the given complaints (the library stores masked text only)."""
    if not ids:
        return {}
    df = store.query("SELECT complaint_id, text FROM complaints WHERE complaint_id IN (SELECT unnest(?::VARCHAR[]))",
                     [list(ids)])
    return {c: mask_pii(t) for c, t in zip(df["complaint_id"], df["text"])}  # a second pass costs nothing
