"""Topic sections: emerging topics of the period and the detail of the largest topics."""

from __future__ import annotations

import pandas as pd

from ..store import LibraryStore
from .data import OUTLIER, ReportData, examples
from .fmt import change, fmt
from .model import SECTION_TITLES, Card, Chart, Section, Table

TITLES = dict(SECTION_TITLES)
TOP_TOPICS = 8
N_EXAMPLES = 5
EXAMPLE_CHARS = 200


def _first_seen(store: LibraryStore, version: int, ids: list[int]) -> pd.DataFrame:
    if not ids:
        return pd.DataFrame(columns=["topic_id", "first_seen", "total"])
    return store.query("""
        SELECT a.topic_id, min(c.received_at) AS first_seen, count(DISTINCT a.complaint_id) AS total
        FROM assignments a JOIN complaints c USING (complaint_id)
        WHERE a.version <= ? AND a.topic_id IN (SELECT unnest(?::INTEGER[]))
        GROUP BY 1""", [version, ids])


def _pick_examples(store: LibraryStore, data: ReportData, topic_id: int) -> list[str]:
    """The model's representative complaints that fall in the period first, then the period's
    most confident ones, then the model's others; distinct texts, already masked."""
    now = data.in_period()
    mine = now[now["topic_id"] == topic_id].sort_values("confidence", ascending=False)
    reps = list(data.topics.at[topic_id, "examples"]) if topic_id in data.topics.index else []
    in_period = set(mine["complaint_id"])
    order = [c for c in reps if c in in_period] + mine["complaint_id"].head(20).tolist() + reps
    texts = examples(store, list(dict.fromkeys(order)))
    out: list[str] = []
    for cid in dict.fromkeys(order):
        t = texts.get(cid)
        if t and t not in out:
            out.append(t if len(t) <= EXAMPLE_CHARS else t[:EXAMPLE_CHARS] + "…")
        if len(out) == N_EXAMPLES:
            break
    return out


def _examples_table(sec: Section) -> Table:
    """The cards' examples as rows, for the workbook (the page shows them on the cards)."""
    ex = [{"话题 Topic": c.title, "序号 #": k + 1, "投诉示例 Example (masked)": e}
          for c in sec.cards for k, e in enumerate(c.examples)]
    return Table("投诉示例 Example complaints", pd.DataFrame(ex, columns=["话题 Topic", "序号 #", "投诉示例 Example (masked)"]),
                 xlsx_only=True)


def emerging(store: LibraryStore, data: ReportData) -> Section:
    sec = Section(4, "emerging", TITLES["emerging"])
    t = data.topics
    ids = [] if t.empty else [int(i) for i in t.loc[t["status"] == "emerging", "topic_id"]]
    version = int(data.version["version"]) if data.version else None
    seen = _first_seen(store, version, ids) if version is not None else pd.DataFrame()
    seen = seen[pd.to_datetime(seen["first_seen"]) < pd.Timestamp(data.period.end)] if not seen.empty else seen
    if seen.empty:
        if ids:
            why = f"在 {data.period.last_day} 之前没有出现新兴话题 No emerging topic had appeared by then."
        elif data.updates:
            why = ("本期没有新兴话题：complaints update 已把新投诉归入现有话题，没有形成新话题。"
                   "No emerging topics this period: the updates placed the new complaints in existing topics.")
        else:
            why = ("尚未运行 complaints update：新投诉入库后运行它，才会发现新兴话题。"
                   "No update has run yet: run `complaints update` after ingesting new complaints to find emerging topics.")
        sec.bullets.append(why)
        return sec
    now = data.in_period()
    n_now = now.groupby("topic_id").size()
    rows = []
    for r in seen.sort_values("first_seen").to_dict("records"):
        i = int(r["topic_id"])
        ex = _pick_examples(store, data, i)
        kw = " ".join(t.at[i, "keywords"][:8])
        rows.append({"话题 Topic": i, "标签 Label": t.at[i, "label"], "痛点 Pain point": t.at[i, "painpoint_name"],
                     "关键词 Keywords": kw, "首次出现 First seen": pd.Timestamp(r["first_seen"]).date(),
                     "规模 Size": int(r["total"]), "本期 This period": int(n_now.get(i, 0)),
                     "首见版本 First version": int(t.at[i, "first_version"]),
                     "示例 Example": ex[0] if ex else ""})
        sec.cards.append(Card(f"#{i} {t.at[i, 'label']}", {
            "痛点 Pain point": t.at[i, "painpoint_name"], "首次出现 First seen": str(pd.Timestamp(r["first_seen"]).date()),
            "规模 Size": f"{int(r['total']):,}", "本期 This period": f"{int(n_now.get(i, 0)):,}",
            "关键词 Keywords": kw}, examples=ex))
    frame = pd.DataFrame(rows)
    share = now["topic_id"].isin(ids).mean() if len(now) else 0.0
    sec.bullets.append(f"{len(frame)} 个新兴话题，占本期投诉 {share:.1%}。{len(frame)} emerging topics, "
                       f"{share:.1%} of this period's complaints.")
    sec.tables.append(Table("新兴话题 Emerging topics", frame, {"规模 Size": "int", "本期 This period": "int"}))
    sec.tables.append(_examples_table(sec))
    return sec


def _breakdown(frame: pd.DataFrame, col: str, top: int = 5) -> str:
    counts = frame[col].fillna("(未知)").value_counts()
    parts = [f"{k} {v:,}" for k, v in counts.head(top).items()]
    if len(counts) > top:
        parts.append(f"其他 {int(counts.iloc[top:].sum()):,}")
    return " · ".join(parts) or "–"


def detail(store: LibraryStore, data: ReportData, top: int = TOP_TOPICS) -> Section:
    sec = Section(5, "topics", TITLES["topics"])
    now, prev = data.in_period(), data.previous
    labelled = now[now["topic_id"].notna() & (now["topic_id"] != OUTLIER) & now["topic_id"].isin(data.topics.index)]
    if labelled.empty:
        sec.bullets.append("本期没有已归类的投诉 No complaint of this period has a topic yet."
                           if not data.empty else "本期没有投诉数据 No complaints in this period.")
        return sec
    counts = labelled.groupby("topic_id").size().sort_values(ascending=False).head(top)
    n_prev = prev.groupby("topic_id").size()
    t = data.topics
    rows, channel_rows = [], []
    for i, n in counts.items():
        i = int(i)
        mine = labelled[labelled["topic_id"] == i]
        pain = t.at[i, "painpoint"]
        facts = {"痛点 Pain point": t.at[i, "painpoint_name"], "负责部门 Department": t.at[i, "department"] or "–",
                 "本期 Complaints": f"{int(n):,}", "上期 Previous": f"{int(n_prev.get(i, 0)):,}",
                 "变化 Change": fmt(change(int(n), int(n_prev.get(i, 0))), "pct_signed"),
                 "申诉率 Escalation": fmt(mine["escalated"].mean(), "pct"),
                 "关键词 Keywords": " ".join(t.at[i, "keywords"][:10])}
        brk = {"地市 Region": _breakdown(mine, "region"), "渠道 Channel": _breakdown(mine, "channel")}
        sec.cards.append(Card(f"#{i} {t.at[i, 'label']}", facts, brk, _pick_examples(store, data, i)))
        rows.append({"话题 Topic": i, "标签 Label": t.at[i, "label"], "痛点 Pain point": t.at[i, "painpoint_name"],
                     "负责部门 Department": data.department(pain), "本期 Complaints": int(n),
                     "上期 Previous": int(n_prev.get(i, 0)), "申诉率 Escalation": float(mine["escalated"].mean()),
                     "关键词 Keywords": facts["关键词 Keywords"], "地市 Region": brk["地市 Region"],
                     "渠道 Channel": brk["渠道 Channel"]})
        for ch, m in mine["channel"].fillna("(未知)").value_counts().items():
            channel_rows.append({"话题 Topic": f"#{i} {t.at[i, 'label']}", "渠道 Channel": ch, "投诉量 Complaints": int(m)})
    sec.bullets.append(f"本期投诉量最大的 {len(counts)} 个话题；示例投诉均已脱敏。"
                       f"The {len(counts)} largest topics of the period; example complaints are masked.")
    sec.tables.append(Table("主要话题 Top topics", pd.DataFrame(rows),
                            {"本期 Complaints": "int", "上期 Previous": "int", "申诉率 Escalation": "pct"}))
    sec.tables.append(_examples_table(sec))
    sec.charts.append(Chart("topic_channels", "主要话题的渠道分布 Channels of the top topics", "bar_stack",
                            pd.DataFrame(channel_rows), "话题 Topic", "投诉量 Complaints", color="渠道 Channel",
                            x_title="complaints"))
    return sec
