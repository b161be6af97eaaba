"""Step 2 of the demo generator: who complains, on which day, about which pain point (with the emerging topic
in the last weeks and an occasional second pain point), and which complaints are re-filed through another
channel a few days later.

Only the events, no text or channel yet: the port-out simulation needs them first, and it decides which
complaints are never filed because the customer has left. The order of the draws from the shared numpy
generator is part of the output (byte-identical files per seed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from .customers import Customers
from .helpers import _choice_rows
from .vocabulary import EMERGING, PAIN_POINTS, _EMERGING_IDX, _N_PP

#: dispersion of the negative binomial complaint count per customer (gamma-Poisson)
COUNT_DISPERSION = 0.35


@dataclass
class Complaints:
    """One entry per complaint: customer index, day index, pain point index (``_EMERGING_IDX`` for the
    emerging topic), second pain point mentioned (-1: none), and the complaint it repeats (-1: none)."""

    cust: np.ndarray
    day: np.ndarray
    pp: np.ndarray
    sec: np.ndarray
    orig: np.ndarray


def emerging_first_day(D: int) -> int:
    """Day index from which the emerging topic can appear."""
    return D - EMERGING["window_days"]


def _cny_day(year: int) -> date:
    table = {2023: date(2023, 1, 22), 2024: date(2024, 2, 10), 2025: date(2025, 1, 29), 2026: date(2026, 2, 17),
             2027: date(2027, 2, 6), 2028: date(2028, 1, 26), 2029: date(2029, 2, 13), 2030: date(2030, 2, 3)}
    return table.get(year, date(year, 2, 5))


def _day_weights(d0: date, n_days: int) -> np.ndarray:
    """Complaint volume curve: summer peak, slight upward trend, weekly pattern, bill-day bump, holidays."""
    weekday = np.array([1.12, 1.08, 1.05, 1.03, 1.0, 0.82, 0.76])
    w = np.empty(n_days)
    for i in range(n_days):
        d = d0 + timedelta(days=i)
        doy = d.timetuple().tm_yday
        v = (1 + 0.13 * math.cos(2 * math.pi * (doy - 200) / 365.25)) * (1 + 0.08 * i / max(n_days, 1))
        v *= weekday[d.weekday()]
        if d.day <= 5:
            v *= 1.15
        cny = _cny_day(d.year)
        if 0 <= (d - cny).days <= 7 or -2 <= (d - cny).days < 0:
            v *= 0.6
        if d.month == 10 and d.day <= 7:
            v *= 0.75
        w[i] = v
    return w


def draw_originals(rng: np.random.Generator, cu: Customers, d0: date, D: int,
                   complaints_per_customer: float) -> Complaints:
    """Original complaints, sorted by customer and day."""
    n, active_from, fam, contract_end = cu.n, cu.active_from, cu.fam, cu.contract_end
    dispersion = COUNT_DISPERSION
    exposure = (D - active_from) / D
    lam = rng.gamma(dispersion, complaints_per_customer / dispersion, n) * exposure
    counts = rng.poisson(lam)
    m0 = int(counts.sum())
    c_cust = np.repeat(np.arange(n), counts)
    day_w = _day_weights(d0, D)
    cdf = np.cumsum(day_w) / day_w.sum()
    lo_u = np.where(active_from[c_cust] > 0, cdf[np.maximum(active_from[c_cust] - 1, 0)], 0.0)
    u = lo_u + (1 - lo_u) * rng.random(m0)
    c_day = np.minimum(np.searchsorted(cdf, u, side="right"), D - 1)
    c_day = np.maximum(c_day, active_from[c_cust])
    order = np.lexsort((c_day, c_cust))
    c_cust, c_day = c_cust[order], c_day[order]

    # pain points: customer-specific weights, repeat complainers often repeat their first pain point
    base_w = np.array([p[3] for p in PAIN_POINTS])
    W = np.tile(base_w, (m0, 1))
    cf = fam[c_cust]
    W[:, 1] *= np.where(cf, 3.0, 0.25)
    cc = (contract_end[c_cust] >= c_day)
    W[:, 9] *= np.where(cc, 2.2, 0.5)
    W[:, 10] *= np.where(cc, 1.5, 0.8)
    W[:, 6] *= np.where(cc, 1.4, 1.0)
    c_pp = _choice_rows(rng, W)
    first = np.ones(m0, dtype=bool)
    first[1:] = c_cust[1:] != c_cust[:-1]
    first_idx = np.maximum.accumulate(np.where(first, np.arange(m0), 0))
    anchor = c_pp[first_idx]
    reuse = (~first) & (rng.random(m0) < 0.4)
    c_pp = np.where(reuse, anchor, c_pp)

    # emerging topic in the last window
    em_first = emerging_first_day(D)
    ramp = np.clip((c_day - em_first) / max(D - 1 - em_first, 1), 0, 1)
    em_p = np.where(c_day >= em_first, 0.012 + 0.045 * ramp, 0.0)
    c_pp = np.where(rng.random(m0) < em_p, _EMERGING_IDX, c_pp)

    # second pain point mentioned in the text
    c_sec = np.full(m0, -1)
    has_sec = rng.random(m0) < 0.08
    sec_draw = (np.minimum(c_pp, _N_PP - 1) + rng.integers(1, _N_PP, m0)) % _N_PP
    c_sec = np.where(has_sec, sec_draw, c_sec)
    c_sec = np.where(c_sec == c_pp, -1, c_sec)
    return Complaints(cust=c_cust, day=c_day, pp=c_pp, sec=c_sec, orig=np.full(m0, -1))


def add_repeats(rng: np.random.Generator, originals: Complaints, D: int) -> Complaints:
    """About 3% of the complaints are re-filed 1-20 days later (inside the period); the repeats are appended
    after the originals and point to them through ``orig``."""
    c_cust, c_day, c_pp, c_sec = originals.cust, originals.day, originals.pp, originals.sec
    m0 = c_cust.size
    rep_mask = rng.random(m0) < 0.031
    rep_src = np.flatnonzero(rep_mask)
    rep_day = c_day[rep_src] + rng.integers(1, 21, rep_src.size)
    keep = rep_day < D
    rep_src, rep_day = rep_src[keep], rep_day[keep]
    cust = np.concatenate([c_cust, c_cust[rep_src]])
    day = np.concatenate([c_day, rep_day])
    pp = np.concatenate([c_pp, c_pp[rep_src]])
    sec = np.concatenate([c_sec, c_sec[rep_src]])
    orig = np.concatenate([originals.orig, rep_src])
    return Complaints(cust=cust, day=day, pp=pp, sec=sec, orig=orig)
