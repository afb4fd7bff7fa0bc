"""Round w17: the exact P.1812 path's terms that are computed only where the Recommendation's loss reads them,
and the zone lengths of every prefix of a radial from one table, each checked against the full evaluation.

* the zone lengths of section 3.6 from :func:`._p1812_zones.zone_tables` (per radial) equal the scan of each
  prefix (:func:`._p1812_kernels.zone_lengths`) to the bit, on profiles with sea, coastal and inland runs;
* Ap of eq. 53 does not fall as beta (eq. 54) falls below beta0 (the lemma of
  :func:`._p1812_kernels._anomalous_floor`), and that floor (with the site shielding of eq. 48 or without) is
  below Lba (:func:`._p1812_kernels._anomalous_k`) on random paths up to ``ANOM_SKIP_KM``;
* the spherical-earth loss (eqs 22-36, :func:`._p1812_kernels._spherical_earth_k`, whose bound settles Ldsph = 0
  before eq. 24's point) equals the Recommendation's steps evaluated in full, to the bit;
* a path's loss without the debug vector (Lba and Lminbap only where eq. 61 reads them, the zero profile's
  Bullington loss only where eq. 40 reads it) equals the loss with it (every term computed), to the bit, at 50 %
  and 10 % time, with sea and land.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numba import njit

from towerplan.coverage._p1812_kernels import (
    ANOM_SKIP_KM,
    DBG_LBA,
    DBG_LBD,
    DBG_LDSPH,
    DBG_LMINBAP,
    N_DBG,
    _anomalous_floor,
    _anomalous_k,
    _ap_at,
    _first_term_one,
    _site_shielding,
    _spherical_earth_k,
    ground_constants,
    p1812_path,
    path_constants,
    path_radii,
    path_terms,
    zone_lengths,
)
from towerplan.coverage._p1812_profile import prefix_tables
from towerplan.coverage._p1812_zones import zone_lengths_at, zone_tables

DN = 45.0


def _zones(rng, n):
    """A zone profile of runs of sea (1), coastal land (3), inland (4) and an unknown code (2)."""
    zone = np.empty(n, dtype=np.int64)
    i = 0
    while i < n:
        run = int(rng.integers(1, 12))
        zone[i: i + run] = rng.choice([1, 3, 4, 4, 2])
        i += run
    return zone


def test_the_zone_lengths_of_every_prefix_from_the_radial_table_are_the_scan() -> None:
    rng = np.random.default_rng(170)
    for t in range(60):
        n_all = int(rng.integers(2, 180))
        d = np.arange(n_all) * (0.03 if t % 2 else 0.09)
        zone = _zones(rng, n_all)
        zt = zone_tables(d, zone, n_all)
        for n in range(2, n_all + 1):
            assert zone_lengths_at(d, zt, n - 1) == zone_lengths(d, zone, n), (t, n)


def test_ap_does_not_fall_as_beta_falls_below_beta0() -> None:
    """The lemma of the floor of Lba: Ap(beta) >= Ap(beta0) for beta = beta0 10^-x, x in [0, 150]."""
    rng = np.random.default_rng(171)
    xs = np.r_[0.0, np.geomspace(1e-6, 150.0, 400)]
    for _ in range(300):
        d = rng.uniform(0.01, ANOM_SKIP_KM)
        b0 = math.exp(rng.uniform(math.log(0.33), math.log(46.8)))
        p = rng.uniform(b0, 50.0)
        d113 = d**1.13
        at_b0 = _ap_at(d, b0, p, d113)
        for x in xs:
            assert _ap_at(d, b0 * 10.0**-x, p, d113) >= at_b0 - 1e-9, (d, b0, p, x)


@pytest.mark.parametrize("f", [0.45, 0.9, 1.8, 3.5])
def test_the_floor_of_lba_is_below_lba(f) -> None:
    rng = np.random.default_rng(172)
    kc = path_constants(f, 50.0, 50.0, 0.0)
    ae, _ = path_radii(DN)
    for _ in range(4000):
        dtot = rng.uniform(0.1, ANOM_SKIP_KM)
        dlt = rng.uniform(0.0, dtot)
        dlr = rng.uniform(0.0, dtot - dlt) if rng.random() < 0.5 else dtot - dlt
        th_t, th_r = rng.uniform(-20.0, 60.0, 2)
        hts, hrs = rng.uniform(5.0, 1500.0, 2)
        hte, hre = rng.uniform(1.0, 400.0, 2)
        hm = rng.uniform(0.0, 800.0)
        omega = rng.choice([0.0, 0.3, 0.8, 1.0])
        dct, dcr = rng.uniform(0.0, 8.0, 2)
        b0, _, _, _, _, alpha, d113, ap_b0 = path_terms(20.0, dtot, dtot, dtot * rng.uniform(0.2, 1.0), 50.0, kc)
        lba = _anomalous_k(dtot, dlt, dlr, dct, dcr, hts, hrs, hte, hre, hm, th_t, th_r, f, 50.0, omega, ae, b0, kc,
                           alpha, d113)
        floor = _anomalous_floor(dtot, dlt, dlr, th_t, th_r, omega, ae, kc, ap_b0)
        shield = _site_shielding(th_t, dlt, f, kc[3]) + _site_shielding(th_r, dlr, f, kc[3])
        assert shield >= 0.0
        assert floor + shield <= lba + 1e-9, (dtot, dlt, dlr, th_t, th_r, hm, omega)


@njit(cache=False)
def _spherical_earth_full(d, hte, hre, ap, f, omega, vertical, kg):
    """Eqs 22-36 step by step, as before round w17 (no bound before eq. 23)."""
    lam = 0.2998 / f
    dlos = math.sqrt(2.0 * ap) * (math.sqrt(0.001 * hte) + math.sqrt(0.001 * hre))
    if d >= dlos:
        land = _first_term_one(kg[0], kg[1], d, hte, hre, ap, f, vertical)
        if omega <= 0.0:
            return land
        return omega * _first_term_one(kg[2], kg[3], d, hte, hre, ap, f, vertical) + (1.0 - omega) * land
    c = (hte - hre) / (hte + hre)
    m = 250.0 * d * d / (ap * (hte + hre))
    b = 2.0 * math.sqrt((m + 1.0) / (3.0 * m)) * math.cos(
        math.pi / 3.0 + math.acos(1.5 * c * math.sqrt(3.0 * m / (m + 1.0) ** 3)) / 3.0)
    dse1 = 0.5 * d * (1.0 + b)
    dse2 = d - dse1
    hse = ((hte - 500.0 * dse1 * dse1 / ap) * dse2 + (hre - 500.0 * dse2 * dse2 / ap) * dse1) / d
    hreq = 17.456 * math.sqrt(dse1 * dse2 * lam / d)
    if hse > hreq:
        return 0.0
    aem = 500.0 * (d / (math.sqrt(hte) + math.sqrt(hre))) ** 2
    land = _first_term_one(kg[0], kg[1], d, hte, hre, aem, f, vertical)
    ft = land
    if omega > 0.0:
        ft = omega * _first_term_one(kg[2], kg[3], d, hte, hre, aem, f, vertical) + (1.0 - omega) * land
    return (1.0 - hse / hreq) * max(ft, 0.0)


@pytest.mark.parametrize("f", [0.9, 1.8, 3.5])
def test_the_spherical_earth_loss_with_its_bound_is_the_full_evaluation(f) -> None:
    rng = np.random.default_rng(173)
    ae, ab = path_radii(DN)
    kg = ground_constants(f, True)
    zero = 0
    for _ in range(20000):
        d = rng.uniform(0.05, 60.0)
        hte, hre = np.exp(rng.uniform(math.log(0.5), math.log(600.0), 2))
        ap = ae if rng.random() < 0.8 else ab
        omega = rng.choice([0.0, 0.0, 0.4, 1.0])
        want = _spherical_earth_full(d, hte, hre, ap, f, omega, True, kg)
        assert _spherical_earth_k(d, hte, hre, ap, f, omega, True, kg) == want, (d, hte, hre, ap, omega)
        zero += want == 0.0
    assert zero > 2000  # the bound's branch is exercised


def _radial(rng, n_all, step_km):
    """(d, inv_d, h, r, zone): rugged land with hills, a sea run with a coast, clutter."""
    d = np.arange(n_all) * step_km
    h = np.maximum(np.cumsum(rng.normal(0.0, 6.0, n_all)) + rng.uniform(20.0, 300.0), 0.0)
    if rng.random() < 0.5:
        a = int(rng.integers(n_all // 4, n_all // 2))
        h[a: a + int(rng.integers(5, n_all // 3))] = 0.0
    zone = np.where(h <= 0.0, 1, 4).astype(np.int64)
    near = np.convolve((zone == 1).astype(float), np.ones(9), "same") > 0
    zone[(zone == 4) & near] = 3
    r = rng.choice([0.0, 0.0, 10.0, 20.0], n_all)
    r[zone == 1] = 0.0
    inv_d = np.r_[math.inf, 1.0 / d[1:]]
    return d, inv_d, h, r, zone


@pytest.mark.parametrize("p", [50.0, 10.0])
def test_a_path_without_the_debug_vector_is_the_full_evaluation(p) -> None:
    """Without ``dbg`` Lba / Lminbap and the zero profile's Bullington loss are computed only where the loss reads
    them; with it every term is computed: the losses are the same to the bit."""
    rng = np.random.default_rng(174)
    ae, ab = path_radii(DN)
    settled = deferred = paths = 0
    for t in range(24):
        f = (0.45, 0.9, 1.8, 3.5)[t % 4]
        n_all = int(rng.integers(40, 400))
        d, inv_d, h, r, zone = _radial(rng, n_all, (0.03, 0.09)[t % 2])
        htg = rng.choice([10.0, 30.0, 60.0])
        tables = prefix_tables(d, inv_d, h, r, n_all, h[0] + htg, ae, ab)
        dbg = np.empty(N_DBG)
        for n in range(5, n_all + 1, 3):
            inland = bool(np.all(zone[:n] == 4))
            full = p1812_path(d, inv_d, True, h, r, zone, n, f, p, htg, 1.5, True, 20.0, DN, 375.0, 500.0, 500.0,
                              50.0, 0.0, inland, tables, dbg)
            fast = p1812_path(d, inv_d, True, h, r, zone, n, f, p, htg, 1.5, True, 20.0, DN, 375.0, 500.0, 500.0,
                              50.0, 0.0, inland, tables, np.empty(0))
            assert fast == full, (t, n)
            paths += 1
            settled += dbg[DBG_LMINBAP] > dbg[DBG_LBD] and d[n - 1] <= ANOM_SKIP_KM
            deferred += dbg[DBG_LDSPH] == 0.0
            assert math.isfinite(dbg[DBG_LBA])
    assert settled > paths // 2  # both shortcuts are exercised
    assert deferred > paths // 10
