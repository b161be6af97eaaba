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
    return pd.DataFrame({"痛点 Pain point": [data.painpoint_name(str(k)) for k in s["painpoint"]],
                         "携出户数 Port-outs": s["port_outs"].astype(int).to_numpy(),
                         "占携出比例 Share of port-outs": s["share"].astype(float).to_numpy()})


def _lift(data: ReportData, porting: Porting) -> pd.DataFrame:
    lf = porting.lift
    if lf.empty:
        return pd.DataFrame()
    out = pd.DataFrame({"痛点 Pain point": [data.painpoint_name(str(k)) for k in lf["key"]],
                        "负责部门 Department": lf["department"].fillna("").to_numpy(),
                        "投诉客户 Complainants": lf["complainants"].astype(int).to_numpy()})
    for w in WINDOWS:
        out[f"{w}天携出率 Rate {w}d"] = lf[f"rate_{w}"].to_numpy()
        out[f"{w}天基线 Baseline {w}d"] = lf[f"baseline_rate_{w}"].to_numpy()
        out[f"{w}天提升 Lift {w}d"] = lf[f"lift_{w}"].to_numpy()
        out[f"{w}天 95% CI"] = [f"{a:.2f}–{b:.2f}" if pd.notna(a) and pd.notna(b) else "–"
                               for a, b in zip(lf[f"lift_{w}_lo"], lf[f"lift_{w}_hi"])]
    out["中位携出天数 Median days to port"] = lf["median_days_to_port"].to_numpy()
    return out


def _lift_formats() -> dict[str, str]:
    f = {"投诉客户 Complainants": "int", "中位携出天数 Median days to port": "float1"}
    for w in WINDOWS:
        f.update({f"{w}天携出率 Rate {w}d": "pct", f"{w}天基线 Baseline {w}d": "pct", f"{w}天提升 Lift {w}d": "x2"})
    return f


def _flow(porting: Porting, period_months: set[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    f = porting.flow
    if f.empty:
        return pd.DataFrame(), pd.DataFrame()
    mine = f[f["month"].astype(str).isin(period_months)]
    by_op = mine.groupby("other_operator")[["port_out", "port_in", "net"]].sum().reset_index()
    by_op = by_op.rename(columns={"other_operator": "对方运营商 Other operator", "port_out": "携出 Port-outs",
                                  "port_in": "携入 Port-ins", "net": "净流入 Net"})
    monthly = f.rename(columns={"month": "月份 Month", "other_operator": "对方运营商 Other operator",
                                "net": "净流入 Net (in − out)", "port_out": "携出 Port-outs", "port_in": "携入 Port-ins"})
    return by_op, monthly


def porting_section(data: ReportData, porting: Porting) -> Section:
    sec = Section(6, "porting", TITLE)
    if not porting.available:
        sec.bullets.append(f"携号转网数据不可用 Porting figures unavailable: {porting.reason}")
        return sec
    sec.bullets.append(f"本期携出 {porting.port_outs:,} 户、携入 {porting.port_ins:,} 户、撤销 {porting.cancelled:,} 单。"
                       f"Port-outs {porting.port_outs:,}, port-ins {porting.port_ins:,}, cancelled {porting.cancelled:,}.")
    if porting.port_outs:
        sec.bullets.append(f"{porting.preceded:,} 户（{porting.preceded / porting.port_outs:.0%}）在携出前 {LOOKBACK_DAYS} "
                           f"天内投诉过；其余 {porting.port_outs - porting.preceded:,} 户没有投诉记录。")
    for k, v in porting.issues.items():
        sec.bullets.append(f"数据提示 Data note — {k}: {v}")
    reasons = _reasons(data, porting)
    if not reasons.empty:
        sec.tables.append(Table(f"携出原因 Why customers left (pain points in the {LOOKBACK_DAYS} days before port-out)",
                                reasons, {"携出户数 Port-outs": "int", "占携出比例 Share of port-outs": "pct"},
                                note="一户可有多个痛点 A customer may have several pain points."))
        sec.charts.append(Chart("porting_reasons", "携出前的投诉痛点 Pain points before port-out", "bar_h",
                                reasons.sort_values("携出户数 Port-outs"), "携出户数 Port-outs", "痛点 Pain point",
                                hover=["占携出比例 Share of port-outs"], formats={"占携出比例 Share of port-outs": "pct"},
                                x_title="port-outs"))
    lift = _lift(data, porting)
    if not lift.empty:
        a, b = porting.lift_window or ("", "")
        sec.tables.append(Table("携出提升 Port-out lift by pain point (95% CI)", lift, _lift_formats(),
                                note=f"投诉 {a} – {b}；提升 = 投诉后窗口内携出率 ÷ 基线携出率。"
                                     "Lift = port-out rate within the window after a complaint ÷ baseline."))
        ch = lift.assign(lo=porting.lift["lift_90_lo"].to_numpy(), hi=porting.lift["lift_90_hi"].to_numpy())
        sec.charts.append(Chart("porting_lift", "90 天携出提升与 95% 置信区间 90-day port-out lift with 95% CI",
                                "error_bar", ch, "痛点 Pain point", "90天提升 Lift 90d", error_lo="lo", error_hi="hi",
                                hover=["投诉客户 Complainants", "90天携出率 Rate 90d"], formats=_lift_formats(),
                                y_title="lift (×)"))
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
