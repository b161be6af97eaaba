import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from complaints.errors import InputFileError
from complaints.ingest.pipeline import ingest_file
from complaints.text.mask import contains_pii

from .conftest import COMPLAINT_HEADER, COMPLAINT_ROWS, ROOT, library_rows, write_csv


def snapshot(library):
    """Everything the library holds, to compare before/after a failed ingest."""
    return {t: library_rows(library, f"SELECT * FROM {t} ORDER BY ALL")
            for t in ("complaints", "customers", "port_events", "batches", "rejects")}


def test_ingest_maps_chinese_headers_cleans_masks_and_hashes(library, complaints_csv):
    res = ingest_file(library, "complaints", complaints_csv)
    assert (res.accepted, res.rejected, res.skipped) == (4, 0, 0)
    assert res.column_map["text"] == "投诉内容" and res.column_map["customer_key"] == "手机号码"
    rows = {r[0]: r for r in library_rows(
        library, "SELECT complaint_id, customer_key, region, text, attributes, received_at FROM complaints")}
    assert rows["GD003"][2] == "宁波"  # traditional -> simplified in fields too
    assert "增值业务费" in rows["GD003"][3] and "<手机号>" in rows["GD003"][3]
    assert json.loads(rows["GD001"][4]) == {"投诉类别": "网络质量"}  # unknown columns kept as attributes
    assert str(rows["GD003"][5]) == "2024-06-01 00:00:00"
    # the same number written two ways joins to one key, and no key is a phone number in clear
    assert rows["GD001"][1] == rows["GD002"][1]
    assert rows["GD003"][1] == ingest_key(library, "13912345678")
    for r in rows.values():
        assert not contains_pii(r[1]) and not contains_pii(r[3])


def ingest_key(library, number):
    from complaints.ingest.keys import CustomerKeyer

    return CustomerKeyer(library.hash_key())(number)


def test_no_raw_phone_number_anywhere_in_the_library_files(library, complaints_csv):
    ingest_file(library, "complaints", complaints_csv)
    blob = b"".join(p.read_bytes() for p in library.root.rglob("*") if p.is_file() and p.name != "config.json")
    for secret in ("13812345678", "13912345678", "13900001111", "13700001111"):
        assert secret.encode() not in blob
        assert not library_rows(library, f"SELECT 1 FROM complaints WHERE text LIKE '%{secret}%' "
                                         f"OR customer_key LIKE '%{secret}%' OR attributes LIKE '%{secret}%'")


def test_missing_required_column_fails_naming_file_column_and_found_columns(library, tmp_path):
    bad = write_csv(tmp_path / "no_text.csv", ["工单编号", "手机号码", "受理时间"], [["A1", "13812345678", "2024-06-01"]])
    with pytest.raises(InputFileError) as exc:
        ingest_file(library, "complaints", bad)
    msg = str(exc.value)
    assert "no_text.csv" in msg and "'text'" in msg and "工单编号, 手机号码, 受理时间" in msg
    assert not library.db_path.exists()


def test_bad_rows_go_to_rejects_with_file_row_and_reason_good_rows_go_in(library, tmp_path):
    rows = COMPLAINT_ROWS + [
        ["GD005", "13600001111", "2025-13-45", "营业厅", "杭州", "宽带断网三天", "宽带"],  # row 6
        ["GD006", "13600001111", "2024-06-02", "营业厅", "杭州", "   ", "宽带"],  # row 7: empty text
        ["GD001", "13812345678", "2024-06-01 13:05:00", "10086热线", "杭州", "完全不同的内容", "网络质量"],  # row 8
        ["GD007", "13600001111", "", "营业厅", "杭州", "没有日期的投诉也要保留", "其他"],  # row 9: undated, kept
        ["", "", "", "", "", "", ""],  # blank row: skipped
    ]
    f = write_csv(tmp_path / "mixed.csv", COMPLAINT_HEADER, rows)
    res = ingest_file(library, "complaints", f)
    assert (res.accepted, res.rejected, res.skipped) == (5, 3, 1)
    assert res.notes["undated"] == 1
    rejects = library_rows(library, "SELECT source_file, row_number, column_name, reason, raw FROM rejects "
                                    "ORDER BY row_number")
    assert [(r[1], r[2]) for r in rejects] == [(6, "received_at"), (7, "text"), (8, "complaint_id")]
    assert all(r[0].endswith("mixed.csv") for r in rejects)
    assert "2025-13-45" in rejects[0][3] and "empty" in rejects[1][3] and "different content" in rejects[2][3]
    assert all("136000011" not in r[4] for r in rejects)  # the kept raw row is masked too
    assert library_rows(library, "SELECT count(*) FROM complaints WHERE received_at IS NULL") == [(1,)]


def test_reingest_adds_nothing_and_overlapping_file_skips_known_rows(library, complaints_csv, tmp_path):
    ingest_file(library, "complaints", complaints_csv)
    before = snapshot(library)
    again = ingest_file(library, "complaints", complaints_csv)
    assert again.already_ingested and again.accepted == 0
    assert snapshot(library) == before
    overlap = write_csv(tmp_path / "overlap.csv", COMPLAINT_HEADER, COMPLAINT_ROWS[:2] + [
        ["GD100", "13500001111", "2024-06-09", "APP", "杭州", "新的投诉：流量包被乱扣", "资费争议"]])
    res = ingest_file(library, "complaints", overlap)
    assert (res.accepted, res.skipped, res.rejected) == (1, 2, 0)
    assert library_rows(library, "SELECT count(*) FROM complaints") == [(5,)]


def test_reexport_with_new_resolution_updates_state_not_identity(library, tmp_path):
    header = ["工单编号", "手机号码", "受理时间", "投诉内容", "办结时间", "满意度"]
    first = write_csv(tmp_path / "a.csv", header, [["T1", "13812345678", "2024-06-01", "信号差", "", ""]])
    second = write_csv(tmp_path / "b.csv", header, [["T1", "13812345678", "2024-06-01", "信号差",
                                                      "2024-06-03 10:00", "不满意"]])
    ingest_file(library, "complaints", first)
    res = ingest_file(library, "complaints", second)
    assert (res.accepted, res.updated) == (0, 1)
    assert library_rows(library, "SELECT resolved_at IS NOT NULL, satisfaction FROM complaints") == [(True, 2.0)]


def test_missing_ids_are_derived_from_content_and_stable(library, tmp_path):
    f = write_csv(tmp_path / "noid.csv", ["问题描述", "投诉时间"], [["网速太慢", "2024-06-01"], ["话费乱扣", ""]])
    ingest_file(library, "complaints", f)
    ids = library_rows(library, "SELECT complaint_id FROM complaints ORDER BY 1")
    f2 = write_csv(tmp_path / "noid2.csv", ["问题描述", "投诉时间", "备注"], [["网速太慢", "2024/6/1", "x"]])
    res = ingest_file(library, "complaints", f2)
    assert res.accepted == 0 and res.updated == 1  # same complaint, new attribute
    assert library_rows(library, "SELECT complaint_id FROM complaints ORDER BY 1") == ids
    assert all(i[0].startswith("h") for i in ids)


def test_the_same_file_read_again_with_its_date_mapped_dates_the_stored_complaints(library, tmp_path):
    """With and without an id column: the undated complaints get their dates, nothing is added twice,
    and a different text under a known id is still a rejected conflict."""
    withid = write_csv(tmp_path / "ids.csv", ["编号", "时刻", "问题描述"],
                       [["W1", "2024-06-01 09:30", "网速太慢"], ["W2", "2024-06-02", "话费乱扣"]])
    noid = write_csv(tmp_path / "noid.csv", ["时刻", "问题描述"], [["2024-06-03", "宽带断网"], ["", "没有日期的投诉"]])
    ids = {"编号": "complaint_id"}
    ingest_file(library, "complaints", withid, ids)
    ingest_file(library, "complaints", noid)
    assert library_rows(library, "SELECT count(*), count(received_at) FROM complaints") == [(4, 0)]
    before_ids = library_rows(library, "SELECT complaint_id FROM complaints ORDER BY 1")

    res = ingest_file(library, "complaints", withid, {**ids, "时刻": "received_at"})
    assert not res.already_ingested and (res.accepted, res.updated, res.rejected) == (0, 2, 0)
    res = ingest_file(library, "complaints", noid, {"时刻": "received_at"})
    assert (res.accepted, res.updated) == (0, 2)  # the undated row: its 时刻 attribute is now a field
    assert library_rows(library, "SELECT complaint_id FROM complaints ORDER BY 1") == before_ids
    dated = library_rows(library, "SELECT complaint_id, strftime(received_at, '%Y-%m-%d %H:%M') FROM complaints "
                                  "WHERE received_at IS NOT NULL ORDER BY received_at")
    assert dated[:2] == [("W1", "2024-06-01 09:30"), ("W2", "2024-06-02 00:00")]
    assert dated[2][1] == "2024-06-03 00:00" and dated[2][0].startswith("h") and (dated[2][0],) in before_ids
    assert ingest_file(library, "complaints", withid, {**ids, "时刻": "received_at"}).already_ingested

    other = write_csv(tmp_path / "other.csv", ["编号", "时刻", "问题描述"], [["W1", "2024-06-05", "另一件事"]])
    res = ingest_file(library, "complaints", other, ids | {"时刻": "received_at"})
    assert res.rejected == 1 and res.updated == 0  # an id already used by another complaint


def test_map_override_and_unknown_map_target(library, tmp_path):
    f = write_csv(tmp_path / "odd.csv", ["单号", "诉求详情", "来电号码"], [["X1", "宽带老掉线", "13812345678"]])
    with pytest.raises(InputFileError, match="missing required column 'text'"):
        ingest_file(library, "complaints", f)
    res = ingest_file(library, "complaints", f, {"诉求详情": "text", "单号": "complaint_id", "来电号码": "customer_key"})
    assert res.accepted == 1
    row = library_rows(library, "SELECT complaint_id, customer_key FROM complaints")[0]
    assert row[0] == "X1" and row[1] == ingest_key(library, "13812345678")
    with pytest.raises(InputFileError, match="unknown field 'txt'"):
        ingest_file(library, "complaints", f, {"诉求详情": "txt"})


def test_gb18030_csv_with_chinese_headers(library, tmp_path):
    f = write_csv(tmp_path / "gbk.csv", ["投诉编号", "用户号码", "投诉时间", "渠道", "区域", "问题描述"],
                  [["W1", "13812345678", "2024年6月1日", "微博", "杭州", "携号转网被营业厅刁难，说我有合约"],
                   ["W2", "13812345679", "2024年6月2日", "微博", "宁波", "㐀 生僻字也要保留：宽带续费"]],
                  encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        f.read_bytes().decode("utf-8")
    res = ingest_file(library, "complaints", f)
    assert res.encoding == "gb18030" and res.accepted == 2
    texts = [r[0] for r in library_rows(library, "SELECT text FROM complaints ORDER BY complaint_id")]
    assert texts[0] == "携号转网被营业厅刁难,说我有合约" and "㐀" in texts[1]


def test_utf8_bom_xlsx_jsonl_and_parquet(library, tmp_path):
    bom = tmp_path / "bom.csv"
    bom.write_bytes("\ufeff工单编号,投诉内容\nB1,信号差\n".encode("utf-8"))
    assert ingest_file(library, "complaints", bom).accepted == 1

    xlsx = tmp_path / "x.xlsx"
    pd.DataFrame({"工单号": ["X1", "X2"], "工单内容": ["光猫坏了", "机顶盒没信号"],
                  "受理时间": [pd.Timestamp("2024-06-01 08:00"), pd.Timestamp("2024-06-02 09:30")]}
                 ).to_excel(xlsx, index=False)
    res = ingest_file(library, "complaints", xlsx)
    assert (res.format, res.accepted) == ("xlsx", 2)
    assert library_rows(library, "SELECT received_at FROM complaints WHERE complaint_id='X2'")[0][0].minute == 30

    jsonl = tmp_path / "j.jsonl"
    jsonl.write_text('{"id": "J1", "content": "话费乱扣"}\n{broken\n\n{"id": "J2", "content": "套餐降档难"}\n',
                     encoding="utf-8")
    res = ingest_file(library, "complaints", jsonl)
    assert (res.accepted, res.rejected) == (2, 1)
    assert library_rows(library, f"SELECT row_number FROM rejects WHERE batch_id = {res.batch_id}") == [(2,)]

    pq = tmp_path / "p.parquet"
    pd.DataFrame({"complaint_id": ["P1"], "text": ["国际漫游费太贵"], "satisfaction": [3.0]}).to_parquet(pq)
    assert ingest_file(library, "complaints", pq).accepted == 1
    assert library_rows(library, "SELECT count(*) FROM complaints") == [(6,)]


def test_customers_and_ports_join_on_hashed_keys(library, complaints_csv, tmp_path):
    ingest_file(library, "complaints", complaints_csv)
    cust = write_csv(tmp_path / "cust.csv", ["用户号码", "套餐", "入网时间", "地市", "ARPU", "合约到期"],
                     [["13812345678", "5G畅享129元", "2019-03-01", "杭州", "129.5", "2025-03-01"],
                      ["+86 139-1234-5678", "4G飞享38元", "2021/7/1", "宁波", "38", ""],
                      ["13700001111", "融合宽带199元", "2020年1月1日", "温州", "abc", ""]])
    res = ingest_file(library, "customers", cust)
    assert (res.accepted, res.rejected) == (2, 1)
    ports = write_csv(tmp_path / "ports.csv", ["携转单号", "手机号码", "携转方向", "申请时间", "完成时间", "携转状态", "对方运营商"],
                      [["P1", "13812345678", "携出", "2024-07-01", "2024-07-02", "成功", "联通"],
                       ["P2", "13912345678", "携出", "2024-07-05", "", "撤销", "中国电信"],
                       ["P3", "13912345678", "飞走", "2024-07-05", "", "", ""],
                       ["P4", "13912345678", "携入", "", "", "", ""]])
    res = ingest_file(library, "ports", ports)
    assert (res.accepted, res.rejected) == (2, 2)
    joined = library_rows(library, """
        SELECT p.event_id, p.status, p.other_operator, cu.plan, count(c.complaint_id)
        FROM port_events p JOIN customers cu USING (customer_key) JOIN complaints c USING (customer_key)
        GROUP BY ALL ORDER BY 1""")
    assert joined == [("P1", "completed", "中国联通", "5G畅享129元", 2), ("P2", "cancelled", "中国电信", "4G飞享38元", 1)]
    # a newer customer snapshot replaces the older row
    cust2 = write_csv(tmp_path / "cust2.csv", ["用户号码", "套餐"], [["13812345678", "5G尊享199元"]])
    assert ingest_file(library, "customers", cust2).updated == 1
    assert library_rows(library, "SELECT count(*), max(plan) FROM customers") == [(2, "5G尊享199元")]


def test_repeat_complaints_are_linked_to_the_first(library, complaints_csv):
    ingest_file(library, "complaints", complaints_csv)
    rows = dict(library_rows(library, "SELECT complaint_id, repeat_of FROM complaints"))
    assert rows == {"GD001": None, "GD002": "GD001", "GD003": None, "GD004": None}


def test_error_mid_ingest_leaves_library_exactly_as_before(library, complaints_csv, tmp_path, monkeypatch):
    ingest_file(library, "complaints", complaints_csv)
    before = snapshot(library)
    more = write_csv(tmp_path / "more.csv", COMPLAINT_HEADER, [
        ["GD200", "13812345678", "2024-06-20", "APP", "杭州", "又是信号差", "网络质量"]])
    import complaints.ingest.pipeline as ing

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ing, "relink_repeats", boom)
    with pytest.raises(RuntimeError):
        ingest_file(library, "complaints", more)
    assert snapshot(library) == before


def _run_ingest_subprocess(library, path, patch: str = "", env=None):
    code = "\n".join([
        "import os, signal, sys, time",
        "import complaints.ingest.pipeline as ing",
        "from complaints.config import resolve_library",
        patch,
        f"res = ing.ingest_file(resolve_library({str(library.root)!r}), 'complaints', {str(path)!r})",
        "print('accepted', res.accepted)",
    ])
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, **(env or {})})


def test_ingest_killed_part_way_leaves_library_as_before(library, complaints_csv, tmp_path):
    ingest_file(library, "complaints", complaints_csv)
    before = snapshot(library)
    rows = [[f"K{i}", f"1380000{i:04d}", "2024-06-10", "APP", "杭州", f"第{i}条投诉：网速慢", "网络质量"]
            for i in range(3000)]
    big = write_csv(tmp_path / "big.csv", COMPLAINT_HEADER, rows)
    # SIGKILL the process after the rows are written inside the transaction, before commit.
    proc = _run_ingest_subprocess(
        library, big, "ing.relink_repeats = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)")
    proc.communicate(timeout=120)
    assert proc.returncode == -9
    assert snapshot(library) == before
    res = ingest_file(library, "complaints", big)  # and the library still works afterwards
    assert res.accepted == 3000


def test_two_ingests_at_once_one_waits_or_fails_clearly(library, complaints_csv, tmp_path):
    ingest_file(library, "complaints", complaints_csv)
    a = write_csv(tmp_path / "a.csv", COMPLAINT_HEADER, [["A1", "", "2024-06-10", "APP", "杭州", "宽带断网", "宽带"]])
    b = write_csv(tmp_path / "b.csv", COMPLAINT_HEADER, [["B1", "", "2024-06-11", "APP", "杭州", "话费乱扣", "资费"]])
    slow = ("_orig = ing.relink_repeats\n"
            "def _slow(*a, **k):\n    print('holding', flush=True); time.sleep(4); return _orig(*a, **k)\n"
            "ing.relink_repeats = _slow")
    holder = _run_ingest_subprocess(library, a, slow)
    assert holder.stdout.readline().strip() == "holding"
    impatient = _run_ingest_subprocess(library, b, env={"COMPLAINTS_LOCK_WAIT": "0.5"})
    _, err = impatient.communicate(timeout=60)
    assert impatient.returncode != 0 and "busy" in err and "another complaints process" in err
    patient = _run_ingest_subprocess(library, b, env={"COMPLAINTS_LOCK_WAIT": "60"})
    out_p, err_p = patient.communicate(timeout=120)
    holder.communicate(timeout=120)
    assert holder.returncode == 0 and patient.returncode == 0, err_p
    assert "accepted 1" in out_p
    assert library_rows(library, "SELECT count(*) FROM complaints") == [(6,)]
    assert library_rows(library, "SELECT count(*) FROM batches") == [(3,)]
