"""Fit, update, report and classify at operator scale: 100k, 300k and 1M complaints (`--sizes`).

Per size: a generated operator (true pain point per complaint) mixed with real-style tickets varied
from ../shared/data/cocc_dev_tickets.csv (skipped when absent; see bench/scale_data.py) is ingested;
then, each through the real CLI in a fresh process whose whole process tree is sampled for memory:
`complaints fit` (seconds per stage, peak memory as Pss: forked workers counted once, NMI against the
truth), `update` of `--new` newer
complaints, the month's `report`, and `classify --file` throughput. A size/time table closes with
the fitted log-log slope of fit time against size. `--compare N` fits one library of N complaints
twice, sampled and full (`--no-sample`), and reports the NMI between the two and of each against
the truth. The machine's load average is printed with every step: timings on a shared machine are
noisy. One command re-runs it all, writing its tables to bench/out/scale_bench.md after every size:
python bench/scale_bench.py --sizes 100000,300000,1000000 --compare 200000
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import machine, publish, table  # noqa: E402
from bench.scale_data import build  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "complaints"


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for t in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{t}/children") as f:
                    todo += [int(x) for x in f.read().split()]
        except OSError:
            pass
    return out


def _rss_mb(pid: int) -> float:
    """Memory of the process tree: the sum of proportional set sizes (Pss), so the pages forked workers
    share with their parent count once; summing VmRSS would count them once per worker."""
    total = 0
    for p in _tree(pid):
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("Pss:"))
        except (OSError, StopIteration):
            try:
                with open(f"/proc/{p}/status") as f:
                    total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
            except (OSError, StopIteration):
                pass
    return total / 1024


# Reading smaps_rollup walks every page table of a multi-GB process and holds its memory lock: sampled
# every 0.5 s it took ~11% of a core in a 1M run (py-spy), slowing what it measured; every 2 s the peaks
# it is after (UMAP, the topic fit, the placement) last far longer.
MEM_EVERY_S = 2.0


def run(cmd: list[str], env: dict, stdout=subprocess.PIPE) -> tuple[float, float, str]:
    """(seconds, peak memory of the whole process tree in MB (Pss), stdout) of one CLI call in a fresh process."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=stdout, stderr=subprocess.PIPE, text=True)
    peak = [0.0]
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _rss_mb(proc.pid))
            stop.wait(MEM_EVERY_S)

    th = threading.Thread(target=watch, daemon=True)
    th.start()
    out, err = proc.communicate()
    stop.set()
    th.join()
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err[-3000:]}")
    return time.perf_counter() - t, peak[0], out or ""


def nmi_table(lib: Path, truth: dict, tickets: dict, version: int) -> dict:
    import duckdb
    from sklearn.metrics import normalized_mutual_info_score as nmi

    con = duckdb.connect(str(lib / "library.duckdb"), read_only=True)
    a = con.execute("SELECT complaint_id, topic_id, method FROM assignments WHERE version = ?", [version]).df()
    con.close()
    gen = a[a["complaint_id"].isin(truth.keys())]
    out = {"nmi_truth": nmi(gen["complaint_id"].map(truth), gen["topic_id"]) if len(gen) else float("nan")}
    tk = a[a["complaint_id"].isin(tickets.keys())]
    out["nmi_tickets"] = nmi(tk["complaint_id"].map(tickets), tk["topic_id"]) if len(tk) else float("nan")
    out["unassigned"] = float((a["topic_id"] == -1).mean())
    out["labels"] = a.set_index("complaint_id")["topic_id"]
    return out


def size_run(n: int, args, env: dict, work: Path) -> dict:
    from complaints.config import resolve_library
    from complaints.ingest.pipeline import ingest_file

    data = build(work / f"data{n}", n, args.new, args.real_share)
    lib = resolve_library(work / f"lib{n}")
    t = time.perf_counter()
    ingest_file(lib, "customers", data["paths"]["customers"])
    ingest_file(lib, "ports", data["paths"]["ports"])
    for f in data["paths"]["old"]:
        ingest_file(lib, "complaints", f)
    ingest_s = time.perf_counter() - t
    row = {"size": n, "ingest_s": ingest_s, "load_fit": load()}
    size = ["--sample-size", str(args.sample_size)] if args.sample_size else []
    fit_s, fit_rss, out = run([str(BIN), "fit", "--library", str(lib.root), "--json", *size], env)
    fit = json.loads(out)
    row.update(fit_s=fit_s, fit_rss=fit_rss, fit=fit, load_fit_end=load())
    q = nmi_table(lib.root, data["truth"], data["ticket_truth"], fit["version"])
    row.update({k: v for k, v in q.items() if k != "labels"})

    ingest_file(lib, "complaints", data["paths"]["new"])
    row["load_update"] = load()
    up_s, up_rss, out = run([str(BIN), "update", "--library", str(lib.root), "--json"], env)
    row.update(update_s=up_s, update_rss=up_rss, update=json.loads(out))

    import duckdb
    con = duckdb.connect(str(lib.root / "library.duckdb"), read_only=True)
    newest = pd.Timestamp(con.execute("SELECT max(received_at) FROM complaints").fetchone()[0])
    con.close()
    month = (newest.to_period("M") - 1).strftime("%Y-%m")  # the last complete month
    row["load_report"] = load()
    rep_s, rep_rss, _ = run([str(BIN), "report", "--library", str(lib.root), "--period", month,
                             "--out", str(work / f"report{n}")], env)
    row.update(report_s=rep_s, report_rss=rep_rss, report_month=month)

    batch = pd.read_csv(data["paths"]["new"], dtype=str).sample(min(args.classify_n, n), random_state=0, replace=True)
    batch[["工单编号", "投诉内容"]].to_csv(work / "batch.csv", index=False)
    row["load_classify"] = load()
    cl_s, cl_rss, _ = run([str(BIN), "classify", "--library", str(lib.root), "--file", str(work / "batch.csv"),
                           "--json", "--top-k", "3"], env, stdout=subprocess.DEVNULL)
    row.update(classify_s=cl_s, classify_rate=len(batch) / cl_s, classify_rss=cl_rss)
    if not args.keep:
        shutil.rmtree(work / f"data{n}", ignore_errors=True)
        shutil.rmtree(lib.root, ignore_errors=True)
    return row


def compare(n: int, args, env: dict, work: Path) -> list[list]:
    """One library, fitted sampled and full: agreement and quality of each."""
    from sklearn.metrics import normalized_mutual_info_score as nmi

    from complaints.config import resolve_library
    from complaints.ingest.pipeline import ingest_file

    data = build(work / f"cmp{n}", n, 0, args.real_share)
    rows, labels = [], {}
    for mode in ("--sample", "--no-sample"):
        lib = resolve_library(work / f"cmp{n}{mode}")
        for f in data["paths"]["old"]:
            ingest_file(lib, "complaints", f)
        before = load()
        size = ["--sample-size", str(args.sample_size)] if args.sample_size else []
        s, rss, out = run([str(BIN), "fit", "--library", str(lib.root), mode, "--json", *size], env)
        fit = json.loads(out)
        q = nmi_table(lib.root, data["truth"], data["ticket_truth"], fit["version"])
        labels[mode] = q["labels"]
        rows.append([f"{'sampled' if fit['sampled'] else 'full'} fit", f"{fit['n_docs']:,}", fit["n_topics"],
                     f"{q['unassigned']:.1%}", round(s, 1), round(fit["seconds"].get("topics", 0), 1),
                     f"{rss / 1024:.1f}", f"{q['nmi_truth']:.3f}", f"{q['nmi_tickets']:.3f}", f"{before} → {load()}"])
        shutil.rmtree(lib.root, ignore_errors=True)
    a, b = labels["--sample"], labels["--no-sample"]
    common = a.index.intersection(b.index)
    rows.append(["sampled vs full (NMI)", f"{len(common):,}", "", "", "", "", "",
                 f"{nmi(a.loc[common], b.loc[common]):.3f}", "", ""])
    shutil.rmtree(work / f"cmp{n}", ignore_errors=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100000,300000,1000000", help="Library sizes, comma-separated.")
    ap.add_argument("--new", type=int, default=50_000, help="Newer complaints for `update`.")
    ap.add_argument("--real-share", type=float, default=0.1, help="Share of real-style tickets (needs ../shared/data).")
    ap.add_argument("--classify-n", type=int, default=20_000)
    ap.add_argument("--compare", type=int, default=0, help="Also fit one library of this size sampled and full.")
    ap.add_argument("--sample-size", type=int, help="`fit --sample-size` (default: the library's switch, 100,000); "
                    "a small one exercises the sampled path on small sizes.")
    ap.add_argument("--work", type=Path, help="Working folder (default: a temporary one).")
    ap.add_argument("--keep", action="store_true", help="Keep libraries and data.")
    args = ap.parse_args()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    work = args.work or Path(tempfile.mkdtemp(prefix="scale_bench_"))
    work.mkdir(parents=True, exist_ok=True)
    sizes = [int(float(s)) for s in args.sizes.split(",") if s.strip()]
    head = f"# scale benchmark — {machine()} · load average at start {load()}\n"
    print(head, flush=True)
    text = [head]
    rows = []
    for n in sizes:
        r = size_run(n, args, env, work)
        rows.append(r)
        print(json.dumps({k: v for k, v in r.items() if k not in ("fit", "update")}, default=str), flush=True)
        # the tables so far, after every size: a long run that stops later keeps what it measured
        publish("\n".join(text + [stage_table(rows), summary_table(rows), slope_line(rows)]), "scale_bench.md")
    if rows:
        text.append(stage_table(rows))
        text.append(summary_table(rows))
        text.append(slope_line(rows))
    if args.compare:
        text.append(f"\n## sampled against full fit, {args.compare:,} complaints\n")
        text.append(table(["fit", "complaints", "topics", "unassigned", "seconds", "topics s", "peak PSS GB",
                           "NMI vs truth (generated)", "NMI vs operator label (tickets)", "load average"],
                          compare(args.compare, args, env, work)))
    publish("\n".join(text), "scale_bench.md")
    if not args.work and not args.keep:
        shutil.rmtree(work, ignore_errors=True)


def stage_table(rows: list[dict]) -> str:
    stages = ["segment", "painpoints", "sample", "embed", "topics", "assign", "keywords", "store"]
    body = [[f"{r['fit']['n_docs']:,}", "yes" if r["fit"].get("sampled") else "no"]
            + [round(r["fit"]["seconds"].get(s, 0.0), 1) for s in stages]
            + [round(r["fit_s"], 1), f"{r['fit_rss'] / 1024:.1f}", r["fit"]["n_topics"], f"{r['unassigned']:.1%}",
               f"{r['nmi_truth']:.3f}", f"{r['nmi_tickets']:.3f}", f"{r['load_fit']} → {r['load_fit_end']}"]
            for r in rows]
    return "\n## fit, seconds per stage\n\n" + table(
        ["complaints", "sampled"] + [f"{s} s" for s in stages]
        + ["wall s", "peak PSS GB", "topics", "unassigned", "NMI truth", "NMI tickets", "load average"], body)


def summary_table(rows: list[dict]) -> str:
    body = []
    for r in rows:
        up = r["update"]
        body.append([f"{r['fit']['n_docs']:,}", round(r["ingest_s"], 1), round(r["fit_s"], 1),
                     f"{up['new_complaints']:,}", round(r["update_s"], 1), f"{r['update_s'] / r['fit_s']:.1%}",
                     f"{r['update_rss'] / 1024:.1f}", r["report_month"], round(r["report_s"], 1),
                     f"{r['report_rss'] / 1024:.1f}", f"{r['classify_rate']:,.0f}/s", r["load_update"]])
    return "\n## update, report, classify\n\n" + table(
        ["complaints", "ingest s", "fit s", "update: new", "update s", "update / fit", "update PSS GB", "report month",
         "report s", "report PSS GB", "classify --file", "load average"], body)


def slope_line(rows: list[dict]) -> str:
    if len(rows) < 2:
        return ""
    x = np.log([r["fit"]["n_docs"] for r in rows])
    y = np.log([r["fit_s"] for r in rows])
    slope = np.polyfit(x, y, 1)[0]
    return (f"\nfit time against size, log-log slope {slope:.2f} from {rows[0]['size']:,} to {rows[-1]['size']:,} "
            f"(1.0 = linear; target ≤ 1.1)")


if __name__ == "__main__":
    main()
