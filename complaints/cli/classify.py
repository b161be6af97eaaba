"""Commands that classify complaints: classify (the compact artifact), train-classifier and evaluate (supervised)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from .shell import (FileOpt, JsonOpt, LabelOpt, LexOpt, LibraryOpt, app, err, friendly, lex_arg, library_of, out,
                    print_json)


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

    clf = TopicClassifier(library_of(library), top_k=top_k, lexicons=lex_arg(lexicons))
    if file is not None:
        results = classify_file(clf, file, text_column)
    else:
        given = [t for t in (texts or []) if t != "-"]
        if not given:
            if sys.stdin.isatty():
                raise typer.BadParameter("give complaint texts, --file FILE, or pipe one complaint per line")
            given = read_lines(_stdin_lines())
        results = clf.classify(given)
    if as_json:  # plain writes: rich's markup handling costs more than classifying
        out.file.write("".join(json.dumps(_finite(r), ensure_ascii=False) + "\n" for r in results))
        out.file.flush()
        return
    _print_classified(results)


def _stdin_lines() -> list[str]:
    """stdin decoded strictly as UTF-8: bytes that are not UTF-8 are one clear error naming the line."""
    import sys

    from complaints.errors import InputFileError

    raw = getattr(sys.stdin, "buffer", None)
    if raw is None:  # a text stream handed over by a caller: already decoded
        return list(sys.stdin)
    lines = []
    for n, line in enumerate(raw.read().splitlines(), start=1):
        try:
            lines.append(line.decode("utf-8-sig" if n == 1 else "utf-8"))
        except UnicodeDecodeError:
            raise InputFileError(f"stdin line {n} is not UTF-8: convert the input to UTF-8 "
                                 "(e.g. iconv -f GBK -t UTF-8)") from None
    return lines


def _finite(obj):
    """NaN and infinity are not JSON: they become null."""
    if isinstance(obj, float):
        return obj if obj == obj and obj not in (float("inf"), float("-inf")) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_finite(v) for v in obj]
    return obj


def _print_classified(results: list[dict]) -> None:
    """One block per complaint: a table's columns are too narrow for Chinese snippets. Every text is
    escaped for the terminal (no control sequences, markup shown as typed)."""
    from complaints.cells import terminal as T

    for n, r in enumerate(results, start=1):
        head = f"[bold][{r.get('row', n)}][/] "
        if r["status"] in ("empty", "error"):
            out.print(head + f"[red]{T(r['error'])}[/]", highlight=False)
            continue
        out.print(head + T(r["text"]), highlight=False)
        if r["topic_id"] is not None:
            out.print(f"    topic       {r['topic_id']} {T(r['topic_label'])}   confidence {r['confidence']:.2f}",
                      highlight=False)
        else:
            near = f" (nearest topic {r['nearest_topic_id']})" if r.get("nearest_topic_id") is not None else ""
            out.print(f"    topic       [yellow]{r['status']}[/]{near}: {T(r.get('reason', ''))}", highlight=False)
        out.print(f"    pain point  {T(r['painpoint_name'])} → {T(r['department'] or '-')}", highlight=False)
        if r.get("supervised"):
            out.print(f"    label       {T(r['supervised']['label'])} (p={r['supervised']['probability']:.2f})",
                      highlight=False)
        if r["keywords"]:
            out.print("    why         " + T(" ".join(r["keywords"])), highlight=False)
        for i, sim in enumerate(r["similar"]):
            out.print(("    similar     " if i == 0 else " " * 16) +
                      f"{T(sim['complaint_id'])} {sim['date'] or ''} ({sim['similarity']:.2f}) {T(sim['snippet'][:40])}",
                      highlight=False)


@app.command("train-classifier")
@friendly
def train_classifier_cmd(label_column: LabelOpt, library: LibraryOpt = None, file: FileOpt = None,
                         as_json: JsonOpt = False) -> None:
    """Train a supervised classifier on labelled complaints (an operator's own 投诉类别 …); saved as JSON + npz.

    Example: complaints train-classifier --label-column 投诉类别
    """
    from complaints.classify.labelled import train_classifier

    with err.status("training …"):
        res = train_classifier(library_of(library), label_column, file)
    if as_json:
        print_json(res)
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
        rep = evaluate_classifier(None if file else library_of(library), label_column, file, folds)
    if as_json:
        print_json(rep)
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
