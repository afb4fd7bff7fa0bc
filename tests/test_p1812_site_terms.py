"""Round w14: what the exact P.1812 pass computes once a site instead of once a path or a radial, to the bit.

* :func:`._p1812_radial.site_terms`: the terms of an inland path that depend on its length only (beta0, log10
  beta0 / 50, Fi of eq. 58, Fk, 20 log10 d, alpha, d^1.13: :func:`._p1812_kernels.path_terms`) and the distances,
  one column a sample, and a radial reading them (:func:`._p1812_radial.radial_site`) gives the losses of the
  radial that computes them per path, at every sample, inland and on a coast, with the anchors too;
* :func:`._p1812_profile._flat_max_equi` (the zero-profile Bullington maximum by index on equidistant points)
  equals the bisection of :func:`._p1812_profile._flat_max`;
* :func:`._p1812_profile.prefix_tables_k` keeps the block maxima of :func:`._p1812_nublock.block_maxima` (now
  computed in its own loop), and the hulls it leaves out (radius ab at p >= 50, clutter hull without clutter) change
  none of the hulls it builds.

The radial tables of the captured province, demo and matrix groups are identical before and after
(``bench/README.md``, helper w14-exact).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_p1812_reach import RES, _radials

from towerplan.coverage._p1812_anchor import anchored_radial_loss
from towerplan.coverage._p1812_chain import prefix_chains
from towerplan.coverage._p1812_kernels import N_PT, path_constants, path_radii, path_terms
from towerplan.coverage._p1812_nublock import block_maxima
from towerplan.coverage._p1812_profile import TF_BG, TF_BH, _flat_max, _flat_max_equi, prefix_tables_k
from towerplan.coverage._p1812_radial import (
    ST_D,
    ST_INV_D,
    no_site_terms,
    p1812_radial_loss,
    p1812_radial_loss_k,
    radial_site,
    site_terms,
)

DN, N0, PHI = 50.0, 375.0, 19.8


@pytest.mark.parametrize(("f", "p", "pl", "sigma"), [(0.9, 50.0, 50.0, 0.0), (1.8425, 10.0, 90.0, 5.5),
                                                     (0.45, 1.0, 50.0, 0.0)])
def test_the_site_table_holds_each_inland_path_s_terms_and_distances(f, p, pl, sigma) -> None:
    n = 300
    t = site_terms(n, RES, f, p, PHI, pl, sigma)
    kc = path_constants(f, p, pl, sigma)
    assert t.shape[1] == n
    for k in range(1, n):
        dk = k * RES / 1000.0
        assert t[ST_D, k] == dk
        assert t[ST_INV_D, k] == 1000.0 / (k * RES)
        assert tuple(t[:N_PT, k]) == path_terms(PHI, dk, dk, dk, p, kc)


@pytest.mark.parametrize(("f_mhz", "p", "pl", "sigma", "sea"), [(900.0, 50.0, 50.0, 0.0, False),
                                                                (1800.0, 10.0, 90.0, 5.5, True),
                                                                (1842.5, 50.0, 50.0, 0.0, True)])
def test_a_radial_reading_the_site_table_is_the_radial_computing_its_terms(f_mhz, p, pl, sigma, sea) -> None:
    n = 160
    f = f_mhz / 1000.0
    site = radial_site(site_terms(n + 40, RES, f, p, PHI, pl, sigma), f, p, pl, sigma, True)
    empty = no_site_terms(f, p, pl, sigma, True)
    rng = np.random.default_rng(5)
    for prof, r_m, zone in _radials(4, n, seed=13, sea=sea):
        need = (rng.random(n) < 0.6).astype(np.uint8)
        for mask in (np.zeros(0, dtype=np.uint8), need):
            plain = np.full(n, np.nan)
            p1812_radial_loss(prof, r_m, zone, RES, f, p, 30.0, 1.5, True, PHI, DN, N0, pl, sigma, 1, plain, mask)
            for s in (site, empty):
                out = np.full(n, np.nan)
                p1812_radial_loss_k(prof, r_m, zone, RES, f, p, 30.0, 1.5, True, PHI, DN, N0, pl, sigma, 1, out,
                                    mask, s)
                assert np.array_equal(out, plain, equal_nan=True)
        floor = plain - 3.0  # any floor: the anchors' choices, made on the same values, are the same
        outs = []
        for s in (site, empty):
            out = np.full(n, np.nan)
            anchored_radial_loss(prof, r_m, zone, RES, f, p, 30.0, 1.5, True, PHI, DN, N0, pl, sigma, 1, out,
                                 np.ones(n, dtype=np.uint8), floor, 4, s)
            outs.append(out)
        assert np.array_equal(outs[0], outs[1], equal_nan=True)
        assert np.all(np.isfinite(outs[0][1:]))


def test_the_zero_profile_maximum_by_index_is_the_bisection_s() -> None:
    rng = np.random.default_rng(11)
    ae, ab = path_radii(DN)
    for _ in range(3000):
        n = int(rng.integers(5, 500))
        step = float(rng.choice([0.03, 0.09, rng.uniform(0.005, 0.3)]))
        d = np.arange(n) * step
        for a in (ae, ab):
            for h in (0.0, rng.uniform(0.0, 5.0), rng.uniform(0.0, 400.0), 1e5, -3.0):
                for from_rx in (False, True):
                    assert _flat_max_equi(d, n, 500.0 / a, h, from_rx) == _flat_max(d, n, 500.0 / a, h, from_rx)


@pytest.mark.parametrize("two", [False, True])
def test_the_prefix_tables_keep_the_block_maxima_and_the_hulls_they_build(two) -> None:
    ae, ab = path_radii(DN)
    for prof, r_m, _ in _radials(3, 137, seed=21, sea=False):
        n = len(prof)
        d = np.arange(n) * RES / 1000.0
        inv_d = np.r_[math.inf, 1000.0 / (np.arange(1, n) * RES)]
        for r in (r_m, np.zeros(n)):
            tf, ti = prefix_tables_k(d, inv_d, prof, r, n, prof[0] + 30.0, ae, ab, two)
            bh, bg = block_maxima(prof, r, n)
            assert np.array_equal(tf[TF_BH, :len(bh)], bh)
            assert np.array_equal(tf[TF_BG, :len(bg)], bg)
            assert np.all(tf[TF_BH, len(bh):] == -math.inf)
            assert np.all(tf[TF_BG, len(bg):] == -math.inf)
            up = prefix_chains(d, prof, r, n, ae, ab)
            assert np.array_equal(ti[:4 if two else 3], up[:4 if two else 3])
