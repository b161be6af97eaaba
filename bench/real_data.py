"""The real complaint texts of ../shared/data for the pain-point benches (evaluation only).

The Weibo complaints with the 300 gold rows joined on id, and the cocc operator tickets, cleaned
and masked by the package's own `normalize_text` and cut by its `Segmenter`, exactly as the
library stores and segments them (cached under $BENCH_CACHE, default /tmp/bench_painpoints).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pandas as pd

DATA = Path(os.environ.get("COMPLAINTS_REAL_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
CACHE = Path(os.environ.get("BENCH_CACHE", "/tmp/bench_painpoints"))


def prepared(texts: list[str], tag: str, lexicons: str | None = None) -> tuple[list[str], list[list[str]]]:
    """(masked text, tokens) per raw text, cached by content and segmenter id."""
    from complaints.text.normalize import normalize_text
    from complaints.text.segment import Segmenter

    seg = Segmenter(lexicons)
    h = hashlib.sha1(("\n".join(texts) + seg.id).encode()).hexdigest()[:12]
    path = CACHE / f"{tag}_{h}.json"
    if path.exists():
        d = json.loads(path.read_text(encoding="utf-8"))
        return d["clean"], d["tokens"]
    clean = [normalize_text(t) for t in texts]
    tokens = [seg.cut(t) for t in clean]
    CACHE.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"clean": clean, "tokens": tokens}, ensure_ascii=False), encoding="utf-8")
    return clean, tokens


def weibo(lexicons: str | None = None) -> pd.DataFrame:
    """All 2,164 Weibo complaints: id, text, clean, tokens, painpoint/second/sure (NaN off the gold), gold."""
    w = pd.read_csv(DATA / "weibo_telecom_helpdesk.csv", dtype={"id": str})
    g = pd.read_csv(DATA / "weibo_painpoint_gold.csv", dtype={"id": str})
    w = w.merge(g[["id", "painpoint", "second", "sure"]], on="id", how="left")
    w["text"] = w["text"].fillna("")
    w["clean"], w["tokens"] = prepared(w["text"].tolist(), "weibo", lexicons)
    w["gold"] = w["painpoint"].notna()
    return w


def cocc(lexicons: str | None = None) -> pd.DataFrame:
    """The 2,026 cocc operator tickets: ticket, text, label (operator category), clean, tokens."""
    c = pd.read_csv(DATA / "cocc_dev_tickets.csv", dtype={"ticket": str})
    c["text"] = c["text"].fillna("")
    c["clean"], c["tokens"] = prepared(c["text"].tolist(), "cocc", lexicons)
    return c


def real_library(root: Path, category_for: set[str] | None = None, weibo_rows: bool = True, cocc_rows: bool = True):
    """A library holding the real Weibo complaints (ids as in the file) and the cocc tickets (ids
    `cocc-<ticket>`), ingested through the package like an operator's export. `category_for`: cocc
    ticket ids whose operator category rides along as 投诉类别 (supervision); the others carry none."""
    from complaints.config import resolve_library
    from complaints.ingest.pipeline import ingest_file

    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    lib = resolve_library(root / "lib")
    if weibo_rows:
        w = pd.read_csv(DATA / "weibo_telecom_helpdesk.csv", dtype={"id": str})
        w[["id", "text"]].rename(columns={"id": "投诉编号", "text": "投诉内容"}).to_csv(root / "weibo.csv", index=False)
        ingest_file(lib, "complaints", root / "weibo.csv")
    if cocc_rows:
        c = pd.read_csv(DATA / "cocc_dev_tickets.csv", dtype={"ticket": str})
        out = pd.DataFrame({"投诉编号": "cocc-" + c["ticket"], "投诉内容": c["text"]})
        if category_for:
            out["投诉类别"] = [lab if t in category_for else "" for t, lab in zip(c["ticket"], c["label"])]
        out.to_csv(root / "cocc.csv", index=False)
        ingest_file(lib, "complaints", root / "cocc.csv")
    return lib


def stored(lib, version: int | None = None) -> pd.DataFrame:
    """The version's assignments (default: the latest), one row per complaint."""
    from complaints.store import open_store

    with open_store(lib) as s:
        v = version or int(s.scalar("SELECT max(version) FROM model_versions"))
        return s.query("SELECT * FROM assignments WHERE version = ?", [v])
