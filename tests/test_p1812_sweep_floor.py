"""The floor the sweep's anchored tables read (round w16): at fine steps (up to ``_p1812_reach._LEAN_STEP_M``) stage 1
of the reach bound where a sample is within its limit, without stage 2's spherical-earth excess (eq. 40;
``_p1812_reach._SWEEP_EXCESS`` False); at coarser steps stage 2 as before.

Stage 1 is a weaker lower bound of the exact loss than stage 2, so the need mask can only grow, and the anchor pass
(:mod:`towerplan.coverage._p1812_anchor`) interpolates the gap exact - floor over it. With a wanted mask (the
coverage matrix: no anchors, every wanted sample exact) and without limits (the full bound) stage 2 still runs.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_p1812_limits import DN, N0_REFR, PHI, _sector_limits
from test_p1812_reach import _radials

from towerplan.coverage._p1812_floor0 import BLOCK
from towerplan.coverage._p1812_radial import p1812_radial_loss
from towerplan.coverage._p1812_reach import ap_floor_db, radial_bound, site_tables
from towerplan.coverage._reach_need import fill_levels, sample_limits

NO_MASK = np.zeros(0, dtype=np.uint8)


@pytest.mark.parametrize(("step_m", "f_mhz", "sea"), [(30.0, 1800.0, False), (30.0, 900.0, True), (90.0, 900.0, True)])
def test_the_sweep_floor_is_stage_1_at_fine_steps_below_the_full_bound_and_the_exact_loss(step_m, f_mhz, sea) -> None:
    n0, lmax, n = 48, 4, 150 if step_m > 36.0 else 400  # 12 km at 30 m: paths long enough for eq. 40
    lneed = _sector_limits(n0)
    tables = site_tables(n, step_m, f_mhz / 1000.0, 30.0, 1.5, DN, False)
    ap_lb = ap_floor_db(50.0, PHI, n * step_m / 1000.0)
    lv_at = fill_levels(n, step_m, n * step_m, lmax)
    lim = np.empty((4, n))
    args = (step_m, f_mhz / 1000.0, 50.0, 30.0, 1.5, True, PHI, DN, N0_REFR, 50.0, 0.0, ap_lb, tables, 1)
    within = below = masked_same = 0
    radials = list(_radials(n0, n, seed=int(f_mhz) + 3, sea=sea))
    radials[:4] = [(np.full(n, 5.0), np.zeros(n), np.full(n, 4, dtype=np.int64))] * 4  # flat: eq. 40's excess > 0
    for j, (prof, r_m, zone) in enumerate(radials):
        exact = np.full(n, np.nan)
        p1812_radial_loss(prof, r_m, zone, *args[:11], 1, exact, NO_MASK)
        full = np.full(n, np.nan)
        radial_bound(prof, r_m, zone, *args, full, NO_MASK, np.empty((0, 0)))  # no limits: stage 2 everywhere
        sample_limits(lneed, j, n0, lv_at, n, lim, math.nan, BLOCK)
        sweep = np.full(n, np.nan)
        radial_bound(prof, r_m, zone, *args, sweep, NO_MASK, lim)
        kept = lim[3, :] == 0.0  # within the sample's limit: the sweep's floor
        kept[:4] = False
        within += int(kept.sum())
        if step_m > 36.0:  # coarse steps: stage 2 as before
            assert np.array_equal(sweep[kept], full[kept])
        # stage 1 <= stage 2 (up to rounding) <= exact
        assert np.all(sweep[kept] <= full[kept] + 1e-9)
        fin = np.isfinite(sweep)
        fin[:4] = False
        assert np.all(sweep[fin] <= exact[fin] + 1e-9)
        below += int((sweep[kept] < full[kept] - 0.01).sum())  # where eq. 40's excess is > 0
        # a wanted mask (the matrix) still gets stage 2 at the samples within their limit
        sample_limits(lneed, j, n0, lv_at, n, lim, math.nan, BLOCK)
        masked = np.full(n, np.nan)
        radial_bound(prof, r_m, zone, *args, masked, np.ones(n, dtype=np.uint8), lim)
        m_kept = lim[3, :] == 0.0
        m_kept[:4] = False
        assert np.array_equal(masked[m_kept], full[m_kept])
        masked_same += int(m_kept.sum())
    assert within > 500
    assert masked_same > 100
    if step_m <= 36.0:  # the excess is > 0 at some samples (the flat radials), and the sweep leaves it out there
        assert below > 20, (below, within)
