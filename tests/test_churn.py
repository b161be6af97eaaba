"""Early warning on a real library: complaint features add to a churn model; at-risk list and tiers."""

import datetime as dt
import json
import re

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.metrics import roc_auc_score
from typer.testing import CliRunner

from cli import app
from complaints.churn.atrisk import at_risk, training_dates
from complaints.churn.model import ChurnModel, churn_eval
from complaints.errors import ComplaintsError
from complaints.churn.features import build_features
from complaints.churn.linkbase import expand_dates
from complaints.store import open_store

from .churn_data import churn_demo

runner = CliRunner()
MONTHS = expand_dates(["2025-10-01..2026-09-01"])  # twelve monthly snapshots with 90+ days of history
SCORE_DAY = dt.date(2026, 9, 1)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return churn_demo(tmp_path_factory)


def test_complaint_features_raise_auc_over_attributes_alone(demo):
    rep = churn_eval(demo.lib, MONTHS, label_horizon=30, folds=3, max_iter=60)
    a, b = rep["results"]["attributes"], rep["results"]["attributes+complaints"]
    assert rep["port_outs"] > 300 and rep["snapshots"] > 100_000
    assert a["auc"] > 0.58  # the planted tenure / ARPU / contract effects
    assert b["auc"] > a["auc"] + 0.01 and rep["auc_gain"] == pytest.approx(b["auc"] - a["auc"])
    assert b["pr_auc"] > a["pr_auc"]
    assert b["auc_pooled"] > a["auc_pooled"]
    assert b["features"] > a["features"] == 7


def test_churn_model_follows_the_estimator_contract(demo):
    X = build_features(demo.lib, MONTHS[:3], label_horizon=30)
    y = X["ported_out_within_30d"].to_numpy(bool)
    m = ChurnModel(feature_set="attributes", max_iter=20)
    with pytest.raises(NotFittedError):
        m.predict_proba(X)
    assert clone(m).get_params() == m.get_params()
    assert m.fit(X, y) is m and m.columns_ == ["plan", "region", "tenure_days", "arpu", "contract_active",
                                               "days_to_contract_end", "ported_in"]
    p = m.predict_proba(X)
    assert p.shape == (len(X), 2) and np.allclose(p.sum(1), 1)
    assert set(m.predict(X)) <= {False, True}
    again = ChurnModel(feature_set="attributes", max_iter=20).fit(X, y).predict_proba(X)
    assert np.array_equal(p, again)  # seeded: same data, same scores
    with pytest.raises(ValueError):
        ChurnModel(feature_set="everything").fit(X, y)


def test_training_dates_never_see_the_scoring_window():
    dates = training_dates(SCORE_DAY, 30, fu=dt.date(2026, 10, 30), first=dt.date(2025, 6, 1))
    assert dates and max(dates) + dt.timedelta(days=30) <= SCORE_DAY
    assert min(dates) >= dt.date(2025, 6, 1) + dt.timedelta(days=90)


@pytest.fixture(scope="module")
def risk(demo):
    return at_risk(demo.lib, SCORE_DAY, label_horizon=30, high=0.03, medium=0.01)


def test_at_risk_scores_tiers_and_reasons(demo, risk):
    c = risk.customers
    assert list(c["score"]) == sorted(c["score"], reverse=True)
    assert ((c["score"] >= 0.03) == (c["tier"] == "high")).all()
    assert ((c["score"] >= 0.01) & (c["score"] < 0.03) == (c["tier"] == "medium")).all()
    assert risk.tier_counts["high"] > 0 and risk.tier_counts["medium"] > risk.tier_counts["high"]
    assert max(risk.train_as_of) + dt.timedelta(days=30) <= SCORE_DAY
    flagged = c[c["tier"] != "low"]
    assert (c.loc[c["tier"] == "low", "painpoints"].map(len) == 0).all()
    assert (flagged["reasons"] != "").all()  # every flagged customer has its reasons
    named = flagged["painpoints"].explode().dropna()
    assert set(named.value_counts().index[:3]) & {"携号转网受阻", "网络质量", "资费争议"}
    assert all(set(a) <= set(b) for a, b in zip(flagged["painpoints"], flagged["recent_painpoints"]))
    # a flagged customer who complained about porting (planted ×6) is named for it
    porting = flagged[flagged["recent_painpoints"].map(lambda p: "携号转网受阻" in p)]
    assert len(porting) > 10 and porting["painpoints"].map(lambda p: "携号转网受阻" in p).mean() > 0.8
    assert not c["customer_key"].str.match(r"^1[3-9]\d{9}$").any()


def test_at_risk_scores_rank_the_customers_who_actually_leave(demo, risk):
    with open_store(demo.lib) as s:
        left = set(s.query(f"""SELECT customer_key FROM port_events WHERE direction = 'out'
            AND requested_at >= '{SCORE_DAY}' AND requested_at < TIMESTAMP '{SCORE_DAY}' + INTERVAL 30 DAY""")
                   ["customer_key"])
    c = risk.customers
    y = c["customer_key"].isin(left)
    assert y.sum() >= 10
    assert roc_auc_score(y, c["score"]) > 0.6
    flagged = c["tier"] != "low"
    assert y[flagged].mean() > 2 * y[~flagged].mean()


def test_at_risk_bad_input(demo):
    with pytest.raises(ComplaintsError, match="0 < medium"):
        at_risk(demo.lib, SCORE_DAY, high=0.01, medium=0.05)
    with pytest.raises(ComplaintsError, match="用未来训练"):
        at_risk(demo.lib, SCORE_DAY, train_as_of=["2026-08-15"])
    with pytest.raises(ComplaintsError, match="不够做|add --as-of"):
        churn_eval(demo.lib, ["2026-06-01"], label_horizon=1, folds=5)


def test_churn_eval_cli(demo):
    res = runner.invoke(app, ["churn-eval", "--library", str(demo.lib.root), "--as-of", "2026-04-01..2026-06-01",
                              "--folds", "2", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert set(doc["results"]) == {"attributes", "attributes+complaints"} and len(doc["as_of"]) == 3
    for r in doc["results"].values():
        assert 0.5 < r["auc"] < 1 and 0 < r["pr_auc"] < 1
    res = runner.invoke(app, ["churn-eval", "--library", str(demo.lib.root), "--as-of", "2026-05-01",
                              "--as-of", "2026-06-01", "--folds", "2"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "attributes+complaints" in res.output and "AUC" in res.output and "投诉特征使 AUC 变化" in res.output


def test_at_risk_cli_writes_the_call_list(demo, tmp_path):
    out = tmp_path / "at_risk.csv"
    res = runner.invoke(app, ["at-risk", "--library", str(demo.lib.root), "--as-of", str(SCORE_DAY), "--out",
                              str(out), "--train-months", "4", "--top", "5"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "high" in res.output and "预警原因" in res.output and "预计携出" in res.output
    df = pd.read_csv(out, encoding="utf-8-sig")
    assert len(df) > 0 and set(df["风险等级"]) <= {"高", "中"}
    assert {"客户键(哈希)", "风险分(携出概率)", "预警原因", "建议挽留动作", "痛点贡献"} <= set(df.columns)
    raw = out.read_text(encoding="utf-8-sig")
    assert not re.search(r"(?<![0-9a-z])1[3-9]\d{9}(?!\d)", raw)  # no phone numbers anywhere
    res = runner.invoke(app, ["at-risk", "--library", str(demo.lib.root), "--as-of", str(SCORE_DAY), "--out",
                              str(tmp_path / "all.csv"), "--train-months", "4", "--all", "--json", "--headers", "en"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["rows_written"] == sum(doc["tier_counts"].values()) and len(doc["train_as_of"]) == 4
    assert {"customer_key", "score", "tier", "reasons"} <= set(pd.read_csv(tmp_path / "all.csv").columns)
