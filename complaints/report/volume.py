"""Volume-based sections: headline figures, pain-point ranking, trends, improvement actions."""

from __future__ import annotations

import pandas as pd

from .data import OUTLIER, UNASSIGNED, ReportData
from .fmt import change, fmt, missing
from .links import Porting
from .model import SECTION_TITLES, Chart, Section, Table

TITLES = dict(SECTION_TITLES)
MIN_GROWTH_VOLUME = 5  # a topic needs this many complaints in the period to count as "growing"
TREND_MIN_DAYS = 60  # each three-month window of the trend needs this many days of data


def vs_previous(data: ReportData, now: float, before: float) -> float:
    """Change against the previous period, only where the data covers it: NaN when the previous period
    lies (partly) before the library's first complaint; per day when the period itself is cut short by
    the end of the data (a half month against a whole one is not a fall)."""
    if not data.previous_covered:
        return float("nan")
    p = data.period
    days = data.covered_days(p.start, p.end)
    if 0 < days < p.days:
        return change(now / days, before / p.previous.days)
    return change(now, before)


def coverage_notes(data: ReportData) -> list[str]:
    """What the comparisons rest on, when the data does not cover the previous or the whole period."""
    notes = []
    p = data.period
    if data.first_day is not None and not data.previous_covered:
        notes.append(f"库中数据从 {data.first_day} 开始，上期（{p.previous.text()}）不在数据范围内：与上期的变化不计算。"
                     f"The data starts {data.first_day}: no change against the previous period is computed.")
    days = data.covered_days(p.start, p.end)
    if 0 < days < p.days and data.previous_covered:
        notes.append(f"本期数据只到 {data.last_day}（{days}/{p.days} 天）：与上期的变化按日均计算。"
                     f"The data ends {data.last_day}: changes compare complaints per day.")
    return notes


def _rate(frame: pd.DataFrame, col: str) -> float:
    return float(frame[col].mean()) if len(frame) else float("nan")


def emerging_ids(data: ReportData) -> set[int]:
    t = data.topics
    return set() if t.empty else {int(i) for i in t.loc[t["status"] == "emerging", "topic_id"]}


def headline(data: ReportData, porting: Porting) -> Section:
    now, prev = data.in_period(), data.previous
    emerging = emerging_ids(data)
    em_now = float(now["topic_id"].isin(emerging).mean()) if len(now) and emerging else 0.0
    em_prev = float(prev["topic_id"].isin(emerging).mean()) if len(prev) and emerging else 0.0
    rows = [
        ("投诉量 Complaints", len(now), len(prev), vs_previous(data, len(now), len(prev)), "int", "pct_signed"),
        ("工信部申诉率 Escalation rate (regulator)", _rate(now, "escalated"), _rate(prev, "escalated"),
         (_rate(now, "escalated") - _rate(prev, "escalated")) * 100, "pct", "pp_signed"),
        ("重复投诉率 Repeat-complaint rate", _rate(now, "is_repeat"), _rate(prev, "is_repeat"),
         (_rate(now, "is_repeat") - _rate(prev, "is_repeat")) * 100, "pct", "pp_signed"),
        ("新兴话题占比 Share in emerging topics", em_now, em_prev, (em_now - em_prev) * 100, "pct", "pp_signed"),
    ]
    if porting.available:
        rows += [
            ("携出申请 Port-out requests", porting.port_outs, porting.previous_port_outs,
             change(porting.port_outs, porting.previous_port_outs or 0), "int", "pct_signed"),
            ("携出前90天有投诉 Port-out requests preceded by a complaint (90 days)", porting.preceded, None, None,
             "int", None),
            ("其中占比 … as a share of port-out requests",
             porting.preceded / porting.port_outs if porting.port_outs else float("nan"), None, None, "pct", None),
        ]
    covered = data.previous_covered
    frame = pd.DataFrame([{"指标 Metric": r[0], "本期 This period": fmt(r[1], r[4]),
                           "上期 Previous": fmt(r[2], r[4]) if covered or r[0].startswith("携出") else "–（无数据）",
                           "变化 Change": fmt(r[3], r[5]) if r[5] and (covered or r[0].startswith("携出")) else "–"}
                          for r in rows])
    p = data.period
    bullets = [f"报告期 Period: {p.text()}（上期 previous: {p.previous.text()}）"]
    if data.empty:
        bullets.append(f"本期没有投诉数据 No complaints were received in {p.label}: the library holds no dated "
                       "complaint in this period.")
    else:
        chg = vs_previous(data, len(now), len(prev))
        vs = "（上期无数据，不比较）" if missing(chg) else f"，较上期 {fmt(chg, 'pct_signed')}"
        bullets.append(f"本期投诉 {len(now):,} 件{vs}；"
                       f"工信部申诉率 {fmt(_rate(now, 'escalated'), 'pct')}，重复投诉率 {fmt(_rate(now, 'is_repeat'), 'pct')}。")
        bullets += coverage_notes(data)
    if porting.available and porting.port_outs:
        bullets.append(f"携出申请 {porting.port_outs:,} 笔，其中 {porting.preceded:,} 笔"
                       f"（{porting.preceded / porting.port_outs:.0%}）的客户在申请前 90 天内投诉过。")
    elif not porting.available:
        bullets.append(f"携号转网数据不可用 Porting figures unavailable: {porting.reason}")
    monthly = _monthly_total(data)
    charts = [Chart("monthly_volume", "月度投诉量 Complaints per month", "bar_v", monthly, "月份 Month",
                    "投诉量 Complaints", x_title="", y_title="complaints")] if not monthly.empty else []
    right = {c: "text" for c in frame.columns[1:]}
    return Section(1, "headline", TITLES["headline"], bullets, [Table("核心指标 Headline figures", frame, right)], charts)


def _monthly_total(data: ReportData) -> pd.DataFrame:
    c = data.complaints
    if c.empty:
        return pd.DataFrame()
    m = c.groupby(c["received_at"].dt.to_period("M")).size()
    return pd.DataFrame({"月份 Month": [f"{p.year}年{p.month}月" for p in m.index],
                         "投诉量 Complaints": m.values.astype(int)})


def painpoint_table(data: ReportData, porting: Porting) -> pd.DataFrame:
    """One row per pain point with a complaint now or before; numbers, not strings."""
    now, prev = data.in_period(), data.previous
    n_now, n_prev = now.groupby("painpoint").size(), prev.groupby("painpoint").size()
    esc = now.groupby("painpoint")["escalated"].mean()
    unsure = now[now["painpoint_status"] == "uncertain"].groupby("painpoint").size()  # best guesses, counted in
    keys = [p.key for p in data.taxonomy] + [UNASSIGNED]
    lift = porting.lift_by_key
    rows = []
    for k in keys:
        a, b = int(n_now.get(k, 0)), int(n_prev.get(k, 0))
        if not a and not b:
            continue
        lf = lift.get(k, {})
        rows.append({"key": k, "痛点 Pain point": data.painpoint_name(k), "部门 Department": data.department(k),
                     "本期 Complaints": a, "其中不确定 Uncertain": int(unsure.get(k, 0)),
                     "占比 Share": a / len(now) if len(now) else float("nan"), "上期 Previous": b, "变化 Change": vs_previous(data, a, b),
                     "申诉率 Escalation": esc.get(k, float("nan")),
                     "携出提升 Lift 90d": lf.get("lift_90", float("nan")),
                     "下限 CI low": lf.get("lift_90_lo", float("nan")), "上限 CI high": lf.get("lift_90_hi", float("nan"))})
    cols = ["key", "痛点 Pain point", "部门 Department", "本期 Complaints", "其中不确定 Uncertain", "占比 Share",
            "上期 Previous", "变化 Change",
            "申诉率 Escalation", "携出提升 Lift 90d", "下限 CI low", "上限 CI high"]
    return pd.DataFrame(rows, columns=cols).sort_values(["本期 Complaints", "上期 Previous"], ascending=False)


PAIN_FORMATS = {"本期 Complaints": "int", "其中不确定 Uncertain": "int", "占比 Share": "pct", "上期 Previous": "int", "变化 Change": "pct_signed",
                "申诉率 Escalation": "pct", "携出提升 Lift 90d": "x2", "下限 CI low": "x2", "上限 CI high": "x2"}


def painpoints(data: ReportData, porting: Porting) -> Section:
    sec = Section(2, "painpoints", TITLES["painpoints"])
    table = painpoint_table(data, porting)
    if data.empty:
        sec.bullets.append("本期没有投诉数据 No complaints in this period.")
        return sec
    sec.bullets.append("按本期投诉量排序；携出提升 = 投诉后 90 天内的携出申请率与可比的未投诉客户之比"
                       "（按在网时长、ARPU、合约、季度分层，含 95% 置信区间）。Ranked by volume; lift = the 90-day "
                       "port-out rate ratio after a complaint about the pain point against comparable customers "
                       "without complaints (stratified Mantel-Haenszel, 95% CI).")
    if porting.available and porting.lift_window:
        a, b = porting.lift_window
        sec.bullets.append(f"携出提升按 {a} – {b} 的投诉计算 Lift is measured on complaints from {a} to {b}.")
    shown = table.drop(columns="key")
    sec.tables.append(Table("痛点排名 Pain-point ranking", shown, PAIN_FORMATS))
    chart = table.sort_values("本期 Complaints")
    sec.charts.append(Chart("painpoint_volume", "各痛点本期投诉量 Complaints per pain point", "bar_h", chart,
                            "本期 Complaints", "痛点 Pain point",
                            hover=["上期 Previous", "变化 Change", "申诉率 Escalation", "携出提升 Lift 90d"],
                            formats=PAIN_FORMATS, x_title="complaints"))
    return sec


def weekly(data: ReportData) -> pd.DataFrame:
    c = data.complaints[data.complaints["received_at"] >= pd.Timestamp(data.trend_start)]
    if c.empty:
        return pd.DataFrame(columns=["周 Week", "痛点 Pain point", "投诉量 Complaints"])
    week = c["received_at"].dt.to_period("W-SUN").dt.start_time
    g = c.groupby([week.rename("周 Week"), c["painpoint"]]).size().rename("投诉量 Complaints").reset_index()
    g["痛点 Pain point"] = [data.painpoint_name(k) for k in g["painpoint"]]
    full = pd.MultiIndex.from_product([sorted(g["周 Week"].unique()), sorted(g["痛点 Pain point"].unique())],
                                      names=["周 Week", "痛点 Pain point"])
    out = g.groupby(["周 Week", "痛点 Pain point"])["投诉量 Complaints"].sum().reindex(full, fill_value=0).reset_index()
    return out


def growing_topics(data: ReportData, top: int = 10) -> pd.DataFrame:
    now, prev = data.in_period(), data.previous
    a = now[now["topic_id"].notna() & (now["topic_id"] != OUTLIER)].groupby("topic_id").size()
    b = prev[prev["topic_id"].notna() & (prev["topic_id"] != OUTLIER)].groupby("topic_id").size()
    df = pd.DataFrame({"now": a, "prev": b}).fillna(0).astype(int)
    df = df[df["now"] >= MIN_GROWTH_VOLUME]
    df["growth"] = df["now"] - df["prev"]
    df = df[df["growth"] > 0].sort_values(["growth", "now"], ascending=False).head(top)
    t = data.topics
    return pd.DataFrame({
        "话题 Topic": [int(i) for i in df.index],
        "标签 Label": [t.at[i, "label"] if i in t.index else "" for i in df.index],
        "痛点 Pain point": [data.painpoint_name(t.at[i, "painpoint"]) if i in t.index else "" for i in df.index],
        "状态 Status": [t.at[i, "status"] if i in t.index else "" for i in df.index],
        "本期 Complaints": df["now"].to_numpy(), "上期 Previous": df["prev"].to_numpy(),
        "增加 Growth": df["growth"].to_numpy(), "变化 Change": [change(x, y) for x, y in zip(df["now"], df["prev"])],
    })


def trends(data: ReportData) -> Section:
    sec = Section(3, "trends", TITLES["trends"])
    w = weekly(data)
    if w.empty:
        sec.bullets.append("趋势窗口内没有投诉数据 No dated complaints in the trend window.")
        return sec
    shown_from = max(data.trend_start, data.first_day) if data.first_day else data.trend_start
    sec.bullets.append(f"每周投诉量（周一起算），{shown_from} 至 {data.period.last_day}；首尾两周可能不完整；"
                       "图中默认显示量最大的 6 个痛点，点击图例可显示其他。Weekly volume per pain point (the first and "
                       "last week may be partial); the six largest are shown, click the legend for the rest.")
    sec.charts.append(Chart("weekly_trend", "各痛点周投诉量 Weekly complaints per pain point", "lines", w, "周 Week",
                            "投诉量 Complaints", color="痛点 Pain point", y_title="complaints per week"))
    c = data.complaints
    monthly = (c.assign(m=c["received_at"].dt.strftime("%Y-%m"), p=c["painpoint"].map({k: data.painpoint_name(k) for k in c["painpoint"].unique()}))
               .pivot_table(index="m", columns="p", values="complaint_id", aggfunc="count", fill_value=0))
    monthly = monthly[monthly.sum().sort_values(ascending=False).index]
    monthly.insert(0, "合计 Total", monthly.sum(axis=1))
    monthly = monthly.reset_index().rename(columns={"m": "月份 Month"})
    sec.tables.append(Table("月度投诉量 Monthly complaints by pain point", monthly,
                            {c: "int" for c in monthly.columns if c != "月份 Month"}))
    wide = w.pivot_table(index="周 Week", columns="痛点 Pain point", values="投诉量 Complaints", fill_value=0).reset_index()
    wide["周 Week"] = wide["周 Week"].dt.date
    sec.tables.append(Table("周投诉量 Weekly complaints by pain point", wide, xlsx_only=True))
    g = growing_topics(data) if data.previous_covered else pd.DataFrame()
    if data.empty:
        sec.bullets.append("本期没有投诉数据 No complaints in this period, so no topic grew.")
    elif not data.previous_covered:
        sec.bullets.append(f"上期（{data.period.previous.text()}）早于库中最早的投诉（{data.first_day}），不比较话题增长。"
                           "The previous period lies before the data: topic growth is not computed.")
    elif g.empty:
        sec.bullets.append("本期没有话题较上期增长 No topic grew against the previous period.")
    else:
        sec.tables.append(Table("增长最快的话题 Fastest-growing topics (vs previous period)", g,
                                {"本期 Complaints": "int", "上期 Previous": "int", "增加 Growth": "int",
                                 "变化 Change": "pct_signed"},
                                note=f"本期至少 {MIN_GROWTH_VOLUME} 件 At least {MIN_GROWTH_VOLUME} complaints this period."))
        long = g.assign(name=[f"#{i} {lab}" for i, lab in zip(g["话题 Topic"], g["标签 Label"])]).melt(
            id_vars=["name"], value_vars=["上期 Previous", "本期 Complaints"], var_name="期间 Period",
            value_name="投诉量 Count")
        sec.charts.append(Chart("growing_topics", "增长最快的话题 Fastest-growing topics", "bar_group", long, "name",
                                "投诉量 Count", color="期间 Period", y_title="complaints"))
    return sec


def trend_3m(data: ReportData) -> tuple[dict[str, float], str | None]:
    """Complaints per day in the last three months (to the period's end) against the three months before,
    per pain point, counting only days the library has data for. Empty with a note when either window
    has fewer than TREND_MIN_DAYS days of data: a trend over months before the data starts is invented."""
    p, c = data.period, data.complaints
    recent_start, before_start = p.months_back(3), p.months_back(6)
    d_recent = data.covered_days(recent_start, p.end)
    d_before = data.covered_days(before_start, recent_start)
    if d_recent < TREND_MIN_DAYS or d_before < TREND_MIN_DAYS:
        since = f"库中数据从 {data.first_day} 开始" if data.first_day else "库中没有带日期的投诉"
        return {}, (f"历史不足，不计算三个月趋势：需要 {before_start} 起的六个月数据（每三个月至少 {TREND_MIN_DAYS} 天），"
                    f"{since}。Too little history for a three-month trend.")
    a = c[(c["received_at"] >= pd.Timestamp(recent_start)) & (c["received_at"] < pd.Timestamp(p.end))]
    b = c[(c["received_at"] >= pd.Timestamp(before_start)) & (c["received_at"] < pd.Timestamp(recent_start))]
    na, nb = a.groupby("painpoint").size(), b.groupby("painpoint").size()
    trend = {k: change(int(na.get(k, 0)) / d_recent, int(nb.get(k, 0)) / d_before) for k in set(na.index) | set(nb.index)}
    return trend, (f"三个月趋势 = {recent_start} 至 {p.last_day} 的日均投诉与 {before_start} 起前三个月日均之比"
                   f"（只计有数据的天：{d_recent} 天 / {d_before} 天）。Trend 3m = complaints per day, last three "
                   "months against the three before, over days with data.")


def _suggestion(volume: int, chg: float, trend: float, esc: float, esc_all: float, lift: float,
                lift_lo: float) -> str:
    """A rule of thumb per pain point, from the evidence in its row; analysts decide."""
    parts = []
    if not missing(lift_lo) and lift_lo > 1:
        parts.append("携出风险显著，优先根因整改与挽留 port-out risk: fix root cause first")
    if not missing(chg) and chg > 0.2 and volume >= MIN_GROWTH_VOLUME:
        parts.append("本期增长快，排查近期变更 fast growth: check recent changes")
    elif not missing(trend) and trend == float("inf"):
        parts.append("近三个月新出现（此前三个月没有）new in the last three months")
    elif not missing(trend) and trend > 0.2:
        parts.append(f"近三个月日均较前三个月上升 {trend:+.0%} up {trend:+.0%} on the three months before")
    if not missing(esc) and not missing(esc_all) and volume >= MIN_GROWTH_VOLUME and esc > 1.5 * esc_all:
        parts.append("申诉率高于平均，关注升级风险 escalation rate well above average")
    return "；".join(parts) or "保持监测 keep monitoring"


def actions(data: ReportData, porting: Porting) -> Section:
    sec = Section(7, "actions", TITLES["actions"])
    if data.empty:
        sec.bullets.append("本期没有投诉数据 No complaints in this period.")
        return sec
    table = painpoint_table(data, porting)
    table = table[table["key"] != UNASSIGNED]
    trend, trend_note = trend_3m(data)
    now = data.in_period()
    labelled = now[now["topic_id"].notna() & (now["topic_id"] != OUTLIER)]
    by_topic = labelled.groupby(["painpoint", "topic_id"]).size()
    pains = set(by_topic.index.get_level_values(0))
    t = data.topics
    esc_all = _rate(now, "escalated")
    rows = []
    for r in table.to_dict("records"):
        k = r["key"]
        tops = by_topic.xs(k, level=0).nlargest(3) if k in pains else pd.Series(dtype=int)
        top_txt = "；".join(f"#{int(i)} {t.at[i, 'label'] if i in t.index else ''}（{int(n)}）" for i, n in tops.items())
        lift, lo, hi = r["携出提升 Lift 90d"], r["下限 CI low"], r["上限 CI high"]
        weight = lift if not missing(lift) else 1.0
        lift_txt = "–" if missing(lift) else f"{lift:.2f}×" + ("" if missing(lo) else f" ({lo:.2f}–{hi:.2f})")
        rows.append({"痛点 Pain point": r["痛点 Pain point"], "负责部门 Department": r["部门 Department"] or "–",
                     "本期 Complaints": r["本期 Complaints"], "变化 Change": r["变化 Change"],
                     "三个月趋势 Trend 3m": trend.get(k, float("nan")), "申诉率 Escalation": r["申诉率 Escalation"],
                     "携出提升 Lift 90d (95% CI)": lift_txt,
                     "优先级 Priority": r["本期 Complaints"] * max(weight, 1.0),
                     "重点话题 Top topics": top_txt or "–",
                     "建议 Suggested focus": _suggestion(r["本期 Complaints"], r["变化 Change"], trend.get(k, float("nan")),
                                                       r["申诉率 Escalation"], esc_all, lift, lo)})
    if not rows:
        sec.bullets.append("本期投诉都未归入痛点 No complaint of this period has a pain point yet.")
        return sec
    frame = pd.DataFrame(rows).sort_values("优先级 Priority", ascending=False)
    sec.bullets.append("每个痛点一行：负责部门、证据（本期量、变化、三个月趋势、携出提升）和应优先处理的话题。"
                       "优先级 = 本期投诉量 × max(携出提升, 1)。Priority = volume × max(lift, 1).")
    if trend_note:
        sec.bullets.append(trend_note)
    sec.tables.append(Table("改进建议 Improvement actions", frame,
                            {"本期 Complaints": "int", "变化 Change": "pct_signed", "三个月趋势 Trend 3m": "pct_signed",
                             "申诉率 Escalation": "pct", "携出提升 Lift 90d (95% CI)": "text", "优先级 Priority": "int"}))
    return sec
