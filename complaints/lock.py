"""One writer at a time: an advisory file lock around the library."""

from __future__ import annotations

import errno
import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .errors import ComplaintsError, LibraryBusyError, LibraryReadOnlyError

WAIT_ENV = "COMPLAINTS_LOCK_WAIT"
_READ_ONLY = (errno.EROFS, errno.EACCES, errno.EPERM)


def default_wait() -> float:
    """Seconds to wait for the lock: $COMPLAINTS_LOCK_WAIT, else 30. Read when a lock is taken, so a
    bad value is one clear error from the command that needed it, not a crash at import."""
    raw = os.environ.get(WAIT_ENV, "30")
    try:
        wait = float(raw)
    except ValueError:
        wait = float("nan")
    if not wait >= 0 or wait == float("inf"):
        raise ComplaintsError(f"{WAIT_ENV} must be a number of seconds (e.g. 30), got {raw[:40]!r}")
    return wait


def _open(path: Path, exclusive: bool) -> int | None:
    """The lock file's descriptor. A reader that cannot create or write it (read-only mount, read
    access only) opens it read-only, or goes on without it: nobody can write there either."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        if exc.errno not in _READ_ONLY:
            raise
        if exclusive:
            raise LibraryReadOnlyError(f"library {path.parent} is read-only (只读): it can be read, not changed "
                                       f"({exc.strerror})") from None
    try:
        return os.open(path, os.O_RDONLY)
    except OSError:
        return None


@contextmanager
def library_lock(path: Path, exclusive: bool = True, wait_s: float | None = None) -> Iterator[None]:
    """Hold a shared (readers) or exclusive (writers) lock; wait up to `wait_s`, then fail clearly.

    DuckDB itself refuses a second writer process with a terse IO error; taking our own
    lock first turns that into a wait and, if it lasts too long, a message that says why.
    """
    wait_s = default_wait() if wait_s is None else wait_s
    fd = _open(path, exclusive)
    if fd is None:
        yield
        return
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
                        f"(waited {wait_s:.0f}s). Try again when it finishes, or raise {WAIT_ENV}."
                    ) from None
                time.sleep(0.1)
        yield
    finally:
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
