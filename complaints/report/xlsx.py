"""Render a Report as an Excel workbook: one sheet per section, bold headers, number formats, sized columns.

Every cell goes through `cells.set_xlsx`: control characters removed, text that starts like a formula
written as text, 是/否 for yes/no. A sheet's main table (its only or first one) gets a filter.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..cells import clean, set_xlsx
from .fmt import EXCEL, fmt, missing
from .model import Report, Section

HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
MAX_WIDTH = 70


def sheet_name(section: Section) -> str:
    """'1 核心指标' – Excel allows 31 characters and no []:*?/\\."""
    name = f"{section.number} {section.title.split(' ')[0]}"
    return "".join(ch for ch in name if ch not in "[]:*?/\\")[:31]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _value(v, kind: str | None):
    if missing(v):
        return None
    if isinstance(v, float) and math.isinf(v):
        return fmt(v, kind)
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if hasattr(v, "item") and not isinstance(v, (str, dt.date)):
        return v.item()
    return v


def _append(ws, values: list, gap: int = 0) -> int:
    """One row `gap` blank rows below the last, every cell made safe; returns its row number."""
    row = ws.max_row + 1 + gap if ws.max_row > 1 or ws.cell(1, 1).value is not None else 1
    for i, v in enumerate(values, 1):
        set_xlsx(ws.cell(row, i), v)
    return row


def _write_section(ws, section: Section) -> None:
    _append(ws, [section.heading])
    ws.cell(ws.max_row, 1).font = Font(bold=True, size=14)
    for b in section.bullets:
        _append(ws, [b])
    widths: dict[int, int] = {}
    single = len(section.tables) == 1
    filtered = False
    for t in section.tables:
        _append(ws, [t.title], gap=1)
        ws.cell(ws.max_row, 1).font = Font(bold=True, size=12)
        cols = list(t.frame.columns)
        header = _append(ws, [str(c) for c in cols])
        for i, c in enumerate(cols, 1):
            cell = ws.cell(header, i)
            cell.font, cell.fill = Font(bold=True), HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            widths[i] = max(widths.get(i, 0), min(_width(str(c)), 24))
        if single:
            ws.freeze_panes = f"A{header + 1}"  # a string: touching the cell would insert an empty row
        for row in t.frame.itertuples(index=False):
            r = _append(ws, [_value(v, t.formats.get(c)) for c, v in zip(cols, row)])
            for i, (c, v) in enumerate(zip(cols, row), 1):
                cell = ws.cell(r, i)
                kind = t.formats.get(c)
                if kind in EXCEL and isinstance(cell.value, (int, float)):
                    cell.number_format = EXCEL[kind]
                text = clean(fmt(v, kind))
                widths[i] = max(widths.get(i, 0), min(_width(text), MAX_WIDTH))
                if _width(text) > MAX_WIDTH:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        if not filtered and len(t.frame):  # Excel allows one filter per sheet: the main table's
            ws.auto_filter.ref = f"A{header}:{get_column_letter(len(cols))}{ws.max_row}"
            filtered = True
        if t.note:
            _append(ws, [t.note])
            ws.cell(ws.max_row, 1).font = Font(italic=True, color="61707F")
    if section.charts:
        _append(ws, gap=1, values=["图表见 report.html · Charts are in report.html: " + "; ".join(c.title for c in section.charts)])
    for i, w in widths.items():
        ws.column_dimensions[get_column_letter(i)].width = max(8, w + 2)


def write_xlsx(report: Report, path: Path) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for s in report.sections:
        _write_section(wb.create_sheet(sheet_name(s)), s)
    wb.properties.title = f"{report.title} {report.period_text}"
    wb.save(path)
    return path
