"""Synthetic terrain: Annamite mountains in the west, hills, a coastal plain, the sea.

How the elevation is built (all lengths in metres, frame coordinates):

1. *Macro relief* :func:`macro_relief`: a west-high trend whose mountain front is
   bent by low-frequency noise; ridged multifractal noise in the mountains
   (peaks about 1,500 m), rolling fractal hills in the middle, a plain rising
   from 1.5 m at the shore to about 15 m inland, a few steep karst hills in the
   plain, and the sea (0 m) east of a wavy coastline.
2. *Drainage* :func:`drainage` on the 300 m planning lattice: two designed main
   rivers enter from the west edge (water from upstream provinces) and are
   pre-cut as trenches so the flow routing follows them; priority-flood routing
   to the sea and the north/south edges gives a receiver per cell and the
   upstream area; cells draining more than 3 km² are channels.
3. *River beds* follow Flint's law (slope ~ area^-0.58, gentler in the plain),
   integrated upstream from sea level and never more than a few hundred metres
   below the surrounding relief.
4. *Carving* :func:`carve`: around each channel the relief is pulled down to
   the bed with a V-shaped profile (a flat floor for big rivers), so mountain
   valleys are narrow and deep and roads and villages can follow them.

Steps 2-3 run once on the planning lattice; steps 1 and 4 are rendered on any
lattice, so the 30 m and 90 m DEMs show the same valleys.
"""

from __future__ import annotations

import heapq
import itertools
import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree

from towerplan.demo._common import (
    FRAME_SIZE_M,
    PLANNING_RES_M,
    Lattice,
    blur,
    chaikin,
    frame_to_utm,
    rng_for,
    smoothstep,
)
from towerplan.demo._noise import fbm, ridged, value_noise_1d

#: a cell draining at least this area (km²) is a river channel
CHANNEL_MIN_KM2 = 1.0
_SQRT2 = math.sqrt(2.0)


@dataclass(frozen=True, eq=False)
class Relief:
    """Uncarved relief and the zone fields on one lattice.

    Attributes
    ----------
    z0_m
        Elevation before valley carving (m); 0 at sea.
    sea
        True east of the coastline.
    mountain
        0..1 weight of the mountain zone (1 in the west).
    inland_m
        Distance west of the coastline along the row (m); negative at sea.
    """

    z0_m: np.ndarray
    sea: np.ndarray
    mountain: np.ndarray
    inland_m: np.ndarray


@dataclass(frozen=True, eq=False)
class Rivers:
    """The river network found on the planning lattice.

    Attributes
    ----------
    receiver
        Flat index of the cell each planning cell drains into (-1: outlet).
    acc_km2
        Upstream area of each planning cell, including the inflow from the west.
    channel
        True for channel cells.
    chains
        Smoothed river reaches, each an (n, 4) array of frame x, y (m), upstream
        area (km²) and bed elevation (m), from upstream to downstream.
    main_path
        (n, 2) frame coordinates of the designed main river (west edge to sea).
    """

    receiver: np.ndarray
    acc_km2: np.ndarray
    channel: np.ndarray
    chains: tuple[np.ndarray, ...]
    main_path: np.ndarray
    second_path: np.ndarray


def coast_x_m(y_m: np.ndarray, *, seed: int) -> np.ndarray:
    """Frame x (m) of the coastline at frame northings ``y_m``."""
    y = np.asarray(y_m, dtype=float)
    return (
        55_300.0
        + 1_600.0 * value_noise_1d(y, wavelength_m=14_000.0, seed=seed, layer="coast")
        + 500.0 * value_noise_1d(y, wavelength_m=3_500.0, seed=seed, layer="coast-fine")
    )


def _karst_hills(seed: int) -> np.ndarray:
    """(k, 4) array of isolated limestone hills in the plain: x, y, height, radius (m)."""
    rng = rng_for(seed, "karst")
    k = 9
    x = rng.uniform(33_000.0, 50_000.0, k)
    y = rng.uniform(3_000.0, 57_000.0, k)
    return np.column_stack([x, y, rng.uniform(50.0, 170.0, k), rng.uniform(300.0, 750.0, k)])


#: the mountain relief is scaled so that its top on the planning lattice is this high (m)
_MOUNTAIN_TOP_M = 1_450.0


def _relief_terms(lat: Lattice, *, seed: int) -> tuple[np.ndarray, ...]:
    """Lowland relief, mountain relief (before scaling), mountain weight, sea, inland distance."""
    xs, ys = lat.frame_axes()
    fine = 2.0 * lat.res_m
    X = xs[None, :]
    warp = fbm(xs, ys, seed=seed, layer="front-warp", base_wavelength_m=24_000.0, min_wavelength_m=3_000.0)
    u = X / FRAME_SIZE_M + 0.08 * warp
    coast = coast_x_m(ys, seed=seed)[:, None]
    inland = coast - X + np.zeros_like(u)
    mountain = smoothstep(0.62, 0.22, u)
    hill = smoothstep(0.84, 0.56, u)
    massif = fbm(xs, ys, seed=seed, layer="massif", base_wavelength_m=16_000.0, min_wavelength_m=fine, gain=0.55)
    rid = ridged(xs, ys, seed=seed, layer="ridges", base_wavelength_m=6_000.0, min_wavelength_m=fine, gain=0.5)
    roll = fbm(xs, ys, seed=seed, layer="rolling", base_wavelength_m=5_000.0, min_wavelength_m=fine)
    near = np.clip(inland / 25_000.0, 0.0, 1.0)
    low = 1.5 + 12.0 * near + 3.0 * np.clip(roll, 0.0, None) * near
    low = low + hill * 260.0 * np.clip(0.5 + 0.6 * roll, 0.0, None) ** 1.6
    for kx, ky, kh, kr in _karst_hills(seed):
        r2 = ((X - kx) ** 2 + (ys[:, None] - ky) ** 2) / (kr * kr)
        low = low + kh * np.exp(-(r2**1.5))
    high = mountain * (700.0 + 900.0 * massif + 500.0 * rid)
    return low, high, mountain, inland < 0, inland


def macro_relief(lat: Lattice, *, seed: int) -> Relief:
    """The uncarved relief rendered on ``lat`` (see the module docstring).

    The mountain relief is scaled by one factor per seed, computed on the
    planning lattice, so peaks reach about 1,500-1,700 m whatever the seed and
    the same factor applies at every resolution.
    """
    low, high, mountain, sea, inland = _relief_terms(lat, seed=seed)
    planning = Lattice.covering_frame(PLANNING_RES_M)
    top = float(_relief_terms(planning, seed=seed)[1].max()) if lat != planning else float(high.max())
    z = np.where(sea, 0.0, low + high * (_MOUNTAIN_TOP_M / max(top, 1.0)))
    return Relief(z0_m=z, sea=sea, mountain=mountain + np.zeros_like(z), inland_m=inland)


def _designed_rivers(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Paths (frame m) of the main river and its big tributary, both entering from the west."""
    rng = rng_for(seed, "designed-rivers")
    y_in, y_out = rng.uniform(38_000.0, 45_000.0), rng.uniform(25_000.0, 30_000.0)
    x_end = float(coast_x_m(np.array([y_out]), seed=seed)[0]) + 2_000.0
    xs = np.arange(0.0, x_end, 150.0)
    t = xs / x_end
    taper = 0.7 + 0.3 * np.clip(t / 0.15, 0.0, 1.0)
    ys = y_in + (y_out - y_in) * smoothstep(0.1, 0.9, t)
    ys = ys + 2_400.0 * taper * value_noise_1d(xs, wavelength_m=7_000.0, seed=seed, layer="main-meander")
    main = np.column_stack([xs, ys])

    y2_in, x_conf = rng.uniform(9_000.0, 15_000.0), rng.uniform(36_000.0, 41_000.0)
    y_conf = float(np.interp(x_conf, xs, ys))
    xs2 = np.arange(0.0, x_conf + 1.0, 150.0)
    t2 = xs2 / x_conf
    ys2 = y2_in + (y_conf - y2_in) * smoothstep(0.25, 1.0, t2)
    ys2 = ys2 + 2_800.0 * np.sin(np.pi * t2) ** 0.5 * value_noise_1d(
        xs2, wavelength_m=5_000.0, seed=seed, layer="second-meander"
    )
    return main, np.column_stack([xs2, ys2])


def _trenched(lat: Lattice, z0: np.ndarray, paths: tuple[np.ndarray, ...]) -> np.ndarray:
    """``z0`` with deep trenches along the designed rivers (for flow routing only)."""
    xs, ys = lat.frame_axes()
    X, Y = np.meshgrid(xs, ys)
    out = z0.copy()
    for path, top_m in zip(paths, (130.0, 170.0), strict=True):
        frac = path[:, 0] / path[-1, 0]
        bed = -8.0 + top_m * (1.0 - frac) ** 1.5
        d, idx = cKDTree(path).query(np.column_stack([X.ravel(), Y.ravel()]))
        g = np.clip(d / 900.0, 0.0, 1.0).reshape(z0.shape) ** 0.7
        b = bed[idx].reshape(z0.shape)
        out = np.minimum(out, np.where(out > b, b + (out - b) * g, out))
    return out


def _priority_flood(z: np.ndarray, outlets: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Receivers and processing order from a priority flood (Barnes et al. 2014).

    Every cell drains to the neighbour it was reached from; depressions are
    crossed at their spill point. Ties (the flats of filled depressions) are
    broken at random, which grows branching drainage across them instead of
    straight lines. ``order`` lists cells downstream-first.
    """
    nr, nc = z.shape
    zf = z.ravel()
    tie = rng.random(nr * nc)
    receiver = np.full(nr * nc, -1, dtype=np.int64)
    seen = outlets.ravel().copy()
    heap = [(float(zf[i]), float(tie[i]), int(i)) for i in np.flatnonzero(seen)]
    heapq.heapify(heap)
    order = []
    offsets = [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)]
    while heap:
        level, _, i = heapq.heappop(heap)
        order.append(i)
        r, c = divmod(i, nc)
        for dr, dc in offsets:
            rr, cc = r + dr, c + dc
            if 0 <= rr < nr and 0 <= cc < nc:
                j = rr * nc + cc
                if not seen[j]:
                    seen[j] = True
                    receiver[j] = i
                    heapq.heappush(heap, (max(float(zf[j]), level), float(tie[j]), j))
    return receiver, np.asarray(order, dtype=np.int64)


def _chains(channel: np.ndarray, receiver: np.ndarray, order: np.ndarray) -> list[list[int]]:
    """Split the channel tree into reaches between heads, confluences and outlets."""
    chan = channel.ravel()
    donors = np.zeros(chan.size, dtype=np.int64)
    cells = np.flatnonzero(chan)
    rcv = receiver[cells]
    ok = rcv >= 0
    np.add.at(donors, rcv[ok & chan[np.where(ok, rcv, 0)]], 1)
    starts = [i for i in order[::-1] if chan[i] and donors[i] != 1]
    reaches = []
    for s in starts:
        reach = [int(s)]
        j = int(receiver[s])
        while j >= 0:
            reach.append(j)
            if not chan[j] or donors[j] != 1:
                break
            j = int(receiver[j])
        reaches.append(reach)
    return reaches


def drainage(planning: Lattice, relief: Relief, *, seed: int) -> Rivers:
    """River network, upstream areas and bed elevations on the planning lattice."""
    main, second = _designed_rivers(seed)
    xs, ys = planning.frame_axes()
    # routing only: a little roughness makes channels meander and branch instead
    # of running in parallel straight lines down planar slopes
    wobble = fbm(xs, ys, seed=seed, layer="route-wobble", base_wavelength_m=3_000.0, min_wavelength_m=600.0)
    z_route = _trenched(planning, relief.z0_m, (main, second)) + wobble * (8.0 + 70.0 * relief.mountain)
    outlets = relief.sea.copy()
    outlets[0, :] |= True
    outlets[-1, :] |= True
    receiver, order = _priority_flood(z_route, outlets, rng_for(seed, "flood-ties"))

    nr, nc = relief.z0_m.shape
    acc = np.where(relief.sea.ravel(), 0.0, planning.cell_area_km2)
    for path, inflow_km2 in ((main, 5_000.0), (second, 2_200.0)):
        r, c = planning.rowcol(*frame_to_utm(path[:1, 0], path[:1, 1]))
        acc[int(r[0]) * nc + int(c[0])] += inflow_km2
    for i in order[::-1]:
        j = receiver[i]
        if j >= 0:
            acc[j] += acc[i]

    channel = (acc >= CHANNEL_MIN_KM2) & ~relief.sea.ravel()
    zs = ndimage.gaussian_filter(relief.z0_m, 2.0).ravel()
    mountain = relief.mountain.ravel()
    bed = np.zeros(nr * nc)
    for i in order:
        j = receiver[i]
        if j < 0:
            bed[i] = 0.0 if relief.sea.flat[i] else max(zs[i] - 60.0, 0.0)
            continue
        dist = planning.res_m * (_SQRT2 if (i - j) % nc != 0 and abs(i - j) != 1 else 1.0)
        slope = 0.19 * max(acc[i], 0.05) ** -0.584 * (0.12 + 0.88 * mountain[i])
        depth_cap = min(100.0 + 260.0 * math.log10(max(acc[i], 1.0)), 900.0)
        bed[i] = max(bed[j] + dist * slope, zs[i] - depth_cap, bed[j])
    bed = np.minimum(bed, np.maximum(zs, 0.0))

    cx = np.tile(xs, nr)
    cy = np.repeat(ys, nc)
    smooth = [
        chaikin(np.column_stack([cx[r], cy[r], acc[r], bed[r]]), iterations=3)
        for r in map(np.asarray, _chains(channel.reshape(nr, nc), receiver, order))
    ]
    stacked = _meander(np.vstack(smooth), seed=seed)
    chains = np.split(stacked, np.cumsum([len(c) for c in smooth])[:-1])
    return Rivers(
        receiver=receiver,
        acc_km2=acc.reshape(nr, nc),
        channel=channel.reshape(nr, nc),
        chains=tuple(chains),
        main_path=main,
        second_path=second,
    )


def _meander(pts: np.ndarray, *, seed: int) -> np.ndarray:
    """Displace river vertices by a smooth warp field (the same everywhere, so reaches stay joined)."""
    out = pts.copy()
    x, y = pts[:, 0], pts[:, 1]
    for col, layer in ((0, "meander-x"), (1, "meander-y")):
        d = np.zeros(len(pts))
        for lam, amp in ((1_600.0, 140.0), (700.0, 50.0)):
            d += amp * value_noise_1d(x + 0.37 * y, wavelength_m=lam, seed=seed, layer=f"{layer}-a{lam:g}")
            d += amp * value_noise_1d(y - 0.29 * x, wavelength_m=lam, seed=seed, layer=f"{layer}-b{lam:g}")
        out[:, col] += 0.7 * d
    return out


def _densify(chains: tuple[np.ndarray, ...], *, step_m: float) -> np.ndarray:
    """Points every ``step_m`` or closer along every reach, attributes interpolated: (n, 4)."""
    pts = np.vstack([np.column_stack([c[:-1], c[1:]]) for c in chains if len(c) > 1])
    a, b = pts[:, :4], pts[:, 4:]
    n = np.maximum(np.ceil(np.hypot(*(b[:, :2] - a[:, :2]).T) / step_m).astype(np.int64), 1)
    seg = np.repeat(np.arange(len(a)), n)
    t = (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)) / np.repeat(n, n)
    return a[seg] + t[:, None] * (b[seg] - a[seg])


#: carving classes by upstream area (km²): small streams, rivers, main rivers
_CLASS_EDGES_KM2 = (CHANNEL_MIN_KM2, 10.0, 150.0, math.inf)


def carve(lat: Lattice, relief: Relief, rivers: Rivers, *, seed: int) -> np.ndarray:
    """Elevation (m) on ``lat`` with V-shaped valleys cut down to the river beds."""
    z0 = relief.z0_m
    z = z0.copy()
    g_at_min = np.ones_like(z0)
    samples = _densify(rivers.chains, step_m=0.5 * lat.res_m)
    row = ((FRAME_SIZE_M - samples[:, 1]) / lat.res_m).astype(np.int64)
    col = (samples[:, 0] / lat.res_m).astype(np.int64)
    on = (row >= 0) & (row < lat.nrows) & (col >= 0) & (col < lat.ncols)
    for lo, hi in itertools.pairwise(_CLASS_EDGES_KM2):
        sel = np.flatnonzero(on & (samples[:, 2] >= lo) & (samples[:, 2] < hi))
        if sel.size == 0:
            continue
        ids = np.zeros(lat.shape, dtype=np.int64)
        ids[row[sel], col[sel]] = sel + 1  # the last sample in a cell wins (deterministic)
        beds = np.concatenate([[0.0], samples[:, 3]])
        accs = np.concatenate([[0.0], samples[:, 2]])
        dist_cells, (ir, ic) = ndimage.distance_transform_edt(ids == 0, return_indices=True)
        nearest = ids[ir, ic]
        # the nearest reach changes abruptly half-way between two reaches: blur
        # its bed and size so the carved surface stays continuous there
        sigma = 250.0 / lat.res_m
        bed = blur(beds[nearest], sigma)
        acc = np.expm1(blur(np.log1p(accs[nearest]), sigma))
        # distances to a pixelated line ripple (rays in a hillshade): smooth them a little
        d = blur(dist_cells * lat.res_m, 1.5)
        half_w = np.minimum(380.0 + 200.0 * np.log1p(acc / 2.0), 1_600.0) * (1.0 + 1.5 * (1.0 - relief.mountain))
        floor = 45.0 * np.log1p(acc / 20.0)
        g = np.clip((d - floor) / np.maximum(half_w - floor, 1.0), 0.0, 1.0) ** 0.9
        cut = np.where(z0 > bed, bed + (z0 - bed) * g, z0)
        g_at_min = np.where(cut < z, g, g_at_min)
        z = np.minimum(z, cut)
    # break up the planar valley sides with small-scale roughness (none on valley floors)
    xs, ys = lat.frame_axes()
    detail = fbm(xs, ys, seed=seed, layer="slope-detail", base_wavelength_m=1_500.0, min_wavelength_m=2.0 * lat.res_m)
    z = z + 70.0 * detail * g_at_min * relief.mountain
    z = np.where(relief.sea, 0.0, np.maximum(z, 0.5))
    return z
