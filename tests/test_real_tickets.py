"""The same month on real text: real China Mobile tickets (cocc_dev_tickets.csv) as the complaint texts of a
generated operator with only key, plan, tenure start, region and ARPU, plus the real Weibo complaints
(undated). Skips when the shared data is absent."""

from __future__ import annotations

import csv
import json
import random
import re

import pandas as pd
import pytest
from openpyxl import load_workbook

from .conftest import SHARED_DATA
from .operator_scenario import cli_ok, write_files

COCC = SHARED_DATA / "cocc_dev_tickets.csv"
WEIBO = SHARED_DATA / "weibo_telecom_helpdesk.csv"
# our pain points -> the operator's categories of the real tickets (porting has none: generated text stays)
CATEGORY = {"network": "网络问题", "billing": "费用问题", "subscription": "不知情定制问题", "package": "营销活动问题",
            "business": "业务办理问题", "service": "服务问题", "security": "信息安全问题", "broadband": "业务使用问题"}
pytestmark = pytest.mark.skipif(not (COCC.exists() and WEIBO.exists()), reason=f"shared data not found in {SHARED_DATA}")


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    from complaints.demo.generate import generate

    root = tmp_path_factory.mktemp("real")
    generate(root / "data", n_customers=1500, seed=4)
    truth = json.loads((root / "data" / "ground_truth.json").read_text(encoding="utf-8"))["complaint_pain_points"]
    tickets = pd.read_csv(COCC, dtype=str)
    pools = {lab: g["text"].tolist() for lab, g in tickets.groupby("label")}
    rng = random.Random(4)
    path = root / "data" / "complaints.csv"
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        cat = CATEGORY.get(truth.get(r["工单编号"], ""))
        if cat and r["投诉内容"]:
            r["投诉内容"], r["投诉类别"] = rng.choice(pools[cat]), cat
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    files = write_files(root / "data", root / "files")
    L = ("--library", root / "lib")
    for kind, f in (("customers", files["customers"]), ("ports", files["ports"]), ("complaints", files["early"]),
                    ("complaints", WEIBO)):
        cli_ok("ingest", kind, f, *L)
    cli_ok("fit", "--clustering", "kmeans", "--n-topics", "16", *L)
    cli_ok("ingest", "complaints", files["late"], *L)
    runs = {"update": cli_ok("update", *L),
            "export": cli_ok("export", "--out", root / "out" / "投诉.xlsx", *L),
            "report": cli_ok("report", "--period", "2026-10", "--out", root / "out" / "report", *L),
            "at_risk": cli_ok("at-risk", "--as-of", "2026-09-30", "--high-top", "40", "--customers-file",
                              files["customers"], "--out", root / "out" / "外呼名单.xlsx", *L)}
    return {"root": root, "files": files, "runs": runs, "cats": set(CATEGORY.values())}


def test_real_tickets_export_with_the_operators_categories_as_a_column(real):
    ws = load_workbook(real["root"] / "out" / "投诉.xlsx")["投诉明细"]
    head = [c.value for c in ws[1]]
    col = {h: i for i, h in enumerate(head)}
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    cats = {r[col["投诉类别"]] for r in rows}
    assert real["cats"] <= cats  # the operator's own categories, as a column of their own
    assert {"company", "dialogue"} <= set(head)  # the weibo file's own columns too
    weibo = [r for r in rows if r[col["company"]]]
    assert len(weibo) == 2164 and all(r[col["受理时间"]] is None for r in weibo)
    assert not [c for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert not any(re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", str(v)) for r in rows for v in r if isinstance(v, str))


def test_real_tickets_report_trend_wording_follows_its_own_numbers(real):
    md = (real["root"] / "out" / "report" / "report.md").read_text(encoding="utf-8")
    actions = md[md.index("## 7."):md.index("## 8.")]
    lines = [ln for ln in actions.splitlines() if ln.startswith("| ") and "%" in ln]
    assert lines
    for ln in lines:
        cells = [c.strip() for c in ln.strip("|").split(" | ")]
        trend, focus = cells[4], cells[-1]
        if "近三个月日均较前三个月上升" in focus:
            assert float(trend.rstrip("%")) > 20, ln
        if trend == "新增 new" and "本期增长快" not in focus:
            assert "近三个月新出现" in focus, ln
        assert "持续上升" not in focus


def test_real_tickets_call_list(real):
    out = real["runs"]["at_risk"]
    assert "高风险 40" in out and "找到" in out
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", out)
    ws = load_workbook(real["root"] / "out" / "外呼名单.xlsx").worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "手机号码" and all(r[4] and "个百分点" in r[4] for r in rows[1:])
