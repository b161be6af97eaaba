"""Feature building for the supervised classifier: texts -> sparse TF-IDF rows (+ e5 vectors).

Word TF-IDF over ``Segmenter.cut`` tokens (uni+bigrams by default) sits next to character
n-gram TF-IDF (1-3 grams), because characters catch what jieba splits badly: typos, product
codes, new slang. Both blocks are sublinear and L2-normalised. Everything here is numpy and
scipy only, so a loaded classifier predicts without scikit-learn.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np
import scipy.sparse as sp

from ...text.ngrams import char_ngrams, tfidf, word_ngrams
from ...text.normalize import normalize_text
from ...text.segment import Segmenter
from .common import as_text

TOKEN_CACHE_LIMIT = 200_000


def prepare(texts: Sequence[Any], max_chars: int) -> list[str]:
    """normalize_text (idempotent for library texts) and the length cap: a 100,000-character
    paste must not stall segmentation."""
    out = []
    for x in texts:
        t = normalize_text(as_text(x))
        out.append(t[:max_chars] if max_chars and len(t) > max_chars else t)
    return out


def cached_tokens(segmenter: Segmenter, cache: dict[str, list[str]], texts: list[str]) -> list[list[str]]:
    """``segmenter.cut`` of each text, remembered: cross-validation cuts the same texts per fold."""
    if len(cache) > TOKEN_CACHE_LIMIT:
        cache.clear()
    out = []
    for t in texts:
        toks = cache.get(t)
        if toks is None:
            toks = cache[t] = segmenter.cut(t)
        out.append(toks)
    return out


def analyze(texts: list[str], word_range: tuple[int, int] | None, char_range: tuple[int, int] | None,
            tokenize: Callable[[list[str]], list[list[str]]]) -> tuple[list[list[str]] | None,
                                                                      list[list[str]] | None]:
    """(word n-grams, char n-grams) per text; a block that is off is ``None``. ``tokenize`` is
    only called for word n-grams, so a character-only model never loads a jieba dictionary."""
    words = chars = None
    if word_range is not None:
        rng = (int(word_range[0]), int(word_range[1]))
        words = [word_ngrams(toks, rng) for toks in tokenize(texts)]
    if char_range is not None:
        rng = (int(char_range[0]), int(char_range[1]))
        chars = [char_ngrams(t, rng) for t in texts]
    return words, chars


Vocabulary = tuple[dict[str, int], np.ndarray]  # term -> column, idf per column


def lexical(words: list[list[str]] | None, chars: list[list[str]] | None,
            word: Vocabulary | None, char: Vocabulary | None) -> list[sp.csr_matrix]:
    """The TF-IDF blocks of the n-grams that are on, word block first."""
    blocks = []
    if words is not None:
        blocks.append(tfidf(words, *word))
    if chars is not None:
        blocks.append(tfidf(chars, *char))
    return blocks


def embed(embedder: Any, texts: list[str], weight: float | None = None) -> np.ndarray:
    """(n, d) float64 vectors from ``embedder.transform``, zero for an empty text (nothing to
    say about it), times ``weight`` when they join the sparse matrix as a dense block."""
    vecs = np.asarray(embedder.transform(texts), dtype=np.float64)
    vecs[[not t for t in texts]] = 0.0
    return vecs * float(weight) if weight is not None else vecs


def combine(blocks: list[sp.csr_matrix], vectors: np.ndarray | None,
            stacked: bool) -> tuple[sp.csr_matrix | None, np.ndarray | None]:
    """(sparse lexical features, dense e5 vectors): stacked, the e5 vectors feed their own
    models; otherwise they are a (scaled) block of the sparse matrix."""
    E = None
    if vectors is not None:
        if stacked:
            E = vectors
        else:
            blocks = blocks + [sp.csr_matrix(vectors)]
    if not blocks:
        return None, E
    return (sp.hstack(blocks, format="csr") if len(blocks) > 1 else blocks[0].tocsr()), E
