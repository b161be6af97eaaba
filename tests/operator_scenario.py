"""An operator who hands over only what operators usually have, built once per test session.

Customers: key, 套餐, 入网时间, 地市, ARPU (no contract end). Complaints: id, number, time, channel,
region, text, 是否工信部申诉 and the operator's own 投诉类别 (no satisfaction, no resolution time).
Port events as exported. The generator (complaints.demo) plants port-outs after network, billing,
value-added and porting complaints, so churn has a signal to find. The analyst's month through the
real CLI: ingest customers and ports, ingest the complaints before SPLIT, fit, ingest the rest,
update. Also written: the same customers with only a key, and with a key and a plan.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from cli import app
from complaints.config import Library, resolve_library

from .conftest import split_complaints_csv

N_CUSTOMERS = 3000
SEED = 3
SPLIT = "2026-09-01"
COMPLAINT_COLUMNS = ["工单编号", "手机号码", "受理时间", "受理渠道", "地市", "投诉内容", "是否工信部申诉", "投诉类别"]
CUSTOMER_COLUMNS = ["用户号码", "套餐", "入网时间", "地市", "ARPU"]
runner = CliRunner()


@dataclass
class Operator:
    root: Path
    data: Path
    lib: Library
    truth: dict
    files: dict[str, Path]  # customers (minimal), customers_key, customers_keyplan, ports, early, late
    runs: dict[str, str]  # CLI output of each step of the month


def cli(*args) -> "CliRunner.Result":
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def cli_ok(*args) -> str:
    res = cli(*args)
    assert res.exit_code == 0, (args, res.output)
    return res.output


def _project(src: Path, dst: Path, columns: list[str]) -> Path:
    with open(src, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    with open(dst, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(columns)
        w.writerows([[r.get(c, "") for c in columns] for r in rows])
    return dst


def write_files(data: Path, out: Path) -> dict[str, Path]:
    """The minimal operator files from a generated data folder."""
    out.mkdir(parents=True, exist_ok=True)
    files = {"customers": _project(data / "customers.csv", out / "用户资料.csv", CUSTOMER_COLUMNS),
             "customers_key": _project(data / "customers.csv", out / "用户资料_仅号码.csv", ["用户号码"]),
             "customers_keyplan": _project(data / "customers.csv", out / "用户资料_号码套餐.csv", ["用户号码", "套餐"]),
             "ports": data / "ports.csv"}
    complaints = _project(data / "complaints.csv", out / "投诉工单.csv", COMPLAINT_COLUMNS)
    files["early"], files["late"] = out / "投诉工单_早.csv", out / "投诉工单_新.csv"
    split_complaints_csv(complaints, files["early"], files["late"], SPLIT)
    return files


_CACHE: dict[str, Operator] = {}


def operator(tmp_path_factory) -> Operator:
    if "op" not in _CACHE:
        from complaints.demo.generate import generate

        root = tmp_path_factory.mktemp("operator")
        data = root / "data"
        generate(data, n_customers=N_CUSTOMERS, seed=SEED)
        files = write_files(data, root / "files")
        lib = resolve_library(root / "lib")
        L = ("--library", lib.root)
        runs = {"customers": cli_ok("ingest", "customers", files["customers"], *L),
                "ports": cli_ok("ingest", "ports", files["ports"], *L),
                "early": cli_ok("ingest", "complaints", files["early"], *L),
                "fit": cli_ok("fit", "--clustering", "kmeans", "--n-topics", "20", *L),
                "late": cli_ok("ingest", "complaints", files["late"], *L),
                "update": cli_ok("update", *L)}
        truth = json.loads((data / "ground_truth.json").read_text(encoding="utf-8"))
        _CACHE["op"] = Operator(root, data, lib, truth, files, runs)
    return _CACHE["op"]
