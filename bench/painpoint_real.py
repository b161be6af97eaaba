"""Per-complaint pain points on real text, measured through the real pipeline (issue 14).

A library is built the way an operator would: the 2,164 real Weibo complaints and the 2,026 real
China Mobile tickets of ../shared/data ingested from CSV, `complaints fit` with the defaults, and the
pain points read back from `assignments`. Scored on:

* weibo_painpoint_gold.csv (300 hand labels): accuracy on all rows, on the `sure` rows, and "main or
  second" (the stored pain point is the gold `painpoint` or its `second`); per-class precision/recall;
  confusion matrices; accuracy of the `uncertain` and the `assigned` complaints;
* cocc_dev_tickets.csv: agreement with the operator's own 8 categories through
  lexicons/operator_categories.yaml (strict = the category's usual pain point, lenient = any listed);
* classify = library: the share of library texts that `classify` (the compact artifact) gives the
  topic and the pain point the library holds.
Supervision, through the same pipeline:
* operator categories: half the cocc tickets (random) carry their category as 投诉类别; the other half
  is scored;
* analyst corrections from outside the gold: 100 of the 240 other Weibo complaints a second reader
  labelled (bench/data/weibo_analyst_labels.csv; the template's order, uncertain first, then random
  draws, `--splits`), imported with `complaints painpoint import`, `complaints update` refits, and all
  300 gold rows are scored;
* 100 gold rows corrected (`--gold-splits`), scored on 100 other gold rows nobody corrected.
Skips (exit 0) when ../shared/data (or $COMPLAINTS_REAL_DATA) lacks the files.

    PYTHONPATH=$PWD .venv/bin/python bench/painpoint_real.py [--splits 2] [--gold-splits 1] [--quick]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from bench._common import machine, publish  # noqa: E402
from bench.real_data import DATA, real_library, stored  # noqa: E402
from complaints.config import resolve_library  # noqa: E402
from complaints.painpoints.operators import load_operator_mapping  # noqa: E402
from complaints.topics.fit import fit_library  # noqa: E402
from complaints.topics.update import update_library  # noqa: E402


NEEDED = ("weibo_telecom_helpdesk.csv", "weibo_painpoint_gold.csv", "cocc_dev_tickets.csv")


def md(df: pd.DataFrame, index: bool = True) -> str:
    df = df.reset_index() if index else df
    cells = [[str(c) for c in df.columns]] + [["" if pd.isna(v) else str(v) for v in r] for r in df.itertuples(index=False)]
    return "\n".join(["| " + " | ".join(cells[0]) + " |", "|" + "---|" * len(cells[0])]
                     + ["| " + " | ".join(r) + " |" for r in cells[1:]])


def gold() -> pd.DataFrame:
    g = pd.read_csv(DATA / "weibo_painpoint_gold.csv", dtype={"id": str})
    return g.set_index("id")


def gold_scores(g: pd.DataFrame, pred: pd.Series) -> dict:
    p = pred.reindex(g.index)
    main = p == g["painpoint"]
    either = main | (p == g["second"].fillna("-"))
    sure = g["sure"] == 1
    return {"all": main.mean(), "sure": main[sure].mean(), "all_2nd": either.mean(), "sure_2nd": either[sure].mean()}


def cocc_scores(pred: pd.Series, labels: pd.Series, mapping: dict) -> dict:
    from sklearn.metrics import normalized_mutual_info_score

    p = pred.reindex(labels.index)
    return {"strict": np.mean([mapping[c][0] == x for c, x in zip(labels, p)]),
            "lenient": np.mean([x in mapping[c] for c, x in zip(labels, p)]),
            "nmi": normalized_mutual_info_score(labels, p)}


def per_class(truth: pd.Series, pred: pd.Series) -> pd.DataFrame:
    rows = []
    for k in sorted(set(truth) | set(pred)):
        tp = int(((truth == k) & (pred == k)).sum())
        nt, npred = int((truth == k).sum()), int((pred == k).sum())
        rows.append({"pain point": k, "gold": nt, "predicted": npred,
                     "precision": round(tp / npred, 2) if npred else None, "recall": round(tp / nt, 2) if nt else None})
    return pd.DataFrame(rows).set_index("pain point").T


def classify_agreement(lib) -> tuple[float, float]:
    from complaints.classify.topic_classifier import TopicClassifier
    from complaints.store import open_store

    with open_store(lib) as s:
        a = s.query("""SELECT c.text, a.topic_id, a.painpoint FROM assignments a JOIN complaints c USING (complaint_id)
                       WHERE a.version = (SELECT max(version) FROM model_versions)""")
    res = TopicClassifier(lib, top_k=0).classify(a["text"].tolist())
    topic = np.array([-1 if r["topic_id"] is None else r["topic_id"] for r in res])
    return float((topic == a["topic_id"].to_numpy()).mean()), \
        float((np.array([r["painpoint"] for r in res]) == a["painpoint"].to_numpy()).mean())


def zero_shot(root: Path, g: pd.DataFrame, cocc: pd.DataFrame, mapping: dict) -> tuple[list[str], object]:
    lib = real_library(root / "zero")
    t = time.perf_counter()
    res = fit_library(lib, embedder="lexical")
    fit_s = time.perf_counter() - t
    a = stored(lib).set_index("complaint_id")
    pred = a["painpoint"]
    gs = gold_scores(g, pred)
    cs = cocc_scores(pred, cocc.set_index("cid")["label"], mapping)
    agree = classify_agreement(lib)
    st = a["painpoint_status"].reindex(g.index)
    ok = pred.reindex(g.index) == g["painpoint"]
    unsure = st == "uncertain"
    out = ["## Zero-shot, through `complaints fit` (defaults)\n",
           "| pipeline | gold all | gold sure | main-or-2nd all | main-or-2nd sure | cocc strict | cocc lenient | cocc NMI |",
           "|---|---|---|---|---|---|---|---|",
           f"| `complaints fit`, per-complaint pain point | **{gs['all']:.3f}** | **{gs['sure']:.3f}** | {gs['all_2nd']:.3f} | "
           f"{gs['sure_2nd']:.3f} | {cs['strict']:.3f} | {cs['lenient']:.3f} | {cs['nmi']:.3f} |",
           f"\nLibrary: {len(a):,} complaints, {res.n_topics} topics, fit {fit_s:.0f} s (pain points "
           f"{res.seconds.get('painpoints', 0):.0f} s). Uncertain: {int((a['painpoint_status'] == 'uncertain').sum()):,} "
           f"({(a['painpoint_status'] == 'uncertain').mean():.1%}); on the gold {int(unsure.sum())} rows uncertain, "
           f"accuracy {ok[unsure].mean():.3f}, assigned rows {ok[~unsure].mean():.3f}. Sources: "
           + ", ".join(f"{k} {v:,}" for k, v in a["painpoint_source"].value_counts().items()) + ".",
           f"\n`classify` on every library text: same topic {agree[0]:.1%}, same pain point {agree[1]:.1%}.\n",
           "Per class (gold, all 300 rows):\n", md(per_class(g["painpoint"], pred.reindex(g.index))),
           "\nConfusion, all rows (rows = gold):\n",
           md(pd.crosstab(g["painpoint"], pred.reindex(g.index).rename("stored"))),
           "\nConfusion, sure rows:\n",
           md(pd.crosstab(g.loc[g["sure"] == 1, "painpoint"], pred.reindex(g.index)[g["sure"] == 1].rename("stored"))),
           "\ncocc: operator category × stored pain point:\n",
           md(pd.crosstab(cocc.set_index("cid")["label"], pred.reindex(cocc["cid"]).rename("stored").values))]
    return out, lib


def operator_supervision(root: Path, g: pd.DataFrame, cocc: pd.DataFrame, mapping: dict) -> list[str]:
    rng = np.random.default_rng(0)
    half = set(cocc["ticket"].to_numpy()[rng.permutation(len(cocc))[: len(cocc) // 2]])
    lib = real_library(root / "operator", category_for=half)
    fit_library(lib, embedder="lexical")
    a = stored(lib).set_index("complaint_id")
    rest = cocc[~cocc["ticket"].isin(half)].set_index("cid")["label"]
    cs = cocc_scores(a["painpoint"], rest, mapping)
    gs = gold_scores(g, a["painpoint"])
    sup = cocc[cocc["ticket"].isin(half)].set_index("cid")["label"]
    own = cocc_scores(a["painpoint"], sup, mapping)
    return ["\n## Operator categories as supervision (through `complaints fit`)\n",
            "Half the cocc tickets (1,013, random) carry their category as 投诉类别; the mapping file's `column:` "
            "picks it up. Scored on the other half, which carries none.\n",
            "| | cocc strict | cocc lenient | cocc NMI | gold all | gold sure |", "|---|---|---|---|---|---|",
            f"| tickets without a category (the other half) | {cs['strict']:.3f} | {cs['lenient']:.3f} | {cs['nmi']:.3f} | "
            f"{gs['all']:.3f} | {gs['sure']:.3f} |",
            f"| tickets with their category | {own['strict']:.3f} | {own['lenient']:.3f} | {own['nmi']:.3f} | | |"]


ANALYST = Path(__file__).resolve().parent / "data" / "weibo_analyst_labels.csv"


def _corrected_update(base_lib, folder: Path, ids: list[str], keys: list[str]) -> tuple[pd.Series, float]:
    """A copy of the library, `ids` corrected to `keys` through `painpoint import`, then `update` (refit)."""
    from complaints.painpoints.corrections import import_corrections

    shutil.copytree(base_lib.root, folder)
    lib = resolve_library(folder)
    pd.DataFrame({"工单编号": ids, "正确痛点": keys}).to_csv(folder / "sheet.csv", index=False)
    import_corrections(lib, folder / "sheet.csv")
    t = time.perf_counter()
    update_library(lib)
    sec = time.perf_counter() - t
    pred = stored(lib).set_index("complaint_id")["painpoint"]
    shutil.rmtree(folder, ignore_errors=True)
    return pred, sec


def corrections(base_lib, root: Path, g: pd.DataFrame, splits: int, gold_splits: int) -> list[str]:
    """100 analyst corrections from outside the gold (bench/data/weibo_analyst_labels.csv: 240 other
    Weibo complaints labelled by a second reader), refit, scored on all 300 gold rows; and 100 gold
    rows corrected, scored on the other 200 gold rows."""
    from complaints.painpoints.corrections import _pick

    a0 = stored(base_lib).set_index("complaint_id")
    z = gold_scores(g, a0["painpoint"])
    out = ["\n## 100 analyst corrections, then `complaints update` (refit)\n",
           "Corrections go in through `complaints painpoint import` (the Excel/CSV template's columns) and "
           "`complaints update` refits the pain-point model: a correction weighs 3× a pseudo-label and a "
           "corrected text always comes back as corrected.\n",
           "**Outside the gold**: 100 of 240 other Weibo complaints labelled by a second reader "
           "(bench/data/weibo_analyst_labels.csv, no gold row among them); scored on all 300 gold rows.\n",
           "| which 100 | of them wrong before | gold all | gold sure | main-or-2nd all | main-or-2nd sure | update s |",
           "|---|---|---|---|---|---|---|",
           f"| none (zero-shot) | | {z['all']:.3f} | {z['sure']:.3f} | {z['all_2nd']:.3f} | {z['sure_2nd']:.3f} | |"]
    lab = pd.read_csv(ANALYST, dtype={"id": str}).set_index("id")
    lab = lab[lab.index.isin(a0.index) & ~lab.index.isin(g.index)]
    cand = a0.loc[lab.index].reset_index()
    for seed in range(splits):
        how, pick = (("uncertain first (template order)", "uncertain") if seed == 0 else (f"random (seed {seed})", "random"))
        chosen = _pick(cand, 100, pick, seed)["complaint_id"].tolist()
        wrong = int((a0.loc[chosen, "painpoint"] != lab.loc[chosen, "painpoint"]).sum())
        pred, sec = _corrected_update(base_lib, root / f"out{seed}", chosen, lab.loc[chosen, "painpoint"].tolist())
        s = gold_scores(g, pred)
        out.append(f"| {how} | {wrong} | **{s['all']:.3f}** | **{s['sure']:.3f}** | {s['all_2nd']:.3f} | "
                   f"{s['sure_2nd']:.3f} | {sec:.0f} |")
        print(out[-1], file=sys.stderr, flush=True)
    if gold_splits:
        out += ["\n**Inside the gold**: the 300 rows split into a pool of 200 and a test of 100; 100 random pool rows "
                "corrected, scored on the 100 test rows nobody corrected (and on all 300 as the library then holds them).\n",
                "| split | of them wrong before | test zero-shot all | test zero-shot sure | test corrected all | "
                "test corrected sure | library all | library sure | update s |", "|---|---|---|---|---|---|---|---|---|"]
    for seed in range(gold_splits):
        perm = np.random.default_rng(seed).permutation(len(g))
        chosen, test = list(g.index[perm[:100]]), g.index[perm[200:]]
        zs = gold_scores(g.loc[test], a0["painpoint"])
        pred, sec = _corrected_update(base_lib, root / f"gold{seed}", chosen, g.loc[chosen, "painpoint"].tolist())
        s, whole = gold_scores(g.loc[test], pred), gold_scores(g, pred)
        wrong = int((a0.loc[chosen, "painpoint"] != g.loc[chosen, "painpoint"]).sum())
        out.append(f"| {seed} | {wrong} | {zs['all']:.3f} | {zs['sure']:.3f} | **{s['all']:.3f}** | **{s['sure']:.3f}** | "
                   f"{whole['all']:.3f} | {whole['sure']:.3f} | {sec:.0f} |")
        print(out[-1], file=sys.stderr, flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--splits", type=int, default=2, help="draws of 100 analyst corrections from outside the gold")
    ap.add_argument("--gold-splits", type=int, default=1, help="gold pool/test splits with 100 gold corrections")
    ap.add_argument("--quick", action="store_true", help="zero-shot only")
    args = ap.parse_args()
    missing = [f for f in NEEDED if not (DATA / f).exists()]
    if missing:
        print(f"skipped: {', '.join(missing)} not found under {DATA} (set COMPLAINTS_REAL_DATA)", file=sys.stderr)
        return
    g = gold()
    cocc = pd.read_csv(DATA / "cocc_dev_tickets.csv", dtype={"ticket": str})
    cocc["cid"] = "cocc-" + cocc["ticket"]
    mapping = load_operator_mapping().categories
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        text, lib = zero_shot(root, g, cocc, mapping)
        if not args.quick:
            text += operator_supervision(root, g, cocc, mapping)
            text += corrections(lib, root, g, args.splits, args.gold_splits)
    head = (f"# Per-complaint pain points on real text — {machine()} · load {os.getloadavg()[0]:.1f}\n\n"
            "Weibo gold: 300 rows (188 sure). cocc: 2,026 tickets, mapping lexicons/operator_categories.yaml.\n")
    generated = Path(__file__).resolve().parent / "out" / "painpoint_bench.md"
    text += ["\n## Beside: generated data (bench/painpoint_bench.py, true pain point per complaint)\n",
             generated.read_text(encoding="utf-8").split("\n", 2)[-1].strip() if generated.exists()
             else "(run bench/painpoint_bench.py first to show its figure here)"]
    publish(head + "\n".join(text), "painpoint_real.md")


if __name__ == "__main__":
    main()
