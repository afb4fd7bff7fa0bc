"""WorldPop country population rasters: URLs, and alignment of a window of them to the DEM grid.

URL patterns on ``https://data.worldpop.org/`` (checked 2026-11 against public
scripts and WorldPop's catalogue entries that link these files):

* Global 2000-2020, unconstrained, UN-adjusted, 1 km ("Aggregated"):
  ``GIS/Population/Global_2000_2020_1km_UNadj/{year}/{ISO}/{iso}_ppp_{year}_1km_Aggregated_UNadj.tif``
  (the file in ``../shared/data/worldpop`` is byte-identical to this product for VNM 2020);
* Global 2000-2020, unconstrained, UN-adjusted, 100 m:
  ``GIS/Population/Global_2000_2020/{year}/{ISO}/{iso}_ppp_{year}_UNadj.tif``;
* Global 2015-2030 release R2025A, constrained (people only in built-up cells), 100 m:
  ``GIS/Population/Global_2015_2030/R2025A/{year}/{ISO}/v1/100m/constrained/{iso}_pop_{year}_CN_100m_R2025A_v1.tif``;
* the same, 1 km, UN-adjusted:
  ``GIS/Population/Global_2015_2030/R2025A/{year}/{ISO}/v1/1km_ua/constrained/{iso}_pop_{year}_CN_1km_R2025A_UA_v1.tif``.

Below a ``--mirror`` the files live at ``<mirror>/worldpop/<the same path>``.
Country rasters cover one country each: people across a border are counted only
when that country is listed too (``countries=("VNM", "LAO")``).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
import rasterio.windows
from affine import Affine
from pyproj import CRS, Transformer
from rasterio.errors import RasterioIOError

from towerplan.errors import ConfigError, RasterDataError, UnreadableFileError
from towerplan.grid import Grid
from towerplan.input_files import open_raster
from towerplan.population import PopulationAlignment, align_population
from towerplan.sources._common import Resource, join_url

__all__ = ["WORLDPOP_PRODUCTS", "WorldPopProduct", "align_population_files", "worldpop_resource"]

log = logging.getLogger(__name__)

WORLDPOP_BASE_URL = "https://data.worldpop.org/"
_ISO3 = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class WorldPopProduct:
    """One family of WorldPop country rasters.

    Parameters
    ----------
    key
        Name used by ``--population``.
    title
        Human-readable name.
    path_template
        Path below the host; fields ``{ISO}``, ``{iso}`` and ``{year}``.
    first_year, last_year
        Years published.
    resolution_m
        Nominal cell size.
    constrained
        People only in cells mapped as built-up.
    """

    key: str
    title: str
    path_template: str
    first_year: int
    last_year: int
    resolution_m: int
    constrained: bool

    def __post_init__(self) -> None:
        if not (self.first_year <= self.last_year and self.resolution_m > 0):
            raise ConfigError(f"{self.key}: invalid years {self.first_year}-{self.last_year} or resolution")
        try:
            self.path_template.format(ISO="VNM", iso="vnm", year=self.first_year)
        except (KeyError, IndexError) as exc:
            raise ConfigError(f"{self.key}: bad path template {self.path_template!r} ({exc})") from exc

    def path(self, iso3: str, year: int) -> str:
        """The file's path below the host for country ``iso3`` and ``year``."""
        if not self.first_year <= year <= self.last_year:
            raise ConfigError(f"{self.key} has years {self.first_year}-{self.last_year}, not {year}")
        return self.path_template.format(ISO=iso3.upper(), iso=iso3.lower(), year=year)


#: ``--population`` choices; ``worldpop`` is the small 1 km unconstrained raster.
WORLDPOP_PRODUCTS: dict[str, WorldPopProduct] = {
    p.key: p
    for p in (
        WorldPopProduct(
            "worldpop", "WorldPop 1 km unconstrained, UN-adjusted (Global 2000-2020)",
            "GIS/Population/Global_2000_2020_1km_UNadj/{year}/{ISO}/{iso}_ppp_{year}_1km_Aggregated_UNadj.tif",
            2000, 2020, 1000, False,
        ),
        WorldPopProduct(
            "worldpop-100m", "WorldPop 100 m unconstrained, UN-adjusted (Global 2000-2020)",
            "GIS/Population/Global_2000_2020/{year}/{ISO}/{iso}_ppp_{year}_UNadj.tif",
            2000, 2020, 100, False,
        ),
        WorldPopProduct(
            "worldpop-constrained", "WorldPop 100 m constrained (Global 2015-2030, R2025A)",
            "GIS/Population/Global_2015_2030/R2025A/{year}/{ISO}/v1/100m/constrained/"
            "{iso}_pop_{year}_CN_100m_R2025A_v1.tif",
            2015, 2030, 100, True,
        ),
        WorldPopProduct(
            "worldpop-constrained-1km", "WorldPop 1 km constrained, UN-adjusted (Global 2015-2030, R2025A)",
            "GIS/Population/Global_2015_2030/R2025A/{year}/{ISO}/v1/1km_ua/constrained/"
            "{iso}_pop_{year}_CN_1km_R2025A_UA_v1.tif",
            2015, 2030, 1000, True,
        ),
    )
}


def check_iso3(code: str) -> str:
    """``code`` upper-cased if it is a 3-letter ISO country code; :class:`ConfigError` otherwise."""
    iso = code.strip().upper()
    if not _ISO3.match(iso):
        raise ConfigError(f"{code!r} is not a 3-letter ISO country code (e.g. VNM)")
    return iso


def worldpop_resource(
    country: str, *, product: str = "worldpop", year: int = 2020, mirror: str | None = None
) -> Resource:
    """The WorldPop raster of ``country`` (ISO 3166 alpha-3) for ``year``."""
    try:
        spec = WORLDPOP_PRODUCTS[product]
    except KeyError:
        choices = ", ".join(WORLDPOP_PRODUCTS)
        raise ConfigError(f"unknown population source {product!r}; choose one of {choices}") from None
    iso = check_iso3(country)
    path = spec.path(iso, year)
    url = join_url(mirror, f"worldpop/{path}") if mirror else join_url(WORLDPOP_BASE_URL, path)
    return Resource(key=f"worldpop/{path}", urls=(url,), licence="worldpop", description=f"{spec.title}, {iso} {year}")


def _read_window(path: Path, target: Grid, *, pad_cells: int = 2) -> Grid | None:
    """The part of raster ``path`` under ``target``'s extent (plus a pad), or None if they do not overlap."""
    try:
        with open_raster(path, what="population") as ds:
            if ds.crs is None:
                raise RasterDataError(f"{path.name}: the population raster has no coordinate reference system")
            src_crs = CRS.from_wkt(ds.crs.to_wkt())
            tr = Transformer.from_crs(target.crs, src_crs, always_xy=True)
            left, bottom, right, top = tr.transform_bounds(*target.bounds, densify_pts=21)
            inverse = ~ds.transform
            corners = [inverse @ (x, y) for x in (left, right) for y in (bottom, top)]
            cs, rs = [c for c, _ in corners], [r for _, r in corners]
            col0 = max(int(np.floor(min(cs))) - pad_cells, 0)
            row0 = max(int(np.floor(min(rs))) - pad_cells, 0)
            col1 = min(int(np.ceil(max(cs))) + pad_cells, ds.width)
            row1 = min(int(np.ceil(max(rs))) + pad_cells, ds.height)
            if col0 >= col1 or row0 >= row1:
                return None
            window = rasterio.windows.Window(col0, row0, col1 - col0, row1 - row0)
            values = ds.read(1, window=window)
            transform = ds.transform @ Affine.translation(col0, row0)
            return Grid(values, transform, src_crs, ds.nodata)
    except RasterioIOError as exc:
        raise UnreadableFileError(f"{path.name}: not a readable raster ({exc})") from exc


def align_population_files(paths: Sequence[str | os.PathLike[str]], target: Grid) -> PopulationAlignment:
    """Align one or more population rasters (e.g. neighbouring countries) to ``target``, summing them.

    Only the window of each file under the target is read, so a whole-country
    100 m raster is never loaded. Each window is moved onto the lattice with
    :func:`towerplan.population.align_population` (sum-preserving).

    Raises
    ------
    RasterDataError
        No file overlaps the grid.
    """
    total: np.ndarray | None = None
    source_total = aligned_total = outside_total = 0.0
    for p in paths:
        window = _read_window(Path(p), target)
        if window is None:
            log.warning("population raster %s does not overlap the study area; skipped", Path(p).name)
            continue
        part = align_population(window, target)
        values = part.grid.values.astype(np.float64)
        total = values if total is None else total + values
        source_total += part.source_total
        aligned_total += part.aligned_total
        outside_total += part.outside_total
    if total is None:
        raise RasterDataError("no population raster overlaps the study area")
    grid = target.with_values(total.astype(np.float32), nodata=None)
    return PopulationAlignment(grid, source_total, aligned_total, outside_total)
