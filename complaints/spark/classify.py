"""Classify a Spark DataFrame of complaints with the compact artifact: parity with `TopicClassifier`.

Each Python worker loads the artifact (and jieba with the lexicons) once, into a module-level cache
keyed by folder, and reuses it for every batch it is given (Spark reuses Python workers by default).
Text is cleaned and masked with `normalize_text` inside the worker; the output carries the id, the
masked text and the classification only, never the raw text nor any other input column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pandas as pd

from ..classify.topic_classifier import CHUNK, MAX_CHARS, TopicClassifier
from ..text.normalize import normalize_text
from ..topics.compact import load_compact

# name, Spark SQL type: the output schema (id first when the input has one)
OUTPUT_COLUMNS = [
    ("text", "string"), ("status", "string"), ("topic_id", "int"), ("topic_label", "string"),
    ("painpoint", "string"), ("painpoint_name", "string"), ("department", "string"),
    ("painpoint_status", "string"), ("painpoint_confidence", "double"), ("painpoint_source", "string"),
    ("confidence", "double"), ("similarity", "double"), ("model_version", "int"),
]
_CACHE: dict[tuple[str, str | None], "FolderClassifier"] = {}


class FolderClassifier(TopicClassifier):
    """`TopicClassifier` on an artifact folder (no library, no supervised model, no similar list)."""

    def __init__(self, folder: str | Path, lexicons: str | None = None) -> None:  # noqa: super not called on purpose
        self.top_k = 0
        self.model = load_compact(Path(folder), lexicons)
        self._index()
        self.supervised = None

    def classify_masked(self, clean: list[str]) -> list[dict]:
        """`classify` on already normalised texts, segmented in this process (Spark owns the cores)."""
        truncated = [len(t) > MAX_CHARS for t in clean]
        clean = [t[:MAX_CHARS] for t in clean]
        tokens = [self.model.segmenter.cut(t) for t in clean]
        out: list[dict] = []
        for start in range(0, len(clean), CHUNK):
            end = start + CHUNK
            out += self._classify_chunk(clean[start:end], tokens[start:end], truncated[start:end])
        return out


def worker_classifier(folder: str, lexicons: str | None = None) -> FolderClassifier:
    """The worker's classifier for `folder`, loaded on first use."""
    key = (str(folder), lexicons)
    if key not in _CACHE:
        _CACHE[key] = FolderClassifier(folder, lexicons)
    return _CACHE[key]


def classify_frame(pdf: pd.DataFrame, folder: str, text_col: str = "text", id_col: str | None = None,
                   lexicons: str | None = None) -> pd.DataFrame:
    """One pandas batch: masked text plus the classification columns (an empty text: status 'empty')."""
    clf = worker_classifier(folder, lexicons)
    raw = pdf[text_col].tolist()
    clean = [normalize_text(str(t)) if not _missing(t) and str(t).strip() else "" for t in raw]
    keep = [i for i, t in enumerate(clean) if t.strip()]
    res = clf.classify_masked([clean[i] for i in keep]) if keep else []
    cols: dict[str, list] = {name: [None] * len(clean) for name, _ in OUTPUT_COLUMNS}
    cols["text"] = clean
    cols["status"] = ["empty"] * len(clean)
    cols["model_version"] = [clf.model.version] * len(clean)
    for i, r in zip(keep, res):
        for name, _ in OUTPUT_COLUMNS[1:]:
            cols[name][i] = r[name]
    out = pd.DataFrame({
        "text": pd.Series(cols["text"], dtype=object), "status": cols["status"],
        "topic_id": pd.Series(cols["topic_id"], dtype="Int32"),
        **{k: pd.Series(cols[k], dtype=object) for k in ("topic_label", "painpoint", "painpoint_name", "department",
                                                          "painpoint_status")},
        "painpoint_confidence": pd.Series(cols["painpoint_confidence"], dtype="float64"),
        "painpoint_source": pd.Series(cols["painpoint_source"], dtype=object),
        "confidence": pd.Series(cols["confidence"], dtype="float64"),
        "similarity": pd.Series(cols["similarity"], dtype="float64"),
        "model_version": pd.Series(cols["model_version"], dtype="int32"),
    })[[name for name, _ in OUTPUT_COLUMNS]]
    if id_col:
        out.insert(0, id_col, [None if _missing(v) else str(v) for v in pdf[id_col].tolist()])
    return out


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and v != v)  # None, or NaN from a pandas string column


def output_schema(id_col: str | None = None) -> str:
    cols = ([f"`{id_col}` string"] if id_col else []) + [f"{n} {t}" for n, t in OUTPUT_COLUMNS]
    return ", ".join(cols)


def classify_spark(df, artifact_folder: str | Path, text_col: str = "text", id_col: str | None = "auto",
                   lexicons: str | None = None):
    """`df` with a text column -> id (if any), masked text, status, topic_id, topic_label, painpoint,
    painpoint_name, department, painpoint_status, painpoint_confidence, painpoint_source, confidence,
    similarity, model_version.

    `id_col="auto"` keeps ``complaint_id`` when the input has it. The artifact folder (a library's
    ``models/vN/classify``) must be readable by every worker: a shared path, or shipped with
    ``spark-submit --archives``. Other input columns are dropped: they may hold raw PII.
    """
    from ..errors import InputFileError

    if text_col not in df.columns:
        raise InputFileError(f"the input has no {text_col!r} column (columns: {', '.join(df.columns)}); "
                             "name the text column with --text-column")
    if id_col == "auto":
        id_col = "complaint_id" if "complaint_id" in df.columns else None
    elif id_col and id_col not in df.columns:
        raise InputFileError(f"the input has no {id_col!r} column (columns: {', '.join(df.columns)})")
    folder = str(Path(artifact_folder).resolve()) if Path(artifact_folder).exists() else str(artifact_folder)
    load_compact(Path(folder), lexicons)  # fail early on the driver with the artifact's own message
    cols = [c for c in (id_col, text_col) if c]

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for pdf in batches:
            yield classify_frame(pdf, folder, text_col, id_col, lexicons)

    return df.select(*cols).mapInPandas(run, schema=output_schema(id_col))
