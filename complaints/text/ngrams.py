"""Word and character n-grams and sublinear TF-IDF rows: the sparse features that several stages share.

The lexical embedder (embed/), the pain-point classifier (painpoints/) and the supervised classifier
(classify/supervised/) all turn segmented text into the same kind of rows, so the arithmetic lives
here, upstream of all three. numpy and scipy only: a loaded model predicts without scikit-learn.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from operator import add

import numpy as np
import scipy.sparse as sp


def word_ngrams(tokens: list[str], ngram_range: tuple[int, int]) -> list[str]:
    """Token n-grams joined by a space, in scikit-learn's order (``_VectorizerMixin._word_ngrams``, no
    stop words), so vocabularies match; ``(1, 1)`` is the tokens themselves."""
    min_n, max_n = ngram_range
    if max_n == 1:
        return tokens
    original = tokens
    if min_n == 1:
        tokens = list(original)
        min_n += 1
    else:
        tokens = []
    n_orig = len(original)
    append = tokens.append
    join = " ".join
    for n in range(min_n, min(max_n + 1, n_orig + 1)):
        for i in range(n_orig - n + 1):
            append(join(original[i : i + n]))
    return tokens


def char_ngrams(text: str, ngram_range: tuple[int, int]) -> list[str]:
    """Character n-grams of the lower-cased text, spaces and punctuation included: every 1-gram in
    order, then every 2-gram, and so on. Each n-gram is the (n-1)-gram at its start plus the next
    character, joined by `map` in C: a million long tickets make a billion n-grams."""
    text = text.lower()
    min_n, max_n = ngram_range
    out: list[str] = []
    grams: Iterable[str] = text  # the n-grams of the current n, starting at each position in turn
    for n in range(1, max_n + 1):
        if n > 1:
            grams = list(map(add, grams, text[n - 1:]))
        if n >= min_n:
            out.extend(grams)
    return out


def build_vocab(docs: list[list[str]], min_df: int, max_terms: int | None = None) -> tuple[dict[str, int], np.ndarray]:
    """Terms with document frequency >= min_df (sorted) and their smoothed idf; with `max_terms`, only
    the most frequent ones (ties by term), so a vocabulary stays bounded on a very large library."""
    df: Counter[str] = Counter()
    for terms in docs:
        df.update(set(terms))
    kept = [t for t, c in df.items() if c >= min_df]
    if max_terms is not None and len(kept) > max_terms:
        kept = sorted(kept, key=lambda t: (-df[t], t))[:max_terms]
    terms = sorted(kept)
    n = len(docs)
    idf = np.log((1.0 + n) / (1.0 + np.array([df[t] for t in terms], dtype=np.float64))) + 1.0
    return {t: i for i, t in enumerate(terms)}, idf


def tfidf_rows(tokens: list[list[str]], vocabulary: dict[str, int], idf: np.ndarray,
               ngram_range: tuple[int, int] = (1, 1)) -> sp.csr_matrix:
    """Sublinear, L2-normalised tf-idf rows as scikit-learn computes them; texts without a known term stay zero."""
    vocab_get = vocabulary.get
    indptr = np.zeros(len(tokens) + 1, dtype=np.int64)
    cols: list[int] = []
    extend = cols.extend
    for r, toks in enumerate(tokens):
        if tuple(ngram_range) != (1, 1):
            toks = word_ngrams(toks, ngram_range)
        extend([j for j in map(vocab_get, toks) if j is not None])
        indptr[r + 1] = len(cols)
    indices = np.asarray(cols, dtype=np.int32)
    X = sp.csr_matrix((np.ones(len(indices), dtype=np.float64), indices, indptr), shape=(len(tokens), len(vocabulary)))
    X.sum_duplicates()  # counts per (doc, term), indices sorted
    np.log(X.data, out=X.data)
    X.data += 1.0  # sublinear tf
    X.data *= idf[X.indices]
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    norms = np.sqrt(np.bincount(rows, weights=X.data**2, minlength=X.shape[0]))
    norms[norms == 0] = 1.0
    X.data /= norms[rows]
    return X


def tfidf(docs: list[list[str]], vocab: dict[str, int], idf: np.ndarray) -> sp.csr_matrix:
    """`tfidf_rows` of documents that already hold their n-grams."""
    return tfidf_rows(docs, vocab, idf)


__all__ = ["build_vocab", "char_ngrams", "tfidf", "tfidf_rows", "word_ngrams"]
