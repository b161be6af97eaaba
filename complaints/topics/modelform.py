"""The form a model version learned: learned at `fit`, saved with the version, loaded by `update` and `classify`.

`fit` learns the ticket form (text/form.py) on the library's texts (a seeded sample of at most
`LEARN_MAX` of them: a form repeats, so a sample sees it, and learning stays cheap at a million
complaints), applies the analyst's edits in ``lexicons/form.txt``, and saves ``form.json`` in
``models/vN/`` and in the classify artifact. `update` and `classify` load it and never relearn,
so a library's assignments stay comparable; the next `fit` relearns it. Boilerplate keeps the
service words it names: the telecom user dictionary and the taxonomy's seed words.
"""

from __future__ import annotations

import random
from pathlib import Path

from ..errors import ComplaintsError
from ..text.form import FORM_FILE, FormLearner, read_form_edits
from ..text.lexicons import lexicon_dir
from ..text.segment import Segmenter


class FormError(ComplaintsError):
    """A saved learned form is damaged; the message names the file and the fix."""


FORM_JSON = "form.json"
LEARN_MAX = 10_000


def domain_words(lexicons: str | None = None, segmenter: Segmenter | None = None) -> set[str]:
    """The vocabulary of the service: the user dictionary's words and every taxonomy seed."""
    from ..text.lexicons import Lexicons
    from ..painpoints.taxonomy import load_taxonomy

    lex = segmenter.lexicons if segmenter is not None else Lexicons.load(lexicons)
    words = {w.upper() for w, _, _ in lex.userdict}
    words.update(s for p in load_taxonomy(lexicons) for s in p.seeds)
    return {w for w in words if w}


def form_rows(n: int, seed: int = 42, max_docs: int = LEARN_MAX) -> list[int]:
    """Which of `n` texts the form is learned on: all, or a seeded sample of `max_docs` (a fit that
    reads its library by chunks reads just these)."""
    return list(range(n)) if n <= max_docs else random.Random(seed).sample(range(n), max_docs)


def learn_form(texts: list[str], segmenter: Segmenter, lexicons: str | None = None, seed: int = 42,
               max_docs: int = LEARN_MAX) -> FormLearner:
    """The library's form: learned on (a sample of) its texts, with the analyst's edits applied."""
    sample = texts if len(texts) <= max_docs else [texts[i] for i in form_rows(len(texts), seed, max_docs)]
    edits = read_form_edits(lexicon_dir(lexicons) / FORM_FILE)
    return FormLearner(domain_words=domain_words(lexicons, segmenter), **edits).fit(sample, tokenize=segmenter.cut)


def save_form(form: FormLearner | None, folder: Path) -> None:
    if form is not None:
        form.save(Path(folder) / FORM_JSON)


def load_form(folder: Path) -> FormLearner | None:
    """The form saved in a version or classify folder; None for a version fitted before forms were learned."""
    path = Path(folder) / FORM_JSON
    if not path.exists():
        return None
    try:
        return FormLearner.load(path)
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise FormError(f"{path}: damaged learned form ({e}); run `complaints fit` to relearn it") from None


def form_summary(form: FormLearner | None) -> dict:
    """Counts an analyst can read at a glance (stats, report, fit --json)."""
    if form is None:
        return {"fields": 0, "boilerplate": 0, "words": 0}
    return {"fields": len(form.labels_), "boilerplate": len(form.boilerplate_), "words": len(form.form_words_)}


def version_form(library, version: int | None = None) -> tuple[int, FormLearner | None]:
    """(version, its form): the given model version's, else the one classify uses."""
    from ..store import open_store
    from .catalog import current_version

    with open_store(library) as store:
        v = current_version(store, version)
        folder = store.scalar("SELECT artifact_dir FROM model_versions WHERE version = ?", [v])
    folder = library.resolve(folder)  # stored relative to the library (or absolute, before)
    form = load_form(folder)
    if form is None and (folder / "classify" / FORM_JSON).exists():
        form = load_form(folder / "classify")
    return v, form
