"""Put coverage levels, population and elevation on one lattice before counting people.

The analysis lattice is the coverage rasters' (the DEM lattice the engine used).
Level grids on another lattice are warped onto it with nearest-neighbour (a dBm
value is a field, not a count); the population is moved with the sum-preserving
:func:`towerplan.population.align_population`; a DEM is warped bilinearly.
Where the population raster has no data (outside its extent or nodata) is
tracked, so the share of the study area it covers can be reported.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from towerplan.errors import RasterDataError
from towerplan.grid import Grid
from towerplan.population import align_population
from towerplan.terrain import reproject_grid

__all__ = ["AlignedPopulation", "align_dem", "as_float32", "align_levels", "align_population_to"]

log = logging.getLogger(__name__)


def as_float32(grid: Grid) -> np.ndarray:
    """The grid's values as float32 with NaN where missing (no copy when already so)."""
    v = grid.values
    if v.dtype == np.float32 and (grid.nodata is None or np.isnan(grid.nodata)):
        return v
    return np.where(grid.valid_mask(), v, np.nan).astype(np.float32)


def align_levels(levels: Mapping[str, Grid], *, like: Grid | None = None) -> dict[str, Grid]:
    """Level grids (dBm, NaN = no signal) all on one lattice.

    Parameters
    ----------
    levels
        Operator (or technology) name -> level grid. Any CRS; the first grid's
        lattice is the target unless ``like`` is given.
    like
        Target lattice (projected, metres).

    Returns
    -------
    dict
        Same keys, every grid on the target lattice (warped ones with nearest neighbour).
    """
    if not levels:
        raise RasterDataError("no coverage level grids given")
    target = like if like is not None else next(iter(levels.values()))
    target.require_metric()
    out: dict[str, Grid] = {}
    for name, grid in levels.items():
        if grid.same_lattice(target):
            out[name] = grid
            continue
        log.info("coverage grid %r is on another lattice (%r): warped onto the analysis grid (nearest)",
                 name, grid)
        warped = reproject_grid(grid.with_values(as_float32(grid), nodata=float("nan")),
                                like=target, resampling="nearest")
        out[name] = warped
    return out


@dataclass(frozen=True, eq=False)
class AlignedPopulation:
    """Population on the analysis lattice.

    Attributes
    ----------
    grid
        People per cell (float32, 0 where nobody or no data).
    has_data
        True where the population raster had data (inside its extent, not nodata).
    aligned
        Whether it had to be moved from another lattice (sum-preserving).
    source_total, outside_total
        People in the source raster, and in its cells outside the analysis lattice.
    """

    grid: Grid
    has_data: np.ndarray
    aligned: bool
    source_total: float
    outside_total: float

    def __post_init__(self) -> None:
        if self.has_data.shape != self.grid.shape:
            raise ValueError("has_data does not match the grid's shape")


def align_population_to(population: Grid, target: Grid) -> AlignedPopulation:
    """The population on ``target``'s lattice (sum-preserving if it has to move).

    Parameters
    ----------
    population
        People per cell, any CRS and lattice; nodata / NaN = no data.
    target
        The analysis lattice (projected, metres).
    """
    target.require_metric()
    valid = population.valid_mask()
    if population.same_lattice(target):
        v = population.values
        people = v if (v.dtype == np.float32 and valid.all()) else np.where(valid, v, 0).astype(np.float32)
        if (people < 0).any():
            raise RasterDataError("the population raster has negative cells; is its nodata value set correctly?")
        grid = population if people is v and population.nodata is None else Grid(people, target.transform,
                                                                                   target.crs)
        total = float(people.sum(dtype=np.float64))
        return AlignedPopulation(grid, valid, False, total, 0.0)
    log.info("population raster is on another lattice: aligned (sum-preserving) onto the analysis grid")
    result = align_population(population, target)
    footprint = reproject_grid(population.with_values(valid.astype(np.float32), nodata=None), like=target,
                               resampling="nearest")
    has_data = np.nan_to_num(footprint.values, nan=0.0) > 0.5
    return AlignedPopulation(result.grid, has_data, True, result.source_total, result.outside_total)


def align_dem(dem: Grid, target: Grid) -> Grid:
    """The DEM on ``target``'s lattice (bilinear), or as is when it is already there."""
    if dem.same_lattice(target):
        return dem
    log.info("DEM is on another lattice: warped onto the analysis grid (bilinear)")
    return reproject_grid(dem.with_values(as_float32(dem), nodata=float("nan")), like=target)
