"""Candidate sites for new coverage: tenancy on existing towers, greenfield high ground, user lists.

Three kinds, one table (a GeoDataFrame in the analysis grid's CRS, metres):

``colocation``
    Every existing tower (sectors within 30 m of each other, whatever their operators call
    them: :func:`towerplan.stations.sites.physical_sites`): another operator can add its
    antennas there, at a free height below the antennas already on it; cheap (rent and
    equipment, no construction).
``greenfield``
    New masts generated over and around the gaps: cells inside a buffer of the
    areas to serve, outside excluded zones, within reach of a road, ranked by
    how well they see around them (height above the surrounding terrain within
    ``prominence_radius_m``; local maxima and ridges score highest) and picked
    best-first with a minimum spacing between candidates and from existing towers
    (a Poisson-disc style thinning), so candidates sit on hilltops and ridges near
    the people rather than on a regular lattice.
``user``
    Candidates supplied by the planner (any table with x/y in the grid CRS or lon/lat).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio.features
from pyproj import Transformer
from scipy import ndimage

from towerplan.errors import ConfigError, InputError
from towerplan.grid import Grid
from towerplan.stations.sites import SITE_MERGE_DISTANCE_M, physical_sites, tower_names

__all__ = [
    "CANDIDATE_COLUMNS", "CandidateConfig", "colocation_candidates", "greenfield_candidates", "lonlat_to_xy",
    "user_candidates",
]

log = logging.getLogger(__name__)

CANDIDATE_COLUMNS = (
    "candidate_id", "kind", "x", "y", "lon", "lat", "ground_m", "mast_height_m", "road_distance_m",
    "prominence_m", "operators_present", "site_id", "tenant_height_m", "site_ids",
)


@dataclass(frozen=True)
class CandidateConfig:
    """Settings of greenfield candidate generation (metres).

    Parameters
    ----------
    mast_height_m
        Height of a new mast.
    min_spacing_m
        Minimum distance between two greenfield candidates.
    min_distance_to_tower_m
        Minimum distance from an existing tower (tenancy there is the cheaper option).
    buffer_m
        Candidates may stand this far outside the areas to serve (a hilltop beside a valley).
    max_road_distance_m
        Farther from a road than this, a site cannot be built and supplied (None: no limit
        or no roads given).
    prominence_radius_m
        Radius of the neighbourhood whose mean height the prominence is measured against.
    max_candidates
        Keep at most this many greenfield candidates (best prominence first).
    site_merge_distance_m
        Sectors closer than this are one tower (30 m, :data:`towerplan.stations.sites.SITE_MERGE_DISTANCE_M`).
    tenant_below
        Where a new tenant's antenna goes on an existing tower: ``"lowest"`` (default)
        ``tenant_separation_m`` below the lowest antenna already there (the free space on a
        lattice mast is below the existing tenants), or ``"top"``: that far below the top antenna.
    tenant_separation_m
        Vertical separation from the existing antennas, 3 m (isolation between co-sited
        systems; operators' sharing agreements use 2-5 m).
    min_tenant_height_m
        Never lower than this (10 m), nor above the top antenna.
    """

    mast_height_m: float = 40.0
    min_spacing_m: float = 1500.0
    min_distance_to_tower_m: float = 1000.0
    buffer_m: float = 3000.0
    max_road_distance_m: float | None = 2000.0
    prominence_radius_m: float = 1500.0
    max_candidates: int = 2000
    site_merge_distance_m: float = SITE_MERGE_DISTANCE_M
    tenant_below: str = "lowest"
    tenant_separation_m: float = 3.0
    min_tenant_height_m: float = 10.0

    def __post_init__(self) -> None:
        if self.tenant_below not in ("lowest", "top"):
            raise ConfigError(f"tenant_below must be 'lowest' or 'top', got {self.tenant_below!r}")
        for name in ("site_merge_distance_m", "tenant_separation_m", "min_tenant_height_m"):
            if not getattr(self, name) >= 0:
                raise ConfigError(f"{name} must be >= 0, got {getattr(self, name)}")
        for name in ("mast_height_m", "min_spacing_m", "prominence_radius_m"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"{name} must be > 0, got {getattr(self, name)}")
        for name in ("min_distance_to_tower_m", "buffer_m"):
            if not getattr(self, name) >= 0:
                raise ConfigError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.max_road_distance_m is not None and not self.max_road_distance_m > 0:
            raise ConfigError(f"max_road_distance_m must be > 0 or None, got {self.max_road_distance_m}")
        if self.max_candidates < 1:
            raise ConfigError(f"max_candidates must be >= 1, got {self.max_candidates}")


def _lonlat(crs, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = Transformer.from_crs(crs, 4326, always_xy=True).transform(x, y)
    return np.asarray(lon), np.asarray(lat)


def lonlat_to_xy(crs, lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """Longitude/latitude (EPSG:4326, degrees) -> x/y (float arrays) in ``crs``."""
    x, y = Transformer.from_crs(4326, crs, always_xy=True).transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def _frame(rows: dict[str, Any], crs) -> gpd.GeoDataFrame:
    df = pd.DataFrame(rows)
    for col in CANDIDATE_COLUMNS:
        if col not in df.columns:
            df[col] = np.nan if col not in ("operators_present", "site_id", "site_ids", "kind", "candidate_id") else ""
    df = df[list(CANDIDATE_COLUMNS)]
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["x"], df["y"]), crs=crs)


def colocation_candidates(stations: pd.DataFrame, grid: Grid, *,
                          config: CandidateConfig | None = None) -> gpd.GeoDataFrame:
    """One candidate per existing tower (:func:`towerplan.stations.sites.physical_sites`), listing its tenants.

    ``mast_height_m`` is the tower's top antenna (microwave dishes go there); ``tenant_height_m``
    the height a new tenant's antenna gets (``config.tenant_below``, ``tenant_separation_m``).
    The candidate id is ``C-`` and the ``site_id`` of its first tenant (operators in alphabetical
    order; ``~2``... when two towers would share an id); candidates are in the towers' order
    (by position), so renaming site ids cannot reorder them.

    Parameters
    ----------
    stations
        Canonical station table (``site_id``, ``operator``, ``lon``, ``lat``, ``antenna_height_m``).
    grid
        The analysis grid (its CRS is used for x/y; heights sampled from it if it is a DEM).
    config
        Tower merging and tenant height settings (:class:`CandidateConfig`).
    """
    cfg = config or CandidateConfig()
    if len(stations) == 0:
        return _frame({c: [] for c in CANDIDATE_COLUMNS}, grid.crs)
    sites = physical_sites(stations, merge_distance_m=cfg.site_merge_distance_m).sites
    x, y = lonlat_to_xy(grid.crs, sites["lon"].to_numpy(float), sites["lat"].to_numpy(float))
    r, c = grid.rowcol(x, y)
    inside = (r >= 0) & (r < grid.height) & (c >= 0) & (c < grid.width)
    ground = np.full(len(sites), np.nan)
    ground[inside] = grid.masked()[r[inside], c[inside]]
    top = sites["top_height_m"].to_numpy(float)
    below = sites["lowest_height_m"].to_numpy(float) if cfg.tenant_below == "lowest" else top
    tenant = np.minimum(np.maximum(below - cfg.tenant_separation_m, cfg.min_tenant_height_m), top)
    first_ids = [s.split("; ")[0].split(":", 1)[-1] for s in sites["site_ids"]]
    ids = [f"C-{name}" for name in tower_names(sites)]
    return _frame(
        {
            "candidate_id": ids,
            "kind": "colocation",
            "x": x, "y": y, "lon": sites["lon"].to_numpy(float), "lat": sites["lat"].to_numpy(float),
            "ground_m": ground, "mast_height_m": top, "tenant_height_m": tenant,
            "operators_present": sites["tenants"].to_numpy(), "site_id": first_ids,
            "site_ids": sites["site_ids"].to_numpy(),
        },
        grid.crs,
    )


def _prominence(z: np.ndarray, radius_cells: int) -> np.ndarray:
    """Height above the mean of a disc neighbourhood (NaN-safe), metres."""
    valid = np.isfinite(z)
    zz = np.where(valid, z, 0.0)
    yy, xx = np.mgrid[-radius_cells : radius_cells + 1, -radius_cells : radius_cells + 1]
    disc = (yy**2 + xx**2 <= radius_cells**2).astype(float)
    s = ndimage.convolve(zz, disc, mode="nearest")
    # cells counted per disc: a whole number, the same however it is summed; without holes
    # (edges repeat outwards) every disc counts all its cells
    n = float(disc.sum()) if valid.all() else ndimage.convolve(valid.astype(float), disc, mode="nearest")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(valid & (n > 0), z - s / np.maximum(n, 1), np.nan)


def _thin_best_first(
    order: np.ndarray,
    xs: np.ndarray,
    ys: np.ndarray,
    free: np.ndarray,
    shape: tuple[int, int],
    cell_m: tuple[float, float],
    spacing_m: float,
    max_count: int,
) -> np.ndarray:
    """Positions in ``order`` kept by best-first thinning: a cell is kept unless an earlier kept
    cell is closer than ``spacing_m`` (centre to centre), at most ``max_count``.

    ``order`` holds flat cell indices (best first) on a lattice of ``shape`` with cells of
    ``cell_m`` (height, width) metres; ``xs``/``ys`` are their centres and ``free`` says
    which may be kept at all. Each kept cell rules out, at once, the later cells of its neighbourhood
    within ``spacing_m``, so the loop runs once per kept cell, not once per cell.
    """
    n_rows, n_cols = shape
    pos = np.full(n_rows * n_cols, -1, dtype=np.int64)  # cell -> its position in order
    pos[order] = np.arange(order.size)
    free = free.copy()
    # rows / columns farther than this are at least spacing_m away
    reach_r, reach_c = (int(np.ceil(spacing_m / size)) + 1 for size in cell_m)
    spacing2 = spacing_m * spacing_m
    picked: list[int] = []
    k = 0
    while len(picked) < max_count and k < order.size:
        k += int(np.argmax(free[k:]))
        if not free[k]:
            break
        picked.append(k)
        r, c = divmod(int(order[k]), n_cols)
        r0, r1 = max(r - reach_r, 0), min(r + reach_r + 1, n_rows)
        c0, c1 = max(c - reach_c, 0), min(c + reach_c + 1, n_cols)
        near = pos.reshape(n_rows, n_cols)[r0:r1, c0:c1].ravel()
        near = near[near > k]
        dx, dy = xs[near] - xs[k], ys[near] - ys[k]
        free[near[dx * dx + dy * dy < spacing2]] = False
        k += 1
    return np.asarray(picked, dtype=np.int64)


def greenfield_candidates(
    dem: Grid,
    serve: np.ndarray,
    *,
    config: CandidateConfig = CandidateConfig(),
    roads: gpd.GeoSeries | None = None,
    existing_xy: np.ndarray | None = None,
    excluded: gpd.GeoSeries | None = None,
) -> gpd.GeoDataFrame:
    """Greenfield candidates on high ground over and around the areas to serve.

    Parameters
    ----------
    dem
        Terrain heights (m) on the analysis grid (projected, metres).
    serve
        Boolean mask on ``dem``'s lattice of the cells to bring coverage to (e.g. gap cells).
    config
        Spacing, buffer, road reach, mast height (:class:`CandidateConfig`).
    roads
        Road lines in ``dem.crs``; candidates farther than ``max_road_distance_m`` are dropped.
    existing_xy
        (n, 2) existing tower positions in ``dem.crs``; candidates keep ``min_distance_to_tower_m``.
    excluded
        Polygons in ``dem.crs`` where no mast may stand (protected areas, airports...).
    """
    dem.require_metric()
    serve = np.asarray(serve, dtype=bool)
    if serve.shape != dem.shape:
        raise InputError(f"the serve mask has shape {serve.shape}, the DEM {dem.shape}")
    res = dem.res[0]
    z = dem.masked()
    domain = np.isfinite(z) & (z > 0.0)  # no masts at sea
    if config.buffer_m > 0 and serve.any():
        dist_cells = ndimage.distance_transform_edt(~serve)
        near = dist_cells * res <= config.buffer_m
    else:
        near = serve.copy()
    domain &= near
    if excluded is not None and len(excluded):
        inside = rasterio.features.geometry_mask(
            list(excluded.values), out_shape=dem.shape, transform=dem.transform, invert=True, all_touched=True
        )
        domain &= ~inside
    road_dist = np.full(dem.shape, np.nan)
    if roads is not None and len(roads):
        on_road = rasterio.features.geometry_mask(
            list(roads.values), out_shape=dem.shape, transform=dem.transform, invert=True, all_touched=True
        )
        road_dist = ndimage.distance_transform_edt(~on_road) * res
        if config.max_road_distance_m is not None:
            domain &= road_dist <= config.max_road_distance_m
    if not domain.any():
        log.info("greenfield: no admissible cell (nothing to serve, or all excluded / too far from roads)")
        return _frame({c: [] for c in CANDIDATE_COLUMNS}, dem.crs)
    prom = _prominence(z, max(1, round(config.prominence_radius_m / res)))
    # local maxima (3x3 neighbourhood) first, then everything else, by prominence; ties by cell order
    local_max = z >= ndimage.maximum_filter(np.where(np.isfinite(z), z, -np.inf), size=3)
    cells = np.flatnonzero(domain.ravel())
    score = prom.ravel()[cells] + np.where(local_max.ravel()[cells], 1e4, 0.0)
    order = cells[np.lexsort((cells, -score))]
    rows, cols = np.divmod(order, dem.width)
    xs, ys = dem.xy(rows, cols)
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    free = np.ones(order.size, dtype=bool)
    if existing_xy is not None and len(existing_xy) and config.min_distance_to_tower_m > 0:
        from scipy.spatial import cKDTree

        d_tower, _ = cKDTree(np.asarray(existing_xy, dtype=float)).query(np.column_stack([xs, ys]))
        free = d_tower >= config.min_distance_to_tower_m
    cell_m = (abs(dem.transform.e), abs(dem.transform.a))
    idx = _thin_best_first(order, xs, ys, free, dem.shape, cell_m, config.min_spacing_m, config.max_candidates)
    px, py = xs[idx], ys[idx]
    lon, lat = _lonlat(dem.crs, px, py)
    r, c = rows[idx], cols[idx]
    return _frame(
        {
            "candidate_id": [f"G{i + 1:05d}" for i in range(idx.size)],
            "kind": "greenfield",
            "x": px, "y": py, "lon": lon, "lat": lat, "ground_m": z[r, c],
            "mast_height_m": np.full(idx.size, config.mast_height_m),
            "road_distance_m": road_dist[r, c], "prominence_m": prom[r, c],
            "operators_present": "", "site_id": "",
        },
        dem.crs,
    )


def user_candidates(table: pd.DataFrame, grid: Grid, *, mast_height_m: float = 40.0) -> gpd.GeoDataFrame:
    """Candidates supplied by the planner: columns ``x``/``y`` (grid CRS) or ``lon``/``lat``.

    Optional columns: ``candidate_id``, ``mast_height_m``. Rows without a position are an error
    naming them (1-based, as in the file).
    """
    df = table.reset_index(drop=True)
    if {"x", "y"} <= set(df.columns):
        x, y = df["x"].to_numpy(float), df["y"].to_numpy(float)
        lon, lat = _lonlat(grid.crs, x, y)
    elif {"lon", "lat"} <= set(df.columns):
        lon, lat = df["lon"].to_numpy(float), df["lat"].to_numpy(float)
        x, y = lonlat_to_xy(grid.crs, lon, lat)
    else:
        raise InputError(f"candidate list needs x/y or lon/lat columns; it has {list(df.columns)}")
    bad = ~(np.isfinite(x) & np.isfinite(y))
    if bad.any():
        raise InputError(f"candidate rows without a position: {(np.flatnonzero(bad) + 1).tolist()[:20]}")
    r, c = grid.rowcol(x, y)
    inside = (r >= 0) & (r < grid.height) & (c >= 0) & (c < grid.width)
    if not inside.all():
        raise InputError(f"candidate rows outside the grid: {(np.flatnonzero(~inside) + 1).tolist()[:20]}")
    ids = df["candidate_id"].astype(str) if "candidate_id" in df else [f"U{i + 1:05d}" for i in range(len(df))]
    mast = df["mast_height_m"].to_numpy(float) if "mast_height_m" in df else np.full(len(df), mast_height_m)
    return _frame(
        {"candidate_id": list(ids), "kind": "user", "x": x, "y": y, "lon": lon, "lat": lat,
         "ground_m": grid.masked()[r, c], "mast_height_m": mast, "operators_present": "", "site_id": ""},
        grid.crs,
    )
