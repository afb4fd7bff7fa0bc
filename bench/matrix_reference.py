"""The reference path of the placement's coverage matrix: one full ``run_coverage`` per candidate on the DEM.

:func:`towerplan.planning.matrix.coverage_matrix` must give the same rows, several times
faster; ``tests/test_placement_matrix.py`` checks it and ``bench_matrix.py`` times both.
Not part of the library (only tests and benchmarks use it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from towerplan.coverage.clutter import ClutterGrid
from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.engine import run_coverage
from towerplan.coverage.service import served
from towerplan.grid import Grid
from towerplan.planning.matrix import CandidateRadio, candidate_sectors

__all__ = ["coverage_matrix_per_candidate"]


def coverage_matrix_per_candidate(
    dem: Grid,
    candidates: pd.DataFrame,
    demand: np.ndarray,
    *,
    radio: CandidateRadio | None = None,
    config: CoverageConfig | None = None,
    clutter: ClutterGrid | None = None,
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Candidates x demand cells, True where one ``run_coverage`` of the candidate's sectors on ``dem``
    (with ``clutter``, as ``coverage_matrix``) serves the cell; the columns follow ``np.flatnonzero(demand)``."""
    config = config or CoverageConfig()
    radio = radio or CandidateRadio()
    demand = np.asarray(demand, dtype=bool)
    cells = np.flatnonzero(demand.ravel())
    column = np.full(dem.height * dem.width, -1, dtype=np.int64)
    column[cells] = np.arange(cells.size)
    indptr = [0]
    indices: list[np.ndarray] = []
    n = len(candidates)
    for _, cand in candidates.iterrows():
        result = run_coverage(dem, candidate_sectors(cand, radio), config=config, clutter=clutter)
        rr, cc = np.nonzero(served(result.best_level, config.threshold_dbm))
        flat = rr * dem.width + cc
        cols = column[flat]
        cols = np.sort(cols[cols >= 0])
        indices.append(cols)
        indptr.append(indptr[-1] + cols.size)
    idx = np.concatenate(indices) if indices else np.zeros(0, dtype=np.int64)
    return sp.csr_matrix((np.ones(idx.size, dtype=bool), idx, np.asarray(indptr)), shape=(n, cells.size)), cells
