"""What round w9 changed in the P.1812 kernels for speed, checked against what it replaced.

* the zero profile's largest diffraction parameter (eq. 15) by bisection (:func:`._p1812_profile._flat_nu_max`)
  equals the largest over every point, on random paths, equidistant or not;
* the site's constant terms computed once (:func:`._p1812_kernels.path_constants`): a radial's losses are the
  single-path kernel's to the bit;
* the reach bound reading 20 log10 d and Fk from the site tables (rows 4-5) gives the bound it computed per
  sample, to the bit, at every limit;
* the anchors' spacing (:func:`._p1812_anchor._next_anchor`) doubles beyond ``FAR_M`` and ends on the last sample.

The accuracy of the anchors against the exact loss is in ``test_p1812_anchor.py``; the exact pass reading the
bound pass's profiles is covered by ``test_p1812_reach.py`` (bounded run = unbounded run, every sample exact).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_p1812_reach import RES, _radials

from towerplan.coverage._p1812_anchor import _SHORT, FAR_FACTOR, FAR_M, _next_anchor
from towerplan.coverage._p1812_kernels import p1812_path, path_constants, path_radii
from towerplan.coverage._p1812_profile import _flat_nu, _flat_nu_max, prefix_tables
from towerplan.coverage._p1812_radial import p1812_radial_loss
from towerplan.coverage._p1812_reach import ap_floor_db, p1812_radial_bound, site_tables

DN, N0, PHI = 50.0, 375.0, 19.8


@pytest.mark.parametrize("equi", [True, False])
def test_the_zero_profile_largest_nu_by_bisection_is_the_largest_over_the_points(equi) -> None:
    rng = np.random.default_rng(3)
    ae, ab = path_radii(DN)
    for _ in range(400):
        n = int(rng.integers(5, 400))
        steps = np.full(n - 1, rng.uniform(0.01, 0.2)) if equi else rng.uniform(0.005, 0.3, n - 1)
        d = np.r_[0.0, np.cumsum(steps)] if not equi else np.arange(n) * steps[0]
        inv_d = np.r_[math.inf, 1.0 / d[1:]]
        hte1, hre1 = rng.uniform(1.0, 400.0), rng.uniform(1.0, 80.0)
        lam = 0.2998 / rng.uniform(0.03, 6.0)
        c_fac = 0.002 * d[-1] / lam
        for a in (ae, ab):
            brute = max(_flat_nu(d, inv_d, equi, n, i, 1.0 / a, hte1, hre1, 1.0 / d[-1], c_fac)
                        for i in range(1, n - 1))
            assert _flat_nu_max(d, inv_d, equi, n, 1.0 / a, hte1, hre1, 1.0 / d[-1], c_fac) == brute


@pytest.mark.parametrize(("f_mhz", "p", "pl", "sigma", "sea"), [(900.0, 50.0, 50.0, 0.0, False),
                                                                (1800.0, 10.0, 90.0, 5.5, True)])
def test_a_radial_with_the_site_constants_is_the_single_path_kernel_to_the_bit(f_mhz, p, pl, sigma, sea) -> None:
    n = 120
    ae, _ = path_radii(DN)
    d = np.arange(n) * RES / 1000.0
    inv_d = np.r_[math.inf, 1000.0 / (np.arange(1, n) * RES)]  # as the radial rounds them
    f = f_mhz / 1000.0
    assert len(path_constants(f, p, pl, sigma)) == 9
    for prof, r_m, zone in _radials(4, n, seed=9, sea=sea):
        radial = np.full(n, np.nan)
        p1812_radial_loss(prof, r_m, zone, RES, f, p, 30.0, 1.5, True, PHI, DN, N0, pl, sigma, 1, radial,
                          np.zeros(0, dtype=np.uint8))
        tables = prefix_tables(d, inv_d, prof, r_m, n, prof[0] + 30.0, ae, 6371.0 * 3.0)
        for i in range(4, n):
            one = p1812_path(d, inv_d, True, prof, r_m, zone, i + 1, f, p, 30.0, 1.5, True, PHI, DN, N0, 500.0, 500.0,
                             pl, sigma, bool(np.all(zone[: i + 1] == 4)), tables, np.empty(0))
            assert radial[i] == one


@pytest.mark.parametrize(("f_mhz", "p", "sea"), [(1800.0, 50.0, False), (900.0, 10.0, True)])
def test_the_bound_reads_the_site_tables_as_it_computed_the_terms(f_mhz, p, sea) -> None:
    n = 200
    tables = site_tables(n, RES, f_mhz / 1000.0, 30.0, 1.5, DN, p < 50.0)
    assert tables.shape == (14, n)
    ap_lb = ap_floor_db(p, PHI, n * RES / 1000.0)
    for prof, r_m, zone in _radials(6, n, seed=13, sea=sea):
        for t_skip in (math.inf, 140.0, 165.0):
            out = {}
            for rows in (14, 6, 4):  # the walk's rows 6-13, then rows 4-5 left out: the terms per sample
                lb = np.full(n, np.nan)
                p1812_radial_bound(prof, r_m, zone, RES, f_mhz / 1000.0, p, 30.0, 1.5, True, PHI, DN, N0, 50.0, 0.0,
                                   ap_lb, np.ascontiguousarray(tables[:rows]), 1, lb, np.zeros(0, dtype=np.uint8),
                                   t_skip)
                out[rows] = lb
            assert np.array_equal(out[14], out[6], equal_nan=True)
            assert np.array_equal(out[6], out[4], equal_nan=True)


def test_the_anchors_lie_twice_as_far_apart_beyond_far_m_and_end_on_the_last_sample() -> None:
    every, n_all = 4, 400
    i_start, far = _SHORT, math.ceil(FAR_M / RES)  # anchors from the first path of 5 points (round w13)
    a, anchors = i_start, [i_start]
    while a < n_all - 1:
        a = _next_anchor(a, every, far, n_all)
        anchors.append(a)
    gaps = np.diff(anchors)
    before = np.array(anchors[:-1]) < far
    assert np.all(gaps[before] == every)
    assert np.all(gaps[~before][:-1] == FAR_FACTOR * every)
    assert 1 <= gaps[-1] <= FAR_FACTOR * every
    assert anchors[-1] == n_all - 1
    assert FAR_FACTOR == 2
    assert i_start == 4
