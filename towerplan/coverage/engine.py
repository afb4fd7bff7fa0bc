"""Coverage engine: many sectors over a DEM -> best level, best server, overlap, per operator / technology.

Layers (``docs/DESIGN.md``): :mod:`._kernels` loops on arrays; this module
unwraps the DEM Grid and the station table, runs batches of sites and wraps the
merged accumulators into Grids; :mod:`.executors` maps batches over a serial loop,
local processes or a Dask cluster.

How one site is computed
------------------------
1. Sectors sharing location, antenna height, frequency and model form a *site
   group*: their path loss is computed once.
2. The radius is where even the smallest possible loss (free space - 6 dB for ITM
   and free space; Hata with the highest effective antenna) leaves every sector
   below the threshold, capped at ``max_radius_m``.
3. Radials are cast from the site (not from a cell centre) to every rim cell
   (every other rim cell for ITM, ``CoverageConfig.radial_spacing_cells``), with
   octave rings of fewer radials towards the centre (:func:`.plan.radial_layout`);
   along each radial the DEM is sampled bilinearly every ``min(res)`` metres and
   the model evaluated at every sample, sharing work along the radial (ITM:
   :func:`~towerplan.coverage._itm_kernels.p2p_radial`; Hata: prefix sums for the
   effective height).
4. Every cell of the window takes the loss interpolated between its two
   neighbouring radials and two neighbouring samples: no gaps, no blocks
   (``CoverageConfig.cell_loss`` ``refine`` / ``exact``: some or all cells of ITM and
   P.1812 sites are computed point to point instead, :mod:`.cell_loss`).
5. Per sector, the level ``EIRP + level offset - margins + A(phi, theta) - loss``
   uses the exact horizontal and vertical angle from the antenna (ground + height)
   to the receiver (cell ground + ``rx_height_m``) over the effective earth.
6. Levels merge into running accumulators (top-2 by level, ties to the lower
   station index; counts; maxima), never one raster per sector. Steps 5 and 6 (and the
   SINR layer's sums) are one pass over the loss windows of a run of consecutive site
   groups at one site (:mod:`._fused`, :func:`_run_end`); a group with calibrated sectors
   keeps the separate passes (each sector's own loss).

Nodata in the DEM: holes are filled with the nearest valid elevation for the
propagation (a warning tells how many cells), and the outputs are nodata there.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections.abc import Callable, Mapping
from typing import Any

import numba
import numpy as np
import pandas as pd

from towerplan.coverage import _fused as fkern
from towerplan.coverage import _kernels as kern
from towerplan.coverage import sinr as sinr_layer
from towerplan.coverage.antenna import TabulatedPattern
from towerplan.coverage.calibration import has_terms
from towerplan.coverage.clutter import ClutterGrid
from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.executors import Executor, map_batches
from towerplan.coverage.pipeline import pipeline_workers, run_pipelined
from towerplan.coverage.plan import SiteGroup, make_batches, plan_groups, prepare_stations
from towerplan.coverage.result import CoverageResult, wrap_result
from towerplan.coverage.site_radials import site_loss_window
from towerplan.coverage.site_runs import ACC_ORDER, RunWindows, accumulate_windows, run_loss_windows, separate_group
from towerplan.coverage.site_runs import sector_gain_args as sector_gain_args  # re-exported (footprint)
from towerplan.coverage.source_terrain import SourceTerrain
from towerplan.coverage.terminal_clutter import batch_clutter
from towerplan.errors import ConfigError, RasterDataError
from towerplan.grid import Grid
from towerplan.resources import check_memory

__all__ = ["CoverageResult", "kernel_cache_dir", "run_coverage", "warm_up", "site_loss_window"]

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
_PAD = 12  # cells of DEM around each site window, so radial sampling never clamps inside the DEM


# ---------------------------------------------------------------- batch work


def _new_acc(shape: tuple[int, int], n_ops: int, n_techs: int) -> dict[str, np.ndarray]:
    return {
        "best": np.full(shape, -np.inf, dtype=np.float32),
        "best_idx": np.full(shape, -1, dtype=np.int32),
        "second": np.full(shape, -np.inf, dtype=np.float32),
        "second_idx": np.full(shape, -1, dtype=np.int32),
        "count": np.zeros(shape, dtype=np.int32),
        "op_best": np.full((max(n_ops, 1), *shape), -np.inf, dtype=np.float32),
        "tech_best": np.full((max(n_techs, 1), *shape), -np.inf, dtype=np.float32),
        "loss": np.full(shape, np.inf, dtype=np.float32),
    }


_ACC_ORDER = ACC_ORDER


def run_batch(task: dict[str, Any]) -> dict[str, Any]:
    """Compute a batch of site groups into one partial result (a top-level function, so it pickles)."""
    t0 = time.perf_counter()
    if task.get("threads"):
        numba.set_num_threads(min(task["threads"], numba.config.NUMBA_NUM_THREADS))  # type: ignore[attr-defined]
    p_r0, p_r1, p_c0, p_c1 = task["box"]
    # ``acc_into`` (the serial executor): the caller's full-grid accumulators, written in place (the same
    # values as a partial merged into them, without allocating and merging the batch's partial)
    into = task.get("acc_into")
    acc = into if into is not None else _new_acc((p_r1 - p_r0, p_c1 - p_c0), task["n_ops"], task["n_techs"])
    a_r0, a_c0 = (0, 0) if into is not None else (p_r0, p_c0)
    sinr_acc = sinr_layer.new_sinr_acc((p_r1 - p_r0, p_c1 - p_c0), task["sinr"]) if task.get("sinr") else None
    groups = task["groups"]
    fused = [not any(has_terms(s) for s in g.sectors) for g in groups]
    units, i = [], 0  # (first group, end, a run): runs of one site's groups, or one group with calibrated sectors
    while i < len(groups):
        j = _run_end(groups, fused, i) if fused[i] else i + 1
        units.append((i, j, fused[i]))
        i = j

    def compute(unit: tuple[int, int, bool]) -> RunWindows | None:
        i, j, is_run = unit
        return run_loss_windows(task, groups[i:j]) if is_run else None

    def merge(unit: tuple[int, int, bool], windows: RunWindows | None) -> None:
        if windows is not None:  # one pass over the run's loss windows
            accumulate_windows(task, windows, acc, (a_r0, a_c0), sinr_acc)
        else:  # calibrated sectors: separate passes (each sector's loss has its own terms)
            separate_group(task, groups[unit[0]], acc, (a_r0, a_c0), sinr_acc)

    workers = pipeline_workers(bool(task.get("pipeline")), len(units))
    if workers:  # the windows on worker threads, merged in order (:mod:`.pipeline`)
        run_pipelined(units, compute, merge, workers=workers)
    else:
        for unit in units:
            merge(unit, compute(unit))
    out = {"box": task["box"], "acc": None if into is not None else acc, "n_groups": len(task["groups"]),
           "seconds": time.perf_counter() - t0}
    if sinr_acc is not None:
        out["sinr_acc"] = sinr_acc
    return out


def _run_end(groups: list[SiteGroup], fused: list[bool], i: int) -> int:
    """The end of the run of :func:`.site_runs.accumulate_windows` from group ``i``: the next groups, consecutive in the
    batch's order, at the same site (their windows centred on the same point, mostly overlapping), without calibrated
    sectors, at most :data:`~._fused.MAX_RUN` (the run's loss windows are held at once)."""
    j = i + 1
    while (j < len(groups) and j - i < fkern.MAX_RUN and fused[j] and groups[j].x == groups[i].x
           and groups[j].y == groups[i].y):
        j += 1
    return j


# ---------------------------------------------------------------- public API
def coverage_bytes_needed(shape: tuple[int, int], n_ops: int, n_techs: int) -> int:
    """Peak bytes of :func:`run_coverage` on a grid of ``shape`` (estimate for the memory guard).

    Accumulators (top-2 levels and indices, counts, loss, per-operator and per-technology maxima:
    ``24 + 4 (n_ops + n_techs)`` bytes a cell) exist twice (the merged result and a batch's partial);
    the filled DEM is float64 with nearest-fill indices (24 bytes); the output Grids are float32/int32.
    """
    cells = int(shape[0]) * int(shape[1])
    layers = max(n_ops, 1) + max(n_techs, 1)
    acc = 24 + 4 * layers
    return cells * (2 * acc + 24 + 4 * (4 + layers))


def _fill_dem(dem: Grid) -> tuple[np.ndarray, np.ndarray]:
    if not dem.valid_mask().any():
        raise RasterDataError("the DEM has no valid heights (nodata everywhere); "
                              "check its nodata value and the area it covers")
    z, holes = dem.nearest_filled(np.float64)
    if holes.any():
        log.warning("DEM: %d nodata cell(s) filled with the nearest elevation for propagation; outputs are "
                    "nodata there", int(holes.sum()))
    return z, holes


def _tasks(groups: list[SiteGroup], batches: list[list[int]], dem_z: np.ndarray, geo, config, n_ops, n_techs,
           threads, clutter: ClutterGrid | None = None, source: tuple[SourceTerrain, Any] | None = None):
    h, w = dem_z.shape
    for batch in batches:
        gs = [groups[i] for i in batch]
        r0 = min(g.box[0] for g in gs)
        r1 = max(g.box[1] for g in gs)
        c0 = min(g.box[2] for g in gs)
        c1 = max(g.box[3] for g in gs)
        wr0, wr1 = max(r0 - _PAD, 0), min(r1 + _PAD, h)
        wc0, wc1 = max(c0 - _PAD, 0), min(c1 + _PAD, w)
        yield {"dem": np.ascontiguousarray(dem_z[wr0:wr1, wc0:wc1]), "off": (wr0, wc0), "geo": geo,
               "config": config, "box": (r0, r1, c0, c1), "groups": gs, "n_ops": n_ops, "n_techs": n_techs,
               "threads": threads, **batch_clutter(clutter, {g.model for g in gs}, (wr0, wr1, wc0, wc1)),
               **({} if source is None else {"source": source[0].window(source[1], geo, (wr0, wr1, wc0, wc1))})}


def run_coverage(
    dem: Grid,
    stations: pd.DataFrame,
    *,
    config: CoverageConfig | None = None,
    executor: Executor = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    batches: int | None = None,
    clutter: ClutterGrid | None = None,
    patterns: Mapping[str, TabulatedPattern] | None = None,
    source: SourceTerrain | Grid | None = None,
) -> CoverageResult:
    """Compute coverage of every sector in ``stations`` over ``dem``.

    Parameters
    ----------
    dem
        Elevations (m above sea level) on a projected metric lattice (UTM); nodata
        holes are filled for propagation and are nodata in the outputs.
    stations
        One row per sector with the canonical columns ``operator, technology, lon,
        lat`` (EPSG:4326), ``antenna_height_m, azimuth_deg`` (NaN: omni), ``freq_mhz,
        eirp_dbm`` and optionally ``site_id, cell_id, tilt_deg`` (electrical; empty: 4°, 0° for
        omni cells), ``mechanical_tilt_deg, h_beamwidth_deg, v_beamwidth_deg, antenna_pattern``
        (a pattern file's path, or a name in ``patterns``). A plain DataFrame
        is enough; lon/lat are projected to the DEM's CRS here. Stations outside the
        DEM are left out (listed in ``result.skipped``, with a warning).
    config
        :class:`CoverageConfig` (defaults if None).
    executor, workers, scheduler
        ``"serial"`` (batches one after another in this process; numba's threads share
        each site's radials), ``"processes"`` (``workers`` local processes, spawned) or
        ``"dask"`` (a ``LocalCluster`` of ``workers`` processes, or the scheduler at
        ``scheduler``); workers run one numba thread each. All give bit-identical
        rasters. Process-based executors re-import the calling script: guard it with
        ``if __name__ == "__main__":``.
    progress
        Called as ``progress(done_sites, total_sites)`` after each batch.
    batches
        Number of batches (default: one per 64 sites, and at least 8 per worker for the parallel
        executors; at most one per site). Batches are spatially compact (Morton order).
    clutter
        Land cover on the DEM's grid (:class:`~towerplan.coverage.clutter.ClutterGrid`:
        representative clutter height R and SG3 clutter code per cell), used by
        P.1812. None: every cell open/rural with R = 0 m (bare terrain), with a
        warning when a P.1812 site is computed. With P.2108 types (``clutter.p2108_type``)
        ITM and free-space sites add the ITU-R P.2108 §3.1 terminal clutter loss per cell
        (:mod:`~towerplan.coverage.terminal_clutter`).
    patterns
        Antenna pattern files already read, by the name in the ``antenna_pattern`` column
        (names not given here are read as paths).
    source
        The DEM the study grid was resampled from, in its own CRS and lattice (a geographic SRTM
        tile; :func:`~towerplan.coverage.source_terrain.read_source_terrain`). Read when
        ``config.profile_source == "source"`` (required then): every radial's and point-to-point
        cell's profile is sampled from it (:mod:`.source_terrain`); ignored with ``"study"``.

    Raises
    ------
    RasterDataError
        DEM in degrees, all nodata or larger than ``config.max_cells``.
    StationDataError
        No stations, missing columns, bad values, no station inside the DEM.
    """
    config = config or CoverageConfig()
    t0 = time.perf_counter()
    dem.require_metric()
    if dem.width * dem.height > config.max_cells:
        raise RasterDataError(
            f"the DEM has {dem.width * dem.height:,} cells, more than max_cells = {config.max_cells:,} "
            "(~50 bytes each for the accumulators); clip it or use a coarser resolution")
    sectors = prepare_stations(stations, dem, config, patterns=patterns)
    check_memory(coverage_bytes_needed(dem.shape, len(sectors.operators), len(sectors.technologies)),
                 what=f"coverage on {dem.width:,} x {dem.height:,} cells",
                 how_to_reduce="use a coarser --resolution-m, a smaller DEM area, or fewer operators/technologies")
    carriers = sinr_layer.plan_carriers(sectors.table, stations, config) if config.sinr else None
    if carriers is not None:
        check_memory(coverage_bytes_needed(dem.shape, len(sectors.operators), len(sectors.technologies))
                     + sinr_layer.sinr_bytes_needed(dem.shape, carriers),
                     what=f"coverage with SINR on {dem.width:,} x {dem.height:,} cells",
                     how_to_reduce="use a coarser --resolution-m, a smaller DEM area, or fewer operators")
    dem_z, holes = _fill_dem(dem)
    src = None
    if config.profile_source == "source":
        if source is None:
            raise ConfigError("profile_source = 'source' needs the source DEM (run_coverage(source=...); "
                              "`towerplan coverage --profile-source source` reads it from --dem)")
        src = (source if isinstance(source, SourceTerrain) else SourceTerrain.from_grid(source), dem.crs)
    groups = plan_groups(sectors, dem, dem_z, config)
    if clutter is not None and clutter.shape != dem.shape:
        raise RasterDataError(f"the clutter grid {clutter.shape} is not on the DEM's grid {dem.shape}; "
                              "resample the land cover onto the DEM first")
    if clutter is None and any(g.model == "p1812" for g in groups):
        log.warning("P.1812 without land cover: every cell is taken as open/rural with no clutter (R = 0 m), "
                    "so towns and forest add no loss; give a land-cover raster for clutter")
    n_workers = max(1, workers or (2 if executor != "serial" else 1))
    n_batches = batches or max(math.ceil(len(groups) / 64), 1 if executor == "serial" else 8 * n_workers)
    batch_list = make_batches(groups, n_batches)
    left, _, _, top = dem.bounds
    geo = (left, top, dem.res[0], dem.res[1])
    n_ops, n_techs = len(sectors.operators), len(sectors.technologies)
    full = _new_acc(dem.shape, n_ops, n_techs)
    full_sinr = sinr_layer.new_sinr_acc(dem.shape, carriers) if carriers is not None else None
    t1 = time.perf_counter()
    done = 0

    def merge(part: dict[str, Any]) -> None:
        nonlocal done
        r0, r1, c0, c1 = part["box"]
        a = part["acc"]
        if a is None:  # written into ``full`` by the batch (serial executor)
            if full_sinr is not None:
                sinr_layer.merge_sinr(full_sinr, part["sinr_acc"], (r0, c0))
        elif done == 0 and (r0, r1, c0, c1) == (0, dem.height, 0, dem.width):
            full.update(a)  # the first partial covers the whole grid: merging into empty is a copy
            if full_sinr is not None:
                full_sinr.update(part["sinr_acc"])
        else:
            kern.merge_partial(r0, c0, *(full[k] for k in _ACC_ORDER), *(a[k] for k in _ACC_ORDER))
            if full_sinr is not None:
                sinr_layer.merge_sinr(full_sinr, part["sinr_acc"], (r0, c0))
        done += part["n_groups"]
        if progress is not None:
            progress(done, len(groups))

    # serial: numba's threads share each site's radials; parallel executors: one thread per worker
    threads = None if executor == "serial" else 1
    tasks = _tasks(groups, batch_list, dem_z, geo, config, n_ops, n_techs, threads, clutter, src)
    if carriers is not None:
        tasks = ({**t, "sinr": carriers} for t in tasks)
    if executor == "serial":  # the batches write into ``full`` (no partial to allocate and merge), pipelined
        tasks = ({**t, "acc_into": full, "pipeline": True} for t in tasks)
    map_batches(run_batch, tasks, executor=executor, workers=n_workers, scheduler=scheduler, on_result=merge,
                n_tasks=len(batch_list))
    t2 = time.perf_counter()
    result = wrap_result(dem, full, holes, sectors, config, len(groups))
    if carriers is not None and full_sinr is not None:
        result = dataclasses.replace(result, sinr=sinr_layer.finish_sinr(dem, full_sinr, holes, carriers, config))
    t3 = time.perf_counter()
    result.timings.update(prepare=t1 - t0, compute=t2 - t1, finish=t3 - t2, total=t3 - t0)
    log.info("coverage: %d sectors at %d sites on %s in %.2f s", int(sectors.table["usable"].sum()), len(groups),
             dem.shape, t3 - t0)
    return result


def kernel_cache_dir() -> str:
    """Where numba keeps the engine's compiled kernels: the package's ``__pycache__`` folder, numba's user-wide
    cache when the package folder is not writable, or ``NUMBA_CACHE_DIR`` when set."""
    from towerplan.coverage import _kernels

    return str(getattr(getattr(_kernels.fill_window, "_cache", None), "_cache_path", "numba's cache"))


def warm_up(*, matrix: bool = True) -> None:
    """Compile (or load from numba's cache) the kernels with the argument types real runs pass them
    (:func:`towerplan.coverage._warm_up.warm_up`; ``matrix``: the candidate matrix's too)."""
    from towerplan.coverage._warm_up import warm_up as _warm_up

    _warm_up(matrix=matrix)
