"""Write tables as Excel-ready files: one styled sheet per table (.xlsx) or one file per table (.csv).

What an analyst expects when opening the file: Chinese headers (`headers="en"` keeps the canonical
names; the 字段说明 sheet lists both), a bold header row that stays put with a filter on it, long
text wrapped, numbers rounded and formatted (counts with separators, shares as %, lifts with two
decimals, dates as dates), 是/否 for yes/no, lists as 、-joined text. Every cell goes through
`cells` (control characters removed, formula-looking text written as text), so a hostile complaint
text or label cannot break the file or run in it. Used by `export`, `link --out` and `at-risk`.
"""

from __future__ import annotations

import csv
import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..cells import csv_text, set_xlsx
from .headers import VALUES, header, sheet_title

HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
EXCEL_FORMATS = {"int": "#,##0", "float1": "0.0", "float2": "0.00", "pct": "0.0%", "x2": "0.00",
                 "datetime": "yyyy-mm-dd hh:mm", "date": "yyyy-mm-dd"}
DIGITS = {"float1": 1, "float2": 2, "pct": 4, "x2": 2}
WRAP_AT = 50  # columns wider than this (in Latin characters; CJK count double) wrap
MAX_WIDTH = 60


@dataclass
class Sheet:
    """A table to write: canonical column names; `formats` overrides the registry's kinds; `own`
    columns (the operator's, kept at ingest) are shown under their own names whatever they are called."""

    name: str
    frame: pd.DataFrame
    formats: dict[str, str] = field(default_factory=dict)
    own: frozenset[str] = frozenset()


def _kind(sheet: Sheet, col: str, series: pd.Series) -> str | None:
    if col in sheet.formats:
        return sheet.formats[col]
    kind = None if col in sheet.own else header(col)[1]
    if kind is not None:
        return kind
    if pd.api.types.is_bool_dtype(series):
        return "text"
    if pd.api.types.is_integer_dtype(series):
        return "int"
    if pd.api.types.is_float_dtype(series):
        return "float2"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "datetime"
    return None


def _value(v, kind: str | None):
    """One cell's value: lists joined, times without zone, floats rounded to what is shown."""
    if isinstance(v, (list, tuple)):
        return "、".join(map(str, v))
    if isinstance(v, dict):
        return "；".join(f"{k}: {x}" for k, x in v.items())
    if isinstance(v, pd.Timestamp):
        v = v.tz_localize(None) if v.tzinfo else v
        return None if pd.isna(v) else v.to_pydatetime()
    if hasattr(v, "item") and not isinstance(v, (str, dt.date)):
        v = v.item()
    if isinstance(v, float) and kind in DIGITS and v == v and abs(v) != float("inf"):
        return round(v, DIGITS[kind])
    if isinstance(v, float) and abs(v) == float("inf"):
        return "无穷" if v > 0 else "负无穷"
    return v


def prepare(sheet: Sheet, headers: str = "zh") -> tuple[pd.DataFrame, dict[str, str | None], dict[str, str]]:
    """(frame with display values and headers, format kind per shown header, shown header -> canonical)."""
    if headers not in ("zh", "en"):
        raise ValueError(f"headers must be zh or en, got {headers!r}")
    out, kinds, canonical = {}, {}, {}
    for col in sheet.frame.columns:
        s = sheet.frame[col]
        kind = _kind(sheet, str(col), s)
        name = header(str(col))[0] if headers == "zh" and str(col) not in sheet.own else str(col)
        while name in out:  # an operator column called like one of ours
            name += "(原)"
        codes = VALUES.get(str(col), {}) if headers == "zh" and str(col) not in sheet.own else {}
        out[name] = [_value(codes.get(v, v) if isinstance(v, str) else v, kind) for v in s.tolist()]
        kinds[name], canonical[name] = kind, str(col)
    return pd.DataFrame(out, columns=list(out)), kinds, canonical


def _width(v) -> int:
    text = v.strftime("%Y-%m-%d %H:%M") if isinstance(v, dt.datetime) else str(v)
    return max((sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
                for line in text.split("\n")), default=0)


def write_sheet(ws, sheet: Sheet, headers: str = "zh") -> dict[str, str]:
    """Fill a worksheet with one table; returns shown header -> canonical name."""
    frame, kinds, canonical = prepare(sheet, headers)
    cols = list(frame.columns)
    for j, name in enumerate(cols, 1):
        c = ws.cell(1, j)
        set_xlsx(c, name)
        c.font, c.fill = Font(bold=True), HEADER_FILL
        c.alignment = Alignment(wrap_text=True, vertical="top")
    widths = {j: min(_width(name), 24) for j, name in enumerate(cols, 1)}
    for i, row in enumerate(frame.itertuples(index=False, name=None), 2):
        for j, v in enumerate(row, 1):
            c = ws.cell(i, j)
            set_xlsx(c, v)
            kind = kinds[cols[j - 1]]
            if kind in EXCEL_FORMATS and isinstance(c.value, (int, float, dt.date)) and not isinstance(c.value, bool):
                c.number_format = EXCEL_FORMATS[kind]
            if c.value is not None:
                widths[j] = max(widths[j], min(_width(c.value), 200))
    for j, w in widths.items():
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = max(8, min(w, MAX_WIDTH) + 2)
        if w > WRAP_AT:
            for (c,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(max(len(cols), 1))}{max(len(frame) + 1, 1)}"
    return canonical


def write_xlsx(path: str | Path, sheets: list[Sheet], headers: str = "zh") -> Path:
    """One workbook, a sheet per table, plus 字段说明 (shown header, canonical name) when headers are Chinese."""
    path = Path(path)
    wb = Workbook()
    wb.remove(wb.active)
    fields = []
    for sh in sheets:
        title = sheet_title(sh.name) if headers == "zh" else sh.name
        canonical = write_sheet(wb.create_sheet(title[:31]), sh, headers)
        fields += [(title, shown, name) for shown, name in canonical.items()]
    if headers == "zh":
        legend = pd.DataFrame(fields, columns=["sheet", "header", "field"])
        write_sheet(wb.create_sheet(sheet_title("fields")), Sheet("fields", legend), "en")
        ws = wb[sheet_title("fields")]
        for j, name in enumerate(["工作表", "列名", "字段名(英文)"], 1):
            set_xlsx(ws.cell(1, j), name)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_csv(path: str | Path, sheet: Sheet, headers: str = "zh") -> Path:
    """UTF-8 with BOM (Excel opens Chinese correctly); cells made safe by `cells.csv_text`."""
    path = Path(path)
    frame, kinds, _ = prepare(sheet, headers)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow([csv_text(c) for c in frame.columns])
        for row in frame.itertuples(index=False, name=None):
            w.writerow(["" if v is None else _csv_format(csv_text(v)) for v in row])
    return path


def _csv_format(v):
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    return v
