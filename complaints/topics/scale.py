"""A topic model fitted on a sample, extended to the whole library: what `fit` writes past the switch.

`plan_fit` decides what the topic model is fitted on: every complaint, or — in a library larger
than `sample.SWITCH` — a stratified sample of that size (`sample.draw_sample`). After the sample's
fit, `extend_to_library` places every other complaint (`bulk_assign`, streamed from the library
in batches on every core) and returns a `LibraryModel`: the fitted `TopicModel`'s attributes over
every complaint — labels, confidences and methods, sizes, keywords counted over all members
(`term_counts`), examples chosen among all members — which `fit` stores exactly as it stores a
full fit. The sample's own fit (`LibraryModel.fitted`) keeps what classify and update learn from:
its vectors, core members and neighbours.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..config import Library
from ..store import LibraryStore
from .assign import NeighbourIndex, TopicAssigner
from .bulk_assign import AssignState, BulkResult, bulk_assign, stream_complaints
from .model import OUTLIER, TopicModel
from .sample import SWITCH, draw_sample, needs_sample
from .taxonomy import load_taxonomy
from .term_counts import text_key


@dataclass
class FitPlan:
    """What the topic model is fitted on: `ids`/`texts` (all complaints, or the sample)."""

    ids: list[str]
    texts: list[str]
    n_library: int
    sampled: bool
    strata: object = None

    @property
    def sample_size(self) -> int | None:
        return len(self.ids) if self.sampled else None

    def min_topic_size(self, model: TopicModel) -> int | None:
        """A sample sees each topic at the sampling rate, so its smallest topic is the full library's
        smallest topic at that rate: the same topics as a full fit would keep (never below 15)."""
        if not self.sampled or model.min_topic_size:
            return model.min_topic_size
        full = model._min_topic_size(self.n_library)
        return int(max(15, round(full * len(self.ids) / self.n_library)))


def plan_fit(store: LibraryStore, sample: bool | None = None, sample_size: int | None = None,
             lexicons: str | None = None, seed: int = 42) -> FitPlan:
    """`sample`: None decides by size (past `sample_size`, default `SWITCH`), True/False force it."""
    size = int(sample_size or SWITCH)
    n = int(store.scalar("SELECT count(*) FROM complaints") or 0)
    use = needs_sample(n, size) if sample is None else (bool(sample) and n > size)
    if not use:
        docs = store.query("SELECT complaint_id, text FROM complaints ORDER BY complaint_id")
        return FitPlan(docs["complaint_id"].tolist(), docs["text"].tolist(), n, False)
    plan = draw_sample(store, size, load_taxonomy(lexicons), seed)
    return FitPlan(plan.ids, plan.texts, n, True, plan.strata)


class LibraryModel:
    """A fitted `TopicModel`'s description over every complaint of the library (see the module
    docstring); unknown attributes are the fitted model's own (bertopic_, centroids_, …)."""

    def __init__(self, fitted: TopicModel, ids: list[str], labels: np.ndarray, confidence: np.ndarray,
                 method: np.ndarray, keywords: dict, keywords_diverse: dict, representatives: dict,
                 extra: dict | None = None, bulk_methods: dict | None = None) -> None:
        self.fitted = fitted
        self.ids_ = ids
        self.labels_ = labels
        self.confidence_ = confidence
        self.method_ = method
        self.keywords_ = keywords
        self.keywords_diverse_ = keywords_diverse
        self.representatives_ = representatives
        self.extra_ = extra or {}
        self.bulk_methods_ = bulk_methods or {}
        self.seconds_: dict[str, float] = {}
        self.topics_ = fitted.topics_
        self.sizes_ = {t: int((labels == t).sum()) for t in self.topics_}

    def __getattr__(self, name: str):
        if name == "fitted":  # not set yet (copying); avoid recursion
            raise AttributeError(name)
        return getattr(self.fitted, name)

    @property
    def outlier_share_(self) -> float:
        content = self.method_ != "no_content"
        return float((self.labels_[content] == OUTLIER).mean()) if content.any() else 0.0


def leftover_policy(model: TopicModel) -> str:
    """What the bulk does with complaints neither a centre nor their neighbours claim: what the fit
    did with its own outliers (BERTopic's embedding reduction places every one on its nearest topic)."""
    if not model.reduce_outliers or getattr(model, "outlier_strategy", "embeddings") != "embeddings":
        return "none"
    return "nearest"


def assign_state(model: TopicModel, vectors: np.ndarray, embedder) -> AssignState:
    """The sample's assigner (raw topic ids), neighbours and vocabulary, for the bulk workers."""
    assigner = TopicAssigner().fit(vectors, model.labels_, core=model.method_ == "cluster",
                                   centroids=model.centroids_)
    index = NeighbourIndex(vectors, model.labels_, assigner.topic_ids_)
    vocab = {w: int(i) for w, i in model.bertopic_.vectorizer_model.vocabulary_.items()}
    return AssignState(embedder, assigner, index, vocab, leftover_policy(model), model.n_examples)


def extend_to_library(library: Library, model: TopicModel, plan: FitPlan, embedder, vectors: np.ndarray,
                      fit_ids: list[str], fit_texts: list[str], fit_tokens: list[list[str]],
                      workers: int | None = None, hooks: Sequence[Callable] = (),
                      progress: Callable[[str, int, int], None] | None = None,
                      bulk: Callable | None = None) -> LibraryModel:
    """Place every complaint outside the sample and describe the topics over all of them.

    `progress(stage, done, total)` as `fit_library` takes it. `bulk(state, skip)` may replace the
    local `bulk_assign` (complaints.spark.fit runs it on executors); it returns a `BulkResult`."""
    t = time.perf_counter()
    state = assign_state(model, vectors, embedder)
    skip = set(plan.ids)
    if bulk is None:
        done, total = [0], plan.n_library - len(plan.ids)

        def placed(k: int) -> None:
            done[0] += k
            if progress:
                progress("assign", done[0], total)

        res = bulk_assign(state, stream_complaints(library, skip), workers=workers, hooks=hooks, progress=placed)
    else:
        res = bulk(state, skip)
    t1 = time.perf_counter()
    out = describe(model, state, res, vectors, fit_ids, fit_texts, fit_tokens, embedder)
    out.seconds_ = {"assign": t1 - t, "keywords": time.perf_counter() - t1}
    return out


def describe(model: TopicModel, state: AssignState, res: BulkResult, vectors: np.ndarray, fit_ids: list[str],
             fit_texts: list[str], fit_tokens: list[list[str]], embedder) -> LibraryModel:
    """Join the sample's fit and the bulk's placements; keywords and examples over every member."""
    counts = res.counts
    counts.add_tokens(fit_tokens, model.labels_)
    examples = res.examples
    col = {int(t): i for i, t in enumerate(state.assigner.topic_ids_)}
    own = np.zeros(len(fit_ids))
    for r, t in enumerate(model.labels_):
        if int(t) in col:
            own[r] = float(vectors[r] @ state.assigner.centroids_[col[int(t)]])
    examples.offer(model.labels_, own, list(fit_ids), [text_key(t) for t in fit_texts])
    ids = list(fit_ids) + res.ids
    position = {c: i for i, c in enumerate(ids)}
    words = counts.keywords(top_n=max(30, model.top_n_words))
    keywords, diverse, reps = {}, {}, {}
    for t in model.topics_:
        full = words.get(t) or model.keywords_[t]
        keywords[t] = full[: model.top_n_words]
        diverse[t] = model._diverse(full, model.centroids_[t], embedder)
        reps[t] = [position[c] for c in examples.picked(t)]
    labels = np.concatenate([model.labels_, res.topic]).astype(np.int64)
    conf = np.concatenate([model.confidence_, res.confidence]).astype(np.float32)
    method = np.concatenate([np.asarray(model.method_, dtype=object), res.method])
    methods = {m: int((res.method == m).sum()) for m in sorted(set(res.method.tolist()))}
    return LibraryModel(model, ids, labels, conf, method, keywords, diverse, reps, res.extra, methods)


def library_rows(model, ids: list[str], fit_ids: list[str],
                 usable: np.ndarray) -> tuple[list[str], list[str], np.ndarray]:
    """What `fit` stores a version for: (ids the model labels, every complaint id, which had content
    at fit time). A full fit: the fitted complaints; a `LibraryModel`: the sample's, then the bulk's."""
    if not isinstance(model, LibraryModel):
        return fit_ids, ids, usable
    lib_ids = model.ids_
    all_ids = ids + lib_ids[len(fit_ids):]
    return lib_ids, all_ids, np.concatenate([usable, np.ones(len(all_ids) - len(ids), dtype=bool)])
