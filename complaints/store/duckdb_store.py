"""The default store: one embedded DuckDB file."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

import duckdb
import pandas as pd

from ._base import LibraryStore
from .migrate import shadow, upgrade

SCHEMA_VERSION = "2"
_SCHEMA = (Path(__file__).with_name("schema.sql")).read_text(encoding="utf-8")


class DuckDBStore(LibraryStore):
    def __init__(self, path: Path, read_only: bool = False, threads: int = 2) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self.con = duckdb.connect(str(self.path), read_only=read_only, config={"threads": threads})
        if not read_only:
            self._migrate()
        else:
            shadow(self.con)

    def _migrate(self) -> None:
        self.execute(_SCHEMA)
        upgrade(self.con)
        if self.scalar("SELECT count(*) FROM meta WHERE key = 'schema_version'") == 0:
            self.execute("INSERT INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])
        else:
            self.execute("UPDATE meta SET value = ? WHERE key = 'schema_version' AND value <> ?",
                         [SCHEMA_VERSION, SCHEMA_VERSION])

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.execute("ROLLBACK")
            raise
        self.execute("COMMIT")

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        self.con.execute(sql, params or []).fetchall()  # DuckDB 2 wants every result consumed

    def query(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        return self.con.execute(sql, params or []).df()

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        rows = self.con.execute(sql, params or []).fetchall()
        return rows[0][0] if rows else None

    def append(self, table: str, frame: pd.DataFrame) -> int:
        if frame.empty:
            return 0
        self.con.register("_incoming", frame)
        try:
            cols = ", ".join(f'"{c}"' for c in frame.columns)
            self.con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _incoming").fetchall()
        finally:
            self.con.unregister("_incoming")
        return len(frame)

    def close(self) -> None:
        self.con.close()
