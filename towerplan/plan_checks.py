"""Checks that refuse a plan that cannot be right, and warnings that must reach the plan's summary.

A run used to finish with exit 0 on inputs that make its figures meaningless:
communes that do not overlap the study ("0 people, None % covered", towers still
proposed), a population raster holding 3e38 people in one cell, or one fifth of
its cells without data (people silently counted as nobody). :func:`check_study`
raises :class:`~towerplan.errors.ConfigError` for the meaningless cases and
returns the warnings (also logged) that ``summary.json`` carries.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np

from towerplan.errors import ConfigError

__all__ = ["MAX_PEOPLE_PER_KM2", "check_people_density", "check_study", "nodata_warning"]

log = logging.getLogger(__name__)

#: more people per km^2 than this in one cell is not a population count (the densest city
#: districts hold about 100,000 per km^2)
MAX_PEOPLE_PER_KM2 = 1_000_000.0
#: share of the population raster's cells on the grid without data above which a warning is given
NODATA_WARN_SHARE = 0.01


def check_people_density(counts: np.ndarray, cell_area_km2: np.ndarray | float, *, name: str = "") -> None:
    """Refuse people counts that no place on Earth holds (over :data:`MAX_PEOPLE_PER_KM2` in a cell).

    ``counts``: people per cell (nodata as 0); ``cell_area_km2``: the area of each cell (broadcast).
    """
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        density = counts / np.asarray(cell_area_km2, dtype=np.float64)
    bad = density > MAX_PEOPLE_PER_KM2
    if bad.any():
        row, col = (int(v[0]) for v in np.nonzero(bad))
        worst = float(np.nanmax(np.where(bad, counts, np.nan)))
        raise ConfigError(
            f"{name + ': ' if name else ''}the population raster holds {worst:.3g} people in one cell (row "
            f"{row + 1}, column {col + 1}), more than {MAX_PEOPLE_PER_KM2:,.0f} per km2: not a count of people. "
            f"{int(bad.sum()):,} cell(s) like it; check its nodata value and that it holds people per cell"
        )


def nodata_warning(share: float, *, name: str = "population raster") -> str | None:
    """The warning when a share of the grid's land cells has no population data, or None."""
    if not share > NODATA_WARN_SHARE:
        return None
    return (f"{share:.0%} of the study grid's land cells have no data in the {name} (nodata, or outside it) and "
            "count as nobody: if people live there, they are missing from every figure (fill the gaps or use "
            "another population raster)")


def check_study(*, population_total: float, communes: Any = None, grid_bounds: tuple[float, float, float, float],
                grid_crs: Any, warnings: list[str]) -> list[str]:
    """Refuse a meaningless study; return ``warnings`` extended with what the plan must say.

    Raises
    ------
    ConfigError
        No people on the study grid, or communes of which none overlaps it.
    """
    if not math.isfinite(population_total) or population_total <= 0:
        raise ConfigError(
            "the population raster puts no people on the study grid (total "
            f"{population_total:,.0f}); does it cover the study area? check its extent and nodata value"
        )
    if communes is not None and len(communes):
        from shapely.geometry import box

        study = box(*grid_bounds)
        inside = communes.to_crs(grid_crs).intersects(study)
        if not inside.any():
            raise ConfigError(
                f"none of the {len(communes):,} communes overlaps the study grid; are they the right province "
                "(or in the right CRS)? the plan would count 0 people per commune"
            )
        if not inside.all():
            warnings.append(f"{int((~inside).sum()):,} of {len(communes):,} communes lie wholly outside the study "
                            "grid and are left out of the commune table")
    for text in warnings:
        log.warning("%s", text)
    return warnings
