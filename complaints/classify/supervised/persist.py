"""Persistence of the supervised classifier: JSON + npz, never pickle.

A saved classifier is ``classifier.json`` (kind, format, parameters, classes, lexicon
fingerprint) + ``vocabulary.json`` (the terms in column order) + ``classifier.npz`` (the learned
arrays, loaded with ``allow_pickle=False``), so a model folder from elsewhere cannot run code and
the CLI starts cheaply: loading needs only numpy and scipy. Predictions are bit-for-bit the same
before and after a round trip because both go through the same code on the same arrays.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from ...artifacts import check_lexicons, read_json_spec
from ...text.segment import Segmenter
from .calibration import learned_names
from .common import ARRAYS_FILE, FORMAT, KIND, SPEC_FILE, VERSION, VOCAB_FILE, ClassifierError
from .models import EMBEDDING_ARRAYS

TUPLE_PARAMS = ("word_ngrams", "char_ngrams", "min_df")


def json_params(params: dict[str, Any]) -> dict[str, Any]:
    """``get_params()`` as JSON values (tuples as lists, the lexicon folder as a string)."""
    p = dict(params)
    for k in TUPLE_PARAMS:
        if isinstance(p[k], tuple):
            p[k] = list(p[k])
    p["lexicons"] = None if p["lexicons"] is None else str(p["lexicons"])
    return p


def terms(vocab: dict[str, int]) -> list[str]:
    """The vocabulary's terms in column order."""
    out = [""] * len(vocab)
    for t, i in vocab.items():
        out[i] = t
    return out


def save_classifier(clf: Any, folder: Path) -> None:
    """Write a fitted ``ComplaintClassifier`` to ``folder`` (vocabulary, arrays, then the spec)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, np.ndarray] = {
        "coef": clf.coef_, "intercept": clf.intercept_, "class_prior": clf.class_prior_,
    }
    vocab: dict[str, list[str]] = {}
    if clf.word_ngrams is not None:
        vocab["word"] = terms(clf.word_vocabulary_)
        arrays["word_idf"] = clf.word_idf_
    if clf.char_ngrams is not None:
        vocab["char"] = terms(clf.char_vocabulary_)
        arrays["char_idf"] = clf.char_idf_
    stacked = clf.calibration == "stacked"
    for name in (EMBEDDING_ARRAYS if stacked else ()) + learned_names(clf.calibration):
        if not stacked or hasattr(clf, name):
            arrays[name.rstrip("_")] = getattr(clf, name)
    (folder / VOCAB_FILE).write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    np.savez_compressed(folder / ARRAYS_FILE, **arrays)
    spec = {
        "kind": KIND, "format": FORMAT, "version": VERSION, "params": json_params(clf.get_params()),
        "classes": clf.classes_, "n_features": clf.n_features_, "n_train": clf.n_train_,
        "n_dropped_labels": getattr(clf, "n_dropped_labels_", 0),
        "lexicon_fingerprint": clf.fitted_lexicons_,
        "embedder_id": clf._embedder_model().id if clf.embeddings else None,
    }
    (folder / SPEC_FILE).write_text(json.dumps(spec, ensure_ascii=False, indent=2), encoding="utf-8")


def load_classifier(cls: type, folder: Path, strict: bool = False, lexicons: str | os.PathLike | None = None,
         segmenter: Segmenter | None = None) -> Any:
    """Rebuild a ``cls`` (the estimator class) from JSON + npz, checking that the pieces agree
    in size and that today's lexicons are the ones the model was fitted with."""
    folder = Path(folder)
    path, spec = read_json_spec(folder, SPEC_FILE, "classifier", ClassifierError)
    if spec.get("kind") != KIND or spec.get("format") != FORMAT:
        raise ClassifierError(f"{path}: not a complaint classifier of format {FORMAT} "
                              f"(kind {spec.get('kind')!r}, format {spec.get('format')!r})")
    params = dict(spec["params"])
    for key in TUPLE_PARAMS:
        if isinstance(params.get(key), list):
            params[key] = tuple(params[key])
    if lexicons is not None:
        params["lexicons"] = str(lexicons)
    clf = cls(**params)
    clf._segmenter = segmenter
    try:
        vocab = json.loads((folder / VOCAB_FILE).read_text(encoding="utf-8"))
        with np.load(folder / ARRAYS_FILE, allow_pickle=False) as z:
            arrays = {name: np.asarray(z[name]) for name in z.files}
    except (OSError, KeyError, ValueError) as e:
        raise ClassifierError(f"{folder}: damaged classifier ({e})") from None
    stacked = clf.calibration == "stacked"
    try:
        clf.classes_ = list(spec["classes"])
        clf.coef_ = arrays["coef"]
        clf.intercept_ = arrays["intercept"]
        clf.class_prior_ = arrays["class_prior"]
        n = 0
        if clf.word_ngrams is not None:
            clf.word_vocabulary_ = {t: i for i, t in enumerate(vocab["word"])}
            clf.word_idf_ = arrays["word_idf"]
            n += len(vocab["word"])
        if clf.char_ngrams is not None:
            clf.char_vocabulary_ = {t: i for i, t in enumerate(vocab["char"])}
            clf.char_idf_ = arrays["char_idf"]
            n += len(vocab["char"])
        names = learned_names(clf.calibration) + (EMBEDDING_ARRAYS if stacked and clf.embeddings is not None else ())
        for name in names:
            setattr(clf, name, arrays[name.rstrip("_")])
    except KeyError as e:
        raise ClassifierError(f"{folder}: damaged classifier (missing {e})") from None
    n, bad = _check_shapes(clf, n, stacked)
    if bad:
        raise ClassifierError(f"{folder}: vocabulary, classes and coefficients disagree in size")
    clf.n_features_ = int(n)
    clf.n_train_ = int(spec.get("n_train", 0))
    clf.n_dropped_labels_ = int(spec.get("n_dropped_labels", 0))
    clf.fitted_embedder_ = spec.get("embedder_id")
    saved = spec.get("lexicon_fingerprint")
    clf.fitted_lexicons_ = saved
    if clf.word_ngrams is not None:
        check_lexicons(folder, saved, clf.segmenter.id, "predictions may drift until the classifier is retrained",
                       strict, ClassifierError)
    return clf


def _check_shapes(clf: Any, n: int, stacked: bool) -> tuple[int, bool]:
    """(feature count, whether the loaded arrays disagree in size); ``n`` counts the vocabulary."""
    k = len(clf.classes_)
    if stacked:
        rows, width = clf.coef_.shape[0], clf.coef_.shape[1] if clf.coef_.shape[0] else n
        n_inputs = rows + (2 * k if clf.embeddings is not None else 0)
        bad = (rows % k or clf.intercept_.shape != (rows,) or width != n
               or clf.meta_coef_.shape != (k, n_inputs) or clf.meta_intercept_.shape != (k,))
        if clf.embeddings is not None:
            dim = clf.embedding_coef_.shape[1]
            bad = bad or clf.embedding_coef_.shape[0] != k or clf.knn_vectors_.shape[1] != dim
            n += clf.embedding_coef_.shape[1]
    else:
        if clf.embeddings is not None:
            n += clf.coef_.shape[1] - n  # the dense block's width is whatever is left
        bad = clf.coef_.shape[0] != k or clf.intercept_.shape != (k,) or (
            clf.embeddings is None and clf.coef_.shape[1] != n)
    return n, bool(bad)
