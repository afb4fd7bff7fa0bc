"""Executors: map a batch function over tasks serially, on local processes or on a Dask cluster.

Every executor hands each finished result to ``on_result`` in the parent, one at a
time; the engine merges with an order-independent reduction, so the order in which
batches finish does not matter and all executors give identical rasters.

Tasks carry their own DEM window (a few MB), never the full DEM. Process-based
executors start workers with the ``spawn`` method, which re-imports the calling
script: a script that runs coverage with ``executor="processes"`` or ``"dask"``
(LocalCluster) must guard its entry point with ``if __name__ == "__main__":``.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any, Literal

from towerplan.errors import ConfigError

__all__ = ["cap_workers", "EXECUTORS", "Executor", "map_batches", "map_on_dask"]

log = logging.getLogger(__name__)

Executor = Literal["serial", "processes", "dask"]
Task = dict[str, Any]


def _serial(fn, tasks, *, on_result, **_):
    for task in tasks:
        on_result(fn(task))


def _processes(fn, tasks, *, workers, on_result, **_):
    ctx = multiprocessing.get_context("spawn")
    max_pending = 2 * workers  # bounded queue: tasks hold DEM windows
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        pending = set()
        for task in tasks:
            pending.add(pool.submit(fn, task))
            if len(pending) >= max_pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in finished:
                    on_result(f.result())
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for f in finished:
                on_result(f.result())


def map_on_dask(fn: Callable[[Any], Any], tasks: Iterable[Any], *, workers: int, scheduler: str | None,
                on_result: Callable[[Any], None], scatter: bool, retries: int = 0,
                key_prefix: str = "towerplan-task") -> None:
    """Run ``fn`` on every task on a Dask cluster, at most two tasks per worker in flight.

    ``scheduler`` is the address of a running scheduler (``tcp://host:8786``); None starts a
    local cluster of ``workers`` processes, closed at the end. ``scatter``: send each task's data
    to a worker ahead of the call (cheaper for big arrays, but the data dies with its worker);
    without it, tasks go as plain arguments and ``retries`` reruns a lost worker's tasks elsewhere.
    """
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as exc:  # pragma: no cover - dask is an optional dependency
        raise ConfigError("executor 'dask' needs dask[distributed] (pip install 'towerplan[dask]')") from exc
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                               silence_logs=logging.WARNING)
        client = Client(cluster)
    try:
        futures = as_completed()
        max_pending = 2 * max(workers, len(client.scheduler_info().get("workers", {})) or 1)
        n_pending = 0
        for i, task in enumerate(tasks):
            data = client.scatter([task], direct=True)[0] if scatter else task  # a list: a dict would be split
            futures.add(client.submit(fn, data, key=f"{key_prefix}-{i}-{os.getpid()}-{id(data)}", pure=False,
                                      retries=retries))
            n_pending += 1
            if n_pending >= max_pending:
                f = next(futures)
                on_result(f.result())
                f.release()
                n_pending -= 1
        for f in futures:
            on_result(f.result())
            f.release()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _dask(fn, tasks, *, workers, scheduler, on_result, **_):
    map_on_dask(fn, tasks, workers=workers, scheduler=scheduler, on_result=on_result, scatter=True,
                key_prefix="towerplan-coverage-batch")


EXECUTORS: dict[str, Callable[..., None]] = {"serial": _serial, "processes": _processes, "dask": _dask}


def cap_workers(workers: int, *, executor: str = "processes") -> int:
    """``workers`` capped to the machine: at most the CPUs this process may use (``os.sched_getaffinity``).

    Each worker is a process holding DEM windows; asking for more than the CPUs only adds memory and
    start-up time. A cap is logged as a warning; the serial executor ignores the count.
    """
    if executor == "serial":
        return workers
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    if workers > cpus:
        log.warning("workers = %s capped to %d, the CPUs available to this process", f"{workers:,}", cpus)
        return cpus
    return workers


def map_batches(fn: Callable[[Task], Any], tasks: Iterable[Task], *, executor: Executor = "serial",
                workers: int = 1, scheduler: str | None = None, on_result: Callable[[Any], None],
                n_tasks: int | None = None) -> None:
    """Run ``fn`` on every task with ``executor``; call ``on_result`` in this process for each result.

    ``fn`` must be a module-level function (it is pickled by reference).
    """
    try:
        run = EXECUTORS[executor]
    except KeyError:
        raise ConfigError(f"executor must be one of {sorted(EXECUTORS)}, got {executor!r}") from None
    if workers < 1:
        raise ConfigError(f"workers must be at least 1, got {workers}")
    if scheduler is None:  # a local pool: not more processes than CPUs
        workers = cap_workers(workers, executor=executor)
    log.debug("running %s tasks on %s (%d workers)", n_tasks if n_tasks is not None else "?", executor, workers)
    run(fn, tasks, workers=workers, scheduler=scheduler, on_result=on_result)
