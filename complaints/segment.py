"""Segment complaint text with jieba and the telecom lexicons into analysis tokens."""

from __future__ import annotations

import re
from typing import Iterable

import jieba

from .lexicons import Lexicons
from .mask import PLACEHOLDER_RE

jieba.setLogLevel(60)  # jieba logs its dictionary load to stderr at INFO
_CONTENT = re.compile(r"[\u4e00-\u9fffA-Za-z]")


class Segmenter:
    """jieba with the user dictionary, synonyms and stopwords applied.

    Tokens keep one-character domain words (卡, 网, 费, 慢) but never punctuation, whitespace,
    bare numbers or PII placeholders. ASCII is upper-cased so 5g套餐 and 5G套餐 agree.
    """

    def __init__(self, lexicons: Lexicons | str | None = None, hmm: bool = True) -> None:
        self.lexicons = lexicons if isinstance(lexicons, Lexicons) else Lexicons.load(lexicons)
        self.hmm = hmm
        self._tok = jieba.Tokenizer()
        self._tok.initialize()
        for word, freq, tag in self.lexicons.userdict:
            self._tok.add_word(word.upper(), freq, tag)
        self._memo: dict[str, str | None] = {}
        self.id = "jieba-" + self.lexicons.fingerprint()

    def _token(self, raw: str) -> str | None:
        hit = self._memo.get(raw, _MISS)
        if hit is _MISS:
            tok = raw.strip()
            if not tok or not _CONTENT.search(tok):
                hit = None
            else:
                tok = self.lexicons.synonyms.get(tok, tok)
                hit = None if tok in self.lexicons.stopwords else tok
            self._memo[raw] = hit
        return hit

    def cut(self, text: str) -> list[str]:
        if not text:
            return []
        text = PLACEHOLDER_RE.sub(" ", text).upper()
        out = []
        for raw in self._tok.cut(text, HMM=self.hmm):
            tok = self._token(raw)
            if tok is not None:
                out.append(tok)
        return out

    __call__ = cut

    def cut_many(self, texts: Iterable[str]) -> list[list[str]]:
        return [self.cut(t) for t in texts]


_MISS = object()
