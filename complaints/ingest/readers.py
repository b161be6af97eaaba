"""Read complaint exports (CSV/TSV, XLSX, JSONL, Parquet) into string-valued tables."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import InputFileError

FORMATS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx",
           ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".parquet": "parquet", ".pq": "parquet"}


@dataclass
class RawTable:
    """A file's rows as read, before mapping. `row_numbers` are what a person sees in the file:
    the spreadsheet row (header is row 1) for CSV/XLSX, the line for JSONL, 1-based for Parquet."""

    path: Path
    format: str
    encoding: str | None
    sha256: str
    frame: pd.DataFrame
    row_numbers: list[int]
    bad_rows: list[tuple[int, str, str]] = field(default_factory=list)  # (row, reason, raw)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def decode_bytes(data: bytes, source: str) -> tuple[str, str]:
    """UTF-8 (with or without BOM) first, then GB18030, which also covers GBK and GB2312."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputFileError(f"{source}: cannot decode line {line} as UTF-8 or GB18030 (GBK); "
                             "re-export the file as UTF-8") from None


def _read_csv(path: Path) -> tuple[pd.DataFrame, str, list[int]]:
    text, enc = decode_bytes(path.read_bytes(), str(path))
    sample = text[:20000]
    try:
        delim = csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=",\t;|").delimiter
    except csv.Error:
        delim = "\t" if path.suffix.lower() == ".tsv" else ","
    try:
        df = pd.read_csv(io.StringIO(text), sep=delim, dtype=str, keep_default_na=False,
                         na_values=[], skip_blank_lines=True, engine="c")
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputFileError(f"{path}: not a readable CSV file: {exc}") from None
    # Physical line numbers are off when quoted cells hold newlines; the record number is stable.
    return df, enc, [i + 2 for i in range(len(df))]


def _read_xlsx(path: Path) -> tuple[pd.DataFrame, list[int]]:
    try:
        df = pd.read_excel(path, dtype=object, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for corrupt files
        raise InputFileError(f"{path}: not a readable XLSX file: {exc}") from None
    return df, [i + 2 for i in range(len(df))]


def _read_jsonl(path: Path) -> tuple[pd.DataFrame, str, list[int], list[tuple[int, str, str]]]:
    text, enc = decode_bytes(path.read_bytes(), str(path))
    stripped = text.lstrip()
    if path.suffix.lower() == ".json" and stripped.startswith("["):
        try:
            records = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputFileError(f"{path}: invalid JSON at line {exc.lineno}: {exc.msg}") from None
        rows = [r for r in records if isinstance(r, dict)]
        return pd.DataFrame(rows), enc, list(range(1, len(rows) + 1)), []
    rows, numbers, bad = [], [], []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            bad.append((lineno, f"invalid JSON: {exc.msg}", line[:500]))
            continue
        if not isinstance(obj, dict):
            bad.append((lineno, "line is not a JSON object", line[:500]))
            continue
        rows.append(obj)
        numbers.append(lineno)
    return pd.DataFrame(rows), enc, numbers, bad


def read_table(path: str | Path) -> RawTable:
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: no such file")
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputFileError(f"{path}: unknown file type {path.suffix!r}; use .csv, .xlsx, .jsonl or .parquet")
    enc, bad = None, []
    if fmt == "csv":
        df, enc, numbers = _read_csv(path)
    elif fmt == "xlsx":
        df, numbers = _read_xlsx(path)
    elif fmt == "jsonl":
        df, enc, numbers, bad = _read_jsonl(path)
    else:
        try:
            df = pd.read_parquet(path)
        except Exception as exc:
            raise InputFileError(f"{path}: not a readable Parquet file: {exc}") from None
        numbers = list(range(1, len(df) + 1))
    df.columns = [str(c) for c in df.columns]
    df = df.astype(object).where(df.notna(), None).reset_index(drop=True)
    return RawTable(path=path, format=fmt, encoding=enc, sha256=file_sha256(path), frame=df,
                    row_numbers=numbers, bad_rows=bad)
