"""Find and read the analyst-edited lexicon files: user dictionary, stopwords, synonyms, taxonomy."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputFileError

LEXICONS_ENV = "COMPLAINTS_LEXICONS"
BUNDLED = Path(__file__).resolve().parents[2] / "lexicons"


def lexicon_dir(path: str | os.PathLike | None = None) -> Path:
    """An explicit folder wins, then $COMPLAINTS_LEXICONS, then the project's lexicons/."""
    chosen = Path(path or os.environ.get(LEXICONS_ENV) or BUNDLED).expanduser()
    if not chosen.is_dir():
        raise InputFileError(f"lexicon folder {chosen} does not exist")
    return chosen


def _lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


@dataclass(frozen=True)
class Lexicons:
    folder: Path
    userdict: tuple[tuple[str, int | None, str | None], ...]
    stopwords: frozenset[str]
    synonyms: dict[str, str]

    def fingerprint(self) -> str:
        """Changes whenever the loaded lexicons change, so caches keyed on it stay honest."""
        h = hashlib.sha1(repr((self.userdict, sorted(self.stopwords), sorted(self.synonyms.items()))).encode())
        return h.hexdigest()[:12]

    @classmethod
    def load(cls, folder: str | os.PathLike | None = None) -> "Lexicons":
        folder = lexicon_dir(folder)
        words = []
        for n, line in enumerate(_lines(folder / "userdict.txt"), start=1):
            parts = line.split()
            freq = None
            if len(parts) > 1:
                try:
                    freq = int(parts[1])
                except ValueError:
                    raise InputFileError(f"{folder / 'userdict.txt'}: entry {n} {line!r}: "
                                         "frequency must be a whole number") from None
            words.append((parts[0], freq, parts[2] if len(parts) > 2 else None))
        synonyms = {}
        for line in _lines(folder / "synonyms.txt"):
            if "=" not in line:
                raise InputFileError(f"{folder / 'synonyms.txt'}: {line!r} is not variant=canonical")
            variant, canonical = (s.strip() for s in line.split("=", 1))
            synonyms[variant.upper()] = canonical.upper()
        return cls(folder, tuple(words), frozenset(w.upper() for w in _lines(folder / "stopwords.txt")), synonyms)
