"""What every part of the supervised classifier shares: the artifact's names, the errors, the
parameter check and the reading of missing texts and labels -- one place, so fitting,
cross-validation and loading agree on what a missing label is and on which settings are legal."""

from __future__ import annotations

from typing import Any

from ...errors import ComplaintsError

VERSION = 1
FORMAT = 1
KIND = "complaint-classifier"
SPEC_FILE = "classifier.json"
VOCAB_FILE = "vocabulary.json"
ARRAYS_FILE = "classifier.npz"
CALIBRATIONS = ("stacked", "sigmoid", "isotonic")
EMBEDDINGS = (None, "e5")


class ClassifierError(ComplaintsError):
    """The classifier cannot be trained, loaded or used as asked; the message says why."""


class NotFittedError(ClassifierError):
    """``fit`` (or ``load``) first."""


def missing(x: Any) -> bool:
    """None, NaN, pandas NA/NaT, or a blank string."""
    if x is None:
        return True
    if isinstance(x, float):
        return x != x
    if isinstance(x, str):
        return not x.strip()
    if type(x).__name__ in ("NAType", "NaTType"):
        return True
    try:
        return bool(x != x)  # numpy floating NaN
    except (TypeError, ValueError):
        return False


def as_text(x: Any) -> str:
    return "" if missing(x) else str(x)


def as_label(x: Any) -> str:
    """A label as the class name it stands for."""
    if isinstance(x, float) and x.is_integer():
        return str(int(x))  # 3.0 from a float column reads as "3"
    return str(x).strip()


def check_params(p: dict[str, Any]) -> None:
    """Refuse settings ``fit`` cannot honour, before any work is done."""
    if p["word_ngrams"] is None and p["char_ngrams"] is None and p["embeddings"] is None:
        raise ClassifierError("no features: word_ngrams, char_ngrams and embeddings are all off")
    for name in ("word_ngrams", "char_ngrams"):
        rng = p[name]
        if rng is not None and (len(rng) != 2 or not 1 <= int(rng[0]) <= int(rng[1])):
            raise ClassifierError(f"{name} must be (min_n, max_n) with 1 <= min_n <= max_n, got {rng!r}")
    if p["calibration"] not in CALIBRATIONS:
        raise ClassifierError(f"calibration must be one of {CALIBRATIONS}, got {p['calibration']!r}")
    if p["embeddings"] not in EMBEDDINGS:
        raise ClassifierError(f"embeddings must be one of {EMBEDDINGS}, got {p['embeddings']!r}")
    if not p["C"] > 0:
        raise ClassifierError(f"C must be positive, got {p['C']!r}")
    if not 0.0 <= float(p["nb_mix"]) <= 1.0:
        raise ClassifierError(f"nb_mix must be within [0, 1], got {p['nb_mix']!r}")
    if p["class_weight"] not in (None, "balanced"):
        raise ClassifierError(f"class_weight must be 'balanced' or None, got {p['class_weight']!r}")
    if not p["meta_C"] > 0 or not p["embedding_C"] > 0:
        raise ClassifierError(f"meta_C and embedding_C must be positive, got {p['meta_C']!r} and "
                              f"{p['embedding_C']!r}")
    if int(p["knn"]) < 1:
        raise ClassifierError(f"knn must be at least 1, got {p['knn']!r}")
    if int(p["cv"]) < 2:
        raise ClassifierError(f"cv must be at least 2, got {p['cv']!r}")
