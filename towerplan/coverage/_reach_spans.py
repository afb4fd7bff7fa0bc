"""Which cells of a site's window the fill can give a finite loss: one column span per window row.

The fill (:func:`~._kernels.fill_window`, :func:`~._fill_zones.fill_window_zones`) reads, for a cell at distance
``d`` and azimuth ``az``, samples ``i0 = max(int(d / step), 1)`` and ``i0 + 1`` of the two radials of the ring level
``floor(log2(R / d))`` around ``az`` (:func:`~._kernels.fill_samples`), and gives the cell the weighted mean of
those that are not NaN, or NaN when that mean is above the loss limit (a +inf sample, beyond a reach bound, makes
it +inf). So a cell can be finite only if one of its samples is finite and within the limit: with ``last[j]`` the
last such sample of radial ``j``, only if ``i0 <= max(last[j0], last[j1])``, i.e. ``d < (last + 1) * step``.
With three sectors the radials' reach differs by ~25 dB (:func:`~.reach.radial_loss_limits`), so the cells that
can be within reach form a star-shaped region much smaller than the window's square.

:func:`reach_spans` bounds that region and rasterises it per row, conservatively (a cell outside the span is
certainly NaN; a span may hold NaN cells):

1. per radial, ``last[j]`` (:func:`radial_last`), with the loss limit widened by 1e-3 dB for the rounding of the
   fill's mean (a mean of values above ``limit + 1e-3`` cannot round to ``limit``);
2. per fine wedge ``j`` (azimuths between radials ``j`` and ``j + 1``), the largest distance a cell in it can have
   and be finite (:func:`wedge_reach`): over the ring levels ``l``, ``(max(last) + 1.5) * step`` of the level's two
   radials around the wedge, capped at ``R / 2**l`` (a cell at level ``l >= 1`` is no further from the site), then
   the largest of the wedge and its two neighbours (a cell on a wedge's edge may round into the next one), capped
   at the fill's cut;
3. per block of :data:`BLOCK` x :data:`BLOCK` cells, whether its nearest point is within the largest reach of the
   wedges its azimuths span (their corners' azimuths, one wedge of margin either side; a range maximum in a sparse
   table, O(1) a block); each row's span runs from the first such block of its row of blocks to the last.

The passes visit only the span and write NaN (what the fill gives them) on the rest of the row, so every output is
bit-identical (``tests/test_reach_spans.py``: random tables with holes, +inf tails and NaN, the span never
excludes a cell the full fill makes finite).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["BLOCK", "radial_last", "reach_spans", "wedge_reach"]

#: side of the blocks (cells) whose reach is tested together: each row's span is a multiple of it
BLOCK = 8
#: slack on the loss limit for the rounding of the fill's weighted mean (dB)
_LIMIT_SLACK_DB = 1e-3


@njit(cache=True)
def radial_last(table, limit):
    """Per radial, the index of its last sample that is finite and ``<= limit`` (-1: none).

    From the end in blocks of :data:`_SCAN` samples, each tested without a branch per sample (the tails beyond
    the reach bound, +inf or NaN, are most of a radial: one test a sample was ~10 % of a province fill), then
    sample by sample in the block that holds one."""
    n0, n_samp = table.shape
    last = np.full(n0, -1, dtype=np.int64)
    for j in range(n0):
        row = table[j]
        i = n_samp  # samples i.. hold none
        while i >= _SCAN:
            hit = False
            for k in range(i - _SCAN, i):
                hit |= row[k] <= limit  # NaN and +inf: no
            if hit:
                break
            i -= _SCAN
        for k in range(i - 1, -1, -1):
            if row[k] <= limit:
                last[j] = k
                break
    return last


#: samples :func:`radial_last` tests at once
_SCAN = 16


@njit(cache=True)
def wedge_reach(last, lmax, radius_m, step_m, cut_m):
    """Per fine wedge ``j`` (azimuths between radials ``j`` and ``j + 1`` of ``n0 = last.size``): a distance
    beyond which no cell of the wedge (or of either neighbour wedge) can read a finite sample within reach."""
    n0 = last.shape[0]
    own = np.zeros(n0)
    for j in range(n0):
        best = 0.0
        for lvl in range(lmax + 1):
            s = 1 << lvl
            a = (j >> lvl) * s
            b = a + s
            if b >= n0:
                b -= n0
            top = max(last[a], last[b])
            if top < 0:
                continue
            reach = (top + 1.5) * step_m
            if lvl >= 1:  # cells at level lvl >= 1 lie within radius / 2**lvl
                reach = min(reach, radius_m / s * (1.0 + 1e-9) + 1e-6)
            best = max(best, reach)
        own[j] = best
    cap = cut_m * (1.0 + 1e-9) + 1e-6
    out = np.empty(n0)
    for j in range(n0):
        out[j] = min(max(own[j - 1], own[j], own[(j + 1) % n0]), cap)  # own[-1]: the last wedge
    return out


@njit(cache=True)
def _sparse_max(vals):
    """Sparse table of ``vals``: row ``k`` holds the maxima of windows of ``2**k`` values."""
    n = vals.shape[0]
    levels = 1
    while (1 << levels) <= n:
        levels += 1
    st = np.empty((levels, n))
    st[0] = vals
    for k in range(1, levels):
        half = 1 << (k - 1)
        for i in range(n):
            st[k, i] = max(st[k - 1, i], st[k - 1, i + half]) if i + half < n else st[k - 1, i]
    return st


@njit(cache=True, inline="always")
def _range_max(st, lo, hi):
    """Largest of ``vals[lo..hi]`` (inclusive, ``lo <= hi``)."""
    k = 0
    while (2 << k) <= hi - lo + 1:
        k += 1
    return max(st[k, lo], st[k, hi - (1 << k) + 1])


@njit(cache=True, inline="always")
def _wrap_max(st, n0, lo, hi):
    """Largest wedge reach over wedges ``lo..hi`` (indices taken modulo ``n0``, wrapping past 0)."""
    if hi - lo + 1 >= n0:
        return _range_max(st, 0, n0 - 1)
    lo %= n0
    hi %= n0
    if lo <= hi:
        return _range_max(st, lo, hi)
    return max(_range_max(st, lo, n0 - 1), _range_max(st, 0, hi))


@njit(cache=True, inline="always")
def _wedge(az, n0):
    """Fine wedge index of azimuth ``az`` (radians in [0, 2 pi]; unclamped, the caller adds its margin)."""
    return math.floor(az / (2.0 * math.pi) * n0)


@njit(cache=True)
def reach_spans(reaches, site_x, site_y, left, top, res_x, res_y, r_lo, c_lo, h, w):
    """(h, 2) int64: per row of the window (global cells from (``r_lo``, ``c_lo``), ``h`` x ``w``), the half-open
    column span ``[a, b)`` outside which no cell can be within any of ``reaches`` (a tuple of
    :func:`wedge_reach` arrays, the tables read; cells in a wedge are within reach of a table only closer than
    its value); ``a = b = 0`` for a row with none."""
    spans = np.zeros((h, 2), dtype=np.int64)
    if h == 0 or w == 0:
        return spans
    nbr = (h + BLOCK - 1) // BLOCK
    nbc = (w + BLOCK - 1) // BLOCK
    # corners of the blocks (cell edges), offsets from the site (m), and their azimuths
    xs = np.empty(nbc + 1)
    for k in range(nbc + 1):
        xs[k] = left + (c_lo + min(k * BLOCK, w)) * res_x - site_x
    ys = np.empty(nbr + 1)
    for k in range(nbr + 1):
        ys[k] = top - (r_lo + min(k * BLOCK, h)) * res_y - site_y  # decreasing with k
    az = np.empty((nbr + 1, nbc + 1))
    for a in range(nbr + 1):
        for b in range(nbc + 1):
            t = math.atan2(xs[b], ys[a])
            az[a, b] = t + 2.0 * math.pi if t < 0.0 else t
    tables = [(_sparse_max(reach), reach.shape[0]) for reach in reaches]
    for br in range(nbr):
        y_hi = ys[br]
        y_lo = ys[br + 1]
        dym = y_lo if y_lo > 0.0 else (-y_hi if y_hi < 0.0 else 0.0)
        first = -1
        last = -1
        for bc in range(nbc):
            x_lo = xs[bc]
            x_hi = xs[bc + 1]
            dxm = x_lo if x_lo > 0.0 else (-x_hi if x_hi < 0.0 else 0.0)
            inside = dxm == 0.0 and dym == 0.0  # the block holds the site
            if not inside:
                dmin = math.sqrt(dxm * dxm + dym * dym)
                a0 = min(az[br, bc], az[br, bc + 1], az[br + 1, bc], az[br + 1, bc + 1])
                a1 = max(az[br, bc], az[br, bc + 1], az[br + 1, bc], az[br + 1, bc + 1])
                wrap = y_lo > 0.0 and x_lo < 0.0 <= x_hi  # north of the site across azimuth 0
                for st, n0 in tables:
                    if wrap:  # from the left corners' azimuths (near 2 pi) past 0 to the right ones'
                        lo = _wedge(min(az[br, bc], az[br + 1, bc]), n0) - 1
                        hi = _wedge(max(az[br, bc + 1], az[br + 1, bc + 1]), n0) + 1 + n0
                    else:
                        lo = _wedge(a0, n0) - 1
                        hi = _wedge(a1, n0) + 1
                        if lo < 0:
                            lo += n0
                            hi += n0
                    if dmin <= _wrap_max(st, n0, lo, hi):
                        inside = True
                        break
            if inside:
                if first < 0:
                    first = bc
                last = bc
        if first >= 0:
            for r in range(br * BLOCK, min(br * BLOCK + BLOCK, h)):
                spans[r, 0] = first * BLOCK
                spans[r, 1] = min(last * BLOCK + BLOCK, w)
    return spans


@njit(cache=True)
def table_reach(table, lmax, radius_m, step_m, cut_m, limit):
    """:func:`wedge_reach` of a radial table whose cells are NaN above ``limit`` (dB)."""
    return wedge_reach(radial_last(table, limit + _LIMIT_SLACK_DB), lmax, radius_m, step_m, cut_m)
