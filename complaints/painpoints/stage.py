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

import numpy as np
import pandas as pd

from ..parallel import fork_map, ranges
from ..store import LibraryStore
from ..text.lexicons import Lexicons
from ..text.packed import HeldCorpus
from .classifier import PainPointClassifier
from .operators import OperatorMapping, load_operator_mapping
from .taxonomy import load_taxonomy, taxonomy_fingerprint

COLUMNS = ["painpoint", "painpoint_confidence", "painpoint_status", "painpoint_source", "painpoint_evidence",
           "painpoint_second"]
TOPIC_LABEL_WEIGHT = 1.0
FIT_MAX = 100_000  # the classifier trains on at most 30,000 rows; its evidence scan need not read a million


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
    return store.pairs("""SELECT a.complaint_id, c.painpoint FROM assignments a JOIN curation c USING (topic_id)
                          WHERE a.version = ? AND c.painpoint IS NOT NULL AND c.merged_into IS NULL""", [version])


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


def decide(model: PainPointClassifier, ids: Sequence[str], texts: Sequence[str], tokens: Sequence[list[str]],
           allowed: Sequence[list[str] | None] | None = None, batch: int = 4096,
           progress: Callable[[int, int], None] | None = None, workers: int | None = 1) -> pd.DataFrame:
    """One row per complaint: complaint_id and the COLUMNS stored in `assignments`; in batches, on
    `workers` forked processes (None: every core)."""
    parts: list[pd.DataFrame] = []
    done = 0
    for part in fork_map(_decide_batch, (model, ids, texts, tokens, allowed), ranges(len(texts), batch), workers):
        parts.append(part)
        done += len(part)
        if progress:
            progress(done, len(texts))
    return pd.concat(parts, ignore_index=True) if parts else _frame([], [])


def _decide_batch(state: tuple, bounds: tuple[int, int]) -> pd.DataFrame:
    model, ids, texts, tokens, allowed = state
    s, e = bounds
    rows = model.predict(list(texts[s:e]), list(tokens[s:e]), None if allowed is None else list(allowed[s:e]),
                         batch=e - s)
    return _frame(list(ids[s:e]), rows)


def _frame(ids: list[str], rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame({
        "complaint_id": ids, "painpoint": [r["painpoint"] for r in rows],
        "painpoint_confidence": [float(r["confidence"]) for r in rows],
        "painpoint_status": [r["status"] for r in rows], "painpoint_source": [r["source"] for r in rows],
        "painpoint_evidence": [json.dumps(r["evidence"], ensure_ascii=False) for r in rows],
        "painpoint_second": [r["second"] for r in rows]}, columns=["complaint_id", *COLUMNS])


def fit_rows(sup: Supervision, n: int, fit_max: int | None = FIT_MAX, seed: int = 0) -> np.ndarray:
    """The complaints the classifier is fitted on: all, or past `fit_max` every one with a label
    (a correction or a curated topic's pain point) and a random sample of the others (an operator
    category still restricts every complaint's decision)."""
    if fit_max is None or n <= fit_max:
        return np.arange(n)
    told = np.array([lab is not None for lab in sup.labels], dtype=bool)
    rest = np.flatnonzero(~told)
    room = max(0, fit_max - int(told.sum()))
    pick = np.random.default_rng(seed).choice(rest, min(room, len(rest)), replace=False)
    return np.sort(np.concatenate([np.flatnonzero(told), pick])).astype(np.int64)


def run(store: LibraryStore, ids: Sequence[str], texts: Sequence[str], tokens: Sequence[list[str]],
        attributes: Sequence[str | None], lexicons: str | None, latest: int | None,
        progress: Callable[[str, int, int], None] | None = None, **params
        ) -> tuple[PainPointClassifier, pd.DataFrame, Supervision]:
    """`gather` and `learn_and_decide` in this process (with the store open): what `update` does
    when the analysts' supervision changed."""
    sup = gather(store, ids, attributes, lexicons, latest, params)
    return (*learn_and_decide(sup, ids, HeldCorpus(texts, tokens), lexicons, progress, workers=1, **params), sup)


def learn_and_decide(sup: Supervision, ids: Sequence[str], corpus, lexicons: str | None,
                     progress: Callable[[str, int, int], None] | None = None,
                     workers: int | None = None, fit_max: int | None = FIT_MAX,
                     **params) -> tuple[PainPointClassifier, pd.DataFrame]:
    """Fit on the library with its supervision (past `fit_max`, on `fit_rows`) and decide every
    complaint on `workers` forked processes (call it with no store open): what `fit` does.
    `corpus` gives the texts and tokens of `ids`: `texts_at(rows)`, `tokens_at(rows)` and `parts()`
    in order (`text.packed.HeldCorpus`, or `topics.chunks.LibraryChunks` reading the library)."""
    model = learn(sup, ids, corpus, lexicons, fit_max, **params)
    return model, decide_all(model, ids, corpus, sup.allowed, progress, workers)


def learn(sup: Supervision, ids: Sequence[str], corpus, lexicons: str | None, fit_max: int | None = FIT_MAX,
          **params) -> PainPointClassifier:
    """The classifier fitted on `fit_rows` of the library (`corpus` as `learn_and_decide` takes it)."""
    n = len(ids)
    rows = fit_rows(sup, n, fit_max)
    part = sup if len(rows) == n else \
        Supervision(*([x[i] for i in rows] for x in (sup.labels, sup.weights, sup.verbatim, sup.allowed)))
    return fit_model(corpus.texts_at(rows), list(corpus.tokens_at(rows)), part, lexicons, **params)


def decide_all(model: PainPointClassifier, ids: Sequence[str], corpus, allowed: Sequence[list[str] | None],
               progress: Callable[[str, int, int], None] | None = None, workers: int | None = None) -> pd.DataFrame:
    """Every complaint's decision, a part of `corpus` at a time, each in batches on `workers` forked processes."""
    step = progress or (lambda *a: None)
    n = len(ids)
    step("pain points", 0, n)
    frames = []
    for s, texts, tokens in corpus.parts():
        e = s + len(texts)
        frames.append(decide(model, ids[s:e], texts, tokens, allowed[s:e],
                             progress=lambda d, _n, s=s: step("pain points", s + d, n), workers=workers))
    return pd.concat(frames, ignore_index=True) if frames else _frame([], [])
