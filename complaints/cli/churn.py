"""Commands for complaints x customers x port events: link, features, churn-eval, at-risk."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .shell import (AsOfOpt, HorizonOpt, JsonOpt, LexOpt, LibraryOpt, ModelVersionOpt, app, friendly, lex_arg,
                    library_of, out, print_json, progress_bar)


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
        task = bar.add_task("lift", total=3)
        lift = lk.painpoint_lift(lib, level=level, version=model_version, start=start, end=end, lexicons=lex_arg(lexicons))
        bar.update(task, description="porting reasons", completed=1)
        reasons = lk.porting_reasons(lib, lookback_days=lookback, start=start, end=end, version=model_version,
                                     lexicons=lex_arg(lexicons))
        bar.update(task, description="net flow", completed=2)
        flow = lk.net_flow(lib, start=start, end=end)
    frames = {"lift": lift, "porting_reasons": reasons.summary, "port_outs": reasons.per_port_out,
              "port_out_topics": reasons.topic_summary, "net_flow": flow,
              "data_issues": lk.issues_frame(reasons.issues)}
    written = view.write_frames(frames, out_file) if out_file else []
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


@app.command("churn-eval")
@friendly
def churn_eval_cmd(as_of: AsOfOpt, label_horizon: HorizonOpt = 30,
                   folds: Annotated[int, typer.Option(help="Stratified cross-validation folds.")] = 5,
                   model_version: ModelVersionOpt = None, seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
                   library: LibraryOpt = None, as_json: JsonOpt = False) -> None:
    """Measure what complaints add to churn prediction: gradient boosting on customer attributes alone
    vs attributes + complaint features, stratified CV (grouped by customer), AUC and PR-AUC for both.

    Example: complaints churn-eval --as-of 2025-10-01..2026-09-01 --label-horizon 30
    """
    from complaints.churn.linkbase import expand_dates
    from complaints.churn.linkview import churn_table
    from complaints.churn.model import churn_eval

    dates = expand_dates(as_of)
    with progress_bar() as bar:
        task = bar.add_task("churn-eval", total=None)
        rep = churn_eval(library_of(library), dates, label_horizon=label_horizon, folds=folds,
                         model_version=model_version, seed=seed,
                         progress=lambda stage, d, n: bar.update(task, description=stage, completed=d, total=n))
    if as_json:
        print_json(rep)
        return
    out.print(f"{rep['snapshots']:,} customer snapshots ({rep['customers']:,} customers, {len(rep['as_of'])} as-of "
              f"dates), {rep['port_outs']:,} port-out requests within {label_horizon} days "
              f"(base rate {rep['base_rate']:.2%}), model version {rep['model_version']}", highlight=False)
    out.print(churn_table(rep))
    out.print(f"complaint features change AUC by {rep['auc_gain']:+.3f} and PR-AUC by {rep['pr_auc_gain']:+.4f}",
              highlight=False)


@app.command("at-risk")
@friendly
def at_risk_cmd(as_of: Annotated[str, typer.Option("--as-of", help="Scoring date YYYY-MM-DD.")],
                out_file: Annotated[Path, typer.Option("--out", help="CSV (or .xlsx) of at-risk customers.")],
                label_horizon: HorizonOpt = 30,
                high: Annotated[float, typer.Option(help="Score (probability) from which a customer is high risk.")] = 0.03,
                medium: Annotated[float, typer.Option(help="Score from which a customer is medium risk.")] = 0.01,
                top: Annotated[int, typer.Option(help="Rows to print.")] = 15,
                include_low: Annotated[bool, typer.Option("--all", help="Write low-risk customers too.")] = False,
                train_months: Annotated[int, typer.Option(help="Train on this many earlier monthly as-of dates.")] = 12,
                model_version: ModelVersionOpt = None, library: LibraryOpt = None, lexicons: LexOpt = None,
                as_json: JsonOpt = False) -> None:
    """Early warning (预警): score every customer for a port-out in the next N days, assign tiers
    high/medium/low, and name the pain points behind each at-risk customer's score.

    Trained on earlier as-of dates whose label windows closed before the scoring date. Customer keys
    are the library's hashes; no phone number or unmasked text is written.

    Example: complaints at-risk --as-of 2026-09-30 --out at_risk.csv --high 0.03 --medium 0.01
    """
    from complaints.churn.linkview import at_risk_frame, at_risk_table, write_frames
    from complaints.churn.model import at_risk
    from complaints.outputs import prepare_output

    prepare_output(out_file)
    with progress_bar() as bar:
        task = bar.add_task("at-risk", total=None)
        res = at_risk(library_of(library), as_of, label_horizon=label_horizon, high=high, medium=medium,
                      model_version=model_version, train_months=train_months, lexicons=lex_arg(lexicons),
                      progress=lambda stage, d, n: bar.update(task, description=stage, completed=d, total=n))
    frame = at_risk_frame(res, include_low)
    written = write_frames({"at_risk": frame}, out_file)
    if as_json:
        print_json({**res.to_dict(max_rows=top), "written": [str(p) for p in written], "rows_written": len(frame)})
        return
    c = res.tier_counts
    out.print(f"as of {res.as_of}: {c['high']:,} high (score ≥ {high:.0%}), {c['medium']:,} medium (≥ {medium:.0%}), "
              f"{c['low']:,} low; trained on {res.train_rows:,} snapshots from {len(res.train_as_of)} earlier dates "
              f"({res.train_port_outs:,} port-outs)", highlight=False)
    out.print(at_risk_table(res, top))
    out.print(f"wrote {len(frame):,} customers to {written[0]}", highlight=False)
