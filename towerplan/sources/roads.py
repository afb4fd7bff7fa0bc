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
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from towerplan._atomic import atomic_path
from towerplan.errors import VectorDataError
from towerplan.sources._common import DownloadError
from towerplan.sources.boundaries import normalise_name
from towerplan.terrain import pick_crs

__all__ = [
    "DEFAULT_OVERPASS_URL",
    "RURAL_ROAD_FILTER",
    "osm_cache_key",
    "osm_road_graph",
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
_CLASS_COLUMNS = ("highway", "fclass", "class", "type", "loai_duong", "cap_duong")
_NAME_COLUMNS = ("name", "ten", "ref", "ma")
#: road-class values (normalised) that are not roads: railways ("đường sắt")
_RAIL = ("rail", "duongsat")


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


def _first_column(frame: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    return next((c for c in names if c in frame.columns), None)


def road_graph_from_lines(
    lines: gpd.GeoDataFrame, *, crs: CRS | int | str | None = None, snap_m: float = 1.0
) -> nx.MultiDiGraph:
    """A routable graph from road centre lines (any CRS), in osmnx's conventions.

    Railways (a road-class value containing "rail" or "đường sắt") are left out.
    Lines are snapped to a ``snap_m`` grid and split where they cross or touch,
    so junctions become nodes. Crossings without a junction (bridges) are joined
    too: a coarse layer has no level information. Every segment becomes two
    edges (both directions) with ``length`` (m), ``geometry``, ``highway`` (the
    road class column, if any), ``name``, ``source_index`` (the input row) and
    ``osmid`` (osmnx's edge id; here the segment number, shared by both directions).

    Parameters
    ----------
    lines
        Road lines with a CRS (e.g. from :func:`towerplan.vectors.read_roads`).
    crs
        Projected output CRS; default the UTM zone of the lines' centre.
    snap_m
        Grid size, metres, for snapping near-coincident ends.
    """
    if lines.crs is None:
        raise VectorDataError("the road lines have no coordinate reference system")
    if crs is None:
        lon_min, lat_min, lon_max, lat_max = lines.to_crs(4326).total_bounds
        crs = pick_crs((lon_min, lat_min, lon_max, lat_max))
    out_crs = CRS.from_user_input(crs)
    if not out_crs.is_projected:
        raise VectorDataError(f"the road graph needs a projected CRS, got {out_crs.name}")
    gdf = lines.to_crs(out_crs).explode(index_parts=False)
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty & (gdf.geom_type == "LineString")]
    class_col, name_col = _first_column(gdf, _CLASS_COLUMNS), _first_column(gdf, _NAME_COLUMNS)
    if class_col is not None:
        rail = gdf[class_col].map(lambda v: isinstance(v, str) and any(w in normalise_name(v) for w in _RAIL))
        if rail.any():
            log.info("road lines: %d railway features left out of the road graph", int(rail.sum()))
            gdf = gdf[~rail]
    if gdf.empty:
        raise VectorDataError("no road lines to build a graph from (empty, or railways only)")
    source = shapely.set_precision(gdf.geometry.values, snap_m)
    noded = shapely.get_parts(shapely.node(shapely.multilinestrings(source[~shapely.is_empty(source)])))
    noded = noded[shapely.length(noded) > 0]
    tree = shapely.STRtree(source)
    mids = shapely.line_interpolate_point(noded, 0.5, normalized=True)
    piece_idx, src_idx = tree.query_nearest(mids, max_distance=2 * snap_m, all_matches=False)
    owner = np.full(len(noded), -1)
    owner[piece_idx] = src_idx

    G = nx.MultiDiGraph(crs=out_crs.to_string(), created_with="towerplan.sources.roads.road_graph_from_lines")
    node_ids: dict[tuple[float, float], int] = {}

    def node(xy: tuple[float, float]) -> int:
        if xy not in node_ids:
            node_ids[xy] = len(node_ids)
            G.add_node(node_ids[xy], x=float(xy[0]), y=float(xy[1]))
        return node_ids[xy]

    rows = gdf.reset_index(drop=True)
    for segment, (piece, src) in enumerate(zip(noded, owner, strict=True)):
        coords = shapely.get_coordinates(piece)
        u, v = node(tuple(coords[0])), node(tuple(coords[-1]))
        if u == v and len(coords) < 3:
            continue
        # "osmid" is osmnx's edge id (it pairs the two directions); here the segment number
        attrs: dict[str, Any] = {
            "osmid": segment, "length": float(piece.length), "oneway": False, "source_index": int(src)
        }
        if src >= 0 and class_col is not None and pd.notna(rows.at[src, class_col]):
            attrs["highway"] = str(rows.at[src, class_col])
        if src >= 0 and name_col is not None and pd.notna(rows.at[src, name_col]):
            attrs["name"] = str(rows.at[src, name_col])
        G.add_edge(u, v, geometry=piece, reversed=False, **attrs)
        G.add_edge(v, u, geometry=LineString(coords[::-1]), reversed=True, **attrs)
    if G.number_of_edges() == 0:
        raise VectorDataError("the road lines gave no usable segment")
    for n, degree in G.degree():
        G.nodes[n]["street_count"] = degree // 2
    log.info("road graph from lines: %d nodes, %d edges", G.number_of_nodes(), G.number_of_edges())
    return G


def project_graph(G: nx.MultiDiGraph, crs: CRS) -> nx.MultiDiGraph:
    """``G`` projected to ``crs`` (osmnx), unchanged if it is already there."""
    import osmnx as ox

    if CRS.from_user_input(G.graph.get("crs", "EPSG:4326")) == crs:
        return G
    return ox.project_graph(G, to_crs=crs)


def road_edges(G: nx.MultiDiGraph) -> gpd.GeoDataFrame:
    """One feature per road segment (directions merged), list values joined with ``;``."""
    import osmnx as ox

    edges = ox.graph_to_gdfs(ox.convert.to_undirected(G), nodes=False).reset_index()
    for col in edges.columns:
        if col != edges.geometry.name and edges[col].map(lambda v: isinstance(v, (list, set, tuple))).any():
            edges[col] = edges[col].map(
                lambda v: ";".join(map(str, v)) if isinstance(v, (list, set, tuple)) else v
            )
    for col in ("u", "v", "key", "osmid"):
        if col in edges and edges[col].dtype == object:
            edges[col] = edges[col].astype(str)
    return edges


def write_road_network(G: nx.MultiDiGraph, gpkg_path: Path, graphml_path: Path) -> gpd.GeoDataFrame:
    """Save the graph as GraphML and its segments as the ``roads`` layer of a GeoPackage (atomically)."""
    import osmnx as ox

    edges = road_edges(G)
    with atomic_path(gpkg_path) as tmp:
        edges.to_file(tmp, layer="roads", driver="GPKG", engine="pyogrio")
    with atomic_path(graphml_path) as tmp:
        ox.save_graphml(G, tmp)
    return edges
