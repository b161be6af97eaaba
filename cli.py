"""The `complaints` command: a thin shell over the library's Python API."""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Annotated, Callable, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

app = typer.Typer(
    help="Turn a mobile operator's Chinese complaints into a living complaint library.\n\n"
         "Example: complaints ingest complaints 投诉工单.csv && complaints stats",
    no_args_is_help=True, rich_markup_mode="rich", pretty_exceptions_enable=False,
)
ingest_app = typer.Typer(help="Ingest a file of complaints, customers or port events into the library.\n\n"
                              "Example: complaints ingest complaints 投诉工单.csv",
                         no_args_is_help=True)
app.add_typer(ingest_app, name="ingest")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

LibraryOpt = Annotated[Optional[Path], typer.Option(
    "--library", "-l", envvar="COMPLAINTS_LIBRARY", show_envvar=True,
    help="Library directory (default ./complaint-library).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
MapOpt = Annotated[Optional[list[str]], typer.Option(
    "--map", "-m", help="Map a source column to a field: --map 问题详情=text (repeatable).")]


def _library(path: Optional[Path]):
    from complaints.config import resolve_library

    return resolve_library(path)


def friendly(fn: Callable) -> Callable:
    """Print a ComplaintsError as one clear line and exit 2 instead of a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from complaints.errors import ComplaintsError

        try:
            return fn(*args, **kwargs)
        except ComplaintsError as exc:
            err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err, transient=True, disable=not err.is_terminal and "COMPLAINTS_PROGRESS" not in os.environ)


def _print_json(obj) -> None:
    out.print_json(json.dumps(obj, ensure_ascii=False, default=str))


def _ingest(kind: str, file: Path, library: Optional[Path], mapping: Optional[list[str]], as_json: bool) -> None:
    from complaints.ingest.pipeline import ingest_file
    from complaints.ingest.schema import parse_overrides

    with _progress() as bar:
        task = bar.add_task(f"ingest {file.name}", total=None)
        res = ingest_file(_library(library), kind, file, parse_overrides(mapping),
                          progress=lambda done, total: bar.update(task, completed=done, total=total))
    if as_json:
        _print_json(res.to_dict())
        return
    if res.already_ingested:
        out.print(f"{file}: already ingested as batch {res.batch_id}; nothing added "
                  f"({res.skipped} rows skipped)", highlight=False)
        return
    out.print(f"{file} → batch {res.batch_id} ({res.format}, {res.encoding or 'binary'}): "
              f"[green]{res.accepted} accepted[/], {res.updated} updated, "
              f"[red]{res.rejected} rejected[/], {res.skipped} skipped", highlight=False)
    for reason, n in sorted(res.reject_reasons.items(), key=lambda kv: -kv[1]):
        out.print(f"  rejected {n} × {reason}  (see: complaints rejects --batch {res.batch_id})", highlight=False)
    if res.notes.get("undated"):
        out.print(f"  {res.notes['undated']} complaints have no date: kept, but time-based outputs (report, link, "
                  "features, drift) skip them", highlight=False)
        if "received_at" not in (res.column_map or {}):
            out.print("  no date column was recognised: if the file has one, ingest it again with the column mapped "
                      "(--map 列名=received_at); the complaints already in the library get their dates",
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
        out.print(" / ".join(r["tokens"]) or "(no tokens)", highlight=False, soft_wrap=True)


@app.command()
@friendly
def stats(library: LibraryOpt = None, as_json: JsonOpt = False) -> None:
    """Count what the library holds: complaints, repeats, customers, port events, batches, rejects.

    Example: complaints stats --json
    """
    from complaints.store.stats import library_stats

    s = library_stats(_library(library))
    if as_json:
        _print_json(s)
        return
    t = Table(title=f"complaint library {s['library']}", show_header=False)
    for k, v in s.items():
        if k == "library":
            continue
        if isinstance(v, dict):
            v = ", ".join(f"{a} {b}" for a, b in list(v.items())[:12]) or "-"
        t.add_row(k.replace("_", " "), str(v))
    out.print(t)


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

    rows = list_rejects(_library(library), batch, limit)
    if as_json:
        _print_json(rows)
        return
    t = Table("batch", "file", "row", "column", "reason")
    for r in rows:
        t.add_row(str(r["batch_id"]), Path(r["source_file"]).name, str(r["row_number"]),
                  r["column_name"] or "-", r["reason"])
    out.print(t)


topics_app = typer.Typer(help="Look at and curate the pain-point topics of the current model version.\n\n"
                              "Example: complaints topics list && complaints topics show 3", no_args_is_help=True)
app.add_typer(topics_app, name="topics")
LexOpt = Annotated[Optional[Path], typer.Option("--lexicons", envvar="COMPLAINTS_LEXICONS",
                                                help="Lexicon folder (default: lexicons/).")]


def _lex(lexicons: Optional[Path]) -> Optional[str]:
    return str(lexicons) if lexicons else None


@app.command()
@friendly
def fit(library: LibraryOpt = None,
        embedder: Annotated[str, typer.Option(help="lexical, e5, hybrid, st:PATH or hybrid:st:PATH.")] = "lexical",
        clustering: Annotated[str, typer.Option(help="hdbscan (UMAP+HDBSCAN) or kmeans (large libraries).")] = "hdbscan",
        min_topic_size: Annotated[Optional[int], typer.Option(help="Smallest topic (default scales with size).")] = None,
        n_topics: Annotated[Optional[int], typer.Option(help="Number of topics for --clustering kmeans.")] = None,
        seed: Annotated[int, typer.Option(help="Random seed (UMAP, clustering).")] = 42,
        lexicons: LexOpt = None, as_json: JsonOpt = False) -> None:
    """Fit pain-point topics on every complaint in the library, as a new model version.

    Topic ids are stable: a refit keeps the ids, labels and curation of topics it finds again.

    Example: complaints fit --embedder lexical
    """
    from complaints.topics.fit import fit_library

    with _progress() as bar:
        task = bar.add_task("fit", total=None)

        def step(stage, done, total):
            bar.update(task, description=stage, completed=done, total=total or None)

        res = fit_library(_library(library), embedder=embedder, clustering=clustering, min_topic_size=min_topic_size,
                          n_topics=n_topics, seed=seed, lexicons=_lex(lexicons), progress=step)
    if as_json:
        _print_json(res.to_dict())
        return
    out.print(f"model version {res.version}: {res.n_topics} topics on {res.n_docs:,} complaints "
              f"({res.outlier_share:.1%} unassigned) with embedder {res.embedder} in {res.seconds['total']:.0f}s; "
              f"{len(res.carried_topic_ids)} topics carried over, {len(res.new_topic_ids)} new", highlight=False)
    out.print("next: complaints topics list", highlight=False)


@app.command()
@friendly
def update(library: LibraryOpt = None, lexicons: LexOpt = None,
           min_emerging_size: Annotated[Optional[int], typer.Option(
               help="Smallest group of new complaints that becomes an emerging topic (default: half the "
                    "fit's smallest topic, at least 10).")] = None,
           as_json: JsonOpt = False) -> None:
    """Place complaints ingested since the last fit or update, and surface emerging topics.

    Each new complaint joins its nearest stable topic when close enough, else stays unassigned;
    tight groups of unassigned ones, or groups that share a word new to the library (their
    signature), become emerging topics with new ids, in a new model version. Prints the drift:
    each topic's share now against the period before. Nothing new: nothing done (safe from cron;
    a second run at the same time is refused).

    Example: complaints ingest complaints 本周工单.csv && complaints update
    """
    from complaints.topics.update import update_library

    with _progress() as bar:
        task = bar.add_task("update", total=None)
        res = update_library(_library(library), lexicons=_lex(lexicons), min_emerging_size=min_emerging_size,
                             progress=lambda stage, done, total: bar.update(task, description=stage, completed=done,
                                                                            total=total or None))
    if as_json:
        _print_json(res.to_dict())
        return
    if res.nothing_new:
        out.print(f"nothing new since model version {res.parent_version}; nothing to do", highlight=False)
        return
    out.print(f"model version {res.version} (update of {res.parent_version}): {res.new_complaints:,} new complaints, "
              f"{res.assigned:,} to existing topics, {len(res.emerging)} emerging topics, {res.unassigned:,} "
              f"unassigned, {res.no_content:,} without content ({res.seconds['total']:.1f}s)", highlight=False)
    if res.emerging:
        t = Table("id", "label", "pain point", "size", "new word", "keywords", title="emerging topics")
        for e in res.emerging:
            t.add_row(str(e["topic_id"]), e["label"], e["painpoint"], str(e["size"]), e["signature"] or "–",
                      " ".join(e["keywords"][:6]))
        out.print(t)
    _print_drift(res.drift)


def _print_drift(rows: list[dict], top: int = 10) -> None:
    if not rows:
        return
    dated = rows[0]["period_start"] is not None
    title = (f"drift {str(rows[0]['period_start'])[:10]}…{str(rows[0]['period_end'])[:10]} "
             f"vs the {str(rows[0]['prev_start'])[:10]}… period before (fastest growing first)") if dated else \
        ("topic shares of the new complaints — undated, so no period before to compare with "
         "(ingest them with their date column mapped for drift)")
    t = Table("id", "label", "now", "share now", "before", "share before", "change", title=title)
    for r in rows[:top]:
        share_prev = "" if r["share_prev"] is None else f"{r['share_prev']:.1%}"
        change = "" if r["change"] is None else f"{r['change'] * 100:+.1f} pp"
        t.add_row(str(r["topic_id"]), ("🆕 " if r["is_new"] else "") + str(r["label"]), str(r["n_now"]),
                  f"{r['share_now']:.1%}", str(r["n_prev"]) if dated else "", share_prev, change)
    out.print(t)


@app.command()
@friendly
def drift(library: LibraryOpt = None, version: Annotated[Optional[int], typer.Option(
        help="Model version (default: the latest update).")] = None,
          top: Annotated[int, typer.Option(help="Rows to show.")] = 15, as_json: JsonOpt = False) -> None:
    """Show an update's drift summary: topic shares now against the period before, new topics first seen.

    Example: complaints drift --top 10
    """
    from complaints.store import open_store
    from complaints.topics.drift import read_drift

    with open_store(_library(library)) as s:
        rows = read_drift(s, version)
    if as_json:
        _print_json(rows)
    elif not rows:
        out.print("no drift recorded yet: run `complaints update` after ingesting new complaints", highlight=False)
    else:
        _print_drift(rows, top)


@app.command()
@friendly
def classify(texts: Annotated[Optional[list[str]], typer.Argument(
        help="Complaint texts; none (or '-') reads one complaint per line from stdin.")] = None,
             file: Annotated[Optional[Path], typer.Option(
                 "--file", "-f", help="CSV, XLSX, JSONL or Parquet file of complaints.")] = None,
             text_column: Annotated[Optional[str], typer.Option(
                 help="The file's text column, if its name is not a known one (投诉内容, 问题描述, …).")] = None,
             top_k: Annotated[int, typer.Option("--top-k", help="Similar past complaints to show.")] = 3,
             library: LibraryOpt = None, lexicons: LexOpt = None,
             as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False) -> None:
    """Classify new complaints: stable topic, pain point and owning department, confidence, the
    keywords behind it, and the most similar past complaints (masked).

    Loads only the compact artifact written by `fit`/`update` (no BERTopic, no torch). If a
    supervised classifier was trained (`complaints train-classifier`), its label and calibrated
    probability are added.

    Example: complaints classify "携号转网一直说我有合约，不给授权码" --top-k 3
    """
    import sys

    # One BLAS thread: scoring is small matrix products, and OpenBLAS's idle threads spin and
    # starve the forked segmenting workers (measured on 2 cores: 10,000 complaints 7.0 s -> 4.4 s).
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    from complaints.classify.topic_classifier import TopicClassifier, classify_file, read_lines

    clf = TopicClassifier(_library(library), top_k=top_k, lexicons=_lex(lexicons))
    if file is not None:
        results = classify_file(clf, file, text_column)
    else:
        given = [t for t in (texts or []) if t != "-"]
        if not given:
            if sys.stdin.isatty():
                raise typer.BadParameter("give complaint texts, --file FILE, or pipe one complaint per line")
            given = read_lines(sys.stdin)
        results = clf.classify(given)
    if as_json:  # plain writes: rich's markup handling costs more than classifying
        out.file.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in results))
        out.file.flush()
        return
    _print_classified(results)


def _print_classified(results: list[dict]) -> None:
    """One block per complaint: a table's columns are too narrow for Chinese snippets."""
    for n, r in enumerate(results, start=1):
        head = f"[bold][{r.get('row', n)}][/] "
        if r["status"] == "empty":
            out.print(head + f"[red]{r['error']}[/]", highlight=False)
            continue
        out.print(head + r["text"], highlight=False)
        if r["topic_id"] is not None:
            out.print(f"    topic       {r['topic_id']} {r['topic_label']}   confidence {r['confidence']:.2f}",
                      highlight=False)
        else:
            near = f" (nearest topic {r['nearest_topic_id']})" if r.get("nearest_topic_id") is not None else ""
            out.print(f"    topic       [yellow]{r['status']}[/]{near}: {r.get('reason', '')}", highlight=False)
        out.print(f"    pain point  {r['painpoint_name']} → {r['department'] or '-'}", highlight=False)
        if r.get("supervised"):
            out.print(f"    label       {r['supervised']['label']} (p={r['supervised']['probability']:.2f})",
                      highlight=False)
        if r["keywords"]:
            out.print("    why         " + " ".join(r["keywords"]), highlight=False)
        for i, sim in enumerate(r["similar"]):
            out.print(("    similar     " if i == 0 else " " * 16) +
                      f"{sim['complaint_id']} {sim['date'] or ''} ({sim['similarity']:.2f}) {sim['snippet'][:40]}",
                      highlight=False)


@topics_app.command("list")
@friendly
def topics_list(library: LibraryOpt = None, version: Annotated[Optional[int], typer.Option(
                help="Model version (default: latest).")] = None, lexicons: LexOpt = None,
                as_json: JsonOpt = False) -> None:
    """List topics with label, pain point, size and keywords.

    Example: complaints topics list --json
    """
    from complaints.topics.curate import list_topics

    rows = list_topics(_library(library), version, _lex(lexicons))
    if as_json:
        _print_json(rows)
        return
    t = Table("id", "label", "pain point", "size", "keywords", title=f"topics (model version {rows[0]['version'] if rows else '-'})")
    for r in rows:
        t.add_row(str(r["topic_id"]), r["label"], r["painpoint_name"], f"{r['size']:,}", " ".join(r["keywords"][:8]))
    out.print(t)


@topics_app.command("show")
@friendly
def topics_show(topic_id: Annotated[int, typer.Argument(help="Stable topic id.")], library: LibraryOpt = None,
                version: Annotated[Optional[int], typer.Option(help="Model version (default: latest).")] = None,
                lexicons: LexOpt = None, as_json: JsonOpt = False) -> None:
    """Show one topic: keywords, pain point, department, size, lineage and example complaints (masked).

    Example: complaints topics show 3
    """
    from complaints.topics.curate import show_topic

    r = show_topic(_library(library), topic_id, version, _lex(lexicons))
    if as_json:
        _print_json(r)
        return
    out.print(f"[bold]topic {r['topic_id']}: {r['label']}[/]  ({r['status']}, model version {r['version']})", highlight=False)
    out.print(f"pain point: {r['painpoint_name']} ({r['painpoint']}, score {r['painpoint_score']:.2f}) · "
              f"department: {r['department']} · size: {r['size']:,}", highlight=False)
    out.print("keywords: " + " ".join(r["keywords"]), highlight=False)
    out.print("diverse keywords: " + " ".join(r["keywords_diverse"]), highlight=False)
    if r["lineage"]:
        out.print("lineage: " + ", ".join(f"{x['topic_id']}" + (f" ({x['share']:.0%})" if "share" in x else " (merged)")
                                          for x in r["lineage"]), highlight=False)
    for e in r["examples"]:
        out.print(f"  · [{e['complaint_id']} {e['received_at'] or ''}] {e['text'][:160]}", highlight=False)


@topics_app.command("rename")
@friendly
def topics_rename(topic_id: Annotated[int, typer.Argument(help="Stable topic id.")],
                  label: Annotated[str, typer.Argument(help="New label.")], library: LibraryOpt = None) -> None:
    """Give a topic an analyst's label; it survives refits and updates.

    Example: complaints topics rename 3 携转授权码难获取
    """
    from complaints.topics.curate import rename_topic

    rename_topic(_library(library), topic_id, label)
    out.print(f"topic {topic_id} is now labelled {label!r}", highlight=False)


@topics_app.command("merge")
@friendly
def topics_merge(target: Annotated[int, typer.Argument(help="Topic to keep.")],
                 sources: Annotated[list[int], typer.Argument(help="Topics to fold into it.")],
                 library: LibraryOpt = None) -> None:
    """Merge topics into the first one; later versions follow the merge.

    Example: complaints topics merge 3 7 12
    """
    from complaints.topics.curate import merge_topics

    size = merge_topics(_library(library), target, sources)
    out.print(f"merged {', '.join(map(str, sources))} into topic {target} ({size:,} complaints)", highlight=False)


@topics_app.command("painpoint")
@friendly
def topics_painpoint(topic_id: Annotated[int, typer.Argument(help="Stable topic id.")],
                     painpoint: Annotated[str, typer.Argument(help="Pain point key or Chinese name.")],
                     library: LibraryOpt = None, lexicons: LexOpt = None) -> None:
    """Map a topic to a different pain point of lexicons/painpoints.yaml.

    Example: complaints topics painpoint 3 携号转网受阻
    """
    from complaints.topics.curate import set_painpoint

    key = set_painpoint(_library(library), topic_id, painpoint, _lex(lexicons))
    out.print(f"topic {topic_id} → pain point {key}", highlight=False)


@app.command()
@friendly
def export(out_file: Annotated[Path, typer.Option("--out", help="Output .csv, .parquet or .xlsx file.")],
           library: LibraryOpt = None,
           version: Annotated[Optional[int], typer.Option(help="Model version (default: latest).")] = None,
           lexicons: LexOpt = None) -> None:
    """Write every complaint (masked text, attributes) with its topic, label, pain point and confidence.

    Example: complaints export --out complaints_topics.xlsx
    """
    from complaints.report.export import export_complaints

    n = export_complaints(_library(library), out_file, version, _lex(lexicons))
    out.print(f"wrote {n:,} complaints to {out_file}", highlight=False)


LabelOpt = Annotated[str, typer.Option("--label-column", help="Column (or complaint attribute) holding the label.")]
FileOpt = Annotated[Optional[Path], typer.Option("--file", help="Labelled CSV/XLSX/JSONL/Parquet instead of the library.")]


@app.command("train-classifier")
@friendly
def train_classifier_cmd(label_column: LabelOpt, library: LibraryOpt = None, file: FileOpt = None,
                         as_json: JsonOpt = False) -> None:
    """Train a supervised classifier on labelled complaints (an operator's own 投诉类别 …); saved as JSON + npz.

    Example: complaints train-classifier --label-column 投诉类别
    """
    from complaints.classify.labelled import train_classifier

    with err.status("training …"):
        res = train_classifier(_library(library), label_column, file)
    if as_json:
        _print_json(res)
        return
    out.print(f"trained on {res['trained_on']:,} complaints from {res['source']} ({len(res['classes'])} classes, "
              f"{res['dropped_unlabelled']:,} unlabelled skipped) → {res['artifact']}", highlight=False)


@app.command()
@friendly
def evaluate(label_column: LabelOpt, library: LibraryOpt = None, file: FileOpt = None,
             folds: Annotated[int, typer.Option(help="Stratified cross-validation folds.")] = 5,
             as_json: JsonOpt = False) -> None:
    """Cross-validate the supervised classifier: macro-F1, per-class precision/recall, confusion matrix.

    Example: complaints evaluate --label-column 投诉类别 --folds 5
    """
    from complaints.classify.labelled import evaluate_classifier

    with err.status(f"{folds}-fold cross-validation …"):
        rep = evaluate_classifier(None if file else _library(library), label_column, file, folds)
    if as_json:
        _print_json(rep)
        return
    out.print(f"{rep['source']}: {rep['n_samples']:,} labelled complaints, {len(rep['labels'])} classes, "
              f"{rep['n_splits']}-fold stratified CV", highlight=False)
    out.print(f"macro-F1 {rep['macro_f1']['mean']:.3f} ± {rep['macro_f1']['std']:.3f} · "
              f"accuracy {rep['accuracy']['mean']:.3f} ± {rep['accuracy']['std']:.3f}", highlight=False)
    t = Table("class", "precision", "recall", "F1", "support")
    for lab, m in rep["per_class"].items():
        t.add_row(lab, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}", f"{m['support']:,}")
    out.print(t)
    cm = Table("true \\ predicted", *rep["labels"], title="confusion matrix")
    for lab, row in zip(rep["labels"], rep["confusion_matrix"]):
        cm.add_row(lab, *(str(c) for c in row))
    out.print(cm)


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
    from complaints.report import write_report

    with _progress() as bar:
        task = bar.add_task("report", total=4)
        res = write_report(_library(library), out_dir, period, date_from, date_to, _lex(lexicons),
                           progress=lambda stage, done, total: bar.update(task, description=stage, completed=done))
    if as_json:
        _print_json(res.to_dict())
        return
    if res.empty:
        out.print(f"no complaints in {res.period}: the report says so (data quality and porting still shown)",
                  highlight=False)
    else:
        out.print(f"report for {res.period}: {res.complaints:,} complaints, model version {res.model_version} "
                  f"({res.seconds['total']:.1f}s)", highlight=False)
    for kind in ("html", "xlsx", "md"):
        out.print(f"  {res.files[kind]}", highlight=False)


# --- link, features, churn-eval, at-risk (complaints x customers x port events) --------------------------
AsOfOpt = Annotated[list[str], typer.Option(
    "--as-of", help="As-of date YYYY-MM-DD (repeatable), or a monthly range 2025-10-01..2026-09-01.")]
HorizonOpt = Annotated[int, typer.Option("--label-horizon", help="Label: port-out request within N days.")]
ModelVersionOpt = Annotated[Optional[int], typer.Option(
    "--model-version", help="Topic model version for pain points and topics (default: latest).")]


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
    from complaints import link as lk
    from complaints import linkview as view

    if level not in ("painpoint", "topic"):
        raise typer.BadParameter("--level must be painpoint or topic")
    lib = _library(library)
    with _progress() as bar:
        task = bar.add_task("lift", total=3)
        lift = lk.painpoint_lift(lib, level=level, version=model_version, start=start, end=end, lexicons=_lex(lexicons))
        bar.update(task, description="porting reasons", completed=1)
        reasons = lk.porting_reasons(lib, lookback_days=lookback, start=start, end=end, version=model_version,
                                     lexicons=_lex(lexicons))
        bar.update(task, description="net flow", completed=2)
        flow = lk.net_flow(lib, start=start, end=end)
    frames = {"lift": lift, "porting_reasons": reasons.summary, "port_outs": reasons.per_port_out,
              "port_out_topics": reasons.topic_summary, "net_flow": flow,
              "data_issues": lk.issues_frame(reasons.issues)}
    written = view.write_frames(frames, out_file) if out_file else []
    if as_json:
        _print_json({"level": level, "lift": lk.records(lift), "porting_reasons": reasons.to_dict(),
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
        typer.echo(describe_features(_lex(lexicons), label_horizon or 30), nl=False)
        return
    if not as_of or out_file is None:
        raise LinkError("give --as-of DATE (repeatable) and --out FILE.parquet, or --describe for the data dictionary")
    dates = expand_dates(as_of)
    with _progress() as bar:
        task = bar.add_task("features", total=len(dates))
        df = build_features(_library(library), dates, label_horizon=label_horizon, model_version=model_version,
                            lexicons=_lex(lexicons), progress=lambda d, n: bar.update(task, completed=d))
    path = write_features(df, out_file)
    info = {"out": str(path), "rows": int(len(df)), "customers": int(df["customer_key"].nunique()),
            "as_of": [str(d) for d in dates], "columns": list(df.columns),
            "model_version": int(df["model_version"].iloc[0]) if len(df) else model_version}
    if label_horizon:
        info["positives"] = int(df[label_column(label_horizon)].sum())
    if as_json:
        _print_json(info)
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
    from complaints.churn.model import churn_eval
    from complaints.churn.linkbase import expand_dates
    from complaints.churn.linkview import churn_table

    dates = expand_dates(as_of)
    with _progress() as bar:
        task = bar.add_task("churn-eval", total=None)
        rep = churn_eval(_library(library), dates, label_horizon=label_horizon, folds=folds,
                         model_version=model_version, seed=seed,
                         progress=lambda stage, d, n: bar.update(task, description=stage, completed=d, total=n))
    if as_json:
        _print_json(rep)
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
    from complaints.churn.model import at_risk
    from complaints.churn.linkview import at_risk_frame, at_risk_table, write_frames

    with _progress() as bar:
        task = bar.add_task("at-risk", total=None)
        res = at_risk(_library(library), as_of, label_horizon=label_horizon, high=high, medium=medium,
                      model_version=model_version, train_months=train_months, lexicons=_lex(lexicons),
                      progress=lambda stage, d, n: bar.update(task, description=stage, completed=d, total=n))
    frame = at_risk_frame(res, include_low)
    written = write_frames({"at_risk": frame}, out_file)
    if as_json:
        _print_json({**res.to_dict(max_rows=top), "written": [str(p) for p in written], "rows_written": len(frame)})
        return
    c = res.tier_counts
    out.print(f"as of {res.as_of}: {c['high']:,} high (score ≥ {high:.0%}), {c['medium']:,} medium (≥ {medium:.0%}), "
              f"{c['low']:,} low; trained on {res.train_rows:,} snapshots from {len(res.train_as_of)} earlier dates "
              f"({res.train_port_outs:,} port-outs)", highlight=False)
    out.print(at_risk_table(res, top))
    out.print(f"wrote {len(frame):,} customers to {written[0]}", highlight=False)
# --- end link, features, churn-eval, at-risk ---------------------------------------------------------------


# --- spark: scale-out with parity to the local path (complaints.spark) --------------------------------------
spark_app = typer.Typer(help="Run classify and churn features on Apache Spark (pip install 'complaints\\[spark]').\n\n"
                             "Example: complaints spark classify --input complaints.parquet --output out.parquet",
                        no_args_is_help=True)
app.add_typer(spark_app, name="spark")
MasterOpt = Annotated[str, typer.Option(
    "--master", help="Spark master URL: local[2], local[*], yarn, spark://host:7077, k8s://… "
                     "(under spark-submit, pass 'submit' to keep the submitter's).")]


def _spark(master: str):
    """(session, whether we started it): a command stops only a session it started."""
    from complaints.spark import spark_session
    from complaints.spark.session import require_pyspark

    require_pyspark()
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    return (active, False) if active is not None else (spark_session(None if master == "submit" else master), True)


@app.command("export-tables")
@friendly
def export_tables_cmd(out_dir: Annotated[Path, typer.Option("--out", help="Folder for the parquet files.")],
                      library: LibraryOpt = None, as_json: JsonOpt = False) -> None:
    """Export the library's tables (complaints, customers, port_events, assignments, topics,
    model_versions) as parquet, the input of `complaints spark features`. Texts are masked and
    customer keys hashed, as in the library.

    Example: complaints export-tables --out tables/ && complaints spark features --as-of 2026-06-30 --input-dir tables/ --out feats.parquet
    """
    from complaints.spark.export import export_tables

    counts = export_tables(_library(library), out_dir)
    if as_json:
        _print_json({"out": str(out_dir), "rows": counts})
        return
    out.print(f"wrote {', '.join(f'{t} ({n:,})' for t, n in counts.items())} to {out_dir}", highlight=False)


@spark_app.command("classify")
@friendly
def spark_classify_cmd(input_path: Annotated[str, typer.Option("--input", help="Parquet file or folder with a text column.")],
                       output: Annotated[str, typer.Option("--output", help="Parquet folder to write (overwritten).")],
                       master: MasterOpt = "local[2]",
                       artifact: Annotated[Optional[str], typer.Option(
                           help="The classify artifact folder (models/vN/classify); default: the library's current one.")] = None,
                       text_column: Annotated[str, typer.Option(help="The text column.")] = "text",
                       id_column: Annotated[str, typer.Option(
                           help="The id column kept in the output ('auto': complaint_id if present; '' for none).")] = "auto",
                       library: LibraryOpt = None, lexicons: LexOpt = None, as_json: JsonOpt = False) -> None:
    """Classify a parquet of complaints on Spark: masked text, status, stable topic, pain point,
    department, confidence (the same values as `complaints classify`). Text is masked inside the
    workers; other input columns are not copied to the output.

    Example: complaints spark classify --input complaints.parquet --output classified.parquet --master local[2]
    """
    from complaints.spark import classify_spark
    from complaints.topics.compact import current_folder

    folder = artifact or str(current_folder(_library(library)))
    spark, started = _spark(master)
    try:
        df = classify_spark(spark.read.parquet(input_path), folder, text_col=text_column,
                            id_col=id_column or None, lexicons=_lex(lexicons))
        df.write.mode("overwrite").parquet(output)
        res = spark.read.parquet(output)
        info = {"output": output, "rows": res.count(),
                "status": {r["status"]: r["count"] for r in res.groupBy("status").count().collect()}}
    finally:
        if started:
            spark.stop()
    if as_json:
        _print_json(info)
        return
    out.print(f"classified {info['rows']:,} complaints ({', '.join(f'{k} {v:,}' for k, v in sorted(info['status'].items()))}) "
              f"into {output}", highlight=False)


@spark_app.command("features")
@friendly
def spark_features_cmd(as_of: AsOfOpt, input_dir: Annotated[str, typer.Option(
                           "--input-dir", help="Folder of parquet tables written by `complaints export-tables`.")],
                       out_path: Annotated[str, typer.Option("--out", help="Parquet folder to write (overwritten).")],
                       label_horizon: Annotated[Optional[int], typer.Option(
                           "--label-horizon", help="Add ported_out_within_Nd.")] = None,
                       model_version: ModelVersionOpt = None, master: MasterOpt = "local[2]",
                       lexicons: LexOpt = None, as_json: JsonOpt = False) -> None:
    """Point-in-time churn features on Spark: the same columns and values as `complaints features`.

    Example: complaints spark features --as-of 2026-06-30 --input-dir tables/ --out features.parquet --label-horizon 30
    """
    from complaints.churn.linkbase import expand_dates
    from complaints.spark import features_from_dir

    dates = expand_dates(as_of)
    spark, started = _spark(master)
    try:
        df = features_from_dir(spark, input_dir, dates, label_horizon=label_horizon,
                               model_version=model_version, lexicons=_lex(lexicons))
        df.write.mode("overwrite").parquet(out_path)
        rows = spark.read.parquet(out_path).count()
    finally:
        if started:
            spark.stop()
    info = {"out": out_path, "rows": rows, "as_of": [str(d) for d in dates], "columns": len(df.columns)}
    if as_json:
        _print_json(info)
        return
    out.print(f"wrote {rows:,} rows ({len(dates)} as-of dates, {len(df.columns)} columns) to {out_path}", highlight=False)
# --- end spark ------------------------------------------------------------------------------------------------


@app.command()
@friendly
def demo(out_dir: Annotated[Path, typer.Option("--out", help="Where to write the demo files.")] = Path("demo"),
         customers: Annotated[int, typer.Option(help="How many customers to generate.")] = 20000,
         seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
         library: LibraryOpt = None) -> None:
    """Generate a synthetic operator data set with known ground truth and run every stage on it.

    Example: complaints demo --out demo --customers 20000
    """
    from complaints.demo.command import run_demo

    run_demo(out_dir, _library(library), n_customers=customers, seed=seed, console=out)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
