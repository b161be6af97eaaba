"""Every complaint's tokens, cut once on every core and held compactly.

A million complaints as lists of clause token lists take several GB (a str object per token);
packed, each complaint is one string (tokens joined by US, clauses by RS, characters jieba never
returns as a token), a tenth of that. `PackedTokens` reads like the list of token lists it
replaces; a slice stays packed, so a batch goes to a worker as a few strings. Unpacked tokens are
interned: the same word is one object however often it occurs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from typing import overload

import numpy as np

from ..parallel import fork_map, ranges
from .segment import Segmenter

TOK, CLAUSE = "\x1f", "\x1e"
_intern = sys.intern


def pack(clauses: list[list[str]]) -> str:
    return CLAUSE.join(TOK.join(c) for c in clauses)


def unpack_clauses(packed: str) -> list[list[str]]:
    return [[_intern(w) for w in c.split(TOK)] for c in packed.split(CLAUSE)] if packed else []


def unpack_tokens(packed: str) -> list[str]:
    return [_intern(w) for w in packed.replace(CLAUSE, TOK).split(TOK)] if packed else []


class PackedTokens(Sequence):
    """A read-only sequence of token lists (`tokens[i]`), clause lists via `clauses(i)`."""

    def __init__(self, packed: list[str]) -> None:
        self.packed = packed

    def __len__(self) -> int:
        return len(self.packed)

    @overload
    def __getitem__(self, i: int) -> list[str]: ...

    @overload
    def __getitem__(self, i: slice) -> "PackedTokens": ...

    def __getitem__(self, i):
        if isinstance(i, slice):
            return PackedTokens(self.packed[i])
        return unpack_tokens(self.packed[i])

    def __iter__(self) -> Iterator[list[str]]:
        return (unpack_tokens(p) for p in self.packed)

    def clauses(self, i: int) -> list[list[str]]:
        return unpack_clauses(self.packed[i])

    def take(self, mask: np.ndarray) -> "PackedTokens":
        """The rows where `mask` is true, still packed."""
        return PackedTokens([p for p, m in zip(self.packed, mask) if m])


DICTIONARY_MAX = 200_000  # texts the classify dictionary is gathered from (the known texts are as many)


def cut_part(seg: Segmenter, texts: Sequence[str], words: bool) -> tuple[list[str], set[str]]:
    """Texts cut into packed clause tokens; with `words`, the jieba dictionary words they touch."""
    packed = [pack(seg.cut_clauses(t or "")) for t in texts]
    return packed, (set(seg.dictionary_subset(texts)["freq"]) if words else set())


def dictionary_of(seg: Segmenter, words: set[str]) -> dict:
    """The dictionary subset classify loads: the user words, the total and `words` with their counts."""
    sub = seg.dictionary_subset([])
    freq = seg._tok.FREQ
    sub["freq"].update({w: freq[w] for w in words})
    return sub


def _cut_batch(state: tuple[Segmenter, Sequence[str], int], bounds: tuple[int, int]) -> tuple[list[str], set[str]]:
    seg, texts, words_from = state
    return cut_part(seg, texts[bounds[0]:bounds[1]], bounds[0] < words_from)


def cut_library(seg: Segmenter, texts: Sequence[str], workers: int | None = None, batch: int = 2000,
                dictionary: bool = False, progress: Callable[[int, int], None] | None = None,
                dictionary_max: int = DICTIONARY_MAX) -> tuple[PackedTokens, dict | None]:
    """Every text cut into its clauses' tokens (labels read phrases inside one clause), on every
    core; with `dictionary`, also the part of jieba's dictionary that the first `dictionary_max`
    texts touch (`Segmenter.dictionary_subset`: what classify loads), gathered in the same pass
    (scanning all of a million would add about a minute). A text past them that touches a word the
    subset lacks is segmented by classify as an unseen complaint is (bench/README: 97% alike)."""
    packed: list[str] = []
    words: set[str] = set()
    n = len(texts)
    if progress:
        progress(0, n)
    state = (seg, texts, dictionary_max if dictionary else 0)
    for part, seen in fork_map(_cut_batch, state, ranges(n, batch), workers):
        packed += part
        words |= seen
        if progress:
            progress(len(packed), n)
    return PackedTokens(packed), (dictionary_of(seg, words) if dictionary else None)


class HeldCorpus:
    """Texts and their tokens already in memory, read the way `fit` reads a library by chunks
    (topics/chunks.py): some rows, or every part in order."""

    def __init__(self, texts: Sequence[str], tokens: Sequence[list[str]]) -> None:
        self.texts, self.tokens = texts, tokens

    def __len__(self) -> int:
        return len(self.texts)

    def texts_at(self, rows: Sequence[int]) -> list[str]:
        return [self.texts[i] for i in rows]

    def tokens_at(self, rows: Sequence[int]) -> list[list[str]]:
        return [self.tokens[i] for i in rows]

    def parts(self) -> Iterator[tuple[int, Sequence[str], Sequence[list[str]]]]:
        yield 0, self.texts, self.tokens
