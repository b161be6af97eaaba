"""Compute the eight sections from the library and write report.html, report.xlsx and report.md."""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from ..config import Library
from ..store import open_store
from ..cells import clean
from .data import latest_complaint_day, load
from .html import write_html
from .links import Porting, porting
from .markdown import write_markdown
from .model import Report
from .period import resolve_period
from .porting_section import porting_section
from .quality import quality
from .topic_sections import detail, emerging
from .volume import actions, headline, painpoints, trends
from .xlsx import write_xlsx

TITLE = "投诉分析月报 Service-improvement report"
Progress = Callable[[str, int, int], None]


@dataclass
class ReportResult:
    out_dir: str
    files: dict[str, str]
    period: str
    complaints: int
    empty: bool
    model_version: int | None
    sections: list[str]
    seconds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def build_report(library: Library, period: str | None = None, date_from: str | None = None,
                 date_to: str | None = None, lexicons: str | None = None,
                 progress: Progress | None = None) -> Report:
    """The report as plain data. `period` is YYYY-MM; `date_from`/`date_to` are inclusive days;
    with neither, the month of the newest complaint."""
    step = progress or (lambda stage, done, total: None)
    step("reading the library", 0, 4)
    with open_store(library) as s:
        p = resolve_period(period, date_from, date_to, latest_complaint_day(s))
        data = load(s, p, lexicons)
    step("porting analysis", 1, 4)
    version = int(data.version["version"]) if data.version else None
    port = porting(library, p, data.trend_start, version, lexicons) if version is not None else \
        Porting(False, "no topic model yet (run `complaints fit`)")
    step("sections", 2, 4)
    with open_store(library) as s:
        sections = [headline(data, port), painpoints(data, port), trends(data), emerging(s, data),
                    detail(s, data), porting_section(data, port), actions(data, port), quality(s, data, port)]
    return Report(TITLE, p.text() if not p.is_month else f"{p.label}（{p.text()}）",
                  dt.datetime.now().strftime("%Y-%m-%d %H:%M"), library.root.name, sections, empty=data.empty,
                  complaints=len(data.in_period()), model_version=version, slug=p.slug)


def _clean_frame(frame):
    frame = frame.rename(columns={c: clean(c) for c in frame.columns if isinstance(c, str)})
    for c in frame.columns:
        if frame[c].dtype == object or str(frame[c].dtype).startswith("str"):
            frame[c] = frame[c].map(clean)
    return frame


def clean_report(report: Report) -> Report:
    """No control character from a text, label or region reaches any of the three files: openpyxl
    refuses them (a half-written report) and terminals and browsers should never see them."""
    for s in report.sections:
        s.bullets = [clean(b) for b in s.bullets]
        for t in s.tables:
            t.title, t.note, t.frame = clean(t.title), clean(t.note), _clean_frame(t.frame)
            t.formats = {clean(k): v for k, v in t.formats.items()}
        for c in s.charts:
            c.frame = _clean_frame(c.frame)
        for card in s.cards:
            card.title = clean(card.title)
            card.facts = {clean(k): clean(v) for k, v in card.facts.items()}
            card.breakdowns = {clean(k): clean(v) for k, v in card.breakdowns.items()}
            card.examples = [clean(e) for e in card.examples]
    return report


def _atomic(write: Callable[[Path], Path], path: Path) -> Path:
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    os.replace(tmp, path)
    return path


def write_report(library: Library, out_dir: str | Path | None = None, period: str | None = None, date_from: str | None = None,
                 date_to: str | None = None, lexicons: str | None = None,
                 progress: Progress | None = None) -> ReportResult:
    """Build the report and write the three files into `out_dir` (created if needed; default
    reports/<period>)."""
    step = progress or (lambda stage, done, total: None)
    t0 = time.perf_counter()
    report = clean_report(build_report(library, period, date_from, date_to, lexicons, progress))
    t1 = time.perf_counter()
    out = Path(out_dir) if out_dir is not None else Path("reports") / report.slug
    out.mkdir(parents=True, exist_ok=True)
    step("writing report files", 3, 4)
    files = {"html": _atomic(lambda p: write_html(report, p), out / "report.html"),
             "xlsx": _atomic(lambda p: write_xlsx(report, p), out / "report.xlsx"),
             "md": _atomic(lambda p: write_markdown(report, p), out / "report.md")}
    step("done", 4, 4)
    return ReportResult(str(out), {k: str(v) for k, v in files.items()}, report.period_text, report.complaints,
                        report.empty, report.model_version, [s.heading for s in report.sections],
                        {"build": round(t1 - t0, 2), "write": round(time.perf_counter() - t1, 2),
                         "total": round(time.perf_counter() - t0, 2)})
