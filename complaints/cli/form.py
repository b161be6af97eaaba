"""`complaints form show`: the ticket form the fit learned and left out of the topics."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.table import Table

from .shell import JsonOpt, LibraryOpt, app, friendly, library_of, out, print_json

form_app = typer.Typer(help="The ticket form (field labels, boilerplate, form words) the last fit learned and left "
                            "out of the topics.\n\nExample: complaints form show --kind field", no_args_is_help=True)
app.add_typer(form_app, name="form")

KINDS = {"field": "字段", "boilerplate": "套话", "word": "表单词"}


def _values(row: dict) -> str:
    if row["kind"] == "field":
        if row["values"]:
            return "可选值 " + "/".join(row["values"])
        return f"自由文本 (中位 {row['median_chars'] or 0} 字)"
    if row["kind"] == "word":
        return f"{row['share']:.0%} 的用法在表单内"
    return ""


@form_app.command("show")
@friendly
def show(library: LibraryOpt = None,
         version: Annotated[Optional[int], typer.Option(help="Model version (default: the one classify uses).")] = None,
         kind: Annotated[Optional[str], typer.Option(help="Only field, boilerplate or word entries.")] = None,
         limit: Annotated[int, typer.Option(help="At most this many rows per kind.")] = 30,
         as_json: JsonOpt = False) -> None:
    """Show the learned ticket form: what topics never see (the stored text keeps it).

    Fix it in lexicons/form.txt (`field X`, `boilerplate X`, `word X`; a leading '-' removes a learned
    entry); the next `complaints fit` applies it.

    Example: complaints form show --kind boilerplate --limit 50
    """
    from complaints.errors import InputFileError
    from complaints.topics.modelform import form_summary, version_form

    if kind is not None and kind not in KINDS:
        raise InputFileError(f"unknown --kind {kind!r}; use one of: {', '.join(KINDS)}")
    v, form = version_form(library_of(library), version)
    rows = [] if form is None else [r for r in form.table() if kind is None or r["kind"] == kind]
    if as_json:
        print_json({"version": v, "summary": form_summary(form), "entries": rows})
        return
    if form is None:
        out.print(f"模型版本 {v} 没有学到的表单 (model version {v} was fitted before forms were learned): "
                  "run `complaints fit`", highlight=False)
        return
    shown: dict[str, int] = {}
    t = Table("类型", "条目", "投诉数", "说明", title=f"模型版本 {v} 学到的工单表单 (learned ticket form)")
    for r in rows:
        shown[r["kind"]] = shown.get(r["kind"], 0) + 1
        if shown[r["kind"]] <= limit:
            t.add_row(KINDS[r["kind"]], r["entry"], "" if r["complaints"] is None else f"{r['complaints']:,}",
                      _values(r))
    out.print(t)
    s = form_summary(form)
    out.print(f"共 {s['fields']} 个字段、{s['boilerplate']} 条套话、{s['words']} 个表单词，不进入话题（原文不变）。"
              "在 lexicons/form.txt 增删条目（field X / boilerplate X / word X，前加 - 表示删除），"
              "下次 complaints fit 生效。", highlight=False)
