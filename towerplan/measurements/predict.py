"""Predict each measurement with the coverage engine: one table of samples for comparison and calibration."""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
import pandas as pd
from pyproj import Transformer

from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.points import PointLevels, levels_at_points
from towerplan.errors import InputError
from towerplan.grid import Grid
from towerplan.measurements.matching import Matches
from towerplan.measurements.schema import band_label

__all__ = ["SAMPLE_COLUMNS", "predict_samples"]

log = logging.getLogger(__name__)

#: columns of the sample table
SAMPLE_COLUMNS: tuple[str, ...] = (
    "file", "row", "line", "lon", "lat", "x", "y", "measured_dbm", "predicted_dbm", "distance_m", "station",
    "cell", "operator", "band", "technology", "model", "landcover", "bearing_deg", "azimuth_unknown",
    "elevation_deg", "vertical_unknown",
)  # fmt: skip


def predict_samples(
    measurements: pd.DataFrame,
    stations: pd.DataFrame,
    matches: Matches,
    dem: Grid,
    *,
    config: CoverageConfig | None = None,
    landcover: Grid | None = None,
) -> pd.DataFrame:
    """One row per matched measurement with its prediction (:data:`SAMPLE_COLUMNS`).

    ``predicted_dbm`` is the serving sector's level at the measurement's cell of the
    DEM lattice (at the measurement's own receiver height when the file gives one, else
    ``config.rx_height_m``), through :func:`towerplan.coverage.points.levels_at_points` (the
    engine's own loss, antenna and link-budget steps). ``landcover`` (a class raster,
    any CRS read onto the DEM's) adds each sample's class (nearest cell); ``""``
    without one. Measurements outside the DEM are left out with a warning.
    """
    if len(measurements) != len(matches.serving):
        raise InputError("predict_samples: the matches do not belong to these measurements")
    st = stations.reset_index(drop=True)
    m = measurements.reset_index(drop=True)
    keep = matches.serving >= 0
    m = m.loc[keep].reset_index(drop=True)
    serving = matches.serving[keep]
    tr = Transformer.from_crs("EPSG:4326", dem.crs, always_xy=True)
    x, y = tr.transform(m["lon"].to_numpy(dtype=float), m["lat"].to_numpy(dtype=float))
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    config = config or CoverageConfig()
    pts = _levels(dem, st, serving, x, y, m["rx_height_m"].to_numpy(dtype=float), config)
    freq = st["freq_mhz"].to_numpy(dtype=float)[serving]
    tech = st["technology"].astype(str).str.upper().to_numpy()[serving]
    cell_names = (st["site_id"].astype(str) + "/" + st["cell_id"].astype(str)).to_numpy() \
        if "cell_id" in st.columns else st.index.astype(str).to_numpy()
    bands = {(f, t): band_label(f, t) for f, t in set(zip(freq.tolist(), tech.tolist(), strict=True))}
    out = pd.DataFrame({
        "file": m["file"].to_numpy(), "row": m["row"].to_numpy(), "line": m["line"].to_numpy(),
        "lon": m["lon"].to_numpy(), "lat": m["lat"].to_numpy(), "x": x, "y": y,
        "measured_dbm": m["level_dbm"].to_numpy(dtype=float), "predicted_dbm": pts.level_dbm,
        "distance_m": pts.distance_m, "station": serving, "cell": cell_names[serving],
        "operator": st["operator"].astype(str).to_numpy()[serving],
        "band": [bands[(f, t)] for f, t in zip(freq.tolist(), tech.tolist(), strict=True)], "technology": tech,
        "model": pts.model, "landcover": _classes(landcover, dem, x, y),
        # from the site to the sample, and whether the list gives the cell's azimuth (measurements.azimuth)
        "bearing_deg": _bearing_deg(st, serving, x, y, tr), "azimuth_unknown": _azimuth_unknown(st)[serving],
        # seen from the antenna, deg below the horizon, and whether the list gives no vertical pattern
        "elevation_deg": _elevation_deg(dem, st, serving, x, y, _rx_heights(m["rx_height_m"].to_numpy(dtype=float),
                                                                            config), tr, config.k_factor),
        "vertical_unknown": _vertical_unknown(st)[serving],
    })
    missing = ~np.isfinite(out["predicted_dbm"].to_numpy())
    if missing.any():
        log.warning("%d measurement(s) could not be predicted (outside the DEM) and are left out", int(missing.sum()))
    return out.loc[~missing].reset_index(drop=True)


def _bearing_deg(st: pd.DataFrame, serving: np.ndarray, x: np.ndarray, y: np.ndarray, tr: Transformer) -> np.ndarray:
    """Bearing (deg clockwise from grid north) from each sample's serving site to the sample."""
    sx, sy = tr.transform(st["lon"].to_numpy(dtype=float), st["lat"].to_numpy(dtype=float))
    dx = x - np.asarray(sx, dtype=float)[serving]
    dy = y - np.asarray(sy, dtype=float)[serving]
    return np.degrees(np.arctan2(dx, dy)) % 360.0


def _ground_m(dem: Grid, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    out = np.zeros(len(x))
    inside = dem.contains(x, y)
    if inside.any():
        r, c = dem.rowcol(x[inside], y[inside])
        z = dem.values[np.asarray(r), np.asarray(c)].astype(float)
        out[inside] = np.where(np.isfinite(z), z, 0.0)
    return out


def _elevation_deg(dem: Grid, st: pd.DataFrame, serving: np.ndarray, x: np.ndarray, y: np.ndarray,
                   rx_h: np.ndarray, tr: Transformer, k_factor: float) -> np.ndarray:
    """Angle (deg) below the horizon of each sample seen from its serving antenna, as the engine's ``theta``
    (:func:`towerplan.coverage.points.levels_at_points`: heights above the DEM, the effective earth radius)."""
    sx, sy = (np.asarray(v, dtype=float) for v in tr.transform(st["lon"].to_numpy(dtype=float),
                                                                st["lat"].to_numpy(dtype=float)))
    z_tx = _ground_m(dem, sx, sy) + pd.to_numeric(st["antenna_height_m"], errors="coerce").fillna(30.0).to_numpy()
    d = np.maximum(np.hypot(x - sx[serving], y - sy[serving]), 0.01)
    dz = z_tx[serving] - _ground_m(dem, x, y) - rx_h
    return np.degrees(np.arctan(dz / d + d / (2.0 * k_factor * 6_371_000.0)))


def _vertical_unknown(st: pd.DataFrame) -> np.ndarray:
    """Cells without a vertical pattern (no vertical beamwidth, or 90 deg or more, and no pattern file)."""
    vbw = pd.to_numeric(st["v_beamwidth_deg"], errors="coerce").to_numpy(dtype=float) \
        if "v_beamwidth_deg" in st.columns else np.full(len(st), np.nan)
    pattern = st["antenna_pattern"].fillna("").astype(str).str.strip().to_numpy() != "" \
        if "antenna_pattern" in st.columns else np.zeros(len(st), dtype=bool)
    return (~np.isfinite(vbw) | (vbw >= 90.0)) & ~pattern


def _rx_heights(rx_h: np.ndarray, config: CoverageConfig) -> np.ndarray:
    return np.where(np.isfinite(rx_h) & (rx_h >= 0.5) & (rx_h <= 100.0), np.round(rx_h * 2.0) / 2.0,
                    config.rx_height_m)


def _azimuth_unknown(st: pd.DataFrame) -> np.ndarray:
    """Cells the list gives no azimuth (modelled omni)."""
    if "azimuth_deg" not in st.columns:
        return np.ones(len(st), dtype=bool)
    return ~np.isfinite(pd.to_numeric(st["azimuth_deg"], errors="coerce").to_numpy(dtype=float))


def _levels(dem: Grid, st: pd.DataFrame, serving: np.ndarray, x: np.ndarray, y: np.ndarray, rx_h: np.ndarray,
            config: CoverageConfig) -> PointLevels:
    """Engine predictions; measurements with their own receiver height (rounded to 0.5 m) are predicted at it."""
    heights = _rx_heights(rx_h, config)
    uniq = np.unique(heights)
    if len(uniq) == 1:
        return levels_at_points(dem, st, serving, x, y, config=replace(config, rx_height_m=float(uniq[0])))
    parts = {}
    for h in uniq:
        sel = heights == h
        parts[float(h)] = (sel, levels_at_points(dem, st, serving[sel], x[sel], y[sel],
                                                 config=replace(config, rx_height_m=float(h))))
    out = {name: np.full(len(x), np.nan) for name in ("level_dbm", "loss_db", "gain_db", "distance_m")}
    model = np.full(len(x), "", dtype=object)
    for sel, p in parts.values():
        for name in out:
            out[name][sel] = getattr(p, name)
        model[sel] = p.model
    return PointLevels(out["level_dbm"], out["loss_db"], out["gain_db"], out["distance_m"], model)


def _classes(landcover: Grid | None, dem: Grid, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    if landcover is None:
        return np.full(len(x), "", dtype=object)
    if landcover.crs != dem.crs:
        tr = Transformer.from_crs(dem.crs, landcover.crs, always_xy=True)
        x, y = (np.asarray(v, dtype=float) for v in tr.transform(x, y))
    out = np.full(len(x), "", dtype=object)
    inside = landcover.contains(x, y)
    if inside.any():
        r, c = landcover.rowcol(x[inside], y[inside])
        vals = landcover.values[np.asarray(r), np.asarray(c)]
        text = np.array([("" if not np.isfinite(v) or (landcover.nodata is not None and v == landcover.nodata)
                          else f"{int(v)}") for v in vals.astype(float)], dtype=object)
        out[inside] = text
    return out
