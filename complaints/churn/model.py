"""The churn model and what the complaint library adds to it (churn-eval).

`ChurnModel` is gradient boosting on a feature table from `build_features`. Operators hand over what
they have: a customer file with only a key and a plan, complaints without satisfaction scores. The
columns that are then entirely empty or constant carry nothing (and crash scikit-learn's binning), so
the model drops them and says which (`dropped_`); a feature set with nothing left falls back to a
constant score (AUC 0.5). `churn_eval` cross-validates the model on customer attributes alone and on
attributes plus complaint features: the difference in AUC / PR-AUC is the measured value of the
complaint library for churn. `at_risk` (the scored call list) is in `atrisk`.
"""

from __future__ import annotations

import datetime as dt
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
from .linkbase import LinkError

ATTRIBUTES = ["plan", "region", "tenure_days", "arpu", "contract_active", "days_to_contract_end", "ported_in"]
NOT_FEATURES = {"customer_key", "as_of", "model_version"}
FEATURE_SETS = ("attributes", "all")
MIN_POSITIVES = 50  # fewer port-outs than this: scores and AUCs swing a lot; say so
MIN_DATES = 6  # fewer as-of dates than this: the model has seen few months; say so

# Where an empty column's data would come from (shown when a feature is dropped).
SOURCES = {"plan": "客户文件的 套餐 列", "region": "客户文件的 地市 列", "tenure_days": "客户文件的 入网时间 列",
           "arpu": "客户文件的 ARPU 列", "contract_active": "客户文件的 合约到期 列",
           "days_to_contract_end": "客户文件的 合约到期 列", "ported_in": "携转记录中的携入",
           "mean_satisfaction_180d": "投诉文件的 满意度 列(及 办结时间)",
           "unresolved_complaints": "投诉文件的 办结时间 列", "escalations_90d": "投诉文件的 是否工信部申诉 列",
           "escalations_total": "投诉文件的 是否工信部申诉 列", "channels_90d": "投诉文件的 受理渠道 列"}


def _feature_columns(columns: Iterable[str], feature_set: str) -> list[str]:
    cols = [c for c in columns if c not in NOT_FEATURES and not c.startswith("ported_out_within_")]
    if feature_set == "attributes":
        return [c for c in cols if c in ATTRIBUTES]
    if feature_set == "all":
        return cols
    raise ValueError(f"feature_set must be one of {FEATURE_SETS}, got {feature_set!r}")


def unusable_columns(X: pd.DataFrame, columns: Iterable[str]) -> dict[str, str]:
    """Columns that carry nothing: 'empty' (every value missing) or 'constant' (one value throughout)."""
    out = {}
    for c in columns:
        s = X[c]
        if s.isna().all():
            out[c] = "empty"
        elif s.nunique(dropna=False) <= 1:
            out[c] = "constant"
    return out


def describe_dropped(dropped: dict[str, str], names: dict[str, tuple[str, str]] | None = None) -> str:
    """'全空: days_to_contract_end（需要客户文件的 合约到期 列）; 取值恒定: contract_active …' for messages;
    pain-point columns by their Chinese name (`names`: key -> (name, department))."""
    def shown(c: str) -> str:
        if c.startswith("pp_") and c.endswith("_90d") and names:
            return f"{c}（近90天没有{names.get(c[3:-4], (c[3:-4], ''))[0]}投诉）"
        return c + (f"（需要{SOURCES[c]}）" if c in SOURCES else "")

    parts = []
    for why, zh in (("empty", "全空"), ("constant", "取值恒定")):
        cols = [shown(c) for c, w in dropped.items() if w == why]
        if cols:
            parts.append(f"{zh}: " + ", ".join(cols))
    return "; ".join(parts)


class ChurnModel(ClassifierMixin, BaseEstimator):
    """Histogram gradient boosting on a feature table from `build_features`; string columns are
    native categoricals, missing values stay missing (the trees route them). Port-outs are rare, so
    the trees are small and regularised. Empty and constant columns are dropped (`dropped_`); with no
    usable column left the model predicts the training base rate. `n_threads` defaults to 1: OpenMP's
    spinning threads slow down many times over when the cores are shared with other work."""

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
        candidates = _feature_columns(X.columns, self.feature_set)
        y = np.asarray(y, dtype=int)
        self.dropped_ = unusable_columns(X, candidates)
        self.columns_ = [c for c in candidates if c not in self.dropped_]
        self.categories_ = {c: sorted(X[c].astype("string").fillna("(none)").astype(str).unique())
                            for c in self.columns_ if X[c].dtype == "string" or X[c].dtype == object}
        self.classes_ = np.array([0, 1])
        self.base_rate_ = float(y.mean()) if len(y) else 0.0
        if not self.columns_:
            self.model_ = None  # nothing to learn from: the base rate for everyone
            return self
        self.model_ = HistGradientBoostingClassifier(
            max_iter=self.max_iter, learning_rate=self.learning_rate, max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf, l2_regularization=self.l2_regularization,
            categorical_features="from_dtype", early_stopping=False, random_state=self.random_state)
        with threadpool_limits(self.n_threads):
            self.model_.fit(self._frame(X), y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "columns_")
        if self.model_ is None:
            return np.tile([1 - self.base_rate_, self.base_rate_], (len(X), 1))
        with threadpool_limits(self.n_threads):
            return self.model_.predict_proba(self._frame(X))

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.classes_[(self.predict_proba(X)[:, 1] >= 0.5).astype(int)]


def labelled(library: Library, as_of, label_horizon: int, model_version: int | None,
             progress: Callable[[int, int], None] | None = None,
             lexicons: str | None = None) -> tuple[pd.DataFrame, np.ndarray]:
    df = build_features(library, as_of, label_horizon=label_horizon, model_version=model_version,
                        lexicons=lexicons, progress=progress)
    y = df[label_column(label_horizon)].fillna(False).astype(bool).to_numpy()
    return df, y


def data_warnings(dates: int, positives: int, label_horizon: int, wanted_dates: int | None = None) -> list[str]:
    """What makes a churn model shaky, said in words an analyst can act on."""
    out = []
    if dates < MIN_DATES:
        of = f"（默认 {wanted_dates} 个）" if wanted_dates and wanted_dates > dates else ""
        out.append(f"只用了 {dates} 个观察日{of}训练/评估，少于建议的 {MIN_DATES} 个：模型只见过很少几个月。"
                   f"补充更早的投诉与携转历史，或缩短 --label-horizon")
    if positives < MIN_POSITIVES:
        out.append(f"只有 {positives} 个 {label_horizon} 天内携出的正例，少于建议的 {MIN_POSITIVES} 个："
                   "得分与 AUC 波动很大，只宜作粗略参考")
    return out


def churn_eval(library: Library, as_of: Iterable[dt.date | str], label_horizon: int = 30, folds: int = 5,
               model_version: int | None = None, seed: int = 0, max_iter: int = 100,
               progress: Callable[[str, int, int], None] | None = None, lexicons: str | None = None) -> dict:
    """Stratified, customer-grouped k-fold CV of ChurnModel on attributes alone and on attributes +
    complaint features: AUC and PR-AUC (mean ± sd over folds) for both, and the gain. Columns that are
    empty or constant in the whole table are dropped and named; a feature set with nothing left is
    scored as a constant (AUC 0.5, PR-AUC = the base rate)."""
    step = progress or (lambda *a: None)
    df, y = labelled(library, as_of, label_horizon, model_version, lambda d, n: step("features", d, n), lexicons)
    pos = int(y.sum())
    if pos < 2 * folds or len(y) - pos < 2 * folds:
        raise LinkError(f"{label_horizon} 天标签窗口内的 {len(y):,} 个客户快照中只有 {pos} 个携出，不够做 "
                        f"{folds} 折交叉验证：增加 --as-of 日期或加长 --label-horizon "
                        f"(only {pos} port-outs: too few for {folds}-fold CV; add --as-of dates)")
    dropped = unusable_columns(df, _feature_columns(df.columns, "all"))
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
        used = [c for c in _feature_columns(df.columns, fs) if c not in dropped]
        results[name] = {"features": len(used), "columns": used, "constant": not used,
                         "auc": float(np.mean(aucs)), "auc_sd": float(np.std(aucs)),
                         "pr_auc": float(np.mean(aps)), "pr_auc_sd": float(np.std(aps)),
                         "auc_pooled": float(roc_auc_score(y, oof)), "folds_auc": [float(a) for a in aucs]}
    step("done", 2 * folds, 2 * folds)
    a, b = results["attributes"], results["attributes+complaints"]
    dates = sorted({str(d) for d in df["as_of"]})
    return {"as_of": dates, "label": label_column(label_horizon),
            "label_horizon": label_horizon, "snapshots": int(len(df)), "customers": int(df["customer_key"].nunique()),
            "port_outs": pos, "base_rate": pos / len(y), "folds": folds, "model_version": int(df["model_version"].iloc[0]),
            "results": results, "auc_gain": b["auc"] - a["auc"], "pr_auc_gain": b["pr_auc"] - a["pr_auc"],
            "dropped": dropped, "warnings": data_warnings(len(dates), pos, label_horizon)}
