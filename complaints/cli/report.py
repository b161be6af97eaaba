"""Commands that write what analysts read: report and export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .shell import JsonOpt, LexOpt, LibraryOpt, app, friendly, lex_arg, library_of, out, print_json, progress_bar


@app.command()
@friendly
def report(out_dir: Annotated[Optional[Path], typer.Option(
               "--out", help="Folder for report.html, report.xlsx and report.md (default reports/PERIOD).")] = None,
           period: Annotated[Optional[str], typer.Option(
               "--period", help="A month, YYYY-MM (default: the month of the newest complaint).")] = None,
           date_from: Annotated[Optional[str], typer.Option("--from", help="First day, YYYY-MM-DD (with --to).")] = None,
           date_to: Annotated[Optional[str], typer.Option("--to", help="Last day, YYYY-MM-DD (inclusive).")] = None,
           library: LibraryOpt = None, lexicons: LexOpt = None, as_json: JsonOpt = False) -> None:
    """Write a service-improvement report for a period: report.html (charts, opens offline), report.xlsx, report.md.

    Sections: headline figures, pain-point ranking, trends, emerging topics, topic detail, porting, improvement actions, data quality and method. Only masked text appears.

    Example: complaints report --period 2026-06 --out reports/2026-06
    """
    from complaints.outputs import prepare_output
    from complaints.report import write_report

    if out_dir is not None:
        prepare_output(out_dir, folder=True)
    with progress_bar() as bar:
        task = bar.add_task("report", total=4)
        res = write_report(library_of(library), out_dir, period, date_from, date_to, lex_arg(lexicons),
                           progress=lambda stage, done, total: bar.update(task, description=stage, completed=done))
    if as_json:
        print_json(res.to_dict())
        return
    if res.empty:
        out.print(f"no complaints in {res.period}: the report says so (data quality and porting still shown)",
                  highlight=False)
    else:
        out.print(f"report for {res.period}: {res.complaints:,} complaints, model version {res.model_version} "
                  f"({res.seconds['total']:.1f}s)", highlight=False)
    for kind in ("html", "xlsx", "md"):
        out.print(f"  {res.files[kind]}", highlight=False)


@app.command()
@friendly
def export(out_file: Annotated[Path, typer.Option("--out", help="Output .csv, .parquet or .xlsx file.")],
           library: LibraryOpt = None,
           version: Annotated[Optional[int], typer.Option(help="Model version (default: latest).")] = None,
           headers: Annotated[str, typer.Option(
               help="Column headers of .xlsx/.csv: zh (Chinese; the 字段说明 sheet names the fields) or en.")] = "zh",
           lexicons: LexOpt = None) -> None:
    """Write every complaint (masked text) with its topic, label, pain point and confidence.

    .xlsx and .csv open ready for Excel: Chinese headers, the file's own columns (投诉类别 …) as columns,
    是/否, rounded numbers, a bold frozen header with a filter. .parquet keeps field names.

    Example: complaints export --out complaints_topics.xlsx
    """
    from complaints.outputs import prepare_output
    from complaints.report.export import export_complaints

    prepare_output(out_file)
    n = export_complaints(library_of(library), out_file, version, lex_arg(lexicons), headers)
    out.print(f"已导出 {n:,} 条投诉到 {out_file} (wrote {n:,} complaints)", highlight=False)
