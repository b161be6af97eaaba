"""What the library holds, as plain numbers."""

from __future__ import annotations

from ..config import Library
from ..text.mask import mask_pii
from . import open_store


def library_stats(library: Library) -> dict:
    with open_store(library) as s:
        one = lambda sql: s.scalar(sql)  # noqa: E731
        span = s.query("SELECT min(received_at) AS first, max(received_at) AS last FROM complaints").iloc[0]
        by = lambda col: {str(k): int(v) for k, v in s.query(  # noqa: E731
            f"SELECT coalesce({col}, '(none)') AS k, count(*) AS n FROM complaints GROUP BY 1 ORDER BY n DESC, k"
        ).itertuples(index=False, name=None)}
        ports = {f"{d}/{st}": int(n) for d, st, n in s.query(
            "SELECT direction, status, count(*) FROM port_events GROUP BY 1, 2 ORDER BY 1, 2"
        ).itertuples(index=False, name=None)}
        rejects = {str(k): int(v) for k, v in s.query(
            "SELECT kind || ': ' || coalesce(column_name, 'row'), count(*) FROM rejects GROUP BY 1 ORDER BY 2 DESC"
        ).itertuples(index=False, name=None)}
        return {
            "library": str(library.root),
            "complaints": int(one("SELECT count(*) FROM complaints")),
            "undated_complaints": int(one("SELECT count(*) FROM complaints WHERE received_at IS NULL")),
            "repeat_complaints": int(one("SELECT count(*) FROM complaints WHERE repeat_of IS NOT NULL")),
            "escalated_complaints": int(one("SELECT count(*) FROM complaints WHERE escalated")),
            "complainants": int(one("SELECT count(DISTINCT customer_key) FROM complaints")),
            "first_complaint": None if span["first"] is None or span["first"] != span["first"] else str(span["first"]),
            "last_complaint": None if span["last"] is None or span["last"] != span["last"] else str(span["last"]),
            "customers": int(one("SELECT count(*) FROM customers")),
            "port_events": int(one("SELECT count(*) FROM port_events")),
            "port_events_by_direction_status": ports,
            "batches": int(one("SELECT count(*) FROM batches")),
            "rejects": int(one("SELECT count(*) FROM rejects")),
            "rejects_by_column": rejects,
            "model_versions": int(one("SELECT count(*) FROM model_versions")),
            "latest_model_version": one("SELECT max(version) FROM model_versions"),
            "topics_in_latest_version": int(one("SELECT count(*) FROM topics WHERE status <> 'merged' AND version = "
                                                "(SELECT max(version) FROM model_versions)")),
            "complaints_by_channel": by("channel"),
            "complaints_by_region": by("region"),
        }


def list_rejects(library: Library, batch: int | None = None, limit: int = 50) -> list[dict]:
    with open_store(library) as s:
        where = "WHERE batch_id = ?" if batch is not None else ""
        df = s.query(f"SELECT batch_id, kind, source_file, row_number, column_name, reason, raw FROM rejects "
                     f"{where} ORDER BY batch_id, row_number LIMIT {int(limit)}", [batch] if batch is not None else [])
    rows = df.astype(object).where(df.notna(), None).to_dict("records")
    for r in rows:  # masked at ingest; masked again for libraries written before file names and reasons were
        for k in ("source_file", "reason", "raw"):
            if r[k] is not None:
                r[k] = mask_pii(str(r[k]))
    return rows
