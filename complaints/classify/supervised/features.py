"""Feature building for the supervised classifier: texts -> sparse TF-IDF rows (+ e5 vectors).

Word TF-IDF over ``Segmenter.cut`` tokens (uni+bigrams by default) sits next to character
n-gram TF-IDF (1-3 grams), because characters catch what jieba splits badly: typos, product
codes, new slang. Both blocks are sublinear and L2-normalised. Everything here is numpy and
scipy only, so a loaded classifier predicts without scikit-learn.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Callable, Sequence

import numpy as np
import scipy.sparse as sp

from ...text.normalize import normalize_text
from ...text.segment import Segmenter
from .common import as_text

TOKEN_CACHE_LIMIT = 200_000


def word_ngrams(tokens: list[str], ngram_range: tuple[int, int]) -> list[str]:
    """Token n-grams joined by a space (scikit-learn's convention); ``(1, 1)`` is the tokens."""
    min_n, max_n = ngram_range
    out = list(tokens) if min_n <= 1 else []
    for n in range(max(min_n, 2), min(max_n, len(tokens)) + 1):
        out.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return out


def char_ngrams(text: str, ngram_range: tuple[int, int]) -> list[str]:
    """Character n-grams of the lower-cased text, spaces and punctuation included."""
    text = text.lower()
    min_n, max_n = ngram_range
    size = len(text)
    out: list[str] = []
    for n in range(min_n, min(max_n, size) + 1):
        out.extend(text[i : i + n] for i in range(size - n + 1))
    return out


def build_vocab(docs: list[list[str]], min_df: int) -> tuple[dict[str, int], np.ndarray]:
    """Terms with document frequency >= min_df (sorted) and their smoothed idf."""
    df: Counter[str] = Counter()
    for terms in docs:
        df.update(set(terms))
    terms = sorted(t for t, c in df.items() if c >= min_df)
    n = len(docs)
    idf = np.log((1.0 + n) / (1.0 + np.array([df[t] for t in terms], dtype=np.float64))) + 1.0
    return {t: i for i, t in enumerate(terms)}, idf


def tfidf(docs: list[list[str]], vocab: dict[str, int], idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear tf * idf, rows L2-normalised (all-zero rows stay zero); scipy only. `docs` hold
    their n-grams already, so this is the lexical embedder's computation on unigrams."""
    from ...embed.lexical import tfidf_rows

    return tfidf_rows(docs, vocab, idf)


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
