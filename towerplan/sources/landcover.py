"""ESA WorldCover land-cover tiles: names, URLs, and which tiles an area needs.

ESA WorldCover 10 m is published as 3°x3° Cloud-Optimised GeoTIFF tiles (EPSG:4326,
uint8 class codes 10-100, nodata 0) named after their south-west corner, whose
latitude and longitude are multiples of 3:
``ESA_WorldCover_10m_2021_v200_N18E105_Map.tif`` covers 18-21 °N, 105-108 °E.
The tiles are on ESA's public AWS Open Data bucket, anonymous and answering
Range requests (registry.opendata.aws/esa-worldcover-vito, checked 2026-11):

* 2021, v200: ``https://esa-worldcover.s3.eu-central-1.amazonaws.com/v200/2021/map/ESA_WorldCover_10m_2021_v200_N18E105_Map.tif``
* 2020, v100: ``https://esa-worldcover.s3.eu-central-1.amazonaws.com/v100/2020/map/ESA_WorldCover_10m_2020_v100_N18E105_Map.tif``

Tiles entirely over the sea are not published: a 404 is skipped (like sea DEM
tiles), and the study area fails only when no tile at all exists. Below a
``--mirror`` URL a tile lives at ``<mirror>/<product>/<file name>``, e.g.
``<mirror>/worldcover2021/ESA_WorldCover_10m_2021_v200_N18E105_Map.tif``.
Each tile is about 100-400 MB (36,000 x 36,000 pixels); only the part over
the study area is ever read (:func:`towerplan.landcover.read_land_cover`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from shapely.geometry import box

from towerplan.errors import ConfigError
from towerplan.sources._common import Resource, join_url
from towerplan.terrain import Area, area_geometry

__all__ = [
    "LANDCOVER_PRODUCTS",
    "LandCoverProduct",
    "landcover_product",
    "landcover_resources",
    "worldcover_tile_name",
    "worldcover_tile_origins",
]

_BUCKET = "https://esa-worldcover.s3.eu-central-1.amazonaws.com/"
#: side of a WorldCover tile, degrees
TILE_DEG = 3


@dataclass(frozen=True)
class LandCoverProduct:
    """A tiled land-cover product on a public host.

    Parameters
    ----------
    key
        Name used by ``--landcover`` and as the folder below a mirror.
    title
        Human-readable name.
    base_url
        Host folder the tile names are relative to.
    year, version
        Map year and product version, as in the file names.
    licence
        Key of :data:`towerplan.sources.licences.LICENCES`.
    """

    key: str
    title: str
    base_url: str
    year: int
    version: str
    licence: str

    def __post_init__(self) -> None:
        if not (self.key and self.base_url.endswith("/") and self.version.startswith("v")):
            raise ConfigError(f"bad land-cover product definition {self!r}")

    def tile_name(self, lat: int, lon: int) -> str:
        """File name of the tile whose south-west corner is (lat, lon)."""
        return worldcover_tile_name(lat, lon, year=self.year, version=self.version)


LANDCOVER_PRODUCTS: dict[str, LandCoverProduct] = {
    p.key: p
    for p in (
        LandCoverProduct("worldcover2021", "ESA WorldCover 10 m 2021 v200", _BUCKET + "v200/2021/map/", 2021, "v200",
                         "worldcover"),
        LandCoverProduct("worldcover2020", "ESA WorldCover 10 m 2020 v100", _BUCKET + "v100/2020/map/", 2020, "v100",
                         "worldcover"),
    )
}


def worldcover_tile_name(lat: int, lon: int, *, year: int = 2021, version: str = "v200") -> str:
    """``ESA_WorldCover_10m_2021_v200_N18E105_Map.tif`` for the tile with south-west corner (lat, lon).

    Raises
    ------
    ConfigError
        The corner is not a multiple of 3 degrees or is off the globe.
    """
    if not (-90 <= lat < 90 and -180 <= lon < 180) or lat % TILE_DEG or lon % TILE_DEG:
        raise ConfigError(f"({lat}, {lon}) is not the south-west corner of a 3-degree WorldCover tile")
    corner = f"{'N' if lat >= 0 else 'S'}{abs(lat):02d}{'E' if lon >= 0 else 'W'}{abs(lon):03d}"
    return f"ESA_WorldCover_10m_{year}_{version}_{corner}_Map.tif"


def worldcover_tile_origins(area: Area) -> list[tuple[int, int]]:
    """South-west corners (lat, lon) of the 3° tiles that intersect ``area`` (EPSG:4326), south to north."""
    geom = area_geometry(area)
    lon_min, lat_min, lon_max, lat_max = geom.bounds
    lat0 = math.floor(lat_min / TILE_DEG) * TILE_DEG
    lon0 = math.floor(lon_min / TILE_DEG) * TILE_DEG
    out = []
    for lat in range(lat0, max(math.ceil(lat_max / TILE_DEG) * TILE_DEG, lat0 + TILE_DEG), TILE_DEG):
        for lon in range(lon0, max(math.ceil(lon_max / TILE_DEG) * TILE_DEG, lon0 + TILE_DEG), TILE_DEG):
            if lat < 90 and lon < 180 and box(lon, lat, lon + TILE_DEG, lat + TILE_DEG).intersects(geom):
                out.append((lat, lon))
    return out


def landcover_product(key: str) -> LandCoverProduct:
    """The product named ``key``; :class:`ConfigError` listing the known ones otherwise."""
    try:
        return LANDCOVER_PRODUCTS[key]
    except KeyError:
        raise ConfigError(f"unknown land-cover source {key!r}; choose one of "
                          f"{', '.join([*LANDCOVER_PRODUCTS, 'none'])}") from None


def landcover_resources(area: Area, *, product: str = "worldcover2021", mirror: str | None = None) -> list[Resource]:
    """The WorldCover tiles needed for ``area``, as optional resources (sea tiles are not published).

    Parameters
    ----------
    area
        Box or polygon in EPSG:4326.
    product
        A key of :data:`LANDCOVER_PRODUCTS`.
    mirror
        Base URL replacing the public host: tiles are read from ``<mirror>/<product>/<file name>``.
    """
    spec = landcover_product(product)
    out = []
    for lat, lon in worldcover_tile_origins(area):
        name = spec.tile_name(lat, lon)
        url = join_url(mirror, f"{spec.key}/{name}") if mirror else join_url(spec.base_url, name)
        out.append(Resource(key=f"{spec.key}/{name}", urls=(url,), licence=spec.licence, optional=True,
                            description=f"{spec.title} tile {name.split('_')[-2]}"))
    return out
