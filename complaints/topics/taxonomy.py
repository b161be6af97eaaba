"""The pain-point taxonomy (lexicons/painpoints.yaml) and zero-shot topic → pain point mapping."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from ..errors import InputFileError
from ..lexicons import lexicon_dir

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


class PainPointMapper:
    """Score each topic against each pain point from two zero-shot signals:
    how much of the topic's keyword weight falls on the pain point's seed words, and the
    cosine between the topic centroid and the embedded description. No labels needed."""

    def __init__(self, taxonomy: list[PainPoint], seed_weight: float = 0.6, min_score: float = 0.08) -> None:
        self.taxonomy = taxonomy
        self.seed_weight = seed_weight
        self.min_score = min_score

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

    def score(self, keywords: list[list[tuple[str, float]]], centroids: np.ndarray) -> np.ndarray:
        emb = np.clip(np.asarray(centroids, dtype=np.float32) @ self.prompt_vectors_.T, 0, 1)
        return self.seed_weight * self.seed_scores(keywords) + (1 - self.seed_weight) * emb

    def predict(self, keywords: list[list[tuple[str, float]]], centroids: np.ndarray) -> list[tuple[str, float]]:
        scores = self.score(keywords, centroids)
        other = self.keys_.index(OTHER)
        scores[:, other] = self.min_score  # "other" wins only when nothing else reaches the floor
        best = scores.argmax(axis=1)
        return [(self.keys_[b], float(scores[i, b])) for i, b in enumerate(best)]
