"""A batch's site groups, run by run (:func:`.engine.run_batch`): each group's loss window, then the fused pass of a run
of one site's groups, or the separate passes of a group with calibrated sectors.

A run's groups (:func:`.engine._run_end`: consecutive groups at one site) have their radial tables cast one after
another (:func:`.site_radials.site_table`); those with an extended zone are then filled together
(:func:`~._fill_run.fill_run`: each cell's distance and azimuth once, its samples once per table layout), the others
one by one; then every window gets its point-to-point cells, terminal clutter loss and the tile's cut, and one
:func:`~._fused.accumulate_run` adds all the run's sectors. The windows (:func:`run_loss_windows`) touch no
accumulator, so the serial executor computes them ahead on worker threads and merges them in order
(:mod:`.pipeline`, :func:`accumulate_windows`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from towerplan.coverage import _fused as fkern
from towerplan.coverage import _kernels as kern
from towerplan.coverage import sinr as sinr_layer
from towerplan.coverage.calibration import has_terms, sector_terms_db
from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.plan import SiteGroup
from towerplan.coverage.site_radials import SiteTable, site_table, table_loss
from towerplan.coverage.terminal_clutter import add_terminal_clutter_loss

__all__ = ["ACC_ORDER", "RunWindows", "accumulate_windows", "group_window", "log10_km", "run_loss_windows",
           "sector_gain_args", "separate_group"]

#: the accumulators in the order of the kernels' tuples (:func:`~._fused.accumulate_run`, ``merge_partial``)
ACC_ORDER = ("best", "best_idx", "second", "second_idx", "count", "op_best", "tech_best", "loss")


def separate_group(task: dict[str, Any], group: SiteGroup, acc: dict[str, np.ndarray], origin: tuple[int, int],
                   sinr_acc: dict[str, np.ndarray] | None) -> None:
    """A site group with calibrated sectors in :func:`.engine.run_batch`: ``min_into``, ``site_geometry`` and per sector
    ``accumulate_sector`` (and the SINR layer's ``accumulate_one``), each sector on its own corrected loss."""
    dem, off, config = task["dem"], task["off"], task["config"]
    left, top, res_x, res_y = geo = task["geo"]
    a_r0, a_c0 = origin
    p_r0, p_c0 = task["box"][0], task["box"][2]
    ae = config.k_factor * 6_371_000.0
    fb, sla = config.front_to_back_db, config.side_lobe_db
    r_lo, r_hi, c_lo, c_hi, loss = group_window(task, group)
    if loss.size == 0:
        return
    kern.min_into(acc["loss"], r_lo - a_r0, c_lo - a_c0, loss)
    ground = dem[r_lo - off[0]: r_hi - off[0], c_lo - off[1]: c_hi - off[1]]  # a view: the kernel reads it
    h_tx = z_tx(task, group)
    theta = np.empty(loss.shape)
    bearing = np.zeros(loss.shape)  # 0 where the loss is NaN (the calibration's bearing terms read it)
    kern.site_geometry(loss, ground, r_lo, c_lo, group.x, group.y, left, top, res_x, res_y, h_tx,
                       config.rx_height_m, ae, theta, bearing)
    no_table = np.zeros((2, 360))
    calibrated = [has_terms(s) for s in group.sectors]
    log_km = log10_km(loss.shape, (r_lo, c_lo), group, geo)
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


def group_window(task: dict[str, Any], group: SiteGroup, st: SiteTable | None = None,
                 filled: np.ndarray | None = None) -> tuple[int, int, int, int, np.ndarray]:
    """A site group's loss window within the task's box: ``(r_lo, r_hi, c_lo, c_hi, loss)`` from its site table
    ``st`` (:func:`.site_radials.site_table`; None: cast here) and :func:`.site_radials.table_loss` (``filled``: its
    fill already done, :func:`~._fill_run.fill_run`), with the ITU-R P.2108 terminal clutter loss for ITM / free
    space, cut to the tiled engine's tile (an empty ``loss`` when the group does not reach it)."""
    off, config = task["off"], task["config"]
    if st is None:
        st = group_table(task, group)
    loss, box = table_loss(st, off, task["geo"], group, config, task.get("only"), filled), st.box
    if task.get("terminal") is not None:
        add_terminal_clutter_loss(loss, task["terminal"], slice(box[0] - off[0], box[1] - off[0]),
                                  slice(box[2] - off[1], box[3] - off[1]), freq_mhz=group.freq_mhz,
                                  model=group.model, rx_height_m=config.rx_height_m)
    return _clip(box, task["box"], loss)


def group_table(task: dict[str, Any], group: SiteGroup) -> SiteTable:
    """A site group's radial tables in the task (:func:`.site_radials.site_table`, as :func:`.site_radials.site_loss`
    casts them for the engine: ``reach_only``)."""
    return site_table(task["dem"], task["off"], task["geo"], group, task["config"], task.get("clutter"),
                      task.get("only"), reach_only=True, source=task.get("source"))


def z_tx(task: dict[str, Any], group: SiteGroup) -> float:
    """Height of the group's antennas above the datum: the DEM (bilinear) at the site plus the mast height."""
    left, top, res_x, res_y = task["geo"]
    site_col = (group.x - left) / res_x - 0.5
    site_row = (top - group.y) / res_y - 0.5
    return float(kern.bilinear(task["dem"], site_col - task["off"][1], site_row - task["off"][0]) + group.h_tx_m)


_NO_SINR = (np.zeros((0, 0, 0), dtype=np.float32), np.zeros((0, 0, 0), dtype=np.int32),
            np.zeros((0, 0, 0), dtype=np.int64))


#: a run's loss windows for :func:`accumulate_windows`: (losses, corners, sites, sector parameters), one entry per
#: group whose window is not empty (:func:`run_loss_windows`)
RunWindows = tuple[list[np.ndarray], list[tuple[int, int]], list[tuple[float, float, float]],
                   list[tuple[np.ndarray, np.ndarray, np.ndarray]]]


def run_loss_windows(task: dict[str, Any], run: list[SiteGroup]) -> RunWindows:
    """Consecutive site groups of :func:`.engine.run_batch` at one site (no calibrated sector): each group's loss
    window (:func:`run_windows`) with its corner, site (x, y, antenna height above the datum) and sector parameters,
    for :func:`accumulate_windows`; groups whose window is empty are left out. Touches no accumulator (the
    serial executor's pipeline computes it on a worker thread, :mod:`.pipeline`)."""
    plan = task.get("sinr")
    losses, wins, sites, params = [], [], [], []
    for group, (r_lo, _, c_lo, _, loss) in zip(run, run_windows(task, run), strict=True):
        if loss.size == 0:
            continue
        losses.append(loss)
        wins.append((r_lo, c_lo))
        sites.append((group.x, group.y, z_tx(task, group)))
        params.append(_sector_params(group, task["config"], plan))
    return losses, wins, sites, params


def accumulate_windows(task: dict[str, Any], windows: RunWindows, acc: dict[str, np.ndarray],
                       origin: tuple[int, int], sinr_acc: dict[str, np.ndarray] | None) -> None:
    """One pass over a run's loss windows (:func:`run_loss_windows`) for the min-loss raster, the angles and every
    sector's level into the coverage and SINR accumulators (:func:`~._fused.accumulate_run`): the same rasters as
    :func:`~._fused.accumulate_group` group after group, and as ``min_into``, ``site_geometry``,
    ``accumulate_sector`` and ``sinr.accumulate_one`` one after another, with the accumulators read and written once
    per cell for the run instead of once per group."""
    losses, wins, sites, params = windows
    if not losses:
        return
    dem, off, config = task["dem"], task["off"], task["config"]
    plan = task.get("sinr")
    k0 = np.cumsum([0] + [len(p[0]) for p in params])
    sec_f, sec_i, tables = (np.concatenate([p[m] for p in params]) for m in range(3))
    fkern.accumulate_run(
        tuple(losses) + (_NO_LOSS,) * (fkern.MAX_RUN - len(losses)), np.array(wins, dtype=np.int64),
        np.array(sites, dtype=np.float64), task["geo"], (dem, -off[0], -off[1]),
        (config.rx_height_m, config.k_factor * 6_371_000.0), sec_f, sec_i, tables, k0.astype(np.int64),
        (float(config.threshold_dbm), float(plan.floor_dbm) if plan is not None else -math.inf),
        tuple(acc[k] for k in ACC_ORDER), origin,
        _NO_SINR if sinr_acc is None else tuple(sinr_acc[k] for k in sinr_layer.SINR_ACC_ORDER),
        (task["box"][0], task["box"][2]))


def run_windows(task: dict[str, Any], run: list[SiteGroup]) -> list[tuple[int, int, int, int, np.ndarray]]:
    """:func:`group_window` of each of a run's groups (at one site), their tables cast first and those with an
    extended zone filled together (:func:`~._fill_run.fill_run`): the same windows bit for bit."""
    tables = [group_table(task, g) for g in run]
    zone = [k for k, st in enumerate(tables) if st.far is not None]
    filled: dict[int, np.ndarray] = {}
    if zone:  # imported here: a run without an extended zone loads no zone-fill (P.1812 clutter) kernels
        from towerplan.coverage._fill_run import fill_run

        outs = fill_run([tables[k] for k in zone], (run[0].x, run[0].y), [run[k].radius_m for k in zone],
                        task["config"], task["off"], task["geo"])
        filled = dict(zip(zone, outs, strict=True)) if outs is not None else {}
    return [group_window(task, g, st, filled.get(k)) for k, (g, st) in enumerate(zip(run, tables, strict=True))]


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


def log10_km(shape: tuple[int, int], origin: tuple[int, int], group: SiteGroup,
              geo: tuple[float, float, float, float]) -> np.ndarray:
    """log10 of the distance (km, at least 1 m) from the site to each cell centre of a window at ``origin``."""
    left, top, res_x, res_y = geo
    r_lo, c_lo = origin
    xs = left + (c_lo + np.arange(shape[1]) + 0.5) * res_x - group.x
    ys = top - (r_lo + np.arange(shape[0]) + 0.5) * res_y - group.y
    return np.log10(np.maximum(np.hypot(xs[None, :], ys[:, None]), 1.0) / 1000.0)
