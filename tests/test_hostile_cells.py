"""Issue 16 items 6-8: hostile content never runs. Formula-looking cells are written as text
(xlsx) or prefixed (csv), control characters never reach a file or a terminal, HTML in texts and
labels is escaped in report.md and escape sequences in `topics show`. Real files, real CLI.

The module's library is built in two phases so that one failure does not hide another:
phase A (formulas and HTML in texts, regions, channels and curated labels) writes its exports and
report before phase B adds control characters (texts from JSONL, a label) and writes its own.
"""

from __future__ import annotations

import json
import re

import pytest
from openpyxl import load_workbook

from .corpus import (
    HEADER,
    THEMES,
    base_rows,
    cli,
    cli_ok,
    csv_cells,
    customers_rows,
    live_csv_formulas,
    ports_rows,
    write_csv,
    write_jsonl,
)

FORMULAS = ['=HYPERLINK("#x","点击退款")', "=cmd|' /C calc'!A0", "+SUM(1,1)", "-2+3", "@SUM(1+1)"]
HTML_TEXT = "&lt;script&gt;alert(1)&lt;/script&gt;"  # entity-encoded in the export; decoded at ingest today
HTML_LABEL = "<img src=x onerror=alert(1)>"
FORMULA_LABELS = ['=HYPERLINK("http://evil.example","点我")', "@SUM(1+1)*cmd|' /C calc'!A0", "+1+2"]
ESC_LABEL = "\x1b[2J\x1b]0;pwned\x07清屏标签\x01"
CONTROL_TEXT = "宽带老是断网\x1b[31m光猫灯一直闪\x01\x00请尽快处理"
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAY = "2026-05-{:02d} 10:00:00"  # after the base data: the report period holds only hostile complaints


def _hostile_rows() -> list[list[str]]:
    rows = []
    for t, (theme, texts) in enumerate(THEMES.items()):
        for j, f in enumerate(FORMULAS):
            rows.append([f"X{t}{j}", f"1550000{t}{j:03d}", MAY.format(1 + j), "+cmd|' /C calc'!A0", "=1+2",
                         f"{f} {texts[j % len(texts)]}", theme, "", ""])
        rows.append([f"X{t}H", f"1550000{t}999", MAY.format(9), "10086热线", "杭州", f"{HTML_TEXT}{texts[0]}", theme, "", ""])
    return rows


def _run(runs, name, *args, lib):
    runs[name] = cli(*args, "--library", lib)
    return runs[name]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    lib, a, b = root / "lib", root / "a", root / "b"
    runs: dict = {}
    cli_ok("ingest", "complaints", write_csv(root / "base.csv", HEADER, base_rows()), "--library", lib)
    cli_ok("ingest", "complaints", write_csv(root / "hostile.csv", HEADER, _hostile_rows()), "--library", lib)
    cli_ok("ingest", "customers", write_csv(root / "customers.csv", *customers_rows()), "--library", lib)
    cli_ok("ingest", "ports", write_csv(root / "ports.csv", *ports_rows()), "--library", lib)
    cli_ok("fit", "--library", lib, "--embedder", "lexical", "--min-topic-size", "10", "--clustering", "kmeans",
           "--n-topics", "6")
    ids = [t["topic_id"] for t in json.loads(cli_ok("topics", "list", "--json", "--library", lib).output)]
    for tid, label in zip(ids, FORMULA_LABELS + [HTML_LABEL]):
        cli_ok("topics", "rename", tid, label, "--library", lib)
    # phase A: formulas and HTML
    for fmt in ("csv", "xlsx", "parquet"):
        _run(runs, f"a_export_{fmt}", "export", "--out", a / f"export.{fmt}", lib=lib)
    _run(runs, "a_report", "report", "--period", "2026-05", "--out", a / "report", lib=lib)
    _run(runs, "a_link", "link", "--level", "topic", "--out", a / "link.xlsx", lib=lib)
    # phase B: control characters in texts (JSONL carries them) and in a label
    recs = [{"工单编号": f"Z{i}", "受理时间": MAY.format(20 + i), "投诉内容": CONTROL_TEXT, "地市": "杭\x01州"}
            for i in range(3)]
    _run(runs, "b_ingest", "ingest", "complaints", write_jsonl(root / "control.jsonl", recs), lib=lib)
    _run(runs, "b_update", "update", lib=lib)
    _run(runs, "b_rename", "topics", "rename", ids[-1], ESC_LABEL, lib=lib)
    _run(runs, "b_topics_show", "topics", "show", ids[-1], lib=lib)
    _run(runs, "b_topics_list", "topics", "list", lib=lib)
    _run(runs, "b_classify", "classify", CONTROL_TEXT, lib=lib)
    for fmt in ("csv", "xlsx", "parquet"):
        _run(runs, f"b_export_{fmt}", "export", "--out", b / f"export.{fmt}", lib=lib)
    _run(runs, "b_report", "report", "--period", "2026-05", "--out", b / "report", lib=lib)
    return {"root": root, "lib": lib, "a": a, "b": b, "runs": runs, "ids": ids}


def said(hostile, name) -> str:
    r = hostile["runs"][name]
    return f"exit {r.exit_code}: {r.output[-1500:]} {r.exception!r}"


def formula_cells(path) -> list[str]:
    wb = load_workbook(path)
    return [f"{ws.title}!{c.coordinate}={c.value!r}" for ws in wb.worksheets for row in ws.iter_rows()
            for c in row if c.data_type == "f"]


def cell_texts(path) -> list[str]:
    wb = load_workbook(path)
    return [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


# ---- item 6 ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("output", ["export.xlsx", "report/report.xlsx", "link.xlsx"])
def test_item6_formula_looking_cells_are_written_as_text_in_xlsx(hostile, output):
    path = hostile["a"] / output
    assert path.exists(), said(hostile, {"export.xlsx": "a_export_xlsx", "report/report.xlsx": "a_report",
                                         "link.xlsx": "a_link"}[output])
    live = formula_cells(path)
    assert not live, f"{len(live)} live formulas in {output}: {live[:8]}"
    assert any("HYPERLINK" in t for t in cell_texts(path)), "the hostile cells should still be there, as text"


def test_item6_csv_export_cells_that_start_a_formula_are_prefixed(hostile):
    path = hostile["a"] / "export.csv"
    assert path.exists(), said(hostile, "a_export_csv")
    cells = csv_cells(path)
    live = live_csv_formulas(cells)
    assert not live, f"{len(live)} CSV cells open a formula: {live[:8]}"
    assert any("HYPERLINK" in c for c in cells)


# ---- item 7 ----------------------------------------------------------------------------------------------
def test_item7_control_characters_do_not_break_export_or_report(hostile):
    runs = hostile["runs"]
    assert runs["b_ingest"].exit_code == 0, said(hostile, "b_ingest")
    for name in ("b_export_csv", "b_export_xlsx", "b_export_parquet", "b_report"):
        assert runs[name].exit_code == 0, said(hostile, name)
    for f in ("report.html", "report.xlsx", "report.md"):
        assert (hostile["b"] / "report" / f).exists(), f"partial report: {f} missing"


def test_item7_control_characters_are_stripped_from_library_and_every_output(hostile):
    import duckdb
    import pandas as pd

    con = duckdb.connect(str(hostile["lib"] / "library.duckdb"), read_only=True)
    try:
        stored = con.execute("SELECT text, region FROM complaints WHERE complaint_id LIKE 'Z%'").fetchall()
    finally:
        con.close()
    assert stored, "the control-character complaints were not stored"
    assert not [r for r in stored if any(CONTROL.search(v or "") for v in r)], f"stored with control characters: {stored}"
    found = []
    b = hostile["b"]
    if (b / "export.csv").exists():
        raw = (b / "export.csv").read_text(encoding="utf-8-sig")
        found += [f"export.csv: {m!r}" for m in set(CONTROL.findall(raw))]
    for x in (b / "export.xlsx", b / "report" / "report.xlsx"):
        if x.exists():
            found += [f"{x.name}: {t!r}" for t in cell_texts(x) if CONTROL.search(t)]
    if (b / "export.parquet").exists():
        df = pd.read_parquet(b / "export.parquet")
        found += [f"export.parquet: {v!r}" for c in df.columns if df[c].dtype == object
                  for v in df[c].dropna().astype(str) if CONTROL.search(v)]
    if (b / "report" / "report.md").exists():
        found += [f"report.md: {m!r}" for m in set(CONTROL.findall((b / "report" / "report.md").read_text("utf-8")))]
    assert not found, found[:10]
    echo = hostile["runs"]["b_classify"]
    assert echo.exit_code == 0 and not CONTROL.search(echo.output), f"classify echoes {echo.output[:300]!r}"


# ---- item 8 ----------------------------------------------------------------------------------------------
def test_item8_report_markdown_escapes_html_from_texts_and_labels(hostile):
    md = hostile["a"] / "report" / "report.md"
    assert md.exists(), said(hostile, "a_report")
    text = md.read_text(encoding="utf-8")
    assert "alert(1)" in text, "the hostile text or label should appear in the report (escaped)"
    raw = sorted(set(re.findall(r"<(?:script|img)[^>\n]*>?", text, flags=re.IGNORECASE)))
    assert not raw, f"report.md carries raw HTML: {raw}"


def test_item8_topics_show_and_list_do_not_print_terminal_escape_sequences(hostile):
    runs = hostile["runs"]
    assert runs["b_rename"].exit_code == 0, said(hostile, "b_rename")
    for name in ("b_topics_show", "b_topics_list"):
        out = runs[name].output
        assert runs[name].exit_code == 0, said(hostile, name)
        assert "清屏标签" in out or name == "b_topics_list"
        assert "\x1b" not in out and "\x07" not in out, f"{name} prints {out[:200]!r}"
