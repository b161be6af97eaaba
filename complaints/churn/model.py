"""Early warning (预警): what the complaint library adds to a churn model, and who to call.

`churn_eval` cross-validates the same gradient-boosting model on customer attributes alone and on
attributes plus complaint features, so the difference in AUC / PR-AUC is the measured value of the
complaint library for churn. `at_risk` trains on earlier as-of dates whose label windows have closed
by the scoring date, scores every customer, assigns tiers and names the pain points behind each
at-risk customer's score.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from ..config import Library
from .features import build_features, label_column
from .linkbase import LinkError, follow_up_end, painpoint_names, to_date
from ..store import open_store

ATTRIBUTES = ["plan", "region", "tenure_days", "arpu", "contract_active", "days_to_contract_end", "ported_in"]
NOT_FEATURES = {"customer_key", "as_of", "model_version"}
FEATURE_SETS = ("attributes", "all")


def _feature_columns(columns: Iterable[str], feature_set: str) -> list[str]:
    cols = [c for c in columns if c not in NOT_FEATURES and not c.startswith("ported_out_within_")]
    if feature_set == "attributes":
        return [c for c in cols if c in ATTRIBUTES]
    if feature_set == "all":
        return cols
    raise ValueError(f"feature_set must be one of {FEATURE_SETS}, got {feature_set!r}")


class ChurnModel(ClassifierMixin, BaseEstimator):
    """Histogram gradient boosting on a feature table from `build_features`; string columns are
    native categoricals, missing values stay missing (the trees route them). Port-outs are rare, so
    the trees are small and regularised. `n_threads` defaults to 1: OpenMP's spinning threads slow
    down many times over when the cores are shared with other work."""

    def __init__(self, feature_set: str = "all", max_iter: int = 100, learning_rate: float = 0.05,
                 max_leaf_nodes: int = 7, min_samples_leaf: int = 100, l2_regularization: float = 10.0,
                 random_state: int = 0, n_threads: int = 1) -> None:
        self.feature_set = feature_set
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.random_state = random_state
        self.n_threads = n_threads

    def _frame(self, X: pd.DataFrame) -> pd.DataFrame:
        out = {}
        for c in self.columns_:
            if c in self.categories_:
                out[c] = pd.Categorical(X[c].astype("string").fillna("(none)").astype(str),
                                        categories=self.categories_[c])
            else:
                out[c] = pd.to_numeric(X[c].astype("Float64"), errors="coerce").astype(float)
        return pd.DataFrame(out, index=X.index)

    def fit(self, X: pd.DataFrame, y) -> "ChurnModel":
        self.columns_ = _feature_columns(X.columns, self.feature_set)
        if not self.columns_:
            raise LinkError(f"no {self.feature_set} columns in the feature table")
        self.categories_ = {c: sorted(X[c].astype("string").fillna("(none)").astype(str).unique())
                            for c in self.columns_ if X[c].dtype == "string" or X[c].dtype == object}
        self.model_ = HistGradientBoostingClassifier(
            max_iter=self.max_iter, learning_rate=self.learning_rate, max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf, l2_regularization=self.l2_regularization,
            categorical_features="from_dtype", early_stopping=False, random_state=self.random_state)
        with threadpool_limits(self.n_threads):
            self.model_.fit(self._frame(X), np.asarray(y, dtype=int))
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "model_")
        with threadpool_limits(self.n_threads):
            return self.model_.predict_proba(self._frame(X))

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.classes_[(self.predict_proba(X)[:, 1] >= 0.5).astype(int)]


def _labelled(library: Library, as_of, label_horizon: int, model_version: int | None,
              progress: Callable[[int, int], None] | None = None) -> tuple[pd.DataFrame, np.ndarray]:
    df = build_features(library, as_of, label_horizon=label_horizon, model_version=model_version,
                        progress=progress)
    y = df[label_column(label_horizon)].fillna(False).astype(bool).to_numpy()
    return df, y


def churn_eval(library: Library, as_of: Iterable[dt.date | str], label_horizon: int = 30, folds: int = 5,
               model_version: int | None = None, seed: int = 0, max_iter: int = 100,
               progress: Callable[[str, int, int], None] | None = None) -> dict:
    """Stratified, customer-grouped k-fold CV of ChurnModel on attributes alone and on attributes +
    complaint features: AUC and PR-AUC (mean ± sd over folds) for both, and the gain."""
    step = progress or (lambda *a: None)
    df, y = _labelled(library, as_of, label_horizon, model_version, lambda d, n: step("features", d, n))
    pos = int(y.sum())
    if pos < 2 * folds or len(y) - pos < 2 * folds:
        raise LinkError(f"only {pos} port-outs among {len(y):,} customer snapshots in the {label_horizon}-day "
                        f"label windows: too few for {folds}-fold CV; add --as-of dates or lengthen --label-horizon")
    cv = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    splits = list(cv.split(df, y, groups=df["customer_key"].astype(str)))
    results = {}
    for k, fs in enumerate(FEATURE_SETS):
        aucs, aps = [], []
        oof = np.zeros(len(y))
        for i, (tr, te) in enumerate(splits):
            step(f"cross-validate ({fs})", k * folds + i, 2 * folds)
            m = ChurnModel(fs, max_iter=max_iter, random_state=seed).fit(df.iloc[tr], y[tr])
            p = m.predict_proba(df.iloc[te])[:, 1]
            oof[te] = p
            aucs.append(roc_auc_score(y[te], p))
            aps.append(average_precision_score(y[te], p))
        name = "attributes" if fs == "attributes" else "attributes+complaints"
        results[name] = {"features": len(m.columns_), "auc": float(np.mean(aucs)), "auc_sd": float(np.std(aucs)),
                         "pr_auc": float(np.mean(aps)), "pr_auc_sd": float(np.std(aps)),
                         "auc_pooled": float(roc_auc_score(y, oof)), "folds_auc": [float(a) for a in aucs]}
    step("done", 2 * folds, 2 * folds)
    a, b = results["attributes"], results["attributes+complaints"]
    return {"as_of": sorted({str(d) for d in df["as_of"]}), "label": label_column(label_horizon),
            "label_horizon": label_horizon, "snapshots": int(len(df)), "customers": int(df["customer_key"].nunique()),
            "port_outs": pos, "base_rate": pos / len(y), "folds": folds, "model_version": int(df["model_version"].iloc[0]),
            "results": results, "auc_gain": b["auc"] - a["auc"], "pr_auc_gain": b["pr_auc"] - a["pr_auc"]}


@dataclass
class AtRisk:
    """Scored customers, riskiest first, with tiers and the pain points behind each score."""

    customers: pd.DataFrame
    as_of: dt.date
    label_horizon: int
    thresholds: dict[str, float]
    train_as_of: list[dt.date]
    train_rows: int
    train_port_outs: int
    tier_counts: dict[str, int] = field(default_factory=dict)

    def to_dict(self, max_rows: int | None = None) -> dict:
        df = self.customers if max_rows is None else self.customers.head(max_rows)
        recs = df.astype(object).where(df.notna(), None).to_dict("records")
        return {"as_of": str(self.as_of), "label_horizon": self.label_horizon, "thresholds": self.thresholds,
                "train_as_of": [str(d) for d in self.train_as_of], "train_rows": self.train_rows,
                "train_port_outs": self.train_port_outs, "tier_counts": self.tier_counts, "customers": recs}


def training_dates(as_of: dt.date, horizon: int, fu: dt.date, first: dt.date, n: int = 12,
                   step_days: int = 30) -> list[dt.date]:
    """Monthly as-of dates before `as_of` whose label windows closed before it (and within the port data),
    each with at least 90 days of complaint history."""
    last = min(as_of - dt.timedelta(days=horizon), fu - dt.timedelta(days=horizon - 1))
    out = [last - dt.timedelta(days=step_days * k) for k in range(n)]
    return sorted(d for d in out if d >= first + dt.timedelta(days=90))


def at_risk(library: Library, as_of: dt.date | str, label_horizon: int = 30, high: float = 0.03,
            medium: float = 0.01, train_as_of: Iterable[dt.date | str] | None = None,
            model_version: int | None = None, max_painpoints: int = 3, seed: int = 0, max_iter: int = 100,
            train_months: int = 12, lexicons: str | None = None,
            progress: Callable[[str, int, int], None] | None = None) -> AtRisk:
    """Score every customer active on `as_of` for a port-out request in the next `label_horizon` days;
    tier high (score ≥ high), medium (≥ medium), low; for at-risk customers, the pain points whose
    complaints raise the score most (score drop when that pain point's 90-day count is set to zero).
    Without `train_as_of`, trains on `train_months` monthly as-of dates whose label windows closed
    before `as_of`."""
    step = progress or (lambda *a: None)
    day = to_date(as_of, "as_of")
    if not 0 < medium <= high <= 1:
        raise LinkError(f"thresholds must satisfy 0 < medium ≤ high ≤ 1, got medium={medium}, high={high}")
    with open_store(library) as s:
        fu = follow_up_end(s)
        first = s.scalar("SELECT min(received_at)::DATE FROM complaints")
    if train_as_of is None:
        dates = training_dates(day, label_horizon, fu, first or day, n=train_months)
    else:
        dates = sorted({to_date(d, "train_as_of") for d in train_as_of})
        late = [d for d in dates if d + dt.timedelta(days=label_horizon) > day]
        if late:
            raise LinkError(f"training date {late[0]}: its {label_horizon}-day label window reaches past the "
                            f"scoring date {day}, which would train on the future")
    if not dates:
        raise LinkError(f"no training dates: port events reach {fu} and complaints start {first}; scoring "
                        f"{day} needs earlier as-of dates with a closed {label_horizon}-day label window")
    train, y = _labelled(library, dates, label_horizon, model_version, lambda d, n: step("training features", d, n))
    if y.sum() < 5:
        raise LinkError(f"only {int(y.sum())} port-outs in the training label windows ({', '.join(map(str, dates))}); "
                        "need at least 5: ingest more history or lengthen --label-horizon")
    step("training", 0, 1)
    model = ChurnModel("all", max_iter=max_iter, random_state=seed).fit(train, y)
    step("scoring", 0, 1)
    now = build_features(library, [day], model_version=model_version, lexicons=lexicons)
    score = model.predict_proba(now)[:, 1]
    tier = np.where(score >= high, "high", np.where(score >= medium, "medium", "low"))
    reasons = _reasons(model, now, score, tier != "low", max_painpoints, painpoint_names(lexicons))
    cols = ["customer_key", "plan", "region", "tenure_days", "arpu", "contract_active", "complaints_90d",
            "days_since_last_complaint", "porting_complaint_90d", "port_out_in_progress"]
    out = now[cols].copy()
    out.insert(1, "score", score.round(5))
    out.insert(2, "tier", tier)
    out.insert(3, "painpoints", reasons["names"])
    out.insert(4, "painpoint_effects", reasons["effects"])
    out.insert(5, "recent_painpoints", _recent(now, painpoint_names(lexicons)))
    out = out.sort_values(["score", "customer_key"], ascending=[False, True]).reset_index(drop=True)
    counts = {t: int((out["tier"] == t).sum()) for t in ("high", "medium", "low")}
    return AtRisk(out, day, label_horizon, {"high": high, "medium": medium}, dates, int(len(train)), int(y.sum()),
                  counts)


def _recent(X: pd.DataFrame, names: dict[str, tuple[str, str]]) -> list[list[str]]:
    """Pain points each customer complained about in the last 90 days, most complaints first."""
    cols = [c for c in X.columns if c.startswith("pp_") and c.endswith("_90d")]
    counts = X[cols].fillna(0).to_numpy(int)
    labels = [names.get(c[3:-4], (c[3:-4], ""))[0] for c in cols]
    return [[labels[j] for j in np.argsort(-row, kind="stable") if row[j] > 0] for row in counts]


def _reasons(model: ChurnModel, X: pd.DataFrame, score: np.ndarray, flagged: np.ndarray, k: int,
             names: dict[str, tuple[str, str]]) -> dict[str, list]:
    """Per flagged customer: pain points complained about in 90 days, ranked by how much the score drops
    when that pain point's count is set to zero (and, for porting, the porting-complaint flag cleared)."""
    pp_cols = [c for c in X.columns if c.startswith("pp_") and c.endswith("_90d")]
    idx = np.flatnonzero(flagged)
    drops: dict[int, list[tuple[float, str]]] = {i: [] for i in idx.tolist()}
    for col in pp_cols:
        key = col[3:-4]
        rows = idx[(X[col].iloc[idx].fillna(0).to_numpy() > 0)]
        if rows.size == 0:
            continue
        cf = X.iloc[rows].copy()
        cf[col] = 0
        if key == "porting":
            cf["porting_complaint_90d"] = False
        delta = score[rows] - model.predict_proba(cf)[:, 1]
        for r, d in zip(rows.tolist(), delta.tolist()):
            drops[r].append((d, names.get(key, (key, ""))[0]))
    out_names, out_effects = [[] for _ in range(len(X))], [""] * len(X)
    for r, items in drops.items():
        items = sorted(items, key=lambda t: -t[0])[:k]
        out_names[r] = [n for d, n in items if d > 0]
        out_effects[r] = "; ".join(f"{n} {d * 100:+.1f} pts" for d, n in items if d > 0)
    return {"names": out_names, "effects": out_effects}
