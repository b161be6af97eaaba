"""Commands for per-complaint pain points: show one, correct one, and the corrections file loop.

    complaints painpoint show GD001                       # its pain point, status, evidence, source
    complaints painpoint correct GD001 携号转网受阻 [--note …] | --withdraw
    complaints painpoint template 更正表.xlsx [--n 100]    # uncertain ones first, one per topic
    complaints painpoint import 更正表.xlsx                # then: complaints update (or fit)
    complaints painpoint corrections                      # the corrections in force
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from .shell import JsonOpt, LexOpt, LibraryOpt, app, friendly, lex_arg, library_of, out, print_json

painpoint_app = typer.Typer(help="每件投诉的痛点：查看、更正、更正表 (per-complaint pain points: show, correct, "
                                 "corrections file).\n\nExample: complaints painpoint template 更正表.xlsx",
                            no_args_is_help=True)
app.add_typer(painpoint_app, name="painpoint")
NEXT = "下次 complaints update（或 fit）时生效 (takes effect at the next update or fit)"


@painpoint_app.command("show")
@friendly
def show(complaint_id: Annotated[str, typer.Argument(help="Complaint id (工单编号).")], library: LibraryOpt = None,
         lexicons: LexOpt = None, as_json: JsonOpt = False) -> None:
    """A complaint's pain point in the current model version: status, confidence, evidence, source.

    Example: complaints painpoint show GD2026091400002
    """
    from complaints.cells import terminal as T
    from complaints.churn.linkbase import painpoint_names
    from complaints.painpoints.corrections import CorrectionError
    from complaints.store import open_store

    with open_store(library_of(library)) as s:
        df = s.query("""SELECT a.complaint_id, a.version, a.topic_id, a.painpoint, a.painpoint_status,
                               a.painpoint_confidence, a.painpoint_source, a.painpoint_evidence, a.painpoint_second
                        FROM assignments a WHERE a.complaint_id = ?
                        ORDER BY a.version DESC LIMIT 1""", [complaint_id])
    if df.empty:
        raise CorrectionError(f"complaint {complaint_id!r} has no pain point yet: is it in the library, and has "
                              "`complaints fit` (or update) run since it was ingested?")
    r = df.iloc[0].to_dict()
    if as_json:
        print_json(r)
        return
    from complaints.report.headers import PAINPOINT_SOURCES_ZH

    names = painpoint_names(lex_arg(lexicons))
    conf = r["painpoint_confidence"]
    out.print(f"{T(complaint_id)}  痛点 {names.get(r['painpoint'], (r['painpoint'], ''))[0]} ({r['painpoint']})  "
              f"{'不确定 uncertain' if r['painpoint_status'] == 'uncertain' else '确定 assigned'}  "
              f"置信度 {'–' if conf is None or conf != conf else f'{conf:.2f}'}  "
              f"依据 {PAINPOINT_SOURCES_ZH.get(r['painpoint_source'], r['painpoint_source'])}  "
              f"话题 {r['topic_id'] if r['topic_id'] >= 0 else '–'}  (model version {r['version']})", highlight=False)
    import json

    words = json.loads(r["painpoint_evidence"] or "[]")
    if words:
        out.print("证据词 evidence: " + T(" ".join(words)), highlight=False)
    if r["painpoint_second"]:
        out.print(f"次要痛点 runner-up: {names.get(r['painpoint_second'], (r['painpoint_second'], ''))[0]}",
                  highlight=False)


@painpoint_app.command("correct")
@friendly
def correct_cmd(complaint_id: Annotated[str, typer.Argument(help="Complaint id (工单编号).")],
                painpoint: Annotated[Optional[str], typer.Argument(help="Pain point key or Chinese name.")] = None,
                note: Annotated[Optional[str], typer.Option(help="A note for the record.")] = None,
                withdraw: Annotated[bool, typer.Option(help="Withdraw this complaint's correction.")] = False,
                library: LibraryOpt = None, lexicons: LexOpt = None) -> None:
    """Correct one complaint's pain point; it trains the model (and stays as given) from the next update or fit.

    Example: complaints painpoint correct GD2026091400002 携号转网受阻
    """
    from complaints.churn.linkbase import painpoint_names
    from complaints.painpoints.corrections import CorrectionError, correct

    if (painpoint is None) == (not withdraw):
        raise CorrectionError("give a pain point (key or Chinese name), or --withdraw")
    res = correct(library_of(library), complaint_id, None if withdraw else painpoint, note, lex_arg(lexicons))
    if withdraw:
        out.print(f"已撤销 {complaint_id} 的更正；{NEXT}", highlight=False)
        return
    name = painpoint_names(lex_arg(lexicons)).get(res["painpoint"], (res["painpoint"], ""))[0]
    out.print(f"已记录：{complaint_id} → {name}（{res['painpoint']}）；{NEXT}", highlight=False)


@painpoint_app.command("template")
@friendly
def template_cmd(out_file: Annotated[Path, typer.Argument(help="The corrections file to write (.xlsx or .csv).")],
                 n: Annotated[int, typer.Option("--n", help="How many complaints to list.")] = 100,
                 order: Annotated[str, typer.Option(help="uncertain (least confident first, one per topic per "
                                                         "round) or random.")] = "uncertain",
                 library: LibraryOpt = None, lexicons: LexOpt = None) -> None:
    """Write a corrections file to fill in Excel: masked snippets, current pain point, an empty 正确痛点 column.

    Example: complaints painpoint template 更正表.xlsx --n 100
    """
    from complaints.painpoints.corrections import export_template

    k = export_template(library_of(library), out_file, n, order, lex_arg(lexicons))
    out.print(f"wrote {k:,} complaints to {out_file}: fill in 正确痛点, then complaints painpoint import "
              f"{out_file.name}", highlight=False)


@painpoint_app.command("import")
@friendly
def import_cmd(file: Annotated[Path, typer.Argument(help="A filled-in corrections file (.xlsx or .csv).")],
               library: LibraryOpt = None, lexicons: LexOpt = None, as_json: JsonOpt = False) -> None:
    """Read a filled-in corrections file back (all rows or none; a blank 正确痛点 is skipped).

    Example: complaints painpoint import 更正表.xlsx && complaints update
    """
    from complaints.painpoints.corrections import import_corrections

    res = import_corrections(library_of(library), file, lex_arg(lexicons))
    if as_json:
        print_json(res)
        return
    out.print(f"imported {res['imported']:,} corrections from {res['file']} ({res['skipped_blank']:,} rows left "
              f"blank); {NEXT}", highlight=False)


@painpoint_app.command("corrections")
@friendly
def corrections_cmd(library: LibraryOpt = None, lexicons: LexOpt = None, as_json: JsonOpt = False) -> None:
    """The corrections in force (newest per complaint) beside the library's current pain point.

    Example: complaints painpoint corrections --json
    """
    from complaints.churn.linkbase import painpoint_names
    from complaints.painpoints.corrections import list_corrections

    df = list_corrections(library_of(library))
    if as_json:
        print_json(df.to_dict("records"))
        return
    names = painpoint_names(lex_arg(lexicons))
    t = Table("工单编号 complaint", "更正为 corrected to", "库中现为 current", title=f"{len(df):,} corrections")
    for r in df.to_dict("records"):
        cur = r.get("current")
        t.add_row(r["complaint_id"], names.get(r["painpoint"], (r["painpoint"], ""))[0],
                  names.get(cur, (cur, ""))[0] if isinstance(cur, str) else "–")
    out.print(t)
