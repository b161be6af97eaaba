"""The small interface every library store backend implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:  # pandas costs 0.3 s to import; classify never needs a store
    import pandas as pd


class LibraryStore(ABC):
    """A SQL store holding the library tables. Writes happen inside `transaction()`, which
    commits everything or nothing."""

    read_only: bool

    @abstractmethod
    def transaction(self) -> AbstractContextManager[None]: ...

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None: ...

    @abstractmethod
    def query(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame: ...

    @abstractmethod
    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any: ...

    @abstractmethod
    def append(self, table: str, frame: pd.DataFrame) -> int:
        """Insert the frame's columns (by name) into `table`; return the row count."""

    @abstractmethod
    def close(self) -> None: ...

    def pairs(self, sql: str, params: Sequence[Any] | None = None) -> dict:
        """First column -> second column of a two-column query, read as columns: iterating a
        million rows of a frame one by one takes seconds."""
        df = self.query(sql, params)
        return dict(zip(df.iloc[:, 0].tolist(), df.iloc[:, 1].tolist()))
