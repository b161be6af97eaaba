"""Store: the complaint library on disk, behind one small interface; DuckDB is the default.

`open_store` opens the library's DuckDB file under its lock (`complaints.lock`: one writer, many
readers); `_base.LibraryStore` is the interface a backend implements (`duckdb_store`, schema.sql);
`stats` counts what the library holds and lists rejects. Every other stage reads and writes
through it.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from ..config import Library
from ..errors import LibraryMissingError
from ..lock import library_lock
from ._base import LibraryStore
from .duckdb_store import DuckDBStore

__all__ = ["LibraryStore", "DuckDBStore", "open_store"]


@contextmanager
def open_store(library: Library, write: bool = False, wait_s: float | None = None) -> Iterator[LibraryStore]:
    """Open the library's store under its lock: exclusive for writers, shared for readers."""
    if write:
        library.ensure()
    elif not library.exists():
        raise LibraryMissingError(
            f"no complaint library at {library.root}: ingest something first "
            "(complaints ingest complaints FILE) or run complaints demo"
        )
    with library_lock(library.lock_path, exclusive=write, wait_s=wait_s):
        store = DuckDBStore(library.db_path, read_only=not write)
        try:
            yield store
        finally:
            store.close()
