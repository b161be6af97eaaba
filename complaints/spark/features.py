"""Point-in-time churn features in Spark SQL: the same columns and values as `complaints.churn.features`.

The column list, windows, porting words and the definition of a completed port-out come from
`complaints.churn.features` / `complaints.churn.linkbase`, and so does the query: `complaints.churn.features.snapshot_sql`
written in Spark's spellings (`SPARK`). Timestamps are compared in UTC
(`spark_session` sets it) so `< TIMESTAMP as_of` cuts where DuckDB's naive timestamps cut.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Iterable

from ..churn.features import Dialect, as_of_dates, feature_list, snapshot_sql
from ..churn.linkbase import LinkError
from ..painpoints.taxonomy import load_taxonomy

_SPARK_TYPES = {"int": "bigint", "float": "double", "bool": "boolean", "string": "string", "date": "date"}
_VIEWS = ("complaints", "customers", "port_events", "assignments", "topics")
PREFIX = "cx_"


class SparkDialect(Dialect):
    """Spark SQL's spellings of the snapshot query (see complaints.churn.features.Dialect)."""

    def days(self, start: str, end: str) -> str:
        return f"datediff({end}, {start})"

    def matches(self, column: str, pattern: str) -> str:
        return f"{column} RLIKE '{pattern}'"

    def rewrite(self, sql: str) -> str:
        """`x::DATE` casts and the port_events table of a shared DuckDB fragment."""
        sql = re.sub(r"(\w+)::DATE", r"CAST(\1 AS DATE)", sql)
        return re.sub(r"\bFROM port_events\b", f"FROM {self.prefix}port_events", sql)


SPARK = SparkDialect(prefix=PREFIX, unit="DAYS", double="D", semi_joins=True, order=False)


def features_spark(complaints_df, customers_df, ports_df, as_of: Iterable[dt.date | str] | dt.date | str,
                   assignments_df=None, topics_df=None, model_version: int | None = None,
                   label_horizon: int | None = None, lexicons: str | None = None):
    """A Spark DataFrame with the columns of `complaints.churn.features.feature_list` (same order, same values
    as `build_features`), one row per active customer per as-of date, sorted by as_of and customer_key.

    Topic and pain-point columns need the `assignments` and `topics` tables and a model version
    (default: the latest version in `assignments_df`); without them they count nothing, as for a
    library with no assignments.
    """
    spark = complaints_df.sparkSession
    dates = as_of_dates(as_of, label_horizon)
    if assignments_df is None:
        assignments_df = spark.createDataFrame(
            [], "version int, complaint_id string, topic_id int, painpoint string, painpoint_status string")
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
        snap = spark.sql(snapshot_sql(d, int(model_version), painpoints, label_horizon, SPARK))
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
    from ..churn.features import _types

    return _types(sdf.toPandas(), feature_list(lexicons, label_horizon))
