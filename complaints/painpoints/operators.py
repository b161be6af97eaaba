"""The operator's own complaint categories as supervision (lexicons/operator_categories.yaml).

Real tickets usually carry the operator's category (投诉类别) among their attributes. The mapping
file says which attribute holds it (``column:``, one name or a list; the first one a complaint has
wins) and, per category, the pain points it covers, the usual one first. A complaint whose category
is mapped is decided among those pain points only and trains the classifier on the one its words
favour; an unmapped category, or none, leaves the complaint to the zero-shot decision.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Iterable

import yaml

from ..errors import InputFileError
from ..text.lexicons import lexicon_dir

FILE = "operator_categories.yaml"


@dataclass(frozen=True)
class OperatorMapping:
    columns: tuple[str, ...] = ()
    categories: dict[str, list[str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.columns and self.categories)

    def fingerprint(self) -> str:
        return hashlib.sha1(json.dumps([self.columns, self.categories], ensure_ascii=False,
                                       sort_keys=True).encode()).hexdigest()[:12]

    def category_of(self, attributes: str | dict | None) -> str | None:
        """The operator category a complaint's attributes (JSON text or dict) carry, if any."""
        if not attributes or not self.columns:
            return None
        if isinstance(attributes, str):
            try:
                attributes = json.loads(attributes)
            except ValueError:
                return None
        if not isinstance(attributes, dict):
            return None
        for col in self.columns:
            v = attributes.get(col)
            if v is not None and str(v).strip():
                return str(v).strip()
        return None

    def allowed(self, attributes: Iterable[str | dict | None]) -> list[list[str] | None]:
        """Per complaint, the pain points its category maps to (usual first), or None."""
        return [self.categories.get(c) if (c := self.category_of(a)) is not None else None for a in attributes]


def load_operator_mapping(folder: str | Path | None = None, keys: Iterable[str] | None = None) -> OperatorMapping:
    """The mapping file of the lexicon folder (an empty mapping when there is none); pain-point keys
    that the taxonomy does not know are an error naming them."""
    path = lexicon_dir(folder) / FILE
    if not path.exists():
        return OperatorMapping()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        col = data.get("column") or data.get("columns") or []
        columns = tuple(str(c).strip() for c in (col if isinstance(col, list) else [col]) if str(c).strip())
        cats = {str(k).strip(): [str(x).strip() for x in (v if isinstance(v, list) else [v])]
                for k, v in (data.get("categories") or {}).items()}
    except (OSError, yaml.YAMLError, AttributeError, TypeError) as exc:
        raise InputFileError(f"{path}: not a valid operator category mapping ({exc})") from None
    if keys is not None:
        bad = sorted({k for v in cats.values() for k in v} - set(keys))
        if bad:
            raise InputFileError(f"{path}: unknown pain-point keys {', '.join(bad)}; use the keys of painpoints.yaml")
    return OperatorMapping(columns, cats)
