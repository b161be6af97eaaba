"""Point-in-time churn features on a real library: counts, population, labels, no leakage, CLI."""

import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from complaints.config import resolve_library
from complaints.errors import ComplaintsError
from complaints.churn.features import build_features, describe_features, feature_list
from complaints.ingest.pipeline import ingest_file
from complaints.ingest.keys import CustomerKeyer
from complaints.store import open_store

from .churn_data import churn_demo
from .conftest import write_csv

runner = CliRunner()
D1, D2 = dt.date(2026, 3, 1), dt.date(2026, 7, 1)
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return churn_demo(tmp_path_factory)


@pytest.fixture(scope="module")
def feats(demo):
    return build_features(demo.lib, [D1, D2], label_horizon=30)


def frames(lib, sql):
    with open_store(lib) as s:
        return s.query(sql)


def test_columns_follow_the_data_dictionary(feats):
    spec = feature_list(label_horizon=30)
    assert list(feats.columns) == [f.name for f in spec]
    assert {"complaints_7d", "complaints_30d", "complaints_90d", "complaints_180d", "days_since_last_complaint",
            "pp_porting_90d", "pp_network_90d", "same_topic_repeats_90d", "escalations_90d", "unresolved_complaints",
            "mean_satisfaction_180d", "channels_90d", "emerging_share_90d", "porting_complaint_90d",
            "port_out_in_progress", "ported_out_within_30d"} <= set(feats.columns)
    assert str(feats["complaints_90d"].dtype) == "Int64" and str(feats["contract_active"].dtype) == "boolean"
    text = describe_features(label_horizon=30)
    assert all(f"`{f.name}`" in text for f in spec)
    assert (ROOT / "features.md").read_text(encoding="utf-8") == describe_features(), \
        "features.md is stale: regenerate with `complaints features --describe > features.md`"


def test_one_row_per_active_customer_per_date(demo, feats):
    assert not feats.duplicated(["customer_key", "as_of"]).any()
    u = frames(demo.lib, "SELECT customer_key, tenure_start FROM customers")
    p = frames(demo.lib, """SELECT customer_key, CASE WHEN completed_at >= requested_at THEN completed_at
        ELSE requested_at END AS gone FROM port_events WHERE direction = 'out' AND status = 'completed'""")
    for d in (D1, D2):
        ts = pd.Timestamp(d)
        left = set(p.loc[p["gone"] < ts, "customer_key"])
        joined = u[(u["tenure_start"].isna()) | (pd.to_datetime(u["tenure_start"]) < ts)]
        expect = set(joined["customer_key"]) - left
        assert set(feats.loc[feats["as_of"] == d, "customer_key"]) == expect


def test_counts_match_the_raw_tables(demo, feats):
    lib, ts = demo.lib, pd.Timestamp(D2)
    c = frames(lib, """SELECT c.customer_key, c.received_at, c.channel, c.escalated, c.resolved_at, c.satisfaction,
        a.painpoint, a.topic_id FROM complaints c LEFT JOIN assignments a ON a.complaint_id = c.complaint_id
        AND a.version = (SELECT max(version) FROM model_versions) WHERE c.received_at IS NOT NULL""")
    row = feats[feats["as_of"] == D2].set_index("customer_key")
    before = c[c["received_at"] < ts]
    last90 = before[before["received_at"] >= ts - pd.Timedelta(days=90)]
    last180 = before[before["received_at"] >= ts - pd.Timedelta(days=180)]
    keys = row.index
    expect = {
        "complaints_30d": before[before["received_at"] >= ts - pd.Timedelta(days=30)].groupby("customer_key").size(),
        "complaints_90d": last90.groupby("customer_key").size(),
        "complaints_total": before.groupby("customer_key").size(),
        "pp_porting_90d": last90[last90["painpoint"] == "porting"].groupby("customer_key").size(),
        "escalations_90d": last90[last90["escalated"] == True].groupby("customer_key").size(),  # noqa: E712
        "channels_90d": last90.groupby("customer_key")["channel"].nunique(),
        "same_topic_repeats_90d": last90[last90["topic_id"] >= 0].groupby("customer_key")["topic_id"]
        .agg(lambda x: len(x) - x.nunique()),
        "unresolved_complaints": last180[last180["resolved_at"].isna() | (last180["resolved_at"] >= ts)]
        .groupby("customer_key").size(),
    }
    for col, s in expect.items():
        got = row[col].astype(int)
        want = s.reindex(keys).fillna(0).astype(int)
        assert (got == want).all(), (col, (got != want).sum())
    last = before.groupby("customer_key")["received_at"].max().dt.normalize()
    days = (ts - last).dt.days.reindex(keys)
    assert (row["days_since_last_complaint"].astype("Float64").fillna(-1) == days.fillna(-1)).all()
    sat = last180[last180["resolved_at"] < ts].groupby("customer_key")["satisfaction"].mean().reindex(keys)
    np.testing.assert_allclose(row["mean_satisfaction_180d"].astype(float).fillna(-1), sat.fillna(-1), rtol=1e-9)
    p = frames(lib, "SELECT customer_key, requested_at FROM port_events WHERE direction = 'out'")
    soon = p[(p["requested_at"] >= ts) & (p["requested_at"] < ts + pd.Timedelta(days=30))]
    assert (row["ported_out_within_30d"] == row.index.isin(soon["customer_key"])).all()
    assert row["ported_out_within_30d"].sum() > 20


def _plant(lib, data_dir: Path, tmp: Path, phone: str, as_of: dt.date, offset_s: int, tag: str) -> None:
    """Ingest, through the real path, a complaint (regulator appeal about porting) and a port-out request
    for `phone` at as_of + offset_s seconds, and give the complaint a pain point and topic."""
    at = (pd.Timestamp(as_of) + pd.Timedelta(seconds=offset_s)).strftime("%Y-%m-%d %H:%M:%S")
    write_csv(tmp / f"c_{tag}.csv", ["工单编号", "手机号码", "受理时间", "受理渠道", "地市", "投诉内容"],
              [[f"PLANT{tag}", phone, at, "工信部申诉", "杭州", "我要携号转网，营业厅一直不给授权码，还说有合约"]])
    write_csv(tmp / f"p_{tag}.csv", ["携转单号", "手机号码", "携转方向", "申请时间", "完成时间", "携转状态", "对方运营商"],
              [[f"PLANTP{tag}", phone, "携出", at, "", "处理中", "中国电信"]])
    ingest_file(lib, "complaints", tmp / f"c_{tag}.csv")
    ingest_file(lib, "ports", tmp / f"p_{tag}.csv")
    with open_store(lib, write=True) as s:
        v = s.scalar("SELECT max(version) FROM model_versions")
        t = s.scalar(f"SELECT min(topic_id) FROM topics WHERE version = {v} AND painpoint = 'porting'")
        s.execute("INSERT INTO assignments (version, complaint_id, topic_id, painpoint, confidence, method, "
                  "painpoint_confidence, painpoint_status, painpoint_source) "
                  "VALUES (?, ?, ?, 'porting', 0.9, 'planted', 0.9, 'assigned', 'taxonomy')", [v, f"PLANT{tag}", t])


def test_nothing_dated_on_or_after_the_as_of_date_changes_a_row(demo, tmp_path):
    """Plant a complaint and a port-out request at exactly 00:00 of the as-of date and later: the
    customer's row is unchanged (only the label sees them). One second earlier, it changes."""
    lib = resolve_library(tmp_path / "lib")
    shutil.copytree(demo.lib.root, lib.root)
    phone = pd.read_csv(demo.data / "customers.csv", dtype=str)["用户号码"].iloc[0]
    key = CustomerKeyer(lib.hash_key())(phone)
    before = build_features(lib, [D2], label_horizon=30).set_index("customer_key")
    assert key in before.index and not before.loc[key, "ported_out_within_30d"]
    _plant(lib, demo.data, tmp_path, phone, D2, 0, "a")
    _plant(lib, demo.data, tmp_path, phone, D2, 3 * 86400, "b")
    after = build_features(lib, [D2], label_horizon=30).set_index("customer_key")
    features = [c for c in before.columns if c != "ported_out_within_30d"]
    pd.testing.assert_frame_equal(before[features], after[features])
    assert after.loc[key, "ported_out_within_30d"]  # the plant is there, only the label may see it
    _plant(lib, demo.data, tmp_path, phone, D2, -1, "c")  # one second before the as-of date
    seen = build_features(lib, [D2]).set_index("customer_key").loc[key]
    row = before.loc[key]
    assert seen["complaints_7d"] == row["complaints_7d"] + 1
    assert seen["pp_porting_90d"] == row["pp_porting_90d"] + 1 and seen["escalations_90d"] == row["escalations_90d"] + 1
    assert seen["porting_complaint_90d"] and seen["port_out_in_progress"]
    assert seen["days_since_last_complaint"] == 1


def test_emerging_share_uses_topic_status(demo, tmp_path):
    lib = resolve_library(tmp_path / "lib")
    shutil.copytree(demo.lib.root, lib.root)
    base = build_features(lib, [D2])
    assert (base["emerging_share_90d"].dropna() == 0).all()  # a fit marks no topic emerging
    with open_store(lib, write=True) as s:
        v = s.scalar("SELECT max(version) FROM model_versions")
        t = s.scalar(f"SELECT topic_id FROM topics WHERE version = {v} ORDER BY size DESC LIMIT 1")
        s.execute(f"UPDATE topics SET status = 'emerging' WHERE version = {v} AND topic_id = {t}")
        c = s.query(f"""SELECT c.customer_key, a.topic_id = {t} AS em FROM complaints c JOIN assignments a
            ON a.complaint_id = c.complaint_id AND a.version = {v}
            WHERE c.received_at < '{D2}' AND c.received_at >= TIMESTAMP '{D2}' - INTERVAL 90 DAY""")
    got = build_features(lib, [D2]).set_index("customer_key")["emerging_share_90d"]
    want = c.groupby("customer_key")["em"].mean()
    want = want[want.index.isin(got.index)]  # customers still with us on D2
    np.testing.assert_allclose(got.reindex(want.index).astype(float), want)
    assert want.max() > 0


def test_label_and_version_errors(demo):
    with pytest.raises(ComplaintsError, match="reach only"):
        build_features(demo.lib, ["2026-10-20"], label_horizon=30)
    with pytest.raises(ComplaintsError, match="no model version 9"):
        build_features(demo.lib, [D1], model_version=9)
    pinned = build_features(demo.lib, [D1], model_version=1)
    assert (pinned["model_version"] == 1).all()
    with pytest.raises(ComplaintsError, match="not a date"):
        build_features(demo.lib, ["30/06/2026x"])


def test_features_need_customers_and_a_model(tmp_path, complaints_csv):
    lib = resolve_library(tmp_path / "lib")
    ingest_file(lib, "complaints", complaints_csv)
    with pytest.raises(ComplaintsError, match="ingest customers"):
        build_features(lib, [D1])
    write_csv(tmp_path / "cust.csv", ["用户号码", "套餐"], [["13812345678", "4G飞享套餐38元"]])
    ingest_file(lib, "customers", tmp_path / "cust.csv")
    with pytest.raises(ComplaintsError, match="complaints fit"):
        build_features(lib, [D1])


def test_features_cli(demo, tmp_path):
    lib = str(demo.lib.root)
    out = tmp_path / "f.parquet"
    res = runner.invoke(app, ["features", "--library", lib, "--as-of", "2026-01-01..2026-03-01", "--as-of",
                              str(D2), "--out", str(out), "--label-horizon", "30"])
    assert res.exit_code == 0, res.output
    assert "ported_out_within_30d" in res.output and "4 as-of dates" in res.output
    df = pd.read_parquet(out)
    assert sorted(set(df["as_of"].astype(str))) == ["2026-01-01", "2026-02-01", "2026-03-01", "2026-07-01"]
    assert list(df.columns) == [f.name for f in feature_list(label_horizon=30)]
    res = runner.invoke(app, ["features", "--library", lib, "--as-of", str(D1), "--out", str(tmp_path / "f.csv"),
                              "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["rows"] == len(pd.read_csv(tmp_path / "f.csv")) and doc["as_of"] == [str(D1)]
    res = runner.invoke(app, ["features", "--describe"])
    assert res.exit_code == 0 and "| `pp_porting_90d` | int | 90 days |" in res.output
    res = runner.invoke(app, ["features", "--library", lib, "--as-of", str(D1)])
    assert res.exit_code == 2 and "--out" in res.output
