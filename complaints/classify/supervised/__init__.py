"""Supervised classifier: learns an operator's own complaint categories (投诉类别) so that a new
complaint gets one, with a calibrated probability. Reads labelled texts (the library's complaints
or a file, through ``classify.labelled``) and, to predict, any texts; produces a fitted
``ComplaintClassifier``, its saved folder (``classifier.json`` + ``vocabulary.json`` +
``classifier.npz``, no pickle), per-text probabilities and cross-validation reports. The modules
follow the data: ``features`` (word and character TF-IDF, optional e5 vectors), ``models``
(linear SVM, NB-SVM, e5 logistic regression, neighbour vote), ``calibration`` (stacker or
Platt/isotonic on out-of-fold scores), ``classifier`` (the scikit-learn-style estimator that
sequences them), ``persist`` (JSON + npz) and ``evaluate`` (stratified cross-validation and its
tables); ``common`` holds the names and errors they share. Loading and predicting never import
scikit-learn.
"""
from .calibration import fit_platt
from .classifier import ComplaintClassifier
from .common import ClassifierError, NotFittedError
from .evaluate import classification_report, cross_validate, format_confusion, format_report, read_labelled
from ...text.ngrams import char_ngrams, tfidf, word_ngrams
from .models import knn_vote

_knn_vote = knn_vote  # its name when this package was one module

__all__ = [
    "ClassifierError", "ComplaintClassifier", "NotFittedError", "char_ngrams", "classification_report",
    "cross_validate", "fit_platt", "format_confusion", "format_report", "read_labelled", "tfidf", "word_ngrams",
]
