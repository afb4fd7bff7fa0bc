"""Per-sample limits of the P.1812 reach bound (round w12): each sample's cheaper stages compare with the largest
limit :func:`~towerplan.coverage._reach_need.mark_needed` compares that sample with, not the site's largest.

* :func:`sample_limits` gives, for every sample, exactly the largest ``lneed`` of the markings that read it
  (enumerated here from ``mark_needed``'s reading relation, across the fill's level boundaries and for a
  number of radials that is not a power of two), and the block / rest-of-radial limits from them;
* :func:`mark_needed` (row minima once, then per level) marks what the one-pass reference marks;
* on rugged radials with three sectors (limits ~25 dB apart) the per-sample limits give the same ``need`` mask
  as the site's largest limit while more samples stop at a cheaper stage, and a sample the bound reports as
  not staged holds the full bound to the bit;
* the bound pass of a site (``_reach_profiles``) gives the same mask and, at every needed sample, the same
  bound as the site's largest limit (the anchor pass reads it there).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_coverage_executors import rugged_dem
from test_p1812_reach import RES, _radials

from towerplan.coverage import _kernels as kern
from towerplan.coverage import _sweep_p1812 as sw
from towerplan.coverage._kernels import fill_level
from towerplan.coverage._p1812_floor0 import BLOCK
from towerplan.coverage._p1812_reach import ap_floor_db, p1812_radial_bound, radial_bound, site_tables
from towerplan.coverage._reach_need import fill_levels, mark_needed, sample_limits
from towerplan.coverage.clutter import NO_CLUTTER

DN, N0_REFR, PHI = 50.0, 375.0, 19.8


def _reads(j, i, n0, lmax, radius_m, step_m, m):
    """The samples ``mark_needed`` reads for need[j, i] (its loops, written out)."""
    out = [(j, k) for k in (i - 1, i, i + 1) if 0 <= k < m]
    lv_hi = fill_level((i - 1) * step_m, radius_m, lmax)
    lv_lo = fill_level((i + 1) * step_m, radius_m, lmax)
    for lv in range(lv_lo, lv_hi + 1):
        s = 1 << lv
        if j % s:
            continue
        out += [(jj, k) for jj in ((j - s) % n0, (j + s) % n0) for k in (i - 1, i, i + 1) if 0 <= k < m]
    return out


def _mark_needed_reference(lbt, lneed, n0, lmax, radius_m, step_m, first, count, wanted):
    """``mark_needed`` before round w12: the minimum over every sample read, per (j, i)."""
    need = np.zeros(lbt.shape, dtype=np.uint8)
    for j in range(n0):
        fi = min(max(first[j], 1), count[j] - 1)
        for i in range(fi, count[j]):
            if wanted.shape[0] and not wanted[j, i]:
                continue
            best = min(lbt[r] for r in _reads(j, i, n0, lmax, radius_m, step_m, lbt.shape[1]))
            need[j, i] = best <= lneed[j]
    return need


@pytest.mark.parametrize(("n0", "lmax", "step_m", "radius_m"), [(48, 4, 90.0, 4000.0), (96, 5, 30.0, 1500.0)])
def test_sample_limits_are_the_largest_limit_of_the_markings_that_read_a_sample(n0, lmax, step_m, radius_m) -> None:
    m = int(radius_m / step_m) + 3
    rng = np.random.default_rng(n0)
    lneed = rng.uniform(110.0, 140.0, n0)
    want = np.full((n0, m), -math.inf)
    for j in range(n0):  # every marking at i in 1 .. m - 1 (the limits include markings outside a radial's range)
        for i in range(1, m):
            for r in _reads(j, i, n0, lmax, radius_m, step_m, m):
                want[r] = max(want[r], lneed[j])
    lv_at = fill_levels(m, step_m, radius_m, lmax)
    levels = {int(v) for v in lv_at}
    assert len(levels) >= 4  # the samples cross several of the fill's level boundaries
    lim = np.empty((4, m))
    for jj in range(n0):
        sample_limits(lneed, jj, n0, lv_at, m, lim, math.nan, BLOCK)
        # sample 0 is read only by markings at i = 1 here; sample_limits also counts i = 0 (never marked): >=
        assert np.array_equal(lim[0, 1:], want[jj, 1:])
        assert lim[0, 0] >= want[jj, 0]
        for k in range(0, m, BLOCK):
            assert lim[1, k] == lim[0, k:].max()
            assert lim[2, k] == lim[0, k:k + BLOCK].max()
        sample_limits(lneed, jj, n0, lv_at, m, lim, 150.0, BLOCK)
        assert np.all(lim[1:3, ::BLOCK] == 150.0)


@pytest.mark.parametrize("masked", [False, True])
def test_mark_needed_marks_what_the_reference_marks(masked) -> None:
    n0, lmax, step_m, radius_m, m = 48, 4, 90.0, 4000.0, 48
    rng = np.random.default_rng(5)
    for trial in range(4):
        lbt = rng.uniform(100.0, 150.0, (n0, m))
        lbt[rng.random((n0, m)) < 0.2] = math.inf
        lbt[:, :2] = -math.inf
        lneed = rng.uniform(115.0, 135.0, n0)
        first = rng.integers(1, 6, n0)
        count = rng.integers(m // 2, m + 1, n0)
        wanted = (rng.random((n0, m)) < 0.5).astype(np.uint8) if masked else np.zeros((0, 0), dtype=np.uint8)
        need = np.zeros((n0, m), dtype=np.uint8)
        mark_needed(lbt, lneed, n0, lmax, radius_m, step_m, first, count, need, wanted)
        ref = _mark_needed_reference(lbt, lneed, n0, lmax, radius_m, step_m, first, count, wanted)
        assert np.array_equal(need, ref), trial
        assert 0 < need.sum() < need.size


def _sector_limits(n0):
    """Three sectors: the limit of a radial ~25 dB lower between the sectors' axes than on them."""
    a = 2.0 * np.pi * np.arange(n0) / n0
    return 112.0 + 25.0 * np.maximum(np.cos(3.0 * a), 0.0) ** 2


def _sector_radials(f_mhz: float):
    """48 radials of 150 samples under three sectors: (n0, lmax, n, radius_m, lneed, t_site, site_tables, the
    anomalous-propagation floor, fill_levels)."""
    n0, lmax, n = 48, 4, 150
    radius_m = n * RES
    lneed = _sector_limits(n0)
    tables = site_tables(n, RES, f_mhz / 1000.0, 30.0, 1.5, DN, False)
    ap_lb = ap_floor_db(50.0, PHI, n * RES / 1000.0)
    return n0, lmax, n, radius_m, lneed, float(lneed.max()), tables, ap_lb, fill_levels(n, RES, radius_m, lmax)


@pytest.mark.parametrize(("f_mhz", "sea"), [(1800.0, False), (900.0, True)])
def test_per_sample_limits_keep_the_need_mask_on_rugged_radials_with_sectors(f_mhz, sea) -> None:
    n0, lmax, n, radius_m, lneed, t_site, tables, ap_lb, lv_at = _sector_radials(f_mhz)
    first = np.ones(n0, dtype=np.int64)
    count = np.full(n0, n, dtype=np.int64)
    site = np.full((n0, n), math.inf)
    own = np.full((n0, n), math.inf)
    staged = np.zeros((n0, n), dtype=bool)
    no_mask = np.zeros(0, dtype=np.uint8)
    lim = np.empty((4, n))
    args = (RES, f_mhz / 1000.0, 50.0, 30.0, 1.5, True, PHI, DN, N0_REFR, 50.0, 0.0, ap_lb, tables, 1)
    for j, (prof, r_m, zone) in enumerate(_radials(n0, n, seed=int(f_mhz), sea=sea)):
        out = np.full(n, np.nan)
        p1812_radial_bound(prof, r_m, zone, *args, out, no_mask, t_site)  # the site's largest limit (before w12)
        site[j, 1:] = out[1:]
        sample_limits(lneed, j, n0, lv_at, n, lim, math.nan, BLOCK)
        out = np.full(n, np.nan)
        radial_bound(prof, r_m, zone, *args, out, no_mask, lim)
        own[j, 1:] = out[1:]
        staged[j] = lim[3] > 0.0
        full = np.full(n, np.nan)
        p1812_radial_bound(prof, r_m, zone, *args, full, no_mask, math.inf)
        kept = ~staged[j]
        kept[:4] = False  # (samples 1-3: -inf, and 0 unset)
        assert np.array_equal(out[kept], full[kept])  # not staged: the full bound, to the bit
    needs = []
    for lbt in (site, own):
        need = np.zeros((n0, n), dtype=np.uint8)
        mark_needed(lbt, lneed, n0, lmax, radius_m, RES, first, count, need, np.zeros((0, 0), dtype=np.uint8))
        needs.append(need)
    assert np.array_equal(needs[0], needs[1])
    assert 0 < needs[0].sum() < 0.9 * needs[0].size
    # the per-sample limits let samples stop earlier, with lower (staged) values below the site's limit
    assert int(np.sum(staged & (own <= t_site))) > 50
    assert not np.array_equal(site, own)


def _site(every: int, f_mhz: float = 1800.0):
    """A site on a rugged DEM with three sectors (limits ~25 dB apart): the arguments of ``_reach_profiles``."""
    size, n0, lmax = 241, 64, 5
    dem = rugged_dem(size, RES, seed=11).values.astype(np.float64)
    count = np.full(n0, 110, dtype=np.int64)
    first = np.ones(n0, dtype=np.int64)
    nmax = int(count.max())
    radius_m = nmax * RES
    lneed = _sector_limits(n0) + 5.0
    fpar = np.zeros(kern.N_FPAR)
    fpar[kern.F_HTX], fpar[kern.F_HRX], fpar[kern.F_FREQ] = 30.0, 1.5, f_mhz
    fpar[kern.F_TIME], fpar[kern.F_LOC], fpar[kern.F_DN], fpar[kern.F_PHI] = 50.0, 50.0, DN, PHI
    fpar[kern.F_N0], fpar[kern.F_SIGL] = N0_REFR, 0.0
    fpar[kern.F_APLB] = ap_floor_db(50.0, PHI, nmax * RES / 1000.0)
    ipar = np.zeros(kern.N_IPAR, dtype=np.int64)
    ipar[kern.I_POL] = 1
    ipar[kern.I_P1812_EVERY] = every
    return (dem, 0, 0, size / 2, size / 2, RES, RES, RES, n0, lmax, radius_m, first, count, fpar, ipar,
            *NO_CLUTTER, lneed, nmax, False,  # no land cover: the engine's read-only empty arrays
            np.zeros((0, 0), dtype=np.uint8))


def test_the_bound_pass_keeps_the_site_bound_where_the_anchor_pass_reads_it() -> None:
    (_, _, _, _, _, _, _, step, n0, lmax, radius_m, first, count, fpar, _, _, _, lneed, nmax, _,
     _) = args = _site(4)
    need, lbt, zt, _, _ = sw._reach_profiles(*args)
    t_site = float(lneed.max())
    tables = site_tables(nmax + 1, step, 1.8, 30.0, 1.5, DN, False)
    ref = np.full((n0, nmax + 1), math.inf)
    zeros = np.zeros(nmax)
    zone = np.full(nmax, 4, dtype=np.int64)
    for j in range(n0):
        out = np.full(nmax, np.nan)
        p1812_radial_bound(zt[j, :nmax], zeros, zone, step, 1.8, 50.0, 30.0, 1.5, True, PHI, DN, N0_REFR, 50.0, 0.0,
                           fpar[kern.F_APLB], tables, 1, out, np.zeros(0, dtype=np.uint8), t_site)
        ref[j, 1:nmax] = out[1:]
    ref_need = np.zeros((n0, nmax + 1), dtype=np.uint8)
    mark_needed(ref, lneed, n0, lmax, radius_m, step, first, count, ref_need, np.zeros((0, 0), dtype=np.uint8))
    assert np.array_equal(need, ref_need)
    assert 0 < need.sum() < need.size // 2
    read = need > 0
    assert np.array_equal(lbt[read], ref[read])


@pytest.mark.parametrize(("f_mhz", "sea"), [(1800.0, False), (900.0, True)])
def test_the_refining_pass_evaluates_only_its_targets_and_keeps_their_values(f_mhz, sea) -> None:
    """Round w14: the sweep's refining pass (a fifth row of ``lim``) skips the samples and blocks without target
    and stops after the last target block; every target gets the same float as the 4-row call (w12-w13)."""
    from towerplan.coverage._reach_need import floor_limits

    n0, _, n, _, lneed, t_site, tables, ap_lb, lv_at = _sector_radials(f_mhz)
    args = (RES, f_mhz / 1000.0, 50.0, 30.0, 1.5, True, PHI, DN, N0_REFR, 50.0, 0.0, ap_lb, tables)
    no_mask = np.zeros(0, dtype=np.uint8)
    rng = np.random.default_rng(int(f_mhz))
    n_targets = skipped = 0
    for j, (prof, r_m, zone) in enumerate(_radials(n0, n, seed=int(f_mhz), sea=sea)):
        lim = np.empty((4, n))
        sample_limits(lneed, j, n0, lv_at, n, lim, math.nan, BLOCK)
        out = np.full(n, np.nan)
        radial_bound(prof, r_m, zone, *args, 1, out, no_mask, lim)
        cand = np.flatnonzero((lim[3] > 0.0) & (out <= t_site) & (np.arange(n) >= 4))
        targets = cand[rng.random(len(cand)) < 0.3]  # (the needed ones among them, in the sweep)
        if len(targets) == 0:
            continue
        n_targets += len(targets)
        start = max(1, int(targets[0]) - int(targets[0]) % BLOCK)
        res = []
        for rows in (4, 5):
            lr = np.full((rows, n), -math.inf)
            lr[0, targets] = t_site
            floor_limits(lr, n, math.nan, BLOCK)
            o = np.full(n, np.nan)
            radial_bound(prof, r_m, zone, *args, start, o, no_mask, lr)
            res.append(o)
        assert np.array_equal(res[0][targets], res[1][targets])  # the targets' values, to the bit
        assert np.all(np.isfinite(res[1][targets]))
        blocks = {int(t) // BLOCK for t in targets}
        idle = np.array([k >= start and k // BLOCK not in blocks for k in range(n)])
        # blocks without target: not evaluated, unless the rest of the radial is shown out of reach at one (its floor
        # is written from there on, as the 4-row call writes it)
        done = np.flatnonzero(idle & np.isfinite(res[1]))
        if len(done):
            assert np.all(res[1][done[0]:] == res[1][done[0]])
            assert np.array_equal(res[1][done[0]:], res[0][done[0]:])
        skipped += int(np.sum(idle & np.isfinite(res[0]) & np.isnan(res[1])))  # (the 4-row call's block floors)
    assert n_targets > 30
    assert skipped > 100
