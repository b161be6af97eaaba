"""`complaints update`: place complaints ingested since the last fit or update, surface emerging topics.

Much cheaper than a refit: the fitted embedder and topic centroids stay as they are, only
new complaints are embedded (and cached), each is assigned to its nearest stable topic when
close enough, and the rest are clustered into emerging topics with fresh stable ids. The
result is a new model version (kind "update") holding every earlier assignment plus the new
ones, a drift summary, and a new classify artifact. Safe from cron: nothing new, no version.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from ..config import Library
from ..store import LibraryStore, open_store
from .assign import KNN, UNASSIGNED, TopicAssigner, neighbour_vote
from .compact import (
    link_or_copy,
    read_json,
    load_compact,
    neighbour_meta,
    point_to,
    taxonomy_entries,
    topic_entries,
    write_compact,
)
from .drift import drift_summary
from .emerging import EmergingTopics, ctfidf_keywords, mmr
from .fit import FitError, _counter, auto_label, apply_curation, exclusive_fit, latest_version
from .stable_ids import allocate_ids, merged_into, resolve_merge
from .taxonomy import OTHER, PainPointMapper, load_taxonomy

BACKGROUND_PER_TOPIC = 100


@dataclass
class UpdateResult:
    version: int | None
    parent_version: int
    new_complaints: int = 0
    assigned: int = 0
    unassigned: int = 0
    no_content: int = 0
    emerging: list[dict] = field(default_factory=list)
    drift: list[dict] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def nothing_new(self) -> bool:
        return self.version is None

    def to_dict(self) -> dict:
        return {**asdict(self), "nothing_new": self.nothing_new}


def _new_complaints(store: LibraryStore, version: int) -> pd.DataFrame:
    return store.query("""SELECT c.complaint_id, c.text, c.received_at FROM complaints c
                          WHERE NOT EXISTS (SELECT 1 FROM assignments a
                                            WHERE a.version = ? AND a.complaint_id = c.complaint_id)
                          ORDER BY c.complaint_id""", [version])


def _tokenize(emb, segmenter, texts: list[str]) -> list[list[str]]:
    """The embedder's own (memoised) tokens where it has them, else the segmenter's."""
    return emb.tokenize(texts) if hasattr(emb, "tokenize") else [segmenter.cut(x) for x in texts]


def _background(store: LibraryStore, version: int) -> pd.DataFrame:
    """A per-topic sample of already assigned complaints: the classes emerging keywords are contrasted with."""
    return store.query(f"""SELECT topic_id, text FROM (
                             SELECT a.topic_id, c.text,
                                    row_number() OVER (PARTITION BY a.topic_id ORDER BY hash(c.complaint_id)) AS k
                             FROM assignments a JOIN complaints c USING (complaint_id)
                             WHERE a.version = ? AND a.topic_id >= 0) WHERE k <= {BACKGROUND_PER_TOPIC}""",
                       [version])


def update_library(library: Library, lexicons: str | None = None, min_emerging_size: int | None = None,
                   progress: Callable[[str, int, int], None] | None = None) -> UpdateResult:
    """Assign what arrived since the latest version; see the module docstring."""
    from ..embed import embed_with_cache, load_embedder

    step = progress or (lambda *a: None)
    t0 = time.perf_counter()
    times: dict[str, float] = {}
    with exclusive_fit(library):
        with open_store(library) as store:
            prev = latest_version(store)
            if prev is None:
                raise FitError("no topic model yet: run `complaints fit` before `complaints update`")
            new = _new_complaints(store, prev)
            parent = store.query("SELECT * FROM model_versions WHERE version = ?", [prev]).iloc[0]
            params = json.loads(parent["params"] or "{}")
        if new.empty:
            return UpdateResult(version=None, parent_version=prev)
        parent_dir = library.resolve(parent["artifact_dir"])
        compact = load_compact(parent_dir / "classify", lexicons)
        emb = load_embedder(parent_dir / "embedder", lexicons=lexicons)
        texts = new["text"].tolist()
        ids = new["complaint_id"].tolist()

        t = time.perf_counter()
        with open_store(library, write=True) as store, store.transaction():
            vectors = embed_with_cache(emb, texts, store, progress=_counter("embed", len(texts), step))
        times["embed"] = time.perf_counter() - t

        t = time.perf_counter()
        seg = getattr(emb, "segmenter", None) or compact.segmenter
        tokens = _tokenize(emb, seg, texts)
        content = np.linalg.norm(vectors, axis=1) > 0
        res = compact.assigner.transform(vectors)
        topic = np.where(content, res["topic"], UNASSIGNED)
        conf = np.where(topic != UNASSIGNED, np.clip(res["similarity"], 0, 1), 0.0)
        index, old_meta = compact.neighbours()
        far = np.flatnonzero(content & (topic == UNASSIGNED))
        voted, support = neighbour_vote(*index.search(vectors[far], KNN, res["all"][far]), index.topics)
        topic[far], conf[far] = np.where(voted != UNASSIGNED, voted, topic[far]), np.where(voted != UNASSIGNED,
                                                                                        support, conf[far])
        by_vote = np.zeros(len(topic), dtype=bool)
        by_vote[far[voted != UNASSIGNED]] = True

        open_rows = np.flatnonzero(content & (topic == UNASSIGNED))
        bg_classes: list[list[list[str]]] = []
        if len(open_rows) >= 10:  # enough unclaimed complaints to look for emerging topics
            with open_store(library) as store:
                background = _background(store, prev)
            bg_tokens = _tokenize(emb, seg, background["text"].tolist())
            bg_classes = [[bg_tokens[i] for i in np.flatnonzero(background["topic_id"].to_numpy() == t)]
                          for t in sorted(background["topic_id"].unique())]
        mts = int(params.get("min_topic_size") or 15)
        # Emerging issues start small: at least 10 complaints, or a tenth of what nothing claims.
        min_size = min_emerging_size or max(10, min(mts // 2, len(open_rows) // 10))
        typical = float(np.median(compact.assigner.typical_)) if len(compact.assigner.typical_) else 0.33
        finder = EmergingTopics(min_size=min_size, min_coherence=0.8 * typical).fit(
            vectors[open_rows], [tokens[i] for i in open_rows], bg_classes)
        times["assign"] = time.perf_counter() - t

        with open_store(library, write=True) as store, store.transaction():
            version = prev + 1
            emerging, em_assigner = _emerging_topics(store, finder, open_rows, vectors, tokens, bg_classes, texts,
                                                     ids, emb, lexicons, version)
            for g, (grp, rows) in enumerate(zip(emerging, finder.groups_)):
                r = open_rows[rows]
                if (word := finder.signatures_[g]) is not None:
                    # placed only by older complaints' vote, yet using the new issue's own word: the new issue
                    r = np.union1d(r, [i for i in np.flatnonzero(by_vote) if word in tokens[i]]).astype(np.int64)
                topic[r], grp["size"] = grp["topic_id"], len(r)
                conf[r] = np.clip(vectors[r] @ finder.centroids_[g], 0, 1)
            merges = merged_into(store)
            topic = np.array([resolve_merge(int(x), merges) if x != UNASSIGNED else UNASSIGNED for x in topic])
            method = np.where(~content, "no_content", np.where(topic == UNASSIGNED, "unassigned",
                                                               np.where(by_vote, "neighbours", "update")))
            emerging_ids = {g["topic_id"] for g in emerging}
            method = np.where(np.isin(topic, list(emerging_ids)), "emerging", method)
            folder = library.models_dir / f"v{version}"
            try:
                _write_update(store, library, version, prev, parent, ids, topic, conf, method, emerging)
                drift = drift_summary(store, version, prev, new)
                assigner = compact.assigner.extend(em_assigner) if em_assigner is not None else compact.assigner
                _write_folder(folder, parent_dir, version, prev, emb)
                keep = np.flatnonzero(content)
                meta = neighbour_meta(store, [ids[i] for i in keep])
                dictionary = read_json(parent_dir / "classify" / "jieba.json")
                dictionary["freq"].update(seg.dictionary_subset(texts)["freq"])
                write_compact(folder, version=version, embedder=emb, segmenter_dictionary=dictionary,
                              segmenter_id=compact.manifest["segmenter_id"],
                              topics=topic_entries(store, version, lexicons), assigner=assigner,
                              taxonomy=taxonomy_entries(lexicons),
                              neighbour_vectors=np.vstack([index.vectors, vectors[keep]]),
                              neighbours={**{k: old_meta[k].tolist() + meta[k] for k in ("ids", "dates", "snippets")},
                                          "topics": old_meta["topics"].tolist() + [int(x) for x in topic[keep]]},
                              parent=parent_dir / "classify")
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
        point_to(library, version, folder)
    times["total"] = time.perf_counter() - t0
    return UpdateResult(version=version, parent_version=prev, new_complaints=len(ids),
                        assigned=int(np.isin(method, ["update", "neighbours"]).sum()),
                        unassigned=int((method == "unassigned").sum()), no_content=int((~content).sum()),
                        emerging=[{k: g[k] for k in ("topic_id", "label", "size", "painpoint", "keywords", "signature")}
                                  for g in emerging],
                        drift=drift, seconds={k: round(v, 2) for k, v in times.items()})


def _emerging_topics(store: LibraryStore, finder: EmergingTopics, open_rows: np.ndarray, vectors: np.ndarray,
                     tokens: list[list[str]], bg_classes: list[list[list[str]]], texts: list[str], ids: list[str],
                     emb, lexicons: str | None, version: int) -> tuple[list[dict], TopicAssigner | None]:
    """Describe each emerging group (keywords, examples, pain point) and give it a new stable id."""
    if not finder.groups_:
        return [], None
    classes = [[tokens[open_rows[i]] for i in rows] for rows in finder.groups_] + bg_classes
    keywords = ctfidf_keywords(classes, top_n=30)[: len(finder.groups_)]
    mapper = PainPointMapper(load_taxonomy(lexicons)).fit(emb)
    cents = np.stack(finder.centroids_)
    pains = mapper.predict([k[:10] for k in keywords], cents, classes[: len(finder.groups_)])
    new_ids = allocate_ids(store, len(finder.groups_))
    reps = finder.representatives(vectors[open_rows], [texts[i] for i in open_rows])
    out = []
    for g, (tid, kws, (pain, score), rep) in enumerate(zip(new_ids, keywords, pains, reps)):
        cand = [w for w, _ in kws]
        diverse = mmr(cents[g], np.asarray(emb.transform(cand), dtype=np.float32), cand, 10) if cand else []
        out.append({"topic_id": tid, "label": auto_label(kws[:10]), "keywords": [w for w, _ in kws[:10]],
                    "keywords_scored": kws[:10], "keywords_diverse": diverse, "painpoint": pain,
                    "painpoint_score": score, "size": len(finder.groups_[g]),
                    "examples": [ids[open_rows[i]] for i in rep], "coherence": finder.coherence_[g],
                    "signature": finder.signatures_[g],
                    "first_version": version})
    labels = np.full(len(open_rows), UNASSIGNED)
    for tid, rows in zip(new_ids, finder.groups_):
        labels[rows] = tid
    assigner = TopicAssigner().fit(vectors[open_rows], labels, centroids=dict(zip(new_ids, finder.centroids_)))
    return out, assigner


def _write_update(store: LibraryStore, library: Library, version: int, prev: int, parent: pd.Series,
                  ids: list[str], topic: np.ndarray, conf: np.ndarray, method: np.ndarray,
                  emerging: list[dict]) -> None:
    """The new version: every earlier assignment carried over plus the new ones; topics with new sizes."""
    store.execute("""INSERT INTO assignments SELECT ?, complaint_id, topic_id, painpoint, confidence, method
                     FROM assignments WHERE version = ?""", [version, prev])
    store.execute("""INSERT INTO topics SELECT ?, topic_id, label, keywords, keywords_diverse, painpoint,
                     painpoint_score, size, examples, lineage, first_version, status FROM topics WHERE version = ?""",
                  [version, prev])
    if emerging:
        store.append("topics", pd.DataFrame([{
            "version": version, "topic_id": g["topic_id"], "label": g["label"],
            "keywords": json.dumps(g["keywords_scored"], ensure_ascii=False),
            "keywords_diverse": json.dumps(g["keywords_diverse"], ensure_ascii=False), "painpoint": g["painpoint"],
            "painpoint_score": round(g["painpoint_score"], 4), "size": 0, "examples": json.dumps(g["examples"]),
            "lineage": "[]", "first_version": version, "status": "emerging"} for g in emerging]))
    pain_of = dict(store.query("SELECT topic_id, painpoint FROM topics WHERE version = ?",
                               [version]).itertuples(index=False, name=None))
    store.append("assignments", pd.DataFrame({
        "version": version, "complaint_id": ids, "topic_id": topic.astype(np.int64),
        "painpoint": [pain_of.get(int(t), OTHER) for t in topic], "confidence": conf.astype(float),
        "method": method}))
    store.execute("""UPDATE topics SET size = n.n FROM (SELECT topic_id, count(*) AS n FROM assignments
                     WHERE version = ? GROUP BY topic_id) n
                     WHERE topics.version = ? AND topics.topic_id = n.topic_id AND topics.status <> 'merged'""",
                  [version, version])
    n_docs = int(store.scalar("SELECT count(*) FROM assignments WHERE version = ?", [version]))
    outliers = int(store.scalar("SELECT count(*) FROM assignments WHERE version = ? AND topic_id = -1", [version]))
    n_topics = int(store.scalar("SELECT count(*) FROM topics WHERE version = ? AND status <> 'merged'", [version]))
    store.append("model_versions", pd.DataFrame([{
        "version": version, "created_at": dt.datetime.now(), "kind": "update", "parent_version": prev,
        "embedder": parent["embedder"], "embedder_id": parent["embedder_id"], "clustering": parent["clustering"],
        "n_docs": n_docs, "n_topics": n_topics, "outlier_share": outliers / max(1, n_docs),
        "params": json.dumps({**json.loads(parent["params"] or "{}"), "new_complaints": len(ids),
                              "emerging": [g["topic_id"] for g in emerging]}),
        "artifact_dir": library.relative(library.models_dir / f"v{version}")}]))
    apply_curation(store, version)


def _write_folder(folder: Path, parent_dir: Path, version: int, prev: int, emb) -> None:
    """The version folder: the parent's embedder (unchanged) and a manifest naming the parent and the
    fitted model (as a path relative to this folder: a copied library points into itself)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    shutil.copytree(parent_dir / "embedder", folder / "embedder", copy_function=link_or_copy)
    bertopic = parent_dir / "bertopic"
    if not bertopic.exists():  # the parent is an update too: follow it to the fitted model
        stored = (json.loads((parent_dir / "manifest.json").read_text(encoding="utf-8")).get("bertopic")
                  if (parent_dir / "manifest.json").exists() else None)
        bertopic = None if stored is None else _from_manifest(parent_dir, stored)
    (folder / "manifest.json").write_text(json.dumps({
        "version": version, "kind": "update", "parent_version": prev, "embedder_id": emb.id,
        "bertopic": None if bertopic is None else os.path.relpath(bertopic, folder),
        "created_at": dt.datetime.now().isoformat(timespec="seconds")}, ensure_ascii=False, indent=2),
        encoding="utf-8")


def _from_manifest(folder: Path, stored: str) -> Path:
    """A manifest's path: relative to its folder; an absolute one (older versions) from `models/` on."""
    p = Path(stored)
    if not p.is_absolute():
        return (folder / p).resolve()
    parts = p.parts
    if "models" in parts:
        i = len(parts) - 1 - parts[::-1].index("models")
        mapped = folder.parent.parent.joinpath(*parts[i:])  # folder is <root>/models/vN
        if mapped.exists():
            return mapped
    return p
