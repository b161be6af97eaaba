"""Topics follow the customer's problem, not the ticket form, through the real CLI on real-style tickets
(tests/real_style.py): the learned form (fit learns, saves, shows; update and classify load it),
places and emoticons out of keywords and labels, readable labels, the share placed only by outlier
reduction, and emerging topics that are real (a planted issue found, chit-chat rejected)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import normalized_mutual_info_score as nmi
from typer.testing import CliRunner

from cli import app
from complaints.text.lexicons import BUNDLED, Lexicons
from complaints.text.normalize import normalize_text
from complaints.text.places import PlaceFilter
from complaints.topics.content import ContentGate
from complaints.topics.labels import LabelPicker
from complaints.topics.modelform import domain_words

from .real_style import CUSTOMERS, POLITE, STAFF, fixture_lines, tickets, write

runner = CliRunner()


def cli(*args: str) -> str:
    res = runner.invoke(app, list(args), catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.output


def q(lib: Path, sql: str, params=None) -> pd.DataFrame:
    con = duckdb.connect(str(lib / "library.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).df()
    finally:
        con.close()


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    root = tmp_path_factory.mktemp("realstyle")
    df = tickets(560, seed=3)
    lib = root / "lib"
    cli("ingest", "complaints", str(write(df, root / "tickets.csv")), "--library", str(lib))
    fit = json.loads(cli("fit", "--library", str(lib), "--json"))
    return {"root": root, "lib": lib, "df": df, "fit": fit}


def topics(lib: Path, version: int) -> pd.DataFrame:
    return q(lib, "SELECT topic_id, label, keywords, size FROM topics WHERE version = ? AND status <> 'merged'",
             [version])


def test_fit_learns_the_form_saves_it_and_reports_the_outlier_share(fitted):
    lib, fit = fitted["lib"], fitted["fit"]
    assert fit["form"]["fields"] >= 5 and fit["form"]["boilerplate"] >= 2
    assert 0 <= fit["placed_by_outlier_reduction"] <= 0.5
    a = q(lib, "SELECT method FROM assignments WHERE version = 1")
    assert fit["placed_by_outlier_reduction"] == pytest.approx((a["method"] == "outlier_reduction").mean(), abs=1e-3)
    for folder in (lib / "models" / "v1", lib / "models" / "v1" / "classify"):
        assert (folder / "form.json").exists(), folder
    shown = json.loads(cli("form", "show", "--library", str(lib), "--json"))
    fields = {r["entry"] for r in shown["entries"] if r["kind"] == "field"}
    boiler = {r["entry"] for r in shown["entries"] if r["kind"] == "boilerplate"}
    assert {"主活动名称", "客户问题描述", "渠道类型", "联系电话"} <= fields
    assert "我处查询知识库" in boiler and "请按照如下口径向客户解释" in boiler
    table = cli("form", "show", "--library", str(lib), "--kind", "field")
    assert "类型" in table and "条目" in table and "主活动名称" in table and "我处查询知识库" not in table
    stats = json.loads(cli("stats", "--library", str(lib), "--json"))
    assert stats["learned_form"]["fields"] == fit["form"]["fields"]
    assert stats["placed_by_outlier_reduction"] == pytest.approx(fit["placed_by_outlier_reduction"], abs=1e-3)


def test_the_report_method_section_states_the_outlier_share_and_the_learned_form(fitted, tmp_path):
    lib, fit = fitted["lib"], fitted["fit"]
    cli("report", "--library", str(lib), "--out", str(tmp_path / "r"))
    md = (tmp_path / "r" / "report.md").read_text(encoding="utf-8")
    assert f"{fit['placed_by_outlier_reduction']:.1%}" in md.split("Placed only by outlier reduction")[1][:120]
    assert f"{fit['form']['fields']} 字段 fields" in md.split("Learned ticket form")[1][:120]
    assert "工单表单" in md and "地名" in md  # the method says the form and places stay out of the topics


def test_the_stored_text_keeps_the_form_and_places(fitted):
    lib, df = fitted["lib"], fitted["df"]
    stored = q(lib, "SELECT complaint_id, text FROM complaints").set_index("complaint_id")["text"]
    raw = df.set_index("工单编号")["投诉内容"]
    assert all(stored[i] == normalize_text(raw[i]) for i in raw.index[:100])
    assert stored.str.contains("主活动名称").any() and stored.str.contains("皇姑区").any()


def test_names_in_the_tickets_never_reach_the_library_topics_or_the_learned_form(fitted):
    """Staff names repeat under 操作员 (an agent's name once became a topic keyword), customers sign
    as 联系人 or 张先生: stored text, keywords, labels, examples, `topics show` and the form hold none."""
    lib, df = fitted["lib"], fitted["df"]
    names = STAFF + CUSTOMERS + POLITE
    assert sum(df["投诉内容"].str.contains(n).sum() for n in names) >= 100  # the fixture plants them
    stored = q(lib, "SELECT text FROM complaints")["text"]
    assert stored.str.contains("<姓名>").sum() >= 100
    t = q(lib, "SELECT topic_id, label, keywords, examples FROM topics WHERE version = 1")
    shown = "".join(cli("topics", "show", str(tid), "--library", str(lib)) for tid in t["topic_id"])
    form = cli("form", "show", "--library", str(lib), "--json") + (lib / "models" / "v1" / "form.json").read_text(
        encoding="utf-8")
    for where, text in {"stored": "".join(stored), "topics": t.to_json(force_ascii=False), "topics show": shown,
                        "form": form}.items():
        assert not [n for n in names if n in text], where


def test_topics_follow_the_problem_not_the_form(fitted):
    lib, df = fitted["lib"], fitted["df"]
    a = q(lib, "SELECT complaint_id, topic_id FROM assignments WHERE version = 1").set_index("complaint_id")
    truth = df.set_index("工单编号").loc[a.index]
    by_problem, by_form = nmi(truth["category"], a["topic_id"]), nmi(truth["style"], a["topic_id"])
    assert by_problem > 0.5 and by_problem > 3 * by_form, (by_problem, by_form)


def test_no_place_form_word_or_emoticon_in_keywords_or_labels(fitted):
    lib = fitted["lib"]
    lex = Lexicons.load()
    places = PlaceFilter(lex.places, known_words={w.upper() for w, _, _ in lex.userdict})
    shown = json.loads(cli("form", "show", "--library", str(lib), "--json"))["entries"]
    form_words = {r["entry"] for r in shown if r["kind"] == "word"} | {"主活动", "渠道", "类型", "知识库", "操作员"}
    t = topics(lib, 1)
    words = [w for k in t["keywords"] for w, _ in json.loads(k)]
    words += [w for lab in t["label"] for w in lab.split("·")]
    for city, district, street, compound in [("沈阳", "皇姑区", "长江街", "紫金英郡小区"), ("大连", "甘井子区", "红旗西路", "阳光花园")]:
        assert not {city, city + "市", district, street, compound} & set(words)
    assert not [w for w in words if places(w)], [w for w in words if places(w)]
    assert not form_words & set(words), form_words & set(words)
    assert not {"怒", "泪", "抓狂", "衰"} & set(words)
    assert "姓名" not in words and "手机号" not in words


def test_labels_are_a_phrase_or_a_pair_of_words_used_together(fitted):
    lib = fitted["lib"]
    t = topics(lib, 1)
    a = q(lib, "SELECT a.topic_id, c.text FROM assignments a JOIN complaints c USING (complaint_id) "
               "WHERE a.version = 1")
    from complaints.text.segment import Segmenter
    from complaints.topics.modelform import load_form

    seg = Segmenter(form=load_form(lib / "models" / "v1"))
    for tid, label in zip(t["topic_id"], t["label"]):
        parts = label.split("·")
        assert len(parts) <= 2 and all(len(p) >= 2 for p in parts), label
        docs = [set(seg.cut(x)) for x in a.loc[a["topic_id"] == tid, "text"]]
        if len(parts) == 2:  # a pair: the second word turns up with the first in its complaints
            with_first = [d for d in docs if parts[0] in d]
            assert with_first and sum(parts[1] in d for d in with_first) >= 0.3 * len(with_first), label
        else:  # a phrase: used by a fair share of the topic's own complaints
            joined = ["".join(seg.cut(x)) for x in a.loc[a["topic_id"] == tid, "text"]]
            assert sum(label in j for j in joined) >= 0.15 * len(joined), label


def test_a_curated_label_still_wins(fitted, tmp_path):
    lib = tmp_path / "lib"
    shutil.copytree(fitted["lib"], lib)
    tid = int(topics(lib, 1)["topic_id"].iloc[0])
    cli("topics", "rename", str(tid), "宽带上门安装慢", "--library", str(lib))
    shown = json.loads(cli("topics", "list", "--library", str(lib), "--json"))
    assert {t["label"] for t in shown if t["topic_id"] == tid} == {"宽带上门安装慢"}


def test_update_and_classify_load_the_fitted_form_and_never_relearn(fitted, tmp_path):
    lib = tmp_path / "lib"
    shutil.copytree(fitted["lib"], lib)
    lex = tmp_path / "lex"
    shutil.copytree(BUNDLED, lex)
    (lex / "form.txt").write_text("-field 主活动名称\nword 宣传\n", encoding="utf-8")
    fitted_form = json.loads((lib / "models" / "v1" / "form.json").read_text(encoding="utf-8"))
    new = tickets(60, seed=8, start="2026-09-01")
    cli("ingest", "complaints", str(write(new, tmp_path / "new.csv")), "--library", str(lib))
    res = json.loads(cli("update", "--library", str(lib), "--lexicons", str(lex), "--json"))
    assert res["version"] == 2
    for f in ("form.json", "classify/form.json"):  # the edit waits for the next fit
        assert json.loads((lib / "models" / "v2" / f).read_text(encoding="utf-8")) == fitted_form
    out = json.loads(cli("classify", "主活动名称:校园卡新生优惠活动主活动ID:600012345678渠道类型:营业厅客户问题描述:"
                                      "家里宽带经常断网,光猫亮红灯,重启也没用,客户要求尽快处理。我处查询知识库,无相关网络调整信息。",
                         "--library", str(lib), "--json"))
    assert out["status"] == "assigned" and not {"主活动", "渠道", "知识库"} & set(out["keywords"])
    refit = json.loads(cli("fit", "--library", str(lib), "--lexicons", str(lex), "--json"))
    form = json.loads((lib / "models" / f"v{refit['version']}" / "form.json").read_text(encoding="utf-8"))
    assert "主活动名称" not in form["labels"] and "宣传" in form["form_words"]


def test_a_planted_issue_becomes_an_emerging_topic_and_chitchat_does_not(fitted, tmp_path):
    lib = tmp_path / "lib"
    shutil.copytree(fitted["lib"], lib)
    planted, chat = fixture_lines("planted_esim.txt"), fixture_lines("weibo_chitchat.txt")
    new = tickets(120, seed=9, start="2026-09-01")
    extra = pd.DataFrame({"工单编号": [f"ESIM{i:02d}" for i in range(len(planted))] + [f"CHAT{i:02d}" for i in range(len(chat))],
                          "受理时间": "2026-09-20 10:00:00", "投诉内容": planted + chat})
    cli("ingest", "complaints", str(write(pd.concat([new, extra]), tmp_path / "new.csv")), "--library", str(lib))
    res = json.loads(cli("update", "--library", str(lib), "--json"))
    a = q(lib, "SELECT complaint_id, topic_id FROM assignments WHERE version = 2")
    emerging = {e["topic_id"] for e in res["emerging"]}
    members = a[a["topic_id"].isin(emerging)]
    esim = members["complaint_id"].str.startswith("ESIM")
    assert esim.sum() >= 0.8 * len(planted), res["emerging"]  # recall
    main = members[members["topic_id"] == members.loc[esim, "topic_id"].mode()[0]]
    assert main["complaint_id"].str.startswith("ESIM").mean() >= 0.9, res["emerging"]  # precision
    assert not members["complaint_id"].str.startswith("CHAT").any()
    label = next(e["label"] for e in res["emerging"] if e["topic_id"] == int(main["topic_id"].iloc[0]))
    assert len(label.split("·")) <= 2 and ("ESIM" in label.upper() or "手表" in label), label


def test_content_gate_tells_complaints_from_chitchat():
    from complaints.text.segment import Segmenter

    seg = Segmenter()
    gate = ContentGate(domain_words())
    for text in fixture_lines("weibo_chitchat.txt") + ["在吗", "好的谢谢", "哈哈哈哈"]:
        assert not gate.is_complaint(seg.cut(text)), text
    for text in fixture_lines("planted_esim.txt")[:5] + ["家里宽带经常断网,光猫亮红灯", "4G信号很差打不了电话"]:
        assert gate.is_complaint(seg.cut(text)), text
    chat = [seg.cut(t) for t in fixture_lines("weibo_chitchat.txt")]
    real = [seg.cut(t) for t in fixture_lines("planted_esim.txt")]
    assert not gate.group_ok(np.arange(10), chat + real) and gate.group_ok(np.arange(10, 20), chat + real)


def test_label_picker_prefers_a_shared_phrase_then_a_cooccurring_pair():
    docs = ([["手机", "信号", "差", "经常", "掉线"], ["信号", "差", "打", "电话"], ["家里", "信号", "差"]] * 3
            + [["宽带", "断网", "光猫", "红灯"], ["光猫", "坏", "宽带"], ["宽带", "慢", "光猫"]] * 3
            + [["退费"], ["处理"], ["回复", "退费"]] * 3)
    docs = [["客户", "要求"] + d for d in docs]  # generic: every complaint of the library says them
    labels = np.repeat([0, 1, 2], 9)
    kw = {0: [("信号", 1.0), ("差", 0.9)], 1: [("光猫", 1.0), ("宽带", 0.8), ("断网", 0.5)],
          2: [("客户", 1.0), ("要求", 0.9), ("退费", 0.5)]}
    p = LabelPicker(generic_share=0.5, min_share=0.5).fit(docs, labels, kw)
    assert p.labels_[0] == "信号差" and p.kind_[0] == "phrase"
    assert p.kind_[1] == "pair" and set(p.label_words_[1]) == {"光猫", "宽带"}
    assert p.labels_[2] == "退费"  # generic words (客户要求) never make a label


def test_emerging_members_take_the_new_words_users_wherever_they_were_placed():
    from complaints.topics.emerging import EmergingTopics, emerging_members, scan_rows

    rng = np.random.default_rng(1)
    old = [f"词{i}" for i in range(100)]
    background = [[list(rng.choice(old, 6)) for _ in range(80)] for _ in range(5)]
    new = [["ESIM", "手表", *rng.choice(old, 4)] for _ in range(20)] + [list(rng.choice(old, 6)) for _ in range(60)]
    vectors = rng.normal(size=(len(new), 16))
    finder = EmergingTopics(min_size=10, min_coherence=0.9).fit(vectors, new, background)
    unplaced = np.zeros(len(new), dtype=bool)  # an old topic claimed every one of them
    groups = emerging_members(finder, np.arange(len(new)), np.arange(len(new)), unplaced, new)
    assert len(groups) == 1 and sorted(groups[0][1]) == list(range(20)) and groups[0][0] in ("ESIM", "手表")
    gate = ContentGate(["信号"])  # none of them names the service: the gate drops the group
    assert emerging_members(finder, np.arange(len(new)), np.arange(len(new)), unplaced, new, gate) == []
    content = np.ones(30_000, dtype=bool)
    rows = scan_rows(content, np.arange(30_000) < 100, limit=1_000)
    assert len(rows) == 1_000 and set(range(100)) <= set(rows.tolist())
    rows = scan_rows(content, np.arange(30_000) < 5_000, limit=1_000)  # more unplaced than the limit: a sample
    assert len(rows) == 1_000 and rows.max() < 5_000 and rows.max() > 4_000 and len(set(rows.tolist())) == 1_000

