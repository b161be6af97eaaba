"""Issue 16 items 1-5 and issue 15's personal names: no phone, ID, bank card, e-mail, name or staff id
is ever stored or output in clear, in any spelling. Real files through the real CLI only.

One module-scoped world: a small library fitted on hand-written complaints plus files that carry
every planted value (texts, customer-key cells, numeric attributes, values that end up in reject
reasons, a headerless CSV, a file named after a customer's number), then update, classify, export,
report, rejects, link, at-risk, features. The per-item tests look at one spelling each; the last
test scans every file and every captured message for every planted value.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from .corpus import (
    HEADER,
    base_rows,
    cli,
    cli_ok,
    customers_rows,
    ports_rows,
    write_csv,
    write_jsonl,
)
from .pii import leaks, scan_files, scan_texts

# ---- item 1: numbers written every way inside complaint text -----------------------------------------------
ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
CHINESE = str.maketrans("0123456789", "〇一二三四五六七八九")
TEXT_FORMS = {  # form: (how it is written, the value in clear)
    "two_spaces": ("138  6745  0101", "13867450101"),
    "tab": ("138\t6745\t0102", "13867450102"),
    "newline": ("138\n6745\n0103", "13867450103"),
    "nbsp": ("138\u00a06745\u00a00104", "13867450104"),
    "zero_width_space": ("138\u200b6745\u200b0105", "13867450105"),
    "zero_width_non_joiner": ("138\u200c6745\u200c0106", "13867450106"),
    "word_joiner": ("138\u20606745\u20600107", "13867450107"),
    "soft_hyphen": ("138\u00ad6745\u00ad0108", "13867450108"),
    "em_dash": ("138—6745—0109", "13867450109"),
    "slash": ("138/6745/0110", "13867450110"),
    "dots": ("138.6745.0111", "13867450111"),
    "glued_to_letters": ("wx13867450112", "13867450112"),
    "arabic_indic_digits": ("13867450113".translate(ARABIC), "13867450113"),
    "chinese_numerals": ("13867450114".translate(CHINESE), "13867450114"),
    "spaced_id_card": ("330102 1990 0101 2315", "330102199001012315"),
    "id_card_15_digits": ("330102900101231", "330102900101231"),
}

# ---- item 2: customer-key cells in the forms spreadsheets and CRMs export -----------------------------------
KEY_FORMS = {  # form: (cell, the number it denotes or None when it denotes no single number)
    "apostrophe": ("'13867450201", "13867450201"),
    "excel_formula": ('="13867450202"', "13867450202"),
    "tel_uri": ("tel:13867450203", "13867450203"),
    "label_prefix": ("手机13867450204", "13867450204"),
    "dots": ("138.6745.0205", "13867450205"),
    "zero_width": ("138\u200b6745\u200b0206", "13867450206"),
    "float": ("13867450207.0", "13867450207"),
    "two_numbers": ("13867450208/13867450209", None),
    "email": ("li.lei@example.org", None),
    "account_id": ("KH8800123456", None),  # an operator account number: a customer identifier too
}
KEY_SECRETS = {"key_two_numbers_a": "13867450208", "key_two_numbers_b": "13867450209", "key_email": "li.lei@example.org",
               "key_account_id": "KH8800123456",
               **{f"key_{f}": n for f, (_, n) in KEY_FORMS.items() if n}}

# ---- item 3: numeric cells of extra columns (kept as attributes) --------------------------------------------
ATTR_FORMATS = {"jsonl": ("13667450301", "6222020123450301"), "xlsx": ("13667450302", "6222020123450302"),
                "parquet": ("13667450303", "6222020123450303")}  # 16-digit cards: exact in an Excel number

# ---- item 4: values that reach a reject reason, an error message or a column name ---------------------------
REJECT_CASES = {  # case: (file kind, column, the value in clear)
    "date_cell_is_a_phone": ("complaints", "received_at", "13867450401"),
    "satisfaction_cell_is_a_tel_uri": ("complaints", "satisfaction", "13867450402"),
    "escalated_cell_is_a_phone": ("complaints", "escalated", "13867450403"),
    "port_direction_is_a_phone": ("ports", "direction", "13867450404"),
    "arpu_cell_is_a_labelled_phone": ("customers", "arpu", "13867450405"),
}
HEADERLESS = {"hdr_phone": "13867450411", "hdr_email": "wang.fang@example.net", "hdr_id": "330102199001014411"}
HEADERLESS_TEXT = "家里宽带断网三天没人修"

# ---- item 5: a file named after a customer's number --------------------------------------------------------
FILE_NAME_SECRETS = {"file_name_phone": "13867450501", "file_name_error_phone": "13867450502"}

# ---- issue 15: personal names and staff ids ---------------------------------------------------------------
NAME_FORMS = {  # form: (complaint text, the value in clear, the placeholder it must become)
    "field_用户姓名": ("用户姓名:杨桥洪，反映家里宽带老是断网", "杨桥洪", "<姓名>"),
    "field_客户": ("客户:米柯 来电投诉小区信号很差", "米柯", "<姓名>"),
    "field_操作员": ("莫名其妙扣了增值业务费，操作员:李新婷", "李新婷", "<姓名>"),
    "field_联系人": ("联系人：王晓明，携号转网被拒", "王晓明", "<姓名>"),
    "field_机主": ("机主姓名：孙立群 反映套餐外流量被多扣费", "孙立群", "<姓名>"),
    "field_受理人": ("受理人:赵敏芳，宽带装机一周没人来", "赵敏芳", "<姓名>"),
    "field_姓名": ("姓名：钱多多，手机信号太差打电话掉线", "钱多多", "<姓名>"),
    "field_用户": ("用户：周杰明，说携转授权码一直收不到", "周杰明", "<姓名>"),
    "form_先生": ("张先生来电反映没有订购的业务每月都在扣费", "张先生", "<姓名>"),
    "form_女士": ("李女士投诉办理携号转网被拒", "李女士", "<姓名>"),
    "form_师傅": ("王师傅上门后宽带还是经常掉线", "王师傅", "<姓名>"),
    "form_经理": ("营业厅刘经理答应退还多收的费用，至今没有兑现", "刘经理", "<姓名>"),
    "staff_id_letters": ("工号:Z3071826的客服态度很差，信号问题没解决", "Z3071826", "<工号>"),
    "staff_id_field": ("客服工号 KF0731 说宽带故障已经派单", "KF0731", "<工号>"),
}

SECRETS: dict[str, str] = {
    **{f"text_{f}": v for f, (_, v) in TEXT_FORMS.items()},
    **KEY_SECRETS,
    **{f"attr_{fmt}_phone": p for fmt, (p, _) in ATTR_FORMATS.items()},
    **{f"attr_{fmt}_bank": b for fmt, (_, b) in ATTR_FORMATS.items()},
    **{f"reject_{c}": v for c, (_, _, v) in REJECT_CASES.items()},
    **HEADERLESS, **FILE_NAME_SECRETS,
    **{f"name_{f}": v for f, (_, v, _) in NAME_FORMS.items()},
    # the classic forms, already masked today: they must stay masked everywhere
    "plain_mobile": "13867450901", "plain_email": "zhang.wei@example.com", "plain_id": "330102199001019012",
    "plain_bank": "6222021234567890901", "arpu_phone": "13867450601",
}

DAY = "2026-03-{:02d} 10:00:00"  # the newest month of the base data: the default report period


def _text_rows() -> list[list[str]]:
    rows = []
    for i, (form, (written, _)) in enumerate(TEXT_FORMS.items()):
        rows.append([f"T{i:02d}", "", DAY.format(10 + i % 15), "10086热线", "杭州",
                     f"我的电话是{written}，家里宽带老是断网", "", "", ""])
    for i, (form, (text, _, _)) in enumerate(NAME_FORMS.items()):
        rows.append([f"N{i:02d}", "", DAY.format(10 + i % 15), "10086热线", "宁波", text, "", "", ""])
    rows.append(["C01", "13867450901", DAY.format(12), "微博", "温州",
                 ("信号差，回电13867450901或发邮件zhang.wei@example.com，身份证330102199001019012，"
                  "退款到6222021234567890901"), "", "", ""])
    for i, (form, (cell, number)) in enumerate(KEY_FORMS.items()):
        rows.append([f"K{i:02d}", cell, DAY.format(11 + i), "营业厅", "嘉兴", f"套餐外流量被多扣费，第{i}次投诉", "", "", ""])
        if number:  # the same customer written plainly: both must get one key
            rows.append([f"KP{i:02d}", number, DAY.format(11 + i), "营业厅", "嘉兴", f"话费扣费异常，第{i}次反映", "", "", ""])
    return rows


def _reject_files(d: Path) -> dict[str, Path]:
    good = ["R00", "15500000001", DAY.format(14), "10086热线", "杭州", "宽带断网三天没人修", "", "", ""]
    rows = [good]
    for i, case in enumerate(c for c, (k, _, _) in REJECT_CASES.items() if k == "complaints"):
        col, value = REJECT_CASES[case][1], REJECT_CASES[case][2]
        row = [f"R{i + 1:02d}", "15500000001", DAY.format(14), "10086热线", "杭州", f"信号很差第{i}次投诉", "", "", ""]
        if col == "received_at":
            row[2] = value
        elif col == "satisfaction":
            row[7] = f"tel:{value}"
        rows.append(row)
    header = HEADER[:7] + ["满意度", "是否工信部申诉"]
    rows = [r[:8] + [""] for r in rows]
    rows[3][8] = REJECT_CASES["escalated_cell_is_a_phone"][2]
    out = {"complaints": write_csv(d / "rejects_complaints.csv", header, rows)}
    out["ports"] = write_csv(d / "rejects_ports.csv", ["携转单号", "用户号码", "携转方向", "申请时间", "携转状态"],
                             [["RP1", "15500000002", REJECT_CASES["port_direction_is_a_phone"][2], "2026-03-02", "成功"]])
    out["customers"] = write_csv(d / "rejects_customers.csv", ["用户号码", "套餐", "ARPU"],
                                 [["15500000003", "5G畅享套餐", f"手机{REJECT_CASES['arpu_cell_is_a_labelled_phone'][2]}"]])
    return out


def _attribute_files(d: Path) -> dict[str, Path]:
    out = {}
    for fmt, (phone, bank) in ATTR_FORMATS.items():
        recs = [{"工单编号": f"A{fmt}{j}", "受理时间": DAY.format(15), "投诉内容": f"小区信号很弱通话断断续续{j}",
                 "联系电话": int(phone), "银行卡": int(bank)} for j in range(2)]
        path = d / f"attributes.{fmt}"
        if fmt == "jsonl":
            write_jsonl(path, recs)
        elif fmt == "xlsx":
            pd.DataFrame(recs).to_excel(path, index=False)
        else:
            pd.DataFrame(recs).to_parquet(path, index=False)
        out[fmt] = path
    return out


def _customer_files(d: Path) -> tuple[Path, Path, Path]:
    h, r = customers_rows()
    for i, (form, (cell, _)) in enumerate(KEY_FORMS.items()):
        r.append([cell, "5G畅享套餐", "2020-01-01", "杭州", "88", ""])
    r.append(["15500009999", "4G飞享套餐", "2020-01-01", "杭州", SECRETS["arpu_phone"], ""])  # item 10's ARPU: a phone
    cust = write_csv(d / "customers.csv", h, r)
    h, r = ports_rows()
    ports = write_csv(d / "ports.csv", h, r)
    extra = write_csv(d / "ports_keys.csv", h, [[f"PK{i}", cell, "携出", "2026-03-05", "2026-03-07", "成功", "中国联通"]
                                                for i, (cell, _) in enumerate(KEY_FORMS.values())])
    return cust, ports, extra


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("privacy")
    data, out, lib = root / "data", root / "out", root / "lib"
    data.mkdir()
    out.mkdir()
    runs: dict[str, object] = {}

    def run(name, *args, **kw):
        res = cli(*args, "--library", lib, **kw)
        runs[name] = res
        return res

    write_csv(data / "base.csv", HEADER, base_rows())
    cli_ok("ingest", "complaints", data / "base.csv", "--library", lib)
    run("ingest_text", "ingest", "complaints", write_csv(data / "pii_text.csv", HEADER, _text_rows()))
    cust, ports, port_keys = _customer_files(data)
    run("ingest_customers", "ingest", "customers", cust)
    run("ingest_ports", "ingest", "ports", ports)
    run("ingest_port_keys", "ingest", "ports", port_keys)
    for fmt, path in _attribute_files(data).items():
        run(f"ingest_attr_{fmt}", "ingest", "complaints", path)
    for kind, path in _reject_files(data).items():
        run(f"ingest_rejects_{kind}", "ingest", kind, path)
    headerless = data / "headerless.csv"
    headerless.write_text(f"H001,{HEADERLESS['hdr_phone']},2026-03-05 10:00:00,杭州,{HEADERLESS['hdr_email']},"
                          f"{HEADERLESS['hdr_id']},{HEADERLESS_TEXT}\n"
                          "H002,15500000004,2026-03-06 10:00:00,宁波,a@b.cn,330102199001010000,信号很差\n",
                          encoding="utf-8")
    run("ingest_headerless", "ingest", "complaints", headerless)
    run("ingest_headerless_mapped", "ingest", "complaints", headerless, "--map", f"{HEADERLESS_TEXT}=text")
    named = write_csv(data / f"客户{FILE_NAME_SECRETS['file_name_phone']}的投诉.csv", HEADER,
                      [["F01", "15500000005", DAY.format(16), "营业厅", "杭州", "宽带装机一周没人来", "", "", ""],
                       ["F02", "15500000005", "不是日期", "营业厅", "杭州", "宽带还是装不上", "", "", ""]])
    run("ingest_named_file", "ingest", "complaints", named)
    bad_named = write_csv(data / f"{FILE_NAME_SECRETS['file_name_error_phone']}.csv", ["编号", "时间"], [["1", "2026-03-01"]])
    run("ingest_named_file_error", "ingest", "complaints", bad_named)
    run("rejects_named_file", "rejects", "--limit", "500")

    cli_ok("fit", "--library", lib, "--embedder", "lexical", "--min-topic-size", "10", "--clustering", "kmeans",
           "--n-topics", "6")
    late = [[f"L{r[0]}", *r[1:]] for r in _text_rows() if r[0].startswith(("T", "N"))]
    run("ingest_late", "ingest", "complaints", write_csv(data / "pii_late.csv", HEADER, late))
    run("update", "update")

    texts = [f"我的电话是{w}，家里宽带老是断网" for w, _ in TEXT_FORMS.values()] + [t for t, _, _ in NAME_FORMS.values()]
    run("classify_json", "classify", *texts, "--json")
    run("classify_table", "classify", *texts)
    run("classify_stdin", "classify", input="\n".join(t.replace("\n", " ") for t in texts) + "\n")
    cfile = write_csv(data / "to_classify.csv", ["投诉内容"], [[t] for t in texts])
    run("classify_file_json", "classify", "--file", cfile, "--json")
    run("classify_file_table", "classify", "--file", cfile)
    for fmt in ("csv", "xlsx", "parquet"):
        run(f"export_{fmt}", "export", "--out", out / f"export.{fmt}")
    run("report", "report", "--out", out / "report")
    run("rejects_table", "rejects", "--limit", "500")
    run("rejects_json", "rejects", "--limit", "500", "--json")
    run("stats", "stats", "--json")
    run("topics_list", "topics", "list")
    try:
        ids = [t["topic_id"] for t in json.loads(cli("topics", "list", "--json", "--library", lib).output)]
    except ValueError:
        ids = []
    for t in ids:
        run(f"topics_show_{t}", "topics", "show", t)
    run("link_xlsx", "link", "--out", out / "link.xlsx")
    run("link_csv", "link", "--out", out / "link.csv")
    run("at_risk_csv", "at-risk", "--as-of", "2026-04-01", "--out", out / "at_risk.csv", "--all")
    run("at_risk_xlsx", "at-risk", "--as-of", "2026-04-01", "--out", out / "at_risk.xlsx", "--all")
    run("features", "features", "--as-of", "2026-03-01", "--as-of", "2026-04-01", "--out", out / "features.parquet")
    run("export_tables", "export-tables", "--out", out / "tables")
    return {"root": root, "lib": lib, "out": out, "data": data, "runs": runs}


def messages(world, *names) -> dict[str, str]:
    """What each run printed (stdout and stderr) and, if it raised, the exception as a traceback would show it."""
    runs = world["runs"]
    out = {}
    for n in names or runs:
        r = runs[n]
        out[n] = r.output + ("" if r.exception is None or isinstance(r.exception, SystemExit)
                             else f"\n{type(r.exception).__name__}: {r.exception}")
    return out


def rows(world, sql, params=None) -> list[tuple]:
    con = duckdb.connect(str(world["lib"] / "library.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def export_csv(world) -> list[dict]:
    path = world["out"] / "export.csv"
    assert path.exists(), messages(world, "export_csv")
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def exported_id(row: dict) -> str | None:
    """The complaint id of an export row, whether the export has field names or Chinese headers."""
    return row.get("complaint_id", row.get("工单编号"))


def whole(row: dict) -> str:
    """Every cell of an export row: a value must not leak from any column (the key, the text, the
    attributes, however the export lays them out)."""
    return json.dumps(row, ensure_ascii=False)


def classified(world, name="classify_json") -> list[dict]:
    res = world["runs"][name]
    assert res.exit_code == 0, messages(world, name)
    return [json.loads(line) for line in res.output.splitlines() if line.startswith("{")]


# ---- item 1 ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("form", list(TEXT_FORMS))
def test_item1_numbers_written_every_way_are_masked_in_library_export_and_classify(world, form):
    i = list(TEXT_FORMS).index(form)
    secret = {form: TEXT_FORMS[form][1]}
    stored = rows(world, "SELECT text FROM complaints WHERE complaint_id IN (?, ?)", [f"T{i:02d}", f"LT{i:02d}"])
    assert stored, "the complaint was not stored at all"
    assert not [t for (t,) in stored if leaks(t, secret)], f"stored in clear: {stored}"
    exported = [whole(r) for r in export_csv(world) if exported_id(r) in (f"T{i:02d}", f"LT{i:02d}")]
    assert exported and not [t for t in exported if leaks(t, secret)], f"exported in clear: {exported}"
    echoed = classified(world)[i]["text"]
    assert not leaks(echoed, secret), f"classify echoes it in clear: {echoed!r}"
    assert not leaks(classified(world, "classify_file_json")[i]["text"], secret)


# ---- item 2 ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("form", list(KEY_FORMS))
def test_item2_customer_key_cells_are_hashed_or_rejected_never_stored_raw(world, form):
    i = list(KEY_FORMS).index(form)
    cell, number = KEY_FORMS[form]
    secrets = {k: v for k, v in KEY_SECRETS.items() if k.startswith(f"key_{form}")}
    stored = rows(world, "SELECT customer_key FROM complaints WHERE complaint_id = ?", [f"K{i:02d}"])
    if not stored:  # rejected: with its row (the header is row 1) and the customer-key column
        rowno = [r[0] for r in _text_rows()].index(f"K{i:02d}") + 2
        rej = rows(world, "SELECT column_name FROM rejects WHERE source_file LIKE '%pii_text.csv' AND row_number = ?",
                   [rowno])
        assert rej == [("customer_key",)], f"row {rowno} (K{i:02d}) neither stored nor rejected for its key: {rej}"
    else:
        key = stored[0][0]
        assert not leaks(key, secrets), f"customer key {cell!r} stored as {key!r}"
        assert "@" not in str(key)
        if number:  # a cell that denotes one number joins the customer written plainly
            plain = rows(world, "SELECT customer_key FROM complaints WHERE complaint_id = ?", [f"KP{i:02d}"])[0][0]
            assert key == plain, f"{cell!r} -> {key!r}, but {number} -> {plain!r}"
    for table in ("customers", "port_events"):
        keys = [k for (k,) in rows(world, f"SELECT customer_key FROM {table}")]
        assert not [k for k in keys if leaks(k, secrets)], f"{table} holds {cell!r} in clear"
    assert not [whole(r) for r in export_csv(world) if leaks(whole(r), secrets)]


# ---- item 3 ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", list(ATTR_FORMATS))
def test_item3_numeric_attribute_cells_are_masked(world, fmt):
    assert world["runs"][f"ingest_attr_{fmt}"].exit_code == 0, messages(world, f"ingest_attr_{fmt}")
    secrets = {f"{fmt}_phone": ATTR_FORMATS[fmt][0], f"{fmt}_bank": ATTR_FORMATS[fmt][1]}
    stored = rows(world, "SELECT attributes FROM complaints WHERE complaint_id LIKE ?", [f"A{fmt}%"])
    assert len(stored) == 2
    assert not [a for (a,) in stored if leaks(a, secrets)], f"attributes stored in clear: {stored}"
    assert not [whole(r) for r in export_csv(world) if leaks(whole(r), secrets)]


# ---- item 4 ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", list(REJECT_CASES))
def test_item4_reject_reasons_and_raw_rows_do_not_quote_personal_values(world, case):
    kind, column, value = REJECT_CASES[case]
    secret = {case: value}
    assert world["runs"][f"ingest_rejects_{kind}"].exit_code == 0, messages(world, f"ingest_rejects_{kind}")
    rej = rows(world, "SELECT row_number, column_name, reason, raw FROM rejects WHERE source_file LIKE ? "
                      "AND column_name = ?", [f"%rejects_{kind}.csv", column])
    assert rej, f"the {column} value was not rejected"
    assert not [r for r in rej if leaks(r[2], secret) or leaks(r[3], secret)], f"reject stored in clear: {rej}"
    shown = messages(world, f"ingest_rejects_{kind}", "rejects_table", "rejects_json")
    assert not scan_texts(shown, secret)


def test_item4_headerless_csv_is_named_as_such_and_never_prints_or_stores_its_first_row(world):
    said = messages(world, "ingest_headerless")["ingest_headerless"]
    assert world["runs"]["ingest_headerless"].exit_code == 2, said
    assert not scan_texts({"error": said}, HEADERLESS), f"the error quotes the first row: {said}"
    assert "header" in said.lower() or "表头" in said, f"the error does not say the header row looks like data: {said}"
    mapped = messages(world, "ingest_headerless_mapped")
    assert not scan_texts(mapped, HEADERLESS), mapped
    columns = rows(world, "SELECT DISTINCT attributes FROM complaints WHERE attributes IS NOT NULL")
    stored = [a for (a,) in columns if leaks(a, HEADERLESS)]
    assert not stored, f"first-row values stored (as attribute keys): {stored}"


# ---- item 5 ----------------------------------------------------------------------------------------------
def test_item5_file_names_are_masked_in_the_library_and_messages(world):
    assert world["runs"]["ingest_named_file"].exit_code == 0, messages(world, "ingest_named_file")
    stored = rows(world, "SELECT source_file FROM batches UNION ALL SELECT source_file FROM rejects")
    assert not [s for (s,) in stored if leaks(s, FILE_NAME_SECRETS)], \
        f"file name stored in clear: {[s for (s,) in stored if leaks(s, FILE_NAME_SECRETS)]}"
    shown = messages(world, "ingest_named_file", "ingest_named_file_error", "rejects_named_file")
    assert not scan_texts(shown, FILE_NAME_SECRETS), scan_texts(shown, FILE_NAME_SECRETS)


# ---- issue 15: personal names -------------------------------------------------------------------------------
@pytest.mark.parametrize("form", list(NAME_FORMS))
def test_personal_names_and_staff_ids_are_masked(world, form):
    i = list(NAME_FORMS).index(form)
    text, value, placeholder = NAME_FORMS[form]
    stored = rows(world, "SELECT text FROM complaints WHERE complaint_id IN (?, ?)", [f"N{i:02d}", f"LN{i:02d}"])
    assert stored
    for (t,) in stored:
        assert value not in t and placeholder in t, f"{text!r} stored as {t!r}"
    echoed = classified(world)[len(TEXT_FORMS) + i]["text"]
    assert value not in echoed and placeholder in echoed, f"classify echoes {echoed!r}"


# ---- everything, everywhere ----------------------------------------------------------------------------------
def test_no_planted_value_in_any_library_file_output_file_or_message(world):
    """The broad scan: every file under the library, every export/report/link/at-risk/features file, every
    captured stdout/stderr. Each leak is listed as where: which planted value."""
    ran = {n: r.exit_code for n, r in world["runs"].items()}
    must_run = ["ingest_text", "update", "classify_json", "classify_file_json", "export_csv", "export_xlsx",
                "export_parquet", "report", "rejects_json", "link_xlsx", "at_risk_csv", "features"]
    failed = {n: messages(world, n)[n][-300:] for n in must_run if ran[n] != 0}
    found = scan_files([world["lib"], world["out"]], SECRETS)
    found += scan_texts({f"message of `{k}`": v for k, v in messages(world).items()}, SECRETS)
    by_secret: dict[str, set[str]] = {}
    for leak in found:
        where, name = leak.rsplit(": ", 1)
        where = re.sub(r"\(bytes\)$", "", where.replace(str(world["root"]) + "/", ""))
        by_secret.setdefault(name, set()).add(re.sub(r"!\w+\d+$", "", where))
    report = "\n".join(f"{name}: {', '.join(sorted(places))}" for name, places in sorted(by_secret.items()))
    assert not found and not failed, (f"{len(by_secret)} of {len(SECRETS)} planted values leak; "
                                      f"failed commands: {failed}\n{report}")
