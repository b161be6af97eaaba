"""How a number is shown: one place for HTML and Markdown (Excel gets the matching number formats)."""

from __future__ import annotations

import math

import pandas as pd

# format key -> Excel number format, and the same as Python format for HTML and Markdown
EXCEL = {"int": "#,##0", "pct": "0.0%", "pct_signed": "+0.0%;-0.0%;0.0%", "pp_signed": "+0.0;-0.0;0.0",
         "x2": "0.00", "float1": "0.0", "float2": "0.00"}
_FORMATS = {"int": "{:,.0f}", "pct": "{:.1%}", "pct_signed": "{:+.1%}", "pp_signed": "{:+.1f} pp",
            "x2": "{:.2f}×", "float1": "{:,.1f}", "float2": "{:,.2f}"}


def missing(v) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v))


def fmt(v, kind: str | None = None) -> str:
    """`kind` is one of EXCEL's keys or None (plain text)."""
    if missing(v):
        return "–"
    if kind is None:
        if isinstance(v, float):
            return f"{v:,.2f}"
        if isinstance(v, (int,)) and not isinstance(v, bool):
            return f"{v:,}"
        if isinstance(v, pd.Timestamp):
            return str(v.date()) if v == v.normalize() else str(v)[:16]
        return str(v)
    if isinstance(v, str):  # already formatted (mixed rows such as the headline figures)
        return v
    v = float(v)
    if math.isinf(v):
        return "新增 new" if v > 0 else "–"
    spec = _FORMATS.get(kind)
    return spec.format(v) if spec else str(v)


def change(now: float, before: float) -> float:
    """Relative change; inf when something appears from nothing, NaN when both are zero."""
    if before:
        return now / before - 1
    return float("inf") if now else float("nan")
