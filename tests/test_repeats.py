import datetime as dt

import pandas as pd

from complaints.ingest.repeats import find_repeats, near_identical


def test_near_identical_tolerates_punctuation_and_an_appended_sentence():
    a = "流量明明没用完，却收到短信说超出套餐，扣了121元流量费，这不是乱收费吗"
    assert near_identical(a, a.replace("，", "!") + "急")
    assert near_identical(a, "再次反映：" + a + "，之前反映过一直没人处理！")
    assert not near_identical(a, "宽带老是断网，光猫指示灯一直闪红灯，报修三天没人上门")


def frame(rows):
    return pd.DataFrame(rows, columns=["complaint_id", "customer_key", "received_at", "text"])


def test_repeats_need_same_customer_within_30_days_and_link_to_the_first():
    t0 = dt.datetime(2024, 6, 1)
    text = "我家信号太差了，打电话老是掉线，网速也慢"
    links = find_repeats(frame([
        ("A", "k1", t0, text),
        ("B", "k1", t0 + dt.timedelta(days=5), text + "！急"),
        ("C", "k1", t0 + dt.timedelta(days=20), text + "。"),  # repeat of B, so of A
        ("D", "k2", t0 + dt.timedelta(days=1), text),  # another customer
        ("E", "k1", t0 + dt.timedelta(days=80), text),  # too late: a new issue
    ]))
    assert links == {"B": "A", "C": "A"}


def test_late_arriving_earlier_complaint_becomes_the_first(library, tmp_path):
    from complaints.ingest.pipeline import ingest_file

    from .conftest import library_rows, write_csv

    header = ["工单编号", "手机号码", "受理时间", "投诉内容"]
    text = "营业厅不给携号转网授权码，说我有合约"
    ingest_file(library, "complaints", write_csv(tmp_path / "a.csv", header, [["L2", "13812345678", "2024-06-10", text]]))
    ingest_file(library, "complaints", write_csv(tmp_path / "b.csv", header, [["L1", "13812345678", "2024-06-01", text]]))
    assert dict(library_rows(library, "SELECT complaint_id, repeat_of FROM complaints")) == {"L1": None, "L2": "L1"}
