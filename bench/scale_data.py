"""Data for bench/scale_bench.py: a generated operator at any size, mixed with real-style tickets.

The generated part comes from `complaints.demo.generate` (a true pain point per complaint, in
ground_truth.json); it runs at about 12,000 complaints/s, so a million takes a minute or two.
The real-style part varies the real China Mobile tickets of ../shared/data/cocc_dev_tickets.csv
at run time (digits redrawn, a city swapped, a clause dropped, a closing phrase added), so the
library carries provincial ticket forms and long agent-typed texts without byte-duplicates; their
truth is the operator's own category. Without ../shared/data that part is skipped. Nothing here
ships real rows: they are read when the bench runs and live only in its temporary library.
"""

from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path

import numpy as np
import pandas as pd

# ../shared/data from the checkout (or from any folder above it: worktrees live deeper); COMPLAINTS_SHARED_DATA wins
SHARED = Path(os.environ.get("COMPLAINTS_SHARED_DATA") or next(
    (p / "shared" / "data" for p in Path(__file__).resolve().parents if (p / "shared" / "data").is_dir()),
    Path(__file__).resolve().parent.parent.parent / "shared" / "data"))
COMPLAINTS_PER_CUSTOMER = 1.49  # the generator's complaints (hotline/app export + weibo file) per customer
CITIES = ["北京", "上海", "广州", "深圳", "杭州", "南京", "无锡", "苏州", "沈阳", "大连", "济南", "青岛", "郑州",
          "武汉", "长沙", "成都", "重庆", "西安", "昆明", "南宁", "柳州", "梅州", "辽阳", "昆山", "宁波", "温州"]
CLOSERS = ["", "", "请核实处理。", "请尽快处理，谢谢。", "客户要求尽快回复。", "烦请跟进。", "客户情绪激动，请优先处理。"]
CHANNELS = ["10086热线", "10086热线", "营业厅", "网上营业厅"]
HEADER = ["工单编号", "受理时间", "受理渠道", "地市", "投诉内容", "投诉类别"]


def generate_operator(out: Path, n_complaints: int, seed: int = 13) -> dict[str, str]:
    """The demo generator sized for about `n_complaints` complaints; returns complaint id -> true pain point."""
    from complaints.demo.generate import generate

    generate(out, n_customers=max(2000, round(n_complaints / COMPLAINTS_PER_CUSTOMER)), seed=seed)
    return json.loads((out / "ground_truth.json").read_text(encoding="utf-8"))["complaint_pain_points"]


def _vary(text: str, rng: random.Random) -> str:
    text = re.sub(r"\d+", lambda m: "".join(rng.choice("0123456789") for _ in m.group()), text)
    found = [c for c in CITIES if c in text]
    if found:
        text = text.replace(rng.choice(found), rng.choice(CITIES))
    clauses = re.split(r"(?<=[，。；])", text)
    if len(clauses) >= 4 and rng.random() < 0.5:
        del clauses[rng.randrange(1, len(clauses) - 1)]
    return "".join(clauses) + rng.choice(CLOSERS)


def real_style_tickets(n: int, start: str, end: str, seed: int = 7) -> pd.DataFrame | None:
    """`n` varied real tickets dated uniformly in [start, end], or None without ../shared/data."""
    src = SHARED / "cocc_dev_tickets.csv"
    if n <= 0 or not src.exists():
        return None
    base = pd.read_csv(src, dtype=str).dropna(subset=["text"])
    rng = random.Random(seed)
    nprng = np.random.default_rng(seed)
    pick = nprng.integers(0, len(base), n)
    t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
    seconds = nprng.integers(0, int((t1 - t0).total_seconds()), n)
    texts, labels = base["text"].tolist(), base["label"].tolist()
    return pd.DataFrame({
        "工单编号": [f"RT{i:08d}" for i in range(n)],
        "受理时间": [(t0 + pd.Timedelta(seconds=int(s))).strftime("%Y-%m-%d %H:%M:%S") for s in seconds],
        "受理渠道": [CHANNELS[i % len(CHANNELS)] for i in pick],
        "地市": [rng.choice(CITIES) for _ in range(n)],
        "投诉内容": [_vary(texts[i], rng) for i in pick],
        "投诉类别": [labels[i] for i in pick],
    })


def build(out: Path, n_library: int, n_new: int, real_share: float = 0.1, seed: int = 13) -> dict:
    """Files for a library of about `n_library` complaints plus `n_new` newer ones for `update`.

    Writes old_generated.csv, old_tickets.csv, complaints_weibo_gbk.csv (all old) and new.csv
    (the newest generated complaints and tickets); returns paths and the truth tables."""
    out.mkdir(parents=True, exist_ok=True)
    total = n_library + n_new
    n_tickets = int(round(total * real_share)) if (SHARED / "cocc_dev_tickets.csv").exists() else 0
    truth = generate_operator(out / "gen", total - n_tickets, seed)
    gen = pd.read_csv(out / "gen" / "complaints.csv", dtype=str, keep_default_na=False)
    when = pd.to_datetime(gen["受理时间"], errors="coerce", format="mixed")
    tickets = real_style_tickets(n_tickets, "2025-06-01", "2026-10-31", seed)
    stamps = pd.concat([when.dropna(), pd.to_datetime(tickets["受理时间"]) if tickets is not None else
                        pd.Series([], dtype="datetime64[ns]")])
    cut = stamps.sort_values().iloc[-n_new] if n_new else pd.Timestamp.max
    old_gen, new_gen = gen[~(when >= cut)], gen[when >= cut]
    old_gen.to_csv(out / "old_generated.csv", index=False)
    parts = [new_gen]
    paths = {"old": [out / "old_generated.csv", out / "gen" / "complaints_weibo_gbk.csv"], "new": out / "new.csv",
             "customers": out / "gen" / "customers.csv", "ports": out / "gen" / "ports.csv"}
    ticket_truth: dict[str, str] = {}
    if tickets is not None:
        tw = pd.to_datetime(tickets["受理时间"])
        tickets[tw < cut].to_csv(out / "old_tickets.csv", index=False)
        paths["old"].append(out / "old_tickets.csv")
        parts.append(tickets[tw >= cut])
        ticket_truth = dict(zip(tickets["工单编号"], tickets["投诉类别"]))
    pd.concat(parts, ignore_index=True).to_csv(out / "new.csv", index=False)
    return {"paths": paths, "truth": truth, "ticket_truth": ticket_truth, "cut": cut}
