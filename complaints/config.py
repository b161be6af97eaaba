"""Where a complaint library lives on disk and the secrets it keeps."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

DEFAULT_LIBRARY = "complaint-library"
LIBRARY_ENV = "COMPLAINTS_LIBRARY"


@dataclass(frozen=True)
class Library:
    """A library directory: one DuckDB file, a folder of fitted models and a config."""

    root: Path

    @property
    def db_path(self) -> Path:
        return self.root / "library.duckdb"

    @property
    def models_dir(self) -> Path:
        return self.root / "models"

    @property
    def config_path(self) -> Path:
        return self.root / "config.json"

    @property
    def lock_path(self) -> Path:
        return self.root / ".lock"

    def exists(self) -> bool:
        return self.db_path.exists()

    def ensure(self) -> "Library":
        """Create the directory and a config with a fresh hashing key, once."""
        self.models_dir.mkdir(parents=True, exist_ok=True)
        if not self.config_path.exists():
            cfg = {"hash_key": secrets.token_hex(32), "format": 1}
            tmp = self.config_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(cfg, indent=2), encoding="utf-8")
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.config_path)
        return self

    def config(self) -> dict:
        return json.loads(self.config_path.read_text(encoding="utf-8"))

    def hash_key(self) -> bytes:
        return bytes.fromhex(self.config()["hash_key"])


def resolve_library(path: str | os.PathLike | None = None) -> Library:
    """`--library` wins, then $COMPLAINTS_LIBRARY, then ./complaint-library."""
    chosen = path or os.environ.get(LIBRARY_ENV) or DEFAULT_LIBRARY
    return Library(Path(chosen).expanduser().resolve())
