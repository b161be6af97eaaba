"""Step 3 of the demo generator: port events. Port-out requests are drawn day by day from each customer's
hazard (attributes x contract x the largest multiplier of their complaints in the last 90 days); customers
who leave stop complaining. After the complaint tables (step 5), the ports.csv orders: 携出, 携入, orphans,
a few swapped timestamps.

The planted churn effect lives here, next to the expected rates the ground truth reports for it. The
order of the draws from the shared numpy generator is part of the output (byte-identical files per seed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from .complaint_events import Complaints
from .customers import Customers
from .helpers import _fmt_ts
from .vocabulary import ATTRIBUTE_EFFECTS, EFFECT_WINDOW_DAYS, OPERATORS_IN, OPERATORS_OUT, _MULT, _N_PP


@dataclass
class PortOuts:
    """The simulated port-out requests and the planted (expected) rates the ground truth reports."""

    port_day: np.ndarray     # per customer: day of the port-out request, -1: none
    exp_sum: np.ndarray      # per pain point: sum of expected 90-day port-out probabilities
    exp_cnt: np.ndarray      # per pain point: number of complaints in that sum
    base_rate90: np.ndarray  # per customer: 90-day port-out probability from the attributes alone


@dataclass
class PortOrders:
    """ports.csv rows (application time, number, direction, status, operator, completion time or None, kind)
    sorted by application time, with their order ids; ``swap_rows`` index ``succ_rows``, the completed rows."""

    rows: list
    ids: list
    succ_rows: list
    swap_rows: list


def simulate_port_outs(rng: np.random.Generator, cu: Customers, ev: Complaints, D: int) -> PortOuts:
    """Day-by-day port-out hazard per customer, in chunks of customers."""
    n, eligible_from, contract_end, attr_h = cu.n, cu.eligible_from, cu.contract_end, cu.attr_h
    cust, day, pp = ev.cust, ev.day, ev.pp
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
    return PortOuts(port_day=port_day, exp_sum=exp_sum, exp_cnt=exp_cnt, base_rate90=base_rate90)


def port_outcomes(rng: np.random.Generator, cu: Customers, ev: Complaints, port_day: np.ndarray,
                  D: int) -> tuple[Complaints, np.ndarray, np.ndarray]:
    """Each request's status; returns the complaints actually filed (none after a successful port-out,
    repeats re-indexed to their originals), the customers with a request and its status (成功/撤销/拒绝)."""
    n, contract_end = cu.n, cu.contract_end
    cust, day, pp, sec, orig = ev.cust, ev.day, ev.pp, ev.sec, ev.orig
    m1 = cust.size
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
    return Complaints(cust=cust, day=day, pp=pp, sec=sec, orig=orig), po, po_status


def churn_threats(rng: np.random.Generator, ev: Complaints, port_day: np.ndarray) -> np.ndarray:
    """Which complaints carry a churn-threat phrase: more likely if the customer files a port-out request
    within 90 days."""
    cust, day = ev.cust, ev.day
    m = cust.size
    pdc = port_day[cust]
    leaving = (pdc >= day) & (pdc < day + EFFECT_WINDOW_DAYS)
    return rng.random(m) < np.where(leaving, 0.22, 0.05)


def port_orders(rng: np.random.Generator, cu: Customers, port_day: np.ndarray, po: np.ndarray,
                po_status: np.ndarray, d0: date, D: int) -> PortOrders:
    """The port orders: every port-out request, every port-in, ~0.5% orphans (numbers that are no customer),
    a few completion times before the application; per-day order ids with gaps."""
    phone, is_in, join_day, orphan_pool = cu.phone, cu.is_in, cu.join_day, cu.orphan_pool
    base_dt = datetime(d0.year, d0.month, d0.day)
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
    return PortOrders(rows=port_rows, ids=port_ids, succ_rows=succ_rows, swap_rows=swap_rows)


def ports_frame(orders: PortOrders) -> pd.DataFrame:
    """ports.csv: one row per port order."""
    port_rows = orders.rows
    return pd.DataFrame({
        "携转单号": orders.ids,
        "手机号码": [r_[1] for r_ in port_rows],
        "携转方向": [r_[2] for r_ in port_rows],
        "申请时间": [_fmt_ts(r_[0]) for r_ in port_rows],
        "完成时间": ["" if r_[5] is None else _fmt_ts(r_[5]) for r_ in port_rows],
        "携转状态": [r_[3] for r_ in port_rows],
        "对方运营商": [r_[4] for r_ in port_rows],
    })
