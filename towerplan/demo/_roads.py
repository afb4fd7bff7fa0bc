"""A plausible road network: least-cost paths on the planning lattice.

Edge costs grow with the square of the gradient (roads avoid slopes steeper than
~7 %), with altitude, at big-river crossings and outside the province; the sea
is impassable. Roads are laid one after another, most important first, and an
edge already carrying a road costs a quarter, so later roads join and follow
earlier ones (a valley gets one road, not one per village):

1. trunk: the coastal national highway north-south through the city;
2. primary: a north-south road along the mountain front through its town,
   the city to the front town and on up the main valley to the mountain town,
   the city to the tributary town, and the plain towns to the network;
3. secondary: every commune seat to the network;
4. tertiary: the larger valley villages and lowland villages;
5. track: remaining mountain villages and hamlets.

The network is then cut into LineStrings at junctions and where the class or
name changes, smoothed and simplified, so its end points form a connected graph.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import shapely
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from towerplan.demo._common import FRAME_SIZE_M, Lattice, chaikin, lattice_edges, rng_for
from towerplan.demo._noise import fbm
from towerplan.demo._people import Settlements

ROAD_CLASSES = ("trunk", "primary", "secondary", "tertiary", "track")
_REUSE_FACTOR = 0.25


@dataclass(frozen=True, eq=False)
class Roads:
    """Road lines in frame metres, with class and name; ``access`` marks planning cells on a road."""

    lines: tuple[shapely.LineString, ...]
    road_class: tuple[str, ...]
    name: tuple[str, ...]
    access: np.ndarray


class _Network:
    """Mutable builder (private): a cost graph whose road edges get cheaper as roads are laid."""

    def __init__(
        self, planning: Lattice, z: np.ndarray, sea: np.ndarray, inside: np.ndarray, acc: np.ndarray, *, seed: int
    ):
        self.lat = planning
        n = planning.nrows * planning.ncols
        u, v, cells = lattice_edges(planning.shape, knight=True)
        zf, seaf, insf = z.ravel(), sea.ravel(), inside.ravel()
        length = cells * planning.res_m
        grade = np.abs(zf[u] - zf[v]) / length
        xs, ys = planning.frame_axes()
        # gentle, smooth variation of the cost (fields, villages, soils) so plain roads are not ruler-straight
        terrain = 1.0 + 0.35 * fbm(
            xs, ys, seed=seed, layer="road-cost", base_wavelength_m=3_000.0, min_wavelength_m=600.0
        )
        cell_cost = (np.where(insf, 1.0, 4.0) + np.where(acc.ravel() > 150.0, 3.0, 0.0)) * terrain.ravel()
        w = (
            length
            * (1.0 + (grade / 0.07) ** 2)
            * (1.0 + np.maximum(0.5 * (zf[u] + zf[v]) - 500.0, 0.0) / 800.0)
            * 0.5
            * (cell_cost[u] + cell_cost[v])
        )
        keep = ~(seaf[u] | seaf[v])
        rows = np.concatenate([u[keep], v[keep]])
        cols = np.concatenate([v[keep], u[keep]])
        data = np.concatenate([w[keep], w[keep]])
        order = np.lexsort((cols, rows))
        self.graph = sparse.csr_matrix((data[order], cols[order], _indptr(rows[order], n)), shape=(n, n))
        self.base = self.graph.data.copy()
        self.on_road = np.zeros(n, dtype=bool)
        self.edges: dict[tuple[int, int], tuple[int, str]] = {}

    def _pos(self, a: int, b: int) -> int:
        lo, hi = self.graph.indptr[a], self.graph.indptr[a + 1]
        return int(lo + np.flatnonzero(self.graph.indices[lo:hi] == b)[0])

    def route(self, src: int, targets: np.ndarray, *, limit: float = np.inf) -> list[int] | None:
        """Cheapest path from ``src`` to the nearest of ``targets`` (node list, src first)."""
        dist, pred = csgraph.dijkstra(self.graph, directed=True, indices=src, return_predecessors=True, limit=limit)
        reach = targets[np.isfinite(dist[targets])]
        if reach.size == 0:
            return None
        node = int(reach[np.argmin(dist[reach])])
        path = [node]
        while node != src:
            node = int(pred[node])
            path.append(node)
        return path[::-1]

    def distances_to_network(self, nodes: np.ndarray) -> np.ndarray:
        net = np.flatnonzero(self.on_road)
        dist = csgraph.dijkstra(self.graph, directed=True, indices=net, min_only=True)
        return dist[nodes]

    def lay(self, path: list[int], rank: int, name: str) -> None:
        """Record a road along ``path``; edges keep the best class (and its name) laid on them."""
        for a, b in itertools.pairwise(path):
            key = (min(a, b), max(a, b))
            if key not in self.edges or self.edges[key][0] > rank:
                self.edges[key] = (rank, name)
            for p in (self._pos(a, b), self._pos(b, a)):
                self.graph.data[p] = self.base[p] * _REUSE_FACTOR
        self.on_road[path] = True


def _indptr(sorted_rows: np.ndarray, n: int) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(np.bincount(sorted_rows, minlength=n))])


def _node(lat: Lattice, x: float, y: float, allowed: np.ndarray) -> int:
    """The allowed planning cell nearest frame point (x, y)."""
    cells = np.flatnonzero(allowed.ravel())
    xs, ys = lat.frame_axes()
    cx, cy = xs[cells % lat.ncols], ys[cells // lat.ncols]
    return int(cells[np.argmin((cx - x) ** 2 + (cy - y) ** 2)])


def _connect_all(net: _Network, nodes: list[int], rank: int, names: list[str]) -> None:
    """Join each node to the network, nearest first (so later ones can follow earlier roads)."""
    nodes_arr = np.asarray(nodes)
    dist = net.distances_to_network(nodes_arr)
    for i in np.argsort(dist, kind="stable"):
        if net.on_road[nodes_arr[i]] or not np.isfinite(dist[i]):
            continue
        path = net.route(int(nodes_arr[i]), np.flatnonzero(net.on_road), limit=float(dist[i]) * 1.001 + 1.0)
        if path is not None:
            net.lay(path, rank, names[i])


def make_roads(
    planning: Lattice,
    z: np.ndarray,
    sea: np.ndarray,
    inside: np.ndarray,
    acc: np.ndarray,
    settlements: Settlements,
    seats: np.ndarray,
    *,
    seed: int,
) -> Roads:
    """The demo road network (see the module docstring)."""
    rng = rng_for(seed, "roads")
    net = _Network(planning, z, sea, inside, acc, seed=seed)
    land_in = inside & ~sea
    town = {t.key: _node(planning, t.x_m, t.y_m, land_in) for t in settlements.towns}
    city, front = settlements.towns[0], settlements.towns[1]

    def border_pair(x: float, spread: float) -> tuple[int, int]:
        north = _node(planning, x + rng.uniform(-spread, spread), FRAME_SIZE_M, land_in)
        south = _node(planning, x + rng.uniform(-spread, spread), 0.0, land_in)
        return north, south

    def lay_between(a: int, b: int, rank: int, name: str) -> None:
        path = net.route(a, np.array([b]))
        if path is not None:
            net.lay(path, rank, name)

    n_end, s_end = border_pair(city.x_m - 1_500.0, 1_500.0)
    lay_between(n_end, town["city"], 0, "QL Demo 1A")
    lay_between(town["city"], s_end, 0, "QL Demo 1A")
    n_end, s_end = border_pair(front.x_m, 2_500.0)
    lay_between(n_end, town["front"], 1, "QL Demo 15")
    lay_between(town["front"], s_end, 1, "QL Demo 15")
    lay_between(town["city"], town["front"], 1, "QL Demo 217")
    lay_between(town["front"], town["mountain"], 1, "QL Demo 217")
    lay_between(town["city"], town["tributary"], 1, "QL Demo 47")
    _connect_all(net, [town["north"], town["south"]], 1, ["QL Demo 10", "QL Demo 45"])

    seat_nodes = [_node(planning, x, y, land_in) for x, y in seats]
    _connect_all(net, seat_nodes, 2, [f"ĐT Demo {501 + i}" for i in range(len(seat_nodes))])

    kind, people = settlements.kind, settlements.people
    valley = np.flatnonzero((kind == "valley-village") & (people >= 220.0))
    lowland = np.flatnonzero(kind == "lowland-village")
    lowland = lowland[np.argsort(-people[lowland], kind="stable")[:45]]
    tertiary = np.concatenate([valley, lowland])
    t_nodes = [_node(planning, settlements.x_m[i], settlements.y_m[i], land_in) for i in tertiary]
    _connect_all(net, t_nodes, 3, [f"ĐH Demo {i + 1:02d}" for i in range(len(t_nodes))])

    rest = np.flatnonzero(((kind == "valley-village") & (people < 220.0)) | ((kind == "hamlet") & (people >= 40.0)))
    r_nodes = [_node(planning, settlements.x_m[i], settlements.y_m[i], land_in) for i in rest]
    _connect_all(net, r_nodes, 4, [f"Đường mòn Demo {i + 1}" for i in range(len(r_nodes))])

    lines, classes, names = _lines(net)
    access = np.zeros(planning.nrows * planning.ncols, dtype=bool)
    for (a, b), (rank, _) in net.edges.items():
        if rank <= 3:
            access[[a, b]] = True
    return Roads(tuple(lines), tuple(classes), tuple(names), access.reshape(planning.shape))


def _lines(net: _Network) -> tuple[list[shapely.LineString], list[str], list[str]]:
    """Cut the laid edges into polylines between junctions and class/name changes."""
    adj: dict[int, list[int]] = {}
    for a, b in net.edges:
        adj.setdefault(a, []).append(b)
        adj.setdefault(b, []).append(a)

    def attr(a: int, b: int) -> tuple[int, str]:
        return net.edges[(min(a, b), max(a, b))]

    def is_break(node: int) -> bool:
        nb = adj[node]
        return len(nb) != 2 or attr(node, nb[0]) != attr(node, nb[1])

    xs, ys = net.lat.frame_axes()
    nc = net.lat.ncols
    seen: set[tuple[int, int]] = set()
    lines, classes, names = [], [], []
    for start in sorted(adj):
        if not is_break(start):
            continue
        for nxt in sorted(adj[start]):
            if (min(start, nxt), max(start, nxt)) in seen:
                continue
            rank, name = attr(start, nxt)
            chain = [start, nxt]
            seen.add((min(start, nxt), max(start, nxt)))
            while not is_break(chain[-1]):
                a, b = chain[-2], chain[-1]
                c = adj[b][0] if adj[b][0] != a else adj[b][1]
                seen.add((min(b, c), max(b, c)))
                chain.append(c)
            idx = np.asarray(chain)
            pts = chaikin(np.column_stack([xs[idx % nc], ys[idx // nc]]), iterations=3)
            lines.append(shapely.simplify(shapely.LineString(pts), 25.0))
            classes.append(ROAD_CLASSES[rank])
            names.append(name)
    return lines, classes, names


def nearest_road_distance_m(roads: Roads, x_m: np.ndarray, y_m: np.ndarray, *, classes: tuple[str, ...]) -> np.ndarray:
    """Distance (m) from frame points to the nearest vertex of a road of the given classes."""
    pts = [np.asarray(line.coords) for line, c in zip(roads.lines, roads.road_class, strict=True) if c in classes]
    if not pts:
        return np.full(np.shape(x_m), np.inf)
    return cKDTree(np.vstack(pts)).query(np.column_stack([np.ravel(x_m), np.ravel(y_m)]))[0].reshape(np.shape(x_m))
