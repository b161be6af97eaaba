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

`generate` runs the steps, each in its own module, in the order of their draws from the two seeded
generators (numpy for the arrays, ``random.Random`` for the texts); reordering them changes the files:
customers; complaint_events (originals, repeats); porting (hazard simulation, request outcomes,
churn-threat flags); tickets (channels, times, texts with noise); exports (the two complaint tables);
porting again (the port orders); truth (no draws). The data tables are in vocabulary.py, the text maker
in textmaker.py, the noise and fake personal data in noise.py and pii.py. Only numpy, pandas and the
standard library are used; output is byte-identical for a given seed.
"""

from __future__ import annotations

import json
import random
import time
from datetime import date
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from .complaint_events import COUNT_DISPERSION, add_repeats, draw_originals, emerging_first_day
from .customers import customers_frame, draw_customers
from .exports import complaint_files
from .porting import churn_threats, port_orders, port_outcomes, ports_frame, simulate_port_outs
from .tickets import assign_channels, write_texts
from .truth import _ground_truth
from .vocabulary import PROVINCE, _EMERGING_IDX

__all__ = ["generate"]

FILES = {"complaints": "complaints.csv", "complaints_weibo_gbk": "complaints_weibo_gbk.csv",
         "customers": "customers.csv", "ports": "ports.csv", "ground_truth": "ground_truth.json"}


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

    cu = draw_customers(rng, n_customers, D)
    report(5)
    ev = add_repeats(rng, draw_originals(rng, cu, d0, D, complaints_per_customer), D)
    report(15)
    pos = simulate_port_outs(rng, cu, ev, D)
    report(30)
    ev, po, po_status = port_outcomes(rng, cu, ev, pos.port_day, D)
    threat = churn_threats(rng, ev, pos.port_day)
    channel, secs = assign_channels(rng, ev)
    report(35)
    texts, noise, c_city = write_texts(rng, rnd, cu, ev, channel, threat, d0, report)
    report(80)
    files = complaint_files(rng, rnd, cu, ev, channel, secs, texts, c_city, d0, d1)
    report(88)
    df_cust = customers_frame(cu, d0)
    orders = port_orders(rng, cu, pos.port_day, po, po_status, d0, D)
    df_ports = ports_frame(orders)
    paths = _write_tables(out, files.main, files.weibo, df_cust, df_ports)
    report(93)

    rep_i = np.flatnonzero(ev.orig >= 0)
    gt = _ground_truth(
        d0=d0, D=D, n=cu.n, cust=ev.cust, day=ev.day, pp=ev.pp, sec=ev.sec, ids=files.ids, orig=ev.orig,
        rep_i=rep_i, port_day=pos.port_day, po=po, po_status=po_status, is_in=cu.is_in,
        eligible_from=cu.eligible_from, exp_sum=pos.exp_sum, exp_cnt=pos.exp_cnt, base_rate90=pos.base_rate90,
        em_first=emerging_first_day(D), noise=noise, bad=files.bad, port_rows=orders.rows, port_ids=orders.ids,
        swap_rows=orders.swap_rows, succ_rows=orders.succ_rows, label_pp=files.label_pp, threat=threat,
        in_main=files.in_main,
        params={"n_customers": n_customers, "seed": seed, "start": start, "end": end,
                "complaints_per_customer": complaints_per_customer, "n_port_in_customers": int(cu.n_in),
                "complaint_count_dispersion": COUNT_DISPERSION, "province": PROVINCE},
    )
    with open(paths["ground_truth"], "w", encoding="utf-8") as fh:
        json.dump(gt, fh, ensure_ascii=False, indent=1)
        fh.write("\n")
    report(100)

    return {
        "out_dir": str(out),
        "paths": {k: str(v) for k, v in paths.items()},
        "rows": {"complaints": int(len(files.main)), "complaints_weibo_gbk": int(len(files.weibo)),
                 "customers": int(len(df_cust)), "ports": int(len(df_ports))},
        "n_port_out_requests": int(po.size),
        "n_duplicates": int(rep_i.size),
        "n_emerging": int((ev.pp == _EMERGING_IDX).sum()),
        "seconds": round(time.perf_counter() - t_start, 2),
    }


def _write_tables(out: Path, df_main: pd.DataFrame, df_wb: pd.DataFrame, df_cust: pd.DataFrame,
                  df_ports: pd.DataFrame) -> dict[str, Path]:
    """Write the four CSV files in the encodings and line ends of the real exports; returns all five paths."""
    paths = {key: out / name for key, name in FILES.items()}
    df_main.to_csv(paths["complaints"], index=False, encoding="utf-8", lineterminator="\n")
    df_wb.to_csv(paths["complaints_weibo_gbk"], index=False, encoding="gb18030", lineterminator="\r\n")
    df_cust.to_csv(paths["customers"], index=False, encoding="utf-8", lineterminator="\n")
    df_ports.to_csv(paths["ports"], index=False, encoding="utf-8", lineterminator="\n")
    return paths


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
