"""Make one value safe for the place it is written to: a spreadsheet cell, a CSV cell, Markdown, a terminal.

Every writer of analyst-facing output goes through these few functions, so a complaint text, a region
or a curated label that carries control characters, a formula (`=HYPERLINK(…)`, `=cmd|' /C calc'!A0`),
raw HTML or terminal escape sequences is shown as the text it is and never runs:

* `clean` removes control characters (C0 except tab and newline, DEL, C1) and the bidirectional
  overrides that can make text display in another order; carriage returns become newlines. Openpyxl
  refuses such characters outright (a half-written report), terminals execute ESC sequences.
* `xlsx_value` / `set_xlsx` write text that starts like a formula (= + - @, OWASP's list) as a text
  cell with Excel's quote prefix, never as a formula.
* `csv_text` prefixes such text with a single quote, as OWASP recommends for CSV injection.
* `md_text` escapes HTML and the Markdown that could make a link; `terminal` escapes rich markup.
"""

from __future__ import annotations

import html
import math
import re

from rich.markup import escape as _rich_escape

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
YES, NO = "是", "否"


def clean(text: str) -> str:
    """The text without control characters; CR and CRLF become LF."""
    if not isinstance(text, str):
        return text
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def looks_like_formula(text: str) -> bool:
    return isinstance(text, str) and text.startswith(FORMULA_START)


def plain(value):
    """A value as a spreadsheet or CSV shows it: 是/否 for booleans, None for missing, cleaned text."""
    if value is None:
        return None
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return YES if value else NO
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str):
        return clean(value)
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return None
    except ImportError:  # pragma: no cover
        pass
    return value


def set_xlsx(cell, value) -> None:
    """Write `value` into an openpyxl cell; text that would start a formula stays text."""
    value = plain(value)
    cell.value = value
    if looks_like_formula(value):
        cell.data_type = "s"
        cell.quotePrefix = True


def csv_text(value):
    """A CSV cell: cleaned, booleans as 是/否, text starting like a formula prefixed with a quote."""
    value = plain(value)
    if looks_like_formula(value):
        return "'" + value
    return value


def md_text(text) -> str:
    """Text for a Markdown table cell, bullet or quote: no HTML, no links, one line."""
    s = clean(str(text)).replace("\n", " ")
    s = html.escape(s, quote=False)
    return re.sub(r"([\\\[\]|])", r"\\\1", s)


def terminal(text) -> str:
    """Text for rich's console: no control characters or escape sequences, markup shown literally."""
    return _rich_escape(clean(str(text)))
