"""The whole gap analysis: coverage levels + population (+ communes, roads, DEM, towers) -> tables.

:func:`analyse_gaps` takes per-operator level grids (dBm, NaN = no signal), so it
works on rasters from the coverage engine or any other tool, and returns a
:class:`GapAnalysis` with the people covered (total and per commune), the ranked
gap polygons, road kilometres covered, and notes on what was aligned or repaired.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from towerplan.coverage.service import served_masks
from towerplan.errors import ConfigError, RasterDataError, VectorDataError
from towerplan.grid import Grid
from towerplan.planning.coverage_stats import PopulationCoverage, column_slug, population_coverage
from towerplan.planning.gaps import GapConfig, gap_centres, gap_labels, gap_polygons, gap_table
from towerplan.planning.inputs import align_dem, align_levels, align_population_to, as_float32
from towerplan.planning.roads import road_access, road_coverage, road_graph_from_lines, road_segments
from towerplan.planning.zonal import prepare_zones, zone_weights
from towerplan.resources import check_memory

__all__ = ["GapAnalysis", "analyse_gaps", "pick_name_column"]

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

_NAME_COLUMNS = ("commune_vn", "name_vn", "commune", "name", "ten", "ward", "NAME_3", "shapeName")
_STAGES = 7


def pick_name_column(zones: gpd.GeoDataFrame) -> str | None:
    """The commune-name column of a commune layer (Vietnamese names first), or None."""
    return next((c for c in _NAME_COLUMNS if c in zones.columns), None)


@dataclass(frozen=True, eq=False)
class GapAnalysis:
    """Everything :func:`analyse_gaps` found.

    Attributes
    ----------
    config
        The settings used.
    coverage
        People covered (total and per commune).
    gaps
        Ranked gap polygons (``rank`` 1 = highest priority) in the analysis CRS;
        ``gaps.attrs["score_formula"]`` states the score.
    commune_stats
        One row per commune: its own attributes (e.g. census population) beside the
        raster figures, gap people and count, road km; geometry in the analysis CRS.
    road_pieces, road_table
        Road pieces with the km covered, and km per commune and road class.
    notes
        What was aligned, repaired or is incomplete (for the user).
    """

    config: GapConfig
    coverage: PopulationCoverage
    gaps: gpd.GeoDataFrame
    commune_stats: gpd.GeoDataFrame | None = None
    road_pieces: gpd.GeoDataFrame | None = None
    road_table: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def score_formula(self) -> str:
        return self.config.score_formula

    def summary(self) -> dict[str, object]:
        """JSON-ready summary: people covered, gap count and population, road km, notes."""
        out: dict[str, object] = dict(self.coverage.as_dict())
        out["gap_count"] = len(self.gaps)
        out["gap_people"] = round(float(self.gaps["people"].sum()), 1) if len(self.gaps) else 0.0
        out["gap_operator"] = self.config.operator or "any"
        out["score_formula"] = self.score_formula
        if self.road_table is not None:
            # with communes, the roads inside them (the study area); else every road on the grid
            roads = self.road_table if self.commune_stats is None else self.road_table[self.road_table["zone"] >= 0]
            out["road_km"] = round(float(roads["length_km"].sum()), 3)
            out["road_covered_km"] = round(float(roads["covered_km"].sum()), 3)
        out["settings"] = {k: getattr(self.config, k) for k in self.config.__dataclass_fields__}
        out["notes"] = list(self.notes)
        return out


def _pick_operator(name: str, names: list[str]) -> str:
    for candidate in names:
        if candidate == name or column_slug(candidate) == column_slug(name):
            return candidate
    raise ConfigError(f"operator {name!r} has no coverage grid; available: {', '.join(names)}")


def _road_segments(roads: gpd.GeoDataFrame | nx.MultiDiGraph, grid: Grid) -> gpd.GeoDataFrame:
    if isinstance(roads, nx.MultiDiGraph | nx.MultiGraph):
        from towerplan.roadgraph import project_graph

        return road_segments(project_graph(roads, grid.crs)).to_crs(grid.crs)
    return road_segments(road_graph_from_lines(roads, crs=grid.crs))


def _tower_xy(towers: gpd.GeoDataFrame | gpd.GeoSeries | pd.DataFrame | None, grid: Grid) -> np.ndarray | None:
    """Unique tower positions (x, y in the grid CRS, to 0.1 m); a plain table needs ``lon``/``lat`` (WGS 84)."""
    if towers is None or len(towers) == 0:
        return None
    if not isinstance(towers, gpd.GeoDataFrame | gpd.GeoSeries):
        if not {"lon", "lat"} <= set(towers.columns):
            raise VectorDataError("the tower table needs a geometry or lon/lat columns (WGS 84 degrees)")
        towers = gpd.GeoSeries(gpd.points_from_xy(towers["lon"], towers["lat"]), crs=4326)
    if towers.crs is None:
        raise VectorDataError("the tower (station) locations have no coordinate reference system")
    geom = towers.to_crs(grid.crs).geometry if isinstance(towers, gpd.GeoDataFrame) else towers.to_crs(grid.crs)
    xy = shapely.get_coordinates(geom.values)
    return np.unique(np.round(xy, 1), axis=0)


def _commune_stats(zones: gpd.GeoDataFrame, cov: PopulationCoverage, weights, labels, people,
                   road_table: pd.DataFrame | None) -> gpd.GeoDataFrame:
    stats = zones.copy()
    per = cov.per_zone
    assert per is not None
    for col in per.columns:
        stats[col] = per[col].to_numpy()
    _, zone, tot = weights.cross_sums(people, labels)
    stats["gap_people"] = np.bincount(zone, weights=tot, minlength=len(zones))
    stats["gap_count"] = np.bincount(zone, minlength=len(zones))
    if road_table is not None:
        by_zone = road_table[road_table["zone"] >= 0].groupby("zone")[["length_km", "covered_km"]].sum()
        stats["road_km"] = by_zone["length_km"].reindex(range(len(zones)), fill_value=0.0).to_numpy()
        stats["road_covered_km"] = by_zone["covered_km"].reindex(range(len(zones)), fill_value=0.0).to_numpy()
    return stats


def analyse_gaps(
    levels: Mapping[str, Grid],
    population: Grid,
    *,
    config: GapConfig | None = None,
    technology_levels: Mapping[str, Grid] | None = None,
    communes: gpd.GeoDataFrame | None = None,
    commune_name_column: str | None = None,
    roads: gpd.GeoDataFrame | nx.MultiDiGraph | None = None,
    dem: Grid | None = None,
    towers: gpd.GeoDataFrame | gpd.GeoSeries | pd.DataFrame | None = None,
    progress: Progress | None = None,
) -> GapAnalysis:
    """Population coverage, gaps and road coverage from level grids and a population grid.

    Parameters
    ----------
    levels
        Operator -> best level grid (dBm, NaN = no signal), projected metric CRS; the
        first grid's lattice is the analysis lattice (others are warped, nearest).
    population
        People per cell, any CRS/lattice (moved sum-preserving if needed).
    config
        Threshold, which operator counts, speck filters, household size, score scale.
    technology_levels
        Technology -> level grid (any operator), for people covered per technology.
    communes
        Commune polygons (any CRS); invalid ones are repaired and reported.
    commune_name_column
        Column naming communes (default: the first of ``commune_vn``, ``name``, ...).
    roads
        Road lines (any CRS) or a road graph (osmnx conventions).
    dem
        Elevation (m), for the gaps' mean and max elevation.
    towers
        Existing tower locations (points with a CRS, or a table with ``lon``/``lat`` in
        WGS 84, e.g. a station list: co-located sectors count once), for distances and remoteness.
    progress
        Called as ``progress(done_stage, total_stages)``.
    """
    config = config or GapConfig()
    step = (lambda k: progress(k, _STAGES)) if progress else (lambda k: None)
    notes: list[str] = []
    if levels:
        first = next(iter(levels.values()))
        n_layers = len(levels) + len(technology_levels or {})
        check_memory(first.width * first.height * (5 * n_layers + 64),
                     what=f"the gap analysis on {first.width:,} x {first.height:,} cells",
                     how_to_reduce="compute coverage at a coarser resolution or over a smaller area")
    if not population.valid_mask().any():
        raise RasterDataError("the population raster has no data (nodata everywhere) or does not overlap the "
                              "coverage grids; check its nodata value and its extent")
    lv = align_levels(levels)
    gap_operator = None if config.operator is None else _pick_operator(config.operator, list(lv))
    grid = next(iter(lv.values()))
    if any(not g.same_lattice(levels[k]) for k, g in lv.items()):
        notes.append("some coverage grids were on another lattice and were warped onto the first (nearest)")
    tech = align_levels(technology_levels, like=grid) if technology_levels else {}
    pop = align_population_to(population, grid)
    if pop.aligned:
        notes.append(f"population moved onto the coverage grid (sum-preserving); {pop.outside_total:,.0f} people "
                     "of the population raster lie outside it")
    if not pop.has_data.any():
        raise RasterDataError("the population raster does not overlap the coverage grids")
    people = pop.grid.values
    step(1)
    covered = served_masks(lv, config.threshold_dbm)
    tech_cov = served_masks(tech, config.threshold_dbm)
    if gap_operator is None:
        gap_cov = np.zeros(grid.shape, dtype=bool)
        for m in covered.values():
            gap_cov |= m
    else:
        gap_cov = covered[gap_operator]
    zones = weights = names = None
    if communes is not None:
        zones, zone_notes = prepare_zones(communes, grid.crs)
        notes.extend(zone_notes)
        name_col = commune_name_column or pick_name_column(zones)
        if name_col is not None and name_col not in zones.columns:
            raise ConfigError(f"no column {name_col!r} in the commune layer")
        names = zones[name_col].astype(str).to_numpy() if name_col else np.arange(1, len(zones) + 1).astype(str)
        weights = zone_weights(zones, grid)
        if weights.overlap_cells:
            notes.append(f"commune polygons overlap on {weights.overlap_cells:,} cells; those cells are shared "
                         "between the communes in proportion to their overlap (nobody is counted twice)")
    step(2)
    cov = population_coverage(people, covered, threshold_dbm=config.threshold_dbm, technology_covered=tech_cov,
                              weights=weights, has_data=pop.has_data)
    del covered, tech_cov  # only the mask that defines gaps is needed from here on
    if cov.population_data_fraction < 0.999:
        notes.append(f"the population raster covers only {100 * cov.population_data_fraction:.1f} % of the area; "
                     "people outside it are unknown and not counted")
    step(3)
    # with communes, the study area is their union: people outside it are not in gaps
    if weights is None:
        area_people = people
    else:
        area_people = weights.union_fraction()
        area_people *= people
    labels, gap_people, gap_cells = gap_labels(area_people, gap_cov, grid, config=config)
    geoms = gap_polygons(labels, grid)
    step(4)
    pieces = table = access = segments = None
    tower_xy = _tower_xy(towers, grid)
    centres = gap_centres(area_people, labels, geoms, grid)
    if roads is not None:
        segments = _road_segments(roads, grid)
        label_col = commune_name_column or (pick_name_column(zones) if zones is not None else None)
        pieces, table = road_coverage(segments, gap_cov, grid, zones=zones, zone_label=label_col)
        access = road_access(segments, centres, gap_cov, grid, towers=tower_xy)
    step(5)
    dem_values = as_float32(align_dem(dem, grid)) if dem is not None else None
    gaps = gap_table(area_people, labels, gap_people, gap_cells, grid, config=config, dem=dem_values, weights=weights,
                     zone_names=names, zone_people=people, towers_xy=tower_xy,
                     road_lines=None if segments is None else segments.geometry.values,
                     travel_m=None if access is None else access.travel_m, geometries=geoms, centres=centres)
    step(6)
    stats = None
    if zones is not None and weights is not None:
        stats = _commune_stats(zones, cov, weights, labels, people, table)
    step(7)
    log.info("gap analysis: %d gaps, %.0f people in gaps", len(gaps), float(gaps["people"].sum()) if len(gaps) else 0)
    return GapAnalysis(config=config, coverage=cov, gaps=gaps, commune_stats=stats, road_pieces=pieces,
                       road_table=table, notes=notes)
