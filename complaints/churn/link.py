"""Link complaints to customers and number-porting events (携号转网): the retention team's view.

* `painpoint_lift` — do customers who complain about X port out more often? (see complaints.churn.lift)
* `porting_reasons` — for every port-out request, what the customer complained about before it.
* `net_flow` — completed port-outs and port-ins per month and other operator.
* `data_issues` — what does not add up in the data, counted rather than silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..config import Library
from .lift import painpoint_lift
from .linkbase import (PORT_OUTS_SQL, DateLike, LinkError, model_version, painpoint_names, require_port_events,
                       to_date)
from ..store import LibraryStore, open_store

__all__ = ["painpoint_lift", "porting_reasons", "PortingReasons", "net_flow", "data_issues", "ISSUE_NOTES", "ISSUES_ZH",
           "issues_frame", "records"]

#: what each counted data issue means and how the toolkit handles it
ISSUE_NOTES: dict[str, str] = {
    "port_events_unknown_customer": "port events whose customer is not in the customer table: kept in porting "
                                    "reasons and net flow, left out of lift and features (no attributes)",
    "port_ins_without_port_out": "port-ins of a number that was already ours (joined more than 31 days before "
                                 "the port-in) and never ported out: kept in net flow, flagged",
    "completed_before_requested": "port events completed before they were requested: dated by the request",
    "completed_without_time": "port events with status completed but no completion time: dated by the request",
    "repeated_port_out_requests": "customers with more than one port-out request: every request counts; lift "
                                  "and labels use the first request after the date in question",
    "customers_without_complaints": "customers with no complaint at all: in the baseline and the features with "
                                    "zero counts",
    "complaints_unknown_customer": "complaints whose customer is not in the customer table: kept in porting "
                                   "reasons, left out of lift and features",
    "complaints_without_customer": "complaints with no customer number: cannot be linked to anyone",
    "complaints_after_port_out": "complaints dated after the customer's completed port-out: kept (a former "
                                 "customer may still complain), flagged",
    "undated_complaints": "complaints without a date: left out of everything time-based",
}


@dataclass
class PortingReasons:
    """Why customers left: each port-out with what its customer complained about before it."""

    per_port_out: pd.DataFrame
    summary: pd.DataFrame
    topic_summary: pd.DataFrame
    no_complaint_share: float
    port_outs: int
    port_ins: int
    cancelled: int
    status_counts: dict[str, int] = field(default_factory=dict)
    lookback_days: int = 90
    issues: dict[str, int] = field(default_factory=dict)

    def to_dict(self, max_rows: int | None = None) -> dict:
        per = self.per_port_out if max_rows is None else self.per_port_out.head(max_rows)
        return {"lookback_days": self.lookback_days, "port_outs": self.port_outs, "port_ins": self.port_ins,
                "cancelled": self.cancelled, "status_counts": self.status_counts,
                "no_complaint_share": self.no_complaint_share, "summary": records(self.summary),
                "topic_summary": records(self.topic_summary), "per_port_out": records(per),
                "issues": self.issues}


def records(df: pd.DataFrame) -> list[dict]:
    """JSON-ready rows: missing values become None, dates ISO strings."""
    out = df.astype(object).where(df.notna(), None)
    return [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()}
            for r in out.to_dict("records")]


#: the same in Chinese, for the workbook and the terminal: (what it is, how it is handled)
ISSUES_ZH: dict[str, tuple[str, str]] = {
    "port_events_unknown_customer": ("客户表中没有的携转记录", "计入携出原因与净携转，不计入携出提升与特征（缺属性）"),
    "port_ins_without_port_out": ("本就是我网号码的携入", "入网早于携入 31 天以上且从未携出：计入净携转并标记"),
    "completed_before_requested": ("完成早于申请的携转", "按申请时间计"),
    "completed_without_time": ("已完成但无完成时间的携转", "按申请时间计"),
    "repeated_port_out_requests": ("多次申请携出的客户", "每次申请都计数；提升与标签取所论日期后的第一次申请"),
    "customers_without_complaints": ("从未投诉的客户", "作为基线，特征计数为 0"),
    "complaints_unknown_customer": ("客户表中没有的投诉客户", "计入携出原因，不计入提升与特征"),
    "complaints_without_customer": ("没有客户号码的投诉", "无法关联到客户"),
    "complaints_after_port_out": ("携出完成后的投诉", "保留（已离网客户仍可投诉）并标记"),
    "undated_complaints": ("没有日期的投诉", "不计入任何按时间的统计"),
}


def issues_frame(issues: dict[str, int]) -> pd.DataFrame:
    """The data-issue counts as a table: issue (Chinese), count, how it is handled (Chinese), the code."""
    return pd.DataFrame([{"issue": ISSUES_ZH.get(k, (k, ""))[0], "count": v,
                          "handling": ISSUES_ZH.get(k, ("", ISSUE_NOTES.get(k, "")))[1], "issue_code": k}
                         for k, v in issues.items()])


def _range_sql(col: str, start, end) -> str:
    parts = [f"{col} >= TIMESTAMP '{start}'"] if start else []
    parts += [f"{col} < TIMESTAMP '{end}'"] if end else []
    return " AND ".join(parts) or "TRUE"


def porting_reasons(library: Library, lookback_days: int = 90, start: DateLike = None, end: DateLike = None,
                    version: int | None = None, lexicons: str | None = None,
                    issues: dict[str, int] | None = None) -> PortingReasons:
    """For every port-out requested in [start, end): the pain points and topics its customer complained
    about in the `lookback_days` before the request; the share of port-outs per pain point, the share
    with no complaint at all, port-ins and cancelled port-outs (customers retained). `issues`: the
    library's data_issues, when the caller has counted them already."""
    if int(lookback_days) < 1:
        raise LinkError("lookback_days must be at least 1")
    start, end = to_date(start, "start"), to_date(end, "end")
    names = painpoint_names(lexicons)
    with open_store(library) as s:
        require_port_events(s)
        v = model_version(s, version)
        rng = _range_sql("requested_at", start, end)
        outs = s.query(f"""SELECT p.event_id, p.customer_key, p.requested_at, p.completed_at, p.other_operator,
                p.status, u.customer_key IS NOT NULL AS known_customer
            FROM port_events p LEFT JOIN customers u ON u.customer_key = p.customer_key
            WHERE p.direction = 'out' AND p.requested_at IS NOT NULL AND {rng}
            ORDER BY p.requested_at, p.event_id""")
        before = s.query(f"""SELECT p.event_id, c.complaint_id, c.received_at, a.painpoint, a.topic_id,
                coalesce(cu.label, t.label) AS topic_label
            FROM port_events p JOIN complaints c ON c.customer_key = p.customer_key
             AND c.received_at < p.requested_at AND c.received_at >= p.requested_at - INTERVAL {int(lookback_days)} DAY
            LEFT JOIN assignments a ON a.complaint_id = c.complaint_id AND a.version = {v}
            LEFT JOIN topics t ON t.version = {v} AND t.topic_id = a.topic_id
            LEFT JOIN curation cu ON cu.topic_id = a.topic_id
            WHERE p.direction = 'out' AND p.requested_at IS NOT NULL AND {_range_sql('p.requested_at', start, end)}""")
        port_ins = int(s.scalar(f"SELECT count(*) FROM port_events WHERE direction = 'in' AND {rng}"))
        issues = data_issues(s) if issues is None else issues
    per = _per_port_out(outs, before, names)
    n = len(per)
    summary = _summary(per, before, names, n)
    topic_summary = _topic_summary(before, n)
    status = {str(k): int(c) for k, c in outs["status"].fillna("(none)").value_counts().items()}
    return PortingReasons(
        per_port_out=per, summary=summary, topic_summary=topic_summary,
        no_complaint_share=float((per["n_complaints"] == 0).mean()) if n else 0.0,
        port_outs=n, port_ins=port_ins, cancelled=status.get("cancelled", 0), status_counts=status,
        lookback_days=int(lookback_days), issues=issues)


def _per_port_out(outs: pd.DataFrame, before: pd.DataFrame, names: dict) -> pd.DataFrame:
    by = before.groupby("event_id")
    n_c = by["complaint_id"].nunique()
    last = by["received_at"].max()
    pp = before.dropna(subset=["painpoint"]).groupby(["event_id", "painpoint"]).size().rename("n").reset_index()
    pp = pp.sort_values(["event_id", "n", "painpoint"], ascending=[True, False, True])
    pp["name"] = pp["painpoint"].map({k: names.get(k, (k, ""))[0] for k in pp["painpoint"].unique()})
    pps = pp.groupby("event_id")["name"].agg(list).to_dict()
    tg = before[before["topic_id"].notna() & (before["topic_id"] != -1)]
    tg = tg.assign(topic_id=tg["topic_id"].astype(int))
    tc = tg.groupby(["event_id", "topic_id"]).agg(n=("complaint_id", "size"), label=("topic_label", "last"))
    tc = tc.reset_index().sort_values(["event_id", "n", "topic_id"], ascending=[True, False, True])
    tc["label"] = [lab if isinstance(lab, str) and lab else str(t) for t, lab in zip(tc["topic_id"], tc["label"])]
    tps = tc.groupby("event_id")["topic_id"].agg(list).to_dict()
    tls = tc.groupby("event_id")["label"].agg(list).to_dict()
    per = outs.copy()
    per["n_complaints"] = per["event_id"].map(n_c).fillna(0).astype(int)
    per["painpoints"] = [pps.get(e, []) for e in per["event_id"]]
    per["topics"] = [tps.get(e, []) for e in per["event_id"]]
    per["topic_labels"] = [tls.get(e, []) for e in per["event_id"]]
    last_at = pd.to_datetime(pd.Series([last.get(e) for e in per["event_id"]], index=per.index, dtype=object))
    gap = (per["requested_at"] - last_at).dt.total_seconds() / 86400
    per["days_since_last_complaint"] = gap.round(1)
    return per[["event_id", "customer_key", "requested_at", "completed_at", "other_operator", "status",
                "known_customer", "n_complaints", "painpoints", "topics", "topic_labels",
                "days_since_last_complaint"]]


def _summary(per: pd.DataFrame, before: pd.DataFrame, names: dict, n: int) -> pd.DataFrame:
    cols = ["painpoint", "painpoint_key", "department", "port_outs", "share", "completed", "cancelled"]
    pairs = before.dropna(subset=["painpoint"])[["event_id", "painpoint"]].drop_duplicates()
    if pairs.empty or not n:
        return pd.DataFrame(columns=cols)
    pairs = pairs.merge(per[["event_id", "status"]], on="event_id")
    g = pairs.groupby("painpoint").agg(port_outs=("event_id", "nunique"),
                                       completed=("status", lambda x: int((x == "completed").sum())),
                                       cancelled=("status", lambda x: int((x == "cancelled").sum()))).reset_index()
    g = g.rename(columns={"painpoint": "painpoint_key"})
    g["painpoint"] = [names.get(k, (k, ""))[0] for k in g["painpoint_key"]]
    g["department"] = [names.get(k, ("", ""))[1] for k in g["painpoint_key"]]
    g["share"] = g["port_outs"] / n
    return g.sort_values(["port_outs", "painpoint"], ascending=[False, True])[cols].reset_index(drop=True)


def _topic_summary(before: pd.DataFrame, n: int) -> pd.DataFrame:
    cols = ["topic_id", "label", "painpoint_key", "port_outs", "share"]
    t = before[before["topic_id"].notna() & (before["topic_id"] != -1)]
    if t.empty or not n:
        return pd.DataFrame(columns=cols)
    g = t.groupby("topic_id").agg(label=("topic_label", "first"), painpoint_key=("painpoint", "first"),
                                  port_outs=("event_id", "nunique")).reset_index()
    g["topic_id"] = g["topic_id"].astype(int)
    g["share"] = g["port_outs"] / n
    return g.sort_values(["port_outs", "topic_id"], ascending=[False, True])[cols].reset_index(drop=True)


def net_flow(library: Library, start: DateLike = None, end: DateLike = None) -> pd.DataFrame:
    """Completed port-outs and port-ins per month and other operator (who we lose customers to, who
    we win them from), dated by completion — or by the request when the completion time is missing
    or earlier than the request. Also the port-out requests and cancellations of the month."""
    start, end = to_date(start, "start"), to_date(end, "end")
    with open_store(library) as s:
        require_port_events(s)
        df = s.query(f"""
            WITH ev AS (
                SELECT direction, status, coalesce(other_operator, '(unknown)') AS other_operator,
                       CASE WHEN completed_at IS NOT NULL AND completed_at >= requested_at THEN completed_at
                            ELSE requested_at END AS done_at, requested_at
                FROM port_events WHERE requested_at IS NOT NULL),
            done AS (SELECT strftime(done_at, '%Y-%m') AS month, other_operator,
                            count(*) FILTER (WHERE direction = 'out') AS port_out,
                            count(*) FILTER (WHERE direction = 'in') AS port_in
                     FROM ev WHERE status = 'completed' AND {_range_sql('done_at', start, end)} GROUP BY ALL),
            req AS (SELECT strftime(requested_at, '%Y-%m') AS month, other_operator,
                           count(*) AS port_out_requests,
                           count(*) FILTER (WHERE status = 'cancelled') AS port_out_cancelled
                    FROM ev WHERE direction = 'out' AND {_range_sql('requested_at', start, end)} GROUP BY ALL)
            SELECT month, other_operator, coalesce(done.port_out, 0) AS port_out,
                   coalesce(done.port_in, 0) AS port_in,
                   coalesce(done.port_in, 0) - coalesce(done.port_out, 0) AS net,
                   coalesce(req.port_out_requests, 0) AS port_out_requests,
                   coalesce(req.port_out_cancelled, 0) AS port_out_cancelled
            FROM done FULL OUTER JOIN req USING (month, other_operator)
            ORDER BY month, other_operator""")
    for c in ("port_out", "port_in", "net", "port_out_requests", "port_out_cancelled"):
        df[c] = df[c].astype(int)
    return df


def data_issues(store: LibraryStore) -> dict[str, int]:
    """Count what does not add up (see ISSUE_NOTES for each count's meaning and handling)."""
    q = lambda sql: int(store.scalar(sql) or 0)  # noqa: E731
    return {
        "port_events_unknown_customer": q("""SELECT count(*) FROM port_events p WHERE NOT EXISTS
            (SELECT 1 FROM customers u WHERE u.customer_key = p.customer_key)"""),
        "port_ins_without_port_out": q("""SELECT count(*) FROM port_events p JOIN customers u USING (customer_key)
            WHERE p.direction = 'in' AND u.tenure_start < p.requested_at::DATE - 31 AND NOT EXISTS
            (SELECT 1 FROM port_events o WHERE o.customer_key = p.customer_key AND o.direction = 'out'
             AND o.requested_at < p.requested_at)"""),
        "completed_before_requested": q("SELECT count(*) FROM port_events WHERE completed_at < requested_at"),
        "completed_without_time": q("""SELECT count(*) FROM port_events
            WHERE status = 'completed' AND completed_at IS NULL"""),
        "repeated_port_out_requests": q("""SELECT count(*) FROM (SELECT customer_key FROM port_events
            WHERE direction = 'out' GROUP BY 1 HAVING count(*) > 1)"""),
        "customers_without_complaints": q("""SELECT count(*) FROM customers u WHERE NOT EXISTS
            (SELECT 1 FROM complaints c WHERE c.customer_key = u.customer_key)"""),
        "complaints_unknown_customer": q("""SELECT count(*) FROM complaints c WHERE c.customer_key IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM customers u WHERE u.customer_key = c.customer_key)"""),
        "complaints_without_customer": q("SELECT count(*) FROM complaints WHERE customer_key IS NULL"),
        "complaints_after_port_out": q(f"""SELECT count(*) FROM complaints c JOIN
            (SELECT customer_key, min(gone_at) AS gone_at FROM ({PORT_OUTS_SQL}) WHERE gone_at IS NOT NULL GROUP BY 1) g
            ON g.customer_key = c.customer_key WHERE c.received_at > g.gone_at"""),
        "undated_complaints": q("SELECT count(*) FROM complaints WHERE received_at IS NULL"),
    }
