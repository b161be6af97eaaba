"""The pain-point stage of `fit` and `update`: gather supervision, fit or reuse the model, decide.

Supervision is read from the library and the lexicon folder every time, so an analyst's work takes
effect at the next fit or update without a flag:
- per-complaint corrections (table painpoint_corrections: command or corrections file), weighted
  `label_weight` and remembered verbatim;
- topics whose pain point an analyst set (`topics painpoint`): their complaints in the latest
  version train on it at ordinary weight;
- the operator's category attribute mapped by lexicons/operator_categories.yaml (`allowed`).
`fingerprint` covers the taxonomy, the synonyms, the mapping, the corrections and the topic
curation: `update` refits when it changed and reuses the version's model otherwise.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from collections.abc import Callable, Sequence

import pandas as pd

from ..store import LibraryStore
from ..text.lexicons import Lexicons
from .classifier import PainPointClassifier
from .operators import OperatorMapping, load_operator_mapping
from .taxonomy import load_taxonomy, taxonomy_fingerprint

COLUMNS = ["painpoint", "painpoint_confidence", "painpoint_status", "painpoint_source", "painpoint_evidence",
           "painpoint_second"]
TOPIC_LABEL_WEIGHT = 1.0


@dataclass
class Supervision:
    """Per complaint (in the order of `ids`): a label or None, its weight, verbatim or not, allowed keys."""

    labels: list[str | None]
    weights: list[float | None]
    verbatim: list[bool]
    allowed: list[list[str] | None]
    counts: dict[str, int] = field(default_factory=dict)
    fingerprint: str = ""


def corrections(store: LibraryStore) -> dict[str, str]:
    """complaint_id -> corrected pain point (the newest correction per complaint; NULL withdraws)."""
    df = store.query("""SELECT complaint_id, painpoint FROM (
                          SELECT complaint_id, painpoint, row_number() OVER (PARTITION BY complaint_id
                                 ORDER BY created_at DESC, rowid DESC) AS k FROM painpoint_corrections) WHERE k = 1""")
    return {c: p for c, p in df.itertuples(index=False, name=None) if p is not None}


def curated_topic_labels(store: LibraryStore, version: int | None) -> dict[str, str]:
    """complaint_id -> pain point, for the complaints of topics whose pain point an analyst set."""
    if version is None:
        return {}
    df = store.query("""SELECT a.complaint_id, c.painpoint FROM assignments a JOIN curation c USING (topic_id)
                        WHERE a.version = ? AND c.painpoint IS NOT NULL AND c.merged_into IS NULL""", [version])
    return dict(df.itertuples(index=False, name=None))


def _digest(obj) -> str:
    return hashlib.sha1(json.dumps(obj, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()[:12]


def fingerprint(lexicons: str | None, mapping: OperatorMapping, fixed: dict[str, str], curated: dict[str, str],
                params: dict) -> str:
    return _digest([taxonomy_fingerprint(lexicons), Lexicons.load(lexicons).fingerprint(), mapping.fingerprint(),
                    sorted(fixed.items()), _digest(sorted(curated.items())), params])


def gather(store: LibraryStore, ids: Sequence[str], attributes: Sequence[str | None], lexicons: str | None,
           latest: int | None, params: dict | None = None) -> Supervision:
    """Everything the library and the lexicon folder say about these complaints' pain points."""
    keys = [p.key for p in load_taxonomy(lexicons)]
    mapping = load_operator_mapping(lexicons, keys)
    fixed = {c: p for c, p in corrections(store).items() if p in keys}
    curated = {c: p for c, p in curated_topic_labels(store, latest).items() if p in keys}
    labels, weights, verbatim = [], [], []
    for cid in ids:
        if cid in fixed:
            labels.append(fixed[cid]), weights.append(None), verbatim.append(True)
        elif cid in curated:
            labels.append(curated[cid]), weights.append(TOPIC_LABEL_WEIGHT), verbatim.append(False)
        else:
            labels.append(None), weights.append(None), verbatim.append(False)
    allowed = mapping.allowed(attributes) if mapping else [None] * len(ids)
    counts = {"corrections": sum(c in fixed for c in ids), "topic_curation": sum(c in curated and c not in fixed
                                                                                 for c in ids),
              "operator_category": sum(a is not None for a in allowed)}
    return Supervision(labels, weights, verbatim, allowed, counts,
                       fingerprint(lexicons, mapping, fixed, curated, params or {}))


def fit_model(texts: list[str], tokens: list[list[str]], sup: Supervision, lexicons: str | None,
              **params) -> PainPointClassifier:
    return PainPointClassifier(lexicons=lexicons, **params).fit(
        texts, tokens, labels=sup.labels, allowed=sup.allowed, weights=sup.weights, verbatim=sup.verbatim)


def decide(model: PainPointClassifier, ids: Sequence[str], texts: list[str], tokens: list[list[str]],
           allowed: Sequence[list[str] | None] | None = None, batch: int = 4096,
           progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """One row per complaint: complaint_id and the COLUMNS stored in `assignments`."""
    rows: list[dict] = []
    for s in range(0, len(texts), batch):
        part = model.predict(texts[s:s + batch], tokens[s:s + batch],
                             None if allowed is None else list(allowed[s:s + batch]), batch=batch)
        rows += part
        if progress:
            progress(min(s + batch, len(texts)), len(texts))
    return pd.DataFrame({
        "complaint_id": list(ids), "painpoint": [r["painpoint"] for r in rows],
        "painpoint_confidence": [float(r["confidence"]) for r in rows],
        "painpoint_status": [r["status"] for r in rows], "painpoint_source": [r["source"] for r in rows],
        "painpoint_evidence": [json.dumps(r["evidence"], ensure_ascii=False) for r in rows],
        "painpoint_second": [r["second"] for r in rows]}, columns=["complaint_id", *COLUMNS])


def run(store: LibraryStore, ids: Sequence[str], texts: list[str], tokens: list[list[str]],
        attributes: Sequence[str | None], lexicons: str | None, latest: int | None,
        progress: Callable[[str, int, int], None] | None = None, **params
        ) -> tuple[PainPointClassifier, pd.DataFrame, Supervision]:
    """Fit on the library (with its supervision) and decide every complaint: what `fit` does."""
    step = progress or (lambda *a: None)
    step("pain points", 0, len(texts))
    sup = gather(store, ids, attributes, lexicons, latest, params)
    model = fit_model(texts, tokens, sup, lexicons, **params)
    decisions = decide(model, ids, texts, tokens, sup.allowed, progress=lambda d, n: step("pain points", d, n))
    return model, decisions, sup
