"""The library's own complaints in the classify artifact: a text already in the library gets what the library holds.

Fitting assigns topics with BERTopic (clusters, outlier reduction) and nesting, which a
nearest-centroid classifier cannot reproduce text by text, and pain points can come from an
analyst's correction or the operator's category, which a bare text does not carry. So the
artifact keeps, per distinct masked text of the version, a 64-bit hash with the topic, its
confidence and the pain point decision the library stores (the most common one when a text
occurs several times). Fixed-width numpy arrays, sorted by hash and memory-mapped: a lookup is a
binary search. Past `KNOWN_MAX` complaints (a sampled fit of a big library) it keeps those with the
smallest hash of their id, as compact.py keeps neighbours, so the artifact stays bounded; the
others are classified like any new text. numpy only; `text_hash` must agree with `complaints.painpoints.classifier.text_key`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

FILES = ("known_hash", "known_topic", "known_confidence", "known_painpoint", "known_pconf", "known_status")
STATUS = ("assigned", "uncertain")
KNOWN_MAX = 200_000


def text_hash(text: str) -> int:
    """64 bits of sha1 over the whitespace-normalised text (= int(text_key(text), 16))."""
    return int(hashlib.sha1(" ".join(str(text).split()).encode("utf-8")).hexdigest()[:16], 16)


def known_arrays(rows, keys: list[str]) -> dict[str, np.ndarray]:
    """`rows`: (text, topic_id, confidence, painpoint, painpoint_confidence, painpoint_status) of every
    complaint of a version; `keys`: the pain-point keys (their index is stored)."""
    index = {k: i for i, k in enumerate(keys)}
    best: dict[int, tuple] = {}
    counts: dict[tuple, int] = {}
    for text, topic, conf, pp, pconf, status in rows:
        h = text_hash(text)
        rec = (int(topic), float(conf or 0.0), index.get(pp, index.get("other", 0)), float(pconf or 0.0),
               STATUS.index(status) if status in STATUS else 0)
        counts[(h, rec[0], rec[2])] = counts.get((h, rec[0], rec[2]), 0) + 1
        old = best.get(h)
        if old is None or counts[(h, rec[0], rec[2])] > counts[(h, old[0], old[2])]:
            best[h] = rec
    hashes = np.array(sorted(best), dtype=np.uint64)
    recs = [best[int(h)] for h in hashes]
    return {"known_hash": hashes,
            "known_topic": np.array([r[0] for r in recs], dtype=np.int64),
            "known_confidence": np.array([r[1] for r in recs], dtype=np.float32),
            "known_painpoint": np.array([r[2] for r in recs], dtype=np.int16),
            "known_pconf": np.array([r[3] for r in recs], dtype=np.float32),
            "known_status": np.array([r[4] for r in recs], dtype=np.int8)}


def known_from_store(store, version: int, keys: list[str], limit: int = KNOWN_MAX) -> dict[str, np.ndarray]:
    cur = store.query("""SELECT c.text, a.topic_id, a.confidence, a.painpoint, a.painpoint_confidence,
                                a.painpoint_status
                         FROM assignments a JOIN complaints c USING (complaint_id) WHERE a.version = ?
                         ORDER BY hash(a.complaint_id), a.complaint_id LIMIT ?""", [version, int(limit)])
    return known_arrays(cur.itertuples(index=False, name=None), keys)


def save_known(folder: Path, arrays: dict[str, np.ndarray]) -> None:
    for name in FILES:
        np.save(Path(folder) / f"{name}.npy", arrays[name])


class KnownTexts:
    """Lookup of the library's texts; `find` gives the row of each text or -1."""

    def __init__(self, arrays: dict[str, np.ndarray], keys: list[str]) -> None:
        self.arrays, self.keys = arrays, keys
        self.hashes = arrays["known_hash"]

    @classmethod
    def load(cls, folder: Path, keys: list[str], read) -> KnownTexts | None:
        """`read(path)` loads one .npy (the artifact's checked reader); None for an artifact without them."""
        if not (Path(folder) / "known_hash.npy").exists():
            return None
        arrays = {name: read(Path(folder) / f"{name}.npy") for name in FILES}
        if len({len(a) for a in arrays.values()}) != 1:
            raise ValueError("known_*.npy arrays differ in length")
        return cls(arrays, keys)

    def __len__(self) -> int:
        return len(self.hashes)

    def find(self, texts: list[str]) -> np.ndarray:
        if not len(self.hashes) or not texts:
            return np.full(len(texts), -1, dtype=np.int64)
        q = np.array([text_hash(t) for t in texts], dtype=np.uint64)
        pos = np.searchsorted(self.hashes, q)
        pos = np.minimum(pos, len(self.hashes) - 1)
        return np.where(self.hashes[pos] == q, pos, -1).astype(np.int64)

    def record(self, row: int) -> dict:
        a = self.arrays
        return {"topic_id": int(a["known_topic"][row]), "confidence": float(a["known_confidence"][row]),
                "painpoint": self.keys[int(a["known_painpoint"][row])],
                "painpoint_confidence": float(a["known_pconf"][row]),
                "painpoint_status": STATUS[int(a["known_status"][row])]}
