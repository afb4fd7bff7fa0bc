"""OpenStreetMap village points for a study area (``towerplan fetch --villages``).

The Overpass query of :func:`towerplan.villages.osm.overpass_village_query` is sent as
an HTTP GET (``<overpass>/interpreter?data=<query>``, which Overpass accepts like a
POST), so the answer is an ordinary :class:`~towerplan.sources._common.Resource` and
follows the same rules as every other download: the content-addressed cache (keyed by
the query), a ``--mirror`` (the file at ``<mirror>/osm/villages-<hash>.json`` first, then
the mirror's Overpass at ``<mirror>/overpass``), ``--offline`` (listed as missing when
not cached), retries and the JSON format check. ``DownloadCache.export_mirror`` copies
the answer under its key, so an office mirror serves it without an Overpass server.
"""

from __future__ import annotations

import hashlib
from urllib.parse import quote

import geopandas as gpd
from shapely.geometry.base import BaseGeometry

from towerplan.sources._common import Resource, join_url
from towerplan.sources.roads import DEFAULT_OVERPASS_URL
from towerplan.villages.osm import overpass_village_query, parse_overpass_villages

__all__ = ["osm_villages", "villages_resource"]


def villages_resource(polygon: BaseGeometry, *, overpass_url: str = DEFAULT_OVERPASS_URL,
                      mirror: str | None = None, timeout_s: int = 180) -> Resource:
    """The Overpass answer listing the villages in ``polygon``'s bounding box (EPSG:4326) as a resource."""
    query = overpass_village_query(polygon.bounds, timeout_s=timeout_s)
    digest = hashlib.sha256(query.encode()).hexdigest()[:24]
    key = f"osm/villages-{digest}.json"
    url = join_url(overpass_url, "interpreter") + "?data=" + quote(query, safe="")
    urls = (join_url(mirror, key), url) if mirror else (url,)
    return Resource(key, urls, "osm", description="OpenStreetMap villages (place=village|hamlet|isolated_dwelling, "
                    "Overpass query)", extra=(("query", query),))


def osm_villages(path_or_bytes: bytes | str, polygon: BaseGeometry, *, source: str = "OpenStreetMap"
                 ) -> gpd.GeoDataFrame:
    """The villages of an Overpass answer (a file path or its bytes) that lie inside ``polygon``."""
    data = path_or_bytes
    if isinstance(path_or_bytes, str):
        with open(path_or_bytes, "rb") as fh:
            data = fh.read()
    villages = parse_overpass_villages(data, source=source)
    inside = villages.within(polygon) | villages.touches(polygon)
    return villages[inside].reset_index(drop=True)
