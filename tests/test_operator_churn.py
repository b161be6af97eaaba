"""Churn on the columns an operator has (issue 17), through the real CLI: a customer file with only key,
plan, tenure start, region and ARPU (and copies with only a key, and a key and a plan), complaints
without satisfaction; tiers sized to capacity with expected port-outs, reasons for every flagged
customer, the call list with numbers from the operator's own file, unambiguous dates, and the warning
when a file is ingested as the wrong kind."""

from __future__ import annotations

import json
import math
import re
import shutil

import duckdb
import pandas as pd
import pytest
from openpyxl import load_workbook

from complaints.churn.calllist import load_actions
from complaints.ingest.keys import CustomerKeyer

from .operator_scenario import cli, cli_ok, operator

EVAL_MONTHS = "2025-10-01..2026-08-01"  # eleven as-of dates whose 30-day labels the port data covers
SCORE_DAY = "2026-09-30"
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
POINTS = re.compile(r"\+(\d+\.\d)个百分点")


@pytest.fixture(scope="module")
def op(tmp_path_factory):
    return operator(tmp_path_factory)


def _expected_positives(lib, dates: list[str], horizon: int = 30) -> int:
    """Customers active on each date (joined before it, not ported out before it) who requested a
    port-out in the `horizon` days from it: the label, counted independently of the feature SQL."""
    con = duckdb.connect(str(lib.db_path), read_only=True)
    try:
        cust = con.execute("SELECT customer_key, tenure_start FROM customers").df()
        ports = con.execute("SELECT customer_key, requested_at, completed_at, status FROM port_events "
                            "WHERE direction = 'out'").df()
    finally:
        con.close()
    gone_at = ports["requested_at"].where(ports["completed_at"].isna() | (ports["completed_at"] < ports["requested_at"]),
                                          ports["completed_at"])
    ports = ports.assign(gone_at=gone_at.where(ports["status"] == "completed"))
    total = 0
    for d in pd.to_datetime(dates):
        gone = set(ports.loc[ports["gone_at"] < d, "customer_key"])
        active = cust[(cust["tenure_start"].isna() | (pd.to_datetime(cust["tenure_start"]) < d))
                      & ~cust["customer_key"].isin(gone)]
        leaving = ports[(ports["requested_at"] >= d) & (ports["requested_at"] < d + pd.Timedelta(days=horizon))]
        total += int(active["customer_key"].isin(set(leaving["customer_key"])).sum())
    return total


def test_the_month_ran_on_the_minimal_files(op):
    assert "3000 accepted" in op.runs["customers"] and "model version 2 (update of 1)" in op.runs["update"]


def test_churn_eval_drops_and_names_empty_and_constant_features(op):
    doc = json.loads(cli_ok("churn-eval", "--as-of", EVAL_MONTHS, "--folds", "3", "--library", op.lib.root, "--json"))
    assert doc["dropped"]["days_to_contract_end"] == "empty"  # no 合约到期 column
    assert doc["dropped"]["contract_active"] == "constant"
    assert doc["dropped"]["mean_satisfaction_180d"] == "empty"  # no 满意度 column
    assert {"plan", "region", "tenure_days", "arpu"} <= set(doc["results"]["attributes"]["columns"])
    assert not set(doc["dropped"]) & set(doc["results"]["attributes+complaints"]["columns"])
    assert len(doc["as_of"]) == 11 and doc["port_outs"] == _expected_positives(op.lib, doc["as_of"])
    for r in doc["results"].values():
        assert 0.5 < r["auc"] < 1
    text = cli("churn-eval", "--as-of", EVAL_MONTHS, "--folds", "2", "--library", op.lib.root).output
    assert "已跳过无信息的特征" in text and "days_to_contract_end（需要客户文件的 合约到期 列）" in text
    assert f"{doc['port_outs']:,}" in text and "11 个观察日" in text


@pytest.fixture(scope="module")
def risk(op):
    """Tiers sized to capacity: the 25 riskiest, then the next 3% (every customer returned: --top)."""
    res = cli("at-risk", "--as-of", "2026年9月30日", "--high-top", "25", "--medium-pct", "3", "--top", "100000",
              "--out", op.root / "at_risk.csv", "--library", op.lib.root, "--json")
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


def test_tiers_follow_capacity_and_show_expected_port_outs(risk):
    n = sum(risk["tier_counts"].values())
    c = pd.DataFrame(risk["customers"])
    assert len(c) == n and list(c["score"]) == sorted(c["score"], reverse=True)
    assert risk["tier_counts"]["high"] == 25 and risk["tier_counts"]["medium"] == math.ceil(0.03 * n)
    assert list(c["tier"][:25]) == ["high"] * 25
    for t in risk["tiers"]:
        mine = c.loc[c["tier"] == t["tier"], "score"]
        assert t["customers"] == len(mine) and t["expected_port_outs"] == pytest.approx(mine.sum(), abs=0.06)
    assert [t["rule"] for t in risk["tiers"]] == ["前 25 名", "前 3%", "其余"]
    assert risk["train_dates"] == len(risk["train_as_of"]) and risk["train_port_outs"] > 0


def test_every_flagged_customer_has_reasons_with_contributions(risk):
    c = pd.DataFrame(risk["customers"])
    flagged = c[c["tier"] != "low"]
    assert len(flagged) > 25 and (c.loc[c["tier"] == "low", "reasons"] == "").all()
    assert flagged["reasons"].map(lambda r: bool(POINTS.search(r))).all(), flagged["reasons"].head()
    for r in flagged.itertuples():  # a contribution is a share of the score, never more than all of it
        assert all(float(x) <= r.score * 100 + 0.05 for x in POINTS.findall(r.reasons))
    without_pp = flagged[flagged["painpoints"].map(len) == 0]
    # no pain point behind the score: the drivers (or the complaining as a whole) are the reasons
    assert len(without_pp) > 0 and (without_pp["drivers"] != "").mean() > 0.7
    assert without_pp["reasons"].str.contains(r"在网|ARPU|套餐|地市|投诉|携出|携入|合约").all()
    drivers = " ".join(flagged["drivers"])
    assert re.search(r"(在网|ARPU|套餐|地市)[^;]*\+\d+\.\d个百分点", drivers)
    with_pp = flagged[flagged["painpoints"].map(len) > 0]
    assert (with_pp["reasons"].str.split(";").str[0].str.contains("投诉")).all()  # pain points come first


def test_too_few_training_dates_are_said(op):
    doc = json.loads(cli_ok("at-risk", "--as-of", SCORE_DAY, "--train-months", "3", "--out", op.root / "few.csv",
                            "--library", op.lib.root, "--json", "--top", "1"))
    assert doc["train_dates"] == 3 and any("只用了 3 个观察日" in w for w in doc["warnings"])
    if doc["train_port_outs"] < 50:
        assert any(f"只有 {doc['train_port_outs']} 个" in w for w in doc["warnings"])
    text = cli("at-risk", "--as-of", SCORE_DAY, "--train-months", "3", "--out", op.root / "few.csv",
               "--library", op.lib.root).output
    assert "注意:" in text and "只用了 3 个观察日（默认 3 个）" not in text and "只用了 3 个观察日" in text


def test_call_list_has_the_numbers_from_the_operators_file_and_stores_none(op):
    out = op.root / "外呼名单.xlsx"
    res = cli("at-risk", "--as-of", SCORE_DAY, "--high-top", "30", "--medium-top", "30", "--customers-file",
              op.files["customers"], "--out", out, "--library", op.lib.root)
    assert res.exit_code == 0, res.output
    assert not PHONE.search(res.output)  # the terminal never shows a number
    ws = load_workbook(out)["挽留外呼名单"]
    rows = list(ws.iter_rows(values_only=True))
    head, body = rows[0], rows[1:]
    assert head[:2] == ("手机号码", "客户键(哈希)") and "建议挽留动作" in head and len(body) == 60
    keyer = CustomerKeyer(op.lib.hash_key())
    known = set(pd.read_csv(op.files["customers"], dtype=str)["用户号码"])
    assert all(p in known and keyer(p) == k for p, k, *_ in body)  # the right number for each hashed key
    assert "找到 60 / 60 位" in res.output
    db = op.lib.db_path.read_bytes()
    assert not [p for p, *_ in body if p.encode() in db]  # read on the spot, never stored
    actions = load_actions()
    col = {h: i for i, h in enumerate(head)}
    names = {"网络质量": "network", "资费争议": "billing", "增值业务乱订": "subscription", "携号转网受阻": "porting",
             "服务态度": "service", "业务办理": "business", "套餐营销": "package", "宽带": "broadband"}
    # a reason that names a pain point complained about gets that pain point's action (lexicons/painpoints.yaml)
    hits = [(pp, r[col["建议挽留动作"]]) for r in body if "投诉" in r[col["预警原因"]]
            for pp in names if pp in r[col["预警原因"]]]
    assert len(hits) >= 5, [r[col["预警原因"]] for r in body][:5]
    missing = [(pp, a) for pp, a in hits if actions[names[pp]] not in a]
    assert not missing, missing[:3]
    assert all(r[col["建议挽留动作"]] for r in body)  # every flagged customer gets something to do


@pytest.mark.parametrize("which,empty", [("customers_key", {"plan", "region", "tenure_days", "arpu"}),
                                         ("customers_keyplan", {"region", "tenure_days", "arpu"})])
def test_churn_runs_on_a_customer_file_with_only_a_key_or_a_key_and_plan(op, tmp_path, which, empty):
    lib = tmp_path / "lib"
    shutil.copytree(op.lib.root, lib)  # churn reads the tables only; the customers are replaced below
    out = cli_ok("ingest", "customers", op.files[which], "--library", lib)
    assert "3000 updated" in out
    doc = json.loads(cli_ok("churn-eval", "--as-of", "2026-01-01..2026-08-01", "--folds", "2", "--library", lib,
                            "--json"))
    assert empty <= {c for c, why in doc["dropped"].items() if why == "empty"}
    # Runs, and the complaint features carry the model. Whether they beat chance on 7 as-of dates with
    # 2 folds swings with the fit (0.50-0.60 measured); the signal is asserted on the full file above.
    both = doc["results"]["attributes+complaints"]
    assert 0 < both["auc"] < 1 and set(both["columns"]) - set(doc["results"]["attributes"]["columns"])
    risk = json.loads(cli_ok("at-risk", "--as-of", SCORE_DAY, "--train-months", "6", "--high-top", "20",
                             "--out", tmp_path / "r.csv", "--library", lib, "--json", "--top", "20"))
    assert risk["tier_counts"]["high"] == 20 and all(r["reasons"] for r in risk["customers"])
    written = pd.read_csv(tmp_path / "r.csv", encoding="utf-8-sig")
    assert "预警原因" in written.columns and written["预警原因"].notna().all()


def test_command_line_dates_must_be_unambiguous(op, tmp_path):
    res = cli("features", "--as-of", "01/06/2026", "--out", tmp_path / "f.parquet", "--library", op.lib.root)
    assert res.exit_code == 2 and "不是无歧义的日期" in res.output and "2026-06-30" in res.output
    res = cli("link", "--start", "06/01/2026", "--library", op.lib.root)
    assert res.exit_code == 2 and "不是无歧义的日期" in res.output
    res = cli("report", "--from", "01.06.2026", "--to", "2026-06-30", "--library", op.lib.root, "--out", tmp_path)
    assert res.exit_code == 2 and "2026年6月1日" in res.output
    ok = cli("features", "--as-of", "2026年6月30日", "--out", tmp_path / "f.parquet", "--library", op.lib.root, "--json")
    assert ok.exit_code == 0 and json.loads(ok.output)["as_of"] == ["2026-06-30"]


def test_ingest_warns_when_the_columns_fit_another_kind(op, tmp_path):
    lib = tmp_path / "lib"
    res = cli("ingest", "customers", op.files["ports"], "--library", lib)
    assert res.exit_code == 0 and "更像携转记录" in res.output and "complaints ingest ports" in res.output
    res = cli("ingest", "customers", op.files["early"], "--library", lib)
    assert "更像投诉" in res.output
    res = cli("ingest", "customers", op.files["customers"], "--library", lib)
    assert res.exit_code == 0 and "注意" not in res.output
