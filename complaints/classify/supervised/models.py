"""Base models of the supervised classifier, learned as plain arrays.

One-vs-rest linear SVMs (squared hinge, liblinear) and an NB-SVM (the same SVM on features
scaled by each class's naive-Bayes log-count ratio) score the TF-IDF rows; with e5 vectors a
logistic regression scores them and a similarity-weighted vote of the nearest training vectors
adds a second opinion. Fitting imports scikit-learn inside the functions; scoring is numpy
only, so the prediction path never loads it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

# learned attributes of the e5 base models, saved only when stacked with embeddings
EMBEDDING_ARRAYS = ("embedding_coef_", "embedding_intercept_", "knn_vectors_", "knn_labels_")
BASE_ARRAYS = ("coef_", "intercept_") + EMBEDDING_ARRAYS


@dataclass(frozen=True)
class Settings:
    """The estimator's parameters the base models need; ``n_lexical`` is how many leading
    columns are TF-IDF (an NB ratio means nothing on a dense embedding block)."""

    C: float
    class_weight: str | None
    seed: int
    nb_mix: float
    embedding_C: float
    knn: int
    stacked: bool
    n_lexical: int


def fit_linear(X: sp.csr_matrix, y: np.ndarray, k: int, s: Settings,
               mix: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(k x d) coefficients and (k,) intercepts of the SVM / NB-SVM blend (``mix`` = NB-SVM share)."""
    from sklearn.svm import LinearSVC

    mix = float(s.nb_mix) if mix is None else mix
    W = np.zeros((k, X.shape[1]))
    b = np.zeros(k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)  # ConvergenceWarning is a UserWarning
        if mix < 1.0:
            svm = LinearSVC(C=s.C, class_weight=s.class_weight, random_state=s.seed, max_iter=5000)
            svm.fit(X, y)
            if k == 2:  # one score for class 1; class 0 gets its negative
                W += (1 - mix) * np.vstack([-svm.coef_[0], svm.coef_[0]])
                b += (1 - mix) * np.array([-svm.intercept_[0], svm.intercept_[0]])
            else:
                W += (1 - mix) * svm.coef_
                b += (1 - mix) * svm.intercept_
        if mix > 0.0:
            n_lex = s.n_lexical
            Xb = X[:, :n_lex].copy()
            Xb.data = (Xb.data > 0).astype(np.float64)  # term presence for the NB ratios
            for c in range(k):
                pos = y == c
                p = 1.0 + np.asarray(Xb[pos].sum(axis=0)).ravel()
                q = 1.0 + np.asarray(Xb[~pos].sum(axis=0)).ravel()
                r = np.ones(X.shape[1])  # a dense embedding block keeps its scale
                r[:n_lex] = np.log(p / p.sum()) - np.log(q / q.sum())
                svm = LinearSVC(C=s.C, class_weight=s.class_weight, random_state=s.seed, max_iter=5000)
                svm.fit(X @ sp.diags(r), pos.astype(np.int64))
                W[c] += mix * svm.coef_[0] * r
                b[c] += mix * svm.intercept_[0]
    return W, b


def fit_bases(X: sp.csr_matrix | None, E: np.ndarray | None, y: np.ndarray, k: int,
              s: Settings) -> dict[str, Any]:
    """The stacker's base models, as arrays: lexical SVM and NB-SVM scores (``coef_`` has
    one row per class for each), and with e5 a logistic regression on the vectors and the
    vectors themselves for the nearest-neighbour vote."""
    base: dict[str, Any] = {}
    if X is not None:
        mix = float(s.nb_mix)  # here only 0 (SVM alone) and 1 (NB-SVM alone) mean anything
        models = ([0.0] if mix < 1.0 else []) + ([1.0] if mix > 0.0 else [])  # the SVM, the NB-SVM
        Ws, bs = [], []
        for model_mix in models:
            W, b = fit_linear(X, y, k, s, mix=model_mix)
            Ws.append(W)
            bs.append(b)
        base["coef_"], base["intercept_"] = np.vstack(Ws), np.concatenate(bs)
    else:
        base["coef_"], base["intercept_"] = np.zeros((0, 0)), np.zeros(0)
    if E is not None:
        from sklearn.linear_model import LogisticRegression

        lr = LogisticRegression(C=float(s.embedding_C), max_iter=3000)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lr.fit(E, y)
        coef, icpt = lr.coef_, lr.intercept_
        if k == 2:
            coef, icpt = np.vstack([-coef[0], coef[0]]) / 2, np.array([-icpt[0], icpt[0]]) / 2
        base["embedding_coef_"], base["embedding_intercept_"] = coef.astype(np.float64), icpt.astype(np.float64)
        base["knn_vectors_"] = E.astype(np.float32)
        base["knn_labels_"] = y.astype(np.int32)
    return base


def fit_models(X: sp.csr_matrix | None, E: np.ndarray | None, y: np.ndarray, k: int,
               s: Settings) -> dict[str, Any]:
    """The base models the estimator keeps: the stacker's, or the one ``nb_mix`` blend whose
    scores Platt or isotonic calibrate. Keys are the learned attribute names."""
    if s.stacked:
        return fit_bases(X, E, y, k, s)
    W, b = fit_linear(X, y, k, s)
    return {"coef_": W, "intercept_": b}


def base_scores(base: dict[str, Any], X: sp.csr_matrix | None, E: np.ndarray | None, knn: int) -> np.ndarray:
    """(n, m) per-class scores of every base model side by side: the stacker's inputs, or
    (without e5 vectors, one blend) the linear scores Platt/isotonic map."""
    out = []
    if X is not None and base["coef_"].shape[0]:
        out.append(np.asarray(X @ base["coef_"].T) + base["intercept_"])
    if E is not None:
        out.append(E @ base["embedding_coef_"].T + base["embedding_intercept_"])
        out.append(knn_vote(E, base["knn_vectors_"], base["knn_labels_"], len(base["embedding_intercept_"]),
                            int(knn)))
    return np.hstack(out)


def knn_vote(E: np.ndarray, bank: np.ndarray, labels: np.ndarray, k: int, n_neighbours: int) -> np.ndarray:
    """(n, k) log share of each class among the ``n_neighbours`` most cosine-similar training
    vectors, each neighbour weighted by its (non-negative) similarity; numpy only."""
    n = len(E)
    out = np.zeros((n, k))
    m = min(int(n_neighbours), len(bank))
    if n and m:
        bank_t = bank.T.astype(np.float64)
        for start in range(0, n, 1024):  # bounded memory: 1,024 x n_train similarities at a time
            S = E[start : start + 1024] @ bank_t
            rows = np.arange(len(S))[:, None]
            if m < S.shape[1]:
                idx = np.argpartition(-S, m - 1, axis=1)[:, :m]
            else:
                idx = np.tile(np.arange(S.shape[1]), (len(S), 1))
            w = np.maximum(S[rows, idx], 0.0)
            block = out[start : start + 1024]
            np.add.at(block, (np.broadcast_to(rows, idx.shape), labels[idx]), w)
    total = out.sum(axis=1, keepdims=True)
    share = np.divide(out, total, out=np.zeros_like(out), where=total > 0)
    return np.log(share + 1e-3)
