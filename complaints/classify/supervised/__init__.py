"""Supervised classifier: learns an operator's own complaint categories from labelled texts."""

from .calibration import fit_platt
from .classifier import ComplaintClassifier
from .common import ClassifierError, NotFittedError
from .evaluate import classification_report, cross_validate, format_confusion, format_report, read_labelled
from .features import char_ngrams, tfidf, word_ngrams
from .models import knn_vote

_knn_vote = knn_vote  # its name when this package was one module

__all__ = [
    "ClassifierError", "ComplaintClassifier", "NotFittedError", "char_ngrams", "classification_report",
    "cross_validate", "fit_platt", "format_confusion", "format_report", "read_labelled", "tfidf", "word_ngrams",
]
