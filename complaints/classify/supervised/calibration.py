"""Stacking and calibration: base-model scores -> probabilities.

The map is fitted on out-of-fold scores (each text scored by base models that never saw it), so
it learns how far the scores can be trusted on new texts. With ``calibration="stacked"`` a
multinomial logistic regression -- the stacker -- takes the standardised scores of every base
model (2k inputs for k classes, 4k with e5); it both weighs the models against each other and
turns their scores into probabilities. ``"sigmoid"`` (or ``"isotonic"``) fits a per-class Platt
sigmoid (or isotonic map) on the ``nb_mix`` blend's scores and renormalises -- what
scikit-learn's ``CalibratedClassifierCV(ensemble=False)`` does. Fitting imports scikit-learn or
scipy.optimize inside the functions; applying the map is numpy only.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Mapping

import numpy as np
import scipy.sparse as sp

from .models import Settings, base_scores, fit_models

# learned attributes of each calibration, in the order they are saved
LEARNED = {
    "stacked": ("meta_mean_", "meta_scale_", "meta_coef_", "meta_intercept_"),
    "sigmoid": ("calibration_a_", "calibration_b_"),
    "isotonic": ("isotonic_x_", "isotonic_y_", "isotonic_offsets_"),
}


def learned_names(calibration: str) -> tuple[str, ...]:
    """The learned attributes of ``calibration``; any other value reads as isotonic, as in
    ``probabilities``."""
    return LEARNED.get(calibration, LEARNED["isotonic"])


def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-z)) without overflow for large |z|."""
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    e = np.exp(z[~pos])
    out[~pos] = e / (1.0 + e)
    return out


def fit_platt(scores: np.ndarray, positive: np.ndarray) -> tuple[float, float]:
    """Platt (1999) scaling with his smoothed targets: P(y=1|s) = 1 / (1 + exp(a*s + b))."""
    from scipy.optimize import minimize

    s = np.asarray(scores, dtype=np.float64)
    pos = np.asarray(positive, dtype=bool)
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    t = np.where(pos, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))

    def loss(ab: np.ndarray) -> tuple[float, np.ndarray]:
        z = -(ab[0] * s + ab[1])  # logit of P(y=1)
        # log(1+exp(z)) - t*z, stably
        ll = np.logaddexp(0.0, z) - t * z
        g = sigmoid(z) - t  # d/dz
        return float(ll.sum()), np.array([-(g * s).sum(), -g.sum()])

    b0 = math.log((n_neg + 1.0) / (n_pos + 1.0))
    res = minimize(loss, np.array([0.0, b0]), jac=True, method="L-BFGS-B")
    return float(res.x[0]), float(res.x[1])


def out_of_fold(X: sp.csr_matrix | None, E: np.ndarray | None, y: np.ndarray, k: int, s: Settings,
                cv: int) -> np.ndarray:
    """(n, m) base-model scores of every training text from models fitted on the other folds
    (``cv`` stratified folds, fewer if the smallest class is smaller)."""
    from sklearn.model_selection import StratifiedKFold

    n_splits = min(int(cv), int(np.bincount(y).min()))
    oof = None
    folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=s.seed).split(np.zeros(len(y)), y)
    for tr, te in folds:
        base = fit_models(None if X is None else X[tr], None if E is None else E[tr], y[tr], k, s)
        scores = base_scores(base, None if X is None else X[te], None if E is None else E[te], s.knn)
        if oof is None:
            oof = np.zeros((len(y), scores.shape[1]))
        oof[te] = scores
    return oof


def fit_calibration(scores: np.ndarray, y: np.ndarray, k: int, calibration: str,
                    meta_C: float) -> dict[str, np.ndarray]:
    """The learned arrays of the score -> probability map, keyed by attribute name (``LEARNED``)."""
    if calibration == "stacked":
        from sklearn.linear_model import LogisticRegression

        mu = scores.mean(axis=0)
        sd = scores.std(axis=0)
        sd[sd < 1e-12] = 1.0
        meta = LogisticRegression(C=float(meta_C), max_iter=3000)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            meta.fit((scores - mu) / sd, y)
        coef, icpt = meta.coef_, meta.intercept_
        if k == 2:  # one logit for class 1; spread it over both columns
            coef, icpt = np.vstack([-coef[0], coef[0]]) / 2, np.array([-icpt[0], icpt[0]]) / 2
        return {"meta_mean_": mu, "meta_scale_": sd,
                "meta_coef_": np.asarray(coef, np.float64), "meta_intercept_": np.asarray(icpt, np.float64)}
    if calibration == "sigmoid":
        ab = np.array([fit_platt(scores[:, c], y == c) for c in range(k)])
        return {"calibration_a_": ab[:, 0].copy(), "calibration_b_": ab[:, 1].copy()}
    from sklearn.isotonic import IsotonicRegression

    xs, ys, offsets = [], [], [0]
    for c in range(k):
        iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
        iso.fit(scores[:, c], (y == c).astype(np.float64))
        xs.append(np.asarray(iso.X_thresholds_, dtype=np.float64))
        ys.append(np.asarray(iso.y_thresholds_, dtype=np.float64))
        offsets.append(offsets[-1] + len(xs[-1]))
    return {"isotonic_x_": np.concatenate(xs), "isotonic_y_": np.concatenate(ys),
            "isotonic_offsets_": np.asarray(offsets, dtype=np.int64)}


def stack(S: np.ndarray, learned: Mapping[str, Any]) -> np.ndarray:
    """(n, k) stacker logits of the base-model scores ``S``."""
    z = (S - learned["meta_mean_"]) / learned["meta_scale_"]
    return z @ learned["meta_coef_"].T + learned["meta_intercept_"]


def probabilities(scores: np.ndarray, calibration: str, learned: Mapping[str, Any]) -> np.ndarray:
    """(n, k) rows summing to 1: softmax of the stacker's logits, or the per-class Platt /
    isotonic maps renormalised (uniform where every class maps to 0)."""
    k = scores.shape[1]
    if calibration == "stacked":
        z = scores - scores.max(axis=1, keepdims=True)
        P = np.exp(z)
    elif calibration == "sigmoid":
        P = sigmoid(-(scores * learned["calibration_a_"] + learned["calibration_b_"]))
    else:
        P = np.empty_like(scores)
        off = learned["isotonic_offsets_"]
        for c in range(k):
            xs = learned["isotonic_x_"][off[c] : off[c + 1]]
            ys = learned["isotonic_y_"][off[c] : off[c + 1]]
            P[:, c] = np.interp(scores[:, c], xs, ys)
    total = P.sum(axis=1, keepdims=True)
    return np.divide(P, total, out=np.full_like(P, 1.0 / k), where=total > 0)
