"""Step 5 of the demo generator: the two complaint exports as an operator hands them over. complaints.csv
(ticket ids with per-day gaps, 受理时间 in mixed formats, handling time, satisfaction, the operator's own
category with 5% label noise, the regulator flag, planted bad rows) and the smaller Weibo / regulator
export with other headers.

Kept apart from the texts because it is about the tables' fields and their defects. The order of the
draws is part of the output (byte-identical files per seed).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from .complaint_events import Complaints
from .customers import Customers
from .helpers import _choice_rows, _fmt_ts
from .vocabulary import CHANNELS, CITIES, EMERGING, _CH_MAIN, _EMERGING_IDX, _N_PP, _PP_NAMES, _REGULATOR_CH


@dataclass
class ComplaintFiles:
    """The two complaint tables and what the ground truth needs from them."""

    main: pd.DataFrame       # complaints.csv
    weibo: pd.DataFrame      # complaints_weibo_gbk.csv
    ids: np.ndarray          # ticket id per complaint
    in_main: np.ndarray      # complaint is in complaints.csv
    bad: tuple               # complaint indices with empty text, unparseable time, empty time
    label_pp: np.ndarray     # the operator's category (pain point index) per complaint


def _ticket_ids(rng: np.random.Generator, in_main: np.ndarray, day: np.ndarray, secs: np.ndarray,
                acc_dt: list[datetime]) -> np.ndarray:
    """Ids: per-day sequence with gaps (other ticket types share the counter)."""
    m = in_main.size
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
    return ids


def _bad_rows(rng: np.random.Generator, rnd: random.Random, ev: Complaints, main_idx: np.ndarray,
              texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bad rows (main file only, never a duplicate pair member nor an emerging complaint); empties the texts
    of the first kind in place."""
    pp, orig = ev.pp, ev.orig
    m = pp.size
    rep_i = np.flatnonzero(orig >= 0)
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
    return bad_empty, bad_time, no_time


def _accept_times(rng: np.random.Generator, rnd: random.Random, acc_dt: list[datetime], bad_time: np.ndarray,
                  no_time: np.ndarray) -> list[str]:
    """受理时间 strings in mixed formats, some unparseable, some empty."""
    m = len(acc_dt)
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
    return acc_str


def complaint_files(rng: np.random.Generator, rnd: random.Random, cu: Customers, ev: Complaints,
                    channel: np.ndarray, secs: np.ndarray, texts: list[str], c_city: np.ndarray, d0: date,
                    d1: date) -> ComplaintFiles:
    """The complaints.csv and Weibo / regulator tables, sorted by acceptance time."""
    cust, day, pp = ev.cust, ev.day, ev.pp
    m = cust.size
    base_dt = datetime(d0.year, d0.month, d0.day)
    export_ts = datetime(d1.year, d1.month, d1.day, 23, 59, 59)
    city_names = [c[0] for c in CITIES]
    ch_names = np.array(CHANNELS)
    in_main = channel < _CH_MAIN
    acc_dt = [base_dt + timedelta(days=int(dd), seconds=int(ss)) for dd, ss in zip(day.tolist(), secs.tolist())]
    ids = _ticket_ids(rng, in_main, day, secs, acc_dt)

    main_idx = np.flatnonzero(in_main)
    main_idx = main_idx[np.lexsort((main_idx, secs[main_idx], day[main_idx]))]
    wb_idx = np.flatnonzero(~in_main)
    wb_idx = wb_idx[np.lexsort((wb_idx, secs[wb_idx], day[wb_idx]))]

    bad_empty, bad_time, no_time = _bad_rows(rng, rnd, ev, main_idx, texts)
    acc_str = _accept_times(rng, rnd, acc_dt, bad_time, no_time)

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

    phone = cu.phone
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
    return ComplaintFiles(main=df_main, weibo=df_wb, ids=ids, in_main=in_main, bad=(bad_empty, bad_time, no_time),
                          label_pp=label_pp)
