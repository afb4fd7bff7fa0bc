"""Station lists of three operators, with shared towers and real dead zones.

Each operator places sites greedily where they serve the most people not yet
served (a maximal-coverage heuristic): a site serves the people within a radius
that depends on the area (0.9 km in the city, 2.2 km in the plain, 3 km in the
hills, 4 km in the mountains), up to a capacity, so towns get many sites and
mountains few. Operators stop when a new site would serve too few people: the
largest (Viettel) goes furthest into the mountains. Rural sites need road
access; some mountain masts stand on a nearby high point instead of the valley
road. Later operators often co-locate on an existing tower nearby (same site
id and location). Around two remote, populated mountain valleys no operator
builds within 9.5 km: dead zones a planner has to find (there are others where
no operator found enough people to serve).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pyproj import Transformer
from scipy import ndimage, sparse
from scipy.spatial import cKDTree

from towerplan.demo._common import DEMO_EPSG, Lattice, frame_to_utm, rng_for
from towerplan.demo._people import Settlements
from towerplan.demo._roads import Roads, nearest_road_distance_m

#: canonical station-list columns, in order
STATION_COLUMNS = (
    "site_id", "cell_id", "operator", "technology", "lon", "lat", "antenna_height_m", "azimuth_deg",
    "tilt_deg", "h_beamwidth_deg", "v_beamwidth_deg", "freq_mhz", "eirp_dbm",
)  # fmt: skip
#: radius (m) kept free of sites around each dead-zone village
DEAD_ZONE_RADIUS_M = 9_500.0
_STATION_RES_M = 600.0
#: an operator's remote site (hills or mountains) serving fewer people than this may be a legacy 2G site
LEGACY_MAX_PEOPLE = 2_500.0
#: the probability that such a site is a legacy 2G site (2G, maybe 3G; no 4G or 5G)
LEGACY_SHARE = 0.35


@dataclass(frozen=True)
class _Layer:
    """One radio layer: technology, band code, centre frequency (MHz), EIRP of a sector (dBm)."""

    technology: str
    code: str
    freq_mhz: float
    eirp_dbm: float


_LAYERS = {
    "G09": _Layer("2G", "G09", 942.5, 58.0),
    "U21": _Layer("3G", "U21", 2140.0, 59.0),
    "L09": _Layer("4G", "L09", 942.5, 57.0),
    "L18": _Layer("4G", "L18", 1842.5, 59.0),
    "L21": _Layer("4G", "L21", 2140.0, 59.0),
    "N35": _Layer("5G", "N35", 3550.0, 74.0),
}


@dataclass(frozen=True)
class _Operator:
    name: str
    code: str
    budget: int
    min_gain: float
    share_p: float
    # probability of each optional layer: (city, plain, hills/mountains)
    layers: dict[str, tuple[float, float, float]]


_OPERATORS = (
    _Operator("Viettel", "VTL", 170, 500.0, 0.0,
              {"G09": (0.5, 0.9, 0.95), "U21": (0.3, 0.3, 0.2), "L09": (0.1, 0.15, 0.6), "N35": (0.5, 0.0, 0.0)}),
    _Operator("VNPT-VinaPhone", "VNP", 100, 1_600.0, 0.38,
              {"G09": (0.4, 0.5, 0.6), "U21": (0.4, 0.4, 0.3), "L21": (0.4, 0.1, 0.0), "N35": (0.2, 0.0, 0.0)}),
    _Operator("MobiFone", "MBF", 95, 1_800.0, 0.38,
              {"G09": (0.3, 0.4, 0.5), "U21": (0.5, 0.5, 0.4), "L21": (0.3, 0.1, 0.0), "N35": (0.2, 0.0, 0.0)}),
)  # fmt: skip

# per area class: service radius (m), capacity (people), spacing between one operator's sites (m),
# sharing search radius (m)
_URBAN, _PLAIN, _HILLS, _MOUNTAIN = 0, 1, 2, 3
_RADIUS_M = np.array([900.0, 2_200.0, 3_000.0, 4_000.0])
_CAPACITY = np.array([5_000.0, 12_000.0, 12_000.0, 12_000.0])
_SPACING_M = np.array([600.0, 1_400.0, 2_500.0, 3_500.0])
_SHARE_M = np.array([450.0, 1_200.0, 2_000.0, 2_000.0])


@dataclass
class _Tower:
    x_m: float
    y_m: float
    area: int
    high_point: bool
    operators: list


def dead_zone_villages(settlements: Settlements, roads: Roads, mountain_at: np.ndarray, *, n: int = 2) -> np.ndarray:
    """Frame (x, y) of up to ``n`` populated mountain villages that will get no site nearby.

    Chosen among valley villages of 150+ people in the mountains, at least 12 km
    from every town and 4 km from trunk and primary roads, 15 km apart, most
    populated first.
    """
    towns = np.array([[t.x_m, t.y_m] for t in settlements.towns])
    idx = np.flatnonzero((settlements.kind == "valley-village") & (settlements.people >= 150.0) & (mountain_at >= 0.6))
    x, y = settlements.x_m[idx], settlements.y_m[idx]
    far_town = cKDTree(towns).query(np.column_stack([x, y]))[0] >= 12_000.0
    far_road = nearest_road_distance_m(roads, x, y, classes=("trunk", "primary")) >= 4_000.0
    chosen: list[np.ndarray] = []
    for i in np.argsort(-settlements.people[idx], kind="stable"):
        p = np.array([x[i], y[i]])
        if far_town[i] and far_road[i] and all(np.hypot(*(p - q)) >= 15_000.0 for q in chosen):
            chosen.append(p)
        if len(chosen) == n:
            break
    return np.asarray(chosen).reshape(-1, 2)


def _area_class(density_km2: np.ndarray, mountain: np.ndarray) -> np.ndarray:
    return np.select([density_km2 >= 1_500.0, mountain < 0.3, mountain < 0.65], [_URBAN, _PLAIN, _HILLS], _MOUNTAIN)


def make_stations(
    planning: Lattice,
    z: np.ndarray,
    people: np.ndarray,
    mountain: np.ndarray,
    inside: np.ndarray,
    roads: Roads,
    settlements: Settlements,
    dead_zones: np.ndarray,
    *,
    seed: int,
) -> pd.DataFrame:
    """The canonical station table (one row per cell) of the three operators."""
    rng = rng_for(seed, "stations")
    k = round(_STATION_RES_M / planning.res_m)
    st = Lattice.covering_frame(_STATION_RES_M)

    def coarse(a: np.ndarray, how: str) -> np.ndarray:
        b = a[: st.nrows * k, : st.ncols * k].reshape(st.nrows, k, st.ncols, k)
        return b.sum(axis=(1, 3)) if how == "sum" else b.mean(axis=(1, 3)) if how == "mean" else b.max(axis=(1, 3))

    demand = coarse(people * inside, "sum").ravel()
    density = ndimage.gaussian_filter(coarse(people, "sum"), 1_000.0 / _STATION_RES_M) / st.cell_area_km2
    area = _area_class(density, coarse(mountain, "mean")).ravel()
    xs, ys = st.frame_axes()
    cx, cy = np.meshgrid(xs, ys)
    cx, cy = cx.ravel(), cy.ravel()
    towns = np.array([[t.x_m, t.y_m] for t in settlements.towns])
    near_town = cKDTree(towns).query(np.column_stack([cx, cy]))[0] <= 1_500.0
    access = coarse(roads.access.astype(float), "max").ravel() > 0
    ok = coarse(inside.astype(float), "mean").ravel() >= 0.5
    ok &= (area <= _PLAIN) | access | near_town
    if len(dead_zones):
        ok &= cKDTree(dead_zones).query(np.column_stack([cx, cy]))[0] > DEAD_ZONE_RADIUS_M + 500.0
    cand = np.flatnonzero(ok)

    pts = np.column_stack([cx, cy])
    tree = cKDTree(pts)
    rows, cols = [], []
    for j, c in enumerate(cand):
        hits = tree.query_ball_point(pts[c], _RADIUS_M[area[c]])
        rows.extend([j] * len(hits))
        cols.extend(hits)
    cover = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(cand), len(pts)))

    towers: list[_Tower] = []
    for op in _OPERATORS:
        unserved = demand.copy()
        allowed = np.ones(len(cand), dtype=bool)
        for _ in range(op.budget):
            reach = cover @ unserved
            gain = np.where(allowed, np.minimum(reach, _CAPACITY[area[cand]]), -1.0)
            j = int(np.argmax(gain))
            if gain[j] < op.min_gain:
                break
            c = cand[j]
            served = cover[j].indices
            unserved[served] *= 1.0 - min(1.0, _CAPACITY[area[c]] / max(reach[j], 1e-9))
            near = tree.query_ball_point(pts[c], _SPACING_M[area[c]])
            allowed[np.isin(cand, near)] = False
            _place(towers, op, c, int(area[c]), pts, float(gain[j]), planning, z, roads, dead_zones, rng)

    towers.sort(key=lambda t: (-round(t.y_m), round(t.x_m)))
    return _cells_table(towers, towns[0], rng, rng_for(seed, "legacy 2G sites"))


def _place(
    towers: list[_Tower],
    op: _Operator,
    c: int,
    area: int,
    pts: np.ndarray,
    gain: float,
    planning: Lattice,
    z: np.ndarray,
    roads: Roads,
    dead_zones: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """Put ``op`` on a tower serving station cell ``c``: share a nearby one or build one."""
    x, y = pts[c]
    if op.share_p > 0 and towers:
        d = np.array([np.hypot(t.x_m - x, t.y_m - y) for t in towers])
        mine = np.array([any(o[0] is op for o in t.operators) for t in towers])
        d[mine] = np.inf
        i = int(np.argmin(d))
        if d[i] <= _SHARE_M[area] and rng.random() < op.share_p:
            towers[i].operators.append((op, gain))
            return
    jitter = _STATION_RES_M * 0.4
    x, y = x + rng.uniform(-jitter, jitter), y + rng.uniform(-jitter, jitter)
    high = False
    if area >= _HILLS:
        sx, sy, high = _rural_spot(x, y, planning, z, roads, dead_zones, rng)
        # the same hilltop or roadside spot as an existing tower: go on it, or stay put
        d = np.array([np.hypot(t.x_m - sx, t.y_m - sy) for t in towers]) if towers else np.array([np.inf])
        i = int(np.argmin(d))
        if d[i] < 150.0:
            if not any(o[0] is op for o in towers[i].operators):
                towers[i].operators.append((op, gain))
                return
            high = False
        else:
            x, y = sx, sy
    towers.append(_Tower(float(x), float(y), area, high, [(op, gain)]))


def _rural_spot(
    x: float, y: float, planning: Lattice, z: np.ndarray, roads: Roads, dead_zones: np.ndarray, rng: np.random.Generator
) -> tuple[float, float, bool]:
    """A mast site near (x, y): a high point overlooking it (half the time) or the road."""
    xs, ys = planning.frame_axes()
    col = np.clip(((xs >= x - 1_500.0) & (xs <= x + 1_500.0)).nonzero()[0], 0, planning.ncols - 1)
    row = np.clip(((ys >= y - 1_500.0) & (ys <= y + 1_500.0)).nonzero()[0], 0, planning.nrows - 1)
    gx, gy = np.meshgrid(xs[col], ys[row])
    dist = np.hypot(gx - x, gy - y)
    window = z[np.ix_(row, col)]
    if rng.random() < 0.5:
        score = np.where(dist <= 1_500.0, window - 0.25 * dist, -np.inf)
        high = True
    else:
        on_road = roads.access[np.ix_(row, col)]
        score = np.where(on_road & (dist <= 1_500.0), -dist, -np.inf)
        high = False
    if not np.isfinite(score.max()):
        return x, y, False
    r, c = np.unravel_index(int(np.argmax(score)), score.shape)
    nx_, ny_ = float(gx[r, c]), float(gy[r, c])
    if len(dead_zones) and cKDTree(dead_zones).query([nx_, ny_])[0] <= DEAD_ZONE_RADIUS_M + 100.0:
        return x, y, False
    return nx_, ny_, high


def _legacy_layers(layers: list[str]) -> list[str]:
    """A legacy remote site's layers: its 2G (900 MHz) and any 3G drawn, no 4G or 5G."""
    return ["G09", *(["U21"] if "U21" in layers else [])]


def _cells_table(towers: list[_Tower], city_xy: np.ndarray, rng: np.random.Generator,
                 legacy_rng: np.random.Generator) -> pd.DataFrame:
    """One row per (tower, operator, layer, sector) in the canonical columns.

    ``legacy_rng`` draws once per (tower, operator), whatever the outcome (and the jitter of a legacy
    site's added 2G layer), so the legacy sites change no other draw: every other cell is as it was
    before they were added (demo version 1).
    """
    to_wgs84 = Transformer.from_crs(DEMO_EPSG, 4326, always_xy=True)
    records = []
    for n, t in enumerate(towers, start=1):
        site_id = f"DM{n:04d}"
        e, nn = frame_to_utm(np.array([t.x_m]), np.array([t.y_m]))
        lon, lat = to_wgs84.transform(float(e[0]), float(nn[0]))
        core = np.hypot(t.x_m - city_xy[0], t.y_m - city_xy[1]) <= 3_000.0
        zone = 0 if t.area == _URBAN else 1 if t.area == _PLAIN else 2
        top = rng.uniform(20.0, 30.0) if t.area == _URBAN else rng.uniform(36.0, 45.0)
        for rank, (op, gain) in enumerate(t.operators):
            height = round(max(top - 5.0 * rank, 18.0 if t.area == _URBAN else 28.0))
            omni = t.area >= _HILLS and gain < 3_500.0 and rng.random() < 0.4
            layers = ["L18"]
            for code, probs in op.layers.items():
                if code == "N35" and not core:
                    continue
                if code == "L21" and "U21" in layers:
                    continue
                if rng.random() < probs[zone]:
                    layers.append(code)
            legacy = legacy_rng.random() < LEGACY_SHARE and t.area >= _HILLS and gain < LEGACY_MAX_PEOPLE
            drawn = set(layers)
            kept = _legacy_layers(layers) if legacy else layers
            layers = sorted(set(layers) | set(kept), key=list(_LAYERS).index)
            base_az = int(rng.integers(0, 120))
            if t.area == _URBAN:
                tilt = int(rng.integers(4, 9))
            elif t.high_point:
                tilt = int(rng.integers(4, 8))
            else:
                tilt = int(rng.integers(2, 5))
            sectors = [(0, None)] if omni else [(s + 1, (base_az + 120 * s) % 360) for s in range(3)]
            for code in layers:
                layer = _LAYERS[code]
                if omni and code == "N35":
                    continue
                # a legacy site's layers not drawn above (its 2G) jitter on the legacy stream, and the layers it
                # drops still draw theirs: the main stream stays as without legacy sites
                jitter = rng if code in drawn else legacy_rng
                eirp = layer.eirp_dbm + float(jitter.choice([-1.0, 0.0, 0.0, 1.0])) - (7.0 if omni else 0.0)
                if code not in kept:
                    continue
                for sector, az in sectors:
                    records.append(
                        {
                            "site_id": site_id,
                            "cell_id": f"{op.code}-{site_id}-{code}-{sector}",
                            "operator": op.name,
                            "technology": layer.technology,
                            "lon": round(lon, 6),
                            "lat": round(lat, 6),
                            "antenna_height_m": float(height - (2 if code == "N35" else 0)),
                            "azimuth_deg": float(az) if az is not None else np.nan,
                            "tilt_deg": float(min(tilt + (2 if code == "N35" else 0), 10) if not omni else 0),
                            "h_beamwidth_deg": 360.0 if omni else 65.0,
                            "v_beamwidth_deg": 7.0,
                            "freq_mhz": layer.freq_mhz,
                            "eirp_dbm": eirp,
                        }
                    )
    return pd.DataFrame.from_records(records, columns=list(STATION_COLUMNS))
