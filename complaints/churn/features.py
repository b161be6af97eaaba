"""Point-in-time churn features: one row per customer per as-of date, computed in DuckDB SQL.

A row for as-of date D uses only what was dated before D (00:00 of D): complaints received, port
requests made, resolutions and completions recorded before D. Its population is the customers who
had joined before D and had not completed a port-out before D.

Two caveats, both in the data dictionary:

* topic and pain-point columns come from a topic model's assignments, and a model fitted on the
  whole library has seen complaints dated after D (it shaped the topics, not any count). Pin the
  version with `model_version` (e.g. a model fitted on data up to D) to remove that influence;
* plan, region, ARPU and contract come from the latest customer snapshot ingested, not from a
  snapshot taken at D.

`FEATURES` below is the single source of truth for the columns: the SQL is checked against it and
`describe_features()` (features.md, `complaints features --describe`) is generated from it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd

from ..config import Library
from .linkbase import PORT_OUTS_SQL, LinkError, model_version, require_customers, to_date
from ..store import LibraryStore, open_store
from ..painpoints.taxonomy import load_taxonomy

COMPLAINT_WINDOWS = (7, 30, 90, 180)
PORTING_WORDS = "携号转网|携转|转网|授权码|SQXH|sqxh"


@dataclass(frozen=True)
class Feature:
    name: str
    dtype: str
    window: str
    meaning: str
    group: str  # id | attribute | complaint | porting | label


def _base_features() -> list[Feature]:
    f = [
        Feature("customer_key", "string", "-", "the customer's keyed hash (never the phone number)", "id"),
        Feature("as_of", "date", "-", "snapshot date: every other column uses only data dated before it", "id"),
        Feature("model_version", "int", "-", "topic model version whose assignments give topics and pain points", "id"),
        Feature("plan", "string", "latest snapshot", "tariff plan (套餐)", "attribute"),
        Feature("region", "string", "latest snapshot", "city / region (地市)", "attribute"),
        Feature("tenure_days", "int", "to as_of", "days from joining (入网时间) to as_of; null if unknown", "attribute"),
        Feature("arpu", "float", "latest snapshot", "average revenue per user (ARPU)", "attribute"),
        Feature("contract_active", "bool", "at as_of", "a contract (合约) runs on the as-of date", "attribute"),
        Feature("days_to_contract_end", "int", "at as_of",
                "days from as_of to the contract end (negative: expired; null: no contract)", "attribute"),
        Feature("ported_in", "bool", "before as_of", "the customer joined by porting in from another operator",
                "attribute"),
    ]
    f += [Feature(f"complaints_{w}d", "int", f"{w} days", f"complaints received in the {w} days before as_of",
                  "complaint") for w in COMPLAINT_WINDOWS]
    f += [
        Feature("complaints_total", "int", "all before as_of", "complaints received before as_of", "complaint"),
        Feature("days_since_last_complaint", "int", "all before as_of",
                "days from the last complaint to as_of; null if none", "complaint"),
    ]
    return f


def _tail_features(horizon: int | None) -> list[Feature]:
    f = [
        Feature("repeat_complaints_90d", "int", "90 days",
                "complaints linked as a near-identical repeat (repeat_of) of an earlier complaint", "complaint"),
        Feature("same_topic_repeats_90d", "int", "90 days",
                "complaints on a topic the customer had already complained about in the window "
                "(complaints with a topic minus distinct topics)", "complaint"),
        Feature("escalations_90d", "int", "90 days", "complaints escalated to the regulator (工信部申诉)", "complaint"),
        Feature("escalations_total", "int", "all before as_of", "complaints escalated to the regulator", "complaint"),
        Feature("unresolved_complaints", "int", "180 days",
                "complaints received in the window and not resolved before as_of", "complaint"),
        Feature("mean_satisfaction_180d", "float", "180 days",
                "mean satisfaction (1-5) of complaints received in the window and resolved before as_of; "
                "null if none", "complaint"),
        Feature("channels_90d", "int", "90 days", "distinct channels the customer complained through", "complaint"),
        Feature("emerging_share_90d", "float", "90 days",
                "share of the window's complaints in topics whose status is 'emerging'; null if no complaints",
                "complaint"),
        Feature("porting_complaint_90d", "bool", "90 days",
                "a porting-related complaint: pain point 携号转网受阻 or text mentioning 携号转网/携转/转网/授权码",
                "complaint"),
        Feature("port_out_in_progress", "bool", "30 days",
                "a port-out requested in the 30 days before as_of and not completed before as_of", "porting"),
        Feature("port_out_requests_180d", "int", "180 days",
                "port-out requests made in the window (any outcome: a cancelled request is a retained customer)",
                "porting"),
    ]
    if horizon:
        f.append(Feature(label_column(horizon), "bool", f"{horizon} days from as_of",
                         f"label: a port-out request (携出, any status) on as_of or in the {horizon - 1} days after",
                         "label"))
    return f


def label_column(horizon: int) -> str:
    return f"ported_out_within_{int(horizon)}d"


def feature_list(lexicons: str | None = None, label_horizon: int | None = None) -> list[Feature]:
    """Every column build_features returns, in order: the data dictionary."""
    pps = [Feature(f"pp_{p.key}_90d", "int", "90 days", f"complaints with pain point {p.name} ({p.key})", "complaint")
           for p in load_taxonomy(lexicons)]
    pps.append(Feature("uncertain_painpoint_90d", "int", "90 days",
                       "complaints whose pain point is uncertain (each still counts once, under its most likely "
                       "pain point, in pp_*_90d)", "complaint"))
    return _base_features() + pps + _tail_features(label_horizon)


def describe_features(lexicons: str | None = None, label_horizon: int | None = 30) -> str:
    """The data dictionary as Markdown (features.md is this text)."""
    lines = ["# Churn features: data dictionary", "",
             "Written by `complaints features` (one row per customer per `--as-of` date). Generated from",
             "`complaints/churn/features.py` (`complaints features --describe`); do not edit by hand.", "",
             "**Point in time.** A row for as-of date D uses only data dated before D (00:00): complaints",
             "received, port requests made, resolutions and completions recorded before D. Customers who had",
             "not joined by D, or had completed a port-out before D, have no row for D.", "",
             "**Caveats.** (1) Topic and pain-point columns come from the assignments of one topic model",
             "version (`model_version`). A model fitted on the whole library has seen complaints dated after",
             "D: they shaped the topics (not any count). Pin a version fitted on data up to D with",
             "`--model-version N` for a strictly point-in-time training set. (2) plan, region, ARPU and",
             "contract come from the latest customer snapshot ingested, not a snapshot taken at D.", "",
             "| column | type | window | meaning |", "|---|---|---|---|"]
    for f in feature_list(lexicons, label_horizon):
        lines.append(f"| `{f.name}` | {f.dtype} | {f.window} | {f.meaning} |")
    if label_horizon:
        lines += ["", f"The label column is present with `--label-horizon N` (shown here for N = {label_horizon})."]
    return "\n".join(lines) + "\n"


def as_of_dates(as_of: Iterable[dt.date | str] | dt.date | str, label_horizon: int | None) -> list[dt.date]:
    """The as-of dates, parsed, de-duplicated and sorted; the label horizon checked too."""
    dates = [as_of] if isinstance(as_of, (dt.date, str)) else list(as_of)
    if not dates:
        raise LinkError("give at least one as-of date, e.g. --as-of 2026-06-30")
    dates = sorted({to_date(d, "as_of") for d in dates})
    if label_horizon is not None and int(label_horizon) < 1:
        raise LinkError("the label horizon must be at least one day, e.g. --label-horizon 30")
    return dates


def build_features(library: Library, as_of: Iterable[dt.date | str] | dt.date | str,
                   label_horizon: int | None = None, model_version: int | None = None,
                   lexicons: str | None = None,
                   progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """One row per active customer per as-of date (see the module docstring and feature_list)."""
    dates = as_of_dates(as_of, label_horizon)
    taxonomy = load_taxonomy(lexicons)
    spec = feature_list(lexicons, label_horizon)
    frames = []
    with open_store(library) as s:
        require_customers(s)
        v = _version(s, model_version)
        if label_horizon:
            _check_horizon(s, dates[-1], int(label_horizon))
        for i, d in enumerate(dates):
            frames.append(s.query(snapshot_sql(d, v, [p.key for p in taxonomy], label_horizon)))
            if progress:
                progress(i + 1, len(dates))
    df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    names = [f.name for f in spec]
    if list(df.columns) != names:  # the dictionary and the SQL must agree
        raise AssertionError(f"feature SQL and dictionary disagree: {list(df.columns)} vs {names}")
    return _types(df, spec)


def _version(s: LibraryStore, version: int | None) -> int:
    return model_version(s, version)


def _check_horizon(s: LibraryStore, last: dt.date, horizon: int) -> None:
    fu = s.scalar("SELECT max(requested_at)::DATE FROM port_events WHERE direction = 'out'")
    if fu is None:
        raise LinkError("a label needs port events and the library holds no port-outs: ingest them with "
                        "complaints ingest ports 携转记录.csv, or drop --label-horizon")
    need = last + dt.timedelta(days=horizon - 1)
    if need > fu:
        raise LinkError(f"the {horizon}-day label for as-of {last} needs port events up to {need}, but they "
                        f"reach only {fu}; choose an as-of date on or before {fu - dt.timedelta(days=horizon - 1)}")


@dataclass(frozen=True)
class Dialect:
    """The few spellings in which DuckDB and Spark SQL differ; the snapshot query itself is one text.

    `semi_joins`: restrict to the population with (LEFT) SEMI/ANTI JOINs (Spark) rather than
    IN / NOT IN subqueries (DuckDB). Spark overrides `days`, `matches` and `rewrite`.
    """

    prefix: str = ""  # table names are views with this prefix
    unit: str = "DAY"
    double: str = ""  # suffix making 1.0 a DOUBLE literal
    semi_joins: bool = False
    order: bool = True  # ORDER BY in the query (Spark sorts the union afterwards)

    def days(self, start: str, end: str) -> str:
        """Whole days from `start` to `end`."""
        return f"date_diff('day', {start}, {end})"

    def matches(self, column: str, pattern: str) -> str:
        return f"regexp_matches({column}, '{pattern}')"

    def rewrite(self, sql: str) -> str:
        """A shared fragment written in DuckDB SQL, in this dialect."""
        return sql


DUCKDB = Dialect()


def snapshot_sql(as_of: dt.date, version: int, painpoints: list[str], horizon: int | None,
                 dialect: Dialect = DUCKDB) -> str:
    """The SQL of one as-of snapshot. Every event filter is `< TIMESTAMP as_of` (label: `>=`)."""
    q = dialect
    t = f"TIMESTAMP '{as_of} 00:00:00'"
    d = f"DATE '{as_of}'"
    ago = lambda w: f"{t} - INTERVAL {w} {q.unit}"  # noqa: E731
    within = lambda w: f"c.received_at >= {ago(w)}"  # noqa: E731  (and < as_of, by `c`)
    table = lambda name: q.prefix + name  # noqa: E731
    windows = ",\n".join(f"count(*) FILTER (WHERE {within(w)}) AS complaints_{w}d" for w in COMPLAINT_WINDOWS)
    pps = ",\n".join(f"count(*) FILTER (WHERE {within(90)} AND c.painpoint = '{p}') AS pp_{p}_90d"
                     for p in painpoints)
    pps += f",\ncount(*) FILTER (WHERE {within(90)} AND c.painpoint_status = 'uncertain') AS uncertain_painpoint_90d"
    pp_cols = ", ".join(f"coalesce(a.pp_{p}_90d, 0) AS pp_{p}_90d" for p in painpoints)
    pp_cols += ", coalesce(a.uncertain_painpoint_90d, 0) AS uncertain_painpoint_90d"
    label_cte = label_col = label_join = ""
    if horizon:
        label_cte = f""",
        lab AS (SELECT DISTINCT customer_key FROM {table('port_events')} WHERE direction = 'out'
                AND requested_at >= {t} AND requested_at < {t} + INTERVAL {int(horizon)} {q.unit})"""
        label_col = f", lab.customer_key IS NOT NULL AS {label_column(horizon)}"
        label_join = "LEFT JOIN lab ON lab.customer_key = pop.customer_key"
    if q.semi_joins:
        pop_from = f"{table('customers')} u LEFT ANTI JOIN gone ON gone.customer_key = u.customer_key"
        pop_where = ""
        c_in_pop, c_where = "LEFT SEMI JOIN pop ON pop.customer_key = c.customer_key", ""
    else:
        pop_from = f"{table('customers')} u"
        pop_where = "\n              AND u.customer_key NOT IN (SELECT customer_key FROM gone)"
        c_in_pop, c_where = "", " AND c.customer_key IN (SELECT customer_key FROM pop)"
    return f"""
    WITH po AS ({q.rewrite(PORT_OUTS_SQL)}),
    gone AS (SELECT DISTINCT customer_key FROM po WHERE gone_at < {t}),
    pop AS (SELECT u.customer_key, u.plan, u.region, u.tenure_start, u.arpu, u.contract_end
            FROM {pop_from}
            WHERE (u.tenure_start IS NULL OR u.tenure_start < {d}){pop_where}),
    c AS (SELECT c.customer_key, c.received_at, c.channel, c.escalated, c.resolved_at, c.satisfaction, c.repeat_of,
                 a.painpoint, a.painpoint_status, a.topic_id, t.status = 'emerging' AS emerging
          FROM {table('complaints')} c
          {c_in_pop}
          LEFT JOIN {table('assignments')} a ON a.complaint_id = c.complaint_id AND a.version = {int(version)}
          LEFT JOIN {table('topics')} t ON t.version = {int(version)} AND t.topic_id = a.topic_id
          WHERE c.received_at < {t}{c_where}),
    a AS (SELECT c.customer_key,
            {windows},
            count(*) AS complaints_total,
            {q.days("CAST(max(c.received_at) AS DATE)", d)} AS days_since_last_complaint,
            {pps},
            count(*) FILTER (WHERE {within(90)} AND c.repeat_of IS NOT NULL) AS repeat_complaints_90d,
            count(*) FILTER (WHERE {within(90)} AND c.escalated) AS escalations_90d,
            count(*) FILTER (WHERE c.escalated) AS escalations_total,
            count(*) FILTER (WHERE {within(180)} AND (c.resolved_at IS NULL OR c.resolved_at >= {t}))
              AS unresolved_complaints,
            avg(c.satisfaction) FILTER (WHERE {within(180)} AND c.resolved_at < {t}) AS mean_satisfaction_180d,
            avg(CASE WHEN c.emerging THEN 1.0{q.double} ELSE 0.0{q.double} END) FILTER (WHERE {within(90)})
              AS emerging_share_90d,
            bool_or(c.painpoint = 'porting') FILTER (WHERE {within(90)}) AS porting_pp_90d
          FROM c GROUP BY c.customer_key),
    c90 AS (SELECT * FROM c WHERE {within(90)}),
    -- distinct counts as two-level aggregates: far less memory than count(DISTINCT) over a million groups
    tp AS (SELECT customer_key, sum(n - 1) AS same_topic_repeats_90d
           FROM (SELECT customer_key, topic_id, count(*) AS n FROM c90 WHERE topic_id >= 0
                 GROUP BY customer_key, topic_id) GROUP BY customer_key),
    ch AS (SELECT customer_key, count(*) AS channels_90d
           FROM (SELECT DISTINCT customer_key, channel FROM c90 WHERE channel IS NOT NULL) GROUP BY customer_key),
    pt AS (SELECT DISTINCT c.customer_key FROM {table('complaints')} c
           WHERE c.received_at < {t} AND c.received_at >= {ago(90)}
             AND {q.matches("c.text", PORTING_WORDS)}),
    p AS (SELECT customer_key,
            bool_or(direction = 'in') AS ported_in,
            bool_or(direction = 'out' AND requested_at >= {ago(30)}
                    AND NOT (status = 'completed' AND coalesce(completed_at, requested_at) < {t}))
              AS port_out_in_progress,
            count(*) FILTER (WHERE direction = 'out' AND requested_at >= {ago(180)})
              AS port_out_requests_180d
          FROM {table('port_events')} WHERE requested_at < {t} GROUP BY customer_key){label_cte}
    SELECT pop.customer_key, {d} AS as_of, {int(version)} AS model_version,
           pop.plan, pop.region, {q.days("pop.tenure_start", d)} AS tenure_days, pop.arpu,
           coalesce(pop.contract_end >= {d}, false) AS contract_active,
           {q.days(d, "pop.contract_end")} AS days_to_contract_end,
           coalesce(p.ported_in, false) AS ported_in,
           {", ".join(f"coalesce(a.complaints_{w}d, 0) AS complaints_{w}d" for w in COMPLAINT_WINDOWS)},
           coalesce(a.complaints_total, 0) AS complaints_total, a.days_since_last_complaint,
           {pp_cols},
           coalesce(a.repeat_complaints_90d, 0) AS repeat_complaints_90d,
           coalesce(tp.same_topic_repeats_90d, 0) AS same_topic_repeats_90d,
           coalesce(a.escalations_90d, 0) AS escalations_90d, coalesce(a.escalations_total, 0) AS escalations_total,
           coalesce(a.unresolved_complaints, 0) AS unresolved_complaints, a.mean_satisfaction_180d,
           coalesce(ch.channels_90d, 0) AS channels_90d, a.emerging_share_90d,
           coalesce(a.porting_pp_90d, false) OR pt.customer_key IS NOT NULL AS porting_complaint_90d,
           coalesce(p.port_out_in_progress, false) AS port_out_in_progress,
           coalesce(p.port_out_requests_180d, 0) AS port_out_requests_180d{label_col}
    FROM pop LEFT JOIN a ON a.customer_key = pop.customer_key
    LEFT JOIN tp ON tp.customer_key = pop.customer_key
    LEFT JOIN ch ON ch.customer_key = pop.customer_key
    LEFT JOIN pt ON pt.customer_key = pop.customer_key
    LEFT JOIN p ON p.customer_key = pop.customer_key
    {label_join}
    {"ORDER BY pop.customer_key" if q.order else ""}"""


_PANDAS = {"int": "Int64", "float": "Float64", "bool": "boolean", "string": "string"}


def _types(df: pd.DataFrame, spec: list[Feature]) -> pd.DataFrame:
    """Stable dtypes whatever the data: nullable ints/floats/bools, strings, dates."""
    for f in spec:
        if f.dtype == "date":
            df[f.name] = pd.to_datetime(df[f.name]).dt.date
        else:
            df[f.name] = df[f.name].astype(_PANDAS[f.dtype])
    return df


def write_features(df: pd.DataFrame, path: str | Path) -> Path:
    """Write .parquet (default) or .csv."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".csv":
        df.to_csv(path, index=False, encoding="utf-8")
    elif path.suffix.lower() in (".parquet", ".pq", ""):
        df.to_parquet(path, index=False)
    else:
        raise LinkError(f"{path}: write .parquet or .csv")
    return path
