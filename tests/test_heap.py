"""The process heap (:mod:`towerplan.heap`): freed blocks kept for the next use, a process's own peak memory."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from affine import Affine
from pyproj import Transformer

import towerplan.planning.matrix as matrix_mod
from towerplan.coverage.config import CoverageConfig
from towerplan.grid import Grid
from towerplan.heap import keep_freed_pages, peak_rss_mb

GLIBC = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"

# four blocks of ~3 MB allocated, written and freed together, 20 times (a P.1812 sweep's bound, profile, clutter
# and zone tables of one candidate); the page faults of the last 15 rounds, a round
_PROBE = """
import resource, sys
import numpy as np
from towerplan.heap import keep_freed_pages
if sys.argv[1] == "keep":
    assert keep_freed_pages()
faults = 0
for k in range(20):
    if k == 5:
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    blocks = [np.ones((1088, 335)) for _ in range(4)]
    del blocks
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults) / 15)
"""


def _faults_a_round(mode: str) -> float:
    # glibc's defaults: no malloc settings from the environment
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GLIBC_TUNABLES", "MALLOC_"))}
    out = subprocess.run([sys.executable, "-c", _PROBE, mode], capture_output=True, text=True, check=True, env=env)
    return float(out.stdout.strip())


@pytest.mark.skipif(not GLIBC, reason="glibc's mallopt only")
def test_freed_blocks_are_not_faulted_in_again() -> None:
    # without the thresholds the four blocks (11.7 MB, ~2,850 pages) go back to the system and fault in again
    assert _faults_a_round("default") > 2000
    assert _faults_a_round("keep") < 100


def test_keep_freed_pages_is_set_once() -> None:
    first = keep_freed_pages()
    assert first is GLIBC
    assert keep_freed_pages() is first
    np.ones(1 << 22).sum()  # the allocator still works


def test_the_matrix_keeps_freed_pages_in_the_process_that_computes_its_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def record() -> bool:
        calls.append(1)
        return True

    monkeypatch.setattr(matrix_mod, "keep_freed_pages", record)
    dem = Grid(np.full((40, 40), 20.0, dtype=np.float32), Affine(30.0, 0, 580_020.0, 0, -30.0, 2_190_000.0), 32648)
    x, y = dem.xy(20, 20)
    lon, lat = Transformer.from_crs(32648, 4326, always_xy=True).transform(float(x), float(y))
    cands = {"candidate_id": ["G1"], "lon": [lon], "lat": [lat], "mast_height_m": [30.0]}
    covers, _ = matrix_mod.coverage_matrix(dem, pd.DataFrame(cands), np.ones(dem.shape, dtype=bool),
                                           config=CoverageConfig(model="fspl", max_radius_m=500), workers=1)
    assert covers.nnz > 0
    assert calls == [1]
    matrix_mod._init_worker(None)  # type: ignore[arg-type]  # a spawned worker's start
    assert calls == [1, 1]
    matrix_mod._WORKER_JOB = None


def test_a_matrix_worker_computes_on_one_numba_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each spawned worker of the matrix runs its kernels on one thread: the workers share the cores."""
    import numba

    monkeypatch.setattr(matrix_mod, "keep_freed_pages", lambda: True)
    before = numba.get_num_threads()
    try:
        matrix_mod._init_worker(None)  # type: ignore[arg-type]  # a spawned worker's start
        assert numba.get_num_threads() == 1
    finally:
        numba.set_num_threads(before)
        matrix_mod._WORKER_JOB = None



# a parent that holds ~400 MB starts a child, as a benchmark or a notebook starts a ``dask worker``; the child
# prints getrusage's ru_maxrss and peak_rss_mb (MB)
_PARENT = """
import subprocess, sys
import numpy as np
held = np.ones(50_000_000)  # 400 MB, every page written
child = ("import resource; from towerplan.heap import peak_rss_mb; "
         "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, peak_rss_mb())")
print(subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, check=True).stdout)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/self/status: Linux")
def test_peak_rss_is_the_process_own() -> None:
    out = subprocess.run([sys.executable, "-c", _PARENT], capture_output=True, text=True, check=True)
    inherited, own = (float(v) for v in out.stdout.split())
    assert inherited > 350.0  # Linux carries the parent's size over fork + exec: the probe sees the problem
    assert 5.0 < own < 150.0  # the child itself: an interpreter and towerplan.heap
    assert peak_rss_mb() > 5.0
