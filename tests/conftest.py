import csv
import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# CliRunner mixes stderr into .output: keep the per-stage progress lines out of the JSON tests parse
# (tests of the progress itself set COMPLAINTS_PROGRESS=log).
os.environ.setdefault("COMPLAINTS_PROGRESS", "off")
ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"

from complaints.config import resolve_library  # noqa: E402


@pytest.fixture
def library(tmp_path):
    return resolve_library(tmp_path / "lib")


def write_csv(path: Path, header: list[str], rows: list[list], encoding: str = "utf-8") -> Path:
    with open(path, "w", newline="", encoding=encoding) as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


COMPLAINT_HEADER = ["工单编号", "手机号码", "受理时间", "受理渠道", "地市", "投诉内容", "投诉类别"]
COMPLAINT_ROWS = [
    ["GD001", "13812345678", "2024-06-01 13:05:00", "10086热线", "杭州", "我家信号太差了，打电话老是掉线，网速也慢", "网络质量"],
    ["GD002", "13812345678", "2024/6/5 13:05", "手机营业厅APP", "杭州", "我家信号太差了!打电话老是掉线，网速也慢。急", "网络质量"],
    ["GD003", "139 1234 5678", "2024年6月1日", "微博", "寧波", "莫名其妙扣了我20元增值業務費，联系电话13900001111", "资费争议"],
    ["GD004", "13700001111", "2024-06-03 09:00:00", "营业厅", "温州", "想携号转网，营业厅不给授权码", "携号转网受阻"],
]


@pytest.fixture
def complaints_csv(tmp_path):
    return write_csv(tmp_path / "complaints.csv", COMPLAINT_HEADER, COMPLAINT_ROWS)


def library_rows(library, sql):
    import duckdb

    con = duckdb.connect(str(library.db_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def generated_library(root: Path, n_customers: int, seed: int,
                      files: tuple[str, ...] = ("customers", "complaints", "ports")):
    """A generated operator (complaints.demo.generate) under root/data, ingested into root/lib; `files`
    picks what goes in: customers, complaints, weibo (the GBK weibo complaints), ports."""
    from complaints.demo.generate import generate
    from complaints.ingest.pipeline import ingest_file

    names = {"customers": ("customers", "customers.csv"), "complaints": ("complaints", "complaints.csv"),
             "weibo": ("complaints", "complaints_weibo_gbk.csv"), "ports": ("ports", "ports.csv")}
    data = root / "data"
    generate(data, n_customers=n_customers, seed=seed)
    lib = resolve_library(root / "lib")
    for f in files:
        kind, name = names[f]
        ingest_file(lib, kind, data / name)
    return data, lib


def split_complaints_csv(src: Path, before: Path, after: Path, day: str) -> None:
    """A generated complaints.csv cut in two: received before `day` (or undated) and from `day` on,
    same header: what a fit sees, then what an update sees."""
    import pandas as pd

    from complaints.ingest.dates import parse_datetime

    cut = pd.Timestamp(day)
    with open(src, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    col = rows[0].index("受理时间")
    early, late = [rows[0]], [rows[0]]
    for r in rows[1:]:
        try:
            d = parse_datetime(r[col]) if len(r) > col else None
        except ValueError:  # the generator plants bad dates; ingest rejects them either way
            d = None
        (late if d is not None and pd.Timestamp(d) >= cut else early).append(r)
    for path, part in ((before, early), (after, late)):
        with open(path, "w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows(part)
