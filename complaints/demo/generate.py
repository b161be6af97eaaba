"""Realistic synthetic operator data with a known ground truth.

``generate(out_dir)`` writes what a Chinese mobile operator's province branch would hand over:

* ``complaints.csv``            - hotline / app / shop / web ticket export (UTF-8, Chinese headers)
* ``complaints_weibo_gbk.csv``  - smaller social-media / regulator export (GB18030, other headers, CRLF)
* ``customers.csv``             - one row per subscriber (plan, tenure, ARPU, contract end)
* ``ports.csv``                 - number-porting (携号转网) orders, out and in
* ``ground_truth.json``         - the planted truth: pain point of every complaint, hazard multipliers,
                                  expected and observed 90-day port-out rates, duplicates, emerging topic, ...

The generative story (all of it is written into ``ground_truth.json``):

1. Customers get a city, plan, ARPU, tenure and (for about half) a contract end date.  About 1% of the
   customers joined during the period by porting in from another operator.
2. Each customer's complaint count is negative binomial (most customers none, a few many); complaint
   dates follow a seasonal / weekly volume curve.  Each complaint has one true pain point (the
   customer's earlier pain point is often repeated), ~8% mention a second one.  In the last six weeks a
   new topic (double charging after a billing-system upgrade) appears.  ~3% of complaints are re-filed
   through another channel 1-20 days later with a near-identical text.
3. Port-out requests are sampled day by day from a hazard
   ``h(c, d) = h0/30 * attribute multipliers(c) * contract(c, d) * max(pain point multipliers of
   complaints of c filed in the 90 days up to d)``.  Customers who actually leave stop complaining.
4. Texts are built from per-pain-point sentence templates with slots plus channel-specific styles
   (agent-written hotline summaries, first-person app texts, Weibo posts, regulator appeals), and
   realistic noise: personal data, traditional characters, full-width digits, HTML remnants, emoji.

Only numpy, pandas and the standard library are used; output is byte-identical for a given seed.
"""

from __future__ import annotations

import json
import math
import random
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from .noise import _add_noise, _repeat_edit
from .textmaker import _TextMaker
from .truth import _ground_truth
from .vocabulary import (ATTRIBUTE_EFFECTS, BASE_MONTHLY_HAZARD, CHANNELS, CITIES, EFFECT_WINDOW_DAYS, EMERGING,
                         OPERATORS_IN, OPERATORS_OUT, PAIN_POINTS, PLANS, PROVINCE, _CH_MAIN, _CH_WEIGHTS,
                         _EMERGING_IDX, _MOBILE_PREFIXES, _MULT, _N_PP, _PP_NAMES, _REGULATOR_CH)

__all__ = ["generate"]


# --------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------


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


def _choice_rows(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """Row-wise categorical draws from an (n, k) weight matrix."""
    cum = np.cumsum(weights, axis=1)
    u = rng.random(weights.shape[0]) * cum[:, -1]
    return np.minimum((u[:, None] >= cum).sum(axis=1), weights.shape[1] - 1)


def _fmt_ts(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%d %H:%M:%S")


# --------------------------------------------------------------------------------------------------
# generate
# --------------------------------------------------------------------------------------------------


def generate(out_dir: str | Path, n_customers: int = 20000, seed: int = 7,
             start: str = "2025-06-01", end: str = "2026-10-31",
             complaints_per_customer: float = 1.5,
             progress: Callable[[int], None] | None = None) -> dict:
    """Write the synthetic data set into ``out_dir`` and return a summary.

    ``progress`` (optional) is called with a completion percentage (0-100).
    The files are byte-identical for equal arguments.
    """
    t_start = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report = progress or (lambda pct: None)
    report(0)

    d0 = date.fromisoformat(start)
    d1 = date.fromisoformat(end)
    D = (d1 - d0).days + 1
    if D < 120:
        raise ValueError("the period must be at least 120 days long")
    if n_customers < 100:
        raise ValueError("n_customers must be at least 100")
    rng = np.random.default_rng(seed)
    rnd = random.Random(seed * 7919 + 13)
    export_ts = datetime(d1.year, d1.month, d1.day, 23, 59, 59)
    base_dt = datetime(d0.year, d0.month, d0.day)

    # ---------------------------------------------------------------- customers
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
    report(5)

    # ---------------------------------------------------------------- complaints (original)
    dispersion = 0.35
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
    em_first = D - EMERGING["window_days"]
    ramp = np.clip((c_day - em_first) / max(D - 1 - em_first, 1), 0, 1)
    em_p = np.where(c_day >= em_first, 0.012 + 0.045 * ramp, 0.0)
    c_pp = np.where(rng.random(m0) < em_p, _EMERGING_IDX, c_pp)

    # second pain point mentioned in the text
    c_sec = np.full(m0, -1)
    has_sec = rng.random(m0) < 0.08
    sec_draw = (np.minimum(c_pp, _N_PP - 1) + rng.integers(1, _N_PP, m0)) % _N_PP
    c_sec = np.where(has_sec, sec_draw, c_sec)
    c_sec = np.where(c_sec == c_pp, -1, c_sec)

    # ---------------------------------------------------------------- cross-channel repeats
    rep_mask = rng.random(m0) < 0.031
    rep_src = np.flatnonzero(rep_mask)
    rep_day = c_day[rep_src] + rng.integers(1, 21, rep_src.size)
    keep = rep_day < D
    rep_src, rep_day = rep_src[keep], rep_day[keep]
    m1 = m0 + rep_src.size
    cust = np.concatenate([c_cust, c_cust[rep_src]])
    day = np.concatenate([c_day, rep_day])
    pp = np.concatenate([c_pp, c_pp[rep_src]])
    sec = np.concatenate([c_sec, c_sec[rep_src]])
    orig = np.concatenate([np.full(m0, -1), rep_src])
    report(15)

    # ---------------------------------------------------------------- port-out hazard simulation
    mult = _MULT[pp]
    E = rng.exponential(1.0, n)
    port_day = np.full(n, -1, dtype=np.int64)
    exp_sum = np.zeros(_N_PP + 1)
    exp_cnt = np.zeros(_N_PP + 1)
    base_rate90 = np.zeros(n)
    comp_by_cust = np.argsort(cust, kind="stable")
    cust_sorted = cust[comp_by_cust]
    days_idx = np.arange(D)
    chunk = 4096
    win = np.arange(EFFECT_WINDOW_DAYS)
    for s in range(0, n, chunk):
        e = min(n, s + chunk)
        rows = e - s
        elig = days_idx[None, :] >= eligible_from[s:e, None]
        contr = np.where(days_idx[None, :] <= contract_end[s:e, None], ATTRIBUTE_EFFECTS["contract_active"]["multiplier"], 1.0)
        base = attr_h[s:e, None] * contr * elig
        Mx = np.ones((rows, D))
        a, b = np.searchsorted(cust_sorted, [s, e])
        idx = comp_by_cust[a:b]
        if idx.size:
            r_ = cust[idx] - s
            cols = day[idx][:, None] + win[None, :]
            ok = cols < D
            flat = (r_[:, None] * D + cols)[ok]
            vals = np.broadcast_to(mult[idx][:, None], cols.shape)[ok]
            np.maximum.at(Mx.reshape(-1), flat, vals)
        H = np.cumsum(base * Mx, axis=1)
        hit = H[:, -1] >= E[s:e]
        first_day = (H >= E[s:e, None]).argmax(axis=1)
        port_day[s:e] = np.where(hit, first_day, -1)
        # expected rates (planted effect, ignoring overlapping complaints)
        Hb = np.concatenate([np.zeros((rows, 1)), np.cumsum(base, axis=1)], axis=1)
        if idx.size:
            full = day[idx] + EFFECT_WINDOW_DAYS <= D
            j = idx[full]
            hb = Hb[cust[j] - s, day[j] + EFFECT_WINDOW_DAYS] - Hb[cust[j] - s, day[j]]
            np.add.at(exp_sum, pp[j], 1 - np.exp(-mult[j] * hb))
            np.add.at(exp_cnt, pp[j], 1)
        n_el = np.maximum(elig.sum(axis=1), 1)
        base_rate90[s:e] = 1 - np.exp(-EFFECT_WINDOW_DAYS * Hb[:, -1] / n_el)
    report(30)

    # port-out outcomes
    po = np.flatnonzero(port_day >= 0)
    st_r = rng.random(po.size)
    reject_p = np.where(contract_end[po] >= port_day[po], 0.08, 0.02)
    po_status = np.where(st_r < reject_p, "拒绝", np.where(st_r < reject_p + 0.15, "撤销", "成功"))
    gone_day = np.full(n, D + 10**6, dtype=np.int64)
    succ = po[po_status == "成功"]
    gone_day[succ] = port_day[succ]
    alive = day <= gone_day[cust]
    # keep complaints that exist; re-index
    keep_idx = np.flatnonzero(alive)
    remap = np.full(m1, -1)
    remap[keep_idx] = np.arange(keep_idx.size)
    cust, day, pp, sec, orig = cust[keep_idx], day[keep_idx], pp[keep_idx], sec[keep_idx], orig[keep_idx]
    orig = np.where(orig >= 0, remap[np.maximum(orig, 0)], -1)
    m = keep_idx.size
    is_rep = orig >= 0

    # churn threat phrase: more likely if the customer files a port-out request within 90 days
    pdc = port_day[cust]
    leaving = (pdc >= day) & (pdc < day + EFFECT_WINDOW_DAYS)
    threat = rng.random(m) < np.where(leaving, 0.22, 0.05)

    # ---------------------------------------------------------------- channels and times
    CW = np.tile(_CH_WEIGHTS, (m, 1))
    reg_boost = np.isin(pp, [2, 3, 6, _EMERGING_IDX])
    for ci in _REGULATOR_CH:
        CW[:, ci] *= np.where(reg_boost, 2.0, 1.0)
    channel = _choice_rows(rng, CW)
    ch_names = np.array(CHANNELS)
    rep_i = np.flatnonzero(is_rep)
    for _ in range(20):
        same = ch_names[channel[rep_i]] == ch_names[channel[orig[rep_i]]]
        if not same.any():
            break
        redo = rep_i[same]
        channel[redo] = _choice_rows(rng, CW[redo])
    same = ch_names[channel[rep_i]] == ch_names[channel[orig[rep_i]]]
    channel[rep_i[same]] = np.where(channel[orig[rep_i[same]]] == 0, 1, 0)

    agent_hours = np.array([0.1, 0.05, 0.03, 0.03, 0.05, 0.1, 0.3, 0.8, 1.6, 2.2, 2.3, 2.0, 1.5, 1.7, 2.0, 2.0,
                            1.9, 1.7, 1.5, 1.6, 1.5, 1.2, 0.7, 0.3])
    online_hours = np.array([0.5, 0.3, 0.15, 0.1, 0.1, 0.15, 0.3, 0.7, 1.0, 1.2, 1.3, 1.3, 1.5, 1.2, 1.2, 1.2,
                             1.2, 1.3, 1.5, 1.8, 2.0, 2.1, 1.8, 1.1])
    hw = np.where(np.isin(channel, [0, 2, 5, 7])[:, None], agent_hours[None, :], online_hours[None, :])
    hour = _choice_rows(rng, hw)
    secs = hour * 3600 + rng.integers(0, 3600, m)
    report(35)

    # ---------------------------------------------------------------- texts
    tm = _TextMaker(rnd)
    city_names = [c[0] for c in CITIES]
    plan_names = [p[0] for p in PLANS]
    texts: list[str] = [""] * m
    noise: dict[str, list[int]] = {k: [] for k in ("phone", "landline", "id_card", "bank_card", "email",
                                                   "traditional", "fullwidth", "html", "emoji", "newline")}
    c_city = city[cust]
    # complaints occasionally name another city than the customer's home city
    other_city = rng.random(m) < 0.07
    c_city = np.where(other_city, rng.choice(len(CITIES), m, p=city_w), c_city)
    step = max(1, m // 10)
    day_list = day.tolist()
    order_gen = np.concatenate([np.flatnonzero(~is_rep), np.flatnonzero(is_rep)])  # originals first
    for k_, i in enumerate(order_gen.tolist()):
        if k_ % step == 0:
            report(35 + int(45 * k_ / max(m, 1)))
        ch = int(channel[i])
        if is_rep[i]:
            texts[i] = _repeat_edit(rnd, texts[int(orig[i])], CHANNELS[ch])
            continue
        cu = int(cust[i])
        ctx = {"city": city_names[c_city[i]], "plan": plan_names[plan[cu]], "years": int(years_int[cu]),
               "date": d0 + timedelta(days=day_list[i])}
        text = tm.compose(int(pp[i]), int(sec[i]), ch, ctx, bool(threat[i]))
        text = _add_noise(rnd, text, i, ch, phone[cu], CITIES[c_city[i]][2], noise)
        texts[i] = text
    report(80)

    # ---------------------------------------------------------------- complaint tables
    in_main = channel < _CH_MAIN
    acc_dt = [base_dt + timedelta(days=int(dd), seconds=int(ss)) for dd, ss in zip(day.tolist(), secs.tolist())]
    # ids: per-day sequence with gaps (other ticket types share the counter)
    ids = np.empty(m, dtype=object)
    for file_main, prefix, width in ((True, "GD", 5), (False, "TS", 6)):
        sel = np.flatnonzero(in_main == file_main)
        sel = sel[np.lexsort((sel, secs[sel], day[sel]))]
        gaps = rng.integers(1, 13 if file_main else 4, sel.size)
        dsel = day[sel]
        csum = np.cumsum(gaps)
        starts = np.r_[0, np.flatnonzero(np.diff(dsel)) + 1]
        offset = np.repeat(csum[starts] - gaps[starts], np.diff(np.r_[starts, sel.size]))
        seq = csum - offset
        w = max(width, len(str(int(seq.max()) if seq.size else 0)))
        for j, sq in zip(sel.tolist(), seq.tolist()):
            dd = acc_dt[j]
            ids[j] = f"{prefix}{dd.year:04d}{dd.month:02d}{dd.day:02d}{sq:0{w}d}"

    main_idx = np.flatnonzero(in_main)
    main_idx = main_idx[np.lexsort((main_idx, secs[main_idx], day[main_idx]))]
    wb_idx = np.flatnonzero(~in_main)
    wb_idx = wb_idx[np.lexsort((wb_idx, secs[wb_idx], day[wb_idx]))]

    # bad rows (main file only, never a duplicate pair member nor an emerging complaint)
    in_pair = np.zeros(m, dtype=bool)
    in_pair[rep_i] = True
    in_pair[orig[rep_i]] = True
    cand = main_idx[(~in_pair[main_idx]) & (pp[main_idx] != _EMERGING_IDX)]
    perm = rng.permutation(cand)
    n_main = main_idx.size
    n_empty = max(1, int(round(n_main * 0.002)))
    n_badtime = max(1, int(round(n_main * 0.001)))
    n_notime = max(1, int(round(n_main * 0.005)))
    bad_empty = np.sort(perm[:n_empty])
    bad_time = np.sort(perm[n_empty:n_empty + n_badtime])
    no_time = np.sort(perm[n_empty + n_badtime:n_empty + n_badtime + n_notime])
    for i in bad_empty.tolist():
        texts[i] = rnd.choice(["", "", " "])

    # 受理时间 strings in mixed formats
    fmt_r = rng.random(m)
    acc_str = []
    for i, dd in enumerate(acc_dt):
        f = fmt_r[i]
        if f < 0.84:
            acc_str.append(_fmt_ts(dd))
        elif f < 0.97:
            acc_str.append(f"{dd.year}/{dd.month}/{dd.day} {dd.hour}:{dd.minute:02d}")
        else:
            acc_str.append(f"{dd.year}年{dd.month}月{dd.day}日")
    bad_values = ["2025-13-45", "昨天下午", "2025-02-30 25:61:00", "0000-00-00 00:00:00", "#VALUE!", "待补录",
                  "上周三"]
    for i in bad_time.tolist():
        acc_str[i] = rnd.choice(bad_values)
    for i in no_time.tolist():
        acc_str[i] = ""

    # resolution
    med_hours = np.array([30, 48, 20, 10, 12, 24, 8, 16, 24, 30, 60, 20], dtype=float)
    delay_h = med_hours[pp] * rng.lognormal(0, 0.9, m) + 0.2
    close_dt = [a + timedelta(seconds=int(h * 3600)) for a, h in zip(acc_dt, delay_h.tolist())]
    stuck = rng.random(m) < 0.015
    open_ = np.array([c > export_ts for c in close_dt]) | stuck
    sat_levels = np.array(["非常满意", "满意", "一般", "不满意", "非常不满意"])
    angry = np.isin(pp, [2, 3, 6, _EMERGING_IDX])
    sat_w = np.where(angry[:, None], np.array([0.12, 0.30, 0.22, 0.22, 0.14])[None, :],
                     np.array([0.25, 0.38, 0.18, 0.12, 0.07])[None, :])
    sat = sat_levels[_choice_rows(rng, sat_w)]
    sat_empty = rng.random(m) < 0.25
    label_names = np.array(_PP_NAMES + [EMERGING["operator_label"]])
    label_pp = np.where(rng.random(m) < 0.05, rng.integers(0, _N_PP, m), np.minimum(pp, _N_PP))
    label = label_names[label_pp]
    # regulator flag
    flag_p = np.full(m, 0.008)
    flag_p[pp == 2] = 0.04
    flag_p[pp == _EMERGING_IDX] = 0.04
    flag_p[pp == 3] = 0.03
    flag_p[pp == 6] = 0.09
    miit = (rng.random(m) < flag_p) | np.isin(channel, _REGULATOR_CH)

    mi = main_idx.tolist()
    df_main = pd.DataFrame({
        "工单编号": [ids[i] for i in mi],
        "手机号码": phone[cust[main_idx]],
        "受理时间": [acc_str[i] for i in mi],
        "受理渠道": ch_names[channel[main_idx]],
        "地市": np.array(city_names)[c_city[main_idx]],
        "投诉内容": [texts[i] for i in mi],
        "是否工信部申诉": np.where(miit[main_idx], "是", "否"),
        "办结时间": ["" if open_[i] else _fmt_ts(close_dt[i]) for i in mi],
        "满意度": ["" if (open_[i] or sat_empty[i]) else sat[i] for i in mi],
        "投诉类别": label[main_idx],
        "工单状态": np.where(open_[main_idx], "处理中", "已办结"),
    })
    wi = wb_idx.tolist()
    df_wb = pd.DataFrame({
        "投诉编号": [ids[i] for i in wi],
        "用户号码": phone[cust[wb_idx]],
        "投诉时间": [f"{acc_dt[i].year}/{acc_dt[i].month:02d}/{acc_dt[i].day:02d} {acc_dt[i].strftime('%H:%M:%S')}"
                 for i in wi],
        "渠道": ch_names[channel[wb_idx]],
        "区域": [city_names[c_city[i]] + ("市" if rnd.random() < 0.6 else "") for i in wi],
        "问题描述": [texts[i] for i in wi],
    })
    report(88)

    # ---------------------------------------------------------------- customers.csv
    join_dates = [(d0 + timedelta(days=int(j))).isoformat() for j in join_day.tolist()]
    ce_str = ["" if c < -10**5 else (d0 + timedelta(days=int(c))).isoformat() for c in contract_end.tolist()]
    df_cust = pd.DataFrame({
        "用户号码": phone,
        "套餐": np.array(plan_names)[plan],
        "入网时间": join_dates,
        "地市": np.array(city_names)[city],
        "ARPU": [f"{a:.2f}" for a in arpu.tolist()],
        "合约到期": ce_str,
    })

    # ---------------------------------------------------------------- ports.csv
    port_rows = []  # (app_dt, phone, direction, status, operator, done_dt|None, kind)
    op_out = rng.choice(OPERATORS_OUT[0], po.size, p=OPERATORS_OUT[1])
    app_hour = rng.integers(8, 22, po.size)
    app_sec = app_hour * 3600 + rng.integers(0, 3600, po.size)
    done_lag = rng.integers(3 * 3600, 3 * 86400, po.size)
    for k_, c in enumerate(po.tolist()):
        a = base_dt + timedelta(days=int(port_day[c]), seconds=int(app_sec[k_]))
        st = str(po_status[k_])
        done = a + timedelta(seconds=int(done_lag[k_])) if st == "成功" else None
        port_rows.append([a, phone[c], "携出", st, str(op_out[k_]), done, "out"])
    in_idx = np.flatnonzero(is_in)
    op_in = rng.choice(OPERATORS_IN[0], in_idx.size, p=OPERATORS_IN[1])
    in_lag = rng.integers(1 * 86400, 4 * 86400, in_idx.size)
    in_sec = rng.integers(9 * 3600, 20 * 3600, in_idx.size)
    for k_, c in enumerate(in_idx.tolist()):
        done = base_dt + timedelta(days=int(join_day[c]), seconds=int(in_sec[k_]))
        a = done - timedelta(seconds=int(in_lag[k_]))
        port_rows.append([a, phone[c], "携入", "成功", str(op_in[k_]), done, "in"])
    n_orphan = max(2, int(round(len(port_rows) * 0.005)))
    orphan_nums = orphan_pool[:n_orphan].astype(str)
    o_day = rng.integers(0, D, n_orphan)
    o_sec = rng.integers(8 * 3600, 22 * 3600, n_orphan)
    o_stat = rng.choice(["成功", "撤销", "拒绝"], n_orphan, p=[0.82, 0.15, 0.03])
    o_dir = rng.choice(["携出", "携入"], n_orphan, p=[0.8, 0.2])
    o_op = rng.choice(OPERATORS_OUT[0], n_orphan, p=OPERATORS_OUT[1])
    for k_ in range(n_orphan):
        a = base_dt + timedelta(days=int(o_day[k_]), seconds=int(o_sec[k_]))
        st = str(o_stat[k_])
        done = a + timedelta(hours=int(rng.integers(3, 72))) if st == "成功" else None
        port_rows.append([a, orphan_nums[k_], str(o_dir[k_]), st, str(o_op[k_]), done, "orphan"])
    port_rows.sort(key=lambda row: (row[0], row[1]))
    # a few completion timestamps before the application (clock / entry errors)
    succ_rows = [k_ for k_, row in enumerate(port_rows) if row[5] is not None]
    n_swap = max(2, int(round(len(succ_rows) * 0.004)))
    swap_rows = sorted(rng.choice(len(succ_rows), min(n_swap, len(succ_rows)), replace=False).tolist())
    for k_ in swap_rows:
        row = port_rows[succ_rows[k_]]
        row[5] = row[0] - timedelta(hours=int(rng.integers(1, 48)))
    port_ids = []
    seq_day: dict[date, int] = {}
    for row in port_rows:
        dkey = row[0].date()
        seq_day[dkey] = seq_day.get(dkey, 0) + int(rng.integers(1, 6))
        port_ids.append(f"XZ{row[0]:%Y%m%d}{seq_day[dkey]:06d}")
    df_ports = pd.DataFrame({
        "携转单号": port_ids,
        "手机号码": [r_[1] for r_ in port_rows],
        "携转方向": [r_[2] for r_ in port_rows],
        "申请时间": [_fmt_ts(r_[0]) for r_ in port_rows],
        "完成时间": ["" if r_[5] is None else _fmt_ts(r_[5]) for r_ in port_rows],
        "携转状态": [r_[3] for r_ in port_rows],
        "对方运营商": [r_[4] for r_ in port_rows],
    })

    # ---------------------------------------------------------------- write files
    paths = {
        "complaints": out / "complaints.csv",
        "complaints_weibo_gbk": out / "complaints_weibo_gbk.csv",
        "customers": out / "customers.csv",
        "ports": out / "ports.csv",
        "ground_truth": out / "ground_truth.json",
    }
    df_main.to_csv(paths["complaints"], index=False, encoding="utf-8", lineterminator="\n")
    df_wb.to_csv(paths["complaints_weibo_gbk"], index=False, encoding="gb18030", lineterminator="\r\n")
    df_cust.to_csv(paths["customers"], index=False, encoding="utf-8", lineterminator="\n")
    df_ports.to_csv(paths["ports"], index=False, encoding="utf-8", lineterminator="\n")
    report(93)

    # ---------------------------------------------------------------- ground truth
    gt = _ground_truth(
        d0=d0, D=D, n=n, cust=cust, day=day, pp=pp, sec=sec, ids=ids, orig=orig, rep_i=rep_i,
        port_day=port_day, po=po, po_status=po_status, is_in=is_in, eligible_from=eligible_from,
        exp_sum=exp_sum, exp_cnt=exp_cnt, base_rate90=base_rate90, em_first=em_first, noise=noise,
        bad=(bad_empty, bad_time, no_time), port_rows=port_rows, port_ids=port_ids, swap_rows=swap_rows,
        succ_rows=succ_rows, label_pp=label_pp, threat=threat, in_main=in_main,
        params={"n_customers": n_customers, "seed": seed, "start": start, "end": end,
                "complaints_per_customer": complaints_per_customer, "n_port_in_customers": int(n_in),
                "complaint_count_dispersion": dispersion, "province": PROVINCE},
    )
    with open(paths["ground_truth"], "w", encoding="utf-8") as fh:
        json.dump(gt, fh, ensure_ascii=False, indent=1)
        fh.write("\n")
    report(100)

    return {
        "out_dir": str(out),
        "paths": {k: str(v) for k, v in paths.items()},
        "rows": {"complaints": int(len(df_main)), "complaints_weibo_gbk": int(len(df_wb)),
                 "customers": int(len(df_cust)), "ports": int(len(df_ports))},
        "n_port_out_requests": int(po.size),
        "n_duplicates": int(rep_i.size),
        "n_emerging": int((pp == _EMERGING_IDX).sum()),
        "seconds": round(time.perf_counter() - t_start, 2),
    }


if __name__ == "__main__":  # pragma: no cover
    import argparse

    ap = argparse.ArgumentParser(description="Write the synthetic complaint data set.")
    ap.add_argument("out_dir")
    ap.add_argument("--customers", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--start", default="2025-06-01")
    ap.add_argument("--end", default="2026-10-31")
    args = ap.parse_args()
    print(json.dumps(generate(args.out_dir, args.customers, args.seed, args.start, args.end), ensure_ascii=False,
                     indent=1))
