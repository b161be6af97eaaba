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
from ..text.normalize import shown_path

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
    """UTF-8 (with or without BOM) first, then GB18030, which also covers GBK and GB2312.

    A file whose first lines are UTF-8 Chinese and whose later lines are not is a mix of two
    encodings (two exports pasted together): GB18030 would read its UTF-8 part as garbage, so
    the error names the first line that is not UTF-8.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        try:
            return data.decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise _mixed(data, exc.start, source) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise InputFileError(f"{source}: cannot decode line {_line(data, exc.start)} as UTF-16; "
                                 "re-export the file as UTF-8") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        bad = exc.start
    if not data[: data.rfind(b"\n", 0, bad) + 1].isascii():  # whole UTF-8 Chinese lines before it: not GBK
        raise _mixed(data, bad, source)
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise InputFileError(f"{source}: cannot decode line {_line(data, exc.start)} as UTF-8 or GB18030 (GBK); "
                             "re-export the file as UTF-8") from None


def _line(data: bytes, pos: int) -> int:
    return data[:pos].count(b"\n") + 1


def _mixed(data: bytes, pos: int, source: str) -> InputFileError:
    return InputFileError(f"{source}: line {_line(data, pos)} is not UTF-8 while the lines before it are: the file "
                          "mixes encodings (UTF-8 and GBK?); re-export it as UTF-8")


def _read_csv(path: Path) -> tuple[pd.DataFrame, str, list[int]]:
    text, enc = decode_bytes(path.read_bytes(), shown_path(path))
    sample = text[:20000]
    try:
        delim = csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=",\t;|").delimiter
    except csv.Error:
        delim = "\t" if path.suffix.lower() == ".tsv" else ","
    try:
        df = pd.read_csv(io.StringIO(text), sep=delim, dtype=str, keep_default_na=False,
                         na_values=[], skip_blank_lines=True, engine="c")
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputFileError(f"{shown_path(path)}: not a readable CSV file: {exc}") from None
    # Physical line numbers are off when quoted cells hold newlines; the record number is stable.
    return df, enc, [i + 2 for i in range(len(df))]


def _read_xlsx(path: Path) -> tuple[pd.DataFrame, list[int]]:
    try:
        df = pd.read_excel(path, dtype=object, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for corrupt files
        raise InputFileError(f"{shown_path(path)}: not a readable XLSX file: {exc}") from None
    return df, [i + 2 for i in range(len(df))]


def _read_jsonl(path: Path) -> tuple[pd.DataFrame, str, list[int], list[tuple[int, str, str]]]:
    text, enc = decode_bytes(path.read_bytes(), shown_path(path))
    stripped = text.lstrip()
    if path.suffix.lower() == ".json" and stripped.startswith("["):
        try:
            records = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputFileError(f"{shown_path(path)}: invalid JSON at line {exc.lineno}: {exc.msg}") from None
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
        raise InputFileError(f"{shown_path(path)}: no such file")
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputFileError(f"{shown_path(path)}: unknown file type {path.suffix!r}; use .csv, .xlsx, .jsonl or .parquet")
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
            raise InputFileError(f"{shown_path(path)}: not a readable Parquet file: {exc}") from None
        numbers = list(range(1, len(df) + 1))
    df.columns = [str(c) for c in df.columns]
    df = df.astype(object).where(df.notna(), None).reset_index(drop=True)
    return RawTable(path=path, format=fmt, encoding=enc, sha256=file_sha256(path), frame=df,
                    row_numbers=numbers, bad_rows=bad)
