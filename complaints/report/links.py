"""The report's only door to `complaints.churn.link` (porting reasons, port-out lift, net flow).

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


_SPAN = f"""
SELECT count(*) FILTER (WHERE direction = 'out') AS port_outs,
       count(*) FILTER (WHERE direction = 'in') AS port_ins,
       count(*) FILTER (WHERE direction = 'out' AND status = 'cancelled') AS cancelled,
       count(*) FILTER (WHERE direction = 'out' AND EXISTS (
           SELECT 1 FROM complaints c WHERE c.customer_key = p.customer_key AND c.received_at < p.requested_at
           AND c.received_at >= p.requested_at - INTERVAL {LOOKBACK_DAYS} DAY)) AS preceded
FROM port_events p WHERE requested_at >= ? AND requested_at < ?
"""


def _reasons(link, library: Library, start: dt.date, end: dt.date, version: int | None, lexicons: str | None,
             issues: dict[str, int]):
    """link.porting_reasons for the span, or plain counts when no port-out request in it followed a
    complaint: then there is no reason to list (and link.porting_reasons, as of its first version,
    fails on that case)."""
    with open_store(library) as s:
        counts = s.query(_SPAN, [pd.Timestamp(start), pd.Timestamp(end)]).iloc[0].astype(int).to_dict()
    if not counts["preceded"]:
        return counts, None
    reasons = link.porting_reasons(library, lookback_days=LOOKBACK_DAYS, start=start, end=end, version=version,
                                   lexicons=lexicons, issues=issues)
    per = reasons.per_port_out
    preceded = int((per["n_complaints"] > 0).sum()) if "n_complaints" in per else \
        int(round(reasons.port_outs * (1 - reasons.no_complaint_share)))
    return {"port_outs": int(reasons.port_outs), "port_ins": int(reasons.port_ins),
            "cancelled": int(reasons.cancelled), "preceded": preceded}, reasons


def porting(library: Library, period: Period, trend_start: dt.date, version: int | None,
            lexicons: str | None = None) -> Porting:
    """Port-outs of the period and their reasons, lift over the trend window, and net flow."""
    try:
        from ..churn import link
    except ImportError:
        return Porting(False, "porting analysis is not available in this installation (complaints.churn.link missing)")
    try:
        with open_store(library) as s:
            link.require_port_events(s)
            issues = link.data_issues(s)
        now, reasons = _reasons(link, library, period.start, period.end, version, lexicons, issues)
        before, _ = _reasons(link, library, period.previous.start, period.start, version, lexicons, issues)
        lift = link.painpoint_lift(library, level="painpoint", windows=WINDOWS, version=version, start=trend_start,
                                   end=period.end, lexicons=lexicons)
        flow = link.net_flow(library, start=trend_start, end=period.end)
    except ComplaintsError as exc:  # no customers or no port events yet: the report says why
        return Porting(False, str(exc))
    empty = pd.DataFrame()
    return Porting(True, "", now["port_outs"], now["port_ins"], now["cancelled"], now["preceded"],
                   before["port_outs"], reasons.summary if reasons else empty,
                   reasons.topic_summary if reasons else empty, lift, flow, issues,
                   {k: f"{zh}：{how}" for k, (zh, how) in link.ISSUES_ZH.items()},
                   (trend_start, period.last_day))
