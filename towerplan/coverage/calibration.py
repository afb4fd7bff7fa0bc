"""Drive-test calibration terms of a sector: one definition for the rasters, the points and the fit.

A calibration (``towerplan calibrate``, :mod:`towerplan.measurements`) corrects a sector's
predicted level by::

    offset_db + slope_db * L(d; group range) + cell_slope_db * L(d; cell range) + f(phi)

with ``L(d; [lo, hi]) = log10(clip(d, lo, hi) / 1 km)``: the distance slope of the sector's
(operator, band) group and the cell's own slope (:mod:`towerplan.measurements.cell_terms`)
each apply only over the distances they were fitted on, and are held at their value at the
range's edge outside it. A slope fitted on 0.1-1.5 km says nothing about 3 km: extrapolated,
a +26 dB per decade correction adds 8 dB between 1.5 and 3 km that no measurement supports
(the model-tuning practice of fitting within and reporting the distance range of the drive
test, e.g. Mishra, *Fundamentals of Cellular Network Planning and Optimisation*, ch. 3).
``f(phi) = sum_k a_k cos k phi + b_k sin k phi`` is the cell's bearing function (phi the
bearing from the site, clockwise from grid north), the Fourier series of
:mod:`towerplan.measurements.cell_terms`.

The station table carries the terms in the columns of :data:`COLUMN_DEFAULTS`
(:func:`towerplan.measurements.apply.apply_calibration` fills them); the offset goes into the
sector's base level (:func:`towerplan.coverage.plan.prepare_stations`) and :func:`sector_terms_db`
gives the rest, as a loss correction in :func:`towerplan.coverage.engine.run_batch` and
:func:`towerplan.coverage.points.levels_at_points`, and in the calibration's own held-out
evaluation (:meth:`towerplan.measurements.calibrate.CalibrationModel.correction_db`). A missing
or NaN distance range leaves that slope unclamped (a hand-written table's plain slope).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["BEARING_COLUMNS", "BEARING_ORDER", "COLUMN_DEFAULTS", "DISTANCE_COLUMNS", "bearing_features",
           "bearing_terms_db", "clamped_log10_km", "distance_terms_db", "has_terms", "log10_km", "reach_headroom_db",
           "sector_terms_db"]

#: harmonics of the bearing series (8: features down to 45 deg, about a sector's beamwidth)
BEARING_ORDER = 8
#: the station columns of the bearing coefficients, a_1, b_1, ..., a_K, b_K (dB)
BEARING_COLUMNS: tuple[str, ...] = tuple(f"calibration_bearing_{ab}{k}_db" for k in range(1, BEARING_ORDER + 1)
                                         for ab in ("a", "b"))
#: the station columns of the distance terms (besides ``calibration_offset_db``)
DISTANCE_COLUMNS: tuple[str, ...] = ("calibration_slope_db", "calibration_min_distance_m",
                                     "calibration_max_distance_m", "calibration_cell_slope_db",
                                     "calibration_cell_min_distance_m", "calibration_cell_max_distance_m")
#: every calibration column of a station table and its value without a calibration
COLUMN_DEFAULTS: dict[str, float] = {"calibration_offset_db": 0.0, "calibration_slope_db": 0.0,
                                     "calibration_min_distance_m": math.nan, "calibration_max_distance_m": math.nan,
                                     "calibration_cell_slope_db": 0.0, "calibration_cell_min_distance_m": math.nan,
                                     "calibration_cell_max_distance_m": math.nan,
                                     **dict.fromkeys(BEARING_COLUMNS, 0.0)}


def log10_km(distance_m: np.ndarray | float) -> np.ndarray:
    """``log10(d / 1 km)`` of distances in metres, d taken as at least 1 m (the terms' distance variable)."""
    return np.log10(np.maximum(np.asarray(distance_m, dtype=float), 1.0) / 1000.0)


def _log_bounds_of(distance_m: np.ndarray | float, default: float) -> np.ndarray:
    """:func:`log10_km` of range bounds; ``default`` where a bound is NaN or not positive (no bound)."""
    d = np.asarray(distance_m, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.isfinite(d) & (d > 0), log10_km(d), default)


def _log_bound(distance_m: float, default: float) -> float:
    return float(_log_bounds_of(distance_m, default))


def clamped_log10_km(log10_km: np.ndarray | float, min_distance_m: float, max_distance_m: float) -> np.ndarray:
    """``log10(d / 1 km)`` held within ``[min_distance_m, max_distance_m]`` (a NaN bound: none)."""
    lo = _log_bound(min_distance_m, -math.inf)
    hi = _log_bound(max_distance_m, math.inf)
    return np.clip(np.asarray(log10_km, dtype=float), lo, max(hi, lo))


def distance_terms_db(log10_km: np.ndarray | float, *, slope_db: float, range_m: tuple[float, float],
                      cell_slope_db: float = 0.0, cell_range_m: tuple[float, float] = (math.nan, math.nan)
                      ) -> np.ndarray:
    """The group and cell slopes' correction (dB) at ``log10(d / 1 km)``, each within its own range."""
    out = slope_db * clamped_log10_km(log10_km, *range_m)
    if cell_slope_db:
        out = out + cell_slope_db * clamped_log10_km(log10_km, *cell_range_m)
    return np.asarray(out, dtype=float)


def bearing_features(bearing_deg: np.ndarray, order: int = BEARING_ORDER) -> np.ndarray:
    """``[cos phi, sin phi, cos 2 phi, ..., sin K phi]``, one row per bearing (NaN bearings give 0)."""
    b = np.asarray(bearing_deg, dtype=float).ravel()
    phi = np.radians(np.nan_to_num(b))
    cols = [f(k * phi) for k in range(1, order + 1) for f in (np.cos, np.sin)]
    out = np.column_stack(cols) if cols else np.zeros((len(phi), 0))
    out[~np.isfinite(b)] = 0.0
    return out


def bearing_terms_db(bearing_deg: np.ndarray, coefs: np.ndarray) -> np.ndarray:
    """The bearing function ``sum_k a_k cos k phi + b_k sin k phi`` (dB) at each bearing, in its shape."""
    b = np.asarray(bearing_deg, dtype=float)
    c = np.asarray(coefs, dtype=float)
    if not c.any():
        return np.zeros(b.shape)
    feats = bearing_features(b, len(c) // 2)
    return np.einsum("ni,i->n", feats, c[: feats.shape[1]]).reshape(b.shape)


def _get(sector: Any, name: str) -> float:
    """A field of a sector record (numpy structured row or pandas Series); the default when absent."""
    try:
        return float(sector[name])
    except (KeyError, ValueError, IndexError):
        return COLUMN_DEFAULTS[name]


def has_terms(sector: Any) -> bool:
    """Whether a sector record has distance or bearing terms (:func:`sector_terms_db` is not all zero)."""
    return bool(_get(sector, "calibration_slope_db") or _get(sector, "calibration_cell_slope_db")
                or any(_get(sector, c) for c in BEARING_COLUMNS))


def sector_terms_db(sector: Any, log10_km: np.ndarray, bearing_deg: np.ndarray) -> np.ndarray:
    """A sector's distance and bearing terms (dB, to add to its level; the offset is in its base level).

    ``sector``: a record with the fields of :data:`COLUMN_DEFAULTS` (a row of the prepared station
    table, or a site group's sector record); ``log10_km`` and ``bearing_deg`` (deg clockwise from
    grid north) of each receiver, any shape (the same).
    """
    out = distance_terms_db(log10_km, slope_db=_get(sector, "calibration_slope_db"),
                            range_m=(_get(sector, "calibration_min_distance_m"),
                                     _get(sector, "calibration_max_distance_m")),
                            cell_slope_db=_get(sector, "calibration_cell_slope_db"),
                            cell_range_m=(_get(sector, "calibration_cell_min_distance_m"),
                                          _get(sector, "calibration_cell_max_distance_m")))
    coefs = np.array([_get(sector, c) for c in BEARING_COLUMNS])
    if coefs.any():
        out = out + bearing_terms_db(bearing_deg, coefs)
    return out


def _column(table: pd.DataFrame, name: str) -> np.ndarray:
    if name not in table.columns:
        return np.full(len(table), COLUMN_DEFAULTS[name])
    return pd.to_numeric(table[name], errors="coerce").fillna(COLUMN_DEFAULTS[name]).to_numpy(dtype=float)


def _log_bounds(table: pd.DataFrame, name: str, default: float) -> np.ndarray:
    return _log_bounds_of(_column(table, name), default)


def reach_headroom_db(table: pd.DataFrame, max_radius_m: float) -> np.ndarray:
    """Per sector, the most its distance and bearing terms can raise its level (>= 0 dB).

    The distance terms are piecewise linear in ``log10 d``: their largest value up to
    ``max_radius_m`` is at 1 km, at ``max_radius_m`` or at a range bound (an unclamped slope is
    looked at from 1 km on, as the level near the mast never sets the reach); the bearing function
    is at most the sum of its harmonics' amplitudes. Added to the reach level
    (:func:`~.plan.prepare_stations`).
    """
    n = len(table)
    x_max = math.log10(max(max_radius_m, 1e3) / 1e3)
    lo, hi = _log_bounds(table, "calibration_min_distance_m", -math.inf), \
        _log_bounds(table, "calibration_max_distance_m", math.inf)
    clo, chi = _log_bounds(table, "calibration_cell_min_distance_m", -math.inf), \
        _log_bounds(table, "calibration_cell_max_distance_m", math.inf)
    xs = np.column_stack([np.zeros(n), np.full(n, x_max), lo, hi, clo, chi])
    xs = np.where(np.isfinite(xs), np.minimum(xs, x_max), 0.0)
    slope, cell_slope = _column(table, "calibration_slope_db"), _column(table, "calibration_cell_slope_db")
    dist = (slope[:, None] * np.clip(xs, lo[:, None], np.maximum(hi, lo)[:, None])
            + cell_slope[:, None] * np.clip(xs, clo[:, None], np.maximum(chi, clo)[:, None]))
    ab = np.column_stack([_column(table, c) for c in BEARING_COLUMNS]).reshape(n, -1, 2)
    return np.maximum(dist.max(axis=1), 0.0) + np.hypot(ab[..., 0], ab[..., 1]).sum(axis=1)
