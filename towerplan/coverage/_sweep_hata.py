"""Radial sweep of the free-space, Okumura-Hata and COST-231 Hata models (codes 0-2).

Loaded by :func:`towerplan.coverage._kernels.radial_kernel` only when a site uses one of
these models, with the Deygout / Bullington kernels they need (:mod:`._diffraction_fast`,
:mod:`._hata_terrain`). Layout, coordinates and the returned table as
:func:`towerplan.coverage._kernels.radial_losses`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from towerplan.coverage._diffraction_fast import block_max, deygout_pruned
from towerplan.coverage._hata_terrain import smooth_sums, terrain_excess_db
from towerplan.coverage._kernels import (
    DIFF_NONE,
    F_AE,
    F_FREQ,
    F_HATA_C,
    F_HRX,
    F_HTX,
    F_LAM,
    F_LMAX,
    I_DIFF,
    I_EDGES,
    MODEL_FSPL,
    fspl,
    sample_terrain,
)


@njit(cache=True)
def _hata_radial(row, z, dist, n, first, step_m, model, fpar, ipar, prefix, zeros, scratch):
    """Loss (dB) from z[0] to every sample z[first .. n-1] of one radial, into ``row``."""
    h_tx = fpar[F_HTX]
    h_rx = fpar[F_HRX]
    f_mhz = fpar[F_FREQ]
    lam = fpar[F_LAM]
    ae = fpar[F_AE]
    hts = z[0] + h_tx
    bmax = block_max(z, n)
    if model == MODEL_FSPL:
        for i in range(first, n):
            fs = fspl(dist[i], f_mhz)
            ke = 0.0
            if i >= 2 and fs <= fpar[F_LMAX]:
                ke = deygout_pruned(dist[: i + 1], z[: i + 1], bmax, hts, z[i] + h_rx, lam, ae, 1, False)
            row[i] = fs + ke
        return
    # Hata / COST-231: effective base height over the mean terrain 3-15 km towards the
    # mobile (0.2 d to d for shorter paths, ITU-R P.1546-6 Annex 5), from prefix sums
    prefix[0] = 0.0
    for k in range(n):
        prefix[k + 1] = prefix[k] + z[k]
    v1, v2, resid, masked = scratch[0], scratch[1], scratch[2], scratch[3]
    if ipar[I_DIFF] != DIFF_NONE:
        smooth_sums(dist, z, n, v1, v2)
    a3 = math.ceil(3000.0 / step_m)
    a15 = math.floor(15000.0 / step_m)
    for i in range(first, n):
        d = dist[i]
        if d >= 15000.0:
            lo = a3
            hi = min(a15, n - 1)
        else:
            lo = math.ceil(0.2 * i)
            hi = i
        mean = (prefix[hi + 1] - prefix[lo]) / (hi - lo + 1)
        hb = max(hts - mean, 1.0)
        log_hb = math.log10(hb)
        loss = fpar[F_HATA_C] - 13.82 * log_hb + (44.9 - 6.55 * log_hb) * math.log10(d / 1000.0)
        loss = max(loss, fspl(d, f_mhz))
        if loss > fpar[F_LMAX]:
            # out of reach already without diffraction (which only adds loss): skip it
            row[i] = loss
            continue
        # terrain beyond the smooth earth only: Hata already holds the ground (towerplan.coverage._hata_terrain)
        loss += terrain_excess_db(ipar[I_DIFF], ipar[I_EDGES], dist, z, i, hts, z[i] + h_rx, lam, v1, v2, resid,
                                  masked, zeros)
        row[i] = loss


@njit(cache=True, parallel=True)
def radial_losses_hata(dem, col_off, row_off, site_col, site_row, res_x, res_y, step_m, n0, first, count, model,
                       fpar, ipar):
    """Path loss (dB) along ``n0`` radials of a free-space / Hata / COST-231 site (``model`` 0-2)."""
    nmax = 0
    for j in range(n0):
        nmax = max(nmax, count[j])
    table = np.full((n0, max(nmax, 2)), np.nan, dtype=np.float32)
    n_chunks = min(n0, 64)
    # radials are independent: chunks run in parallel (numba threads), each with its own
    # scratch arrays; radial j goes to chunk j % n_chunks, so costs balance across rings.
    # The result does not depend on the number of threads.
    for chunk in prange(n_chunks):
        z = np.empty(nmax + 1)
        dist = np.empty(nmax + 1)
        prefix = np.empty(nmax + 2)
        zeros = np.zeros(nmax + 1)
        row = np.empty(nmax + 1)
        scratch = np.empty((4, nmax + 1))
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
            _hata_radial(row, z, dist, n, fi, step_m, model, fpar, ipar, prefix, zeros, scratch)
            for i in range(fi, n):
                table[j, i] = row[i]
    return table
