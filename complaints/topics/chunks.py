"""The library a chunk at a time, as `fit` reads it: ids in memory, texts from DuckDB, tokens cut once.

A fit used to read every complaint's text at once and hold it with its packed tokens for the whole
run. `LibraryChunks` holds only the complaint ids (in id order, the order `fit` keeps). Texts are read
from the library a chunk of `CHUNK` complaints at a time and cut on every core as they arrive (`cut`).
Each chunk's packed tokens are kept for the passes that follow (the pain points, the sample, the
placement of the rest): in memory when the library is one chunk, else as parquet in a scratch folder
inside the library, removed when the fit ends. Those passes read a chunk at a time again (`parts`),
or just the rows they need (`texts_at`, `tokens_at`), so memory holds a chunk and the sample rather
than the library. It reads like `text.packed.HeldCorpus`, which the pain-point stage also takes.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import Library
from ..errors import ComplaintsError
from ..parallel import fork_map
from ..store import open_store
from ..text.packed import DICTIONARY_MAX, PackedTokens, cut_part, dictionary_of
from ..text.segment import Segmenter

CHUNK = 100_000  # complaints read and held at a time
BATCH = 2_000  # texts per worker job while cutting
SCRATCH = ".fit-chunks-"  # the spill folder's prefix inside the library
_HAN = re.compile(r"[\u4e00-\u9fff]")


class LibraryChangedError(ComplaintsError):
    pass


def _cut_job(state: tuple[Segmenter, int], job: tuple[int, int, list[str]]) -> tuple:
    seg, words_from = state
    k, start, texts = job
    packed, words = cut_part(seg, texts, start < words_from)
    return k, start, packed, [bool(_HAN.search(p)) for p in packed], words


class LibraryChunks:
    """The complaints `ids` (sorted) of `library`, read a chunk at a time; use it as a context
    manager so the scratch folder goes when the fit ends, however it ends."""

    def __init__(self, library: Library, ids: Sequence[str], chunk: int = CHUNK) -> None:
        self.library, self.ids, self.chunk = library, list(ids), max(1, int(chunk))
        n = len(self.ids)
        self.bounds = [(s, min(s + self.chunk, n)) for s in range(0, n, self.chunk)]
        self._held: dict[int, list[str]] = {}
        self._dir: Path | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def __enter__(self) -> "LibraryChunks":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._held.clear()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    @staticmethod
    def clear_scratch(library: Library) -> None:
        """Remove scratch folders a killed fit left behind (call it holding the fit lock)."""
        for p in library.root.glob(SCRATCH + "*"):
            shutil.rmtree(p, ignore_errors=True)

    # texts, from the library

    def texts(self, k: int) -> list[str]:
        s, e = self.bounds[k]
        return self._read(self.ids[s:e], "complaint_id BETWEEN ? AND ?", [self.ids[s], self.ids[e - 1]])

    def texts_at(self, rows: Sequence[int]) -> list[str]:
        want = [self.ids[i] for i in rows]
        return self._read(want, "complaint_id IN (SELECT unnest(?::VARCHAR[]))", [want]) if want else []

    def _read(self, want: list[str], where: str, params: list) -> list[str]:
        with open_store(self.library) as store:
            df = store.query(f"SELECT complaint_id, text FROM complaints WHERE {where}", params)
        found = dict(zip(df["complaint_id"].tolist(), df["text"].tolist()))
        missing = sum(c not in found for c in want)
        if missing:
            raise LibraryChangedError(f"{missing} complaints left the library {self.library.root} while the fit "
                                      "was reading it; run complaints fit again")
        return [found[c] for c in want]

    # tokens, cut once

    def cut(self, seg: Segmenter, workers: int | None = None, dictionary: bool = False,
            progress: Callable[[int, int], None] | None = None,
            dictionary_max: int = DICTIONARY_MAX) -> tuple[np.ndarray, dict | None]:
        """Cut every complaint once on `workers` cores, as `text.packed.cut_library` does, keeping
        each chunk's packed tokens. Returns which complaints hold a Chinese word and, with
        `dictionary`, the jieba dictionary subset the first `dictionary_max` complaints touch."""
        n = len(self.ids)
        usable = np.zeros(n, dtype=bool)
        words: set[str] = set()
        parts: dict[int, list[str]] = {}
        done = 0
        if progress:
            progress(0, n)
        for k, start, packed, flags, seen in fork_map(_cut_job, (seg, dictionary_max if dictionary else 0),
                                                      self._jobs(), workers):
            usable[start:start + len(flags)] = flags
            parts.setdefault(k, []).extend(packed)
            words |= seen
            done += len(packed)
            if start + len(packed) == self.bounds[k][1]:  # jobs come back in order: the chunk is whole
                self._keep(k, parts.pop(k))
            if progress:
                progress(done, n)
        return usable, (dictionary_of(seg, words) if dictionary else None)

    def _jobs(self) -> Iterator[tuple[int, int, list[str]]]:
        for k, (s, _) in enumerate(self.bounds):
            texts = self.texts(k)
            for b in range(0, len(texts), BATCH):
                yield k, s + b, texts[b:b + BATCH]

    def _keep(self, k: int, packed: list[str]) -> None:
        if len(self.bounds) == 1:
            self._held[k] = packed
            return
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix=SCRATCH, dir=self.library.root))
        pd.DataFrame({"packed": packed}).to_parquet(self._dir / f"{k}.parquet", index=False)

    def tokens(self, k: int) -> PackedTokens:
        if k in self._held:
            return PackedTokens(self._held[k])
        if self._dir is None:
            raise RuntimeError("LibraryChunks.tokens before cut")
        return PackedTokens(pd.read_parquet(self._dir / f"{k}.parquet")["packed"].tolist())

    def tokens_at(self, rows: Sequence[int]) -> PackedTokens:
        """The packed tokens of `rows`, in their order, reading each chunk they fall in once."""
        rows = np.asarray(rows, dtype=np.int64)
        out: list[str] = [""] * len(rows)
        which = np.searchsorted([s for s, _ in self.bounds], rows, side="right") - 1
        for k in np.unique(which):
            packed = self.tokens(int(k)).packed
            s = self.bounds[int(k)][0]
            for j in np.flatnonzero(which == k):
                out[j] = packed[rows[j] - s]
        return PackedTokens(out)

    def parts(self) -> Iterator[tuple[int, list[str], PackedTokens]]:
        """(start, texts, packed tokens) of every chunk, in order."""
        for k, (s, _) in enumerate(self.bounds):
            yield s, self.texts(k), self.tokens(k)

    def batches(self, mask: np.ndarray, painpoints: Sequence[str], size: int) -> Iterator[tuple]:
        """(ids, texts, painpoints, packed tokens) batches of the rows in `mask`, in order, a chunk
        read at a time: what `bulk_assign` places."""
        for s, texts, tokens in self.parts():
            rows = np.flatnonzero(mask[s:s + len(texts)])
            for b in range(0, len(rows), size):
                sel = rows[b:b + size]
                yield ([self.ids[s + i] for i in sel], [texts[i] for i in sel],
                       [painpoints[s + i] for i in sel], PackedTokens([tokens.packed[i] for i in sel]))
