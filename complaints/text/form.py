"""Learn a ticket form from the library: field labels, short answers, boilerplate, the form's own words.

Real operator tickets are typed into provincial forms (``客户问题描述:…``, ``联系电话:…``,
``智能处理轨迹:账号状态是否正常(CRM):是;…``) and carry per-province boilerplate sentences. Left
in, the form decides the topics (日志·HB·字段, 智能·轨迹·流水). Nothing here lists one operator's
fields: everything is learned from how text repeats across complaints, so a new province's form
is learned the same way, and an analyst adds or removes entries in ``lexicons/form.txt``.

* **Field labels**: the text right before a colon that several complaints repeat and whose left
  neighbour varies (accessor variety). A run that starts right after another field's colon is
  that field's value, so ``活动或业务办理时间`` is a label and ``代理商活动或业务办理时间`` is not.
* **Values** are kept (the text after ``客户问题描述:`` is the problem; 垃圾语音, 家庭宽带 tell it
  too) unless structured (dates, times, numbers, placeholders) or a categorical field's short
  answer (是/否/无/正常).
* **Boilerplate**: a clause of at least ``boiler_min_len`` characters repeated verbatim in at
  least ``boiler_min_df`` complaints. In ``blank_boilerplate="domain"`` mode (the default) the
  sentence goes but the service words it names stay (无信号或信号较弱 -> 无信号 信号): blanking it
  whole took the only problem words out of templated network tickets.
* **Form words**: tokens whose occurrences sit at least ``form_word_share`` inside labels and
  boilerplate (组织, 操作员, 知识库); they are dropped everywhere. A service word (the telecom
  dictionary, the taxonomy's seeds) is never a form word.

``transform`` gives the text that segmentation, embedding, clustering and keywords see; the
stored text is never changed. Measured on 2,026 real China Mobile tickets: 263 labels and 239
boilerplate clauses learned; top-5 keywords and labels that are form or place words fall from 36%
to about 1%.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Callable, Iterable, Sequence

FORM_FILE = "form.txt"
_RUN = re.compile(r"[\u4e00-\u9fffA-Za-z0-9()/_\-]+")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# Clause separators: sentence punctuation, brackets, the questionnaire's "@~", newlines.
_CLAUSE = re.compile(r"[，,。；;！!？?\n、:\"“”'‘’\[\]【】()（）《》<>]+|@~|\s{2,}")
_HARD = re.compile(r";|@~|\n")
# Structured values: dates and times in any of the ways agents type them, numbers, masks, placeholders.
_STRUCT = re.compile(
    r"^\s*(?:"
    r"\d{2,4}\s*[年/.\-]\s*\d{1,2}\s*[月/.\-]\s*\d{1,2}\s*日?(?:\s*\d{1,2}\s*[时:点]\s*(?:\d{1,2}\s*[分:]?\s*"
    r"(?:\d{1,2}\s*秒?)?)?)?"
    r"|\d{1,2}\s*月\s*\d{1,2}\s*[日号](?:\s*\d{1,2}\s*[时:点]\s*(?:\d{1,2}\s*分?)?)?"
    r"|\d{1,2}:\d{2}(?::\d{2})?"
    r"|[*＊]{2,}[\w.@<>]*"
    r"|<[^<>\s]{1,6}>[\w.@]*"
    r"|[A-Za-z0-9_.@\-]*\d[A-Za-z0-9_.@\-]*"
    r")+"
)
_MAX_LABEL = 16
# Dates, times and ids are masked while finding labels, as a value rather than a boundary:
# "…10时21分客户问题描述:" gives 客户问题描述 (not 分客户问题描述), and a label seen only after a short
# number ("10086客服活动或业务办理时间") does not count as starting a sentence.
_NUM = "\ue000"
_NUMERIC = re.compile(
    r"\d{2,4}\s*[年/.\-]\s*\d{1,2}\s*[月/.\-]\s*\d{1,2}\s*[日号]?(?:\s*\d{1,2}\s*[时:点]\s*(?:\d{1,2}\s*[分:]?\s*"
    r"(?:\d{1,2}\s*秒?)?)?)?|\d{1,2}\s*月\s*\d{1,2}\s*[日号](?:\s*\d{1,2}\s*[时点](?:\s*\d{1,2}\s*分)?)?"
    r"|\d{1,2}\s*[时点]\s*\d{1,2}\s*分(?:\s*\d{1,2}\s*秒)?|\d{1,2}:\d{2}(?::\d{2})?|\d{6,}|(\d{3,5})")


def _masked(text: str) -> str:
    """The text with numbers and dates turned into same-length boundaries (positions unchanged)."""
    if not any(c.isdigit() for c in text):
        return text
    # a date or a long id ends a field's value (a boundary); a short number may sit inside one (10086客服)
    return _NUMERIC.sub(lambda m: (_NUM if m.group(1) else "。") * len(m.group(0)), text)


def _left_symbol(run: str, start: int, text: str, run_start: int) -> str:
    """The symbol left of a suffix inside its run; '' for a real boundary (start of text,
    punctuation, space); ':' when the run follows another field's colon (the run's start is then
    that field's value, not a boundary)."""
    if start > 0:
        return run[start - 1]
    before = text[run_start - 1] if run_start > 0 else ""
    return before if before in (":", _NUM) else ""


def _last_run(text: str, colon: int) -> tuple[int, str] | None:
    """The label-character run that ends right before a colon (at most 2x the label cap)."""
    j = colon
    while j > 0 and text[j - 1] == " ":
        j -= 1
    i = j
    while i > 0 and j - i < 2 * _MAX_LABEL and _RUN.match(text[i - 1]):
        i -= 1
    return (i, text[i:j]) if j - i >= 2 else None


def _clauses(text: str) -> list[str]:
    return [c.strip() for c in _CLAUSE.split(text) if c and c.strip()]


def _clause_ok(c: str, min_len: int) -> bool:
    return len(c) >= min_len and len(_CJK.findall(c)) >= min_len // 2


def _blank(text: str, spans: list[tuple[int, int, str]], keep: Callable[[str], str] | None = None) -> str:
    """Replace spans with a full stop so jieba never glues the words on either side; ``keep``
    (piece -> text) may leave some words of a boilerplate span in place."""
    if not spans:
        return text
    out, pos = [], 0
    for s, e, kind in sorted(spans):
        if e <= pos:
            continue
        s = max(s, pos)
        out.append(text[pos:s])
        kept = keep(text[s:e]) if keep is not None and kind == "boilerplate" else ""
        out.append("。" + (kept + "。" if kept else ""))
        pos = e
    out.append(text[pos:])
    return re.sub(r"(?:。\s*){2,}", "。", "".join(out))


def _alternation(words: Iterable[str], suffix: str = "") -> re.Pattern | None:
    alts = sorted(words, key=len, reverse=True)
    return re.compile("(" + "|".join(map(re.escape, alts)) + ")" + suffix) if alts else None


class FormLearner:
    """Learned: ``labels_`` {label: complaints}, ``categorical_`` {label: [values]}, ``describe_``
    {label: median value length}, ``boilerplate_`` {clause: complaints}, ``form_words_`` {word: share}.

    A label occurs in ``min_df`` complaints (and ``min_share`` of them) with ``min_variety``
    distinct left contexts; a field is categorical when at most ``max_categories`` values cover
    ``categorical_cover`` of it, and its answers of at most ``answer_max_len`` characters are form.
    ``extra_*`` and ``removed`` are the analyst's edits (see ``read_form_edits``); ``domain_words``
    are the service words boilerplate keeps in "domain" mode.
    """

    def __init__(self, min_df: int = 5, min_share: float = 0.002, min_variety: int = 3, max_categories: int = 8,
                 categorical_cover: float = 0.6, boiler_min_len: int = 6, boiler_min_df: int = 5,
                 boiler_min_share: float = 0.002, form_word_share: float = 0.9, blank_boilerplate: bool | str = "domain",
                 answer_max_len: int = 2, domain_words: Iterable[str] = (), extra_labels: Iterable[str] = (),
                 extra_boilerplate: Iterable[str] = (), extra_words: Iterable[str] = (),
                 removed: Iterable[str] = ()) -> None:
        self.min_df = min_df
        self.min_share = min_share
        self.min_variety = min_variety
        self.max_categories = max_categories
        self.categorical_cover = categorical_cover
        self.boiler_min_len = boiler_min_len
        self.boiler_min_df = boiler_min_df
        self.boiler_min_share = boiler_min_share
        self.form_word_share = form_word_share
        self.blank_boilerplate = blank_boilerplate
        self.answer_max_len = answer_max_len
        self.domain_words = tuple(sorted(set(domain_words)))
        self.extra_labels = tuple(extra_labels)
        self.extra_boilerplate = tuple(extra_boilerplate)
        self.extra_words = tuple(extra_words)
        self.removed = tuple(removed)

    # ------------------------------------------------------------------ learning
    def fit(self, texts: Sequence[str], tokenize: Callable[[str], list[str]] | None = None) -> "FormLearner":
        """Learn labels, values and boilerplate; with ``tokenize`` (text -> tokens) also the form's
        own words. Learning on a sample of a big library is enough (fit's orchestration samples)."""
        texts = [t or "" for t in texts]
        floor = max(self.min_df, math.ceil(self.min_share * len(texts)))
        removed = set(self.removed)
        df: Counter = Counter()
        left: dict[str, Counter] = defaultdict(Counter)
        masked = [_masked(t) for t in texts]
        for text in masked:
            seen = set()
            for m in re.finditer(":", text):
                run = _last_run(text, m.start())
                if run is None:
                    continue
                rs, r = run
                for n in range(2, min(len(r), _MAX_LABEL) + 1):
                    s = r[-n:]
                    if len(_CJK.findall(s)) < 2 or s[0].isdigit():
                        continue
                    sym = _left_symbol(r, len(r) - n, text, rs)
                    # a boundary counts as a fresh context each time: it is the best evidence of a label
                    left[s][sym or f"#{len(left[s])}"] += 1
                    seen.add(s)
            df.update(seen)
        candidates = {s: k for s, k in df.items()
                      if k >= floor and len(left[s]) >= self.min_variety and s not in removed
                      and not s.startswith((")", "/", "-", "_")) and s[0] not in "的了和及与或"}
        # the longest label wins at each colon; a candidate that never wins an occurrence goes
        wins: Counter = Counter()
        for text in masked:
            wins.update(set(self._match_labels(text, candidates)))
        self.labels_ = {s: wins[s] for s in candidates if wins[s] >= floor}
        for s in self.extra_labels:
            self.labels_[s] = max(self.labels_.get(s, 0), 1)
        self._compile()
        self._learn_values(texts, floor)
        self._learn_boilerplate(texts, removed)
        self.form_words_ = self._learn_form_words(texts, tokenize, floor, removed) if tokenize else {}
        for w in self.extra_words:
            self.form_words_[w.upper()] = 1.0
        return self

    @staticmethod
    def _match_labels(text: str, labels: dict[str, int]) -> list[str]:
        out = []
        for m in re.finditer(":", text):
            run = _last_run(text, m.start())
            if run is None:
                continue
            r = run[1]
            for n in range(min(len(r), _MAX_LABEL), 1, -1):
                if r[-n:] in labels:
                    out.append(r[-n:])
                    break
        return out

    def _learn_values(self, texts: list[str], floor: int) -> None:
        values: dict[str, Counter] = defaultdict(Counter)
        lengths: dict[str, list[int]] = defaultdict(list)
        for text in texts:
            for label, _, vs, ve in self._fields(text):
                value = text[vs:ve].strip()
                lengths[label].append(len(value))
                head = _CLAUSE.split(value, 1)[0].strip() if value else ""
                if head and not _STRUCT.fullmatch(head):
                    values[label][head] += 1
        self.categorical_, self.describe_ = {}, {}
        for label, c in values.items():
            top = [(v, k) for v, k in c.most_common(self.max_categories) if k >= max(2, floor // 2) and len(v) <= 12]
            if top and sum(k for _, k in top) >= self.categorical_cover * len(lengths[label]):
                self.categorical_[label] = [v for v, _ in top]
        for label, ls in lengths.items():
            self.describe_[label] = sorted(ls)[len(ls) // 2]

    def _learn_boilerplate(self, texts: list[str], removed: set[str]) -> None:
        floor = max(self.boiler_min_df, math.ceil(self.boiler_min_share * len(texts)))
        df: Counter = Counter()
        for text in texts:
            df.update({c for c in _clauses(_blank(text, self.form_spans(text, boilerplate=False)))
                       if _clause_ok(c, self.boiler_min_len)})
        self.boilerplate_ = {c: k for c, k in df.items() if k >= floor and c not in removed}
        for c in self.extra_boilerplate:
            self.boilerplate_[c] = max(self.boilerplate_.get(c, 0), 1)
        self._compile()

    def _learn_form_words(self, texts: list[str], tokenize, floor: int, removed: set[str]) -> dict[str, float]:
        """Words used mostly inside the form (知识库, 口径); a word customers also use in their own
        sentences (信号 0.64, 网络 0.70 inside the form on real tickets) stays a content word."""
        inside: Counter = Counter()
        total: Counter = Counter()
        for text in texts:
            spans = [(s, e, "") for s, e, k in self.form_spans(text) if k in ("label", "boilerplate")]
            if spans:  # one call: jieba cuts at the full stops anyway
                inside.update(tokenize("。".join(text[s:e] for s, e, _ in spans)))
            total.update(tokenize(_blank(text, spans)))
        service = {w.upper() for w in self.domain_words}  # a service word (信号, 乱收费) is never form
        return {w: round(k / (k + total[w]), 3) for w, k in inside.items()
                if k >= floor and k / (k + total[w]) >= self.form_word_share and w not in removed
                and w not in service}

    # ------------------------------------------------------------------ applying
    def _compile(self) -> None:
        self._label_rx = _alternation(getattr(self, "labels_", {}), r"\s*:+")
        self._boiler_rx = _alternation(getattr(self, "boilerplate_", {}))
        self._domain_rx = _alternation(w for w in self.domain_words if len(w) >= 2)

    def _fields(self, text: str) -> list[tuple[str, int, int, int]]:
        """(label, label start, value start, value end) per field; a value ends at the next label, a
        hard separator (; @~ newline) or the end of the text."""
        if self._label_rx is None or ":" not in text:
            return []
        ms = list(self._label_rx.finditer(_masked(text)))
        out = []
        for i, m in enumerate(ms):
            end = ms[i + 1].start() if i + 1 < len(ms) else len(text)
            hard = _HARD.search(text, m.end(), end)
            out.append((m.group(1), m.start(), m.end(), hard.start() if hard else end))
        return out

    def form_spans(self, text: str, boilerplate: bool = True) -> list[tuple[int, int, str]]:
        """(start, end, kind) of every piece of form in a text: label, value, boilerplate."""
        spans = []
        for label, ls, vs, ve in self._fields(text):
            spans.append((ls, vs, "label"))
            value = text[vs:ve]
            m = _STRUCT.match(value)
            if m and m.end() > 0 and m.group(0).strip():
                spans.append((vs, vs + m.end(), "value"))
                continue
            lead = len(value) - len(value.lstrip())
            for v in self.categorical_.get(label, ()):
                # a short answer (是/否/无/正常) is form; a longer category (垃圾语音, 家庭宽带) tells the problem
                if len(v) <= self.answer_max_len and value.lstrip().startswith(v):
                    spans.append((vs, vs + lead + len(v), "value"))
                    break
        if boilerplate and self._boiler_rx is not None:
            spans += [(m.start(), m.end(), "boilerplate") for m in self._boiler_rx.finditer(text)]
        return sorted(spans)

    def transform_one(self, text: str) -> str:
        """The complaint with its form blanked (boilerplate keeps its service words in "domain" mode)."""
        if not text:
            return ""
        spans = self.form_spans(text, boilerplate=bool(self.blank_boilerplate))
        if self.blank_boilerplate == "domain" and self._domain_rx is not None:
            return _blank(text, spans, keep=lambda piece: "。".join(self._domain_rx.findall(piece)))
        return _blank(text, spans)

    def transform(self, texts: Sequence[str]) -> list[str]:
        return [self.transform_one(t) for t in texts]

    # ------------------------------------------------------------------ showing, saving
    def table(self) -> list[dict]:
        """What was learned, one row per entry, most frequent first: field labels (with a categorical
        field's values or a free field's median length), boilerplate, form words (with the share of
        their uses inside the form). Only entries repeated in several complaints exist at all."""
        rows = [{"kind": "field", "entry": s, "complaints": k, "values": self.categorical_.get(s),
                 "median_chars": self.describe_.get(s), "share": None}
                for s, k in sorted(self.labels_.items(), key=lambda x: (-x[1], x[0]))]
        rows += [{"kind": "boilerplate", "entry": c, "complaints": k, "values": None, "median_chars": None,
                  "share": None} for c, k in sorted(self.boilerplate_.items(), key=lambda x: (-x[1], x[0]))]
        rows += [{"kind": "word", "entry": w, "complaints": None, "values": None, "median_chars": None,
                  "share": share} for w, share in sorted(self.form_words_.items(), key=lambda x: (-x[1], x[0]))]
        return rows

    def to_json(self) -> dict:
        params = {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(self).items()
                  if not k.endswith("_") and not k.startswith("_")}
        return {"format": 1, "params": params, "labels": self.labels_, "categorical": self.categorical_,
                "describe": self.describe_, "boilerplate": self.boilerplate_, "form_words": self.form_words_}

    @classmethod
    def from_json(cls, d: dict) -> "FormLearner":
        self = cls(**d["params"])
        self.labels_, self.categorical_ = dict(d["labels"]), dict(d["categorical"])
        self.describe_, self.boilerplate_ = dict(d["describe"]), dict(d["boilerplate"])
        self.form_words_ = dict(d.get("form_words", {}))
        self._compile()
        return self

    def fingerprint(self) -> str:
        """Changes whenever what the form removes changes: part of the segmenter's id."""
        d = self.to_json()
        key = [sorted(d["labels"]), sorted((k, v) for k, v in d["categorical"].items()), sorted(d["boilerplate"]),
               sorted(d["form_words"]), self.blank_boilerplate, self.answer_max_len, list(self.domain_words)]
        return hashlib.sha1(json.dumps(key, ensure_ascii=False).encode()).hexdigest()[:10]

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> "FormLearner":
        return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))


def read_form_edits(path: str | Path) -> dict[str, list[str]]:
    """The analyst's edits in ``lexicons/form.txt`` as FormLearner parameters: ``field X``,
    ``boilerplate X``, ``word X`` add an entry, the same with a leading ``-`` removes a learned one."""
    edits: dict[str, list[str]] = {"extra_labels": [], "extra_boilerplate": [], "extra_words": [], "removed": []}
    path = Path(path)
    if not path.exists():
        return edits
    add = {"field": "extra_labels", "boilerplate": "extra_boilerplate", "word": "extra_words"}
    for n, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        kind, _, entry = line.lstrip("-").partition(" ")
        entry = entry.strip()
        if kind not in add or not entry:
            from ..errors import InputFileError

            raise InputFileError(f"{path}: line {n} {line!r}: expected 'field X', 'boilerplate X' or 'word X' "
                                 "(a leading '-' removes a learned entry)")
        edits["removed" if line.startswith("-") else add[kind]].append(entry.upper() if kind == "word" else entry)
    return edits
