"""A batch's site work as a pipeline: the loss windows computed ahead on worker threads, merged in order.

The serial executor (:func:`~towerplan.coverage.engine.run_coverage`) used to run every kernel of a site group on
all of numba's threads, one group after another: each kernel's parallel loop (radials of a table, rows of a fill)
ends with threads waiting for the slowest chunk, and the Python between kernels (layouts, limits, window cuts)
runs on one core while the other waits. Here each unit of a batch (a run of site groups at one site, or a group
with calibrated sectors) has its loss windows computed on one of ``workers`` threads, each running the kernels on
one numba thread (numba's thread count is per calling thread), while the calling thread takes the finished units
*in the batch's order* and merges them into the accumulators: the kernels release the GIL (``nogil``), so the
workers and the merge run at once.

The values are those of the one-thread kernels, which equal the many-thread ones (each radial, row and cell is
computed alone, whatever thread computes it: the processes and Dask executors, one numba thread each, give the
serial executor's rasters, ``tests/test_coverage_executors.py``), and the accumulators see the units in the same
order, so the rasters are bit-identical with and without the pipeline (``tests/test_pipeline.py``). At most
``ahead`` units are in flight (their windows held in memory).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

import numba

__all__ = ["pipeline_workers", "run_pipelined"]

log = logging.getLogger(__name__)

U = TypeVar("U")
R = TypeVar("R")


def pipeline_workers(requested: bool, n_units: int) -> int:
    """How many worker threads a batch of ``n_units`` units gets: numba's thread count of the calling thread when
    ``requested`` and there are at least two units and two threads, else 0 (no pipeline: the caller runs the
    units itself, each kernel on the calling thread's numba threads)."""
    threads = int(numba.get_num_threads())
    if not requested or n_units < 2 or threads < 2:
        return 0
    return min(threads, n_units)


def _one_thread() -> None:
    numba.set_num_threads(1)


def run_pipelined(units: Sequence[U], compute: Callable[[U], R], merge: Callable[[U, R], None], *, workers: int,
                  ahead: int | None = None) -> None:
    """``merge(unit, compute(unit))`` for every unit, in order: ``compute`` on ``workers`` threads (one numba
    thread each), at most ``ahead`` (default ``workers + 1``) units computed but not yet merged; ``merge`` on the
    calling thread, which runs its kernels on one numba thread meanwhile (its own count restored after). An
    exception in ``compute`` or ``merge`` stops the submissions and is raised here once the workers are idle."""
    ahead = max(ahead or workers + 1, 1)
    log.debug("pipeline: %d units on %d worker threads, %d ahead", len(units), workers, ahead)
    prev = int(numba.get_num_threads())
    numba.set_num_threads(1)
    try:
        with ThreadPoolExecutor(max_workers=workers, initializer=_one_thread,
                                thread_name_prefix="towerplan-pipeline") as pool:
            pending: deque[tuple[U, Future[R]]] = deque()
            it = iter(units)
            try:
                for unit in it:
                    pending.append((unit, pool.submit(compute, unit)))
                    if len(pending) >= ahead:
                        break
                while pending:  # the oldest merged, then the next submitted: at most ``ahead`` not yet merged
                    unit, fut = pending.popleft()
                    merge(unit, fut.result())
                    for nxt in it:
                        pending.append((nxt, pool.submit(compute, nxt)))
                        break
            finally:
                for _, fut in pending:
                    fut.cancel()
    finally:
        numba.set_num_threads(prev)
