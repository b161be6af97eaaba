"""`complaints export`: the library's complaints with their current topic, for Excel or a notebook."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..config import Library
from ..errors import InputFileError
from ..store import open_store
from ..topics.catalog import current_version
from ..painpoints.taxonomy import load_taxonomy

_SQL = """
SELECT c.complaint_id, c.customer_key, c.received_at, c.channel, c.region, c.text, c.escalated, c.resolved_at,
       c.satisfaction, c.repeat_of, a.topic_id, coalesce(cu.label, t.label) AS topic_label, a.painpoint,
       a.confidence, a.method AS assigned_by, a.version AS model_version, c.attributes
FROM complaints c
LEFT JOIN assignments a ON a.complaint_id = c.complaint_id AND a.version = ?
LEFT JOIN topics t ON t.topic_id = a.topic_id AND t.version = a.version
LEFT JOIN curation cu ON cu.topic_id = a.topic_id
ORDER BY c.received_at NULLS LAST, c.complaint_id
"""


def export_complaints(library: Library, out: str | Path, version: int | None = None,
                      lexicons: str | None = None) -> int:
    out = Path(out)
    fmt = out.suffix.lower()
    if fmt not in (".csv", ".parquet", ".xlsx"):
        raise InputFileError(f"{out}: export to .csv, .parquet or .xlsx")
    with open_store(library) as s:
        v = current_version(s, version)
        df = s.query(_SQL, [v])
    names = {p.key: (p.name, p.department) for p in load_taxonomy(lexicons)}
    df.insert(df.columns.get_loc("painpoint") + 1, "painpoint_name",
              [names.get(p, (p, ""))[0] for p in df["painpoint"]])
    df.insert(df.columns.get_loc("painpoint_name") + 1, "department",
              [names.get(p, ("", ""))[1] for p in df["painpoint"]])
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == ".csv":
        df.to_csv(out, index=False, encoding="utf-8-sig")  # BOM so Excel opens Chinese correctly
    elif fmt == ".parquet":
        df.to_parquet(out, index=False)
    else:
        _to_xlsx(df, out)
    return len(df)


def _to_xlsx(df: pd.DataFrame, out: Path) -> None:
    with pd.ExcelWriter(out, engine="openpyxl") as xw:
        df.to_excel(xw, index=False, sheet_name="complaints")
        ws = xw.sheets["complaints"]
        for i, col in enumerate(df.columns, start=1):
            width = 60 if col in ("text", "attributes") else min(30, max(10, len(str(col)) + 2))
            ws.column_dimensions[ws.cell(1, i).column_letter].width = width
        ws.freeze_panes = "A2"
