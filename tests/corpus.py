"""Small hand-written operator data for the issue-16 regression tests: plain files, no package imports,
so the tests only meet the package through its CLI and its file formats.

`base_rows` gives a few hundred complaints on four clear themes (signal, billing, porting, broadband)
spread over 2025-10..2026-03, enough for a quick lexical fit; `customers_rows` and `ports_rows` give
the customers behind them and monthly port-outs so that `link` and `at-risk` have something to do.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent

THEMES = {
    "signal": ["家里手机信号太差，打电话老是掉线", "小区信号很弱，通话断断续续听不清", "室内没有信号，电话打不出去",
               "最近信号不好，网速很慢，4G经常变成2G", "基站信号覆盖差，地下车库完全没有信号"],
    "billing": ["莫名其妙扣了我二十元增值业务费", "套餐外流量被多扣费，账单对不上", "没有订购的业务每月都在扣费",
                "话费扣费异常，要求退还多收的费用", "乱收费，账单里有不认识的增值业务"],
    "porting": ["想携号转网，营业厅不给授权码", "办理携号转网被拒，说有合约期限制", "携转授权码一直收不到，客服推脱",
                "申请携号转网被告知有靓号协议不能转", "携号转网资格查询说不符合条件"],
    "broadband": ["宽带老是断网，光猫灯一直闪", "宽带网速很慢，报修几天没人上门", "光纤宽带经常掉线，维修师傅不来",
                  "宽带装机预约一周了还没人来装", "家里宽带晚上根本打不开网页"],
}
TAILS = ["，请尽快处理", "，希望给个说法", "。非常不满意", "，已经投诉多次", "", "，要求回电"]
REGIONS = ["杭州", "宁波", "温州", "嘉兴", "绍兴"]
CHANNELS = ["10086热线", "手机营业厅APP", "营业厅", "微博"]
HEADER = ["工单编号", "手机号码", "受理时间", "受理渠道", "地市", "投诉内容", "投诉类别", "满意度", "办结时间"]


def phone(i: int) -> str:
    """A synthetic customer number, 1550000xxxx: never one of the planted secrets below."""
    return f"1550000{i:04d}"


def base_rows(n: int = 240, seed: int = 3, n_customers: int = 120, prefix: str = "B") -> list[list[str]]:
    rng = random.Random(seed)
    start = dt.datetime(2025, 10, 1, 9, 0)
    rows = []
    themes = list(THEMES)
    for i in range(n):
        theme = themes[i % len(themes)]
        when = start + dt.timedelta(days=rng.randrange(0, 180), minutes=rng.randrange(0, 600))
        text = rng.choice(THEMES[theme]) + rng.choice(TAILS)
        rows.append([f"{prefix}{i:04d}", phone(rng.randrange(n_customers)), when.strftime("%Y-%m-%d %H:%M:%S"),
                     rng.choice(CHANNELS), rng.choice(REGIONS), text, theme,
                     rng.choice(["满意", "不满意", "一般", ""]),
                     (when + dt.timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S") if i % 5 else ""])
    return rows


def customers_rows(n_customers: int = 120) -> tuple[list[str], list[list]]:
    header = ["用户号码", "套餐", "入网时间", "地市", "ARPU", "合约到期"]
    rows = [[phone(i), ["5G畅享套餐", "4G飞享套餐", "任我看套餐"][i % 3], f"20{18 + i % 6}-0{1 + i % 9}-15",
             REGIONS[i % 5], f"{38 + (i * 7) % 150}.5", ["", "2026-06-30", "2026-12-31", "2027-03-31"][i % 4]]
            for i in range(n_customers)]
    return header, rows


def ports_rows(n_customers: int = 120) -> tuple[list[str], list[list]]:
    """Every fourth customer ports out, spread over 2025-11..2026-05 (enough training label windows);
    every seventh ported in long before."""
    header = ["携转单号", "用户号码", "携转方向", "申请时间", "完成时间", "携转状态", "对方运营商"]
    rows = []
    for j, i in enumerate(range(0, n_customers, 4)):
        day = dt.date(2025, 11, 1) + dt.timedelta(days=(j * 5) % 200)
        rows.append([f"P{j:04d}", phone(i), "携出", day.isoformat(), (day + dt.timedelta(days=2)).isoformat(),
                     "成功", ["中国联通", "中国电信"][j % 2]])
    for j, i in enumerate(range(1, n_customers, 7)):
        rows.append([f"Q{j:04d}", phone(i), "携入", "2024-05-10", "2024-05-12", "成功", "中国联通"])
    return header, rows


def write_csv(path: Path, header: list[str], rows: list[list], encoding: str = "utf-8") -> Path:
    with open(path, "w", newline="", encoding=encoding) as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def csv_cells(path: Path) -> list[str]:
    """Every cell of a CSV the toolkit wrote (UTF-8 with BOM, for Excel)."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [c for row in csv.reader(f) for c in row]


def live_csv_formulas(cells: list[str]) -> list[str]:
    """Cells a spreadsheet would run as a formula: they open with = + - @ tab or CR and are not numbers."""
    def number(c: str) -> bool:
        try:
            float(c)
            return True
        except ValueError:
            return False

    return [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r") and not number(c)]


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


runner = CliRunner()


def cli(*args, input: str | None = None, env: dict | None = None):
    """Run the real CLI in-process (typer's CliRunner); exceptions are caught and kept on the result
    so that a traceback is an assertion failure with the exception shown, not an error in the test."""
    from cli import app

    return runner.invoke(app, [str(a) for a in args], input=input, env=env)


def cli_ok(*args, **kw):
    res = cli(*args, **kw)
    assert res.exit_code == 0, (args, res.output, repr(res.exception))
    return res


def subprocess_cli(*args, input: bytes | None = None, env: dict | None = None, cwd: Path | None = None):
    """The CLI in a fresh interpreter, for what CliRunner cannot show: real stdin bytes, real stderr."""
    import os

    e = dict(os.environ)
    e["PYTHONPATH"] = str(ROOT) + os.pathsep + e.get("PYTHONPATH", "")
    e.setdefault("HF_HUB_OFFLINE", "1")
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "cli", *[str(a) for a in args]], input=input,
                          capture_output=True, env=e, cwd=cwd or ROOT, timeout=600, check=False)


def fitted_library(root: Path, rows: list[list[str]] | None = None, header: list[str] | None = None) -> Path:
    """A library under root/lib holding the base complaints (plus `rows`), fitted through the CLI."""
    root.mkdir(parents=True, exist_ok=True)
    lib = root / "lib"
    base = write_csv(root / "base.csv", HEADER, base_rows())
    cli_ok("ingest", "complaints", base, "--library", lib)
    if rows:
        extra = write_csv(root / "extra.csv", header or HEADER, rows)
        cli_ok("ingest", "complaints", extra, "--library", lib)
    cli_ok("fit", "--library", lib, "--embedder", "lexical", "--min-topic-size", "10", "--clustering", "kmeans", "--n-topics", "6")
    return lib
