import json

from typer.testing import CliRunner

from cli import app

from .conftest import library_rows


def test_demo_command_generates_ingests_and_fits(tmp_path):
    from complaints.config import resolve_library

    res = CliRunner().invoke(app, ["demo", "--out", str(tmp_path / "demo"), "--customers", "1500",
                                   "--library", str(tmp_path / "lib")], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    for name in ("complaints.csv", "complaints_weibo_gbk.csv", "customers.csv", "ports.csv", "ground_truth.json"):
        assert (tmp_path / "demo" / name).exists()
    lib = resolve_library(tmp_path / "lib")
    n_complaints = library_rows(lib, "SELECT count(*) FROM complaints")[0][0]
    assert n_complaints > 1500
    assert library_rows(lib, "SELECT count(*) FROM customers")[0][0] == 1500
    assert library_rows(lib, "SELECT count(*) FROM port_events")[0][0] > 0
    assert library_rows(lib, "SELECT count(*) FROM complaints WHERE repeat_of IS NOT NULL")[0][0] > 0
    assert library_rows(lib, "SELECT count(*) FROM assignments WHERE version = 1")[0][0] == n_complaints
    assert "largest topics" in res.output and "model version 1" in res.output
    truth = json.loads((tmp_path / "demo" / "ground_truth.json").read_text(encoding="utf-8"))
    assert len(truth["pain_points"]) >= 11
