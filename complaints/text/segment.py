"""Segment complaint text with jieba and the telecom lexicons into analysis tokens, through the
modelling view (text/view.py): no emoticon codes, no places, and with a learned form, no form."""

from __future__ import annotations

import copy
import os
import re
from typing import TYPE_CHECKING, Iterable, Iterator

from .lexicons import Lexicons
from .mask import PLACEHOLDER_RE
from .view import ModelView

if TYPE_CHECKING:
    from .form import FormLearner


def _backend():
    """jieba, or jieba_fast with COMPLAINTS_JIEBA=fast when it is installed. jieba_fast has jieba's
    algorithm and dictionary with the hot loops in C, but breaks ties between equally likely cuts
    (急急急: 急急|急 or 急|急急), hyphens and some unknown words its own way, which moved the real-ticket
    topic bench (bench/README.md); the block cache below gives most of its speed with jieba's cuts."""
    if os.environ.get("COMPLAINTS_JIEBA", "").strip().lower() == "fast":
        try:
            import jieba_fast

            jieba_fast.setLogLevel(60)
            return jieba_fast
        except ImportError:
            pass
    import jieba

    return jieba


jieba = _backend()
jieba.setLogLevel(60)  # jieba logs its dictionary load to stderr at INFO
_CONTENT = re.compile(r"[\u4e00-\u9fffA-Za-z]")
# Any typed placeholder (<手机号>, <姓名>, <工号> …), also ones a later masking rule adds.
_PLACEHOLDER = re.compile(r"<[\u4e00-\u9fff]{1,6}>")
# Clause breaks among jieba's raw tokens: labels are phrases inside one clause.
_BREAK = re.compile(r"^[\s，,。；;！!？?、:：()（）\[\]【】\"“”'‘’《》<>…~@#]+$")


class Segmenter:
    """jieba with the user dictionary, synonyms and stopwords applied, through the modelling view.

    Tokens keep one-character domain words (卡, 网, 费, 慢) but never punctuation, whitespace,
    bare numbers, PII placeholders, places or emoticon codes; with a learned ``form`` (a fitted
    FormLearner), never the form either. ASCII is upper-cased so 5g套餐 and 5G套餐 agree.
    """

    def __init__(self, lexicons: Lexicons | str | None = None, hmm: bool = True,
                 dictionary: dict | None = None, form: "FormLearner | None" = None, backend=None) -> None:
        self.lexicons = lexicons if isinstance(lexicons, Lexicons) else Lexicons.load(lexicons)
        self.hmm = hmm
        self.view = ModelView(self.lexicons, form)
        backend = backend or jieba  # the module: jieba or jieba_fast (see _backend)
        self._tok = backend.Tokenizer()
        if dictionary is None:
            self._tok.initialize()  # ~0.7 s: unmarshals jieba's 500k-entry prefix dictionary
            for word, freq, tag in self.lexicons.userdict:
                self._tok.add_word(word.upper(), freq, tag)
        else:
            # A saved subset (see `dictionary_subset`): same words, frequencies and total, so
            # texts made of those words segment exactly as with the full dictionary.
            self._tok.FREQ = dict(dictionary["freq"])
            self._tok.total = dictionary["total"]
            self._tok.initialized = True
            for word, freq, _ in self.lexicons.userdict:
                if freq == 0:
                    backend.finalseg.add_force_split(word.upper())
        self._memo: dict[str, str | None] = {}
        self._han = backend.re_han_default
        self._blocks: dict[str, tuple[str, ...]] = {}
        self._met: dict[str, dict[str, int]] = {}  # block -> the entries its DAG consults (dictionary_subset)
        self._prepared: dict[tuple[str, bool], str] = {}
        self.id = "jieba-" + self.lexicons.fingerprint() + self.view.id_suffix

    @property
    def form(self) -> "FormLearner | None":
        return self.view.form

    def with_form(self, form: "FormLearner | None") -> "Segmenter":
        """This segmenter with a learned form in its view; shares the loaded jieba dictionary."""
        other = copy.copy(self)
        other.view = ModelView(self.lexicons, form)
        other._memo, other._blocks, other._met, other._prepared = {}, {}, {}, {}
        other.id = "jieba-" + self.lexicons.fingerprint() + other.view.id_suffix
        return other

    def _token(self, raw: str) -> str | None:
        hit = self._memo.get(raw, _MISS)
        if hit is _MISS:
            tok = raw.strip()
            if not tok or not _CONTENT.search(tok):
                hit = None
            else:
                tok = self.lexicons.synonyms.get(tok, tok)
                hit = None if tok in self.lexicons.stopwords or self.view.drop(tok) else tok
            self._memo[raw] = hit
        return hit

    def _raw_cut(self, text: str) -> list[str]:
        """jieba's cut, block by block from a cache. jieba cuts each run of han/alphanumeric
        characters on its own, so a block cut once is cut the same everywhere; complaints repeat
        their ticket form's blocks (on generated tickets four in five block characters are repeats)."""
        out: list[str] = []
        blocks, cut = self._blocks, self._tok.cut
        for blk in self._han.split(text):
            if not blk:
                continue
            words = blocks.get(blk)
            if words is None:
                words = _remember(blocks, blk, tuple(cut(blk, HMM=self.hmm)), _BLOCKS_MAX)
            out.extend(words)
        return out

    def _prepare(self, text: str, upper: bool = True) -> str:
        """The view text with placeholders blanked: what jieba reads. The last few thousand are kept:
        `cut_part` cuts a batch, then gathers its dictionary words from the same prepared texts."""
        key = (text, upper)
        hit = self._prepared.get(key)
        if hit is not None:
            return hit
        out = self.view.text(text)
        if "<" in out:
            out = _PLACEHOLDER.sub(" ", PLACEHOLDER_RE.sub(" ", out))
        return _remember(self._prepared, key, out.upper() if upper else out, _PREPARED_MAX)

    def _pieces(self, text: str, upper: bool = True) -> tuple[list[str], set[int]]:
        """jieba's raw pieces of the view text, and which of them spell an address it cut apart."""
        raws = self._raw_cut(self._prepare(text, upper)) if text else []
        return raws, self.view.address([r.strip().upper() for r in raws])

    def cut(self, text: str) -> list[str]:
        raws, address = self._pieces(text)
        out = []
        for i, raw in enumerate(raws):
            tok = self._token(raw)
            if tok is not None and i not in address:
                out.append(tok)
        return out

    def cut_clauses(self, text: str) -> list[list[str]]:
        """The tokens of `cut`, grouped by clause (split at punctuation): one jieba pass gives both."""
        raws, address = self._pieces(text)
        out: list[list[str]] = [[]]
        for i, raw in enumerate(raws):
            tok = self._token(raw)
            if tok is not None and i not in address:
                out[-1].append(tok)
            elif tok is None and out[-1] and _BREAK.match(raw):
                out.append([])
        return [c for c in out if c]

    def neural_text(self, text: str) -> str:
        """The view text with place names cut out: what a neural embedder reads (its case kept)."""
        if not text:
            return ""
        plain = self._prepare(text, upper=False)
        upper = plain.upper()
        raws = self._raw_cut(upper)
        address = self.view.address([r.strip() for r in raws])
        pieces, pos = [], 0
        for i, raw in enumerate(raws):
            end = pos + len(raw)
            if i not in address and not self.view.places(raw.strip()):
                pieces.append(plain[pos:end] if len(upper) == len(plain) else raw)
            pos = end
        return " ".join("".join(pieces).split())

    __call__ = cut

    def cut_many(self, texts: Iterable[str]) -> list[list[str]]:
        return [self.cut(t) for t in texts]

    def dictionary_subset(self, texts: Iterable[str]) -> dict:
        """The part of the prefix dictionary these texts (and the user words) touch.

        jieba only consults dictionary entries that occur in a text, so a subset holding every
        entry met while scanning the library's texts (with the original frequencies and total)
        segments those texts exactly like the full dictionary, and loads in milliseconds
        instead of ~0.7 s: what a cold `complaints classify` needs.
        """
        freq = self._tok.FREQ
        keep: dict[str, int] = {}
        sources = [self._prepare(t or "") for t in texts]
        sources += [w.upper() for w, _, _ in self.lexicons.userdict]
        met, split = self._met, self._han.split
        for s in sources:
            for blk in split(s)[1::2]:  # jieba looks words up only inside these blocks (the captured runs)
                words = met.get(blk)
                if words is None:
                    words = _remember(met, blk, _dag_words(blk, freq), _BLOCKS_MAX)
                keep.update(words)
        return {"total": self._tok.total, "freq": keep}


_MISS = object()


def _remember(cache: dict, key, value, limit: int):
    """`value`, kept under `key` in a cache bounded at `limit`: a full cache is emptied first, and
    refills with what repeats (the ticket form's blocks come back at once)."""
    if len(cache) >= limit:
        cache.clear()
    cache[key] = value
    return value


def _dag_words(block: str, freq: dict[str, int]) -> dict[str, int]:
    """Every dictionary entry jieba's DAG consults in `block` (each prefix run from every start)."""
    out: dict[str, int] = {}
    n = len(block)
    for k in range(n):
        i, frag = k, block[k]
        while frag in freq:
            out[frag] = freq[frag]
            i += 1
            if i >= n:
                break
            frag = block[k:i + 1]
    return out
_BLOCKS_MAX = 200_000  # cached blocks per segmenter (per worker): some tens of MB at most
_PREPARED_MAX = 4096  # prepared texts kept: a batch of cut_part (2,000) and then some


# jieba runs ~4,000 short complaints/s per core; past this many texts forked workers pay off.
PARALLEL_MIN = 4000


def _cut_chunk(segmenter: Segmenter, chunk: list[str]) -> tuple[list[str], list[list[str]]]:
    return chunk, [segmenter.cut(t) for t in chunk]


def cut_chunks(segmenter: Segmenter, texts: list[str], workers: int | None = None,
               chunk: int = 1000) -> Iterator[tuple[list[str], list[list[str]]]]:
    """(chunk of texts, their tokens) in input order, cut in forked workers when there are many."""
    from ..parallel import fork_map

    chunks = [texts[i:i + chunk] for i in range(0, len(texts), chunk)]
    yield from fork_map(_cut_chunk, segmenter, chunks, workers if len(texts) >= PARALLEL_MIN else 1)
