"""Shared bits for bench scripts: a markdown table printer and the machine line."""

from __future__ import annotations

import datetime as dt
import os
import platform
import resource


def machine() -> str:
    return (f"{dt.date.today()} · {platform.machine()} · {os.cpu_count()} cores · "
            f"Python {platform.python_version()}")


def publish(text: str, name: str) -> None:
    """Print a bench's report and keep a copy in bench/out/NAME (gitignored)."""
    from pathlib import Path

    print(text)
    out = Path(__file__).resolve().parent / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / name).write_text(text + "\n", encoding="utf-8")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def table(header: list[str], rows: list[list]) -> str:
    cells = [header] + [[f"{c:,.1f}" if isinstance(c, float) else (f"{c:,}" if isinstance(c, int) else str(c))
                         for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
    return "\n".join([line(cells[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [line(r) for r in cells[1:]])


def shopping_sample(n: int):
    """The stratified sample of real shopping reviews every quality bench uses: (texts, cat array)."""
    from pathlib import Path

    import pandas as pd
    from sklearn.model_selection import train_test_split

    from complaints.text.normalize import normalize_text

    shared = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
    shop = pd.read_csv(shared / "online_shopping_10_cats.csv", dtype=str).dropna(subset=["review"])
    shop["text"] = [normalize_text(t) for t in shop["review"]]
    shop = shop[shop["text"].str.len() > 0]
    if n < len(shop):
        shop, _ = train_test_split(shop, train_size=n, stratify=shop["cat"], random_state=0)
    return shop["text"].tolist(), shop["cat"].to_numpy()
