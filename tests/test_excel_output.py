"""Excel-ready Chinese output (issue 17): `export` .xlsx/.csv, `link --out .xlsx` and report.xlsx read back
with openpyxl — headers, the operator's own columns, formats, frozen filtered header, no formulas."""

from __future__ import annotations

import csv
import datetime as dt

import duckdb
import pytest
from openpyxl import load_workbook

from .operator_scenario import cli_ok, operator


@pytest.fixture(scope="module")
def op(tmp_path_factory):
    return operator(tmp_path_factory)


@pytest.fixture(scope="module")
def exported(op):
    out = op.root / "exports"
    for name in ("投诉.xlsx", "投诉.csv"):
        cli_ok("export", "--out", out / name, "--library", op.lib.root)
    cli_ok("export", "--out", out / "complaints_en.xlsx", "--headers", "en", "--library", op.lib.root)
    cli_ok("link", "--out", out / "携转分析.xlsx", "--library", op.lib.root)
    return out


def _library(op, sql):
    con = duckdb.connect(str(op.lib.db_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _no_formulas(wb) -> list[str]:
    return [f"{ws.title}!{c.coordinate}" for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.data_type == "f"]


def test_export_xlsx_has_chinese_headers_own_columns_and_formats(op, exported):
    wb = load_workbook(exported / "投诉.xlsx")
    assert wb.sheetnames == ["投诉明细", "字段说明"] and not _no_formulas(wb)
    ws = wb["投诉明细"]
    head = [c.value for c in ws[1]]
    for h in ("工单编号", "受理时间", "投诉内容(已脱敏)", "是否工信部申诉", "话题标签", "痛点", "负责部门", "置信度", "投诉类别"):
        assert h in head, h
    assert "attributes" not in head and not any(h.isascii() for h in head if h != "ARPU")
    assert all(c.font.bold for c in ws[1]) and ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, len(head)).column_letter}{ws.max_row}"
    n = _library(op, "SELECT count(*) FROM complaints")[0][0]
    assert ws.max_row == n + 1
    col = {h: i + 1 for i, h in enumerate(head)}
    rows = list(ws.iter_rows(min_row=2, max_row=400))
    conf = [r[col["置信度"] - 1] for r in rows if r[col["置信度"] - 1].value is not None]
    assert conf and all(c.number_format == "0.00" and c.value == round(c.value, 2) for c in conf)
    when = [r[col["受理时间"] - 1] for r in rows if r[col["受理时间"] - 1].value is not None]
    assert when and all(isinstance(c.value, dt.datetime) and c.number_format == "yyyy-mm-dd hh:mm" for c in when)
    text = [r[col["投诉内容(已脱敏)"] - 1] for r in rows]
    assert any(c.alignment.wrap_text for c in text)
    escalated = [c.value for c in next(ws.iter_cols(min_col=col["是否工信部申诉"], max_col=col["是否工信部申诉"],
                                                    min_row=2))]
    assert set(escalated) <= {"是", "否", None}
    assert escalated.count("是") == _library(op, "SELECT count(*) FILTER (WHERE escalated) FROM complaints")[0][0]
    # the operator's own column is its own column, with the file's values
    with open(op.files["early"], encoding="utf-8", newline="") as f:
        source = {r["工单编号"]: r["投诉类别"] for r in csv.DictReader(f)}
    got = {r[col["工单编号"] - 1].value: r[col["投诉类别"] - 1].value for r in rows}
    shared = [k for k in got if k in source]
    assert len(shared) > 100 and all(got[k] == (source[k] or None) for k in shared)
    legend = {r[1]: r[2] for r in wb["字段说明"].iter_rows(min_row=2, values_only=True)}
    assert legend["置信度"] == "confidence" and legend["工单编号"] == "complaint_id" and legend["投诉类别"] == "投诉类别"


def test_export_csv_and_english_headers(exported):
    raw = (exported / "投诉.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel opens the Chinese correctly
    with open(exported / "投诉.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert "投诉类别" in rows[0] and "置信度" in rows[0]
    assert {r["是否工信部申诉"] for r in rows} <= {"是", "否", ""}
    assert all(len(r["置信度"].split(".")[-1]) <= 2 for r in rows if r["置信度"])
    en = load_workbook(exported / "complaints_en.xlsx")
    head = [c.value for c in en.worksheets[0][1]]
    assert en.sheetnames == ["complaints"] and head[:3] == ["complaint_id", "customer_key", "received_at"]


def test_link_workbook_is_chinese_with_formats(exported):
    wb = load_workbook(exported / "携转分析.xlsx")
    assert wb.sheetnames == ["携出提升", "携出原因", "携出明细", "携出前话题", "净携转", "数据检查", "字段说明"]
    assert not _no_formulas(wb)
    ws = wb["携出提升"]
    head = [c.value for c in ws[1]]
    assert head[0] == "痛点/话题" and "90天携出提升" in head and "90天携出率" in head and "90天提升95%下限" in head
    col = {h: i for i, h in enumerate(head)}
    row = list(ws.iter_rows(min_row=2, max_row=2))[0]
    assert row[col["90天携出率"]].number_format == "0.0%" and row[col["90天携出提升"]].number_format == "0.00"
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
    outs = wb["携出明细"]
    h = [c.value for c in outs[1]]
    known = next(outs.iter_cols(min_col=h.index("客户在客户表中") + 1, max_col=h.index("客户在客户表中") + 1, min_row=2))
    status = next(outs.iter_cols(min_col=h.index("状态") + 1, max_col=h.index("状态") + 1, min_row=2))
    assert {c.value for c in known} == {"是", "否"} and {c.value for c in status} <= {"成功", "撤销", "拒绝", "处理中"}


def test_report_workbook_has_filters_and_yes_no(op):
    out = op.root / "report_xlsx"
    cli_ok("report", "--period", "2026-10", "--out", out, "--library", op.lib.root)
    wb = load_workbook(out / "report.xlsx")
    assert not _no_formulas(wb)
    ranking = wb.worksheets[1]
    assert ranking.auto_filter.ref and ranking[ranking.auto_filter.ref.split(":")[0]].value == "痛点 Pain point"


def test_operator_columns_keep_their_own_names_and_values():
    """An operator column called like one of ours (label, status) is the operator's: its own header, its
    own values; ours keep their Chinese headers."""
    import pandas as pd

    from complaints.report.export import expand_attributes
    from complaints.report.sheets import Sheet, prepare

    df = pd.DataFrame({"complaint_id": ["A1"], "status": ["active"],
                       "attributes": ['{"label": "业务办理", "status": "completed", "投诉类别": "网络"}']})
    frame, own = expand_attributes(df)
    shown, _, canonical = prepare(Sheet("complaints", frame, own=frozenset(own)))
    assert list(shown.columns) == ["工单编号", "状态", "label", "status(原)", "投诉类别"]
    assert shown["label"].tolist() == ["业务办理"] and shown["status(原)"].tolist() == ["completed"]
    assert shown["状态"].tolist() == ["稳定"] and canonical["label"] == "label"
