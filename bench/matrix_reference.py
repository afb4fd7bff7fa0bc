"""The reference path of the placement's coverage matrix: one full ``run_coverage`` per candidate.

:func:`towerplan.planning.matrix.coverage_matrix` must give the same rows, several times
faster; ``tests/test_placement_matrix.py`` checks it and ``bench_matrix.py`` times both.
Not part of the library (only tests and benchmarks use it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from pyproj import Transformer

from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.engine import run_coverage
from towerplan.coverage.footprint import dem_window
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
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Candidates x demand cells, True where one ``run_coverage`` of the candidate's sectors on its DEM
    window serves the cell; the columns follow ``np.flatnonzero(demand)``."""
    config = config or CoverageConfig()
    radio = radio or CandidateRadio()
    demand = np.asarray(demand, dtype=bool)
    cells = np.flatnonzero(demand.ravel())
    column = np.full(dem.height * dem.width, -1, dtype=np.int64)
    column[cells] = np.arange(cells.size)
    to_xy = Transformer.from_crs(4326, dem.crs, always_xy=True)
    indptr = [0]
    indices: list[np.ndarray] = []
    n = len(candidates)
    for _, cand in candidates.iterrows():
        x, y = to_xy.transform(float(cand["lon"]), float(cand["lat"]))
        win, r0, c0 = dem_window(dem, x, y, config.max_radius_m)
        result = run_coverage(win, candidate_sectors(cand, radio), config=config)
        rr, cc = np.nonzero(served(result.best_level, config.threshold_dbm))
        flat = (rr + r0) * dem.width + (cc + c0)
        cols = column[flat]
        cols = np.sort(cols[cols >= 0])
        indices.append(cols)
        indptr.append(indptr[-1] + cols.size)
    idx = np.concatenate(indices) if indices else np.zeros(0, dtype=np.int64)
    return sp.csr_matrix((np.ones(idx.size, dtype=bool), idx, np.asarray(indptr)), shape=(n, cells.size)), cells
