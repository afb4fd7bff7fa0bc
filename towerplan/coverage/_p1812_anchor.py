"""P.1812 along one radial with the exact loss only at anchor samples.

The paths of under 5 points (samples 1-3) are exact as :func:`~._p1812_radial.p1812_radial_loss` computes
them; from sample 4 on each run of consecutive needed samples gets anchors: its first sample, every
``spacing``-th sample after it and its last sample (an anchor never falls on a sample the reach bound put
out of reach), each the exact P.1812-7 path (:func:`~towerplan.coverage._p1812_kernels.p1812_path_k` on
prefix tables built once per radial). A sample between two samples computed exactly (knots) gets the
reach bound's floor at ``i`` (:func:`~._p1812_reach.p1812_radial_bound`: a lower bound of the
Recommendation's loss built from the same path geometry: free space, the Bullington knife edge of eqs
13-21, the spherical-earth excess of eq. 40 (not at steps up to 36 m since round w16: there the floor is the
bound's stage 1, ``_p1812_reach._SWEEP_EXCESS``), troposcatter eq. 44, ducting eqs 46-56 and the blend of eqs
57-63) plus the gap ``exact - floor`` interpolated between the knots, in the way ITM's radial interpolates
between its Delta-h anchors (:mod:`towerplan.coverage._itm_line`): by the monotone piecewise cubic of the
run's knots (:func:`_fill_run`; Fritsch & Carlson 1980), which follows the gap's curvature across
neighbouring intervals and stays within the gaps of the interval's two knots. The floor carries what
changes from one sample to the next (the receiver's height against the horizon, the diffraction
geometry); the gap is what the floor leaves out and varies slowly along a radial. An interval is split
where that cannot be trusted, at a sample computed exactly, and each part tested again, down to single
samples:

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
exact loss of every needed sample (``bench/README.md``, rounds w11 and w13: round w11 computed every
needed sample within 1 km of the site and interpolated the gap linearly; the monotone cubic is more
accurate at every percentile, and with it the samples near the site interpolate as well as the far ones).

``every = 1`` is the exact loss at every needed sample, bit for bit the plain radial
(``CoverageConfig.p1812_anchor_every``). Numba caches kernels per file: after editing this module
delete ``towerplan/coverage/__pycache__/*.nb[ic]``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from towerplan.coverage._p1812_chain import BORROW
from towerplan.coverage._p1812_radial import _MIN_POINTS, exact_at, p1812_radial_loss_k, radial_path, short_paths

_SHORT = _MIN_POINTS - 1  # samples 0 .. 3: paths of under 5 points

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


@njit(cache=True, **BORROW)
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


@njit(cache=True, **BORROW)
def _interval(a, b, out, floor, zone, r, gap_tol, kink_tol, stack, path, knot):
    """Splits the needed samples strictly between anchors ``a`` and ``b`` (both exact, all needed) until every
    part may be interpolated, marking the samples computed exactly in ``knot``; returns how many there were."""
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
        if m < 0:  # interpolated once the run's knots are all known (_fill_run)
            continue
        out[m] = exact_at(m, path)
        knot[m] = 1
        exact += 1
        stack[top, 0] = lo
        stack[top, 1] = m
        stack[top + 1, 0] = m
        stack[top + 1, 1] = hi
        top += 2
    return exact


@njit(cache=True)
def _knot_slope(x0, g0, x1, g1, x2, g2):
    """The slope at ``x1`` of the monotone piecewise cubic through ``(x0, g0), (x1, g1), (x2, g2)``: the
    weighted harmonic mean of the two secants, 0 where they differ in sign or one is flat (Fritsch & Butland
    1984, the slopes of Fritsch & Carlson's monotone interpolation, SIAM J. Numer. Anal. 17 (1980) 238-246)."""
    h0 = x1 - x0
    h1 = x2 - x1
    d0 = (g1 - g0) / h0
    d1 = (g2 - g1) / h1
    if not d0 * d1 > 0.0:
        return 0.0
    w0 = 2.0 * h1 + h0
    w1 = h1 + 2.0 * h0
    return (w0 + w1) / (w0 / d0 + w1 / d1)


@njit(cache=True, **BORROW)
def _fill_run(s, e, out, floor, knot):
    """The samples of the run ``s .. e`` (its first and last samples are knots) that are not knots: the floor
    plus the gap ``exact - floor`` of the knots, interpolated between the two knots around each sample by the
    monotone cubic Hermite whose slopes at those knots come from their neighbouring knots (:func:`_knot_slope`;
    the secant where a neighbour is missing or not finite). Between two knots the gap stays within theirs."""
    before = np.int64(-1)  # not Literal[int](-1): one signature of _knot_slope
    last = s
    i = s + 1
    while i <= e:
        if knot[i]:
            before = last
            last = i
            i += 1
            continue
        lo = last
        hi = i + 1
        while not knot[hi]:
            hi += 1
        nxt = hi + 1
        while nxt <= e and not knot[nxt]:
            nxt += 1
        g_lo = out[lo] - floor[lo]
        g_hi = out[hi] - floor[hi]
        h = float(hi - lo)
        m_lo = m_hi = (g_hi - g_lo) / h
        g_b = out[before] - floor[before] if before >= 0 else math.nan
        g_n = out[nxt] - floor[nxt] if nxt <= e else math.nan
        if math.isfinite(g_b):
            m_lo = _knot_slope(before, g_b, lo, g_lo, hi, g_hi)
        if math.isfinite(g_n):
            m_hi = _knot_slope(lo, g_lo, hi, g_hi, nxt, g_n)
        g_min = min(g_lo, g_hi)
        g_max = max(g_lo, g_hi)
        # the cubic Hermite of (g_lo, h m_lo) at t = 0 and (g_hi, h m_hi) at t = 1, in powers of t
        c1 = h * m_lo
        c2 = 3.0 * (g_hi - g_lo) - 2.0 * c1 - h * m_hi
        c3 = 2.0 * (g_lo - g_hi) + c1 + h * m_hi
        inv_h = 1.0 / h
        for k in range(lo + 1, hi):
            t = (k - lo) * inv_h
            g = g_lo + t * (c1 + t * (c2 + t * c3))
            out[k] = floor[k] + min(max(g, g_min), g_max)
        before = lo
        last = hi
        i = hi + 1


@njit(cache=True)
def anchored_radial_loss(z, r, zone, step_m, f_ghz, p, htg, hrg, vertical, phi_deg, dn, n0, pl, sigma_l, first, out,
                         need, floor, every, site):
    """As :func:`~._p1812_radial.p1812_radial_loss` with ``need`` a mask (1: compute, else +inf); ``floor``:
    the reach bound of every sample (the same length as ``z``); ``every`` (>= 1): the anchor spacing in samples
    (:func:`anchor_rules` widens it at fine steps); ``site``: :func:`~._p1812_radial.radial_site` of the site (or
    :func:`~._p1812_radial.no_site_terms`).

    Returns the number of samples computed exactly.
    """
    n_all = len(z)
    fi = max(first, 1)
    if every <= 1 or len(floor) < n_all or len(need) < n_all:
        p1812_radial_loss_k(z, r, zone, step_m, f_ghz, p, htg, hrg, vertical, phi_deg, dn, n0, pl, sigma_l, first, out,
                            need, site)
        if len(need) == 0:
            return max(n_all - fi, 0)
        exact = 0
        for i in range(fi, n_all):
            exact += 1 if need[i] else 0
        return exact
    spacing, gap_tol, kink_tol = anchor_rules(every, step_m)
    i_start = min(max(fi, _SHORT), n_all)
    exact = 0
    for i in range(fi, n_all):
        if not need[i]:
            out[i] = math.inf
    # the paths of under 5 points, resampled as the plain radial does (its tables from those points only)
    k = min(_SHORT, n_all)
    short_paths(z, r, zone, step_m, f_ghz, p, htg, hrg, vertical, phi_deg, dn, n0, pl, sigma_l, first, out, need, k,
                site)
    for i in range(fi, k):
        exact += 1 if need[i] else 0
    if k >= n_all:
        return exact
    # from 5 points on: anchors, the same exact paths as p1812_radial_loss on prefix tables built once
    path = radial_path(z, r, zone, step_m, f_ghz, p, htg, hrg, vertical, phi_deg, dn, n0, pl, sigma_l, site)
    far = max(math.ceil(FAR_M / step_m), i_start)
    stack = np.empty((2 * (FAR_FACTOR * spacing + 2), 2), dtype=np.int64)
    knot = np.zeros(n_all, dtype=np.uint8)
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
        knot[s] = 1
        exact += 1
        a = s
        while a < e:
            b = min(_next_anchor(a, spacing, far, n_all), e)
            out[b] = exact_at(b, path)
            knot[b] = 1
            exact += 1 + _interval(a, b, out, floor, zone, r, gap_tol, kink_tol, stack, path, knot)
            a = b
        _fill_run(s, e, out, floor, knot)
        s = e + 1
    return exact
