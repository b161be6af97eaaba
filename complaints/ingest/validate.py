"""Turn raw rows into canonical records; every row that cannot be one becomes a reject with a reason."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Callable

import pandas as pd

from .dates import AHEAD, EARLIEST, DateParseError, DateParser, latest_plausible
from .keys import CustomerKeyer, KeyCellError
from ..text.mask import mask_pii
from ..text.normalize import collapse_space, normalize_text, shown, strip_invisible
from .readers import RawTable
from .schema import RecordKind

_TRUE = {"是", "y", "yes", "true", "1", "已申诉", "申诉", "有", "t"}
_FALSE = {"否", "n", "no", "false", "0", "未申诉", "无", "f", ""}
_SATISFACTION = {"非常满意": 5.0, "很满意": 5.0, "满意": 4.0, "基本满意": 3.0, "一般": 3.0,
                 "不满意": 2.0, "很不满意": 1.0, "非常不满意": 1.0}
_DIRECTION = {"携出": "out", "转出": "out", "携出申请": "out", "out": "out", "port_out": "out", "port-out": "out",
              "出": "out", "携入": "in", "转入": "in", "携入申请": "in", "in": "in", "port_in": "in",
              "port-in": "in", "入": "in"}
_STATUS = {"成功": "completed", "完成": "completed", "已完成": "completed", "携转成功": "completed",
           "completed": "completed", "success": "completed", "done": "completed",
           "撤销": "cancelled", "取消": "cancelled", "撤回": "cancelled", "已撤销": "cancelled",
           "cancelled": "cancelled", "canceled": "cancelled",
           "拒绝": "rejected", "失败": "rejected", "驳回": "rejected", "不予携转": "rejected",
           "rejected": "rejected", "failed": "rejected",
           "处理中": "pending", "申请中": "pending", "待处理": "pending", "pending": "pending"}
_OPERATORS = {"移动": "中国移动", "中国移动": "中国移动", "cmcc": "中国移动", "china mobile": "中国移动",
              "联通": "中国联通", "中国联通": "中国联通", "china unicom": "中国联通", "unicom": "中国联通",
              "电信": "中国电信", "中国电信": "中国电信", "china telecom": "中国电信", "telecom": "中国电信",
              "广电": "中国广电", "中国广电": "中国广电", "cbn": "中国广电"}


# Values outside these ranges are typing errors or other columns' values (a phone number as ARPU).
# arpu in 元/month (credits can take it below 0); satisfaction on any scale an operator uses (-1…1, 1…5, 0…100)
_BOUNDS = {"arpu": (-10_000.0, 100_000.0), "satisfaction": (-100.0, 100.0)}
_AHEAD = {"contract_end": dt.timedelta(days=3660)}  # a contract may end years ahead; events happen by now


class RowError(ValueError):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


@dataclass
class Reject:
    row: int
    column: str | None
    reason: str
    raw: str


@dataclass
class Validated:
    records: pd.DataFrame
    rejects: list[Reject] = field(default_factory=list)
    skipped: int = 0  # blank rows and exact duplicates inside the file
    notes: dict[str, int] = field(default_factory=dict)


def digest(*parts) -> str:
    return hashlib.sha1("\x1f".join("" if p is None else str(p) for p in parts).encode("utf-8")).hexdigest()


def derived_id(content_hash: str) -> str:
    """The id of a complaint read from a file without an id column: from its text, customer and date."""
    return "h" + content_hash[:16]


def _blank(v) -> bool:
    return v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and not v.strip())


def _text(v) -> str | None:
    if _blank(v):
        return None
    out = normalize_text(str(v))
    return out or None


def _float(v, column: str, table: dict[str, float] | None = None) -> float | None:
    """A number, or a RowError naming the column: not a number, not finite (inf, nan) or out of range."""
    if _blank(v):
        return None
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        out = float(v)
    else:
        s = collapse_space(str(v)).replace(",", "").replace("元", "").replace("分", "")
        if table and s in table:
            return table[s]
        try:
            out = float(s)
        except ValueError:
            raise RowError(column, f"{column}: not a number: {shown(v)}") from None
    if out != out:
        return None  # NaN is how a spreadsheet says "empty"
    if not math.isfinite(out):
        raise RowError(column, f"{column}: not a finite number: {shown(v)}")
    lo, hi = _BOUNDS.get(column, (-math.inf, math.inf))
    if not lo <= out <= hi:
        raise RowError(column, f"{column}: {shown(v)} is outside the plausible range {lo:g} … {hi:g}")
    return out


def _choice(v, column: str, table: dict[str, str]) -> str | None:
    if _blank(v):
        return None
    s = collapse_space(str(v)).lower()
    if s in table:
        return table[s]
    raise RowError(column, f"{column}: unknown value {shown(v)}; expected one of "
                           f"{', '.join(sorted(set(k for k in table if not k.isascii())))}")


def _bool(v, column: str) -> bool | None:
    if v is None or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, bool):
        return v
    s = collapse_space(str(v)).lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise RowError(column, f"{column}: expected 是/否, got {shown(v)}")


def masked_value(v):
    """A cell as it may be stored: text cleaned and masked; a number whose digits are personal data
    (a phone or card number typed as a number) as its masked digits, any other number as it is."""
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, (int, float)):
        if isinstance(v, float) and not v.is_integer():
            return v
        digits = str(int(v)) if math.isfinite(v) else str(v)
        masked = mask_pii(digits)
        return masked if masked != digits else v
    return normalize_text(str(v))


class _Converter:
    """Shared per-file state: date cache, keyed hashing, the raw row for rejects."""

    def __init__(self, kind: RecordKind, table: RawTable, mapping: dict[str, str], keyer: CustomerKeyer):
        self.kind, self.table, self.mapping, self.keyer = kind, table, mapping, keyer
        self.dates = DateParser()
        # channel, region and attribute values repeat endlessly: clean each distinct one once
        self.short = functools.lru_cache(maxsize=200_000)(_text)
        self.extra = [c for c in table.frame.columns if c not in set(mapping.values())]
        # column names become attribute keys: masked (a headerless file's first row), otherwise as they are
        self.column = functools.lru_cache(maxsize=4096)(lambda c: mask_pii(strip_invisible(str(c))))
        self.latest = {c: latest_plausible(a) for c, a in _AHEAD.items()}
        self.latest_default = latest_plausible(AHEAD)

    def date(self, v, column: str, required: bool = False):
        try:
            out = self.dates(v)
        except DateParseError:
            raise RowError(column, f"{column}: not a date: {shown(v)}") from None
        if out is None:
            if required:
                raise RowError(column, f"{column}: missing")
            return None
        latest = self.latest.get(column, self.latest_default)
        if not EARLIEST <= out <= latest:
            raise RowError(column, f"{column}: date {out:%Y-%m-%d} is outside {EARLIEST:%Y-%m-%d} … {latest:%Y-%m-%d}")
        return out

    def key(self, v) -> str | None:
        try:
            return self.keyer(v)
        except KeyCellError as exc:
            raise RowError("customer_key", str(exc)) from None

    def attributes(self, row: dict) -> str | None:
        attrs = {}
        for c in self.extra:
            v = row.get(c)
            if _blank(v):
                continue
            attrs[self.column(c)] = masked_value(v) if isinstance(v, (int, float, bool)) else self.short(str(v))
        return json.dumps(attrs, ensure_ascii=False, default=str) if attrs else None

    def masked_raw(self, row: dict) -> str:
        """The rejected row as it came in, but with text masked and the customer key hashed."""
        key_col = self.mapping.get("customer_key")
        out = {}
        for c, v in row.items():
            if _blank(v):
                continue
            if c == key_col:
                try:
                    out[c] = self.keyer(v)
                except KeyCellError:
                    out[c] = "<多个号码>"
            else:
                out[self.column(c)] = masked_value(v)
        return json.dumps(out, ensure_ascii=False, default=str)


def _convert(kind: RecordKind, table: RawTable, mapping: dict[str, str], keyer: CustomerKeyer,
             convert_row: Callable[[_Converter, dict], dict], progress: Callable[[int], None] | None) -> Validated:
    conv = _Converter(kind, table, mapping, keyer)
    records, rejects, skipped = [], [], 0
    columns = list(table.frame.columns)
    for i, values in enumerate(table.frame.itertuples(index=False, name=None)):
        row = dict(zip(columns, values))
        rowno = table.row_numbers[i]
        if all(_blank(v) for v in values):
            skipped += 1
            continue
        try:
            rec = convert_row(conv, row)
        except RowError as err:
            rejects.append(Reject(rowno, err.column, err.reason, conv.masked_raw(row)))
            continue
        rec["attributes"] = conv.attributes(row)
        rec["source_row"] = rowno
        records.append(rec)
        if progress and i % 2000 == 0:
            progress(i)
    for rowno, reason, raw in table.bad_rows:
        rejects.append(Reject(rowno, None, mask_pii(reason), json.dumps({"line": normalize_text(raw)},
                                                                        ensure_ascii=False)))
    cols = list(kind.fields) + ["attributes", "source_row"]
    frame = pd.DataFrame.from_records(records, columns=[c for c in cols] + _EXTRA_COLS.get(kind.name, []))
    return Validated(frame, rejects, skipped)


_EXTRA_COLS = {"complaints": ["content_hash", "state_hash"], "customers": ["content_hash"], "ports": ["content_hash"]}


def _complaint_row(c: _Converter, row: dict) -> dict:
    m = c.mapping
    get = lambda f: row.get(m[f]) if f in m else None  # noqa: E731
    text = _text(get("text"))
    if text is None:
        raise RowError("text", "text: empty complaint text")
    received = c.date(get("received_at"), "received_at")
    resolved = c.date(get("resolved_at"), "resolved_at")
    customer = c.key(get("customer_key"))
    channel = c.short(get("channel"))
    if "escalated" in m:
        escalated = _bool(get("escalated"), "escalated")
    else:  # a complaint that arrived through the regulator's appeal line is an escalation
        escalated = bool(channel and ("工信部" in channel or "申诉" in channel))
    satisfaction = _float(get("satisfaction"), "satisfaction", _SATISFACTION)
    raw_id = get("complaint_id")
    content_hash = digest(text, customer, received)
    cid = collapse_space(str(raw_id)) if not _blank(raw_id) else derived_id(content_hash)
    rec = {"complaint_id": cid, "customer_key": customer, "received_at": received, "channel": channel,
           "region": c.short(get("region")), "text": text, "escalated": escalated, "resolved_at": resolved,
           "satisfaction": satisfaction, "content_hash": content_hash}
    return rec


def _customer_row(c: _Converter, row: dict) -> dict:
    m = c.mapping
    get = lambda f: row.get(m[f]) if f in m else None  # noqa: E731
    key = c.key(get("customer_key"))
    if key is None:
        raise RowError("customer_key", "customer_key: missing")
    tenure = c.date(get("tenure_start"), "tenure_start")
    contract = c.date(get("contract_end"), "contract_end")
    rec = {"customer_key": key, "plan": _text(get("plan")),
           "tenure_start": tenure.date() if tenure else None, "region": _text(get("region")),
           "arpu": _float(get("arpu"), "arpu"), "contract_end": contract.date() if contract else None}
    return rec


def _port_row(c: _Converter, row: dict) -> dict:
    m = c.mapping
    get = lambda f: row.get(m[f]) if f in m else None  # noqa: E731
    key = c.key(get("customer_key"))
    if key is None:
        raise RowError("customer_key", "customer_key: missing")
    direction = _choice(get("direction"), "direction", _DIRECTION)
    if direction is None:
        raise RowError("direction", "direction: missing (携出/携入)")
    requested = c.date(get("requested_at"), "requested_at", required=True)
    completed = c.date(get("completed_at"), "completed_at")
    status = _choice(get("status"), "status", _STATUS) or ("completed" if completed else "pending")
    op = _text(get("other_operator"))
    op = _OPERATORS.get(op.lower(), op) if op else None
    raw_id = get("event_id")
    eid = collapse_space(str(raw_id)) if not _blank(raw_id) else "p" + digest(key, direction, requested)[:16]
    return {"event_id": eid, "customer_key": key, "direction": direction, "requested_at": requested,
            "completed_at": completed, "status": status, "other_operator": op}


_ROW = {"complaints": _complaint_row, "customers": _customer_row, "ports": _port_row}
_ID = {"complaints": "complaint_id", "customers": "customer_key", "ports": "event_id"}


def validate(kind: RecordKind, table: RawTable, mapping: dict[str, str], keyer: CustomerKeyer,
             progress: Callable[[int], None] | None = None) -> Validated:
    """Convert, then settle duplicate ids inside the file: identical repeats are skipped,
    conflicting ones rejected (complaints) or resolved last-row-wins (customers, ports: later
    rows are newer snapshots)."""
    out = _convert(kind, table, mapping, keyer, _ROW[kind.name], progress)
    df = out.records
    if df.empty:
        return out
    fields = [f for f in kind.fields if f not in ("complaint_id", "customer_key", "event_id")]
    if kind.name != "complaints":
        df["content_hash"] = [digest(*r) for r in df[fields + ["attributes"]].itertuples(index=False, name=None)]
    else:
        df["state_hash"] = [digest(*r) for r in
                            df[["escalated", "resolved_at", "satisfaction", "attributes"]].itertuples(index=False,
                                                                                                     name=None)]
    id_col = _ID[kind.name]
    later = df.duplicated(id_col, keep="first")
    if later.any():
        if kind.name == "complaints":
            first_hash = df.groupby(id_col, sort=False)["content_hash"].transform("first")
            conflict = later & (df["content_hash"] != first_hash)
            out.skipped += int((later & ~conflict).sum())
            for rowno, cid in df.loc[conflict, ["source_row", id_col]].itertuples(index=False, name=None):
                out.rejects.append(Reject(int(rowno), "complaint_id",
                                          f"complaint_id: duplicate id {cid!r} with different content "
                                          "earlier in the same file", json.dumps({"complaint_id": cid})))
            df = df[~later].reset_index(drop=True)
        else:
            last = ~df.duplicated(id_col, keep="last")
            out.skipped += int((~last).sum())
            df = df[last].reset_index(drop=True)
    out.records = df
    return out
