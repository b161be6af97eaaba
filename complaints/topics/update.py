"""`complaints update`: place complaints ingested since the last fit or update, surface emerging topics.

Much cheaper than a refit: the fitted embedder, learned form and topic centroids stay as they
are, only new complaints are embedded (and cached). Each new complaint gets its pain point from
the version's pain-point model, then joins the nearest stable topic *of that pain point* when close
enough. Emerging topics are looked for among all new complaints with content, not only the
unplaced ones: a new issue told partly in old words (营业厅, 办理, 扣费) is otherwise claimed by old
topics before it can be seen. A group becomes an emerging topic when it has a signature word (new
vocabulary) or was mostly unplaced anyway, and when most of its members are complaints
(content.py: not questions or chit-chat); its members are the new complaints using the signature
plus the group's unplaced ones, of the pain point most of them carry (it is nested there).
When the taxonomy, the corrections, a topic's curated pain point or the operator mapping changed
since the version was made, the pain-point model is refitted and every complaint is decided again
(and its topic re-nested): an analyst's edit takes effect here. The result is a new model version
(kind "update") holding every earlier assignment plus the new ones, a drift summary, and a new
classify artifact. Safe from cron: nothing new and nothing changed, no version.
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
from ..text.packed import cut_library
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
from .content import ContentGate
from .emerging import EmergingTopics, ctfidf_keywords, emerging_members, mmr, scan_rows
from .fit import FitError, _counter, apply_curation, exclusive_fit, latest_version
from .fit_embedder import remember_tokens
from .known import known_from_store
from .labels import LabelPicker
from .modelform import domain_words, save_form
from .renest import nest_emerging, renest, take_group_painpoint, topic_painpoints
from .summary import painpoint_summary
from .stable_ids import allocate_ids, merged_into, resolve_merge

BACKGROUND_PER_TOPIC = 100
BACKGROUND_MAX = 20_000  # a million-complaint library has hundreds of topics: their background is cut at update


@dataclass
class UpdateResult:
    version: int | None
    parent_version: int
    new_complaints: int = 0
    assigned: int = 0
    unassigned: int = 0
    no_content: int = 0
    painpoints: dict = field(default_factory=dict)
    emerging: list[dict] = field(default_factory=list)
    drift: list[dict] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def nothing_new(self) -> bool:
        return self.version is None

    def to_dict(self) -> dict:
        return {**asdict(self), "nothing_new": self.nothing_new}


def _new_complaints(store: LibraryStore, version: int) -> pd.DataFrame:
    return store.query("""SELECT c.complaint_id, c.text, c.received_at, c.attributes FROM complaints c
                          WHERE NOT EXISTS (SELECT 1 FROM assignments a
                                            WHERE a.version = ? AND a.complaint_id = c.complaint_id)
                          ORDER BY c.complaint_id""", [version])


def _tokenize(emb, segmenter, texts: list[str]) -> list[list[str]]:
    """The embedder's own (memoised) tokens where it has them, else the segmenter's."""
    return emb.tokenize(texts) if hasattr(emb, "tokenize") else [segmenter.cut(x) for x in texts]


def _background(store: LibraryStore, version: int) -> pd.DataFrame:
    """A per-topic sample of already assigned complaints: the classes emerging keywords are contrasted with
    (`BACKGROUND_PER_TOPIC` each, fewer when the topics are so many that they would pass `BACKGROUND_MAX`)."""
    n_topics = int(store.scalar("SELECT count(DISTINCT topic_id) FROM assignments WHERE version = ? AND topic_id >= 0",
                                [version]) or 0)
    per_topic = max(10, min(BACKGROUND_PER_TOPIC, BACKGROUND_MAX // max(1, n_topics)))
    return store.query("""SELECT topic_id, text FROM (
                            SELECT a.topic_id, c.text,
                                   row_number() OVER (PARTITION BY a.topic_id ORDER BY hash(c.complaint_id)) AS k
                            FROM assignments a JOIN complaints c USING (complaint_id)
                            WHERE a.version = ? AND a.topic_id >= 0) WHERE k <= ?""", [version, per_topic])


def update_library(library: Library, lexicons: str | None = None, min_emerging_size: int | None = None,
                   progress: Callable[[str, int, int], None] | None = None) -> UpdateResult:
    """Assign what arrived since the latest version; see the module docstring."""
    from ..embed import embed_with_cache, load_embedder
    from ..painpoints import stage as painpoint_stage
    from ..painpoints.persist import load_painpoint_model, saved_fingerprint
    from ..text.segment import Segmenter

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
            sup = painpoint_stage.gather(store, new["complaint_id"].tolist(), new["attributes"].tolist(), lexicons,
                                         prev)
        parent_dir = library.resolve(parent["artifact_dir"])
        refit = saved_fingerprint(parent_dir / "classify" / "painpoint") != sup.fingerprint
        if new.empty and not refit:
            return UpdateResult(version=None, parent_version=prev)
        compact = load_compact(parent_dir / "classify", lexicons)
        seg = Segmenter(lexicons, form=compact.segmenter.form)  # the fit's view, full jieba dictionary
        emb = load_embedder(parent_dir / "embedder", segmenter=seg, lexicons=lexicons)
        texts = new["text"].tolist()
        ids = new["complaint_id"].tolist()

        t = time.perf_counter()  # cut once on every core: embedding, pain points and emerging topics read them
        cut, new_words = cut_library(seg, texts, dictionary=True, progress=lambda d, n: step("segment", d, n))
        tokens = list(cut)
        remember_tokens(emb, seg, texts, tokens)
        with open_store(library, write=True) as store, store.transaction():
            vectors = embed_with_cache(emb, texts, store, neural_text=seg.neural_text, cache_lexical=False,
                                       progress=_counter("embed", len(texts), step))
        times["embed"] = time.perf_counter() - t

        t = time.perf_counter()
        redecided = None
        if refit:  # the analysts changed what pain points mean: decide every complaint again
            with open_store(library) as store:
                everything = store.query("SELECT complaint_id, text, attributes FROM complaints ORDER BY complaint_id")
                pmodel, redecided, sup = painpoint_stage.run(
                    store, everything["complaint_id"].tolist(), everything["text"].tolist(),
                    _tokenize(emb, seg, everything["text"].tolist()), everything["attributes"].tolist(), lexicons,
                    prev, progress=step)
            decisions = redecided.set_index("complaint_id").loc[ids].reset_index() if ids else redecided.iloc[:0]
        else:
            pmodel = load_painpoint_model(parent_dir / "classify" / "painpoint")
            decisions = painpoint_stage.decide(pmodel, ids, texts, tokens, sup.allowed, workers=None)
        times["painpoints"] = time.perf_counter() - t

        t = time.perf_counter()
        with open_store(library) as store:
            topic_pp, renested = renest(store, prev, redecided, compact, emb) if refit else \
                (topic_painpoints(store, prev), None)
        pp = decisions["painpoint"].to_numpy(dtype=object)
        cols = np.array([topic_pp.get(int(x)) for x in compact.assigner.topic_ids_], dtype=object)
        content = np.linalg.norm(vectors, axis=1) > 0
        res = compact.assigner.transform(vectors, cols[None, :] == pp[:, None])
        topic = np.where(content, res["topic"], UNASSIGNED)
        conf = np.where(topic != UNASSIGNED, np.clip(res["similarity"], 0, 1), 0.0)
        index, old_meta = compact.neighbours()
        far = np.flatnonzero(content & (topic == UNASSIGNED))
        voted, support = neighbour_vote(*index.search(vectors[far], KNN, res["all"][far]), index.topics)
        voted = np.array([v if v != UNASSIGNED and topic_pp.get(int(v)) == pp[i] else UNASSIGNED
                          for v, i in zip(voted, far)], dtype=np.int64)
        topic[far], conf[far] = np.where(voted != UNASSIGNED, voted, topic[far]), np.where(voted != UNASSIGNED,
                                                                                        support, conf[far])
        by_vote = np.zeros(len(topic), dtype=bool)
        by_vote[far[voted != UNASSIGNED]] = True

        open_rows = np.flatnonzero(content & (topic == UNASSIGNED))
        rows = scan_rows(content, topic == UNASSIGNED)  # all new complaints with content (a sample past SCAN_MAX)
        bg_classes: list[list[list[str]]] = []
        if len(rows) >= 10:  # enough new complaints to look for emerging topics
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
            vectors[rows], [tokens[i] for i in rows], bg_classes)
        groups = emerging_members(finder, rows, np.flatnonzero(content), topic == UNASSIGNED, tokens,
                                  ContentGate(domain_words(lexicons, seg)))
        groups = nest_emerging(groups, pp, decisions["painpoint_confidence"].to_numpy(), max(2, min_size // 2))
        take_group_painpoint(decisions, groups)
        times["assign"] = time.perf_counter() - t

        with open_store(library, write=True) as store, store.transaction():
            version = prev + 1
            emerging, em_assigner = _emerging_topics(store, groups, vectors, tokens, bg_classes, texts,
                                                     ids, emb, version, seg)
            for grp, (_, r, _) in zip(emerging, groups):
                topic[r], grp["size"] = grp["topic_id"], len(r)
                conf[r] = np.clip(vectors[r] @ grp.pop("centroid"), 0, 1)
            merges = merged_into(store)
            topic = np.array([resolve_merge(int(x), merges) if x != UNASSIGNED else UNASSIGNED for x in topic])
            method = np.where(~content, "no_content", np.where(topic == UNASSIGNED, "unassigned",
                                                               np.where(by_vote, "neighbours", "update")))
            emerging_ids = {g["topic_id"] for g in emerging}
            method = np.where(np.isin(topic, list(emerging_ids)), "emerging", method)
            folder = library.models_dir / f"v{version}"
            try:
                _write_update(store, library, version, prev, parent, ids, topic, conf, method, emerging, decisions,
                              renested, topic_pp, {"painpoint_fingerprint": sup.fingerprint,
                                                   "painpoint_refit": bool(refit)})
                drift = drift_summary(store, version, prev, new)
                assigner = compact.assigner.extend(em_assigner) if em_assigner is not None else compact.assigner
                _write_folder(folder, parent_dir, version, prev, emb)
                save_form(seg.form, folder)
                keep = np.flatnonzero(content)
                meta = neighbour_meta(store, [ids[i] for i in keep])
                dictionary = read_json(parent_dir / "classify" / "jieba.json")
                dictionary["freq"].update(new_words["freq"])
                final = store.pairs("SELECT complaint_id, topic_id FROM assignments WHERE version = ?", [version])
                write_compact(folder, version=version, embedder=emb, segmenter_dictionary=dictionary,
                              segmenter_id=compact.manifest["segmenter_id"], form=seg.form,
                              topics=topic_entries(store, version, lexicons), assigner=assigner,
                              taxonomy=taxonomy_entries(pmodel.taxonomy_),
                              neighbour_vectors=np.vstack([index.vectors, vectors[keep]]),
                              neighbours={**{k: old_meta[k].tolist() + meta[k] for k in ("ids", "dates", "snippets")},
                                          "topics": [final.get(str(c), UNASSIGNED) for c in old_meta["ids"]]
                                          + [int(final.get(ids[i], UNASSIGNED)) for i in keep]},
                              parent=parent_dir / "classify", painpoints=pmodel,
                              painpoint_fingerprint=sup.fingerprint,
                              known=known_from_store(store, version, pmodel.keys_))
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
        point_to(library, version, folder)
    times["total"] = time.perf_counter() - t0
    summary = painpoint_summary(decisions, sup)
    summary["refit"] = bool(refit)
    if renested is not None:  # every complaint was decided again: count the uncertain ones among all
        summary["uncertain"] = painpoint_summary(redecided, sup)["uncertain"]
        summary["redecided"] = int(len(redecided))
        summary["changed_painpoint"] = int(renested["changed"].sum())
    return UpdateResult(version=version, parent_version=prev, new_complaints=len(ids),
                        assigned=int(np.isin(method, ["update", "neighbours"]).sum()),
                        unassigned=int((method == "unassigned").sum()), no_content=int((~content).sum()),
                        painpoints=summary,
                        emerging=[{k: g[k] for k in ("topic_id", "label", "size", "painpoint", "keywords", "signature")}
                                  for g in emerging],
                        drift=drift, seconds={k: round(v, 2) for k, v in times.items()})


def _emerging_topics(store: LibraryStore, groups: list[tuple[str | None, np.ndarray, str]], vectors: np.ndarray,
                     tokens: list[list[str]], bg_classes: list[list[list[str]]], texts: list[str], ids: list[str],
                     emb, version: int, seg) -> tuple[list[dict], TopicAssigner | None]:
    """Describe each emerging group (keywords, readable label, examples; its pain point is its
    members', see renest.nest_emerging) and give it a new stable id."""
    if not groups:
        return [], None
    members = [rows for _, rows, _ in groups]
    classes = [[tokens[i] for i in rows] for rows in members] + bg_classes
    keywords = ctfidf_keywords(classes, top_n=30)[: len(members)]
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    cents = np.stack([c / (np.linalg.norm(c) or 1) for c in (unit[rows].mean(axis=0) for rows in members)])
    new_ids = allocate_ids(store, len(members))
    names = _emerging_labels(members, keywords, bg_classes, texts, seg)
    out = []
    for g, (tid, kws, (signature, rows, pain)) in enumerate(zip(new_ids, keywords, groups)):
        score = 1.0
        cand = [w for w, _ in kws]
        diverse = mmr(cents[g], np.asarray(emb.transform(cand), dtype=np.float32), cand, 10) if cand else []
        sims = unit[rows] @ cents[g]
        examples, seen = [], set()
        for i in rows[np.argsort(-sims)]:
            if texts[i] not in seen and len(examples) < 5:
                examples.append(ids[i])
                seen.add(texts[i])
        out.append({"topic_id": tid, "label": names[g], "keywords": [w for w, _ in kws[:10]],
                    "keywords_scored": kws[:10], "keywords_diverse": diverse, "painpoint": pain,
                    "painpoint_score": score, "size": len(rows), "examples": examples,
                    "coherence": round(float(sims.mean()), 4), "signature": signature, "first_version": version,
                    "centroid": cents[g]})
    rows = np.concatenate(members)
    labels = np.concatenate([np.full(len(m), tid) for tid, m in zip(new_ids, members)])
    assigner = TopicAssigner().fit(vectors[rows], labels, centroids=dict(zip(new_ids, cents)))
    return out, assigner


def _emerging_labels(members: list[np.ndarray], keywords: list[list[tuple[str, float]]],
                     bg_classes: list[list[list[str]]], texts: list[str], seg) -> list[str]:
    """A readable label per emerging group, its phrases contrasted with the existing topics' complaints."""
    clauses = [seg.cut_clauses(texts[i]) for rows in members for i in rows]
    clauses += [[doc] for docs in bg_classes for doc in docs]
    labels = np.concatenate([np.full(len(m), g) for g, m in enumerate(members)]
                            + [np.full(sum(len(d) for d in bg_classes), UNASSIGNED)])
    picker = LabelPicker().fit([[w for c in cl for w in c] for cl in clauses], labels,
                               {g: kws[:10] for g, kws in enumerate(keywords)}, clauses=clauses)
    return [picker.labels_[g] for g in range(len(members))]


def _write_update(store: LibraryStore, library: Library, version: int, prev: int, parent: pd.Series,
                  ids: list[str], topic: np.ndarray, conf: np.ndarray, method: np.ndarray,
                  emerging: list[dict], decisions: pd.DataFrame, renested: pd.DataFrame | None,
                  topic_pp: dict[int, str], extra_params: dict) -> None:
    """The new version: every earlier assignment carried over (re-decided and re-nested after a pain-point
    refit) plus the new ones; topics with new sizes and, after a refit, their pain points."""
    cols = ("complaint_id, topic_id, painpoint, confidence, method, painpoint_confidence, painpoint_status, "
            "painpoint_source, painpoint_evidence, painpoint_second")
    store.execute(f"INSERT INTO assignments (version, {cols}) SELECT ?, {cols} FROM assignments WHERE version = ?",
                  [version, prev])
    store.execute("""INSERT INTO topics SELECT ?, topic_id, label, keywords, keywords_diverse, painpoint,
                     painpoint_score, size, examples, lineage, first_version, status FROM topics WHERE version = ?""",
                  [version, prev])
    if renested is not None:
        store.execute("CREATE TEMP TABLE _renested AS SELECT * FROM assignments WHERE false")
        try:
            store.append("_renested", renested.drop(columns=["changed"]))
            store.execute("""UPDATE assignments SET topic_id = r.topic_id, painpoint = r.painpoint,
                                    painpoint_confidence = r.painpoint_confidence, painpoint_status = r.painpoint_status,
                                    painpoint_source = r.painpoint_source, painpoint_evidence = r.painpoint_evidence,
                                    painpoint_second = r.painpoint_second, method = coalesce(r.method, assignments.method)
                             FROM _renested r WHERE assignments.version = ? AND assignments.complaint_id = r.complaint_id""",
                          [version])
        finally:
            store.execute("DROP TABLE IF EXISTS _renested")
        for t, p in topic_pp.items():
            store.execute("UPDATE topics SET painpoint = ? WHERE version = ? AND topic_id = ?", [p, version, int(t)])
    if emerging:
        store.append("topics", pd.DataFrame([{
            "version": version, "topic_id": g["topic_id"], "label": g["label"],
            "keywords": json.dumps(g["keywords_scored"], ensure_ascii=False),
            "keywords_diverse": json.dumps(g["keywords_diverse"], ensure_ascii=False), "painpoint": g["painpoint"],
            "painpoint_score": round(g["painpoint_score"], 4), "size": 0, "examples": json.dumps(g["examples"]),
            "lineage": "[]", "first_version": version, "status": "emerging"} for g in emerging]))
    rows = decisions.copy()
    rows.insert(0, "version", version)
    rows["complaint_id"] = ids
    rows["topic_id"] = topic.astype(np.int64)
    rows["confidence"] = conf.astype(float)
    rows["method"] = method
    store.append("assignments", rows)
    store.execute("""UPDATE topics SET size = coalesce(n.n, 0) FROM (SELECT t.topic_id, count(a.topic_id) AS n
                     FROM topics t LEFT JOIN assignments a ON a.version = t.version AND a.topic_id = t.topic_id
                     WHERE t.version = ? GROUP BY t.topic_id) n
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
                              "emerging": [g["topic_id"] for g in emerging], **extra_params}),
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
