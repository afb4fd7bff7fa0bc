"""Assemble the demo province from its parts (see :mod:`towerplan.demo`)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from rasterio.features import rasterize

from towerplan.demo._admin import Communes, cells_inside, make_communes
from towerplan.demo._common import (
    DEMO_EPSG,
    FRAME_LEFT_M,
    FRAME_SIZE_M,
    FRAME_TOP_M,
    PLANNING_RES_M,
    Lattice,
)
from towerplan.demo._landcover import make_land_cover
from towerplan.demo._people import TOTAL_PEOPLE, Settlements, make_settlements, render_population, sample_at
from towerplan.demo._roads import Roads, make_roads
from towerplan.demo._stations import dead_zone_villages, make_stations
from towerplan.demo._terrain import Rivers, carve, drainage, macro_relief
from towerplan.errors import InputError
from towerplan.grid import Grid

log = logging.getLogger(__name__)

#: bump when the generator's output changes (it names the cache folders)
DEMO_VERSION = "2"
DEMO_LABEL = "towerplan synthetic demo province (not real data)"
#: value of the ``source`` attribute of every demo vector layer
DEMO_SOURCE = "towerplan synthetic demo"
DEFAULT_SEED = 2024
DEFAULT_RESOLUTION_M = 90.0
#: accepted raster resolutions (m): 20 m is 9 million cells; coarser than 1 km says little
MIN_RESOLUTION_M, MAX_RESOLUTION_M = 20.0, 1_000.0


@dataclass(frozen=True, eq=False)
class DemoProvince:
    """Every input of the demo province, in EPSG:32648 (WGS 84 / UTM 48N).

    Attributes
    ----------
    dem
        Elevation (m above sea level, float32); 0 at sea.
    population
        People per cell (float32) on the DEM's lattice; 0 outside the province and at sea.
    stations
        One row per cell (sector and layer) in the canonical columns
        :data:`STATION_COLUMNS`; lon/lat in WGS 84 degrees.
    communes
        ``commune_id``, ``name``, ``district``, ``population`` (sum of the
        population cells whose centre is inside), ``area_km2``, ``source``.
    roads
        LineStrings with ``road_class`` (trunk/primary/secondary/tertiary/track),
        ``name``, ``length_m``, ``source``.
    province
        The outline (one polygon) with ``name``, ``population``, ``area_km2``, ``source``.
    seed, resolution_m
        What generated it.
    label
        Shown wherever the demo appears.
    landcover
        ESA WorldCover class codes (uint8, nodata 0) on the DEM's lattice: forest on the slopes,
        cropland on the plain, built-up towns, rivers and sea (:mod:`towerplan.demo._landcover`).
    """

    dem: Grid
    population: Grid
    stations: pd.DataFrame
    communes: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    province: gpd.GeoDataFrame
    seed: int = DEFAULT_SEED
    resolution_m: float = DEFAULT_RESOLUTION_M
    label: str = DEMO_LABEL
    landcover: Grid | None = None


def check_options(*, seed: int, resolution_m: float) -> tuple[int, float]:
    """Validate and normalise the generator options; raise :class:`InputError` if unusable."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) < 2**32:
        raise InputError(f"seed must be an integer from 0 to {2**32 - 1}, got {seed!r}")
    try:
        res = float(resolution_m)
    except (TypeError, ValueError):
        raise InputError(f"resolution_m must be a number of metres, got {resolution_m!r}") from None
    if not MIN_RESOLUTION_M <= res <= MAX_RESOLUTION_M:
        raise InputError(
            f"resolution_m must be between {MIN_RESOLUTION_M:g} and {MAX_RESOLUTION_M:g} m, got {resolution_m!r}"
        )
    return int(seed), res


def _to_utm(geom: shapely.Geometry) -> shapely.Geometry:
    offset = np.array([FRAME_LEFT_M, FRAME_TOP_M - FRAME_SIZE_M])
    return shapely.transform(geom, lambda xy: xy + offset)


@dataclass(frozen=True, eq=False)
class _Plan:
    """The resolution-independent part of the demo (frame metres, planning lattice)."""

    rivers: Rivers
    settlements: Settlements
    communes: Communes
    roads: Roads
    stations: pd.DataFrame


def _plan(seed: int) -> _Plan:
    """Terrain, settlements, communes, roads and stations on the 300 m planning lattice."""
    planning = Lattice.covering_frame(PLANNING_RES_M)
    relief = macro_relief(planning, seed=seed)
    rivers = drainage(planning, relief, seed=seed)
    z = carve(planning, relief, rivers, seed=seed)
    settlements = make_settlements(planning, relief, z, rivers, seed=seed)
    people = render_population(planning, settlements, z, relief, seed=seed)
    communes = make_communes(planning, z, relief.mountain, people, settlements.towns, seed=seed)
    inside = cells_inside(planning, communes.province).astype(bool)
    people = people * inside
    roads = make_roads(planning, z, relief.sea, inside, rivers.acc_km2, settlements, communes.seats, seed=seed)
    mountain_at = sample_at(relief.mountain, planning, settlements.x_m, settlements.y_m)
    dead_zones = dead_zone_villages(settlements, roads, mountain_at)
    stations = make_stations(planning, z, people, relief.mountain, inside, roads, settlements, dead_zones, seed=seed)
    return _Plan(rivers, settlements, communes, roads, stations)


def _rasters(plan: _Plan, *, seed: int, resolution_m: float) -> tuple[Grid, Grid, np.ndarray, Grid]:
    """DEM and population grids at ``resolution_m``, the people of each commune, and the land cover.

    The population is kept only in cells whose centre lies in a commune and
    scaled to :data:`TOTAL_PEOPLE`, so the commune sums add up to the grid.
    """
    lat = Lattice.covering_frame(resolution_m)
    relief = macro_relief(lat, seed=seed)
    z = carve(lat, relief, plan.rivers, seed=seed)
    people = render_population(lat, plan.settlements, z, relief, seed=seed)
    n = len(plan.communes.polygons)
    commune_of_cell = rasterize(
        [(_to_utm(g), i + 1) for i, g in enumerate(plan.communes.polygons)],
        out_shape=lat.shape,
        transform=lat.transform,
        fill=0,
        dtype="int32",
    )
    people = np.where(commune_of_cell > 0, people, 0.0)
    people = (people * (TOTAL_PEOPLE / people.sum())).astype(np.float32)
    per_commune = np.bincount(commune_of_cell.ravel(), weights=people.ravel().astype(np.float64), minlength=n + 1)
    crs = CRS.from_epsg(DEMO_EPSG)
    dem = Grid(z.astype(np.float32), lat.transform, crs, None)
    cover = make_land_cover(lat, relief, z, plan.rivers, plan.settlements, people, seed=seed)
    return dem, Grid(people, lat.transform, crs, None), per_commune[1:], Grid(cover, lat.transform, crs, 0)


def _vector_layers(
    plan: _Plan, commune_people: np.ndarray, total_people: float
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Communes, roads and the outline as GeoDataFrames in EPSG:32648."""
    crs = CRS.from_epsg(DEMO_EPSG)
    commune_geoms = [_to_utm(g) for g in plan.communes.polygons]
    communes = gpd.GeoDataFrame(
        {
            "commune_id": [f"DM{i + 1:03d}" for i in range(len(commune_geoms))],
            "name": list(plan.communes.names),
            "district": list(plan.communes.districts),
            "population": np.round(commune_people, 1),
            "area_km2": np.round([g.area / 1e6 for g in commune_geoms], 3),
            "source": DEMO_SOURCE,
        },
        geometry=commune_geoms,
        crs=crs,
    )
    road_geoms = [_to_utm(g) for g in plan.roads.lines]
    roads = gpd.GeoDataFrame(
        {
            "road_class": list(plan.roads.road_class),
            "name": list(plan.roads.name),
            "length_m": np.round([g.length for g in road_geoms], 1),
            "source": DEMO_SOURCE,
        },
        geometry=road_geoms,
        crs=crs,
    )
    outline = _to_utm(plan.communes.province)
    province = gpd.GeoDataFrame(
        {
            "name": ["Tỉnh Demo (synthetic)"],
            "population": [round(total_people, 1)],
            "area_km2": [round(outline.area / 1e6, 3)],
            "source": [DEMO_SOURCE],
        },
        geometry=[outline],
        crs=crs,
    )
    return communes, roads, province


def make_demo(*, seed: int = DEFAULT_SEED, resolution_m: float = DEFAULT_RESOLUTION_M) -> DemoProvince:
    """Generate the synthetic demo province.

    Parameters
    ----------
    seed
        Any integer 0 .. 2**32-1; the same seed gives identical output.
    resolution_m
        Cell size (m) of the DEM and population grids, 20-1000; the grids cover
        the 60 km frame rounded to whole cells. About 2 s at 90 m and 6 s at
        30 m on one core. Only the grids (and the commune populations summed
        from them) depend on it.

    Returns
    -------
    DemoProvince
        All layers in EPSG:32648.

    Raises
    ------
    InputError
        A seed or resolution out of range.
    """
    seed, resolution_m = check_options(seed=seed, resolution_m=resolution_m)
    t0 = time.perf_counter()
    plan = _plan(seed)
    log.debug("demo planning layers in %.2f s", time.perf_counter() - t0)
    dem, population, commune_people, landcover = _rasters(plan, seed=seed, resolution_m=resolution_m)
    total = float(population.values.sum(dtype=np.float64))
    communes, roads, province = _vector_layers(plan, commune_people, total)
    log.info(
        "generated the synthetic demo province (seed %d, %g m) in %.1f s: %d sites, %d communes, %d roads",
        seed,
        resolution_m,
        time.perf_counter() - t0,
        plan.stations["site_id"].nunique(),
        len(communes),
        len(roads),
    )
    return DemoProvince(
        dem=dem,
        population=population,
        stations=plan.stations.copy(),
        communes=communes,
        roads=roads,
        province=province,
        seed=seed,
        resolution_m=resolution_m,
        landcover=landcover,
    )
