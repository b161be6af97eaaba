"""Ingest one file into the library: read, map, validate, clean and store — all or nothing."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from ..config import Library
from ..errors import InputFileError
from .keys import CustomerKeyer
from .kinds import better_kind
from .readers import read_table
from .repeats import relink_repeats
from .schema import KINDS, map_columns
from ..store import LibraryStore, open_store
from ..text.normalize import shown_path
from .validate import Reject, derived_id, digest, validate

_TABLE = {"complaints": "complaints", "customers": "customers", "ports": "port_events"}
_ID = {"complaints": "complaint_id", "customers": "customer_key", "ports": "event_id"}
_COMPLAINT_STATE = ["escalated", "resolved_at", "satisfaction", "attributes", "state_hash"]


@dataclass
class IngestResult:
    kind: str
    source: str
    batch_id: int | None
    rows_read: int
    accepted: int = 0
    updated: int = 0
    rejected: int = 0
    skipped: int = 0
    already_ingested: bool = False
    encoding: str | None = None
    format: str | None = None
    column_map: dict[str, str] = field(default_factory=dict)
    notes: dict[str, int] = field(default_factory=dict)
    reject_reasons: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def _existing(store: LibraryStore, kind: str, incoming: pd.DataFrame) -> pd.DataFrame:
    table, id_col = _TABLE[kind], _ID[kind]
    extra = (", t.state_hash, t.batch_id, t.received_at IS NULL AS undated" if kind == "complaints"
             else ", t.batch_id")
    store.execute(f"CREATE OR REPLACE TEMP TABLE _ids ({id_col} VARCHAR)")
    store.append("_ids", incoming[[id_col]])
    found = store.query(f"SELECT t.{id_col}, t.content_hash{extra} FROM {table} t JOIN _ids USING ({id_col})")
    store.execute("DROP TABLE _ids")
    return found


def _settle_against_library(store: LibraryStore, kind: str, records: pd.DataFrame,
                            rejects: list[Reject]) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Split incoming records into (new rows, rows replacing a stored version, skipped count)."""
    id_col = _ID[kind]
    found = _existing(store, kind, records)
    if found.empty:
        return records, records.iloc[0:0], 0
    found = found.rename(columns={c: f"{c}_old" for c in found.columns if c != id_col})
    merged = records.merge(found, on=id_col, how="left", indicator=True)
    known = merged["_merge"] == "both"
    same_content = merged["content_hash"] == merged["content_hash_old"]
    if kind == "complaints":
        dating = known & ~same_content & _dates_an_undated_complaint(merged)
        conflict = known & ~same_content & ~dating
        for rowno, cid, old_batch in merged.loc[conflict, ["source_row", id_col, "batch_id_old"]].itertuples(
                index=False, name=None):
            rejects.append(Reject(int(rowno), "complaint_id",
                                  f"complaint_id: duplicate id {cid!r} with different content "
                                  f"(already in the library from batch {int(old_batch)})",
                                  json.dumps({"complaint_id": cid}, ensure_ascii=False)))
        changed = (known & same_content & (merged["state_hash"] != merged["state_hash_old"])) | dating
        unchanged = known & same_content & ~changed
    else:
        changed = known & ~same_content
        unchanged = known & same_content
    cols = list(records.columns)
    return merged.loc[~known, cols], merged.loc[changed, cols], int(unchanged.sum())


def _undated_hashes(rows: pd.DataFrame) -> list[str]:
    """Each complaint's content hash as it would be without its date (validate's digest)."""
    return [digest(t, None if pd.isna(k) else k, None)
            for t, k in rows[["text", "customer_key"]].itertuples(index=False, name=None)]


def _reuse_undated_ids(store: LibraryStore, records: pd.DataFrame) -> pd.DataFrame:
    """Complaints without an id column get an id hashed from text, customer and date; read again with
    the date mapped, they must keep the id their undated copy got, or they would be added twice."""
    derived = (records["complaint_id"] == records["content_hash"].map(derived_id)) & records["received_at"].notna()
    if not derived.any():
        return records
    alt = pd.Series([derived_id(h) for h in _undated_hashes(records[derived])], index=records.index[derived])
    found = _existing(store, "complaints", pd.DataFrame({"complaint_id": alt.to_numpy()}))
    reuse = alt[alt.isin(found.loc[found["undated"].astype(bool), "complaint_id"])]
    if reuse.empty:
        return records
    records = records.copy()
    records.loc[reuse.index, "complaint_id"] = reuse
    return records


def _drop_known_by_text(store: LibraryStore, records: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Complaints read from a file without an id column are the same complaint as a stored id-less one
    with the same text and date, whatever customer column was mapped this time: skip them."""
    derived = records["complaint_id"] == records["content_hash"].map(derived_id)
    if not derived.any():
        return records, 0
    store.execute("CREATE OR REPLACE TEMP TABLE _txt (i BIGINT, complaint_id VARCHAR, text VARCHAR, received_at TIMESTAMP)")
    store.append("_txt", pd.DataFrame({"i": records.index[derived], "complaint_id": records.loc[derived, "complaint_id"],
                                       "text": records.loc[derived, "text"],
                                       "received_at": records.loc[derived, "received_at"]}))
    hit = store.query("""SELECT DISTINCT t.i FROM _txt t JOIN complaints c ON c.text = t.text
                         AND c.received_at IS NOT DISTINCT FROM t.received_at AND c.complaint_id <> t.complaint_id
                         WHERE regexp_full_match(c.complaint_id, 'h[0-9a-f]{16}')""")["i"]
    store.execute("DROP TABLE _txt")
    return records.drop(index=hit.tolist()), len(hit)


def _dates_an_undated_complaint(merged: pd.DataFrame) -> pd.Series:
    """Rows that are a stored undated complaint again (same id, text and customer), now with its date:
    the same file read again with its date column mapped. They update the complaint's date."""
    undated = merged["undated_old"].fillna(False).astype(bool) & merged["received_at"].notna()
    if not undated.any():
        return undated
    out = pd.Series(False, index=merged.index)
    old = merged.loc[undated, "content_hash_old"]
    out[undated] = [h == o for h, o in zip(_undated_hashes(merged[undated]), old)]
    return out


def _apply_updates(store: LibraryStore, kind: str, updates: pd.DataFrame, batch_id: int) -> None:
    if updates.empty:
        return
    table, id_col = _TABLE[kind], _ID[kind]
    if kind == "complaints":
        # A re-export of a ticket with the same text: take its new resolution state (and the date an
        # undated copy lacked), keep its identity.
        frame = updates[[id_col, "received_at", "content_hash"] + _COMPLAINT_STATE].copy()
        store.execute("CREATE OR REPLACE TEMP TABLE _upd AS SELECT * FROM complaints LIMIT 0")
        store.execute("ALTER TABLE _upd DROP COLUMN IF EXISTS batch_id")
        store.append("_upd", frame)
        sets = ", ".join(f"{c} = u.{c}" for c in _COMPLAINT_STATE) + (
            ", received_at = coalesce(complaints.received_at, u.received_at), content_hash = CASE WHEN "
            "complaints.received_at IS NULL AND u.received_at IS NOT NULL THEN u.content_hash "
            "ELSE complaints.content_hash END")
        store.execute(f"UPDATE complaints SET {sets} FROM _upd u WHERE complaints.{id_col} = u.{id_col}")
        store.execute("DROP TABLE _upd")
    else:
        store.execute(f"CREATE OR REPLACE TEMP TABLE _ids ({id_col} VARCHAR)")
        store.append("_ids", updates[[id_col]])
        store.execute(f"DELETE FROM {table} WHERE {id_col} IN (SELECT {id_col} FROM _ids)")
        store.execute("DROP TABLE _ids")
        store.append(table, updates.assign(batch_id=batch_id))


def _find_batch(store: LibraryStore, kind: str, sha256: str, mapping: dict[str, str]) -> int | None:
    """The batch that already read this file with these columns. The same file read with another
    column map (its date column now mapped, say) is a new reading whose rows update the library."""
    return store.scalar("SELECT min(batch_id) FROM batches WHERE kind = ? AND file_sha256 = ? AND column_map = ?",
                        [kind, sha256, json.dumps(mapping, ensure_ascii=False)])


def _prior_batch(library: Library, kind: str, sha256: str, mapping: dict[str, str]) -> int | None:
    if not library.exists():
        return None
    with open_store(library) as store:
        return _find_batch(store, kind, sha256, mapping)


def ingest_file(library: Library, kind: str, path: str | Path, overrides: dict[str, str] | None = None,
                progress: Callable[[int, int], None] | None = None, wait_s: float | None = None) -> IngestResult:
    """Ingest `path` as `kind` (complaints, customers or ports) in one transaction.

    Failing before the commit — a bad file, a crash, a kill — leaves the library as it was.
    Ingesting the same file again with the same columns changes nothing.
    """
    if kind not in KINDS:
        raise InputFileError(f"unknown record kind {kind!r}; use one of {', '.join(KINDS)}")
    rk = KINDS[kind]
    table = read_table(path)
    source = shown_path(table.path)  # stored and printed: a file named after a customer's number is masked
    mapping = map_columns(rk, list(table.frame.columns), source, overrides)
    total = len(table.frame)
    prior = _prior_batch(library, kind, table.sha256, mapping)
    if prior is not None:  # cheap early exit; re-checked under the write lock below
        return IngestResult(kind=kind, source=source, batch_id=prior, rows_read=total + len(table.bad_rows),
                            skipped=total + len(table.bad_rows), already_ingested=True, encoding=table.encoding,
                            format=table.format, column_map=mapping)
    library.ensure()
    keyer = CustomerKeyer(library.hash_key(), hash_all=library.format() >= 2)
    checked = validate(rk, table, mapping, keyer, progress=(lambda i: progress(i, total)) if progress else None)
    if progress:
        progress(total, total)
    records, rejects = checked.records, checked.rejects
    result = IngestResult(kind=kind, source=source, batch_id=None, rows_read=total + len(table.bad_rows),
                          encoding=table.encoding, format=table.format, column_map=mapping)
    if (warning := better_kind(kind, list(table.frame.columns))) is not None:
        result.warnings.append(warning)

    with open_store(library, write=True, wait_s=wait_s) as store:
        prior = _find_batch(store, kind, table.sha256, mapping)
        if prior is not None:
            result.batch_id, result.already_ingested, result.skipped = prior, True, result.rows_read
            return result
        with store.transaction():
            batch_id = int(store.scalar("SELECT coalesce(max(batch_id), 0) + 1 FROM batches"))
            known_by_text = 0
            if kind == "complaints" and not records.empty:
                records = _reuse_undated_ids(store, records)
                records, known_by_text = _drop_known_by_text(store, records)
            new, updates, unchanged = ((records, records.iloc[0:0], 0) if records.empty else
                                       _settle_against_library(store, kind, records, rejects))
            store.append(_TABLE[kind], new.assign(batch_id=batch_id))
            _apply_updates(store, kind, updates, batch_id)
            if rejects:
                store.append("rejects", pd.DataFrame(
                    [(batch_id, kind, source, r.row, r.column, r.reason, r.raw) for r in rejects],
                    columns=["batch_id", "kind", "source_file", "row_number", "column_name", "reason", "raw"]))
            if kind == "complaints" and not records.empty:
                touched = pd.concat([new["customer_key"], updates["customer_key"]]).dropna().unique().tolist()
                result.notes["repeats_linked"] = relink_repeats(store, touched)
                result.notes["undated"] = int(new["received_at"].isna().sum())
            result.batch_id = batch_id
            result.accepted, result.updated = len(new), len(updates)
            result.rejected, result.skipped = len(rejects), checked.skipped + unchanged + known_by_text
            if known_by_text:
                result.notes["same_text_and_date"] = known_by_text
            if keyer.kept_in_clear:
                result.notes["account_ids_in_clear"] = keyer.kept_in_clear
            store.append("batches", pd.DataFrame([{
                "batch_id": batch_id, "kind": kind, "source_file": source, "file_sha256": table.sha256,
                "file_format": table.format, "encoding": table.encoding, "ingested_at": dt.datetime.now(),
                "rows_read": result.rows_read, "accepted": result.accepted, "updated": result.updated,
                "rejected": result.rejected, "skipped": result.skipped,
                "column_map": json.dumps(mapping, ensure_ascii=False)}]))
    for r in rejects:
        key = r.reason.split(":", 1)[0] if r.column else r.reason
        result.reject_reasons[key] = result.reject_reasons.get(key, 0) + 1
    return result
