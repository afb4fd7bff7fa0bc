"""Which radial samples of a site to compute: the cells' view of a reach bound (any model).

A model's reach bound (:mod:`towerplan.coverage._p1812_reach` for P.1812,
:mod:`towerplan.coverage._hata_reach` for Hata / COST-231) gives a lower bound of the loss of every
radial sample; :func:`mark_needed` keeps a sample only where a cell of the fill
(:func:`towerplan.coverage._kernels.fill_window`) that reads it may be within reach, and
:func:`mark_wanted` lists the samples the cells that matter read (the coverage matrix's
demand cells). Numba's ``cache=True`` keys kernels on their own file: after editing this
module delete ``towerplan/coverage/__pycache__/*.nb[ic]``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from towerplan.coverage._cell_levels import cell_samples
from towerplan.coverage._kernels import fill_level


@njit(cache=True)
def fill_levels(n, step_m, radius_m, lmax):
    """``lv[k + 2]`` = the ring level of :func:`~._kernels.fill_level` at distance ``k * step_m``, k = -2 .. n + 1 (the
    distances :func:`mark_needed` and :func:`sample_limits` ask about, computed as they would: ``k * step_m``)."""
    lv = np.empty(n + 4, dtype=np.int64)
    for k in range(-2, n + 2):
        lv[k + 2] = fill_level(k * step_m, radius_m, lmax)
    return lv


@njit(cache=True, parallel=True, nogil=True)
def mark_needed(lbt, lneed, n0, lmax, radius_m, step_m, first, count, need, wanted):
    """``need[j, i]`` = 1 where a cell that interpolates sample (j, i) may be within reach.

    A cell of :func:`~towerplan.coverage._kernels.fill_window` at distance d uses samples i0, i0 + 1 of the radials
    k s and (k + 1) s, s = 2**level(d). Sample (j, i) is skipped only if every sample that
    shares a cell with it has a lower bound above ``lneed[j]`` (the largest loss any sector
    can afford, plus the margin, over the angles of those cells): then those cells are out
    of reach with or without it, and the ones computed keep their exact values. ``wanted``
    (:func:`mark_wanted`; empty: every sample): only those samples can be needed.

    The samples read for (j, i): ``lbt[j, i-1..i+1]`` and, for each level lv from level((i + 1) step) to
    level((i - 1) step) with ``j % 2**lv == 0``, ``lbt[j +- 2**lv, i-1..i+1]`` (:func:`sample_limits` is the same
    relation seen from the sample read). Computed as the minimum over i-1..i+1 of every row once (with ``wanted``:
    where a wanted sample reads it, :func:`_need_row`), then per level, stopping at the first within
    ``lneed[j]``: the same mask as the minimum over all of them (a minimum is exact, and a set holds a value <= the
    limit if and only if its minimum is).
    """
    masked = wanted.shape[0] > 0
    m = lbt.shape[1]
    lv_at = fill_levels(m, step_m, radius_m, lmax)  # lv_at[k + 2]: level at k * step_m
    if masked:  # only the wanted samples: their minima where read, no table (round w20)
        for j in prange(n0):
            _need_row(lbt, False, lneed, n0, lmax, lv_at, first, count, need, wanted, j)
        return
    rmin = np.empty_like(lbt)
    for j in prange(n0):
        for i in range(m):
            rmin[j, i] = _min3(lbt, j, i)
    for j in prange(n0):  # each radial writes its own row of ``need``
        _need_row(rmin, True, lneed, n0, lmax, lv_at, first, count, need, wanted, j)


@njit(cache=True, inline="always")
def _min3(lbt, j, i):
    """The least of ``lbt[j, i-1..i+1]`` (within the row)."""
    best = lbt[j, i]
    if i > 0:
        best = min(best, lbt[j, i - 1])
    if i + 1 < lbt.shape[1]:
        best = min(best, lbt[j, i + 1])
    return best


@njit(cache=True, inline="always")
def _lowest(src, table, j, i):
    """:func:`_min3` of the bound at (``j``, ``i``): read from ``src`` = the table of every minimum (``table``), or
    taken from ``src`` = the bound itself where it is read."""
    return src[j, i] if table else _min3(src, j, i)


@njit(cache=True, inline="always")
def _need_row(src, table, lneed, n0, lmax, lv_at, first, count, need, wanted, j):
    """Row ``j`` of :func:`mark_needed` (``src`` and ``table`` as :func:`_lowest`). With a ``wanted`` mask only its
    samples are tested, each minimum taken where it is read: the table is a pass over every sample of the site
    (2.9 MB a matrix candidate at 90 m) where the wanted samples are a fraction (``bench/README.md``, round w20);
    the same comparisons of the same floats either way: the same mask."""
    masked = wanted.shape[0] > 0
    fi = min(max(first[j], 1), count[j] - 1)
    tz = 0  # the levels lv with j % 2**lv == 0: lv <= tz
    while tz < lmax and j % (2 << tz) == 0:
        tz += 1
    lim = lneed[j]
    for i in range(fi, count[j]):
        if masked and not wanted[j, i]:
            continue
        if _lowest(src, table, j, i) <= lim:
            need[j, i] = 1
            continue
        lv_hi = min(lv_at[i + 1], tz)  # level((i - 1) step), lv_at[(i - 1) + 2]
        for lv in range(lv_at[i + 3], lv_hi + 1):  # from level((i + 1) step)
            s = 1 << lv
            if _lowest(src, table, (j - s) % n0, i) <= lim or _lowest(src, table, (j + s) % n0, i) <= lim:
                need[j, i] = 1
                break


@njit(cache=True)
def sample_limits(lneed, jj, n0, lv_at, n, lim, t_floors, block):
    """The largest limit :func:`mark_needed` compares sample (``jj``, k) with, for k < ``n``: ``lim[0, k]``; at each
    block start k (a multiple of ``block``) the limits of the reach bound's floors of the rest of the radial
    (``lim[1, k]``) and of the block k .. k + ``block`` - 1 (``lim[2, k]``): ``t_floors``, or where that is NaN the
    largest of ``lim[0]`` over those samples (:func:`floor_limits`). ``lv_at``: :func:`fill_levels`.

    :func:`mark_needed` reads sample (jj, k) for need[j, i] with i in k-1..k+1 and either j = jj or, for a level
    lv in [level((i + 1) step), level((i - 1) step)] with ``j % 2**lv == 0``, j = jj -+ 2**lv (mod n0); the union
    over those i is lv in [level((k + 2) step), level((k - 2) step)] (the level does not rise with distance).
    need[j, i] compares with ``lneed[j]``, so T(jj, k) = the largest ``lneed[j]`` over those j (markings at i
    outside a radial's range are included: a larger limit only skips less). A value above T(jj, k) at (jj, k)
    makes every comparison that reads it come out "above"; where that value is a cheaper stage's, at most the full
    bound (stages 0 and 1 of :mod:`._p1812_reach`), the full bound's comparisons come out the same: the mask is
    the same as with the full bound (or the site's largest limit) there.
    """
    lmax = lv_at[0]  # the level at -2 steps: the largest
    by_level = np.empty(lmax + 1)
    for lv in range(lmax + 1):
        s = 1 << lv
        t = -math.inf
        j1 = (jj - s) % n0
        if j1 % s == 0:
            t = lneed[j1]
        j2 = (jj + s) % n0
        if j2 % s == 0:
            t = max(t, lneed[j2])
        by_level[lv] = t
    own = lneed[jj]
    lo_prev = -1
    hi_prev = -1
    t = own
    for k in range(n):
        lo = lv_at[k + 4]  # level((k + 2) step)
        hi = lv_at[k]  # level((k - 2) step)
        if lo != lo_prev or hi != hi_prev:
            t = own
            for lv in range(lo, hi + 1):
                t = max(t, by_level[lv])
            lo_prev = lo
            hi_prev = hi
        lim[0, k] = t
    floor_limits(lim, n, t_floors, block)


@njit(cache=True)
def floor_limits(lim, n, t_floors, block):
    """Rows 1 and 2 of ``lim`` at each block start k < ``n`` (a multiple of ``block``): ``t_floors``, or where that
    is NaN the largest of ``lim[0]`` from k to ``n`` - 1 (row 1) and over the block k .. k + ``block`` - 1 (row 2)."""
    top = -math.inf
    blk = -math.inf
    for k in range(n - 1, -1, -1):
        top = max(top, lim[0, k])
        blk = max(blk, lim[0, k])
        if k % block == 0:
            lim[1, k] = top if math.isnan(t_floors) else t_floors
            lim[2, k] = blk if math.isnan(t_floors) else t_floors
            blk = -math.inf


@njit(cache=True)
def mark_wanted(n0, lmax, radius_m, step_m, site_x, site_y, left, top, res_x, res_y, rows, cols, n_samp, cut_m):
    """``wanted[j, i]`` = 1 for the radial samples a cell of (``rows``, ``cols``) interpolates.

    The same four samples per cell as :func:`~towerplan.coverage._kernels.fill_window`
    (global rows and columns; cells beyond ``cut_m`` are skipped;
    :func:`~towerplan.coverage._cell_levels.cell_samples`, which also keeps them per cell). Samples no
    such cell reads can stay unevaluated without changing the loss at any of those cells.
    """
    wanted = np.zeros((n0, n_samp), dtype=np.uint8)
    cell_samples(n0, lmax, radius_m, step_m, site_x, site_y, left, top, res_x, res_y, rows, cols, n_samp, cut_m,
                 wanted, np.empty((len(rows), 3), dtype=np.int64), np.empty((len(rows), 3)))
    return wanted
