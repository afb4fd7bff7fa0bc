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
import re
from typing import Any

import numpy as np

from towerplan.errors import ConfigError

__all__ = ["MAX_PEOPLE_PER_KM2", "check_people_density", "check_study", "nodata_warning", "warning_in"]

log = logging.getLogger(__name__)

#: more people per km^2 than this in one cell is not a population count (the densest city
#: districts hold about 100,000 per km^2)
MAX_PEOPLE_PER_KM2 = 1_000_000.0
#: share of the population raster's cells on the grid without data above which a warning is given
NODATA_WARN_SHARE = 0.01


#: the warnings of this module, English and Vietnamese (the plan keeps the English text, the app and
#: the Vietnamese outputs show it through :func:`warning_in`)
_TEMPLATES: dict[str, tuple[str, str]] = {
    "nodata": (
        "{share} of the study grid's land cells have no data in the {name} (nodata, or outside it) and count as "
        "nobody: if people live there, they are missing from every figure (fill the gaps or use another "
        "population raster)",
        "{share} ô đất liền của lưới nghiên cứu không có dữ liệu trong {name} (nodata, hoặc nằm ngoài) và được tính "
        "là không có người: nếu có người sống ở đó, họ bị thiếu trong mọi số liệu (hãy bổ sung chỗ thiếu hoặc dùng "
        "một raster dân số khác)",
    ),
    "communes_outside": (
        "{outside} of {total} communes lie wholly outside the study grid and are left out of the commune table",
        "{outside} trên {total} xã nằm hoàn toàn ngoài lưới nghiên cứu và không có trong bảng theo xã",
    ),
}
_NAMES_VI = {"population raster": "raster dân số"}


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", template)
    out = "".join(re.escape(p) if k % 2 == 0 else f"(?P<{p}>.+?)" for k, p in enumerate(parts))
    return re.compile(out + "$", re.DOTALL)


def warning_in(text: str, language: str) -> str:
    """``text`` (a warning of this module, as the plan records it) in ``language`` ("vi" or "en");
    a text that is not one of this module's warnings is returned as it is."""
    if language != "vi":
        return text
    for en, vi in _TEMPLATES.values():
        found = _pattern(en).match(text)
        if found:
            values = {k: _NAMES_VI.get(v, v) for k, v in found.groupdict().items()}
            return vi.format(**values)
    return text


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
    return _TEMPLATES["nodata"][0].format(share=f"{share:.0%}", name=name)


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
            warnings.append(_TEMPLATES["communes_outside"][0].format(outside=f"{int((~inside).sum()):,}",
                                                                     total=f"{len(communes):,}"))
    for text in warnings:
        log.warning("%s", text)
    return warnings
