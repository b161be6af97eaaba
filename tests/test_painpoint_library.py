"""Pain points per complaint through the real pipeline: stored per version, topics nested under them,
no silent 其他, corrections and operator categories used at the next fit/update, classify = library."""

import json
import shutil

import numpy as np
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from complaints.classify.topic_classifier import TopicClassifier
from complaints.config import resolve_library
from complaints.ingest.pipeline import ingest_file
from complaints.painpoints.taxonomy import load_taxonomy
from complaints.store import open_store
from complaints.topics.fit import fit_library
from complaints.topics.update import update_library

from .conftest import ROOT, SHARED_DATA, generated_library

runner = CliRunner()
KEYS = {p.key for p in load_taxonomy()}
SOURCES = {"taxonomy", "classifier", "correction", "operator_category", "topic_curation", "not_a_complaint", "none"}


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    root = tmp_path_factory.mktemp("pp")
    data, lib = generated_library(root, 1500, 11, files=("customers", "complaints"))
    fit_library(lib, embedder="lexical")
    truth = json.loads((data / "ground_truth.json").read_text(encoding="utf-8"))["complaint_pain_points"]
    return {"root": root, "data": data, "library": lib, "truth": truth}


@pytest.fixture
def lib(base, tmp_path):
    """A copy of the fitted library that a test may change."""
    shutil.copytree(base["library"].root, tmp_path / "lib")
    return resolve_library(tmp_path / "lib")


def q(library, sql, params=None) -> pd.DataFrame:
    with open_store(library) as s:
        return s.query(sql, params or [])


def latest(library) -> int:
    return int(q(library, "SELECT max(version) AS v FROM model_versions")["v"][0])


def impure(library, version) -> int:
    return int(q(library, """SELECT count(*) AS n FROM assignments a JOIN topics t
                             ON t.version = a.version AND t.topic_id = a.topic_id
                             WHERE a.version = ? AND a.painpoint <> t.painpoint""", [version])["n"][0])


def test_every_complaint_has_its_own_painpoint_with_status_evidence_and_source(base):
    a = q(base["library"], "SELECT * FROM assignments WHERE version = 1")
    assert len(a) == int(q(base["library"], "SELECT count(*) AS n FROM complaints")["n"][0])
    assert set(a["painpoint"]) <= KEYS and set(a["painpoint_source"]) <= SOURCES
    assert set(a["painpoint_status"]) == {"assigned", "uncertain"}
    assert a["painpoint_confidence"].between(0, 1).all()
    unsure = a["painpoint_status"] == "uncertain"
    assert (a.loc[unsure, "painpoint_confidence"] < 0.4).all() and (a.loc[~unsure, "painpoint_confidence"] >= 0.4).all()
    ev = [json.loads(e) for e in a["painpoint_evidence"]]
    assert np.mean([bool(e) for e in ev]) > 0.95
    truth = a["complaint_id"].map(base["truth"]).replace({"emerging": "billing"})
    known = truth.notna()
    assert (a.loc[known, "painpoint"] == truth[known]).mean() > 0.85  # the generator's own pain points


def test_topics_are_pure_and_no_silent_other(base):
    """Topics are clustered within each pain point: every topic has one pain point, all its complaints
    carry it, and no complaint is lumped into 其他 for lack of a topic."""
    lib, truth = base["library"], base["truth"]
    assert impure(lib, 1) == 0
    a = q(lib, "SELECT complaint_id, topic_id, painpoint, painpoint_status FROM assignments WHERE version = 1")
    per_topic = a[a["topic_id"] >= 0].groupby("topic_id")["painpoint"].nunique()
    assert (per_topic == 1).all() and len(per_topic) > 10
    assert (a["topic_id"] >= 0).mean() > 0.95  # within-pain-point clustering keeps complaints in topics
    # the generator has no 其他 complaints: the uncertain ones keep their best guess, not 其他
    unsure = a[a["painpoint_status"] == "uncertain"]
    assert len(unsure) > 0 and (unsure["painpoint"] == "other").mean() < 0.05
    t = unsure["complaint_id"].map(truth).replace({"emerging": "billing"})
    assert (unsure["painpoint"] == t).mean() > 0.4  # a best guess, better than 1 in 12


def test_a_correction_changes_the_next_update_and_versions_keep_their_own(lib):
    before = q(lib, "SELECT * FROM assignments WHERE version = 1 ORDER BY complaint_id")
    row = before[(before["painpoint"] == "billing") & (before["topic_id"] >= 0)].iloc[0]
    res = runner.invoke(app, ["painpoint", "correct", row["complaint_id"], "增值业务乱订", "--library", str(lib.root)])
    assert res.exit_code == 0, res.output
    assert "下次" in res.output
    res = runner.invoke(app, ["update", "--library", str(lib.root)])  # nothing new, but a correction: refit
    assert res.exit_code == 0, res.output
    assert "refitted" in res.output
    assert latest(lib) == 2
    after = q(lib, "SELECT * FROM assignments WHERE version = 2 AND complaint_id = ?", [row["complaint_id"]]).iloc[0]
    assert after["painpoint"] == "subscription" and after["painpoint_source"] == "correction"
    assert after["topic_id"] < 0 or after["topic_id"] != row["topic_id"]  # it left its billing topic
    assert impure(lib, 2) == 0
    pd.testing.assert_frame_equal(before, q(lib, "SELECT * FROM assignments WHERE version = 1 ORDER BY complaint_id"))
    text = q(lib, "SELECT text FROM complaints WHERE complaint_id = ?", [row["complaint_id"]])["text"][0]
    r = TopicClassifier(lib).classify([text])[0]
    assert r["painpoint"] == "subscription" and r.get("in_library")
    res = runner.invoke(app, ["painpoint", "show", row["complaint_id"], "--library", str(lib.root)])
    assert "人工更正" in res.output and "增值业务乱订" in res.output


def test_corrections_file_round_trip_trains_the_next_update(lib, tmp_path):
    out = tmp_path / "更正表.xlsx"
    res = runner.invoke(app, ["painpoint", "template", str(out), "--n", "30", "--library", str(lib.root)])
    assert res.exit_code == 0, res.output
    ws = openpyxl.load_workbook(out).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "工单编号" and "正确痛点" in rows[0] and len(rows) == 31
    status = rows[0].index("痛点状态")
    n_unsure = int(q(lib, "SELECT count(*) AS n FROM assignments WHERE version = 1 AND painpoint_status = "
                          "'uncertain'")["n"][0])
    assert all(r[status] == "不确定" for r in rows[1:1 + min(30, n_unsure)])  # the uncertain ones first
    assert ws.data_validations.dataValidation  # a drop-down of pain points
    col = rows[0].index("正确痛点") + 1
    chosen = {}
    for i, r in enumerate(rows[1:6], start=2):
        ws.cell(row=i, column=col, value="骚扰与信息安全")
        chosen[r[0]] = "security"
    ws.parent.save(out)
    res = runner.invoke(app, ["painpoint", "import", str(out), "--library", str(lib.root)])
    assert res.exit_code == 0 and "imported 5" in res.output, res.output
    update_library(lib)
    got = q(lib, "SELECT complaint_id, painpoint, painpoint_source FROM assignments WHERE version = 2 AND "
                 "complaint_id IN (SELECT unnest(?::VARCHAR[]))", [list(chosen)])
    assert set(got["painpoint"]) == {"security"} and set(got["painpoint_source"]) == {"correction"}
    # a bad pain point anywhere: nothing imported, the row named
    ws.cell(row=7, column=col, value="不存在的痛点")
    ws.parent.save(out)
    res = runner.invoke(app, ["painpoint", "import", str(out), "--library", str(lib.root)])
    assert res.exit_code == 2 and "row 7" in res.output and "nothing imported" in res.output


def test_topic_remap_carries_its_complaints_and_classify_follows(lib):
    a = q(lib, "SELECT topic_id, count(*) AS n FROM assignments WHERE version = 1 AND topic_id >= 0 "
               "GROUP BY 1 ORDER BY n DESC")
    tid = int(a["topic_id"][0])
    res = runner.invoke(app, ["topics", "painpoint", str(tid), "终端设备", "--library", str(lib.root)])
    assert res.exit_code == 0, res.output
    m = q(lib, "SELECT painpoint, painpoint_source FROM assignments WHERE version = 1 AND topic_id = ?", [tid])
    assert set(m["painpoint"]) == {"device"} and impure(lib, 1) == 0
    text = q(lib, "SELECT c.text FROM assignments a JOIN complaints c USING (complaint_id) "
                  "WHERE a.version = 1 AND a.topic_id = ? LIMIT 1", [tid])["text"][0]
    r = TopicClassifier(lib).classify([text])[0]
    assert r["topic_id"] == tid and r["painpoint"] == "device"


def test_classify_gives_a_library_text_what_the_library_holds(base):
    lib = base["library"]
    a = q(lib, "SELECT c.text, a.topic_id, a.painpoint FROM assignments a JOIN complaints c USING (complaint_id) "
               "WHERE a.version = 1")
    res = TopicClassifier(lib, top_k=0).classify(a["text"].tolist())
    topics = np.array([-1 if r["topic_id"] is None else r["topic_id"] for r in res])
    assert (topics == a["topic_id"].to_numpy()).mean() >= 0.99
    assert (np.array([r["painpoint"] for r in res]) == a["painpoint"].to_numpy()).mean() >= 0.99
    # a new text: its own pain point, and a topic only of that pain point
    new = TopicClassifier(lib, top_k=0).classify(["再不解决就携号转网,家里信号太差打电话老是掉线"])[0]
    assert new["painpoint"] == "network" and not new.get("in_library")
    if new["topic_id"] is not None:
        pp = q(lib, "SELECT painpoint FROM topics WHERE version = 1 AND topic_id = ?", [new["topic_id"]])
        assert pp["painpoint"][0] == "network"


def _with_category(src, dst, ids, category):
    df = pd.read_csv(src, dtype=str)
    df["工单类别"] = np.where(df["工单编号"].isin(ids), category, "")
    df.to_csv(dst, index=False)


def test_operator_category_supervision_changes_the_next_fit(base, tmp_path):
    """The mapping file names the attribute (here 工单类别, configurable) and the pain points each
    category covers; complaints of a mapped category are decided among those only."""
    lex = tmp_path / "lex"
    shutil.copytree(ROOT / "lexicons", lex)
    (lex / "operator_categories.yaml").write_text("column: [工单类别]\ncategories:\n  信息安全问题: [security, business]\n",
                                                  encoding="utf-8")
    network = [c for c, p in base["truth"].items() if p == "network"][:40]
    _with_category(base["data"] / "complaints.csv", tmp_path / "c.csv", network, "信息安全问题")
    lib = resolve_library(tmp_path / "lib")
    ingest_file(lib, "complaints", tmp_path / "c.csv")
    fit_library(lib, embedder="lexical", clustering="kmeans", n_topics=30, lexicons=str(lex))
    got = q(lib, "SELECT complaint_id, painpoint, painpoint_source FROM assignments WHERE complaint_id IN "
                 "(SELECT unnest(?::VARCHAR[]))", [network])
    assert len(got) == len(set(network) & set(q(lib, "SELECT complaint_id FROM complaints")["complaint_id"]))
    assert set(got["painpoint"]) <= {"security", "business"} and set(got["painpoint_source"]) == {"operator_category"}
    before = q(base["library"], "SELECT painpoint FROM assignments WHERE version = 1 AND complaint_id IN "
                                "(SELECT unnest(?::VARCHAR[]))", [network])
    assert (before["painpoint"] == "network").mean() > 0.8  # without the category they were network


def test_a_library_written_before_painpoints_per_complaint_still_opens(tmp_path):
    import duckdb

    lib = resolve_library(tmp_path / "old")
    lib.ensure()
    con = duckdb.connect(str(lib.db_path))
    con.execute("CREATE TABLE meta (key VARCHAR, value VARCHAR); INSERT INTO meta VALUES ('schema_version', '1')")
    con.execute("CREATE TABLE assignments (version INTEGER, complaint_id VARCHAR, topic_id INTEGER, "
                "painpoint VARCHAR, confidence DOUBLE, method VARCHAR)")
    con.execute("INSERT INTO assignments VALUES (1, 'a', 3, 'network', 0.5, 'cluster'), (1, 'b', -1, 'other', 0, 'outlier')")
    con.close()
    got = q(lib, "SELECT complaint_id, painpoint_status, painpoint_source FROM assignments ORDER BY 1")  # read-only
    assert got["painpoint_status"].tolist() == ["assigned", "uncertain"] and set(got["painpoint_source"]) == {"topic"}
    assert q(lib, "SELECT count(*) AS n FROM painpoint_corrections")["n"][0] == 0
    with open_store(lib, write=True) as s:  # a writer upgrades the file
        assert s.scalar("SELECT value FROM meta WHERE key = 'schema_version'") == "2"
    con = duckdb.connect(str(lib.db_path), read_only=True)
    cols = {r[0] for r in con.execute("DESCRIBE assignments").fetchall()}
    con.close()
    assert {"painpoint_status", "painpoint_confidence", "painpoint_evidence"} <= cols


@pytest.mark.skipif(not (SHARED_DATA / "weibo_telecom_helpdesk.csv").exists(), reason="needs ../shared/data")
def test_classify_agrees_with_the_real_weibo_library(tmp_path):
    """≥ 99% of the real Weibo complaints get back the topic and pain point the library holds."""
    src = pd.read_csv(SHARED_DATA / "weibo_telecom_helpdesk.csv", dtype={"id": str})
    src[["id", "text"]].rename(columns={"id": "投诉编号", "text": "投诉内容"}).to_csv(tmp_path / "w.csv", index=False)
    lib = resolve_library(tmp_path / "lib")
    ingest_file(lib, "complaints", tmp_path / "w.csv")
    fit_library(lib, embedder="lexical")
    a = q(lib, "SELECT complaint_id, topic_id, painpoint FROM assignments ORDER BY complaint_id")
    raw = dict(zip(src["id"], src["text"]))
    res = TopicClassifier(lib, top_k=0).classify([raw[i] for i in a["complaint_id"]])  # raw, as a user pastes it
    topics = np.array([-1 if r["topic_id"] is None else r["topic_id"] for r in res])
    assert (topics == a["topic_id"].to_numpy()).mean() >= 0.99
    assert (np.array([r["painpoint"] for r in res]) == a["painpoint"].to_numpy()).mean() >= 0.99
    assert impure(lib, 1) == 0


def test_outputs_count_uncertain_complaints_under_their_best_guess_not_other(base, tmp_path):
    """export shows each complaint's status (不确定 in Chinese) and keeps the best guess; the report counts
    the uncertain ones per pain point instead of filing them under 其他."""
    lib = base["library"]
    a = q(lib, "SELECT complaint_id, painpoint, painpoint_status, received_at FROM assignments "
               "JOIN complaints USING (complaint_id) WHERE version = 1")
    unsure = a[a["painpoint_status"] == "uncertain"]
    assert len(unsure) > 0
    res = runner.invoke(app, ["export", "--out", str(tmp_path / "x.csv"), "--library", str(lib.root)])
    assert res.exit_code == 0, res.output
    x = pd.read_csv(tmp_path / "x.csv", dtype=str)
    status = next(c for c in x.columns if "痛点状态" in c or c == "painpoint_status")
    assert set(x[status].dropna()) == {"确定", "不确定"}
    assert (x[status] == "不确定").sum() == len(unsure)
    other = "其他"
    pp_col = next(c for c in x.columns if c == "痛点")
    assert (x.loc[x[status] == "不确定", pp_col] == other).mean() < 0.05  # the best guess, not 其他
    month = pd.to_datetime(unsure["received_at"]).dt.strftime("%Y-%m").value_counts().index[0]
    res = runner.invoke(app, ["report", "--period", month, "--out", str(tmp_path / "r"), "--library", str(lib.root)])
    assert res.exit_code == 0, res.output
    md = next((tmp_path / "r").glob("*.md")).read_text(encoding="utf-8")
    assert "其中不确定" in md and "痛点不确定" in md
    n_month = int((pd.to_datetime(unsure["received_at"]).dt.strftime("%Y-%m") == month).sum())
    assert f"本期 {n_month:,} 件投诉" in md
