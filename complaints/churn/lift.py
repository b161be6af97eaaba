"""Port-out lift per pain point or topic: do customers who complain about X leave more often?

* **Complainants** of X are the known customers whose first complaint about X in [start, end) falls
  on an index day d. They count as ported within w days if they filed a port-out request (携出, any
  status: a cancelled or rejected request still shows intent) on one of the days d … d+w-1; only
  index days whose w-day follow-up is covered by the port data count (`followed_w`).
  `rate_w = ported_w / followed_w`.
* **Lift** (`lift_w`, the table is sorted on the longest window): customers who complain about one
  thing often complain about another, so the raw rate of, say, contract complainants carries the
  risk of the porting complaints they also filed. `lift_w` is the Mantel-Haenszel rate ratio of
  port-out requests in customer-time within w days after a complaint about X *when X is the
  customer's only complaint in those w days*, against comparable customer-time with no complaint at
  all in the previous w days, stratified by tenure band × ARPU band × contract active × calendar
  quarter; the 95% interval uses the Greenland-Robins variance. Time with complaints about several
  things counts for neither side.
* **Baseline** `baseline_rate_w = rate_w / lift_w`: the w-day rate the same complainants would
  have had without X's own effect — comparable customers who did not complain about X, with the
  same attributes and other complaints. So rate / baseline = lift, as a reader expects.
* **Quiet customers** `quiet_rate_w`: the observed w-day port-out probability of customer-time with
  no complaint in the previous w days, standardised to the complainants' strata at their index
  days; `crude_lift_w = rate_w / quiet_rate_w` is the unadjusted comparison.

Customer-time runs from max(start, first dated complaint, joining day) to min(end, the day after the
last port-out request in the library, porting out) and is cut wherever a complaint starts or ends
an exposure, a tenure band or contract ends, or a quarter begins — computed in DuckDB.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable

import numpy as np
import pandas as pd

from ..config import Library
from .linkbase import (PORT_OUTS_SQL, DateLike, LinkError, follow_up_end, model_version, painpoint_names,
                       require_customers, require_port_events, to_date)
from ..store import LibraryStore, open_store

Z95 = 1.959964
UNASSIGNED = {"?", "-1"}  # complaints without a pain point/topic in this version: never a row, never quiet
TENURE_DAYS = (365, 1096, 2922)  # tenure bands: < 1, 1-3, 3-8, 8+ years


def stratum_sql(d: str, u: str = "u") -> str:
    """Tenure band | ARPU band | contract active | quarter, of customer `u` on day `d` (a DATE expression)."""
    return f"""(CASE WHEN {u}.tenure_start IS NULL THEN 't?' WHEN {d} - {u}.tenure_start < 365 THEN 't<1'
        WHEN {d} - {u}.tenure_start < 1096 THEN 't1-3' WHEN {d} - {u}.tenure_start < 2922 THEN 't3-8' ELSE 't8+' END
     || '|' || CASE WHEN {u}.arpu IS NULL THEN 'a?' WHEN {u}.arpu < 30 THEN 'a<30' WHEN {u}.arpu < 80 THEN 'a30-80'
        WHEN {u}.arpu < 150 THEN 'a80-150' ELSE 'a150+' END
     || '|' || CASE WHEN {u}.contract_end >= {d} THEN 'c1' ELSE 'c0' END
     || '|' || year({d}) || 'Q' || quarter({d}))"""


def _windows(windows: Iterable[int]) -> tuple[int, ...]:
    try:
        ws = tuple(sorted({int(w) for w in windows}))
    except (TypeError, ValueError):
        raise LinkError(f"windows must be whole numbers of days, got {windows!r}") from None
    if not ws or ws[0] < 1:
        raise LinkError("windows must be at least one day, e.g. (30, 60, 90)")
    return ws


def painpoint_lift(library: Library, level: str = "painpoint", windows: Iterable[int] = (30, 60, 90),
                   version: int | None = None, start: DateLike = None, end: DateLike = None,
                   lexicons: str | None = None) -> pd.DataFrame:
    """One row per pain point (level="painpoint") or stable topic (level="topic"): complainants, the
    share who requested a port-out within each window, the baseline rate of comparable customers
    who did not complain about it, the lift with a 95% interval, and the median days from the
    complaint to the port-out request; sorted by the lift of the longest window, highest first.
    The module docstring defines each number."""
    if level not in ("painpoint", "topic"):
        raise LinkError(f"level must be 'painpoint' or 'topic', got {level!r}")
    ws = _windows(windows)
    start, end = to_date(start, "start"), to_date(end, "end")
    if start and end and start >= end:
        raise LinkError(f"start {start} must be before end {end}")
    with open_store(library) as s:
        require_customers(s)
        require_port_events(s)
        v = model_version(s, version)
        fu = follow_up_end(s)
        _prepare(s, level, v)
        cmp_cells, per_key = _complainants(s, ws, start, end, fu)
        first = s.scalar("SELECT min(day) FROM _kc")
        p0 = max(d for d in (start, first) if d is not None) if first else None
        p1 = min(d for d in (end, fu + dt.timedelta(days=1)) if d is not None)
        pts = _person_time(s, ws, p0, p1) if p0 and p0 < p1 else {}
        meta = _key_meta(s, level, v, lexicons)
    if per_key.empty or not pts:
        return _frame(pd.DataFrame(columns=["key"]), meta, level, ws)
    cells = dict(tuple(cmp_cells.groupby("key")))
    split = {}  # per window: quiet time per stratum, and each key's time alone per stratum
    for w, pt in pts.items():
        by = {k: g.groupby("stratum")[["days", "events"]].sum() for k, g in pt.groupby("keys")}
        split[w] = (by.pop("", pt.iloc[:0].groupby("stratum")[["days", "events"]].sum()), by)
    rows = []
    for key, info in per_key.iterrows():
        row = {"key": key, "complainants": int(info["complainants"]), "uncertain": int(info["uncertain"]),
               "median_days_to_port": info["median_days"]}
        for w in ws:
            quiet, alone = split[w]
            row.update(_window_stats(w, cells.get(key, cmp_cells.iloc[:0]), quiet,
                                     alone.get(key, quiet.iloc[:0])))
        rows.append(row)
    return _frame(pd.DataFrame(rows), meta, level, ws)


def _prepare(s: LibraryStore, level: str, v: int) -> None:
    """Temp tables: every dated complaint of a known customer with its key in model version v;
    port-out requests; the day each customer left."""
    key = "coalesce(a.painpoint, '?')" if level == "painpoint" else "coalesce(a.topic_id::VARCHAR, '?')"
    s.execute(f"""CREATE OR REPLACE TEMP TABLE _kc AS
        SELECT c.customer_key, c.received_at::DATE AS day, {key} AS key,
               coalesce(a.painpoint_status = 'uncertain', false) AS unsure
        FROM complaints c JOIN customers u ON u.customer_key = c.customer_key
        LEFT JOIN assignments a ON a.complaint_id = c.complaint_id AND a.version = {int(v)}
        WHERE c.received_at IS NOT NULL""")
    s.execute(f"CREATE OR REPLACE TEMP TABLE _po AS SELECT customer_key, day, gone_at FROM ({PORT_OUTS_SQL})")
    s.execute("""CREATE OR REPLACE TEMP TABLE _gone AS
        SELECT customer_key, min(gone_at)::DATE AS gone_day FROM _po WHERE gone_at IS NOT NULL GROUP BY 1""")


def _complainants(s: LibraryStore, ws: tuple[int, ...], start, end, fu: dt.date):
    rng = [f"day >= DATE '{start}'"] if start else []
    rng += [f"day < DATE '{end}'"] if end else []
    rng += ["key NOT IN ('?', '-1')"]
    s.execute(f"""CREATE OR REPLACE TEMP TABLE _cmp AS
        WITH idx AS (SELECT key, customer_key, min(day) AS d, bool_and(unsure) AS unsure FROM _kc
                     WHERE {' AND '.join(rng)} GROUP BY key, customer_key)
        SELECT i.key, i.customer_key, i.d, i.unsure, {stratum_sql('i.d')} AS stratum,
               (SELECT min(p.day) FROM _po p WHERE p.customer_key = i.customer_key AND p.day >= i.d) AS port_day
        FROM idx i JOIN customers u ON u.customer_key = i.customer_key
        LEFT JOIN _gone g ON g.customer_key = i.customer_key
        WHERE g.gone_day IS NULL OR g.gone_day >= i.d""")
    counts = ", ".join(
        f"count(*) FILTER (WHERE d + {w - 1} <= DATE '{fu}') AS n_{w}, "
        f"count(*) FILTER (WHERE d + {w - 1} <= DATE '{fu}' AND port_day < d + {w}) AS e_{w}" for w in ws)
    cells = s.query(f"SELECT key, stratum, {counts} FROM _cmp GROUP BY ALL")
    wl = ws[-1]
    per_key = s.query(f"""SELECT key, count(*) AS complainants, count(*) FILTER (WHERE unsure) AS uncertain,
        median(port_day - d) FILTER (WHERE d + {wl - 1} <= DATE '{fu}' AND port_day < d + {wl}) AS median_days
        FROM _cmp GROUP BY key ORDER BY key""").set_index("key")
    return cells, per_key


def _person_time(s: LibraryStore, ws: tuple[int, ...], p0: dt.date, p1: dt.date) -> dict[int, pd.DataFrame]:
    """Days at risk and port-out requests per (the one key complained about in the last w days, '' for
    none; stratum), for every window w at once: customer-time is cut at the change points of all windows
    together, so each piece has one key set per window and the sums per (keys, stratum) are those of
    each window alone."""
    quarters = pd.date_range(pd.Timestamp(p0).to_period("Q").start_time, pd.Timestamp(p1), freq="QS")
    qlist = ", ".join(f"DATE '{q.date()}'" for q in quarters) or f"DATE '{p0}'"
    tenure = " UNION ALL ".join(f"SELECT customer_key, tenure_start + {d} FROM _risk WHERE tenure_start IS NOT NULL"
                                for d in TENURE_DAYS)
    ends = " ".join(f"UNION ALL SELECT customer_key, day + {w} FROM _kc" for w in ws)
    # Only time with no key or exactly one key counts (see the module docstring): min and max tell
    # which, far cheaper than listing every key set; several keys become NULL and drop out below.
    keys = ", ".join(f"""CASE WHEN count(*) FILTER (WHERE k.day + {w} > s.a) = 0 THEN ''
        WHEN min(k.key) FILTER (WHERE k.day + {w} > s.a) = max(k.key) FILTER (WHERE k.day + {w} > s.a)
        THEN min(k.key) FILTER (WHERE k.day + {w} > s.a) END AS keys_{w}""" for w in ws)
    s.execute(f"""CREATE OR REPLACE TEMP TABLE _risk AS
        SELECT * FROM (
          SELECT u.customer_key, greatest(coalesce(u.tenure_start, DATE '{p0}'), DATE '{p0}') AS r0,
                 least(coalesce(g.gone_day + 1, DATE '{p1}'), DATE '{p1}') AS r1,
                 u.tenure_start, u.arpu, u.contract_end
          FROM customers u LEFT JOIN _gone g ON g.customer_key = u.customer_key) WHERE r0 < r1""")
    pt = s.query(f"""
        WITH cp AS (
            SELECT customer_key, r0 AS day FROM _risk UNION ALL SELECT customer_key, r1 FROM _risk
            UNION ALL SELECT customer_key, day FROM _kc {ends}
            UNION ALL SELECT customer_key, contract_end + 1 FROM _risk WHERE contract_end IS NOT NULL
            UNION ALL {tenure}
            UNION ALL SELECT customer_key, unnest([{qlist}]) FROM _risk),
        pts AS (SELECT DISTINCT c.customer_key, c.day FROM cp c JOIN _risk r ON r.customer_key = c.customer_key
                AND c.day >= r.r0 AND c.day <= r.r1),
        seg AS (SELECT * FROM (SELECT customer_key, day AS a,
                       lead(day) OVER (PARTITION BY customer_key ORDER BY day) AS b FROM pts) WHERE b IS NOT NULL),
        ex AS (SELECT s.customer_key, s.a, {keys}
               FROM seg s JOIN _kc k ON k.customer_key = s.customer_key AND k.day <= s.a AND k.day + {ws[-1]} > s.a
               GROUP BY ALL),
        ev AS (SELECT s.customer_key, s.a, count(*) AS events FROM seg s
               JOIN _po p ON p.customer_key = s.customer_key AND p.day >= s.a AND p.day < s.b GROUP BY ALL)
        SELECT {", ".join(f"CASE WHEN ex.a IS NULL THEN '' ELSE ex.keys_{w} END AS keys_{w}" for w in ws)}, {stratum_sql('s.a', 'r')} AS stratum,
               sum(s.b - s.a)::DOUBLE AS days, coalesce(sum(ev.events), 0)::DOUBLE AS events
        FROM seg s JOIN _risk r ON r.customer_key = s.customer_key
        LEFT JOIN ex ON ex.customer_key = s.customer_key AND ex.a = s.a
        LEFT JOIN ev ON ev.customer_key = s.customer_key AND ev.a = s.a
        GROUP BY ALL""")
    return {w: pt.groupby([f"keys_{w}", "stratum"], as_index=False)[["days", "events"]].sum()
              .rename(columns={f"keys_{w}": "keys"}) for w in ws}


def _window_stats(w: int, cells: pd.DataFrame, quiet: pd.DataFrame, alone: pd.DataFrame) -> dict:
    """One key's figures for window w: its complainants' cells, and person-time (index stratum; days,
    events) with no complaint and with only this key."""
    n, e = f"n_{w}", f"e_{w}"
    c = cells.loc[cells[n] > 0, ["stratum", n, e]]
    n1, e1 = int(c[n].sum()), int(c[e].sum())
    rate = e1 / n1 if n1 else np.nan
    r_all = quiet["events"].sum() / quiet["days"].sum() if quiet["days"].sum() else np.nan
    r0 = (quiet["events"] / quiet["days"]).reindex(c["stratum"]).fillna(r_all).to_numpy()
    quiet_rate = float(np.sum(c[n].to_numpy() / n1 * (1 - np.exp(-w * r0)))) if n1 else np.nan
    lift, lo, hi = _mantel_haenszel(alone, quiet)
    return {f"followed_{w}": n1, f"ported_{w}": e1, f"rate_{w}": rate,
            f"baseline_rate_{w}": rate / lift if n1 and lift > 0 else np.nan,
            f"lift_{w}": lift, f"lift_{w}_lo": lo, f"lift_{w}_hi": hi, f"quiet_rate_{w}": quiet_rate,
            f"crude_lift_{w}": rate / quiet_rate if n1 and quiet_rate > 0 else np.nan,
            f"exposed_days_{w}": float(alone["days"].sum()), f"exposed_ports_{w}": int(alone["events"].sum())}


def _mantel_haenszel(exposed: pd.DataFrame, quiet: pd.DataFrame) -> tuple[float, float, float]:
    """Stratified rate ratio of two person-time tables (index stratum; days, events) with its 95% CI."""
    j = exposed.merge(quiet, left_index=True, right_index=True, suffixes=("1", "0"))
    j = j[(j["days1"] > 0) & (j["days0"] > 0)]
    if j.empty:
        return np.nan, np.nan, np.nan
    t = j["days1"] + j["days0"]
    num = float((j["events1"] * j["days0"] / t).sum())
    den = float((j["events0"] * j["days1"] / t).sum())
    if den <= 0:
        return np.nan, np.nan, np.nan
    if num <= 0:  # no port-outs in exposed time: ratio 0, upper bound from 3.689 events (one-sided 97.5%)
        expected = float((j["days1"] * j["events0"] / j["days0"]).sum())
        return 0.0, 0.0, 3.689 / expected if expected > 0 else np.nan
    rr = num / den
    var = float((j["days1"] * j["days0"] * (j["events1"] + j["events0"]) / t ** 2).sum()) / (num * den)
    sd = np.sqrt(var)
    return rr, float(rr * np.exp(-Z95 * sd)), float(rr * np.exp(Z95 * sd))


def _key_meta(s: LibraryStore, level: str, v: int, lexicons: str | None) -> pd.DataFrame:
    names = painpoint_names(lexicons)
    if level == "painpoint":
        return pd.DataFrame([{"key": k, "label": nm, "department": dep} for k, (nm, dep) in names.items()])
    t = s.query("""SELECT t.topic_id::VARCHAR AS key, coalesce(c.label, t.label) AS label, t.painpoint, t.status,
                   t.size FROM topics t LEFT JOIN curation c USING (topic_id) WHERE t.version = ?""", [v])
    t["department"] = [names.get(p, ("", ""))[1] for p in t["painpoint"]]
    t["painpoint_name"] = [names.get(p, (p, ""))[0] for p in t["painpoint"]]
    return t[["key", "label", "department", "painpoint", "painpoint_name", "status", "size"]]


def _frame(df: pd.DataFrame, meta: pd.DataFrame, level: str, ws: tuple[int, ...]) -> pd.DataFrame:
    """Name, order and sort the columns; pain points are keyed by their Chinese name."""
    df = df.merge(meta, on="key", how="left")
    if level == "painpoint":
        df["painpoint"] = df["key"]
        df["label"] = df["label"].fillna(df["key"]) if len(df) else df.get("label")
        df["department"] = df["department"].fillna("")
        df["key"] = df["label"]
    else:
        df["key"] = df["key"].astype(int)
    extra = ["painpoint"] + (["painpoint_name", "status", "size"] if level == "topic" else [])
    cols = ["key", "label", "department", *extra, "complainants", "uncertain"]
    cols += [f"{p}_{w}" for w in ws for p in ("followed", "ported", "rate", "baseline_rate")]
    for w in ws:
        cols += [f"lift_{w}", f"lift_{w}_lo", f"lift_{w}_hi", f"quiet_rate_{w}", f"crude_lift_{w}",
                 f"exposed_days_{w}", f"exposed_ports_{w}"]
    cols += ["median_days_to_port"]
    df = df.reindex(columns=cols)
    return df.sort_values([f"lift_{ws[-1]}", "complainants"], ascending=[False, False],
                          na_position="last").reset_index(drop=True)
