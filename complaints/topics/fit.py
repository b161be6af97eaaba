"""`complaints fit`: decide every complaint's pain point, embed, fit topics nested under the pain points,
version the result."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pandas as pd

from ..config import Library
from ..errors import ComplaintsError, LibraryBusyError
from ..lock import library_lock
from ..store import LibraryStore, open_store
from .assign import TopicAssigner
from .chunks import CHUNK, LibraryChunks
from .compact import neighbour_meta, point_to, taxonomy_entries, topic_entries, write_compact
from .fit_embedder import library_embedder
from .known import known_from_store
from .model import DEFAULT_CLUSTERING, OUTLIER, TopicModel
from .modelform import form_summary, save_form
from .nesting import nest_model
from .scale import fit_rest, library_rows, plan_sample
from .stable_ids import assign_stable_ids
from .summary import by_reduction, painpoint_summary

MIN_DOCS = 50
OUTLIER_CHOICES = ("knn", "centroid", "none")
CLUSTERINGS = ("hdbscan", "hdbscan-eom", "kmeans")


class FitError(ComplaintsError):
    pass


@dataclass
class FitResult:
    version: int
    kind: str
    n_docs: int
    n_topics: int
    outlier_share: float
    embedder: str
    embedder_id: str
    seconds: dict[str, float] = field(default_factory=dict)
    new_topic_ids: list[int] = field(default_factory=list)
    carried_topic_ids: list[int] = field(default_factory=list)
    skipped_no_content: int = 0
    newly_embedded: int = 0
    painpoints: dict = field(default_factory=dict)
    placed_by_outlier_reduction: float = 0.0  # share of complaints that reach a topic only through it
    form: dict = field(default_factory=dict)  # what the learned form holds: fields, boilerplate, words
    sampled: bool = False  # topics fitted on a stratified sample, the rest placed in bulk (topics/scale.py)
    sample_size: int | None = None
    bulk_methods: dict[str, int] = field(default_factory=dict)  # how the bulk placed the rest

    def to_dict(self) -> dict:
        return asdict(self)


def fit_lock(library: Library):
    """Fits and updates exclude each other; waiting makes no sense, so fail at once."""
    return library_lock(library.root / ".fit.lock", exclusive=True, wait_s=0)


@contextmanager
def exclusive_fit(library: Library) -> Iterator[None]:
    """Hold the fit lock, turning "already held" into a FitError; errors inside pass through."""
    with ExitStack() as stack:
        try:
            stack.enter_context(fit_lock(library))
        except LibraryBusyError:
            raise FitError(f"another fit or update is already running on {library.root}; "
                           "wait for it to finish (earlier versions are untouched)") from None
        yield


def latest_version(store: LibraryStore) -> int | None:
    v = store.scalar("SELECT max(version) FROM model_versions")
    return None if v is None else int(v)


def _check_size(n: int) -> None:
    if n < MIN_DOCS:
        raise FitError(f"too few complaints to fit topics: the library holds {n}, need at least "
                       f"{MIN_DOCS}. Ingest more with: complaints ingest complaints FILE")


def _check_corpus(n: int, usable: np.ndarray) -> None:
    """`usable`: which complaints hold a Chinese word once cut."""
    if usable.sum() < MIN_DOCS:
        raise FitError(f"only {int(usable.sum())} of {n} complaints contain Chinese words after "
                       f"cleaning (the rest are empty, punctuation, numbers or non-Chinese); need at least {MIN_DOCS}")


NESTING = ("within", "enforce", "semi")


def fit_library(library: Library, embedder: str = "lexical", clustering: str = DEFAULT_CLUSTERING,
                min_topic_size: int | None = None, n_topics: int | None = None, seed: int = 42,
                lexicons: str | None = None, progress: Callable[[str, int, int], None] | None = None,
                outliers: str = "knn", form: bool = True, nesting: str = "within", sample: bool | None = None,
                sample_size: int | None = None, workers: int | None = None, bulk: Callable | None = None,
                chunk: int = CHUNK) -> FitResult:
    """Fit a new model version on every complaint in the library.

    The ticket form is learned first (modelform.py) and left out of everything the model sees;
    each complaint's pain point is decided next (painpoints/). `nesting`: how topics come to sit
    under pain points: "within" (cluster each pain point's complaints, topics/within.py), "enforce"
    (cluster all, then nest) or "semi" (semi-supervised UMAP on the pain points, then nest);
    bench/painpoint_nesting.py measures them; whichever, `nest_model` makes curation and corrections
    hold. `outliers` is how complaints the clustering left out are placed: "knn" (only where most of
    their nearest clustered complaints agree), "centroid" (all, to the nearest topic) or "none".
    `form=False` skips learning the form (places and emoticons still stay out of the topics).
    Past `sample_size` complaints (default `sample.SWITCH`; `sample` forces it) the topics are fitted
    on a stratified sample and the rest placed on those of its pain point (topics/scale.py).
    The library is read `chunk` complaints at a time and their tokens spilled past one chunk (chunks.py).
    """
    import time

    from ..embed import EmbeddingCache, embed_with_cache
    from ..painpoints import stage as painpoint_stage
    from ..text.segment import Segmenter
    from .modelform import form_rows, learn_form

    if nesting not in NESTING:
        raise FitError(f"nesting must be one of {', '.join(NESTING)}, got {nesting!r}")
    if outliers not in OUTLIER_CHOICES:
        raise FitError(f"unknown --outliers {outliers!r}; use one of: {', '.join(OUTLIER_CHOICES)}")
    if clustering not in CLUSTERINGS:
        raise FitError(f"unknown --clustering {clustering!r}; use one of: {', '.join(CLUSTERINGS)}")
    step = progress or (lambda *a: None)
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    with exclusive_fit(library), ExitStack() as stack:
        LibraryChunks.clear_scratch(library)
        with open_store(library) as store:
            meta = store.query("SELECT complaint_id, attributes FROM complaints ORDER BY complaint_id")
            prev = latest_version(store)
        ids = meta["complaint_id"].tolist()
        chunks = stack.enter_context(LibraryChunks(library, ids, chunk))  # read by chunks, tokens cut once
        _check_size(len(ids))
        step("form", 0, 0)
        plain = Segmenter(lexicons)
        seg = plain.with_form(learn_form(chunks.texts_at(form_rows(len(ids), seed)), plain, lexicons, seed)
                              if form else None)
        usable, dictionary = chunks.cut(seg, workers, dictionary=True, progress=lambda d, n: step("segment", d, n))
        _check_corpus(len(ids), usable)
        times["segment"] = time.perf_counter() - t0

        t = time.perf_counter()
        with open_store(library) as store:
            sup = painpoint_stage.gather(store, ids, meta["attributes"].tolist(), lexicons, prev)
        del meta
        step("pain points", 0, len(ids))
        pmodel = painpoint_stage.learn(sup, ids, chunks, lexicons)
        t1 = time.perf_counter()
        decisions = painpoint_stage.decide_all(pmodel, ids, chunks, sup.allowed, step, workers)
        t2 = time.perf_counter()
        with open_store(library) as store:  # closed while the decisions fork
            plan = plan_sample(store, ids, usable, decisions["painpoint"].tolist(), sample, sample_size, seed)
        times.update(painpoints=t2 - t, painpoint_fit=t1 - t, sample=time.perf_counter() - t2)
        rows = plan.rows  # the complaints the topics are fitted on: every one with content, or the sample
        fit_ids = [i for i, u in zip(ids, rows) if u]
        fit_texts = chunks.texts_at(np.flatnonzero(rows))
        fit_tokens = chunks.tokens_at(np.flatnonzero(rows))

        t = time.perf_counter()
        step("embed", 0, len(fit_texts))  # fitting the embedder is part of it
        fit_clauses = [fit_tokens.clauses(i) for i in range(len(fit_tokens))]
        emb = library_embedder(library, embedder, fit_texts, lexicons, seg,
                               [[w for c in cl for w in c] for cl in fit_clauses])
        with open_store(library, write=True) as store:
            with store.transaction():
                cache = EmbeddingCache(store)
                cached_before = cache.count()
                vectors = embed_with_cache(emb, fit_texts, store, neural_text=seg.neural_text,
                                           progress=_counter("embed", len(fit_texts), step))
                newly_embedded = cache.count() - cached_before
        times["embed"] = time.perf_counter() - t

        t = time.perf_counter()
        step("cluster", 0, 0)  # no count inside UMAP/HDBSCAN: the bar pulses, the clock runs
        fit_pp = decisions[rows]
        y = None
        if nesting == "semi":
            index = {k: i for i, k in enumerate(pmodel.keys_)}
            y = [index[p] if s == "assigned" else -1 for p, s in zip(fit_pp["painpoint"], fit_pp["painpoint_status"])]
        groups = fit_pp["painpoint"].to_numpy(dtype=object) if nesting == "within" else None
        model = TopicModel(clustering=clustering, min_topic_size=min_topic_size, n_topics=n_topics, seed=seed,
                           lexicons=lexicons, segmenter=seg, reduce_outliers=outliers != "none",
                           outlier_strategy="knn" if outliers == "knn" else "embeddings")
        model.min_topic_size = plan.min_topic_size(model)
        model.fit(fit_texts, vectors, embedder=emb, clauses=fit_clauses, y=y,
                  groups=groups)
        times["topics"] = time.perf_counter() - t
        fitted, nested_before = model, None  # the model over the complaints it was fitted on
        if plan.sampled:  # nest the sample's topics, place the rest on those of their pain point
            model, nested_before = fit_rest(library, prev, fitted, plan, chunks, fit_ids, fit_texts, fit_tokens,
                                            decisions, usable, emb, seg, vectors, fit_pp, workers=workers,
                                            progress=step, bulk=bulk)
            times.update(model.seconds_)

        t = time.perf_counter()
        step("store", 0, 0)
        with open_store(library, write=True) as store:
            with store.transaction():
                version = (latest_version(store) or 0) + 1
                if nested_before is None:
                    mapping, lineage, first_seen = assign_stable_ids(store, prev, fit_ids, model.labels_, model.topics_)
                    pains, nested = nest_model(store, model, mapping, fit_texts, vectors, emb, fit_pp)
                    decisions.loc[rows, nested.columns] = nested.to_numpy()
                    mapping = {r: s for r, s in mapping.items() if r in pains}
                else:
                    mapping, lineage, first_seen, pains, _ = nested_before
                artifact = _write_artifacts(library, version, model, emb, mapping, pains, fit_ids)
                try:
                    _write_version(store, version, "fit", prev, embedder, emb, clustering, model, mapping,
                                   lineage, first_seen, pains, library_rows(model, fit_ids), ids,
                                   library.relative(artifact), seed, decisions,
                                   {"painpoint_fingerprint": sup.fingerprint, "nesting": nesting,
                                    **({"sample_size": plan.sample_size} if plan.sampled else {})})
                    stable_labels = np.array([mapping.get(int(r), OUTLIER) for r in fitted.labels_])
                    assigner = TopicAssigner().fit(vectors, stable_labels, core=fitted.method_ == "cluster",
                                                   centroids=stable_centroids(model, mapping))
                    write_compact(artifact, version=version, embedder=emb,
                                  segmenter_dictionary=dictionary,
                                  segmenter_id=getattr(emb, "segmenter_id", seg.id), form=seg.form,
                                  topics=topic_entries(store, version, lexicons), assigner=assigner,
                                  taxonomy=taxonomy_entries(pmodel.taxonomy_), neighbour_vectors=vectors,
                                  neighbours={**neighbour_meta(store, fit_ids),
                                              "topics": [int(x) for x in stable_labels]},
                                  painpoints=pmodel, painpoint_fingerprint=sup.fingerprint,
                                  known=known_from_store(store, version, pmodel.keys_))
                except BaseException:
                    shutil.rmtree(artifact, ignore_errors=True)
                    raise
        point_to(library, version, artifact)
        times["store"] = time.perf_counter() - t
        times["total"] = time.perf_counter() - t0
        stable = sorted(set(mapping.values()))
        carried = sorted(set(first_seen) & set(stable))
        return FitResult(version=version, kind="fit", n_docs=len(ids), n_topics=len(stable),
                         outlier_share=model.outlier_share_, embedder=embedder, embedder_id=emb.id,
                         seconds={k: round(v, 2) for k, v in times.items()},
                         new_topic_ids=[s for s in stable if s not in carried], carried_topic_ids=carried,
                         skipped_no_content=int((~usable).sum()), newly_embedded=int(newly_embedded),
                         painpoints=painpoint_summary(decisions, sup, model.method_),
                         placed_by_outlier_reduction=round(by_reduction(model, len(ids)), 4),
                         form=form_summary(seg.form), sampled=plan.sampled, sample_size=plan.sample_size,
                         bulk_methods=getattr(model, "bulk_methods_", {}))


def _counter(stage: str, total: int, step: Callable[[str, int, int], None]) -> Callable[[int], None]:
    """The embed cache reports increments; progress shows how many are done."""
    done = [0]

    def add(k: int) -> None:
        done[0] += int(k)
        step(stage, min(done[0], total), total)
    return add


def auto_label(keywords: list[tuple[str, float]]) -> str:
    """The three strongest keywords, preferring words of two or more characters."""
    words = [w for w, _ in keywords]
    picked = [w for w in words if len(w) > 1][:3]
    picked += [w for w in words if w not in picked][: 3 - len(picked)]
    return "·".join(picked) or "(无关键词)"


def stable_centroids(model: TopicModel, mapping: dict[int, int]) -> dict[int, np.ndarray]:
    """Size-weighted mean of the raw centroids behind each stable id (a curated merge joins several)."""
    out = {}
    for s in sorted(set(mapping.values())):
        raws = [r for r, v in mapping.items() if v == s]
        w = np.array([model.sizes_[r] for r in raws], dtype=np.float32)
        c = (np.stack([model.centroids_[r] for r in raws]) * w[:, None]).sum(0)
        out[s] = c / (np.linalg.norm(c) or 1)
    return out


def _write_artifacts(library: Library, version: int, model: TopicModel, emb, mapping: dict[int, int],
                     pains: dict[int, tuple[str, float]], fit_ids: list[str]) -> Path:
    """Safe formats only: JSON, npz and BERTopic's safetensors. No pickle anywhere."""
    folder = library.models_dir / f"v{version}"
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    emb.save(tmp / "embedder")
    cents = stable_centroids(model, mapping)
    np.savez(tmp / "centroids.npz", topic_ids=np.array(list(cents), dtype=np.int64),
             centroids=np.stack(list(cents.values())) if cents else np.zeros((0, 1), dtype=np.float32))
    model.bertopic_.save(str(tmp / "bertopic"), serialization="safetensors", save_ctfidf=True,
                         save_embedding_model=False)
    save_form(getattr(model.segmenter, "form", None), tmp)  # update and classify load it, never relearn
    (tmp / "manifest.json").write_text(json.dumps({
        "version": version, "embedder_id": emb.id, "raw_to_stable": {str(k): v for k, v in mapping.items()},
        "lexicons": model.lexicons, "created_at": dt.datetime.now().isoformat(timespec="seconds"),
    }, ensure_ascii=False, indent=2), encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)
    return folder


def _write_version(store: LibraryStore, version: int, kind: str, prev: int | None, spec: str, emb,
                   clustering: str, model: TopicModel, mapping: dict[int, int], lineage: dict, first_seen: dict,
                   pains: dict, fit_ids: list[str], all_ids: list[str], artifact: str,
                   seed: int, decisions: pd.DataFrame, extra_params: dict) -> None:
    rows = []
    for s in sorted(set(mapping.values())):
        raws = sorted((r for r, v in mapping.items() if v == s), key=lambda r: -model.sizes_[r])
        main = raws[0]
        kw: dict[str, float] = {}
        for r in raws:  # a curated merge can send several new topics to one id
            for w, sc in model.keywords_[r]:
                kw[w] = kw.get(w, 0.0) + sc * model.sizes_[r]
        keywords = sorted(kw.items(), key=lambda x: -x[1])[: model.top_n_words] if len(raws) > 1 else \
            model.keywords_[main]
        examples = [fit_ids[i] for r in raws for i in model.representatives_[r]][: model.n_examples]
        lin = [x for r in raws for x in lineage.get(r, [])]
        label = getattr(model, "names_", {}).get(main) if len(raws) == 1 else None
        rows.append({"version": version, "topic_id": s, "label": label or auto_label(keywords),
                     "keywords": json.dumps(keywords, ensure_ascii=False),
                     "keywords_diverse": json.dumps(model.keywords_diverse_[main], ensure_ascii=False),
                     "painpoint": pains[main][0], "painpoint_score": round(pains[main][1], 4),
                     "size": sum(model.sizes_[r] for r in raws), "examples": json.dumps(examples),
                     "lineage": json.dumps(lin), "first_version": first_seen.get(s, version), "status": "active"})
    topics = pd.DataFrame(rows, columns=["version", "topic_id", "label", "keywords", "keywords_diverse", "painpoint",
                                         "painpoint_score", "size", "examples", "lineage", "first_version", "status"])
    store.append("topics", topics)
    stable_labels = np.array([mapping.get(int(r), OUTLIER) for r in model.labels_], dtype=np.int64)
    topic_of = dict(zip(fit_ids, stable_labels.tolist()))
    conf_of = dict(zip(fit_ids, model.confidence_.astype(float).tolist()))
    method_of = dict(zip(fit_ids, model.method_.tolist()))
    assign = decisions.copy()
    assign.insert(0, "version", version)
    assign["topic_id"] = [topic_of.get(c, OUTLIER) for c in all_ids]
    assign["confidence"] = [conf_of.get(c, 0.0) for c in all_ids]
    assign["method"] = [method_of.get(c, "no_content") for c in all_ids]
    store.append("assignments", assign)
    store.append("model_versions", pd.DataFrame([{
        "version": version, "created_at": dt.datetime.now(), "kind": kind, "parent_version": prev,
        "embedder": spec, "embedder_id": emb.id, "clustering": clustering, "n_docs": len(all_ids),
        "n_topics": len(topics), "outlier_share": model.outlier_share_,
        "params": json.dumps({"min_topic_size": model.min_topic_size_, "seed": seed, "n_topics": model.n_topics,
                              "outliers": model.outlier_strategy if model.reduce_outliers else "none",
                              "placed_by_outlier_reduction": round(by_reduction(model, len(all_ids)), 4),
                              "form": form_summary(getattr(model.segmenter, "form", None)), **extra_params}),
        "artifact_dir": artifact}]))  # relative to the library: a copy points into itself
    # Curation is keyed by stable id and applies to the new version as well.
    apply_curation(store, version)


def apply_curation(store: LibraryStore, version: int) -> None:
    """Re-apply analysts' pain-point overrides to a version's topics, and keep every topic's complaints
    on its pain point: those of a re-mapped topic take it (unless corrected one by one), and a
    complaint whose own pain point still differs leaves the topic, keeping its pain point."""
    store.execute("""UPDATE topics SET painpoint = c.painpoint FROM curation c
                     WHERE topics.version = ? AND topics.topic_id = c.topic_id AND c.painpoint IS NOT NULL""",
                  [version])
    store.execute("""UPDATE assignments SET painpoint = t.painpoint, painpoint_source = 'topic_curation',
                            painpoint_status = 'assigned', painpoint_confidence = 1.0
                     FROM topics t JOIN curation c USING (topic_id)
                     WHERE assignments.version = ? AND t.version = ? AND assignments.topic_id = t.topic_id
                       AND c.painpoint IS NOT NULL AND assignments.painpoint <> t.painpoint
                       AND assignments.painpoint_source <> 'correction'""", [version, version])
    store.execute("""UPDATE assignments SET topic_id = -1, method = 'painpoint_outlier' FROM topics t
                     WHERE assignments.version = ? AND t.version = ? AND assignments.topic_id = t.topic_id
                       AND assignments.painpoint <> t.painpoint""", [version, version])
