"""Service-improvement reports on real components: generated operator data, real ingest, a real
BERTopic fit, an update that finds the late emerging topic, the real CLI, and headless Chromium."""

import json
import re
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from cli import app
from complaints.config import resolve_library
from complaints.demo.generate import generate
from complaints.ingest.pipeline import ingest_file
from complaints.text.mask import contains_pii
from complaints.report import PeriodError, resolve_period
from complaints.report.model import SECTION_TITLES
from complaints.topics.fit import fit_library
from complaints.topics.update import update_library

from .conftest import library_rows, split_complaints_csv

runner = CliRunner()
PERIOD = "2026-10"  # the demo data's last month: the emerging topic (last six weeks) is in it
SPLIT = "2026-09-01"  # fit on what came before, update with the rest
HEADINGS = [f"{i}. {title}" for i, (_, title) in enumerate(SECTION_TITLES, 1)]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    data = root / "data"
    generate(data, n_customers=2500, seed=5)
    lib = resolve_library(root / "lib")
    ingest_file(lib, "customers", data / "customers.csv")
    ingest_file(lib, "ports", data / "ports.csv")
    split_complaints_csv(data / "complaints.csv", root / "early.csv", root / "late.csv", SPLIT)
    ingest_file(lib, "complaints", root / "early.csv")
    fit_library(lib, embedder="lexical")
    ingest_file(lib, "complaints", root / "late.csv")
    update_library(lib, min_emerging_size=5)  # small data: let a handful of new complaints form a topic
    out = root / "reports" / PERIOD
    res = runner.invoke(app, ["report", "--period", PERIOD, "--out", str(out), "--library", str(lib.root)],
                        catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return {"root": root, "data": data, "lib": lib, "out": out, "cli": res.output}


def test_report_command_writes_html_xlsx_and_markdown(demo):
    for name in ("report.html", "report.xlsx", "report.md"):
        assert (demo["out"] / name).stat().st_size > 1000, name
        assert str(demo["out"] / name) in demo["cli"]
    n = library_rows(demo["lib"], f"SELECT count(*) FROM complaints WHERE strftime(received_at, '%Y-%m') = '{PERIOD}'")[0][0]
    assert f"report for {PERIOD}" in demo["cli"] and f"{n:,} complaints" in demo["cli"]


def test_html_is_self_contained_with_contents_and_chinese(demo):
    html = (demo["out"] / "report.html").read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in html and "WenQuanYi Micro Hei" in html and "@media print" in html
    assert not re.search(r"<script[^>]+src=", html)  # plotly.js is inline (the browser test sees no requests)
    assert html.count("Plotly.newPlot") >= 4
    assert len(re.findall(r"/\*! For license information please see plotly", html)) <= 1  # embedded once
    toc = html[html.index('id="toc"'):html.index("</nav>")]
    for i, (key, title) in enumerate(SECTION_TITLES, 1):
        assert f'href="#s{i}-{key}"' in toc and f'id="s{i}-{key}"' in html and title in html


def test_markdown_has_every_section_and_figures_that_match_the_library(demo):
    md = (demo["out"] / "report.md").read_text(encoding="utf-8")
    for h in HEADINGS:
        assert f"## {h}" in md
    lib = demo["lib"]
    n, esc = library_rows(lib, f"""SELECT count(*), avg(coalesce(escalated, false)::INT) FROM complaints
                                   WHERE strftime(received_at, '%Y-%m') = '{PERIOD}'""")[0]
    prev = library_rows(lib, "SELECT count(*) FROM complaints WHERE strftime(received_at, '%Y-%m') = '2026-09'")[0][0]
    assert f"| 投诉量 Complaints | {n:,} | {prev:,} | {n / prev - 1:+.1%} |" in md
    assert f"{esc:.1%}" in md
    # pain-point ranking: every pain point of the period with its department; top topics with examples
    for name, dept in (("网络质量", "网络部"), ("携号转网受阻", "携转管理部"), ("资费争议", "计费账务部")):
        assert re.search(rf"\| {name} \| {dept} \| [\d,]+ \|", md), name
    detail = md[md.index("## 5."):md.index("## 6.")]
    assert detail.count("### #") >= 5 and detail.count("> 1. ") >= 5 and "地市 Region" in detail
    actions = md[md.index("## 7."):md.index("## 8.")]
    assert "负责部门 Department" in actions and "重点话题 Top topics" in actions and "#" in actions
    quality = md[md.index("## 8."):]
    assert "模型版本 Model version" in quality and "lexical" in quality
    assert str(demo["root"]) not in md  # files by name only, no server paths
    assert "拒收原因 Rejected rows by reason" in quality


def test_workbook_has_one_sheet_per_section_with_headers_and_widths(demo):
    wb = load_workbook(demo["out"] / "report.xlsx")
    assert len(wb.sheetnames) == 8
    for ws, heading in zip(wb.worksheets, HEADINGS):
        assert ws.title.startswith(heading.split(" ")[0].rstrip(".")) and ws["A1"].value == heading
    ws = wb.worksheets[1]  # pain-point ranking
    header = next(r for r in ws.iter_rows(values_only=True) if r[0] == "痛点 Pain point")
    assert header[:5] == ("痛点 Pain point", "部门 Department", "本期 Complaints", "其中不确定 Uncertain", "占比 Share")
    hrow = next(c.row for c in ws["A"] if c.value == "痛点 Pain point")
    assert ws.cell(hrow, 1).font.bold
    assert isinstance(ws.cell(hrow + 1, 3).value, int) and isinstance(ws.cell(hrow + 1, 4).value, int)
    assert ws.cell(hrow + 1, 5).number_format == "0.0%"
    assert ws.column_dimensions["A"].width >= 12 and ws.column_dimensions["B"].width >= 10
    trends = wb.worksheets[2]
    assert any(r[0] == "周 Week" for r in trends.iter_rows(values_only=True))  # the weekly series lives here


def _all_text(out: Path) -> str:
    """Everything a reader can see: the page without the embedded plotly.js, the Markdown, every cell."""
    html = (out / "report.html").read_text(encoding="utf-8")
    html = re.sub(r"<script type=\"text/javascript\">.*?</script>", "", html, count=1, flags=re.S)
    parts = [html, (out / "report.md").read_text(encoding="utf-8")]
    for ws in load_workbook(out / "report.xlsx").worksheets:
        parts += [str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None]
    return "\n".join(parts)


def test_only_masked_text_and_no_customer_keys_in_any_output(demo):
    raw = (demo["data"] / "complaints.csv").read_text(encoding="utf-8")
    phones = set(re.findall(r"(?<!\d)1[3-9]\d{9}(?!\d)", raw))
    assert len(phones) > 1000  # the raw export is full of numbers, in columns and in texts
    text = _all_text(demo["out"])
    assert len(text) > 100_000 and "Plotly.newPlot" in text
    mobile = r"(?<![\d.])1[3-9]\d{9}(?!\d)"
    assert not phones & set(re.findall(mobile, text))
    assert not re.search(mobile, text)  # nor any other mobile number
    md = (demo["out"] / "report.md").read_text(encoding="utf-8")
    assert not contains_pii(md)
    keys = [k for (k,) in library_rows(demo["lib"], "SELECT DISTINCT customer_key FROM complaints LIMIT 200")]
    assert keys and not [k for k in keys if k and k in text]


def test_emerging_topics_section(demo):
    md = (demo["out"] / "report.md").read_text(encoding="utf-8")
    section = md[md.index("## 4."):md.index("## 5.")]
    lib = demo["lib"]
    emerging = library_rows(lib, """SELECT t.topic_id, t.label, min(c.received_at)::DATE, count(*) FROM topics t
        JOIN assignments a ON a.version = t.version AND a.topic_id = t.topic_id JOIN complaints c USING (complaint_id)
        WHERE t.status = 'emerging' AND t.version = (SELECT max(version) FROM model_versions) GROUP BY ALL""")
    assert emerging, "the update found no emerging topic"
    for topic_id, label, first_seen, size in emerging:
        assert str(first_seen) >= SPLIT  # new topics start after the data the model was fitted on
        assert f"| {topic_id} | {label} |" in section and f"| {first_seen} | {size:,} |" in section
        assert f"### #{topic_id} {label}" in section
    assert "> 1. " in section  # examples
    head = md[md.index("## 1."):md.index("## 2.")]
    assert re.search(r"\| 新兴话题占比 Share in emerging topics \| (\d+\.\d)% \|", head).group(1) != "0.0"


def test_porting_section_has_reasons_lift_and_net_flow(demo):
    md = (demo["out"] / "report.md").read_text(encoding="utf-8")
    section = md[md.index("## 6."):md.index("## 7.")]
    assert "携出原因 Why customers left" in section
    assert "携出提升 Port-out lift by pain point (95% CI)" in section and "90天提升 Lift 90d (95% CI)" in section
    assert re.search(r"\| 携号转网受阻 \| 携转管理部 \| [\d,]+ \| [\d.]+% \| [\d.]+% \| [\d.]+× \(", section)
    assert "本期净携转 Net porting flow by other operator" in section
    for op in ("中国电信", "中国联通"):
        assert op in section
    head = md[md.index("## 1."):md.index("## 2.")]
    assert "携出申请 Port-out requests" in head and "Port-out requests preceded by a complaint" in head


def test_empty_period_says_so_and_still_writes_files(demo, tmp_path):
    res = runner.invoke(app, ["report", "--period", "2019-01", "--out", str(tmp_path), "--library", str(demo["lib"].root)],
                        catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "no complaints in 2019-01" in res.output
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "本期没有投诉数据" in md and all(f"## {h}" in md for h in HEADINGS)
    assert 'id="no-data"' in (tmp_path / "report.html").read_text(encoding="utf-8")
    assert len(load_workbook(tmp_path / "report.xlsx").sheetnames) == 8


def test_from_to_period_and_bad_periods(demo, tmp_path):
    res = runner.invoke(app, ["report", "--from", "2026-10-01", "--to", "2026-10-15", "--out", str(tmp_path),
                              "--library", str(demo["lib"].root), "--json"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    got = json.loads(res.output)
    n = library_rows(demo["lib"], "SELECT count(*) FROM complaints WHERE received_at >= '2026-10-01' "
                                  "AND received_at < '2026-10-16'")[0][0]
    assert got["complaints"] == n and got["period"] == "2026-10-01 – 2026-10-15" and len(got["sections"]) == 8
    for args, msg in ((["--period", "2026-13"], "YYYY-MM"), (["--period", "2026-06", "--from", "2026-06-01"], "either"),
                      (["--from", "2026-06-01"], "go together"), (["--from", "2026-06-10", "--to", "2026-06-01"],
                                                                  "before")):
        bad = runner.invoke(app, ["report", *args, "--library", str(demo["lib"].root), "--out", str(tmp_path)])
        assert bad.exit_code == 2 and msg in bad.output, (args, bad.output)


def test_periods():
    p = resolve_period("2026-01")
    assert (str(p.start), str(p.end), p.previous.label) == ("2026-01-01", "2026-02-01", "2025-12")
    q = resolve_period(None, "2026-03-10", "2026-03-19")
    assert q.days == 10 and str(q.previous.start) == "2026-02-28" and q.slug == "2026-03-10_2026-03-19"
    with pytest.raises(PeriodError):
        resolve_period(None, None, None, latest=None)


def test_data_without_a_model_asks_for_fit(tmp_path, complaints_csv):
    lib = tmp_path / "lib"
    assert runner.invoke(app, ["ingest", "complaints", str(complaints_csv), "--library", str(lib)]).exit_code == 0
    res = runner.invoke(app, ["report", "--period", "2024-06", "--library", str(lib), "--out", str(tmp_path / "r")])
    assert res.exit_code == 2 and "complaints fit" in res.output
    res = runner.invoke(app, ["report", "--period", "2023-01", "--library", str(lib), "--out", str(tmp_path / "e")])
    assert res.exit_code == 0 and "no complaints in 2023-01" in res.output  # nothing to model: says so
    missing = runner.invoke(app, ["report", "--library", str(tmp_path / "nothing"), "--out", str(tmp_path / "m")])
    assert missing.exit_code == 2 and "no complaint library" in missing.output


def test_report_help_has_an_example():
    res = runner.invoke(app, ["report", "--help"])
    assert res.exit_code == 0 and "Example: complaints report --period 2026-06 --out reports/2026-06" in res.output


BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def test_report_opens_in_headless_chromium_without_errors(demo):
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (make test installs it with apt-get when it can)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e .[dev])")
    errors: list[str] = []
    shot = demo["out"] / "report.png"
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=BROWSER_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
            page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
            page.on("request", lambda r: errors.append(f"network: {r.url}") if r.url.startswith("http") else None)
            page.goto((demo["out"] / "report.html").as_uri())
            page.wait_for_function("document.querySelectorAll('.plotly-graph-div .main-svg').length >= 4",
                                   timeout=30_000)
            headings = page.locator("section > h2").all_inner_texts()
            charts = page.locator(".plotly-graph-div").count()
            drawn = page.evaluate("document.querySelectorAll('.plotly-graph-div .main-svg').length")
            bars = page.evaluate("document.querySelectorAll('.plotly-graph-div g.point, .plotly-graph-div path.js-line')"
                                 ".length")
            assert page.evaluate("document.characterSet") == "UTF-8"
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert errors == []
    assert headings == HEADINGS
    assert charts >= 4 and drawn >= 4 and bars > 10
    assert shot.stat().st_size > 50_000
