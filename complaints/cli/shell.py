"""What every command shares: the app, the consoles, the common options, friendly errors and progress."""

from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Callable, Optional

import typer
from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn,
                           TimeRemainingColumn)

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
            from complaints.cells import terminal
            from complaints.text.mask import mask_pii

            # a last guard: no message prints a phone, ID, card, e-mail or name (or a control sequence)
            err.print(f"[bold red]error:[/] {terminal(mask_pii(str(exc)))}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper


STAGES_ZH = {"form": "学习表单", "segment": "分词", "embed": "向量化", "cluster": "聚类", "pain points": "痛点映射", "store": "写入模型",
             "assign": "归类", "emerging": "新兴话题", "features": "特征", "training features": "训练特征",
             "training": "训练", "scoring": "评分", "reasons": "原因", "reading the library": "读取投诉库",
             "porting analysis": "携转分析", "sections": "生成章节", "writing report files": "写出文件",
             "lift": "携出提升", "porting reasons": "携出原因", "net flow": "净携转"}


def _stage(description: str) -> str:
    base = description.split(" (")[0]
    zh = STAGES_ZH.get(base)
    return f"{zh} {description}" if zh else description


class StageBar(Progress):
    """A rich progress bar whose estimate restarts with every stage (a new description): a spinner, the
    bar (pulsing while a stage has no count, e.g. clustering), done/total, elapsed and time remaining."""

    def __init__(self) -> None:
        super().__init__(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                         TimeElapsedColumn(), TimeRemainingColumn(), console=err, transient=True)
        self._raw: dict = {}

    def update(self, task_id, *, description=None, completed=None, total=None, advance=None, **kw) -> None:
        if description is not None and description != self._raw.get(task_id):
            self._raw[task_id] = description
            self.reset(task_id, completed=completed or 0, description=_stage(description))
            with self._lock:
                self._tasks[task_id].total = total or None  # 0 / None: a stage without a count pulses
            return
        super().update(task_id, completed=completed, total=total, advance=advance, **kw)


class StageLog:
    """For a log file or cron: one line per stage with its timing (and a line every HEARTBEAT seconds
    during a long stage), on stderr. The same add_task/update calls as a rich Progress."""

    HEARTBEAT = 30.0

    def __init__(self) -> None:
        import time

        self._clock = time.perf_counter
        self.label, self.stage, self.done, self.total, self.stages = "", None, 0, None, 0
        self.t0 = self.t_stage = self.t_said = 0.0

    def __enter__(self) -> "StageLog":
        self.t0 = self._clock()
        return self

    def __exit__(self, kind, exc, tb) -> None:
        self._finish()
        if kind is None and (self.stages > 1 or self.stage not in (None, self.label)):
            self._say(f"{self.label} 完成 done，共 {self._clock() - self.t0:.1f}s")

    def add_task(self, description: str, total=None, **kw) -> int:
        self.label, self.total = description, total
        self.t_stage = self.t_said = self._clock()
        return 0

    def _prelude(self, now: float) -> None:
        """The time before the first named stage (reading the library, loading models), when it counts."""
        if self.stage is None and now - self.t0 >= 0.5:
            self._say(f"{self.label} · 准备 start · {now - self.t0:.1f}s")

    def _say(self, text: str) -> None:
        err.print(text, highlight=False, markup=False, soft_wrap=True)
        self.t_said = self._clock()

    def _count(self) -> str:
        if self.total:
            return f" {self.done:,}/{self.total:,}"
        return f" {self.done:,}" if self.done else ""

    def _finish(self) -> None:
        if self.stage is not None and self.stage != "done":
            what = "" if self.stage == self.label else f" · {_stage(self.stage)}"
            self._say(f"{self.label}{what}{self._count()} · {self._clock() - self.t_stage:.1f}s")

    def update(self, task_id=0, *, description=None, completed=None, total=None, advance=None, **kw) -> None:
        now = self._clock()
        if description is not None and description != self.stage:
            self._prelude(now)
            self._finish()
            self.stage, self.done, self.t_stage = description, 0, now
            self.stages += 1
            self.total = total or None
            # a count given with the stage's name is where the whole job stands (report: stage 2 of 4);
            # only counts within the stage are shown
            return
        if total:
            self.total = total
        if completed is not None:
            self.done = completed
        if advance:
            self.done += advance
        if self.stage is None and (completed is not None or advance):
            self.stage, self.t_stage, self.stages = self.label, self.t0, 1  # a one-stage job (ingest): its counts
        if now - self.t_said >= self.HEARTBEAT:
            pct = f" ({self.done / self.total:.0%})" if self.total else ""
            self._say(f"{self.label} · {_stage(self.stage or self.label)}{self._count()}{pct} · "
                      f"{now - self.t_stage:.0f}s …")


def progress_bar():
    """Progress for a command: moving bars with an estimate on a terminal; one line per stage with timings
    when stderr is a file or a pipe (cron, logs). COMPLAINTS_PROGRESS=bar|log|off forces one."""
    mode = os.environ.get("COMPLAINTS_PROGRESS", "").strip().lower()
    if mode in ("off", "0", "none", "no"):
        return Progress(console=err, disable=True)
    if mode in ("bar", "1", "yes") or (mode != "log" and err.is_terminal):
        return StageBar()
    return StageLog()


def print_json(obj) -> None:
    if out.is_terminal:
        out.print_json(json.dumps(obj, ensure_ascii=False, default=str))
    else:  # a pipe or file: machines read it, and rich's highlighting costs seconds on big outputs
        sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str, indent=2) + "\n")
        sys.stdout.flush()


def lex_arg(lexicons: Optional[Path]) -> Optional[str]:
    return str(lexicons) if lexicons else None
