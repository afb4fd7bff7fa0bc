"""P.1812-7 path-profile analysis in one or two passes over the profile (numba).

The Recommendation scans the profile many times: smooth-earth regression
(Attachment 1, eqs 85-88), the obstruction heights of the diffraction smooth
surface (eqs 89-91), the two horizons (eqs 76-83), and in each delta-Bullington
evaluation (section 4.3) two Bullington constructions (eqs 13-20), the actual
profile g = h + R and a zero profile under the smooth-surface heights. Here:

* what depends only on the points before the receiver (the regression sums, the
  transmitter horizon, the transmitter-side Bullington slope) is a running sum or
  maximum along the profile, computed once for every receiver position
  (:func:`prefix_tables`), so a radial pays it once;
* what depends on the receiver too (the obstruction heights of eqs 89-91, the
  receiver horizon of eq. 80, the receiver-side Bullington slope of eq. 17, the
  terrain roughness hm of eq. 83) is a maximum over the upper convex hull of the
  prefix's points in a suitable frame: the hulls of every prefix are built once
  per radial as parent chains (:mod:`~towerplan.coverage._p1812_chain`) and each
  path walks its chain from the receiver to the peak (a few vertices) instead of
  scanning its n points; the Recommendation's expression is evaluated at the
  vertices, so the values are those of the full scan;
* where one of the paths is line of sight, the largest diffraction parameters of
  eq. 15 are found block by block (:mod:`~towerplan.coverage._p1812_nublock`: a
  bound per block of 16 points from the block's highest point, the points scanned
  only in the blocks whose bound reaches the best value so far);
* the zero-profile Bullington slopes are concave functions of distance, so their
  maxima over the profile points are found by bisection at the two points around
  the continuous maximum.

Every quantity is the Recommendation's expression at the same profile points (up
to the order of floating-point operations); ties between equal angles go to the
first point for the transmitter horizon and the last one for the receiver horizon
and the line-of-sight diffraction point, as in the SG3 reference implementation.

Note: numba's ``cache=True`` keys kernels on their own file: after editing this
module delete ``towerplan/coverage/__pycache__/*.nb[ic]``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from towerplan.coverage._p1812_chain import BORROW, chain_max, fill_chains, rx_distance
from towerplan.coverage._p1812_nublock import BLOCK, block_limits, nu_max


@njit(cache=True, inline="always")
def _flat_max(d, n, a_coef, h_term, from_rx):
    """max over profile points 1..n-2 of the zero-profile Bullington slope (eqs 13 or 17 with g = 0).

    ``from_rx`` False: (a d_i (D - d_i) - h) / d_i; True: (a d_i (D - d_i) - h) / (D - d_i), with
    ``a = 500 / ap``; both concave in d_i for h > 0, peaking at sqrt(h / a) from the terminal. Inlined where it is
    called (here and in the reach bound's stage 2, :func:`~._p1812_stages._spherical_excess`): no call and no
    reference count of ``d`` per sample.
    """
    dtot = d[n - 1]
    x = math.sqrt(max(h_term, 0.0) / a_coef)
    if from_rx:
        x = dtot - x
    lo = 1
    hi = n - 2
    while hi - lo > 1:  # d[lo] <= x < d[hi] (or the ends)
        mid = (lo + hi) // 2
        if d[mid] <= x:
            lo = mid
        else:
            hi = mid
    best = -math.inf
    for i in (lo, hi):
        di = d[i]
        v = (a_coef * di * (dtot - di) - h_term) / ((dtot - di) if from_rx else di)
        best = max(best, v)
    return best


@njit(cache=True, inline="always")
def _flat_max_equi(d, n, a_coef, h_term, from_rx):
    """:func:`_flat_max` on equidistant points (``d[i] = i d[1]``, n >= 5): the two points around the continuous
    maximum by their index (``x / d[1]``, then moved to the largest index with ``d[j] <= x``, read from ``d``),
    the same two points as the bisection, so the same value to the bit."""
    dtot = d[n - 1]
    x = math.sqrt(max(h_term, 0.0) / a_coef)
    if from_rx:
        x = dtot - x
    if not x >= d[1]:  # (NaN too) the bisection's lo stays at 1
        lo = 1
    elif x >= d[n - 2]:  # its hi stays at n - 2
        lo = n - 3
    else:
        lo = min(max(int(x / d[1]), 1), n - 3)
        while lo > 1 and d[lo] > x:
            lo -= 1
        while lo < n - 3 and d[lo + 1] <= x:
            lo += 1
    best = -math.inf
    for i in (lo, lo + 1):
        di = d[i]
        v = (a_coef * di * (dtot - di) - h_term) / ((dtot - di) if from_rx else di)
        best = max(best, v)
    return best


#: rows of :func:`prefix_tables`' float table and of its integer table (rows 0-3 of which are the prefix hulls)
TF_V1, TF_V2, TF_AT, TF_QA, TF_QB, TF_BH, TF_BG, TF_DLO, TF_DHI, TF_NB, TF_NV = range(11)
TI_LT, TI_OT, TI_RN = 4, 5, 6


@njit(cache=True)
def prefix_tables(d, inv_d, h, r, n_all, hts, ae, ab):
    """:func:`prefix_tables_k` for every time percentage."""
    return prefix_tables_k(d, inv_d, h, r, n_all, hts, ae, ab, np.bool_(True))


@njit(cache=True)
def prefix_tables_k(d, inv_d, h, r, n_all, hts, ae, ab, two):
    """What a path from point 0 to point k needs of the points before k, for every k at once (``two`` False: the
    paths read nothing of the radius ab, time percentages of 50 and above, and its hull is left empty).

    Returns a float and an integer table, (11, n_all) and (7, n_all): every path passes them to its analysis,
    and each array passed to a kernel costs a reference count in and out. Their columns are indexed by the last
    intermediate point k (a path of n points uses k = n - 2, except ``v1``/``v2``, which use k = n - 1):

    * float rows ``TF_V1``, ``TF_V2``: the sums of eqs 85-86 over the segments up to point k;
    * float row ``TF_AT``, integer row ``TI_LT``: the largest transmitter elevation term of eq. 77 (before the
      arctangent) over points 1..k and its first index;
    * float rows ``TF_QA``, ``TF_QB``: max over 1..k of (g_i - hts) / d_i - 500 d_i / a for a = ae, ab: the
      Bullington slope of eq. 13 is ``500 D / a + q`` for a path of length D;
    * integer row ``TI_OT``: the first point of 1..k with the largest (h_i - hts) / d_i: the obstruction ratio
      towards the transmitter of eq. 90, hobs_i / d_i, is that plus (hts - hrs) / D, so its largest
      value is at this point for every receiver;
    * integer row ``TI_RN``: how many of the points 1..k have clutter (R != 0; round w18: where none has, the
      profile with and without clutter is the same, :func:`analyse_profile_k`);
    * integer rows 0-3: the prefix hulls of :func:`~._p1812_chain.prefix_chains` (the
      receiver-side maxima of eqs 17, 80, 89 and 91);
    * float rows ``TF_BH``, ``TF_BG``: :func:`~._p1812_nublock.block_maxima` (computed here in the same loop,
      the same maxima in the same order), one column a block (the others -inf);
    * float rows ``TF_DLO``, ``TF_DHI``: :func:`~._p1812_nublock.block_limits`, one column a block;
    * float rows ``TF_NB``, ``TF_NV``: scratch of :func:`~._p1812_nublock.nu_max` (a path's block bounds, the nu
      of the points it scans), not initialised.
    """
    tf = np.empty((11, n_all))
    ti = np.zeros((7, n_all), dtype=np.int64)
    for q in (TF_AT, TF_QA, TF_QB):
        tf[q, 0] = -math.inf
    tf[TF_V1, 0] = 0.0
    tf[TF_V2, 0] = 0.0
    ti[TI_LT, 0] = 1
    ti[TI_OT, 0] = 1
    ob = -math.inf
    inv2ae = 1.0 / (2.0 * ae)
    # the largest h and h + R of each block of BLOCK points (_p1812_nublock.block_maxima), in the same loop
    for j in range(n_all):
        tf[TF_BH, j] = -math.inf
        tf[TF_BG, j] = -math.inf
    if n_all > 0:
        tf[TF_BH, 0] = max(tf[TF_BH, 0], h[0])
        tf[TF_BG, 0] = max(tf[TF_BG, 0], h[0] + r[0])
    for i in range(1, n_all):
        jb = i // BLOCK
        tf[TF_BH, jb] = max(tf[TF_BH, jb], h[i])
        tf[TF_BG, jb] = max(tf[TF_BG, jb], h[i] + r[i])
        di = d[i]
        dd = di - d[i - 1]
        tf[TF_V1, i] = tf[TF_V1, i - 1] + dd * (h[i] + h[i - 1])
        tf[TF_V2, i] = tf[TF_V2, i - 1] + dd * (h[i] * (2.0 * di + d[i - 1]) + h[i - 1] * (di + 2.0 * d[i - 1]))
        a_t = (h[i] - hts) * 0.001 * inv_d[i] - di * inv2ae
        g = (h[i] + r[i] - hts) * inv_d[i]
        if i == 1 or a_t > tf[TF_AT, i - 1]:
            tf[TF_AT, i] = a_t
            ti[TI_LT, i] = i
        else:
            tf[TF_AT, i] = tf[TF_AT, i - 1]
            ti[TI_LT, i] = ti[TI_LT, i - 1]
        tf[TF_QA, i] = max(tf[TF_QA, i - 1], g - 500.0 * di / ae)
        tf[TF_QB, i] = max(tf[TF_QB, i - 1], g - 500.0 * di / ab)
        ti[TI_RN, i] = ti[TI_RN, i - 1] + (1 if r[i] != 0.0 else 0)
        o = (h[i] - hts) * inv_d[i]
        if i == 1 or o > ob:
            ob = o
            ti[TI_OT, i] = i
        else:
            ti[TI_OT, i] = ti[TI_OT, i - 1]
    block_limits(d, tf.shape[1], tf[TF_DLO], tf[TF_DHI])  # n_all as an int64: one signature
    fill_chains(d, h, r, n_all, ae, ab, ti, two)
    return tf, ti


@njit(cache=True, **BORROW)
def _flat_nu(d, inv_d, equi, n, i, a_coef, hte1, hre1, inv_dtot, c_fac):
    """nu (eq. 15) of point i of the zero profile under terminals at hte1, hre1 (``a_coef`` = 1 / a)."""
    di = d[i]
    dr, idr = rx_distance(d, inv_d, equi, n, i)
    fac = math.sqrt(c_fac * inv_d[i] * idr)
    return (500.0 * di * dr * a_coef - (hte1 * dr + hre1 * di) * inv_dtot) * fac


@njit(cache=True, **BORROW)
def _flat_nu_max(d, inv_d, equi, n, a_coef, hte1, hre1, inv_dtot, c_fac):
    """max over points 1..n-2 of nu (eq. 15) of the zero profile under terminals at hte1, hre1 > 0.

    With d_i = D sin^2 phi, nu = K ((500 D / 2a) sin 2 phi - (hte1 / D) cot phi - (hre1 / D) tan phi),
    whose derivative in phi, K (500 D / a) cos 2 phi + hte1 / sin^2 phi - hre1 / cos^2 phi (times
    positive factors), falls strictly on (0, pi / 2): nu is unimodal along the path, so the largest
    value over the points is found by bisection on the sign of the step to the next point, then the
    points around it are compared (rounding at a flat top).
    """
    lo = 1
    hi = n - 2
    while hi - lo > 2:
        mid = (lo + hi) // 2
        if _flat_nu(d, inv_d, equi, n, mid + 1, a_coef, hte1, hre1, inv_dtot, c_fac) > _flat_nu(
                d, inv_d, equi, n, mid, a_coef, hte1, hre1, inv_dtot, c_fac):
            lo = mid + 1
        else:
            hi = mid
    best = -math.inf
    for i in range(max(lo - 2, 1), min(hi + 3, n - 1)):
        best = max(best, _flat_nu(d, inv_d, equi, n, i, a_coef, hte1, hre1, inv_dtot, c_fac))
    return best


@njit(cache=True, inline="always")
def _obstruction_t(d, inv_d, equi, n, h, i, c):
    """(i, hobs_i / d_i) at point ``i`` (eq. 90's ratio towards the transmitter, as the scan writes it)."""
    dtot, inv_dtot, hts, hrs = c[0], c[1], c[2], c[3]
    di = d[i]
    dr = d[n - 1 - i] if equi else dtot - di
    return i, (h[i] - (hts * dr + hrs * di) * inv_dtot) * inv_d[i]


@njit(cache=True, **BORROW)
def _height_max(d, h, lt, lr, hst, m, up):
    """hm (eq. 83): max over the points lt..lr of h_i - (hst + m d_i); -inf if lr < lt.

    The hull of the points 1..lr (``up[0]``'s chain from lr) holds the largest value over its
    vertices >= lt; a point of lt..lr off that part of the chain lies under it, except the
    points before its earliest vertex u >= lt (hidden by points before lt), scanned one by one.
    """
    hm = -math.inf
    if lr < lt:
        return hm
    v = lr
    u = lr
    while v >= lt and v >= 1:
        hm = max(hm, h[v] - (hst + m * d[v]))
        u = v
        v = up[0, v]
    for i in range(lt, u):
        hm = max(hm, h[i] - (hst + m * d[i]))
    return hm


@njit(cache=True, **BORROW)
def analyse_profile(d, inv_d, equi, h, r, n, htg, hrg, ae, ab, lam, two, tables):
    """Smooth earth, horizons and the Bullington losses of the path of points 0..n-1.

    ``inv_d[i]`` = 1 / d[i]; ``equi`` True promises equidistant points, so that the
    distance from point i to the receiver is ``d[n - 1 - i]``; ``tables`` is
    :func:`prefix_tables` of the profile (computed once for all paths along it);
    ``two``: also the Bullington losses for the radius ``ab`` (time percentages
    below 50). Returns ``geo`` = (dlt, dlr, th_t, th_r, theta, hstd, hsrd, hte, hre,
    hm) and the (terrain, zero-profile) Bullington losses for ``ae`` and ``ab``.
    """
    return analyse_profile_k(d, inv_d, equi, h, r, n, htg, hrg, ae, ab, lam, two, tables, np.bool_(True))


@njit(cache=True, **BORROW)
def zero_bullington(d, inv_d, equi, n, a_inv, hte1, hre1, dtot, inv_dtot, lam):
    """The Bullington loss of the zero profile (section 4.3.3: the method of section 4.3.1, eqs 12-21, with g = 0
    under terminals at ``hte1`` and ``hre1``) for the radius 1 / ``a_inv``: Lbulls, read by eq. 40 (the maxima of
    eqs 13 and 17 from the two points around their continuous maxima, eq. 15's largest nu by bisection)."""
    if equi and n >= 5:
        f_t = _flat_max_equi(d, n, 500.0 * a_inv, hte1, False)
        f_r = _flat_max_equi(d, n, 500.0 * a_inv, hre1, True)
    else:
        f_t = _flat_max(d, n, 500.0 * a_inv, hte1, False)
        f_r = _flat_max(d, n, 500.0 * a_inv, hre1, True)
    los_f = f_t < (hre1 - hte1) / dtot
    nu_f = -math.inf
    if los_f:
        nu_f = _flat_nu_max(d, inv_d, equi, n, a_inv, hte1, hre1, inv_dtot, 0.002 * dtot / lam)
    return bullington_loss(f_t, f_r, nu_f, los_f, hte1, hre1, dtot, lam)


@njit(cache=True, **BORROW)
def analyse_profile_k(d, inv_d, equi, h, r, n, htg, hrg, ae, ab, lam, two, tables, zero):
    """:func:`analyse_profile`; with ``zero`` False the zero profile's Bullington loss for ``ae`` is NaN (the caller
    computes it, :func:`zero_bullington`, only where eq. 40 reads it: Ldsph > 0)."""
    tf, up = tables
    dtot = d[n - 1]
    hts = h[0] + htg
    hrs = h[n - 1] + hrg
    inv2ae = 1.0 / (2.0 * ae)
    inv_ae = 1.0 / ae
    inv_ab = 1.0 / ab
    inv_dtot = 1.0 / dtot
    k = n - 2
    th_td = 1000.0 * math.atan((hrs - hts) / (1000.0 * dtot) - dtot * inv2ae)
    th_max = 1000.0 * math.atan(tf[TF_AT, k])
    lt = up[TI_LT, k]
    los = not th_max > th_td
    s_tr = (hrs - hts) / dtot
    sa_t = 500.0 * dtot * inv_ae + tf[TF_QA, k]
    sb_t = 500.0 * dtot * inv_ab + tf[TF_QB, k]
    los_a = sa_t < s_tr
    los_b = two and sb_t < s_tr
    need_ar = not los
    need_sa = not los_a
    need_sb = two and not los_b
    # the maxima of the Recommendation's scans over points 1..n-2, from the prefix hulls: the same
    # expressions at the vertices where they peak (module docstring of _p1812_chain)
    c = (dtot, inv_dtot, hts, hrs, inv2ae, inv_ae, inv_ab)
    _, hobs = chain_max(up, 0, k, 0, d, inv_d, equi, n, h, r, c)
    _, aobr = chain_max(up, 0, k, 1, d, inv_d, equi, n, h, r, c)
    _, aobt = _obstruction_t(d, inv_d, equi, n, h, up[TI_OT, k], c)
    ar_max = -math.inf
    lr = n - 2
    sa_r = -math.inf
    sb_r = -math.inf
    if need_ar:
        lr, ar_max = chain_max(up, 1, k, 2, d, inv_d, equi, n, h, r, c)
    if need_sa:
        _, sa_r = chain_max(up, 2, k, 3, d, inv_d, equi, n, h, r, c)
    if need_sb:
        _, sb_r = chain_max(up, 3, k, 4, d, inv_d, equi, n, h, r, c)
    v1 = tf[TF_V1, n - 1]
    v2 = tf[TF_V2, n - 1]
    hst = (2.0 * v1 * dtot - v2) / dtot**2
    hsr = (v2 - v1 * dtot) / dtot**2
    hstp = hst
    hsrp = hsr
    if hobs > 0.0:
        hstp = hst - hobs * aobt / (aobt + aobr)
        hsrp = hsr - hobs * aobr / (aobt + aobr)
    hstd = h[0] if hstp >= h[0] else hstp
    hsrd = h[n - 1] if hsrp > h[n - 1] else hsrp
    # zero-profile Bullington (terminals at hts - hstd, hrs - hsrd over a flat profile): zero_bullington
    hte1 = hts - hstd
    hre1 = hrs - hsrd
    nu_a = -math.inf
    nu_b = -math.inf
    nu_h = -math.inf
    if los or los_a or los_b:  # the largest nu of eq. 15, block by block (_p1812_nublock)
        c_fac = 0.002 * dtot / lam
        cn = (dtot, inv_dtot, hts, hrs, c_fac)
        lim = (tf[TF_DLO], tf[TF_DHI], tf[TF_NB], tf[TF_NV])  # the blocks' limits, scratch
        if los:
            # the point of eq. 81
            nu_h, lt = nu_max(np.bool_(False), inv_ae, d, inv_d, equi, n, h, r, tf[TF_BH], cn, *lim)
        if los_a and los and up[TI_RN, k] == 0:
            nu_a = nu_h  # no clutter at points 1..k: every point's nu is the same float (h + 0.0 is h), so is the max
        elif los_a:
            nu_a, _ = nu_max(np.bool_(True), inv_ae, d, inv_d, equi, n, h, r, tf[TF_BG], cn, *lim)
        if los_b:
            nu_b, _ = nu_max(np.bool_(True), inv_ab, d, inv_d, equi, n, h, r, tf[TF_BG], cn, *lim)
    if los:
        th_t = th_td
        th_r = 1000.0 * math.atan((hts - hrs) / (1000.0 * dtot) - dtot * inv2ae)
        dlt = d[lt]
        dlr = dtot - dlt
        lr = lt
    else:
        th_t = th_max
        th_r = 1000.0 * math.atan(ar_max)
        dlt = d[lt]
        dlr = dtot - d[lr]
    theta = 1e3 * dtot / ae + th_t + th_r
    hst = min(hst, h[0])
    hsr = min(hsr, h[n - 1])
    m = (hsr - hst) / dtot
    hm = _height_max(d, h, lt, lr, hst, m, up)
    geo = (dlt, dlr, th_t, th_r, theta, hstd, hsrd, htg + h[0] - hst, hrg + h[n - 1] - hsr, hm)
    bull_a = (bullington_loss(sa_t, sa_r, nu_a, los_a, hts, hrs, dtot, lam),
              zero_bullington(d, inv_d, equi, n, inv_ae, hte1, hre1, dtot, inv_dtot, lam) if zero else math.nan)
    bull_b = (math.nan, math.nan)
    if two:
        bull_b = (bullington_loss(sb_t, sb_r, nu_b, los_b, hts, hrs, dtot, lam),
                  zero_bullington(d, inv_d, equi, n, inv_ab, hte1, hre1, dtot, inv_dtot, lam))
    return geo, bull_a, bull_b


@njit(cache=True, **BORROW)
def _j(v):
    """Knife-edge loss J(v), dB (eq. 12), 0 for v <= -0.78."""
    if v <= -0.78:
        return 0.0
    return 6.9 + 20.0 * math.log10(math.sqrt((v - 0.1) ** 2 + 1.0) + v - 0.1)


@njit(cache=True, **BORROW)
def bullington_loss(stim, srim, numax, los, hts, hrs, dtot, lam):
    """Bullington loss (eqs 12-21) from the slopes Stim, Srim (eqs 13, 17) or the largest nu (eq. 15)."""
    if los:
        luc = _j(numax)
    else:
        dbp = (hrs - hts + srim * dtot) / (stim + srim)
        nub = (hts + stim * dbp - (hts * (dtot - dbp) + hrs * dbp) / dtot) * math.sqrt(
            0.002 * dtot / (lam * dbp * (dtot - dbp)))
        luc = _j(nub)
    return luc + (1.0 - math.exp(-luc / 6.0)) * (10.0 + 0.02 * dtot)
