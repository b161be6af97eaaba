"""The library's tables as parquet: one file per table, so the DuckDB and Spark paths read the same data.

Texts in the library are masked at ingest and customer keys are keyed hashes, so the export holds
no raw phone number. Runs without pyspark.
"""

from __future__ import annotations

from pathlib import Path

from ..config import Library
from ..store import open_store

# what `complaints spark features` reads (model_versions gives the default version)
TABLES = ("complaints", "customers", "port_events", "assignments", "topics", "model_versions")


def export_tables(library: Library, out_dir: str | Path, tables: tuple[str, ...] = TABLES) -> dict[str, int]:
    """Write ``out_dir/<table>.parquet`` for each table; returns the row counts."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    with open_store(library) as s:
        con = s.con
        for t in tables:
            path = out / f"{t}.parquet"
            con.execute(f"COPY (SELECT * FROM {t}) TO '{str(path).replace(chr(39), chr(39) * 2)}' "
                        "(FORMAT parquet)").fetchall()
            counts[t] = int(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0])
    return counts
