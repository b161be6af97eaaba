"""The period a report covers and the period it is compared with."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..errors import ComplaintsError


class PeriodError(ComplaintsError):
    pass


@dataclass(frozen=True)
class Period:
    """Half-open [start, end) in days; `previous` is the same length immediately before
    (the previous calendar month for a month)."""

    start: dt.date
    end: dt.date  # exclusive
    label: str
    is_month: bool = False

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def previous(self) -> "Period":
        if self.is_month:
            end = self.start
            start = (end - dt.timedelta(days=1)).replace(day=1)
            return Period(start, end, start.strftime("%Y-%m"), True)
        start = self.start - dt.timedelta(days=self.days)
        return Period(start, self.start, f"{start} – {self.start - dt.timedelta(days=1)}")

    def months_back(self, n: int) -> dt.date:
        """The first day of the month `n` months before the period's last month (trend windows)."""
        y, m = self.last_day.year, self.last_day.month - n + 1
        while m <= 0:
            y, m = y - 1, m + 12
        return dt.date(y, m, 1)

    def text(self) -> str:
        return f"{self.start} – {self.last_day}"

    @property
    def slug(self) -> str:
        """A folder name: 2026-06, or 2026-06-01_2026-06-15."""
        return self.label if self.is_month else f"{self.start}_{self.last_day}"


def month(value: str) -> Period:
    m = re.fullmatch(r"\s*(\d{4})[-/年.]?(\d{1,2})月?\s*", value or "")
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise PeriodError(f"--period {value!r}: give a month as YYYY-MM, e.g. 2026-06")
    start = dt.date(int(m.group(1)), int(m.group(2)), 1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return Period(start, end, start.strftime("%Y-%m"), True)


def _day(value: str, flag: str) -> dt.date:
    """Year-first forms only (2026-06-01, 2026/6/1, 2026年6月1日): 01/06/2026 could be either of two days."""
    from ..ingest.dates import year_first_day

    parsed = year_first_day(value)
    if parsed is None:
        raise PeriodError(f"{flag} {value!r}: 不是无歧义的日期，请写成 2026-06-01 或 2026年6月1日 "
                          f"(give a date as YYYY-MM-DD, e.g. 2026-06-01)")
    return parsed


def resolve_period(period: str | None = None, date_from: str | None = None, date_to: str | None = None,
                   latest: dt.date | None = None) -> Period:
    """`--period YYYY-MM`, or `--from/--to` (both days inclusive), or else the month of `latest`."""
    if period and (date_from or date_to):
        raise PeriodError("give either --period or --from/--to, not both")
    if period:
        return month(period)
    if date_from or date_to:
        if not (date_from and date_to):
            raise PeriodError("--from and --to go together, e.g. --from 2026-06-01 --to 2026-06-30")
        start, last = _day(date_from, "--from"), _day(date_to, "--to")
        if last < start:
            raise PeriodError(f"--to {last} is before --from {start}")
        return Period(start, last + dt.timedelta(days=1), f"{start} – {last}")
    if latest is None:
        raise PeriodError("the library holds no dated complaints, and a report covers a period: ingest the "
                          "file again with its date column mapped (e.g. --map 发布时间=received_at; the complaints "
                          "get their dates, nothing is added twice), or for an undated library read the topics "
                          "with `complaints topics list` and `complaints export --out complaints.xlsx`")
    return month(latest.strftime("%Y-%m"))
