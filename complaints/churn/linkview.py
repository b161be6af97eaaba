"""How link, churn-eval and at-risk results look on a terminal and in files (rich tables, csv/xlsx)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from rich.table import Table

from ..cells import terminal
from .linkbase import LinkError


def _pct(x) -> str:
    return "–" if pd.isna(x) else f"{x:.1%}"


def _ci(lift, lo, hi) -> str:
    if pd.isna(lift):
        return "–"
    return f"{lift:.2f}× ({lo:.2f}–{hi:.2f})" if not (pd.isna(lo) or pd.isna(hi)) else f"{lift:.2f}×"


def lift_table(lift: pd.DataFrame, level: str, top: int | None = None) -> Table:
    ws = sorted(int(c.split("_")[1]) for c in lift.columns if c.startswith("lift_") and c.count("_") == 1)
    wl = ws[-1] if ws else 90
    first = ["痛点 pain point", "部门 department"] if level == "painpoint" else ["话题 topic", "标签 label",
                                                                                 "痛点 pain point"]
    what = "痛点" if level == "painpoint" else "话题"
    t = Table(*first, "投诉客户 complainants", f"{wl}天携出率 rate", f"基线 baseline {wl}d",
              *(f"{w}天提升 lift" for w in ws[:-1]), f"{wl}天提升 lift (95% CI)", "到携出中位天数 median days",
              title=f"各{what}的携出提升（按 {wl} 天提升排序）")
    for r in (lift.head(top) if top else lift).to_dict("records"):
        head = [terminal(r["key"]), r.get("department") or ""] if level == "painpoint" else \
            [str(r["key"]), terminal(r.get("label") or ""), str(r.get("painpoint_name") or r.get("painpoint") or "")]
        t.add_row(*head, f"{int(r['complainants']):,}", _pct(r.get(f"rate_{wl}")), _pct(r.get(f"baseline_rate_{wl}")),
                  *("–" if pd.isna(r.get(f"lift_{w}")) else f"{r[f'lift_{w}']:.2f}×" for w in ws[:-1]),
                  _ci(r.get(f"lift_{wl}"), r.get(f"lift_{wl}_lo"), r.get(f"lift_{wl}_hi")),
                  "–" if pd.isna(r.get("median_days_to_port")) else f"{r['median_days_to_port']:.0f}")
    return t


def reasons_header(reasons) -> str:
    st = reasons.status_counts
    detail = ", ".join(f"{k} {v:,}" for k, v in sorted(st.items(), key=lambda kv: -kv[1]))
    return (f"携出申请 {reasons.port_outs:,} 笔（{detail}；撤销 = 挽留成功），携入 {reasons.port_ins:,} 笔；"
            f"{reasons.no_complaint_share:.1%} 的携出申请前 {reasons.lookback_days} 天内没有投诉 "
            f"({reasons.port_outs:,} port-out requests, {reasons.port_ins:,} port-ins)")


def reasons_table(reasons, top: int | None = None) -> Table:
    t = Table("投诉过的痛点 pain point", "部门 department", "携出申请 port-outs", "占比 share", "已携出 completed",
              "已撤销(挽留) cancelled", title=f"携出原因：每笔携出申请前 {reasons.lookback_days} 天内的投诉")
    for r in (reasons.summary.head(top) if top else reasons.summary).to_dict("records"):
        t.add_row(r["painpoint"], r["department"], f"{r['port_outs']:,}", _pct(r["share"]), f"{r['completed']:,}",
                  f"{r['cancelled']:,}")
    return t


def flow_tables(flow: pd.DataFrame) -> list[Table]:
    tot = flow.groupby("other_operator")[["port_out", "port_in", "net", "port_out_requests",
                                          "port_out_cancelled"]].sum().sort_values("net")
    a = Table("对方运营商 operator", "携出(完成) port-outs", "携入 port-ins", "净流入 net", "携出申请 requests",
              "撤销 cancelled", title="按运营商的净携转（已完成；负数 = 我方流失）")
    for op, r in tot.iterrows():
        a.add_row(str(op), f"{r['port_out']:,}", f"{r['port_in']:,}", f"{r['net']:+,}", f"{r['port_out_requests']:,}",
                  f"{r['port_out_cancelled']:,}")
    piv = flow.pivot_table(index="month", columns="other_operator", values="net", aggfunc="sum", fill_value=0)
    b = Table("月份 month", *map(str, piv.columns), "合计 total", title="每月净携转")
    for m, r in piv.iterrows():
        b.add_row(str(m), *(f"{int(v):+,}" for v in r), f"{int(r.sum()):+,}")
    return [a, b]


def issues_table(issues: dict[str, int], notes: dict[str, str]) -> Table:
    from .link import ISSUES_ZH

    t = Table("数据检查 data issue", "数量 count", "处理方式 handling", title="数据检查（计数，从不静默丢弃）")
    for k, v in issues.items():
        name, how = ISSUES_ZH.get(k, (k.replace("_", " "), notes.get(k, "")))
        t.add_row(name, f"{v:,}", how)
    return t


def _flat(df: pd.DataFrame) -> pd.DataFrame:
    """Lists become 、-joined text so the frame fits a csv cell or a sheet."""
    out = df.copy()
    for c in out.columns:
        if out[c].map(lambda v: isinstance(v, list)).any():
            out[c] = out[c].map(lambda v: "、".join(map(str, v)) if isinstance(v, list) else v)
    return out


def write_frames(frames: dict[str, pd.DataFrame], path: str | Path, headers: str = "zh") -> list[Path]:
    """One .xlsx with a sheet per frame, or one .csv per frame (the first at `path`, the rest beside it);
    Chinese headers, safe cells and Excel formats from `complaints.report.sheets`."""
    from ..report.sheets import Sheet, write_csv, write_xlsx

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise LinkError(f"{path}: 只能写 .csv 或 .xlsx (write .csv or .xlsx)")
    if headers not in ("zh", "en"):
        raise LinkError(f"--headers {headers!r}: 只能是 zh 或 en")
    if suffix == ".xlsx":
        return [write_xlsx(path, [Sheet(name, df) for name, df in frames.items()], headers)]
    written = []
    for i, (name, df) in enumerate(frames.items()):
        p = path if i == 0 else path.with_name(f"{path.stem}_{name}.csv")
        written.append(write_csv(p, Sheet(name, df), headers))
    return written


def churn_table(rep: dict) -> Table:
    t = Table("特征 features", "列数 columns", "AUC (均值 ± 标准差)", "PR-AUC (均值 ± 标准差)", "合并 AUC pooled",
              title=f"{rep['folds']} 折分层交叉验证（按客户分组），标签 {rep['label']}")
    for name, r in rep["results"].items():
        shown = {"attributes": "客户属性 attributes", "attributes+complaints": "属性+投诉 attributes+complaints"}[name]
        cols = "0（无可用列：常数得分）" if r.get("constant") else str(r["features"])
        t.add_row(shown, cols, f"{r['auc']:.3f} ± {r['auc_sd']:.3f}", f"{r['pr_auc']:.4f} ± {r['pr_auc_sd']:.4f}",
                  f"{r['auc_pooled']:.3f}")
    return t


def tier_table(res) -> Table:
    t = Table("等级 tier", "规则 rule", "客户数 customers", "预计携出 expected port-outs", "平均得分 mean score",
              "最低得分 min score", title=f"风险等级（{res.label_horizon} 天内携出；预计携出 = 该等级得分之和）")
    for r in res.tiers:
        t.add_row(f"{r['tier_zh']} {r['tier']}", r["rule"], f"{r['customers']:,}", f"{r['expected_port_outs']:,.1f}",
                  "–" if r["mean_score"] is None else f"{r['mean_score']:.2%}",
                  "–" if r["min_score"] is None else f"{r['min_score']:.2%}")
    return t


def at_risk_table(res, top: int) -> Table:
    t = Table("客户(哈希键)", "得分", "等级", "预警原因", "近90天投诉", "套餐",
              title=f"{res.as_of} 风险最高的 {top} 位客户（{res.label_horizon} 天内携出）")
    for r in res.customers.head(top).to_dict("records"):
        t.add_row(r["customer_key"], f"{r['score']:.1%}", {"high": "高", "medium": "中", "low": "低"}[r["tier"]],
                  terminal(r["reasons"] or "–"),
                  str(r["complaints_90d"]), terminal(r["plan"]) if isinstance(r["plan"], str) else "–")
    return t


def at_risk_frame(res, include_low: bool = False) -> pd.DataFrame:
    return res.customers if include_low else res.customers[res.customers["tier"] != "low"]
