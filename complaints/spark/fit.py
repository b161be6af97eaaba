"""`complaints spark fit`: fit the topics on a sample on the driver, place every other complaint on executors.

The driver decides every complaint's pain point, draws the stratified sample and fits the topic
model on it exactly as `complaints fit` does (topics/scale.py). The bulk placement then runs on
Spark instead of local processes: the driver saves the assignment state (the fitted embedder and
the learned form, centroids with their thresholds and pain points, the sample's neighbours and the
keyword vocabulary: JSON and .npy, see `AssignState.save`) where every executor can read it,
exports the complaints to place with their pain points as parquet, and each executor runs the very
`assign_batch` the local path runs, batch by batch (`mapInPandas`), each complaint only on the
topics of its pain point. The executors write one parquet
of rows the library imports: each complaint's topic, confidence and method, plus the partial term
counts and example candidates that the driver adds up into keywords and examples. The new model
version is then written into the library as the local path writes it, so the two agree.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import Library
from ..topics.bulk_assign import METHODS, AssignState, BulkResult, assign_batch
from ..topics.term_counts import Examples, TermCounts

ROWS = ("kind string, complaint_id string, topic_id long, confidence float, method string, "
        "r long, c long, n long, sim double, text_key long")
_STATES: dict[tuple[str, str | None], AssignState] = {}


def _state(folder: str, lexicons: str | None) -> AssignState:
    """The executor's assignment state for `folder`, loaded once per Python worker."""
    key = (folder, lexicons)
    if key not in _STATES:
        _STATES[key] = AssignState.load(Path(folder), lexicons)
    return _STATES[key]


def placed_rows(pdf: pd.DataFrame, folder: str, lexicons: str | None = None) -> pd.DataFrame:
    """One batch of (complaint_id, text, painpoint) placed: rows of kind 'a' (assignment), 'c' (term
    counts), 'd' (documents per topic row) and 'e' (example candidates)."""
    r = assign_batch(_state(folder, lexicons), pdf["complaint_id"].astype(str).tolist(),
                     pdf["text"].fillna("").astype(str).tolist(),
                     painpoints=pdf["painpoint"].astype(str).tolist() if "painpoint" in pdf else None)
    coo = r.counts.tocoo()
    ex = [(t, sim, pos, key) for t, items in r.examples.best.items() for sim, pos, key in items]
    parts = [
        pd.DataFrame({"kind": "a", "complaint_id": r.ids, "topic_id": r.topic.astype(np.int64),
                      "confidence": r.confidence.astype(np.float32),
                      "method": np.asarray(METHODS, dtype=object)[r.method]}),
        pd.DataFrame({"kind": "c", "r": coo.row.astype(np.int64), "c": coo.col.astype(np.int64),
                      "n": coo.data.astype(np.int64)}),
        pd.DataFrame({"kind": "d", "r": np.flatnonzero(r.docs).astype(np.int64),
                      "n": r.docs[r.docs > 0].astype(np.int64)}),
        pd.DataFrame({"kind": "e", "topic_id": [int(t) for t, *_ in ex], "sim": [float(s) for _, s, _, _ in ex],
                      "complaint_id": [str(p) for *_, p, _ in ex], "text_key": [int(k) for *_, k in ex]}),
    ]
    cols = [c.split()[0] for c in ROWS.split(", ")]
    out = pd.concat([p.reindex(columns=cols) for p in parts], ignore_index=True)
    for c in ("topic_id", "r", "c", "n", "text_key"):  # plain int64 (0 where the kind has no such field):
        out[c] = out[c].fillna(0).astype(np.int64)     # Arrow turns pandas' nullable Int64 into chunked arrays
    for c in ("kind", "complaint_id", "method"):  # object, as classify_spark does: pandas' Arrow-backed
        out[c] = out[c].astype(object)              # strings reach Spark's Arrow writer as chunked arrays
    out["confidence"] = out["confidence"].astype("float32")
    out["sim"] = out["sim"].astype("float64")
    return out


def place_on_spark(df, folder: str | Path, lexicons: str | None = None):
    """`df` (complaint_id, text, painpoint) -> the rows of `placed_rows`, computed on the executors."""
    folder = str(Path(folder).resolve()) if Path(folder).exists() else str(folder)

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for pdf in batches:
            yield placed_rows(pdf, folder, lexicons)

    return df.select("complaint_id", "text", "painpoint").mapInPandas(run, schema=ROWS)


def collect_placed(rows: pd.DataFrame, state: AssignState) -> BulkResult:
    """Add the executors' rows up into the `BulkResult` the local path would return (ids in id order)."""
    a = rows[rows["kind"] == "a"].sort_values("complaint_id", kind="stable")
    counts = TermCounts(state.vocabulary, state.assigner.topic_ids_)
    c = rows[rows["kind"] == "c"]
    import scipy.sparse as sp

    counts.add(sp.csr_matrix((c["n"].to_numpy(np.int64), (c["r"].to_numpy(np.int64), c["c"].to_numpy(np.int64))),
                             shape=counts.shape),
               np.bincount(rows.loc[rows["kind"] == "d", "r"].to_numpy(np.int64),
                           weights=rows.loc[rows["kind"] == "d", "n"].to_numpy(np.float64),
                           minlength=counts.shape[0]).astype(np.int64))
    examples = Examples(state.n_examples)
    e = rows[rows["kind"] == "e"]
    for t, grp in e.groupby("topic_id"):
        examples._merge(int(t), [(float(s), str(p), int(k)) for s, p, k in
                                 grp[["sim", "complaint_id", "text_key"]].itertuples(index=False, name=None)])
    return BulkResult(a["complaint_id"].tolist(), a["topic_id"].to_numpy(np.int64),
                      a["confidence"].to_numpy(np.float32), a["method"].to_numpy(dtype=object), counts, examples)


def spark_bulk(spark, library: Library, workdir: str | Path, lexicons: str | None = None,
               partitions: int | None = None, keep: bool = False):
    """A `bulk(state, rest)` for `fit_library`: the complaints outside the sample placed on Spark.

    `workdir` must be readable by every executor (a shared path; on a cluster ship it with
    ``--archives``). With `keep` the exported input and the executors' parquet stay there."""
    workdir = Path(workdir)

    def run(state: AssignState, rest: pd.DataFrame) -> BulkResult:
        shutil.rmtree(workdir / "state", ignore_errors=True)
        folder = state.save(workdir / "state")
        source, placed = workdir / "to_place.parquet", workdir / "placed.parquet"
        _export_rest(rest, source)
        df = spark.read.parquet(str(source))
        if partitions:
            df = df.repartition(partitions)
        place_on_spark(df, folder, lexicons).write.mode("overwrite").parquet(str(placed))
        rows = pd.read_parquet(placed)
        if not keep:
            for p in (source, placed):
                shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
        return collect_placed(rows, state)

    return run


def _export_rest(rest: pd.DataFrame, path: Path) -> None:
    """The complaints outside the sample with their pain points, as (complaint_id, text, painpoint)
    parquet for the executors."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rest[["complaint_id", "text", "painpoint"]].astype(object).to_parquet(path, index=False)
