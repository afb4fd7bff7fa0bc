"""Levels at given points through the coverage engine's own steps (for drive-test comparison).

A measurement is compared with what the coverage raster says at the place it was
taken, for the sector that served it. :func:`levels_at_points` therefore runs the
engine's steps for each serving site, on the same lattice:

1. the station table goes through :func:`~towerplan.coverage.plan.prepare_stations`
   (the same projection, model choice per frequency, ``base_dbm`` = EIRP + level
   offset - link-budget margins, and calibration offset when the table has one);
2. the path loss of each site group is the engine's
   :func:`~towerplan.coverage.engine.site_loss_window` (radials, DEM sampled
   bilinearly, the model evaluated along each radial, interpolated onto the cells),
   on a window just large enough for the site's points;
3. each point takes the value of the cell it falls in (what the raster shows there),
   and the sector adds its antenna gain with the exact angles the engine uses for
   that cell (:func:`~towerplan.coverage._kernels.sector_gain_db`, elevation over the
   effective earth from the antenna to the cell's ground + receiver height), and
   its calibration slope when the table has one (as in the engine's accumulation).

The loss is not cut at the coverage threshold: a predicted level below it is still
a prediction to compare. Points outside the DEM or the site's window get NaN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from numba import njit

from towerplan.coverage import _kernels as kern
from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.engine import _fill_dem, site_loss_window
from towerplan.coverage.plan import _SECTOR_FIELDS, SiteGroup, prepare_stations
from towerplan.errors import ModelInputError
from towerplan.grid import Grid

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
        out[k] = kern.sector_gain_db(phi[k], theta[k], omni, h_bw, v_bw, e_tilt, m_tilt, fb_db, sla_db)


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
        ``calibration_offset_db`` / ``calibration_slope_db`` columns are applied as in
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
    config = replace(config or CoverageConfig(), threshold_dbm=-200.0)
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
    sx = table["x"].to_numpy()
    sy = table["y"].to_numpy()
    has = serving >= 0
    dist[has] = np.hypot(x[has] - sx[serving[has]], y[has] - sy[serving[has]])
    if not ok.any():
        return PointLevels(level, loss_out, gain_out, dist, model_out)
    dem_z, holes = _fill_dem(dem)
    rows, cols = dem.rowcol(x[ok], y[ok])
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    idx_ok = np.flatnonzero(ok)
    left, _, _, top = dem.bounds
    res_x, res_y = dem.res
    geo = (left, top, res_x, res_y)
    ae = config.k_factor * 6_371_000.0
    keys = ["x", "y", "antenna_height_m", "freq_mhz", "model"]
    serv_ok = serving[ok]
    for _, part in table.loc[np.unique(serv_ok)].groupby(keys, sort=False):
        members = part.index.to_numpy()
        sel = np.isin(serv_ok, members)
        g_rows, g_cols = rows[sel], cols[sel]
        first = part.iloc[0]
        gx, gy, h_tx = float(first["x"]), float(first["y"]), float(first["antenna_height_m"])
        cell_d = np.hypot(left + (g_cols + 0.5) * res_x - gx, top - (g_rows + 0.5) * res_y - gy)
        radius = float(max(cell_d.max() + 2.0 * max(res_x, res_y), 4.0 * max(res_x, res_y)))
        r_lo, r_hi = int(max(g_rows.min() - 2, 0)), int(min(g_rows.max() + 3, dem.height))
        c_lo, c_hi = int(max(g_cols.min() - 2, 0)), int(min(g_cols.max() + 3, dem.width))
        site_col = (gx - left) / res_x - 0.5
        site_row = (top - gy) / res_y - 0.5
        r_lo, r_hi = min(r_lo, max(math.floor(site_row) - 1, 0)), max(r_hi, min(math.ceil(site_row) + 2, dem.height))
        c_lo, c_hi = min(c_lo, max(math.floor(site_col) - 1, 0)), max(c_hi, min(math.ceil(site_col) + 2, dem.width))
        rec = np.empty(len(part), dtype=[(f, np.float64) for f in _SECTOR_FIELDS])
        for f in _SECTOR_FIELDS:
            rec[f] = part[f].to_numpy(dtype=float)
        group = SiteGroup(gx, gy, h_tx, float(first["freq_mhz"]), str(first["model"]), radius,
                          (r_lo, r_hi, c_lo, c_hi), rec)
        loss_win = site_loss_window(dem_z, (0, 0), geo, group, config)
        loss = loss_win[g_rows - r_lo, g_cols - c_lo].astype(float)
        z_tx = kern.bilinear(dem_z, site_col, site_row) + h_tx
        ground = dem_z[g_rows, g_cols]
        d_cell = np.maximum(cell_d, 0.01)
        theta = np.degrees(np.arctan((z_tx - ground - config.rx_height_m) / d_cell + d_cell / (2.0 * ae)))
        bearing = np.degrees(np.arctan2(left + (g_cols + 0.5) * res_x - gx, top - (g_rows + 0.5) * res_y - gy))
        target = idx_ok[sel]
        serv_here = serv_ok[sel]
        for station in members:
            m = serv_here == station
            s = table.loc[station]
            omni = bool(s["omni"])
            phi = bearing[m] - (0.0 if omni else float(s["azimuth_deg"]))
            gains = np.empty(int(m.sum()))
            _gains(np.ascontiguousarray(phi), np.ascontiguousarray(theta[m]), omni, float(s["h_beamwidth_deg"]),
                   float(s["v_beamwidth_deg"]), float(s["tilt_deg"]), float(s["mechanical_tilt_deg"]),
                   config.front_to_back_db, config.side_lobe_db, gains)
            slope = float(s["calibration_slope_db"]) if "calibration_slope_db" in s.index else 0.0
            corr = slope * np.log10(np.maximum(cell_d[m], 1.0) / 1000.0) if slope else 0.0
            lv = np.float32(float(s["base_dbm"])) + gains - loss[m] + corr
            level[target[m]] = lv.astype(np.float32)
            loss_out[target[m]] = loss[m]
            gain_out[target[m]] = gains
            model_out[target[m]] = str(s["model"])
    in_hole = np.zeros(n, dtype=bool)
    in_hole[idx_ok] = holes[rows, cols]
    level[in_hole] = np.nan
    return PointLevels(level, loss_out, gain_out, dist, model_out)
