"""Topics on the real data in ../shared/data through the real CLI (skipped when it is absent):
real China Mobile tickets (the form and places stay out of keywords and labels, few complaints
placed only by outlier reduction, a planted real-style issue found by `update`) and real Weibo
complaints (no emoticon code as a keyword; chit-chat questions never an emerging topic)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from complaints.text.lexicons import Lexicons
from complaints.text.places import PlaceFilter

from .conftest import SHARED_DATA
from .real_style import fixture_lines

runner = CliRunner()
COCC, WEIBO = SHARED_DATA / "cocc_dev_tickets.csv", SHARED_DATA / "weibo_telecom_helpdesk.csv"
pytestmark = pytest.mark.skipif(not COCC.exists() or not WEIBO.exists(), reason="no shared real data")


def cli(*args: str) -> str:
    res = runner.invoke(app, list(args), catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.output


def q(lib: Path, sql: str) -> pd.DataFrame:
    con = duckdb.connect(str(lib / "library.duckdb"), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def split(ids: list[str], texts: list[str], root: Path, n_new: int, extra: list[str], tag: str) -> tuple[Path, Path]:
    """The data less a random batch (for fit), and the batch plus `extra` texts tagged `tag` (for update)."""
    pick = set(np.random.default_rng(0).choice(len(texts), n_new, replace=False).tolist())
    base = pd.DataFrame({"ticket": [i for k, i in enumerate(ids) if k not in pick],
                         "text": [t for k, t in enumerate(texts) if k not in pick]})
    new = pd.DataFrame({"ticket": [ids[k] for k in sorted(pick)] + [f"{tag}{k:03d}" for k in range(len(extra))],
                        "text": [texts[k] for k in sorted(pick)] + extra})
    base.to_csv(root / "base.csv", index=False)
    new.to_csv(root / "new.csv", index=False)
    return root / "base.csv", root / "new.csv"


def fit_then_update(root: Path, ids: list[str], texts: list[str], extra: list[str], tag: str) -> tuple[Path, dict]:
    base, new = split(ids, texts, root, 150, extra, tag)
    lib = root / "lib"
    cli("ingest", "complaints", str(base), "--library", str(lib), "--map", "ticket=complaint_id")
    fit = json.loads(cli("fit", "--library", str(lib), "--json"))
    cli("ingest", "complaints", str(new), "--library", str(lib), "--map", "ticket=complaint_id")
    return lib, {"fit": fit, "update": json.loads(cli("update", "--library", str(lib), "--json"))}


@pytest.fixture(scope="module")
def tickets(tmp_path_factory):
    d = pd.read_csv(COCC, dtype=str)
    return fit_then_update(tmp_path_factory.mktemp("cocc"), d["ticket"].tolist(), d["text"].tolist(),
                           fixture_lines("planted_esim.txt"), "ESIM")


@pytest.fixture(scope="module")
def weibo(tmp_path_factory):
    d = pd.read_csv(WEIBO, dtype=str).dropna(subset=["text"])
    return fit_then_update(tmp_path_factory.mktemp("weibo"), ["W" + i for i in d["id"]], d["text"].tolist(),
                           fixture_lines("weibo_chitchat.txt"), "CHAT")


def words_of(lib: Path, version: int) -> tuple[list[str], list[str]]:
    t = q(lib, f"SELECT label, keywords FROM topics WHERE version = {version} AND status = 'active'")
    return [w for k in t["keywords"] for w, _ in json.loads(k)[:5]], list(t["label"])


def test_real_tickets_keywords_and_labels_hold_no_form_or_place(tickets):
    lib, res = tickets
    assert res["fit"]["form"]["fields"] > 50 and res["fit"]["form"]["boilerplate"] > 50
    assert res["fit"]["placed_by_outlier_reduction"] < 0.3
    kw5, labels = words_of(lib, 1)
    lex = Lexicons.load()
    places = PlaceFilter(lex.places, known_words={w.upper() for w, _, _ in lex.userdict})
    form = json.loads((lib / "models" / "v1" / "form.json").read_text(encoding="utf-8"))
    form_words = set(form["form_words"]) | {"操作员", "组织", "工单", "知识库", "字段", "日志", "智能", "轨迹", "流水"}
    judged = kw5 + [p for lab in labels for p in lab.split("·")]
    bad = [w for w in judged if places(w) or w in form_words]
    assert len(bad) <= 0.02 * len(judged), bad
    assert all(len(lab.split("·")) <= 2 for lab in labels), labels


def test_real_tickets_planted_issue_is_an_emerging_topic(tickets):
    lib, res = tickets
    a = q(lib, "SELECT complaint_id, topic_id FROM assignments WHERE version = 2")
    emerging = {e["topic_id"] for e in res["update"]["emerging"]}
    members = a[a["topic_id"].isin(emerging)]
    planted = members["complaint_id"].str.startswith("ESIM")
    assert planted.sum() >= 24, res["update"]["emerging"]  # recall >= 80% of 30
    main = members.loc[planted, "topic_id"].mode()[0]
    assert members.loc[members["topic_id"] == main, "complaint_id"].str.startswith("ESIM").mean() >= 0.9


def test_real_weibo_no_emoticon_keyword_and_chitchat_is_no_emerging_topic(weibo):
    lib, res = weibo
    kw5, labels = words_of(lib, 1)
    codes = {"哈哈", "挖鼻屎", "鼻屎", "挖鼻", "抓狂", "泪流满面", "偷笑", "鄙视", "吃惊", "爱你", "抱抱", "衰", "晕", "怒",
             "泪", "汗", "嘻嘻", "可怜", "鼓掌", "威武", "围观", "给力", "doge"}  # words written only as [codes]
    words = set(kw5) | {p for lab in labels for p in lab.split("·")}
    assert not codes & words, codes & words
    a = q(lib, "SELECT complaint_id, topic_id FROM assignments WHERE version = 2")
    emerging = {e["topic_id"] for e in res["update"]["emerging"]}
    assert not a.loc[a["topic_id"].isin(emerging), "complaint_id"].str.startswith("CHAT").any(), res["update"]
