"""What every command shares: the app, the consoles, the common options, friendly errors and progress."""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Annotated, Callable, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

app = typer.Typer(
    help="Turn a mobile operator's Chinese complaints into a living complaint library.\n\n"
         "Example: complaints ingest complaints 投诉工单.csv && complaints stats",
    no_args_is_help=True, rich_markup_mode="rich", pretty_exceptions_enable=False,
)

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

LibraryOpt = Annotated[Optional[Path], typer.Option(
    "--library", "-l", envvar="COMPLAINTS_LIBRARY", show_envvar=True,
    help="Library directory (default ./complaint-library).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
MapOpt = Annotated[Optional[list[str]], typer.Option(
    "--map", "-m", help="Map a source column to a field: --map 问题详情=text (repeatable).")]
LexOpt = Annotated[Optional[Path], typer.Option("--lexicons", envvar="COMPLAINTS_LEXICONS",
                                                help="Lexicon folder (default: lexicons/).")]
AsOfOpt = Annotated[list[str], typer.Option(
    "--as-of", help="As-of date YYYY-MM-DD (repeatable), or a monthly range 2025-10-01..2026-09-01.")]
HorizonOpt = Annotated[int, typer.Option("--label-horizon", help="Label: port-out request within N days.")]
ModelVersionOpt = Annotated[Optional[int], typer.Option(
    "--model-version", help="Topic model version for pain points and topics (default: latest).")]
LabelOpt = Annotated[str, typer.Option("--label-column", help="Column (or complaint attribute) holding the label.")]
FileOpt = Annotated[Optional[Path], typer.Option("--file", help="Labelled CSV/XLSX/JSONL/Parquet instead of the library.")]
MasterOpt = Annotated[str, typer.Option(
    "--master", help="Spark master URL: local[2], local[*], yarn, spark://host:7077, k8s://… "
                     "(under spark-submit, pass 'submit' to keep the submitter's).")]


def library_of(path: Optional[Path]):
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
            from rich.markup import escape

            from complaints.text.mask import mask_pii

            # a last guard: no message prints a phone, ID, card, e-mail or name, whatever raised it
            err.print(f"[bold red]error:[/] {escape(mask_pii(str(exc)))}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper


def progress_bar() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err, transient=True, disable=not err.is_terminal and "COMPLAINTS_PROGRESS" not in os.environ)


def print_json(obj) -> None:
    out.print_json(json.dumps(obj, ensure_ascii=False, default=str))


def lex_arg(lexicons: Optional[Path]) -> Optional[str]:
    return str(lexicons) if lexicons else None
