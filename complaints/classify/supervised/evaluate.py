"""How well the supervised classifier generalises: stratified cross-validation and its report.

``cross_validate`` fits a fresh ``ComplaintClassifier`` per fold and pools the out-of-fold
predictions into per-class precision/recall/F1, a confusion matrix, macro-F1, log loss and
timings, all as plain JSON-able values that ``complaints evaluate-classifier`` and the bench
print as markdown tables. scikit-learn is imported only inside ``cross_validate``.
"""

from __future__ import annotations

import time
import warnings
from collections import Counter
from typing import Any, Iterable, Sequence

import numpy as np

from .classifier import ComplaintClassifier
from .common import ClassifierError, as_label, missing


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
