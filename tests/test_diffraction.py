"""Terrain diffraction (towerplan.coverage.diffraction), ITU-R P.526.

Worked values: J(v) of P.526-15 eq. 31 at v = 0, -0.78, 1, 2.4 (P.526 Fig. 9 reads
6, 0, 13.9 and 20.5 dB), the exact Fresnel-integral J(v) of eq. 27 (scipy's
Fresnel integrals), and single- and double-ridge paths whose v is worked out by
hand below. Flat clear paths must show no excess loss.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import fresnel

from towerplan.coverage.diffraction import (
    DIFFRACTION_METHODS,
    bullington_db,
    delta_bullington_db,
    deygout_db,
    fresnel_parameter,
    knife_edge_db,
    spherical_earth_db,
    terrain_diffraction_db,
)
from towerplan.errors import ModelInputError

FLAT_K = 1e9  # effective earth so large that the bulge is negligible (flat earth)
# wavelength at 900 MHz: 299792458 / 900e6 = 0.333103 m


def _ridge_path(n: int = 100, length_m: float = 10_000.0) -> tuple[np.ndarray, np.ndarray]:
    d = np.linspace(0.0, length_m, n + 1)
    return d, np.zeros(n + 1)


def test_knife_edge_worked_values() -> None:
    # J(v) = 6.9 + 20 log(sqrt((v - 0.1)^2 + 1) + v - 0.1)   (P.526-15 eq. 31)
    # v = 0:   sqrt(1.01) - 0.1 = 0.904988 -> 6.9 - 0.867148 = 6.032852  (exact Fresnel: 6.02)
    # v = 1:   sqrt(1.81) + 0.9 = 2.245362 -> 6.9 + 7.025729 = 13.925729
    # v = 2.4: sqrt(6.29) + 2.3 = 4.807987 -> 6.9 + 13.639266 = 20.539266
    # v <= -0.78: 0 (at -0.78 the formula itself is 6.9 + 20 log 0.452066 = 0.0037)
    assert knife_edge_db(0.0) == pytest.approx(6.02, abs=0.02)
    assert knife_edge_db(0.0) == pytest.approx(6.032852, abs=1e-5)
    assert knife_edge_db(1.0) == pytest.approx(13.925729, abs=1e-5)
    assert knife_edge_db(2.4) == pytest.approx(20.539266, abs=1e-5)
    assert knife_edge_db(-0.78) == 0.0
    assert knife_edge_db(-0.7799) == pytest.approx(0.0, abs=0.01)
    out = knife_edge_db([-3.0, np.nan, 1.0])
    assert out[0] == 0.0
    assert np.isnan(out[1])
    assert out[2] == pytest.approx(13.925729, abs=1e-5)


def test_knife_edge_approximates_the_fresnel_integral() -> None:
    # P.526-15 eq. 27: J(v) = -20 log( sqrt((1 - C(v) - S(v))^2 + (C(v) - S(v))^2) / 2 ),
    # with scipy's C, S (same pi/2 convention). Eq. 31 approximates it to ~0.1 dB.
    v = np.linspace(-0.7, 8.0, 300)
    s, c = fresnel(v)
    exact = -20.0 * np.log10(np.sqrt((1 - c - s) ** 2 + (c - s) ** 2) / 2.0)
    assert np.max(np.abs(knife_edge_db(v) - exact)) < 0.15


def test_fresnel_parameter_by_hand() -> None:
    # h = 10 m, d1 = d2 = 5 km, 300 MHz (lambda = 0.999308 m):
    # v = 10 sqrt(2 * 10000 / (0.999308 * 5000 * 5000)) = 10 * 0.0282941 = 0.282941
    assert fresnel_parameter(10.0, 5000.0, 5000.0, 300.0) == pytest.approx(0.282941, abs=1e-5)
    with pytest.raises(ModelInputError):
        fresnel_parameter(10.0, 0.0, 5000.0, 300.0)


@pytest.mark.parametrize("method", sorted(DIFFRACTION_METHODS))
def test_flat_clear_path_has_no_excess_loss(method: str) -> None:
    # 10 km over flat ground at 120 m, 30 m masts, 900 MHz: the first Fresnel zone
    # radius mid-path is sqrt(lambda d1 d2 / d) = 28.9 m, the ray clears the k = 4/3
    # earth bulge (1.5 m) by 28.5 m > 0.6 F1, so no method may find diffraction loss.
    d, z = _ridge_path()
    assert terrain_diffraction_db(d, z + 120.0, h_tx_m=30, h_rx_m=30, freq_mhz=900, method=method) == 0.0


def test_single_ridge_is_one_knife_edge() -> None:
    # Ridge 100 m high mid-way along 10 km of flat ground, 10 m masts, 900 MHz, flat earth:
    # h = 100 - 10 = 90 m, v = 90 sqrt(2*10000/(0.333103*5000*5000)) = 90*0.0490067 = 4.410607
    # J = 6.9 + 20 log(sqrt(4.310607^2 + 1) + 4.310607) = 25.725942 dB
    d, z = _ridge_path()
    z[50] = 100.0
    assert deygout_db(d, z, h_tx_m=10, h_rx_m=10, freq_mhz=900, k_factor=FLAT_K) == pytest.approx(25.725942, abs=1e-4)
    # with the k = 4/3 earth the ridge stands 5000*5000/(2*8494667) = 1.471512 m higher:
    # v = 91.471512*0.0490067 = 4.482721, J = 25.866381 dB
    assert deygout_db(d, z, h_tx_m=10, h_rx_m=10, freq_mhz=900) == pytest.approx(25.866381, abs=1e-4)
    # Bullington: both horizon rays hit the ridge top, so the Bullington point is the
    # ridge: L_uc = 25.725942, L = L_uc + (1 - exp(-L_uc/6)) (10 + 0.02*10)
    #   = 25.725942 + (1 - 0.013737)*10.2 = 35.785824 dB
    assert bullington_db(d, z, h_tx_m=10, h_rx_m=10, freq_mhz=900, k_factor=FLAT_K) == pytest.approx(
        35.785824, abs=1e-4)


def test_deygout_two_ridges_by_hand() -> None:
    # Ridges of 80 m at 3 km and 60 m at 7 km on a flat 10 km path, 10 m masts, 900 MHz, flat earth.
    # Principal edge: v_A = 70 sqrt(2*10000/(lambda*3000*7000)) = 70*0.0534707 = 3.742952 (J = 24.308855)
    #   (v_B = 50*0.0534707 = 2.673537 is smaller)
    # Secondary, between the top of A (80 m at 3 km) and the receiver (10 m at 10 km):
    #   line at 7 km = 80 - 70*4/7 = 40 m, h = 20 m,
    #   v = 20 sqrt(2*7000/(lambda*4000*3000)) = 20*0.0591813 = 1.183625 (J = 15.058545)
    # Transmitter side: only flat ground under the line -> no edge.
    d, z = _ridge_path()
    z[30] = 80.0
    z[70] = 60.0
    kw = {"h_tx_m": 10, "h_rx_m": 10, "freq_mhz": 900, "k_factor": FLAT_K}
    assert deygout_db(d, z, **kw) == pytest.approx(24.308855 + 15.058545, abs=1e-4)
    assert deygout_db(d, z, max_edges=1, **kw) == pytest.approx(24.308855, abs=1e-4)
    # P.526 empirical form: T = 1 - exp(-24.308855/6) = 0.982603, C = 10 + 0.04*10 = 10.4
    #   24.308855 + 0.982603*(15.058545 + 10.4) = 49.324505 dB
    assert deygout_db(d, z, correction=True, **kw) == pytest.approx(49.324505, abs=1e-4)


def test_delta_bullington_on_a_smooth_earth_is_the_spherical_earth_loss() -> None:
    # Over a smooth spherical earth the smooth-profile Bullington equals the actual one,
    # so L = L_bull + max(L_sph - L_bull, 0) = max(L_sph, L_bull) (P.526-15 4.5.2).
    d = np.linspace(0.0, 60_000.0, 601)
    z = np.zeros_like(d)
    for h_tx, h_rx in ((30.0, 10.0), (100.0, 50.0)):
        sph = spherical_earth_db(60_000.0, h_tx, h_rx, 900.0)
        bull = bullington_db(d, z, h_tx_m=h_tx, h_rx_m=h_rx, freq_mhz=900)
        got = delta_bullington_db(d, z, h_tx_m=h_tx, h_rx_m=h_rx, freq_mhz=900)
        assert got == pytest.approx(max(sph, bull), abs=1e-9)
    assert sph > 0  # 60 km is beyond the 30+29 km radio horizon of 50 m and 100 m masts


def test_spherical_earth_loss_grows_beyond_the_horizon_and_vanishes_when_clear() -> None:
    losses = [spherical_earth_db(d, 30.0, 10.0, 900.0) for d in (40e3, 60e3, 80e3, 120e3)]
    assert np.all(np.diff(losses) > 0)
    assert spherical_earth_db(2_000.0, 50.0, 50.0, 900.0) == 0.0
    assert spherical_earth_db(60e3, 30.0, 10.0, 900.0, polarization="horizontal") > 0
    with pytest.raises(ModelInputError):
        spherical_earth_db(60e3, 30.0, 10.0, 900.0, polarization="circular")  # type: ignore[arg-type]


def test_mountain_between_terminals_costs_more_than_a_hill() -> None:
    d, z = _ridge_path()
    losses = []
    for top in (40.0, 100.0, 300.0):
        zz = z.copy()
        zz[45:56] = top * np.hanning(11)
        losses.append([terrain_diffraction_db(d, zz, h_tx_m=30, h_rx_m=2, freq_mhz=900, method=m)
                       for m in sorted(DIFFRACTION_METHODS)])
    assert np.all(np.diff(np.array(losses), axis=0) > 0)


@pytest.mark.parametrize(
    ("d", "z", "kw", "match"),
    [
        ([0, 100, 200], [0, np.nan, 0], {}, "NaN"),
        ([0, 200, 100], [0, 0, 0], {}, "increasing"),
        ([0, 100], [0, 0, 0], {}, "equal length"),
        ([0, 100, 200], [0, 0, 0], {"freq_mhz": 0.0}, "freq_mhz"),
        ([0, 100, 200], [0, 0, 0], {"h_tx_m": -5.0}, "h_tx_m"),
        ([0, 100, 200], [0, 0, 0], {"method": "epstein"}, "method"),
    ],
)
def test_bad_profiles_raise(d: list, z: list, kw: dict, match: str) -> None:
    args = {"h_tx_m": 10.0, "h_rx_m": 10.0, "freq_mhz": 900.0, **kw}
    with pytest.raises(ModelInputError, match=match):
        terrain_diffraction_db(np.array(d, float), np.array(z, float), **args)


def test_max_edges_is_checked() -> None:
    d, z = _ridge_path()
    with pytest.raises(ModelInputError, match="max_edges"):
        deygout_db(d, z, h_tx_m=10, h_rx_m=10, freq_mhz=900, max_edges=4)
    assert math.isfinite(deygout_db(d, z, h_tx_m=10, h_rx_m=10, freq_mhz=900, max_edges=2))
