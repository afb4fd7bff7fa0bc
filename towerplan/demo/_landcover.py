"""Synthetic land cover of the demo province, in ESA WorldCover classes, consistent with its terrain.

Drawn from the layers already generated (never from their random streams, so
they stay byte-identical) plus value noise of its own (``landcover-*`` layers of
:func:`~towerplan.demo._noise.fbm`, which depend on the seed and the frame,
not on the resolution):

* **80 permanent water**: the sea, and rivers as wide as their upstream area
  gives (about 15 m + 6 m per sqrt(km²), up to 300 m), where they drain 30 km²
  or more;
* **50 built-up**: the cores of the city and district towns (within about 1.3
  core radii, ragged by noise) and any cell denser than 2,500 people per km²
  (village centres);
* **10 tree cover** on the slopes and the hills (slope over about 10°, or
  high ground more than about 40 m above the valley bottom within 1 km, with
  noisy edges), **20 shrubland** and **30 grassland** on
  the forest edges and low hills; flat valley floors stay cropland;
* **95 mangroves** in patches on the lowest ground within 800 m of the coast;
* **40 cropland** (rice paddies and other crops) everywhere else: the plain and
  the valley floors, and the gentle ground around villages (over 150 people per km²).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from towerplan.demo._common import FRAME_SIZE_M, Lattice, smoothstep
from towerplan.demo._noise import fbm
from towerplan.demo._people import Settlements, slope_deg
from towerplan.demo._terrain import Relief, Rivers

__all__ = ["WORLDCOVER_CODES", "make_land_cover"]

#: the WorldCover classes the demo uses
WORLDCOVER_CODES = {"trees": 10, "shrub": 20, "grass": 30, "crops": 40, "built": 50, "water": 80, "mangrove": 95}
_RIVER_MIN_KM2 = 30.0
_BUILT_DENSITY_PER_KM2 = 2_500.0
_FARMED_DENSITY_PER_KM2 = 150.0


def _river_water(lat: Lattice, rivers: Rivers) -> np.ndarray:
    """Cells within half a river's width of its centre line."""
    pieces = []
    for chain in rivers.chains:
        if len(chain) < 2:
            continue
        seg = np.diff(chain[:, :2], axis=0)
        n = np.maximum(np.ceil(np.hypot(seg[:, 0], seg[:, 1]) / (0.5 * lat.res_m)).astype(int), 1)
        for i, k in enumerate(n):
            t = np.arange(k)[:, None] / k
            pieces.append(chain[i, :3] + t * (chain[i + 1, :3] - chain[i, :3]))
        pieces.append(chain[-1:, :3])
    if not pieces:
        return np.zeros(lat.shape, bool)
    pts = np.vstack(pieces)
    pts = pts[pts[:, 2] >= _RIVER_MIN_KM2]
    row = ((FRAME_SIZE_M - pts[:, 1]) / lat.res_m).astype(np.int64)
    col = (pts[:, 0] / lat.res_m).astype(np.int64)
    on = (row >= 0) & (row < lat.nrows) & (col >= 0) & (col < lat.ncols)
    half_width = np.zeros(lat.shape)
    np.maximum.at(half_width, (row[on], col[on]), np.minimum(15.0 + 6.0 * np.sqrt(pts[on, 2]), 300.0) / 2)
    centre = half_width > 0
    if not centre.any():
        return centre
    dist, (ir, ic) = ndimage.distance_transform_edt(~centre, return_indices=True)
    return centre | (dist * lat.res_m <= half_width[ir, ic])


def _town_cores(lat: Lattice, settlements: Settlements, ragged: np.ndarray) -> np.ndarray:
    xs, ys = lat.frame_axes()
    out = np.zeros(lat.shape, bool)
    for town in settlements.towns:
        r2 = ((xs[None, :] - town.x_m) ** 2 + (ys[:, None] - town.y_m) ** 2) / (1.3 * town.core_sigma_m) ** 2
        out |= r2 + 0.45 * ragged < 1.0
    return out


def make_land_cover(
    lat: Lattice, relief: Relief, z: np.ndarray, rivers: Rivers, settlements: Settlements, people: np.ndarray,
    *, seed: int,
) -> np.ndarray:
    """uint8 WorldCover class per cell of ``lat`` (see the module docstring)."""
    xs, ys = lat.frame_axes()
    min_lam = 2.0 * lat.res_m
    patches = fbm(xs, ys, seed=seed, layer="landcover-patches", base_wavelength_m=4_000.0, min_wavelength_m=min_lam)
    edges = fbm(xs, ys, seed=seed, layer="landcover-edges", base_wavelength_m=1_200.0, min_wavelength_m=min_lam)
    slope = slope_deg(lat, z)
    # steep ground and the hills are wild; flat valley floors (low above the valley's bottom) stay farmed
    above_valley_m = z - ndimage.minimum_filter(z, size=max(3, round(2_000.0 / lat.res_m)))
    wild = (smoothstep(5.0, 16.0, slope) + 0.8 * smoothstep(100.0, 300.0, z) * smoothstep(15.0, 60.0, above_valley_m)
            + 0.35 * patches + 0.15 * edges)
    c = WORLDCOVER_CODES
    out = np.full(lat.shape, c["crops"], dtype=np.uint8)
    out[wild > 0.35] = c["grass"]
    out[wild > 0.45] = c["shrub"]
    out[wild > 0.6] = c["trees"]
    density = people / lat.cell_area_km2
    out[(density > _FARMED_DENSITY_PER_KM2) & (slope < 12.0)] = c["crops"]  # fields around the villages
    coast = (relief.inland_m >= 0) & (relief.inland_m < 800.0) & (z < 3.0) & (patches + edges > 0.25)
    out[coast] = c["mangrove"]
    out[(density > _BUILT_DENSITY_PER_KM2) | _town_cores(lat, settlements, edges)] = c["built"]
    out[relief.sea | _river_water(lat, rivers)] = c["water"]
    return out
