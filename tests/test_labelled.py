"""The supervised path through the real CLI, on the operator's own labels (投诉类别) in the library."""

import json

import pandas as pd
from typer.testing import CliRunner

from cli import app
from complaints.demo.generate import generate

runner = CliRunner()


def test_train_and_evaluate_on_library_attributes_and_on_a_file(tmp_path):
    data, lib = tmp_path / "data", tmp_path / "lib"
    generate(data, n_customers=900, seed=4)
    assert runner.invoke(app, ["ingest", "complaints", str(data / "complaints.csv"), "--library", str(lib)]).exit_code == 0

    res = runner.invoke(app, ["train-classifier", "--label-column", "投诉类别", "--library", str(lib), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["trained_on"] > 1000 and len(out["classes"]) >= 11
    files = [p.suffix for p in (lib / "models" / "classifier").rglob("*") if p.is_file()]
    assert files and set(files) <= {".json", ".npz"}

    res = runner.invoke(app, ["evaluate", "--label-column", "投诉类别", "--library", str(lib), "--folds", "3",
                              "--json"])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.output)
    assert rep["macro_f1"]["mean"] > 0.8  # templated tickets, 5% label noise
    assert sum(map(sum, rep["confusion_matrix"])) == rep["n_samples"]
    table = runner.invoke(app, ["evaluate", "--label-column", "投诉类别", "--library", str(lib), "--folds", "3"]).output
    assert "macro-F1" in table and "confusion matrix" in table

    df = pd.read_csv(data / "complaints.csv", dtype=str).head(600)
    df.to_csv(tmp_path / "labelled.csv", index=False)
    rep = json.loads(runner.invoke(app, ["evaluate", "--label-column", "投诉类别", "--file",
                                         str(tmp_path / "labelled.csv"), "--folds", "3", "--json"]).output)
    assert rep["n_samples"] <= 600 and rep["macro_f1"]["mean"] > 0.5


def test_missing_label_column_is_a_clear_error(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("投诉内容,类别\n信号差,网络\n", encoding="utf-8")
    res = runner.invoke(app, ["evaluate", "--label-column", "投诉类别", "--file", str(f)])
    assert res.exit_code == 2 and "no label column '投诉类别'" in res.output and "类别" in res.output
