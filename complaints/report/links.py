"""The report's only door to `complaints.link` (porting reasons, port-out lift, net flow).

Kept apart so the sections read plain frames, and so a library without port events still
gets a report (the porting figures then say why they are missing).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from ..config import Library
from ..errors import ComplaintsError
from ..store import open_store
from .period import Period

LOOKBACK_DAYS = 90
WINDOWS = (30, 60, 90)


@dataclass
class Porting:
    available: bool
    reason: str = ""  # why the porting figures are missing
    port_outs: int = 0
    port_ins: int = 0
    cancelled: int = 0
    preceded: int = 0  # port-outs with a complaint in the LOOKBACK_DAYS before
    previous_port_outs: int | None = None
    summary: pd.DataFrame = field(default_factory=pd.DataFrame)  # painpoint (name), painpoint_key, port_outs, share
    topic_summary: pd.DataFrame = field(default_factory=pd.DataFrame)  # topic_id, label, port_outs, share
    lift: pd.DataFrame = field(default_factory=pd.DataFrame)  # painpoint level, link.painpoint_lift columns
    flow: pd.DataFrame = field(default_factory=pd.DataFrame)  # month, other_operator, port_out, port_in, net
    issues: dict = field(default_factory=dict)  # data-issue counts of link.data_issues
    issue_notes: dict = field(default_factory=dict)
    lift_window: tuple[dt.date, dt.date] | None = None

    @property
    def lift_by_key(self) -> dict[str, dict]:
        if self.lift.empty:
            return {}
        key = "painpoint" if "painpoint" in self.lift.columns else "key"  # link keys rows by Chinese name
        return {str(r[key]): r for r in self.lift.to_dict("records")}


def porting(library: Library, period: Period, trend_start: dt.date, version: int | None,
            lexicons: str | None = None) -> Porting:
    """Port-outs of the period and their reasons, lift over the trend window, and net flow."""
    try:
        from .. import link
    except ImportError:
        return Porting(False, "porting analysis is not available in this installation (complaints.link missing)")
    def reasons_in(start: dt.date, end: dt.date):
        """link.porting_reasons, or None when the span holds no port-out request (nothing to explain)."""
        with open_store(library) as s:
            n = s.scalar("SELECT count(*) FROM port_events WHERE direction = 'out' AND requested_at >= ? "
                         "AND requested_at < ?", [pd.Timestamp(start), pd.Timestamp(end)])
        return link.porting_reasons(library, lookback_days=LOOKBACK_DAYS, start=start, end=end, version=version,
                                    lexicons=lexicons) if n else None

    try:
        reasons = reasons_in(period.start, period.end)
        prev = reasons_in(period.previous.start, period.start)
        lift = link.painpoint_lift(library, level="painpoint", windows=WINDOWS, version=version, start=trend_start,
                                   end=period.end, lexicons=lexicons)
        flow = link.net_flow(library, start=trend_start, end=period.end)
    except ComplaintsError as exc:  # no customers or no port events yet: the report says why
        return Porting(False, str(exc))
    window = (trend_start, period.last_day)
    notes = dict(getattr(link, "ISSUE_NOTES", {}))
    if reasons is None:
        with open_store(library) as s:
            ins = s.scalar("SELECT count(*) FROM port_events WHERE direction = 'in' AND requested_at >= ? "
                           "AND requested_at < ?", [pd.Timestamp(period.start), pd.Timestamp(period.end)])
            issues = link.data_issues(s) if hasattr(link, "data_issues") else {}
        return Porting(True, "", 0, int(ins), 0, 0, prev.port_outs if prev else 0, lift=lift, flow=flow,
                       issues=issues, issue_notes=notes, lift_window=window)
    per = reasons.per_port_out
    preceded = int((per["n_complaints"] > 0).sum()) if "n_complaints" in per else \
        int(round(reasons.port_outs * (1 - reasons.no_complaint_share)))
    return Porting(True, "", int(reasons.port_outs), int(reasons.port_ins), int(reasons.cancelled), preceded,
                   int(prev.port_outs) if prev else 0, reasons.summary, getattr(reasons, "topic_summary", pd.DataFrame()),
                   lift, flow, dict(reasons.issues or {}), notes, window)
