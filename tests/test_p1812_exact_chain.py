"""Round w10: the exact P.1812 path's receiver-side maxima from prefix hulls, checked against the full scans.

* :func:`._p1812_chain.chain_max` on the prefix hulls of :func:`._p1812_chain.prefix_chains` gives, for every
  prefix of a profile, the largest value over all its intermediate points of each quantity the path analysis
  scans for (obstruction height and its ratio, eqs 89-91; receiver horizon angle, eq. 80, with its latest
  point; receiver-side Bullington slope, eq. 17, for both radii), to the bit except where points are exactly
  collinear (equal values in exact arithmetic, rounded a few ulps apart by the scan): there to 1e-12;
* hm (eq. 83) from the hull (:func:`._p1812_profile._height_max`) equals the scan over lt..lr;
* the line-of-sight nu (eq. 15) block by block (:func:`._p1812_nublock.nu_max`) equals the scan, value and
  latest index;
* a radial's losses (:func:`._p1812_radial.p1812_radial_loss`) equal the single-path kernel on a fresh copy of
  each prefix (no shared tables);

on random rugged profiles with flat runs, repeated heights (ties), sea at 0 m and clutter, equidistant or not.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numba import njit

from towerplan.coverage._p1812_chain import _val, chain_max, prefix_chains
from towerplan.coverage._p1812_kernels import p1812_path, path_radii
from towerplan.coverage._p1812_nublock import BLOCK, _nu, block_limits, block_maxima, nu_max
from towerplan.coverage._p1812_profile import _height_max, prefix_tables
from towerplan.coverage._p1812_radial import p1812_radial_loss

DN = 50.0


def _profiles(rng, count, n_max, equi):
    """(d, inv_d, h, r) of rugged profiles with plateaus, integer heights, sea runs at 0 m and clutter."""
    for t in range(count):
        n = int(rng.integers(6, n_max))
        if equi:
            d = np.arange(n) * rng.choice([0.03, 0.09, 0.1])
        else:
            d = np.r_[0.0, np.cumsum(rng.uniform(0.01, 0.3, n - 1))]
        kind = t % 4
        if kind == 0:  # rugged, rounded to the metre: many equal heights
            h = np.round(np.cumsum(rng.normal(0.0, 15.0, n)) + 200.0)
        elif kind == 1:  # a plateau between hills
            h = np.round(100.0 + 80.0 * np.sin(np.linspace(0.0, rng.uniform(2.0, 9.0), n)))
            h[n // 4: n // 2] = h[n // 4]
        elif kind == 2:  # sea at 0 m with an island and a coast
            h = np.zeros(n)
            h[: n // 5] = np.linspace(40.0, 0.0, n // 5)
            h[n // 2: n // 2 + 3] = 25.0
        else:  # flat land: collinear points
            h = np.full(n, 12.0)
        r = rng.choice([0.0, 0.0, 10.0, 15.0, 20.0], n)
        r[0] = r[-1] = 0.0
        inv_d = np.r_[math.inf, 1.0 / d[1:]]
        yield d, inv_d, h.astype(float), r


@njit
def _scan(kind, d, inv_d, equi, n, h, r, c):
    """The full scan: the largest value over points 1..n-2 and the latest point reaching it."""
    best = -math.inf
    at = -1
    for i in range(1, n - 1):
        v = _val(kind, i, d, inv_d, equi, n, h, r, c)
        if v >= best:
            best = v
            at = i
    return best, at


@njit
def _chain(up, q, k, kind, d, inv_d, equi, n, h, r, c):
    return chain_max(up, q, k, kind, d, inv_d, equi, n, h, r, c)


@njit
def _nu_scan(use_r, a_inv, d, inv_d, equi, n, h, r, c):
    best = -math.inf
    at = -1
    for i in range(1, n - 1):
        v = _nu(i, use_r, a_inv, d, inv_d, equi, n, h, r, c)
        if v >= best:
            best = v
            at = i
    return best, at


HULL_OF_KIND = (0, 0, 1, 2, 3)  # quantity -> the hull it walks (as analyse_profile pairs them)


@pytest.mark.parametrize("equi", [True, False])
def test_the_prefix_hulls_give_every_scanned_maximum_to_the_bit(equi) -> None:
    rng = np.random.default_rng(11)
    ae, ab = path_radii(DN)
    checked = exact = 0
    for d, inv_d, h, r in _profiles(rng, 40, 160, equi):
        n_all = len(d)
        up = prefix_chains(d, h, r, n_all, ae, ab)
        hts = h[0] + rng.choice([10.0, 30.0, 60.0])
        for n in range(5, n_all + 1):
            dtot = d[n - 1]
            hrs = h[n - 1] + rng.choice([1.5, 10.0])
            c = (dtot, 1.0 / dtot, hts, hrs, 1.0 / (2.0 * ae), 1.0 / ae, 1.0 / ab)
            for kind in range(5):
                want = _scan(kind, d, inv_d, equi, n, h, r, c)
                got = _chain(up, HULL_OF_KIND[kind], n - 2, kind, d, inv_d, equi, n, h, r, c)
                # exactly collinear points (flat land, a plateau) give equal values in exact arithmetic that
                # the scan rounds a few ulps apart; the hull keeps one of them: equal to round-off
                tol = 1e-12 * max(1.0, abs(want[0]))
                assert abs(got[1] - want[0]) <= tol, (kind, n, got, want)
                assert got[1] == _val(kind, got[0], d, inv_d, equi, n, h, r, c)
                if kind == 2:  # the receiver horizon point: the latest of the equal angles
                    assert got[0] == want[1] or abs(got[1] - want[0]) <= tol, (kind, n)
                checked += 1
                exact += got[1] == want[0] and (kind != 2 or got[0] == want[1])
    assert checked > 10_000
    assert exact > 0.97 * checked  # bit for bit but at exact ties


def test_hm_from_the_hull_is_the_scan_between_the_horizons() -> None:
    rng = np.random.default_rng(12)
    ae, ab = path_radii(DN)
    for d, _, h, r in _profiles(rng, 40, 160, True):
        n_all = len(d)
        up = prefix_chains(d, h, r, n_all, ae, ab)
        for _ in range(200):
            lt, lr = sorted(rng.integers(1, n_all - 1, 2))
            if rng.random() < 0.1:
                lt, lr = lr, lt  # lr < lt: empty, -inf
            hst, m = rng.uniform(-50.0, 250.0), rng.uniform(-40.0, 40.0)
            want = -math.inf
            for i in range(lt, lr + 1):
                want = max(want, h[i] - (hst + m * d[i]))
            assert _height_max(d, h, lt, lr, hst, m, up) == want


@pytest.mark.parametrize("equi", [True, False])
def test_the_line_of_sight_nu_block_by_block_is_the_scan(equi) -> None:
    rng = np.random.default_rng(13)
    ae, ab = path_radii(DN)
    for d, inv_d, h, r in _profiles(rng, 40, 12 * BLOCK, equi):
        n_all = len(d)
        bh, bg = block_maxima(h, r, n_all)
        dlo, dhi = np.empty(n_all), np.empty(n_all)
        block_limits(d, n_all, dlo, dhi)
        hts = h[0] + rng.choice([10.0, 30.0, 300.0])
        lam = 0.2998 / rng.choice([0.45, 0.9, 1.8, 3.5])
        for n in range(5, n_all + 1):
            dtot = d[n - 1]
            c = (dtot, 1.0 / dtot, hts, h[n - 1] + rng.choice([1.5, 60.0]), 0.002 * dtot / lam)
            for use_r, a_inv, table in ((False, 1.0 / ae, bh), (True, 1.0 / ae, bg), (True, 1.0 / ab, bg)):
                scratch = (np.empty(n_all), np.empty(n_all))
                assert nu_max(use_r, a_inv, d, inv_d, equi, n, h, r, table, c, dlo, dhi, *scratch) == _nu_scan(
                    use_r, a_inv, d, inv_d, equi, n, h, r, c)


@pytest.mark.parametrize("p", [50.0, 10.0])
def test_a_radial_is_the_single_path_kernel_on_each_prefix_alone(p) -> None:
    """The radial shares one set of prefix tables (hulls, blocks) over all its receivers; each path alone
    (its own tables, a copy of its prefix) must give the same loss to the bit."""
    rng = np.random.default_rng(14)
    ae, ab = path_radii(DN)
    step = 90.0
    for _, _, h, r in _profiles(rng, 8, 140, True):
        n_all = len(h)
        zone = np.where(h <= 0.0, 1, 4).astype(np.int64)
        out = np.full(n_all, np.nan)
        p1812_radial_loss(h, r, zone, step, 0.9, p, 30.0, 1.5, True, 20.0, DN, 375.0, 50.0, 0.0, 1, out,
                          np.zeros(0, dtype=np.uint8))
        for i in range(4, n_all):
            n = i + 1
            d = np.arange(n) * step / 1000.0
            inv_d = np.r_[math.inf, 1000.0 / (np.arange(1, n) * step)]
            hh, rr, zz = h[:n].copy(), r[:n].copy(), zone[:n].copy()
            tables = prefix_tables(d, inv_d, hh, rr, n, hh[0] + 30.0, ae, ab)
            one = p1812_path(d, inv_d, True, hh, rr, zz, n, 0.9, p, 30.0, 1.5, True, 20.0, DN, 375.0, 500.0, 500.0,
                             50.0, 0.0, bool((zz == 4).all()), tables, np.empty(0))
            assert out[i] == one, i
