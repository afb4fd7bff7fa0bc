"""Round w12: the exact P.1812 path with fewer arrays passed and its site terms computed once, to the bit.

* :func:`._p1812_profile.prefix_tables` packs what a path reads of its prefix into two arrays (each array
  passed to a kernel costs a reference count in and out, some 15 % of the exact pass): every row is what the
  ten separate tables of round w11 held, written here as they were;
* :func:`._p1812_profile.prefix_tables_k` with ``two`` False (time percentages of 50 and above) leaves the
  hull of the radius ab empty, and the paths' losses do not change;
* the ground factors of eqs 29-30 computed once a site (:func:`._p1812_kernels.ground_constants`), tau of eq. 3
  shared by beta0 and eq. 55, I(beta0 / 100) computed once and the exponential of eq. 60 whose argument is 0
  left out: the intermediate quantities of the path are the Recommendation's expressions, to the bit.

The radials' tables of captured province and demo groups are sha256-identical before and after
(``bench/README.md``, round w12, helper exact).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numba import njit
from test_p1812_reach import RES, _radials

from towerplan.coverage._p1812_chain import prefix_chains
from towerplan.coverage._p1812_kernels import (
    DBG_B0,
    DBG_DLM,
    DBG_DLR,
    DBG_DLT,
    DBG_DTM,
    DBG_HM,
    DBG_HRE,
    DBG_HTE,
    DBG_LB0P,
    DBG_LBA,
    DBG_LMINBAP,
    DBG_OMEGA,
    DBG_THR,
    DBG_THT,
    N_DBG,
    anomalous,
    beta0,
    ground_constants,
    p1812_path,
    path_radii,
    spherical_earth,
)
from towerplan.coverage._p1812_nublock import block_limits, block_maxima
from towerplan.coverage._p1812_profile import (
    TF_AT,
    TF_BG,
    TF_BH,
    TF_DHI,
    TF_DLO,
    TF_QA,
    TF_QB,
    TF_V1,
    TF_V2,
    TI_LT,
    TI_OT,
    TI_RN,
    prefix_tables,
    prefix_tables_k,
)

DN, N0, PHI = 50.0, 375.0, 19.8


def _old_rows(d, inv_d, h, r, n, hts, ae, ab):
    """The tables of round w11 (v1, v2, at, lt, qa, qb, ot), as it computed them."""
    v1, v2, qa, qb = np.zeros(n), np.zeros(n), np.full(n, -math.inf), np.full(n, -math.inf)
    at, lt, ot = np.full(n, -math.inf), np.ones(n, dtype=np.int64), np.ones(n, dtype=np.int64)
    ob = -math.inf
    inv2ae = 1.0 / (2.0 * ae)
    for i in range(1, n):
        di, dd = d[i], d[i] - d[i - 1]
        v1[i] = v1[i - 1] + dd * (h[i] + h[i - 1])
        v2[i] = v2[i - 1] + dd * (h[i] * (2.0 * di + d[i - 1]) + h[i - 1] * (di + 2.0 * d[i - 1]))
        a_t = (h[i] - hts) * 0.001 * inv_d[i] - di * inv2ae
        g = (h[i] + r[i] - hts) * inv_d[i]
        at[i], lt[i] = (a_t, i) if (i == 1 or a_t > at[i - 1]) else (at[i - 1], lt[i - 1])
        qa[i] = max(qa[i - 1], g - 500.0 * di / ae)
        qb[i] = max(qb[i - 1], g - 500.0 * di / ab)
        o = (h[i] - hts) * inv_d[i]
        if i == 1 or o > ob:
            ob, ot[i] = o, i
        else:
            ot[i] = ot[i - 1]
    return v1, v2, at, lt, qa, qb, ot


def _profile(n, seed):
    prof, r_m, zone = next(_radials(1, n, seed=seed, sea=seed % 2 == 1))
    d = np.arange(n) * RES / 1000.0
    inv_d = np.r_[math.inf, 1000.0 / (np.arange(1, n) * RES)]
    return d, inv_d, prof, r_m, zone


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_prefix_tables_are_two_arrays_holding_the_rows_of_round_w11(seed) -> None:
    n = 150
    d, inv_d, h, r, _ = _profile(n, seed)
    ae, ab = path_radii(DN)
    tables = prefix_tables(d, inv_d, h, r, n, h[0] + 30.0, ae, ab)
    assert len(tables) == 2
    tf, ti = tables
    assert tf.shape == (11, n)  # round w17: the blocks' limits and nu_max's scratch after the block maxima
    assert tf.dtype == np.float64
    assert ti.shape == (7, n)  # round w18: the count of points with clutter (TI_RN) after TI_OT
    assert ti.dtype == np.int64
    v1, v2, at, lt, qa, qb, ot = _old_rows(d, inv_d, h, r, n, h[0] + 30.0, ae, ab)
    for row, want in ((TF_V1, v1), (TF_V2, v2), (TF_AT, at), (TF_QA, qa), (TF_QB, qb)):
        assert np.array_equal(tf[row], want)
    assert np.array_equal(ti[TI_LT], lt)
    assert np.array_equal(ti[TI_OT], ot)
    assert np.array_equal(ti[TI_RN], np.r_[0, np.cumsum(r[1:] != 0.0)])
    assert np.array_equal(ti[:4], prefix_chains(d, h, r, n, ae, ab))
    bh, bg = block_maxima(h, r, n)
    nb = len(bh)
    assert np.array_equal(tf[TF_BH, :nb], bh)
    assert np.array_equal(tf[TF_BG, :nb], bg)
    assert np.all(tf[TF_BH: TF_BG + 1, nb:] == -math.inf)
    dlo, dhi = np.full(n, np.nan), np.full(n, np.nan)
    block_limits(d, n, dlo, dhi)
    assert np.array_equal(tf[TF_DLO, :nb], dlo[:nb])
    assert np.array_equal(tf[TF_DHI, :nb], dhi[:nb])
    assert np.all(np.isfinite(dlo[:nb]))
    assert dlo[0] == d[1]
    assert dhi[nb - 1] == d[n - 1]


@pytest.mark.parametrize(("p", "seed"), [(50.0, 4), (70.0, 5)])
def test_without_the_ab_hull_the_losses_at_50_percent_and_above_do_not_change(p, seed) -> None:
    n = 160
    d, inv_d, h, r, zone = _profile(n, seed)
    ae, ab = path_radii(DN)
    full = prefix_tables(d, inv_d, h, r, n, h[0] + 30.0, ae, ab)
    lean = prefix_tables_k(d, inv_d, h, r, n, h[0] + 30.0, ae, ab, False)
    assert np.all(lean[1][3] == 0)  # hull 3 (radius ab) left empty
    assert np.any(full[1][3] != 0)
    for i in range(4, n):
        inland = bool(np.all(zone[: i + 1] == 4))
        a, b = (p1812_path(d, inv_d, True, h, r, zone, i + 1, 0.9, p, 30.0, 1.5, True, PHI, DN, N0, 500.0, 500.0,
                           50.0, 0.0, inland, t, np.empty(0)) for t in (full, lean))
        assert a == b, i


@njit(cache=False)
def _first_term_one_w11(epsr, sigma, d, hte, hre, adft, f, vertical):
    """Eqs 29-36 as round w11 wrote them (the ground factors inside), compiled as the kernel is (numba writes
    small integer powers as products)."""
    k = 0.036 * (adft * f) ** (-1.0 / 3.0) * ((epsr - 1.0) ** 2 + (18.0 * sigma / f) ** 2) ** -0.25
    if vertical:
        k *= (epsr**2 + (18.0 * sigma / f) ** 2) ** 0.5
    k2 = k * k
    beta = (1.0 + 1.6 * k2 + 0.67 * k2 * k2) / (1.0 + 4.5 * k2 + 1.53 * k2 * k2)
    x = 21.88 * beta * (f / adft**2) ** (1.0 / 3.0) * d
    cy = 0.9575 * beta * (f**2 / adft) ** (1.0 / 3.0)
    fx = 11.0 + 10.0 * math.log10(x) - 17.6 * x if x >= 1.6 else -20.0 * math.log10(x) - 5.6488 * x**1.425
    g_min = 2.0 + 20.0 * math.log10(k)
    gy = 0.0
    for y in (beta * cy * hte, beta * cy * hre):
        gv = 17.6 * (y - 1.1) ** 0.5 - 5.0 * math.log10(y - 1.1) - 8.0 if y > 2.0 else 20.0 * math.log10(y + 0.1 * y**3)
        gy += max(gv, g_min)
    return -fx - gy


@njit(cache=False)
def _first_term_w11(d, hte, hre, adft, f, omega, vertical):
    """Eq. 28 as round w11 wrote it."""
    land = _first_term_one_w11(22.0, 0.003, d, hte, hre, adft, f, vertical)
    if omega <= 0.0:
        return land
    return omega * _first_term_one_w11(80.0, 5.0, d, hte, hre, adft, f, vertical) + (1.0 - omega) * land


@pytest.mark.parametrize("vertical", [True, False])
def test_the_spherical_earth_loss_with_the_site_ground_factors_is_eqs_29_36_to_the_bit(vertical) -> None:
    rng = np.random.default_rng(11)
    ae, _ = path_radii(DN)
    assert len(ground_constants(0.9, vertical)) == 4
    for _ in range(300):
        f, hte, hre = rng.uniform(0.03, 6.0), rng.uniform(1.0, 300.0), rng.uniform(1.0, 50.0)
        omega = float(rng.choice([0.0, 0.3, 1.0]))
        dlos = math.sqrt(2.0 * ae) * (math.sqrt(0.001 * hte) + math.sqrt(0.001 * hre))  # eq. 22
        d = dlos * rng.uniform(1.0, 3.0)  # beyond the line of sight: the first term at ae (eq. 23)
        assert spherical_earth(d, hte, hre, ae, f, omega, vertical) == _first_term_w11(d, hte, hre, ae, f, omega,
                                                                                        vertical)


@pytest.mark.parametrize(("p", "seed"), [(50.0, 6), (10.0, 7)])
def test_beta0_eq_55_and_eq_60_from_terms_computed_once_are_the_recommendation_s(p, seed) -> None:
    n = 200
    d, inv_d, h, r, zone = _profile(n, seed)
    ae, ab = path_radii(DN)
    tables = prefix_tables(d, inv_d, h, r, n, h[0] + 30.0, ae, ab)
    dbg = np.zeros(N_DBG)
    seen = set()
    for i in range(4, n):
        p1812_path(d, inv_d, True, h, r, zone, i + 1, 0.9, p, 30.0, 1.5, True, PHI, DN, N0, 500.0, 500.0, 50.0, 0.0,
                   bool(np.all(zone[: i + 1] == 4)), tables, dbg)
        assert dbg[DBG_B0] == beta0(PHI, dbg[DBG_DTM], dbg[DBG_DLM])
        lba = anomalous(d[i], dbg[DBG_DLT], dbg[DBG_DLR], 500.0, 500.0, dbg[DBG_DLM], h[0] + 30.0, h[i] + 1.5,
                        dbg[DBG_HTE], dbg[DBG_HRE], dbg[DBG_HM], dbg[DBG_THT], dbg[DBG_THR], 0.9, p, dbg[DBG_OMEGA],
                        ae, dbg[DBG_B0])
        assert dbg[DBG_LBA] == lba
        lb0p, eta = dbg[DBG_LB0P], 2.5
        big = max(lba, lb0p) / eta
        assert dbg[DBG_LMINBAP] == eta * (big + math.log(math.exp(lba / eta - big) + math.exp(lb0p / eta - big)))
        seen.add(lba >= lb0p)
    assert seen == ({True, False} if p < 50.0 else {True})  # both branches of eq. 60's shortcut at 10 %
