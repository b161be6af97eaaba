"""Labelled complaints for the supervised classifier: from the library's attributes or a file."""

from __future__ import annotations

from pathlib import Path

from ..config import Library
from ..errors import InputFileError
from ..text.normalize import normalize_text
from ..ingest.readers import read_table
from ..ingest.schema import COMPLAINT, map_columns
from ..store import open_store

CLASSIFIER_DIR = "classifier"


def labelled_data(library: Library | None, label_column: str, file: str | Path | None = None,
                  overrides: dict[str, str] | None = None) -> tuple[list[str], list[str | None], str]:
    """(texts, labels, source). Texts are cleaned and masked; missing labels come back as None."""
    if file is not None:
        table = read_table(file)
        if label_column not in table.frame.columns:
            raise InputFileError(f"{table.path}: no label column {label_column!r}; "
                                 f"found columns: {', '.join(table.frame.columns)}")
        mapping = map_columns(COMPLAINT, [c for c in table.frame.columns if c != label_column], str(table.path),
                              overrides)
        texts = [normalize_text(None if t is None else str(t)) for t in table.frame[mapping["text"]]]
        labels = [None if v is None or str(v).strip() == "" else str(v).strip() for v in table.frame[label_column]]
        return texts, labels, str(table.path)
    assert library is not None
    with open_store(library) as s:
        df = s.query("SELECT text, json_extract_string(attributes, '$.\"' || ? || '\"') AS label FROM complaints "
                     "ORDER BY complaint_id", [label_column])
    if df.empty or df["label"].isna().all():
        raise InputFileError(f"no complaint in {library.root} has a {label_column!r} attribute; ingest a file with "
                             "that column or pass --file")
    labels = [None if v is None or v != v or not str(v).strip() else str(v).strip() for v in df["label"]]
    return df["text"].tolist(), labels, f"library {library.root}"


def train_classifier(library: Library, label_column: str, file: str | Path | None = None) -> dict:
    """Fit the classifier on every labelled complaint and save it as a safe artifact."""
    from .supervised import ComplaintClassifier

    texts, labels, source = labelled_data(library, label_column, file)
    pairs = [(t, lab) for t, lab in zip(texts, labels) if lab is not None and t]
    if not pairs:
        raise InputFileError(f"{source}: no labelled complaints in column {label_column!r}")
    clf = ComplaintClassifier().fit([t for t, _ in pairs], [lab for _, lab in pairs])
    library.ensure()
    folder = library.models_dir / CLASSIFIER_DIR
    clf.save(folder)
    return {"source": source, "label_column": label_column, "trained_on": len(pairs),
            "dropped_unlabelled": len(texts) - len(pairs), "classes": list(clf.classes_), "artifact": str(folder)}


def evaluate_classifier(library: Library | None, label_column: str, file: str | Path | None = None,
                        folds: int = 5, seed: int = 0) -> dict:
    from .supervised import cross_validate

    texts, labels, source = labelled_data(library, label_column, file)
    keep = [i for i, t in enumerate(texts) if t]
    report = cross_validate([texts[i] for i in keep], [labels[i] for i in keep], n_splits=folds, seed=seed)
    report["source"] = source
    report["label_column"] = label_column
    return report
