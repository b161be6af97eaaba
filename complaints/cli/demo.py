"""`complaints demo`: a generated operator through every stage."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .shell import LibraryOpt, app, friendly, library_of, out


@app.command()
@friendly
def demo(out_dir: Annotated[Path, typer.Option("--out", help="Where to write the demo files.")] = Path("demo"),
         customers: Annotated[int, typer.Option(help="How many customers to generate.")] = 20000,
         seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
         library: LibraryOpt = None) -> None:
    """Generate a synthetic operator data set with known ground truth and run every stage on it.

    Example: complaints demo --out demo --customers 20000
    """
    from complaints.demo.command import run_demo

    run_demo(out_dir, library_of(library), n_customers=customers, seed=seed, console=out)
