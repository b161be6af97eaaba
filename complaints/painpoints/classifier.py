"""PainPointClassifier: a pain point per complaint from the taxonomy plus a self-trained classifier.

Zero-shot by default. `fit(texts, tokens)` scores every complaint against the taxonomy
(evidence.py), takes the complaints whose evidence points clearly at one pain point as
pseudo-labelled training data and fits a logistic regression on word (1-2 gram) and character
(1-3 gram) TF-IDF, so complaints that use none of the taxonomy's words still get a pain point.
Supervision, when there is some, replaces pseudo-labels: `labels` (an analyst's corrections, or a
topic's curated pain point) weigh `label_weight` times more and a corrected text keeps its
correction verbatim; `allowed` (the pain points an operator category maps to) trains the text on
the allowed pain point its evidence favours.

`predict` blends the taxonomy's evidence (softmax of its scores at `temperature`) with the
classifier (`blend` = the taxonomy's weight). The classifier only reorders pain points the text
gives evidence for, plus 其他; no evidence at all is 其他. A praise post without complaint markers
is 其他. Each answer carries the key, its confidence (the blended probability), the status
`uncertain` below `uncertain_below` (the best guess is kept), the evidence (taxonomy words found,
else the classifier's strongest words), its source and the runner-up.

Large libraries: the training set is capped at `max_train` rows (all supervised rows kept, the
pseudo-labels sampled per class) and the vocabulary at `max_terms`; prediction runs in batches.
Learned state is plain arrays and lists (persist.py: JSON + npz), predicted with numpy/scipy only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from ..text.mask import PLACEHOLDER_RE
from ..text.ngrams import build_vocab, char_ngrams, tfidf, word_ngrams
from .evidence import EvidenceScorer
from .taxonomy import OTHER, NotAComplaint, PainPoint, load_not_a_complaint, load_taxonomy

SOURCES = ("taxonomy", "classifier", "not_a_complaint", "correction", "operator_category", "none")
BATCH = 4096


def text_key(text: str) -> str:
    """A short hash of the whitespace-normalised text: how corrections are remembered verbatim."""
    return hashlib.sha1(" ".join(str(text).split()).encode("utf-8")).hexdigest()[:16]


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def pseudo_labels(scores: np.ndarray, min_score: float, margin: float) -> np.ndarray:
    """Index of the clear pain point per complaint (top >= min_score and >= margin x runner-up), else -1."""
    if scores.shape[1] < 2:
        return np.where(scores[:, 0] >= min_score, 0, -1) if len(scores) else np.zeros(0, dtype=np.int64)
    order = np.sort(scores, axis=1)
    top, second = order[:, -1], order[:, -2]
    return np.where((top >= min_score) & (top >= margin * second), scores.argmax(axis=1), -1)


def docs(texts: Sequence[str], tokens: Sequence[list[str]]) -> tuple[list[list[str]], list[list[str]]]:
    """(word 1-2 grams, character 1-3 grams without placeholders) per complaint."""
    return ([word_ngrams(t, (1, 2)) for t in tokens],
            [char_ngrams(PLACEHOLDER_RE.sub(" ", t), (1, 3)) for t in texts])


class PainPointClassifier:
    """Per-complaint pain point with confidence, evidence and status (scikit-learn contract)."""

    _PARAMS = ("lexicons", "blend", "temperature", "min_score", "margin", "C", "label_weight", "uncertain_below",
               "min_df", "min_train", "class_weight", "require_evidence", "max_train", "max_terms", "seed")

    def __init__(self, lexicons: str | None = None, blend: float = 0.5, temperature: float = 2.0,
                 min_score: float = 3.0, margin: float = 2.0, C: float = 8.0, label_weight: float = 3.0,
                 uncertain_below: float = 0.4, min_df: int = 2, min_train: int = 50,
                 class_weight: str | None = "balanced", require_evidence: bool = True, max_train: int = 30_000,
                 max_terms: int = 300_000, seed: int = 0) -> None:
        self.lexicons = lexicons
        self.blend = blend
        self.temperature = temperature
        self.min_score = min_score
        self.margin = margin
        self.C = C
        self.label_weight = label_weight
        self.uncertain_below = uncertain_below
        self.min_df = min_df
        self.min_train = min_train
        self.class_weight = class_weight
        self.require_evidence = require_evidence
        self.max_train = max_train
        self.max_terms = max_terms
        self.seed = seed

    def get_params(self, deep: bool = True) -> dict:
        return {k: getattr(self, k) for k in self._PARAMS}

    def set_params(self, **params) -> PainPointClassifier:
        for k, v in params.items():
            if k not in self._PARAMS:
                raise ValueError(f"unknown parameter {k!r}")
            setattr(self, k, v)
        return self

    # --- learning ------------------------------------------------------------------------------
    def fit(self, texts: Sequence[str], tokens: Sequence[list[str]], labels: Sequence[str | None] | None = None,
            allowed: Sequence[Sequence[str] | None] | None = None, weights: Sequence[float | None] | None = None,
            verbatim: Sequence[bool] | None = None, taxonomy: list[PainPoint] | None = None,
            synonyms: dict[str, str] | None = None,
            not_a_complaint: NotAComplaint | None = None) -> PainPointClassifier:
        """`texts`: masked complaints; `tokens`: their Segmenter tokens; `labels`: per text a pain-point
        key or None; `weights`: per label its sample weight (None: `label_weight`); `verbatim`: per label
        whether the text keeps it verbatim (default: every label); `allowed`: per text the keys its
        operator category maps to (first = usual) or None. `taxonomy`/`synonyms`/`not_a_complaint`
        default to the lexicon folder's."""
        from ..text.lexicons import Lexicons

        self.taxonomy_ = taxonomy if taxonomy is not None else load_taxonomy(self.lexicons)
        self.synonyms_ = dict(synonyms if synonyms is not None else Lexicons.load(self.lexicons).synonyms)
        self.not_a_complaint_ = not_a_complaint if not_a_complaint is not None else (
            load_not_a_complaint(self.lexicons) if taxonomy is None else NotAComplaint())
        self._scorer = None
        self.keys_ = [p.key for p in self.taxonomy_]
        index = {k: i for i, k in enumerate(self.keys_)}
        texts, tokens = list(texts), list(tokens)
        scores, _ = self.scorer().transform(texts, tokens)
        y = pseudo_labels(scores, self.min_score, self.margin)
        weight = np.ones(len(texts))
        supervised = np.zeros(len(texts), dtype=bool)
        for i, keys in enumerate(allowed or []):
            cols = [index[k] for k in (keys or []) if k in index]
            if cols:
                best = max(cols, key=lambda k: scores[i, k])
                y[i] = best if scores[i, best] > 0 else cols[0]
                supervised[i] = True
        self.corrections_: dict[str, str] = {}
        for i, lab in enumerate(labels or []):
            if lab is None or lab != lab or lab == "":
                continue
            if lab not in index:
                raise ValueError(f"label {lab!r} of row {i} is not a pain-point key ({', '.join(self.keys_)})")
            w = weights[i] if weights is not None and weights[i] is not None else self.label_weight
            y[i], weight[i], supervised[i] = index[lab], w, True
            if verbatim is None or verbatim[i]:
                self.corrections_[text_key(texts[i])] = lab
        train = self._training_rows(y, supervised)
        self.n_pseudo_ = int((~supervised[train]).sum())
        self.n_labelled_ = int(supervised[train].sum())
        vocab_rows = self._vocabulary_rows(len(texts), train)
        words, chars = docs([texts[i] for i in vocab_rows], [tokens[i] for i in vocab_rows])
        self.word_vocab_, self.word_idf_ = build_vocab(words, self.min_df, self.max_terms)
        self.char_vocab_, self.char_idf_ = build_vocab(chars, self.min_df, self.max_terms)
        self.coef_ = self.intercept_ = None
        if len(train) >= self.min_train and len(set(y[train].tolist())) >= 2:
            from sklearn.linear_model import LogisticRegression

            x = self.features([texts[i] for i in train], [tokens[i] for i in train])
            clf = LogisticRegression(C=self.C, max_iter=3000, tol=1e-3, class_weight=self.class_weight)
            clf.fit(x, y[train], sample_weight=weight[train])
            coef = np.zeros((len(self.keys_), x.shape[1]), dtype=np.float32)
            intercept = np.full(len(self.keys_), -1e4, dtype=np.float64)  # classes never seen never win
            if len(clf.classes_) == 2:  # binary: scikit-learn keeps one row, for the second class
                coef[clf.classes_[1]], intercept[clf.classes_[1]] = clf.coef_[0], clf.intercept_[0]
                intercept[clf.classes_[0]] = 0.0
            else:
                coef[clf.classes_], intercept[clf.classes_] = clf.coef_, clf.intercept_
            self.coef_, self.intercept_ = coef, intercept
        return self

    def _training_rows(self, y: np.ndarray, supervised: np.ndarray) -> np.ndarray:
        """Every supervised row, and pseudo-labelled rows up to `max_train` in all (sampled per class,
        in proportion, so a million-complaint library trains on a bounded set)."""
        sup = np.flatnonzero(supervised & (y >= 0))
        pseudo = np.flatnonzero(~supervised & (y >= 0))
        room = max(0, self.max_train - len(sup))
        if len(pseudo) > room:
            rng = np.random.default_rng(self.seed)
            share = room / len(pseudo)
            pseudo = np.concatenate([rng.choice(rows, max(1, int(round(len(rows) * share))), replace=False)
                                     for c in np.unique(y[pseudo]) for rows in [pseudo[y[pseudo] == c]]])
        return np.sort(np.concatenate([sup, pseudo])).astype(np.int64)

    def _vocabulary_rows(self, n: int, train: np.ndarray) -> np.ndarray:
        """The texts the vocabulary and idf come from: all of them, or the training rows plus a sample."""
        if n <= 2 * self.max_train:
            return np.arange(n)
        rng = np.random.default_rng(self.seed + 1)
        rest = np.setdiff1d(np.arange(n), train)
        extra = rng.choice(rest, min(len(rest), self.max_train), replace=False)
        return np.sort(np.concatenate([train, extra]))

    # --- features and scores -------------------------------------------------------------------
    def scorer(self) -> EvidenceScorer:
        if getattr(self, "_scorer", None) is None:
            self._scorer = EvidenceScorer(self.taxonomy_, self.synonyms_)
        return self._scorer

    def features(self, texts: Sequence[str], tokens: Sequence[list[str]]) -> sp.csr_matrix:
        words, chars = docs(texts, tokens)
        return sp.hstack([tfidf(words, self.word_vocab_, self.word_idf_),
                          tfidf(chars, self.char_vocab_, self.char_idf_)], format="csr")

    def taxonomy_proba(self, scores: np.ndarray) -> np.ndarray:
        """The taxonomy's evidence as probabilities; no evidence at all means 其他."""
        p = softmax(scores / self.temperature)
        none = scores.sum(axis=1) == 0
        p[none] = 0.0
        p[none, self.keys_.index(OTHER)] = 1.0
        return p

    def classifier_proba(self, texts: Sequence[str], tokens: Sequence[list[str]]) -> np.ndarray | None:
        if self.coef_ is None:
            return None
        x = self.features(texts, tokens)
        return softmax(np.asarray(x @ self.coef_.T) + self.intercept_)

    def _proba(self, texts: list[str], tokens: list[list[str]]):
        scores, why = self.scorer().transform(texts, tokens)
        p = self.taxonomy_proba(scores)
        c = self.classifier_proba(texts, tokens)
        if c is not None:
            known = self.intercept_ > -1e3  # classes the classifier was trained on
            p = np.where(known, self.blend * p + (1 - self.blend) * c, p)
            if self.require_evidence:
                p = np.where((scores > 0) | (np.arange(len(self.keys_)) == self.keys_.index(OTHER)), p, 0.0)
                p /= p.sum(axis=1, keepdims=True)
        return p, scores, why, c

    def predict_proba(self, texts: Sequence[str], tokens: Sequence[list[str]]) -> np.ndarray:
        return self._proba(list(texts), list(tokens))[0]

    # --- decisions -----------------------------------------------------------------------------
    def predict(self, texts: Sequence[str], tokens: Sequence[list[str]],
                allowed: Sequence[Sequence[str] | None] | None = None, batch: int = BATCH) -> list[dict]:
        """One decision per text, computed in batches; `allowed` (per text: the keys its operator
        category maps to, or None) restricts the choice to those keys."""
        texts, tokens = list(texts), list(tokens)
        out: list[dict] = []
        for s in range(0, len(texts), batch):
            out += self._decide(texts[s:s + batch], tokens[s:s + batch],
                                None if allowed is None else list(allowed[s:s + batch]))
        return out

    def _decide(self, texts: list[str], tokens: list[list[str]], allowed: list | None) -> list[dict]:
        p, scores, why, c = self._proba(texts, tokens)
        restricted = np.zeros(len(texts), dtype=bool)
        for i, keys in enumerate(allowed or []):
            cols = [self.keys_.index(k) for k in (keys or []) if k in self.keys_]
            if cols:
                mask = np.zeros(len(self.keys_), dtype=bool)
                mask[cols] = True
                q = np.where(mask, p[i], 0.0)
                p[i] = q / q.sum() if q.sum() > 0 else mask / mask.sum()
                restricted[i] = True
        other = self.keys_.index(OTHER)
        out = []
        for i, text in enumerate(texts):
            fixed = self.corrections_.get(text_key(text)) if self.corrections_ else None  # hashing costs
            praise = [] if fixed or restricted[i] else self.not_a_complaint_.praise_in(text)
            order = np.argsort(-p[i], kind="stable")
            j = self.keys_.index(fixed) if fixed else other if praise else int(order[0])
            conf = 1.0 if fixed else max(float(p[i, j]), 0.5) if praise else float(p[i, j])
            evidence = praise[:6] if praise else sorted(why[i][j], key=lambda w: -why[i][j][w])[:6]
            if fixed:
                source = "correction"
            elif praise:
                source = "not_a_complaint"
            elif restricted[i]:
                source = "operator_category"
            else:
                source = "taxonomy" if evidence else "classifier" if c is not None and j != other else "none"
            if not evidence and not fixed and c is not None:
                evidence = self.terms(tokens[i], j)
            second = next((self.keys_[k] for k in order if k != j and p[i, k] >= 0.2), None)
            out.append({"painpoint": self.keys_[j], "confidence": round(conf, 3),
                        "status": "assigned" if conf >= self.uncertain_below else "uncertain",
                        "evidence": evidence, "source": source, "second": second})
        return out

    def terms(self, tokens: list[str], j: int, n: int = 5) -> list[str]:
        """The words that pushed the classifier towards pain point j (the evidence when no entry decided)."""
        x = tfidf([word_ngrams(tokens, (1, 2))], self.word_vocab_, self.word_idf_)
        contrib = x.multiply(self.coef_[j, : len(self.word_vocab_)]).tocsr()
        if getattr(self, "_word_terms", None) is None:
            self._word_terms = sorted(self.word_vocab_, key=self.word_vocab_.get)
        best = sorted(zip(contrib.indices, contrib.data), key=lambda t: -t[1])
        return [self._word_terms[k] for k, v in best[:n] if v > 0]

    @property
    def painpoints_(self) -> dict[str, PainPoint]:
        return {p.key: p for p in self.taxonomy_}
