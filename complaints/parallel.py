"""Work on batches on every core: forked processes that share the parent's fitted state.

Fitted models, texts and token lists are large and already in the parent's memory; forked workers
(Linux) read them without copying or pickling, so only a batch's bounds go out and its (small)
result comes back. A bounded number of batches is in flight, so results never pile up, and they
come back in input order. Where forking is not possible, there is one core or one batch, the same
function runs in this process. Fork only where no other thread holds a lock the child would need:
callers close their DuckDB connection first.
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing as mp
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

_STATE: tuple[Callable, Any] | None = None


def workers_for(n: int | None = None) -> int:
    """`n`, or every core."""
    return max(1, n if n is not None else (os.cpu_count() or 1))


def can_fork() -> bool:
    return sys.platform.startswith("linux") and "fork" in mp.get_all_start_methods()


def numba_forkable() -> bool:
    """Whether forked workers may run numba's parallel code (UMAP): not once this process has started
    GNU OpenMP threads, which a forked child cannot use (it would abort)."""
    numba = sys.modules.get("numba")
    if numba is None:
        return True
    try:
        from numba.np.ufunc import parallel
    except ImportError:
        return True
    return not getattr(parallel, "_is_initialized", False) or numba.threading_layer() != "omp"


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


def ranges(n: int, size: int) -> list[tuple[int, int]]:
    """(start, stop) of consecutive batches of `size` over `n` rows."""
    return [(s, min(s + size, n)) for s in range(0, n, max(1, size))]
