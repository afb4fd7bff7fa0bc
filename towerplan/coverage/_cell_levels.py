"""Levels of one site at a list of cells (the coverage matrix's demand cells), without window rasters.

The same values, cell by cell, as the engine's window path (:func:`towerplan.coverage.engine.run_batch`
after :func:`~towerplan.coverage._kernels.fill_window`, :func:`~towerplan.coverage._kernels.site_geometry`
and :func:`~towerplan.coverage._kernels.accumulate_sector`): each cell's loss, angles and sector level
come from the same inlined definitions (:func:`~._kernels.fill_cell`, :func:`~._kernels.cell_angles`,
:func:`~._gain_kernels.sector_level_dbm`); only the cells asked for are visited and nothing window-sized is
allocated. :func:`cell_samples` finds the samples each cell reads once, before the radial table (they are the
table's wanted samples, :func:`~._reach_need.mark_wanted`), and :func:`cell_losses_samples` fills the cells from
them after it, without finding them again. Numba's ``cache=True`` keys kernels on their own file: after editing this
module delete ``towerplan/coverage/__pycache__/*.nb[ic]``.
"""

from __future__ import annotations

import math

from numba import njit

from towerplan.coverage._gain_kernels import sector_level_dbm
from towerplan.coverage._kernels import cell_angles, fill_cell, fill_samples, sample_mean


@njit(cache=True)
def cell_losses_angles(table, n0, lmax, radius_m, step_m, site_x, site_y, left, top, res_x, res_y, rows, cols,
                       max_loss_db, cut_m, dem, off_r, off_c, z_tx, h_rx, ae, loss, theta, bearing):
    """Loss (float32, NaN: out of the fill or above ``max_loss_db``), theta and bearing (degrees; 0 where the
    loss is NaN) at global cells (``rows``, ``cols``); ``dem``: the filled heights window at (off_r, off_c)."""
    n_samp = table.shape[1]
    for k in range(len(rows)):
        dy = top - (rows[k] + 0.5) * res_y - site_y
        dx = left + (cols[k] + 0.5) * res_x - site_x
        d = math.sqrt(dx * dx + dy * dy)
        theta[k] = 0.0
        bearing[k] = 0.0
        if d > cut_m:
            loss[k] = math.nan
            continue
        loss[k] = fill_cell(table, dx, dy, d, n0, lmax, radius_m, step_m, n_samp, max_loss_db)
        if math.isnan(loss[k]):
            continue
        theta[k], bearing[k] = cell_angles(dx, dy, dem[rows[k] - off_r, cols[k] - off_c], z_tx, h_rx, ae)


@njit(cache=True)
def cell_samples(n0, lmax, radius_m, step_m, site_x, site_y, left, top, res_x, res_y, rows, cols, n_samp, cut_m,
                 wanted, idx, wts):
    """The four radial samples each global cell (``rows``, ``cols``) reads in the fill (:func:`~._kernels.fill_samples`,
    as :func:`cell_losses_angles` finds them): ``idx[k]`` = (j0, j1, i0), ``wts[k]`` = (wa, wt, d), the distance d
    (m) as :func:`cell_losses_angles` computes it; ``idx[k, 0]`` = -1 for a cell beyond ``cut_m``. Marks them in
    ``wanted`` (``wanted[j, i]`` = 1, :func:`~._reach_need.mark_wanted`)."""
    for k in range(len(rows)):
        dy = top - (rows[k] + 0.5) * res_y - site_y
        dx = left + (cols[k] + 0.5) * res_x - site_x
        d = math.sqrt(dx * dx + dy * dy)
        if d > cut_m:
            idx[k, 0] = -1
            continue
        j0, j1, i0, wa, wt = fill_samples(dx, dy, d, n0, lmax, radius_m, step_m, n_samp)
        idx[k, 0] = j0
        idx[k, 1] = j1
        idx[k, 2] = i0
        wts[k, 0] = wa
        wts[k, 1] = wt
        wts[k, 2] = d
        wanted[j0, i0] = 1
        wanted[j0, i0 + 1] = 1
        wanted[j1, i0] = 1
        wanted[j1, i0 + 1] = 1


@njit(cache=True)
def cell_losses_samples(table, idx, wts, rows, cols, r_lo, r_hi, c_lo, c_hi, max_loss_db, cut_m, site_x, site_y, left,
                        top, res_x, res_y, dem, off_r, off_c, z_tx, h_rx, ae, loss, theta, bearing):
    """:func:`cell_losses_angles` from the samples :func:`cell_samples` found (``idx``, ``wts``; the same ``table``
    width as its ``n_samp``) at the cells inside rows ``r_lo:r_hi``, columns ``c_lo:c_hi`` (NaN outside): the same
    values, bit for bit (:func:`~._kernels.fill_cell` is :func:`~._kernels.sample_mean` of those samples)."""
    for k in range(len(rows)):
        theta[k] = 0.0
        bearing[k] = 0.0
        r = rows[k]
        c = cols[k]
        if r < r_lo or r >= r_hi or c < c_lo or c >= c_hi or idx[k, 0] < 0 or wts[k, 2] > cut_m:
            loss[k] = math.nan
            continue
        loss[k] = sample_mean(table, idx[k, 0], idx[k, 1], idx[k, 2], wts[k, 0], wts[k, 1], max_loss_db)
        if math.isnan(loss[k]):
            continue
        dy = top - (r + 0.5) * res_y - site_y
        dx = left + (c + 0.5) * res_x - site_x
        theta[k], bearing[k] = cell_angles(dx, dy, dem[r - off_r, c - off_c], z_tx, h_rx, ae)


@njit(cache=True)
def accumulate_cells(loss, theta, bearing, azimuth_deg, omni, h_bw, v_bw, e_tilt, m_tilt, fb_db, sla_db, tabulated,
                     tables, base_dbm, threshold_dbm, best, count):
    """One sector's level at each cell into ``best`` (the largest level, float32) and ``count`` (sectors at or
    above ``threshold_dbm``): :func:`~towerplan.coverage._kernels.accumulate_sector`'s tests and level."""
    for k in range(len(loss)):
        lo = loss[k]
        if not base_dbm - lo >= threshold_dbm:  # NaN, or out of reach even at boresight
            continue
        phi = 0.0
        if not omni:
            phi = bearing[k] - azimuth_deg
        level = sector_level_dbm(lo, phi, theta[k], omni, h_bw, v_bw, e_tilt, m_tilt, fb_db, sla_db, tabulated,
                                 tables, base_dbm)
        if not level >= threshold_dbm:
            continue
        count[k] += 1
        if level > best[k]:
            best[k] = level
