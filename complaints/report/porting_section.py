"""Section 6: why customers left (pain points before port-out), lift with confidence intervals, net flow."""

from __future__ import annotations

import pandas as pd

from .data import ReportData
from .links import LOOKBACK_DAYS, WINDOWS, Porting
from .model import SECTION_TITLES, Chart, Section, Table

TITLE = dict(SECTION_TITLES)["porting"]


def _reasons(data: ReportData, porting: Porting) -> pd.DataFrame:
    s = porting.summary
    if s.empty:
        return pd.DataFrame()
    keys = s["painpoint_key"] if "painpoint_key" in s else s["painpoint"]
    return pd.DataFrame({"痛点 Pain point": [data.painpoint_name(str(k)) for k in keys],
                         "负责部门 Department": [data.department(str(k)) or "–" for k in keys],
                         "携出申请 Port-out requests": s["port_outs"].astype(int).to_numpy(),
                         "占携出申请比例 Share of requests": s["share"].astype(float).to_numpy()})


def _topics(data: ReportData, porting: Porting, top: int = 10) -> pd.DataFrame:
    t = porting.topic_summary
    if t.empty:
        return pd.DataFrame()
    t = t.head(top)
    keys = t["painpoint_key"] if "painpoint_key" in t else [""] * len(t)
    return pd.DataFrame({"话题 Topic": t["topic_id"].astype(int).to_numpy(), "标签 Label": t["label"].to_numpy(),
                         "痛点 Pain point": [data.painpoint_name(str(k)) if k else "–" for k in keys],
                         "携出申请 Port-out requests": t["port_outs"].astype(int).to_numpy(),
                         "占携出申请比例 Share of requests": t["share"].astype(float).to_numpy()})


def _lift(data: ReportData, porting: Porting) -> pd.DataFrame:
    """Every column of link.painpoint_lift, with display names (for the workbook)."""
    lf = porting.lift
    if lf.empty:
        return pd.DataFrame()
    keys = lf["painpoint"] if "painpoint" in lf else lf["key"]
    out = pd.DataFrame({"痛点 Pain point": [data.painpoint_name(str(k)) for k in keys],
                        "负责部门 Department": lf["department"].fillna("").to_numpy(),
                        "投诉客户 Complainants": lf["complainants"].astype(int).to_numpy()})
    for w in WINDOWS:
        out[f"{w}天携出率 Rate {w}d"] = lf[f"rate_{w}"].to_numpy()
        out[f"{w}天基线 Baseline {w}d"] = lf[f"baseline_rate_{w}"].to_numpy()
        out[f"{w}天提升 Lift {w}d"] = lf[f"lift_{w}"].to_numpy()
        out[f"{w}天下限 CI low {w}d"] = lf[f"lift_{w}_lo"].to_numpy()
        out[f"{w}天上限 CI high {w}d"] = lf[f"lift_{w}_hi"].to_numpy()
    out["中位携出天数 Median days to port"] = lf["median_days_to_port"].to_numpy()
    return out


def _with_ci(lift, lo, hi) -> str:
    if pd.isna(lift):
        return "–"
    return f"{lift:.2f}×" + ("" if pd.isna(lo) or pd.isna(hi) else f" ({lo:.2f}–{hi:.2f})")


def _lift_compact(full: pd.DataFrame) -> pd.DataFrame:
    """The page's version: the 90-day rates and each window's lift with its interval in one cell."""
    out = full[["痛点 Pain point", "负责部门 Department", "投诉客户 Complainants", f"{WINDOWS[-1]}天携出率 Rate "
                f"{WINDOWS[-1]}d", f"{WINDOWS[-1]}天基线 Baseline {WINDOWS[-1]}d"]].copy()
    for w in WINDOWS:
        out[f"{w}天提升 Lift {w}d (95% CI)"] = [_with_ci(a, b, c) for a, b, c in zip(
            full[f"{w}天提升 Lift {w}d"], full[f"{w}天下限 CI low {w}d"], full[f"{w}天上限 CI high {w}d"])]
    out["中位携出天数 Median days to port"] = full["中位携出天数 Median days to port"]
    return out


def _lift_formats() -> dict[str, str]:
    f = {"投诉客户 Complainants": "int", "中位携出天数 Median days to port": "float1"}
    for w in WINDOWS:
        f.update({f"{w}天携出率 Rate {w}d": "pct", f"{w}天基线 Baseline {w}d": "pct", f"{w}天提升 Lift {w}d": "x2",
                  f"{w}天下限 CI low {w}d": "x2", f"{w}天上限 CI high {w}d": "x2", f"{w}天提升 Lift {w}d (95% CI)": "text"})
    return f


def _flow(porting: Porting, period_months: set[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    f = porting.flow
    if f.empty:
        return pd.DataFrame(), pd.DataFrame()
    mine = f[f["month"].astype(str).isin(period_months)]
    by_op = mine.groupby("other_operator")[["port_out", "port_in", "net"]].sum().reset_index()
    by_op = by_op.sort_values("net")
    by_op = by_op.rename(columns={"other_operator": "对方运营商 Other operator", "port_out": "携出 Port-outs",
                                  "port_in": "携入 Port-ins", "net": "净流入 Net"})
    monthly = f.rename(columns={"month": "月份 Month", "other_operator": "对方运营商 Other operator",
                                "net": "净流入 Net (in − out)", "port_out": "携出 Port-outs", "port_in": "携入 Port-ins",
                                "port_out_requests": "携出申请 Port-out requests",
                                "port_out_cancelled": "撤销 Cancelled"})
    return by_op, monthly


def porting_section(data: ReportData, porting: Porting) -> Section:
    sec = Section(6, "porting", TITLE)
    if not porting.available:
        sec.bullets.append(f"携号转网数据不可用 Porting figures unavailable: {porting.reason}")
        return sec
    sec.bullets.append(f"本期携出申请 {porting.port_outs:,} 笔（其中撤销 {porting.cancelled:,} 笔，即挽留成功）、携入 "
                       f"{porting.port_ins:,} 笔。Port-out requests {porting.port_outs:,} (cancelled, i.e. retained: "
                       f"{porting.cancelled:,}), port-ins {porting.port_ins:,}.")
    if porting.port_outs:
        sec.bullets.append(f"{porting.preceded:,} 笔（{porting.preceded / porting.port_outs:.0%}）的客户在申请前 "
                           f"{LOOKBACK_DAYS} 天内投诉过；其余 {porting.port_outs - porting.preceded:,} 笔之前没有投诉。"
                           f"{porting.preceded:,} of the requesting customers complained in the {LOOKBACK_DAYS} days "
                           "before.")
    reasons = _reasons(data, porting)
    if not reasons.empty:
        sec.tables.append(Table(f"携出原因 Why customers left (pain points in the {LOOKBACK_DAYS} days before port-out)",
                                reasons, {"携出申请 Port-out requests": "int", "占携出申请比例 Share of requests": "pct"},
                                note="一户可有多个痛点 A customer may have several pain points."))
        sec.charts.append(Chart("porting_reasons", "携出前的投诉痛点 Pain points before port-out", "bar_h",
                                reasons.sort_values("携出申请 Port-out requests"), "携出申请 Port-out requests", "痛点 Pain point",
                                hover=["占携出申请比例 Share of requests"], formats={"占携出申请比例 Share of requests": "pct"},
                                x_title="port-outs"))
    topics = _topics(data, porting)
    if not topics.empty:
        sec.tables.append(Table("携出前最常见的话题 Topics most often complained about before a port-out", topics,
                                {"携出申请 Port-out requests": "int", "占携出申请比例 Share of requests": "pct"}))
    lift = _lift(data, porting)
    if not lift.empty:
        a, b = porting.lift_window or ("", "")
        note = (f"投诉 {a} – {b}，只计随访期已覆盖的投诉；提升 = 只投诉该痛点后窗口内的携出申请率与可比的未投诉"
                "客户之比（Mantel-Haenszel 分层），基线 = 携出率 ÷ 提升。Complaints in that span whose follow-up is "
                "covered by the port data; lift = port-out rate ratio after a complaint about only this pain point "
                "against comparable customer-time without complaints (stratified Mantel-Haenszel); baseline = rate "
                "÷ lift.")
        sec.tables.append(Table("携出提升 Port-out lift by pain point (95% CI)", _lift_compact(lift), _lift_formats(),
                                note=note))
        sec.tables.append(Table("携出提升明细 Port-out lift, every window", lift, _lift_formats(), xlsx_only=True))
        w = WINDOWS[-1]
        sec.charts.append(Chart("porting_lift", f"{w} 天携出提升与 95% 置信区间 {w}-day port-out lift with 95% CI",
                                "error_bar", lift, "痛点 Pain point", f"{w}天提升 Lift {w}d",
                                error_lo=f"{w}天下限 CI low {w}d", error_hi=f"{w}天上限 CI high {w}d",
                                hover=["投诉客户 Complainants", f"{w}天携出率 Rate {w}d", f"{w}天基线 Baseline {w}d"],
                                formats=_lift_formats(), y_title="lift (×)"))
    months = {m.strftime("%Y-%m") for m in pd.date_range(data.period.start, data.period.last_day, freq="D")}
    by_op, monthly = _flow(porting, months)
    if not by_op.empty:
        sec.tables.append(Table("本期净携转 Net porting flow by other operator (this period)", by_op,
                                {c: "int" for c in by_op.columns[1:]},
                                note="按月汇总；非整月的报告期按所涉月份计 Summed over the months the period touches."))
    if not monthly.empty:
        sec.charts.append(Chart("net_flow", "各运营商月度净携转 Monthly net porting flow by operator", "bar_group",
                                monthly, "月份 Month", "净流入 Net (in − out)", color="对方运营商 Other operator",
                                hover=["携出 Port-outs", "携入 Port-ins"], y_title="net customers"))
        sec.tables.append(Table("月度携转 Monthly porting flow", monthly, {c: "int" for c in monthly.columns[2:]},
                                xlsx_only=True))
    return sec
