"""DEM tiles from public open-data hosts: names, URLs, and which tiles an area needs.

Every product is 1°x1° tiles named after their south-west corner. The hosts and
file names are data (:data:`DEM_PRODUCTS`), so an office mirror only has to copy
the files: below a ``--mirror`` URL a tile lives at ``<mirror>/<product>/<path>``,
e.g. ``<mirror>/srtm3/N19E105.SRTMGL3.hgt.zip``.

Sources of the URL patterns (checked 2026-11):

* SRTM v3 1" and 3" (SRTMGL1/SRTMGL3) as zipped ``.hgt``: the ESA SNAP "STEP"
  auxiliary-data mirror, ``https://step.esa.int/auxdata/dem/SRTMGL1/N19E105.SRTMGL1.hgt.zip``
  and ``.../SRTMGL3/N19E105.SRTMGL3.hgt.zip``, no login (SNAP's and ISCE's default
  SRTM source). NASA's own LP DAAC copies need an Earthdata login.
* NASADEM 1": OpenTopography's public bucket,
  ``https://opentopography.s3.sdsc.edu/raster/NASADEM/NASADEM_be/NASADEM_HGT_n19e105.tif``
  (GeoTIFF, anonymous, answers Range requests).
* Copernicus DEM GLO-30 / GLO-90: the AWS Open Data buckets
  ``https://copernicus-dem-30m.s3.amazonaws.com/Copernicus_DSM_COG_10_N19_00_E105_00_DEM/Copernicus_DSM_COG_10_N19_00_E105_00_DEM.tif``
  and ``https://copernicus-dem-90m.s3.amazonaws.com/Copernicus_DSM_COG_30_..._DEM/..._DEM.tif``
  (registry.opendata.aws/copernicus-dem; readme at copernicus-dem-30m.s3.amazonaws.com/readme.html).
  Ocean tiles do not exist; a few GLO-30 tiles are not public.

A tile that answers 404 is skipped (all-sea tiles are not published); the study
area fails only when no tile at all is found.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from shapely.geometry import box

from towerplan.errors import ConfigError
from towerplan.sources._common import Resource, join_url
from towerplan.terrain import Area, area_geometry

__all__ = [
    "DEM_PRODUCTS",
    "DemProduct",
    "copernicus_tile_id",
    "dem_product",
    "dem_resources",
    "srtm_tile_name",
    "tile_origins",
]


@dataclass(frozen=True)
class DemProduct:
    """A tiled DEM on a public host.

    Parameters
    ----------
    key
        Name used by ``--dem`` and as the folder below a mirror.
    title
        Human-readable name.
    base_url
        Host folder the tile paths are relative to.
    path_template
        Tile path; fields ``{srtm}`` (``N19E105``), ``{srtm_lower}`` (``n19e105``)
        and ``{cop}`` (``N19_00_E105_00``).
    licence
        Key of :data:`towerplan.sources.licences.LICENCES`.
    resolution_arcsec
        Sample spacing (1 or 3 arc-seconds).
    vertical_datum
        Height reference of the values.
    """

    key: str
    title: str
    base_url: str
    path_template: str
    licence: str
    resolution_arcsec: int
    vertical_datum: str

    def __post_init__(self) -> None:
        if self.resolution_arcsec not in (1, 3):
            raise ConfigError(f"{self.key}: resolution must be 1 or 3 arc-seconds")
        try:
            self.path_template.format(srtm="N0E0", srtm_lower="n0e0", cop="N00_00_E000_00")
        except (KeyError, IndexError) as exc:
            raise ConfigError(f"{self.key}: bad path template {self.path_template!r} ({exc})") from exc

    def tile_path(self, lat: int, lon: int) -> str:
        """Path of the tile whose south-west corner is (lat, lon), relative to the host."""
        name = srtm_tile_name(lat, lon)
        return self.path_template.format(srtm=name, srtm_lower=name.lower(), cop=copernicus_tile_id(lat, lon))


_ESA_STEP = "https://step.esa.int/auxdata/dem/"

#: The DEM products ``towerplan fetch --dem`` knows.
DEM_PRODUCTS: dict[str, DemProduct] = {
    p.key: p
    for p in (
        DemProduct("srtm3", 'SRTM v3 3" (SRTMGL3, ~90 m)', _ESA_STEP + "SRTMGL3/", "{srtm}.SRTMGL3.hgt.zip",
                   "srtm", 3, "EGM96"),
        DemProduct("srtm1", 'SRTM v3 1" (SRTMGL1, ~30 m)', _ESA_STEP + "SRTMGL1/", "{srtm}.SRTMGL1.hgt.zip",
                   "srtm", 1, "EGM96"),
        DemProduct("nasadem", 'NASADEM 1" (~30 m)', "https://opentopography.s3.sdsc.edu/raster/NASADEM/NASADEM_be/",
                   "NASADEM_HGT_{srtm_lower}.tif", "nasadem", 1, "EGM96"),
        DemProduct("copernicus30", "Copernicus DEM GLO-30 (~30 m, surface model)",
                   "https://copernicus-dem-30m.s3.amazonaws.com/",
                   "Copernicus_DSM_COG_10_{cop}_DEM/Copernicus_DSM_COG_10_{cop}_DEM.tif", "copernicus30", 1,
                   "EGM2008"),
        DemProduct("copernicus90", "Copernicus DEM GLO-90 (~90 m, surface model)",
                   "https://copernicus-dem-90m.s3.amazonaws.com/",
                   "Copernicus_DSM_COG_30_{cop}_DEM/Copernicus_DSM_COG_30_{cop}_DEM.tif", "copernicus90", 3,
                   "EGM2008"),
    )
}


def srtm_tile_name(lat: int, lon: int) -> str:
    """SRTM-style name of the tile with south-west corner (lat, lon): ``N19E105``, ``S08W035``."""
    _check_corner(lat, lon)
    return f"{'N' if lat >= 0 else 'S'}{abs(lat):02d}{'E' if lon >= 0 else 'W'}{abs(lon):03d}"


def copernicus_tile_id(lat: int, lon: int) -> str:
    """Copernicus DEM tile id of the tile with south-west corner (lat, lon): ``N19_00_E105_00``."""
    _check_corner(lat, lon)
    return f"{'N' if lat >= 0 else 'S'}{abs(lat):02d}_00_{'E' if lon >= 0 else 'W'}{abs(lon):03d}_00"


def _check_corner(lat: int, lon: int) -> None:
    if not (-90 <= lat < 90 and -180 <= lon < 180) or int(lat) != lat or int(lon) != lon:
        raise ConfigError(f"({lat}, {lon}) is not the south-west corner of a 1-degree tile")


def tile_origins(area: Area) -> list[tuple[int, int]]:
    """South-west corners (lat, lon) of the 1° tiles that intersect ``area`` (EPSG:4326), south to north."""
    geom = area_geometry(area)
    lon_min, lat_min, lon_max, lat_max = geom.bounds
    out = []
    for lat in range(math.floor(lat_min), max(math.ceil(lat_max), math.floor(lat_min) + 1)):
        for lon in range(math.floor(lon_min), max(math.ceil(lon_max), math.floor(lon_min) + 1)):
            if box(lon, lat, lon + 1, lat + 1).intersects(geom):
                out.append((lat, lon))
    return out


def dem_product(key: str) -> DemProduct:
    """The product named ``key``; :class:`ConfigError` listing the known ones otherwise."""
    try:
        return DEM_PRODUCTS[key]
    except KeyError:
        raise ConfigError(f"unknown DEM source {key!r}; choose one of {', '.join(DEM_PRODUCTS)}") from None


def dem_resources(area: Area, *, product: str = "srtm3", mirror: str | None = None) -> list[Resource]:
    """The tiles of ``product`` needed for ``area``, as optional resources (sea tiles are not published).

    Parameters
    ----------
    area
        Box or polygon in EPSG:4326.
    product
        A key of :data:`DEM_PRODUCTS`.
    mirror
        Base URL replacing the public hosts: tiles are read from ``<mirror>/<product>/<path>``.
    """
    spec = dem_product(product)
    out = []
    for lat, lon in tile_origins(area):
        path = spec.tile_path(lat, lon)
        url = join_url(mirror, f"{spec.key}/{path}") if mirror else join_url(spec.base_url, path)
        out.append(
            Resource(
                key=f"{spec.key}/{path}",
                urls=(url,),
                licence=spec.licence,
                optional=True,
                description=f"{spec.title} tile {srtm_tile_name(lat, lon)}",
            )
        )
    return out

