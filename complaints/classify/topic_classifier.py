"""Classify new complaints against the library's current topics: the frontline analyst's question
"what is this, who owns it, and have we seen it before?".

Runs on the compact artifact (topics/compact.py) only: no BERTopic, no torch, no database,
so it answers from a cold shell in well under a second and can run while an ingest or fit
holds the library. Input text is cleaned and masked exactly as at ingest; only masked text
is ever printed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import numpy as np

from ..config import Library
from ..errors import ComplaintsError, InputFileError
from ..text.normalize import is_blank, normalize_text
from ..text.segment import cut_chunks
from ..topics.assign import KNN, UNASSIGNED, neighbour_vote
from ..topics.compact import CompactModel, current_folder, load_compact

MAX_CHARS = 5000  # a complaint longer than this is classified on its first 5,000 characters
SHOWN_CHARS = 120
CHUNK = 1024


class ClassifyError(ComplaintsError):
    pass


class TopicClassifier:
    """Load once, classify many. `top_k` similar past complaints come with every answer."""

    def __init__(self, library: Library, top_k: int = 3, lexicons: str | None = None,
                 supervised: bool = True) -> None:
        self.top_k = max(0, int(top_k))
        self.model: CompactModel = load_compact(current_folder(library), lexicons)
        self.topics = {int(t["topic_id"]): t for t in self.model.topics}
        self.painpoints = {p["key"]: p for p in self.model.taxonomy}
        self.seeds = [(p["key"], set(p["seeds"])) for p in self.model.taxonomy if p["seeds"]]
        self.supervised = None
        folder = library.models_dir / "classifier"
        if supervised and (folder / "classifier.json").exists():
            from .supervised import ComplaintClassifier

            self.supervised = ComplaintClassifier.load(folder, lexicons=lexicons, segmenter=self.model.segmenter)

    def _topic(self, topic_id: int) -> dict | None:
        t = self.topics.get(int(topic_id))
        if t is not None and t.get("merged_into") is not None:
            t = self.topics.get(int(t["merged_into"]), t)
        return t

    def _seed_painpoint(self, tokens: list[str]) -> tuple[str, list[str]]:
        """For a complaint no topic claims: the pain point whose seed words it uses most."""
        toks = set(tokens)
        best, hits = "other", []
        for key, seeds in self.seeds:
            found = [s for s in seeds if s in toks]
            if len(found) > len(hits):
                best, hits = key, found
        return best, hits

    def classify(self, texts: list[str]) -> list[dict]:
        """One result per text (in order). Raises for an empty text (blank, or zero-width and control
        characters only); never for odd ones (emoji only, no Chinese: status no_content)."""
        for i, t in enumerate(texts, start=1):
            if is_blank(t):
                raise ClassifyError(f"text {i} is empty: give the complaint's text")
        clean = [normalize_text(str(t)) for t in texts]
        truncated = [len(t) > MAX_CHARS for t in clean]
        clean = [t[:MAX_CHARS] for t in clean]
        # Segment everything first (forked workers), then score: workers still cutting would
        # fight the scoring's BLAS threads for the cores.
        tokens = [t for _, toks in cut_chunks(self.model.segmenter, clean, chunk=CHUNK) for t in toks]
        out: list[dict] = []
        for start in range(0, len(clean), CHUNK):
            end = start + CHUNK
            out += self._classify_chunk(clean[start:end], tokens[start:end], truncated[start:end])
        return out

    def _classify_chunk(self, clean: list[str], tokens: list[list[str]], truncated: list[bool]) -> list[dict]:
        vectors = self.model.embed(tokens, clean)
        has_content = np.linalg.norm(vectors, axis=1) > 0
        res = self.model.assigner.transform(vectors)
        similar, voted, support = self._neighbours(vectors, has_content, res["all"])
        sup = None
        if self.supervised is not None:
            probs = self.supervised.predict_proba(clean)
            sup = [(self.supervised.classes_[int(p.argmax())], float(p.max())) for p in probs]
        results = []
        for i, text in enumerate(clean):
            topic_id = int(res["topic"][i]) if has_content[i] else UNASSIGNED
            nearest = self._topic(int(res["nearest"][i])) if has_content[i] else None
            sim = float(res["similarity"][i]) if has_content[i] else 0.0
            conf = sim
            if topic_id == UNASSIGNED and voted[i] != UNASSIGNED:
                topic_id, conf = int(voted[i]), float(support[i])  # its close past complaints agree
            topic = self._topic(topic_id) if topic_id != UNASSIGNED else None
            if topic is not None:
                status, painpoint = "assigned", topic["painpoint"]
                words = set(tokens[i])
                why = [w for w in topic["keywords"] if w in words][:8]
                reason = None
            else:
                painpoint, why = self._seed_painpoint(tokens[i])
                status = "unassigned" if has_content[i] else "no_content"
                reason = ("no word the model knows (only punctuation, emoji, numbers, stopwords "
                          "or non-Chinese text)") if not has_content[i] else \
                    "not close enough to any topic" + ("; pain point from its seed words" if why else "")
            pp = self.painpoints.get(painpoint, {"name": painpoint, "department": ""})
            item = {
                "text": text[:SHOWN_CHARS] + ("…" if len(text) > SHOWN_CHARS else ""),
                "status": status,
                "topic_id": int(topic["topic_id"]) if topic else None,
                "topic_label": topic["label"] if topic else None,
                "painpoint": painpoint, "painpoint_name": pp["name"], "department": pp["department"],
                "confidence": round(max(0.0, min(1.0, conf)), 3) if topic else 0.0,
                "similarity": round(sim, 3),
                "keywords": why,
                "nearest_topic_id": int(nearest["topic_id"]) if nearest and not topic else None,
                "similar": similar[i],
                "model_version": self.model.version,
            }
            if reason:
                item["reason"] = reason
            if truncated[i]:
                item["truncated_to_chars"] = MAX_CHARS
            if sup is not None:
                item["supervised"] = {"label": sup[i][0], "probability": round(sup[i][1], 3)}
            results.append(item)
        return results

    def _neighbours(self, vectors: np.ndarray, ok: np.ndarray,
                    centroid_sims: np.ndarray) -> tuple[list[list[dict]], np.ndarray, np.ndarray]:
        """The `top_k` most similar past complaints to show, and the topic the closest ones agree on."""
        n = len(vectors)
        similar: list[list[dict]] = [[] for _ in range(n)]
        voted = np.full(n, UNASSIGNED, dtype=np.int64)
        support = np.zeros(n, dtype=np.float32)
        index, meta = self.model.neighbours()
        rows = np.flatnonzero(ok)
        if not len(index) or not len(rows):
            return similar, voted, support
        idx, sim = index.search(vectors[rows], max(KNN, self.top_k), centroid_sims[rows])
        v, s = neighbour_vote(idx, sim, index.topics)
        voted[rows], support[rows] = v, s
        for r, (cand, sims) in zip(rows, zip(idx, sim)):
            similar[r] = [{"complaint_id": str(meta["ids"][j]), "date": str(meta["dates"][j]) or None,
                           "snippet": str(meta["snippets"][j]), "similarity": round(float(x), 3)} for j, x in zip(cand[: self.top_k], sims[: self.top_k])]
        return similar, voted, support


def read_complaint_file(path: str | Path, text_column: str | None = None) -> tuple[list[str], list[dict],
                                                                                     list[dict]]:
    """(texts, per-row identity {row, complaint_id}, rows that could not be read) from a
    CSV/XLSX/JSONL/Parquet file; an unreadable row is {row, status: "error", error}."""
    from ..ingest.readers import read_table
    from ..ingest.schema import COMPLAINT, map_columns
    from ..text.mask import mask_pii
    from ..text.normalize import shown_path

    table = read_table(path)
    source = shown_path(table.path)
    overrides = {text_column: "text"} if text_column else None
    mapping = map_columns(COMPLAINT, list(table.frame.columns), source, overrides)
    texts = [None if v is None else str(v) for v in table.frame[mapping["text"]]]
    ids = table.frame[mapping["complaint_id"]] if "complaint_id" in mapping else [None] * len(texts)
    rows = [{"row": n, "complaint_id": None if c is None else str(c)} for n, c in zip(table.row_numbers, ids)]
    bad = [{"row": n, "complaint_id": None, "status": "error", "error": f"{source}: line {n}: {mask_pii(reason)}"}
           for n, reason, _ in table.bad_rows]
    return texts, rows, bad


def classify_file(classifier: TopicClassifier, path: str | Path, text_column: str | None = None) -> list[dict]:
    """Every row gets a result, in file order: an empty text gets status "empty" and a line that
    cannot be read (invalid JSON, not an object) status "error", each with its row, not an abort."""
    from ..text.normalize import shown_path

    texts, rows, bad = read_complaint_file(path, text_column)
    keep = [i for i, t in enumerate(texts) if not is_blank(t)]
    results = classifier.classify([texts[i] for i in keep]) if keep else []
    out = [{**r, "status": "empty", "error": f"{shown_path(path)}: row {r['row']}: the text column is empty"}
           for r in rows]
    for i, res in zip(keep, results):
        out[i] = {**rows[i], **res}
    return sorted(out + bad, key=lambda r: r["row"])


def read_lines(stream: Iterable[str]) -> list[str]:
    """One complaint per non-blank line (stdin)."""
    texts = [line.rstrip("\r\n") for line in stream]
    texts = [t for t in texts if t.strip()]
    if not texts:
        raise InputFileError("no complaint text on stdin: pipe one complaint per line")
    return texts
