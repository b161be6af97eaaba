"""Reading the JSON spec every saved artifact (embedder, classifier) carries, and one warning
they share: a model fitted with other lexicons than today's segments differently."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any


def read_json_spec(folder: Path, filename: str, what: str, error: type[Exception]) -> tuple[Path, dict[str, Any]]:
    """(path, parsed spec); `error` names the folder when the spec is missing or not JSON."""
    path = Path(folder) / filename
    if not path.exists():
        raise error(f"{folder} holds no saved {what} (no {filename})")
    try:
        return path, json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise error(f"{path} is not valid JSON: {e}") from None


def check_lexicons(folder: Path, saved: str | None, current: str, consequence: str, strict: bool,
                   error: type[Exception]) -> None:
    """Warn (or raise, with `strict`) when the artifact was fitted with other lexicons."""
    if saved and saved != current:
        msg = f"{folder}: fitted with lexicons {saved}, now segmenting with {current}; {consequence}"
        if strict:
            raise error(msg)
        warnings.warn(msg, stacklevel=3)
