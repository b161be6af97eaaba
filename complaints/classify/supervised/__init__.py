"""Supervised classifier: learns an operator's own complaint categories from labelled texts."""

from . import classifier as _classifier
from .classifier import (
    ClassifierError,
    ComplaintClassifier,
    NotFittedError,
    classification_report,
    cross_validate,
    fit_platt,
    format_confusion,
    format_report,
    read_labelled,
)
from .features import char_ngrams, tfidf, word_ngrams

_knn_vote = _classifier._knn_vote

__all__ = [
    "ClassifierError", "ComplaintClassifier", "NotFittedError", "char_ngrams", "classification_report",
    "cross_validate", "fit_platt", "format_confusion", "format_report", "read_labelled", "tfidf", "word_ngrams",
]
