"""P.1812 along one radial with the exact loss only at anchor samples far from the site.

Within ``START_M`` (1 km) of the site every needed sample is the exact P.1812-7 path
(:func:`~towerplan.coverage._p1812_kernels.p1812_path_k` on prefix tables built once per radial, as
:func:`~towerplan.coverage._p1812_radial.p1812_radial_loss` computes it). Beyond, each run of consecutive
needed samples gets anchors: its first sample, every ``spacing``-th sample after it and its last sample
(an anchor never falls on a sample the reach bound put out of reach). A sample between two anchors
``a < i < b`` gets the reach bound's floor at ``i`` (:func:`~._p1812_reach.p1812_radial_bound`: a lower
bound of the Recommendation's loss built from the same path geometry: free space, the Bullington knife
edge of eqs 13-21, the spherical-earth excess of eq. 40, troposcatter eq. 44, ducting eqs 46-56 and the
blend of eqs 57-63) plus the gap ``exact - floor`` interpolated linearly between the anchors, in the way
ITM's radial interpolates between its Delta-h anchors (:mod:`towerplan.coverage._itm_line`). The floor
carries what changes from one sample to the next (the receiver's height against the horizon, the
diffraction geometry); the gap is what the floor leaves out and varies slowly along a radial. An
interval is split where that cannot be trusted, at a sample computed exactly, and each part tested
again, down to single samples:

* an anchor or a floor is not finite, the zone (sea / land) differs between ``a``, ``i`` and ``b``, or
  the gap changes by more than the gap tolerance between the anchors (a line-of-sight to transhorizon
  transition, a new Bullington point, a new blend branch): split in the middle;
* the clutter height of the point *before* the receiver differs: the loss of sample ``i`` reads the
  clutter of points ``1 .. i-1`` only (section 3.2, eq. 1a: ``g = h + R`` at the intermediate points,
  the terminals stand on the ground), and its receiver-side Bullington slope (eq. 17) follows point
  ``i - 1``; split at the last sample before the change;
* the floor has a kink: a second difference above the kink tolerance inside the interval (the floor's
  line-of-sight Bullington term, a lower bound, jumps where the exact loss does not: the gap then
  spikes between anchors): split at the sharpest kink.

From ``FAR_M`` (6 km) on the anchors lie ``FAR_FACTOR`` (2) times further apart. The spacing, the gap
and kink tolerances follow the step (:func:`anchor_rules`): ``every`` samples with a 2 dB gap
tolerance; at steps where ``2 every`` samples stay within ``WIDE_M`` (the 30 m rasters) twice that with
a 1 dB tolerance; a 2 dB kink tolerance up to ``KINK_STEP_M``, growing with the step beyond (5 dB at
90 m: the floor's second differences grow with the step where it is smooth, its jumps do not). Tuned
on captured site groups (the demo at 30 m with land cover, the province at 90 m without) against the
exact loss of every needed sample, and checked with the point-to-point oracle (``bench/README.md``,
round w11).

``every = 1`` is the exact loss at every needed sample, bit for bit the plain radial
(``CoverageConfig.p1812_anchor_every``). Numba caches kernels per file: after editing this module
delete ``towerplan/coverage/__pycache__/*.nb[ic]``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from towerplan.coverage._p1812_radial import _MIN_POINTS, exact_at, p1812_radial_loss, radial_path

_SHORT = _MIN_POINTS - 1  # samples 0 .. 3: paths of under 5 points

#: anchors only beyond this distance from the site (m); nearer, every needed sample is exact
START_M = 1000.0
#: from this distance from the site (m) the anchors lie ``FAR_FACTOR`` times further apart
FAR_M = 6000.0
FAR_FACTOR = 2
#: at fine steps the anchors lie twice ``every`` samples apart, as long as that stays within this distance (m)
WIDE_M = 240.0
#: largest change of the gap (exact - floor, dB) between two anchors that is interpolated (halved where the
#: spacing is widened)
GAP_TOL_DB = 2.0
#: largest |second difference| of the floor (dB) inside an interval, up to a step of ``KINK_STEP_M``
KINK_DB = 2.0
KINK_STEP_M = 36.0


@njit(cache=True)
def anchor_rules(every, step_m):
    """(spacing in samples, gap tolerance dB, kink tolerance dB) of a radial of step ``step_m``."""
    widen = 2 if 2 * every * step_m <= WIDE_M else 1
    return every * widen, GAP_TOL_DB / widen, KINK_DB * max(1.0, step_m / KINK_STEP_M)


@njit(cache=True)
def _next_anchor(a, every, far, n_all):
    """The anchor after ``a``: ``every`` samples on, ``FAR_FACTOR * every`` from sample ``far`` on, and the
    radial's last sample (the last one needed) when the spacing would pass it."""
    return min(a + (every if a < far else FAR_FACTOR * every), n_all - 1)


@njit(cache=True)
def _split_at(lo, hi, out, floor, zone, r, gap_tol, kink_tol):
    """-1 if the samples between anchors ``lo`` and ``hi`` (all needed) may take the floor plus the interpolated
    gap; else the sample to compute exactly and split the interval at: the middle, or the last sample before the
    clutter of the point before the receiver changes, or the floor's sharpest kink."""
    mid = (lo + hi) // 2
    if not (math.isfinite(out[lo]) and math.isfinite(out[hi]) and math.isfinite(floor[lo])
            and math.isfinite(floor[hi])):
        return mid
    if abs((out[hi] - floor[hi]) - (out[lo] - floor[lo])) > gap_tol:
        return mid
    for i in range(lo + 1, hi):
        if not (math.isfinite(floor[i]) and zone[i] == zone[lo] and zone[i] == zone[hi]):
            return mid
        # sample i's loss reads the clutter of points 1 .. i-1 (eq. 1a; the terminals stand on the ground)
        if not (r[i - 1] == r[lo - 1] and r[i - 1] == r[hi - 1]):
            c = lo + 1
            while c < hi and r[c - 1] == r[lo - 1]:
                c += 1
            return c - 1 if c - 1 > lo else c
    worst = kink_tol
    at = -1
    for i in range(lo + 1, hi):
        k = abs(floor[i + 1] - 2.0 * floor[i] + floor[i - 1])
        if k > worst:
            worst = k
            at = i
    return at


@njit(cache=True)
def _interval(a, b, out, floor, zone, r, gap_tol, kink_tol, stack, path):
    """The needed samples strictly between anchors ``a`` and ``b`` (both exact, all needed); returns how many
    were computed exactly."""
    exact = 0
    stack[0, 0] = a
    stack[0, 1] = b
    top = 1
    while top > 0:
        top -= 1
        lo = stack[top, 0]
        hi = stack[top, 1]
        if hi - lo < 2:
            continue
        m = _split_at(lo, hi, out, floor, zone, r, gap_tol, kink_tol)
        if m < 0:
            g_lo = out[lo] - floor[lo]
            slope = ((out[hi] - floor[hi]) - g_lo) / (hi - lo)
            for i in range(lo + 1, hi):
                out[i] = floor[i] + g_lo + slope * (i - lo)
            continue
        out[m] = exact_at(m, path)
        exact += 1
        stack[top, 0] = lo
        stack[top, 1] = m
        stack[top + 1, 0] = m
        stack[top + 1, 1] = hi
        top += 2
    return exact


@njit(cache=True)
def anchored_radial_loss(z, r, zone, step_m, f_ghz, p, htg, hrg, vertical, phi_deg, dn, n0, pl, sigma_l, first, out,
                         need, floor, every):
    """As :func:`~._p1812_radial.p1812_radial_loss` with ``need`` a mask (1: compute, else +inf); ``floor``:
    the reach bound of every sample (the same length as ``z``); ``every`` (>= 1): the anchor spacing in samples
    (:func:`anchor_rules` widens it at fine steps).

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
    spacing, gap_tol, kink_tol = anchor_rules(every, step_m)
    i_start = min(max(math.ceil(START_M / step_m), fi, _SHORT), n_all)
    exact = 0
    for i in range(fi, n_all):
        if not need[i]:
            out[i] = math.inf
    # the paths of under 5 points, resampled as the plain radial does (its tables from those points only)
    k = min(_SHORT, n_all)
    p1812_radial_loss(z[:k], r[:k], zone[:k], step_m, f_ghz, p, htg, hrg, vertical, phi_deg, dn, n0, pl, sigma_l,
                      first, out[:k], need[:k])
    for i in range(fi, k):
        exact += 1 if need[i] else 0
    if k >= n_all:
        return exact
    # from 5 points on: the same exact paths as p1812_radial_loss, on prefix tables built once for the radial
    path = radial_path(z, r, zone, step_m, f_ghz, p, htg, hrg, vertical, phi_deg, dn, n0, pl, sigma_l)
    for i in range(max(k, fi), i_start):  # near the site every needed sample
        if need[i]:
            out[i] = exact_at(i, path)
            exact += 1
    far = max(math.ceil(FAR_M / step_m), i_start)
    stack = np.empty((2 * (FAR_FACTOR * spacing + 2), 2), dtype=np.int64)
    s = i_start
    while s < n_all:  # each run of needed samples: anchors from its first sample on, and its last sample
        while s < n_all and not need[s]:
            s += 1
        if s >= n_all:
            break
        e = s
        while e + 1 < n_all and need[e + 1]:
            e += 1
        out[s] = exact_at(s, path)
        exact += 1
        a = s
        while a < e:
            b = min(_next_anchor(a, spacing, far, n_all), e)
            out[b] = exact_at(b, path)
            exact += 1 + _interval(a, b, out, floor, zone, r, gap_tol, kink_tol, stack, path)
            a = b
        s = e + 1
    return exact
