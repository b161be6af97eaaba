"""Find and read the analyst-edited lexicon files: user dictionary, stopwords, synonyms, places,
emoticons (the taxonomy and the form edits are read by their own modules)."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
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


def _own_or_bundled(folder: Path, name: str) -> Path:
    """An older lexicon folder without this file gets the bundled one (delete its lines to switch it off)."""
    return folder / name if (folder / name).exists() else BUNDLED / name


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
    places: dict[str, str] = field(default_factory=dict)  # places.txt: name -> level (province … county)
    keep_places: frozenset[str] = frozenset()  # places.txt '-WORD' lines: never a place
    emoticons: frozenset[str] = frozenset()  # emoticons.txt: the words inside [...] codes

    def fingerprint(self) -> str:
        """Changes whenever the loaded lexicons change, so caches keyed on it stay honest."""
        h = hashlib.sha1(repr((self.userdict, sorted(self.stopwords), sorted(self.synonyms.items()))).encode())
        if self.places or self.keep_places or self.emoticons:
            h.update(repr((sorted(self.places.items()), sorted(self.keep_places), sorted(self.emoticons))).encode())
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
        from .places import parse_gazetteer

        places, keep = parse_gazetteer(_lines(_own_or_bundled(folder, "places.txt")))
        emoticons = frozenset(w.upper() for line in _lines(_own_or_bundled(folder, "emoticons.txt"))
                              for w in line.split())
        return cls(folder, tuple(words), frozenset(w.upper() for w in _lines(folder / "stopwords.txt")), synonyms,
                   places, keep, emoticons)
