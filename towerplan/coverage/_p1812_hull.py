"""Upper convex hulls of profile points, built along a radial, for the P.1812 reach bound.

The reach bound (:mod:`towerplan.coverage._p1812_reach`) needs, at every radial sample,
maxima over all the points before it of a slope towards the sample (the Bullington slopes
of eqs 13 and 17, the horizon angles of eqs 77 and 80) or of a linear function (the
obstruction height of eq. 89). Each maximum lies on the upper convex hull of the points,
which grows by one point per sample (amortised O(1)) and answers either query by binary
search. A hull lives in two rows of one buffer ``h`` of the radial (``h[row]``: the x, ``h[row + 1]``: the
y of its vertices), so that the per-sample code passes one array, not a view per hull (each array argument of
a numba call costs a reference-count update on the way in and out). Numba's ``cache=True`` keys kernels on
their own file: after editing this module delete ``towerplan/coverage/__pycache__/*.nb[ic]``.
"""

from __future__ import annotations

import math

from numba import njit


@njit(cache=True, inline="always")
def hull_push(h, row, m, x, y):
    """Add (x, y), x larger than every x so far, to the upper convex hull in rows ``row``, ``row + 1`` of ``h``
    (``m`` vertices); the new size."""
    hx = row
    hy = row + 1
    while m >= 2:
        cr = (h[hx, m - 1] - h[hx, m - 2]) * (y - h[hy, m - 2]) - (h[hy, m - 1] - h[hy, m - 2]) * (x - h[hx, m - 2])
        if cr < 0.0:
            break
        m -= 1
    h[hx, m] = x
    h[hy, m] = y
    return m + 1


@njit(cache=True, inline="always")
def hull_max_slope(h, row, m, qx, qy):
    """max over the hull's points of (y - qy) / (qx - x), ``qx`` right of them all: (value, hull index).

    On the upper hull the next vertex is better while Q lies strictly below the line of
    their edge, a condition that holds for a prefix of the edges (binary search).
    """
    hx = row
    hy = row + 1
    lo = 0
    hi = m - 1
    while lo < hi:
        mid = (lo + hi) // 2
        cr = (h[hx, mid + 1] - h[hx, mid]) * (qy - h[hy, mid]) - (h[hy, mid + 1] - h[hy, mid]) * (qx - h[hx, mid])
        if cr < 0.0:
            lo = mid + 1
        else:
            hi = mid
    best = -math.inf
    bk = lo
    for k in range(max(lo - 1, 0), min(lo + 2, m)):  # rounding at the turn
        v = (h[hy, k] - qy) / (qx - h[hx, k])
        if v > best:
            best = v
            bk = k
    return best, bk


@njit(cache=True, inline="always")
def hull_max_linear(h, row, m, s):
    """max over the hull's points of y + s x (the upper hull's edge slopes decrease: binary search)."""
    hx = row
    hy = row + 1
    lo = 0
    hi = m - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if h[hy, mid + 1] - h[hy, mid] > -s * (h[hx, mid + 1] - h[hx, mid]):
            lo = mid + 1
        else:
            hi = mid
    best = -math.inf
    for k in range(max(lo - 1, 0), min(lo + 2, m)):
        best = max(best, h[hy, k] + s * h[hx, k])
    return best
