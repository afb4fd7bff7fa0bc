"""A radial's clutter-free prefix (round w18): up to its first point with clutter (R != 0) the profile with clutter
is the profile without it, the same floats (h + 0.0 is h), and the P.1812 kernels share what they build for both:

* the exact paths' prefix hull of (d, h + R - 500 d^2 / ae) is that of (d, h - 500 d^2 / ae) there
  (:func:`~towerplan.coverage._p1812_chain.fill_chains`);
* a line-of-sight path without clutter at its intermediate points takes eq. 15's largest nu once for the point of
  eq. 81 and the Bullington loss (:func:`~towerplan.coverage._p1812_profile.analyse_profile_k`);
* the reach bound builds its receiver-horizon hull (d, h - 500 d^2 / ae) only from the first point with clutter, a
  copy of its Bullington hull before that, and a sample without clutter before it reads the Bullington hull
  (:func:`~towerplan.coverage._p1812_reach.radial_bound`).

Also (round w18, the exact paths): eq. 69 gives Lb0p without eq. 63 where the bound's test
(:func:`~towerplan.coverage._p1812_kernels._below_free_space`) says so, and Fj (eq. 57) without its tanh beyond +-22.

The first three are checked against the same profile with a clutter height of 1e-300 m wherever it is 0: every
height the kernels compute is the same float (h + 1e-300 is h for the terrain here, >= 1 m), but they see clutter at
every point and build and search everything separately, as before round w18; the last against the path with the
debug vector (every term computed). The kernels are those the other P.1812 tests compile (the same argument types):
~3 s.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_p1812_limits import DN, N0_REFR, PHI, _sector_limits
from test_p1812_reach import _radials

from towerplan.coverage._p1812_chain import prefix_chains
from towerplan.coverage._p1812_floor0 import BLOCK
from towerplan.coverage._p1812_kernels import (
    DBG_FJ,
    DBG_LB0P,
    DBG_LBC,
    DBG_TH,
    N_DBG,
    inv_cum_norm,
    p1812_path,
    path_radii,
)
from towerplan.coverage._p1812_profile import TF_AT, TF_QA, prefix_tables
from towerplan.coverage._p1812_reach import ap_floor_db, radial_bound, site_tables
from towerplan.coverage._reach_need import fill_levels, sample_limits

NO_MASK = np.zeros(0, dtype=np.uint8)
TINY = 1e-300


def _prefix_radials(n, seed, count):
    """(terrain >= 1 m, clutter zero on a prefix of 10-70 % of the radial, zone 4) of rugged radials with land cover,
    and the first point with clutter."""
    rng = np.random.default_rng(seed)
    for prof, r_m, _ in list(_radials(count, n, seed=seed, sea=False)):
        z = np.maximum(prof, 1.0)
        r = r_m.copy()
        i0 = int(rng.integers(n // 10, 7 * n // 10))
        r[:i0] = 0.0
        r[i0] = max(r[i0], 10.0)
        yield z, r, np.full(n, 4, dtype=np.int64), i0


def _tiny(r):
    """The same clutter with 1e-300 m for 0 m."""
    return np.where(r == 0.0, TINY, r)


def test_the_prefix_hulls_share_the_clutter_free_prefix() -> None:
    n = 200
    ae, ab = path_radii(DN)
    d = np.arange(n) * 0.03
    for z, r, _, i0 in _prefix_radials(n, 5, 8):
        shared = prefix_chains(d, z, r, n, ae, ab)
        separate = prefix_chains(d, z, _tiny(r), n, ae, ab)
        assert np.array_equal(shared, separate), i0
        assert np.array_equal(shared[2, :i0], shared[1, :i0])
        assert not np.array_equal(shared[2], shared[1])  # the clutter from i0 on changes hull 2


@pytest.mark.parametrize("p", [50.0, 10.0])
def test_a_line_of_sight_path_without_clutter_takes_one_largest_nu(p) -> None:
    n = 240
    ae, ab = path_radii(DN)
    d = np.arange(n) * 0.03
    inv_d = np.r_[math.inf, 1.0 / d[1:]]
    merged = paths = 0
    for t, (z, r, zone, i0) in enumerate(_prefix_radials(n, 11, 8)):
        f, htg = (0.9, 1.8)[t % 2], (30.0, 60.0)[t % 2]
        hts = z[0] + htg
        tables = prefix_tables(d, inv_d, z, r, n, hts, ae, ab)
        tiny = _tiny(r)
        t_tables = prefix_tables(d, inv_d, z, tiny, n, hts, ae, ab)
        for m in range(5, n + 1):
            args = (m, f, p, htg, 1.5, True, PHI, DN, N0_REFR, 500.0, 500.0, 50.0, 0.0, True)
            a = p1812_path(d, inv_d, True, z, r, zone, *args, tables, np.empty(0))
            b = p1812_path(d, inv_d, True, z, tiny, zone, *args, t_tables, np.empty(0))
            assert a == b, (t, m, i0)
            paths += 1
            # the shortcut's case: line of sight for the horizon point (eq. 81) and the Bullington loss, no clutter
            dtot, k, hrs = d[m - 1], m - 2, z[m - 1] + 1.5
            th_td = 1000.0 * math.atan((hrs - hts) / (1000.0 * dtot) - dtot / (2.0 * ae))
            los = not 1000.0 * math.atan(tables[0][TF_AT, k]) > th_td
            los_a = 500.0 * dtot / ae + tables[0][TF_QA, k] < (hrs - hts) / dtot
            merged += los and los_a and k < i0
    assert merged > paths // 20, (merged, paths)


@pytest.mark.parametrize(("step_m", "f_mhz"), [(30.0, 1800.0), (30.0, 900.0), (90.0, 900.0)])
def test_the_bound_shares_its_hulls_over_the_clutter_free_prefix(step_m, f_mhz) -> None:
    n0, lmax, n = 24, 4, 150 if step_m > 36.0 else 400
    lneed = _sector_limits(n0)
    tables = site_tables(n, step_m, f_mhz / 1000.0, 30.0, 1.5, DN, False)
    ap_lb = ap_floor_db(50.0, PHI, n * step_m / 1000.0)
    lv_at = fill_levels(n, step_m, n * step_m, lmax)
    args = (step_m, f_mhz / 1000.0, 50.0, 30.0, 1.5, True, PHI, DN, N0_REFR, 50.0, 0.0, ap_lb, tables, 1)
    evaluated = 0
    for j, (z, r, zone, i0) in enumerate(_prefix_radials(n, int(f_mhz) + 7, n0)):
        outs = []
        for rr in (r, _tiny(r)):
            full = np.full(n, np.nan)
            radial_bound(z, rr, zone, *args, full, NO_MASK, np.empty((0, 0)))  # no limits: stage 2 everywhere
            lim = np.full((4, n), np.nan)  # (row 3: written where a sample is evaluated)
            sample_limits(lneed, j, n0, lv_at, n, lim, math.nan, BLOCK)
            sweep = np.full(n, np.nan)
            radial_bound(z, rr, zone, *args, sweep, NO_MASK, lim)
            outs.append((full, sweep, lim[3].copy()))
        for a, b in zip(outs[0], outs[1], strict=True):
            assert np.array_equal(a, b, equal_nan=True), (j, i0)
        evaluated += int(np.sum(outs[0][2][4:i0] == 0.0))  # evaluated in full within the clutter-free prefix
    assert evaluated > 100


@pytest.mark.parametrize("pl", [45.0, 55.0])
def test_the_exact_paths_skip_eq_63_only_where_eq_69_gives_free_space(pl) -> None:
    """With location variability of +-0.25 dB (pl 45 / 55 %, sigma 2 dB) Lbc + Lloc lies just below / above Lb0p on the
    line-of-sight paths: the path without the debug vector (eq. 63 only where eq. 69 can read it) is the full evaluation
    (the debug vector: every term), and Fj is the tanh of eq. 57 (also where the tanh is left out)."""
    n = 240
    ae, ab = path_radii(DN)
    d = np.arange(n) * 0.03
    inv_d = np.r_[math.inf, 1.0 / d[1:]]
    lloc = -inv_cum_norm(pl / 100.0) * 2.0
    below = above = flat_fj = paths = 0
    dbg = np.empty(N_DBG)
    for t, (z, r, zone, _) in enumerate(_prefix_radials(n, 17, 6)):
        f, htg = (0.9, 1.8, 3.5)[t % 3], (30.0, 60.0)[t % 2]
        tables = prefix_tables(d, inv_d, z, r, n, z[0] + htg, ae, ab)
        for m in range(5, n + 1, 2):
            args = (m, f, 50.0, htg, 1.5, True, PHI, DN, N0_REFR, 500.0, 500.0, pl, 2.0, True, tables)
            fast = p1812_path(d, inv_d, True, z, r, zone, *args, np.empty(0))
            full = p1812_path(d, inv_d, True, z, r, zone, *args, dbg)
            assert fast == full, (t, m)
            paths += 1
            below += dbg[DBG_LBC] + lloc < dbg[DBG_LB0P]
            above += dbg[DBG_LB0P] < dbg[DBG_LBC] + lloc < dbg[DBG_LB0P] + 0.5
            x = 3.0 * 0.8 * (dbg[DBG_TH] - 0.3) / 0.3
            assert dbg[DBG_FJ] == 1.0 - 0.5 * (1.0 + math.tanh(x)), (t, m)
            flat_fj += abs(x) > 22.0
    assert (below if pl < 50.0 else above) > paths // 10, (below, above, paths)
    assert flat_fj > paths // 20, (flat_fj, paths)
