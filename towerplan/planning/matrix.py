"""Coverage matrix: which demand cells each candidate site would cover, computed with the engine.

For every candidate, a hypothetical site (by default three 65° 4G sectors at
0/120/240°, on the candidate's mast) is run through
:func:`towerplan.coverage.engine.run_coverage` on a DEM window around it, with the
same models, antenna patterns, link budget and threshold as the existing
network, and the cells it reaches at or above the threshold are stored sparsely.
Every operator it would host gets the same radio unless the caller passes
per-operator radios, so one row per candidate serves all tenants.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from affine import Affine
from pyproj import Transformer

from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.engine import run_coverage
from towerplan.errors import InputError
from towerplan.grid import Grid

__all__ = ["CandidateRadio", "candidate_sectors", "coverage_matrix"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CandidateRadio:
    """The radio a new tenant would install on a candidate (defaults: a 3-sector 4G B3 site).

    ``omni=True`` puts one omnidirectional antenna instead of the sectors.
    """

    technology: str = "4G"
    freq_mhz: float = 1842.5
    eirp_dbm: float = 59.0
    azimuths_deg: tuple[float, ...] = (0.0, 120.0, 240.0)
    h_beamwidth_deg: float = 65.0
    v_beamwidth_deg: float = 7.0
    tilt_deg: float = 2.0
    omni: bool = False

    def __post_init__(self) -> None:
        if self.technology not in ("2G", "3G", "4G", "5G"):
            raise InputError(f"unknown technology {self.technology!r}")
        if not (400.0 <= self.freq_mhz <= 6000.0):
            raise InputError(f"freq_mhz must be within 400-6000 MHz, got {self.freq_mhz}")
        if not self.azimuths_deg:
            raise InputError("a candidate radio needs at least one sector azimuth")


def candidate_sectors(candidate: pd.Series, radio: CandidateRadio, *, operator: str = "candidate") -> pd.DataFrame:
    """Canonical station rows (one per sector) for a candidate's hypothetical site."""
    rows = []
    azimuths = (float("nan"),) if radio.omni else radio.azimuths_deg
    for k, az in enumerate(azimuths):
        rows.append({
            "site_id": str(candidate["candidate_id"]), "cell_id": f"{candidate['candidate_id']}-{k + 1}",
            "operator": operator, "technology": radio.technology, "lon": float(candidate["lon"]),
            "lat": float(candidate["lat"]), "antenna_height_m": float(candidate["mast_height_m"]),
            "azimuth_deg": float(az), "tilt_deg": radio.tilt_deg, "h_beamwidth_deg": radio.h_beamwidth_deg,
            "v_beamwidth_deg": radio.v_beamwidth_deg, "freq_mhz": radio.freq_mhz, "eirp_dbm": radio.eirp_dbm,
        })
    return pd.DataFrame(rows)


def _window(dem: Grid, x: float, y: float, radius_m: float) -> tuple[Grid, int, int]:
    r, c = dem.rowcol(x, y)
    n = math.ceil(radius_m / min(dem.res)) + 2
    r0, r1 = max(int(r) - n, 0), min(int(r) + n + 1, dem.height)
    c0, c1 = max(int(c) - n, 0), min(int(c) + n + 1, dem.width)
    t = dem.transform @ Affine.translation(c0, r0)
    return Grid(dem.values[r0:r1, c0:c1], t, dem.crs, dem.nodata), r0, c0


def coverage_matrix(
    dem: Grid,
    candidates: pd.DataFrame,
    demand: np.ndarray,
    *,
    radio: CandidateRadio = CandidateRadio(),
    config: CoverageConfig | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Sparse candidates x demand-cells matrix: True where a candidate's site reaches the threshold.

    Parameters
    ----------
    dem
        Terrain (projected, metres).
    candidates
        Table with ``candidate_id``, ``lon``, ``lat``, ``mast_height_m``
        (:mod:`towerplan.planning.candidates`).
    demand
        Boolean mask on ``dem``'s lattice of the cells that count (e.g. populated and
        uncovered); columns of the result follow ``np.flatnonzero(demand)``.
    radio
        The site a tenant would install.
    config
        Coverage settings (model, threshold, margins, radius) shared with the network's run.

    Returns
    -------
    (covers, cells)
        ``covers``: CSR bool matrix (n_candidates x n_demand); ``cells``: flat indices of
        the demand cells in ``dem`` (the column order).
    """
    config = config or CoverageConfig()
    demand = np.asarray(demand, dtype=bool)
    if demand.shape != dem.shape:
        raise InputError(f"the demand mask has shape {demand.shape}, the DEM {dem.shape}")
    cells = np.flatnonzero(demand.ravel())
    column = np.full(dem.height * dem.width, -1, dtype=np.int64)
    column[cells] = np.arange(cells.size)
    to_xy = Transformer.from_crs(4326, dem.crs, always_xy=True)
    indptr = [0]
    indices: list[np.ndarray] = []
    n = len(candidates)
    for k, (_, cand) in enumerate(candidates.iterrows()):
        x, y = to_xy.transform(float(cand["lon"]), float(cand["lat"]))
        win, r0, c0 = _window(dem, x, y, config.max_radius_m)
        result = run_coverage(win, candidate_sectors(cand, radio), config=config)
        rr, cc = np.nonzero(np.isfinite(result.best_level.values))
        flat = (rr + r0) * dem.width + (cc + c0)
        cols = column[flat]
        cols = np.sort(cols[cols >= 0])
        indices.append(cols)
        indptr.append(indptr[-1] + cols.size)
        if progress is not None:
            progress(k + 1, n)
    idx = np.concatenate(indices) if indices else np.zeros(0, dtype=np.int64)
    covers = sp.csr_matrix((np.ones(idx.size, dtype=bool), idx, np.asarray(indptr)), shape=(n, cells.size))
    log.info("coverage matrix: %d candidates x %d demand cells, %d entries", n, cells.size, covers.nnz)
    return covers, cells
