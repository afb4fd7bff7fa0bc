"""Zonal sums over polygons (communes) on a Grid, counting boundary cells by their area inside.

A cell wholly inside a polygon has weight 1 for it; a cell that a polygon's boundary
crosses has, for that polygon, the exact fraction of its area inside (each ring
clipped to the cell square, Sutherland-Hodgman in a numba kernel, for boundary
cells only).
So a boundary cell split 30/70 between two communes gives 30 % of its people to
one and 70 % to the other, and the per-zone sums add up to the sum over the
union of the zones, weighted by the part of each cell inside it.

Polygons are expected not to overlap (administrative units); where simplified
boundaries do overlap, the cells concerned are shared between the zones in
proportion to their fractions (and reported), so no person is counted twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio.features
import shapely
from affine import Affine

from towerplan.errors import VectorDataError
from towerplan.grid import Grid
from towerplan.planning._kernels import rect_ring_areas

__all__ = ["ZoneWeights", "prepare_zones", "zone_weights"]

log = logging.getLogger(__name__)


def prepare_zones(zones: gpd.GeoDataFrame, crs: object) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Zones projected to ``crs`` with invalid polygons repaired; returns notes on what was done.

    Parameters
    ----------
    zones
        Polygons with a CRS (any); other attributes are kept.
    crs
        The analysis grid's CRS (projected, metres).

    Returns
    -------
    (GeoDataFrame, list of str)
        Zones in ``crs`` (index 0..n-1) and human-readable notes (repairs, drops).
    """
    if zones.crs is None:
        raise VectorDataError("the zone (commune) polygons have no coordinate reference system")
    notes: list[str] = []
    gdf = zones.reset_index(drop=True)
    geoms = gdf.geometry.values
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if empty.all():
        raise VectorDataError("every zone (commune) polygon is empty")
    invalid = ~empty & ~shapely.is_valid(geoms)
    if invalid.any():
        rows = ", ".join(str(i + 1) for i in np.flatnonzero(invalid)[:10])
        notes.append(f"repaired {int(invalid.sum())} invalid commune polygon(s) (features {rows})")
        log.warning(notes[-1])
        fixed = np.array(geoms, dtype=object)
        fixed[invalid] = [_polygonal(g) for g in shapely.make_valid(np.asarray(geoms)[invalid])]
        gdf = gdf.set_geometry(gpd.GeoSeries(fixed, crs=gdf.crs))
    if empty.any():
        notes.append(f"{int(empty.sum())} commune(s) without geometry get no cells")
    gdf = gdf.to_crs(crs)
    return gdf, notes


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """The polygonal part of a ``make_valid`` result (drops stray lines and points)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


@dataclass(frozen=True, eq=False)
class ZoneWeights:
    """How much of each grid cell belongs to each zone.

    Attributes
    ----------
    shape
        (rows, cols) of the grid.
    n_zones
        Number of zones (rows of the zone table, in order).
    interior_index, interior_zone
        Flat cell index and zone of cells wholly inside one zone (weight 1).
    edge_index, edge_zone, edge_fraction
        Flat cell index, zone and area fraction (0-1] of boundary cells, one entry per
        (cell, zone) pair.
    cell_area_m2
        Area of one cell (m²).
    overlap_cells
        Cells claimed by overlapping zones (shared between them in proportion).
    """

    shape: tuple[int, int]
    n_zones: int
    interior_index: np.ndarray
    interior_zone: np.ndarray
    edge_index: np.ndarray
    edge_zone: np.ndarray
    edge_fraction: np.ndarray
    cell_area_m2: float
    overlap_cells: int = 0

    def __post_init__(self) -> None:
        if len(self.interior_index) != len(self.interior_zone):
            raise ValueError("interior_index and interior_zone differ in length")
        if not (len(self.edge_index) == len(self.edge_zone) == len(self.edge_fraction)):
            raise ValueError("edge arrays differ in length")

    def sums(self, values: np.ndarray) -> np.ndarray:
        """Per-zone sums of a cell array (NaN counts as 0), float64, length ``n_zones``."""
        return self.sums_gathered(*self.gather(values))

    def gather(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The values of the interior cells and of the edge entries (for repeated sums)."""
        flat = _flat(values, self.shape)
        return flat[self.interior_index], flat[self.edge_index]

    def sums_gathered(self, interior: np.ndarray, edge: np.ndarray) -> np.ndarray:
        """Per-zone sums from values already gathered with :meth:`gather`."""
        out = np.bincount(self.interior_zone, weights=interior, minlength=self.n_zones).astype(np.float64)
        out += np.bincount(self.edge_zone, weights=edge * self.edge_fraction, minlength=self.n_zones)
        return out

    def zone_area_m2(self) -> np.ndarray:
        """Area of each zone that lies on the grid (m²)."""
        counts = np.bincount(self.interior_zone, minlength=self.n_zones).astype(float)
        counts += np.bincount(self.edge_zone, weights=self.edge_fraction, minlength=self.n_zones)
        return counts * self.cell_area_m2

    def union_fraction(self) -> np.ndarray:
        """Per cell, the fraction of its area inside the union of the zones (float32 grid)."""
        frac = np.zeros(self.shape[0] * self.shape[1], dtype=np.float32)
        frac[self.interior_index] = 1.0
        np.add.at(frac, self.edge_index, self.edge_fraction.astype(np.float32))
        np.minimum(frac, np.float32(1.0), out=frac)
        return frac.reshape(self.shape)

    def cross_sums(self, values: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Sums of ``values`` per (label, zone) pair, for labels > 0 (e.g. gap ids).

        Returns
        -------
        (label, zone, sum)
            Three aligned 1-D arrays, only pairs with a non-zero sum, sorted by label then zone.
        """
        flat = _flat(values, self.shape)
        lab = np.asarray(labels).reshape(-1)
        li, le = lab[self.interior_index], lab[self.edge_index]
        si, se = li > 0, le > 0
        key = np.concatenate([li[si].astype(np.int64) * self.n_zones + self.interior_zone[si],
                              le[se].astype(np.int64) * self.n_zones + self.edge_zone[se]])
        w = np.concatenate([flat[self.interior_index[si]],
                            flat[self.edge_index[se]] * self.edge_fraction[se]])
        grouped = pd.Series(w).groupby(key, sort=True).sum()
        uniq, tot = grouped.index.to_numpy(), grouped.to_numpy()
        keep = tot != 0
        return (uniq[keep] // self.n_zones).astype(np.int64), (uniq[keep] % self.n_zones).astype(np.int64), tot[keep]


def _flat(values: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    arr = np.asarray(values)
    if arr.shape != shape:
        raise ValueError(f"values of shape {arr.shape} do not match the zone weights' grid {shape}")
    flat = arr.reshape(-1)
    if np.issubdtype(flat.dtype, np.floating):
        flat = np.nan_to_num(flat, nan=0.0)
    return flat


def _window(geom_bounds: tuple[float, float, float, float], grid: Grid) -> tuple[int, int, int, int] | None:
    """(row0, row1, col0, col1) of the cells the bounds touch, clipped to the grid; None if outside."""
    t = grid.transform
    minx, miny, maxx, maxy = geom_bounds
    c0 = int(np.floor((minx - t.c) / t.a))
    c1 = int(np.ceil((maxx - t.c) / t.a))
    r0 = int(np.floor((maxy - t.f) / t.e))
    r1 = int(np.ceil((miny - t.f) / t.e))
    r0, c0 = max(r0, 0), max(c0, 0)
    r1, c1 = min(max(r1, r0 + 1), grid.height), min(max(c1, c0 + 1), grid.width)
    if r0 >= r1 or c0 >= c1:
        return None
    return r0, r1, c0, c1


def _rings(geom: shapely.Geometry, ox: float, oy: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Open rings of a (multi)polygon shifted by (-ox, -oy): xs, ys, offsets, +1 exterior / -1 hole."""
    xs, ys, starts, signs = [], [], [0], []
    for part in shapely.get_parts(geom):
        for k, ring in enumerate(shapely.get_rings(part)):
            c = shapely.get_coordinates(ring)[:-1]
            xs.append(c[:, 0] - ox)
            ys.append(c[:, 1] - oy)
            starts.append(starts[-1] + len(c))
            signs.append(1.0 if k == 0 else -1.0)
    return (np.concatenate(xs), np.concatenate(ys), np.asarray(starts, dtype=np.int64),
            np.asarray(signs, dtype=np.float64))


def _zone_cells(geom: shapely.Geometry, grid: Grid) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(interior flat indices, edge flat indices, edge fractions) of one polygon."""
    win = _window(geom.bounds, grid)
    empty = np.zeros(0, dtype=np.int64)
    if win is None:
        return empty, empty, np.zeros(0)
    r0, r1, c0, c1 = win
    shape = (r1 - r0, c1 - c0)
    wt = grid.transform @ Affine.translation(c0, r0)
    centre = rasterio.features.geometry_mask([geom], out_shape=shape, transform=wt, invert=True)
    edge = rasterio.features.rasterize([geom.boundary], out_shape=shape, transform=wt, all_touched=True,
                                       fill=0, default_value=1, dtype="uint8").astype(bool)
    rows, cols = np.nonzero(centre & ~edge)
    interior = (rows + r0).astype(np.int64) * grid.width + (cols + c0)
    er, ec = np.nonzero(edge)
    a, e = wt.a, wt.e
    x0 = ec * a  # cell corners relative to the window's top-left corner (keeps the numbers small)
    y1 = er * e
    xs, ys, starts, signs = _rings(geom, wt.c, wt.f)
    frac = rect_ring_areas(xs, ys, starts, signs, x0, y1 + e, x0 + a, y1) / (a * -e)
    keep = frac > 1e-9
    edge_idx = (er[keep] + r0).astype(np.int64) * grid.width + (ec[keep] + c0)
    return interior, edge_idx, np.minimum(frac[keep], 1.0)


def zone_weights(zones: gpd.GeoDataFrame | gpd.GeoSeries, grid: Grid) -> ZoneWeights:
    """Cell weights of every zone polygon on ``grid`` (exact area fractions at boundaries).

    Parameters
    ----------
    zones
        Polygons already in ``grid.crs`` (see :func:`prepare_zones`), in the order the
        sums will be returned.
    grid
        The analysis grid (projected, metres); only its lattice is used.

    Returns
    -------
    ZoneWeights
    """
    grid.require_metric()
    geoms = zones.geometry.values if isinstance(zones, gpd.GeoDataFrame) else zones.values
    n = grid.height * grid.width
    idx_dtype = np.int32 if n < 2**31 else np.int64
    ii, iz, ei, ez, ef = [], [], [], [], []
    mismatched = 0
    claims = np.zeros(n, dtype=np.uint8)
    for k, geom in enumerate(geoms):
        if geom is None or geom.is_empty:
            continue
        interior, edge, frac = _zone_cells(geom, grid)
        claims[interior] += 1
        claims[edge] += 1
        ii.append(interior.astype(idx_dtype))
        iz.append(np.full(len(interior), k, dtype=np.int32))
        ei.append(edge.astype(idx_dtype))
        ez.append(np.full(len(edge), k, dtype=np.int32))
        ef.append(frac)
        on_grid = shapely.area(shapely.intersection(geom, shapely.box(*grid.bounds)))
        if abs((len(interior) + frac.sum()) * grid.cell_area_m2 - on_grid) > grid.cell_area_m2:
            mismatched += 1
    if mismatched:
        log.warning("%d zone(s): cell weights differ from the polygon area by more than one cell", mismatched)

    def cat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
        return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype=dtype)

    weights = ZoneWeights(
        shape=grid.shape, n_zones=len(geoms),
        interior_index=cat(ii, idx_dtype), interior_zone=cat(iz, np.int32),
        edge_index=cat(ei, idx_dtype), edge_zone=cat(ez, np.int32), edge_fraction=cat(ef, np.float64),
        cell_area_m2=grid.cell_area_m2,
    )
    return _split_overlaps(weights, claims)


def _split_overlaps(weights: ZoneWeights, claims: np.ndarray) -> ZoneWeights:
    """Share cells claimed by overlapping zones in proportion to their fractions (so sums add up).

    ``claims`` counts, per cell, the zones that hold it (interior or edge).
    """
    multi = claims > 1
    if not multi.any():
        return weights
    # interior entries of cells that another zone also claims become fractional entries
    move = multi[weights.interior_index]
    idx = np.concatenate([weights.edge_index, weights.interior_index[move]])
    zone = np.concatenate([weights.edge_zone, weights.interior_zone[move]])
    frac = np.concatenate([weights.edge_fraction, np.ones(int(move.sum()))])
    uniq, inv = np.unique(idx, return_inverse=True)
    total = np.bincount(inv, weights=frac, minlength=len(uniq))
    over = total > 1.0 + 1e-9
    if over.any():
        log.warning("zones overlap on %d cell(s): those cells are shared in proportion to the overlap",
                    int(over.sum()))
        frac = np.where(over[inv], frac / total[inv], frac)
    return ZoneWeights(
        shape=weights.shape, n_zones=weights.n_zones,
        interior_index=weights.interior_index[~move], interior_zone=weights.interior_zone[~move],
        edge_index=idx.astype(weights.interior_index.dtype), edge_zone=zone.astype(np.int32), edge_fraction=frac,
        cell_area_m2=weights.cell_area_m2, overlap_cells=int(over.sum()),
    )
