"""Topics on real text through the real CLI: does a topic follow the customer's problem, not the form?

Each run ingests ../shared/data/cocc_dev_tickets.csv (2,026 real China Mobile tickets, the
operator's 8 labels ride along as an attribute) into a fresh library with `complaints ingest`,
fits it with `complaints fit --json` (plus the run's options) and reads the library back:

* topics, NMI of the topics against the operator's labels (unassigned complaints count as one
  more cluster) and over the assigned ones only;
* the share of complaints placed only by outlier reduction, the share left unassigned;
* the share of topic-label words and top-5 keywords that are places or form words (target 0),
  judged independently of the filters under test: places by JioNLP's gazetteer down to towns
  (when ``$JIONLP_LOCATION`` names its unpacked ``china_location.txt``; else the shipped
  county-level one) plus the address suffix rules; form words as words at least 80% inside a form
  learned on the raw text (a lower bar than the filter's 90%);
* personal-name leaks (a simple checker: a 2-4 character value after a name field such as
  姓名/联系人/操作员/受理人, or a family name before 先生/女士/小姐/师傅) in the stored texts,
  the topic labels, keywords and examples, and the files `complaints export` writes.

``--emerging`` plants the 30 eSIM smart-watch tickets of tests/data/planted_esim.txt (written
in the operator's ticket styles) into a batch of 150 real tickets, fits on the other 1,876 and
runs `complaints update --json`: recall = planted tickets inside emerging topics whose majority is
planted / 30, precision = planted share of those topics; three batches. ``--weibo`` fits the
real Weibo complaints (labels, keywords, bad share) and plants ten chit-chat questions
(tests/data/weibo_chitchat.txt) into a batch of 150 real posts: they must not make a topic.

    python bench/topic_real.py                                  # default fit, emerging, weibo
    python bench/topic_real.py --runs "default;--clustering hdbscan" --no-emerging --no-weibo
    python bench/topic_real.py --code /work/main --runs default  # the same bench on another checkout
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._common import machine, publish, table  # noqa: E402

SHARED = Path(os.environ.get("COMPLAINTS_SHARED", ROOT.parent / "shared" / "data"))
FIXTURES = ROOT / "tests" / "data"
NAME_FIELD = re.compile(r"(?:姓名|联系人|机主|操作员|受理人|处理人|派单人|回访人|经办人)\s*[:：]\s*"
                        r"(?!<|无|不详|客户|用户|本人|先生|女士)([\u4e00-\u9fff]{2,4})")
NAME_POLITE = re.compile(r"(?<![\u4e00-\u9fff])[王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
                         r"于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶"
                         r"黎贺顾毛郝龚邵万钱严覃武戴莫孔汤](?:先生|女士|小姐|师傅)")


def name_leaks(texts) -> int:
    return sum(len(NAME_FIELD.findall(t)) + len(NAME_POLITE.findall(t)) for t in texts if isinstance(t, str))


def lines(path: Path) -> list[str]:
    return [x.strip() for x in path.read_text(encoding="utf-8").splitlines() if x.strip() and not x.startswith("#")]


class Cli:
    """`complaints …` as a user runs it: a subprocess on the chosen checkout."""

    def __init__(self, code: Path) -> None:
        self.code = code
        self.env = {**os.environ, "PYTHONPATH": str(code), "HF_HUB_OFFLINE": "1"}

    def __call__(self, *args: str) -> str:
        r = subprocess.run([sys.executable, str(self.code / "cli.py"), *args], capture_output=True, text=True,
                           env=self.env, cwd=self.code)
        if r.returncode:
            raise RuntimeError(f"complaints {' '.join(args)} failed:\n{r.stderr[-3000:]}")
        return r.stdout

    def json(self, *args: str):
        return json.loads(self(*args, "--json"))


class Audit:
    """Judges words independently of the filters under test (see the module docstring)."""

    def __init__(self, raw_texts: list[str]) -> None:
        from complaints.text.form import FormLearner
        from complaints.text.lexicons import BUNDLED, Lexicons
        from complaints.text.places import PlaceFilter, build_gazetteer, parse_gazetteer
        from complaints.text.segment import Segmenter

        jio = os.environ.get("JIONLP_LOCATION")
        if jio and Path(jio).exists():
            gaz, self.source = build_gazetteer(jio, 3), "JioNLP to towns"
        else:
            gaz, self.source = parse_gazetteer((BUNDLED / "places.txt").read_text(encoding="utf-8").splitlines())[0], \
                "shipped places.txt"
        lex = Lexicons.load()
        self.places = PlaceFilter(gaz, known_words={w.upper() for w, _, _ in lex.userdict})
        self.plain = Segmenter(lex)
        self.form_words = set(FormLearner(form_word_share=0.8).fit(raw_texts, tokenize=self.plain.cut).form_words_)

    def label_words(self, label: str) -> list[str]:
        return [w for part in label.split("·") for w in (self.plain._tok.lcut(part.upper()) if len(part) > 2 else [part])
                if w.strip()]

    def bad(self, word: str) -> str | None:
        if self.places(word.upper()):
            return "place"
        if word.upper() in self.form_words:
            return "form"
        return None


def read_library(lib: Path):
    import duckdb

    con = duckdb.connect(str(lib / "library.duckdb"), read_only=True)
    try:
        v = con.execute("SELECT max(version) FROM model_versions").fetchone()[0]
        a = con.execute("SELECT complaint_id, topic_id, method FROM assignments WHERE version = ?", [v]).df()
        t = con.execute("SELECT t.topic_id, coalesce(c.label, t.label) AS label, t.keywords, t.examples, t.size, "
                        "t.status FROM topics t LEFT JOIN curation c USING (topic_id) WHERE t.version = ? "
                        "AND t.status <> 'merged'", [v]).df()
        c = con.execute("SELECT complaint_id, text, attributes FROM complaints").df()
    finally:
        con.close()
    return v, a, t, c


def measure(name: str, lib: Path, cli: Cli, labels: dict[str, str] | None, audit: Audit, seconds: float) -> dict:
    from sklearn.metrics import normalized_mutual_info_score as nmi

    _, a, t, c = read_library(lib)
    kw5 = [w for k in t["keywords"] for w, _ in json.loads(k)[:5]]
    label_words = [w for lab in t["label"] for w in audit.label_words(lab)]
    judged = kw5 + label_words
    bad = [w for w in judged if audit.bad(w)]
    texts = dict(zip(c["complaint_id"], c["text"]))
    examples = [texts.get(e, "") for ex in t["examples"] for e in json.loads(ex)]
    out = Path(tempfile.mkdtemp(prefix="export_")) / "export.csv"
    cli("export", "--library", str(lib), "--out", str(out))
    exported = [out.read_text(encoding="utf-8-sig")]
    shutil.rmtree(out.parent, ignore_errors=True)
    row = {"run": name, "topics": int((t["status"] != "merged").sum()),
           "by outlier reduction": f"{(a['method'] == 'outlier_reduction').mean():.1%}",
           "unassigned": f"{(a['topic_id'] < 0).mean():.1%}",
           "bad labels+kw5": f"{len(bad) / max(1, len(judged)):.1%}",
           "name leaks (stored/shown/export)": f"{name_leaks(c['text'])}/"
                                                f"{name_leaks(list(t['label']) + kw5 + examples)}/{name_leaks(exported)}",
           "fit s": round(seconds), "_bad": sorted(set(bad)),
           "_labels": [(int(s), lab, [w for w, _ in json.loads(k)[:3]]) for s, lab, k in
                       sorted(zip(t["size"], t["label"], t["keywords"]), key=lambda x: -x[0])]}
    if labels is not None:
        y = a["complaint_id"].map(labels)
        ok = y.notna()
        assigned = ok & (a["topic_id"] >= 0)
        row["NMI"] = f"{nmi(y[ok], a['topic_id'][ok]):.3f}"
        row["NMI assigned"] = f"{nmi(y[assigned], a['topic_id'][assigned]):.3f}"
    return row


def fit_run(name: str, opts: str, csv: Path, cli: Cli, work: Path, labels, audit: Audit, ingest_map: list[str]) -> dict:
    lib = work / re.sub(r"\W+", "_", name)[:60]
    shutil.rmtree(lib, ignore_errors=True)
    cli("ingest", "complaints", str(csv), "--library", str(lib), *ingest_map)
    t0 = time.perf_counter()
    cli("fit", "--library", str(lib), *([] if opts == "default" else opts.split()))
    secs = time.perf_counter() - t0
    return measure(name, lib, cli, labels, audit, secs)


def write_csv(path: Path, ids: list[str], texts: list[str]) -> Path:
    pd.DataFrame({"ticket": ids, "text": texts}).to_csv(path, index=False, encoding="utf-8")
    return path


def emerging(cli: Cli, work: Path, ids: list[str], texts: list[str], planted: list[str], opts: str,
             seeds=(0, 1, 2), batch: int = 150, tag: str = "P") -> list[dict]:
    """Fit on all but a batch, then update with the batch plus the planted texts."""
    rows = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        pick = set(rng.choice(len(texts), batch, replace=False).tolist())
        lib = work / f"emerging_{tag}_{seed}"
        shutil.rmtree(lib, ignore_errors=True)
        base = write_csv(work / f"base_{tag}_{seed}.csv", [i for k, i in enumerate(ids) if k not in pick],
                         [x for k, x in enumerate(texts) if k not in pick])
        new_ids = [ids[k] for k in sorted(pick)] + [f"{tag}{k:03d}" for k in range(len(planted))]
        new = write_csv(work / f"new_{tag}_{seed}.csv", new_ids, [texts[k] for k in sorted(pick)] + planted)
        cli("ingest", "complaints", str(base), "--library", str(lib), "--map", "ticket=complaint_id")
        cli("fit", "--library", str(lib), *([] if opts == "default" else opts.split()))
        cli("ingest", "complaints", str(new), "--library", str(lib), "--map", "ticket=complaint_id")
        res = cli.json("update", "--library", str(lib))
        _, a, t, _ = read_library(lib)
        em = set(int(e["topic_id"]) for e in res["emerging"])
        a = a[a["complaint_id"].isin(new_ids)]
        is_p = a["complaint_id"].str.startswith(tag) & a["complaint_id"].str[len(tag):].str.isdigit()
        hit, false = [], []
        for tid in em:
            m = a["topic_id"] == tid
            (hit if is_p[m].mean() > 0.5 else false).append(tid)
        inside = a["topic_id"].isin(hit)
        found = int((inside & is_p).sum())
        rows.append({"batch": seed, "emerging topics": len(em), "planted found": found,
                     "planted in any emerging": int((a["topic_id"].isin(em) & is_p).sum()),
                     "recall": f"{found / len(planted):.0%}",
                     "precision": f"{found / max(1, int(inside.sum())):.0%}" if hit else "–",
                     "false topics (size)": ", ".join(str(int((a['topic_id'] == f).sum())) for f in false) or "0",
                     "labels": " / ".join(e["label"] for e in res["emerging"])})
    return rows


def cocc() -> tuple[list[str], list[str], list[str]]:
    d = pd.read_csv(SHARED / "cocc_dev_tickets.csv", dtype=str)
    return d["ticket"].tolist(), d["text"].tolist(), d["label"].tolist()


def weibo() -> tuple[list[str], list[str]]:
    d = pd.read_csv(SHARED / "weibo_telecom_helpdesk.csv", dtype=str).dropna(subset=["text"])
    return ["W" + i for i in d["id"]], d["text"].tolist()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", default="default", help="';'-separated fit options per run ('default' = none)")
    ap.add_argument("--code", type=Path, default=ROOT, help="checkout whose cli.py runs (default: this one)")
    ap.add_argument("--no-emerging", action="store_true")
    ap.add_argument("--no-weibo", action="store_true")
    ap.add_argument("--show", action="store_true", help="print every topic's label and top keywords")
    ap.add_argument("--work", type=Path, default=None, help="folder for the libraries (default: a temp dir)")
    args = ap.parse_args()
    if not (SHARED / "cocc_dev_tickets.csv").exists():
        print(f"skipped: {SHARED} holds no cocc_dev_tickets.csv (this bench needs the shared real data)")
        return
    from complaints.text.normalize import normalize_text

    cli = Cli(args.code.resolve())
    work = args.work or Path(tempfile.mkdtemp(prefix="topic_real_"))
    work.mkdir(parents=True, exist_ok=True)
    ids, texts, y = cocc()
    labels = dict(zip(ids, y))
    csv = write_csv(work / "cocc.csv", ids, texts)
    audit = Audit([normalize_text(x) for x in texts])
    report = [f"# bench/topic_real.py — {machine()} — code: {args.code}", "",
              f"cocc_dev_tickets.csv: {len(texts):,} real China Mobile tickets, 8 operator labels; "
              f"audit: {audit.source} + address rules, form words >= 80% inside a form learned on the raw text", ""]
    rows = []
    for spec in [s.strip() for s in args.runs.split(";") if s.strip()]:
        r = fit_run(spec, spec, csv, cli, work, labels, audit, ["--map", "ticket=complaint_id"])
        rows.append(r)
        print(f"{spec}: {r['topics']} topics, NMI {r['NMI']} ({r['NMI assigned']} assigned), "
              f"by reduction {r['by outlier reduction']}, bad {r['bad labels+kw5']} {r['_bad'][:12]}", flush=True)
        if args.show:
            for size, lab, kws in r["_labels"]:
                print(f"   {size:5d}  {lab:<16} | {'·'.join(kws)}")
    cols = ["run", "topics", "NMI", "NMI assigned", "by outlier reduction", "unassigned", "bad labels+kw5",
            "name leaks (stored/shown/export)", "fit s"]
    report += [table(cols, [[r[c] for c in cols] for r in rows]), ""]
    report += ["Labels of the first run (size, label | top-3 keywords):", ""]
    report += [f"    {s:5d}  {lab} | {'·'.join(k)}" for s, lab, k in rows[0]["_labels"]] + [""]
    if not args.no_emerging:
        planted = lines(FIXTURES / "planted_esim.txt")
        em = emerging(cli, work, ids, texts, planted, args.runs.split(";")[0].strip())
        cols = ["batch", "emerging topics", "planted found", "recall", "precision", "false topics (size)", "labels"]
        report += ["Emerging: 30 planted eSIM smart-watch tickets in a batch of 150 real tickets:", "",
                   table(cols, [[r[c] for c in cols] for r in em]), ""]
    if not args.no_weibo and (SHARED / "weibo_telecom_helpdesk.csv").exists():
        wids, wtexts = weibo()
        wcsv = write_csv(work / "weibo.csv", wids, wtexts)
        waudit = Audit([normalize_text(x) for x in wtexts])
        r = fit_run("weibo " + args.runs.split(";")[0].strip(), args.runs.split(";")[0].strip(), wcsv, cli, work,
                    None, waudit, ["--map", "ticket=complaint_id"])
        cols = ["run", "topics", "by outlier reduction", "unassigned", "bad labels+kw5",
                "name leaks (stored/shown/export)", "fit s"]
        report += [f"Weibo: {len(wtexts):,} real complaints", "", table(cols, [[r[c] for c in cols]]), ""]
        report += [f"    {s:5d}  {lab} | {'·'.join(k)}" for s, lab, k in r["_labels"]] + [""]
        chat = lines(FIXTURES / "weibo_chitchat.txt")
        em = emerging(cli, work, wids, wtexts, chat, args.runs.split(";")[0].strip(), seeds=(0, 1), tag="C")
        cols = ["batch", "emerging topics", "planted in any emerging", "false topics (size)", "labels"]
        report += ["Weibo chit-chat: 10 planted questions in a batch of 150 real posts (must stay out of emerging topics):",
                   "", table(cols, [[r[c] for c in cols] for r in em]), ""]
    publish("\n".join(report), "topic_real.md")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
