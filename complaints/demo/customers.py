"""Step 1 of the demo generator: the subscriber base (city, plan, ARPU, tenure, contract, port-ins) and each
customer's attribute hazard of porting out; also the customers.csv table.

Its own step because every later draw (complaints, port events) reads these arrays. Its draws come first
from the shared numpy generator; their order is part of the output (byte-identical files per seed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from .vocabulary import ATTRIBUTE_EFFECTS, BASE_MONTHLY_HAZARD, CITIES, PLANS, _MOBILE_PREFIXES


@dataclass
class Customers:
    """One entry per customer; the last ``n_in`` customers joined during the period by porting in.
    Days are indices from the period start (negative: before it)."""

    n: int
    n_in: int
    phone: np.ndarray          # mobile number (str)
    orphan_pool: np.ndarray    # spare numbers (int64) nobody holds, for port orders without a customer
    city: np.ndarray           # index into CITIES
    city_w: np.ndarray         # city shares, normalised
    plan: np.ndarray           # index into PLANS
    arpu: np.ndarray
    is_in: np.ndarray          # ported in during the period
    join_day: np.ndarray
    active_from: np.ndarray    # first day the customer can complain
    years_int: np.ndarray      # whole years with the operator, at least 1
    fam: np.ndarray            # on a family / converged plan
    contract_end: np.ndarray   # day index; -10**6: no contract
    attr_h: np.ndarray         # daily port-out hazard from the attributes alone
    eligible_from: np.ndarray  # first day a port-out is allowed


def _unique_numbers(rng: np.random.Generator, n: int, prefixes: list[str]) -> np.ndarray:
    """n distinct 11-digit numbers (as int64), deterministic order."""
    pref = np.array([int(p) for p in prefixes], dtype=np.int64)
    out = np.empty(0, dtype=np.int64)
    while out.size < n:
        m = int((n - out.size) * 1.2) + 16
        cand = pref[rng.integers(0, len(pref), m)] * 100_000_000 + rng.integers(0, 100_000_000, m)
        allc = np.concatenate([out, cand])
        _, first = np.unique(allc, return_index=True)
        out = allc[np.sort(first)]
    return out[:n]


def draw_customers(rng: np.random.Generator, n_customers: int, D: int) -> Customers:
    """The customers of a period of ``D`` days."""
    n_in = max(1, int(round(n_customers * 0.01)))
    n_base = n_customers - n_in
    n = n_customers
    numbers = _unique_numbers(rng, n + max(50, n // 100), _MOBILE_PREFIXES)
    orphan_pool = numbers[n:]
    numbers = numbers[:n]
    phone = numbers.astype(str)

    city_w = np.array([c[1] for c in CITIES]); city_w /= city_w.sum()
    city = rng.choice(len(CITIES), n, p=city_w)
    plan_w = np.array([p[2] for p in PLANS]); plan_w /= plan_w.sum()
    plan = rng.choice(len(PLANS), n, p=plan_w)
    price = np.array([p[1] for p in PLANS])[plan]
    arpu = price * rng.lognormal(0.0, 0.22, n) + rng.gamma(1.2, 6.0, n) * (rng.random(n) < 0.35)
    arpu = np.round(np.maximum(arpu, 3.0), 2)
    is_in = np.zeros(n, dtype=bool)
    is_in[n_base:] = True

    # tenure (years before start) for base customers; join day (days from start) for port-ins
    seg = rng.choice(4, n, p=[0.14, 0.2, 0.3, 0.36])
    lo = np.array([0.15, 1, 3, 8])[seg]
    hi = np.array([1, 3, 8, 22])[seg]
    tenure = lo + (hi - lo) * rng.random(n)
    join_day = -np.round(tenure * 365.25).astype(np.int64)
    n_in_days = rng.integers(10, D - 60, n_in)
    join_day[n_base:] = np.sort(n_in_days)
    tenure[n_base:] = 0.0
    active_from = np.maximum(join_day, 0)
    years_int = np.maximum(1, np.round(tenure)).astype(int)

    fam = np.array(["融合" in p[0] or "全家享" in p[0] for p in PLANS])[plan]
    has_contract = rng.random(n) < np.where(fam, 0.72, 0.42)
    has_contract[n_base:] = rng.random(n_in) < 0.35
    contract_end = np.full(n, -10**6, dtype=np.int64)  # day index; -inf -> no contract
    ce = rng.integers(-365, D + 730, n)
    ce_in = join_day + rng.choice([365, 730], n)
    ce = np.where(is_in, ce_in, ce)
    contract_end[has_contract] = ce[has_contract]

    # attribute hazard multipliers
    tb = ATTRIBUTE_EFFECTS["tenure_years"]
    ab = ATTRIBUTE_EFFECTS["arpu"]
    t_mult = np.array(tb["multipliers"])[np.digitize(tenure, [1, 3, 8])]
    a_mult = np.array(ab["multipliers"])[np.digitize(arpu, [30, 80, 150])]
    p_mult = np.where(fam, 0.75, 1.0)
    in_mult = np.where(is_in, ATTRIBUTE_EFFECTS["ported_in"]["multiplier"], 1.0)
    attr_h = BASE_MONTHLY_HAZARD / 30.0 * t_mult * a_mult * p_mult * in_mult
    eligible_from = np.where(is_in, join_day + ATTRIBUTE_EFFECTS["ported_in"]["lock_days"], 0)
    return Customers(n=n, n_in=n_in, phone=phone, orphan_pool=orphan_pool, city=city, city_w=city_w, plan=plan,
                     arpu=arpu, is_in=is_in, join_day=join_day, active_from=active_from, years_int=years_int,
                     fam=fam, contract_end=contract_end, attr_h=attr_h, eligible_from=eligible_from)


def customers_frame(cu: Customers, d0: date) -> pd.DataFrame:
    """customers.csv: one row per subscriber."""
    city_names = [c[0] for c in CITIES]
    plan_names = [p[0] for p in PLANS]
    join_dates = [(d0 + timedelta(days=int(j))).isoformat() for j in cu.join_day.tolist()]
    ce_str = ["" if c < -10**5 else (d0 + timedelta(days=int(c))).isoformat() for c in cu.contract_end.tolist()]
    return pd.DataFrame({
        "用户号码": cu.phone,
        "套餐": np.array(plan_names)[cu.plan],
        "入网时间": join_dates,
        "地市": np.array(city_names)[cu.city],
        "ARPU": [f"{a:.2f}" for a in cu.arpu.tolist()],
        "合约到期": ce_str,
    })
