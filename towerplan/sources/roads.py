"""Road networks for a study area: OpenStreetMap through osmnx, or the user's own road lines.

Both paths give a networkx ``MultiDiGraph`` in osmnx's conventions (nodes with
``x``/``y``, edges with ``length`` in metres and a ``geometry``, graph attribute
``crs``), projected to the study area's UTM zone, saved as ``roads.graphml``
(readable with ``osmnx.load_graphml``) and as the ``roads`` layer of
``roads.gpkg`` (one feature per road segment, both directions merged).

OSM: ``osmnx.graph_from_polygon`` with :data:`RURAL_ROAD_FILTER`, which keeps
every drivable class down to tracks and paths (in mountain communes the
motorbike track is the road). osmnx's settings are module globals: this module
sets the ones it needs (Overpass endpoint, timeout, osmnx's cache folder inside
ours) only for the duration of the call and restores them, together with
``socket.getaddrinfo``, which osmnx patches to pin the Overpass host. Not
thread-safe for that reason.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import shapely
from shapely.geometry.base import BaseGeometry

from towerplan._atomic import atomic_path
from towerplan.errors import VectorDataError
from towerplan.roadgraph import project_graph, road_edges, road_graph_from_lines
from towerplan.sources._common import DownloadError

__all__ = [
    "DEFAULT_OVERPASS_URL",
    "RURAL_ROAD_FILTER",
    "osm_cache_key",
    "osm_road_graph",
    "project_graph",
    "road_edges",
    "road_graph_from_lines",
    "write_road_network",
]

log = logging.getLogger(__name__)

#: osmnx's default public Overpass endpoint (osmnx appends ``/interpreter``)
DEFAULT_OVERPASS_URL = "https://overpass-api.de/api"

#: Overpass QL way filter: public roads of every class down to tracks and paths; no areas, no private access
RURAL_ROAD_FILTER = (
    '["highway"~"motorway|trunk|primary|secondary|tertiary|unclassified|residential|living_street|'
    'service|road|track|path|motorway_link|trunk_link|primary_link|secondary_link|tertiary_link"]'
    '["area"!~"yes"]["access"!~"private"]'
)
_EXTRA_WAY_TAGS = ("surface", "tracktype", "smoothness")


@contextlib.contextmanager
def _osmnx_settings(**values: Any) -> Iterator[Any]:
    """Set ``osmnx.settings`` attributes for the duration of the block, then restore them."""
    import osmnx as ox

    saved = {k: getattr(ox.settings, k) for k in values}
    saved_getaddrinfo = socket.getaddrinfo
    try:
        for k, v in values.items():
            setattr(ox.settings, k, v)
        yield ox
    finally:
        for k, v in saved.items():
            setattr(ox.settings, k, v)
        socket.getaddrinfo = saved_getaddrinfo


def osm_cache_key(polygon: BaseGeometry, *, custom_filter: str = RURAL_ROAD_FILTER) -> str:
    """A stable key of an OSM road query (the area to ~0.1 m and the filter)."""
    rounded = shapely.set_precision(polygon, 1e-6)
    digest = hashlib.sha256(shapely.to_wkb(rounded, hex=True).encode() + custom_filter.encode()).hexdigest()
    return f"osm/roads-{digest[:24]}.graphml"


def osm_road_graph(
    polygon: BaseGeometry,
    *,
    cache_dir: Path,
    overpass_url: str = DEFAULT_OVERPASS_URL,
    timeout_s: float = 180.0,
    custom_filter: str = RURAL_ROAD_FILTER,
    rate_limit: bool = True,
) -> nx.MultiDiGraph:
    """Download the OSM road graph inside ``polygon`` (EPSG:4326) with osmnx.

    Parameters
    ----------
    cache_dir
        osmnx's HTTP cache folder (Overpass answers are reused from it).
    overpass_url
        Overpass API base URL (osmnx posts to ``<url>/interpreter``).
    timeout_s
        Timeout of each Overpass request (also the server-side query timeout).
    rate_limit
        Ask the server's ``/status`` for a free slot first (polite on public servers).

    Returns
    -------
    networkx.MultiDiGraph
        osmnx's simplified graph in EPSG:4326.
    """
    import osmnx
    import requests

    useful = list(dict.fromkeys([*osmnx.settings.useful_tags_way, *_EXTRA_WAY_TAGS]))
    with _osmnx_settings(
        overpass_url=overpass_url,
        cache_folder=str(cache_dir),
        use_cache=True,
        requests_timeout=timeout_s,
        overpass_rate_limit=rate_limit,
        useful_tags_way=useful,
        log_console=False,
    ) as ox:
        try:
            return ox.graph_from_polygon(
                polygon, custom_filter=custom_filter, simplify=True, retain_all=True, truncate_by_edge=True
            )
        except ox._errors.InsufficientResponseError as exc:
            raise VectorDataError(f"OpenStreetMap has no roads matching the filter in the area ({exc})") from exc
        except requests.exceptions.RequestException as exc:
            raise DownloadError(f"Overpass API at {overpass_url} failed: {exc}", url=overpass_url) from exc
        except ValueError as exc:  # osmnx raises ValueError on an unusable answer
            raise DownloadError(f"Overpass API at {overpass_url} gave an unusable answer: {exc}",
                                url=overpass_url) from exc


def write_road_network(G: nx.MultiDiGraph, gpkg_path: Path, graphml_path: Path) -> gpd.GeoDataFrame:
    """Save the graph as GraphML and its segments as the ``roads`` layer of a GeoPackage (atomically)."""
    import osmnx as ox

    edges = road_edges(G)
    with atomic_path(gpkg_path) as tmp:
        edges.to_file(tmp, layer="roads", driver="GPKG", engine="pyogrio")
    with atomic_path(graphml_path) as tmp:
        ox.save_graphml(G, tmp)
    return edges
