"""Road graphs from road lines, in osmnx's conventions (a base module: no download code).

:func:`road_graph_from_lines` builds a routable ``MultiDiGraph`` from any road layer,
:func:`project_graph` moves a graph to a metric CRS and :func:`road_edges` lists its
segments. The download package (:mod:`towerplan.sources.roads`, OpenStreetMap through
osmnx) and the planning package (road coverage, travel to coverage, fibre backhaul) both
use them.
"""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from shapely.geometry import LineString

from towerplan.errors import VectorDataError
from towerplan.names import normalise_name
from towerplan.terrain import pick_crs

__all__ = ["project_graph", "road_edges", "road_graph_from_lines"]

log = logging.getLogger(__name__)

_CLASS_COLUMNS = ("highway", "fclass", "class", "type", "loai_duong", "cap_duong")
_NAME_COLUMNS = ("name", "ten", "ref", "ma")
#: road-class values (normalised) that are not roads: railways ("đường sắt")
_RAIL = ("rail", "duongsat")


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
