"""The report's only door to `complaints.link` (porting reasons, port-out lift, net flow).

Kept apart so the sections read plain frames, and so a library without port events still
gets a report (the porting figures then say why they are missing).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from ..config import Library
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
    summary: pd.DataFrame = field(default_factory=pd.DataFrame)  # painpoint, port_outs, share
    lift: pd.DataFrame = field(default_factory=pd.DataFrame)  # painpoint level, link.painpoint_lift columns
    flow: pd.DataFrame = field(default_factory=pd.DataFrame)  # month, other_operator, port_out, port_in, net
    issues: dict = field(default_factory=dict)
    lift_window: tuple[dt.date, dt.date] | None = None

    @property
    def lift_by_key(self) -> dict[str, dict]:
        if self.lift.empty:
            return {}
        return {str(r["key"]): r for r in self.lift.to_dict("records")}


def porting(library: Library, period: Period, trend_start: dt.date, version: int | None) -> Porting:
    """Port-outs of the period and their reasons, lift over the trend window, and net flow."""
    try:
        from .. import link
    except ImportError:
        return Porting(False, "porting analysis is not available in this installation (complaints.link missing)")
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
    reasons = link.porting_reasons(library, lookback_days=LOOKBACK_DAYS, start=start, end=end, version=version)
    prev = link.porting_reasons(library, lookback_days=LOOKBACK_DAYS, start=pd.Timestamp(period.previous.start),
                                end=start, version=version)
    lift = link.painpoint_lift(library, level="painpoint", windows=WINDOWS, version=version,
                               start=pd.Timestamp(trend_start), end=end)
    flow = link.net_flow(library, start=pd.Timestamp(trend_start), end=end)
    n_out = int(reasons.port_outs)
    preceded = int(round(n_out * (1 - float(reasons.no_complaint_share)))) if n_out else 0
    return Porting(True, "", n_out, int(reasons.port_ins), int(reasons.cancelled), preceded, int(prev.port_outs),
                   reasons.summary, lift, flow, dict(reasons.issues or {}), (trend_start, period.last_day))
