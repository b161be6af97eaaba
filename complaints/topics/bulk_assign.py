"""Place every complaint outside a fit's sample on the fitted topics, in batches, on every core.

The same assignment `update` and `classify` use, limited like `update`'s to the topics of each
complaint's own pain point (decided before, for every complaint): a complaint joins its nearest
such topic centre when it is as close as the topic's own core members were (`TopicAssigner`),
else the topic of its pain point its close past complaints agree on (`neighbour_vote` over the
sample); what is left mirrors what the fit did with its own outliers (`leftover`: "nearest"
after centroid outlier reduction, "none" — the default kNN vote — leaves it unassigned, keeping
its pain point). Each batch is segmented once with the fit's form-aware segmenter (or comes
with the fit's tokens); the tokens serve the embedding, the per-topic term counts (keywords
from every member, see `term_counts`) and the examples. Batches are streamed from the library and worked on in forked
processes (Linux), a bounded number in flight, so memory holds a few batches, not the library
(`topics.chunks.LibraryChunks.batches` reads them from the library a chunk at a time).

`AssignState` is everything a worker needs; `save`/`load` put it in a folder (JSON and .npy, no
pickle) so Spark executors run the very same `assign_batch` (complaints.spark.fit).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..parallel import fork_map
from .assign import KNN, UNASSIGNED, NeighbourIndex, TopicAssigner, neighbour_vote
from .term_counts import Examples, TermCounts, text_key

BATCH = 10_000
METHODS = ("centroid", "neighbours", "outlier_reduction", "unassigned", "no_content")
_HAN = re.compile(r"[\u4e00-\u9fff]")
STATE_FILE = "assign_state.json"


@dataclass
class AssignState:
    """The fitted pieces a batch is placed with. `embedder` is the library's fitted embedder;
    `segmenter` the fit's modelling view (default: the embedder's); `index` holds the sample's
    vectors and topics for the vote; `painpoints` the pain point of each assigner topic (None: any
    complaint may join any topic)."""

    embedder: object
    assigner: TopicAssigner
    index: NeighbourIndex
    vocabulary: dict[str, int]
    leftover: str = "nearest"
    n_examples: int = 5
    painpoints: np.ndarray | None = None
    segmenter: object = None

    def allowed(self, painpoints: Sequence[str] | None) -> np.ndarray | None:
        """rows x topics: which topics each complaint may join (those of its own pain point)."""
        if painpoints is None or self.painpoints is None:
            return None
        return self.painpoints[None, :] == np.asarray(painpoints, dtype=object)[:, None]

    def tokens(self, texts: Sequence[str]) -> list[list[str]]:
        seg = self.segmenter or getattr(self.embedder, "segmenter", None)
        if seg is None:
            from ..text.segment import Segmenter

            seg = self.embedder._bulk_segmenter = getattr(self.embedder, "_bulk_segmenter", None) or Segmenter()
        return [seg.cut(t) for t in texts]

    def vectors(self, tokens: list[list[str]], texts: Sequence[str]) -> np.ndarray:
        if getattr(self.embedder, "kind", "") == "lexical":
            return np.asarray(self.embedder._embed_tokens(tokens), dtype=np.float32)  # the tokens just cut
        view = getattr(self.segmenter, "neural_text", None)  # what the fit embedded (embed_with_cache)
        parts = getattr(self.embedder, "parts", None)
        if view is None:
            return np.asarray(self.embedder.transform(list(texts)), dtype=np.float32)
        if parts is not None:  # hybrid: the lexical part reads the text, the neural part the view
            lex, neu = parts
            return np.asarray(self.embedder.combine(lex.transform(list(texts)), neu.transform([view(t) for t in texts])),
                              dtype=np.float32)
        return np.asarray(self.embedder.transform([view(t) for t in texts]), dtype=np.float32)

    def save(self, folder: Path) -> Path:
        """Write the state for Spark executors: the embedder in its own format, arrays as .npy."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.embedder.save(folder / "embedder")
        from .modelform import save_form

        save_form(getattr(self.segmenter, "form", None), folder)
        a = self.assigner
        np.save(folder / "centroids.npy", a.centroids_.astype(np.float32))
        np.save(folder / "neighbours.npy", np.asarray(self.index.vectors, dtype=np.float32))
        np.save(folder / "neighbour_topics.npy", np.asarray(self.index.topics, dtype=np.int64))
        terms = [""] * len(self.vocabulary)
        for w, i in self.vocabulary.items():
            terms[i] = w
        (folder / STATE_FILE).write_text(json.dumps({
            "topic_ids": [int(t) for t in a.topic_ids_], "thresholds": [float(x) for x in a.thresholds_],
            "typical": [float(x) for x in a.typical_], "quantile": a.quantile, "min_similarity": a.min_similarity,
            "terms": terms, "leftover": self.leftover, "n_examples": self.n_examples,
            "painpoints": None if self.painpoints is None else [str(p) for p in self.painpoints]}, ensure_ascii=False),
            encoding="utf-8")
        return folder

    @classmethod
    def load(cls, folder: Path, lexicons: str | None = None) -> AssignState:
        from ..embed import load_embedder
        from ..text.segment import Segmenter
        from .modelform import load_form

        folder = Path(folder)
        seg = Segmenter(lexicons).with_form(load_form(folder))
        meta = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
        assigner = TopicAssigner.from_arrays(meta["topic_ids"], np.load(folder / "centroids.npy"), meta["thresholds"],
                                             meta["typical"], quantile=meta["quantile"],
                                             min_similarity=meta["min_similarity"])
        index = NeighbourIndex(np.load(folder / "neighbours.npy", mmap_mode="r"),
                               np.load(folder / "neighbour_topics.npy"), assigner.topic_ids_)
        pps = meta.get("painpoints")
        return cls(load_embedder(folder / "embedder", segmenter=seg, lexicons=lexicons), assigner, index,
                   {w: i for i, w in enumerate(meta["terms"])}, meta["leftover"], meta["n_examples"],
                   None if pps is None else np.asarray(pps, dtype=object), seg)


@dataclass
class BatchResult:
    """One batch placed: per complaint its topic, confidence and method (index into METHODS), and
    the batch's term counts, outlier-aware document counts and example candidates."""

    ids: list[str]
    topic: np.ndarray
    confidence: np.ndarray
    method: np.ndarray
    counts: object  # scipy.sparse matrix, TermCounts.shape
    docs: np.ndarray
    examples: Examples
    extra: dict = field(default_factory=dict)


def assign_batch(state: AssignState, ids: Sequence[str], texts: Sequence[str], hooks: Sequence[Callable] = (),
                 painpoints: Sequence[str] | None = None, tokens: list[list[str]] | None = None) -> BatchResult:
    """Segment (unless `tokens` are given), embed and place one batch, each complaint only on the
    topics of its pain point when `painpoints` are given (see the module docstring)."""
    texts = [t or "" for t in texts]
    tokens = state.tokens(texts) if tokens is None else list(tokens)  # packed tokens unpack here, in the worker
    vectors = state.vectors(tokens, texts)
    content = np.array([any(_HAN.search(w) for w in t) for t in tokens], dtype=bool) & \
        (np.linalg.norm(vectors, axis=1) > 0)
    allowed = state.allowed(painpoints)
    res = state.assigner.transform(vectors, allowed)
    topic = np.where(content, res["topic"], UNASSIGNED).astype(np.int64)
    conf = np.where(topic != UNASSIGNED, np.clip(res["similarity"], 0, 1), 0.0).astype(np.float32)
    method = np.where(~content, METHODS.index("no_content"), np.where(topic != UNASSIGNED, 0, 3)).astype(np.int8)
    far = np.flatnonzero(content & (topic == UNASSIGNED))
    if len(far) and len(state.index):
        voted, support = neighbour_vote(*state.index.search(vectors[far], KNN, res["all"][far]), state.index.topics)
        if allowed is not None:  # only a topic of the complaint's own pain point, as `update` votes
            col = {int(t): i for i, t in enumerate(state.assigner.topic_ids_)}
            voted = np.array([v if v != UNASSIGNED and allowed[r, col[int(v)]] else UNASSIGNED
                              for v, r in zip(voted, far)], dtype=np.int64)
        hit = voted != UNASSIGNED
        topic[far[hit]], conf[far[hit]], method[far[hit]] = voted[hit], support[hit], METHODS.index("neighbours")
    if state.leftover == "nearest":
        rest = np.flatnonzero(content & (topic == UNASSIGNED) & (True if allowed is None else allowed.any(axis=1)))
        topic[rest] = res["nearest"][rest]
        conf[rest] = np.clip(res["similarity"][rest], 0, 1)
        method[rest] = METHODS.index("outlier_reduction")
    terms = TermCounts(state.vocabulary, state.assigner.topic_ids_)
    counts = terms.batch(tokens, topic)
    docs = np.bincount(terms.rows_of(topic), minlength=terms.shape[0])
    examples = Examples(state.n_examples)
    col = {int(t): i for i, t in enumerate(state.assigner.topic_ids_)}
    own = np.array([res["all"][r, col[int(t)]] if int(t) in col and content[r] else 0.0
                    for r, t in enumerate(topic)], dtype=np.float64)
    examples.offer(topic, own, list(ids), [text_key(t) for t in texts])
    extra = {}
    for hook in hooks:  # e.g. a per-complaint classifier: (texts, tokens, vectors, topic) -> {column: array}
        extra.update(hook(texts, tokens, vectors, topic))
    return BatchResult(list(ids), topic, conf, method, counts, docs, examples, extra)


@dataclass
class BulkResult:
    """Every streamed complaint's placement plus the merged term counts and examples."""

    ids: list[str]
    topic: np.ndarray
    confidence: np.ndarray
    method: np.ndarray  # strings
    counts: TermCounts
    examples: Examples
    extra: dict = field(default_factory=dict)


class _Merge:
    def __init__(self, state: AssignState) -> None:
        self.ids: list[str] = []
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.counts = TermCounts(state.vocabulary, state.assigner.topic_ids_)
        self.examples = Examples(state.n_examples)
        self.extra: dict[str, list] = {}

    def __call__(self, r: BatchResult) -> None:
        self.ids += r.ids
        self.parts.append((r.topic, r.confidence, r.method))
        self.counts.add(r.counts, r.docs)
        self.examples.add(r.examples)
        for k, v in r.extra.items():
            self.extra.setdefault(k, []).append(v)

    def result(self) -> BulkResult:
        cat = (lambda i: np.concatenate([p[i] for p in self.parts])) if self.parts else \
            (lambda i: np.zeros(0, dtype=[np.int64, np.float32, np.int8][i]))
        return BulkResult(self.ids, cat(0), cat(1), np.asarray(METHODS, dtype=object)[cat(2)], self.counts,
                          self.examples, {k: np.concatenate(v) for k, v in self.extra.items()})


def _work(state: tuple[AssignState, tuple], batch: tuple) -> BatchResult:
    """(ids, texts[, painpoints[, tokens]])"""
    return assign_batch(state[0], batch[0], batch[1], state[1], *batch[2:])


def bulk_assign(state: AssignState, batches: Iterable[tuple], workers: int | None = None,
                hooks: Sequence[Callable] = (), progress: Callable[[int], None] | None = None) -> BulkResult:
    """Place every (ids, texts[, painpoints[, tokens]]) batch; in `workers` forked processes when
    there are several cores (a neural model does not survive fork: it works in this process)."""
    merge = _Merge(state)
    lexical = getattr(state.embedder, "kind", "") == "lexical"
    for r in fork_map(_work, (state, tuple(hooks)), batches, workers if lexical else 1):
        merge(r)
        if progress:
            progress(len(r.ids))
    return merge.result()
