"""Population rasters aligned to the analysis grid, keeping the people count.

A population raster (WorldPop-style: people per cell, any CRS, typically 100 m
or 1 km in EPSG:4326) is moved onto the DEM's lattice (30 or 90 m, UTM) so that
every later step (covered people, gap polygons, the placement demand) works cell
by cell. Bilinear interpolation of *counts* would invent or lose people (a 1 km
cell's 1,000 people would become 1,000 in each of ~123 cells at 90 m).
Instead:

1. each source cell brings onto the lattice the share of its people equal to
   the share of its area inside the lattice's outline (the outline is moved into
   the source CRS, densified, and intersected with the cells it crosses: areal
   weighting, Goodchild & Lam 1980; Flowerdew & Green 1994), the people of the
   rest stay outside and are reported (``outside_total``);
2. each target cell is placed in the source cell that contains its centre;
3. within a source cell, its people on the lattice are shared among those target
   cells in proportion to a smooth weight, the source counts bilinearly
   interpolated at the target centres (so a dense cell next to an empty one
   tapers instead of making a step);
4. a source cell that contains no target centre (a target coarser than the
   source, or a sliver at the edge) gives its people on the lattice to the target
   cell that contains its own centre, or the nearest edge cell.

So the total over the lattice is exactly the area-weighted sum of the source
cells over the lattice: no ridge of people at an edge that cuts settled land.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Transformer
from scipy import ndimage
from shapely.geometry import box

from towerplan.errors import ConfigError, RasterDataError
from towerplan.grid import Grid
from towerplan.plan_checks import check_people_density
from towerplan.rasters import MAX_CELLS, read_grid
from towerplan.resources import check_memory

__all__ = ["PopulationAlignment", "align_population", "read_population"]

log = logging.getLogger(__name__)

_ROWS_PER_BLOCK = 512


@dataclass(frozen=True)
class PopulationAlignment:
    """Result of :func:`align_population`.

    Attributes
    ----------
    grid
        People per target cell (float32, 0 where nobody lives or no data).
    source_total
        People in the source raster (all valid cells).
    aligned_total
        People on the target lattice (``grid`` summed).
    outside_total
        People of the source raster outside the target lattice (the parts of cells off the lattice).
    nodata_share
        Share (0..1) of the target cells (on land, when ``land`` was given) whose centre lies in a
        source cell without data: people there are counted as nobody.
    """

    grid: Grid
    source_total: float
    aligned_total: float
    outside_total: float
    nodata_share: float = 0.0


def read_population(path: str | os.PathLike[str], target: Grid, *, land: np.ndarray | None = None
                    ) -> PopulationAlignment:
    """Read a population raster file and align it to ``target`` (see :func:`align_population`)."""
    return align_population(read_grid(path), target, land=land)


def _source_counts(source: Grid) -> np.ndarray:
    if not source.valid_mask().any():
        raise RasterDataError(
            "the population raster has no data at all (nodata everywhere); check its nodata value, "
            "or give the raster of people per cell"
        )
    counts = source.masked(fill=0.0)
    if np.any(counts < 0):
        bad = int((counts < 0).sum())
        raise RasterDataError(
            f"the population raster has {bad} negative cells; is its nodata value set correctly?"
        )
    if not np.isfinite(counts).all():
        raise RasterDataError("the population raster has infinite values")
    t = source.transform
    if source.crs.is_geographic:  # cell area by row: degrees to km at the row's latitude
        _, lat = source.xy(np.arange(source.height), 0)
        area = (abs(t.a) * 111.32 * np.cos(np.radians(np.asarray(lat, dtype=float))) * abs(t.e) * 110.57)[:, None]
    else:
        area = abs(t.a * t.e) / 1e6
    try:
        check_people_density(counts, np.maximum(area, 1e-6))
    except ConfigError as exc:
        raise RasterDataError(str(exc)) from None
    return counts


def _locate_block(
    target: Grid, source: Grid, rows: slice, tr: Transformer
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Source (row, col) as floats for the centres of the target rows ``rows``."""
    xs, ys = target.cell_centres()
    ys = ys[rows]
    X, Y = np.meshgrid(xs, ys)
    sx, sy = tr.transform(X.ravel(), Y.ravel())
    t = source.transform  # north-up: no rotation terms
    fc = (np.asarray(sx) - t.c) / t.a
    fr = (np.asarray(sy) - t.f) / t.e
    return fr.reshape(X.shape), fc.reshape(X.shape), X


def area_share_on(source: Grid, target: Grid) -> np.ndarray:
    """The share (0..1) of each source cell's area that lies inside ``target``'s lattice outline.

    The outline (a rectangle in the target CRS) is densified every tenth of a
    target edge and moved into the source CRS; cells with all four corners inside
    count 1, cells the outline crosses count their exact overlap (in the source
    CRS; within one source cell the scale is uniform to well under 0.1 %).
    """
    sh, sw = source.shape
    share = np.zeros((sh, sw), dtype=np.float64)
    tr = Transformer.from_crs(target.crs, source.crs, always_xy=True)
    left, bottom, right, top = target.bounds
    step = max(right - left, top - bottom) / 400.0
    outline = shapely.segmentize(box(left, bottom, right, top), step)
    outline = shapely.transform(outline, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
    if not outline.is_valid or outline.is_empty:
        raise RasterDataError("the study grid's outline cannot be placed on the population raster's CRS")
    t = source.transform
    minx, miny, maxx, maxy = outline.bounds
    c0 = max(int(np.floor((minx - t.c) / t.a)) - 1, 0)
    c1 = min(int(np.ceil((maxx - t.c) / t.a)) + 1, sw)
    r0 = max(int(np.floor((maxy - t.f) / t.e)) - 1, 0)
    r1 = min(int(np.ceil((miny - t.f) / t.e)) + 1, sh)
    if c0 >= c1 or r0 >= r1:
        return share
    xs = t.c + t.a * np.arange(c0, c1 + 1)
    ys = t.f + t.e * np.arange(r0, r1 + 1)
    shapely.prepare(outline)
    corner_in = shapely.contains_xy(outline, *np.meshgrid(xs, ys))
    full = corner_in[:-1, :-1] & corner_in[:-1, 1:] & corner_in[1:, :-1] & corner_in[1:, 1:]
    window = share[r0:r1, c0:c1]
    window[full] = 1.0
    rr, cc = np.nonzero(~full)
    if rr.size:
        cells = shapely.box(xs[cc], ys[rr + 1], xs[cc + 1], ys[rr])
        hit = shapely.intersects(outline, cells)
        area = np.zeros(rr.size)
        area[hit] = shapely.area(shapely.intersection(cells[hit], outline)) / shapely.area(cells[hit])
        window[rr, cc] = np.clip(area, 0.0, 1.0)
    return share


def align_population(source: Grid, target: Grid, *, land: np.ndarray | None = None) -> PopulationAlignment:
    """Move people from ``source`` onto ``target``'s lattice, preserving each source cell's count.

    Parameters
    ----------
    source
        People per cell, any CRS; nodata and NaN count as nobody.
    target
        The analysis grid (its values are ignored; its lattice and CRS are used).
    land
        Optional boolean mask of the target cells on land: ``nodata_share`` counts only those (WorldPop
        has no data over the sea, which is no missing person).

    Returns
    -------
    PopulationAlignment
        The aligned grid (float32 people per target cell) and the totals.
    """
    th, tw = target.shape
    if th * tw > MAX_CELLS:
        raise RasterDataError(
            f"the target grid has {tw:,} x {th:,} = {th * tw:,} cells, over the limit of {MAX_CELLS:,}; "
            "use a coarser resolution or a smaller study area"
        )
    # index, weight, counts and the result: about 24 bytes a target cell, 16 a source cell
    check_memory(24 * th * tw + 16 * source.width * source.height,
                 what=f"moving the population onto {tw:,} x {th:,} cells",
                 how_to_reduce="use a coarser resolution, a smaller study area, or clip the population raster")
    counts = _source_counts(source)
    sh, sw = counts.shape
    tr = Transformer.from_crs(target.crs, source.crs, always_xy=True)

    # pass 1: for each target cell its source cell and smooth weight; per-source weight sums
    src_index = np.full((th, tw), -1, dtype=np.int64 if sh * sw >= 2**31 else np.int32)
    weight = np.zeros((th, tw), dtype=np.float32)
    for r0 in range(0, th, _ROWS_PER_BLOCK):
        rows = slice(r0, min(r0 + _ROWS_PER_BLOCK, th))
        fr, fc, _ = _locate_block(target, source, rows, tr)
        ir = np.floor(fr).astype(np.int64)
        ic = np.floor(fc).astype(np.int64)
        inside = (ir >= 0) & (ir < sh) & (ic >= 0) & (ic < sw)
        idx = np.where(inside, ir * sw + ic, -1)
        # bilinear weights: sample the count field at pixel-centre coordinates (shift by half a cell)
        w = ndimage.map_coordinates(counts, [fr - 0.5, fc - 0.5], order=1, mode="nearest")
        w = np.where(inside, np.maximum(w, 0.0), 0.0)
        src_index[rows] = idx
        weight[rows] = w
    flat_idx = src_index.ravel()
    has_src = flat_idx >= 0
    considered = has_src if land is None else has_src & np.asarray(land, dtype=bool).ravel()
    missing = considered.copy()
    missing[considered] = ~source.valid_mask().ravel()[flat_idx[considered]]
    nodata_share = float(missing.sum()) / max(int(considered.sum()), 1)
    n_src = sh * sw
    wsum = np.bincount(flat_idx[has_src], weights=weight.ravel()[has_src], minlength=n_src)
    ncell = np.bincount(flat_idx[has_src], minlength=n_src)

    source_total = float(counts.sum(dtype=np.float64))
    share_on = area_share_on(source, target)
    flat_counts = (counts * share_on).ravel()  # each cell's people on the lattice
    # source cells whose targets all have zero weight but which hold people: share equally
    equal_share = (wsum <= 0) & (ncell > 0) & (flat_counts > 0)
    scale = np.zeros(n_src, dtype=np.float64)
    ok = wsum > 0
    scale[ok] = flat_counts[ok] / wsum[ok]
    people = np.zeros(th * tw, dtype=np.float64)
    sel = np.flatnonzero(has_src)
    people[sel] = weight.ravel()[sel] * scale[flat_idx[sel]]
    if equal_share.any():
        eq_cells = sel[equal_share[flat_idx[sel]]]
        people[eq_cells] = flat_counts[flat_idx[eq_cells]] / ncell[flat_idx[eq_cells]]

    # pass 2: source cells with people on the lattice that no target centre fell into: to the target
    # cell holding their centre, or the nearest edge cell (the cell overlaps the lattice)
    orphan = np.flatnonzero((ncell == 0) & (flat_counts > 0))
    if orphan.size:
        orow, ocol = np.divmod(orphan, sw)
        ox, oy = source.xy(orow, ocol)
        back = Transformer.from_crs(source.crs, target.crs, always_xy=True)
        tx, ty = back.transform(np.asarray(ox), np.asarray(oy))
        trow, tcol = target.rowcol(tx, ty)
        trow, tcol = np.clip(trow, 0, th - 1), np.clip(tcol, 0, tw - 1)
        np.add.at(people, trow * tw + tcol, flat_counts[orphan])

    grid = target.with_values(people.reshape(th, tw).astype(np.float32), nodata=None)
    aligned_total = float(people.sum())
    outside_total = max(source_total - aligned_total, 0.0)
    log.info(
        "population aligned: %.0f people on the grid, %.0f outside it, %.0f in the source",
        aligned_total,
        outside_total,
        source_total,
    )
    return PopulationAlignment(grid, source_total, aligned_total, outside_total, nodata_share)
