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

from towerplan.coverage._kernels import fill_samples


@njit(cache=True)
def _fill_level(d, radius_m, lmax):
    """Ring level :func:`~towerplan.coverage._kernels.fill_window` uses at distance ``d`` from the site."""
    if d <= 0.0:
        return lmax
    return min(max(math.floor(math.log2(radius_m / d)), 0), lmax)


@njit(cache=True, parallel=True)
def mark_needed(lbt, lneed, n0, lmax, radius_m, step_m, first, count, need, wanted):
    """``need[j, i]`` = 1 where a cell that interpolates sample (j, i) may be within reach.

    A cell of :func:`~towerplan.coverage._kernels.fill_window` at distance d uses samples i0, i0 + 1 of the radials
    k s and (k + 1) s, s = 2**level(d). Sample (j, i) is skipped only if every sample that
    shares a cell with it has a lower bound above ``lneed[j]`` (the largest loss any sector
    can afford, plus the margin, over the angles of those cells): then those cells are out
    of reach with or without it, and the ones computed keep their exact values. ``wanted``
    (:func:`mark_wanted`; empty: every sample): only those samples can be needed.
    """
    masked = wanted.shape[0] > 0
    for j in prange(n0):  # each radial writes its own row of ``need``
        fi = min(max(first[j], 1), count[j] - 1)
        for i in range(fi, count[j]):
            if masked and not wanted[j, i]:
                continue
            best = math.inf
            for di in (-1, 0, 1):
                k = i + di
                if 0 <= k < lbt.shape[1]:
                    best = min(best, lbt[j, k])
            lv_hi = _fill_level((i - 1) * step_m, radius_m, lmax)
            lv_lo = _fill_level((i + 1) * step_m, radius_m, lmax)
            for lv in range(lv_lo, lv_hi + 1):
                s = 1 << lv
                if j % s != 0:
                    continue
                for jj in ((j - s) % n0, (j + s) % n0):
                    for di in (-1, 0, 1):
                        k = i + di
                        if 0 <= k < lbt.shape[1]:
                            best = min(best, lbt[jj, k])
            if best <= lneed[j]:
                need[j, i] = 1


@njit(cache=True)
def mark_wanted(n0, lmax, radius_m, step_m, site_x, site_y, left, top, res_x, res_y, rows, cols, n_samp, cut_m):
    """``wanted[j, i]`` = 1 for the radial samples a cell of (``rows``, ``cols``) interpolates.

    The same four samples per cell as :func:`~towerplan.coverage._kernels.fill_window`
    (global rows and columns; cells beyond ``cut_m`` are skipped). Samples no such cell
    reads can stay unevaluated without changing the loss at any of those cells.
    """
    wanted = np.zeros((n0, n_samp), dtype=np.uint8)
    for k in range(len(rows)):
        dy = top - (rows[k] + 0.5) * res_y - site_y
        dx = left + (cols[k] + 0.5) * res_x - site_x
        d = math.sqrt(dx * dx + dy * dy)
        if d > cut_m:
            continue
        j0, j1, i0, _, _ = fill_samples(dx, dy, d, n0, lmax, radius_m, step_m, n_samp)
        for jj in (j0, j1):
            wanted[jj, i0] = 1
            wanted[jj, i0 + 1] = 1
    return wanted
