"""Render a Report as one self-contained HTML file (jinja2, autoescaped; plotly.js embedded once)."""

from __future__ import annotations

from pathlib import Path

import jinja2
from markupsafe import Markup
from plotly.offline import get_plotlyjs

from .charts import to_div
from .fmt import fmt
from .model import Report, Table
from .template import PAGE


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def table_rows(table: Table) -> dict:
    """Formatted cells with a right-align flag per cell."""
    cols = list(table.frame.columns)
    rows = [[(fmt(v, table.formats.get(c)), _is_number(v) or c in table.formats) for c, v in zip(cols, row)]
            for row in table.frame.itertuples(index=False)]
    return {"title": table.title, "note": table.note, "columns": cols, "rows": rows}


def render_html(report: Report) -> str:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    page = env.from_string(PAGE)
    tables = {s.key: [table_rows(t) for t in s.tables if not t.xlsx_only] for s in report.sections}
    charts = {s.key: [Markup(to_div(c)) for c in s.charts] for s in report.sections}
    return page.render(report=report, tables=tables, charts=charts, plotlyjs=Markup(get_plotlyjs()))


def write_html(report: Report, path: Path) -> Path:
    path.write_text(render_html(report), encoding="utf-8")
    return path
