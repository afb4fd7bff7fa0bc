"""The P.1812 reach bound with a wanted mask (the coverage matrix): block floors over the wanted samples only.

:func:`towerplan.coverage._p1812_floor0.wanted_floors` shows blocks of wanted samples out of reach from
what the profile holds before each block (the steepest Bullington point, the transmitter horizon) and the
wanted samples' own heights, so the radial's running pass stops once every wanted block ahead is out of
reach (mountains ahead that nobody lives on no longer keep it going). Checked here:

* every value the masked bound leaves at a wanted sample (the block floors included, at every limit) is at
  or below the exact P.1812 loss, on rugged radials with land cover, sea, 50 % and 10 % time, location
  variability; the samples not wanted are +inf;
* the pass stops earlier than the rest-of-radial floor of the unmasked bound (the old algorithm) on a
  radial whose wanted samples lie in valleys behind a ridge with higher ground ahead, and on random
  rugged radials in total.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_p1812_reach import RES, _radials

from towerplan.coverage._p1812_radial import p1812_radial_loss
from towerplan.coverage._p1812_reach import ap_floor_db, p1812_radial_bound, site_tables

DN, N0, PHI = 50.0, 375.0, 19.8
NO_MASK = np.zeros(0, dtype=np.uint8)


def _valley_mask(prof: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Wanted samples as the matrix's demand gives them: in clusters, mostly in the lower ground."""
    low = prof <= np.quantile(prof, rng.uniform(0.2, 0.6))
    keep = rng.random(prof.size) < 0.8
    want = (low & keep).astype(np.uint8)
    want[-1] = 1  # the radial ends at its last wanted sample (as the sweep cuts it)
    return want


def _bound(prof, r_m, zone, f_mhz, p, h_tx, pl, sigma, tables, want, t_skip):
    out = np.full(prof.size, np.nan)
    walked = p1812_radial_bound(prof, r_m, zone, RES, f_mhz / 1000.0, p, h_tx, 1.5, True, PHI, DN, N0, pl, sigma,
                                ap_floor_db(p, PHI, prof.size * RES / 1000.0), tables, 1, out, want, t_skip)
    return out, walked


@pytest.mark.parametrize(("p", "pl", "sigma", "sea", "f_mhz", "h_tx"), [
    (50.0, 50.0, 0.0, False, 1842.5, 40.0),
    (50.0, 90.0, 5.5, True, 900.0, 30.0),
    (10.0, 50.0, 0.0, True, 3500.0, 25.0),
])
def test_the_wanted_floors_never_exceed_the_exact_loss(p, pl, sigma, sea, f_mhz, h_tx) -> None:
    n = 200  # 18 km at 90 m
    tables = site_tables(n, RES, f_mhz / 1000.0, h_tx, 1.5, DN, p < 50.0)
    rng = np.random.default_rng(int(f_mhz))
    worst = -math.inf
    stopped = 0
    for prof, r_m, zone in _radials(16, n, seed=int(f_mhz) + 1, sea=sea):
        exact = np.full(n, np.nan)
        p1812_radial_loss(prof, r_m, zone, RES, f_mhz / 1000.0, p, h_tx, 1.5, True, PHI, DN, N0, pl, sigma, 1, exact,
                          NO_MASK)
        want = _valley_mask(prof, rng)
        w = np.flatnonzero(want[4:]) + 4
        # -1e300: every block is shown out of reach at the first block start (the floors alone are left)
        for t_skip in (-1e300, 100.0, 120.0, 135.0, 150.0, 170.0):
            lb, walked = _bound(prof, r_m, zone, f_mhz, p, h_tx, pl, sigma, tables, want, t_skip)
            worst = max(worst, float(np.max(lb[w] - exact[w])))
            assert np.all(np.isinf(lb[4:][want[4:] == 0]) & (lb[4:][want[4:] == 0] > 0))
            stopped += walked < n
            if t_skip == -1e300:
                assert walked == 8  # the first block start
    assert worst <= 0.0, worst
    assert stopped > 0


def test_the_pass_stops_behind_a_ridge_with_high_ground_ahead() -> None:
    """Site on a hill, a ridge at 3 km, the wanted samples in the valley floor beyond it; higher mountains
    further on that nobody lives on. The unmasked rest-of-radial floor (the highest ground ahead) never
    proves the rest out; the wanted blocks are out of reach from the first block start on."""
    n = 300
    x = np.arange(n) * RES / 1000.0
    prof = 600.0 - 40.0 * x  # the hill's slope
    prof += 500.0 * np.exp(-(((x - 3.0) / 0.6) ** 2))  # the ridge
    prof = np.maximum(prof, 150.0)  # the valley floor
    prof += 1400.0 * np.exp(-(((x - 20.0) / 2.0) ** 2))  # mountains ahead
    prof[0] = 700.0
    r_m, zone = np.full(n, 10.0), np.full(n, 4)
    want = np.zeros(n, dtype=np.uint8)
    want[80:150] = 1  # the valley
    tables = site_tables(n, RES, 1.8425, 40.0, 1.5, DN, False)
    t_skip = 138.0
    lb, walked = _bound(prof, r_m, zone, 1842.5, 50.0, 40.0, 50.0, 0.0, tables, want, t_skip)
    _, walked_all = _bound(prof, r_m, zone, 1842.5, 50.0, 40.0, 50.0, 0.0, tables, NO_MASK, t_skip)
    assert walked_all == n  # the highest ground ahead keeps the unmasked pass going to the end
    assert walked <= 16, walked
    exact = np.full(n, np.nan)
    p1812_radial_loss(prof, r_m, zone, RES, 1.8425, 50.0, 40.0, 1.5, True, PHI, DN, N0, 50.0, 0.0, 1, exact, NO_MASK)
    w = want.astype(bool)
    assert np.all(lb[w] <= exact[w])
    assert np.all(lb[w] > t_skip)


def test_the_masked_pass_walks_fewer_samples_than_the_rest_of_radial_floor() -> None:
    n = 240
    tables = site_tables(n, RES, 1.8425, 40.0, 1.5, DN, False)
    rng = np.random.default_rng(3)
    masked = unmasked = 0
    for prof, r_m, zone in _radials(24, n, seed=11, sea=False):
        want = _valley_mask(prof, rng)
        masked += _bound(prof, r_m, zone, 1842.5, 50.0, 40.0, 50.0, 0.0, tables, want, 138.0)[1]
        unmasked += _bound(prof, r_m, zone, 1842.5, 50.0, 40.0, 50.0, 0.0, tables, NO_MASK, 138.0)[1]
    assert masked < 0.7 * unmasked, (masked, unmasked)
