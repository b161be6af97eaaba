"""Chinese column headers and number formats for the tables analysts open in Excel.

Every table the toolkit writes for a spreadsheet (export, link --out, at-risk) keeps canonical
snake_case names inside the code; this registry says what each is called in Chinese and how its
numbers are shown. `--headers en` keeps the canonical names; the workbook's 字段说明 sheet lists both.
Windowed columns (`lift_90`, `rate_30` …) are named from their pattern.
"""

from __future__ import annotations

import re

# canonical name -> (Chinese header, format kind); kinds: int, float1, float2, pct, x2, datetime, date, text
HEADERS: dict[str, tuple[str, str]] = {
    # complaints (export)
    "complaint_id": ("工单编号", "text"), "customer_key": ("客户键(哈希)", "text"),
    "received_at": ("受理时间", "datetime"), "channel": ("受理渠道", "text"), "region": ("地市", "text"),
    "text": ("投诉内容(已脱敏)", "text"), "escalated": ("是否工信部申诉", "text"),
    "resolved_at": ("办结时间", "datetime"), "satisfaction": ("满意度", "float1"),
    "repeat_of": ("重复投诉(首单编号)", "text"), "topic_id": ("话题编号", "int"), "topic_label": ("话题标签", "text"),
    "painpoint": ("痛点代码", "text"), "painpoint_name": ("痛点", "text"), "department": ("负责部门", "text"),
    "confidence": ("置信度", "float2"), "assigned_by": ("归类方式", "text"), "model_version": ("模型版本", "int"),
    # link: lift
    "key": ("痛点/话题", "text"), "label": ("名称", "text"), "status": ("状态", "text"), "size": ("话题规模", "int"),
    "complainants": ("投诉客户数", "int"), "median_days_to_port": ("投诉到携出中位天数", "float1"),
    # link: porting reasons, port-outs, net flow, data checks
    "painpoint_key": ("痛点代码", "text"), "port_outs": ("携出申请数", "int"), "share": ("占携出比例", "pct"),
    "completed": ("已携出", "int"), "cancelled": ("已撤销(挽留)", "int"), "event_id": ("携转单号", "text"),
    "requested_at": ("申请时间", "datetime"), "completed_at": ("完成时间", "datetime"),
    "other_operator": ("对方运营商", "text"), "known_customer": ("客户在客户表中", "text"),
    "n_complaints": ("申请前投诉数", "int"), "painpoints": ("投诉过的痛点", "text"), "topics": ("投诉过的话题", "text"),
    "topic_labels": ("话题标签", "text"), "days_since_last_complaint": ("距最近投诉天数", "float1"),
    "month": ("月份", "text"), "port_out": ("携出(完成)", "int"), "port_in": ("携入(完成)", "int"),
    "net": ("净流入", "int"), "port_out_requests": ("携出申请", "int"), "port_out_cancelled": ("撤销申请", "int"),
    "issue": ("检查项", "text"), "count": ("数量", "int"), "handling": ("处理方式", "text"),
    "issue_code": ("检查代码", "text"),
    # at-risk
    "phone": ("手机号码", "text"), "score": ("风险分(携出概率)", "pct"), "tier": ("风险等级", "text"),
    "reasons": ("预警原因", "text"), "actions": ("建议挽留动作", "text"),
    "painpoint_effects": ("痛点贡献", "text"), "drivers": ("非投诉因素贡献", "text"),
    "recent_painpoints": ("近90天投诉痛点", "text"), "plan": ("套餐", "text"), "tenure_days": ("在网天数", "int"),
    "arpu": ("ARPU", "float2"), "contract_active": ("合约在期", "text"), "complaints_90d": ("近90天投诉数", "int"),
    "porting_complaint_90d": ("近90天有携转相关投诉", "text"), "port_out_in_progress": ("携出申请进行中", "text"),
}

_WINDOWED = [  # (pattern, Chinese with {w} days, kind)
    (r"rate_(\d+)", "{w}天携出率", "pct"), (r"baseline_rate_(\d+)", "{w}天基线携出率", "pct"),
    (r"quiet_rate_(\d+)", "{w}天未投诉客户携出率", "pct"), (r"followed_(\d+)", "{w}天满期跟踪客户数", "int"),
    (r"ported_(\d+)", "{w}天内携出客户数", "int"), (r"lift_(\d+)", "{w}天携出提升", "x2"),
    (r"lift_(\d+)_lo", "{w}天提升95%下限", "x2"), (r"lift_(\d+)_hi", "{w}天提升95%上限", "x2"),
    (r"crude_lift_(\d+)", "{w}天未调整提升", "x2"), (r"exposed_days_(\d+)", "{w}天暴露客户天数", "int"),
    (r"exposed_ports_(\d+)", "{w}天暴露期携出数", "int"),
]

# coded values shown in Chinese with Chinese headers
VALUES: dict[str, dict[str, str]] = {
    "status": {"completed": "成功", "cancelled": "撤销", "rejected": "拒绝", "pending": "处理中",
               "active": "稳定", "emerging": "新兴", "merged": "已合并"},
    "tier": {"high": "高", "medium": "中", "low": "低"},
}

SHEETS: dict[str, str] = {
    "complaints": "投诉明细", "lift": "携出提升", "porting_reasons": "携出原因", "port_outs": "携出明细",
    "port_out_topics": "携出前话题", "net_flow": "净携转", "data_issues": "数据检查", "at_risk": "预警名单",
    "call_list": "挽留外呼名单", "fields": "字段说明",
}


def header(name: str) -> tuple[str, str | None]:
    """(Chinese header, format kind) of a canonical column; unknown columns keep their name."""
    if name in HEADERS:
        return HEADERS[name]
    for pattern, zh, kind in _WINDOWED:
        m = re.fullmatch(pattern, name)
        if m:
            return zh.format(w=m.group(1)), kind
    return name, None


def sheet_title(name: str) -> str:
    return SHEETS.get(name, name)
