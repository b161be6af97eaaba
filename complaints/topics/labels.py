"""Readable topic labels: the phrase an analyst would write, not three unrelated keywords.

A label is the topic's most distinctive *phrase*: two or three adjacent tokens inside one clause
(信号 差 -> 信号差, 退订 业务 -> 退订业务) or one compound token of three or more characters
(垃圾短信, 咪咕音乐特级会员), scored p_in · log(p_in / p_out) with a bonus per extra word. It must
contain one of the topic's three strongest c-TF-IDF keywords, be used by `min_share` of the
topic's complaints, not be made of generic words only (words in more than `generic_share` of
the library's complaints: 客户, 反映, 要求), have no unit, date or reporting verb in it (元, 月份,
产生, 反映), and not already be a bigger topic's label. Without such a phrase, the label is a
*pair*: the strongest non-generic keyword and the keyword most often in the same complaints
(宽带·光猫). On the real China Mobile tickets this gave 上门安装, 垃圾短信, 4G上网流量包, 充值金额
where keyword triples read 道歉·投诉·营业厅, 日志·HB·字段. Curated labels still win (catalog.py).
"""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np

# Units, dates, counters and reporting verbs: never part of a label phrase.
_UNIT = re.compile(r"^(?:元|块|角|分|月|月份|日|号|年|天|小时|分钟|秒|个|次|条|张|项|M|G|K|GB|MB|KB|T|"
                   r"产生|出现|进行|表示|要求|反映|称|显示|提示)$")
# Adverbs, particles, prepositions and time words: a phrase neither starts nor ends with one
# (不了电话, 态度差办理业务时 read as cut-off sentences).
_EDGE = frozenset("""不了 一直 经常 总是 还是 也 还 就 都 又 很 太 非常 已经 正在 时 时候 的 了 着 过 在 和 与 或 及 把 被
给 对 从 向 让 说 称 来回 一下 之后 以后 后 前 以前 现在 目前 然后 而且 但是 因为 所以 如果 已 未 再 才 仍 仍然 还有 并 且
等 等等 后来 当时 多次 每次 一次 老是 总 一样 这样 那样""".split())
NO_KEYWORDS = "(无关键词)"


class LabelPicker:
    """Learned: ``labels_`` {topic: label}, ``label_words_`` {topic: its tokens}, ``kind_`` {topic:
    'phrase' | 'pair' | 'keyword'}."""

    def __init__(self, min_share: float = 0.15, min_docs: int = 3, generic_share: float = 0.2,
                 max_chars: int = 10, max_n: int = 3, pair_share: float = 0.3, max_docs: int = 50_000,
                 seed: int = 0) -> None:
        self.min_share = min_share
        self.min_docs = min_docs
        self.generic_share = generic_share
        self.max_chars = max_chars
        self.max_n = max_n
        self.pair_share = pair_share
        self.max_docs = max_docs
        self.seed = seed

    def fit(self, tokens: list[list[str]], labels: np.ndarray, keywords: dict[int, list[tuple[str, float]]],
            clauses: list[list[list[str]]] | None = None) -> "LabelPicker":
        """``tokens`` per complaint, ``labels`` its topic (-1 none), ``keywords`` per topic (c-TF-IDF,
        strongest first); ``clauses`` (per complaint, tokens per clause) keeps a phrase inside one
        clause, so it never joins the end of one sentence to the next."""
        labels = np.asarray(labels)
        if len(tokens) > self.max_docs:  # phrase shares from a seeded sample: cheap on a million complaints
            keep = np.sort(np.random.default_rng(self.seed).choice(len(tokens), self.max_docs, replace=False))
            tokens, labels = [tokens[i] for i in keep], labels[keep]
            clauses = None if clauses is None else [clauses[i] for i in keep]
        n = len(tokens)
        df = Counter(w for t in tokens for w in set(t))
        generic = {w for w, k in df.items() if k > self.generic_share * n}
        doc_grams = [{g for part in (clauses[i] if clauses is not None else [toks]) for g in self._grams(part)}
                     for i, toks in enumerate(tokens)]
        grams_all: Counter = Counter(g for grams in doc_grams for g in grams)
        self.labels_, self.label_words_, self.kind_ = {}, {}, {}
        used: set[str] = set()
        for t in sorted(keywords, key=lambda t: (-int((labels == t).sum()), t)):
            rows = np.flatnonzero(labels == t)
            kw = [w for w, _ in keywords[t][:10]]
            best = self._phrase(rows, doc_grams, grams_all, n, kw, generic, used)
            if best is not None:
                words = best.split(" ")
                self._set(t, "".join(words), words, "phrase")
                used.add(self.labels_[t])
                continue
            pair = self._pair(kw, [tokens[i] for i in rows], generic)
            if pair:
                self._set(t, "·".join(pair), list(pair), "pair")
            else:
                w = next((w for w in kw if w not in generic), kw[0] if kw else "")
                self._set(t, w or NO_KEYWORDS, [w] if w else [], "keyword")
        return self

    def _set(self, t: int, label: str, words: list[str], kind: str) -> None:
        self.labels_[t], self.label_words_[t], self.kind_[t] = label, words, kind

    def _phrase(self, rows: np.ndarray, doc_grams: list[set[str]], grams_all: Counter, n: int, kw: list[str],
                generic: set[str], used: set[str]) -> str | None:
        m = len(rows)
        if not m:
            return None
        inside: Counter = Counter(g for i in rows for g in doc_grams[i])
        floor = max(self.min_docs, math.ceil(self.min_share * m))
        best, best_score = None, 0.0
        for g, k in inside.items():
            if k < floor:
                continue
            words = g.split(" ")
            text = "".join(words)
            if len(text) > self.max_chars or all(w in generic for w in words) or text in used:
                continue
            if len(words) > 1 and (any(_UNIT.match(w) for w in words) or words[0] in _EDGE or words[-1] in _EDGE
                                   or len(words[0]) == 1):
                continue  # 缴费 元, 月份 产生, 不了 电话: a unit, a date, a particle at an edge makes no phrase
            if not any(w in kw[:3] for w in words):
                continue  # the label names what the topic's strongest keywords say
            p_in = k / m
            p_out = (grams_all[g] - k + 1) / (n - m + 1)
            score = p_in * math.log(p_in / p_out) * (1 + 0.25 * (len(words) - 1))
            if score > best_score or (score == best_score and best is not None and g < best):
                best, best_score = g, score
        return best

    def _grams(self, toks: list[str]):
        for size in range(2, self.max_n + 1):
            for i in range(len(toks) - size + 1):
                yield " ".join(toks[i:i + size])
        for w in toks:  # a long compound word is a phrase on its own (垃圾短信, 咪咕音乐)
            if len(w) >= 3:
                yield w

    def _pair(self, kw: list[str], docs: list[list[str]], generic: set[str]) -> tuple[str, str] | None:
        """The strongest non-generic keyword and the keyword most often in the same complaints."""
        content = [w for w in kw if w not in generic]
        if not content:
            return None
        a = content[0]
        with_a = [set(d) for d in docs if a in d]
        if not with_a:
            return None
        best, best_share = None, 0.0
        for b in kw:
            if b == a or b in generic or len(b) < 2 or _UNIT.match(b):
                continue
            share = sum(1 for d in with_a if b in d) / len(with_a)
            if share > best_share:
                best, best_share = b, share
        return (a, best) if best and best_share >= self.pair_share else None
