"""Synthetic settlements and the population grid.

The population is a *settlement model* (resolution independent) rendered on a
lattice:

* a provincial city on the lower main river and five district towns (two on
  the main river in the hills and mountains, one on the big tributary, two in
  the plain), each a core plus a wider fringe (Gaussian blobs);
* plain villages every ~1.25 km (the dense rice-growing lowland), thinning out
  in the hills;
* valley villages along the mountain rivers, on the valley floors;
* scattered hamlets, mostly in the hills and mountains;
* a thin background of dispersed houses.

Rendering spreads each settlement as a Gaussian and multiplies by a
habitability factor that is near zero on steep slopes (above ~25°), on high
ground and at sea. The caller masks the result to the province and scales it to
:data:`TOTAL_PEOPLE`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from towerplan.demo._common import FRAME_SIZE_M, Lattice, rng_for
from towerplan.demo._noise import fbm
from towerplan.demo._terrain import Relief, Rivers, coast_x_m

#: people in the demo province (the rendered grid is scaled to this total)
TOTAL_PEOPLE = 650_000.0


@dataclass(frozen=True)
class Town:
    """A provincial city or district town (seat of a district).

    ``x_m``, ``y_m`` are frame metres; ``core_sigma_m`` the spread of its core.
    """

    key: str
    name: str
    district: str
    kind: str
    x_m: float
    y_m: float
    people: float
    core_sigma_m: float


@dataclass(frozen=True, eq=False)
class Settlements:
    """Towns plus villages and hamlets as points (frame metres) with people and spread."""

    towns: tuple[Town, ...]
    x_m: np.ndarray
    y_m: np.ndarray
    people: np.ndarray
    sigma_m: np.ndarray
    kind: np.ndarray


# key, name, district, kind, people, core sigma (m)
_TOWN_SPECS = (
    ("city", "Demo Thanh Bình", "Thành phố Demo Thanh Bình", "city", 145_000.0, 1_400.0),
    ("front", "Demo Cẩm Lâm", "Huyện Demo Cẩm Lâm", "town", 22_000.0, 650.0),
    ("mountain", "Demo Mường Xia", "Huyện Demo Mường Xia", "town", 12_000.0, 450.0),
    ("tributary", "Demo Lang Khê", "Huyện Demo Lang Khê", "town", 14_000.0, 500.0),
    ("north", "Demo Hà Phong", "Huyện Demo Hà Phong", "town", 20_000.0, 700.0),
    ("south", "Demo Nông Giang", "Huyện Demo Nông Giang", "town", 18_000.0, 700.0),
)


def _on_path(path: np.ndarray, x_target: float, offset_m: float, *, south: bool) -> tuple[float, float]:
    """A point beside a river path at the vertex nearest ``x_target``, ``offset_m`` to one bank."""
    i = int(np.argmin(np.abs(path[:, 0] - x_target)))
    a, b = path[max(i - 2, 0)], path[min(i + 2, len(path) - 1)]
    t = (b - a) / max(float(np.hypot(*(b - a))), 1e-9)
    normal = np.array([-t[1], t[0]])
    if (normal[1] > 0) == south:
        normal = -normal
    p = path[i] + offset_m * normal
    return float(p[0]), float(p[1])


def make_towns(rivers: Rivers, *, seed: int) -> tuple[Town, ...]:
    """The city and the five district towns, placed on the rivers and in the plain."""
    rng = rng_for(seed, "towns")
    main, trib = rivers.main_path, rivers.second_path
    x_mouth = float(main[-1, 0]) - 2_000.0
    pos = {
        "city": _on_path(main, x_mouth - rng.uniform(7_500.0, 9_500.0), 1_100.0, south=True),
        "front": _on_path(main, rng.uniform(23_000.0, 27_000.0), 150.0, south=bool(rng.random() < 0.5)),
        "mountain": _on_path(main, rng.uniform(8_000.0, 11_000.0), 120.0, south=bool(rng.random() < 0.5)),
        "tributary": _on_path(trib, rng.uniform(15_000.0, 19_000.0), 120.0, south=bool(rng.random() < 0.5)),
    }
    for key, (y_lo, y_hi) in (("north", (47_000.0, 53_000.0)), ("south", (6_000.0, 12_000.0))):
        y = rng.uniform(y_lo, y_hi)
        coast = float(coast_x_m(np.array([y]), seed=seed)[0])
        pos[key] = (coast - rng.uniform(10_000.0, 14_000.0), y)
    return tuple(
        Town(key, name, district, kind, pos[key][0], pos[key][1], people, sigma)
        for key, name, district, kind, people, sigma in _TOWN_SPECS
    )


def sample_at(field: np.ndarray, lat: Lattice, x_m: np.ndarray, y_m: np.ndarray) -> np.ndarray:
    """Nearest-cell values of a lattice field at frame points."""
    col = np.clip((np.asarray(x_m) / lat.res_m).astype(np.int64), 0, lat.ncols - 1)
    row = np.clip(((FRAME_SIZE_M - np.asarray(y_m)) / lat.res_m).astype(np.int64), 0, lat.nrows - 1)
    return field[row, col]


def slope_deg(lat: Lattice, z: np.ndarray) -> np.ndarray:
    """Terrain slope (degrees) over a ~120 m baseline, comparable across resolutions."""
    sigma = 120.0 / lat.res_m
    zs = ndimage.gaussian_filter(z, sigma) if sigma >= 0.5 else z
    gy, gx = np.gradient(zs, lat.res_m)
    return np.degrees(np.arctan(np.hypot(gx, gy)))


def habitability(lat: Lattice, z: np.ndarray, relief: Relief) -> np.ndarray:
    """0..1: how readily people live in each cell (flat, low, dry land)."""
    h = np.exp(-((slope_deg(lat, z) / 18.0) ** 2)) * np.exp(-np.maximum(z - 700.0, 0.0) / 250.0)
    return np.where(relief.sea, 0.0, h)


def _valley_villages(rivers: Rivers, relief: Relief, planning: Lattice, rng: np.random.Generator) -> np.ndarray:
    """(k, 3) x, y, people of villages strung along mountain valley floors."""
    out = []
    for chain in rivers.chains:
        seg = np.hypot(*np.diff(chain[:, :2], axis=0).T)
        s = np.concatenate([[0.0], np.cumsum(seg)])
        if s[-1] < 600.0:
            continue
        at = np.arange(rng.uniform(0.0, 1_100.0), s[-1], 1_100.0)
        if at.size == 0:
            continue
        x, y = np.interp(at, s, chain[:, 0]), np.interp(at, s, chain[:, 1])
        acc, bed = np.interp(at, s, chain[:, 2]), np.interp(at, s, chain[:, 3])
        mountain = sample_at(relief.mountain, planning, x, y)
        p = 0.6 * np.clip(0.45 + 0.25 * np.log10(np.maximum(acc, 1.0)), 0.0, 1.0)
        keep = (rng.random(at.size) < p) & (acc >= 2.0) & (bed <= 900.0) & (mountain >= 0.3)
        off = rng.choice([-1.0, 1.0], at.size) * rng.uniform(60.0, 180.0, at.size)
        ang = rng.uniform(0.0, 2 * np.pi, at.size)
        people = rng.lognormal(np.log(300.0), 0.55, at.size)
        out.append(np.column_stack([x + off * np.cos(ang), y + off * np.sin(ang), people])[keep])
    return np.vstack(out) if out else np.zeros((0, 3))


def make_settlements(
    planning: Lattice, relief: Relief, z_planning: np.ndarray, rivers: Rivers, *, seed: int
) -> Settlements:
    """Every settlement of the demo province (see the module docstring)."""
    rng = rng_for(seed, "settlements")
    towns = make_towns(rivers, seed=seed)
    slope = slope_deg(planning, z_planning)

    spacing = 1_250.0
    g = np.arange(spacing / 2.0, FRAME_SIZE_M, spacing)
    gx, gy = (a.ravel() for a in np.meshgrid(g, g))
    gx = gx + rng.uniform(-0.4, 0.4, gx.size) * spacing
    gy = gy + rng.uniform(-0.4, 0.4, gy.size) * spacing
    m = sample_at(relief.mountain, planning, gx, gy)
    inland = sample_at(relief.inland_m, planning, gx, gy)
    sl = sample_at(slope, planning, gx, gy)
    # villages cluster a little: denser in some parts of the plain than in others
    cluster_field = fbm(
        *planning.frame_axes(), seed=seed, layer="village-clusters", base_wavelength_m=5_000.0, min_wavelength_m=1_200.0
    )
    clusters = np.clip(0.75 + 0.9 * sample_at(cluster_field, planning, gx, gy), 0.15, 1.0)
    p = 0.92 * (1.0 - m) ** 1.5 * np.exp(-((sl / 14.0) ** 2)) * (inland > 400.0) * clusters
    keep = rng.random(gx.size) < p
    lowland_people = rng.lognormal(np.log(420.0), 0.5, gx.size) * (0.55 + 0.45 * (1.0 - m))
    lowland = np.column_stack([gx, gy, lowland_people])[keep]
    # bigger villages spread wider (a few sigma classes keep the rendering fast)
    lowland_sigma = np.array([130.0, 180.0, 240.0, 320.0])[np.digitize(lowland[:, 2], [250.0, 450.0, 800.0])]

    valley = _valley_villages(rivers, relief, planning, rng)

    n = 600
    hx, hy = rng.uniform(0.0, FRAME_SIZE_M, n), rng.uniform(0.0, FRAME_SIZE_M, n)
    hab = sample_at(habitability(planning, z_planning, relief), planning, hx, hy)
    hm = sample_at(relief.mountain, planning, hx, hy)
    keep_h = rng.random(n) < hab * (0.2 + 0.8 * hm)
    hamlets = np.column_stack([hx, hy, rng.uniform(15.0, 80.0, n)])[keep_h]

    pts = np.vstack([lowland, valley, hamlets])
    sigma = np.concatenate([lowland_sigma, np.full(len(valley), 110.0), np.full(len(hamlets), 70.0)])
    kind = np.array(["lowland-village"] * len(lowland) + ["valley-village"] * len(valley) + ["hamlet"] * len(hamlets))
    return Settlements(towns, pts[:, 0], pts[:, 1], pts[:, 2], sigma, kind)


def _add_gaussian(out: np.ndarray, lat: Lattice, x: float, y: float, people: float, sigma_m: float) -> None:
    """Add ``people`` spread as a 2-D Gaussian, on a window of +-4 sigma (in place on a private array)."""
    xs, ys = lat.frame_axes()
    c0, c1 = np.searchsorted(xs, [x - 4 * sigma_m, x + 4 * sigma_m])
    r0, r1 = np.searchsorted(-ys, [-(y + 4 * sigma_m), -(y - 4 * sigma_m)])
    if c1 <= c0 or r1 <= r0:
        return
    dx = xs[c0:c1][None, :] - x
    dy = ys[r0:r1][:, None] - y
    w = np.exp(-(dx * dx + dy * dy) / (2.0 * sigma_m * sigma_m))
    total = w.sum()
    if total > 0:
        out[r0:r1, c0:c1] += people * w / total


def render_population(
    lat: Lattice, settlements: Settlements, z: np.ndarray, relief: Relief, *, seed: int
) -> np.ndarray:
    """People per cell on ``lat`` before masking and scaling (float64)."""
    out = np.zeros(lat.shape)
    for t in settlements.towns:
        _add_gaussian(out, lat, t.x_m, t.y_m, 0.55 * t.people, t.core_sigma_m)
        _add_gaussian(out, lat, t.x_m, t.y_m, 0.45 * t.people, 2.5 * t.core_sigma_m)
    row = np.clip(((FRAME_SIZE_M - settlements.y_m) / lat.res_m).astype(np.int64), 0, lat.nrows - 1)
    col = np.clip((settlements.x_m / lat.res_m).astype(np.int64), 0, lat.ncols - 1)
    for sigma_m in np.unique(settlements.sigma_m):
        sel = settlements.sigma_m == sigma_m
        counts = np.zeros(lat.shape)
        np.add.at(counts, (row[sel], col[sel]), settlements.people[sel])
        s = sigma_m / lat.res_m
        out += ndimage.gaussian_filter(counts, s, mode="constant") if s >= 0.3 else counts
    xs, ys = lat.frame_axes()
    wobble = fbm(xs, ys, seed=seed, layer="background", base_wavelength_m=6_000.0, min_wavelength_m=1_500.0)
    density_km2 = (20.0 * (1.0 - relief.mountain) + 2.5 * relief.mountain) * (0.7 + 0.3 * wobble)
    out += np.clip(density_km2, 0.0, None) * lat.cell_area_km2
    return out * habitability(lat, z, relief)
