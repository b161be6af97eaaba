"""Per-complaint evidence from the taxonomy's words, phrases and negative cues (no learning).

`EvidenceScorer.evidence(text, tokens)` returns, per pain point, the weighted sum of the distinct
entries found in the complaint and the entries themselves: what decided, shown as "why".

Matching, and why:
- entries are found as substrings of the masked text, leftmost-longest across all pain points,
  so 无服务 (网络) hides 服务 (服务态度), 服务态度很好 (praise) hides 服务态度, and 4G信号 still yields
  信号 although jieba keeps 4G信号 as one token; placeholders (<固话>) are removed first;
- an ASCII entry may not cut an ASCII word or number in two (SP is not in HSPA, 20M not in 120M,
  but IPHONE is in IPHONE5S and 4G in 4G信号);
- entries are also matched as jieba tokens, so synonyms.txt variants count under their canonical
  form, and one-character entries (网, 费, 卡) count only as whole tokens;
- an entry listed under several pain points is split between them;
- a `negative` match (a threat to port out) silences that pain point's entries inside it;
- `handling` words (没人处理, 不回复) count fully only when no other pain point has clear evidence.
Pure Python and numpy; candidates are looked up by their first character, so a complaint costs
about one dictionary lookup per character.
"""

from __future__ import annotations

import re

import numpy as np

from ..text.mask import PLACEHOLDER_RE
from .taxonomy import OTHER, PainPoint

_SPACE = re.compile(r"\s+")


def _same(x: str, y: str) -> bool:
    return (x.isascii() and y.isascii()) and ((x.isalpha() and y.isalpha()) or (x.isdigit() and y.isdigit()))


def _glued(text: str, a: int, b: int) -> bool:
    """True when text[a:b] would cut an ASCII word or number in two."""
    return (a > 0 and _same(text[a - 1], text[a])) or (b < len(text) and _same(text[b - 1], text[b]))


def clean_for_matching(text: str) -> str:
    """Upper-cased masked text without placeholders or whitespace (<固话> is not 固话)."""
    return _SPACE.sub("", PLACEHOLDER_RE.sub(" ", text).upper())


class EvidenceScorer:
    """Leftmost-longest substring matching of all pain points' entries, plus whole-token matches.

    `handling_clear`: the other evidence at which handling words drop to `handling_share` of their weight.
    """

    def __init__(self, taxonomy: list[PainPoint], synonyms: dict[str, str] | None = None,
                 handling_clear: float = 2.0, handling_share: float = 0.25) -> None:
        self.taxonomy = taxonomy
        self.keys = [p.key for p in taxonomy]
        self.synonyms = {k.upper(): v.upper() for k, v in (synonyms or {}).items()}
        self.handling_clear, self.handling_share = handling_clear, handling_share
        self.handling = {self._canon(w) for p in taxonomy for w in p.handling}
        table: dict[str, list[tuple[int, float]]] = {}
        for j, p in enumerate(taxonomy):
            for word, w in p.entries().items():
                table.setdefault(self._canon(word), []).append((j, w))
        self.table = {w: [(j, wt / len(own)) for j, wt in own] for w, own in table.items()}
        # surface forms (entries and the synonym variants of entries) of 2+ characters, by first character
        forms: dict[str, str] = {w: w for w in self.table if len(w) > 1}
        forms.update({v: c for v, c in self.synonyms.items() if c in self.table and len(v) > 1})
        self._first: dict[str, list[tuple[str, str]]] = {}
        for form, canon in sorted(forms.items(), key=lambda kv: -len(kv[0])):
            self._first.setdefault(form[0], []).append((form, canon))
        self.negative = [[re.compile(rx) for rx in p.negative] for p in taxonomy]
        self._other = self.keys.index(OTHER) if OTHER in self.keys else None

    def _canon(self, word: str) -> str:
        return self.synonyms.get(word, word)

    def _scan(self, text: str) -> list[tuple[int, str]]:
        """(position, canonical entry) of the leftmost-longest matches."""
        out, i, n = [], 0, len(text)
        first = self._first
        while i < n:
            for form, canon in first.get(text[i], ()):
                if text.startswith(form, i) and not _glued(text, i, i + len(form)):
                    out.append((i, canon))
                    i += len(form)
                    break
            else:
                i += 1
        return out

    def evidence(self, text: str, tokens: list[str]) -> tuple[np.ndarray, list[dict[str, float]]]:
        """(score per pain point, {entry: weight} per pain point) for one complaint."""
        text = clean_for_matching(text)
        hits: dict[str, list[int]] = {}
        for pos, entry in self._scan(text):
            hits.setdefault(entry, []).append(pos)
        for t in tokens:  # synonyms' canonical forms and one-character words
            c = self._canon(t)
            if c in self.table and c not in hits:
                pos = text.find(t)
                hits[c] = [max(pos, 0)]
        spans = [[m.span() for rx in rxs for m in rx.finditer(text)] if rxs else [] for rxs in self.negative]
        scores = np.zeros(len(self.taxonomy), dtype=np.float64)
        why: list[dict[str, float]] = [{} for _ in self.taxonomy]
        before_handling = None  # handling words wait until the other evidence is known
        for entry, positions in sorted(hits.items(), key=lambda kv: kv[0] in self.handling):
            is_handling = entry in self.handling
            if is_handling and before_handling is None:
                before_handling = scores.copy()
            for j, w in self.table[entry]:
                if is_handling and np.delete(before_handling, j).max(initial=0) >= self.handling_clear:
                    w *= self.handling_share
                if spans[j] and all(any(a <= p < b for a, b in spans[j]) for p in positions):
                    continue
                scores[j] += w
                why[j][entry] = round(w, 2)
        return scores, why

    def transform(self, texts: list[str], tokens: list[list[str]]) -> tuple[np.ndarray, list[list[dict]]]:
        """Scores (n, pain points) and the evidence of every complaint."""
        rows, whys = [], []
        for t, k in zip(texts, tokens):
            s, w = self.evidence(t, k)
            rows.append(s)
            whys.append(w)
        return np.array(rows).reshape(len(texts), len(self.taxonomy)), whys

    def decide(self, scores: np.ndarray) -> list[str]:
        """The pain point with the most evidence, 其他 without any (the plain vote, for comparison)."""
        out = []
        for row in scores:
            j = int(row.argmax())
            out.append(self.keys[j] if row[j] > 0 or self._other is None else self.keys[self._other])
        return out
