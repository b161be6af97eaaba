"""Render a Report as Markdown for pasting into a wiki: the same sections and tables, no charts.

Everything that comes from the data (texts, labels, regions, table cells) goes through `cells.md_text`:
raw HTML is escaped and Markdown that could make a link is neutralised, so a complaint or a curated
label cannot inject markup into the wiki page.
"""

from __future__ import annotations

from pathlib import Path

from ..cells import md_text
from .fmt import fmt
from .model import Report, Table


def _cell(text: str) -> str:
    return md_text(text)


def table_md(t: Table) -> list[str]:
    cols = list(t.frame.columns)
    lines = [f"**{_cell(t.title)}**", "", "| " + " | ".join(_cell(str(c)) for c in cols) + " |",
             "|" + "|".join("---:" if c in t.formats else "---" for c in cols) + "|"]
    for row in t.frame.itertuples(index=False):
        lines.append("| " + " | ".join(_cell(fmt(v, t.formats.get(c))) for c, v in zip(cols, row)) + " |")
    if t.note:
        lines += ["", f"_{_cell(t.note)}_"]
    return lines + [""]


def render_markdown(report: Report) -> str:
    out = [f"# {_cell(report.title)}", "", f"报告期 Period: **{_cell(report.period_text)}** · 生成时间 Generated: "
           f"{report.generated_at} · 投诉库 Library: {_cell(report.library)}", ""]
    if report.empty:
        out += ["> **本期没有投诉数据。No complaints were received in this period.**", ""]
    out += ["## 目录 Contents", ""] + [f"{s.number}. [{s.title}](#{s.anchor})" for s in report.sections] + [""]
    for s in report.sections:
        out += [f'<a id="{s.anchor}"></a>', "", f"## {s.heading}", ""]
        out += [f"- {_cell(b)}" for b in s.bullets] + ([""] if s.bullets else [])
        for t in s.tables:
            if not t.xlsx_only:
                out += table_md(t)
        if s.charts:
            out += ["图表见 report.html · Charts: " + "; ".join(_cell(c.title) for c in s.charts) + " (see report.html)", ""]
        for c in s.cards:
            out += [f"### {_cell(c.title)}", ""]
            out += [f"- **{_cell(k)}**: {_cell(v)}" for k, v in {**c.facts, **c.breakdowns}.items()] + [""]
            out += [f"> {i}. {_cell(e)}" + "  " for i, e in enumerate(c.examples, 1)] + ([""] if c.examples else [])
    out += ["---", "", "仅含脱敏文本 Only masked text appears in this report; customer identifiers are never shown.", ""]
    return "\n".join(out)


def write_markdown(report: Report, path: Path) -> Path:
    path.write_text(render_markdown(report), encoding="utf-8")
    return path
