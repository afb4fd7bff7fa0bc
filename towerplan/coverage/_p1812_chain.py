"""Upper convex hulls of every prefix of a profile at once, as parent chains (numba).

Along a radial each receiver's path is a prefix of the same profile, and the exact P.1812
path (:func:`~towerplan.coverage._p1812_profile.analyse_profile`) needs maxima over the
intermediate points of that prefix that are linear-fractional in the point's height:

* the obstruction height above the terminals' line and its two ratios (Attachment 1 of
  P.1812-7, eqs 89-91): h_i + s d_i and (h_i - hrs) / (D - d_i) in the frame (d, h);
* the receiver's horizon angle (eq. 80): (g_i - G) / (D - d_i) with g_i = h_i - 500 d_i^2 / ae
  and G = hrs - 500 D^2 / ae (eq. 80 multiplied out), in the frame (d, h - 500 d^2 / ae);
* the receiver-side Bullington slope Srim (eq. 17) likewise in (d, h + R - 500 d^2 / a),
  for a = ae and a = ab.

Each maximum lies on the upper convex hull of the prefix's points. The hulls are built
left to right by Andrew's monotone chain, recording for each point ``i`` the hull vertex
before it once ``i`` is added (``parent[i]``): the hull of the points 1..k is then the chain
k, parent[k], parent[parent[k]], ... down to point 1, for every k at once, so paths can be
queried in any order. Along the chain the quantity to maximise is unimodal (a linear
function, or the slope seen from a point to the right of every vertex), so its largest value
is found by walking the chain from k while the next vertex is better (a prefix's hull has
some ten vertices on the province's and the demo's radials; the walk stops at the peak).
Points on or below the line of their neighbours are dropped, so equal values at collinear
points go to the latest point, as the Recommendation's scans with ``>=`` do. The callers
evaluate their own expression at the vertices: the values are the Recommendation's to the
bit, except where points are exactly collinear (flat land, a plateau): their values, equal in
exact arithmetic, are rounded a few ulps apart by the scan, and the hull keeps one of them.

Numba's ``cache=True`` keys kernels on their own file: after editing this module delete
``towerplan/coverage/__pycache__/*.nb[ic]``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

#: the options of the P.1812 kernels that only read arrays their caller holds (``_nrt=False``: numba's runtime off,
#: so no reference counting of the arrays passed in, an atomic increment and decrement each, and no allocation; their
#: callees inherit it): some 15 % of the exact pass (bench/README.md, helper w14-exact)
BORROW: dict[str, Any] = {"_nrt": False}


@njit(cache=True, inline="always")
def rx_distance(d, inv_d, equi, n, i):
    """(dr, 1 / dr): the distance (km) from point i to the receiver, point n - 1 (read from the distances
    when the points are equidistant, as the Recommendation's scans in :mod:`._p1812_profile` read it)."""
    if equi:
        return d[n - 1 - i], inv_d[n - 1 - i]
    dr = d[n - 1] - d[i]
    return dr, 1.0 / dr


@njit(cache=True)
def prefix_chains(d, h, r, n_all, ae, ab):
    """Upper-hull parents ``up[q, i]`` of the points 1..i of the four profiles q that
    :func:`~._p1812_profile.analyse_profile` queries: (d, h), (d, h - 500 d^2 / ae),
    (d, h + r - 500 d^2 / ae), (d, h + r - 500 d^2 / ab); ``up[q, 1] = 0`` ends every chain."""
    up = np.zeros((4, n_all), dtype=np.int64)
    fill_chains(d, h, r, n_all, ae, ab, up, np.bool_(True))
    return up


@njit(cache=True)
def fill_chains(d, h, r, n_all, ae, ab, up, two):
    """:func:`prefix_chains` into rows 0-3 of ``up`` (zeros, at least 4 rows of ``n_all``): the tables of
    :func:`~._p1812_profile.prefix_tables` keep their other integer rows below them (one array to pass).
    ``two`` False leaves hull 3 (radius ab, read for time percentages below 50 only) empty. Hull 2's points are hull
    1's up to the first point ``i0`` >= 1 with clutter (h + 0.0 - c is h - c to the bit): the parents of the points
    before it are hull 1's, copied, and the chain is built from ``i0`` on (round w18: the demo's far radials are
    clutter-free over ~2/3 of their needed prefixes)."""
    i0 = 1  # the first point from 1 on with clutter (n_all: none)
    while i0 < n_all and r[i0] == 0.0:
        i0 += 1
    no_r = i0 >= n_all and (n_all == 0 or r[0] == 0.0)
    y = np.empty((4, n_all))  # the rows of the hulls built (hull 2 is hull 1 without clutter, hull 3 only if two)
    for i in range(n_all):
        di = d[i]
        c2 = 500.0 * di * di
        y[0, i] = h[i]
        y[1, i] = h[i] - c2 / ae
        if not no_r:
            y[2, i] = h[i] + r[i] - c2 / ae
        if two:
            y[3, i] = h[i] + r[i] - c2 / ab
    for q in range(4 if two else 3):
        if q == 2 and no_r:  # without clutter hull 2 is hull 1 (the same heights to the bit)
            up[2, :] = up[1, :]
            continue
        i_from = 2
        if q == 2:  # up to the first point with clutter hull 2 is hull 1 (its points' heights the same floats)
            up[2, :i0] = up[1, :i0]
            i_from = max(i0, 2)
        for i in range(i_from, n_all):
            top = i - 1
            xi = d[i]
            yi = y[q, i]
            while True:
                a = up[q, top]
                if a < 1:
                    break
                # drop top when on or below the segment from a to i
                if (y[q, top] - y[q, a]) * (xi - d[a]) > (yi - y[q, a]) * (d[top] - d[a]):
                    break
                top = a
            up[q, i] = top


@njit(cache=True, inline="always")
def _val(kind, i, d, inv_d, equi, n, h, r, c):
    """The quantity ``kind`` at point i, written as the Recommendation's scan writes it (see
    :func:`~._p1812_profile.analyse_profile`); ``c`` = (dtot, inv_dtot, hts, hrs, inv2ae, inv_ae, inv_ab)."""
    _, inv_dtot, hts, hrs, inv2ae, inv_ae, inv_ab = c
    di = d[i]
    dr, idr = rx_distance(d, inv_d, equi, n, i)
    if kind == 0:  # obstruction height above the terminals' line (eq. 89)
        return h[i] - (hts * dr + hrs * di) * inv_dtot
    if kind == 1:  # its ratio to the distance from the receiver (eq. 91)
        return (h[i] - (hts * dr + hrs * di) * inv_dtot) * idr
    if kind == 2:  # receiver elevation angle (eq. 80, before the arctangent)
        return (h[i] - hrs) * 0.001 * idr - dr * inv2ae
    if kind == 3:  # receiver-side Bullington slope (eq. 17), radius ae
        return (h[i] + r[i] + 500.0 * di * dr * inv_ae - hrs) * idr
    return (h[i] + r[i] + 500.0 * di * dr * inv_ab - hrs) * idr  # the same, radius ab


@njit(cache=True, inline="always")
def chain_max(up, q, k, kind, d, inv_d, equi, n, h, r, c):
    """(index, value) of the largest ``kind`` value over hull ``q``'s chain from k (ties: the latest point).

    The value rises, then falls, from k along the chain: walk while the next vertex is strictly better.
    """
    v = k
    val = _val(kind, v, d, inv_d, equi, n, h, r, c)
    while True:
        p = up[q, v]
        if p < 1:
            return v, val
        pv = _val(kind, p, d, inv_d, equi, n, h, r, c)
        if not pv > val:
            return v, val
        v = p
        val = pv
