"""Round w17's shortcuts in the P.1812 reach bound and its sampling leave every value as before, to the bit.

* :mod:`towerplan.coverage._p1812_stages`: eq. 60 with ``exp(0.0)`` as 1.0, the knife-edge term 0.0 without its
  exp where J = 0 (eq. 21), Fj's tanh only where eq. 62 reads it (Lminb0p != Lbda), and eq. 69's free-space value
  without eq. 63's powers and logarithm where ``lbc + lloc`` is provably below Lb0p (:func:`_below_free_space`): the
  bound (:func:`~._p1812_reach.radial_bound`) compiled with the stages' formulas before round w17 gives the same
  floats on rugged radials (full bound and per-sample limits), and the free-space shortcut is taken there;
* :func:`~towerplan.coverage._sweep_p1812._sample_radial` (one loop, prefetch with land cover) gives the terrain of
  :func:`~towerplan.coverage._kernels.sample_terrain` and the clutter of ``_sample_clutter_radial``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numba import njit
from p1812_bound_oracle import bound_variant
from test_coverage_executors import rugged_dem
from test_p1812_raster import synthetic_clutter
from test_p1812_reach import RES, _radials

from towerplan.coverage import _kernels as kern
from towerplan.coverage import _p1812_reach as reach
from towerplan.coverage import _p1812_stages as stages
from towerplan.coverage import _sweep_p1812 as sweep
from towerplan.coverage._p1812_profile import bullington_loss
from towerplan.coverage._p1812_reach import ap_floor_db, site_tables
from towerplan.coverage.clutter import NO_CLUTTER

DN, N0, PHI = 50.0, 375.0, 19.8


@pytest.mark.parametrize(("f_mhz", "p", "sea", "pl", "sigma"), [(900.0, 50.0, False, 50.0, 0.0),
                                                                 (1800.0, 50.0, True, 50.0, 0.0),
                                                                 (900.0, 10.0, True, 90.0, 5.5)])
def test_the_stage_shortcuts_give_the_same_bound(f_mhz, p, sea, pl, sigma) -> None:
    n = 200
    tables = site_tables(n, RES, f_mhz / 1000.0, 30.0, 1.5, DN, p < 50.0)
    ap_lb = ap_floor_db(p, PHI, n * RES / 1000.0)
    before = bound_variant("before")  # the stages' formulas before round w17 (J = 0 is checked apart)
    marked = bound_variant("marked")  # -1.0 where eq. 69's free-space shortcut applies (the full bound)
    finite = taken = 0
    for prof, r_m, zone in _radials(10, n, seed=11, sea=sea):
        for lim in (np.zeros((0, 0)), np.full((4, n), 140.0), np.full((4, n), 160.0)):
            out = []
            for fn in (reach.radial_bound, before):
                lb = np.full(n, np.nan)
                fn(prof, r_m, zone, RES, f_mhz / 1000.0, p, 30.0, 1.5, True, PHI, DN, N0, pl, sigma, ap_lb, tables, 1,
                   lb, np.zeros(0, dtype=np.uint8), lim.copy())
                out.append(lb)
            assert np.array_equal(out[0], out[1], equal_nan=True)
            finite += int(np.sum(np.isfinite(out[0])))
        lb = np.full(n, np.nan)
        marked(prof, r_m, zone, RES, f_mhz / 1000.0, p, 30.0, 1.5, True, PHI, DN, N0, pl, sigma, ap_lb, tables, 1, lb,
               np.zeros(0, dtype=np.uint8), np.zeros((0, 0)))
        taken += int(np.sum(lb == -1.0))
    assert finite > 1000
    # eq. 69's free-space value is taken without eq. 63 at some samples (at 50 % time: Fi = 0, Lminb0p = Lbd)
    assert taken > 50 or p != 50.0


def test_the_knife_edge_term_is_zero_without_its_exp_where_j_is_zero() -> None:
    for nu in np.linspace(-40.0, -0.78, 4001):
        for dtot in (0.1, 5.0, 60.0):
            assert bullington_loss(0.0, 0.0, nu, True, 40.0, 3.0, dtot, 0.3) == 0.0


def test_below_free_space_only_where_eq_69_gives_free_space() -> None:
    @njit
    def eq69(lb0p, lbam, lbs, lloc):
        lbc = -5.0 * math.log10(10.0 ** (-0.2 * lbs) + 10.0 ** (-0.2 * lbam))
        return max(lb0p, lbc + lloc)

    rng = np.random.default_rng(17)
    taken = 0
    for _ in range(200000):
        lb0p = rng.uniform(60.0, 400.0)
        lbam = lb0p + rng.choice([0.0, -1e-6, -1e-9, 1e-9, -rng.uniform(0.0, 5.0), rng.uniform(0.0, 5.0)])
        lbs = lbam + rng.uniform(-20.0, 90.0)
        lloc = rng.choice([0.0, -rng.uniform(0.0, 8.0), rng.uniform(0.0, 8.0)])
        if stages._below_free_space(lb0p, lbam, lbs, lloc):
            taken += 1
            assert eq69(lb0p, lbam, lbs, lloc) == lb0p
    assert taken > 20000
    assert not stages._below_free_space(100.0, math.nan, 120.0, 0.0)


@pytest.mark.parametrize("land_cover", [True, False])
def test_the_one_loop_sampling_gives_the_same_profiles(land_cover) -> None:
    size = 700
    dem = rugged_dem(size, RES, seed=4).values.astype(np.float64)
    clut = synthetic_clutter(dem.shape, seed=4)
    clut_h, clut_code = (clut.height_m, clut.code) if land_cover else NO_CLUTTER  # (read-only, as the engine's)
    n0, n = 96, 480
    dist = np.arange(n) * RES
    col_off, row_off, site_col, site_row = 3, 5, 351.3, 348.7
    for j in range(n0):
        z = np.full(n, np.nan)
        r = np.full(n, np.nan)
        zone = np.full(n, -1, dtype=np.int64)
        sweep._sample_radial(dem, col_off, row_off, site_col, site_row, RES, RES, dist, n, j, n0, land_cover, clut_h,
                             clut_code, z, r, zone)
        z_ref = np.full(n, np.nan)
        kern.sample_terrain(dem, col_off, row_off, site_col, site_row, RES, RES, dist, n, j, n0, z_ref)
        assert np.array_equal(z, z_ref)
        if land_cover:
            r_ref = np.full(n, np.nan)
            zone_ref = np.full(n, -1, dtype=np.int64)
            sweep._sample_clutter_radial(col_off, row_off, site_col, site_row, RES, RES, dist, n, j, n0, clut_h,
                                         clut_code, z_ref, r_ref, zone_ref)
            assert np.array_equal(r, r_ref)
            assert np.array_equal(zone, zone_ref)
        else:
            assert np.all(np.isnan(r))
