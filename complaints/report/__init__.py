"""Service-improvement reports (HTML with charts, Excel, Markdown) for a period of the library.

`write_report(library, out_dir, period="2026-06")` is what `complaints report` calls;
`build_report` returns the same content as plain data (sections of tables, charts and cards).
"""

from .build import ReportResult, build_report, write_report
from .data import ReportError
from .period import Period, PeriodError, resolve_period

__all__ = ["build_report", "write_report", "ReportResult", "ReportError", "Period", "PeriodError", "resolve_period"]
