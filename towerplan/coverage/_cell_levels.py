"""Levels of one site at a list of cells (the coverage matrix's demand cells), without window rasters.

The same values, cell by cell, as the engine's window path (:func:`towerplan.coverage.engine.run_batch`
after :func:`~towerplan.coverage._kernels.fill_window`, :func:`~towerplan.coverage._kernels.site_geometry`
and :func:`~towerplan.coverage._kernels.accumulate_sector`): each cell's loss, angles and sector level
come from the same inlined definitions (:func:`~._kernels.fill_cell`, :func:`~._kernels.cell_angles`,
:func:`~._gain_kernels.sector_level_dbm`); only the cells asked for are visited and nothing window-sized is
allocated. Numba's ``cache=True`` keys kernels on their own file: after editing this module delete
``towerplan/coverage/__pycache__/*.nb[ic]``.
"""

from __future__ import annotations

import math

from numba import njit

from towerplan.coverage._gain_kernels import sector_level_dbm
from towerplan.coverage._kernels import cell_angles, fill_cell


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
