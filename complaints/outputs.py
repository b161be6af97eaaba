"""Where a command writes its files: checked before any work, so a bad --out is one clear error."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import ComplaintsError


class OutputPathError(ComplaintsError):
    """An --out path that cannot be written: its parent is a file, or it is not what was asked for."""


def prepare_output(path: str | os.PathLike, folder: bool = False) -> Path:
    """Check `path` (a file to write, or with `folder` a folder to write into) and create the
    folders it needs. Raises OutputPathError naming the path instead of an OSError mid-way."""
    p = Path(path).expanduser()
    for parent in [p, *p.parents] if folder else list(p.parents):
        if parent.exists() and not parent.is_dir():
            what = "it" if parent == p else f"its parent {parent}"
            raise OutputPathError(f"--out {p}: {what} is a file, not a folder")
        if parent.exists():
            break
    if not folder and p.exists() and p.is_dir():
        raise OutputPathError(f"--out {p} is a folder: give a file name (e.g. {p / 'out.xlsx'})")
    if not folder and p.exists() and not p.is_file():
        raise OutputPathError(f"--out {p} is not a regular file (a device or a pipe): give a file name")
    try:
        (p if folder else p.parent).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputPathError(f"--out {p}: cannot create the folder ({exc.strerror})") from None
    if not os.access(p if folder else p.parent, os.W_OK):
        raise OutputPathError(f"--out {p}: the folder is not writable")
    return p
