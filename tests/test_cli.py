import json

import pytest
from typer.testing import CliRunner

from cli import app

from .conftest import COMPLAINT_HEADER, write_csv

runner = CliRunner()


def run(*args, **kw):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False, **kw)


@pytest.mark.parametrize("cmd", [[], ["ingest"], ["ingest", "complaints"], ["ingest", "customers"], ["ingest", "ports"],
                                 ["segment"], ["stats"], ["rejects"], ["demo"], ["fit"], ["topics"],
                                 ["topics", "list"], ["topics", "show"], ["topics", "rename"], ["topics", "merge"],
                                 ["topics", "painpoint"], ["export"]])
def test_every_command_has_help_with_an_example(cmd):
    res = run(*cmd, "--help")
    assert res.exit_code == 0
    assert "Example" in res.output or "example" in res.output.lower(), res.output


def test_ingest_stats_rejects_through_the_cli(tmp_path, complaints_csv):
    lib = tmp_path / "lib"
    res = run("ingest", "complaints", complaints_csv, "--library", lib)
    assert res.exit_code == 0, res.output
    assert "4 accepted" in res.output and "0 rejected" in res.output
    again = run("ingest", "complaints", complaints_csv, "--library", lib)
    assert "already ingested" in again.output
    bad = write_csv(tmp_path / "bad.csv", COMPLAINT_HEADER, [["Z1", "", "2024-99-01", "APP", "杭州", "网络差", "网络"]])
    res = run("ingest", "complaints", bad, "--library", lib, "--json")
    data = json.loads(res.output)
    assert data["rejected"] == 1 and data["accepted"] == 0
    stats = json.loads(run("stats", "--library", lib, "--json").output)
    assert stats["complaints"] == 4 and stats["rejects"] == 1 and stats["repeat_complaints"] == 1
    assert stats["batches"] == 2
    table = run("stats", "--library", lib).output
    assert "complaints" in table and "rejects" in table
    rej = json.loads(run("rejects", "--library", lib, "--json").output)
    assert rej[0]["row_number"] == 2 and rej[0]["column_name"] == "received_at"
    assert "bad.csv" in run("rejects", "--library", lib).output


def test_library_from_environment_variable(tmp_path, complaints_csv, monkeypatch):
    monkeypatch.setenv("COMPLAINTS_LIBRARY", str(tmp_path / "envlib"))
    assert run("ingest", "complaints", complaints_csv).exit_code == 0
    assert (tmp_path / "envlib" / "library.duckdb").exists()


def test_missing_column_is_a_clear_error_not_a_traceback(tmp_path):
    f = write_csv(tmp_path / "x.csv", ["编号", "时间"], [["1", "2024-06-01"]])
    res = runner.invoke(app, ["ingest", "complaints", str(f), "--library", str(tmp_path / "lib")])
    assert res.exit_code == 2
    assert "x.csv" in res.output and "missing required column 'text'" in res.output and "编号, 时间" in res.output
    assert "Traceback" not in res.output


def test_stats_on_missing_library_says_what_to_do(tmp_path):
    res = runner.invoke(app, ["stats", "--library", str(tmp_path / "nothing")])
    assert res.exit_code == 2 and "complaints ingest" in res.output


def test_map_option(tmp_path):
    f = write_csv(tmp_path / "m.csv", ["单号", "诉求详情"], [["M1", "宽带装机慢"]])
    res = run("ingest", "complaints", f, "--library", tmp_path / "lib", "--map", "诉求详情=text", "--map", "单号=complaint_id")
    assert res.exit_code == 0 and "1 accepted" in res.output


def test_segment_command_text_and_json():
    res = run("segment", "我想携转，营业厅不给授权码，电话13812345678")
    assert res.exit_code == 0
    assert "携号转网 / 营业厅 / 授权码" in res.output and "138" not in res.output
    res = run("segment", "--json", "宽带光猫老是断网", "5g套餐")
    lines = [json.loads(line) for line in res.output.strip().splitlines()]
    assert lines[0]["tokens"][:2] == ["宽带", "光猫"] and lines[1]["tokens"] == ["5G套餐"]


def test_undated_complaints_are_explained_at_ingest_and_by_report(tmp_path):
    """A file whose date column is not recognised: ingest keeps the rows and says how to map the
    date; report, which needs dates, says what to do instead of failing obscurely."""
    lib = tmp_path / "lib"
    undated = write_csv(tmp_path / "weibo.csv", ["编号", "正文"], [["W1", "家里信号太差了"], ["W2", "宽带断网三天"]])
    res = run("ingest", "complaints", undated, "--map", "正文=text", "--map", "编号=complaint_id", "--library", lib)
    assert res.exit_code == 0 and "2 complaints have no date" in res.output
    assert "--map 列名=received_at" in res.output
    res = runner.invoke(app, ["report", "--library", str(lib)])
    assert res.exit_code != 0 and "no dated complaints" in res.output and "received_at" in res.output

    # the same file again, its date column now mapped: the stored complaints get their dates
    dated_again = write_csv(tmp_path / "weibo2.csv", ["编号", "时刻", "正文"],
                            [["W1", "2026-06-01", "家里信号太差了"], ["W2", "2026-06-02", "宽带断网三天"]])
    res = run("ingest", "complaints", dated_again, "--map", "正文=text", "--map", "编号=complaint_id",
              "--map", "时刻=received_at", "--library", lib)
    assert res.exit_code == 0 and "0 accepted, 2 updated" in res.output, res.output
    res = run("stats", "--library", lib, "--json")
    stats = json.loads(res.output)
    assert stats["complaints"] == 2 and stats["undated_complaints"] == 0, stats

    dated = write_csv(tmp_path / "dated.csv", ["编号", "发表日期", "正文"], [["D1", "2026-06-01", "家里信号太差了"]])
    res = run("ingest", "complaints", dated, "--map", "正文=text", "--map", "编号=complaint_id",
              "--library", tmp_path / "lib2")
    assert res.exit_code == 0 and "no date" not in res.output  # 发表日期 is recognised as the date
