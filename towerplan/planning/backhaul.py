"""Backhaul of new masts: fibre along the roads, or a microwave hop in radio line of sight.

For every new-mast candidate (``greenfield``, ``user``) two options are measured, and
:func:`~towerplan.planning.costs.candidate_costs` prices the cheaper one:

Fibre (:func:`fibre_routes`)
    The shortest route along the road network (networkx Dijkstra from every fibre
    point at once) from the nearest fibre point: the straight off-road leg from the
    fibre point to its nearest road point, along the roads, and the off-road leg from
    the road to the candidate. Both ends may lie part-way along a road segment; a
    candidate and a fibre point beside the same segment are joined directly along it.
    **Assumption**: when the planner gives no fibre layer, every existing tower site
    counts as a fed point (most rural towers in Viet Nam are fibre- or microwave-fed,
    and fibre is spliced on from them). Without roads there is no fibre option.
    Route geometries (LineStrings, DEM CRS) come back for export.

Microwave (:func:`microwave_links`)
    The nearest fed site (an existing tower, or a fibre point with a ``mast_height_m``)
    within the band's hop limit (:func:`towerplan.planning.backhaul_rain.max_hop_km`: the
    rain fade of ITU-R P.530 / P.838 at the availability asked for, in the region's rain
    climate; never beyond ``CostModel.microwave_max_km``) whose path clears the terrain
    by the rules of ITU-R P.530-18 §2.2.2.1 (:mod:`towerplan.planning.backhaul_p530`): the
    full first Fresnel zone at the median k (4/3) and 0.6 F1 (tropical) at the low k of
    P.530 Fig. 2 for the path length, the terrain sampled along the straight path at the
    DEM resolution (bilinear, as :func:`towerplan.coverage.profile.profile`), raised by the
    earth bulge ``d1 d2 / (2 k R)`` and any clutter height; antennas at ground + mast height
    at each end. DEM nodata samples (sea) count as 0 m. The test is a numba kernel over
    candidates (parallel), each walking its fed sites nearest first and stopping at the
    first clear one.

Fibre-fed towers
    Without a fibre layer, existing towers are *assumed* fed (fibre may start there) when
    ``assume_towers_fed`` is true (the default): the outputs say so
    (:func:`fibre_assumption_warning`); with it false there is no fibre option at all.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import networkx as nx
import numba
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from scipy.spatial import cKDTree
from shapely.geometry import LineString

from towerplan.coverage.profile import EARTH_RADIUS_M
from towerplan.errors import InputError
from towerplan.grid import Grid
from towerplan.planning.backhaul_p530 import (
    KE_999_FIG3,
    SPEED_OF_LIGHT_M_S,
    ClearanceRule,
    fresnel_radius_m,
    microwave_clearance,
)
from towerplan.planning.backhaul_rain import MicrowaveLink, max_hop_km
from towerplan.planning.costs import CostModel
from towerplan.roadgraph import road_graph_from_lines
from towerplan.stations.sites import physical_sites, tower_names

__all__ = [
    "FRESNEL_CLEARANCE", "FibreRoutes", "compute_backhaul", "fed_sites_from_stations", "fibre_assumption_warning",
    "fibre_routes", "fresnel_radius_m", "microwave_clearance", "microwave_links",
]

log = logging.getLogger(__name__)

#: the Fresnel fraction of P.530's tropical low-k rule (before the P.530 rules, the only one checked, at k = 4/3)
FRESNEL_CLEARANCE = 0.6
#: most fed sites checked per candidate for microwave line of sight (nearest first)
MAX_FED_CHECKED = 256
_SOURCE = -1  # the super-source node of the fibre Dijkstra
_DEFAULT_COSTS = CostModel()
_DEFAULT_LINK = MicrowaveLink()


# ------------------------------------------------------------------ microwave
@numba.njit(cache=True)
def _bilinear(z: np.ndarray, c0: float, a: float, f0: float, e: float, x: float, y: float) -> float:
    h, w = z.shape
    col = min(max((x - c0) / a - 0.5, 0.0), w - 1.0)
    row = min(max((y - f0) / e - 0.5, 0.0), h - 1.0)
    ic = min(int(col), max(w - 2, 0))  # col, row >= 0: int() is floor
    ir = min(int(row), max(h - 2, 0))
    jc = min(ic + 1, w - 1)
    jr = min(ir + 1, h - 1)
    fc = col - ic
    fr = row - ir
    out = 0.0
    for zz, wt in ((z[ir, ic], (1 - fr) * (1 - fc)), (z[ir, jc], (1 - fr) * fc),
                   (z[jr, ic], fr * (1 - fc)), (z[jr, jc], fr * fc)):
        if wt > 0:
            out += (zz if zz == zz else 0.0) * wt  # nodata (sea) counts as 0 m
    return out


@numba.njit(cache=True)
def _hop_clear(z, c0, a, f0, e, xa, ya, ha, xb, yb, hb, step, lam, rule) -> bool:
    """Both P.530 rules on one hop; ``rule`` = (2 k_median R, median F1 fraction, low-k F1 fraction, fixed
    low k (<= 0: from the Fig. 2 table), clutter (m), then the table's log-distances (km) and k values)."""
    total = math.hypot(xb - xa, yb - ya)
    if total <= 0:
        return True
    two_kr, need, need_low, k_fixed, clutter = rule[0], rule[1], rule[2], rule[3], rule[4]
    m = (rule.shape[0] - 5) // 2
    if k_fixed > 0:
        k_low = k_fixed
    else:
        k_low = np.interp(math.log(min(max(total / 1000.0, math.exp(rule[5])), math.exp(rule[4 + m]))),
                          rule[5 : 5 + m], rule[5 + m :])
    two_kr_low = 2.0 * k_low * 6_371_000.0
    n = max(1, math.ceil(total / step - 1e-9))
    za = _bilinear(z, c0, a, f0, e, xa, ya) + ha
    zb = _bilinear(z, c0, a, f0, e, xb, yb) + hb
    for k in range(1, n):
        t = k / n
        d1 = t * total
        d2 = total - d1
        terrain = _bilinear(z, c0, a, f0, e, xa + t * (xb - xa), ya + t * (yb - ya)) + clutter
        ray = za + (zb - za) * t
        f1 = math.sqrt(lam * d1 * d2 / total)
        if ray - (terrain + d1 * d2 / two_kr) < need * f1 or ray - (terrain + d1 * d2 / two_kr_low) < need_low * f1:
            return False
    return True


@numba.njit(cache=True, parallel=True)
def _first_clear(z, c0, a, f0, e, cx, cy, ch, fx, fy, fh, nbr, step, lam, rule) -> np.ndarray:
    n = cx.shape[0]
    out = np.full(n, -1, dtype=np.int64)
    for i in numba.prange(n):
        for k in range(nbr.shape[1]):
            j = nbr[i, k]
            if j < 0:
                break
            if _hop_clear(z, c0, a, f0, e, cx[i], cy[i], ch[i], fx[j], fy[j], fh[j], step, lam, rule):
                out[i] = j
                break
    return out


def _rule_vector(rule: ClearanceRule) -> np.ndarray:
    d, k = (np.asarray(v, dtype=float) for v in KE_999_FIG3)
    return np.concatenate([[2.0 * rule.median_k * EARTH_RADIUS_M, rule.median_clearance, rule.low_fraction,
                            rule.low_k if rule.low_k is not None else -1.0, rule.clutter_m], np.log(d), k])


def microwave_links(
    dem: Grid,
    cand_xy: np.ndarray,
    cand_height_m: np.ndarray,
    fed_xy: np.ndarray,
    fed_height_m: np.ndarray,
    *,
    max_distance_m: float,
    freq_ghz: float = 15.0,
    rule: ClearanceRule | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest fed site within ``max_distance_m`` whose hop meets the P.530 clearance rules, for every candidate.

    Parameters
    ----------
    dem
        Terrain (m), projected metric CRS; sampled every DEM cell along each hop.
    cand_xy, cand_height_m
        (n, 2) candidate positions (DEM CRS) and their mast heights (m).
    fed_xy, fed_height_m
        (m, 2) fed sites and their antenna heights (m).
    max_distance_m
        Longest hop (m).
    freq_ghz
        Link frequency (GHz).
    rule
        The clearance rule (default :class:`~towerplan.planning.backhaul_p530.ClearanceRule`: tropical,
        1.0 F1 at k = 4/3 and 0.6 F1 at the low k of P.530 Fig. 2); its scalar reference is
        :func:`towerplan.planning.backhaul_p530.hop_clearance`.

    Returns
    -------
    (distance_m, index)
        Hop length (m, NaN = no fed site in sight within range) and the fed site's row (-1).
    """
    rule = rule if rule is not None else ClearanceRule()
    dem.require_metric()
    cand_xy = np.asarray(cand_xy, dtype=float).reshape(-1, 2)
    fed_xy = np.asarray(fed_xy, dtype=float).reshape(-1, 2)
    n = len(cand_xy)
    dist = np.full(n, np.nan)
    idx = np.full(n, -1, dtype=np.int64)
    if n == 0 or len(fed_xy) == 0 or max_distance_m <= 0:
        return dist, idx
    k = min(len(fed_xy), MAX_FED_CHECKED)
    d, nbr = cKDTree(fed_xy).query(cand_xy, k=k, distance_upper_bound=max_distance_m)
    d, nbr = d.reshape(n, k), nbr.reshape(n, k)
    nbr = np.where(np.isfinite(d), nbr, -1).astype(np.int64)
    t = dem.transform
    z = np.ascontiguousarray(dem.masked(np.nan))
    lam = SPEED_OF_LIGHT_M_S / (freq_ghz * 1e9)
    j = _first_clear(z, float(t.c), float(t.a), float(t.f), float(t.e),
                     np.ascontiguousarray(cand_xy[:, 0]), np.ascontiguousarray(cand_xy[:, 1]),
                     np.asarray(cand_height_m, dtype=float), np.ascontiguousarray(fed_xy[:, 0]),
                     np.ascontiguousarray(fed_xy[:, 1]), np.asarray(fed_height_m, dtype=float),
                     nbr, float(min(dem.res)), lam, _rule_vector(rule))
    ok = j >= 0
    idx[ok] = j[ok]
    dist[ok] = np.hypot(*(cand_xy[ok] - fed_xy[j[ok]]).T)
    return dist, idx


# ---------------------------------------------------------------------- fibre
@dataclass(frozen=True, eq=False)
class FibreRoutes:
    """Shortest fibre routes along roads, one per place.

    Attributes
    ----------
    route_m
        Route length (m): off-road leg + along roads + off-road leg; inf when unreachable.
    source
        Row of the fibre source used (-1 when unreachable).
    geometry
        The route as a LineString from the place to the source (None when unreachable).
    """

    route_m: np.ndarray
    source: np.ndarray
    geometry: np.ndarray


def _segments(roads: gpd.GeoDataFrame | nx.MultiDiGraph, crs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Noded road segments in ``crs``: (lines, u, v) with lines running from node u to node v."""
    if isinstance(roads, nx.MultiDiGraph | nx.MultiGraph):
        from towerplan.roadgraph import project_graph

        G = project_graph(roads, crs)
    else:
        G = road_graph_from_lines(roads, crs=crs)
    lines, us, vs = [], [], []
    seen: set[tuple[int, int, int]] = set()
    for u, v, k, data in G.edges(keys=True, data=True):
        key = (min(u, v), max(u, v), int(data.get("osmid", k)) if not isinstance(data.get("osmid"), list) else k)
        if data.get("reversed", False) or key in seen:
            continue
        seen.add(key)
        geom = data.get("geometry")
        if geom is None:
            geom = LineString([(G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])])
        lines.append(geom)
        us.append(u)
        vs.append(v)
    return np.asarray(lines, dtype=object), np.asarray(us), np.asarray(vs)


def _snap(lines: np.ndarray, tree: shapely.STRtree, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nearest segment, off-road distance (m) and position along the segment (m) of each point."""
    (p_idx, seg), dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
    order = np.argsort(p_idx, kind="stable")
    p_idx, seg, dist = p_idx[order], seg[order], dist[order]
    _, first = np.unique(p_idx, return_index=True)
    seg, dist = seg[first], dist[first]
    t = shapely.line_locate_point(lines[seg], pts)
    return seg, dist, t


def fibre_routes(
    roads: gpd.GeoDataFrame | nx.MultiDiGraph,
    places_xy: np.ndarray,
    sources_xy: np.ndarray,
    *,
    crs,
) -> FibreRoutes:
    """Shortest route along roads from each place to the nearest fibre source (networkx Dijkstra).

    Parameters
    ----------
    roads
        Road lines (any CRS; noded into a graph with
        :func:`towerplan.roadgraph.road_graph_from_lines`) or a road graph.
    places_xy, sources_xy
        (n, 2) and (m, 2) positions in ``crs`` (metres).
    crs
        The projected CRS of the positions and of the returned geometries.
    """
    places_xy = np.asarray(places_xy, dtype=float).reshape(-1, 2)
    sources_xy = np.asarray(sources_xy, dtype=float).reshape(-1, 2)
    n = len(places_xy)
    route = np.full(n, np.inf)
    src = np.full(n, -1, dtype=np.int64)
    geoms = np.full(n, None, dtype=object)
    if n == 0 or len(sources_xy) == 0:
        return FibreRoutes(route, src, geoms)
    lines, u, v = _segments(roads, crs)
    if len(lines) == 0:
        return FibreRoutes(route, src, geoms)
    lengths = shapely.length(lines)
    tree = shapely.STRtree(lines)
    s_pts, p_pts = shapely.points(sources_xy), shapely.points(places_xy)
    s_seg, s_off, s_t = _snap(lines, tree, s_pts)
    p_seg, p_off, p_t = _snap(lines, tree, p_pts)

    graph = nx.Graph()
    for i in range(len(lines)):
        a, b, w = int(u[i]), int(v[i]), float(lengths[i])
        if a == b:
            continue
        if not graph.has_edge(a, b) or graph[a][b]["weight"] > w:
            graph.add_edge(a, b, weight=w, seg=i)
    # node -> (cost from the super source, source row, position of the node along the source's segment)
    attach: dict[int, tuple[float, int, float]] = {}
    for k in range(len(sources_xy)):
        i = int(s_seg[k])
        for node, cost, end in ((int(u[i]), s_off[k] + s_t[k], 0.0),
                                (int(v[i]), s_off[k] + lengths[i] - s_t[k], float(lengths[i]))):
            if node not in attach or cost < attach[node][0]:
                attach[node] = (float(cost), k, end)
    for node, (cost, _, _) in attach.items():
        graph.add_edge(_SOURCE, node, weight=cost)
    pred, dist = nx.dijkstra_predecessor_and_distance(graph, _SOURCE, weight="weight")
    by_seg: dict[int, list[int]] = {}
    for k in range(len(sources_xy)):
        by_seg.setdefault(int(s_seg[k]), []).append(k)

    def seg_part(i: int, t0: float, t1: float) -> np.ndarray:
        """Coordinates along segment ``i`` from position ``t0`` to ``t1`` (m), both ends included."""
        coords = shapely.get_coordinates(lines[i])
        along = np.r_[0.0, np.cumsum(np.hypot(*np.diff(coords, axis=0).T))]
        lo, hi = min(t0, t1), max(t0, t1)
        inner = coords[(along > lo) & (along < hi)]
        ends = shapely.get_coordinates(shapely.line_interpolate_point(lines[i], [t0, t1]))
        return np.vstack([ends[:1], inner if t0 <= t1 else inner[::-1], ends[1:]])

    for p in range(n):
        i, off, t = int(p_seg[p]), float(p_off[p]), float(p_t[p])
        best = np.inf
        how: tuple[Any, ...] | None = None
        for node, along, end_t in ((int(u[i]), t, 0.0), (int(v[i]), lengths[i] - t, float(lengths[i]))):
            c = off + along + dist.get(node, np.inf)
            if c < best:
                best, how = c, ("node", node, end_t)
        for k in by_seg.get(i, ()):
            c = off + abs(t - s_t[k]) + s_off[k]
            if c < best - 1e-9:
                best, how = c, ("same", k)
        if how is None or not np.isfinite(best):
            continue
        route[p] = best
        pieces = [places_xy[p][None, :]]
        if how[0] == "same":
            k = how[1]
            pieces.append(seg_part(i, t, float(s_t[k])))
        else:
            node, end_t = how[1], how[2]
            pieces.append(seg_part(i, t, end_t))
            while True:  # walk back towards the super source
                prev = pred[node][0]
                if prev == _SOURCE:
                    break
                j = graph[prev][node]["seg"]
                coords = shapely.get_coordinates(lines[j])
                pieces.append(coords if int(u[j]) == node else coords[::-1])
                node = prev
            _, k, start_t = attach[node]
            pieces.append(seg_part(int(s_seg[k]), start_t, float(s_t[k])))
        k = how[1] if how[0] == "same" else attach[node][1]
        pieces.append(sources_xy[k][None, :])
        coords = np.vstack([q for q in pieces if len(q)])
        keep = np.r_[True, np.any(np.diff(coords, axis=0) != 0, axis=1)]
        coords = coords[keep]
        geoms[p] = LineString(coords) if len(coords) >= 2 else LineString([coords[0], coords[0]])
        src[p] = k
    return FibreRoutes(route, src, geoms)


# ------------------------------------------------------------------- together
def fed_sites_from_stations(stations: pd.DataFrame, dem: Grid) -> pd.DataFrame:
    """Existing towers as fed points: ``site_id``, ``x``, ``y`` (DEM CRS), ``mast_height_m``.

    One row per physical tower (:func:`towerplan.stations.sites.physical_sites`: sectors within 30 m,
    whatever their operators call them), in the towers' order, at its position, with its highest
    antenna; ``site_id`` is the tower's name (:func:`towerplan.stations.sites.tower_names`, as in the
    co-location candidates' ids).
    """
    cols = ["site_id", "x", "y", "mast_height_m"]
    if stations is None or len(stations) == 0:
        return pd.DataFrame({c: [] for c in cols})
    sites = physical_sites(stations).sites
    height = sites["top_height_m"].to_numpy(float)
    height = np.where(np.isfinite(height), height, 30.0)
    x, y = Transformer.from_crs(4326, dem.crs, always_xy=True).transform(sites["lon"].to_numpy(float),
                                                                         sites["lat"].to_numpy(float))
    return pd.DataFrame({"site_id": tower_names(sites), "x": np.asarray(x, float),
                         "y": np.asarray(y, float), "mast_height_m": height})


def _fibre_point_table(fibre_points: gpd.GeoDataFrame) -> pd.DataFrame:
    name = next((c for c in ("fibre_id", "id", "name") if c in fibre_points.columns), None)
    ids = (fibre_points[name].astype(str).to_numpy() if name
           else np.array([f"F{i + 1}" for i in range(len(fibre_points))]))
    height = (fibre_points["mast_height_m"].to_numpy(float) if "mast_height_m" in fibre_points
              else np.full(len(fibre_points), np.nan))
    return pd.DataFrame({"site_id": ids, "x": fibre_points.geometry.x.to_numpy(float),
                         "y": fibre_points.geometry.y.to_numpy(float), "mast_height_m": height})


def compute_backhaul(
    dem: Grid,
    candidates: pd.DataFrame,
    *,
    roads: gpd.GeoDataFrame | nx.MultiDiGraph | None = None,
    fibre_points: gpd.GeoDataFrame | None = None,
    fed_sites: pd.DataFrame | None = None,
    cost_model: CostModel = _DEFAULT_COSTS,
    microwave_freq_ghz: float = 15.0,
    microwave: MicrowaveLink = _DEFAULT_LINK,
    assume_towers_fed: bool = True,
) -> pd.DataFrame:
    """Fibre route and microwave hop of every new-mast candidate (co-location rows stay empty).

    Parameters
    ----------
    dem
        Terrain (m), projected metric CRS.
    candidates
        Candidate table with ``candidate_id``, ``kind``, ``x``, ``y`` (DEM CRS), ``mast_height_m``.
    roads
        Road lines (any CRS) or a road graph; without roads there is no fibre option.
    fibre_points
        Points in the DEM's CRS where fibre is available (id from ``fibre_id``/``id``/``name``;
        with ``mast_height_m`` they are microwave targets too). None: the fed sites are
        the fibre sources when ``assume_towers_fed`` (an assumption, labelled
        ``tower:<site_id> (assumed fed)``), else there is no fibre option.
    fed_sites
        Existing towers (:func:`fed_sites_from_stations`): microwave targets, and fibre
        sources when ``fibre_points`` is None.
    cost_model
        Gives ``microwave_max_km``, the longest hop considered at all.
    microwave_freq_ghz, microwave
        Microwave frequency (GHz); clearance rule, radio and rain climate, which set the hop limit
        (:func:`towerplan.planning.backhaul_rain.max_hop_km`).
    assume_towers_fed
        Without fibre points, whether existing towers count as fibre sources.

    Returns
    -------
    DataFrame
        Aligned with ``candidates``: ``candidate_id``, ``fibre_route_m`` (inf = none),
        ``fibre_from`` (``fibre:<id>`` or ``tower:<site_id>``), ``microwave_m`` (NaN = none),
        ``microwave_to`` (``tower:<site_id>`` / ``fibre:<id>``), ``route`` (LineString or None).
        ``attrs["microwave_max_hop_km"]`` holds the hop limit used, ``attrs["fibre_assumed"]`` whether
        towers stood in for missing fibre points.
    """
    n = len(candidates)
    for col in ("candidate_id", "kind", "x", "y", "mast_height_m"):
        if col not in candidates.columns:
            raise InputError(f"candidates lack the column {col!r}")
    out = pd.DataFrame({
        "candidate_id": candidates["candidate_id"].astype(str).to_numpy(),
        "fibre_route_m": np.full(n, np.inf), "fibre_from": np.full(n, "", dtype=object),
        "microwave_m": np.full(n, np.nan), "microwave_to": np.full(n, "", dtype=object),
        "route": np.full(n, None, dtype=object),
    })
    limit_km = min(cost_model.microwave_max_km, max_hop_km(microwave_freq_ghz, microwave))
    has_fibre = fibre_points is not None and len(fibre_points) > 0
    out.attrs.update(microwave_max_hop_km=limit_km, fibre_assumed=not has_fibre and assume_towers_fed)
    # existing towers (tenancy, an operator's own site upgraded) are fed already
    new = np.flatnonzero(~np.isin(candidates["kind"].astype(str).to_numpy(), ["colocation", "upgrade"]))
    if new.size == 0:
        return out
    xy = candidates[["x", "y"]].to_numpy(float)[new]
    mast = candidates["mast_height_m"].to_numpy(float)[new]
    towers = fed_sites if fed_sites is not None else pd.DataFrame({"site_id": [], "x": [], "y": [],
                                                                   "mast_height_m": []})
    if fibre_points is not None and has_fibre:
        fp = _fibre_point_table(fibre_points)
        sources = fp.assign(label="fibre:" + fp["site_id"])
    elif assume_towers_fed:
        sources = towers.assign(label="tower:" + towers["site_id"].astype(str) + " (assumed fed)")
    else:
        sources = towers.iloc[:0].assign(label="")
    if roads is not None and len(sources):
        fr = fibre_routes(roads, xy, sources[["x", "y"]].to_numpy(float), crs=dem.crs)
        ok = fr.source >= 0
        out.loc[new, "fibre_route_m"] = fr.route_m
        out.loc[new[ok], "fibre_from"] = sources["label"].to_numpy()[fr.source[ok]]
        out.loc[new, "route"] = fr.geometry
    targets = towers.assign(label="tower:" + towers["site_id"].astype(str))
    if fibre_points is not None and has_fibre:
        fp_t = fp[np.isfinite(fp["mast_height_m"])]
        targets = pd.concat([targets, fp_t.assign(label="fibre:" + fp_t["site_id"])], ignore_index=True)
    if len(targets):
        inside = dem.contains(targets["x"].to_numpy(float), targets["y"].to_numpy(float))
        targets = targets[np.asarray(inside)].reset_index(drop=True)
    if len(targets):
        d, j = microwave_links(dem, xy, mast, targets[["x", "y"]].to_numpy(float),
                               targets["mast_height_m"].to_numpy(float),
                               max_distance_m=limit_km * 1000.0, freq_ghz=microwave_freq_ghz,
                               rule=microwave.clearance)
        ok = j >= 0
        out.loc[new, "microwave_m"] = d
        out.loc[new[ok], "microwave_to"] = targets["label"].to_numpy()[j[ok]]
    log.info("backhaul: %d new masts, %d with a fibre route, %d with a microwave hop in sight", new.size,
             int(np.isfinite(out["fibre_route_m"].to_numpy()).sum()), int(np.isfinite(out["microwave_m"]).sum()))
    return out


def fibre_assumption_warning(proposals_on_assumed_fibre: int | None = None) -> str:
    """The warning a plan carries when no fibre points were given and existing towers stood in for them."""
    text = ("no fibre points were given: existing tower sites are ASSUMED to be fibre-fed (fibre routes to new "
            "masts start there); give the operators' fibre points to replace the assumption")
    if proposals_on_assumed_fibre:
        text += f"; {proposals_on_assumed_fibre} proposed site(s) rely on it"
    return text
