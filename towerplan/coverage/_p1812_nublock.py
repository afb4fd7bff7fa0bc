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
``>=``. Since round w17 the bounds of a path are computed once, in one branch-free loop over
the blocks' limits kept in contiguous rows (:func:`block_limits`; it vectorises), a block's
points likewise, and the first block (from point 1) and the last, partial one (up to point
n-2) are bounded like the others instead of always scanned. Numba's ``cache=True`` keys kernels on
their own file: after editing this module delete ``towerplan/coverage/__pycache__/*.nb[ic]``.
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
def _bound(gmax_j, d_lo, d_hi, a_inv, c):
    """An upper bound of nu over intermediate points between distances ``d_lo`` and ``d_hi`` (0 < d_lo <= d_hi <
    dtot) whose largest g is at most ``gmax_j``: the largest g plus the largest curvature term, minus the smallest
    line height, times the smallest or largest square-root factor by its sign, plus a margin for the rounding of
    the bound against the points' own values. Branch-free (a select), so a loop of them vectorises."""
    dtot, inv_dtot, hts, hrs, c_fac = c
    dm = min(max(0.5 * dtot, d_lo), d_hi)
    p_max = dm * (dtot - dm)
    p_min = min(d_lo * (dtot - d_lo), d_hi * (dtot - d_hi))
    line_min = min(hts * (dtot - d_lo) + hrs * d_lo, hts * (dtot - d_hi) + hrs * d_hi) * inv_dtot
    hb = gmax_j + 500.0 * p_max * a_inv - line_min
    bound = hb * math.sqrt(c_fac / (p_min if hb >= 0.0 else p_max))
    return bound + 1e-9 * (1.0 + abs(bound))


@njit(cache=True)
def block_limits(d, n_all, dlo, dhi):
    """The distances of the first and last intermediate points of each block of ``BLOCK`` points of the radial into
    ``dlo`` / ``dhi`` (one value a block: block 0 from point 1, the last block up to point ``n_all - 1``): what the
    blocks' bounds (:func:`nu_max`) read, in contiguous rows."""
    for j in range((n_all + BLOCK - 1) // BLOCK):
        dlo[j] = d[max(j * BLOCK, 1)]
        dhi[j] = d[min(j * BLOCK + BLOCK - 1, n_all - 1)]


@njit(cache=True, inline="always")
def _scan(lo, hi, best, at, use_r, a_inv, d, inv_d, equi, n, h, r, c, vb):
    """(best, at) after the points lo .. hi - 1 (ties to the latest point, as the scan with ``>=``): their nu into
    ``vb[lo:hi]`` in one branch-free loop (it vectorises; the same operations, so the same values), then compared."""
    for i in range(lo, hi):
        vb[i] = _nu(i, use_r, a_inv, d, inv_d, equi, n, h, r, c)
    for i in range(lo, hi):
        v = vb[i]
        if v > best or (v == best and i > at):
            best = v
            at = i
    return best, at


@njit(cache=True, error_model="numpy")  # no zero-division branch: the bounds' loop vectorises
def nu_max(use_r, a_inv, d, inv_d, equi, n, h, r, gmax, c, dlo, dhi, bnd, vb):
    """(largest nu over points 1..n-2, its latest index); ``gmax``: :func:`block_maxima`'s h (``use_r``
    False) or h + r table; ``c`` = (dtot, 1 / dtot, hts, hrs, 0.002 dtot / lambda); ``dlo``, ``dhi``:
    :func:`block_limits` of the radial; ``bnd``, ``vb``: scratch of at least ``(n - 2) // BLOCK + 1`` and ``n``
    values (the blocks' bounds, computed once a path in one loop; the nu of a scanned block's points).

    The points 1..n-2 fall in the blocks 0 .. ``j_end``: block 0 from point 1 (point 0, the transmitter, is not
    intermediate), block ``j_end`` up to point n-2 (its table maximum covers the whole block, a superset: still an
    upper bound). The block with the largest bound is scanned first, then every other block whose bound reaches
    the best value so far; the value is the scan's to the bit, whatever the order."""
    k = n - 2
    best = -math.inf
    at = 1
    j_end = k // BLOCK  # the block of point k
    for j in range(j_end):  # whole blocks: one loop of bounds, no branch
        bnd[j] = _bound(gmax[j], dlo[j], dhi[j], a_inv, c)
    bnd[j_end] = _bound(gmax[j_end], dlo[j_end], d[k], a_inv, c)
    jb = 0
    bb = bnd[0]
    for j in range(1, j_end + 1):
        if bnd[j] > bb:
            bb = bnd[j]
            jb = j
    best, at = _scan(max(jb * BLOCK, 1), min(jb * BLOCK + BLOCK, k + 1), best, at, use_r, a_inv, d, inv_d, equi, n,
                     h, r, c, vb)
    for j in range(j_end + 1):
        if j == jb or bnd[j] < best:
            continue
        best, at = _scan(max(j * BLOCK, 1), min(j * BLOCK + BLOCK, k + 1), best, at, use_r, a_inv, d, inv_d, equi, n,
                         h, r, c, vb)
    return best, at
