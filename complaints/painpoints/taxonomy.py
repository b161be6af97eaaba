"""The pain-point taxonomy (lexicons/painpoints.yaml): categories, their evidence words and cues.

Per pain point, beside ``key``, ``name``, ``department``, ``description`` and ``seeds`` (the
original format, which still loads: every seed then weighs 1):

    phrases   specific telecom phrases, strong evidence (weight 2): 不知情定制, 信息费, 呼死你
    seeds     ordinary evidence words (weight 1)
    weak      generic words that only tip a close call (weight 0.3): 网, 费, 活动, 办理
    handling  how a problem was handled (没人处理, 不回复): full weight only when no other pain point
              has clear evidence, else a quarter (see evidence.py)
    weights   {词: 1.5}: one entry's weight, overriding its list's
    negative  regular expressions; this pain point's words inside a match do not count
              ("再不解决就携号转网" is a threat, not a porting complaint)
    action    the suggested retention / improvement action (report and call list)

and at the top level an optional ``not_a_complaint: {praise: [...], markers: [...]}``: a post with
a praise word and none of the complaint markers is 其他. The YAML file's header says the same for
the analysts who edit it; a change takes effect at the next ``complaints fit`` / ``update``
(`taxonomy_fingerprint` tells them the file changed).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import InputFileError
from ..text.lexicons import lexicon_dir

OTHER = "other"
FILE = "painpoints.yaml"
WEIGHTS = {"weak": 0.3, "handling": 1.0, "seeds": 1.0, "phrases": 2.0}
_FIELDS = {"key", "name", "department", "description", "action", "negative", "weights", *WEIGHTS}


@dataclass(frozen=True)
class PainPoint:
    key: str
    name: str
    department: str
    description: str
    seeds: tuple[str, ...]
    phrases: tuple[str, ...] = ()
    weak: tuple[str, ...] = ()
    handling: tuple[str, ...] = ()
    weights: dict[str, float] = field(default_factory=dict)
    negative: tuple[str, ...] = ()
    action: str = ""

    def entries(self) -> dict[str, float]:
        """Every evidence word or phrase (upper-cased) with its weight; a word in two lists keeps the
        stronger list's weight, and `weights` overrides both."""
        out: dict[str, float] = {}
        for kind in WEIGHTS:
            for w in getattr(self, kind):
                out[w] = max(out.get(w, 0.0), WEIGHTS[kind])
        out.update({k.upper(): float(v) for k, v in self.weights.items()})
        return out

    def to_dict(self) -> dict:
        return {"key": self.key, "name": self.name, "department": self.department, "description": self.description,
                "seeds": list(self.seeds), "phrases": list(self.phrases), "weak": list(self.weak),
                "handling": list(self.handling), "weights": dict(self.weights), "negative": list(self.negative),
                "action": self.action}

    @classmethod
    def from_dict(cls, d: dict) -> PainPoint:
        return cls(d["key"], d["name"], d.get("department", ""), d.get("description", ""), tuple(d.get("seeds", ())),
                   tuple(d.get("phrases", ())), tuple(d.get("weak", ())), tuple(d.get("handling", ())),
                   dict(d.get("weights", {})), tuple(d.get("negative", ())), d.get("action", ""))


@dataclass(frozen=True)
class NotAComplaint:
    """Praise or thanks without any complaint marker: the post is 其他, whatever product it names."""

    praise: tuple[str, ...] = ()
    markers: tuple[str, ...] = ()

    def praise_in(self, text: str) -> list[str]:
        """The praise words of `text` when it has no complaint marker, else []."""
        text = text.upper()
        if not self.praise or any(m in text for m in self.markers):
            return []
        return [p for p in self.praise if p in text]

    def to_dict(self) -> dict:
        return {"praise": list(self.praise), "markers": list(self.markers)}


def _words(p: dict, name: str) -> tuple[str, ...]:
    v = p.get(name) or []
    if not isinstance(v, list):
        raise TypeError(f"{p.get('key', '?')}: {name} must be a list, like {name}: [词1, 词2]")
    return tuple(str(s).strip().upper() for s in v if str(s).strip())


def _read(folder: str | Path | None) -> tuple[Path, dict]:
    path = lexicon_dir(folder) / FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputFileError(f"{path}: not a valid pain-point taxonomy ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("painpoints"), list):
        raise InputFileError(f"{path}: not a valid pain-point taxonomy (no `painpoints:` list)")
    return path, data


def _painpoint(p: dict) -> PainPoint:
    unknown = sorted(set(p) - _FIELDS)
    if unknown:
        raise ValueError(f"{p.get('key', '?')}: unknown field {', '.join(unknown)}; "
                         f"allowed: {', '.join(sorted(_FIELDS))}")
    neg = tuple(str(x) for x in (p.get("negative") or []))
    for rx in neg:
        re.compile(rx)
    weights = {str(k).upper(): float(v) for k, v in (p.get("weights") or {}).items()}
    return PainPoint(str(p["key"]), str(p["name"]), str(p.get("department", "") or ""),
                     str(p.get("description", "") or ""), _words(p, "seeds"), _words(p, "phrases"),
                     _words(p, "weak"), _words(p, "handling"), weights, neg, str(p.get("action", "") or "").strip())


def load_taxonomy(folder: str | Path | None = None) -> list[PainPoint]:
    """The pain points of lexicons/painpoints.yaml (an `other` entry is added when missing)."""
    path, data = _read(folder)
    try:
        out = [_painpoint(p) for p in data["painpoints"]]
    except (KeyError, TypeError, ValueError, AttributeError, re.error) as exc:
        raise InputFileError(f"{path}: not a valid pain-point taxonomy ({exc})") from None
    keys = [p.key for p in out]
    if len(set(keys)) != len(keys):
        raise InputFileError(f"{path}: duplicate pain-point keys")
    if OTHER not in keys:
        out.append(PainPoint(OTHER, "其他", "", "其他投诉", ()))
    return out


def load_not_a_complaint(folder: str | Path | None = None) -> NotAComplaint:
    path, data = _read(folder)
    try:
        block = data.get("not_a_complaint") or {}
        return NotAComplaint(_words(block, "praise"), _words(block, "markers"))
    except (AttributeError, TypeError) as exc:
        raise InputFileError(f"{path}: not a valid not_a_complaint block ({exc})") from None


def taxonomy_fingerprint(folder: str | Path | None = None) -> str:
    """Changes whenever the taxonomy file's content changes (comments included: cheap and safe)."""
    return hashlib.sha1((lexicon_dir(folder) / FILE).read_bytes()).hexdigest()[:12]


def resolve_painpoint(taxonomy: list[PainPoint], name_or_key: str) -> PainPoint:
    """A pain point by key or Chinese name (what an analyst types or writes in a corrections file)."""
    wanted = str(name_or_key).strip()
    for p in taxonomy:
        if wanted in (p.key, p.name):
            return p
    raise InputFileError(f"unknown pain point {name_or_key!r}; choose one of "
                         + ", ".join(f"{p.key} ({p.name})" for p in taxonomy))
