"""Report: what analysts read — service-improvement reports and table exports.

The report for a period (HTML with plotly charts, Excel, Markdown) is built as plain data first
(`build`, sections in `volume`, `topic_sections`, `porting_section`, `quality`; `model` holds the
section types) and then rendered (`html`, `xlsx`, `markdown`); `links` is its one door to
`complaints.churn`. `export` writes the library's complaints with their current topic and pain
point to CSV, Parquet or Excel; `sheets` and `headers` make any table Excel-ready (Chinese headers,
formats, frozen filtered header; `complaints.churn` writes its tables through them too). Every cell
passes through `complaints.cells`. Reads the store and the current model version; produces files.

`write_report(library, out_dir, period="2026-06")` is what `complaints report` calls;
`build_report` returns the same content as plain data (sections of tables, charts and cards).
"""

from .build import ReportResult, build_report, write_report
from .data import ReportError
from .period import Period, PeriodError, resolve_period

__all__ = ["build_report", "write_report", "ReportResult", "ReportError", "Period", "PeriodError", "resolve_period"]
