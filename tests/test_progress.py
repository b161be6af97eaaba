"""Progress that moves (issue 17): one line per stage with its timing when output goes to a file or a
pipe (cron, logs), and a live bar per stage with an estimate on a terminal. Real subprocesses: the
terminal is rich's forced-terminal mode (FORCE_COLOR), the pipe is a pipe."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ANSI = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]")


def run(*args, env: dict | None = None) -> subprocess.CompletedProcess:
    e = {k: v for k, v in os.environ.items() if k not in ("COMPLAINTS_PROGRESS", "FORCE_COLOR")}
    e.update({"PYTHONPATH": str(ROOT), **(env or {})})
    res = subprocess.run([sys.executable, str(ROOT / "cli.py"), *map(str, args)], capture_output=True, text=True,
                         env=e, timeout=600)
    assert res.returncode == 0, res.stderr
    return res


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    from complaints.demo.generate import generate

    root = tmp_path_factory.mktemp("progress")
    generate(root / "data", n_customers=700, seed=2)
    lib = root / "lib"
    logged = run("ingest", "complaints", root / "data" / "complaints.csv", "--library", lib)
    fit = run("fit", "--clustering", "kmeans", "--n-topics", "6", "--library", lib)
    return {"lib": lib, "ingest": logged, "fit": fit}


def test_a_pipe_gets_one_line_per_stage_with_timings(lib):
    lines = lib["fit"].stderr.strip().splitlines()
    stages = [re.match(r"fit · \S+ (\S+(?: points)?)", ln) for ln in lines]
    named = [m.group(1) for m in stages if m]
    assert named[-5:] == ["segment", "embed", "cluster", "pain points", "store"] and named[:-5] in ([], ["start"])
    n = int(re.search(r"on ([\d,]+) complaints", lib["fit"].stdout).group(1).replace(",", ""))
    assert any(f"分词 segment {n:,}/{n:,} · " in ln for ln in lines) and f"向量化 embed {n:,}/{n:,} · " in "".join(lines)
    assert all(re.search(r" · \d+\.\ds$", ln) for ln in lines[:-1])
    assert lines[-1].startswith("fit 完成 done，共 ")
    assert re.fullmatch(r"ingest complaints\.csv [\d,]+/[\d,]+ · \d+\.\ds", lib["ingest"].stderr.strip())
    assert "model version 1" in lib["fit"].stdout and "model version" not in lib["fit"].stderr


def test_a_terminal_gets_a_bar_per_stage_with_an_estimate(lib, tmp_path):
    res = run("report", "--period", "2026-10", "--out", tmp_path, "--library", lib["lib"], env={"FORCE_COLOR": "1"})
    frames = [ANSI.sub("", f).strip() for f in re.split(r"[\r\n]", res.stderr) if ANSI.sub("", f).strip()]
    seen = [s for s in ("读取投诉库", "携转分析", "生成章节", "写出文件") if any(s in f for f in frames)]
    assert seen[:2] == ["读取投诉库", "携转分析"] and len(seen) >= 3
    assert any(re.search(r"━.*\d+/\d+ \d:\d\d:\d\d (\d:\d\d:\d\d|-:--:--)", f) for f in frames)  # elapsed + remaining
    assert "report for 2026-10" in res.stdout and not ANSI.search(res.stdout)


def test_progress_can_be_switched_off(lib, tmp_path):
    res = run("report", "--period", "2026-10", "--out", tmp_path, "--library", lib["lib"],
              env={"COMPLAINTS_PROGRESS": "off"})
    assert res.stderr == ""
