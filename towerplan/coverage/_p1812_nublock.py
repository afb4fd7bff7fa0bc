"""The largest Bullington diffraction parameter of a line-of-sight path, block by block (numba).

When the path of the Bullington construction is in line of sight (P.1812-7 section 4.3.1,
eq. 15), the loss uses the largest

    nu_i = (g_i + 500 d_i (D - d_i) / a - (hts (D - d_i) + hrs d_i) / D) sqrt(0.002 D / (lambda d_i (D - d_i)))

over the intermediate points (g = h for the horizon point of eq. 81, g = h + R for the
Bullington losses). The points are grouped in blocks of ``BLOCK`` (fixed along the radial);
per radial the largest g of each block is a table (:func:`block_maxima`); per path a block's
nu is bounded above by its largest g plus the largest curvature term, minus the smallest
line height, times the smallest or largest square-root factor by the bound's sign. Only the
blocks whose bound reaches the best value found so far (the block with the largest bound
first) are scanned point by point, with the Recommendation's expression: the result is the
maximum over every point to the bit, and ties go to the latest point as in the scan with
``>=``. Numba's ``cache=True`` keys kernels on their own file: after editing this module
delete ``towerplan/coverage/__pycache__/*.nb[ic]``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from towerplan.coverage._p1812_chain import rx_distance

#: points per block
BLOCK = 16


@njit(cache=True)
def block_maxima(h, r, n_all):
    """(largest h, largest h + r) of each block of ``BLOCK`` points of the radial."""
    nb = (n_all + BLOCK - 1) // BLOCK
    bh = np.full(nb, -math.inf)
    bg = np.full(nb, -math.inf)
    for i in range(n_all):
        j = i // BLOCK
        bh[j] = max(bh[j], h[i])
        bg[j] = max(bg[j], h[i] + r[i])
    return bh, bg


@njit(cache=True, inline="always")
def _nu(i, use_r, a_inv, d, inv_d, equi, n, h, r, c):
    """nu of point i (eq. 15) written as the Recommendation's scan in ``analyse_profile`` writes it."""
    _, inv_dtot, hts, hrs, c_fac = c
    di = d[i]
    dr, idr = rx_distance(d, inv_d, equi, n, i)
    fac = math.sqrt(c_fac * inv_d[i] * idr)
    b = 500.0 * di * dr
    line = (hts * dr + hrs * di) * inv_dtot
    if use_r:
        return (h[i] + r[i] + b * a_inv - line) * fac
    return (h[i] + b * a_inv - line) * fac


@njit(cache=True, inline="always")
def _bound(j, gmax, a_inv, d, c):
    """An upper bound of nu over block j (points j BLOCK .. j BLOCK + BLOCK - 1, all intermediate)."""
    dtot, inv_dtot, hts, hrs, c_fac = c
    d_lo = d[j * BLOCK]
    d_hi = d[j * BLOCK + BLOCK - 1]
    dm = min(max(0.5 * dtot, d_lo), d_hi)
    p_max = dm * (dtot - dm)
    p_min = min(d_lo * (dtot - d_lo), d_hi * (dtot - d_hi))
    line_min = min(hts * (dtot - d_lo) + hrs * d_lo, hts * (dtot - d_hi) + hrs * d_hi) * inv_dtot
    hb = gmax[j] + 500.0 * p_max * a_inv - line_min
    bound = hb * math.sqrt(c_fac / (p_min if hb >= 0.0 else p_max))
    return bound + 1e-9 * (1.0 + abs(bound))  # rounding of the bound against the points' own


@njit(cache=True)
def nu_max(use_r, a_inv, d, inv_d, equi, n, h, r, gmax, c):
    """(largest nu over points 1..n-2, its latest index); ``gmax``: :func:`block_maxima`'s h (``use_r``
    False) or h + r table; ``c`` = (dtot, 1 / dtot, hts, hrs, 0.002 dtot / lambda)."""
    k = n - 2
    best = -math.inf
    at = 1
    j_first = 1  # block 0 holds the transmitter: scanned point by point
    j_end = (k + 1) // BLOCK  # blocks j_first .. j_end - 1 end at or before k
    # the block with the largest bound first, then the rest where the bound reaches the best
    jb = -1
    bb = -math.inf
    for j in range(j_first, j_end):
        b = _bound(j, gmax, a_inv, d, c)
        if b > bb:
            bb = b
            jb = j
    if jb >= 0:
        for i in range(jb * BLOCK, jb * BLOCK + BLOCK):
            v = _nu(i, use_r, a_inv, d, inv_d, equi, n, h, r, c)
            if v > best or (v == best and i > at):
                best = v
                at = i
    for i in range(1, min(j_first * BLOCK, k + 1)):
        v = _nu(i, use_r, a_inv, d, inv_d, equi, n, h, r, c)
        if v > best or (v == best and i > at):
            best = v
            at = i
    for j in range(j_first, j_end):
        if j == jb or _bound(j, gmax, a_inv, d, c) < best:
            continue
        for i in range(j * BLOCK, j * BLOCK + BLOCK):
            v = _nu(i, use_r, a_inv, d, inv_d, equi, n, h, r, c)
            if v > best or (v == best and i > at):
                best = v
                at = i
    for i in range(max(j_end * BLOCK, j_first * BLOCK), k + 1):
        v = _nu(i, use_r, a_inv, d, inv_d, equi, n, h, r, c)
        if v > best or (v == best and i > at):
            best = v
            at = i
    return best, at
