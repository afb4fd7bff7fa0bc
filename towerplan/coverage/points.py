"""Levels at given points through the coverage engine's own steps (for drive-test comparison).

A measurement is compared with what the coverage raster says at the place it was
taken, for the sector that served it. :func:`levels_at_points` therefore runs the
engine's steps for each serving site, on the same lattice:

1. the station table goes through :func:`~towerplan.coverage.plan.prepare_stations`
   (the same projection, model choice per frequency, ``base_dbm`` = EIRP + level
   offset - link-budget margins, and calibration offset when the table has one);
2. the path loss of each site group is the engine's
   :func:`~towerplan.coverage.site_radials.site_loss_window` (radials, DEM sampled
   bilinearly, the model evaluated along each radial, interpolated onto the cells),
   on a window just large enough for the site's points;
3. each point takes the value of the cell it falls in (what the raster shows there),
   and the sector adds its antenna gain with the exact angles the engine uses for
   that cell (:func:`~towerplan.coverage._gain_kernels.sector_gain_db`, elevation over the
   effective earth from the antenna to the cell's ground + receiver height), and
   its calibration terms when the table has them (clamped slopes, bearing terms: :mod:`.calibration`,
   as in the engine's accumulation).

The loss is not cut at the coverage threshold: a predicted level below it is still
a prediction to compare. Points outside the DEM or the site's window get NaN.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from numba import njit

from towerplan.coverage import _kernels as kern
from towerplan.coverage._gain_kernels import sector_gain_db
from towerplan.coverage.calibration import has_terms, sector_terms_db
from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.engine import _fill_dem
from towerplan.coverage.plan import SiteGroup, plan_groups, prepare_stations
from towerplan.coverage.site_radials import site_loss_window
from towerplan.errors import ModelInputError
from towerplan.grid import Grid

log = logging.getLogger(__name__)

__all__ = ["PointLevels", "levels_at_points"]


@dataclass(frozen=True, eq=False)
class PointLevels:
    """Predicted levels at points (one entry per point, in the caller's order).

    Attributes
    ----------
    level_dbm
        Predicted reported level (RSRP / RSCP / RxLev) of the serving sector, dBm; NaN
        where it could not be computed (point or sector outside the DEM).
    loss_db
        Path loss of the site at the point's cell, dB (no antenna gain).
    gain_db
        Antenna pattern gain towards the point's cell, dB (<= 0).
    distance_m
        Horizontal distance from the site to the point itself (not the cell centre), m.
    model
        Model used for the serving sector (``hata``, ``cost231``, ``itm``, ``fspl``).
    """

    level_dbm: np.ndarray
    loss_db: np.ndarray
    gain_db: np.ndarray
    distance_m: np.ndarray
    model: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.level_dbm)
        for name in ("loss_db", "gain_db", "distance_m", "model"):
            if len(getattr(self, name)) != n:
                raise ModelInputError(f"PointLevels.{name} has {len(getattr(self, name))} entries, expected {n}")


@njit(cache=True)
def _gains(phi, theta, omni, h_bw, v_bw, e_tilt, m_tilt, fb_db, sla_db, out):
    for k in range(len(phi)):
        out[k] = sector_gain_db(phi[k], theta[k], omni, h_bw, v_bw, e_tilt, m_tilt, fb_db, sla_db)


def levels_at_points(
    dem: Grid,
    stations: pd.DataFrame,
    serving: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    *,
    config: CoverageConfig | None = None,
) -> PointLevels:
    """Predict the serving sector's level at each point, as the coverage raster computes it.

    Parameters
    ----------
    dem
        Elevations on a projected metric lattice (the analysis grid of the rasters).
    stations
        Station table in the engine's canonical columns (see
        :func:`~towerplan.coverage.engine.run_coverage`); optional
        calibration columns (:data:`~towerplan.coverage.calibration.COLUMN_DEFAULTS`) are applied as in
        the engine.
    serving
        For each point, the row (0-based position) in ``stations`` of its serving
        sector; -1 for none (NaN result).
    x, y
        Point coordinates in the DEM's CRS, m.
    config
        Coverage settings (model, link budget, receiver height, ITM...). Its
        threshold is ignored: levels below it are returned too.
    """
    config = config or CoverageConfig()
    if config.profile_source == "source":
        log.warning("levels at points: the profiles come from the study grid (profile_source = 'source' applies "
                    "to coverage rasters only)")
    no_cut = replace(config, threshold_dbm=-200.0)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    serving = np.asarray(serving, dtype=np.int64)
    n = len(x)
    if not (len(y) == n and len(serving) == n):
        raise ModelInputError("levels_at_points: x, y and serving must have the same length")
    level = np.full(n, np.nan)
    loss_out = np.full(n, np.nan)
    gain_out = np.full(n, np.nan)
    model_out = np.full(n, "", dtype=object)
    sectors = prepare_stations(stations, dem, config)
    table = sectors.table
    if (serving >= len(table)).any():
        raise ModelInputError("levels_at_points: a serving index is beyond the station table")
    ok = (serving >= 0) & np.isfinite(x) & np.isfinite(y) & dem.contains(x, y)
    ok[ok] &= table["usable"].to_numpy()[serving[ok]]
    dist = np.full(n, np.nan)
    has = serving >= 0
    dist[has] = np.hypot(x[has] - table["x"].to_numpy()[serving[has]], y[has] - table["y"].to_numpy()[serving[has]])
    if not ok.any():
        return PointLevels(level, loss_out, gain_out, dist, model_out)
    dem_z, holes = _fill_dem(dem)
    rows, cols = (np.asarray(v, dtype=np.int64) for v in dem.rowcol(x[ok], y[ok]))
    idx_ok = np.flatnonzero(ok)
    serv_ok = serving[ok]
    for group in plan_groups(sectors, dem, dem_z, config):
        members = group.sectors["station_index"].astype(np.int64)
        sel = np.isin(serv_ok, members)
        if sel.any():
            _group_levels(group, dem, dem_z, rows[sel], cols[sel], serv_ok[sel], idx_ok[sel], table, no_cut,
                          (level, loss_out, gain_out, model_out))
    in_hole = np.zeros(n, dtype=bool)
    in_hole[idx_ok] = holes[rows, cols]
    level[in_hole] = np.nan
    return PointLevels(level, loss_out, gain_out, dist, model_out)


def _group_levels(group: SiteGroup, dem: Grid, dem_z: np.ndarray, g_rows: np.ndarray, g_cols: np.ndarray,
                  serv: np.ndarray, target: np.ndarray, table: pd.DataFrame, config: CoverageConfig,
                  outs: tuple[np.ndarray, ...]) -> None:
    """Levels of one site group's points, written into ``outs`` = (level, loss, gain, model) at ``target``.

    The group's radius and window are the engine's (:func:`~.plan.plan_groups`), so the
    radial layout and therefore the loss at a cell are the raster's; the window grows
    (and the radius with it, which moves the radials) only for points beyond it.
    """
    level, loss_out, gain_out, model_out = outs
    left, _, _, top = dem.bounds
    res_x, res_y = dem.res
    cx = left + (g_cols + 0.5) * res_x - group.x
    cy = top - (g_rows + 0.5) * res_y - group.y
    cell_d = np.hypot(cx, cy)
    r_lo, r_hi, c_lo, c_hi = group.box
    radius = group.radius_m
    if cell_d.max() > radius - max(res_x, res_y):
        radius = float(cell_d.max() + 2.0 * max(res_x, res_y))
    r_lo, r_hi = min(r_lo, int(g_rows.min())), max(r_hi, int(g_rows.max()) + 1)
    c_lo, c_hi = min(c_lo, int(g_cols.min())), max(c_hi, int(g_cols.max()) + 1)
    group = replace(group, radius_m=radius, box=(r_lo, r_hi, c_lo, c_hi))
    loss = site_loss_window(dem_z, (0, 0), (left, top, res_x, res_y), group, config)[g_rows - r_lo, g_cols - c_lo]
    site_col = (group.x - left) / res_x - 0.5
    site_row = (top - group.y) / res_y - 0.5
    z_tx = kern.bilinear(dem_z, site_col, site_row) + group.h_tx_m
    d_cell = np.maximum(cell_d, 0.01)
    ae = config.k_factor * 6_371_000.0
    theta = np.degrees(np.arctan((z_tx - dem_z[g_rows, g_cols] - config.rx_height_m) / d_cell + d_cell / (2.0 * ae)))
    bearing = np.degrees(np.arctan2(cx, cy))
    log_km = np.log10(np.maximum(cell_d, 1.0) / 1000.0)
    for station in np.unique(serv):
        m = serv == station
        s = table.loc[station]
        omni = bool(s["omni"])
        phi = bearing[m] - (0.0 if omni else float(s["azimuth_deg"]))
        gains = np.empty(int(m.sum()))
        _gains(np.ascontiguousarray(phi), np.ascontiguousarray(theta[m]), omni, float(s["h_beamwidth_deg"]),
               float(s["v_beamwidth_deg"]), float(s["tilt_deg"]), float(s["mechanical_tilt_deg"]),
               config.front_to_back_db, config.side_lobe_db, gains)
        lo = loss[m]
        if has_terms(s):  # as the engine: the terms correct the float32 loss, the offset is in base_dbm
            lo = (lo - sector_terms_db(s, log_km[m], bearing[m])).astype(np.float32)
        # the engine's arithmetic: float64 base + gain - float32 loss, rounded to float32
        level[target[m]] = (float(s["base_dbm"]) + gains - lo.astype(np.float64)).astype(np.float32)
        loss_out[target[m]] = loss[m]
        gain_out[target[m]] = gains
        model_out[target[m]] = str(s["model"])
