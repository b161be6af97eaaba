"""Hostile cells never run (issue 16 items 6-8) and small truths of the CLI (issue 17), through the real CLI.

A small generated library gets complaints whose text, region or channel start like a formula, carry
HTML (entity-encoded in the export, so it is text after ingest) or control characters and terminal
escape sequences (JSONL carries them), and curated topic labels of the same kinds. Every output is
read back: export (.xlsx/.csv/.parquet), link --out .xlsx, report (html/xlsx/md), topics show/list,
classify, drift. The same library answers the smaller truths: an update that finds nothing says "no
emerging topics this period", a merged topic says into which, drift lists the unassigned last, and
stats prints no None.
"""

from __future__ import annotations

import csv
import json
import re

import pandas as pd
import pytest
from openpyxl import load_workbook

from .corpus import csv_cells, live_csv_formulas
from .operator_scenario import cli, cli_ok

FORMULAS = ['=HYPERLINK("http://evil.example","点击退款")', "=cmd|' /C calc'!A0", "+SUM(1,1)", "-2+3 ", "@SUM(1+1)"]
HTML_TEXT = "&lt;script&gt;alert(1)&lt;/script&gt;"
LABELS = ['=HYPERLINK("http://evil.example","点我")', "<img src=x onerror=alert(1)>", "\x1b[2J\x1b]0;pwned\x07清屏标签\x01"]
CONTROL_TEXT = "宽带老是断网\x1b[31m光猫灯一直闪\x01\x00请尽快处理，信号也差"
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MONTH = "2026-10"
HEADER = ["工单编号", "手机号码", "受理时间", "受理渠道", "地市", "投诉内容", "投诉类别"]


def _rows(data) -> list[list[str]]:
    with open(data / "complaints.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [[r[c] for c in HEADER] for r in rows]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    from complaints.demo.generate import generate

    root = tmp_path_factory.mktemp("safe")
    generate(root / "data", n_customers=600, seed=11)
    base = _rows(root / "data")
    texts = [r[5] for r in base if r[5] and "2026-10" in r[2]][:40]
    hostile = [[f"X{i}", f"1550000{i:04d}", f"{MONTH}-{1 + i % 27:02d} 10:00:00", "+cmd|' /C calc'!A0", "=1+2",
                f"{FORMULAS[i % len(FORMULAS)]} {t}" if i % 4 else f"{HTML_TEXT}{t}", "网络质量"]
               for i, t in enumerate(texts)]
    lib = root / "lib"
    L = ("--library", lib)
    with open(root / "base.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([HEADER] + base + hostile)
    cli_ok("ingest", "complaints", root / "base.csv", *L)
    with open(root / "control.jsonl", "w", encoding="utf-8") as f:
        for i in range(3):
            f.write(json.dumps({"工单编号": f"Z{i}", "受理时间": f"{MONTH}-2{i} 09:00:00", "投诉内容": CONTROL_TEXT,
                                "地市": "杭\x01州", "受理渠道": "微博\x1b[0m"}, ensure_ascii=False) + "\n")
    cli_ok("ingest", "complaints", root / "control.jsonl", *L)
    cli_ok("ingest", "customers", root / "data" / "customers.csv", *L)
    cli_ok("ingest", "ports", root / "data" / "ports.csv", *L)
    cli_ok("fit", "--clustering", "kmeans", "--n-topics", "8", *L)
    topics = json.loads(cli_ok("topics", "list", "--json", *L))
    ids = [t["topic_id"] for t in topics]
    for tid, label in zip(ids, LABELS):
        cli_ok("topics", "rename", tid, label, *L)
    # a later batch with nothing new in it, and chit-chat no topic claims: an update that finds no emerging topic
    later = [[f"N{i}", "", f"2026-11-0{1 + i % 9} 10:00:00", "微博", "杭州", t, ""]
             for i, t in enumerate(texts[:12] + ["今天天气不错，我去公园散步了，晚上吃火锅"] * 3)]
    with open(root / "later.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([HEADER] + later)
    cli_ok("ingest", "complaints", root / "later.csv", *L)
    runs = {"update": cli("update", "--min-emerging-size", "100000", *L)}
    out = root / "out"
    for ext in ("xlsx", "csv", "parquet"):
        runs[f"export_{ext}"] = cli("export", "--out", out / f"export.{ext}", *L)
    runs["report"] = cli("report", "--period", MONTH, "--out", out / "report", *L)
    runs["report_nov"] = cli("report", "--period", "2026-11", "--out", out / "report_nov", *L)
    runs["link"] = cli("link", "--level", "topic", "--out", out / "link.xlsx", *L)
    runs["show"] = cli("topics", "show", ids[2], *L)
    runs["list"] = cli("topics", "list", *L)
    runs["classify"] = cli("classify", CONTROL_TEXT + " [bold]粗体[/bold]", *L)
    runs["drift"] = cli("drift", *L)
    runs["drift_json"] = cli("drift", "--json", *L)
    runs["stats"] = cli("stats", *L)
    for name, r in runs.items():
        assert r.exit_code == 0, (name, r.output)
    return {"root": root, "lib": lib, "out": out, "runs": runs, "ids": ids}


def _cells(path) -> list:
    return [c for ws in load_workbook(path).worksheets for row in ws.iter_rows() for c in row if c.value is not None]


@pytest.mark.parametrize("name", ["export.xlsx", "report/report.xlsx", "link.xlsx"])
def test_item6_formula_looking_cells_are_text_in_every_workbook(small, name):
    cells = _cells(small["out"] / name)
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    hostile = [c for c in cells if isinstance(c.value, str) and c.value[:1] in "=+-@"]
    assert any("HYPERLINK" in c.value for c in hostile)  # still there, as text
    assert all(c.quotePrefix for c in hostile)  # and Excel keeps it text when the cell is edited


def test_item6_csv_cells_that_start_a_formula_are_prefixed(small):
    cells = csv_cells(small["out"] / "export.csv")
    assert not live_csv_formulas(cells)
    assert any(c.startswith("'=HYPERLINK(") for c in cells) and "'=1+2" in cells and "'+cmd|' /C calc'!A0" in cells


def test_item7_no_control_character_in_any_output(small):
    out, found = small["out"], []
    for f in ("export.csv", "report/report.md", "report/report.html"):
        text = (out / f).read_text(encoding="utf-8-sig")
        if f.endswith(".html"):  # plotly.js itself (embedded once) holds binary signatures; the data is the rest
            text = re.sub(r'<script type="text/javascript">.*?</script>', "", text, count=1, flags=re.S)
        found += [f"{f}: {m!r}" for m in set(CONTROL.findall(text))]
    for f in ("export.xlsx", "report/report.xlsx", "link.xlsx"):
        found += [f"{f}: {c.value!r}" for c in _cells(out / f) if isinstance(c.value, str) and CONTROL.search(c.value)]
    df = pd.read_parquet(out / "export.parquet")
    found += [f"parquet: {v!r}" for c in df.columns for v in df[c].dropna() if isinstance(v, str) and CONTROL.search(v)]
    assert not found, found[:10]
    assert (df["text"].str.contains("光猫灯一直闪")).any()  # the text is there, cleaned
    for name in ("show", "list", "classify", "drift", "stats", "update"):
        assert not CONTROL.search(small["runs"][name].output), (name, small["runs"][name].output[:300])


def test_item8_markdown_escapes_html_and_terminal_output_escapes_sequences(small):
    md = (small["out"] / "report" / "report.md").read_text(encoding="utf-8")
    assert not re.findall(r"<(?:script|img)[^>\n]*>?", md, flags=re.I)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md or "&lt;img src=x onerror=alert(1)&gt;" in md
    html = (small["out"] / "report" / "report.html").read_text(encoding="utf-8")
    assert "<img src=x onerror" not in html and "<script>alert(1)" not in html
    show = small["runs"]["show"].output
    assert "清屏标签" in show and "\x1b" not in show and "\x07" not in show
    assert "[bold]粗体[/bold]" in small["runs"]["classify"].output  # markup shown as typed, not applied


def test_an_update_that_finds_nothing_says_no_emerging_topics(small):
    assert "0 emerging topics" in small["runs"]["update"].output
    md = (small["out"] / "report_nov" / "report.md").read_text(encoding="utf-8")
    section = md[md.index("## 4."):md.index("## 5.")]
    assert "本期没有新兴话题" in section and "complaints update" not in section.replace("complaints update 已", "")


def test_drift_lists_the_unassigned_last(small):
    rows = json.loads(small["runs"]["drift_json"].output)
    ids = [r["topic_id"] for r in rows]
    assert -1 in ids and ids[-1] == -1
    table = small["runs"]["drift"].output
    assert table.rfind("(未归类)") > max(table.find(str(i)) for i in ids if i >= 0)


def test_a_merged_topic_says_into_which(small):
    a, b = small["ids"][3], small["ids"][4]
    L = ("--library", small["lib"])
    cli_ok("topics", "merge", a, b, *L)
    shown = cli_ok("topics", "show", b, *L)
    assert f"已并入话题 {a}" in shown and f"complaints topics show {a}" in shown
    assert json.loads(cli_ok("topics", "show", b, "--json", *L))["merged_into"] == a


def test_stats_never_prints_none(small, tmp_path):
    assert "None" not in small["runs"]["stats"].output
    undated = tmp_path / "undated.csv"
    undated.write_text("投诉内容\n信号太差了\n扣费不明\n", encoding="utf-8")
    cli_ok("ingest", "complaints", undated, "--library", tmp_path / "lib")
    text = cli_ok("stats", "--library", tmp_path / "lib")
    assert "None" not in text and "–（没有带日期的投诉）" in text and "最早投诉" in text
