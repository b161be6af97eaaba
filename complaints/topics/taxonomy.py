"""The pain-point taxonomy (lexicons/painpoints.yaml) and zero-shot topic → pain point mapping."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from ..errors import InputFileError
from ..text.lexicons import lexicon_dir

OTHER = "other"


@dataclass(frozen=True)
class PainPoint:
    key: str
    name: str
    department: str
    description: str
    seeds: tuple[str, ...]

    @property
    def prompt(self) -> str:
        return self.description + " " + " ".join(self.seeds)


def load_taxonomy(folder: str | Path | None = None) -> list[PainPoint]:
    path = lexicon_dir(folder) / "painpoints.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        items = data["painpoints"]
        out = [PainPoint(str(p["key"]), str(p["name"]), str(p.get("department", "")),
                         str(p.get("description", "")), tuple(str(s).upper() for s in p.get("seeds") or []))
               for p in items]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise InputFileError(f"{path}: not a valid pain-point taxonomy ({exc})") from None
    keys = [p.key for p in out]
    if len(set(keys)) != len(keys):
        raise InputFileError(f"{path}: duplicate pain-point keys")
    if OTHER not in keys:
        out.append(PainPoint(OTHER, "其他", "", "其他投诉", ()))
    return out


def resolve_painpoint(taxonomy: list[PainPoint], name_or_key: str) -> PainPoint:
    for p in taxonomy:
        if name_or_key in (p.key, p.name):
            return p
    raise InputFileError(f"unknown pain point {name_or_key!r}; choose one of "
                         + ", ".join(f"{p.key} ({p.name})" for p in taxonomy))


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def _flatten(docs_tokens: list[list[list[str]]]) -> list[list[str]]:
    return [toks for docs in docs_tokens for toks in docs]


def _topic_means(rows: np.ndarray, docs_tokens: list[list[list[str]]]) -> np.ndarray:
    """Per topic, the mean of its complaints' rows (rows in `_flatten` order; 0 for an empty topic)."""
    owner = np.repeat(np.arange(len(docs_tokens)), [len(d) for d in docs_tokens])
    sums = np.zeros((len(docs_tokens), rows.shape[1]), dtype=np.float32)
    np.add.at(sums, owner, rows)
    return sums / np.maximum(np.bincount(owner, minlength=len(docs_tokens)), 1)[:, None]


class PainPointMapper:
    """Score each topic against each pain point from zero-shot signals: the share of the topic's
    complaints that use one of the pain point's seed words, how much of the topic's keyword weight
    falls on seed words, the cosine between the topic centroid and the embedded description and,
    given the complaints, a seed-word weakly supervised classifier. No labels needed.

    The weak classifier: complaints whose seed words point clearly at one pain point (its weighted
    seed hits at least `margin` times the runner-up's) become pseudo-labelled training data for a
    TF-IDF logistic regression over the segmented words, which then scores every complaint,
    including those that use none of the seeds; a topic's score is its complaints' mean
    probability. Classes are balanced: without that, the few clearly seeded 骚扰 complaints of the
    real weibo data lost their topic to the common classes. bench/painpoint_bench.py measures it."""

    def __init__(self, taxonomy: list[PainPoint], weights: tuple[float, float, float] = (0.5, 0.3, 0.2),
                 min_score: float = 0.08, weak_weight: float = 0.3, margin: float = 2.0,
                 min_weak_docs: int = 200, class_weight: str | None = "balanced") -> None:
        self.taxonomy = taxonomy
        self.weights = weights
        self.min_score = min_score
        self.weak_weight = weak_weight
        self.margin = margin
        self.min_weak_docs = min_weak_docs
        self.class_weight = class_weight

    def fit(self, embedder) -> "PainPointMapper":
        self.keys_ = [p.key for p in self.taxonomy]
        prompts = [p.prompt for p in self.taxonomy]
        self.prompt_vectors_ = np.asarray(embedder.transform(prompts), dtype=np.float32)
        return self

    def seed_scores(self, keywords: list[list[tuple[str, float]]]) -> np.ndarray:
        out = np.zeros((len(keywords), len(self.taxonomy)), dtype=np.float32)
        for i, kws in enumerate(keywords):
            total = sum(max(w, 0.0) for _, w in kws) or 1.0
            for j, p in enumerate(self.taxonomy):
                seeds = set(p.seeds)
                out[i, j] = sum(max(w, 0.0) for word, w in kws if word in seeds) / total
        return out

    def coverage(self, docs_tokens: list[list[list[str]]], hits: np.ndarray | None = None) -> np.ndarray:
        """Per topic, the share of its complaints mentioning any seed word of each pain point
        (`hits`: `doc_seed_hits` of the flattened complaints, when already at hand)."""
        if hits is None:
            hits = self.doc_seed_hits(_flatten(docs_tokens))
        return _topic_means((hits > 0).astype(np.float32), docs_tokens)

    def doc_seed_hits(self, docs: list[list[str]]) -> np.ndarray:
        """Per complaint and pain point, its seed words weighted by specificity: a one-character
        seed counts 0.3, and a seed shared by several pain points is split between them."""
        owners: dict[str, list[int]] = {}
        for j, p in enumerate(self.taxonomy):
            for seed in p.seeds:
                owners.setdefault(seed, []).append(j)
        out = np.zeros((len(docs), len(self.taxonomy)), dtype=np.float32)
        for i, toks in enumerate(docs):
            for t in set(toks).intersection(owners):
                w = (1.0 if len(t) > 1 else 0.3) / len(owners[t])
                out[i, owners[t]] += w
        return out

    def weak_scores(self, docs_tokens: list[list[list[str]]], hits: np.ndarray | None = None) -> np.ndarray | None:
        """Per topic, the mean probability of each pain point under the seed-trained classifier
        (None when too few complaints are clearly seeded to train one)."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        flat = _flatten(docs_tokens)
        if hits is None:
            hits = self.doc_seed_hits(flat)
        top2 = np.sort(hits, axis=1)[:, -2:]
        clear = (top2[:, 1] > 0) & (top2[:, 1] >= self.margin * top2[:, 0])
        labels = hits.argmax(axis=1)
        if clear.sum() < self.min_weak_docs or len(set(labels[clear])) < 2:
            return None
        vec = TfidfVectorizer(analyzer=_identity, min_df=2, sublinear_tf=True)
        x = vec.fit_transform(flat)
        clf = LogisticRegression(C=4.0, max_iter=300, class_weight=self.class_weight).fit(x[clear], labels[clear])
        probs = np.zeros((len(flat), len(self.taxonomy)), dtype=np.float32)
        probs[:, clf.classes_] = clf.predict_proba(x)
        return _topic_means(probs, docs_tokens)

    def score(self, keywords: list[list[tuple[str, float]]], centroids: np.ndarray,
              docs_tokens: list[list[list[str]]] | None = None) -> np.ndarray:
        emb = np.clip(np.asarray(centroids, dtype=np.float32) @ self.prompt_vectors_.T, 0, 1)
        wc, wk, we = self.weights
        if docs_tokens is None:  # no documents at hand: split the coverage weight over the rest
            wk, we = wk + wc * wk / (wk + we), we + wc * we / (wk + we)
            return wk * self.seed_scores(keywords) + we * emb
        hits = self.doc_seed_hits(_flatten(docs_tokens))  # one seed scan for both signals
        base = wc * self.coverage(docs_tokens, hits) + wk * self.seed_scores(keywords) + we * emb
        weak = self.weak_scores(docs_tokens, hits) if self.weak_weight > 0 else None
        return base if weak is None else (1 - self.weak_weight) * base + self.weak_weight * weak

    def predict(self, keywords: list[list[tuple[str, float]]], centroids: np.ndarray,
                docs_tokens: list[list[list[str]]] | None = None) -> list[tuple[str, float]]:
        scores = self.score(keywords, centroids, docs_tokens)
        other = self.keys_.index(OTHER)
        scores[:, other] = self.min_score  # "other" wins only when nothing else reaches the floor
        best = scores.argmax(axis=1)
        return [(self.keys_[b], float(scores[i, b])) for i, b in enumerate(best)]
