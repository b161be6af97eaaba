"""Point-in-time churn features in Spark SQL: the same columns and values as `complaints.features`.

The column list, windows, porting words and the definition of a completed port-out come from
`complaints.features` / `complaints.linkbase`; only the SQL dialect differs (see `snapshot_sql`,
a line-by-line translation of `complaints.features.snapshot_sql`). Timestamps are compared in UTC
(`spark_session` sets it) so `< TIMESTAMP as_of` cuts where DuckDB's naive timestamps cut.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Iterable

from ..features import COMPLAINT_WINDOWS, PORTING_WORDS, feature_list, label_column
from ..linkbase import PORT_OUTS_SQL, LinkError, to_date
from ..topics.taxonomy import load_taxonomy

_SPARK_TYPES = {"int": "bigint", "float": "double", "bool": "boolean", "string": "string", "date": "date"}
_VIEWS = ("complaints", "customers", "port_events", "assignments", "topics")
PREFIX = "cx_"


def _dialect(sql: str) -> str:
    """DuckDB -> Spark for the shared fragments: `x::DATE` casts and table names."""
    sql = re.sub(r"(\w+)::DATE", r"CAST(\1 AS DATE)", sql)
    return re.sub(r"\bFROM port_events\b", f"FROM {PREFIX}port_events", sql)


def snapshot_sql(as_of: dt.date, version: int, painpoints: list[str], horizon: int | None) -> str:
    """One as-of snapshot in Spark SQL (mirrors complaints.features.snapshot_sql)."""
    t = f"TIMESTAMP '{as_of} 00:00:00'"
    d = f"DATE '{as_of}'"
    within = lambda w: f"c.received_at >= {t} - INTERVAL {w} DAYS"  # noqa: E731  (and < as_of, by `c`)
    windows = ",\n".join(f"count(*) FILTER (WHERE {within(w)}) AS complaints_{w}d" for w in COMPLAINT_WINDOWS)
    pps = ",\n".join(f"count(*) FILTER (WHERE {within(90)} AND c.painpoint = '{p}') AS pp_{p}_90d"
                     for p in painpoints)
    pp_cols = ", ".join(f"coalesce(a.pp_{p}_90d, 0) AS pp_{p}_90d" for p in painpoints)
    label_cte = label_col = label_join = ""
    if horizon:
        label_cte = f""",
        lab AS (SELECT DISTINCT customer_key FROM {PREFIX}port_events WHERE direction = 'out'
                AND requested_at >= {t} AND requested_at < {t} + INTERVAL {int(horizon)} DAYS)"""
        label_col = f", lab.customer_key IS NOT NULL AS {label_column(horizon)}"
        label_join = "LEFT JOIN lab ON lab.customer_key = pop.customer_key"
    return f"""
    WITH po AS ({_dialect(PORT_OUTS_SQL)}),
    gone AS (SELECT DISTINCT customer_key FROM po WHERE gone_at < {t}),
    pop AS (SELECT u.customer_key, u.plan, u.region, u.tenure_start, u.arpu, u.contract_end
            FROM {PREFIX}customers u LEFT ANTI JOIN gone ON gone.customer_key = u.customer_key
            WHERE (u.tenure_start IS NULL OR u.tenure_start < {d})),
    c AS (SELECT c.customer_key, c.received_at, c.channel, c.escalated, c.resolved_at, c.satisfaction, c.repeat_of,
                 a.painpoint, a.topic_id, t.status = 'emerging' AS emerging
          FROM {PREFIX}complaints c
          LEFT SEMI JOIN pop ON pop.customer_key = c.customer_key
          LEFT JOIN {PREFIX}assignments a ON a.complaint_id = c.complaint_id AND a.version = {int(version)}
          LEFT JOIN {PREFIX}topics t ON t.version = {int(version)} AND t.topic_id = a.topic_id
          WHERE c.received_at < {t}),
    a AS (SELECT c.customer_key,
            {windows},
            count(*) AS complaints_total,
            datediff({d}, CAST(max(c.received_at) AS DATE)) AS days_since_last_complaint,
            {pps},
            count(*) FILTER (WHERE {within(90)} AND c.repeat_of IS NOT NULL) AS repeat_complaints_90d,
            count(*) FILTER (WHERE {within(90)} AND c.escalated) AS escalations_90d,
            count(*) FILTER (WHERE c.escalated) AS escalations_total,
            count(*) FILTER (WHERE {within(180)} AND (c.resolved_at IS NULL OR c.resolved_at >= {t}))
              AS unresolved_complaints,
            avg(c.satisfaction) FILTER (WHERE {within(180)} AND c.resolved_at < {t}) AS mean_satisfaction_180d,
            avg(CASE WHEN c.emerging THEN 1.0D ELSE 0.0D END) FILTER (WHERE {within(90)}) AS emerging_share_90d,
            bool_or(c.painpoint = 'porting') FILTER (WHERE {within(90)}) AS porting_pp_90d
          FROM c GROUP BY c.customer_key),
    c90 AS (SELECT * FROM c WHERE {within(90)}),
    -- distinct counts as two-level aggregates (as the DuckDB path; cheaper than count(DISTINCT) FILTER here too)
    tp AS (SELECT customer_key, sum(n - 1) AS same_topic_repeats_90d
           FROM (SELECT customer_key, topic_id, count(*) AS n FROM c90 WHERE topic_id >= 0
                 GROUP BY customer_key, topic_id) GROUP BY customer_key),
    ch AS (SELECT customer_key, count(*) AS channels_90d
           FROM (SELECT DISTINCT customer_key, channel FROM c90 WHERE channel IS NOT NULL) GROUP BY customer_key),
    pt AS (SELECT DISTINCT c.customer_key FROM {PREFIX}complaints c
           WHERE c.received_at < {t} AND c.received_at >= {t} - INTERVAL 90 DAYS
             AND c.text RLIKE '{PORTING_WORDS}'),
    p AS (SELECT customer_key,
            bool_or(direction = 'in') AS ported_in,
            bool_or(direction = 'out' AND requested_at >= {t} - INTERVAL 30 DAYS
                    AND NOT (status = 'completed' AND coalesce(completed_at, requested_at) < {t}))
              AS port_out_in_progress,
            count(*) FILTER (WHERE direction = 'out' AND requested_at >= {t} - INTERVAL 180 DAYS)
              AS port_out_requests_180d
          FROM {PREFIX}port_events WHERE requested_at < {t} GROUP BY customer_key){label_cte}
    SELECT pop.customer_key, {d} AS as_of, {int(version)} AS model_version,
           pop.plan, pop.region, datediff({d}, pop.tenure_start) AS tenure_days, pop.arpu,
           coalesce(pop.contract_end >= {d}, false) AS contract_active,
           datediff(pop.contract_end, {d}) AS days_to_contract_end,
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
    {label_join}"""


def features_spark(complaints_df, customers_df, ports_df, as_of: Iterable[dt.date | str] | dt.date | str,
                   assignments_df=None, topics_df=None, model_version: int | None = None,
                   label_horizon: int | None = None, lexicons: str | None = None):
    """A Spark DataFrame with the columns of `complaints.features.feature_list` (same order, same values
    as `build_features`), one row per active customer per as-of date, sorted by as_of and customer_key.

    Topic and pain-point columns need the `assignments` and `topics` tables and a model version
    (default: the latest version in `assignments_df`); without them they count nothing, as for a
    library with no assignments.
    """
    spark = complaints_df.sparkSession
    dates = [as_of] if isinstance(as_of, (dt.date, str)) else list(as_of)
    if not dates:
        raise LinkError("give at least one as-of date, e.g. --as-of 2026-06-30")
    dates = sorted({to_date(x, "as_of") for x in dates})
    if label_horizon is not None and int(label_horizon) < 1:
        raise LinkError("the label horizon must be at least one day, e.g. --label-horizon 30")
    if assignments_df is None:
        assignments_df = spark.createDataFrame([], "version int, complaint_id string, topic_id int, painpoint string")
    if topics_df is None:
        topics_df = spark.createDataFrame([], "version int, topic_id int, status string")
    if model_version is None:
        model_version = assignments_df.agg({"version": "max"}).first()[0]
        if model_version is None:
            raise LinkError("no topic model version: give --model-version, or export a fitted library")
    if label_horizon:
        last = ports_df.where("direction = 'out'").selectExpr("CAST(max(requested_at) AS DATE)").first()[0]
        need = dates[-1] + dt.timedelta(days=int(label_horizon) - 1)
        if last is None or need > last:
            raise LinkError(f"the {label_horizon}-day label for as-of {dates[-1]} needs port events up to {need}, "
                            f"but they reach only {last}")
    for name, df in zip(_VIEWS, (complaints_df, customers_df, ports_df, assignments_df, topics_df)):
        df.createOrReplaceTempView(PREFIX + name)
    painpoints = [p.key for p in load_taxonomy(lexicons)]
    out = None
    for d in dates:
        snap = spark.sql(snapshot_sql(d, int(model_version), painpoints, label_horizon))
        out = snap if out is None else out.unionByName(snap)
    spec = feature_list(lexicons, label_horizon)
    names = [f.name for f in spec]
    if out.columns != names:  # the dictionary and the SQL must agree
        raise AssertionError(f"Spark feature SQL and dictionary disagree: {out.columns} vs {names}")
    out = out.selectExpr(*[f"CAST(`{f.name}` AS {_SPARK_TYPES[f.dtype]}) AS `{f.name}`" for f in spec])
    return out.orderBy("as_of", "customer_key")


def read_input_dir(spark, input_dir: str | Path) -> dict:
    """The parquet tables `export_tables` wrote: {name: DataFrame} for the ones present."""
    base = str(input_dir).rstrip("/")
    found = {}
    for name in (*_VIEWS, "model_versions"):
        path = f"{base}/{name}.parquet"
        local = "://" not in base
        if local and not Path(path).exists():
            continue
        try:
            found[name] = spark.read.parquet(path)
        except Exception:  # a cluster path that does not exist
            continue
    missing = [n for n in ("complaints", "customers", "port_events") if n not in found]
    if missing:
        raise LinkError(f"{input_dir}: no {', '.join(m + '.parquet' for m in missing)}; "
                        "write them with `complaints export-tables --out DIR`")
    return found


def features_from_dir(spark, input_dir: str | Path, as_of, label_horizon: int | None = None,
                      model_version: int | None = None, lexicons: str | None = None):
    """`features_spark` on the tables `export_tables` wrote; the default version is the latest
    model version (as `complaints features` picks it)."""
    t = read_input_dir(spark, input_dir)
    if model_version is None and "model_versions" in t:
        model_version = t["model_versions"].agg({"version": "max"}).first()[0]
    return features_spark(t["complaints"], t["customers"], t["port_events"], as_of, t.get("assignments"),
                          t.get("topics"), model_version=model_version, label_horizon=label_horizon,
                          lexicons=lexicons)


def to_pandas(sdf, lexicons: str | None = None, label_horizon: int | None = None):
    """A Spark features DataFrame as `build_features` returns it (same pandas dtypes)."""
    from ..features import _types

    return _types(sdf.toPandas(), feature_list(lexicons, label_horizon))
