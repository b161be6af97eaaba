"""One way to get a SparkSession: local[2] by default, any master URL (local[*], yarn, spark://, k8s://)."""

from __future__ import annotations

import os
import sys
import warnings

from ..errors import ComplaintsError


class SparkError(ComplaintsError):
    """Spark is not installed or cannot start; the message says what to install."""


def require_pyspark():
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise SparkError("pyspark is not installed: pip install 'complaints[spark]' (and Java 17)") from None
    return pyspark


def spark_session(master: str | None = "local[2]", app_name: str = "complaints",
                  conf: dict[str, str] | None = None):
    """Get or create a SparkSession.

    Local mode gets few shuffle partitions (the default 200 costs seconds on small data) and the
    driver's Python for the workers; on a cluster the submitter's configuration wins. Timestamps are
    read and compared in UTC so the event cut-offs equal the DuckDB path's naive timestamps.
    `master=None` leaves the master to spark-submit.
    """
    require_pyspark()
    from pyspark.sql import SparkSession

    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")

    local = master is not None and str(master).startswith("local")
    builder = SparkSession.builder.appName(app_name)
    if master:
        builder = builder.master(master)
    settings = {"spark.sql.session.timeZone": "UTC", "spark.ui.showConsoleProgress": "false",
                "spark.sql.execution.arrow.pyspark.enabled": "true"}
    if local:
        settings.update({"spark.sql.shuffle.partitions": "4", "spark.default.parallelism": "4",
                         "spark.ui.enabled": "false", "spark.driver.memory": os.environ.get(
                             "COMPLAINTS_SPARK_DRIVER_MEMORY", "2g")})
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    settings.update(conf or {})
    for k, v in settings.items():
        builder = builder.config(k, v)
    try:
        spark = builder.getOrCreate()
    except Exception as e:  # no Java, bad master URL: one clear line
        raise SparkError(f"could not start Spark (master {master!r}): {str(e).splitlines()[0] if str(e) else e}; "
                         "Spark needs Java 17 (java -version)") from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark
