"""Find planted personal data in any text, file or library, in whatever spelling it survived.

A value counts as leaked when it appears raw, or when its digits appear after the text is folded
the way an attacker would fold it: digits of any script (Arabic-Indic, full-width, Chinese
numerals 一二三…) to ASCII, format characters (zero-width, soft hyphen, BOM) dropped, and the
separators people put inside numbers (spaces, tabs, newlines, NBSP, dashes, dots, slashes)
removed between digits. Libraries are read with duckdb, workbooks with openpyxl, parquet with
pandas, .npy/.npz with numpy (no pickle); every file also as its raw bytes read as UTF-8.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

_CN_DIGITS = {"〇": "0", "零": "0", "一": "1", "幺": "1", "壹": "1", "二": "2", "两": "2", "贰": "2", "三": "3",
              "叁": "3", "四": "4", "肆": "4", "五": "5", "伍": "5", "六": "6", "陆": "6", "七": "7", "柒": "7",
              "八": "8", "捌": "8", "九": "9", "玖": "9"}
_SEP = r"[\s\u00a0\u3000\-\u2010-\u2015\u2212.\u3002/\\·_,，:：()（）'\"]{1,3}"
_BETWEEN = re.compile(rf"(?<=\d){_SEP}(?=\d)")


def _fold_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {ord(k): v for k, v in _CN_DIGITS.items()}
    for cp in range(0x110000):
        cat = unicodedata.category(chr(cp))
        if cat == "Nd" and cp > 0x7F:
            table[cp] = str(unicodedata.decimal(chr(cp)))
        elif cat == "Cf":
            table[cp] = None
    table[0xAD] = None
    return table


_FOLD = _fold_table()


def fold(text: str) -> str:
    """Digits of every script to ASCII, format characters dropped, separators inside numbers removed."""
    return _BETWEEN.sub("", text.translate(_FOLD))


@lru_cache(maxsize=64)
def _prepared(items: tuple[tuple[str, str], ...]) -> list[tuple[str, str, str | None]]:
    """(name, lower-case value, folded digits or None) for each secret."""
    return [(n, v.lower(), fold(v.lower()) if any(c.isdigit() for c in v) else None) for n, v in items]


def leaks(text, secrets: dict[str, str]) -> list[str]:
    """Names of the secrets found in `text`: raw, or (for values with digits) as digits after folding."""
    if text is None:
        return []
    low = str(text).lower()
    folded = None
    found = []
    for name, value, digits in _prepared(tuple(secrets.items())):
        if value in low:
            found.append(name)
        elif digits is not None:
            if folded is None:
                folded = fold(low)
            if digits in folded:
                found.append(name)
    return found


def _duckdb_values(path: Path) -> Iterator[tuple[str, str]]:
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()]
        for t in tables:
            cols = [r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                [t]).fetchall()]
            yield f"{path}:{t}(columns)", " ".join(cols)
            for c in cols:
                for (v,) in con.execute(f'SELECT DISTINCT CAST("{c}" AS VARCHAR) FROM "{t}"').fetchall():
                    if v is not None:
                        yield f"{path}:{t}.{c}", v
    finally:
        con.close()


def _xlsx_values(path: Path) -> Iterator[tuple[str, str]]:
    from openpyxl import load_workbook

    wb = load_workbook(path)  # formulas kept as written: a formula cell's text is scanned too
    for ws in wb.worksheets:
        yield f"{path}:{ws.title}(sheet name)", ws.title
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    yield f"{path}:{ws.title}!{cell.coordinate}", str(cell.value)


def _parquet_values(path: Path) -> Iterator[tuple[str, str]]:
    import pandas as pd

    df = pd.read_parquet(path)
    yield f"{path}(columns)", " ".join(map(str, df.columns))
    for c in df.columns:
        for v in df[c].astype(str).unique():
            yield f"{path}:{c}", v


def _numpy_values(path: Path) -> Iterator[tuple[str, str]]:
    import numpy as np

    loaded = np.load(path, allow_pickle=False)
    arrays = {k: loaded[k] for k in loaded.files} if hasattr(loaded, "files") else {"": loaded}
    for k, a in arrays.items():
        if a.dtype.kind in "US":
            for v in np.unique(a.ravel()):
                yield f"{path}:{k}", str(v)


def _bytes_values(path: Path) -> Iterator[tuple[str, str]]:
    """The bytes as UTF-8 text (UTF-16/32 text only appears in .npy string arrays, read above with numpy)."""
    yield f"{path}(bytes)", path.read_bytes().decode("utf-8", errors="ignore")


def file_values(path: Path) -> Iterator[tuple[str, str]]:
    """(where, text) pairs for everything a file holds, read with the reader its format calls for."""
    suffix = path.suffix.lower()
    if suffix in (".duckdb", ".db"):
        yield from _duckdb_values(path)
    elif suffix in (".xlsx", ".xlsm"):
        yield from _xlsx_values(path)
    elif suffix in (".parquet", ".pq"):
        yield from _parquet_values(path)
    elif suffix in (".npy", ".npz"):
        yield from _numpy_values(path)
    yield from _bytes_values(path)  # every file, including the above: a header, a WAL, a stray copy


def scan_files(paths: Iterable[Path], secrets: dict[str, str], skip: Iterable[str] = ()) -> list[str]:
    """Every (where: secret) leak in the files (folders are walked)."""
    skip = set(skip)
    found = []
    for p in paths:
        p = Path(p)
        files = [f for f in sorted(p.rglob("*")) if f.is_file()] if p.is_dir() else [p] if p.exists() else []
        for f in files:
            if f.name in skip:
                continue
            for where, text in file_values(f):
                found += [f"{where}: {name}" for name in leaks(text, secrets)]
    return sorted(set(found))


def scan_texts(texts: dict[str, str], secrets: dict[str, str]) -> list[str]:
    return sorted({f"{where}: {name}" for where, t in texts.items() for name in leaks(t, secrets)})
