"""Which kind of file is this? A port-events file ingested as customers maps its number column and is
accepted row by row; nothing fails, and the library is wrong. Compare how well the columns fit each
kind and say so when another kind fits clearly better."""

from __future__ import annotations

from ..errors import InputFileError
from .schema import KINDS, map_columns

KIND_ZH = {"complaints": "投诉", "customers": "客户资料", "ports": "携转记录"}


def fit_score(kind: str, columns: list[str]) -> int | None:
    """Fields of `kind` the columns map to, the shared customer key aside; None when a required one is missing."""
    try:
        mapping = map_columns(KINDS[kind], columns, "")
    except InputFileError:
        return None
    return len([f for f in mapping if f != "customer_key"])


def better_kind(kind: str, columns: list[str]) -> str | None:
    """A warning when the columns fit another kind better than `kind` (None when they do not)."""
    mine = fit_score(kind, columns) or 0
    scores = {k: fit_score(k, columns) for k in KINDS if k != kind}
    best = max((k for k, v in scores.items() if v is not None), key=lambda k: scores[k], default=None)
    if best is None or scores[best] < 2 or scores[best] <= mine:
        return None
    return (f"这个文件的列更像{KIND_ZH[best]}（{best}：对上 {scores[best]} 个字段）而不是{KIND_ZH[kind]}（{kind}：对上 "
            f"{mine} 个）；如果选错了，用 complaints ingest {best} 重新导入 (the columns fit {best} better than {kind})")
