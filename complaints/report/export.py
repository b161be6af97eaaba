"""`complaints export`: the library's complaints with their current topic, for Excel or a notebook.

.xlsx and .csv are for people: Chinese headers (`headers="en"` keeps the field names), the operator's
own columns (投诉类别, 工单状态 …, kept at ingest as attributes) as columns of their own, 是/否,
rounded confidence, a bold frozen header with a filter (see `sheets`). .parquet is for notebooks:
field names, attributes as one JSON column. Every text cell is made safe by `cells`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..config import Library
from ..errors import InputFileError
from ..store import open_store
from ..topics.catalog import current_version
from ..painpoints.taxonomy import load_taxonomy
from ..cells import clean
from .sheets import Sheet, write_csv, write_xlsx

_SQL = """
SELECT c.complaint_id, c.customer_key, c.received_at, c.channel, c.region, c.text, c.escalated, c.resolved_at,
       c.satisfaction, c.repeat_of, a.topic_id, coalesce(cu.label, t.label) AS topic_label, a.painpoint,
       a.painpoint_status, a.painpoint_confidence, a.painpoint_source, a.painpoint_evidence, a.painpoint_second,
       a.confidence, a.method AS assigned_by, a.version AS model_version, c.attributes
FROM complaints c
LEFT JOIN assignments a ON a.complaint_id = c.complaint_id AND a.version = ?
LEFT JOIN topics t ON t.topic_id = a.topic_id AND t.version = a.version
LEFT JOIN curation cu ON cu.topic_id = a.topic_id
ORDER BY c.received_at NULLS LAST, c.complaint_id
"""
FORMATS = (".csv", ".parquet", ".xlsx")
METHODS_ZH = {"cluster": "聚类", "outlier": "未归类", "outlier_reduction": "就近归入", "update": "增量归入",
              "neighbours": "近邻投票", "emerging": "新兴话题", "unassigned": "未归类", "no_content": "无有效内容",
              "painpoint_nested": "按痛点就近归入", "painpoint_outlier": "痛点不同,不归话题"}


def complaints_frame(library: Library, version: int | None = None, lexicons: str | None = None) -> pd.DataFrame:
    """Every complaint with its topic, its own pain point (key, Chinese name, department, status, confidence,
    source, evidence words, runner-up) and the topic's confidence."""
    with open_store(library) as s:
        v = current_version(s, version)
        df = s.query(_SQL, [v])
    names = {p.key: (p.name, p.department) for p in load_taxonomy(lexicons)}
    df.insert(df.columns.get_loc("painpoint") + 1, "painpoint_name",
              [names.get(p, (p, ""))[0] for p in df["painpoint"]])
    df.insert(df.columns.get_loc("painpoint_name") + 1, "department",
              [names.get(p, ("", ""))[1] for p in df["painpoint"]])
    df["painpoint_evidence"] = [" ".join(json.loads(e)) if isinstance(e, str) and e.startswith("[") else e
                                for e in df["painpoint_evidence"]]
    return df


def expand_attributes(df: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The JSON `attributes` column as one column per attribute, in first-seen order; and their names."""
    parsed = [json.loads(a) if isinstance(a, str) and a.strip() else {} for a in df["attributes"]]
    keys = list(dict.fromkeys(k for d in parsed for k in d))
    out = df.drop(columns="attributes")
    names = []
    for k in keys:
        name = k if k not in out.columns else f"{k}(原)"
        out[name] = [d.get(k) for d in parsed]
        names.append(name)
    return out, names


def export_complaints(library: Library, out: str | Path, version: int | None = None,
                      lexicons: str | None = None, headers: str = "zh") -> int:
    """Write .csv / .xlsx (for people) or .parquet (for notebooks); returns the number of complaints."""
    out = Path(out)
    fmt = out.suffix.lower()
    if fmt not in FORMATS:
        raise InputFileError(f"{out}: 导出格式只能是 .csv、.parquet 或 .xlsx (export to .csv, .parquet or .xlsx)")
    if headers not in ("zh", "en"):
        raise InputFileError(f"--headers {headers!r}: 只能是 zh 或 en")
    df = complaints_frame(library, version, lexicons)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == ".parquet":
        for c in df.columns:
            if df[c].dtype == object or pd.api.types.is_string_dtype(df[c]):
                df[c] = df[c].map(clean)
        df.to_parquet(out, index=False)
        return len(df)
    if headers == "zh":
        df["assigned_by"] = df["assigned_by"].map(lambda m: METHODS_ZH.get(m, m) if isinstance(m, str) else m)
    frame, own = expand_attributes(df)  # the operator's own columns keep the operator's names
    sheet = Sheet("complaints", frame, {"topic_id": "int", "model_version": "int"}, frozenset(own))
    if fmt == ".csv":
        write_csv(out, sheet, headers)
    else:
        write_xlsx(out, [sheet], headers)
    return len(df)
