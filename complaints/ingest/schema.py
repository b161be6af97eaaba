"""Canonical records and the Chinese (and English) export headers that map onto them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import InputFileError
from ..text.mask import contains_pii, mask_pii
from ..text.normalize import strip_invisible


@dataclass(frozen=True)
class RecordKind:
    name: str
    fields: tuple[str, ...]
    required: tuple[str, ...]
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)


_CUSTOMER_ALIASES = (
    "客户号码", "手机号码", "用户号码", "服务号码", "手机号", "电话号码", "计费号码", "客户编号", "用户编号",
    "用户id", "客户id", "customer", "customer_key", "customer_id", "msisdn", "phone", "user_id",
)

COMPLAINT = RecordKind(
    name="complaints",
    fields=("complaint_id", "customer_key", "received_at", "channel", "region", "text",
            "escalated", "resolved_at", "satisfaction"),
    required=("text",),
    aliases={
        "complaint_id": ("工单编号", "投诉编号", "工单号", "投诉单号", "投诉工单号", "流水号", "留言编号",
                         "complaint_id", "ticket_id", "message_id", "id"),
        "customer_key": _CUSTOMER_ALIASES,
        "received_at": ("受理时间", "投诉时间", "建单时间", "创建时间", "提交时间", "留言时间", "发布时间",
                        "发表时间", "受理日期", "投诉日期", "建单日期", "留言日期", "发布日期", "发表日期", "日期", "时间",
                        "received_at", "created_at", "posted_at", "date", "time"),
        "channel": ("渠道", "受理渠道", "投诉渠道", "来源渠道", "来源", "channel", "source"),
        "region": ("地市", "区域", "地区", "城市", "归属地", "所属地市", "region", "city"),
        "text": ("投诉内容", "问题描述", "工单内容", "诉求内容", "留言内容", "留言详情", "投诉描述", "内容",
                 "text", "content", "complaint", "description", "review"),
        "escalated": ("是否工信部申诉", "工信部申诉", "是否申诉", "是否越级", "越级投诉", "escalated"),
        "resolved_at": ("办结时间", "处理完成时间", "解决时间", "结单时间", "归档时间", "resolved_at", "closed_at"),
        "satisfaction": ("满意度", "客户满意度", "满意度评价", "回访满意度", "satisfaction"),
    },
)

CUSTOMER = RecordKind(
    name="customers",
    fields=("customer_key", "plan", "tenure_start", "region", "arpu", "contract_end"),
    required=("customer_key",),
    aliases={
        "customer_key": _CUSTOMER_ALIASES,
        "plan": ("套餐", "套餐名称", "资费套餐", "主套餐", "plan"),
        "tenure_start": ("入网时间", "入网日期", "开户时间", "tenure_start", "activation_date"),
        "region": COMPLAINT.aliases["region"],
        "arpu": ("arpu", "月均消费", "月均arpu", "月均收入"),
        "contract_end": ("合约到期", "合约到期时间", "合约到期日", "协议到期时间", "contract_end"),
    },
)

PORT = RecordKind(
    name="ports",
    fields=("event_id", "customer_key", "direction", "requested_at", "completed_at", "status", "other_operator"),
    required=("customer_key", "direction", "requested_at"),
    aliases={
        "event_id": ("携转单号", "申请单号", "携转编号", "event_id"),
        "customer_key": _CUSTOMER_ALIASES,
        "direction": ("携转方向", "方向", "携转类型", "direction"),
        "requested_at": ("申请时间", "携转申请时间", "申请日期", "requested_at"),
        "completed_at": ("完成时间", "携转完成时间", "生效时间", "completed_at"),
        "status": ("携转状态", "状态", "处理状态", "status"),
        "other_operator": ("对方运营商", "携入方", "携出方", "运营商", "other_operator"),
    },
)

KINDS = {k.name: k for k in (COMPLAINT, CUSTOMER, PORT)}


def _norm_header(h: str) -> str:
    return str(h).replace("\ufeff", "").strip().translate({cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}).lower()


def parse_overrides(pairs: list[str] | None) -> dict[str, str]:
    """`--map 源列=字段` pairs into {source column: canonical field}."""
    out: dict[str, str] = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise InputFileError(f"--map expects 源列=字段, got {_shown(pair)}")
        src, dst = pair.split("=", 1)
        out[src.strip()] = dst.strip()
    return out


def _shown(name) -> str:
    """A column name (or --map pair) as a message may quote it: masked and cut short."""
    return repr(mask_pii(strip_invisible(str(name)))[:60])


_DATE_LIKE = re.compile(r"^\s*\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")
_NUMBER_LIKE = re.compile(r"^\s*[+-]?\d[\d\s.,:-]*$")


def _looks_like_data(name: str) -> bool:
    """A header cell never holds a phone, ID, card or e-mail, a date or a bare number; a data cell often does."""
    s = strip_invisible(str(name))
    if s.startswith("Unnamed:"):  # pandas' name for an empty header cell
        return False
    return contains_pii(s) or bool(_DATE_LIKE.match(s)) or (bool(_NUMBER_LIKE.match(s)) and len(s.strip()) >= 5)


def _check_header(columns: list[str], source: str) -> None:
    data_like = [c for c in columns if _looks_like_data(c)]
    if data_like:
        raise InputFileError(
            f"{source}: the first row looks like data, not a header row (表头): {len(data_like)} of {len(columns)} "
            "column names are phone/ID/card numbers, e-mails, dates or numbers. Add a header row naming the columns "
            "(e.g. 工单编号,手机号码,受理时间,投诉内容) and ingest the file again")


def map_columns(kind: RecordKind, columns: list[str], source: str,
                overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Return {canonical field: source column}; fail at once if a required field has no column, or
    if the "header" is a row of data (a file exported without its header row)."""
    overrides = overrides or {}
    _check_header(columns, source)
    by_norm = {_norm_header(c): c for c in columns}
    mapping: dict[str, str] = {}
    for src, dst in overrides.items():
        if dst not in kind.fields:
            raise InputFileError(
                f"{source}: --map {_shown(src)[1:-1]}={dst[:40]}: unknown field {_shown(dst)} for {kind.name}; "
                f"fields are: {', '.join(kind.fields)}"
            )
        col = by_norm.get(_norm_header(src))
        if col is None:
            raise InputFileError(f"{source}: --map names column {_shown(src)}, which the file does not have; "
                                 f"found columns: {', '.join(_shown(c)[1:-1] for c in columns)}")
        mapping[dst] = col
    taken = set(mapping.values())
    for f in kind.fields:
        if f in mapping:
            continue
        for alias in kind.aliases.get(f, ()) + (f,):
            col = by_norm.get(_norm_header(alias))
            if col is not None and col not in taken:
                mapping[f] = col
                taken.add(col)
                break
    for f in kind.required:
        if f not in mapping:
            names = "/".join(kind.aliases.get(f, ())[:4])
            raise InputFileError(
                f"{source}: missing required column {f!r} (e.g. {names}) for {kind.name}; "
                f"found columns: {', '.join(_shown(c)[1:-1] for c in columns) or '(none)'}. "
                f"Map one with --map 源列={f}."
            )
    return mapping
