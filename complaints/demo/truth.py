"""The planted truth written to ground_truth.json: each complaint's pain point, duplicates, planted noise and
bad rows, the emerging topic, and the porting effect both as planted (expected rates) and as it came out
(observed 90-day rates, with a person-time baseline).

Tests and benches score the pipeline against it, so it is built from the same arrays the files were
written from; it draws no random numbers.
"""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np

from .vocabulary import (AGENT_THREATS, ATTRIBUTE_EFFECTS, BASE_MONTHLY_HAZARD, CHURN_THREATS, EFFECT_WINDOW_DAYS,
                         EMERGING, EMERGING_TEMPLATES, PAIN_POINTS, SHORT_TEMPLATES, TEMPLATES, _ALL_KEYS,
                         _EMERGING_IDX, _N_PP)


def _ground_truth(*, d0, D, n, cust, day, pp, sec, ids, orig, rep_i, port_day, po, po_status, is_in,
                  eligible_from, exp_sum, exp_cnt, base_rate90, em_first, noise, bad, port_rows, port_ids,
                  swap_rows, succ_rows, label_pp, threat, in_main, params) -> dict:
    """The planted truth as the dict written to ground_truth.json."""
    W = EFFECT_WINDOW_DAYS
    m = len(cust)
    observed = _observed_rates(D, cust, day, pp, port_day, W)
    obs_base = _never_complained_rate(n, D, cust, is_in, port_day, eligible_from, W)
    # baseline: person-time with no complaint in the previous 90 days (all customers)
    quiet_days, quiet_events = _quiet_person_time(n, D, cust, day, port_day, eligible_from, W)
    obs_quiet = 1 - math.exp(-W * quiet_events / max(quiet_days, 1))

    exp_base = float(np.mean(base_rate90[~is_in]))
    hbar = -np.log1p(-base_rate90[~is_in]) / W

    def pop_rate(mult: float) -> float:
        return round(float(np.mean(1 - np.exp(-mult * W * hbar))), 5)
    pain_points = []
    for k, (key, name, mult, share) in enumerate(PAIN_POINTS):
        pain_points.append({
            "key": key, "name": name, "hazard_multiplier": mult, "complaint_share_weight": share,
            "n_templates": len(TEMPLATES[key]), "n_short_templates": len(SHORT_TEMPLATES[key]),
            "n_complaints": int((pp == k).sum()),
            "expected_90d_port_out_rate": round(float(exp_sum[k] / exp_cnt[k]), 5) if exp_cnt[k] else None,
            "expected_90d_port_out_rate_population": pop_rate(mult),
            "observed_90d_port_out_rate": observed[k][0],
            "observed_n_customers": observed[k][1],
        })
    ids_l = ids.tolist()
    complaint_pp = {ids_l[i]: _ALL_KEYS[int(pp[i])] for i in range(m)}
    secondary = {ids_l[i]: _ALL_KEYS[int(sec[i])] for i in np.flatnonzero(sec >= 0).tolist()}
    em_sel = np.flatnonzero(pp == _EMERGING_IDX)
    em_sel = em_sel[np.lexsort((em_sel, day[em_sel]))]
    in_window = day >= em_first
    port_kind = {"orphan": [], "swap": []}
    for pid, row in zip(port_ids, port_rows):
        if row[6] == "orphan":
            port_kind["orphan"].append(pid)
    swap_ids = sorted(port_ids[succ_rows[k]] for k in swap_rows)
    status_counts = {s: int((po_status == s).sum()) for s in ("成功", "撤销", "拒绝")}
    k_ = _EMERGING_IDX
    return {
        "description": "Planted truth of complaints.demo.generate.generate. Port-out event = a 携出 request "
                       "(any 携转状态) in ports.csv; rates are 90-day probabilities.",
        "pain_points": pain_points,
        "emerging": {
            "key": EMERGING["key"], "name": EMERGING["name"],
            "operator_label": EMERGING["operator_label"],
            "first_date": (d0 + timedelta(days=int(em_first))).isoformat(),
            "first_observed_date": (d0 + timedelta(days=int(day[em_sel[0]]))).isoformat() if em_sel.size else None,
            "hazard_multiplier": EMERGING["hazard_multiplier"],
            "n_templates": len(EMERGING_TEMPLATES),
            "share_of_complaints_in_window": round(float((pp[in_window] == k_).mean()), 5) if in_window.any() else 0.0,
            "expected_90d_port_out_rate": (round(float(exp_sum[k_] / exp_cnt[k_]), 5) if exp_cnt[k_]
                                           else pop_rate(EMERGING["hazard_multiplier"])),
            "expected_90d_port_out_rate_population": pop_rate(EMERGING["hazard_multiplier"]),
            "complaint_ids": [ids_l[i] for i in em_sel.tolist()],
        },
        "baseline": {
            "monthly_hazard": BASE_MONTHLY_HAZARD,
            "daily_hazard": BASE_MONTHLY_HAZARD / 30.0,
            "expected_90d_port_out_rate": round(exp_base, 5),
            "observed_90d_rate_never_complained": round(obs_base, 5),
            "observed_90d_rate_no_complaint_in_prior_90d": round(obs_quiet, 5),
            "note": "expected = mean over existing customers of 1-exp(-90 * their mean daily attribute hazard); "
                    "'never complained' is biased upwards (leavers stop complaining), the person-time "
                    "'no complaint in prior 90 days' estimate is not",
        },
        "effect_model": {
            "hazard": "h(c,d) = daily_hazard * attribute multipliers(c) * contract(c,d) * "
                      "max(pain point multipliers of complaints of c on days d-89..d, else 1)",
            "window_days": W,
            "combination": "max",
            "pain_point_used": "primary (the complaint_pain_points label); secondary mentions have no effect",
            "repeats_count": True,
            "expected_rate_note": "expected_90d_port_out_rate = mean over complaints with 90 days of follow-up of "
                                  "1-exp(-multiplier * that customer's base hazard summed over the window), "
                                  "ignoring other complaints (for the emerging topic, which has no 90-day follow-up, the population "
                                  "value); *_population = mean over existing customers of 1-exp(-multiplier * 90 * "
                                  "their mean daily base hazard); observed_* uses the customer's first complaint of "
                                  "that pain point and any 携出 request in the 90 days from that day",
            "churn_threat_text": {"p_if_port_request_within_90d": 0.22, "p_otherwise": 0.05,
                                  "n_complaints": int(threat.sum()),
                                  "phrases": CHURN_THREATS + AGENT_THREATS},
        },
        "attribute_effects": ATTRIBUTE_EFFECTS,
        "port_outs": {
            "n_customers": int(n), "n_requests": int(po.size), "status_counts": status_counts,
            "rate_requests": round(po.size / n, 5),
            "orphan_port_ids": port_kind["orphan"],
            "completion_before_application_port_ids": swap_ids,
            "n_port_in_customers": int(is_in.sum()),
        },
        "complaint_pain_points": complaint_pp,
        "secondary_pain_points": secondary,
        "duplicates": [[ids_l[int(i)], ids_l[int(orig[i])]] for i in rep_i.tolist()],
        "duplicates_note": "[repeat_complaint_id, original_complaint_id]; same customer, other channel, 1-20 days later",
        "operator_label_noise_ids": [ids_l[i] for i in np.flatnonzero(
            in_main & (label_pp != np.minimum(pp, _N_PP))).tolist()],
        "bad_rows": {
            "empty_text": [ids_l[i] for i in bad[0].tolist()],
            "unparseable_time": [ids_l[i] for i in bad[1].tolist()],
            "empty_time": [ids_l[i] for i in bad[2].tolist()],
        },
        "noise": {k: [ids_l[i] for i in sorted(v)] for k, v in noise.items()},
        "counts": {"complaints_total": int(m), "complaints_main": int(in_main.sum()),
                   "complaints_weibo_gbk": int((~in_main).sum()), "duplicates": int(rep_i.size)},
        "params": params,
    }


def _observed_rates(D, cust, day, pp, port_day, W) -> dict:
    """Per pain point: (observed W-day port-out request rate after each customer's first complaint of it,
    number of such customers); (None, 0) without complaints with W days of follow-up."""
    observed = {}
    for k in range(_N_PP + 1):
        sel = np.flatnonzero(pp == k)
        if sel.size == 0:
            observed[k] = (None, 0)
            continue
        order = np.lexsort((day[sel], cust[sel]))
        sel = sel[order]
        firsts = sel[np.r_[True, cust[sel][1:] != cust[sel][:-1]]]
        firsts = firsts[day[firsts] + W <= D]
        if firsts.size == 0:
            observed[k] = (None, 0)
            continue
        pdx = port_day[cust[firsts]]
        hit = (pdx >= day[firsts]) & (pdx < day[firsts] + W)
        observed[k] = (round(float(hit.mean()), 5), int(firsts.size))
    return observed


def _never_complained_rate(n, D, cust, is_in, port_day, eligible_from, W) -> float:
    """Baseline: W-day port-out rate of customers never complaining, per person-time over their eligible days."""
    complained = np.zeros(n, dtype=bool)
    complained[cust] = True
    nc = np.flatnonzero(~complained & ~is_in)
    ev = port_day[nc] >= 0
    exp_days = np.where(ev, port_day[nc] + 1, D) - np.maximum(eligible_from[nc], 0)
    rate_nc = ev.sum() / max(exp_days.sum(), 1)
    return 1 - math.exp(-W * rate_nc)


def _quiet_person_time(n, D, cust, day, port_day, eligible_from, W):
    """Person-days (and port-out requests) of customers with no complaint in the previous W days."""
    cover = np.zeros(n, dtype=np.int64)
    events = 0
    order = np.lexsort((day, cust))
    cs, ds = cust[order], day[order]
    starts = np.r_[0, np.flatnonzero(np.diff(cs)) + 1] if cs.size else np.array([], dtype=int)
    ends = np.r_[starts[1:], cs.size] if cs.size else np.array([], dtype=int)
    end_day = np.where(port_day >= 0, port_day + 1, D)  # exclusive
    first_day = np.maximum(eligible_from, 0)
    for a, b in zip(starts.tolist(), ends.tolist()):
        c = int(cs[a])
        lo, hi = int(first_day[c]), int(end_day[c])
        if hi <= lo:
            continue
        covered = 0
        cur_s = cur_e = None
        for dd in ds[a:b].tolist():
            s_, e_ = max(dd, lo), min(dd + W, hi)
            if e_ <= s_:
                continue
            if cur_e is not None and s_ <= cur_e:
                cur_e = max(cur_e, e_)
            else:
                if cur_e is not None:
                    covered += cur_e - cur_s
                cur_s, cur_e = s_, e_
        if cur_e is not None:
            covered += cur_e - cur_s
        cover[c] = covered
    lo_all = np.maximum(eligible_from, 0)
    exposure = np.maximum(end_day - lo_all, 0) - cover
    pdays = port_day
    has = pdays >= lo_all
    # an event counts as "quiet" if no complaint of that customer in [port_day-W+1, port_day]
    last_before = np.full(n, -10**9)
    if cust.size:
        o2 = np.lexsort((day, cust))
        c2, d2 = cust[o2], day[o2]
        for c, dd in zip(c2.tolist(), d2.tolist()):
            if port_day[c] >= 0 and dd <= port_day[c]:
                last_before[c] = dd
    quiet_ev = has & (port_day >= 0) & ((port_day - last_before) >= W)
    events = int(quiet_ev.sum())
    return int(exposure.sum()), events
