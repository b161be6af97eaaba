"""Analysts' per-complaint pain-point corrections: one at a time, or a file filled in Excel.

`correct` records one correction (or withdraws it); `export_template` writes a corrections file of
the complaints worth checking first — the uncertain ones, least confident first, one per topic
before a second from the same topic, so 100 rows cover 100 different problems — with masked
snippets, the current pain point and its evidence, and an empty 正确痛点 column with a drop-down of
the taxonomy's names; `import_corrections` reads it back (Chinese or English headers; a blank
正确痛点 means "not checked"). Corrections are stored in `painpoint_corrections` (newest per
complaint wins) and become training data, and verbatim answers, at the next `fit` or `update`.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd

from ..config import Library
from ..errors import ComplaintsError, InputFileError
from ..store import open_store
from ..text.mask import mask_pii
from .stage import corrections as latest_corrections
from .taxonomy import PainPoint, load_taxonomy, resolve_painpoint

SNIPPET = 200
ORDERS = ("uncertain", "random")
# template column -> (Chinese header, English header)
COLUMNS = {"complaint_id": ("工单编号", "complaint_id"), "text": ("投诉内容(已脱敏)", "text"),
           "current": ("当前痛点", "current_painpoint"), "status": ("痛点状态", "painpoint_status"),
           "confidence": ("置信度", "painpoint_confidence"), "second": ("次要痛点", "second_painpoint"),
           "evidence": ("证据词", "evidence"), "topic": ("话题", "topic"),
           "correct": ("正确痛点", "correct_painpoint"), "note": ("备注", "note")}
STATUS_ZH = {"assigned": "确定", "uncertain": "不确定"}


class CorrectionError(ComplaintsError):
    pass


def _latest_version(store) -> int:
    v = store.scalar("SELECT max(version) FROM model_versions")
    if v is None:
        raise CorrectionError("no model yet: run `complaints fit` first, then correct its pain points")
    return int(v)


def _record(store, rows: list[dict], source: str) -> None:
    now = dt.datetime.now()
    store.append("painpoint_corrections", pd.DataFrame(
        [{"complaint_id": r["complaint_id"], "painpoint": r["painpoint"], "note": r.get("note") or None,
          "source": source, "created_at": now} for r in rows],
        columns=["complaint_id", "painpoint", "note", "source", "created_at"]))


def correct(library: Library, complaint_id: str, painpoint: str | None, note: str | None = None,
            lexicons: str | None = None) -> dict:
    """Record that `complaint_id`'s pain point is `painpoint` (key or Chinese name); None withdraws."""
    key = resolve_painpoint(load_taxonomy(lexicons), painpoint).key if painpoint is not None else None
    with open_store(library, write=True) as s, s.transaction():
        if not s.scalar("SELECT count(*) FROM complaints WHERE complaint_id = ?", [complaint_id]):
            raise CorrectionError(f"no complaint {complaint_id!r} in the library; see `complaints export`")
        _record(s, [{"complaint_id": complaint_id, "painpoint": key, "note": note}], "command")
        now = s.query("""SELECT painpoint, painpoint_status FROM assignments
                         WHERE version = (SELECT max(version) FROM model_versions) AND complaint_id = ?""",
                      [complaint_id])
    current = None if now.empty else now.iloc[0].to_dict()
    return {"complaint_id": complaint_id, "painpoint": key, "current": current}


def list_corrections(library: Library) -> pd.DataFrame:
    """The corrections in force (newest per complaint), with the library's current pain point."""
    with open_store(library) as s:
        fixed = latest_corrections(s)
        cur = s.query("""SELECT complaint_id, painpoint AS current, painpoint_source AS source FROM assignments
                         WHERE version = (SELECT max(version) FROM model_versions)""")
    df = pd.DataFrame({"complaint_id": list(fixed), "painpoint": list(fixed.values())})
    return df.merge(cur, on="complaint_id", how="left")


def _pick(df: pd.DataFrame, n: int, order: str, seed: int) -> pd.DataFrame:
    """The rows to show: uncertain first, least confident first, one per topic (and per topic-less
    pain point) in a round before any second one; or a random sample."""
    if order == "random":
        return df.sample(min(n, len(df)), random_state=seed)
    df = df.assign(_unsure=df["painpoint_status"] != "uncertain",
                   _group=[f"t{t}" if t >= 0 else f"p{p}" for t, p in zip(df["topic_id"], df["painpoint"])])
    df = df.sort_values(["_unsure", "painpoint_confidence", "complaint_id"])
    df["_round"] = df.groupby(["_unsure", "_group"]).cumcount()
    return df.sort_values(["_unsure", "_round", "painpoint_confidence", "complaint_id"]).head(n)


def template_frame(library: Library, n: int = 100, order: str = "uncertain", lexicons: str | None = None,
                   seed: int = 0) -> pd.DataFrame:
    """The corrections file's rows (canonical column names), complaints already corrected left out."""
    if order not in ORDERS:
        raise CorrectionError(f"--order must be one of {', '.join(ORDERS)}")
    names = {p.key: p.name for p in load_taxonomy(lexicons)}
    with open_store(library) as s:
        v = _latest_version(s)
        df = s.query("""SELECT a.complaint_id, c.text, a.painpoint, a.painpoint_status, a.painpoint_confidence,
                               a.painpoint_second, a.painpoint_evidence, a.topic_id,
                               coalesce(cu.label, t.label) AS topic_label
                        FROM assignments a JOIN complaints c USING (complaint_id)
                        LEFT JOIN topics t ON t.version = a.version AND t.topic_id = a.topic_id
                        LEFT JOIN curation cu ON cu.topic_id = a.topic_id
                        WHERE a.version = ? ORDER BY a.complaint_id""", [v])
        done = set(latest_corrections(s))
    df = _pick(df[~df["complaint_id"].isin(done)], n, order, seed)
    return pd.DataFrame({
        "complaint_id": df["complaint_id"],
        "text": [mask_pii(str(t))[:SNIPPET] for t in df["text"]],  # masked in the library; once more costs nothing
        "current": [names.get(p, p) for p in df["painpoint"]],
        "status": [STATUS_ZH.get(x, x) for x in df["painpoint_status"]],
        "confidence": df["painpoint_confidence"].round(2),
        "second": [names.get(p, "") if isinstance(p, str) else "" for p in df["painpoint_second"]],
        "evidence": [" ".join(json.loads(e)) if isinstance(e, str) and e.startswith("[") else "" for e in
                     df["painpoint_evidence"]],
        "topic": [f"{t} {lab}" if t >= 0 and isinstance(lab, str) else "" for t, lab in
                  zip(df["topic_id"], df["topic_label"])],
        "correct": "", "note": ""}).reset_index(drop=True)


def export_template(library: Library, out: str | Path, n: int = 100, order: str = "uncertain",
                    lexicons: str | None = None, seed: int = 0) -> int:
    """Write the corrections file (.xlsx with a drop-down of pain points, or .csv); returns its rows."""
    out = Path(out)
    if out.suffix.lower() not in (".xlsx", ".csv"):
        raise InputFileError(f"{out}: 更正表只能是 .xlsx 或 .csv (write .xlsx or .csv)")
    frame = template_frame(library, n, order, lexicons, seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    headers = [COLUMNS[c][0] for c in frame.columns]
    if out.suffix.lower() == ".csv":
        from ..cells import csv_text

        frame.map(csv_text).set_axis(headers, axis=1).to_csv(out, index=False, encoding="utf-8-sig")
    else:
        _write_xlsx(out, frame, headers, load_taxonomy(lexicons))
    return len(frame)


def _write_xlsx(out: Path, frame: pd.DataFrame, headers: list[str], taxonomy: list[PainPoint]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    from ..cells import set_xlsx

    wb = Workbook()
    ws = wb.active
    ws.title = "痛点更正"
    for j, h in enumerate(headers, start=1):
        ws.cell(row=1, column=j, value=h).font = Font(bold=True)
    for i, row in enumerate(frame.itertuples(index=False), start=2):
        for j, v in enumerate(row, start=1):
            set_xlsx(ws.cell(row=i, column=j), None if v == "" else v)
            ws.cell(row=i, column=j).alignment = Alignment(wrap_text=(j == 2), vertical="top")
    widths = {"complaint_id": 18, "text": 60, "evidence": 24, "topic": 20, "note": 24}
    for j, c in enumerate(frame.columns, start=1):
        ws.column_dimensions[ws.cell(row=1, column=j).column_letter].width = widths.get(c, 12)
    col = ws.cell(row=1, column=list(frame.columns).index("correct") + 1).column_letter
    dv = DataValidation(type="list", formula1='"' + ",".join(p.name for p in taxonomy) + '"', allow_blank=True,
                        showErrorMessage=True, errorTitle="痛点", error="请从列表中选择痛点")
    ws.add_data_validation(dv)
    dv.add(f"{col}2:{col}{max(2, len(frame) + 1)}")
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("说明")
    notes.append(["在“正确痛点”列选择（或填写代码/中文名）该投诉真正的痛点；留空表示未核对。"])
    notes.append(["填好后运行：complaints painpoint import 文件名.xlsx；下次 complaints update 或 fit 时生效。"])
    notes.append(["痛点", "代码", "说明"])
    for p in taxonomy:
        notes.append([p.name, p.key, p.description])
    wb.save(out)


def _column(frame: pd.DataFrame, what: str, path: Path, required: bool = True) -> str | None:
    for name in COLUMNS[what]:
        if name in frame.columns:
            return name
    if required:
        raise InputFileError(f"{path}: 缺少列 {COLUMNS[what][0]} (no column {COLUMNS[what][0]} / {COLUMNS[what][1]}); "
                             f"columns found: {', '.join(frame.columns)}")
    return None


def import_corrections(library: Library, path: str | Path, lexicons: str | None = None) -> dict:
    """Read a filled-in corrections file: all of it or nothing (a bad row is an error naming it)."""
    from ..ingest.readers import read_table

    table = read_table(path)
    frame, path = table.frame, Path(path)
    id_col, pp_col = _column(frame, "complaint_id", path), _column(frame, "correct", path)
    note_col = _column(frame, "note", path, required=False)
    taxonomy = load_taxonomy(lexicons)
    rows, bad = [], []
    for n, r in zip(table.row_numbers, frame.to_dict("records")):
        value = r.get(pp_col)
        if value is None or not str(value).strip():
            continue
        try:
            key = resolve_painpoint(taxonomy, str(value).strip()).key
        except InputFileError:
            bad.append(f"row {n}: {mask_pii(str(value))[:30]!r} is not a pain point")
            continue
        cid = None if r.get(id_col) is None else str(r[id_col]).strip()
        if not cid:
            bad.append(f"row {n}: no {COLUMNS['complaint_id'][0]}")
            continue
        note = r.get(note_col) if note_col else None
        rows.append({"complaint_id": cid, "painpoint": key, "note": None if note is None else mask_pii(str(note))})
    with open_store(library, write=True) as s, s.transaction():
        ids = {r["complaint_id"] for r in rows}
        known = set(s.query("SELECT complaint_id FROM complaints WHERE complaint_id IN (SELECT unnest(?::VARCHAR[]))",
                            [sorted(ids)])["complaint_id"]) if ids else set()
        bad += [f"{COLUMNS['complaint_id'][0]} {mask_pii(c)!r} is not in the library" for c in sorted(ids - known)]
        if bad:
            names = "、".join(p.name for p in taxonomy)
            raise CorrectionError(f"{mask_pii(path.name)}: nothing imported; fix these rows ({'; '.join(bad[:10])}"
                                  f"{'; …' if len(bad) > 10 else ''}). Pain points: {names}")
        _record(s, rows, "file:" + mask_pii(path.name))
    return {"imported": len(rows), "skipped_blank": len(frame) - len(rows), "file": mask_pii(path.name)}
