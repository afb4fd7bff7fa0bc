"""Profiles sampled from the source DEM tile instead of the study grid (``CoverageConfig.profile_source``).

The study grid is a UTM lattice warped from the planner's tiles (SRTM, EPSG:4326;
:func:`towerplan.terrain.read_dem`). Its heights differ from the tile's own surface: by
+-6 m (p1-p99) at 90 m and +-1.3 m at 30 m on a real 3" tile (``bench/README.md``,
"Accuracy on a real terrain tile"), and ITM's loss jumps by 20-45 dB where one profile point
crosses the direct ray. With ``profile_source = "source"`` every radial and every cell
computed point to point (``cell_loss`` refine / exact) reads its heights from the tile
itself: bilinear in the tile's own lattice (degrees), at the geographic position of each
profile point. The study grid still carries the output raster, the antenna angles (ground
under the site and the cells) and the land cover.

Each profile point is a study-grid position (global pixel coordinates, on the straight
line from the site in UTM). Its position in the tile is given per site by a cubic
polynomial in the offset from the site (:func:`site_map`), fitted by least squares to
:mod:`pyproj`'s transformation at 21 x 21 nodes over the site's square (half-side = its
radius) and checked at the 20 x 20 points between the nodes; the largest error found is
returned (2e-7 samples over a 10 km radius on a 3" tile: micrometres; a map worse than
:data:`MAP_TOLERANCE_PX` raises). The straight UTM line differs from the WGS 84 geodesic (the
reference, :mod:`towerplan.coverage.geo_reference`) by at most 0.7 m sideways (and 0.7 m
along the track) over 30 km at 245 km from the zone's central meridian, 0.05-0.2 m near it
(a projected geodesic curves by about x / R^2; pyproj, ``bench/README.md``), and its length
by the UTM scale factor (0.9996-1.0004: under 0.004 dB of free-space loss; with it the
number of profile intervals, round(d / step), differs from the geodesic's in a few % of the
cells). Along the same points the source profile equals the geodesic reference's within
0.03 m (``tests/test_realtile_accuracy.py``).

Memory: the tile is kept once (float32, holes filled with the nearest sample); each batch
of sites gets the part of it under its window (:meth:`SourceTerrain.window`), never a copy
per site.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from affine import Affine
from pyproj import CRS, Transformer

from towerplan.coverage._kernels import N_MAP
from towerplan.errors import ModelInputError, RasterDataError
from towerplan.grid import Grid

__all__ = ["PROFILE_SOURCES", "SourceTerrain", "SourceWindow", "site_map", "read_source_terrain"]

log = logging.getLogger(__name__)

#: the values of ``CoverageConfig.profile_source``
PROFILE_SOURCES = ("study", "source")
#: largest error (source pixels) a site's cubic map may have at its check points
MAP_TOLERANCE_PX = 0.01
_NODES = 21
_MARGIN_PX = 3


@functools.lru_cache(maxsize=16)
def _transformer(src_wkt: str, dst_wkt: str) -> Transformer:
    return Transformer.from_crs(CRS.from_wkt(src_wkt), CRS.from_wkt(dst_wkt), always_xy=True)


def _tile_pixels(transform: Affine, crs: CRS, study_crs: CRS, x: np.ndarray,
                 y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fractional (col, row) in the tile of ``transform`` / ``crs`` (cell centres at integers) of study-CRS
    points."""
    sx, sy = _transformer(study_crs.to_wkt(), crs.to_wkt()).transform(x, y)
    a, b, c, d, e, f = (~transform)[:6]
    sx, sy = np.asarray(sx), np.asarray(sy)
    return a * sx + b * sy + c - 0.5, d * sx + e * sy + f - 0.5


@dataclass(frozen=True)
class SourceWindow:
    """The part of the source tile a batch of sites reads: ``values`` (float32, C-contiguous) whose
    (0, 0) is the tile's pixel (``row_off``, ``col_off``)."""

    values: np.ndarray
    row_off: int
    col_off: int
    transform: Affine
    crs: CRS
    study_crs: CRS


@dataclass(frozen=True, eq=False)
class SourceTerrain:
    """The source DEM in its own CRS and lattice (a geographic SRTM tile or any GeoTIFF): float32
    heights with nodata filled by the nearest valid sample."""

    values: np.ndarray
    transform: Affine
    crs: CRS

    @classmethod
    def from_grid(cls, grid: Grid) -> SourceTerrain:
        if not grid.valid_mask().any():
            raise RasterDataError("the source DEM has no valid heights")
        z, _ = grid.nearest_filled(np.float32)
        z.setflags(write=False)
        return cls(z, grid.transform, CRS.from_user_input(grid.crs))

    def window(self, study_crs: CRS, geo: tuple[float, float, float, float],
               box: tuple[int, int, int, int]) -> SourceWindow:
        """The tile under the study grid's global cells ``box`` = (r0, r1, c0, c1), a few samples wider."""
        left, top, res_x, res_y = geo
        r0, r1, c0, c1 = box
        t = np.linspace(0.0, 1.0, 33)
        cols = np.concatenate([c0 + t * (c1 - c0), np.full(33, c1), c0 + t * (c1 - c0), np.full(33, c0)])
        rows = np.concatenate([np.full(33, r0), r0 + t * (r1 - r0), np.full(33, r1), r0 + t * (r1 - r0)])
        pc, pr = _tile_pixels(self.transform, self.crs, study_crs, left + cols * res_x, top - rows * res_y)
        h, w = self.values.shape
        tr0 = int(np.clip(np.floor(pr.min()) - _MARGIN_PX, 0, h - 1))
        tr1 = int(np.clip(np.ceil(pr.max()) + _MARGIN_PX + 1, tr0 + 1, h))
        tc0 = int(np.clip(np.floor(pc.min()) - _MARGIN_PX, 0, w - 1))
        tc1 = int(np.clip(np.ceil(pc.max()) + _MARGIN_PX + 1, tc0 + 1, w))
        return SourceWindow(np.ascontiguousarray(self.values[tr0:tr1, tc0:tc1]), tr0, tc0, self.transform, self.crs,
                            study_crs)


def _cubic_terms(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The 10 terms of :func:`towerplan.coverage._kernels._map_cubic`, one column each."""
    return np.stack([np.ones_like(u), u, v, u * u, u * v, v * v, u ** 3, u * u * v, u * v * v, v ** 3], axis=1)


def site_map(win: SourceWindow, geo: tuple[float, float, float, float], site_col: float, site_row: float,
             half_m: float) -> tuple[np.ndarray, float]:
    """The cubic map from a site's study-grid pixels to the tile's pixels, read in ``win``
    (:data:`~._kernels.N_MAP` floats), and its largest error (tile pixels) at the check points, over the
    square of half-side ``half_m`` (m). The fit is in the whole tile's pixels: the same for any window."""
    left, top, res_x, res_y = geo
    half = max(float(half_m), 2.0 * max(res_x, res_y))
    su, sv = res_x / half, res_y / half  # global pixel offsets -> [-1, 1]

    def source_px(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        gc = site_col + u / su
        gr = site_row + v / sv
        return _tile_pixels(win.transform, win.crs, win.study_crs, left + (gc + 0.5) * res_x, top - (gr + 0.5) * res_y)

    g = np.linspace(-1.0, 1.0, _NODES)
    uu, vv = (a.ravel() for a in np.meshgrid(g, g))
    pc, pr = source_px(uu, vv)
    a = _cubic_terms(uu, vv)
    coef_c = np.linalg.lstsq(a, pc, rcond=None)[0]
    coef_r = np.linalg.lstsq(a, pr, rcond=None)[0]
    m = (g[:-1] + g[1:]) / 2.0
    cu, cv = (b.ravel() for b in np.meshgrid(m, m))
    qc, qr = source_px(cu, cv)
    b = _cubic_terms(cu, cv)
    err = float(max(np.abs(b @ coef_c - qc).max(), np.abs(b @ coef_r - qr).max()))
    if not err <= MAP_TOLERANCE_PX:
        raise ModelInputError(f"the source tile's map around a site is off by {err:.3g} samples (> "
                              f"{MAP_TOLERANCE_PX}); the site's radius is too large for one cubic map")
    out = np.empty(N_MAP)
    out[:6] = (site_col, site_row, su, sv, win.col_off, win.row_off)
    out[6:16] = coef_c
    out[16:26] = coef_r
    return out, err


def read_source_terrain(paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
                        study: Grid) -> SourceTerrain:
    """The DEM file(s) in their own CRS and lattice, cut to the study grid's area (with a margin).

    SRTM ``.hgt`` / ``.hgt.zip`` tiles and GeoTIFFs (any CRS); several files must share one
    CRS and sample size (adjacent tiles: mosaicked on their common lattice).
    """
    from towerplan.rasters import read_grid
    from towerplan.terrain import open_sources

    items = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    opened = open_sources(items)
    grids = [g if isinstance(g, Grid) else read_grid(Path(g)) for g in opened]
    first = grids[0]
    crs = CRS.from_user_input(first.crs)
    res = first.res
    for g in grids[1:]:
        if CRS.from_user_input(g.crs) != crs or not np.allclose(g.res, res, rtol=1e-9):
            raise RasterDataError("profile_source = 'source' needs DEM files of one CRS and one sample size")
    w, s, e, n = study.bounds
    tr = Transformer.from_crs(study.crs, crs, always_xy=True)
    bw, bs, be, bn = tr.transform_bounds(w, s, e, n, densify_pts=21)
    pad_x, pad_y = 4 * res[0], 4 * res[1]
    bw, bs, be, bn = bw - pad_x, bs - pad_y, be + pad_x, bn + pad_y
    west = max(bw, min(g.bounds[0] for g in grids))
    north = min(bn, max(g.bounds[3] for g in grids))
    ox, oy = first.transform.c, first.transform.f  # the common lattice's origin
    c0 = int(np.floor((west - ox) / res[0] + 1e-6))
    r0 = int(np.floor((oy - north) / res[1] + 1e-6))
    c1 = int(np.ceil((min(be, max(g.bounds[2] for g in grids)) - ox) / res[0] - 1e-6))
    r1 = int(np.ceil((oy - max(bs, min(g.bounds[1] for g in grids))) / res[1] - 1e-6))
    if c1 <= c0 or r1 <= r0:
        raise RasterDataError("the DEM files do not cover the study area")
    out = np.full((r1 - r0, c1 - c0), np.nan, dtype=np.float32)
    for g in grids:  # later files overwrite earlier ones on shared edge samples (SRTM repeats its edges)
        gc0 = round((g.transform.c - ox) / res[0])
        gr0 = round((oy - g.transform.f) / res[1])
        a_r0, a_c0 = max(gr0, r0), max(gc0, c0)
        a_r1, a_c1 = min(gr0 + g.height, r1), min(gc0 + g.width, c1)
        if a_r1 <= a_r0 or a_c1 <= a_c0:
            continue
        part = g.masked(np.nan)[a_r0 - gr0: a_r1 - gr0, a_c0 - gc0: a_c1 - gc0].astype(np.float32)
        dest = out[a_r0 - r0: a_r1 - r0, a_c0 - c0: a_c1 - c0]
        np.copyto(dest, part, where=np.isfinite(part))
    transform = Affine(res[0], 0.0, ox + c0 * res[0], 0.0, -res[1], oy - r0 * res[1])
    return SourceTerrain.from_grid(Grid(out, transform, crs, None))
