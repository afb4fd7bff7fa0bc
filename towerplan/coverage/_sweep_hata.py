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
from towerplan.coverage._hata_reach import hata_base_loss, hata_radial_bound
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
from towerplan.coverage._reach_need import mark_needed


@njit(cache=True)
def _hata_radial(row, z, dist, n, first, step_m, model, fpar, ipar, prefix, zeros, scratch, need):
    """Loss (dB) from z[0] to every sample z[first .. n-1] of one radial, into ``row``.

    ``need`` (Hata / COST-231): empty, or the mask of samples to compute (+inf elsewhere, :mod:`._hata_reach`).
    """
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
    masked_run = need.shape[0] > 0
    for i in range(first, n):
        if masked_run and need[i] == 0:
            row[i] = math.inf  # the reach bound shows every cell using this sample out of reach
            continue
        loss = hata_base_loss(prefix, i, n, dist, hts, a3, a15, fpar[F_HATA_C], f_mhz)
        if loss > fpar[F_LMAX]:
            # out of reach already without diffraction (which only adds loss): skip it
            row[i] = loss
            continue
        # terrain beyond the smooth earth only: Hata already holds the ground (towerplan.coverage._hata_terrain)
        loss += terrain_excess_db(ipar[I_DIFF], ipar[I_EDGES], dist, z, i, hts, z[i] + h_rx, lam, v1, v2, resid,
                                  masked, zeros)
        row[i] = loss


@njit(cache=True, parallel=True, nogil=True)
def _hata_needed(dem, col_off, row_off, site_col, site_row, res_x, res_y, step_m, n0, lmax, radius_m, first, count,
                 fpar, ipar, lneed, nmax):
    """Reach bound of a Hata / COST-231 site: the mask of radial samples to compute (:mod:`._hata_reach`)."""
    lbt = np.full((n0, nmax + 1), np.inf)
    n_chunks = min(n0, 64)
    for chunk in prange(n_chunks):
        z = np.empty(nmax + 1)
        dist = np.empty(nmax + 1)
        prefix = np.empty(nmax + 2)
        v1 = np.empty(nmax + 1)
        v2 = np.empty(nmax + 1)
        lb = np.empty(nmax + 1)
        for i in range(nmax + 1):
            dist[i] = i * step_m
        for j in range(chunk, n0, n_chunks):
            n = count[j]
            if n < 2:
                continue
            sample_terrain(dem, col_off, row_off, site_col, site_row, res_x, res_y, dist, n, j, n0, z)
            fi = min(max(first[j], 1), n - 1)
            hata_radial_bound(z, dist, n, fi, step_m, z[0] + fpar[F_HTX], fpar[F_HRX], fpar[F_FREQ], fpar[F_LAM],
                              fpar[F_HATA_C], fpar[F_LMAX], ipar[I_DIFF], prefix, v1, v2, 1e15, lb)
            for i in range(fi, n):
                lbt[j, i] = lb[i]
    need = np.zeros((n0, nmax + 1), dtype=np.uint8)
    mark_needed(lbt, lneed, n0, lmax, radius_m, step_m, first, count, need, np.zeros((0, 0), dtype=np.uint8))
    return need


@njit(cache=True, parallel=True, nogil=True)
def radial_losses_hata(dem, col_off, row_off, site_col, site_row, res_x, res_y, step_m, n0, first, count, model,
                       fpar, ipar, lneed, lmax, radius_m):
    """Path loss (dB) along ``n0`` radials of a free-space / Hata / COST-231 site (``model`` 0-2).

    ``lneed`` (Hata / COST-231; empty: no bound): per radial, the largest loss that can matter;
    samples the reach bound (:mod:`._hata_reach`) shows beyond it are +inf.
    """
    nmax = np.int64(0)  # not Literal[int](0): one signature of _hata_needed
    for j in range(n0):
        nmax = max(nmax, count[j])
    bounded = lneed.shape[0] == n0 and model != MODEL_FSPL
    need_all = np.zeros((0, 0), dtype=np.uint8)
    if bounded:
        need_all = _hata_needed(dem, col_off, row_off, site_col, site_row, res_x, res_y, step_m, n0, lmax, radius_m,
                                first, count, fpar, ipar, lneed, nmax)
    table = np.full((n0, max(int(nmax), 2)), np.nan, dtype=np.float32)
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
        no_mask = np.zeros(0, dtype=np.uint8)
        for i in range(nmax + 1):
            dist[i] = i * step_m
        for j in range(chunk, n0, n_chunks):
            n = count[j]
            if n < 2:
                continue
            fi = min(max(first[j], 1), n - 1)
            need = no_mask
            if bounded:
                need = need_all[j]
                last = -1
                for i in range(n - 1, fi - 1, -1):
                    if need[i]:
                        last = i
                        break
                # the profile beyond the last sample needed is never read: stop the radial there
                for i in range(max(last + 1, fi), n):
                    table[j, i] = np.inf
                n = last + 1
                if n <= fi:
                    continue
            sample_terrain(dem, col_off, row_off, site_col, site_row, res_x, res_y, dist, n, j, n0, z)
            for i in range(n):
                row[i] = math.nan
            _hata_radial(row, z, dist, n, fi, step_m, model, fpar, ipar, prefix, zeros, scratch, need)
            for i in range(fi, n):
                table[j, i] = row[i]
    return table
