"""Work on batches on every core: forked processes that share the parent's fitted state.

Fitted models, texts and token lists are large and already in the parent's memory; forked workers
(Linux) read them without copying or pickling, so only a batch's bounds go out and its (small)
result comes back. A bounded number of batches is in flight, so results never pile up, and they
come back in input order. Where forking is not possible, there is one core or one batch, the same
function runs in this process. Fork only where no other thread holds a lock the child would need:
callers close their DuckDB connection first. Work that itself runs OpenMP threads (UMAP, k-means)
goes to `pool_map`'s fresh interpreters instead.
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing as mp
import os
import pickle
import selectors
import struct
import subprocess
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .errors import ComplaintsError

_STATE: tuple[Callable, Any] | None = None


class WorkerError(ComplaintsError):
    """A worker interpreter died (not a job's own exception, which is raised as it is)."""


def workers_for(n: int | None = None) -> int:
    """`n`, or every core."""
    return max(1, n if n is not None else (os.cpu_count() or 1))


def can_fork() -> bool:
    return sys.platform.startswith("linux") and "fork" in mp.get_all_start_methods()


def _call(batch: Any) -> Any:
    func, state = _STATE  # type: ignore[misc]
    return func(state, batch)


def fork_map(func: Callable[[Any, Any], Any], state: Any, batches: Iterable[Any],
             workers: int | None = None) -> Iterator[Any]:
    """`func(state, batch)` for every batch, in order; `func` must be a module-level function.
    `state` reaches the workers through fork, never through pickle."""
    global _STATE
    batches = iter(batches)
    head = list(itertools.islice(batches, 2))
    batches = itertools.chain(head, batches)
    # One batch, one core, no fork, or already inside a fork_map (a worker, or a nested call): here.
    if len(head) < 2 or workers_for(workers) < 2 or not can_fork() or _STATE is not None:
        for batch in batches:
            yield func(state, batch)
        return
    n = workers_for(workers)
    _STATE = (func, state)
    gc.collect()
    gc.freeze()  # the workers then share the parent's objects instead of copying them on gc
    try:
        with mp.get_context("fork").Pool(n) as pool:
            pending: deque = deque()
            for batch in batches:
                pending.append(pool.apply_async(_call, (batch,)))
                while len(pending) > n:
                    yield pending.popleft().get()
            while pending:
                yield pending.popleft().get()
    finally:
        gc.unfreeze()
        _STATE = None


def pool_map(func: Callable[[Any], Any], jobs: Iterable[Any], workers: int | None = None,
             preload: Iterable[str] = ()) -> list[Any]:
    """`func(job)` for every job, results in order, in fresh worker interpreters (`python -m
    complaints.parallel`) that take the next job as they finish one (give the largest first): for
    work that runs OpenMP or numba threads, which the forked child of a process that has started
    them cannot use (it hangs). Jobs and results are pickled, so each job carries only its own data;
    the workers import `preload` first. multiprocessing's spawn and forkserver are not used: they
    re-run the caller's main script in every worker."""
    jobs = list(jobs)
    n = min(workers_for(workers), len(jobs))
    if n < 2:
        return [func(job) for job in jobs]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)}
    procs = [subprocess.Popen([sys.executable, "-m", "complaints.parallel", *preload], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, env=env) for _ in range(n)]
    results: list[Any] = [None] * len(jobs)
    todo = iter(enumerate(jobs))
    busy: dict[subprocess.Popen, int] = {}
    sel = selectors.DefaultSelector()

    def give(p: subprocess.Popen) -> bool:
        nxt = next(todo, None)
        if nxt is None:
            p.stdin.close()
            return False
        busy[p] = nxt[0]
        try:
            _send(p.stdin, (func, nxt[1]))
        except BrokenPipeError:  # it died before reading (a failed import, killed): say so in one line
            raise WorkerError(f"a worker process stopped (exit code {p.wait()}); its message is above") from None
        return True

    done = False
    try:
        for p in procs:
            if give(p):
                sel.register(p.stdout, selectors.EVENT_READ, p)
        while busy:
            for key, _ in sel.select():
                p = key.data
                got = _receive(p.stdout)
                if got is None:
                    raise WorkerError(f"a worker process stopped (exit code {p.wait()}); its message is above")
                ok, value = got
                if not ok:
                    raise value
                results[busy.pop(p)] = value
                if not give(p):
                    sel.unregister(p.stdout)
        done = True
    finally:
        sel.close()
        for p in procs:
            if not done:  # a job failed: the others' work is lost anyway, do not wait for it
                p.kill()
            try:
                if not p.stdin.closed:
                    p.stdin.close()
            except BrokenPipeError:
                pass
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
    return results


def _send(stream, obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("<Q", len(data)))
    stream.write(data)
    stream.flush()


def _receive(stream) -> Any:
    head = stream.read(8)
    if len(head) < 8:
        return None
    (size,) = struct.unpack("<Q", head)
    data = stream.read(size)
    return pickle.loads(data) if len(data) == size else None


def _serve(preload: list[str]) -> None:
    """A pool_map worker: jobs from stdin, results to stdout, until stdin closes."""
    import importlib

    for name in preload:
        importlib.import_module(name)
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a library's print must not corrupt the channel
    while (got := _receive(inp)) is not None:
        func, job = got
        try:
            reply = (True, func(job))
        except Exception as e:  # noqa: BLE001 - handed back to the caller, which raises it
            reply = (False, e)
        try:
            _send(out, reply)
        except (pickle.PicklingError, TypeError, AttributeError):
            _send(out, (False, RuntimeError(repr(reply[1]))))


def ranges(n: int, size: int) -> list[tuple[int, int]]:
    """(start, stop) of consecutive batches of `size` over `n` rows."""
    return [(s, min(s + size, n)) for s in range(0, n, max(1, size))]


if __name__ == "__main__":
    _serve(sys.argv[1:])
