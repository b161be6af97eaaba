"""Lexical + neural: each part L2-normalised, weighted, concatenated, renormalised.

The lexical part carries the telecom vocabulary (携号转网, 授权码, 宽带); the neural part
carries paraphrase-level similarity. `embed_with_cache` caches the parts separately, so
refitting the lexical part never recomputes the expensive neural vectors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from ._base import Embedder, EmbedderError, Progress, l2_normalize, read_spec, write_spec
from .lexical import LexicalEmbedder

VERSION = 1


class HybridEmbedder(Embedder):
    name = "hybrid"
    kind = "hybrid"

    def __init__(self, lexical: Embedder | None = None, neural: Embedder | None = None,
                 weights: tuple[float, float] = (1.0, 1.0)) -> None:
        if lexical is None:
            lexical = LexicalEmbedder()
        if neural is None:
            from .e5 import E5Embedder

            neural = E5Embedder()
        self.lexical = lexical
        self.neural = neural
        self.weights = tuple(float(w) for w in weights)
        if len(self.weights) != 2 or min(self.weights) < 0 or max(self.weights) == 0:
            raise EmbedderError(f"hybrid weights must be two non-negative numbers, not all zero: {weights!r}")

    @property
    def parts(self) -> tuple[Embedder, Embedder]:
        return self.lexical, self.neural

    @property
    def lexicon_fingerprint(self) -> str | None:
        return getattr(self.lexical, "lexicon_fingerprint", None)

    def get_params(self) -> dict:
        return {"weights": list(self.weights)}

    @property
    def id(self) -> str:
        w = ",".join(f"{x:g}" for x in self.weights)
        return f"hybrid-v{VERSION}:w={w}:[{self.lexical.id}]+[{self.neural.id}]"

    @property
    def dim_(self) -> int:  # type: ignore[override]
        return int(self.lexical.dim_) + int(self.neural.dim_)

    def fit(self, texts: Sequence[str]) -> "HybridEmbedder":
        self.lexical.fit(texts)
        self.neural.fit(texts)
        return self

    def combine(self, lexical_vectors: np.ndarray, neural_vectors: np.ndarray) -> np.ndarray:
        a, b = self.weights
        return l2_normalize(np.hstack([a * l2_normalize(lexical_vectors), b * l2_normalize(neural_vectors)]))

    def neural_texts(self, texts: list[str]) -> list[str]:
        """What the neural part reads: the lexical part's modelling view with places cut out."""
        view = getattr(getattr(self.lexical, "segmenter", None), "neural_text", None)
        return [view(t) for t in texts] if view is not None else texts

    def transform(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        texts = list(texts)
        # The neural part is the slow one: it alone reports progress.
        return self.combine(self.lexical.transform(texts),
                            self.neural.transform(self.neural_texts(texts), progress=progress))

    def fit_transform(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        texts = list(texts)
        return self.combine(self.lexical.fit_transform(texts),
                            self.neural.fit_transform(self.neural_texts(texts), progress=progress))

    def save(self, folder: Path) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.lexical.save(folder / "lexical")
        self.neural.save(folder / "neural")
        write_spec(folder, self.kind, self.get_params(), id=self.id)

    @classmethod
    def load(cls, folder: Path, lexical: Embedder, neural: Embedder) -> "HybridEmbedder":
        """The saved weights around parts already loaded from folder/lexical and folder/neural (by
        `embed.load_embedder`, which knows every backend)."""
        spec = read_spec(Path(folder), expect=cls.kind)
        return cls(lexical, neural, weights=tuple(spec["params"]["weights"]))
