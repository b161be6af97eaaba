"""Build a fresh embedder from a spec string, or load a saved one by the class its embedder.json names."""

from __future__ import annotations

import os
from pathlib import Path

from ..text.segment import Segmenter
from ._base import Embedder, EmbedderError, read_spec
from .lexical import LexicalEmbedder

DEFAULT_EMBEDDER = "lexical"
SPECS = ("lexical", "e5", "st:NAME_OR_PATH", "hybrid", "hybrid:st:PATH")


def make_embedder(spec: str = DEFAULT_EMBEDDER, segmenter: Segmenter | None = None,
                  lexicons: str | os.PathLike | None = None) -> Embedder:
    """A fresh (unfitted) embedder for a spec string; see the module docstring.

    ``segmenter`` or ``lexicons`` (a lexicon folder) set the lexical part's tokenizer.
    """
    spec = (spec or "").strip()
    if spec == "lexical":
        return LexicalEmbedder(segmenter=segmenter, lexicons=lexicons)
    if spec == "e5":
        from .e5 import E5Embedder

        return E5Embedder()
    if spec.startswith("st:") and len(spec) > 3:
        from .st import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(spec[3:])
    if spec in ("hybrid", "hybrid:e5") or (spec.startswith("hybrid:st:") and len(spec) > 10):
        from .hybrid import HybridEmbedder

        neural = make_embedder(spec.split(":", 1)[1] if ":" in spec else "e5")
        return HybridEmbedder(LexicalEmbedder(segmenter=segmenter, lexicons=lexicons), neural)
    raise EmbedderError(f"unknown embedder {spec!r}; use one of: {', '.join(SPECS)}")


def _classes() -> dict[str, type[Embedder]]:
    from .e5 import E5Embedder
    from .hybrid import HybridEmbedder
    from .st import SentenceTransformerEmbedder

    return {c.kind: c for c in (LexicalEmbedder, E5Embedder, SentenceTransformerEmbedder, HybridEmbedder)}


def load_embedder(folder: str | Path, segmenter: Segmenter | None = None,
                  lexicons: str | os.PathLike | None = None) -> Embedder:
    """Load a saved embedder (JSON + npz, never pickle); its embedder.json names the class.

    A lexical part gets its tokenizer back from ``segmenter``, else a Segmenter on ``lexicons``
    (default: $COMPLAINTS_LEXICONS or the bundled lexicons/).
    """
    folder = Path(folder)
    kind = read_spec(folder).get("kind")
    classes = _classes()  # importing the backend modules imports no heavy library
    if kind not in classes:
        raise EmbedderError(f"{folder}: unknown embedder kind {kind!r}")
    cls = classes[kind]
    if kind == "lexical":
        return cls.load(folder, segmenter=segmenter, lexicons=lexicons)  # type: ignore[call-arg]
    if kind == "hybrid":
        return cls.load(folder, load_embedder(folder / "lexical", segmenter=segmenter, lexicons=lexicons),  # type: ignore[call-arg]
                        load_embedder(folder / "neural"))
    return cls.load(folder)
