"""Why a customer is flagged: the score's drivers, measured on the model itself.

A driver's contribution is how many percentage points the score drops when that one thing is set to
what a typical customer has: a pain point's 90-day complaints to zero, the customer's complaining as
a whole to none, tenure / ARPU to the median, plan / region to the most common one, a contract to
none, a port-out request in progress to none. Pain points come first (they are what the service
teams can fix); the non-complaint drivers (tenure, plan, ARPU, contract, port-out in progress …)
fill up the reasons, so every flagged customer has some. When no single change lowers the score
(the risk lies in a combination), the drivers are applied one after another, largest first, and each
is credited with the drop at its step: the steps add up to the score minus a typical customer's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .model import ChurnModel

COMPLAINT_PREFIXES = ("complaints_", "pp_")
COMPLAINT_COLUMNS = ("days_since_last_complaint", "repeat_complaints_90d", "same_topic_repeats_90d",
                     "escalations_90d", "escalations_total", "unresolved_complaints", "mean_satisfaction_180d",
                     "channels_90d", "emerging_share_90d", "porting_complaint_90d")
# driver key -> the columns it sets (to the reference of `_reference`)
DRIVERS = {"port_out": ("port_out_in_progress", "port_out_requests_180d"), "tenure": ("tenure_days",),
           "plan": ("plan",), "arpu": ("arpu",), "contract": ("contract_active", "days_to_contract_end"),
           "region": ("region",), "ported_in": ("ported_in",)}


def _pts(d: float) -> str:
    return f"+{d * 100:.1f}个百分点"


def _reference(X: pd.DataFrame) -> dict:
    """What a typical customer has: medians, most common values, no contract, no port-out request."""
    ref: dict = {"port_out_in_progress": False, "port_out_requests_180d": 0, "contract_active": False,
                 "days_to_contract_end": pd.NA, "ported_in": False}
    for c in ("tenure_days", "arpu"):
        if c in X:
            m = pd.to_numeric(X[c].astype("Float64"), errors="coerce").median()
            ref[c] = pd.NA if pd.isna(m) else m
    for c in ("plan", "region"):
        if c in X:
            mode = X[c].dropna().mode()
            ref[c] = mode.iloc[0] if len(mode) else pd.NA
    return ref


def _no_complaints(cf: pd.DataFrame) -> None:
    for c in cf.columns:
        if c.startswith(COMPLAINT_PREFIXES) or c in COMPLAINT_COLUMNS:
            if c in ("days_since_last_complaint", "mean_satisfaction_180d", "emerging_share_90d"):
                cf[c] = pd.NA
            elif c == "porting_complaint_90d":
                cf[c] = False
            else:
                cf[c] = 0


def _driver_label(key: str, r: dict) -> str:
    if key == "port_out":
        return "携出申请进行中" if r.get("port_out_in_progress") else \
            f"近180天提过 {int(r.get('port_out_requests_180d') or 0)} 次携出申请"
    if key == "tenure":
        d = r.get("tenure_days")
        return "在网时长未知" if pd.isna(d) else (f"在网 {int(d)} 天" if d < 730 else f"在网 {d / 365:.0f} 年")
    if key == "plan":
        return f"套餐 {r.get('plan')}"
    if key == "arpu":
        a = r.get("arpu")
        return "ARPU 未知" if pd.isna(a) else f"ARPU {float(a):.0f} 元"
    if key == "contract":
        d = r.get("days_to_contract_end")
        if pd.isna(d):
            return "无合约"
        return f"合约剩 {int(d)} 天到期" if d >= 0 else f"合约已到期 {-int(d)} 天"
    if key == "region":
        return f"地市 {r.get('region')}"
    if key == "ported_in":
        return "携入客户"
    return key


def _complaints_label(r: dict, names: dict[str, tuple[str, str]]) -> str:
    n = int(r.get("complaints_90d") or 0)
    if n:
        about = "、".join(names.get(k, (k, ""))[0] for k in _recent_keys(r)[:2])
        return f"近90天投诉 {n} 次" + (f"（{about}）" if about else "")
    d = r.get("days_since_last_complaint")
    return "曾投诉" if pd.isna(d) else f"{int(d)} 天前投诉过"


def _recent_keys(r: dict) -> list[str]:
    """The pain points of a customer's 90-day complaints, most complaints first."""
    counts = [(int(v or 0), c[3:-4]) for c, v in r.items() if c.startswith("pp_") and c.endswith("_90d")
              and not pd.isna(v) and v]
    return [k for _, k in sorted(counts, key=lambda t: -t[0])]


def _groups(model: ChurnModel, X: pd.DataFrame, names: dict[str, tuple[str, str]], ref: dict):
    """(key, label(row) , rows-to-consider mask, counterfactual setter) for each driver the model uses."""
    used = set(model.columns_)
    out = []
    for col in [c for c in X.columns if c.startswith("pp_") and c.endswith("_90d") and c in used]:
        pp = col[3:-4]

        def set_pp(cf, col=col, pp=pp):
            cf[col] = 0
            if pp == "porting" and "porting_complaint_90d" in cf:
                cf["porting_complaint_90d"] = False
        out.append((f"pp:{pp}", lambda r, pp=pp: f"{names.get(pp, (pp, ''))[0]}投诉",
                    X[col].fillna(0).to_numpy() > 0, set_pp))
    if any(c.startswith(COMPLAINT_PREFIXES) or c in COMPLAINT_COLUMNS for c in used):
        out.append(("complaints", lambda r: _complaints_label(r, names),
                    X["complaints_total"].fillna(0).to_numpy() > 0, _no_complaints))
    for key, cols in DRIVERS.items():
        if not used & set(cols):
            continue
        differs = np.zeros(len(X), dtype=bool)
        for c in cols:
            v, r = X[c], ref.get(c, pd.NA)
            differs |= (v.notna().to_numpy() if pd.isna(r) else (v.isna() | (v != r)).fillna(True).to_numpy())

        def set_ref(cf, cols=cols):
            for c in cols:
                cf[c] = ref.get(c, pd.NA)
        out.append((f"driver:{key}", lambda r, key=key: _driver_label(key, r), differs, set_ref))
    return out


def explain(model: ChurnModel, X: pd.DataFrame, score: np.ndarray, flagged: np.ndarray,
            names: dict[str, tuple[str, str]], k: int = 3) -> dict[str, list]:
    """Per row (empty for rows not flagged): reasons text, pain point names, their effects, non-complaint
    drivers, the keys behind the reasons (pp:KEY / driver:KEY / complaints) and recent pain points."""
    idx = np.flatnonzero(flagged)
    ref = _reference(X)
    groups = _groups(model, X, names, ref)
    effects: dict[int, list[tuple[float, str, str]]] = {i: [] for i in idx.tolist()}
    records = X.iloc[idx].to_dict("records")
    rec = dict(zip(idx.tolist(), records))
    for key, label, mask, setter in groups:
        rows = idx[mask[idx]]
        if rows.size == 0:
            continue
        cf = X.iloc[rows].copy()
        setter(cf)
        delta = score[rows] - model.predict_proba(cf)[:, 1]
        for r, d in zip(rows.tolist(), delta.tolist()):
            effects[r].append((d, key, label(rec[r])))
    stuck = [r for r, items in effects.items() if not any(d > 0.0005 for d, _, _ in items)]
    if stuck:
        _sequential(model, X, score, np.array(stuck), groups, rec, effects)
    n = len(X)
    out = {c: [[] if c in ("painpoints", "reason_keys") else "" for _ in range(n)]
           for c in ("reasons", "painpoints", "painpoint_effects", "drivers", "reason_keys")}
    for r, items in effects.items():
        pos = sorted([t for t in items if t[0] > 0.0005], key=lambda t: -t[0])
        pps = [t for t in pos if t[1].startswith("pp:")]
        # complaining as a whole only speaks when no pain point does (it would count the same complaints twice)
        rest = [t for t in pos if not t[1].startswith("pp:") and not (pps and t[1] == "complaints")]
        picked = pps[:k] + rest[: max(k - len(pps[:k]), 1 if not pps else 0)]
        out["painpoints"][r] = [lab[:-2] for _, _, lab in pps[:k]]
        out["painpoint_effects"][r] = "; ".join(f"{lab[:-2]} {_pts(d)}" for d, _, lab in pps[:k])
        out["drivers"][r] = "; ".join(f"{lab} {_pts(d)}" for d, key, lab in rest[:k] if key != "complaints")
        out["reasons"][r] = "; ".join(f"{lab} {_pts(d)}" for d, _, lab in picked) or "无单项突出因素（综合画像）"
        # complaining as a whole: the pain points complained about say what to do about it
        out["reason_keys"][r] = [key if key != "complaints" else "complaints:" + ",".join(_recent_keys(rec[r])[:2])
                                 for _, key, _ in picked]
    out["recent"] = _recent(X, names)
    return out


def _sequential(model, X, score, rows, groups, rec, effects) -> None:
    """For rows where no single change lowers the score: apply the drivers one after another (largest
    mean single effect first) and credit each with the drop at its step. A setter changes nothing where
    its mask is false (the value already is the reference), so it is applied to every row at once."""
    drops: dict[str, list[float]] = {}
    for r in rows.tolist():
        for d, key, _ in effects[r]:
            drops.setdefault(key, []).append(d)
        effects[r] = []
    order = sorted(range(len(groups)), key=lambda gi: -float(np.mean(drops.get(groups[gi][0], [0.0]))))
    cf = X.iloc[rows].copy()
    prev = score[rows].copy()
    for gi in order:
        key, label, mask, setter = groups[gi]
        apply = mask[rows]
        if not apply.any():
            continue
        setter(cf)
        now = model.predict_proba(cf)[:, 1]
        for j in np.flatnonzero(apply).tolist():
            r = int(rows[j])
            effects[r].append((float(prev[j] - now[j]), key, label(rec[r])))
        prev = now


def _recent(X: pd.DataFrame, names: dict[str, tuple[str, str]]) -> list[list[str]]:
    """Pain points each customer complained about in the last 90 days, most complaints first."""
    cols = [c for c in X.columns if c.startswith("pp_") and c.endswith("_90d")]
    counts = X[cols].fillna(0).to_numpy(int)
    labels = [names.get(c[3:-4], (c[3:-4], ""))[0] for c in cols]
    return [[labels[j] for j in np.argsort(-row, kind="stable") if row[j] > 0] for row in counts]
