"""Terrain profiles along straight paths in a projected (metric) grid.

A profile is two 1-D arrays: ``distances_m`` from the start point and the ground
``heights_m`` there, sampled from a DEM :class:`~towerplan.grid.Grid` with bilinear
interpolation between cell centres. Over the few tens of kilometres of a
coverage radius, the straight line in a UTM grid stands in for the great circle
(the scale error of UTM is below 0.1 %).

Profiles are flat-earth: models that need the earth's curvature add it
themselves, with :func:`earth_bulge_m` (effective radius k = 4/3 by default); ITM
takes the profile as it is (in its PFL form, :func:`to_pfl`) and applies its own
effective radius from the refractivity.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from towerplan.errors import ModelInputError
from towerplan.grid import Grid

__all__ = [
    "EARTH_RADIUS_M",
    "earth_bulge_m",
    "effective_earth_radius_m",
    "profile",
    "profile_pfl",
    "sample_bilinear",
    "to_pfl",
]

#: mean earth radius (m), ITU-R P.452 / P.526
EARTH_RADIUS_M = 6_371_000.0

NodataPolicy = Literal["nan", "raise"]


def effective_earth_radius_m(k_factor: float = 4.0 / 3.0) -> float:
    """Effective earth radius k * 6371 km (m); k = 4/3 is the median standard atmosphere."""
    if not (math.isfinite(k_factor) and k_factor > 0):
        raise ModelInputError(f"k_factor must be positive, got {k_factor!r}")
    return k_factor * EARTH_RADIUS_M


def earth_bulge_m(distances_m, total_m: float, *, k_factor: float = 4.0 / 3.0):
    """Height of the earth's bulge above the chord at each distance (m).

    ``d (D - d) / (2 k R)``: add it to the terrain heights of a flat profile to
    put the effective earth's curvature into straight-line geometry (ITU-R P.526,
    P.452 eq. 13). Zero at both ends, largest mid-path (about 5.9 m at 10 km of a
    20 km path with k = 4/3).
    """
    d = np.asarray(distances_m, dtype=np.float64)
    return d * (total_m - d) / (2.0 * effective_earth_radius_m(k_factor))


def sample_bilinear(grid: Grid, x, y, *, nodata: NodataPolicy = "nan") -> np.ndarray:
    """Bilinear interpolation of the grid at points (x, y) in the grid's CRS.

    Uses the four surrounding cell centres; within half a cell of the outer edge
    the nearest centres are used (constant extrapolation). A sample any of whose
    (non-zero weight) neighbours is nodata is NaN, or raises with
    ``nodata="raise"``. Points outside the grid raise :class:`ModelInputError`.
    """
    if nodata not in ("nan", "raise"):
        raise ModelInputError(f"nodata must be 'nan' or 'raise', got {nodata!r}")
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    inside = grid.contains(x, y)
    if not np.all(inside):
        bad = np.flatnonzero(~np.asarray(inside).ravel())
        raise ModelInputError(
            f"{bad.size} profile points fall outside the grid {grid.bounds} (first at index {int(bad[0])})"
        )
    values = grid.masked(np.nan)
    t = grid.transform
    col = (x - t.c) / t.a - 0.5
    row = (y - t.f) / t.e - 0.5
    h, w = values.shape
    col = np.clip(col, 0.0, w - 1.0)
    row = np.clip(row, 0.0, h - 1.0)
    c0 = np.minimum(np.floor(col).astype(np.int64), max(w - 2, 0))
    r0 = np.minimum(np.floor(row).astype(np.int64), max(h - 2, 0))
    c1 = np.minimum(c0 + 1, w - 1)
    r1 = np.minimum(r0 + 1, h - 1)
    fc = col - c0
    fr = row - r0
    z00 = values[r0, c0]
    z01 = values[r0, c1]
    z10 = values[r1, c0]
    z11 = values[r1, c1]

    def term(z: np.ndarray, wgt: np.ndarray) -> np.ndarray:
        # a zero weight never lets a NaN neighbour through
        return np.where(wgt > 0, z * wgt, 0.0)

    out = term(z00, (1 - fr) * (1 - fc)) + term(z01, (1 - fr) * fc) + term(z10, fr * (1 - fc)) + term(z11, fr * fc)
    if nodata == "raise" and np.isnan(out).any():
        first = int(np.flatnonzero(np.isnan(np.ravel(out)))[0])
        raise ModelInputError(f"the profile crosses nodata cells (first at sample {first})")
    return out


def profile(grid: Grid, start_xy: tuple[float, float], end_xy: tuple[float, float], step_m: float, *,
            nodata: NodataPolicy = "nan") -> tuple[np.ndarray, np.ndarray]:
    """Terrain profile from ``start_xy`` to ``end_xy`` (grid CRS coordinates, metres).

    Parameters
    ----------
    grid
        Elevation grid (m) in a projected metric CRS.
    start_xy, end_xy
        Path ends (x, y) in the grid's CRS.
    step_m
        Largest spacing of samples (m). The path is cut into
        ``n = ceil(length / step_m)`` equal intervals, so both ends are sampled
        exactly and the actual step ``length / n`` is at most ``step_m``.
    nodata
        ``"nan"`` (default): samples touching nodata cells are NaN; ``"raise"``:
        raise :class:`ModelInputError` instead.

    Returns
    -------
    distances_m, heights_m
        1-D arrays of n + 1 distances from the start (m) and elevations (m).
    """
    grid.require_metric()
    if not (math.isfinite(step_m) and step_m > 0):
        raise ModelInputError(f"step_m must be positive, got {step_m!r}")
    x0, y0 = (float(v) for v in start_xy)
    x1, y1 = (float(v) for v in end_xy)
    length = math.hypot(x1 - x0, y1 - y0)
    if not length > 0:
        raise ModelInputError("start and end of a profile must differ")
    n = max(1, math.ceil(length / step_m - 1e-9))
    frac = np.arange(n + 1) / n
    xs = x0 + frac * (x1 - x0)
    ys = y0 + frac * (y1 - y0)
    heights = sample_bilinear(grid, xs, ys, nodata=nodata)
    return frac * length, heights


def to_pfl(heights_m, step_m: float) -> np.ndarray:
    """ITM's PFL array ``[n_intervals, step_m, z_0 .. z_n]`` from equally spaced heights."""
    z = np.asarray(heights_m, dtype=np.float64).ravel()
    if z.size < 2:
        raise ModelInputError("a PFL profile needs at least 2 heights")
    if not (math.isfinite(step_m) and step_m > 0):
        raise ModelInputError(f"step_m must be positive, got {step_m!r}")
    return np.concatenate([[float(z.size - 1), float(step_m)], z])


def profile_pfl(grid: Grid, start_xy: tuple[float, float], end_xy: tuple[float, float], step_m: float, *,
                nodata: NodataPolicy = "nan") -> np.ndarray:
    """:func:`profile` in ITM's PFL format (the actual step may be shorter than ``step_m``)."""
    distances, heights = profile(grid, start_xy, end_xy, step_m, nodata=nodata)
    return to_pfl(heights, float(distances[1] - distances[0]))
