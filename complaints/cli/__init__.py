"""The `complaints` command: a thin shell over the library's Python API.

`shell` holds what every command shares (the typer app, consoles, common options, one-line errors,
progress); each other module registers one group of commands, in data-flow order: `library`
(ingest, segment, stats, rejects), `topics` (fit, update, drift, topics …), `painpoint` (show,
correct, the corrections file), `form` (the ticket form a fit learned), `classify`, `report`
(report, export), `churn` (link, features, churn-eval, at-risk), `spark`, `demo`. Every command is
a few lines that call a library function and print its result; the top-level cli.py is the entry
point (`complaints = cli:main`, and `spark-submit … cli.py`).
"""

from __future__ import annotations

from .shell import app

# Importing a command module registers its commands; --help lists them in this, the data-flow, order.
from . import library, topics, painpoint, form, classify, report, churn, spark, demo  # noqa: E402,F401,I001

__all__ = ["app", "main"]


def main() -> None:
    app()
