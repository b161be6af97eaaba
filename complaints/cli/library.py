"""Commands that fill and inspect the library: ingest complaints|customers|ports, segment, stats, rejects."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from complaints.cells import terminal

from .shell import JsonOpt, LibraryOpt, MapOpt, app, err, friendly, library_of, out, print_json, progress_bar

ingest_app = typer.Typer(help="Ingest a file of complaints, customers or port events into the library.\n\n"
                              "Example: complaints ingest complaints 投诉工单.csv",
                         no_args_is_help=True)
app.add_typer(ingest_app, name="ingest")


def _ingest(kind: str, file: Path, library: Optional[Path], mapping: Optional[list[str]], as_json: bool) -> None:
    from complaints.ingest.pipeline import ingest_file
    from complaints.ingest.schema import parse_overrides
    from complaints.text.normalize import shown_path

    shown = shown_path(file)  # a file named after a customer's number is never printed in clear
    with progress_bar() as bar:
        task = bar.add_task(f"ingest {shown_path(file.name)}", total=None)
        res = ingest_file(library_of(library), kind, file, parse_overrides(mapping),
                          progress=lambda done, total: bar.update(task, completed=done, total=total))
    if as_json:
        print_json(res.to_dict())
        return
    if res.already_ingested:
        out.print(f"{shown}: already ingested as batch {res.batch_id}; nothing added "
                  f"({res.skipped} rows skipped)", highlight=False)
        return
    out.print(f"{shown} → batch {res.batch_id} ({res.format}, {res.encoding or 'binary'}): "
              f"[green]{res.accepted} accepted[/], {res.updated} updated, "
              f"[red]{res.rejected} rejected[/], {res.skipped} skipped", highlight=False)
    for w in res.warnings:
        err.print(f"[bold yellow]注意:[/] {terminal(w)}", highlight=False)
    for reason, n in sorted(res.reject_reasons.items(), key=lambda kv: -kv[1]):
        out.print(f"  rejected {n} × {terminal(reason)}  (see: complaints rejects --batch {res.batch_id})", highlight=False)
    if res.notes.get("undated"):
        out.print(f"  {res.notes['undated']} complaints have no date: kept, but time-based outputs (report, link, "
                  "features, drift) skip them", highlight=False)
        if "received_at" not in (res.column_map or {}):
            out.print("  no date column was recognised: if the file has one, ingest it again with the column mapped "
                      "(--map 列名=received_at); the complaints already in the library get their dates",
                      highlight=False)
    if res.notes.get("same_text_and_date"):
        out.print(f"  {res.notes['same_text_and_date']} complaints without an id are already in the library (same text "
                  "and date, read before with another column map): kept as they were", highlight=False)
    if res.notes.get("account_ids_in_clear"):
        out.print(f"  {res.notes['account_ids_in_clear']} customer keys are account ids kept in clear: this library was "
                  "created before every key was hashed (config.json format 1); a new library hashes them",
                  highlight=False)
    if res.notes.get("repeats_linked"):
        out.print(f"  {res.notes['repeats_linked']} complaints linked as repeats of an earlier complaint")


@ingest_app.command("complaints")
@friendly
def ingest_complaints(file: Annotated[Path, typer.Argument(help="CSV, XLSX, JSONL or Parquet file.")],
                      library: LibraryOpt = None, map: MapOpt = None, as_json: JsonOpt = False) -> None:
    """Ingest complaints. Only a text column (投诉内容/问题描述/工单内容 …) is required.

    Example: complaints ingest complaints 投诉工单_2026-06.csv --map 诉求详情=text
    """
    _ingest("complaints", file, library, map, as_json)


@ingest_app.command("customers")
@friendly
def ingest_customers(file: Annotated[Path, typer.Argument(help="CSV, XLSX, JSONL or Parquet file.")],
                     library: LibraryOpt = None, map: MapOpt = None, as_json: JsonOpt = False) -> None:
    """Ingest customers (用户号码, 套餐, 入网时间, 地市, ARPU, 合约到期). A newer row replaces an older one.

    Example: complaints ingest customers 用户资料.xlsx
    """
    _ingest("customers", file, library, map, as_json)


@ingest_app.command("ports")
@friendly
def ingest_ports(file: Annotated[Path, typer.Argument(help="CSV, XLSX, JSONL or Parquet file.")],
                 library: LibraryOpt = None, map: MapOpt = None, as_json: JsonOpt = False) -> None:
    """Ingest number-porting events (携号转网: 携出/携入, 申请时间, 完成时间, 状态, 对方运营商).

    Example: complaints ingest ports 携转记录.csv
    """
    _ingest("ports", file, library, map, as_json)


@app.command()
@friendly
def segment(texts: Annotated[list[str], typer.Argument(help="One or more complaint texts.")],
            lexicons: Annotated[Optional[Path], typer.Option(
                "--lexicons", envvar="COMPLAINTS_LEXICONS", help="Lexicon folder (default: lexicons/).")] = None,
            as_json: JsonOpt = False) -> None:
    """Show the tokens a complaint is cut into (clean, mask, jieba + lexicons), to tune the lexicon.

    Example: complaints segment "携转被拒，说有合约期，宽带光猫老是断网"
    """
    from complaints.text.normalize import normalize_text
    from complaints.text.segment import Segmenter

    seg = Segmenter(str(lexicons) if lexicons else None)
    rows = [{"text": normalize_text(t), "tokens": seg.cut(normalize_text(t))} for t in texts]
    if as_json:
        for r in rows:
            out.print(json.dumps(r, ensure_ascii=False), highlight=False, soft_wrap=True)
        return
    for r in rows:
        out.print(terminal(" / ".join(r["tokens"])) or "(no tokens)", highlight=False, soft_wrap=True)


@app.command()
@friendly
def stats(library: LibraryOpt = None, as_json: JsonOpt = False) -> None:
    """Count what the library holds: complaints, repeats, customers, port events, batches, rejects.

    Example: complaints stats --json
    """
    from complaints.store.stats import library_stats

    s = library_stats(library_of(library))
    if as_json:
        print_json(s)
        return
    t = Table(title=f"投诉库 complaint library {terminal(s['library'])}", show_header=False)
    for k, v in s.items():
        if k == "library":
            continue
        if isinstance(v, dict):
            v = ", ".join(f"{a} {b}" for a, b in list(v.items())[:12]) or "–"
        elif v is None:
            v = "–（没有带日期的投诉）" if k in ("first_complaint", "last_complaint") else "–（尚无）"
        elif isinstance(v, int):
            v = f"{v:,}"
        t.add_row(STATS_LABELS.get(k, k.replace("_", " ")), terminal(v))
    out.print(t)


STATS_LABELS = {
    "complaints": "投诉 complaints", "undated_complaints": "无日期投诉 undated", "repeat_complaints": "重复投诉 repeats",
    "escalated_complaints": "工信部申诉 escalated", "complainants": "投诉客户 complainants",
    "first_complaint": "最早投诉 first complaint", "last_complaint": "最近投诉 last complaint",
    "customers": "客户 customers", "port_events": "携转记录 port events",
    "port_events_by_direction_status": "携转 方向/状态", "batches": "入库批次 batches", "rejects": "拒收行 rejects",
    "rejects_by_column": "拒收 按字段", "model_versions": "模型版本数 model versions",
    "latest_model_version": "最新模型版本 latest version", "topics_in_latest_version": "话题数 topics",
    "complaints_by_channel": "按渠道 by channel", "complaints_by_region": "按地市 by region",
}


@app.command()
@friendly
def rejects(library: LibraryOpt = None,
            batch: Annotated[Optional[int], typer.Option(help="Only this batch.")] = None,
            limit: Annotated[int, typer.Option(help="At most this many rows.")] = 50,
            as_json: JsonOpt = False) -> None:
    """List rejected rows with file, row number, column and reason (text masked).

    Example: complaints rejects --batch 3
    """
    from complaints.store.stats import list_rejects

    rows = list_rejects(library_of(library), batch, limit)
    if as_json:
        print_json(rows)
        return
    t = Table("batch", "file", "row", "column", "reason")
    for r in rows:
        t.add_row(str(r["batch_id"]), terminal(Path(str(r["source_file"])).name), str(r["row_number"]),
                  terminal(r["column_name"] or "-"), terminal(r["reason"]))
    out.print(t)
