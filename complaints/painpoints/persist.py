"""Saving and loading a PainPointClassifier: ``painpoint.json`` + ``painpoint.npz``, never pickle.

The JSON holds the parameters, the taxonomy as it was at fit time (so a saved model decides the same
way after the analysts edit the YAML, until the next fit or update), the synonyms, the verbatim
corrections, the vocabularies in column order and the fingerprint of its supervision; the npz holds
idf, coefficients and intercepts (``allow_pickle=False``). Loading needs numpy and scipy only: it is
part of the light `complaints classify` path.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from ..errors import ComplaintsError
from .classifier import PainPointClassifier
from .taxonomy import NotAComplaint, PainPoint

FORMAT = 1
KIND = "painpoint-classifier"
SPEC, ARRAYS = "painpoint.json", "painpoint.npz"


class PainPointModelError(ComplaintsError):
    """The saved pain-point model is missing or damaged; the message names the file."""


def _terms(vocab: dict[str, int]) -> list[str]:
    out = [""] * len(vocab)
    for t, i in vocab.items():
        out[i] = t
    return out


def save_painpoint_model(m: PainPointClassifier, folder: str | Path, fingerprint: str | None = None) -> Path:
    """Write the fitted model to `folder` (arrays first, then the spec that names them)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {"word_idf": m.word_idf_, "char_idf": m.char_idf_}
    if m.coef_ is not None:
        arrays.update(coef=m.coef_, intercept=m.intercept_)
    np.savez_compressed(folder / ARRAYS, **arrays)
    spec = {"format": FORMAT, "kind": KIND, "params": m.get_params(), "keys": m.keys_,
            "taxonomy": [p.to_dict() for p in m.taxonomy_], "synonyms": m.synonyms_,
            "not_a_complaint": m.not_a_complaint_.to_dict(), "corrections": m.corrections_,
            "word_terms": _terms(m.word_vocab_), "char_terms": _terms(m.char_vocab_),
            "n_pseudo": m.n_pseudo_, "n_labelled": m.n_labelled_, "has_classifier": m.coef_ is not None,
            "fingerprint": fingerprint}
    tmp = folder / (SPEC + ".tmp")
    tmp.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, folder / SPEC)
    return folder


def saved_fingerprint(folder: str | Path) -> str | None:
    """The supervision fingerprint a saved model was fitted with (None when there is no model)."""
    try:
        return json.loads((Path(folder) / SPEC).read_text(encoding="utf-8")).get("fingerprint")
    except (OSError, ValueError):
        return None


def load_painpoint_model(folder: str | Path) -> PainPointClassifier:
    folder = Path(folder)
    try:
        spec = json.loads((folder / SPEC).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PainPointModelError(f"{folder / SPEC}: file missing; run `complaints fit`") from None
    except (OSError, ValueError) as e:
        raise PainPointModelError(f"{folder / SPEC}: damaged ({e}); run `complaints fit`") from None
    if spec.get("format") != FORMAT or spec.get("kind") != KIND:
        raise PainPointModelError(f"{folder / SPEC}: not a pain-point model of format {FORMAT}")
    try:
        m = PainPointClassifier(**spec["params"])
        m.taxonomy_ = [PainPoint.from_dict(t) for t in spec["taxonomy"]]
        m.keys_, m.synonyms_, m.corrections_ = list(spec["keys"]), dict(spec["synonyms"]), dict(spec["corrections"])
        nac = spec.get("not_a_complaint") or {}
        m.not_a_complaint_ = NotAComplaint(tuple(nac.get("praise", ())), tuple(nac.get("markers", ())))
        m.n_pseudo_, m.n_labelled_ = int(spec["n_pseudo"]), int(spec["n_labelled"])
        m.word_vocab_ = {t: i for i, t in enumerate(spec["word_terms"])}
        m.char_vocab_ = {t: i for i, t in enumerate(spec["char_terms"])}
        with np.load(folder / ARRAYS, allow_pickle=False) as z:
            m.word_idf_, m.char_idf_ = z["word_idf"], z["char_idf"]
            m.coef_ = z["coef"] if spec["has_classifier"] else None
            m.intercept_ = z["intercept"] if spec["has_classifier"] else None
    except (KeyError, TypeError, ValueError, OSError) as e:
        raise PainPointModelError(f"{folder}: damaged pain-point model ({e}); run `complaints fit`") from None
    ok = len(m.word_idf_) == len(m.word_vocab_) and len(m.char_idf_) == len(m.char_vocab_)
    if m.coef_ is not None:
        ok = ok and m.coef_.shape == (len(m.keys_), len(m.word_vocab_) + len(m.char_vocab_))
    if not ok or [p.key for p in m.taxonomy_] != m.keys_:
        raise PainPointModelError(f"{folder}: pain-point model arrays do not match its vocabulary; run `complaints fit`")
    m.fingerprint_ = spec.get("fingerprint")
    m._scorer = None
    return m
