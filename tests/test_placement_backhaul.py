"""Backhaul of new masts: fibre routes along a hand-built road network, microwave line of sight over a DEM."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from affine import Affine
from shapely.geometry import LineString, Point

from towerplan.coverage.profile import EARTH_RADIUS_M
from towerplan.grid import Grid
from towerplan.planning.backhaul import (
    FRESNEL_CLEARANCE,
    compute_backhaul,
    fibre_routes,
    fresnel_radius_m,
    microwave_clearance,
    microwave_links,
)
from towerplan.planning.backhaul_p530 import hop_clearance
from towerplan.planning.costs import ASSUMED_BACKHAUL, CostModel, candidate_costs

X0, Y0 = 560_000.0, 2_200_000.0  # EPSG:32648, near Thanh Hóa
CRS = 32648


def _roads(*lines: list[tuple[float, float]]) -> gpd.GeoDataFrame:
    """Road lines given in metres relative to (X0, Y0)."""
    geoms = [LineString([(X0 + x, Y0 + y) for x, y in pts]) for pts in lines]
    return gpd.GeoDataFrame({"road_class": ["track"] * len(geoms)}, geometry=geoms, crs=CRS)


def _xy(*pts: tuple[float, float]) -> np.ndarray:
    return np.array([(X0 + x, Y0 + y) for x, y in pts], dtype=float)


# ---------------------------------------------------------------- fibre
def test_fibre_route_follows_the_roads_with_both_off_road_legs() -> None:
    # an L-shaped road (0,0)-(1000,0)-(1000,1000) and a separate, unconnected track (400,700)-(600,700)
    roads = _roads([(0, 0), (1000, 0), (1000, 1000)], [(400, 700), (600, 700)])
    places = _xy((500, 200), (200, 100))
    # fibre point 0 beside the vertical leg; fibre point 1 is closer to the first place in a straight
    # line (400 m) but on the unconnected track
    sources = _xy((1100, 800), (500, 750), (700, -50))
    fr = fibre_routes(roads, places, sources[:2], crs=CRS)
    # 200 off-road + 500 along y=0 + 800 up x=1000 + 100 off-road = 1600 m
    assert fr.route_m[0] == pytest.approx(1600.0)
    assert fr.source[0] == 0
    geom = fr.geometry[0]
    assert geom.length == pytest.approx(1600.0)
    assert Point(geom.coords[0]).distance(Point(*places[0])) < 1e-6  # from the candidate ...
    assert Point(geom.coords[-1]).distance(Point(*sources[0])) < 1e-6  # ... to the fibre point
    assert Point(X0 + 1000, Y0).distance(geom) < 1e-6  # round the corner
    # with a third fibre point beside the same segment as the second place: straight along it
    fr3 = fibre_routes(roads, places, sources, crs=CRS)
    assert fr3.source[1] == 2
    assert fr3.route_m[1] == pytest.approx(100 + 500 + 50)
    assert fr3.geometry[1].length == pytest.approx(650.0)
    # the first place: fibre point 2 along the road is 200 + 200 + 50 = 450 m, now the nearest
    assert fr3.source[0] == 2
    assert fr3.route_m[0] == pytest.approx(450.0)


def test_fibre_unreachable_and_no_sources() -> None:
    roads = _roads([(0, 0), (1000, 0)], [(0, 500), (1000, 500)])  # two unconnected roads
    fr = fibre_routes(roads, _xy((500, 600)), _xy((500, -100)), crs=CRS)
    assert np.isinf(fr.route_m[0])
    assert fr.source[0] == -1
    assert fr.geometry[0] is None
    none = fibre_routes(roads, _xy((500, 600)), np.zeros((0, 2)), crs=CRS)
    assert np.isinf(none.route_m).all()


def test_fibre_route_on_a_loop_road_uses_the_right_end() -> None:
    # a square loop whose start and end node coincide, joined to a spur; routes measure what they draw
    roads = _roads([(0, 0), (1000, 0), (1000, 1000), (0, 1000), (0, 0)], [(0, 0), (-2000, 0)])
    places = _xy((900, 1100), (100, -100), (1100, 500))
    fr = fibre_routes(roads, places, _xy((-2000, 50)), crs=CRS)
    lengths = shapely.length(fr.geometry.astype(object))
    np.testing.assert_allclose(lengths, fr.route_m, atol=1e-6)
    # (900,1100): 100 off-road, 900 west along the top, 1000 down, 2000 along the spur, 50 off-road
    assert fr.route_m[0] == pytest.approx(100 + 900 + 1000 + 2000 + 50)


# ------------------------------------------------------------ microwave
def _flat(n: int = 400, res: float = 50.0, height: float = 10.0) -> Grid:
    return Grid(np.full((n, n), height, dtype=np.float32), Affine(res, 0, X0, 0, -res, Y0), CRS)


def test_fresnel_radius_matches_itu_r_p526() -> None:
    # ITU-R P.526-15 (Fresnel ellipsoids): R1 = 550 sqrt(d1 d2 / ((d1 + d2) f)), d in km, f in MHz
    # (550 rounds sqrt(c) = 547.5)
    for d1, d2, f in ((5.0, 5.0, 15.0), (2.0, 8.0, 7.0), (0.5, 30.0, 23.0)):
        ref = 550.0 * math.sqrt(d1 * d2 / ((d1 + d2) * f * 1000.0))
        assert fresnel_radius_m(d1 * 1000, d2 * 1000, f) == pytest.approx(ref, rel=0.01)
    # exact form: sqrt(λ d1 d2 / d), λ = c / f
    assert fresnel_radius_m(2500.0, 2500.0, 15.0) == pytest.approx(math.sqrt(299_792_458 / 15e9 * 1250.0))


def test_clearance_of_a_known_geometry_over_flat_ground() -> None:
    # flat ground, both antennas 10 m up, a 10 km hop at 15 GHz: the ray is level, so the clearance
    # ratio (h - d1 d2 / 2kR) / F1 falls towards mid-path, where it is (10 - D²/8kR) / sqrt(λ D / 4)
    dem = _flat(n=300, res=50.0)
    a, b = (X0 + 2000.0, Y0 - 7000.0), (X0 + 12000.0, Y0 - 7000.0)
    k_r = 4.0 / 3.0 * EARTH_RADIUS_M
    bulge_mid = 10_000.0**2 / (8 * k_r)  # 1.47 m
    f1_mid = math.sqrt(299_792_458 / 15e9 * 10_000.0 / 4)  # 7.07 m
    expected = (10.0 - bulge_mid) / f1_mid
    got = microwave_clearance(dem, a, b, height_a_m=10.0, height_b_m=10.0, freq_ghz=15.0)
    assert got == pytest.approx(expected, rel=1e-9)
    assert expected == pytest.approx(1.2065, abs=1e-3)
    # 3 m masts: less than 0.6 F1 mid-path -> no line of sight in the planning sense
    low = microwave_clearance(dem, a, b, height_a_m=3.0, height_b_m=3.0, freq_ghz=15.0)
    assert low == pytest.approx((3.0 - bulge_mid) / f1_mid, rel=1e-9)
    assert low < FRESNEL_CLEARANCE


def test_a_ridge_blocks_the_hop_that_flat_ground_allows() -> None:
    flat = _flat()
    z = np.array(flat.values)
    z[:, 198:203] = 150.0  # a north-south ridge at x = 10 km, 140 m above the plain
    ridge = flat.with_values(z)
    cand = _xy((5000.0, -10000.0))
    towers = _xy((15000.0, -10000.0), (5000.0, -16000.0))  # east across the ridge (10 km), south (6 km)
    heights = np.array([40.0, 40.0])
    d_flat, j_flat = microwave_links(flat, cand, [40.0], towers[:1], heights[:1], max_distance_m=15000)
    assert j_flat[0] == 0
    assert d_flat[0] == pytest.approx(10000.0)
    d_ridge, j_ridge = microwave_links(ridge, cand, [40.0], towers[:1], heights[:1], max_distance_m=15000)
    assert j_ridge[0] == -1
    assert np.isnan(d_ridge[0])
    # with both towers: the nearer (south, 6 km) wins on flat ground ...
    _, j = microwave_links(flat, cand, [40.0], towers, heights, max_distance_m=15000)
    assert j[0] == 1
    # ... and a tower beyond the range is never used
    _, j = microwave_links(flat, cand, [40.0], towers[:1], heights[:1], max_distance_m=9000)
    assert j[0] == -1
    # the kernel agrees with the scalar reference on the ridge
    ref = microwave_clearance(ridge, tuple(cand[0]), tuple(towers[0]), height_a_m=40.0, height_b_m=40.0)
    assert ref < FRESNEL_CLEARANCE


def test_kernel_matches_the_scalar_reference_on_rough_terrain() -> None:
    rng = np.random.default_rng(7)
    base = rng.normal(0, 1, (40, 40))
    from scipy import ndimage

    z = ndimage.zoom(ndimage.gaussian_filter(base, 2), 10, order=3) * 120 + 200  # 400 x 400, smooth hills
    dem = Grid(z.astype(np.float32), Affine(50.0, 0, X0, 0, -50.0, Y0), CRS)
    cands = np.column_stack([X0 + rng.uniform(1000, 19000, 60), Y0 - rng.uniform(1000, 19000, 60)])
    tower = _xy((10000.0, -10000.0))
    _d, j = microwave_links(dem, cands, np.full(60, 30.0), tower, [30.0], max_distance_m=30000)
    ref = np.array([hop_clearance(dem, tuple(c), tuple(tower[0]), height_a_m=30.0, height_b_m=30.0).ok
                    for c in cands])
    np.testing.assert_array_equal(j == 0, ref)
    assert 0 < (j == 0).sum() < 60  # the terrain blocks some hops and not others


# ------------------------------------------------------- both, and costs
def test_compute_backhaul_table_and_costs() -> None:
    dem = _flat(n=200, res=50.0)
    roads = _roads([(0, -5000), (10000, -5000)])
    cands = pd.DataFrame({
        "candidate_id": ["G1", "G2", "C-T1"], "kind": ["greenfield", "greenfield", "colocation"],
        "x": X0 + np.array([3000.0, 3000.0, 8000.0]), "y": Y0 + np.array([-4800.0, -9010.0, -5000.0]),
        "mast_height_m": [40.0, 40.0, 40.0], "road_distance_m": [200.0, 4000.0, 0.0],
    })
    fed = pd.DataFrame({"site_id": ["T1"], "x": [X0 + 8000.0], "y": [Y0 - 5000.0], "mast_height_m": [40.0]})
    # no fibre layer: the existing tower is the fed point
    bh = compute_backhaul(dem, cands, roads=roads, fed_sites=fed, cost_model=CostModel(microwave_max_km=6.0))
    assert bh["fibre_route_m"].iloc[0] == pytest.approx(200 + 5000)
    assert bh["fibre_from"].iloc[0] == "tower:T1 (assumed fed)"  # the assumption is named
    assert bh.attrs["fibre_assumed"] is True
    assert bh["microwave_to"].iloc[0] == "tower:T1"
    assert bh["microwave_m"].iloc[0] == pytest.approx(math.hypot(5000, 200))
    assert bh["fibre_route_m"].iloc[1] == pytest.approx(4010 + 5000)
    assert np.isnan(bh["microwave_m"].iloc[1])  # hypot(5000, 4010) = 6.41 km > 6 km
    assert bh["route"].iloc[0].length == pytest.approx(5200.0)
    assert np.isinf(bh["fibre_route_m"].iloc[2])
    assert bh["route"].iloc[2] is None
    # a fibre layer replaces the towers as fibre sources
    fp = gpd.GeoDataFrame({"fibre_id": ["POP1"]}, geometry=[Point(X0 + 3000, Y0 - 5100)], crs=CRS)
    bh2 = compute_backhaul(dem, cands, roads=roads, fibre_points=fp, fed_sites=fed)
    assert bh2["fibre_from"].iloc[0] == "fibre:POP1"
    assert bh2.attrs["fibre_assumed"] is False
    assert bh2["fibre_route_m"].iloc[0] == pytest.approx(300.0)
    costs = candidate_costs(cands, fibre_route_m=bh2["fibre_route_m"], microwave_m=bh2["microwave_m"])
    assert costs["backhaul"].tolist()[0] == "fibre"
    assert costs["backhaul_vnd"].iloc[0] == pytest.approx(0.3 * 120e6)
    assert costs["backhaul"].iloc[2] == "existing"
    # no roads and the only tower out of range: the assumed relay, and only then
    far = compute_backhaul(dem, cands, roads=None, fed_sites=fed, cost_model=CostModel(microwave_max_km=1.0))
    c = candidate_costs(cands, model=CostModel(microwave_max_km=1.0), fibre_route_m=far["fibre_route_m"],
                        microwave_m=far["microwave_m"])
    assert c["backhaul"].tolist() == [ASSUMED_BACKHAUL, ASSUMED_BACKHAUL, "existing"]
