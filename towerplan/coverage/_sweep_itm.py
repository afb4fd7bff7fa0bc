"""Radial sweep of the ITM point-to-point model (code 3).

Loaded by :func:`towerplan.coverage._kernels.radial_kernel` only when a site uses ITM, with
the ITM kernels (:mod:`._itm_radial` and what it calls). Layout, coordinates and the
returned table as :func:`towerplan.coverage._kernels.radial_losses`. ITM's Delta h is exact at
anchors every ``max(itm_delta_h_every, i // 32)`` samples and interpolated between
(:func:`~towerplan.coverage._itm_radial.itm_radial_loss`; ``itm_delta_h_every = 1``: exact ITM), and each
point's reference attenuation and variability take the radial's path-independent terms computed once
(:mod:`~towerplan.coverage._itm_line`, the same results to the bit).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from towerplan.coverage._itm_radial import itm_radial_loss
from towerplan.coverage._kernels import (
    F_EPS,
    F_FREQ,
    F_HRX,
    F_HTX,
    F_LOC,
    F_N0,
    F_SIGMA,
    F_SIT,
    F_TIME,
    I_CLIMATE,
    I_DH_EVERY,
    I_MDVAR,
    I_POL,
    sample_terrain,
)


@njit(cache=True, parallel=True, nogil=True)
def radial_losses_itm(dem, col_off, row_off, site_col, site_row, res_x, res_y, step_m, n0, first, count, fpar, ipar):
    """Path loss (dB) along ``n0`` radials of an ITM site."""
    nmax = 0
    for j in range(n0):
        nmax = max(nmax, count[j])
    table = np.full((n0, max(nmax, 2)), np.nan, dtype=np.float32)
    n_chunks = min(n0, 64)
    # radials are independent: chunks run in parallel, each with its own scratch arrays
    # (radial j in chunk j % n_chunks); the result does not depend on the number of threads
    for chunk in prange(n_chunks):
        z = np.empty(nmax + 1)
        dist = np.empty(nmax + 1)
        row = np.empty(nmax + 1)
        for i in range(nmax + 1):
            dist[i] = i * step_m
        for j in range(chunk, n0, n_chunks):
            n = count[j]
            if n < 2:
                continue
            fi = min(max(first[j], 1), n - 1)
            sample_terrain(dem, col_off, row_off, site_col, site_row, res_x, res_y, dist, n, j, n0, z)
            for i in range(n):
                row[i] = math.nan
            itm_radial_loss(z[:n], step_m, fpar[F_HTX], fpar[F_HRX], ipar[I_CLIMATE], fpar[F_N0], fpar[F_FREQ],
                            ipar[I_POL], fpar[F_EPS], fpar[F_SIGMA], ipar[I_MDVAR], fpar[F_TIME], fpar[F_LOC],
                            fpar[F_SIT], fi, row, ipar[I_DH_EVERY])
            for i in range(fi, n):
                table[j, i] = row[i]
    return table
