"""Segmentation throughput: Segmenter (jieba + lexicons + filtering) against plain jieba.lcut.

Target: the lexicon segmenter at no less than 80% of plain jieba's speed on the same texts.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import machine, table  # noqa: E402
from complaints.demo.generate import generate  # noqa: E402
from complaints.text.normalize import normalize_text  # noqa: E402
from complaints.text.segment import Segmenter  # noqa: E402

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def corpora(n_customers: int) -> dict[str, list[str]]:
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        generate(tmp, n_customers=n_customers, seed=11)
        df = pd.read_csv(Path(tmp) / "complaints.csv", dtype=str, keep_default_na=False)
        out["generated complaints"] = [normalize_text(t) for t in df["投诉内容"]]
    weibo = SHARED / "weibo_telecom_helpdesk.csv"
    if weibo.exists():
        out["weibo telecom (real)"] = [normalize_text(t) for t in pd.read_csv(weibo)["text"].astype(str)]
    return out


def rate(fn, texts, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        for s in texts:
            fn(s)
        best = min(best, time.perf_counter() - t)
    return len(texts) / best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--customers", type=int, default=70000)
    args = ap.parse_args()
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    seg = Segmenter()
    rows = []
    for name, texts in corpora(args.customers).items():
        chars = sum(map(len, texts))
        plain = rate(jieba.lcut, texts)
        ours = rate(seg.cut, texts)
        rows.append([name, len(texts), int(chars / len(texts)), int(plain), int(ours), f"{ours / plain:.0%}"])
    print(f"# segmentation benchmark — {machine()}\n")
    print(table(["texts", "n", "chars/text", "jieba.lcut docs/s", "Segmenter docs/s", "ratio"], rows))


if __name__ == "__main__":
    main()
