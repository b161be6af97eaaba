"""The small interface every embedding backend implements.

In the spirit of BERTopic's ``backend/_base.py`` and scikit-learn's estimator contract:
parameters in ``__init__``, learning (if any) in ``fit``, learned state in attributes ending
in ``_``, and a ``transform`` free of side effects. Saved embedders are JSON + ``.npz`` only,
never pickle, so a model folder received from elsewhere cannot run code when loaded.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ..artifacts import read_json_spec
from ..errors import ComplaintsError

Progress = Callable[[int], None]
"""Called with the number of texts *just finished* (an increment, like rich's ``advance``)."""

SPEC_FILE = "embedder.json"
FORMAT = 1


class EmbedderError(ComplaintsError):
    """An embedder cannot be built, loaded or used as asked."""


class ModelNotFoundError(EmbedderError, FileNotFoundError):
    """A model is not on this machine; nothing is ever downloaded."""


class NotFittedError(EmbedderError):
    """The embedder needs `fit` (or `load`) before it can do this."""


def l2_normalize(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, float32; all-zero rows stay zero."""
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (x / norms).astype(np.float32, copy=False)


def short_hash(*parts: bytes | str, n: int = 12) -> str:
    h = hashlib.sha1()
    for p in parts:
        h.update(p.encode("utf-8") if isinstance(p, str) else p)
        h.update(b"\x00")
    return h.hexdigest()[:n]


class Embedder(ABC):
    """Turns texts into float32 row vectors of unit length.

    ``id`` names everything that changes the vectors, so a cache keyed on it never serves a
    stale vector. ``dim_`` is known after ``fit`` or the first ``transform``.
    """

    name: str = "embedder"
    kind: str = "embedder"  # the key in embedder.json that `load_embedder` dispatches on
    dim_: int

    def fit(self, texts: Sequence[str]) -> "Embedder":
        return self

    @abstractmethod
    def transform(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """(len(texts), dim_) float32, rows L2-normalised."""

    def fit_transform(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        return self.fit(texts).transform(texts, progress=progress)

    @property
    @abstractmethod
    def id(self) -> str: ...

    # --- persistence: embedder.json (+ npz for learned arrays) ---------------------------
    def get_params(self) -> dict[str, Any]:
        return {}

    def save(self, folder: Path) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        write_spec(folder, self.kind, self.get_params(), id=self.id)

    @classmethod
    def load(cls, folder: Path) -> "Embedder":
        spec = read_spec(folder, expect=cls.kind)
        return cls(**spec["params"])

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"


def write_spec(folder: Path, kind: str, params: dict[str, Any], **extra: Any) -> None:
    spec = {"kind": kind, "format": FORMAT, "params": params, **extra}
    (Path(folder) / SPEC_FILE).write_text(json.dumps(spec, ensure_ascii=False, indent=2), encoding="utf-8")


def read_spec(folder: Path, expect: str | None = None) -> dict[str, Any]:
    path, spec = read_json_spec(folder, SPEC_FILE, "embedder", EmbedderError)
    if spec.get("format") != FORMAT:
        raise EmbedderError(f"{path}: unsupported embedder format {spec.get('format')!r} (expected {FORMAT})")
    if expect is not None and spec.get("kind") != expect:
        raise EmbedderError(f"{path} holds a {spec.get('kind')!r} embedder, not {expect!r}")
    return spec


def batched(n: int, size: int):
    for start in range(0, n, size):
        yield start, min(start + size, n)
