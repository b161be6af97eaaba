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
    cols = list(zip(*rows)) or [()] * 6
    index = {k: i for i, k in enumerate(keys)}
    other = index.get("other", 0)
    h = np.array([text_hash(t) for t in cols[0]], dtype=np.uint64)
    topic = np.array(cols[1], dtype=np.int64)
    conf = np.nan_to_num(np.array(cols[2], dtype=np.float64), nan=0.0)
    pp = np.array([index.get(p, other) for p in cols[3]], dtype=np.int16)
    pconf = np.nan_to_num(np.array(cols[4], dtype=np.float64), nan=0.0)
    status = np.array([STATUS.index(x) if x in STATUS else 0 for x in cols[5]], dtype=np.int8)
    order = np.argsort(h, kind="stable")
    first = np.ones(len(h), dtype=bool)
    first[1:] = h[order][1:] != h[order][:-1]
    pick = order[first]  # a text's first row; repeated texts take their most common decision below
    starts = np.flatnonzero(first)
    for a, b in zip(starts, np.append(starts[1:], len(h))):
        if b - a > 1:
            pick[np.searchsorted(starts, a)] = _most_common(order[a:b], topic, pp)
    return {"known_hash": h[pick], "known_topic": topic[pick], "known_confidence": conf[pick].astype(np.float32),
            "known_painpoint": pp[pick], "known_pconf": pconf[pick].astype(np.float32),
            "known_status": status[pick]}


def _most_common(rows: np.ndarray, topic: np.ndarray, pp: np.ndarray) -> int:
    """The row of the most common (topic, pain point) among one text's rows, in row order; a later
    decision replaces the current one only once it is strictly more common."""
    counts: dict[tuple, int] = {}
    best = -1
    for r in sorted(rows):
        k = (topic[r], pp[r])
        counts[k] = counts.get(k, 0) + 1
        if best < 0 or counts[k] > counts[(topic[best], pp[best])]:
            best = r
    return int(best)


def known_from_store(store, version: int, keys: list[str], limit: int = KNOWN_MAX) -> dict[str, np.ndarray]:
    # the id-hashed subset is picked before the join: the texts of a million are not all read
    cur = store.query("""SELECT c.text, a.topic_id, a.confidence, a.painpoint, a.painpoint_confidence,
                                a.painpoint_status
                         FROM (SELECT complaint_id, topic_id, confidence, painpoint, painpoint_confidence,
                                      painpoint_status FROM assignments WHERE version = ?
                               ORDER BY hash(complaint_id), complaint_id LIMIT ?) a
                         JOIN complaints c USING (complaint_id)
                         ORDER BY hash(a.complaint_id), a.complaint_id""", [version, int(limit)])
    return known_arrays(zip(*(cur[c].tolist() for c in cur.columns)), keys)  # lists: arrow iteration is slow


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
