"""Roads in the gap analysis: kilometres covered, and travel along roads to coverage.

The road graph itself comes from :mod:`towerplan.roadgraph`
(:func:`~towerplan.roadgraph.road_graph_from_lines` for road lines,
:func:`~towerplan.roadgraph.osm_road_graph` for OpenStreetMap); this module
works on its segments (:func:`~towerplan.roadgraph.road_edges`).

Road length per cell is exact: every line is cut where it crosses a cell edge
(:func:`cell_pieces`), so a road exactly half inside the covered cells is
exactly half covered, independent of sampling.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from towerplan.grid import Grid
from towerplan.roadgraph import road_edges, road_graph_from_lines

__all__ = ["CellPieces", "RoadAccess", "cell_pieces", "road_access", "road_coverage", "road_graph_from_lines",
           "road_segments"]

log = logging.getLogger(__name__)

_SUPER = "__covered__"


def road_segments(G: nx.MultiDiGraph) -> gpd.GeoDataFrame:
    """One row per road segment of a graph (directions merged): ``u``, ``v``, ``length``, ``highway``, geometry."""
    edges = road_edges(G)
    if "highway" not in edges.columns:
        edges["highway"] = "road"
    edges["highway"] = edges["highway"].fillna("unknown").astype(str)
    return edges


@dataclass(frozen=True, eq=False)
class CellPieces:
    """Lines cut at cell edges, in line order and, within a line, from its start.

    Attributes
    ----------
    line
        Index of the line (position in the input array) of each piece.
    start_m, length_m
        Position of the piece's start along its line and its length (metres).
    cell
        Flat index (row * width + col) of the cell holding the piece; -1 off the grid.
    """

    line: np.ndarray
    start_m: np.ndarray
    length_m: np.ndarray
    cell: np.ndarray


def _crossings(a0: np.ndarray, a1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Segment number and parameter t of every crossing of an integer line strictly inside each segment."""
    lo, hi = np.minimum(a0, a1), np.maximum(a0, a1)
    first = np.floor(lo).astype(np.int64) + 1
    n = np.maximum(np.ceil(hi).astype(np.int64) - first, 0)
    seg = np.repeat(np.arange(len(a0)), n)
    offset = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    k = first[seg] + offset
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (k - a0[seg]) / (a1[seg] - a0[seg])
    return seg, t


def cell_pieces(lines: np.ndarray | gpd.GeoSeries, grid: Grid) -> CellPieces:
    """Cut (multi)lines at the edges of the grid's cells (exact, no sampling).

    Parameters
    ----------
    lines
        LineStrings / MultiLineStrings in ``grid.crs`` (metres).
    grid
        The lattice.
    """
    geoms = np.asarray(lines.values if isinstance(lines, gpd.GeoSeries) else lines, dtype=object)
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    coords, pidx = shapely.get_coordinates(parts, return_index=True)
    t = grid.transform
    u, v = (coords[:, 0] - t.c) / t.a, (coords[:, 1] - t.f) / t.e
    same = pidx[:-1] == pidx[1:]
    s0 = np.flatnonzero(same)
    u0, u1, v0, v1 = u[s0], u[s0 + 1], v[s0], v[s0 + 1]
    seglen = np.hypot((u1 - u0) * t.a, (v1 - v0) * t.e)
    seg_line = part_of[pidx[s0]]
    # position of each segment's start along its line (parts of a multiline follow each other)
    seg_start = np.cumsum(seglen) - seglen
    first_of_line = np.r_[True, seg_line[1:] != seg_line[:-1]] if len(seg_line) else np.zeros(0, bool)
    line_base = np.maximum.accumulate(np.where(first_of_line, seg_start, 0.0)) if len(seg_line) else seg_start
    seg_start = seg_start - line_base
    su, tu = _crossings(u0, u1)
    sv, tv = _crossings(v0, v1)
    n = len(s0)
    seg = np.concatenate([np.arange(n), np.arange(n), su, sv])
    tt = np.concatenate([np.zeros(n), np.ones(n), tu, tv])
    order = np.lexsort((tt, seg))
    seg, tt = seg[order], tt[order]
    ok = seg[:-1] == seg[1:]
    a, b, s = tt[:-1][ok], tt[1:][ok], seg[:-1][ok]
    keep = b > a
    a, b, s = a[keep], b[keep], s[keep]
    tm = 0.5 * (a + b)
    col = np.floor(u0[s] + tm * (u1[s] - u0[s])).astype(np.int64)
    row = np.floor(v0[s] + tm * (v1[s] - v0[s])).astype(np.int64)
    inside = (row >= 0) & (row < grid.height) & (col >= 0) & (col < grid.width)
    cell = np.where(inside, row * grid.width + col, -1)
    return CellPieces(line=seg_line[s], start_m=seg_start[s] + a * seglen[s], length_m=(b - a) * seglen[s],
                      cell=cell)


def _covered_length(pieces: CellPieces, covered: np.ndarray, n_lines: int) -> np.ndarray:
    flat = covered.reshape(-1)
    cov = (pieces.cell >= 0) & flat[np.maximum(pieces.cell, 0)]
    return np.bincount(pieces.line, weights=np.where(cov, pieces.length_m, 0.0), minlength=n_lines)


def road_coverage(
    segments: gpd.GeoDataFrame,
    covered: np.ndarray,
    grid: Grid,
    *,
    zones: gpd.GeoDataFrame | None = None,
    zone_label: str | None = None,
    class_column: str = "highway",
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Kilometres of road covered and uncovered, per road piece and per (zone, road class).

    Parameters
    ----------
    segments
        Road lines (e.g. :func:`road_segments`), any CRS.
    covered
        Boolean mask on ``grid`` (True = covered).
    grid
        The analysis lattice (projected, metres). Road parts off the grid count as uncovered.
    zones
        Commune polygons in ``grid.crs``; roads are cut at their boundaries.
    zone_label
        Column of ``zones`` naming a zone in the outputs (default: the zone's row number).
    class_column
        Road-class column of ``segments``.

    Returns
    -------
    (GeoDataFrame, DataFrame)
        Pieces (``zone``, ``zone_name``, ``road_class``, ``length_km``, ``covered_km``,
        ``covered_pct``, geometry) and the table per zone and class (``zone``,
        ``zone_name``, ``road_class``, ``length_km``, ``covered_km``, ``uncovered_km``, ``covered_pct``).
    """
    roads = segments.to_crs(grid.crs)
    cls = roads[class_column].astype(str) if class_column in roads.columns else pd.Series("road", index=roads.index)
    roads = gpd.GeoDataFrame({"road_class": cls.values}, geometry=roads.geometry.values, crs=grid.crs)
    if zones is not None:
        z = gpd.GeoDataFrame({"zone": np.arange(len(zones))}, geometry=zones.geometry.values, crs=grid.crs)
        pieces = gpd.overlay(roads, z, how="identity", keep_geom_type=True)
        pieces["zone"] = pieces["zone"].fillna(-1).astype(int)
        names = zones[zone_label].astype(str).to_numpy() if zone_label else np.arange(len(zones)).astype(str)
        pieces["zone_name"] = np.where(pieces["zone"] >= 0, names[np.maximum(pieces["zone"], 0)], "")
    else:
        pieces = roads.copy()
        pieces["zone"] = -1
        pieces["zone_name"] = ""
    pieces = pieces[~pieces.geometry.is_empty].reset_index(drop=True)
    cut = cell_pieces(pieces.geometry, grid)
    length = shapely.length(pieces.geometry.values)
    cov = _covered_length(cut, covered, len(pieces))
    pieces["length_km"] = length / 1000.0
    pieces["covered_km"] = np.minimum(cov, length) / 1000.0
    pieces["covered_pct"] = np.where(length > 0, 100.0 * cov / np.maximum(length, 1e-12), 0.0)
    pieces = pieces[["zone", "zone_name", "road_class", "length_km", "covered_km", "covered_pct", "geometry"]]
    table = (pieces.groupby(["zone", "zone_name", "road_class"], sort=True)[["length_km", "covered_km"]]
             .sum().reset_index())
    table["uncovered_km"] = table["length_km"] - table["covered_km"]
    table["covered_pct"] = np.where(table["length_km"] > 0, 100.0 * table["covered_km"] / table["length_km"], 0.0)
    return pieces, table


@dataclass(frozen=True, eq=False)
class RoadAccess:
    """Distances from places (gaps) to the road network and along it to coverage.

    Attributes
    ----------
    road_m
        Straight-line distance from each place to the nearest road (m).
    along_m
        Distance along roads from that nearest road point to the nearest covered road
        point or the road point nearest an existing tower (plus that tower's distance
        to the road); inf when no covered road or tower is reachable.
    """

    road_m: np.ndarray
    along_m: np.ndarray

    @property
    def travel_m(self) -> np.ndarray:
        """``road_m + along_m``: off-road to the network, then along it to coverage (m)."""
        return self.road_m + self.along_m


def _covered_intervals(segments: gpd.GeoDataFrame, covered: np.ndarray, grid: Grid) -> list[np.ndarray]:
    """Per segment, covered (start, end) intervals along it from ``u``, metres."""
    cut = cell_pieces(segments.geometry, grid)
    flat = covered.reshape(-1)
    is_cov = (cut.cell >= 0) & flat[np.maximum(cut.cell, 0)]
    out: list[np.ndarray] = [np.zeros((0, 2)) for _ in range(len(segments))]
    lines, starts, lens = cut.line[is_cov], cut.start_m[is_cov], cut.length_m[is_cov]
    bounds = np.searchsorted(lines, np.arange(len(segments) + 1))
    for i in np.unique(lines):
        sl = slice(bounds[i], bounds[i + 1])
        out[i] = np.column_stack([starts[sl], starts[sl] + lens[sl]])
    return out


def _end_nodes(lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Node ids of the first and last point of each line (end points rounded to 1 mm)."""
    ends = np.round(np.vstack([shapely.get_coordinates(shapely.get_point(lines, 0)),
                               shapely.get_coordinates(shapely.get_point(lines, -1))]), 3)
    _, ids = np.unique(ends, axis=0, return_inverse=True)
    ids = ids.reshape(-1)
    return ids[: len(lines)], ids[len(lines):]


def _dist_to_intervals(t: float, iv: np.ndarray) -> float:
    if len(iv) == 0:
        return np.inf
    return float(np.min(np.maximum(0.0, np.maximum(iv[:, 0] - t, t - iv[:, 1]))))


def road_access(
    segments: gpd.GeoDataFrame,
    places: np.ndarray | gpd.GeoSeries,
    covered: np.ndarray,
    grid: Grid,
    *,
    towers: np.ndarray | None = None,
) -> RoadAccess:
    """Off-road distance to the road network and travel along it to coverage, per place.

    A multi-source Dijkstra (networkx) runs from every covered road point (the ends
    of each segment's covered stretches) and from the road point nearest each tower,
    over the undirected segment graph weighted by length.

    Parameters
    ----------
    segments
        Road lines in ``grid.crs``, noded at junctions (:func:`road_segments`); lines
        meeting at an end point (to the millimetre) are connected.
    places
        Geometries (e.g. gap polygons) in ``grid.crs``.
    covered
        Boolean coverage mask on ``grid``.
    towers
        (n, 2) x/y of existing towers in ``grid.crs`` (metres), or None.
    """
    places = np.asarray(places.values if isinstance(places, gpd.GeoSeries) else places, dtype=object)
    lines = segments.geometry.values
    if len(places) == 0 or len(lines) == 0:
        inf = np.full(len(places), np.inf)
        return RoadAccess(inf, inf.copy())
    lengths = shapely.length(lines)
    u, v = _end_nodes(lines)
    intervals = _covered_intervals(segments, covered, grid)
    tower_pts: list[list[tuple[float, float]]] = [[] for _ in range(len(lines))]  # per segment: (s, offset)
    tree = shapely.STRtree(lines)
    if towers is not None and len(towers):
        pts = shapely.points(np.asarray(towers, dtype=float))
        (_, seg_of), dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
        for p, i, d in zip(pts, seg_of, dist, strict=True):
            tower_pts[i].append((float(lines[i].project(p)), float(d)))
    graph = nx.Graph()
    for i in range(len(lines)):
        a, b, w = u[i], v[i], float(lengths[i])
        if graph.has_edge(a, b):
            w = min(w, graph[a][b]["weight"])
        graph.add_edge(a, b, weight=w)
        heads = [(float(iv[0]), 0.0) for iv in intervals[i][:1]] + tower_pts[i]
        tails = [(float(iv[1]), 0.0) for iv in intervals[i][-1:]] + tower_pts[i]
        for node, cost in ([(a, s + o) for s, o in heads] + [(b, lengths[i] - s + o) for s, o in tails]):
            prev = graph.get_edge_data(_SUPER, node, {}).get("weight", np.inf)
            graph.add_edge(_SUPER, node, weight=max(0.0, min(prev, cost)))
    dist = nx.single_source_dijkstra_path_length(graph, _SUPER, weight="weight") if _SUPER in graph else {}
    (pl_idx, seg_idx), road_m = tree.query_nearest(places, return_distance=True, all_matches=False)
    order = np.argsort(pl_idx, kind="stable")
    pl_idx, seg_idx, road_m = pl_idx[order], seg_idx[order], road_m[order]
    _, first = np.unique(pl_idx, return_index=True)
    pl_idx, seg_idx, road_m = pl_idx[first], seg_idx[first], road_m[first]
    along = np.full(len(places), np.inf)
    road = np.full(len(places), np.inf)
    for p, i, d in zip(pl_idx, seg_idx, road_m, strict=True):
        line = lines[i]
        near = shapely.get_point(shapely.shortest_line(places[p], line), 1)
        t = float(line.project(near))
        best = min(t + dist.get(u[i], np.inf), lengths[i] - t + dist.get(v[i], np.inf),
                   _dist_to_intervals(t, intervals[i]),
                   min((abs(t - s) + o for s, o in tower_pts[i]), default=np.inf))
        along[p] = best
        road[p] = d
    return RoadAccess(road, along)
