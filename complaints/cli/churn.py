"""Commands for complaints x customers x port events: link, features, churn-eval, at-risk."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .shell import (AsOfOpt, HorizonOpt, JsonOpt, LexOpt, LibraryOpt, MapOpt, ModelVersionOpt, app, err, friendly,
                    lex_arg, library_of, out, print_json, progress_bar)


@app.command()
@friendly
def link(library: LibraryOpt = None,
         level: Annotated[str, typer.Option(help="Lift by painpoint or by topic.")] = "painpoint",
         lookback: Annotated[int, typer.Option(help="Days before a port-out request that count as its reasons.")] = 90,
         start: Annotated[Optional[str], typer.Option(help="Only complaints/port-outs from this day (YYYY-MM-DD).")] = None,
         end: Annotated[Optional[str], typer.Option(help="… and before this day (YYYY-MM-DD).")] = None,
         model_version: ModelVersionOpt = None,
         top: Annotated[Optional[int], typer.Option(help="Show only the first N lift rows.")] = None,
         out_file: Annotated[Optional[Path], typer.Option(
             "--out", help="Also write every table: .xlsx (one sheet each) or .csv (one file each).")] = None,
         headers: Annotated[str, typer.Option(help="Column headers in --out: zh (Chinese) or en (field names).")] = "zh",
         lexicons: LexOpt = None, as_json: JsonOpt = False) -> None:
    """Link complaints to customers and port events: port-out lift per pain point or topic (with 95% CI),
    why customers left (complaints before each port-out), net porting flow by operator and month, and
    counted data issues.

    Example: complaints link --level painpoint --out link.xlsx
    """
    from complaints.churn import link as lk
    from complaints.churn import linkview as view

    from complaints.outputs import prepare_output

    if level not in ("painpoint", "topic"):
        raise typer.BadParameter("--level must be painpoint or topic")
    if out_file is not None:
        prepare_output(out_file)
    lib = library_of(library)
    with progress_bar() as bar:
        task = bar.add_task("link", total=3)
        bar.update(task, description="lift", completed=0)
        lift = lk.painpoint_lift(lib, level=level, version=model_version, start=start, end=end, lexicons=lex_arg(lexicons))
        bar.update(task, description="porting reasons", completed=1)
        reasons = lk.porting_reasons(lib, lookback_days=lookback, start=start, end=end, version=model_version,
                                     lexicons=lex_arg(lexicons))
        bar.update(task, description="net flow", completed=2)
        flow = lk.net_flow(lib, start=start, end=end)
    frames = {"lift": lift, "porting_reasons": reasons.summary, "port_outs": reasons.per_port_out,
              "port_out_topics": reasons.topic_summary, "net_flow": flow,
              "data_issues": lk.issues_frame(reasons.issues)}
    written = view.write_frames(frames, out_file, headers) if out_file else []
    if as_json:
        print_json({"level": level, "lift": lk.records(lift), "porting_reasons": reasons.to_dict(),
                     "net_flow": lk.records(flow), "issues": reasons.issues, "issue_notes": lk.ISSUE_NOTES,
                     "written": [str(p) for p in written]})
        return
    out.print(view.lift_table(lift, level, top))
    out.print(view.reasons_header(reasons), highlight=False)
    out.print(view.reasons_table(reasons))
    for t in view.flow_tables(flow):
        out.print(t)
    out.print(view.issues_table(reasons.issues, lk.ISSUE_NOTES))
    for p in written:
        out.print(f"wrote {p}", highlight=False)


@app.command()
@friendly
def features(as_of: AsOfOpt = None,
             out_file: Annotated[Optional[Path], typer.Option("--out", help="Output .parquet (or .csv).")] = None,
             label_horizon: Annotated[Optional[int], typer.Option(
                 "--label-horizon", help="Add ported_out_within_Nd: a port-out request in the N days from as-of.")] = None,
             model_version: ModelVersionOpt = None,
             describe: Annotated[bool, typer.Option("--describe", help="Print the data dictionary and exit.")] = False,
             library: LibraryOpt = None, lexicons: LexOpt = None, as_json: JsonOpt = False) -> None:
    """Write point-in-time churn features: one row per customer per as-of date, from data dated before it.

    Example: complaints features --as-of 2026-06-30 --as-of 2026-03-31 --out features.parquet --label-horizon 30
    """
    from complaints.churn.features import build_features, describe_features, label_column, write_features
    from complaints.churn.linkbase import LinkError, expand_dates

    if describe:
        typer.echo(describe_features(lex_arg(lexicons), label_horizon or 30), nl=False)
        return
    if not as_of or out_file is None:
        raise LinkError("give --as-of DATE (repeatable) and --out FILE.parquet, or --describe for the data dictionary")
    from complaints.outputs import prepare_output

    prepare_output(out_file)
    dates = expand_dates(as_of)
    with progress_bar() as bar:
        task = bar.add_task("features", total=len(dates))
        df = build_features(library_of(library), dates, label_horizon=label_horizon, model_version=model_version,
                            lexicons=lex_arg(lexicons), progress=lambda d, n: bar.update(task, completed=d))
    path = write_features(df, out_file)
    info = {"out": str(path), "rows": int(len(df)), "customers": int(df["customer_key"].nunique()),
            "as_of": [str(d) for d in dates], "columns": list(df.columns),
            "model_version": int(df["model_version"].iloc[0]) if len(df) else model_version}
    if label_horizon:
        info["positives"] = int(df[label_column(label_horizon)].sum())
    if as_json:
        print_json(info)
        return
    msg = (f"wrote {info['rows']:,} rows ({info['customers']:,} customers × {len(dates)} as-of dates, "
           f"{len(df.columns)} columns, model version {info['model_version']}) to {path}")
    if label_horizon:
        msg += f"; {label_column(label_horizon)}: {info['positives']:,} positives ({info['positives'] / max(len(df), 1):.2%})"
    out.print(msg, highlight=False)
    out.print("columns: complaints features --describe", highlight=False)


def _say_model_inputs(dropped: dict, warnings: list[str], lexicons: Optional[Path]) -> None:
    from complaints.churn.linkbase import painpoint_names
    from complaints.churn.model import describe_dropped

    if dropped:
        err.print(f"[yellow]已跳过无信息的特征[/] {describe_dropped(dropped, painpoint_names(lex_arg(lexicons)))}",
                  highlight=False)
    for w in warnings:
        err.print(f"[bold yellow]注意:[/] {w}", highlight=False)


@app.command("churn-eval")
@friendly
def churn_eval_cmd(as_of: AsOfOpt, label_horizon: HorizonOpt = 30,
                   folds: Annotated[int, typer.Option(help="Stratified cross-validation folds.")] = 5,
                   model_version: ModelVersionOpt = None, seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
                   library: LibraryOpt = None, lexicons: LexOpt = None, as_json: JsonOpt = False) -> None:
    """Measure what complaints add to churn prediction: gradient boosting on customer attributes alone
    vs attributes + complaint features, stratified CV (grouped by customer), AUC and PR-AUC for both.

    Columns that are empty or constant (no contract-end column, no satisfaction scores …) are skipped
    and named; with few as-of dates or port-outs a warning says so.

    Example: complaints churn-eval --as-of 2025-10-01..2026-09-01 --label-horizon 30
    """
    from complaints.churn.linkbase import expand_dates
    from complaints.churn.linkview import churn_table
    from complaints.churn.model import churn_eval

    dates = expand_dates(as_of)
    with progress_bar() as bar:
        task = bar.add_task("churn-eval", total=None)
        rep = churn_eval(library_of(library), dates, label_horizon=label_horizon, folds=folds,
                         model_version=model_version, seed=seed, lexicons=lex_arg(lexicons),
                         progress=lambda stage, d, n: bar.update(task, description=stage, completed=d, total=n))
    if as_json:
        print_json(rep)
        return
    out.print(f"{rep['snapshots']:,} 个客户快照（{rep['customers']:,} 个客户 × {len(rep['as_of'])} 个观察日），"
              f"{label_horizon} 天内携出申请 {rep['port_outs']:,} 个（基础率 {rep['base_rate']:.2%}），模型版本 "
              f"{rep['model_version']}", highlight=False)
    _say_model_inputs(rep["dropped"], rep["warnings"], lexicons)
    out.print(churn_table(rep))
    out.print(f"投诉特征使 AUC 变化 {rep['auc_gain']:+.3f}，PR-AUC 变化 {rep['pr_auc_gain']:+.4f} "
              f"(complaint features change AUC by {rep['auc_gain']:+.3f})", highlight=False)


TopOpt = Annotated[Optional[int], typer.Option(help="Tier size as a number of customers (the riskiest N; "
                                                    "for medium: the next N), instead of a score threshold.")]
PctOpt = Annotated[Optional[float], typer.Option(help="Tier size as a percentage of scored customers (high: the "
                                                      "riskiest P%; medium: the next P%).")]


@app.command("at-risk")
@friendly
def at_risk_cmd(as_of: Annotated[str, typer.Option("--as-of", help="Scoring date YYYY-MM-DD.")],
                out_file: Annotated[Path, typer.Option("--out", help="CSV (or .xlsx) of at-risk customers.")],
                label_horizon: HorizonOpt = 30,
                high: Annotated[float, typer.Option(help="Score (probability) from which a customer is high risk.")] = 0.03,
                medium: Annotated[float, typer.Option(help="Score from which a customer is medium risk.")] = 0.01,
                high_top: TopOpt = None, medium_top: TopOpt = None, high_pct: PctOpt = None,
                medium_pct: PctOpt = None,
                customers_file: Annotated[Optional[Path], typer.Option(
                    "--customers-file", help="The operator's customer file (用户资料.csv/xlsx): read locally to put "
                                             "each flagged customer's phone number into the call list; never "
                                             "stored.")] = None,
                map: MapOpt = None,
                headers: Annotated[str, typer.Option(help="Column headers: zh (Chinese) or en (field names).")] = "zh",
                top: Annotated[int, typer.Option(help="Rows to print.")] = 15,
                include_low: Annotated[bool, typer.Option("--all", help="Write low-risk customers too.")] = False,
                train_months: Annotated[int, typer.Option(help="Train on this many earlier monthly as-of dates.")] = 12,
                model_version: ModelVersionOpt = None, library: LibraryOpt = None, lexicons: LexOpt = None,
                as_json: JsonOpt = False) -> None:
    """Early warning (预警): score every customer for a port-out in the next N days, put them in tiers
    high/medium/low (by score, by number --high-top 200, or by share --high-pct 1) with the expected
    port-outs per tier, give every flagged customer its reasons (pain points, otherwise tenure, plan,
    ARPU, contract, a port-out in progress …) and a suggested retention action.

    Trained on earlier as-of dates whose label windows closed before the scoring date. The file holds the
    library's hashed keys; with --customers-file it becomes the call list with phone numbers (read from
    that file on the spot, never stored in the library or printed).

    Example: complaints at-risk --as-of 2026-09-30 --out 外呼名单.xlsx --high-top 200 --customers-file 用户资料.csv
    """
    from complaints.churn.atrisk import at_risk
    from complaints.churn.calllist import call_list, load_actions, read_numbers
    from complaints.churn.linkview import at_risk_frame, at_risk_table, tier_table, write_frames
    from complaints.ingest.schema import parse_overrides

    from complaints.outputs import prepare_output

    prepare_output(out_file)
    lib = library_of(library)
    with progress_bar() as bar:
        task = bar.add_task("at-risk", total=None)
        res = at_risk(lib, as_of, label_horizon=label_horizon, high=high, medium=medium, high_top=high_top,
                      medium_top=medium_top, high_pct=high_pct, medium_pct=medium_pct, model_version=model_version,
                      train_months=train_months, lexicons=lex_arg(lexicons),
                      progress=lambda stage, d, n: bar.update(task, description=stage, completed=d, total=n))
    numbers = read_numbers(lib, customers_file, parse_overrides(map)) if customers_file else None
    frame = call_list(at_risk_frame(res, include_low), numbers, load_actions(lex_arg(lexicons)))
    written = write_frames({"call_list" if numbers is not None else "at_risk": frame}, out_file, headers)
    found = int(frame["phone"].notna().sum()) if numbers is not None else None
    if as_json:
        doc = res.to_dict(max_rows=top)
        for r in doc["customers"]:
            r.pop("reason_keys", None)
        print_json({**doc, "written": [str(p) for p in written], "rows_written": len(frame),
                    "numbers_found": found})
        return
    c = res.tier_counts
    out.print(f"{res.as_of} 评分：高风险 {c['high']:,}，中风险 {c['medium']:,}，低风险 {c['low']:,}；训练用了 "
              f"{len(res.train_as_of)} 个观察日（{res.train_as_of[0]} … {res.train_as_of[-1]}）的 {res.train_rows:,} "
              f"个快照，其中携出 {res.train_port_outs:,} 个", highlight=False)
    _say_model_inputs(res.dropped, res.warnings, lexicons)
    out.print(tier_table(res))
    out.print(at_risk_table(res, top))
    if numbers is not None:
        out.print(f"在 {customers_file.name} 中找到 {found:,} / {len(frame):,} 位名单客户的号码"
                  f"（号码只写入名单文件，不入库）", highlight=False)
    out.print(f"已写出 {len(frame):,} 位客户到 {written[0]}", highlight=False)
