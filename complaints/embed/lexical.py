"""Lexical embeddings: TF-IDF over telecom-aware jieba tokens, reduced with TruncatedSVD (LSA).

Fast (thousands of docs/s on 2 cores), deterministic, and it clusters Chinese complaint text
well. ``fit`` uses scikit-learn; ``transform`` needs only the learned vocabulary, idf and
SVD components (plain dict + arrays), so a saved embedder loads from JSON + npz without
pickles or scikit-learn objects and the classify path stays cheap.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Sequence

import numpy as np
import scipy.sparse as sp

from ..artifacts import check_lexicons
from ..text.ngrams import tfidf_rows, word_ngrams
from ..text.segment import Segmenter, cut_chunks
from ._base import (
    Embedder,
    EmbedderError,
    NotFittedError,
    Progress,
    l2_normalize,
    read_spec,
    short_hash,
    write_spec,
)

VERSION = 1
VOCAB_FILE = "vocabulary.json"
ARRAYS_FILE = "lexical.npz"

CHUNK = 1000
TOKEN_CACHE_MAX = 200_000

class _CachedCut:
    """The tokenizer handed to TfidfVectorizer: ``segmenter.cut`` with a text -> tokens memo."""

    def __init__(self, owner: "LexicalEmbedder") -> None:
        self.owner = owner

    def __call__(self, text: str) -> list[str]:
        toks = self.owner._token_cache.get(text)
        return toks if toks is not None else self.owner.segmenter.cut(text)


class LexicalEmbedder(Embedder):
    """TF-IDF (sublinear tf, l2) over ``Segmenter.cut`` tokens -> TruncatedSVD -> L2-normalised.

    Learned: ``vocabulary_`` (term -> column), ``idf_``, ``components_`` (float32,
    ``n_components_ x n_terms``), ``dim_``. Texts with no known term embed as a zero row.
    ``n_jobs`` only parallelises tokenising (forked workers, Linux) and never changes vectors.
    """

    name = "lexical"
    kind = "lexical"
    segments = True  # reads texts through its segmenter (the modelling view), not as sentences

    def __init__(
        self,
        n_components: int = 256,
        min_df: int | float = 2,
        max_features: int | None = 50_000,
        ngram_range: tuple[int, int] = (1, 1),
        segmenter: Segmenter | None = None,
        random_state: int = 0,
        n_jobs: int | None = None,
        lexicons: str | os.PathLike | None = None,
    ) -> None:
        self.n_components = n_components
        self.min_df = min_df
        self.max_features = max_features
        self.ngram_range = tuple(ngram_range)
        self._segmenter = segmenter
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.lexicons = lexicons
        self._hmm = True  # for a Segmenter built here; load() restores the saved choice
        self._token_cache: dict[str, list[str]] = {}
        self._canon: dict[str, str] = {}

    # --- parameters ----------------------------------------------------------------------
    @property
    def segmenter(self) -> Segmenter:
        if self._segmenter is None:
            self._segmenter = Segmenter(None if self.lexicons is None else str(self.lexicons), hmm=self._hmm)
        return self._segmenter

    @property
    def segmenter_id(self) -> str:
        """The segmenter's lexicon fingerprint, plus its HMM switch (which also changes tokens)."""
        seg = self.segmenter
        return seg.id + ("" if getattr(seg, "hmm", True) else "-nohmm")

    @property
    def lexicon_fingerprint(self) -> str:
        """The lexicons the vocabulary was fitted with (today's, if not fitted yet)."""
        return getattr(self, "fitted_lexicons_", None) or self.segmenter_id

    def get_params(self) -> dict:
        return {
            "n_components": self.n_components,
            "min_df": self.min_df,
            "max_features": self.max_features,
            "ngram_range": list(self.ngram_range),
            "random_state": self.random_state,
        }

    def _fitted(self) -> bool:
        return hasattr(self, "components_")

    def _check_fitted(self) -> None:
        if not self._fitted():
            raise NotFittedError("the lexical embedder is not fitted: call fit(texts) or load a saved one")

    @property
    def id(self) -> str:
        self._check_fitted()
        ng = "".join(map(str, self.ngram_range))
        return f"lexical-v{VERSION}:{self.segmenter_id}:ng{ng}:{self._state_hash}"

    # --- tokens ----------------------------------------------------------------------------
    def _workers(self) -> int:
        n = self.n_jobs if self.n_jobs is not None else (os.cpu_count() or 1)
        if n < 0:
            n = max(1, (os.cpu_count() or 1) + 1 + n)
        return max(1, n)

    def remember(self, texts: Sequence[str], tokens: Sequence[list[str]]) -> None:
        """Tokens this embedder's segmenter already gave for these texts (a fit cuts every complaint
        once, on every core): they are not cut again. At most TOKEN_CACHE_MAX are kept."""
        cache = self._token_cache
        for text, toks in zip(texts, tokens):
            if len(cache) >= TOKEN_CACHE_MAX:
                break
            cache.setdefault(text, list(toks))

    def tokenize(self, texts: Sequence[str], progress: Progress | None = None) -> list[list[str]]:
        """``segmenter.cut`` for each text, memoised, in forked workers for big batches."""
        cache = self._token_cache
        out: list[list[str] | None] = [cache.get(t) for t in texts]
        todo = [i for i, toks in enumerate(out) if toks is None]
        if progress and len(texts) - len(todo):
            progress(len(texts) - len(todo))
        if not todo:
            return out  # type: ignore[return-value]
        if len(cache) + len(todo) > TOKEN_CACHE_MAX:
            cache.clear()
            self._canon.clear()
        uniq = list(dict.fromkeys(texts[i] for i in todo))
        canon = self._canon
        for chunk, toks_list in cut_chunks(self.segmenter, uniq, self._workers(), CHUNK):
            for text, toks in zip(chunk, toks_list):
                cache[text] = [canon.setdefault(t, t) for t in toks]  # one str per distinct token: a small memo
            if progress:
                progress(len(chunk))
        if progress and len(todo) > len(uniq):
            progress(len(todo) - len(uniq))  # repeats within the batch
        for i in todo:
            out[i] = cache[texts[i]]
        return out  # type: ignore[return-value]

    # --- learning --------------------------------------------------------------------------
    def fit(self, texts: Sequence[str]) -> "LexicalEmbedder":
        self._fit_tokens(list(texts), self.tokenize(list(texts)))
        return self

    def fit_transform(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        texts = list(texts)
        tokens = self.tokenize(texts, progress=progress)
        self._fit_tokens(texts, tokens)
        return self._embed_tokens(tokens)

    def _fit_tokens(self, texts: list[str], tokens: list[list[str]]) -> None:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer
        from threadpoolctl import threadpool_limits

        if not texts:
            raise EmbedderError("cannot fit the lexical embedder on zero texts")
        vec = TfidfVectorizer(
            tokenizer=_CachedCut(self),  # segmenter.cut, served from the token memo
            token_pattern=None,
            lowercase=False,
            sublinear_tf=True,
            min_df=self.min_df,
            max_features=self.max_features,
            ngram_range=self.ngram_range,
            dtype=np.float64,
        )
        try:
            X = vec.fit_transform(texts)
        except ValueError as e:  # "empty vocabulary" / "max_df < min_df" ...
            raise EmbedderError(f"cannot fit the lexical embedder on {len(texts)} texts: {e}") from None
        n_docs, n_terms = X.shape
        k = min(int(self.n_components), n_terms - 1, n_docs - 1)
        if k < 1:
            raise EmbedderError(
                f"cannot fit the lexical embedder: {n_docs} texts with {n_terms} terms "
                f"(min_df={self.min_df}) leave no room for an SVD; use more texts"
            )
        svd = TruncatedSVD(n_components=k, algorithm="randomized", n_iter=5, random_state=self.random_state)
        # One BLAS thread: the randomized SVD's QR/SVD steps on thin matrices gain little from
        # two threads and slow down 10-20x when another process holds a core (measured).
        with threadpool_limits(limits=1, user_api="blas"):
            svd.fit(X)
        self.fitted_lexicons_ = self.segmenter_id
        self.vocabulary_ = {t: int(i) for t, i in vec.vocabulary_.items()}
        self.idf_ = np.asarray(vec.idf_, dtype=np.float64)
        self._set_components(svd.components_)

    def _set_components(self, components: np.ndarray) -> None:
        self.components_ = np.ascontiguousarray(components, dtype=np.float32)
        self.n_components_ = self.dim_ = int(self.components_.shape[0])
        terms = self.terms_()
        self._state_hash = short_hash(
            json.dumps(terms, ensure_ascii=False), self.idf_.astype("<f8").tobytes(),
            self.components_.astype("<f4").tobytes(),
        )
        self._components_T = np.ascontiguousarray(self.components_.T)

    def terms_(self) -> list[str]:
        terms = [""] * len(self.vocabulary_)
        for t, i in self.vocabulary_.items():
            terms[i] = t
        return terms

    # --- transform ---------------------------------------------------------------------------
    def tfidf(self, tokens: list[list[str]]) -> sp.csr_matrix:
        """The tf-idf matrix scikit-learn's fitted TfidfVectorizer would give, from scipy alone."""
        self._check_fitted()
        return tfidf_rows(tokens, self.vocabulary_, self.idf_, self.ngram_range)

    def _embed_tokens(self, tokens: list[list[str]]) -> np.ndarray:
        X = self.tfidf(tokens).astype(np.float32)
        return l2_normalize(np.asarray(X @ self._components_T))

    def transform(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        self._check_fitted()
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim_), dtype=np.float32)
        return self._embed_tokens(self.tokenize(texts, progress=progress))

    # --- persistence -------------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        self._check_fitted()
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / VOCAB_FILE).write_text(json.dumps(self.terms_(), ensure_ascii=False), encoding="utf-8")
        np.savez(folder / ARRAYS_FILE, idf=self.idf_, components=self.components_)
        write_spec(
            folder, self.kind, self.get_params(), id=self.id, lexicon_fingerprint=self.lexicon_fingerprint,
            segmenter_hmm=bool(getattr(self.segmenter, "hmm", True)),
            n_components_=self.n_components_, n_terms=len(self.vocabulary_),
        )

    @classmethod
    def load(cls, folder: Path, segmenter: Segmenter | None = None, strict: bool = False,
             lexicons: str | os.PathLike | None = None) -> "LexicalEmbedder":
        """Rebuild from JSON + npz and reattach the tokenizer (a Segmenter on today's lexicons).

        If the lexicons changed since fitting, vectors drift; ``strict`` turns the warning into
        an error. The ``id`` follows the segmenter in use, so caches never mix the two.
        """
        folder = Path(folder)
        spec = read_spec(folder, expect=cls.kind)
        params = dict(spec["params"])
        params["ngram_range"] = tuple(params["ngram_range"])
        emb = cls(segmenter=segmenter, lexicons=lexicons, **params)
        emb._hmm = bool(spec.get("segmenter_hmm", True))
        try:
            terms = json.loads((folder / VOCAB_FILE).read_text(encoding="utf-8"))
            with np.load(folder / ARRAYS_FILE, allow_pickle=False) as arrays:
                idf = np.asarray(arrays["idf"], dtype=np.float64)
                components = np.asarray(arrays["components"], dtype=np.float32)
        except (OSError, KeyError, ValueError) as e:
            raise EmbedderError(f"{folder}: damaged lexical embedder ({e})") from None
        if not (len(terms) == len(idf) == components.shape[1]):
            raise EmbedderError(f"{folder}: vocabulary, idf and components disagree in size")
        emb.vocabulary_ = {t: i for i, t in enumerate(terms)}
        emb.idf_ = idf
        emb._set_components(components)
        saved = spec.get("lexicon_fingerprint")
        emb.fitted_lexicons_ = saved
        check_lexicons(folder, saved, emb.segmenter_id, "vectors will drift until the embedder is refitted",
                       strict, EmbedderError)
        return emb


__all__ = ["LexicalEmbedder", "tfidf_rows", "word_ngrams"]
