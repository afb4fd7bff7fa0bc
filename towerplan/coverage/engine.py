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
from towerplan.coverage.calibration import has_terms, sector_terms_db
from towerplan.coverage.clutter import ClutterGrid
from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.executors import Executor, map_batches
from towerplan.coverage.plan import SiteGroup, make_batches, plan_groups, prepare_stations
from towerplan.coverage.result import CoverageResult, wrap_result
from towerplan.coverage.site_radials import site_loss, site_loss_window
from towerplan.coverage.source_terrain import SourceTerrain
from towerplan.coverage.terminal_clutter import add_terminal_clutter_loss, batch_clutter
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


_ACC_ORDER = ("best", "best_idx", "second", "second_idx", "count", "op_best", "tech_best", "loss")


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
    i = 0
    while i < len(groups):
        if not fused[i]:  # calibrated sectors: separate passes (each sector's loss has its own terms)
            _separate_group(task, groups[i], acc, (a_r0, a_c0), sinr_acc)
            i += 1
            continue
        j = _run_end(groups, fused, i)
        _fused_run(task, groups[i:j], acc, (a_r0, a_c0), sinr_acc)  # one pass over the run's loss windows
        i = j
    out = {"box": task["box"], "acc": None if into is not None else acc, "n_groups": len(task["groups"]),
           "seconds": time.perf_counter() - t0}
    if sinr_acc is not None:
        out["sinr_acc"] = sinr_acc
    return out


def _separate_group(task: dict[str, Any], group: SiteGroup, acc: dict[str, np.ndarray], origin: tuple[int, int],
                    sinr_acc: dict[str, np.ndarray] | None) -> None:
    """A site group with calibrated sectors in :func:`run_batch`: ``min_into``, ``site_geometry`` and per sector
    ``accumulate_sector`` (and the SINR layer's ``accumulate_one``), each sector on its own corrected loss."""
    dem, off, config = task["dem"], task["off"], task["config"]
    left, top, res_x, res_y = geo = task["geo"]
    a_r0, a_c0 = origin
    p_r0, p_c0 = task["box"][0], task["box"][2]
    ae = config.k_factor * 6_371_000.0
    fb, sla = config.front_to_back_db, config.side_lobe_db
    r_lo, r_hi, c_lo, c_hi, loss = _group_window(task, group)
    if loss.size == 0:
        return
    kern.min_into(acc["loss"], r_lo - a_r0, c_lo - a_c0, loss)
    ground = dem[r_lo - off[0]: r_hi - off[0], c_lo - off[1]: c_hi - off[1]]  # a view: the kernel reads it
    z_tx = _z_tx(task, group)
    theta = np.empty(loss.shape)
    bearing = np.zeros(loss.shape)  # 0 where the loss is NaN (the calibration's bearing terms read it)
    kern.site_geometry(loss, ground, r_lo, c_lo, group.x, group.y, left, top, res_x, res_y, z_tx,
                       config.rx_height_m, ae, theta, bearing)
    no_table = np.zeros((2, 360))
    calibrated = [has_terms(s) for s in group.sectors]
    log_km = _log10_km(loss.shape, (r_lo, c_lo), group, geo)
    for s, with_terms in zip(group.sectors, calibrated, strict=True):
        sector_loss = loss
        if with_terms:
            # calibration: its clamped slopes and bearing terms as a loss correction (the offset is in base_dbm)
            sector_loss = (loss - sector_terms_db(s, log_km, bearing)).astype(np.float32)
        gain_args = sector_gain_args(s, group.patterns, fb, sla, no_table)
        kern.accumulate_sector(  # type: ignore[call-arg]  # numba stub rejects *args
            sector_loss, theta, bearing, r_lo, c_lo, a_r0, a_c0, *gain_args, float(s["base_dbm"]),
            config.threshold_dbm, int(s["station_index"]), int(s["op_code"]), int(s["tech_code"]),
            acc["best"], acc["best_idx"], acc["second"], acc["second_idx"], acc["count"],
            acc["op_best"], acc["tech_best"],
        )
        if sinr_acc is not None:
            sinr_layer.accumulate_one(sinr_acc, task["sinr"], s, gain_args, sector_loss, theta, bearing,
                                      (r_lo, c_lo), (p_r0, p_c0), config)


def sector_gain_args(s: np.void, patterns: Any, fb_db: float, sla_db: float, no_table: np.ndarray) -> tuple[Any, ...]:
    """The antenna arguments of :func:`~towerplan.coverage._gain_kernels.sector_level_dbm` for one sector record.

    ``(azimuth_deg, omni, h_bw, v_bw, e_tilt, m_tilt, fb_db, sla_db, tabulated, tables)``: a
    sector with a pattern file (``pattern_id >= 0``) passes its cuts, its extra electrical tilt
    and its largest tabulated loss; the others the parametric pattern's beamwidths, tilt and limits.
    Used for the coverage and the SINR accumulators alike, so both compute one level.
    """
    omni = bool(s["omni"])
    pid = int(s["pattern_id"])
    tabulated = pid >= 0
    return (0.0 if omni else float(s["azimuth_deg"]), omni, float(s["h_beamwidth_deg"]), float(s["v_beamwidth_deg"]),
            float(s["electrical_shift_deg"] if tabulated else s["tilt_deg"]), float(s["mechanical_tilt_deg"]),
            float(s["pattern_cap_db"]) if tabulated else fb_db, sla_db, tabulated,
            patterns[pid] if tabulated else no_table)


def _clip(box: tuple[int, int, int, int], keep: tuple[int, int, int, int],
          loss: np.ndarray) -> tuple[int, int, int, int, np.ndarray]:
    """A site's window ``box`` and its ``loss`` cut to the batch's box ``keep`` (unchanged when inside it:
    always so for ``run_coverage``; the tiled engine's box is its tile, so its accumulators are tile-sized)."""
    r_lo, r_hi = max(box[0], keep[0]), min(box[1], keep[1])
    c_lo, c_hi = max(box[2], keep[2]), min(box[3], keep[3])
    if (r_lo, r_hi, c_lo, c_hi) == tuple(box):
        return (*box, loss)
    cut = loss[r_lo - box[0]: max(r_hi, r_lo) - box[0], c_lo - box[2]: max(c_hi, c_lo) - box[2]]
    return r_lo, r_hi, c_lo, c_hi, np.ascontiguousarray(cut)


def _group_window(task: dict[str, Any], group: SiteGroup) -> tuple[int, int, int, int, np.ndarray]:
    """A site group's loss window within the task's box: ``(r_lo, r_hi, c_lo, c_hi, loss)`` from
    :func:`.site_radials.site_loss`, with the ITU-R P.2108 terminal clutter loss for ITM / free space, cut to the
    tiled engine's tile (an empty ``loss`` when the group does not reach it)."""
    dem, off, config = task["dem"], task["off"], task["config"]
    loss, box = site_loss(dem, off, task["geo"], group, config, task.get("clutter"), task.get("only"),
                          reach_only=True, source=task.get("source"))
    if task.get("terminal") is not None:
        add_terminal_clutter_loss(loss, task["terminal"], slice(box[0] - off[0], box[1] - off[0]),
                                  slice(box[2] - off[1], box[3] - off[1]), freq_mhz=group.freq_mhz,
                                  model=group.model, rx_height_m=config.rx_height_m)
    return _clip(box, task["box"], loss)


def _z_tx(task: dict[str, Any], group: SiteGroup) -> float:
    """Height of the group's antennas above the datum: the DEM (bilinear) at the site plus the mast height."""
    left, top, res_x, res_y = task["geo"]
    site_col = (group.x - left) / res_x - 0.5
    site_row = (top - group.y) / res_y - 0.5
    return float(kern.bilinear(task["dem"], site_col - task["off"][1], site_row - task["off"][0]) + group.h_tx_m)


_NO_SINR = (np.zeros((0, 0, 0), dtype=np.float32), np.zeros((0, 0, 0), dtype=np.int32),
            np.zeros((0, 0, 0), dtype=np.int64))


def _run_end(groups: list[SiteGroup], fused: list[bool], i: int) -> int:
    """The end of the run of :func:`_fused_run` from group ``i``: the next groups, consecutive in the batch's order,
    at the same site (their windows centred on the same point, mostly overlapping), without calibrated sectors, at
    most :data:`~._fused.MAX_RUN` (the run's loss windows are held at once)."""
    j = i + 1
    while (j < len(groups) and j - i < fkern.MAX_RUN and fused[j] and groups[j].x == groups[i].x
           and groups[j].y == groups[i].y):
        j += 1
    return j


def _fused_run(task: dict[str, Any], run: list[SiteGroup], acc: dict[str, np.ndarray], origin: tuple[int, int],
               sinr_acc: dict[str, np.ndarray] | None) -> None:
    """Consecutive site groups of :func:`run_batch` (no calibrated sector): each group's loss window
    (:func:`.site_radials.site_loss`, the terminal clutter loss, the tile's cut), then one pass over them all for the
    min-loss raster, the angles and every sector's level into the coverage and SINR accumulators
    (:func:`~._fused.accumulate_run`): the same rasters as :func:`~._fused.accumulate_group` group after group, and
    as ``min_into``, ``site_geometry``, ``accumulate_sector`` and ``sinr.accumulate_one`` one after another, with
    the accumulators read and written once per cell for the run instead of once per group."""
    dem, off, config = task["dem"], task["off"], task["config"]
    plan = task.get("sinr")
    losses, wins, sites, params = [], [], [], []
    for group in run:
        r_lo, _, c_lo, _, loss = _group_window(task, group)
        if loss.size == 0:
            continue
        losses.append(loss)
        wins.append((r_lo, c_lo))
        sites.append((group.x, group.y, _z_tx(task, group)))
        params.append(_sector_params(group, config, plan))
    if not losses:
        return
    k0 = np.cumsum([0] + [len(p[0]) for p in params])
    sec_f, sec_i, tables = (np.concatenate([p[m] for p in params]) for m in range(3))
    fkern.accumulate_run(
        tuple(losses) + (_NO_LOSS,) * (fkern.MAX_RUN - len(losses)), np.array(wins, dtype=np.int64),
        np.array(sites, dtype=np.float64), task["geo"], (dem, -off[0], -off[1]),
        (config.rx_height_m, config.k_factor * 6_371_000.0), sec_f, sec_i, tables, k0.astype(np.int64),
        (float(config.threshold_dbm), float(plan.floor_dbm) if plan is not None else -math.inf),
        tuple(acc[k] for k in _ACC_ORDER), origin,
        _NO_SINR if sinr_acc is None else tuple(sinr_acc[k] for k in sinr_layer.SINR_ACC_ORDER),
        (task["box"][0], task["box"][2]))


_NO_LOSS = np.zeros((0, 0), dtype=np.float32)  # the unused windows of :func:`~._fused.accumulate_run`'s tuple


def _sector_params(group: SiteGroup, config: CoverageConfig,
                   plan: sinr_layer.CarrierPlan | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``sec_f``, ``sec_i`` and ``tables`` of :func:`~._fused.accumulate_group` for a group's sectors: the
    values :func:`sector_gain_args` gives the separate passes, the base level, codes, and SINR pair / carrier."""
    n = len(group.sectors)
    sec_f = np.empty((n, fkern.N_SF))
    sec_i = np.full((n, fkern.N_SI), -1, dtype=np.int64)
    tables = np.empty((n, 2, 360))
    no_table = np.zeros((2, 360))
    for k, s in enumerate(group.sectors):
        az, omni, h_bw, v_bw, e_tilt, m_tilt, fb_db, sla_db, tabulated, cuts = sector_gain_args(
            s, group.patterns, config.front_to_back_db, config.side_lobe_db, no_table)
        sec_f[k] = (az, h_bw, v_bw, e_tilt, m_tilt, fb_db, sla_db, float(s["base_dbm"]))
        idx = int(s["station_index"])
        sec_i[k, :5] = (omni, tabulated, idx, int(s["op_code"]), int(s["tech_code"]))
        if plan is not None:
            sec_i[k, fkern.I_PAIR:] = plan.codes[idx]
        tables[k] = cuts
    return sec_f, sec_i, tables


def _log10_km(shape: tuple[int, int], origin: tuple[int, int], group: SiteGroup,
              geo: tuple[float, float, float, float]) -> np.ndarray:
    """log10 of the distance (km, at least 1 m) from the site to each cell centre of a window at ``origin``."""
    left, top, res_x, res_y = geo
    r_lo, c_lo = origin
    xs = left + (c_lo + np.arange(shape[1]) + 0.5) * res_x - group.x
    ys = top - (r_lo + np.arange(shape[0]) + 0.5) * res_y - group.y
    return np.log10(np.maximum(np.hypot(xs[None, :], ys[:, None]), 1.0) / 1000.0)


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
    if executor == "serial":  # the batches write into ``full`` (no partial to allocate and merge)
        tasks = ({**t, "acc_into": full} for t in tasks)
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
