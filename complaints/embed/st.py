"""sentence-transformers models from local disk only (bge-small-zh, bge-m3, text2vec, ...).

Nothing is ever downloaded: ``HF_HUB_OFFLINE=1`` is set before sentence-transformers (and
with it huggingface_hub) is imported, and a model that is neither a local folder nor already
in the local Hugging Face cache fails with an error that says so.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from ._base import Embedder, EmbedderError, ModelNotFoundError, Progress, l2_normalize, short_hash

VERSION = 1
# Files whose content defines what the vectors mean; hashed into the id.
CONFIG_FILES = (
    "config.json", "modules.json", "config_sentence_transformers.json", "sentence_bert_config.json",
    "1_Pooling/config.json", "tokenizer_config.json",
)
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


def _offline() -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


def resolve_model_dir(name_or_path: str | os.PathLike) -> Path:
    """A local model folder, or the snapshot folder of a model already in the HF cache."""
    raw = str(name_or_path)
    path = Path(raw).expanduser()
    if path.is_dir():
        if not any((path / f).exists() for f in ("modules.json", "config.json")):
            raise ModelNotFoundError(
                f"{path.resolve()} is a folder but not a sentence-transformers model "
                "(no modules.json or config.json in it)"
            )
        return path.resolve()
    looks_like_hub_id = raw.count("/") <= 1 and not raw.startswith((".", "/", "~")) and "\\" not in raw
    if looks_like_hub_id and raw:
        _offline()
        try:
            from huggingface_hub import try_to_load_from_cache

            hit = try_to_load_from_cache(raw, "config.json")
        except Exception:  # noqa: BLE001 - any failure here just means "not cached"
            hit = None
        if isinstance(hit, str) and Path(hit).exists():
            return Path(hit).parent
    raise ModelNotFoundError(
        f"sentence-transformers model {raw!r} not found: there is no folder {path.resolve()} and it is "
        "not in the local Hugging Face cache. Models are never downloaded here (HF_HUB_OFFLINE=1); "
        "copy the model folder onto this machine and pass its path, e.g. st:/models/bge-small-zh-v1.5"
    )


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model on disk; vectors normalised, CPU by default."""

    kind = "st"

    def __init__(self, name_or_path: str | os.PathLike, batch_size: int = 32, threads: int | None = None,
                 device: str = "cpu") -> None:
        self.name_or_path = str(name_or_path)
        self.batch_size = batch_size
        self.threads = threads
        self.device = device
        self.path_ = resolve_model_dir(self.name_or_path)  # fail early, before torch is imported
        self._model = None
        self._id = None

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"st:{self.name_or_path}"

    def get_params(self) -> dict:
        return {"name_or_path": self.name_or_path, "batch_size": self.batch_size, "threads": self.threads,
                "device": self.device}

    @property
    def id(self) -> str:
        if self._id is None:
            parts: list[bytes | str] = []
            for rel in CONFIG_FILES:
                f = self.path_ / rel
                parts += [rel, f.read_bytes() if f.exists() else b""]
            for rel in WEIGHT_FILES:
                f = self.path_ / rel
                parts += [rel, str(f.stat().st_size) if f.exists() else ""]
            self._id = f"st-v{VERSION}:{self.path_.parent.name}/{self.path_.name}:{short_hash(*parts)}"
        return self._id

    def model(self):
        if self._model is None:
            _offline()
            try:
                import torch
                from sentence_transformers import SentenceTransformer
            except ImportError as e:
                raise EmbedderError(
                    "the st embedder needs sentence-transformers and torch (pip install 'complaints[topics]'): "
                    + str(e)
                ) from None
            if self.threads:
                torch.set_num_threads(int(self.threads))
            try:
                self._model = SentenceTransformer(str(self.path_), device=self.device, local_files_only=True)
            except Exception as e:  # noqa: BLE001 - surface any loader failure with the path
                raise EmbedderError(f"cannot load sentence-transformers model from {self.path_}: {e}") from e
        return self._model

    @property
    def dim_(self) -> int:  # type: ignore[override]
        m = self.model()
        get_dim = getattr(m, "get_embedding_dimension", None) or m.get_sentence_embedding_dimension
        return int(get_dim())

    def transform(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        texts = [t or "" for t in texts]
        model = self.model()
        if not texts:
            return np.zeros((0, self.dim_), dtype=np.float32)
        # Longest first, so each batch pads to similar lengths (3x faster on mixed-length
        # complaints than batching in input order) while progress still ticks per batch.
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.empty((len(texts), self.dim_), dtype=np.float32)
        for start in range(0, len(texts), self.batch_size):
            idx = order[start : start + self.batch_size]
            out[idx] = model.encode([texts[i] for i in idx], batch_size=len(idx), convert_to_numpy=True,
                                    normalize_embeddings=True, show_progress_bar=False)
            if progress:
                progress(len(idx))
        return l2_normalize(out)
