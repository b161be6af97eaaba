"""`complaints demo`: generate the synthetic operator data set and run every stage on it."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from ..config import Library
from .generate import generate
from ..ingest.pipeline import ingest_file
from ..report import write_report
from ..store.stats import library_stats
from ..topics.curate import list_topics
from ..topics.fit import fit_library

# (kind, file) in the order a real operator would load them.
DEMO_FILES = [("customers", "customers.csv"), ("complaints", "complaints.csv"),
              ("complaints", "complaints_weibo_gbk.csv"), ("ports", "ports.csv")]


def run_demo(out_dir: str | Path, library: Library, n_customers: int = 20000, seed: int = 7,
             console: Console | None = None, report_dir: str | Path | None = None) -> dict:
    """Generate the demo files into `out_dir`, ingest them into `library`, fit, and write the report
    of the newest month into `report_dir` (default OUT_DIR/report)."""
    console = console or Console()
    out_dir = Path(out_dir)
    with console.status(f"generating demo data for {n_customers:,} customers …"):
        summary = generate(out_dir, n_customers=n_customers, seed=seed)
    console.print(f"demo data written to {out_dir}/ (ground truth in {out_dir / 'ground_truth.json'})")
    results = []
    for kind, name in DEMO_FILES:
        with console.status(f"ingesting {name} …"):
            res = ingest_file(library, kind, out_dir / name)
        results.append(res)
        state = "already ingested" if res.already_ingested else (
            f"{res.accepted} accepted, {res.updated} updated, {res.rejected} rejected, {res.skipped} skipped")
        console.print(f"  ingest {kind:<10} {name:<26} {state}", highlight=False)
    stats = library_stats(library)
    console.print(f"library {library.root}: {stats['complaints']:,} complaints "
                  f"({stats['repeat_complaints']:,} repeats, {stats['undated_complaints']:,} undated), "
                  f"{stats['customers']:,} customers, {stats['port_events']:,} port events, "
                  f"{stats['rejects']:,} rejected rows", highlight=False)
    with console.status("fitting pain-point topics (lexical embeddings, UMAP + HDBSCAN) …"):
        fitted = fit_library(library, embedder="lexical")
    console.print(f"model version {fitted.version}: {fitted.n_topics} topics, "
                  f"{fitted.outlier_share:.1%} unassigned, {fitted.seconds['total']:.0f}s", highlight=False)
    table = Table("id", "label", "pain point", "size", "keywords", title="largest topics")
    for t in list_topics(library)[:12]:
        table.add_row(str(t["topic_id"]), t["label"], t["painpoint_name"], f"{t['size']:,}", " ".join(t["keywords"][:6]))
    console.print(table)
    with console.status("writing the service-improvement report …"):
        report = write_report(library, report_dir or out_dir / "report")
    console.print(f"report for {report.period}: {report.files['html']} (also report.xlsx, report.md)", highlight=False)
    return {"generated": summary, "ingest": [r.to_dict() for r in results], "stats": stats,
            "fit": fitted.to_dict(), "report": report.to_dict()}
