"""Linking complaints to customers and port events, on a real library: real ingest, real fit."""

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from complaints.config import resolve_library
from complaints.ingest.pipeline import ingest_file
from complaints.churn.link import ISSUE_NOTES, data_issues, net_flow, painpoint_lift, porting_reasons
from complaints.store import open_store

from .churn_data import PLANTED, churn_demo
from .conftest import write_csv

runner = CliRunner()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return churn_demo(tmp_path_factory)


@pytest.fixture(scope="module")
def lift(demo):
    return painpoint_lift(demo.lib)


def frames(lib, sql):
    with open_store(lib) as s:
        return s.query(sql)


def test_planted_painpoints_rank_top_by_lift(demo, lift):
    assert set(lift["key"].head(4)) == PLANTED, lift[["key", "lift_90", "lift_90_lo"]]
    assert lift["key"].iloc[0] == "携号转网受阻"  # planted ×6, the strongest
    top = lift.set_index("key")
    for k in ("携号转网受阻", "网络质量", "资费争议"):
        assert top.loc[k, "lift_90_lo"] > 1.5, top.loc[k]
    others = top.drop(index=list(PLANTED))
    assert others["lift_90"].median() < 1.6  # planted ×1.0–1.2


def test_zero_shot_mapping_recovers_the_planted_effects(demo):
    """No curation, no labels: the topics' pain points come from the taxonomy alone (seed words, the
    seed-trained classifier, embedding similarity), and the planted pain points still rank on top."""
    zs = demo.zero_shot_lift
    assert set(zs["key"].head(4)) == PLANTED, zs[["key", "lift_90", "lift_90_lo"]]
    assert zs["key"].iloc[0] == "携号转网受阻"
    assert zs.set_index("key").loc["增值业务乱订", "lift_90"] > 1.8  # planted ×2.5


def test_lift_table_is_complete_and_consistent(lift):
    for w in (30, 60, 90):
        for c in ("followed", "ported", "rate", "baseline_rate", "lift", "quiet_rate", "crude_lift"):
            assert f"{c}_{w}" in lift.columns
        assert {f"lift_{w}_lo", f"lift_{w}_hi"} <= set(lift.columns)
    assert {"key", "label", "department", "painpoint", "complainants", "median_days_to_port"} <= set(lift.columns)
    assert lift["department"].str.len().gt(0).all()
    ok = lift.dropna(subset=["lift_90"])
    assert (ok["lift_90_lo"] <= ok["lift_90"]).all() and (ok["lift_90"] <= ok["lift_90_hi"]).all()
    assert list(ok["lift_90"]) == sorted(ok["lift_90"], reverse=True)
    np.testing.assert_allclose(ok["rate_90"], ok["ported_90"] / ok["followed_90"])
    pos = ok[ok["lift_90"] > 0]
    np.testing.assert_allclose(pos["baseline_rate_90"] * pos["lift_90"], pos["rate_90"])
    assert (lift["followed_30"] >= lift["followed_90"]).all() and (lift["complainants"] >= lift["followed_30"]).all()
    assert lift["median_days_to_port"].dropna().between(0, 89).all()


def test_complainant_rates_match_a_direct_count(demo, lift):
    """rate_90 of 携号转网受阻 recomputed from the raw tables with pandas."""
    c = frames(demo.lib, """SELECT c.customer_key, c.received_at::DATE AS d FROM complaints c
        JOIN assignments a ON a.complaint_id = c.complaint_id AND a.version = (SELECT max(version) FROM model_versions)
        JOIN customers u ON u.customer_key = c.customer_key
        WHERE a.painpoint = 'porting' AND c.received_at IS NOT NULL""")
    p = frames(demo.lib, "SELECT customer_key, requested_at::DATE AS r FROM port_events WHERE direction = 'out'")
    end = p["r"].max()
    first = c.groupby("customer_key")["d"].min().reset_index()
    first = first[first["d"] + pd.Timedelta(days=89) <= end]
    m = first.merge(p, on="customer_key", how="left")
    hit = m[(m["r"] >= m["d"]) & (m["r"] < m["d"] + pd.Timedelta(days=90))]["customer_key"].nunique()
    row = lift.set_index("key").loc["携号转网受阻"]
    assert row["followed_90"] == len(first)
    assert row["ported_90"] == hit


def test_exposed_time_matches_a_day_by_day_count(demo, lift):
    """The DuckDB segment arithmetic against a plain day-by-day walk: days on which 携号转网受阻 was a
    customer's only complaint in the last 90 days, and port-out requests on those days."""
    lib = demo.lib
    v = "(SELECT max(version) FROM model_versions)"
    c = frames(lib, f"""SELECT c.customer_key, c.received_at::DATE AS d, coalesce(a.painpoint, '?') AS k
        FROM complaints c JOIN customers u USING (customer_key)
        LEFT JOIN assignments a ON a.complaint_id = c.complaint_id AND a.version = {v}
        WHERE c.received_at IS NOT NULL""")
    u = frames(lib, "SELECT customer_key, tenure_start FROM customers")
    p = frames(lib, """SELECT customer_key, requested_at::DATE AS r, status,
        CASE WHEN completed_at >= requested_at THEN completed_at ELSE requested_at END::DATE AS g
        FROM port_events WHERE direction = 'out'""")
    p0, p1 = c["d"].min(), p["r"].max() + pd.Timedelta(days=1)
    gone = p[p["status"] == "completed"].groupby("customer_key")["g"].min()
    tenure = u.set_index("customer_key")["tenure_start"]
    days = events = 0
    porting_customers = set(c.loc[c["k"] == "porting", "customer_key"])
    for key, g in c[c["customer_key"].isin(porting_customers)].groupby("customer_key"):
        r0 = max(p0, pd.Timestamp(tenure[key])) if pd.notna(tenure[key]) else p0
        r1 = min(p1, gone[key] + pd.Timedelta(days=1)) if key in gone.index else p1
        span = pd.date_range(r0, r1 - pd.Timedelta(days=1), freq="D")
        if len(span) == 0:
            continue
        t = span.values[:, None]
        recent = (g["d"].values[None, :] <= t) & (g["d"].values[None, :] > t - np.timedelta64(90, "D"))
        is_port = (g["k"] == "porting").values[None, :]
        alone = (recent & is_port).any(1) & ~(recent & ~is_port).any(1)
        days += int(alone.sum())
        reqs = p.loc[p["customer_key"] == key, "r"].values
        events += int(np.isin(span.values[alone], reqs).sum())
    row = lift.set_index("key").loc["携号转网受阻"]
    assert row["exposed_days_90"] == days
    assert row["exposed_ports_90"] == events


def test_windows_cut_together_give_each_window_alone(demo, lift):
    """The windows share one segmentation of customer-time (cut at every window's change points); each
    window's figures must be those it gets computed on its own."""
    for w in (30, 90):
        alone = painpoint_lift(demo.lib, windows=(w,)).set_index("key").sort_index()
        alone = alone.drop(columns="median_days_to_port")  # over the longest window asked for
        together = lift.set_index("key").sort_index()[alone.columns]
        assert alone[f"exposed_days_{w}"].sum() > 0
        pd.testing.assert_frame_equal(alone, together)


def test_quiet_customers_port_out_at_the_planted_rate(demo, lift):
    truth = demo.truth["baseline"]["observed_90d_rate_no_complaint_in_prior_90d"]
    quiet = lift.set_index("key").loc["网络质量", "quiet_rate_90"]
    assert truth * 0.7 < quiet < truth * 1.3, (quiet, truth)


def test_topic_level_lift(demo):
    t = painpoint_lift(demo.lib, level="topic", windows=(90,))
    assert t["key"].map(type).eq(int).all() and -1 not in set(t["key"])
    assert t["label"].str.len().gt(0).all() and t["department"].str.len().gt(0).all()
    a = frames(demo.lib, "SELECT complaint_id, topic_id FROM assignments "
                         "WHERE version = (SELECT max(version) FROM model_versions)")
    a["truth"] = a["complaint_id"].map(demo.truth["complaint_pain_points"])
    names = {p["key"]: p["name"] for p in demo.truth["pain_points"]} | {"emerging": "资费争议"}
    majority = a.dropna().groupby("topic_id")["truth"].agg(lambda x: names[x.value_counts().index[0]])
    big = t[t["followed_90"] >= 150].head(5)
    assert big["key"].map(majority).isin(PLANTED).sum() >= 4, big[["key", "label", "lift_90"]]


def test_start_end_restrict_the_complainants(demo, lift):
    part = painpoint_lift(demo.lib, start="2026-01-01", end="2026-07-01")
    whole = lift.set_index("key")["complainants"]
    part_c = part.set_index("key")["complainants"]
    assert (part_c <= whole.reindex(part_c.index)).all() and part_c.sum() < whole.sum()
    n = frames(demo.lib, """SELECT count(DISTINCT c.customer_key) FROM complaints c
        JOIN assignments a ON a.complaint_id = c.complaint_id AND a.version = (SELECT max(version) FROM model_versions)
        JOIN customers u USING (customer_key)
        WHERE a.painpoint = 'network' AND c.received_at >= '2026-01-01' AND c.received_at < '2026-07-01'""").iloc[0, 0]
    assert part_c["网络质量"] == n


def test_porting_reasons_match_the_complaints_before_each_request(demo):
    r = porting_reasons(demo.lib, lookback_days=90)
    lib = demo.lib
    outs = frames(lib, "SELECT event_id, customer_key, requested_at, status FROM port_events WHERE direction = 'out'")
    assert r.port_outs == len(outs) == len(r.per_port_out)
    assert r.port_ins == frames(lib, "SELECT count(*) FROM port_events WHERE direction = 'in'").iloc[0, 0]
    assert r.cancelled == int((outs["status"] == "cancelled").sum())
    c = frames(lib, """SELECT c.customer_key, c.received_at, a.painpoint FROM complaints c
        JOIN assignments a ON a.complaint_id = c.complaint_id AND a.version = (SELECT max(version) FROM model_versions)""")
    m = outs.merge(c, on="customer_key")
    m = m[(m["received_at"] < m["requested_at"]) & (m["received_at"] >= m["requested_at"] - pd.Timedelta(days=90))]
    names = {p["key"]: p["name"] for p in demo.truth["pain_points"]} | {"other": "其他"}
    expect = m.groupby("event_id")["painpoint"].agg(lambda x: {names[k] for k in x})
    got = r.per_port_out.set_index("event_id")["painpoints"]
    for eid in outs["event_id"]:
        assert set(got[eid]) == expect.get(eid, set()), eid
    assert r.no_complaint_share == pytest.approx(1 - m["event_id"].nunique() / len(outs))
    s = r.summary.set_index("painpoint")
    assert s.loc["携号转网受阻", "port_outs"] == sum("携号转网受阻" in v for v in expect.values)
    np.testing.assert_allclose(s["share"], s["port_outs"] / len(outs))
    assert not r.per_port_out["customer_key"].str.match(r"^1[3-9]\d{9}$").any()  # hashed keys, never numbers


def test_demo_data_problems_are_counted(demo):
    with open_store(demo.lib) as s:
        issues = data_issues(s)
    po = demo.truth["port_outs"]
    assert issues["port_events_unknown_customer"] == len(po["orphan_port_ids"])
    assert issues["completed_before_requested"] == len(po["completion_before_application_port_ids"])
    assert set(issues) == set(ISSUE_NOTES)


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    """A hand-made library with one of every data problem."""
    d = tmp_path_factory.mktemp("messy")
    write_csv(d / "customers.csv", ["用户号码", "套餐", "入网时间", "地市", "ARPU", "合约到期"], [
        ["13800000001", "4G飞享套餐38元", "2020-01-01", "杭州", "45", ""],
        ["13800000002", "5G畅享套餐129元", "2020-01-01", "宁波", "140", "2027-01-01"],
        ["13800000003", "4G飞享套餐58元", "2026-03-02", "杭州", "60", ""],
        ["13800000004", "神州行畅听卡8元", "2019-05-01", "温州", "10", ""],
        ["13800000005", "5G智享套餐99元", "2018-05-01", "杭州", "99", ""]])
    write_csv(d / "complaints.csv", ["工单编号", "手机号码", "受理时间", "受理渠道", "地市", "投诉内容"], [
        ["G1", "13800000001", "2026-03-01 10:00:00", "10086热线", "杭州", "家里信号太差了，打电话老是掉线"],
        ["G2", "13800000002", "2026-03-05 10:00:00", "10086热线", "宁波", "莫名其妙扣了我20元"],
        ["G3", "13900000009", "2026-03-06 10:00:00", "10086热线", "杭州", "宽带又断了"],
        ["G4", "", "2026-03-07 10:00:00", "微博", "杭州", "客服态度太差"],
        ["G5", "13800000002", "", "10086热线", "宁波", "想携号转网，营业厅不给授权码"],
        ["G6", "13800000001", "2026-05-01 10:00:00", "10086热线", "杭州", "违约金太高了"]])
    write_csv(d / "ports.csv", ["携转单号", "手机号码", "携转方向", "申请时间", "完成时间", "携转状态", "对方运营商"], [
        ["P1", "13800000001", "携出", "2026-04-08 10:00:00", "2026-04-10 10:00:00", "成功", "中国电信"],
        ["P2", "13800000002", "携出", "2026-04-01 10:00:00", "2026-03-30 10:00:00", "成功", "中国联通"],
        ["P3", "13800000002", "携出", "2026-03-20 10:00:00", "", "撤销", "中国联通"],
        ["P4", "13800000003", "携入", "2026-03-01 10:00:00", "2026-03-02 10:00:00", "成功", "中国联通"],
        ["P5", "13800000005", "携入", "2026-02-01 10:00:00", "2026-02-02 10:00:00", "成功", "中国电信"],
        ["P6", "13900000010", "携出", "2026-04-15 10:00:00", "2026-04-16 10:00:00", "成功", "中国广电"],
        ["P7", "13800000004", "携出", "2026-04-20 10:00:00", "", "成功", "中国电信"]])
    lib = resolve_library(d / "lib")
    for kind in ("customers", "complaints", "ports"):
        res = ingest_file(lib, kind, d / f"{kind}.csv")
        assert res.rejected == 0, res.reject_reasons
    return lib


def test_every_data_problem_is_counted(messy):
    with open_store(messy) as s:
        assert data_issues(s) == {
            "port_events_unknown_customer": 1, "port_ins_without_port_out": 1, "completed_before_requested": 1,
            "completed_without_time": 1, "repeated_port_out_requests": 1, "customers_without_complaints": 3,
            "complaints_unknown_customer": 1, "complaints_without_customer": 1, "complaints_after_port_out": 1,
            "undated_complaints": 1}


def test_net_flow_counts_completed_moves_by_month_and_operator(messy):
    f = net_flow(messy)
    got = {(r.month, r.other_operator): (r.port_out, r.port_in, r.net, r.port_out_requests, r.port_out_cancelled)
           for r in f.itertuples()}
    assert got == {("2026-02", "中国电信"): (0, 1, 1, 0, 0), ("2026-03", "中国联通"): (0, 1, 1, 1, 1),
                   ("2026-04", "中国电信"): (2, 0, -2, 2, 0), ("2026-04", "中国联通"): (1, 0, -1, 1, 0),
                   ("2026-04", "中国广电"): (1, 0, -1, 1, 0)}
    assert len(net_flow(messy, start="2026-04-01")) == 3


def test_link_needs_a_model_customers_and_port_events(messy, tmp_path, complaints_csv):
    res = runner.invoke(app, ["link", "--library", str(messy.root)])
    assert res.exit_code == 2 and "complaints fit" in res.output
    bare = tmp_path / "bare"
    ingest_file(resolve_library(bare), "complaints", complaints_csv)
    res = runner.invoke(app, ["link", "--library", str(bare)])
    assert res.exit_code == 2 and "ingest customers" in res.output
    res = runner.invoke(app, ["link", "--library", str(tmp_path / "nowhere")])
    assert res.exit_code == 2 and "no complaint library" in res.output


def test_link_cli_table_json_and_files(demo, tmp_path):
    lib = str(demo.lib.root)
    res = runner.invoke(app, ["link", "--library", lib, "--out", str(tmp_path / "link.xlsx")], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    for text in ("携出提升", "携号转网受阻", "携出原因", "净携转", "中国电信", "数据检查", "客户表中没有的携转记录",
                 "link.xlsx"):
        assert text in res.output
    sheets = pd.read_excel(tmp_path / "link.xlsx", sheet_name=None)
    assert set(sheets) == {"携出提升", "携出原因", "携出明细", "携出前话题", "净携转", "数据检查", "字段说明"}
    assert sheets["携出提升"]["痛点/话题"].iloc[0] == "携号转网受阻"
    res = runner.invoke(app, ["link", "--library", lib, "--level", "topic", "--top", "5", "--json",
                              "--out", str(tmp_path / "link.csv")])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["level"] == "topic" and all(isinstance(r["key"], int) for r in doc["lift"])
    assert doc["porting_reasons"]["port_outs"] == len(doc["porting_reasons"]["per_port_out"])
    assert {"month", "other_operator", "port_out", "port_in", "net"} <= set(doc["net_flow"][0])
    assert doc["issues"]["port_events_unknown_customer"] == len(demo.truth["port_outs"]["orphan_port_ids"])
    assert pd.read_csv(tmp_path / "link.csv", encoding="utf-8-sig")["痛点/话题"].dtype.kind == "i"
    assert (tmp_path / "link_net_flow.csv").exists() and (tmp_path / "link_port_outs.csv").exists()


def test_a_period_without_data_gives_empty_tables_not_errors(demo):
    assert painpoint_lift(demo.lib, start="2030-01-01").empty
    r = porting_reasons(demo.lib, start="2030-01-01")
    assert r.port_outs == 0 and r.per_port_out.empty and r.summary.empty and r.no_complaint_share == 0.0
    assert net_flow(demo.lib, start="2030-01-01").empty


@pytest.mark.parametrize("cmd", ["link", "features", "churn-eval", "at-risk"])
def test_help_has_an_example(cmd):
    res = runner.invoke(app, [cmd, "--help"])
    assert res.exit_code == 0 and "Example: complaints " + cmd in res.output
