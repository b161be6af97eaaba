"""One writer at a time: an advisory file lock around the library."""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .errors import LibraryBusyError

DEFAULT_WAIT_S = float(os.environ.get("COMPLAINTS_LOCK_WAIT", "30"))


@contextmanager
def library_lock(path: Path, exclusive: bool = True, wait_s: float | None = None) -> Iterator[None]:
    """Hold a shared (readers) or exclusive (writers) lock; wait up to `wait_s`, then fail clearly.

    DuckDB itself refuses a second writer process with a terse IO error; taking our own
    lock first turns that into a wait and, if it lasts too long, a message that says why.
    """
    wait_s = DEFAULT_WAIT_S if wait_s is None else wait_s
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
    deadline = time.monotonic() + wait_s
    try:
        while True:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LibraryBusyError(
                        f"library {path.parent} is busy: another complaints process is writing to it "
                        f"(waited {wait_s:.0f}s). Try again when it finishes, or raise COMPLAINTS_LOCK_WAIT."
                    ) from None
                time.sleep(0.1)
        yield
    finally:
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
