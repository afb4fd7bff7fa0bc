"""Coverage matrix: which demand cells each candidate site would cover, computed with the engine.

For every candidate, a hypothetical site (by default three 65° 4G sectors at
0/120/240°, on the candidate's mast) is run through
:func:`towerplan.coverage.engine.run_coverage` on a DEM window around it, with the
same models, antenna patterns, link budget and threshold as the existing
network, and the cells it reaches at or above the threshold are stored sparsely.
Every operator it would host gets the same radio unless the caller passes
per-operator radios, so one row per candidate serves all tenants.

The stations of all candidates, the DEM and the demand cells (indexed once,
:class:`towerplan.coverage.footprint.DemandCells`) are prepared once and each candidate runs the
engine's per-site API (:func:`towerplan.coverage.footprint.demand_footprint`), skipping
the per-call set-up and result rasters of ``run_coverage``: the rows are identical
to one ``run_coverage`` call per candidate on the whole DEM (the reference in
``bench/matrix_reference.py``, checked by ``tests/test_placement_matrix.py``) and
come many times faster (``bench/README.md``).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numba
import numpy as np
import pandas as pd
import scipy.sparse as sp

from towerplan.coverage.clutter import ClutterGrid
from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.footprint import DemandCells, FootprintTerrain, demand_footprint, footprint_terrain
from towerplan.coverage.plan import prepare_stations, sector_records, site_group
from towerplan.errors import InputError, StationDataError
from towerplan.grid import Grid
from towerplan.heap import keep_freed_pages
from towerplan.stations.schema import StationDefaults

__all__ = ["PARALLEL_MIN_CANDIDATES", "CandidateRadio", "candidate_sectors", "candidate_table", "coverage_matrix",
           "matrix_workers", "radio_height_m"]

log = logging.getLogger(__name__)

#: the station lists' defaults (one table, :class:`towerplan.stations.schema.StationDefaults`)
_STATION_DEFAULTS = StationDefaults()


@dataclass(frozen=True)
class CandidateRadio:
    """The radio a new tenant would install on a candidate (defaults: a 3-sector 4G B3 site).

    ``omni=True`` puts one omnidirectional antenna instead of the sectors.
    ``calibration_offset_db`` / ``calibration_slope_db``: the drive-test correction of the
    new sectors (``offset + slope log10(d / 1 km)`` added to the level, the distance held within
    ``calibration_min_distance_m`` - ``calibration_max_distance_m`` when given, as for calibrated
    stations: :mod:`towerplan.coverage.calibration`;
    :func:`towerplan.planning.candidate_calibration.calibrated_radio` derives them from the
    calibrated station list).
    """

    technology: str = "4G"
    freq_mhz: float = 1842.5
    eirp_dbm: float = 59.0
    azimuths_deg: tuple[float, ...] = (0.0, 120.0, 240.0)
    h_beamwidth_deg: float = _STATION_DEFAULTS.h_beamwidth_deg
    v_beamwidth_deg: float = _STATION_DEFAULTS.v_beamwidth_deg
    tilt_deg: float = 2.0
    omni: bool = False
    calibration_offset_db: float = 0.0
    calibration_slope_db: float = 0.0
    calibration_min_distance_m: float | None = None
    calibration_max_distance_m: float | None = None

    def __post_init__(self) -> None:
        lo, hi = self.calibration_min_distance_m, self.calibration_max_distance_m
        for v in (lo, hi):
            if v is not None and not (isinstance(v, int | float) and np.isfinite(v) and v > 0):
                raise InputError(f"calibration distance range {lo}-{hi} m is not a range of positive distances")
        if lo is not None and hi is not None and lo > hi:
            raise InputError(f"calibration distance range {lo}-{hi} m is not a range of positive distances")
        for name in ("calibration_offset_db", "calibration_slope_db"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and np.isfinite(v) and abs(v) <= 100.0):
                raise InputError(f"{name} must be within +-100 dB, got {v!r}")
        if self.technology not in ("2G", "3G", "4G", "5G"):
            raise InputError(f"unknown technology {self.technology!r}")
        if not (400.0 <= self.freq_mhz <= 6000.0):
            raise InputError(f"freq_mhz must be within 400-6000 MHz, got {self.freq_mhz}")
        if not self.azimuths_deg:
            raise InputError("a candidate radio needs at least one sector azimuth")


def radio_height_m(candidates: pd.DataFrame) -> np.ndarray:
    """The height a new radio gets on each candidate: ``tenant_height_m`` on an existing tower (below the
    antennas already there), else the mast's height."""
    mast = candidates["mast_height_m"].to_numpy(dtype=float)
    if "tenant_height_m" not in candidates.columns:
        return mast
    tenant = pd.to_numeric(candidates["tenant_height_m"], errors="coerce").to_numpy(dtype=float)
    return np.where(np.isfinite(tenant), tenant, mast)


def candidate_sectors(candidate: pd.Series, radio: CandidateRadio, *, operator: str = "candidate") -> pd.DataFrame:
    """Canonical station rows (one per sector) for a candidate's hypothetical site."""
    rows = []
    azimuths = (float("nan"),) if radio.omni else radio.azimuths_deg
    for k, az in enumerate(azimuths):
        rows.append({
            "site_id": str(candidate["candidate_id"]), "cell_id": f"{candidate['candidate_id']}-{k + 1}",
            "operator": operator, "technology": radio.technology, "lon": float(candidate["lon"]),
            "lat": float(candidate["lat"]),
            "antenna_height_m": float(radio_height_m(pd.DataFrame([candidate]))[0]),
            "azimuth_deg": float(az), "tilt_deg": radio.tilt_deg, "h_beamwidth_deg": radio.h_beamwidth_deg,
            "v_beamwidth_deg": radio.v_beamwidth_deg, "freq_mhz": radio.freq_mhz, "eirp_dbm": radio.eirp_dbm,
            "calibration_offset_db": radio.calibration_offset_db, "calibration_slope_db": radio.calibration_slope_db,
            **_range_columns(radio),
        })
    return pd.DataFrame(rows)


def candidate_table(candidates: pd.DataFrame, radio: CandidateRadio, *, operator: str = "candidate") -> pd.DataFrame:
    """Station rows (one per sector) for every candidate at once, in candidate order.

    Row ``k * n_sectors + s`` is sector ``s`` of candidate ``k``; the values are those of
    :func:`candidate_sectors` (the coverage engine reads only the canonical columns).
    """
    azimuths = np.array([np.nan] if radio.omni else radio.azimuths_deg, dtype=float)
    n, m = len(candidates), azimuths.size
    ids = candidates["candidate_id"].astype(str).to_numpy()
    return pd.DataFrame({
        "site_id": np.repeat(ids, m), "cell_id": [f"{i}-{k + 1}" for i in ids for k in range(m)],
        "operator": operator, "technology": radio.technology,
        "lon": np.repeat(candidates["lon"].to_numpy(dtype=float), m),
        "lat": np.repeat(candidates["lat"].to_numpy(dtype=float), m),
        "antenna_height_m": np.repeat(radio_height_m(candidates), m),
        "azimuth_deg": np.tile(azimuths, n), "tilt_deg": radio.tilt_deg, "h_beamwidth_deg": radio.h_beamwidth_deg,
        "v_beamwidth_deg": radio.v_beamwidth_deg, "freq_mhz": radio.freq_mhz, "eirp_dbm": radio.eirp_dbm,
        "calibration_offset_db": radio.calibration_offset_db, "calibration_slope_db": radio.calibration_slope_db,
        **_range_columns(radio),
    })


def _range_columns(radio: CandidateRadio) -> dict[str, float]:
    """The radio's calibration distance range as station columns (NaN: none, the slope unclamped)."""
    return {name: float("nan") if v is None else float(v)
            for name, v in (("calibration_min_distance_m", radio.calibration_min_distance_m),
                            ("calibration_max_distance_m", radio.calibration_max_distance_m))}


def coverage_matrix(
    dem: Grid,
    candidates: pd.DataFrame,
    demand: np.ndarray,
    *,
    radio: CandidateRadio = CandidateRadio(),
    config: CoverageConfig | None = None,
    progress: Callable[[int, int], None] | None = None,
    min_level_dbm: np.ndarray | None = None,
    clutter: ClutterGrid | None = None,
    workers: int | None = None,
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Sparse candidates x demand-cells matrix: True where a candidate's site reaches the threshold.

    Each candidate's row is what ``run_coverage`` gives for its sectors alone on ``dem``
    (cells where any sector's level is at or above the threshold), so a proposal covers in
    the plan's coverage run exactly the cells its row promised. The stations and the DEM
    are prepared once for all candidates and each candidate runs the engine's batch
    function directly, skipping the per-call set-up and the full-grid result rasters: the
    rows are identical to one ``run_coverage`` call per candidate
    (``tests/test_placement_matrix.py``), many times faster.

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
    progress
        Called as ``progress(done, total)`` after each candidate.
    min_level_dbm
        Optional level (dBm) a candidate must reach at each cell on ``dem``'s lattice, on top of
        the threshold (the speed objective's per-cell requirement,
        :mod:`towerplan.planning.speed_objective`); NaN or +inf: never reached.
    clutter
        Land cover on ``dem``'s grid (as given to the network's ``run_coverage``), so that the
        candidates see the same clutter as the existing sectors.
    workers
        Local processes that share the candidates (:func:`matrix_workers`; None: both cores of a
        two-core machine when there are at least ``PARALLEL_MIN_CANDIDATES`` candidates, else
        one). The rows do not depend on it: each candidate's row is computed alone, on one
        numba thread, and the rows come back in the candidates' order. The workers are spawned, as
        for the engine's ``executor="processes"``: a script that builds a matrix of that many
        candidates must guard its entry point with ``if __name__ == "__main__":``. The process that
        computes the rows (this one with one worker) keeps the large blocks it frees in its C heap for the
        next candidate (:func:`towerplan.heap.keep_freed_pages`: glibc's thresholds, set for the process's
        lifetime; no value changes).

    Returns
    -------
    (covers, cells)
        ``covers``: CSR bool matrix (n_candidates x n_demand); ``cells``: flat indices of
        the demand cells in ``dem`` (the column order).

    Raises
    ------
    InputError
        The demand mask is not on the DEM's lattice.
    StationDataError
        A candidate lies outside the DEM, or its values are invalid.
    """
    config = config or CoverageConfig()
    demand = np.asarray(demand, dtype=bool)
    if demand.shape != dem.shape:
        raise InputError(f"the demand mask has shape {demand.shape}, the DEM {dem.shape}")
    need_flat = None
    if min_level_dbm is not None:
        if np.shape(min_level_dbm) != dem.shape:
            raise InputError(f"min_level_dbm has shape {np.shape(min_level_dbm)}, the DEM {dem.shape}")
        need_flat = np.nan_to_num(np.asarray(min_level_dbm, dtype=float), nan=np.inf).ravel()
    dem.require_metric()
    cells = np.flatnonzero(demand.ravel())
    column = np.full(dem.height * dem.width, -1, dtype=np.int64)
    column[cells] = np.arange(cells.size)
    n = len(candidates)
    if n == 0:
        return sp.csr_matrix((0, cells.size), dtype=bool), cells
    sectors = prepare_stations(candidate_table(candidates, radio), dem, config)
    if len(sectors.skipped):
        bad = sorted({int(i) // (1 if radio.omni else len(radio.azimuths_deg)) for i in sectors.skipped.index})
        raise StationDataError(f"{len(bad)} candidate(s) lie outside the DEM (rows {bad[:10]})")
    table = sectors.table
    m = len(table) // n
    terrain = footprint_terrain(dem, clutter=clutter)
    # every sector of a candidate shares its place, height, frequency and model: one site group, planned
    # from the table's columns converted once (the grouping of plan_groups, without pandas per candidate)
    records = sector_records(table)
    keys = list(zip(*(table[c].to_numpy() for c in ("x", "y", "antenna_height_m", "freq_mhz", "model")),
                    strict=True))
    # the demand cells indexed once: each candidate looks up those around it instead of scanning the mask
    job = _MatrixJob(terrain, records, keys, table["lat"].to_numpy(dtype=float), sectors.patterns, config,
                     DemandCells(demand), column, need_flat, m, len(sectors.operators), len(sectors.technologies))
    n_workers = matrix_workers(n, workers)
    if n_workers <= 1:
        # each candidate's sweep frees tables of a few MB that the next one allocates again: kept in the heap
        # (glibc), they are not faulted in again, zero-filled, for every candidate (:mod:`towerplan.heap`)
        keep_freed_pages()
    indices: list[np.ndarray] = []
    threads = numba.get_num_threads()
    try:
        if n_workers <= 1:
            for k in range(n):
                indices.append(job.row(k))
                if progress is not None:
                    progress(k + 1, n)
        else:
            indices = _rows_on_processes(job, n, n_workers, progress)
    finally:
        numba.set_num_threads(threads)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum([c.size for c in indices], out=indptr[1:])
    idx = np.concatenate(indices)
    covers = sp.csr_matrix((np.ones(idx.size, dtype=bool), idx, indptr), shape=(n, cells.size))
    log.info("coverage matrix: %d candidates x %d demand cells, %d entries", n, cells.size, covers.nnz)
    return covers, cells


#: candidates below which :func:`coverage_matrix` stays in its own process by default: starting a worker
#: (imports, the numba kernels from their cache, the terrain sent once) costs a few seconds, about as
#: much as ~100 P.1812 candidates, so two workers gain only from several hundred (``bench/README.md``)
PARALLEL_MIN_CANDIDATES = 512
#: candidates per task sent to a worker (rows come back in order; small enough to balance two workers)
_CHUNK = 16


def matrix_workers(n_candidates: int, workers: int | None = None) -> int:
    """The processes :func:`coverage_matrix` uses for ``n_candidates``: ``workers`` when given (at least
    one), else the machine's cores up to two when there are at least :data:`PARALLEL_MIN_CANDIDATES`
    candidates, else one."""
    if workers is not None:
        if workers < 1:
            raise InputError(f"workers must be at least 1, got {workers}")
        return min(workers, max(n_candidates, 1))
    if n_candidates < PARALLEL_MIN_CANDIDATES:
        return 1
    return max(1, min(2, os.cpu_count() or 1))


@dataclass(frozen=True, eq=False)
class _MatrixJob:
    """Everything a candidate's row needs, prepared once (sent once to each worker process)."""

    terrain: FootprintTerrain
    records: np.ndarray
    keys: list[tuple]
    lats: np.ndarray
    patterns: np.ndarray
    config: CoverageConfig
    demand: DemandCells
    column: np.ndarray
    need_flat: np.ndarray | None
    m: int
    n_ops: int
    n_techs: int

    def row(self, k: int) -> np.ndarray:
        """Candidate ``k``'s row: the sorted columns of the demand cells its site serves."""
        m = self.m
        group = site_group(self.records[k * m: (k + 1) * m], self.keys[k * m], float(self.lats[k * m]),
                           self.patterns, self.terrain.dem, self.terrain.filled, self.config,
                           block_min=self.terrain.block_min)
        flat, level = demand_footprint(self.terrain, [group], self.config, n_ops=self.n_ops, n_techs=self.n_techs,
                                       cells=self.demand)
        keep = self.column[flat] >= 0
        if self.need_flat is not None:
            keep &= level >= self.need_flat[flat]
        return np.sort(self.column[flat[keep]])


_WORKER_JOB: _MatrixJob | None = None


def _init_worker(job: _MatrixJob) -> None:
    """A spawned worker's start: the job once, one numba thread (the workers already share the cores: two
    workers of two threads each on two cores made the matrix 2.2x slower, ``bench/README.md``, round w19), and
    the freed blocks kept in the heap (as :func:`coverage_matrix` in its own process)."""
    global _WORKER_JOB
    _WORKER_JOB = job
    numba.set_num_threads(1)
    keep_freed_pages()


def _rows_of(span: tuple[int, int]) -> list[np.ndarray]:
    assert _WORKER_JOB is not None
    return [_WORKER_JOB.row(k) for k in range(*span)]


def _rows_on_processes(job: _MatrixJob, n: int, workers: int,
                       progress: Callable[[int, int], None] | None) -> list[np.ndarray]:
    """Every candidate's row, computed on ``workers`` spawned processes in spans of :data:`_CHUNK`."""
    spans = [(k, min(k + _CHUNK, n)) for k in range(0, n, _CHUNK)]
    rows: list[np.ndarray] = []
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                             initargs=(job,)) as pool:
        for part in pool.map(_rows_of, spans):  # in the spans' order
            rows.extend(part)
            if progress is not None:
                progress(len(rows), n)
    return rows
