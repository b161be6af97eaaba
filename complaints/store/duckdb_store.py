"""The default store: one embedded DuckDB file."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

import duckdb
import pandas as pd

from ._base import LibraryStore

SCHEMA_VERSION = "1"
_SCHEMA = (Path(__file__).with_name("schema.sql")).read_text(encoding="utf-8")


class DuckDBStore(LibraryStore):
    def __init__(self, path: Path, read_only: bool = False, threads: int = 2) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self.con = duckdb.connect(str(self.path), read_only=read_only, config={"threads": threads})
        if not read_only:
            self._migrate()

    def _migrate(self) -> None:
        self.con.execute(_SCHEMA)
        if self.scalar("SELECT count(*) FROM meta WHERE key = 'schema_version'") == 0:
            self.con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        self.con.execute(sql, params or [])

    def query(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        return self.con.execute(sql, params or []).df()

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        row = self.con.execute(sql, params or []).fetchone()
        return None if row is None else row[0]

    def append(self, table: str, frame: pd.DataFrame) -> int:
        if frame.empty:
            return 0
        self.con.register("_incoming", frame)
        try:
            cols = ", ".join(f'"{c}"' for c in frame.columns)
            self.con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _incoming")
        finally:
            self.con.unregister("_incoming")
        return len(frame)

    def close(self) -> None:
        self.con.close()
