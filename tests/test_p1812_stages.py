"""The P.1812 reach bound's shortcuts (:mod:`towerplan.coverage._p1812_stages`, round w11): each leaves every value
as the full computation gives it, to the bit.

* stage 1 before stage 0 (after a sample stage 0 did not decide) gives the bound of stage 0 first, sample by
  sample, on rugged radials with land cover and sea (stage 0 is never above stage 1 beyond rounding);
* the spherical-earth loss is 0 wherever :func:`_clears_earth` says so;
* Fj's tanh beyond +-22 and the transmitter-horizon comparison without th_td's arctangent;
* eq. 60's log-sum-exp is at least its larger term up to an ulp (what lets stage 1 leave it out above Lbd
  by more than 1e-6 dB).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numba import njit
from p1812_bound_oracle import bound_variant
from test_p1812_reach import RES, _radials

from towerplan.coverage import _p1812_reach as reach
from towerplan.coverage._p1812_kernels import spherical_earth
from towerplan.coverage._p1812_reach import ap_floor_db, site_tables
from towerplan.coverage._p1812_stages import _clears_earth, _lminbap

DN, N0, PHI = 50.0, 375.0, 19.8


@pytest.mark.parametrize(("f_mhz", "p", "sea", "pl", "sigma"), [(1800.0, 50.0, False, 50.0, 0.0),
                                                                 (900.0, 10.0, True, 90.0, 5.5)])
def test_stage_one_first_gives_the_same_bound(f_mhz, p, sea, pl, sigma) -> None:
    n = 200
    tables = site_tables(n, RES, f_mhz / 1000.0, 30.0, 1.5, DN, p < 50.0)
    ap_lb = ap_floor_db(p, PHI, n * RES / 1000.0)
    plain = bound_variant(stage0_first=True)  # stage 0 always first (the order before round w11)
    decided = 0
    for prof, r_m, zone in _radials(12, n, seed=7, sea=sea):
        for t_skip in (125.0, 135.0, 145.0, 155.0):
            out = []
            for fn in (reach.radial_bound, plain):
                lb = np.full(n, np.nan)
                fn(prof, r_m, zone, RES, f_mhz / 1000.0, p, 30.0, 1.5, True, PHI, DN, N0, pl, sigma, ap_lb, tables, 1,
                   lb, np.zeros(0, dtype=np.uint8), np.full((4, n), t_skip))
                out.append(lb)
            assert np.array_equal(out[0], out[1], equal_nan=True)
            decided += int(np.sum(out[0] > t_skip))
    assert decided > 0  # some samples out of reach: the order mattered somewhere


def test_the_spherical_earth_loss_is_zero_where_the_path_clears_the_earth() -> None:
    rng = np.random.default_rng(3)
    cleared = 0
    for _ in range(20000):
        d = rng.uniform(0.3, 40.0)
        hte, hre = rng.uniform(1.5, 600.0), rng.uniform(1.5, 300.0)
        ap = rng.choice([8500.0, 6371.0 * 3.0])
        f = rng.choice([0.45, 0.9, 1.8, 3.5])
        if _clears_earth(d, hte, hre, ap, 0.2998 / f):
            cleared += 1
            for omega, vertical in ((0.0, True), (1.0, False)):
                assert spherical_earth(d, hte, hre, ap, f, omega, vertical) == 0.0
    assert cleared > 2000


def test_fj_and_the_horizon_comparison_shortcuts_are_exact() -> None:
    @njit
    def fj(x):
        return 1.0 - 0.5 * (1.0 + math.tanh(x))

    @njit
    def ordered(a, b):
        return 1000.0 * math.atan(a) > 1000.0 * math.atan(b)

    for x in np.linspace(22.0, 60.0, 2001):
        assert fj(x) == 0.0
        assert fj(-x) == 1.0
    rng = np.random.default_rng(5)
    for b in rng.uniform(-1.0, 1.0 - 2e-12, 20000):
        a = min(b + 1e-12 * (1.0 + rng.uniform()), 1.0)
        if a > b + 1e-12:
            assert ordered(a, b)


def test_eq_60_is_at_least_its_larger_term() -> None:
    rng = np.random.default_rng(9)
    for lba, lb0p in rng.uniform(60.0, 300.0, (20000, 2)):
        assert _lminbap(lba, lb0p) >= max(lba, lb0p) - 1e-12  # 2.5 (m / 2.5): an ulp below m at most
    assert reach._STAGE1_FIRST
