"""Where a complaint library lives on disk and the secrets it keeps."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from .errors import ComplaintsError, LibraryReadOnlyError

DEFAULT_LIBRARY = "complaint-library"
LIBRARY_ENV = "COMPLAINTS_LIBRARY"
# 1: account ids (keys that are not a phone, ID or card number) were stored in clear.
# 2: every customer key is a keyed hash.
FORMAT = 2
MIN_KEY_BYTES = 16


class LibraryConfigError(ComplaintsError):
    """config.json (the hashing key) is missing, empty or damaged."""


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

    def relative(self, path: str | os.PathLike) -> str:
        """A path inside the library as it is stored (config, pointers, tables): relative to the root,
        so a copied or moved library points into itself."""
        p = Path(path)
        try:
            return p.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(p)

    def resolve(self, stored: str | os.PathLike) -> Path:
        """A stored path read back: relative paths are under the root; an absolute one written by an
        older version (or in the library's former place) is mapped to the same place under this root,
        from its last `models` folder on."""
        p = Path(stored)
        if not p.is_absolute():
            return self.root / p
        try:
            p.relative_to(self.root)
            return p
        except ValueError:
            pass
        parts = p.parts
        if "models" in parts:
            i = len(parts) - 1 - parts[::-1].index("models")
            mapped = self.root.joinpath(*parts[i:])
            if mapped.exists() or not p.exists():
                return mapped
        return p

    def check_folder(self) -> None:
        """The library path must be a folder (or not exist yet): one clear error instead of an OSError."""
        if self.root.exists() and not self.root.is_dir():
            raise ComplaintsError(f"{self.root} is a file, not a complaint library folder: give --library a folder")

    def ensure(self) -> "Library":
        """Create the directory and a config with a fresh hashing key, once. Refuse to make a new key
        for a library that already holds data: its customers were hashed with the lost one."""
        self.check_folder()
        if self.root.exists() and not os.access(self.root, os.W_OK):
            raise LibraryReadOnlyError(f"library {self.root} is read-only (只读): it can be read, not changed")
        if not self.config_path.exists() and self.db_path.exists():
            raise LibraryConfigError(
                f"{self.config_path} (the hashing key) is missing but {self.db_path.name} holds data: restore "
                "config.json from your backup. A new key would give every existing customer a new key, so new "
                "complaints would join none of them; if the library was copied, copy its config.json too")
        try:
            self.models_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ComplaintsError(f"cannot create the library folder {self.root}: {exc.strerror}") from None
        if not self.config_path.exists():
            cfg = {"hash_key": secrets.token_hex(32), "format": FORMAT}
            tmp = self.config_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(cfg, indent=2), encoding="utf-8")
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.config_path)
        return self

    def config(self) -> dict:
        try:
            cfg = json.loads(self.config_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise LibraryConfigError(f"{self.config_path} (the hashing key) is missing: restore it from your "
                                     "backup") from None
        except (OSError, ValueError) as exc:
            raise LibraryConfigError(f"{self.config_path} cannot be read ({exc.__class__.__name__}): restore it "
                                     "from your backup") from None
        if not isinstance(cfg, dict):
            raise LibraryConfigError(f"{self.config_path} is damaged (not a JSON object): restore it from your backup")
        return cfg

    def format(self) -> int:
        """The library's format (see FORMAT); 1 for libraries created before it was recorded."""
        try:
            return int(self.config().get("format", 1))
        except (TypeError, ValueError):
            return 1

    def hash_key(self) -> bytes:
        """The secret customer keys are hashed with; refused when empty, not hex or too short."""
        raw = self.config().get("hash_key")
        try:
            key = bytes.fromhex(raw) if isinstance(raw, str) else b""
        except ValueError:
            key = b""
        if len(key) < MIN_KEY_BYTES:
            raise LibraryConfigError(
                f"{self.config_path}: hash_key is empty or not a key of at least {MIN_KEY_BYTES} bytes in hex: "
                "restore config.json from your backup (a new key would split every customer in the library)")
        return key


def resolve_library(path: str | os.PathLike | None = None) -> Library:
    """`--library` wins, then $COMPLAINTS_LIBRARY, then ./complaint-library."""
    chosen = path or os.environ.get(LIBRARY_ENV) or DEFAULT_LIBRARY
    return Library(Path(chosen).expanduser().resolve())
