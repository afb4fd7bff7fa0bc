"""Numba drivers of ITM: one profile, many profiles, many points along one radial, area mode.

Every kernel takes plain arrays and numbers and returns error codes instead of
raising; :mod:`towerplan.coverage.itm` turns codes into exceptions or NaN.
Result rows hold, in this order (``N_OUT`` columns)::

    0 loss_db  1 a_ref_db  2 warnings  3 propmode  4 error  5 theta_hzn_tx  6 theta_hzn_rx
    7 d_hzn_tx_m  8 d_hzn_rx_m  9 h_e_tx_m  10 h_e_rx_m  11 delta_h_m  12 n_s  13 distance_m

Note for developers: numba's ``cache=True`` keys a cached kernel on *this* file only.
After editing ``_itm_core``, ``_itm_model`` or ``_itm_terrain``, delete
``towerplan/coverage/__pycache__/*.nb[ic]``, or these drivers keep running the old code.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from towerplan.coverage._itm_core import (
    ERR_DELTA_H,
    ERR_NONE,
    ERR_PATH_DISTANCE,
    ERR_PROFILE,
    ERR_RX_SITING_CRITERIA,
    ERR_TX_SITING_CRITERIA,
    MODE_AREA,
    MODE_P2P,
)
from towerplan.coverage._itm_model import initialize, initialize_area, reference_and_total, validate_inputs
from towerplan.coverage._itm_terrain import find_horizons, finish_quick_pfl, mean_path_height

N_OUT = 14
_SCRATCH = 247


@njit(cache=True)
def _fill(out, loss, a_ref, warn, propmode, err, th0, th1, dh0, dh1, he0, he1, delta_h, n_s, d):
    out[0] = loss
    out[1] = a_ref
    out[2] = warn
    out[3] = propmode
    out[4] = err
    out[5] = th0
    out[6] = th1
    out[7] = dh0
    out[8] = dh1
    out[9] = he0
    out[10] = he1
    out[11] = delta_h
    out[12] = n_s
    out[13] = d


@njit(cache=True)
def _fail(out, err, warn):
    for k in range(N_OUT):
        out[k] = math.nan
    out[2] = warn
    out[3] = 0
    out[4] = err


@njit(cache=True)
def _p2p_into(out, z, n, xi, h_tx, h_rx, climate, n_0, f_mhz, pol, epsilon, sigma, mdvar, time, location,
              situation, s, diffs):
    err, warn = validate_inputs(h_tx, h_rx, climate, time, location, situation, n_0, f_mhz, pol, epsilon, sigma, mdvar)
    if err != ERR_NONE:
        _fail(out, err, warn)
        return
    if n < 1 or not xi > 0.0 or not math.isfinite(xi):
        _fail(out, ERR_PROFILE, warn)
        return
    for i in range(n + 1):
        if not math.isfinite(z[i]):
            _fail(out, ERR_PROFILE, warn)
            return
    z_g, gamma_e, n_s = initialize(f_mhz, mean_path_height(z, n), n_0, pol, epsilon, sigma)
    a_e = 1.0 / gamma_e
    th0, th1, dh0, dh1 = find_horizons(z, n, xi, a_e, h_tx, h_rx)
    th0, th1, dh0, dh1, he0, he1, delta_h, d = finish_quick_pfl(
        z, n, xi, a_e, h_tx, h_rx, th0, th1, dh0, dh1, z, z, False, s, diffs
    )
    loss, a_ref, w2, propmode, err = reference_and_total(
        th0, th1, f_mhz, z_g, dh0, dh1, he0, he1, gamma_e, n_s, delta_h, h_tx, h_rx, d, MODE_P2P,
        climate, mdvar, time, location, situation
    )
    _fill(out, loss, a_ref, warn | w2, propmode, err, th0, th1, dh0, dh1, he0, he1, delta_h, n_s, d)


@njit(cache=True)
def p2p_one(z, xi, h_tx, h_rx, climate, n_0, f_mhz, pol, epsilon, sigma, mdvar, time, location, situation):
    """ITM point-to-point on one profile ``z[0..n]`` (n = len(z) - 1) spaced ``xi`` m; one result row."""
    out = np.empty(N_OUT)
    s = np.empty(_SCRATCH)
    diffs = np.empty(_SCRATCH)
    _p2p_into(out, z, len(z) - 1, xi, h_tx, h_rx, climate, n_0, f_mhz, pol, epsilon, sigma, mdvar, time,
              location, situation, s, diffs)
    return out


@njit(cache=True)
def p2p_many(z_flat, starts, counts, xi, h_tx, h_rx, climate, n_0, f_mhz, pol, epsilon, sigma, mdvar, time,
             location, situation):
    """ITM point-to-point on many profiles stored end to end in ``z_flat``.

    Profile k is ``z_flat[starts[k]:starts[k] + counts[k]]`` with spacing ``xi[k]`` and
    terminal heights ``h_tx[k]``, ``h_rx[k]``. Returns an array (len(starts), N_OUT).
    """
    m = len(starts)
    out = np.empty((m, N_OUT))
    s = np.empty(_SCRATCH)
    diffs = np.empty(_SCRATCH)
    for k in range(m):
        z = z_flat[starts[k] : starts[k] + counts[k]]
        _p2p_into(out[k], z, counts[k] - 1, xi[k], h_tx[k], h_rx[k], climate, n_0, f_mhz, pol, epsilon, sigma,
                  mdvar, time, location, situation, s, diffs)
    return out


@njit(cache=True)
def radial_tables(z, xi, h_tx):
    """Per-radial tables shared by the radial ITM drivers.

    Returns ``(c0, c1, dist, slope_tx, inv_d, first_nan)``: prefix sums of ``z`` and
    ``k z[k]`` (length n + 2), the cumulative distance exactly as ``find_horizons``
    accumulates it, the slope from the transmitter antenna ``(z[k] - z_tx) / d_k``,
    ``1 / (k xi)`` (index 0 of the last three is 0), and the index of the first NaN
    elevation (n + 1 when there is none).
    """
    n_all = len(z) - 1
    c0 = np.empty(n_all + 2)
    c1 = np.empty(n_all + 2)
    dist = np.empty(n_all + 1)
    slope_tx = np.empty(n_all + 1)
    inv_d = np.empty(n_all + 1)
    c0[0] = 0.0
    c1[0] = 0.0
    dist[0] = 0.0
    slope_tx[0] = 0.0
    inv_d[0] = 0.0
    first_nan = n_all + 1
    for k in range(n_all + 1):
        c0[k + 1] = c0[k] + z[k]
        c1[k + 1] = c1[k] + k * z[k]
        if k > 0:
            dist[k] = dist[k - 1] + xi
            slope_tx[k] = (z[k] - (z[0] + h_tx)) / dist[k]
            inv_d[k] = 1.0 / (k * xi)
        if not math.isfinite(z[k]) and first_nan > n_all:
            first_nan = k
    return c0, c1, dist, slope_tx, inv_d, first_nan


@njit(cache=True)
def p2p_radial(z, xi, h_tx, h_rx, climate, n_0, f_mhz, pol, epsilon, sigma, mdvar, time, location, situation,
               first):
    """ITM point-to-point from ``z[0]`` to every profile point ``z[i]``, i = first .. n.

    Equivalent to calling :func:`p2p_one` on ``z[:i + 1]`` for each i (to rounding:
    the horizon searches run without divisions and the mean height and least-squares
    fits come from prefix sums), but shares that work between neighbouring points.
    Returns an array (n + 1, N_OUT); rows before ``first`` are NaN.
    """
    n_all = len(z) - 1
    out = np.empty((n_all + 1, N_OUT))
    s = np.empty(_SCRATCH)
    diffs = np.empty(_SCRATCH)
    err, warn = validate_inputs(h_tx, h_rx, climate, time, location, situation, n_0, f_mhz, pol, epsilon, sigma, mdvar)
    bad = err != ERR_NONE
    if not bad and (not xi > 0.0 or not math.isfinite(xi)):
        err = ERR_PROFILE
        bad = True
    first = min(max(first, 1), n_all + 1)
    for i in range(first):
        _fail(out[i], ERR_PROFILE, 0)
    # prefix sums; a NaN elevation poisons every path reaching past it
    c0, c1, dist, slope_tx, inv_d, first_nan = radial_tables(z, xi, h_tx)
    for i in range(first, n_all + 1):
        row = out[i]
        if bad:
            _fail(row, err, warn)
            continue
        if i >= first_nan:
            _fail(row, ERR_PROFILE, warn)
            continue
        p10 = int(0.1 * i)
        h_sys = (c0[i - p10 + 1] - c0[p10]) / (i - 2 * p10 + 1)
        z_g, gamma_e, n_s = initialize(f_mhz, h_sys, n_0, pol, epsilon, sigma)
        a_e = 1.0 / gamma_e
        half_c = 1.0 / (2.0 * a_e)
        d = i * xi
        z_tx = z[0] + h_tx
        z_rx = z[i] + h_rx
        th0 = (z_rx - z_tx) / d - d / (2.0 * a_e)
        th1 = -(z_rx - z_tx) / d - d / (2.0 * a_e)
        dh0 = d
        dh1 = d
        for k in range(1, i):
            t_tx = slope_tx[k] - dist[k] * half_c
            if t_tx > th0:
                th0 = t_tx
                dh0 = dist[k]
            j = i - k
            t_rx = (z[k] - z_rx) * inv_d[j] - (j * xi) * half_c
            if t_rx > th1:
                th1 = t_rx
                dh1 = j * xi
        th0, th1, dh0, dh1, he0, he1, delta_h, d = finish_quick_pfl(
            z, i, xi, a_e, h_tx, h_rx, th0, th1, dh0, dh1, c0, c1, True, s, diffs
        )
        loss, a_ref, w2, propmode, err2 = reference_and_total(
            th0, th1, f_mhz, z_g, dh0, dh1, he0, he1, gamma_e, n_s, delta_h, h_tx, h_rx, d, MODE_P2P,
            climate, mdvar, time, location, situation
        )
        _fill(row, loss, a_ref, warn | w2, propmode, err2, th0, th1, dh0, dh1, he0, he1, delta_h, n_s, d)
    return out


@njit(cache=True)
def _area_into(out, d_m, delta_h, h_tx, h_rx, site_tx, site_rx, climate, n_0, f_mhz, pol, epsilon, sigma, mdvar,
               time, location, situation):
    err, warn = validate_inputs(h_tx, h_rx, climate, time, location, situation, n_0, f_mhz, pol, epsilon, sigma, mdvar)
    if err == ERR_NONE:
        if not d_m > 0.0 or not math.isfinite(d_m):
            err = ERR_PATH_DISTANCE
        elif not delta_h >= 0.0 or not math.isfinite(delta_h):
            err = ERR_DELTA_H
        elif site_tx < 0 or site_tx > 2:
            err = ERR_TX_SITING_CRITERIA
        elif site_rx < 0 or site_rx > 2:
            err = ERR_RX_SITING_CRITERIA
    if err != ERR_NONE:
        _fail(out, err, warn)
        return
    z_g, gamma_e, n_s = initialize(f_mhz, 0.0, n_0, pol, epsilon, sigma)
    he0, he1, dh0, dh1, th0, th1 = initialize_area(site_tx, site_rx, gamma_e, delta_h, h_tx, h_rx)
    loss, a_ref, w2, propmode, err = reference_and_total(
        th0, th1, f_mhz, z_g, dh0, dh1, he0, he1, gamma_e, n_s, delta_h, h_tx, h_rx, d_m, MODE_AREA,
        climate, mdvar, time, location, situation
    )
    _fill(out, loss, a_ref, warn | w2, propmode, err, th0, th1, dh0, dh1, he0, he1, delta_h, n_s, d_m)


@njit(cache=True)
def area_many(d_m, delta_h, h_tx, h_rx, site_tx, site_rx, climate, n_0, f_mhz, pol, epsilon, sigma, mdvar, time,
              location, situation):
    """ITM area mode for each distance in ``d_m`` (metres); returns (len(d_m), N_OUT)."""
    m = len(d_m)
    out = np.empty((m, N_OUT))
    for k in range(m):
        _area_into(out[k], d_m[k], delta_h, h_tx, h_rx, site_tx, site_rx, climate, n_0, f_mhz, pol, epsilon,
                   sigma, mdvar, time, location, situation)
    return out
