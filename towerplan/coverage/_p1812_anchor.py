"""P.1812 along one radial with the exact loss only at anchor samples far from the site.

Beyond ``START_M`` from the site every ``every``-th needed sample is an anchor: its loss is the exact
P.1812-7 path (:func:`~towerplan.coverage._p1812_radial.p1812_radial_loss`). A sample between two
anchors ``a < i < b`` gets the reach bound's floor at ``i`` (:func:`~._p1812_reach.p1812_radial_bound`:
a lower bound of the Recommendation's loss built from the same path geometry: free space, the
Bullington knife edge of eqs 13-21, the spherical-earth excess of eq. 40, troposcatter eq. 44,
ducting eqs 46-56 and the blend of eqs 57-63) plus the gap ``exact - floor`` interpolated linearly
between the anchors, in the way ITM's radial interpolates between its Delta-h anchors
(:mod:`towerplan.coverage._itm_line`). The floor carries what changes from one sample to the next
(the receiver's height against the horizon, the diffraction geometry); the gap is what the floor
leaves out and varies slowly along a radial. The sample is computed exactly instead where the
interpolation cannot be trusted: an anchor is missing or not finite (the reach bound skipped it),
the floor is not finite, the zone (sea / land) or the clutter height differs between ``a``, ``i`` and
``b``, or the gap changes by more than ``GAP_TOL_DB`` between the anchors (a line-of-sight to
transhorizon transition, a new Bullington point, a new blend branch). Such an interval is halved:
its middle sample is computed exactly and each half tested again, down to single samples.

From ``FAR_M`` (6 km) on the anchors lie ``FAR_FACTOR`` (2) times further apart, and the radial's last
sample (the last one needed) is always an anchor. Measured as the anchors were (raster minus the exact
point-to-point oracle at 1,000 cells, ``bench/README.md``, round w9): P10 / P90 move by at most 0.09 dB on
held-out 20-30 km terrains, at least 0.46 dB inside issue 15's +-1 dB target.

``every = 1`` is the exact loss at every needed sample, bit for bit the plain radial
(``CoverageConfig.p1812_anchor_every``). Numba caches kernels per file: after editing this module
delete ``towerplan/coverage/__pycache__/*.nb[ic]``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from towerplan.coverage._p1812_kernels import p1812_path_k, path_constants, path_radii
from towerplan.coverage._p1812_profile import prefix_tables
from towerplan.coverage._p1812_radial import p1812_radial_loss

#: anchors only beyond this distance from the site (m): nearer, the geometry changes fast along a radial
START_M = 2000.0
#: from this distance from the site (m) the anchors lie ``FAR_FACTOR`` times further apart
FAR_M = 6000.0
FAR_FACTOR = 2
#: largest change of the gap (exact - floor, dB) between two anchors that is interpolated
GAP_TOL_DB = 2.0


@njit(cache=True)
def _next_anchor(a, every, far, n_all):
    """The anchor after ``a``: ``every`` samples on, ``FAR_FACTOR * every`` from sample ``far`` on, and the
    radial's last sample (the last one needed) when the spacing would pass it."""
    return min(a + (every if a < far else FAR_FACTOR * every), n_all - 1)


@njit(cache=True)
def _interpolable(lo, hi, out, floor, zone, r, need):
    """True if the samples between anchors ``lo`` and ``hi`` may take the floor plus the interpolated gap."""
    if not (math.isfinite(out[lo]) and math.isfinite(out[hi]) and math.isfinite(floor[lo])
            and math.isfinite(floor[hi])):
        return False
    if abs((out[hi] - floor[hi]) - (out[lo] - floor[lo])) > GAP_TOL_DB:
        return False
    for i in range(lo + 1, hi):
        if need[i] and not (math.isfinite(floor[i]) and zone[i] == zone[lo] and zone[i] == zone[hi]
                            and r[i] == r[lo] and r[i] == r[hi]):
            return False
    return True


@njit(cache=True, inline="always")  # in the anchored radial's loops
def _exact_at(i, path):
    """The exact P.1812 loss of sample ``i`` (:func:`~._p1812_kernels.p1812_path` on the radial's prefix tables);
    ``path``: the radial's arguments packed once by :func:`anchored_radial_loss`."""
    d, inv_d, z, r, zone, f_ghz, p, htg, hrg, vertical, phi_deg, dn, n0, pl, sigma_l, first_other, tables, dbg, kc = (
        path)
    return p1812_path_k(d, inv_d, True, z, r, zone, i + 1, f_ghz, p, htg, hrg, vertical, phi_deg, dn, n0, 500.0,
                        500.0, pl, sigma_l, i + 1 <= first_other, tables, dbg, kc)


@njit(cache=True, inline="always")
def _exact_between(lo, hi, need, out, path):
    """The exact loss of every needed sample strictly between ``lo`` and ``hi``; returns how many."""
    exact = 0
    for i in range(lo + 1, hi):
        if need[i]:
            out[i] = _exact_at(i, path)
            exact += 1
    return exact


@njit(cache=True)
def anchored_radial_loss(z, r, zone, step_m, f_ghz, p, htg, hrg, vertical, phi_deg, dn, n0, pl, sigma_l, first, out,
                         need, floor, every):
    """As :func:`~._p1812_radial.p1812_radial_loss` with ``need`` a mask (1: compute, else +inf); ``floor``:
    the reach bound of every sample (the same length as ``z``); ``every`` (>= 1): the anchor spacing in samples.

    Returns the number of samples computed exactly.
    """
    n_all = len(z)
    fi = max(first, 1)
    if every <= 1 or len(floor) < n_all or len(need) < n_all:
        p1812_radial_loss(z, r, zone, step_m, f_ghz, p, htg, hrg, vertical, phi_deg, dn, n0, pl, sigma_l, first, out,
                          need)
        if len(need) == 0:
            return max(n_all - fi, 0)
        exact = 0
        for i in range(fi, n_all):
            exact += 1 if need[i] else 0
        return exact
    i_start = max(math.ceil(START_M / step_m), fi, 4)
    near = np.zeros(n_all, dtype=np.uint8)
    exact = 0
    for i in range(min(i_start, n_all)):
        if need[i]:
            near[i] = 1
            exact += 1 if i >= fi else 0
    # the samples near the site (and the resampled short paths) as the plain radial; +inf from i_start on
    p1812_radial_loss(z, r, zone, step_m, f_ghz, p, htg, hrg, vertical, phi_deg, dn, n0, pl, sigma_l, first, out, near)
    if i_start >= n_all:
        return exact
    # beyond: the same exact paths as p1812_radial_loss, called directly on its tables
    d = np.empty(n_all)
    inv_d = np.empty(n_all)
    for k in range(n_all):
        d[k] = k * step_m / 1000.0
        inv_d[k] = 1000.0 / (k * step_m) if k > 0 else math.inf
    ae, ab = path_radii(dn)
    tables = prefix_tables(d, inv_d, z, r, n_all, z[0] + htg, ae, ab)
    dbg = np.empty(0)
    first_other = n_all  # first sample outside the inland zone
    for k in range(n_all):
        if zone[k] != 4:
            first_other = k
            break
    path = (d, inv_d, z, r, zone, f_ghz, p, htg, hrg, vertical, phi_deg, dn, n0, pl, sigma_l, first_other, tables, dbg,
            path_constants(f_ghz, p, pl, sigma_l))
    far = max(math.ceil(FAR_M / step_m), i_start)
    a = i_start
    while True:  # the anchors
        if need[a]:
            out[a] = _exact_at(a, path)
            exact += 1
        if a >= n_all - 1:
            break
        a = _next_anchor(a, every, far, n_all)
    stack = np.empty((2 * (FAR_FACTOR * every + 2), 2), dtype=np.int64)
    a = i_start
    while a < n_all - 1:
        b = _next_anchor(a, every, far, n_all)
        if not (need[a] and need[b]):  # an anchor out of reach: the needed samples between exactly
            exact += _exact_between(a, b, need, out, path)
            a = b
            continue
        top = 0
        stack[0, 0] = a
        stack[0, 1] = b
        top = 1
        while top > 0:
            top -= 1
            lo = stack[top, 0]
            hi = stack[top, 1]
            if hi - lo < 2:
                continue
            if _interpolable(lo, hi, out, floor, zone, r, need):
                g_lo = out[lo] - floor[lo]
                slope = ((out[hi] - floor[hi]) - g_lo) / (hi - lo)
                for i in range(lo + 1, hi):
                    if need[i]:
                        out[i] = floor[i] + g_lo + slope * (i - lo)
                continue
            m = (lo + hi) // 2
            if not need[m]:  # cannot halve on a sample out of reach: the needed ones exactly
                exact += _exact_between(lo, hi, need, out, path)
                continue
            out[m] = _exact_at(m, path)
            exact += 1
            stack[top, 0] = lo
            stack[top, 1] = m
            stack[top + 1, 0] = m
            stack[top + 1, 1] = hi
            top += 2
        a = b
    return exact
