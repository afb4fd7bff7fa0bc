"""Microwave backhaul as a transmission planner checks it: ITU-R P.530-18 path clearance (median k and the
low-k rule), P.838-3 rain coefficients, the P.530 rain fade and the hop limit per band, and the no-fibre flag."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from affine import Affine

from towerplan.coverage.profile import EARTH_RADIUS_M, earth_bulge_m
from towerplan.errors import ConfigError
from towerplan.grid import Grid
from towerplan.planning.backhaul import FRESNEL_CLEARANCE, compute_backhaul, microwave_links
from towerplan.planning.backhaul_p530 import (
    KE_999_CURVE,
    KE_999_FIG3,
    ClearanceRule,
    fresnel_radius_m,
    hop_clearance,
    k_factor_from_gradient,
    low_k_factor,
    microwave_clearance,
)
from towerplan.planning.backhaul_rain import (
    MicrowaveLink,
    antenna_gain_dbi,
    fade_margin_db,
    hop_limits,
    max_hop_km,
    rain_attenuation_db,
    rain_coefficients,
)
from towerplan.planning.costs import CostModel

X0, Y0 = 560_000.0, 2_200_000.0  # EPSG:32648
RES = 50.0
LAM_15 = 299_792_458.0 / 15e9


# ------------------------------------------------------------------ geometry by hand
def test_fresnel_radius_and_earth_bulge_against_hand_values() -> None:
    # mid-path of a 10 km hop at 15 GHz: F1 = sqrt(λ 5000 x 5000 / 10000) = 7.069 m; P.530 eq. 2,
    # 17.3 sqrt(d1 d2 / (f d)) with km and GHz, gives 7.063 m (17.3 rounds sqrt(c) / 1000^0.5 = 17.31)
    assert fresnel_radius_m(5000.0, 5000.0, 15.0) == pytest.approx(7.0686, abs=1e-4)
    assert fresnel_radius_m(5000.0, 5000.0, 15.0) == pytest.approx(17.3 * math.sqrt(25 / (15 * 10)), rel=2e-3)
    # earth bulge mid-path of 20 km: d1 d2 / (12.74 k) m with km (the planners' form of d1 d2 / 2kR)
    assert earth_bulge_m(10_000.0, 20_000.0, k_factor=4 / 3) == pytest.approx(100 / (12.742 * 4 / 3), rel=1e-4)
    assert earth_bulge_m(10_000.0, 20_000.0, k_factor=4 / 3) == pytest.approx(5.886, abs=1e-3)
    assert earth_bulge_m(10_000.0, 20_000.0, k_factor=0.6) == pytest.approx(13.080, abs=1e-3)


def test_k_factors() -> None:
    # P.530 §2.2.2: k = 157 / (157 + ΔN); the standard -40 N/km gives the usual 4/3
    assert k_factor_from_gradient(-40.0) == pytest.approx(157 / 117)
    assert k_factor_from_gradient(0.0) == 1.0
    with pytest.raises(ConfigError):
        k_factor_from_gradient(-200.0)
    # P.530-18 Fig. 2: k_e(99.9 %) grows with the path length toward 1; short paths hold the 10 km value
    ks = low_k_factor(np.array([5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 400.0]))
    assert ks[1] == pytest.approx(0.53)
    assert ks[2] == pytest.approx(0.60)
    assert ks[3] == pytest.approx(0.72)
    assert ks[0] == ks[1]
    assert ks[-1] == ks[-2]
    assert np.all(np.diff(ks) >= 0)
    assert ks.max() < 1.0


def test_low_k_curve_points_and_interpolation_properties() -> None:
    """The hand-read points of P.530-18 Fig. 2 (KE_999_CURVE) and what the interpolation guarantees."""
    d, k = (np.asarray(v) for v in KE_999_CURVE)
    assert KE_999_CURVE is KE_999_FIG3
    assert d.tolist() == [10.0, 20.0, 30.0, 40.0, 50.0, 70.0, 100.0, 150.0, 200.0]
    np.testing.assert_allclose(low_k_factor(d), k)  # the nodes are returned exactly
    assert np.all(np.diff(d) > 0)
    assert np.all(np.diff(k) > 0)
    # below the median k (the low-k check is the stricter one) and far from grazing ducting (k -> inf)
    assert k.min() > 0.5
    assert k.max() < 4.0 / 3.0
    # dense sweep: non-decreasing, continuous (no step above the largest node-to-node rise), flat outside
    x = np.geomspace(0.1, 5000.0, 4001)
    y = low_k_factor(x)
    assert np.all(np.diff(y) >= 0)
    assert np.max(np.abs(np.diff(y))) <= np.max(np.diff(k)) + 1e-12
    assert np.all(y[x <= 10.0] == k[0])
    assert np.all(y[x >= 200.0] == k[-1])
    # linear in log(distance) between nodes: the geometric mean of two nodes gets the mean of their k
    for i in range(len(d) - 1):
        mid = float(low_k_factor(np.sqrt(d[i] * d[i + 1])))
        assert mid == pytest.approx((k[i] + k[i + 1]) / 2, abs=1e-12)
    assert low_k_factor(np.array([[15.0, 25.0]])).shape == (1, 2)  # broadcasts like its input
    # the low-k rule then asks for the most earth-bulge clearance on short paths: a 20 km hop at 0.60
    # sees a mid-path bulge of 10 km x 10 km / (2 x 0.60 x 6371 km) = 13.1 m instead of 5.9 m at 4/3
    assert earth_bulge_m(10_000.0, 20_000.0, k_factor=float(low_k_factor(20.0))) == pytest.approx(13.08, abs=0.01)


def _wall(path_m: float, wall_m: float) -> tuple[Grid, tuple[float, float], tuple[float, float]]:
    """Flat ground at 0 m with a north-south wall of ``wall_m`` across the middle of a west-east hop."""
    ncol = int(path_m / RES) + 40
    z = np.zeros((9, ncol), dtype=np.float32)
    a = (X0 + 1000.0, Y0 - 4.5 * RES)
    b = (a[0] + path_m, a[1])
    centres = X0 + (np.arange(ncol) + 0.5) * RES
    z[:, np.abs(centres - (a[0] + path_m / 2)) <= 200.0] = wall_m
    return Grid(z, Affine(RES, 0, X0, 0, -RES, Y0), 32648), a, b


def _wall_height(path_m: float, clearance_f1: float, *, mast_m: float = 40.0) -> float:
    """The wall height that leaves ``clearance_f1`` first Fresnel radii mid-path at k = 4/3 (by hand)."""
    half = path_m / 2
    bulge = half * half / (2 * 4 / 3 * EARTH_RADIUS_M)
    f1 = math.sqrt(LAM_15 * half * half / path_m)
    return mast_m - bulge - clearance_f1 * f1


def test_an_obstacle_at_0_7_f1_passed_the_old_rule_and_fails_p530() -> None:
    """A 10 km hop at 15 GHz over a wall leaving 0.7 F1 at k = 4/3: the old single rule (0.6 F1 at 4/3) let it
    through; P.530 asks for the full first Fresnel zone at the median k."""
    dem, a, b = _wall(10_000.0, _wall_height(10_000.0, 0.7))
    at_43 = microwave_clearance(dem, a, b, height_a_m=40.0, height_b_m=40.0, freq_ghz=15.0)
    assert at_43 == pytest.approx(0.7, abs=1e-6)
    assert at_43 >= FRESNEL_CLEARANCE  # the old rule's pass
    check = hop_clearance(dem, a, b, height_a_m=40.0, height_b_m=40.0, freq_ghz=15.0)
    assert check.median_f1 == pytest.approx(0.7, abs=1e-6)
    assert not check.median_ok
    assert not check.ok
    # the kernel agrees: no hop by default; with the old rule (0.6 F1 at 4/3, nothing at low k) there is one
    xy, t = np.array([a]), np.array([b])
    _, j = microwave_links(dem, xy, [40.0], t, [40.0], max_distance_m=20_000)
    assert j[0] == -1
    old = ClearanceRule(median_clearance=0.6, low_k_clearance=0.0)
    _, j = microwave_links(dem, xy, [40.0], t, [40.0], max_distance_m=20_000, rule=old)
    assert j[0] == 0


def test_an_obstacle_clear_at_k_4_3_fails_the_low_k_rule() -> None:
    """A 20 km hop at 15 GHz leaving 1.05 F1 at k = 4/3 passes the median rule; at k_e = 0.60 (Fig. 2, 20 km)
    the bulge grows by d²/8R (1/0.6 - 3/4) = 7.19 m and leaves 0.33 F1: below the tropical 0.6 F1, above the
    temperate 0.3 F1 of an extended obstruction."""
    path = 20_000.0
    dem, a, b = _wall(path, _wall_height(path, 1.05))
    f1 = math.sqrt(LAM_15 * path / 4)
    extra = path * path / (8 * EARTH_RADIUS_M) * (1 / 0.60 - 0.75)
    low_by_hand = 1.05 - extra / f1
    assert low_by_hand == pytest.approx(0.331, abs=2e-3)
    check = hop_clearance(dem, a, b, height_a_m=40.0, height_b_m=40.0, freq_ghz=15.0)
    assert check.low_k == pytest.approx(0.60)
    assert check.median_f1 == pytest.approx(1.05, abs=1e-6)
    assert check.median_ok
    assert check.low_f1 == pytest.approx(low_by_hand, abs=1e-6)
    assert not check.low_ok
    assert not check.ok
    temperate = ClearanceRule(climate="temperate", obstruction="extended")
    assert hop_clearance(dem, a, b, height_a_m=40.0, height_b_m=40.0, freq_ghz=15.0, rule=temperate).ok
    xy, t = np.array([a]), np.array([b])
    assert microwave_links(dem, xy, [40.0], t, [40.0], max_distance_m=30_000)[1][0] == -1
    assert microwave_links(dem, xy, [40.0], t, [40.0], max_distance_m=30_000, rule=temperate)[1][0] == 0
    # clutter (trees) on the terrain counts against the clearance
    trees = ClearanceRule(climate="temperate", clutter_m=5.0)
    assert not hop_clearance(dem, a, b, height_a_m=40.0, height_b_m=40.0, freq_ghz=15.0, rule=trees).ok


# ------------------------------------------------------------------ rain and hop length
def test_p838_coefficients_against_its_table() -> None:
    # ITU-R P.838-3 Table 5 (rounded to its printed digits)
    assert rain_coefficients(10.0, "horizontal") == pytest.approx((0.01217, 1.2571), rel=1e-3)
    assert rain_coefficients(10.0, "vertical") == pytest.approx((0.01129, 1.2156), rel=1e-3)
    assert rain_coefficients(15.0, "horizontal") == pytest.approx((0.04481, 1.1233), rel=1e-3)
    assert rain_coefficients(15.0, "vertical") == pytest.approx((0.05008, 1.0440), rel=1e-3)
    assert rain_coefficients(23.0, "vertical") == pytest.approx((0.1284, 0.9630), rel=5e-3)


def test_rain_fade_and_hop_limit_by_hand() -> None:
    """15 GHz, vertical, R0.01 = 110 mm/h (Thanh Hóa, P.837), 8 km, 99.99 %: P.530-18 §2.4.1 step by step."""
    k, alpha, r001, f, d = 0.05008, 1.0440, 110.0, 15.0, 8.0
    gamma = k * r001 ** alpha  # 6.78 dB/km
    r = 1 / (0.477 * d ** 0.633 * r001 ** (0.073 * alpha) * f ** 0.123 - 10.579 * (1 - math.exp(-0.024 * d)))
    c0 = 0.12 + 0.4 * math.log10((f / 10) ** 0.8)
    c1 = 0.07 ** c0 * 0.12 ** (1 - c0)
    c2, c3 = 0.855 * c0 + 0.546 * (1 - c0), 0.139 * c0 + 0.043 * (1 - c0)
    a_p = gamma * d * min(r, 2.5) * c1 * 0.01 ** (-(c2 + c3 * math.log10(0.01)))
    assert gamma == pytest.approx(6.78, abs=0.01)
    assert a_p == pytest.approx(31.9, abs=0.2)
    assert float(rain_attenuation_db(d, f, r001)) == pytest.approx(a_p, rel=2e-3)
    # fade margin: 20 dBm + 2 x 36.9 dBi (0.6 m dish, η 0.55) - FSPL - gas - 3 dB fixed + 76 dB threshold
    g = antenna_gain_dbi(0.6, 15.0)
    assert g == pytest.approx(10 * math.log10(0.55 * (math.pi * 0.6 / LAM_15) ** 2))
    assert g == pytest.approx(36.9, abs=0.05)
    fspl = 92.45 + 20 * math.log10(15) + 20 * math.log10(8)
    assert float(fade_margin_db(8.0, 15.0)) == pytest.approx(20 + 2 * g - fspl - 0.05 * 8 - 3 + 76, abs=1e-6)
    # the limit is where the margin meets the fade: 8.2 km, not the 15 km the old model allowed
    hop = max_hop_km(15.0)
    spare = float(fade_margin_db(hop, 15.0) - rain_attenuation_db(hop, 15.0, 110.0))
    assert 0.0 <= spare < 0.05
    assert float(fade_margin_db(hop + 0.05, 15.0) - rain_attenuation_db(hop + 0.05, 15.0, 110.0)) < 0
    assert 7.5 < hop < 9.0
    # lower bands reach further, drier climates too; higher availability shortens the hop
    table = hop_limits()
    assert table["max_hop_km"].is_monotonic_decreasing
    assert max_hop_km(15.0, MicrowaveLink(rain_rate_mm_h=30.0)) > 2 * hop
    assert max_hop_km(15.0, MicrowaveLink(availability_pct=99.999)) < hop
    assert max_hop_km(15.0, MicrowaveLink(max_hop_km_override=12.0)) == 12.0
    with pytest.raises(ConfigError, match="availability_pct"):
        MicrowaveLink(availability_pct=90.0)


def _flat(n: int = 300) -> Grid:
    return Grid(np.full((n, n), 10.0, dtype=np.float32), Affine(RES, 0, X0, 0, -RES, Y0), 32648)


def test_compute_backhaul_applies_the_band_limit_and_flags_missing_fibre() -> None:
    dem = _flat()
    cands = pd.DataFrame({"candidate_id": ["G1"], "kind": ["greenfield"], "x": [X0 + 2000.0], "y": [Y0 - 7000.0],
                          "mast_height_m": [60.0]})
    fed = pd.DataFrame({"site_id": ["T1"], "x": [X0 + 12000.0], "y": [Y0 - 7000.0], "mast_height_m": [60.0]})
    # a 10 km hop in clear line of sight: too long for 15 GHz in 110 mm/h rain, fine at 7 GHz
    at15 = compute_backhaul(dem, cands, fed_sites=fed, cost_model=CostModel(microwave_max_km=30.0))
    assert at15.attrs["microwave_max_hop_km"] == pytest.approx(max_hop_km(15.0))
    assert np.isnan(at15["microwave_m"].iloc[0])
    at7 = compute_backhaul(dem, cands, fed_sites=fed, cost_model=CostModel(microwave_max_km=30.0),
                           microwave_freq_ghz=7.0)
    assert at7["microwave_m"].iloc[0] == pytest.approx(10_000.0)
    assert at7["microwave_to"].iloc[0] == "tower:T1"
    # no fibre points: the assumption is explicit, or refused
    assert at15.attrs["fibre_assumed"] is True
    off = compute_backhaul(dem, cands, fed_sites=fed, assume_towers_fed=False)
    assert off.attrs["fibre_assumed"] is False
