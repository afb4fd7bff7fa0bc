"""ITM along one radial with block-pruned horizon searches (same results as ``p2p_radial``).

:func:`~towerplan.coverage._itm_kernels.p2p_radial` scans the whole path twice
per receiver point to find the two horizons. Here the profile is cut into blocks
of ``_B`` samples with their maximum elevation; a block whose upper bound of the
horizon angle cannot beat the best angle found so far is skipped in O(1). The
bound uses the block maximum, the nearest distance to the terminal, and a margin
of 1e-12 rad, and the candidates that are scanned use exactly the expressions of
``p2p_radial`` in the same order, so the horizons, and therefore the losses, are
the same to the last bit except on exact ties between two equal horizon angles.

Everything else per point (Delta h resampling, effective heights, the reference
attenuation and variability) is ITM's own code, called as ``p2p_radial`` calls it.
Only the loss (dB) is returned, NaN where ITM reports an error.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from towerplan.coverage._itm_core import ERR_NONE
from towerplan.coverage._itm_kernels import radial_tables
from towerplan.coverage._itm_line import effective_earth, radial_constants, total_loss
from towerplan.coverage._itm_model import validate_inputs
from towerplan.coverage._itm_terrain import compute_delta_h, finish_with_delta_h

_B = 16
_SCRATCH = 247
_EPS = 1e-12
_DH_REL = 32  # beyond k * _DH_REL samples, Delta h anchors every (i / _DH_REL)-th sample


@njit(cache=True)
def itm_radial_loss(z, xi, h_tx, h_rx, climate, n_0, f_mhz, pol, epsilon, sigma, mdvar, time, location, situation,
                    first, out, dh_every=1, dh_rel=_DH_REL):
    """ITM p2p loss from ``z[0]`` to every ``z[i]``, i = first .. len(z) - 1, into ``out[i]`` (dB).

    ``dh_every = 1`` is exact ITM. With ``dh_every = k > 1`` the terrain irregularity
    Delta h (ITM's most expensive step, a resampling of the path and two order
    statistics) is computed exactly only at anchors (the first point, then steps of
    ``max(k, i // dh_rel)`` points, and the last) and interpolated linearly in between;
    everything else stays exact per point. Delta h is an order statistic of the path's
    10-90 % span, so a step of ``i / dh_rel`` points changes that span by ``1 / dh_rel``
    of its length whatever the distance; ``dh_rel <= 0`` keeps the step at ``k``. This
    is a documented deviation from ITM, measured against exact ITM on rugged terrain in
    ``tests/test_coverage_itm_radial.py`` and ``bench/README.md``.
    """
    n_all = len(z) - 1
    err, _warn = validate_inputs(h_tx, h_rx, climate, time, location, situation, n_0, f_mhz, pol, epsilon, sigma, mdvar)
    first = min(max(first, 1), n_all + 1)
    if err != ERR_NONE or not xi > 0.0 or not math.isfinite(xi):
        for i in range(first, n_all + 1):
            out[i] = math.nan
        return
    s = np.empty(_SCRATCH)
    diffs = np.empty(_SCRATCH)
    kc = radial_constants(f_mhz, pol, epsilon, sigma, climate, mdvar, time, location, situation)
    c0, c1, dist, slope_tx, inv_d, first_nan = radial_tables(z, xi, h_tx)
    n_blocks = n_all // _B + 1
    bmax = np.full(n_blocks, -np.inf)
    for k in range(n_all + 1):
        b = k // _B
        if z[k] > bmax[b]:
            bmax[b] = z[k]
    z_tx = z[0] + h_tx
    k_dh = max(dh_every, 1)
    last = min(n_all, first_nan - 1)
    if k_dh == 1:
        for i in range(first, n_all + 1):
            if i >= first_nan:
                out[i] = math.nan
                continue
            out[i] = _point(z, i, xi, c0, c1, dist, slope_tx, inv_d, bmax, z_tx, h_tx, h_rx, climate, n_0, f_mhz,
                            kc, s, diffs, math.nan, False)
        return
    # anchors: first, then steps of max(k, i // _DH_REL) samples, and the last valid sample
    anchor_i = np.empty(n_all + 2, dtype=np.int64)
    anchor_dh = np.empty(n_all + 2)
    n_anchor = 0
    a = first
    while a <= last:
        anchor_i[n_anchor] = a
        anchor_dh[n_anchor] = _point(z, a, xi, c0, c1, dist, slope_tx, inv_d, bmax, z_tx, h_tx, h_rx, climate,
                                     n_0, f_mhz, kc, s, diffs, math.nan, True)
        n_anchor += 1
        if a == last:
            break
        a = min(a + max(k_dh, a // dh_rel if dh_rel > 0 else 0), last)
    p = 0
    for i in range(first, n_all + 1):
        if i >= first_nan:
            out[i] = math.nan
            continue
        while p + 1 < n_anchor and anchor_i[p + 1] <= i:
            p += 1
        if p + 1 >= n_anchor or anchor_i[p] == i:
            dh = anchor_dh[p]
        else:
            w = (i - anchor_i[p]) / (anchor_i[p + 1] - anchor_i[p])
            dh = anchor_dh[p] * (1.0 - w) + anchor_dh[p + 1] * w
        out[i] = _point(z, i, xi, c0, c1, dist, slope_tx, inv_d, bmax, z_tx, h_tx, h_rx, climate, n_0, f_mhz, kc,
                        s, diffs, dh, False)


@njit(cache=True)
def _point(z, i, xi, c0, c1, dist, slope_tx, inv_d, bmax, z_tx, h_tx, h_rx, climate, n_0, f_mhz, kc, s, diffs,
           delta_h_in, want_delta_h):
    """Loss to point i (or, with ``want_delta_h``, its exact Delta h); ``delta_h_in`` NaN = compute it.

    ``kc``: the radial's path-independent ITM terms (:func:`~towerplan.coverage._itm_line.radial_constants`).
    """
    p10 = int(0.1 * i)
    h_sys = (c0[i - p10 + 1] - c0[p10]) / (i - 2 * p10 + 1)
    gamma_e, n_s = effective_earth(h_sys, n_0)
    a_e = 1.0 / gamma_e
    half_c = 1.0 / (2.0 * a_e)
    d = i * xi
    z_rx = z[i] + h_rx
    th0 = (z_rx - z_tx) / d - d / (2.0 * a_e)
    th1 = -(z_rx - z_tx) / d - d / (2.0 * a_e)
    dh0 = d
    dh1 = d
    # transmitter horizon: forward over k = 1 .. i-1, first maximum wins (as p2p_radial)
    k = 1
    while k < i:
        b = k // _B
        k_end = min((b + 1) * _B, i)
        num = bmax[b] - z_tx
        bound = (num / dist[k] if num > 0.0 else num / dist[k_end - 1]) - dist[k] * half_c
        if bound + _EPS < th0:
            k = k_end
            continue
        for kk in range(k, k_end):
            t_tx = slope_tx[kk] - dist[kk] * half_c
            if t_tx > th0:
                th0 = t_tx
                dh0 = dist[kk]
        k = k_end
    # receiver horizon: the same maximum over k = 1 .. i-1 of (z[k] - z_rx) / d_j - d_j / 2a_e,
    # with j = i - k; ties go to the smallest k, as in the forward scan of p2p_radial
    k = 1
    while k < i:
        b = k // _B
        k_end = min((b + 1) * _B, i)
        num = bmax[b] - z_rx
        j_near = i - (k_end - 1)
        j_far = i - k
        bound = (num * inv_d[j_near] if num > 0.0 else num * inv_d[j_far]) - (j_near * xi) * half_c
        if bound + _EPS < th1:
            k = k_end
            continue
        for kk in range(k, k_end):
            j = i - kk
            t_rx = (z[kk] - z_rx) * inv_d[j] - (j * xi) * half_c
            if t_rx > th1:
                th1 = t_rx
                dh1 = j * xi
        k = k_end
    if want_delta_h or math.isnan(delta_h_in):
        d_start = min(15.0 * h_tx, 0.1 * dh0)
        d_end = d - min(15.0 * h_rx, 0.1 * dh1)
        delta_h = compute_delta_h(z, i, xi, d_start, d_end, s, diffs)
        if want_delta_h:
            return delta_h
    else:
        delta_h = delta_h_in
    th0, th1, dh0, dh1, he0, he1, d = _finish(z, i, xi, a_e, h_tx, h_rx, th0, th1, dh0, dh1, c0, c1, delta_h)
    return total_loss(kc, th0, th1, f_mhz, dh0, dh1, he0, he1, gamma_e, n_s, delta_h, h_tx, h_rx, d, climate)


@njit(cache=True)
def _finish(z, n, xi, a_e, h0, h1, theta0, theta1, d_hzn0, d_hzn1, c0, c1, delta_h):
    """``_itm_terrain.finish_quick_pfl`` (prefix-sum form) with Delta h given."""
    th0, th1, dh0, dh1, he0, he1 = finish_with_delta_h(
        z, n, xi, a_e, h0, h1, theta0, theta1, d_hzn0, d_hzn1, c0, c1, True, delta_h
    )
    return th0, th1, dh0, dh1, he0, he1, n * xi
