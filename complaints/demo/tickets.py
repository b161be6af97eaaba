"""Step 4 of the demo generator: each filed complaint gets a channel (a re-filing never the channel of its
original), a time of day, and its text: composed in the channel's style, with planted noise, or for a
re-filing a near-identical edit of the original's text.

Runs after the port-out simulation because only complaints that are actually filed get a text. The
order of the numpy and ``random.Random`` draws is part of the output (byte-identical files per seed).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Callable

import numpy as np

from .complaint_events import Complaints
from .customers import Customers
from .helpers import _choice_rows
from .noise import _add_noise, _repeat_edit
from .textmaker import _TextMaker
from .vocabulary import CHANNELS, CITIES, PLANS, _CH_WEIGHTS, _EMERGING_IDX, _REGULATOR_CH

NOISE_KINDS = ("phone", "landline", "id_card", "bank_card", "email", "traditional", "fullwidth", "html", "emoji",
               "newline")


def assign_channels(rng: np.random.Generator, ev: Complaints) -> tuple[np.ndarray, np.ndarray]:
    """Channel index (into CHANNELS) and second of the day of each complaint."""
    pp, orig = ev.pp, ev.orig
    m = pp.size
    is_rep = orig >= 0
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
    return channel, secs


def write_texts(rng: np.random.Generator, rnd: random.Random, cu: Customers, ev: Complaints, channel: np.ndarray,
                threat: np.ndarray, d0: date,
                report: Callable[[int], None]) -> tuple[list[str], dict[str, list[int]], np.ndarray]:
    """The complaint texts (originals first, then re-filings), the planted noise by kind (complaint
    indices), and the city each complaint names (sometimes not the customer's own); reports 35-80%."""
    cust, day, pp, sec, orig = ev.cust, ev.day, ev.pp, ev.sec, ev.orig
    m = cust.size
    is_rep = orig >= 0
    tm = _TextMaker(rnd)
    city_names = [c[0] for c in CITIES]
    plan_names = [p[0] for p in PLANS]
    texts: list[str] = [""] * m
    noise: dict[str, list[int]] = {k: [] for k in NOISE_KINDS}
    c_city = cu.city[cust]
    # complaints occasionally name another city than the customer's home city
    other_city = rng.random(m) < 0.07
    c_city = np.where(other_city, rng.choice(len(CITIES), m, p=cu.city_w), c_city)
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
        who = int(cust[i])
        ctx = {"city": city_names[c_city[i]], "plan": plan_names[cu.plan[who]], "years": int(cu.years_int[who]),
               "date": d0 + timedelta(days=day_list[i])}
        text = tm.compose(int(pp[i]), int(sec[i]), ch, ctx, bool(threat[i]))
        text = _add_noise(rnd, text, i, ch, cu.phone[who], CITIES[c_city[i]][2], noise)
        texts[i] = text
    return texts, noise, c_city
