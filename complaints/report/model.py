"""What a report is made of, as plain data: every renderer (HTML, Excel, Markdown) reads the same objects."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass
class Table:
    title: str
    frame: pd.DataFrame  # column headers as shown, one row per line; numbers stay numbers
    formats: dict[str, str] = field(default_factory=dict)  # column -> fmt kind (int, pct, x2 …)
    note: str = ""
    xlsx_only: bool = False  # long tables (weekly series) go to the workbook only


@dataclass
class Chart:
    """A chart spec; `charts.figure` turns it into a plotly figure. `kind` is one of
    bar_h, bar_group, lines, error_bar."""

    key: str
    title: str
    kind: str
    frame: pd.DataFrame
    x: str
    y: str
    color: str | None = None
    error_lo: str | None = None
    error_hi: str | None = None
    hover: list[str] = field(default_factory=list)  # extra columns shown on hover
    formats: dict[str, str] = field(default_factory=dict)  # column -> fmt kind, for hover text
    x_title: str = ""
    y_title: str = ""


@dataclass
class Card:
    """One topic's detail: a few facts, small breakdowns and masked example complaints."""

    title: str
    facts: dict[str, str]
    breakdowns: dict[str, str] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)


@dataclass
class Section:
    number: int
    key: str
    title: str
    bullets: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return f"{self.number}. {self.title}"

    @property
    def anchor(self) -> str:
        return f"s{self.number}-{self.key}"


@dataclass
class Report:
    title: str
    period_text: str
    generated_at: str
    library: str
    sections: list[Section]
    empty: bool = False  # no complaints in the period
    complaints: int = 0  # dated complaints in the period
    model_version: int | None = None
    slug: str = ""  # the period as a folder name

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)


SECTION_TITLES: list[tuple[str, str]] = [
    ("headline", "核心指标 Headline figures"),
    ("painpoints", "痛点排名 Pain-point ranking"),
    ("trends", "趋势 Trends"),
    ("emerging", "新兴话题 Emerging topics"),
    ("topics", "话题详情 Topic detail"),
    ("porting", "携号转网 Porting"),
    ("actions", "改进建议 Improvement actions"),
    ("quality", "数据质量与方法 Data quality and method"),
]
