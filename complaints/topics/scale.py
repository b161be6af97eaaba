"""A topic model fitted on a sample, extended to the whole library: what `fit` writes past the switch.

`fit` decides every complaint's pain point first (painpoints/stage.py, over all complaints); in a
library larger than `sample.SWITCH`, `plan_sample` then draws a stratified sample of that size (by
month, channel and that pain point) and the topic model is fitted on it with the fit's defaults
(topics within each pain point, the learned form, the kNN outlier vote). `nest_sample` gives its
topics stable ids and nests them (curation holds); `extend_to_library` places every other
complaint with content (`bulk_assign`, in batches on every core or on Spark executors) only on
the topics of its own pain point, and returns a `LibraryModel`: the fitted `TopicModel`'s
attributes over every complaint — labels, confidences and methods, sizes, keywords counted over
all members (`term_counts`), examples chosen among all members — which `fit` stores exactly as
it stores a full fit. Readable labels (`names_`) are the sample's. The sample's own fit
(`LibraryModel.fitted`) keeps what classify and update learn from: its vectors, core members and
neighbours.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

import pandas as pd

from ..config import Library
from ..store import LibraryStore, open_store
from .assign import NeighbourIndex, TopicAssigner
from .bulk_assign import BATCH, AssignState, BulkResult, bulk_assign
from .chunks import LibraryChunks
from .model import OUTLIER, TopicModel
from .nesting import nest_model
from .sample import SWITCH, draw_sample, needs_sample
from .stable_ids import assign_stable_ids
from .term_counts import text_key


@dataclass
class FitPlan:
    """What the topic model is fitted on: `rows` marks them among all complaints (every one with
    content, or the sample)."""

    rows: np.ndarray
    n_library: int
    sampled: bool
    strata: object = None

    @property
    def sample_size(self) -> int | None:
        return int(self.rows.sum()) if self.sampled else None

    def min_topic_size(self, model: TopicModel) -> int | None:
        """A sample sees each topic at the sampling rate, so its smallest topic is the full library's
        smallest topic at that rate: the same topics as a full fit would keep (never below 15)."""
        if not self.sampled or model.min_topic_size:
            return model.min_topic_size
        full = model._min_topic_size(self.n_library)
        return int(max(15, round(full * int(self.rows.sum()) / self.n_library)))


def plan_sample(store: LibraryStore, ids: list[str], usable: np.ndarray, painpoints: Sequence[str],
                sample: bool | None = None, sample_size: int | None = None, seed: int = 42) -> FitPlan:
    """Among the complaints with content (`usable`, in the order of `ids`, each with its decided pain
    point): all, or past `sample_size` (default `SWITCH`; `sample` True/False forces it either way)
    a stratified sample of that size."""
    size = int(sample_size or SWITCH)
    n = int(np.sum(usable))
    use = needs_sample(n, size) if sample is None else (bool(sample) and n > size)
    if not use:
        return FitPlan(np.asarray(usable, dtype=bool).copy(), n, False)
    cand = pd.DataFrame({"complaint_id": ids, "painpoint": list(painpoints)})[np.asarray(usable, dtype=bool)]
    drawn = draw_sample(store, size, cand, seed)
    rows = pd.Index(drawn.ids).get_indexer(ids) >= 0
    return FitPlan(rows, n, True, drawn.strata)


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


def assign_state(model: TopicModel, vectors: np.ndarray, embedder, segmenter,
                 pains: dict[int, tuple[str, float]]) -> AssignState:
    """The sample's assigner (raw topic ids), neighbours, vocabulary and each topic's pain point,
    for the bulk workers."""
    assigner = TopicAssigner().fit(vectors, model.labels_, core=model.method_ == "cluster",
                                   centroids=model.centroids_)
    index = NeighbourIndex(vectors, model.labels_, assigner.topic_ids_)
    vocab = {w: int(i) for w, i in model.bertopic_.vectorizer_model.vocabulary_.items()}
    pps = np.array([pains[int(t)][0] for t in assigner.topic_ids_], dtype=object)
    return AssignState(embedder, assigner, index, vocab, leftover_policy(model), model.n_examples, pps, segmenter)


def nest_sample(library: Library, prev: int | None, model: TopicModel, fit_ids: list[str], fit_texts: list[str],
                vectors: np.ndarray, embedder, fit_pp: pd.DataFrame):
    """Stable ids and nesting of the sample's topics, before the bulk places the rest on them (the
    bulk needs each topic's pain point, curation included). Returns (mapping, lineage, first_seen,
    pains, nested decisions of the sample) as `fit` computes them for a full fit."""
    with open_store(library, write=True) as store:
        with store.transaction():
            mapping, lineage, first_seen = assign_stable_ids(store, prev, fit_ids, model.labels_, model.topics_)
            pains, nested = nest_model(store, model, mapping, fit_texts, vectors, embedder, fit_pp)
    return {r: s for r, s in mapping.items() if r in pains}, lineage, first_seen, pains, nested


def extend_to_library(model: TopicModel, pains: dict[int, tuple[str, float]], embedder, segmenter,
                      vectors: np.ndarray, fit_ids: list[str], fit_texts: list[str], fit_tokens: list[list[str]],
                      rest: Iterable[tuple], n_rest: int, workers: int | None = None,
                      hooks: Sequence[Callable] = (), progress: Callable[[str, int, int], None] | None = None,
                      bulk: Callable | None = None) -> LibraryModel:
    """Place every complaint outside the sample (`rest`: `n_rest` complaints in (ids, texts,
    painpoints, tokens) batches, read as they are placed) and describe the topics over all of them.

    `progress(stage, done, total)` as `fit_library` takes it. `bulk(state, rest)` may replace the
    local `bulk_assign` (complaints.spark.fit runs it on executors); it takes the rest as a frame
    (complaint_id, text, painpoint) and returns a `BulkResult`."""
    t = time.perf_counter()
    state = assign_state(model, vectors, embedder, segmenter, pains)
    if bulk is None:
        done = [0]

        def placed(k: int) -> None:
            done[0] += k
            if progress:
                progress("assign", done[0], n_rest)

        res = bulk_assign(state, rest, workers=workers, hooks=hooks, progress=placed)
    else:
        res = bulk(state, pd.DataFrame([(c, x, p) for b in rest for c, x, p in zip(*b[:3])],
                                       columns=["complaint_id", "text", "painpoint"]))
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


def fit_rest(library: Library, prev: int | None, fitted: TopicModel, plan: FitPlan, chunks: LibraryChunks,
             fit_ids: list[str], fit_texts: list[str], fit_tokens: Sequence[list[str]], decisions: pd.DataFrame,
             usable: np.ndarray, embedder, segmenter, vectors: np.ndarray, fit_pp: pd.DataFrame,
             **bulk_args) -> tuple[LibraryModel, tuple]:
    """`fit`'s sampled path after the sample's fit: nest its topics (`decisions` of the sample are
    updated in place), then place every other complaint with content on them, reading the library
    a chunk at a time. Returns the `LibraryModel` and what `nest_sample` returned."""
    rows = plan.rows
    nested = nest_sample(library, prev, fitted, fit_ids, fit_texts, vectors, embedder, fit_pp)
    decisions.loc[rows, nested[4].columns] = nested[4].to_numpy()
    rest = np.asarray(usable, dtype=bool) & ~rows
    batches = chunks.batches(rest, decisions["painpoint"].tolist(), BATCH)
    model = extend_to_library(fitted, nested[3], embedder, segmenter, vectors, fit_ids, fit_texts,
                              list(fit_tokens), batches, int(rest.sum()), **bulk_args)
    return model, nested


def library_rows(model, fit_ids: list[str]) -> list[str]:
    """The ids `model.labels_` are for: the fitted complaints; for a `LibraryModel`, the sample's,
    then the bulk's."""
    return model.ids_ if isinstance(model, LibraryModel) else fit_ids
