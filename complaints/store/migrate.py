"""Libraries written before a column existed still open: writers add it, readers see it through a view.

Schema 2 (pain point per complaint) adds the `painpoint_*` columns of `assignments` and the
`painpoint_corrections` table. A library written with schema 1 holds pain points inherited from
topics, with 其他 for complaints no topic took: those rows get source `topic` and status `uncertain`
(for no topic) or `assigned`, until the next fit decides every complaint on its own.
"""

from __future__ import annotations

from typing import Any

# column -> its value for rows written before the column existed (SQL over the old columns)
LEGACY = {
    "painpoint_confidence": "CAST(NULL AS DOUBLE)",
    "painpoint_status": "CASE WHEN topic_id < 0 THEN 'uncertain' ELSE 'assigned' END",
    "painpoint_source": "'topic'",
    "painpoint_evidence": "'[]'",
    "painpoint_second": "CAST(NULL AS VARCHAR)",
}
TYPES = {"painpoint_confidence": "DOUBLE"}
NEW_TABLES = {
    "painpoint_corrections": "complaint_id VARCHAR, painpoint VARCHAR, note VARCHAR, source VARCHAR, "
                             "created_at TIMESTAMP",
}


def _columns(con: Any, table: str) -> set[str]:
    return {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                      "WHERE table_name = ? AND table_schema = 'main'", [table]).fetchall()}


def upgrade(con: Any) -> None:
    """Add what is missing, in place (the caller holds the write lock)."""
    have = _columns(con, "assignments")
    for col, value in LEGACY.items():
        if col not in have:
            con.execute(f"ALTER TABLE assignments ADD COLUMN {col} {TYPES.get(col, 'VARCHAR')}").fetchall()
            con.execute(f"UPDATE assignments SET {col} = {value}").fetchall()


def shadow(con: Any) -> None:
    """On a read-only library of an older schema, temporary views give readers today's columns."""
    db = con.execute("SELECT current_database()").fetchone()[0]
    have = _columns(con, "assignments")
    if have and any(c not in have for c in LEGACY):
        extra = ", ".join(f"{v} AS {c}" for c, v in LEGACY.items() if c not in have)
        con.execute(f'CREATE TEMP VIEW assignments AS SELECT *, {extra} FROM "{db}".main.assignments').fetchall()
    for table, cols in NEW_TABLES.items():
        if not _columns(con, table):
            con.execute(f"CREATE TEMP TABLE {table} ({cols})").fetchall()
