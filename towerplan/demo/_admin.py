"""The province outline, its 30 communes and 6 districts.

* The outline: wavy land borders 1.2-2.6 km inside the north, west and south
  edges of the frame (the DEM keeps a margin around the province, as a real
  clipped DEM would), and the coastline in the east.
* Commune seeds: the six towns plus weighted k-means centres, the weight
  growing with population, so lowland communes are small and mountain ones large.
* Commune areas: a terrain-aware Voronoi diagram (each planning cell joins the
  seed it reaches most cheaply, climbing being expensive), so borders tend to
  follow ridges as real commune borders do; polygonised, simplified as a
  coverage (shared borders stay shared) and clipped to the outline.
* Districts: each commune joins the town it reaches most cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from affine import Affine
from rasterio.features import rasterize, shapes
from scipy import ndimage, sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree
from shapely.geometry import Polygon, shape

from towerplan.demo._common import FRAME_SIZE_M, Lattice, lattice_edges, rng_for
from towerplan.demo._noise import value_noise_1d
from towerplan.demo._people import Town
from towerplan.demo._terrain import coast_x_m

N_COMMUNES = 30

_LOWLAND_NAMES = (
    "An Phú", "Bình Lộc", "Cát Tường", "Đông Hưng", "Gia Hòa", "Hải Yến", "Hồng Phong", "Khánh Lợi",
    "Liên Hiệp", "Minh Châu", "Ngọc Lũ", "Phú Xuân", "Quang Hưng", "Tân Phong", "Thái Hòa", "Thanh Tâm",
    "Thịnh Lộc", "Trung Chính", "Vạn Thắng", "Xuân Lam", "Yên Ninh", "Đồng Lợi", "Hòa Lạc", "Kim Tân",
    "Phúc Thịnh", "Tiến Nông", "Hưng Đạo", "Tân Lập", "Vĩnh Hòa", "Long Điền",
)  # fmt: skip
_HIGHLAND_NAMES = (
    "Mường Khoen", "Pù Lâu", "Na Sài", "Bản Chiềng", "Nậm Pùng", "Tà Cọ", "Phiềng Ban", "Hua Tát",
    "Sốp Lìn", "Khe Nưa", "Lũng Pha", "Trung Lương", "Cao Ngọc", "Điền Hạ", "Pha Lang",
)  # fmt: skip


@dataclass(frozen=True, eq=False)
class Communes:
    """Commune polygons (frame metres), in commune-id order, with their attributes."""

    polygons: tuple[shapely.Geometry, ...]
    names: tuple[str, ...]
    districts: tuple[str, ...]
    seats: np.ndarray  # (n, 2) frame x, y of each commune's seat (town or most populated cell)
    province: shapely.Geometry


def _border(s: np.ndarray, *, seed: int, side: str) -> np.ndarray:
    """Inset (m) of a land border from the frame edge at positions ``s`` along it."""
    n1 = value_noise_1d(s, wavelength_m=9_000.0, seed=seed, layer=f"border-{side}")
    n2 = value_noise_1d(s, wavelength_m=2_500.0, seed=seed, layer=f"border-{side}-fine")
    return 2_000.0 + 1_100.0 * n1 + 400.0 * n2


def province_polygon(*, seed: int) -> shapely.Geometry:
    """The province outline in frame metres: wavy land borders and the coast."""
    s = np.arange(-2_000.0, FRAME_SIZE_M + 2_001.0, 250.0)
    top, far, low = FRAME_SIZE_M + 5_000.0, FRAME_SIZE_M + 8_000.0, -5_000.0
    north = Polygon([*zip(s, FRAME_SIZE_M - _border(s, seed=seed, side="n"), strict=True), (s[-1], low), (s[0], low)])
    south = Polygon([*zip(s, _border(s, seed=seed, side="s"), strict=True), (s[-1], top), (s[0], top)])
    west = Polygon([*zip(_border(s, seed=seed, side="w"), s, strict=True), (far, s[-1]), (far, s[0])])
    land = Polygon([*zip(coast_x_m(s, seed=seed), s, strict=True), (low, s[-1]), (low, s[0])])
    return shapely.intersection_all([north, south, west, land])


def _frame_transform(lat: Lattice) -> Affine:
    return Affine(lat.res_m, 0.0, 0.0, 0.0, -lat.res_m, FRAME_SIZE_M)


def cells_inside(lat: Lattice, geom: shapely.Geometry, *, value: int = 1) -> np.ndarray:
    """uint8/int32 raster: ``value`` where the cell centre is inside ``geom`` (frame metres)."""
    return rasterize([(geom, value)], out_shape=lat.shape, transform=_frame_transform(lat), fill=0, dtype="int32")


def _terrain_graph(lat: Lattice, z: np.ndarray, *, climb_weight: float) -> sparse.csr_matrix:
    u, v, cells = lattice_edges(lat.shape)
    zf = z.ravel()
    w = cells * lat.res_m + climb_weight * np.abs(zf[u] - zf[v])
    n = lat.nrows * lat.ncols
    return sparse.csr_matrix((w, (u, v)), shape=(n, n))


def _kmeans_seeds(
    pts: np.ndarray, weights: np.ndarray, fixed: np.ndarray, k: int, rng: np.random.Generator
) -> np.ndarray:
    """Weighted k-means (k-means++ start, 30 Lloyd steps) with some centres held fixed."""
    centres = [*fixed]
    d2 = cKDTree(fixed).query(pts)[0] ** 2
    while len(centres) < k:
        p = weights * d2
        i = rng.choice(len(pts), p=p / p.sum())
        centres.append(pts[i])
        d2 = np.minimum(d2, ((pts - pts[i]) ** 2).sum(axis=1))
    c = np.asarray(centres, dtype=float)
    nf = len(fixed)
    for _ in range(30):
        lab = cKDTree(c).query(pts)[1]
        wsum = np.bincount(lab, weights=weights, minlength=k)
        for dim in (0, 1):
            mean = np.bincount(lab, weights=weights * pts[:, dim], minlength=k) / np.maximum(wsum, 1e-12)
            c[nf:, dim] = np.where(wsum[nf:] > 0, mean[nf:], c[nf:, dim])
    return c


def make_communes(
    planning: Lattice,
    z: np.ndarray,
    mountain: np.ndarray,
    people: np.ndarray,
    towns: tuple[Town, ...],
    *,
    seed: int,
    n_communes: int = N_COMMUNES,
) -> Communes:
    """Communes and districts covering the province (see the module docstring)."""
    rng = rng_for(seed, "communes")
    province = province_polygon(seed=seed)
    inside = cells_inside(planning, province).astype(bool)
    xs, ys = planning.frame_axes()
    X, Y = np.meshgrid(xs, ys)
    pts = np.column_stack([X[inside], Y[inside]])
    density_km2 = ndimage.gaussian_filter(people, 1_500.0 / planning.res_m) / planning.cell_area_km2
    weights = density_km2[inside] ** 1.2 + 200.0
    town_xy = np.array([[t.x_m, t.y_m] for t in towns])
    # the city gets three more urban wards around its centre
    angles = rng.uniform(0.0, 2.0 * np.pi) + np.arange(3) * 2.0 * np.pi / 3.0
    radii = rng.uniform(2_000.0, 2_600.0, 3)
    wards = town_xy[0] + np.column_stack([radii * np.cos(angles), radii * np.sin(angles)])
    centres = _kmeans_seeds(pts, weights, np.vstack([town_xy, wards]), n_communes, rng)

    # snap centres to cells inside the province (towns to their own cell)
    nodes = np.flatnonzero(inside.ravel())[cKDTree(pts).query(centres)[1]]
    graph = _terrain_graph(planning, z, climb_weight=8.0)
    _, _, source = csgraph.dijkstra(graph, directed=False, indices=nodes, min_only=True, return_predecessors=True)
    lut = np.zeros(planning.nrows * planning.ncols + 1, dtype=np.int32)
    lut[nodes] = np.arange(1, len(nodes) + 1)
    labels = lut[np.where(source >= 0, source, -1)].reshape(planning.shape)
    margin = ndimage.binary_dilation(inside, iterations=3)

    parts: dict[int, list] = {}
    for geom, value in shapes(labels, mask=margin, transform=_frame_transform(planning), connectivity=4):
        parts.setdefault(int(value), []).append(shape(geom))
    order = sorted(parts)
    raw = [shapely.segmentize(shapely.union_all(parts[k]), planning.res_m) for k in order]
    simple = shapely.coverage_simplify(np.asarray(raw, dtype=object), tolerance=450.0)
    clipped = shapely.make_valid(shapely.intersection(simple, province))
    clipped = _merge_fragments([_polygonal(g) for g in clipped])

    _, _, town_source = csgraph.dijkstra(
        graph, directed=False, indices=nodes[: len(towns)], min_only=True, return_predecessors=True
    )
    town_of_node = {int(node): i for i, node in enumerate(nodes[: len(towns)])}
    district_idx = np.array([town_of_node[int(town_source[nodes[k - 1]])] for k in order])

    seats = []
    for k in order:
        if k <= len(towns):
            seats.append(town_xy[k - 1])
        else:
            cell = (labels.ravel() == k) & inside.ravel()
            best = np.flatnonzero(cell)[int(np.argmax(people.ravel()[cell]))]
            seats.append([X.ravel()[best], Y.ravel()[best]])
    seats_arr = np.asarray(seats)

    highland = mountain.ravel()[nodes[np.asarray(order) - 1]] >= 0.5
    low_names = list(rng.permutation(len(_LOWLAND_NAMES)))
    high_names = list(rng.permutation(len(_HIGHLAND_NAMES)))
    city = towns[0]
    names = []
    for j, k in enumerate(order):
        if k <= len(towns):
            t = towns[k - 1]
            names.append(f"{'Phường' if t.kind == 'city' else 'Thị trấn'} {t.name}")
            continue
        near_city = district_idx[j] == 0 and np.hypot(*(seats_arr[j] - [city.x_m, city.y_m])) < 4_000.0
        stem = _HIGHLAND_NAMES[high_names.pop(0)] if highland[j] and high_names else _LOWLAND_NAMES[low_names.pop(0)]
        names.append(f"{'Phường' if near_city else 'Xã'} Demo {stem}")

    # commune-id order: by district, then north to south
    rank = np.lexsort((seats_arr[:, 0], -seats_arr[:, 1], district_idx))
    return Communes(
        polygons=tuple(clipped[i] for i in rank),
        names=tuple(names[i] for i in rank),
        districts=tuple(towns[district_idx[i]].district for i in rank),
        seats=seats_arr[rank],
        province=province,
    )


def _merge_fragments(polys: list[shapely.Geometry]) -> list[shapely.Geometry]:
    """Give every detached piece of a commune to the neighbour it shares the longest border with."""
    polys = list(polys)
    for i in range(len(polys)):
        parts = sorted(shapely.get_parts(polys[i]), key=lambda g: -g.area)
        if len(parts) < 2:
            continue
        polys[i] = parts[0]
        for piece in parts[1:]:
            shared = [
                shapely.length(shapely.intersection(piece.boundary, polys[j].boundary)) if j != i else -1.0
                for j in range(len(polys))
            ]
            j = int(np.argmax(shared))
            if shared[j] <= 0:
                polys[i] = shapely.union(polys[i], piece)
            else:
                polys[j] = shapely.union(polys[j], piece)
    return polys


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep only the polygonal part of a geometry (intersections may add slivers of lines)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    polys = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(polys)
