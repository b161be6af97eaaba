"""Parse the date forms Chinese operator exports use (2024-06-01 13:05:00, 2024/6/1 13:05, 2024年6月1日)."""

from __future__ import annotations

import datetime as dt
import re

_FORM = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?"
    r"(?:[\sT]*(?:(上午|下午|晚上|凌晨)\s*)?(\d{1,2})\s*[:时点]\s*(\d{1,2})?\s*(?:[:分]\s*(\d{1,2}(?:\.\d+)?)?\s*秒?)?)?"
    r"\s*(?:Z|[+-]\d{2}:?\d{2})?$"
)
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:\s*(\d{2}):?(\d{2}):?(\d{2})?)?$")
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
# Dates a complaint, resolution or port event can plausibly carry: 0001-01-01 and 2099-12-31 are
# placeholders or typing slips, and one of them would break every later period computation.
EARLIEST = dt.datetime(1990, 1, 1)
AHEAD = dt.timedelta(days=7)  # clocks and time zones: a few days ahead is a slip, not yet an error


def latest_plausible(ahead: dt.timedelta = AHEAD) -> dt.datetime:
    return dt.datetime.combine(dt.date.today() + ahead, dt.time.max)


class DateParseError(ValueError):
    pass


def _build(y, mo, d, h=0, mi=0, s=0.0, half=None) -> dt.datetime:
    h = int(h or 0)
    if half in ("下午", "晚上") and h < 12:
        h += 12
    sec = float(s or 0)
    return dt.datetime(int(y), int(mo), int(d), h, int(mi or 0), int(sec), int(round((sec % 1) * 1e6)) % 1000000)


def parse_datetime(value) -> dt.datetime | None:
    """None for an empty cell; DateParseError for text that is not a date."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        return None if value != value else value.to_pydatetime().replace(tzinfo=None)
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, (int, float)):
        # An Excel serial day number (xlsx cells typed as numbers).
        if 20000 < value < 80000:
            return _EXCEL_EPOCH + dt.timedelta(days=float(value))
        raise DateParseError(f"not a date: {value!r}")
    text = str(value).strip()
    if not text or text.lower() in ("nan", "nat", "none", "null"):
        return None
    try:
        m = _FORM.match(text)
        if m:
            y, mo, d, half, h, mi, s = m.groups()
            return _build(y, mo, d, h, mi, s, half)
        m = _COMPACT.match(text)
        if m:
            return _build(*m.groups())
    except ValueError as exc:  # e.g. month 13
        raise DateParseError(f"not a valid date: {text!r} ({exc})") from None
    raise DateParseError(f"not a date: {text!r}")


class DateParser:
    """Memoised parser: exports repeat the same timestamps, so parse each distinct string once."""

    def __init__(self) -> None:
        self._cache: dict[str, dt.datetime | None | DateParseError] = {}

    def __call__(self, value) -> dt.datetime | None:
        if not isinstance(value, str):
            return parse_datetime(value)
        hit = self._cache.get(value, _MISS)
        if hit is _MISS:
            try:
                hit = parse_datetime(value)
            except DateParseError as exc:
                hit = exc
            self._cache[value] = hit
        if isinstance(hit, DateParseError):
            raise hit
        return hit


_MISS = object()


def year_first_day(text: str) -> dt.date | None:
    """A day typed on the command line, read only in year-first forms ('2026-06-30', '2026/6/30',
    '2026年6月30日', '20260630'); None for anything else. '01/06/2026' could be 1 June or 6 January, and
    a bare number other than eight digits is no day at all."""
    text = str(text).strip()
    if text.isdigit() and len(text) != 8:
        return None
    try:
        parsed = parse_datetime(text)
    except DateParseError:
        return None
    return parsed.date() if parsed else None
