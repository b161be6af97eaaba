"""Issue 16 items 9-14 and 18: one bad value, file, path or setting never breaks the library or
prints a traceback. Real files through the real CLI (in-process, or a subprocess where stdin bytes,
environment at import time or stderr matter)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from .corpus import (
    HEADER,
    base_rows,
    cli,
    cli_ok,
    customers_rows,
    fitted_library,
    ports_rows,
    subprocess_cli,
    write_csv,
)


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    root = tmp_path_factory.mktemp("robust")
    lib = fitted_library(root)
    cli_ok("ingest", "customers", write_csv(root / "customers.csv", *customers_rows()), "--library", lib)
    cli_ok("ingest", "ports", write_csv(root / "ports.csv", *ports_rows()), "--library", lib)
    return lib


def rejects(lib) -> list[dict]:
    return json.loads(cli_ok("rejects", "--json", "--limit", "1000", "--library", lib).output)


def said(res) -> str:
    return f"exit {res.exit_code}: {res.output[-800:]} {res.exception!r}"


def one_clear_error(proc) -> None:
    """Exit 2, no traceback, one `error:` line (what `friendly` prints)."""
    err = proc.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err, "traceback ending in: " + " | ".join(err.strip().splitlines()[-1:])
    assert proc.returncode == 2, f"exit {proc.returncode}, stdout: {proc.stdout.decode('utf-8', 'replace')[:300]}"
    assert len([line for line in err.splitlines() if line.startswith("error:")]) == 1, err


# ---- item 9 ----------------------------------------------------------------------------------------------
def test_item9_ingest_rejects_dates_outside_a_sane_window_with_row_and_column(tmp_path):
    soon = (dt.date.today() + dt.timedelta(days=60)).isoformat()
    rows = [["D1", "15500000001", "2026-03-01 10:00:00", "10086热线", "杭州", "宽带老是断网", "", "", ""],
            ["D2", "15500000001", "0001-01-01", "10086热线", "杭州", "信号很差老掉线", "", "", ""],
            ["D3", "15500000001", "2099-12-31 23:59:59", "10086热线", "杭州", "乱扣费要求退款", "", "", ""],
            ["D4", "15500000001", "1900-01-01", "10086热线", "杭州", "携号转网被拒", "", "", ""],
            ["D5", "15500000001", soon, "10086热线", "杭州", "宽带装机没人来", "", "", ""],
            ["D6", "15500000001", "2026-03-01 10:00:00", "10086热线", "杭州", "宽带网速很慢", "", "", "0001-01-02"]]
    f = write_csv(tmp_path / "dates.csv", HEADER, rows)
    res = cli_ok("ingest", "complaints", f, "--library", tmp_path / "lib", "--json")
    got = json.loads(res.output)
    rej = {(r["row_number"], r["column_name"]) for r in rejects(tmp_path / "lib")}
    assert rej == {(3, "received_at"), (4, "received_at"), (5, "received_at"), (6, "received_at"),
                   (7, "resolved_at")}, (rej, got)
    assert got["accepted"] == 1


def private_copy(lib, tmp_path) -> Path:
    """A copy of the module's library for a test that leaves bad data behind (reads and writes only the copy's
    DuckDB file and a new model version; the shared library stays clean for the other tests)."""
    dst = tmp_path / "lib"
    shutil.copytree(lib, dst)
    return dst


def test_item9_update_and_report_survive_out_of_range_dates(lib, tmp_path):
    lib = private_copy(lib, tmp_path)
    rows = [["Y1", "15500000001", "0001-01-01", "10086热线", "杭州", "家里宽带老是断网，光猫灯一直闪", "", "", ""],
            ["Y2", "15500000002", "2099-12-31 12:00:00", "10086热线", "杭州", "莫名其妙扣了我二十元增值业务费", "", "", ""],
            ["Y3", "15500000003", "2026-03-29 12:00:00", "10086热线", "杭州", "小区信号很弱，通话断断续续听不清", "", "", ""]]
    cli_ok("ingest", "complaints", write_csv(tmp_path / "late.csv", HEADER, rows), "--library", lib)
    upd = cli("update", "--library", lib)
    assert upd.exit_code == 0, said(upd)
    rep = cli("report", "--out", tmp_path / "report", "--library", lib)
    assert rep.exit_code == 0, said(rep)


def test_item9_update_and_report_survive_out_of_range_dates_already_in_a_library(lib, tmp_path):
    """A library written before the fix may hold such dates: update and report must still run."""
    lib = private_copy(lib, tmp_path)
    con = duckdb.connect(str(lib / "library.duckdb"))
    try:
        con.execute("INSERT INTO complaints (complaint_id, customer_key, received_at, text, content_hash, batch_id) "
                    "VALUES ('OLD1', NULL, TIMESTAMP '0001-01-01 00:00:00', '宽带老是断网报修几天没人上门', 'x1', 999), "
                    "('OLD2', NULL, TIMESTAMP '2099-12-31 00:00:00', '套餐外流量被多扣费账单对不上', 'x2', 999)")
    finally:
        con.close()
    upd = cli("update", "--library", lib)
    assert upd.exit_code == 0, said(upd)
    rep = cli("report", "--out", tmp_path / "report", "--library", lib)
    assert rep.exit_code == 0, said(rep)


# ---- item 10 ---------------------------------------------------------------------------------------------
def test_item10_non_finite_and_implausible_arpu_is_rejected_and_never_reaches_features(lib, tmp_path):
    header, _ = customers_rows()
    bad = {"inf": "15500008001", "-inf": "15500008002", "1e308": "15500008003", "13812345678": "15500008004",
           "nan": "15500008005"}
    rows = [["15500008000", "5G畅享套餐", "2020-01-01", "杭州", "88.5", ""]]
    rows += [[key, "5G畅享套餐", "2020-01-01", "杭州", value, ""] for value, key in bad.items()]
    f = write_csv(tmp_path / "arpu.csv", header, rows)
    cli_ok("ingest", "customers", f, "--library", lib)
    rej = {r["row_number"] for r in rejects(lib) if r["source_file"].endswith("arpu.csv") and r["column_name"] == "arpu"}
    assert rej >= {3, 4, 5, 6}, f"rejected arpu rows: {sorted(rej)} (expected 3-6: inf, -inf, 1e308, a phone number)"
    out = tmp_path / "features.parquet"
    cli_ok("features", "--as-of", "2026-03-01", "--out", out, "--library", lib)
    arpu = pd.read_parquet(out)["arpu"].astype(float)
    assert np.isfinite(arpu.dropna()).all() and (arpu.dropna() < 1e6).all(), arpu.describe()


# ---- item 11 ---------------------------------------------------------------------------------------------
ZERO_WIDTH_ONLY = "\u200b\u200c\u200d\u2060\ufeff\u00ad"


def test_item11_zero_width_only_text_is_an_empty_complaint(tmp_path):
    rows = [["Z1", "15500000001", "2026-03-01", "10086热线", "杭州", "宽带老是断网", "", "", ""],
            ["Z2", "15500000001", "2026-03-02", "10086热线", "杭州", ZERO_WIDTH_ONLY, "", "", ""]]
    got = json.loads(cli_ok("ingest", "complaints", write_csv(tmp_path / "zw.csv", HEADER, rows),
                            "--library", tmp_path / "lib", "--json").output)
    assert got["accepted"] == 1, got
    assert [(r["row_number"], r["column_name"]) for r in rejects(tmp_path / "lib")] == [(3, "text")]


def test_item11_zero_width_only_text_is_empty_for_classify(lib, tmp_path):
    f = write_csv(tmp_path / "zw.csv", ["投诉内容"], [["宽带老是断网"], [ZERO_WIDTH_ONLY]])
    res = cli_ok("classify", "--file", f, "--json", "--library", lib)
    out = [json.loads(line) for line in res.output.splitlines() if line.startswith("{")]
    assert [r["status"] for r in out][1] == "empty", out[1]


# ---- item 12 ---------------------------------------------------------------------------------------------
def test_item12_classify_file_reports_each_bad_jsonl_line_as_an_error_row(lib, tmp_path):
    f = tmp_path / "mixed.jsonl"
    f.write_text('{"投诉内容": "宽带老是断网"}\n{"投诉内容": "信号很差\n{"投诉内容": "乱扣费"}\n[1, 2]\n',
                 encoding="utf-8")
    res = cli("classify", "--file", f, "--json", "--library", lib)
    assert res.exit_code == 0, said(res)
    out = [json.loads(line) for line in res.output.splitlines() if line.startswith("{")]
    assert [r.get("row") for r in out] == [1, 2, 3, 4], out
    bad = {r["row"]: r for r in out if r["row"] in (2, 4)}
    assert len(bad) == 2 and all(r.get("error") and r["status"] not in ("assigned", "unassigned")
                                 for r in bad.values()), bad


# ---- item 13 ---------------------------------------------------------------------------------------------
def test_item13_mixed_utf8_and_gbk_file_names_the_line_with_the_gbk_bytes(tmp_path):
    f = tmp_path / "mixed.csv"
    f.write_bytes("工单编号,投诉内容\n".encode() + "M1,宽带断,网速慢\n".encode()
                  + "M2,信号很差老是掉线\n".encode("gbk"))
    res = cli("ingest", "complaints", f, "--library", tmp_path / "lib")
    assert res.exit_code == 2, said(res)
    assert "line 3" in res.output and "line 2" not in res.output, res.output


# ---- item 14 ---------------------------------------------------------------------------------------------
def test_item14_same_file_with_another_customer_key_mapping_adds_nothing_twice(tmp_path):
    rows = [["15500000001", "C001", "2026-03-01 10:00:00", "宽带老是断网"],
            ["15500000002", "C002", "2026-03-02 10:00:00", "信号很差老是掉线"],
            ["15500000003", "C003", "2026-03-03 10:00:00", "莫名其妙扣了增值业务费"]]
    f = write_csv(tmp_path / "nokey.csv", ["手机号码", "客户编号", "受理时间", "投诉内容"], rows)
    lib = tmp_path / "lib"
    cli_ok("ingest", "complaints", f, "--library", lib)
    cli_ok("ingest", "complaints", f, "--library", lib, "--map", "客户编号=customer_key")
    stats = json.loads(cli_ok("stats", "--json", "--library", lib).output)
    assert stats["complaints"] == 3, stats


# ---- item 18 ---------------------------------------------------------------------------------------------
@pytest.fixture
def a_file(tmp_path):
    p = tmp_path / "plain_file"
    p.write_text("not a folder\n", encoding="utf-8")
    return p


@pytest.mark.parametrize("command", [
    ["export", "--out", "{file}/x.csv"],
    ["report", "--out", "{file}/report"],
    ["report", "--out", "/dev/null"],
    ["link", "--out", "{file}/link.xlsx"],
    ["features", "--as-of", "2026-03-01", "--out", "{file}/f.parquet"],
])
def test_item18_out_path_that_cannot_be_a_folder_is_one_clear_error(lib, a_file, command):
    args = [a.format(file=a_file) for a in command]
    one_clear_error(subprocess_cli(*args, "--library", lib))


@pytest.mark.parametrize("command", [["ingest", "complaints", "{csv}"], ["stats"], ["topics", "list"]])
def test_item18_library_path_that_is_a_file_is_one_clear_error(a_file, tmp_path, command):
    csv_file = write_csv(tmp_path / "c.csv", HEADER, base_rows(3))
    args = [a.format(csv=csv_file) for a in command]
    one_clear_error(subprocess_cli(*args, "--library", a_file))


def test_item18_bad_lock_wait_setting_is_one_clear_error(lib):
    one_clear_error(subprocess_cli("stats", "--library", lib, env={"COMPLAINTS_LOCK_WAIT": "abc"}))


def test_item18_invalid_utf8_on_classify_stdin_is_one_clear_error(lib):
    one_clear_error(subprocess_cli("classify", "--library", lib, input=b"\xff\xfe\xfa\xc3(\n"))


def _artifact_files(lib: Path, name: str) -> list[Path]:
    found = sorted((lib / "models").rglob(name))
    assert found, f"no {name} under {lib / 'models'}"
    return found


@pytest.fixture
def tamper(lib):
    """Replace artifact files for one test and put them back afterwards."""
    saved: dict[Path, bytes] = {}

    def replace(name: str, write) -> None:
        for p in _artifact_files(lib, name):
            saved.setdefault(p, p.read_bytes())
            write(p)

    yield replace
    for p, data in saved.items():
        p.write_bytes(data)


@pytest.mark.parametrize("content", ["[1, 2, 3]", '{"a": "b"}', '{"total": "many", "freq": {"宽带": "x"}}'])
def test_item18_replaced_jieba_json_is_one_clear_error(lib, tamper, content):
    tamper("jieba.json", lambda p: p.write_text(content, encoding="utf-8"))
    one_clear_error(subprocess_cli("classify", "家里宽带老是断网", "--library", lib))


@pytest.mark.parametrize("name", ["components_T.npy", "idf.npy", "centroids.npy", "neighbours.npy"])
def test_item18_all_nan_artifact_component_is_reported_as_damaged(lib, tamper, name):
    def nan(p):
        a = np.load(p, allow_pickle=False)
        np.save(p, np.full_like(a, np.nan))

    tamper(name, nan)
    proc = subprocess_cli("classify", "家里宽带老是断网", "--json", "--library", lib)
    one_clear_error(proc)
    err = proc.stderr.decode("utf-8", "replace")
    assert "damaged" in err.lower() or "损坏" in err, err
