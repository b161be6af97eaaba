"""Two helpers the generator's steps share: row-wise categorical draws and the export timestamp format."""

from __future__ import annotations

from datetime import datetime

import numpy as np


def _choice_rows(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """Row-wise categorical draws from an (n, k) weight matrix."""
    cum = np.cumsum(weights, axis=1)
    u = rng.random(weights.shape[0]) * cum[:, -1]
    return np.minimum((u[:, None] >= cum).sum(axis=1), weights.shape[1] - 1)


def _fmt_ts(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%d %H:%M:%S")
