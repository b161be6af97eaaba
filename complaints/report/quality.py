"""Section 8: what went in, what was rejected and why, and which model produced the topics."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..text.mask import mask_pii
from ..store import LibraryStore
from .data import UNASSIGNED, ReportData
from .links import Porting
from .model import SECTION_TITLES, Section, Table

TITLE = dict(SECTION_TITLES)["quality"]


def _batches(store: LibraryStore) -> pd.DataFrame:
    b = store.query("SELECT batch_id, kind, source_file, file_format, encoding, ingested_at, rows_read, accepted, "
                    "updated, rejected, skipped FROM batches ORDER BY batch_id")
    b["source_file"] = [mask_pii(Path(str(f)).name) for f in b["source_file"]]  # no server paths or numbers
    b["ingested_at"] = pd.to_datetime(b["ingested_at"]).dt.strftime("%Y-%m-%d %H:%M")
    return b.rename(columns={"batch_id": "批次 Batch", "kind": "类型 Kind", "source_file": "文件 File",
                             "file_format": "格式 Format", "encoding": "编码 Encoding", "ingested_at": "入库时间 Ingested",
                             "rows_read": "读取 Read", "accepted": "接收 Accepted", "updated": "更新 Updated",
                             "rejected": "拒收 Rejected", "skipped": "跳过 Skipped"})


def _rejects(store: LibraryStore) -> pd.DataFrame:
    """Grouped by kind and column with one example reason; reasons can quote a value, so mask them."""
    r = store.query("SELECT kind, coalesce(column_name, '(row)') AS col, count(*) AS n, min(reason) AS reason "
                    "FROM rejects GROUP BY 1, 2 ORDER BY n DESC, 1, 2")
    r["reason"] = [mask_pii(str(x)) for x in r["reason"]]
    return r.rename(columns={"kind": "类型 Kind", "col": "字段 Column", "n": "行数 Rows", "reason": "原因示例 Example reason"})


def _link_checks(porting: Porting) -> pd.DataFrame:
    rows = [(k, int(v), porting.issue_notes.get(k, "")) for k, v in porting.issues.items() if v]
    return pd.DataFrame(rows, columns=["检查 Check", "数量 Count", "处理 Handling"])


def quality(store: LibraryStore, data: ReportData, porting: Porting) -> Section:
    sec = Section(8, "quality", TITLE)
    p = data.period
    now = data.in_period()
    sec.bullets.append(f"报告期 Period covered: {p.text()}（{p.days} 天 days）；比较期 compared with: {p.previous.text()}；"
                       f"趋势窗口 trend window: {data.trend_start} – {p.last_day}.")
    sec.bullets.append(f"本期有日期的投诉 {len(now):,} 件；库中无日期的投诉 {data.undated:,} 件不计入按时间的统计。"
                       f"{data.undated:,} undated complaints in the library are left out of time-based figures.")
    unassigned = int((now["painpoint"] == UNASSIGNED).sum())
    if unassigned:
        sec.bullets.append(f"本期 {unassigned:,} 件投诉晚于模型入库，尚未归入话题：运行 complaints update。"
                           f"{unassigned:,} complaints arrived after the model: run `complaints update`.")
    v = data.version
    if v:
        params = json.loads(v.get("params") or "{}")
        model = pd.DataFrame([
            ("模型版本 Model version", str(int(v["version"]))), ("类型 Kind", str(v["kind"])),
            ("创建时间 Created", str(pd.Timestamp(v["created_at"]))[:19]),
            ("嵌入 Embedder", f"{v['embedder']} ({v['embedder_id']})"), ("聚类 Clustering", str(v["clustering"])),
            ("文档数 Documents", f"{int(v['n_docs']):,}"), ("话题数 Topics", f"{int(v['n_topics']):,}"),
            ("未归类比例 Outlier share", f"{float(v['outlier_share']):.1%}"),
            ("参数 Parameters", ", ".join(f"{k}={x}" for k, x in params.items())),
        ], columns=["项目 Item", "值 Value"])
        sec.tables.append(Table("模型 Model", model))
    else:
        sec.bullets.append("尚未拟合话题模型 No topic model yet: run `complaints fit`.")
    sec.bullets.append("方法 Method: 投诉文本经繁简转换、全半角归一、去除 HTML/表情并脱敏（手机号、固话、身份证、银行卡、邮箱、姓名、工号）；"
                       "jieba + 电信词典分词；BERTopic 聚类为稳定编号的话题，零样本映射到痛点分类。"
                       "Texts are normalised and masked before storage; topics come from BERTopic with stable ids; "
                       "pain points come from the taxonomy in lexicons/painpoints.yaml.")
    batches = _batches(store)
    if not batches.empty:
        sec.tables.append(Table("入库批次 Batches ingested", batches,
                                {c: "int" for c in batches.columns if c.split()[0] in
                                 ("读取", "接收", "更新", "拒收", "跳过")}))
    rejects = _rejects(store)
    total = int(rejects["行数 Rows"].sum()) if not rejects.empty else 0
    sec.bullets.append(f"拒收 {total:,} 行（原始值已脱敏，见 complaints rejects）。{total:,} rows rejected; "
                       "see `complaints rejects` for each row.")
    if not rejects.empty:
        sec.tables.append(Table("拒收原因 Rejected rows by reason", rejects, {"行数 Rows": "int"}))
    checks = _link_checks(porting) if porting.available else pd.DataFrame()
    if not checks.empty:
        sec.tables.append(Table("关联数据检查 Linking checks (whole library)", checks, {"数量 Count": "int"},
                                note="客户、投诉与携转记录关联时发现的不一致，已计数并按说明处理。"
                                     "What does not add up when complaints, customers and port events are linked."))
    return sec
