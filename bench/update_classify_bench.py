"""`complaints update` against a full fit, and `complaints classify` against loading BERTopic.

On generated data: fit on the oldest ~50,000 complaints, ingest the newest 5,000 and run
`update` (target: under 10% of the fit's time). Then, from a cold shell (a fresh process):
one `complaints classify "…"` (target < 1 s), loading the saved BERTopic model and calling
`transform` on the same text (the thing to beat by 10x), and `classify --file` on 10,000
complaints (target >= 2,000/s). Also: how often the classify artifact's jieba dictionary
subset segments unseen complaints exactly like the full dictionary.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import machine, peak_rss_mb, publish, table  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "complaints"
TEXT = "携号转网一直说我有合约，营业厅不给授权码，已经跑了三趟了"


def wall(cmd: list[str], **kw) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=ROOT, **kw)
    return time.perf_counter() - t


def main() -> None:
    import pandas as pd

    from complaints.config import resolve_library

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--customers", type=int, default=38000, help="38,000 customers give about 55k complaints")
    ap.add_argument("--new", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--keep", type=Path, help="Build the library here and keep it (for profiling).")
    ap.add_argument("--reuse", type=Path, help="A folder kept by --keep: time classify only, on its library.")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        tmp = args.reuse or args.keep or Path(scratch)
        if args.reuse:
            lib = resolve_library(tmp / "lib")
            old, new = pd.read_csv(tmp / "old.csv", dtype=str), pd.read_csv(tmp / "new.csv", dtype=str)
        else:
            lib, old, new = build(tmp, args, rows)
        classify_rows(tmp, lib, old, new, args, rows)
    text = (f"# update and classify benchmark — {machine()} · load average {os.getloadavg()[0]:.1f}\n\n"
            + table(["step", "what", "seconds", "result", "target"], rows)
            + f"\n\npeak RSS of the bench process {peak_rss_mb():.0f} MB")
    publish(text, "update_classify.md")


def build(tmp: Path, args, rows: list) -> tuple:
    """Generate, fit on the older complaints, ingest the newest and update; time both."""
    import pandas as pd

    from complaints.config import resolve_library
    from complaints.demo.generate import generate
    from complaints.ingest.pipeline import ingest_file
    from complaints.topics.fit import fit_library
    from complaints.topics.update import update_library

    generate(tmp / "data", n_customers=args.customers, seed=13)
    df = pd.read_csv(tmp / "data" / "complaints.csv", dtype=str)
    when = pd.to_datetime(df["受理时间"], errors="coerce", format="mixed").fillna(pd.Timestamp("1970-01-01"))
    df = df.iloc[when.argsort(kind="stable")]
    old, new = df.iloc[: -args.new], df.iloc[-args.new:]
    old.to_csv(tmp / "old.csv", index=False)
    new.to_csv(tmp / "new.csv", index=False)
    lib = resolve_library(tmp / "lib")
    ingest_file(lib, "complaints", tmp / "old.csv")

    t = time.perf_counter()
    fitted = fit_library(lib, embedder="lexical")
    fit_s = time.perf_counter() - t
    rows.append(["fit (lexical, UMAP+HDBSCAN)", f"{fitted.n_docs:,} complaints", round(fit_s, 1), "", ""])
    ingest_file(lib, "complaints", tmp / "new.csv")
    t = time.perf_counter()
    upd = update_library(lib)
    upd_s = time.perf_counter() - t
    rows.append([f"update (+{upd.new_complaints:,} new)", f"{upd.assigned:,} assigned, {len(upd.emerging)} emerging, "
                 f"{upd.unassigned:,} unassigned", round(upd_s, 1), f"{upd_s / fit_s:.1%} of fit",
                 "< 10% of fit"])
    rows.append(emerging_row(lib, tmp, upd.version))
    return lib, old, new


def emerging_row(lib, tmp: Path, version: int) -> list:
    """How the update's emerging topics cover the generator's planted new issue (系统升级重复扣费)."""
    import json

    from complaints.store import open_store

    truth = json.loads((tmp / "data" / "ground_truth.json").read_text(encoding="utf-8"))["complaint_pain_points"]
    with open_store(lib) as store:
        got = store.query("SELECT complaint_id, method FROM assignments WHERE version = ?", [version])
        before = store.query("SELECT complaint_id FROM assignments WHERE version = ?", [version - 1])
    new_ids = set(got["complaint_id"]) - set(before["complaint_id"])
    planted = {c for c in new_ids if truth.get(c) == "emerging"}
    members = set(got.loc[got["method"] == "emerging", "complaint_id"])
    caught = len(planted & members)
    return ["emerging topics vs the planted new issue", f"{len(planted)} planted among the new complaints",
            "", f"{caught} of them in emerging topics ({caught / max(1, len(planted)):.0%}); "
                f"{len(members)} members, {caught / max(1, len(members)):.0%} planted", ""]


def classify_rows(tmp: Path, lib, old, new, args, rows: list) -> None:
    """Cold single classify, BERTopic's load + transform, classify --file, dictionary-subset agreement."""
    import pandas as pd

    from complaints.text.segment import Segmenter
    from complaints.topics.compact import current_folder, read_json

    env = {**os.environ, "COMPLAINTS_LIBRARY": str(lib.root), "HF_HUB_OFFLINE": "1"}
    wall([str(BIN), "classify", TEXT, "--json"], env=env)  # page cache warm, as on a working laptop
    cold = [wall([str(BIN), "classify", TEXT, "--json"], env=env) for _ in range(args.repeat)]
    rows.append(["classify 1 text, fresh process", "median of %d" % args.repeat,
                 round(statistics.median(cold), 2), "", "< 1 s"])
    bertopic_code = (
        "import sys; from bertopic import BERTopic; from complaints.embed import load_embedder;"
        "from complaints.topics.vectorizer import ChineseTokenizer, reattach_tokenizer;"
        f"m = BERTopic.load({str(lib.models_dir / 'v1' / 'bertopic')!r}); reattach_tokenizer(m, ChineseTokenizer());"
        f"e = load_embedder({str(lib.models_dir / 'v1' / 'embedder')!r});"
        f"print(m.transform([{TEXT!r}], embeddings=e.transform([{TEXT!r}]))[0])")
    bt = [wall([sys.executable, "-c", bertopic_code], env=env) for _ in range(max(2, args.repeat // 2))]
    bt_s = statistics.median(bt)
    rows.append(["BERTopic.load + transform 1 text, fresh process", f"median of {len(bt)}", round(bt_s, 2),
                 f"classify is {bt_s / statistics.median(cold):.0f}x faster", ">= 10x"])

    sample = pd.concat([new, old.sample(min(len(old), max(0, 10_000 - len(new))), random_state=0)])[["工单编号", "投诉内容"]]
    sample.to_csv(tmp / "batch.csv", index=False)
    f_s = wall([str(BIN), "classify", "--file", str(tmp / "batch.csv"), "--json", "--top-k", "3"], env=env)
    rows.append(["classify --file, 10,000 complaints, fresh process", f"{len(sample) / f_s:,.0f} complaints/s",
                 round(f_s, 1), "", ">= 2,000/s"])

    folder = current_folder(lib)
    from complaints.topics.modelform import load_form

    v1 = folder.parent.parent / "v1" / "classify"
    form = load_form(v1)  # the subset is built on the fit's modelling view, so compare on that view
    full = Segmenter(form=form)
    subset = Segmenter(dictionary=read_json(v1 / "jieba.json"), form=form)
    texts = new["投诉内容"].dropna().tolist()
    same = sum(full.cut(x) == subset.cut(x) for x in texts) / len(texts)
    rows.append(["jieba dictionary subset (v1) on the 5,000 unseen complaints", f"{same:.1%} segmented identically",
                 "", "", ""])

if __name__ == "__main__":
    main()
