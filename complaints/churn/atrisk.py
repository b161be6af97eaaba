"""Early warning (预警): who is about to port out, how sure, why, and how many to call.

`at_risk` trains a `ChurnModel` on earlier as-of dates whose label windows have closed by the scoring
date, scores every active customer and puts them in tiers. Tiers follow the retention team's
capacity: a score threshold (`high=0.03`), a number of customers (`high_top=200`: the 200 riskiest)
or a share (`high_pct=1`: the riskiest 1%); `medium_*` sizes the next tier the same way. Each tier
shows its expected port-outs (the sum of its scores). Every flagged customer gets reasons
(`reasons.explain`): the pain points behind the score, and the non-complaint drivers with their
contribution. The result holds hashed keys only; `calllist` joins the operator's own customer file.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from ..config import Library
from ..store import open_store
from .features import build_features
from .linkbase import LinkError, follow_up_end, painpoint_names, to_date
from .model import ChurnModel, data_warnings, labelled
from .reasons import explain

TIERS = ("high", "medium", "low")
TIER_ZH = {"high": "高", "medium": "中", "low": "低"}


@dataclass
class TierRule:
    """How one tier is cut: a score threshold, the top N customers, or the top pct% (one of them)."""

    threshold: float | None = None
    top: int | None = None
    pct: float | None = None

    def text(self) -> str:
        if self.top is not None:
            return f"前 {self.top:,} 名"
        if self.pct is not None:
            return f"前 {self.pct:g}%"
        return f"得分 ≥ {self.threshold:.1%}"


def tier_rule(name: str, threshold: float, top: int | None, pct: float | None) -> TierRule:
    if top is not None and pct is not None:
        raise LinkError(f"--{name}-top 和 --{name}-pct 只能选一个 (give one of --{name}-top / --{name}-pct)")
    if top is not None and top < 0:
        raise LinkError(f"--{name}-top {top}: 应为 ≥ 0 的人数")
    if pct is not None and not 0 <= pct <= 100:
        raise LinkError(f"--{name}-pct {pct}: 应在 0 到 100 之间（百分比）")
    return TierRule(None if top is not None or pct is not None else threshold, top, pct)


def assign_tiers(score: np.ndarray, high: TierRule, medium: TierRule) -> np.ndarray:
    """`score` sorted descending; tiers are prefixes: high first, medium next, then low."""
    n = len(score)

    def size(rule: TierRule, start: int) -> int:
        if rule.top is not None:
            return min(rule.top, n - start)
        if rule.pct is not None:
            return min(math.ceil(n * rule.pct / 100), n - start)
        return int((score[start:] >= rule.threshold).sum())

    n_high = size(high, 0)
    n_medium = size(medium, n_high)
    return np.array(["high"] * n_high + ["medium"] * n_medium + ["low"] * (n - n_high - n_medium))


@dataclass
class AtRisk:
    """Scored customers, riskiest first, with tiers, reasons and the training it rests on."""

    customers: pd.DataFrame
    as_of: dt.date
    label_horizon: int
    thresholds: dict[str, float]  # the lowest score in each flagged tier (the rule's effective cut)
    train_as_of: list[dt.date]
    train_rows: int
    train_port_outs: int
    tier_counts: dict[str, int] = field(default_factory=dict)
    tiers: list[dict] = field(default_factory=list)  # per tier: rule, customers, expected port-outs, scores
    dropped: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self, max_rows: int | None = None) -> dict:
        df = self.customers if max_rows is None else self.customers.head(max_rows)
        recs = df.astype(object).where(df.notna(), None).to_dict("records")
        return {"as_of": str(self.as_of), "label_horizon": self.label_horizon, "thresholds": self.thresholds,
                "train_as_of": [str(d) for d in self.train_as_of], "train_dates": len(self.train_as_of),
                "train_rows": self.train_rows, "train_port_outs": self.train_port_outs,
                "tier_counts": self.tier_counts, "tiers": self.tiers, "dropped": self.dropped,
                "warnings": self.warnings, "customers": recs}


def training_dates(as_of: dt.date, horizon: int, fu: dt.date, first: dt.date, n: int = 12,
                   step_days: int = 30) -> list[dt.date]:
    """Monthly as-of dates before `as_of` whose label windows closed before it (and within the port data),
    each with at least 90 days of complaint history."""
    last = min(as_of - dt.timedelta(days=horizon), fu - dt.timedelta(days=horizon - 1))
    out = [last - dt.timedelta(days=step_days * k) for k in range(n)]
    return sorted(d for d in out if d >= first + dt.timedelta(days=90))


def _training(library: Library, day: dt.date, label_horizon: int, train_as_of, train_months: int) -> list[dt.date]:
    with open_store(library) as s:
        fu = follow_up_end(s)
        first = s.scalar("SELECT min(received_at)::DATE FROM complaints")
    if train_as_of is None:
        dates = training_dates(day, label_horizon, fu, first or day, n=train_months)
    else:
        dates = sorted({to_date(d, "train_as_of") for d in train_as_of})
        late = [d for d in dates if d + dt.timedelta(days=label_horizon) > day]
        if late:
            raise LinkError(f"训练日 {late[0]} 的 {label_horizon} 天标签窗口越过了评分日 {day}，等于用未来训练 "
                            f"(its label window reaches past the scoring date, which would train on the future)")
    if not dates:
        raise LinkError(f"没有可用的训练日：携转记录到 {fu}，投诉从 {first} 开始；给 {day} 评分需要更早、"
                        f"{label_horizon} 天标签窗口已结束且有 90 天投诉历史的观察日 (no training dates)")
    return dates


def _tier_table(out: pd.DataFrame, rules: dict[str, TierRule | None]) -> list[dict]:
    rows = []
    for t in TIERS:
        s = out.loc[out["tier"] == t, "score"]
        rows.append({"tier": t, "tier_zh": TIER_ZH[t], "rule": rules[t].text() if rules.get(t) else "其余",
                     "customers": int(len(s)), "expected_port_outs": round(float(s.sum()), 1),
                     "mean_score": float(s.mean()) if len(s) else None,
                     "min_score": float(s.min()) if len(s) else None})
    return rows


def at_risk(library: Library, as_of: dt.date | str, label_horizon: int = 30, high: float = 0.03,
            medium: float = 0.01, high_top: int | None = None, medium_top: int | None = None,
            high_pct: float | None = None, medium_pct: float | None = None,
            train_as_of: Iterable[dt.date | str] | None = None, model_version: int | None = None,
            max_reasons: int = 3, seed: int = 0, max_iter: int = 100, train_months: int = 12,
            lexicons: str | None = None, progress: Callable[[str, int, int], None] | None = None) -> AtRisk:
    """Score every customer active on `as_of` for a port-out request in the next `label_horizon` days,
    tier them (see the module docstring) and explain every flagged score."""
    step = progress or (lambda *a: None)
    day = to_date(as_of, "as_of")
    if high_top is None and high_pct is None and medium_top is None and medium_pct is None \
            and not 0 < medium <= high <= 1:
        raise LinkError(f"阈值需满足 0 < medium ≤ high ≤ 1 (thresholds must satisfy 0 < medium ≤ high ≤ 1), "
                        f"got medium={medium}, high={high}")
    rules = {"high": tier_rule("high", high, high_top, high_pct), "medium": tier_rule("medium", medium, medium_top,
                                                                                       medium_pct), "low": None}
    dates = _training(library, day, label_horizon, train_as_of, train_months)
    train, y = labelled(library, dates, label_horizon, model_version,
                        lambda d, n: step("training features", d, n), lexicons)
    if y.sum() < 5:
        raise LinkError(f"训练标签窗口内只有 {int(y.sum())} 个携出（{', '.join(map(str, dates))}），至少需要 5 个："
                        "补充更多历史或加长 --label-horizon (need at least 5 port-outs)")
    step("training", 0, 1)
    model = ChurnModel("all", max_iter=max_iter, random_state=seed).fit(train, y)
    step("scoring", 0, 1)
    now = build_features(library, [day], model_version=model_version, lexicons=lexicons)
    raw = model.predict_proba(now)[:, 1].round(5)  # tiers cut on the score as written
    order = np.lexsort((now["customer_key"].astype(str).to_numpy(), -raw))
    now, score = now.iloc[order].reset_index(drop=True), raw[order]
    tier = assign_tiers(score, rules["high"], rules["medium"])
    step("reasons", 0, 1)
    names = painpoint_names(lexicons)
    why = explain(model, now, score, tier != "low", names, max_reasons)
    cols = ["customer_key", "plan", "region", "tenure_days", "arpu", "contract_active", "complaints_90d",
            "days_since_last_complaint", "porting_complaint_90d", "port_out_in_progress"]
    out = now[cols].copy()
    out.insert(1, "score", score)
    out.insert(2, "tier", tier)
    for i, c in enumerate(["reasons", "painpoints", "painpoint_effects", "drivers", "reason_keys"]):
        out.insert(3 + i, c, why[c])
    out.insert(8, "recent_painpoints", why["recent"])
    counts = {t: int((out["tier"] == t).sum()) for t in TIERS}
    cut = {t: float(out.loc[out["tier"] == t, "score"].min()) if counts[t] else None for t in ("high", "medium")}
    warnings = data_warnings(len(dates), int(y.sum()), label_horizon, train_months if train_as_of is None else None)
    return AtRisk(out, day, label_horizon, cut, dates, int(len(train)), int(y.sum()), counts,
                  _tier_table(out, rules), model.dropped_, warnings)
