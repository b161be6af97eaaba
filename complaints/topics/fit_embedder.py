"""The library's fitted embedder for a spec: fitted once, reused while its segmenter's lexicons and
form are unchanged (so the embedding cache stays valid), refitted otherwise."""

from __future__ import annotations

import os
import shutil

from ..config import Library


def remember_tokens(emb, segmenter, texts: list[str], tokens: list[list[str]] | None) -> None:
    """A lexical embedder (or a hybrid's lexical part) reading through `segmenter` takes the tokens
    already cut with it (by `text.packed.cut_library`, on every core) instead of cutting them again."""
    for part in getattr(emb, "parts", None) or (emb,):
        if tokens is not None and hasattr(part, "remember") and getattr(part, "_segmenter", None) is segmenter:
            part.remember(texts, tokens)


def library_embedder(library: Library, spec: str, texts: list[str], lexicons: str | None, segmenter=None,
                     tokens: list[list[str]] | None = None):
    """Reuse the library's fitted embedder for this spec (so cached vectors stay valid); fit one once.
    `segmenter` is the fit's modelling view: a lexical part fitted with another form is refitted.
    `tokens`: the texts' tokens as `segmenter` cut them."""
    import warnings

    from ..embed import load_embedder, make_embedder

    home = library.models_dir / "embedders" / spec.replace("/", "_").replace(":", "_")
    if (home / "embedder.json").exists():
        with warnings.catch_warnings():  # fitted with another form or lexicons: refitted below, not used
            warnings.simplefilter("ignore")
            emb = load_embedder(home, segmenter=segmenter, lexicons=lexicons)
        fresh = make_embedder(spec, segmenter=segmenter, lexicons=lexicons)
        if getattr(emb, "lexicon_fingerprint", None) == getattr(fresh, "lexicon_fingerprint", None):
            remember_tokens(emb, segmenter, texts, tokens)
            return emb
    emb = make_embedder(spec, segmenter=segmenter, lexicons=lexicons)
    remember_tokens(emb, segmenter, texts, tokens)
    emb.fit(texts)
    tmp = home.with_name(home.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    emb.save(tmp)
    shutil.rmtree(home, ignore_errors=True)
    os.replace(tmp, home)
    return emb
