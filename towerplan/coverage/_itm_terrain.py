"""Numba kernels of ITM's terrain-profile analysis (point-to-point mode).

Horizons, least-squares terrain fits and the terrain irregularity parameter
Delta h from a profile of elevations ``z[0..n]`` spaced ``xi`` metres apart
(the PFL format without its two-number header). Follows [Algorithm] sections 3
(``hzns``, ``zlsq1``, ``dlthx``, ``qlrpfl``) and NTIA/ITS's ITM v1.4 (FindHorizons,
LinearLeastSquaresFit, ComputeDeltaH, QuickPfl); see
:mod:`towerplan.coverage._itm_core` for the references.
"""

from __future__ import annotations

import math

from numba import njit

from towerplan.coverage._itm_core import fdim


@njit(cache=True)
def find_horizons(z, n, xi, a_e, h0, h1):
    """Horizon angles and distances of both terminals [TN101 6.15; Algorithm 3.6-3.9].

    Returns (theta0, theta1, d_hzn0, d_hzn1); a terminal that sees the other has
    the line-of-sight angle and the whole path length.
    """
    d = n * xi
    z_tx = z[0] + h0
    z_rx = z[n] + h1
    c = 1.0 / (2.0 * a_e)
    theta0 = (z_rx - z_tx) / d - d * c
    theta1 = -(z_rx - z_tx) / d - d * c
    d_hzn0 = d
    d_hzn1 = d
    d_tx = 0.0
    d_rx = d
    for i in range(1, n):
        d_tx = d_tx + xi
        d_rx = d_rx - xi
        # theta(i) > theta, tested without a division (d > 0); divide only on a new maximum
        if z[i] - z_tx > d_tx * (theta0 + d_tx * c):
            theta0 = (z[i] - z_tx) / d_tx - d_tx * c
            d_hzn0 = d_tx
        if z[i] - z_rx > d_rx * (theta1 + d_rx * c):
            theta1 = (z[i] - z_rx) / d_rx - d_rx * c
            d_hzn1 = d_rx
    return theta0, theta1, d_hzn0, d_hzn1


@njit(cache=True)
def _lsq_indices(n, xi, d_start, d_end):
    i_start = int(fdim(d_start / xi, 0.0))
    i_end = n - int(fdim(float(n), d_end / xi))
    if i_end <= i_start:
        i_start = int(fdim(float(i_start), 1.0))
        i_end = n - int(fdim(float(n), i_end + 1.0))
    return i_start, i_end


@njit(cache=True)
def lsq_fit(z, n, xi, d_start, d_end):
    """Least-squares line through z between two distances; its values at both path ends.

    Trapezoid-weighted fit of [Algorithm 3.10] (``zlsq1``). Returns (z at 0, z at n*xi).
    """
    i_start, i_end = _lsq_indices(n, xi, d_start, d_end)
    x_length = float(i_end - i_start)
    mid = -0.5 * x_length
    mid_end = i_end + mid
    sum_y = 0.5 * (z[i_start] + z[i_end])
    scaled = 0.5 * (z[i_start] - z[i_end]) * mid
    i = i_start
    for _ in range(2, int(x_length) + 1):
        i += 1
        mid += 1.0
        sum_y += z[i]
        scaled += z[i] * mid
    sum_y = sum_y / x_length
    scaled = scaled * 12.0 / ((x_length * x_length + 2.0) * x_length)
    return sum_y - scaled * mid_end, sum_y + scaled * (n - mid_end)


@njit(cache=True)
def lsq_fit_prefix(z, c0, c1, n, xi, d_start, d_end):
    """:func:`lsq_fit` in O(1) from prefix sums ``c0[k] = sum z[:k]``, ``c1[k] = sum j z[j], j < k``."""
    i_start, i_end = _lsq_indices(n, xi, d_start, d_end)
    x_length = float(i_end - i_start)
    mid0 = -0.5 * x_length
    mid_end = i_end + mid0
    sum_y = 0.5 * (z[i_start] + z[i_end])
    scaled = 0.5 * (z[i_start] - z[i_end]) * mid0
    if i_end - i_start >= 2:
        s0 = c0[i_end] - c0[i_start + 1]
        s1 = c1[i_end] - c1[i_start + 1]
        sum_y += s0
        scaled += s1 - (i_start + 0.5 * x_length) * s0
    sum_y = sum_y / x_length
    scaled = scaled * 12.0 / ((x_length * x_length + 2.0) * x_length)
    return sum_y - scaled * mid_end, sum_y + scaled * (n - mid_end)


@njit(cache=True)
def select_kth(a, n, k):
    """The k-th smallest (0-based) of a[:n], reordering a in place (Hoare-style quickselect)."""
    lo = 0
    hi = n - 1
    while True:
        if hi <= lo + 1:
            if hi == lo + 1 and a[hi] < a[lo]:
                a[lo], a[hi] = a[hi], a[lo]
            return a[k]
        mid = (lo + hi) >> 1
        a[mid], a[lo + 1] = a[lo + 1], a[mid]
        if a[lo] > a[hi]:
            a[lo], a[hi] = a[hi], a[lo]
        if a[lo + 1] > a[hi]:
            a[lo + 1], a[hi] = a[hi], a[lo + 1]
        if a[lo] > a[lo + 1]:
            a[lo], a[lo + 1] = a[lo + 1], a[lo]
        i = lo + 1
        j = hi
        pivot = a[lo + 1]
        while True:
            i += 1
            while a[i] < pivot:
                i += 1
            j -= 1
            while a[j] > pivot:
                j -= 1
            if j < i:
                break
            a[i], a[j] = a[j], a[i]
        a[lo + 1] = a[j]
        a[j] = pivot
        if j >= k:
            hi = j - 1
        if j <= k:
            lo = i


@njit(cache=True)
def compute_delta_h(z, n, xi, d_start, d_end, s, diffs):
    """Terrain irregularity Delta h between two distances [Algorithm 3.11-3.13] (``dlthx``).

    The profile is resampled at 10*p10 - 5 points, a least-squares line removed, and
    the interdecile range of the residuals scaled to an infinite path
    [ERL 79-ITS 67 eq. 3, inverted]. ``s`` and ``diffs`` are scratch arrays of 247.
    """
    x_start = d_start / xi
    x_end = d_end / xi
    if x_end - x_start < 2.0:
        return 0.0
    p10 = int(0.1 * (x_end - x_start + 8.0))
    p10 = min(max(4, p10), 25)
    m = 10 * p10 - 5  # resampled points; the 90 % index is p90 = m - p10
    np_s = float(m - 1)
    x_step = (x_end - x_start) / np_s
    for j in range(m):
        # linear interpolation at x (in steps); NTIA walks an index along the
        # profile instead, which is the same to rounding but a serial dependency
        x = x_start + j * x_step
        i = min(max(math.ceil(x) - 1, 0), n - 1)
        s[j] = z[i + 1] + (z[i + 1] - z[i]) * (x - (i + 1))
    fit_y1, fit_y2 = lsq_fit(s, m - 1, 1.0, 0.0, np_s)
    fit_y2 = (fit_y2 - fit_y1) / np_s
    for j in range(m):
        diffs[j] = s[j] - fit_y1
        fit_y1 += fit_y2
    # q10: the p10-th largest residual; q90: the (p90 + 1)-th largest, i.e. the p10-th smallest
    q10 = select_kth(diffs, m, m - p10)
    q90 = select_kth(diffs, m, p10 - 1)
    return (q10 - q90) / (1.0 - 0.8 * math.exp(-(d_end - d_start) / 50e3))


@njit(cache=True)
def finish_quick_pfl(z, n, xi, a_e, h0, h1, theta0, theta1, d_hzn0, d_hzn1, c0, c1, use_prefix, s, diffs):
    """Effective heights, Delta h and (line-of-sight paths) horizons from found horizons.

    [Algorithm 3.14-3.17] (``qlrpfl``). Returns
    (theta0, theta1, d_hzn0, d_hzn1, h_e0, h_e1, delta_h, d).
    """
    d = n * xi
    d_start = min(15.0 * h0, 0.1 * d_hzn0)  # "15 times the tower height" [Hufford 1982 p. 25]
    d_end = d - min(15.0 * h1, 0.1 * d_hzn1)
    delta_h = compute_delta_h(z, n, xi, d_start, d_end, s, diffs)
    theta0, theta1, d_hzn0, d_hzn1, h_e0, h_e1 = finish_with_delta_h(
        z, n, xi, a_e, h0, h1, theta0, theta1, d_hzn0, d_hzn1, c0, c1, use_prefix, delta_h
    )
    return theta0, theta1, d_hzn0, d_hzn1, h_e0, h_e1, delta_h, d


@njit(cache=True)
def finish_with_delta_h(z, n, xi, a_e, h0, h1, theta0, theta1, d_hzn0, d_hzn1, c0, c1, use_prefix, delta_h):
    """The part of :func:`finish_quick_pfl` after Delta h: effective heights and LOS horizons.

    Shared with the radial driver (``_itm_radial``), which supplies an interpolated Delta h.
    Returns (theta0, theta1, d_hzn0, d_hzn1, h_e0, h_e1).
    """
    d = n * xi
    d_start = min(15.0 * h0, 0.1 * d_hzn0)
    d_end = d - min(15.0 * h1, 0.1 * d_hzn1)
    if d_hzn0 + d_hzn1 > 1.5 * d:
        # well within line of sight: horizons from the smooth-earth formulas
        if use_prefix:
            fit_tx, fit_rx = lsq_fit_prefix(z, c0, c1, n, xi, d_start, d_end)
        else:
            fit_tx, fit_rx = lsq_fit(z, n, xi, d_start, d_end)
        h_e0 = h0 + fdim(z[0], fit_tx)
        h_e1 = h1 + fdim(z[n], fit_rx)
        d_hzn0 = math.sqrt(2.0 * h_e0 * a_e) * math.exp(-0.07 * math.sqrt(delta_h / max(h_e0, 5.0)))
        d_hzn1 = math.sqrt(2.0 * h_e1 * a_e) * math.exp(-0.07 * math.sqrt(delta_h / max(h_e1, 5.0)))
        combined = d_hzn0 + d_hzn1
        if combined <= d:
            q = (d / combined) ** 2
            h_e0 = h_e0 * q
            h_e1 = h_e1 * q
            d_hzn0 = math.sqrt(2.0 * h_e0 * a_e) * math.exp(-0.07 * math.sqrt(delta_h / max(h_e0, 5.0)))
            d_hzn1 = math.sqrt(2.0 * h_e1 * a_e) * math.exp(-0.07 * math.sqrt(delta_h / max(h_e1, 5.0)))
        q0 = math.sqrt(2.0 * h_e0 * a_e)
        q1 = math.sqrt(2.0 * h_e1 * a_e)
        theta0 = (0.65 * delta_h * (q0 / d_hzn0 - 1.0) - 2.0 * h_e0) / q0
        theta1 = (0.65 * delta_h * (q1 / d_hzn1 - 1.0) - 2.0 * h_e1) / q1
    else:
        if use_prefix:
            fit_tx, _ = lsq_fit_prefix(z, c0, c1, n, xi, d_start, 0.9 * d_hzn0)
            _, fit_rx = lsq_fit_prefix(z, c0, c1, n, xi, d - 0.9 * d_hzn1, d_end)
        else:
            fit_tx, _ = lsq_fit(z, n, xi, d_start, 0.9 * d_hzn0)
            _, fit_rx = lsq_fit(z, n, xi, d - 0.9 * d_hzn1, d_end)
        h_e0 = h0 + fdim(z[0], fit_tx)
        h_e1 = h1 + fdim(z[n], fit_rx)
    return theta0, theta1, d_hzn0, d_hzn1, h_e0, h_e1


@njit(cache=True)
def mean_path_height(z, n):
    """Mean elevation of the profile without its first and last 10 % (sets N_s)."""
    p10 = int(0.1 * n)
    total = 0.0
    for i in range(p10, n - p10 + 1):
        total += z[i]
    return total / (n - 2 * p10 + 1)
