"""The synthetic data generator: determinism, file layout, realism, and the planted porting signal."""

from __future__ import annotations

import json
import math
import re
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from complaints.demo.generate import generate
from complaints.demo.noise import _TRAD_MAP, to_traditional
from complaints.demo.vocabulary import CITIES, EMERGING, EMERGING_TEMPLATES, TEMPLATES

N = 3000
SEED = 3  # at n=3000 the porting signal holds for every seed tried; strong-vs-weak is noisier
MAIN_HEADER = ["工单编号", "手机号码", "受理时间", "受理渠道", "地市", "投诉内容", "是否工信部申诉", "办结时间",
               "满意度", "投诉类别", "工单状态"]
WEIBO_HEADER = ["投诉编号", "用户号码", "投诉时间", "渠道", "区域", "问题描述"]
CUSTOMER_HEADER = ["用户号码", "套餐", "入网时间", "地市", "ARPU", "合约到期"]
PORT_HEADER = ["携转单号", "手机号码", "携转方向", "申请时间", "完成时间", "携转状态", "对方运营商"]
EXPECTED_PAIN_POINTS = {
    "network": "网络质量", "broadband": "宽带", "billing": "资费争议", "subscription": "增值业务乱订",
    "package": "套餐营销", "business": "业务办理", "porting": "携号转网受阻", "service": "服务态度",
    "security": "骚扰与信息安全", "contract": "合约与违约金", "device": "终端设备",
}
_DATE = re.compile(r"^(\d{4})[-/年](\d{1,2})[-/月](\d{1,2})")


def _day(value: str):
    """Date part of the export's mixed formats; None for empty or unparseable cells."""
    m = _DATE.match(value or "")
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _read(path: Path, encoding: str = "utf-8") -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    seen = []
    summary = generate(out, n_customers=N, seed=SEED, progress=seen.append)
    main = _read(out / "complaints.csv")
    weibo = _read(out / "complaints_weibo_gbk.csv", encoding="gb18030")
    customers = _read(out / "customers.csv")
    ports = _read(out / "ports.csv")
    gt = json.loads((out / "ground_truth.json").read_text(encoding="utf-8"))
    return {"out": out, "summary": summary, "progress": seen, "main": main, "weibo": weibo,
            "customers": customers, "ports": ports, "gt": gt}


@pytest.fixture(scope="module")
def all_complaints(data):
    main, weibo = data["main"], data["weibo"]
    df = pd.concat([
        pd.DataFrame({"id": main["工单编号"], "phone": main["手机号码"], "time": main["受理时间"],
                      "channel": main["受理渠道"], "text": main["投诉内容"]}),
        pd.DataFrame({"id": weibo["投诉编号"], "phone": weibo["用户号码"], "time": weibo["投诉时间"],
                      "channel": weibo["渠道"], "text": weibo["问题描述"]}),
    ], ignore_index=True)
    df["day"] = [_day(v) for v in df["time"]]
    df["pp"] = df["id"].map(data["gt"]["complaint_pain_points"])
    return df


def test_deterministic(tmp_path, data):
    generate(tmp_path / "a", n_customers=N, seed=SEED)
    names = ["complaints.csv", "complaints_weibo_gbk.csv", "customers.csv", "ports.csv", "ground_truth.json"]
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (data["out"] / name).read_bytes(), name
    generate(tmp_path / "b", n_customers=N, seed=SEED + 1)
    assert (tmp_path / "b" / "complaints.csv").read_bytes() != (data["out"] / "complaints.csv").read_bytes()


def test_summary_and_progress(data):
    s = data["summary"]
    assert s["rows"]["customers"] == N
    assert s["rows"]["complaints"] == len(data["main"])
    assert s["rows"]["complaints_weibo_gbk"] == len(data["weibo"])
    assert s["rows"]["ports"] == len(data["ports"])
    assert all(Path(p).exists() for p in s["paths"].values())
    assert data["progress"][0] == 0 and data["progress"][-1] == 100
    assert data["progress"] == sorted(data["progress"])


def test_headers_and_encodings(data):
    out = data["out"]
    assert list(data["main"].columns) == MAIN_HEADER
    assert list(data["weibo"].columns) == WEIBO_HEADER
    assert list(data["customers"].columns) == CUSTOMER_HEADER
    assert list(data["ports"].columns) == PORT_HEADER
    raw_main = (out / "complaints.csv").read_bytes()
    assert not raw_main.startswith(b"\xef\xbb\xbf")
    raw_main.decode("utf-8")
    raw = (out / "complaints_weibo_gbk.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("gb18030")
    assert text.splitlines()[0] == ",".join(WEIBO_HEADER)
    assert len(re.findall(r"[\u4e00-\u9fff]", text)) > 1000
    share = len(data["weibo"]) / (len(data["weibo"]) + len(data["main"]))
    assert 0.04 < share < 0.12


def test_ids_and_phone_numbers(data, all_complaints):
    main, weibo, customers = data["main"], data["weibo"], data["customers"]
    assert main["工单编号"].str.fullmatch(r"GD\d{13}").all()
    assert main["工单编号"].is_unique and weibo["投诉编号"].is_unique
    assert not set(main["工单编号"]) & set(weibo["投诉编号"])
    assert customers["用户号码"].is_unique
    assert customers["用户号码"].str.fullmatch(r"1[3-9]\d{9}").all()
    assert set(all_complaints["phone"]) <= set(customers["用户号码"])
    assert set(main["地市"]) <= {c[0] for c in CITIES}
    assert 8 <= main["地市"].nunique() <= 12


def test_complaint_fields(data):
    main = data["main"]
    assert set(main["受理渠道"]) == {"10086热线", "手机营业厅APP", "营业厅", "网上营业厅", "微博", "工信部申诉"}
    assert main["受理渠道"].value_counts().index[0] == "10086热线"
    assert (main.loc[main["受理渠道"] == "工信部申诉", "是否工信部申诉"] == "是").all()
    share = (main["是否工信部申诉"] == "是").mean()
    assert 0.03 <= share <= 0.06
    assert set(main["满意度"]) <= {"非常满意", "满意", "一般", "不满意", "非常不满意", ""}
    assert set(main["工单状态"]) == {"已办结", "处理中"}
    assert (main.loc[main["工单状态"] == "处理中", "办结时间"] == "").all()
    assert set(main["投诉类别"]) <= set(EXPECTED_PAIN_POINTS.values())
    # mixed time formats, and a few bad / empty ones
    t = main["受理时间"]
    assert t.str.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}").mean() > 0.7
    assert t.str.fullmatch(r"\d{4}/\d{1,2}/\d{1,2} \d{1,2}:\d{2}").any()
    assert t.str.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日").any()
    bad = data["gt"]["bad_rows"]
    assert bad["empty_text"] and bad["unparseable_time"] and bad["empty_time"]
    by_id = main.set_index("工单编号")
    assert (by_id.loc[bad["empty_text"], "投诉内容"].str.strip() == "").all()
    assert (by_id.loc[bad["empty_time"], "受理时间"] == "").all()
    assert all(_day(v) is None for v in by_id.loc[bad["unparseable_time"], "受理时间"])
    # resolution after acceptance
    full = main[t.str.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}") & (main["办结时间"] != "")]
    acc = pd.to_datetime(full["受理时间"], errors="coerce")
    ok = acc.notna()
    assert ok.mean() > 0.99
    assert (pd.to_datetime(full["办结时间"])[ok] > acc[ok]).all()
    # operator labels follow the truth up to ~5% noise
    truth = main["工单编号"].map(data["gt"]["complaint_pain_points"])
    names = dict(EXPECTED_PAIN_POINTS, emerging=EMERGING["operator_label"])
    agree = (main["投诉类别"] == truth.map(names)).mean()
    assert 0.92 < agree < 0.98


def test_pain_points_templates_and_variety(data, all_complaints):
    gt = data["gt"]
    assert {p["key"]: p["name"] for p in gt["pain_points"]} == EXPECTED_PAIN_POINTS
    for key in EXPECTED_PAIN_POINTS:
        assert len(TEMPLATES[key]) >= 6, key
    assert len(EMERGING_TEMPLATES) >= 6
    texts = all_complaints["text"]
    assert texts.nunique() / len(texts) >= 0.5
    assert set(gt["complaint_pain_points"]) == set(all_complaints["id"])
    for key in EXPECTED_PAIN_POINTS:
        sub = all_complaints.loc[all_complaints["pp"] == key, "text"]
        assert len(sub) > 30 and sub.nunique() / len(sub) > 0.8, key
    lengths = texts[texts.str.strip() != ""].str.len()
    assert lengths.min() >= 15 and lengths.max() <= 260 and lengths.std() > 10
    assert gt["secondary_pain_points"]


def test_realism_noise(data, all_complaints):
    texts = all_complaints["text"]
    mobile = texts.str.contains(r"(?<!\d)1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)")
    assert 0.04 < mobile.mean() < 0.2
    assert texts.str.contains(r"05\d{2}-\d{7,8}").any()
    assert texts.str.contains(r"(?<!\d)\d{17}[\dX](?!\d)").any()
    assert texts.str.contains(r"[\w.]+@[\w]+\.com").any()
    assert texts.str.contains(r"[網費號轉機業務寬帶話們這還沒說電開關時個來會對]").mean() > 0.01
    assert texts.str.contains(r"[０-９Ａ-Ｚａ-ｚ]").any()
    assert texts.str.contains(r"<br/?>|&nbsp;|<p>").any()
    assert texts.str.contains("😡|🙏|😤|💢|👎|😭|🤬|😓").any()
    assert texts.str.contains("10086").any()
    noise = data["gt"]["noise"]
    by_id = all_complaints.set_index("id")["text"]
    trad_chars = set(to_traditional("".join(chr(c) for c in _TRAD_MAP)))
    for cid in noise["traditional"]:
        if by_id[cid].strip():
            assert set(by_id[cid]) & trad_chars, by_id[cid]


def test_duplicates(data, all_complaints):
    pairs = data["gt"]["duplicates"]
    n = len(all_complaints)
    assert 0.015 * n < len(pairs) < 0.05 * n
    rows = all_complaints.set_index("id")
    cross_file = 0
    for rep, orig in pairs:
        a, b = rows.loc[rep], rows.loc[orig]
        assert a["phone"] == b["phone"]
        assert a["channel"] != b["channel"]
        assert a["pp"] == b["pp"]
        if a["day"] and b["day"]:
            assert 1 <= (a["day"] - b["day"]).days <= 20
        assert _similar(a["text"], b["text"]) > 0.6, (a["text"], b["text"])
        cross_file += rep[:2] != orig[:2]
    assert cross_file > 0


def _similar(a: str, b: str) -> float:
    import difflib

    return difflib.SequenceMatcher(None, a, b).ratio()


def test_emerging_topic(data, all_complaints):
    em = data["gt"]["emerging"]
    first = date.fromisoformat(em["first_date"])
    end = date.fromisoformat(data["gt"]["params"]["end"])
    assert 28 <= (end - first).days <= 56
    ids = set(em["complaint_ids"])
    assert ids and ids == set(all_complaints.loc[all_complaints["pp"] == "emerging", "id"])
    days = all_complaints.loc[all_complaints["id"].isin(ids), "day"].dropna()
    assert (days >= first).all()
    pattern = "系统升级|系統升級|重复扣费|重複扣費|双倍扣费|雙倍扣費"
    flagged = all_complaints[all_complaints["text"].str.contains(pattern)]
    assert flagged["id"].isin(ids).all()
    assert (flagged["day"].dropna() >= first).all()
    window = all_complaints[all_complaints["day"].map(lambda d: d is not None and d >= first)]
    assert 0.01 < window["pp"].eq("emerging").mean() < 0.06


def test_customers_and_ports(data):
    customers, ports, gt = data["customers"], data["ports"], data["gt"]
    start = date.fromisoformat(gt["params"]["start"])
    arpu = customers["ARPU"].astype(float)
    assert (arpu > 0).all()
    assert 0.3 < (customers["合约到期"] == "").mean() < 0.7
    assert customers["套餐"].str.contains("5G畅享套餐129元").any()
    assert set(ports["携转方向"]) == {"携出", "携入"}
    assert set(ports["携转状态"]) == {"成功", "撤销", "拒绝"}
    assert set(ports["对方运营商"]) == {"中国联通", "中国电信", "中国广电"}
    assert ports["携转单号"].is_unique
    assert (ports.loc[ports["携转状态"] != "成功", "完成时间"] == "").all()
    assert (ports.loc[ports["携转状态"] == "成功", "完成时间"] != "").all()
    out = ports[ports["携转方向"] == "携出"]
    assert 0.7 < (out["携转状态"] == "成功").mean() < 0.92
    assert 0.02 < out["手机号码"].nunique() / len(customers) < 0.12
    # port-ins are customers with a late 入网时间
    pin = ports[(ports["携转方向"] == "携入") & ports["手机号码"].isin(customers["用户号码"])]
    assert len(pin) >= 0.005 * len(customers)
    joined = customers.set_index("用户号码").loc[pin["手机号码"], "入网时间"]
    assert (pd.to_datetime(joined).dt.date >= start).all()
    # data-quality edge cases
    orphans = ~ports["手机号码"].isin(customers["用户号码"])
    assert orphans.sum() >= 1
    assert set(ports.loc[orphans, "携转单号"]) == set(gt["port_outs"]["orphan_port_ids"])
    done = ports[ports["完成时间"] != ""]
    backwards = done[pd.to_datetime(done["完成时间"]) < pd.to_datetime(done["申请时间"])]
    assert len(backwards) >= 1
    assert set(backwards["携转单号"]) == set(gt["port_outs"]["completion_before_application_port_ids"])


def _port_out_rates(data, all_complaints):
    """90-day port-out request rate after a customer's first complaint of each pain point, from the CSVs."""
    gt, customers, ports = data["gt"], data["customers"], data["ports"]
    start = date.fromisoformat(gt["params"]["start"])
    end = date.fromisoformat(gt["params"]["end"])
    out = ports[ports["携转方向"] == "携出"]
    req = {p: _day(t) for p, t in zip(out["手机号码"], out["申请时间"])}
    dated = all_complaints.dropna(subset=["day"])
    rates = {}
    for key, grp in dated.groupby("pp"):
        firsts = grp.sort_values("day").groupby("phone")["day"].first()
        firsts = firsts[firsts.map(lambda d: d + timedelta(days=90) <= end + timedelta(days=1))]
        hits = [p in req and d <= req[p] < d + timedelta(days=90) for p, d in firsts.items()]
        rates[key] = (sum(hits), len(hits))
    # baseline: customers who never complained, person-time since the start (existing customers only)
    joined = pd.to_datetime(customers["入网时间"]).dt.date
    quiet = customers.loc[(joined < start) & ~customers["用户号码"].isin(all_complaints["phone"]), "用户号码"]
    events, exposure = 0, 0
    for p in quiet:
        d = req.get(p)
        if d is not None:
            events += 1
            exposure += (d - start).days + 1
        else:
            exposure += (end - start).days + 1
    baseline = 1 - math.exp(-90 * events / exposure)
    return rates, baseline, events


def test_planted_porting_signal(data, all_complaints):
    gt = data["gt"]
    rates, baseline, events = _port_out_rates(data, all_complaints)
    assert events >= 10
    base_true = gt["baseline"]["expected_90d_port_out_rate"]
    assert 0.5 * base_true < baseline < 2.0 * base_true
    planted = {p["key"]: p for p in gt["pain_points"]}
    # multipliers and expected rates are consistent with each other
    assert planted["porting"]["hazard_multiplier"] >= 5
    for key in ("network", "billing", "subscription"):
        assert planted[key]["hazard_multiplier"] >= 2
    for key in ("device", "service", "package", "security", "business", "broadband", "contract"):
        assert planted[key]["hazard_multiplier"] <= 1.25
    assert planted["porting"]["expected_90d_port_out_rate"] > 4 * base_true
    # the signal is in the data
    hits, n_porting = rates["porting"]
    assert n_porting >= 50
    porting_rate = hits / n_porting
    assert porting_rate > 2.5 * baseline

    def pooled(keys):
        return sum(rates[k][0] for k in keys) / sum(rates[k][1] for k in keys)

    strong = pooled(("network", "billing", "subscription"))
    weak = pooled(("device", "security", "business", "broadband", "service", "package", "contract"))
    assert porting_rate > strong > weak
    # and matches what ground_truth.json reports as observed
    assert abs(porting_rate - planted["porting"]["observed_90d_port_out_rate"]) < 0.02
    overall = data["ports"].query("携转方向 == '携出'")["手机号码"].isin(data["customers"]["用户号码"]).sum()
    assert 0.02 < overall / N < 0.12
