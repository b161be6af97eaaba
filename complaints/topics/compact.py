"""The compact classify artifact: everything `complaints classify` needs, in JSON and .npy only.

Written at every fit and update into ``models/vN/classify/``; ``models/current.json`` names
the version classify uses and is written only after the version is committed. Loading needs
numpy, scipy and jieba — never BERTopic or torch — and the large arrays are memory-mapped,
so a cold `complaints classify` answers in well under a second:

    manifest.json        format, version, embedder, lexicon fingerprint
    form.json            the ticket form the fit learned (text/form.py): left out of what is embedded
    jieba.json           the subset of jieba's dictionary the library's texts touch
    topics.json          stable ids, curated labels, pain points, departments, keywords, thresholds
    centroids.npy        one unit row per topic (the order of topics.json)
    vocabulary.json, idf.npy, components_T.npy      the lexical embedder (TF-IDF -> SVD)
    embedder/            any other embedder, saved in its own safe format
    neighbours*.npy      past complaints' vectors, topic, id, date, masked snippet, grouped by topic
                         (fixed-width arrays, memory-mapped: a lookup reads only its rows)
    painpoint/           the version's pain-point model (painpoint.json + painpoint.npz)
    known_*.npy          the library's own texts: hash -> topic and pain point as stored (known.py)
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..config import Library
from ..errors import ComplaintsError
from .assign import NeighbourIndex, TopicAssigner, topic_order_key
from .known import KnownTexts, known_from_store, save_known

FORMAT = 1
FOLDER = "classify"
# Past complaints kept for the neighbour vote and "similar complaints": a fixed-size, id-hashed
# sample past this, so the artifact (and every update that rewrites it) stays bounded in a big library.
NEIGHBOURS_MAX = 200_000
POINTER = "current.json"
SNIPPET_CHARS = 60
NEIGHBOUR_FIELDS = ("ids", "dates", "snippets", "topics")
_LEXICAL_FILES = ("vocabulary.json", "idf.npy", "components_T.npy")


class ArtifactError(ComplaintsError):
    """The compact artifact is missing or damaged; the message names the file and the fix."""


def _fix(path: Path) -> str:
    return f"{path}: run `complaints fit` (or `complaints update`) to rebuild the classify artifact"


def write_json(path: Path, obj: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(obj, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(tmp, path)


def link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)  # an update keeps the parent's embedder: share the file, not the disk
    except OSError:
        shutil.copy2(src, dst)


def write_compact(folder: Path, *, version: int, embedder, segmenter_dictionary: dict, segmenter_id: str,
                  topics: list[dict], assigner: TopicAssigner, taxonomy: list[dict],
                  neighbour_vectors: np.ndarray, neighbours: dict[str, list], parent: Path | None = None,
                  painpoints=None, painpoint_fingerprint: str | None = None,
                  known: dict[str, np.ndarray] | None = None, form=None) -> Path:
    """Write ``folder/classify``; with `parent`, the unchanged embedder files are hard-linked from it.
    `painpoints`: the version's PainPointClassifier; `known`: `known.known_arrays` of the version;
    `form`: the learned ticket form."""
    from .modelform import save_form

    out = Path(folder) / FOLDER
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    save_form(form, out)
    kind = getattr(embedder, "kind", "")
    if kind == "lexical":
        if parent is not None and all((parent / f).exists() for f in _LEXICAL_FILES):
            for f in _LEXICAL_FILES:
                link_or_copy(parent / f, out / f)
        else:
            write_json(out / "vocabulary.json", embedder.terms_())
            np.save(out / "idf.npy", np.asarray(embedder.idf_, dtype=np.float64))
            np.save(out / "components_T.npy", np.ascontiguousarray(embedder.components_.T, dtype=np.float32))
    else:
        embedder.save(out / "embedder")
    order = {int(t): i for i, t in enumerate(assigner.topic_ids_)}
    for t in topics:
        i = order.get(int(t["topic_id"]))
        t["threshold"] = None if i is None else round(float(assigner.thresholds_[i]), 5)
        t["typical"] = None if i is None else round(float(assigner.typical_[i]), 5)
    write_json(out / "topics.json", {"topics": topics, "taxonomy": taxonomy,
                                     "assigner": {"quantile": assigner.quantile,
                                                  "min_similarity": assigner.min_similarity},
                                     "topic_ids": [int(t) for t in assigner.topic_ids_]})
    np.save(out / "centroids.npy", assigner.centroids_.astype(np.float32))
    # Grouped by topic and float32, so classify memory-maps them and reads only the topics it searches.
    order = np.argsort(topic_order_key(np.asarray(neighbours["topics"]), assigner.topic_ids_), kind="stable")
    order = order[keep_neighbours(neighbours["ids"], NEIGHBOURS_MAX)[order]]
    np.save(out / "neighbours.npy", np.asarray(neighbour_vectors, dtype=np.float32)[order])
    for key in NEIGHBOUR_FIELDS:
        values = [neighbours[key][i] for i in order]
        arr = np.asarray(values, dtype=np.int64) if key == "topics" else np.asarray(
            ["" if v is None else str(v) for v in values], dtype=str)
        np.save(out / f"neighbours_{key}.npy", arr)
    write_json(out / "jieba.json", segmenter_dictionary)
    if painpoints is not None:
        from ..painpoints.persist import save_painpoint_model

        save_painpoint_model(painpoints, out / "painpoint", painpoint_fingerprint)
    if known is not None:
        save_known(out, known)
    write_json(out / "manifest.json", {
        "format": FORMAT, "version": version, "embedder_kind": kind, "embedder_id": embedder.id,
        "segmenter_id": segmenter_id, "hmm": bool(getattr(getattr(embedder, "segmenter", None), "hmm", True)),
        "ngram_range": list(getattr(embedder, "ngram_range", (1, 1))), "dim": int(assigner.centroids_.shape[1]),
        "n_topics": len(assigner.topic_ids_), "n_neighbours": len(order),
        "created_at": dt.datetime.now().isoformat(timespec="seconds"),
    })
    return out


def keep_neighbours(ids, limit: int) -> np.ndarray:
    """Which past complaints the artifact keeps: all up to `limit`, else the `limit` with the smallest
    hash of their id — a uniform sample that later updates keep (a complaint once dropped stays out)."""
    n = len(ids)
    keep = np.ones(n, dtype=bool)
    if n > limit:
        import zlib

        h = np.fromiter((zlib.crc32(str(i).encode("utf-8")) for i in ids), dtype=np.int64, count=n)
        keep[:] = False
        keep[np.argsort(h, kind="stable")[:limit]] = True
    return keep


def point_to(library: Library, version: int, folder: Path) -> None:
    """Make `version` the one classify uses (after its transaction committed); the path is stored
    relative to the library, so a copy points to its own artifact."""
    write_json(library.models_dir / POINTER, {"version": version, "classify": library.relative(Path(folder) / FOLDER)})


def current_folder(library: Library) -> Path:
    pointer = library.models_dir / POINTER
    if not pointer.exists():
        raise ArtifactError(f"{pointer} not found: this library has no fitted topic model yet; "
                            "run `complaints fit` first")
    try:
        folder = Path(json.loads(pointer.read_text(encoding="utf-8"))["classify"])
    except (ValueError, KeyError, TypeError) as e:
        raise ArtifactError(f"{_fix(pointer)} (unreadable: {e})") from None
    return library.resolve(folder)


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ArtifactError(f"{_fix(path)} (file missing)") from None
    except (OSError, ValueError) as e:
        raise ArtifactError(f"{_fix(path)} (damaged: {e})") from None


def _read_npy(path: Path, mmap: bool = True, finite: bool = False) -> np.ndarray:
    """An artifact array; with `finite`, one holding NaN or infinity is damaged (it would score every
    complaint as nothing, silently)."""
    try:
        arr = np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
    except FileNotFoundError:
        raise ArtifactError(f"{_fix(path)} (file missing)") from None
    except (OSError, ValueError) as e:
        raise ArtifactError(f"{_fix(path)} (damaged: {e})") from None
    if finite and (arr.dtype.kind not in "fiu" or not np.isfinite(arr).all()):
        raise ArtifactError(f"{_fix(path)} (damaged: non-finite values)")
    return arr


def _read_dictionary(path: Path) -> dict:
    """jieba.json: {"total": int, "freq": {word: int}}; anything else is a damaged artifact."""
    d = read_json(path)
    ok = (isinstance(d, dict) and isinstance(d.get("total"), int) and not isinstance(d.get("total"), bool)
          and d["total"] > 0 and isinstance(d.get("freq"), dict)
          and all(isinstance(k, str) and type(v) is int for k, v in d["freq"].items()))
    if not ok:
        raise ArtifactError(f"{_fix(path)} (damaged: not a jieba dictionary of word frequencies)")
    return d


@dataclass
class CompactModel:
    """A loaded classify artifact. Heavy parts (neighbours) load on first use."""

    folder: Path
    manifest: dict
    topics: list[dict]
    taxonomy: list[dict]
    assigner: TopicAssigner
    segmenter: Any
    embed: Any  # callable: list[list[str]] tokens, list[str] texts -> (n, dim) unit vectors
    _neighbours: tuple | None = field(default=None, repr=False)
    _painpoints: Any = field(default=None, repr=False)
    _known: Any = field(default=False, repr=False)

    def painpoints(self):
        """The version's PainPointClassifier, or None for an artifact written before pain points per complaint."""
        if self._painpoints is None and (self.folder / "painpoint").is_dir():
            from ..painpoints.persist import PainPointModelError, load_painpoint_model

            try:
                self._painpoints = load_painpoint_model(self.folder / "painpoint")
            except PainPointModelError as e:
                raise ArtifactError(f"{_fix(self.folder / 'painpoint')} ({e})") from None
        return self._painpoints

    def known(self) -> KnownTexts | None:
        """The library's own texts with their stored topic and pain point (None in older artifacts)."""
        if self._known is False:
            try:
                self._known = KnownTexts.load(self.folder, [p["key"] for p in self.taxonomy], _read_npy)
            except ValueError as e:
                raise ArtifactError(f"{_fix(self.folder / 'known_hash.npy')} ({e})") from None
        return self._known

    @property
    def version(self) -> int:
        return int(self.manifest["version"])

    def neighbours(self) -> tuple[NeighbourIndex, dict]:
        """The past complaints' search index and their id, date, snippet and topic."""
        if self._neighbours is None:
            vecs = _read_npy(self.folder / "neighbours.npy", finite=True)
            meta = {k: _read_npy(self.folder / f"neighbours_{k}.npy") for k in NEIGHBOUR_FIELDS}
            for k, arr in meta.items():
                if len(arr) != len(vecs):
                    raise ArtifactError(f"{_fix(self.folder / f'neighbours_{k}.npy')} (does not match neighbours.npy)")
            self._neighbours = (NeighbourIndex(vecs, np.asarray(meta["topics"]), self.assigner.topic_ids_), meta)
        return self._neighbours


def load_compact(folder: Path, lexicons: str | None = None) -> CompactModel:
    """Load ``folder`` (a ``classify/`` directory); errors name the file and say what to run."""
    from ..text.lexicons import Lexicons
    from ..text.segment import Segmenter

    folder = Path(folder)
    if not folder.is_dir():
        raise ArtifactError(f"{_fix(folder)} (folder missing)")
    manifest = read_json(folder / "manifest.json")
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArtifactError(f"{_fix(folder / 'manifest.json')} (format "
                            f"{manifest.get('format') if isinstance(manifest, dict) else None!r}, expected {FORMAT})")
    table = read_json(folder / "topics.json")
    try:
        topics, taxonomy, ids = table["topics"], table["taxonomy"], table["topic_ids"]
    except (KeyError, TypeError):
        raise ArtifactError(f"{_fix(folder / 'topics.json')} (missing keys)") from None
    centroids = _read_npy(folder / "centroids.npy", mmap=False, finite=True)
    by_id = {int(t["topic_id"]): t for t in topics}
    if centroids.shape[0] != len(ids) or any(i not in by_id for i in ids):
        raise ArtifactError(f"{_fix(folder / 'centroids.npy')} (does not match topics.json)")
    assigner = TopicAssigner.from_arrays(
        ids, centroids, [by_id[i]["threshold"] for i in ids], [by_id[i]["typical"] for i in ids],
        **table.get("assigner", {}))

    from .modelform import FormError, load_form

    lex = Lexicons.load(lexicons)
    hmm = bool(manifest.get("hmm", True))
    try:
        form = load_form(folder)  # the form the fit learned: never relearned here
    except FormError as e:
        raise ArtifactError(str(e)) from None
    view = "" if form is None else "-form" + form.fingerprint()
    today = "jieba-" + lex.fingerprint() + view + ("" if hmm else "-nohmm")
    if today == manifest.get("segmenter_id"):
        segmenter = Segmenter(lex, hmm=hmm, dictionary=_read_dictionary(folder / "jieba.json"), form=form)
    else:
        warnings.warn(f"{folder}: fitted with lexicons {manifest.get('segmenter_id')}, now {today}; "
                      "topics may drift until `complaints fit` is run again", stacklevel=2)
        segmenter = Segmenter(lex, hmm=hmm, form=form)

    if manifest.get("embedder_kind") == "lexical":
        from ..embed._base import l2_normalize
        from ..text.ngrams import tfidf_rows

        terms = read_json(folder / "vocabulary.json")
        if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
            raise ArtifactError(f"{_fix(folder / 'vocabulary.json')} (damaged: not a list of words)")
        vocab = {t: i for i, t in enumerate(terms)}
        idf = _read_npy(folder / "idf.npy", mmap=False, finite=True)
        comp_t = _read_npy(folder / "components_T.npy", finite=True)
        if not (len(vocab) == len(idf) == comp_t.shape[0]) or comp_t.shape[1] != centroids.shape[1]:
            raise ArtifactError(f"{_fix(folder / 'components_T.npy')} (sizes disagree with the vocabulary)")
        ngram = tuple(manifest.get("ngram_range", (1, 1)))

        def embed(tokens: list[list[str]], texts: list[str]) -> np.ndarray:
            X = tfidf_rows(tokens, vocab, idf, ngram).astype(np.float32)
            return l2_normalize(np.asarray(X @ comp_t))
    else:
        from ..embed import load_embedder

        emb = load_embedder(folder / "embedder", segmenter=segmenter, lexicons=lexicons)

        def embed(tokens: list[list[str]], texts: list[str]) -> np.ndarray:
            if not getattr(emb, "segments", False) and emb.kind != "hybrid":
                texts = [segmenter.neural_text(t) for t in texts]  # a hybrid maps its neural part itself
            return np.asarray(emb.transform(texts), dtype=np.float32)

    return CompactModel(folder, manifest, topics, taxonomy, assigner, segmenter, embed)


def topic_entries(store, version: int, lexicons: str | None = None) -> list[dict]:
    """The version's topics as classify shows them: curated labels and pain points, merges followed."""
    from .catalog import topics_frame
    from .stable_ids import merged_into, resolve_merge

    df = topics_frame(store, version, lexicons, include_merged=True)
    kw = {int(t): json.loads(k or "[]") for t, k in store.query(
        "SELECT topic_id, keywords FROM topics WHERE version = ?", [version]).itertuples(index=False, name=None)}
    merges = merged_into(store)
    return [{"topic_id": int(r.topic_id), "label": r.label, "painpoint": r.painpoint,
             "painpoint_name": r.painpoint_name, "department": r.department, "status": r.status, "size": int(r.size),
             "keywords": [w for w, _ in kw.get(int(r.topic_id), [])],
             "merged_into": (resolve_merge(int(r.topic_id), merges) if int(r.topic_id) in merges else None)}
            for r in df.itertuples(index=False)]


def taxonomy_entries(taxonomy) -> list[dict]:
    """Key, name, department and action per pain point (`taxonomy`: PainPoints, or a lexicon folder)."""
    if taxonomy is None or isinstance(taxonomy, (str, Path)):
        from ..painpoints.taxonomy import load_taxonomy

        taxonomy = load_taxonomy(taxonomy)
    return [{"key": p.key, "name": p.name, "department": p.department, "action": p.action} for p in taxonomy]


def neighbour_meta(store, complaint_ids: list[str]) -> dict[str, list]:
    """Id, date and a masked snippet for each complaint, in the given order."""
    # weibo complaints open with a row of masked @mentions (<账号> <账号> …): not worth the snippet's space
    df = store.query(f"SELECT complaint_id, strftime(received_at, '%Y-%m-%d') AS d, "
                     f"left(regexp_replace(text, '^(<账号>\\s*)+', ''), {SNIPPET_CHARS}) AS s "
                     "FROM complaints WHERE complaint_id IN (SELECT unnest(?::VARCHAR[]))", [complaint_ids])
    by_id = {c: (d, s) for c, d, s in df.itertuples(index=False, name=None)}
    return {"ids": list(complaint_ids), "dates": [by_id.get(c, (None, ""))[0] for c in complaint_ids],
            "snippets": [by_id.get(c, (None, ""))[1] for c in complaint_ids]}


def refresh_topics(library: Library, store, lexicons: str | None = None) -> None:
    """Rewrite the current artifact's topics.json after curation, keeping its learned thresholds."""
    try:
        folder = current_folder(library)
    except ArtifactError:
        return  # nothing fitted with a classify artifact yet
    path = folder / "topics.json"
    if not path.exists():
        return
    table = read_json(path)
    version = int(read_json(folder / "manifest.json")["version"])
    learned = {int(t["topic_id"]): (t.get("threshold"), t.get("typical")) for t in table["topics"]}
    topics = topic_entries(store, version, lexicons)
    for t in topics:
        t["threshold"], t["typical"] = learned.get(t["topic_id"], (None, None))
    table["topics"] = topics
    write_json(path, table)
    if (folder / "known_hash.npy").exists():  # a re-mapped topic's complaints now carry its pain point
        save_known(folder, known_from_store(store, version, [p["key"] for p in table["taxonomy"]]))
