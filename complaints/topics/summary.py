"""What a fit or update did, in the few numbers its command prints and the version records."""

from __future__ import annotations

import numpy as np
import pandas as pd


def painpoint_summary(decisions: pd.DataFrame, sup, method: np.ndarray | None = None) -> dict:
    """What the pain-point stage did, for the command's report: counts per pain point and status, sources,
    the supervision it used and how many complaints nesting moved or took out of a topic."""
    out = {"per_painpoint": decisions["painpoint"].value_counts().to_dict(),
           "uncertain": int((decisions["painpoint_status"] == "uncertain").sum()),
           "sources": decisions["painpoint_source"].value_counts().to_dict(), "supervision": dict(sup.counts)}
    if method is not None:
        out["moved_to_own_painpoint_topic"] = int((method == "painpoint_nested").sum())
        out["left_topic_for_painpoint"] = int((method == "painpoint_outlier").sum())
    return out


def by_reduction(model, n_all: int) -> float:
    """Share of the library's complaints that reach a topic only through outlier reduction."""
    return float((model.method_ == "outlier_reduction").sum()) / max(1, n_all)
