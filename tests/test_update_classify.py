"""`complaints update` (assign, emerging topics, drift, no-op) and `complaints classify` (fields, JSON,
stdin, files, supervised, bad inputs, missing artifacts), on generated data with real fits."""

import json
import os
import random
import subprocess
import sys

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from complaints.config import resolve_library
from complaints.demo.generate import generate
from complaints.demo.vocabulary import EMERGING_TEMPLATES
from complaints.ingest.pipeline import ingest_file
from complaints.topics.fit import FitError, fit_library, fit_lock
from complaints.topics.update import update_library

from .conftest import ROOT, split_complaints_csv

runner = CliRunner()
CUT = "2026-09-01"


def _planted_emerging(path, n=80, seed=1):
    """A new kind of complaint the fitted model has never seen: double charging after a billing upgrade."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        text = rng.choice(EMERGING_TEMPLATES).format(
            date=rng.choice(["上周", "10月5号", "前天"]), fee_thing=rng.choice(["月租", "流量包", "宽带费", "套餐费"]),
            amount_big=rng.choice([58, 128, 199]), amount=rng.choice([10, 30, 58]),
            plan=rng.choice(["5G畅享套餐", "任我看套餐"]), days=rng.choice([3, 5, 7]))
        rows.append([f"EM{i:04d}", f"1390000{i:04d}", f"2026-10-{1 + i % 28:02d} 10:00:00", "10086热线", "杭州",
                     text + rng.choice(["，请尽快处理", "。退钱！", "，给个说法"])])
    pd.DataFrame(rows, columns=["工单编号", "手机号码", "受理时间", "受理渠道", "地市", "投诉内容"]).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    base = tmp_path_factory.mktemp("upd")
    data = base / "data"
    generate(data, n_customers=1800, seed=11)
    split_complaints_csv(data / "complaints.csv", data / "early.csv", data / "late.csv", CUT)
    library = resolve_library(base / "lib")
    ingest_file(library, "customers", data / "customers.csv")
    ingest_file(library, "complaints", data / "early.csv")
    fit_library(library, embedder="lexical")
    truth = json.loads((data / "ground_truth.json").read_text(encoding="utf-8"))["complaint_pain_points"]
    return {"library": library, "data": data, "truth": truth}


def q(library, sql, params=None):
    con = duckdb.connect(str(library.db_path), read_only=True)
    try:
        return con.execute(sql, params or []).df()
    finally:
        con.close()


def test_update_assigns_new_complaints_then_does_nothing_when_nothing_is_new(lib):
    library = lib["library"]
    ingest_file(library, "complaints", lib["data"] / "late.csv")
    res = update_library(library)
    assert res.version == 2 and res.parent_version == 1 and not res.nothing_new
    late = q(library, "SELECT a.complaint_id, a.topic_id, a.painpoint, a.method, a.confidence FROM assignments a "
                      "WHERE version = 2 AND complaint_id NOT IN (SELECT complaint_id FROM assignments WHERE version = 1)")
    assert len(late) == res.new_complaints > 100
    assigned = late[late["method"] == "update"]
    assert len(assigned) / len(late) > 0.7
    assert (assigned["confidence"] > 0).all() and (assigned["topic_id"] >= 0).all()
    truth = assigned["complaint_id"].map(lib["truth"])
    agree = (truth == assigned["painpoint"]).mean()
    assert agree > 0.7, agree  # a new complaint lands on a topic of its true pain point
    # earlier assignments are carried over unchanged
    v1 = q(library, "SELECT complaint_id, topic_id FROM assignments WHERE version = 1 ORDER BY 1")
    v2 = q(library, "SELECT complaint_id, topic_id FROM assignments WHERE version = 2 AND complaint_id IN "
                    "(SELECT complaint_id FROM assignments WHERE version = 1) ORDER BY 1")
    assert v1.equals(v2)
    kinds = q(library, "SELECT version, kind, parent_version FROM model_versions ORDER BY 1")
    assert kinds.values.tolist()[-1] == [2, "update", 1]
    drift = q(library, "SELECT * FROM drift WHERE version = 2")
    assert drift["n_now"].sum() == res.new_complaints and drift["n_prev"].sum() > 0

    again = update_library(library)  # cron: nothing arrived since
    assert again.nothing_new and again.version is None
    assert q(library, "SELECT max(version) AS v FROM model_versions")["v"][0] == 2
    r = runner.invoke(app, ["update", "--library", str(library.root)])
    assert r.exit_code == 0 and "nothing new since model version 2" in r.output


def test_an_issue_told_in_words_the_model_never_saw_is_found_by_its_signature():
    """In the fitted embedder's space a new issue's complaints can look loose (their telling words
    are unknown to it); a word most of them share and the existing topics' complaints lack still
    makes them an emerging topic. Ordinary leftovers with no such word do not."""
    import numpy as np

    from complaints.topics.emerging import EmergingTopics

    rng = np.random.default_rng(0)
    vocab = [f"词{i}" for i in range(200)]  # what the library's complaints already say
    background = [[list(rng.choice(vocab, 6)) for _ in range(60)] for _ in range(6)]
    planted = [["系统升级", "重复扣费", *rng.choice(vocab, 4)] for _ in range(30)]
    planted += [["系统升级", "多扣", *rng.choice(vocab, 4)] for _ in range(10)]
    leftovers = [list(rng.choice(vocab, 6)) for _ in range(60)]
    tokens = planted + leftovers
    # in the model's space the planted rows lean one way only a little: loose, as unknown words make them
    vectors = rng.normal(size=(len(tokens), 32))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    lean = rng.normal(size=32)
    vectors[:40] += 0.3 * lean / np.linalg.norm(lean)
    finder = EmergingTopics(min_size=10, min_coherence=0.6).fit(vectors, tokens, background)
    assert len(finder.groups_) == 1, finder.groups_
    group = finder.groups_[0]
    assert len(group) >= 30 and (group < 40).mean() > 0.9
    assert finder.signatures_ == ["系统升级"] and finder.coherence_[0] < 0.6
    # without the signature test the same loose group is not a topic
    strict = EmergingTopics(min_size=10, min_coherence=0.6, signature_lift=float("inf")).fit(vectors, tokens, background)
    assert strict.groups_ == []


def test_a_new_kind_of_complaint_becomes_an_emerging_topic(lib):
    library = lib["library"]
    ingest_file(library, "complaints", _planted_emerging(lib["data"] / "emerging.csv"))
    r = runner.invoke(app, ["update", "--library", str(library.root), "--json"])
    assert r.exit_code == 0, r.output
    res = json.loads(r.output)
    assert res["emerging"], res
    v = res["version"]
    members = q(library, "SELECT a.topic_id, a.complaint_id FROM assignments a JOIN topics t USING (topic_id) "
                         "WHERE a.version = ? AND t.version = ? AND t.status = 'emerging'", [v, v])
    assert len(members) >= 20
    assert members["complaint_id"].str.startswith("EM").mean() > 0.9  # groups of the planted complaints only
    words = {w for e in res["emerging"] for w in e["keywords"]}
    assert words & {"系统升级", "重复扣费", "双倍"}, words
    # the word new to the library that the issue is told with
    assert {e["signature"] for e in res["emerging"]} & {"系统升级", "重复扣费", "双倍扣费"}, res["emerging"]
    topics = q(library, "SELECT topic_id, first_version, painpoint, examples FROM topics WHERE version = ? "
                        "AND status = 'emerging'", [v])
    assert (topics["first_version"] == v).all()
    assert "billing" in set(topics["painpoint"])  # double charging is a billing dispute
    assert all(json.loads(x) for x in topics["examples"])
    new_ids = set(topics["topic_id"])
    earlier = set(q(library, "SELECT topic_id FROM topics WHERE version = ?", [v - 1])["topic_id"])
    assert not new_ids & earlier  # fresh stable ids
    drift = q(library, "SELECT topic_id, is_new FROM drift WHERE version = ?", [v])
    assert set(drift[drift["is_new"]]["topic_id"]) == new_ids
    r = runner.invoke(app, ["drift", "--library", str(library.root), "--json"])
    assert r.exit_code == 0 and {d["topic_id"] for d in json.loads(r.output) if d["is_new"]} == new_ids
    # classify now knows the emerging topics: a fresh complaint like an example of the largest one
    biggest = max(res["emerging"], key=lambda e: e["size"])["topic_id"]
    example = q(library, "SELECT c.text FROM complaints c WHERE complaint_id = ?",
                [json.loads(topics.set_index("topic_id")["examples"][biggest])[0]])["text"][0]
    r = runner.invoke(app, ["classify", "--library", str(library.root), "--json", "--top-k", "2",
                            example.replace("，", "。") + "太离谱了"])
    out = json.loads(r.output.strip().splitlines()[0])
    assert out["topic_id"] == biggest and out["similar"][0]["complaint_id"].startswith("EM")


def test_curated_label_survives_update_and_refit(lib):
    library = lib["library"]
    top = q(library, "SELECT topic_id FROM topics WHERE version = (SELECT max(version) FROM topics) AND "
                     "status = 'active' ORDER BY size DESC LIMIT 1")["topic_id"][0]
    assert runner.invoke(app, ["topics", "rename", str(top), "分析师标签", "--library", str(library.root)]).exit_code == 0
    r = runner.invoke(app, ["topics", "list", "--json", "--library", str(library.root)])
    assert {t["topic_id"]: t["label"] for t in json.loads(r.output)}[int(top)] == "分析师标签"
    example = q(library, "SELECT c.text FROM assignments a JOIN complaints c USING (complaint_id) WHERE a.version = "
                         "(SELECT max(version) FROM assignments) AND a.topic_id = ? AND a.method = 'cluster' "
                         "ORDER BY a.confidence DESC LIMIT 1", [int(top)])["text"][0]
    r = runner.invoke(app, ["classify", "--json", "--library", str(library.root), example])
    got = json.loads(r.output.strip())
    assert got["topic_id"] == top and got["topic_label"] == "分析师标签"  # classify sees curation at once

    _planted_emerging(lib["data"] / "more.csv", n=5, seed=9)
    more = pd.read_csv(lib["data"] / "more.csv").assign(工单编号=lambda d: "MORE" + d["工单编号"])
    more.to_csv(lib["data"] / "more.csv", index=False)
    ingest_file(library, "complaints", lib["data"] / "more.csv")
    res = update_library(library)
    assert res.version is not None
    labels = q(library, "SELECT t.topic_id, coalesce(c.label, t.label) AS label FROM topics t LEFT JOIN curation c "
                        "USING (topic_id) WHERE t.version = ?", [res.version])
    assert labels.set_index("topic_id")["label"][int(top)] == "分析师标签"

    refit = fit_library(library, embedder="lexical")
    assert int(top) in refit.carried_topic_ids
    r = runner.invoke(app, ["topics", "show", str(top), "--json", "--library", str(library.root)])
    shown = json.loads(r.output)
    assert shown["label"] == "分析师标签" and shown["lineage"]  # lineage: which old ids it came from
    r = runner.invoke(app, ["classify", "--json", "--library", str(library.root), example])
    assert json.loads(r.output.strip())["topic_label"] == "分析师标签"


def test_classify_fields_table_json_stdin_and_file(lib, tmp_path):
    lib_dir = str(lib["library"].root)
    r = runner.invoke(app, ["classify", "--library", lib_dir, "--json", "--top-k", "3",
                            "携号转网一直说我有合约，不给授权码，我的号码13812345678",
                            "家里信号太差，打电话老是掉线，网速也慢"])
    assert r.exit_code == 0, r.output
    lines = [json.loads(x) for x in r.output.strip().splitlines()]
    assert len(lines) == 2
    first = lines[0]
    for key in ("topic_id", "topic_label", "painpoint", "painpoint_name", "department", "confidence", "keywords",
                "similar", "model_version", "status"):
        assert key in first
    assert first["painpoint"] == "porting" and first["department"]
    assert "13812345678" not in r.output and "<手机号>" in first["text"]
    assert len(first["similar"]) == 3 and all({"complaint_id", "date", "snippet"} <= set(s) for s in first["similar"])
    assert lines[1]["painpoint"] == "network"

    r = runner.invoke(app, ["classify", "--library", lib_dir, "携号转网一直说我有合约，不给授权码"])
    assert r.exit_code == 0 and "pain point" in r.output and "携号转网受阻" in r.output and "similar" in r.output

    r = runner.invoke(app, ["classify", "--library", lib_dir, "--json", "--top-k", "0"],
                      input="宽带又断网了，师傅一直不上门\n\n话费被乱扣了三十块\n")
    got = [json.loads(x) for x in r.output.strip().splitlines()]
    assert len(got) == 2 and got[0]["similar"] == [] and got[1]["painpoint"] == "billing"

    f = tmp_path / "new.csv"
    pd.DataFrame({"工单编号": ["N1", "N2", "N3"], "投诉内容": ["信号差，经常没有服务", "", "乱扣费，扣了我的话费"]}).to_csv(f, index=False)
    r = runner.invoke(app, ["classify", "--library", lib_dir, "--json", "--file", str(f)])
    rows = [json.loads(x) for x in r.output.strip().splitlines()]
    assert [x["complaint_id"] for x in rows] == ["N1", "N2", "N3"]
    assert rows[1]["status"] == "empty" and "row 3" in rows[1]["error"] and rows[0]["status"] != "empty"


def test_classify_bad_inputs_get_sensible_answers(lib):
    lib_dir = str(lib["library"].root)
    r = runner.invoke(app, ["classify", "--library", lib_dir, ""])
    assert r.exit_code == 2 and "empty" in r.output
    r = runner.invoke(app, ["classify", "--library", lib_dir, "--json", "！！！。。。？？", "😀😡👍", "hello world, no chinese",
                            "网速" * 50_000])
    assert r.exit_code == 0, r.output
    punct, emoji, english, huge = [json.loads(x) for x in r.output.strip().splitlines()]
    for low in (punct, emoji, english):
        assert low["topic_id"] is None and low["confidence"] == 0.0 and low["status"] in ("no_content", "unassigned")
    assert huge["truncated_to_chars"] == 5000 and len(huge["text"]) < 200


def test_missing_or_corrupt_artifact_names_the_file_and_the_fix(lib, tmp_path):
    import shutil

    src = lib["library"].root
    copy = tmp_path / "lib"
    shutil.copytree(src, copy)
    current = json.loads((copy / "models" / "current.json").read_text())
    folder = (copy / "models" / os.path.basename(os.path.dirname(current["classify"])) / "classify")
    (copy / "models" / "current.json").write_text(json.dumps({"version": current["version"],
                                                              "classify": str(folder)}))
    (folder / "topics.json").write_text("{broken", encoding="utf-8")
    r = runner.invoke(app, ["classify", "--library", str(copy), "信号差"])
    assert r.exit_code == 2 and "topics.json" in r.output and "complaints fit" in r.output
    (folder / "centroids.npy").unlink()
    (copy / "models" / "current.json").unlink()
    r = runner.invoke(app, ["classify", "--library", str(copy), "信号差"])
    assert r.exit_code == 2 and "current.json" in r.output and "complaints fit" in r.output


def test_supervised_label_and_probability_when_a_classifier_is_trained(lib):
    lib_dir = str(lib["library"].root)
    r = runner.invoke(app, ["train-classifier", "--label-column", "投诉类别", "--library", lib_dir])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["classify", "--library", lib_dir, "--json", "携号转网一直说我有合约，不给授权码"])
    sup = json.loads(r.output.strip())["supervised"]
    assert sup["label"] and 0 < sup["probability"] <= 1
    assert sup["label"] == "携号转网受阻"


def test_update_refuses_to_run_alongside_another_fit(lib):
    with fit_lock(lib["library"]):
        with pytest.raises(FitError, match="already running"):
            update_library(lib["library"])


def test_classify_imports_neither_bertopic_nor_torch(lib):
    code = ("import sys; from complaints.config import resolve_library; from complaints.classify.topic_classifier import TopicClassifier;"
            f"c = TopicClassifier(resolve_library({str(lib['library'].root)!r}));"
            "r = c.classify(['信号太差，老是掉线']); assert r[0]['painpoint'];"
            "print(sorted(m for m in ('bertopic', 'torch', 'umap', 'hdbscan', 'sentence_transformers', 'duckdb') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_similar_complaint_snippets_skip_leading_masked_mentions(tmp_path):
    """A weibo complaint opens with @mentions, masked to <账号>: the snippet starts at the complaint."""
    from complaints.store import open_store
    from complaints.topics.compact import neighbour_meta

    from .conftest import write_csv

    lib = resolve_library(tmp_path / "lib")
    src = write_csv(tmp_path / "w.csv", ["编号", "发布时间", "内容"],
                    [["W1", "2026-06-01", "@中国电信 @中国电信客服 整个小区每周四开始断网"],
                     ["W2", "2026-06-02", "宽带@中国电信客服 断网三天"]])
    ingest_file(lib, "complaints", src, {"编号": "complaint_id", "内容": "text"})
    with open_store(lib) as store:
        meta = neighbour_meta(store, ["W1", "W2"])
    assert meta["snippets"] == ["整个小区每周四开始断网", "宽带<账号> 断网三天"]
    assert meta["dates"] == ["2026-06-01", "2026-06-02"]


def test_update_and_drift_on_undated_complaints_say_there_is_no_period_to_compare(tmp_path):
    """Complaints without a date (a weibo export) still update; the drift says why it has no 'before'."""
    generate(tmp_path / "data", n_customers=700, seed=21)
    df = pd.read_csv(tmp_path / "data" / "complaints.csv", dtype=str).drop(columns=["受理时间"])
    df.iloc[: len(df) - 150].to_csv(tmp_path / "a.csv", index=False)
    df.iloc[len(df) - 150:].to_csv(tmp_path / "b.csv", index=False)
    library = resolve_library(tmp_path / "lib")
    ingest_file(library, "complaints", tmp_path / "a.csv")
    fit_library(library, embedder="lexical")
    ingest_file(library, "complaints", tmp_path / "b.csv")
    for cmd in (["update"], ["drift"]):
        r = runner.invoke(app, [*cmd, "--library", str(library.root)], env={"COLUMNS": "200"})
        assert r.exit_code == 0, r.output
        assert "undated, so no period before to compare with" in r.output, r.output
        assert "None" not in r.output and "NaT" not in r.output, r.output
    r = runner.invoke(app, ["drift", "--library", str(library.root), "--json"])
    rows = json.loads(r.output)
    assert sum(x["n_now"] for x in rows) == 150 and all(x["period_start"] is None for x in rows)


def test_emerging_keywords_are_words_several_members_use():
    from complaints.topics.emerging import ctfidf_keywords

    group = [["老用户", "量少", "套餐"], ["老用户", "我费", "合约"], ["老用户", "合约", "新用户"]]
    background = [[["信号", "差"], ["信号", "基站"]], [["套餐", "资费"]]]
    words = [w for w, _ in ctfidf_keywords([group, *background], top_n=10)[0]]
    assert set(words) == {"老用户", "合约"}  # 量少 / 我费: one complaint's odd token each
    # a group whose members share no word keeps its words rather than none
    assert ctfidf_keywords([[["甲乙"], ["丙丁"]], [["戊"]]], top_n=5)[0]
