"""Upper convex hulls of profile points, built along a radial, for the P.1812 reach bound.

The reach bound (:mod:`towerplan.coverage._p1812_reach`) needs, at every radial sample,
maxima over all the points before it of a slope towards the sample (the Bullington slopes
of eqs 13 and 17, the horizon angles of eqs 77 and 80) or of a linear function (the
obstruction height of eq. 89). Each maximum lies on the upper convex hull of the points,
which grows by one point per sample (amortised O(1)) and answers either query by binary
search. Numba's ``cache=True`` keys kernels on their own file: after editing this module
delete ``towerplan/coverage/__pycache__/*.nb[ic]``.
"""

from __future__ import annotations

import math

from numba import njit


@njit(cache=True)
def hull_push(hx, hy, m, x, y):
    """Add (x, y), x larger than every x so far, to the upper convex hull hx/hy[:m]; the new size."""
    while m >= 2:
        cr = (hx[m - 1] - hx[m - 2]) * (y - hy[m - 2]) - (hy[m - 1] - hy[m - 2]) * (x - hx[m - 2])
        if cr < 0.0:
            break
        m -= 1
    hx[m] = x
    hy[m] = y
    return m + 1


@njit(cache=True)
def hull_max_slope(hx, hy, m, qx, qy):
    """max over the points of (y - qy) / (qx - x), ``qx`` right of them all: (value, hull index).

    On the upper hull the next vertex is better while Q lies strictly below the line of
    their edge, a condition that holds for a prefix of the edges (binary search).
    """
    lo = 0
    hi = m - 1
    while lo < hi:
        mid = (lo + hi) // 2
        cr = (hx[mid + 1] - hx[mid]) * (qy - hy[mid]) - (hy[mid + 1] - hy[mid]) * (qx - hx[mid])
        if cr < 0.0:
            lo = mid + 1
        else:
            hi = mid
    best = -math.inf
    bk = lo
    for k in range(max(lo - 1, 0), min(lo + 2, m)):  # rounding at the turn
        v = (hy[k] - qy) / (qx - hx[k])
        if v > best:
            best = v
            bk = k
    return best, bk


@njit(cache=True)
def hull_max_linear(hx, hy, m, s):
    """max over the points of y + s x (the upper hull's edge slopes decrease: binary search)."""
    lo = 0
    hi = m - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if hy[mid + 1] - hy[mid] > -s * (hx[mid + 1] - hx[mid]):
            lo = mid + 1
        else:
            hi = mid
    best = -math.inf
    for k in range(max(lo - 1, 0), min(lo + 2, m)):
        best = max(best, hy[k] + s * hx[k])
    return best
