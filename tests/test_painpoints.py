"""The pain-point stage on its own: taxonomy file, evidence, the classifier, persistence, the light path."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from complaints.errors import InputFileError
from complaints.painpoints.classifier import PainPointClassifier
from complaints.painpoints.evidence import EvidenceScorer
from complaints.painpoints.operators import load_operator_mapping
from complaints.painpoints.persist import load_painpoint_model, save_painpoint_model
from complaints.painpoints.taxonomy import load_not_a_complaint, load_taxonomy, taxonomy_fingerprint
from complaints.text.segment import Segmenter

from .conftest import ROOT


@pytest.fixture(scope="module")
def seg():
    return Segmenter()


@pytest.fixture(scope="module")
def scorer():
    from complaints.text.lexicons import Lexicons

    return EvidenceScorer(load_taxonomy(), Lexicons.load().synonyms)


def top(scorer, seg, text):
    scores, why = scorer.evidence(text, seg.cut(text))
    j = int(scores.argmax())
    return (scorer.keys[j] if scores[j] > 0 else "other"), dict(zip(scorer.keys, scores)), why[j]


def lexicon_folder(tmp_path, yaml_text):
    folder = tmp_path / "lex"
    folder.mkdir()
    for f in ("userdict.txt", "stopwords.txt", "synonyms.txt"):
        (folder / f).write_text((ROOT / "lexicons" / f).read_text("utf-8"), "utf-8")
    (folder / "painpoints.yaml").write_text(textwrap.dedent(yaml_text), encoding="utf-8")
    return folder


def test_a_threat_to_port_out_is_not_a_porting_obstruction(scorer, seg):
    """"再不解决就携号转网" threatens to leave over another problem; "不给授权码" is the obstruction itself."""
    key, scores, _ = top(scorer, seg, "信号太差了,打电话老是掉线,再不解决就携号转网")
    assert key == "network" and scores["porting"] == 0
    key, scores, _ = top(scorer, seg, "我准备携号转网了,宽带三天两头断网")
    assert key == "broadband" and scores["porting"] == 0
    key, _, why = top(scorer, seg, "营业厅不给授权码,说有合约不让携号转网")
    assert key == "porting" and "授权码" in why


def test_longest_match_and_ascii_words_are_not_cut(scorer, seg):
    """无服务 is the network's 'no service', not 服务态度; 4G信号 still shows 信号; SP is not inside HSPA."""
    key, scores, _ = top(scorer, seg, "手机一直显示无服务")
    assert key == "network" and scores["service"] == 0
    assert "4G信号" in top(scorer, seg, "家里4G信号很弱")[2]
    _, scores, _ = top(scorer, seg, "HSPA网络")
    assert scores["subscription"] == 0
    assert top(scorer, seg, "被订了SP业务扣了信息费")[0] == "subscription"


def test_praise_without_complaint_markers_is_other():
    nac = load_not_a_complaint()
    assert nac.praise_in("营业员态度超耐心,表扬一下")
    assert not nac.praise_in("营业员态度差,投诉")


def test_a_seeds_only_taxonomy_still_loads_and_unknown_fields_are_errors(tmp_path):
    folder = lexicon_folder(tmp_path, """
        painpoints:
          - key: network
            name: 网络质量
            seeds: [信号, 网]
          - key: billing
            name: 资费争议
            seeds: [扣费]
    """)
    tax = load_taxonomy(folder)
    assert [p.key for p in tax] == ["network", "billing", "other"]  # 其他 added when missing
    assert tax[0].entries() == {"信号": 1.0, "网": 1.0}
    before = taxonomy_fingerprint(folder)
    (folder / "painpoints.yaml").write_text((folder / "painpoints.yaml").read_text("utf-8").replace(
        "seeds: [扣费]", "seeds: [扣费]\n    phrase: [乱扣费]"), encoding="utf-8")
    assert taxonomy_fingerprint(folder) != before
    with pytest.raises(InputFileError, match="unknown field phrase"):
        load_taxonomy(folder)


def test_operator_mapping_names_unknown_keys(tmp_path):
    folder = lexicon_folder(tmp_path, "painpoints:\n  - {key: network, name: 网络质量, seeds: [信号]}\n")
    (folder / "operator_categories.yaml").write_text("column: 投诉类别\ncategories:\n  网络问题: [network, nope]\n",
                                                     encoding="utf-8")
    with pytest.raises(InputFileError, match="nope"):
        load_operator_mapping(folder, [p.key for p in load_taxonomy(folder)])
    m = load_operator_mapping()  # the shipped file
    assert m.columns == ("投诉类别",) and m.allowed(['{"投诉类别": "网络问题"}', None, "{}"])[0][0] == "network"


def _corpus(seg):
    rng = np.random.default_rng(0)
    porting = ["携号转网被拒,营业厅不给授权码", "携转失败,说我有合约不给办", "申请携号转网一直收不到授权码"]
    network = ["家里信号太差,电话老是掉线", "地下室没有信号打不通电话", "4G网速慢,上网卡顿"]
    mixed = ["营业厅的人说老号码走不了,跑了三趟", "老号码想转走,跑了三趟都不给办"]  # no porting word at all
    texts = [rng.choice(porting) + f"第{i}次" for i in range(80)] + [rng.choice(network) + f"第{i}次" for i in range(80)]
    texts += [rng.choice(mixed) + f"第{i}次" for i in range(20)]
    return texts, [seg.cut(t) for t in texts]


def test_classifier_learns_words_the_taxonomy_lacks_and_round_trips(seg, tmp_path):
    texts, tokens = _corpus(seg)
    m = PainPointClassifier(min_train=20).fit(texts, tokens)
    assert m.n_pseudo_ > 100 and m.coef_ is not None
    out = m.predict(texts, tokens)
    assert {r["painpoint"] for r in out[:80]} == {"porting"} and {r["painpoint"] for r in out[80:160]} == {"network"}
    assert all(r["status"] in ("assigned", "uncertain") and 0 <= r["confidence"] <= 1 for r in out)
    assert all(r["evidence"] for r in out[:160])  # the words that decided
    save_painpoint_model(m, tmp_path / "pp", fingerprint="abc")
    back = load_painpoint_model(tmp_path / "pp")
    assert back.fingerprint_ == "abc" and back.predict(texts, tokens) == out
    assert not list(tmp_path.glob("pp/*.pkl"))


def test_corrections_are_remembered_and_outweigh_pseudo_labels(seg):
    texts, tokens = _corpus(seg)
    labels = [None] * len(texts)
    labels[0] = "service"  # an analyst says this one is about how it was handled
    m = PainPointClassifier(min_train=20).fit(texts, tokens, labels=labels)
    r = m.predict([texts[0]], [tokens[0]])[0]
    assert r["painpoint"] == "service" and r["source"] == "correction" and r["confidence"] == 1.0
    with pytest.raises(ValueError, match="not a pain-point key"):
        PainPointClassifier().fit(texts, tokens, labels=["nope"] + [None] * (len(texts) - 1))


def test_operator_category_limits_the_choice(seg):
    texts, tokens = _corpus(seg)
    m = PainPointClassifier(min_train=20).fit(texts, tokens)
    r = m.predict([texts[0]], [tokens[0]], allowed=[["network", "broadband"]])[0]
    assert r["painpoint"] in ("network", "broadband") and r["source"] == "operator_category"


def test_training_set_is_capped_for_large_libraries(seg):
    texts, tokens = _corpus(seg)
    m = PainPointClassifier(min_train=20, max_train=60).fit(texts, tokens)
    assert m.n_pseudo_ <= 62  # sampled per class, rounded


def test_loading_and_predicting_imports_no_heavy_library(seg, tmp_path):
    texts, tokens = _corpus(seg)
    save_painpoint_model(PainPointClassifier(min_train=20).fit(texts, tokens), tmp_path / "pp")
    code = ("import sys; from complaints.painpoints.persist import load_painpoint_model;"
            f"m = load_painpoint_model({str(tmp_path / 'pp')!r});"
            "r = m.predict(['营业厅不给授权码'], [['营业厅', '不给', '授权码']]); assert r[0]['painpoint'] == 'porting';"
            "print(sorted(x for x in ('sklearn', 'pandas', 'duckdb', 'bertopic', 'torch') if x in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
