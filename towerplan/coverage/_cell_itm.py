"""ITM point to point, cell by cell, over the study grid (numba; :mod:`towerplan.coverage.cell_loss`).

Each flagged cell gets NTIA ITM point-to-point (:func:`~._itm_kernels.p2p_one`, the kernel of
:func:`towerplan.coverage.itm.itm_p2p_db`) on its own profile from the site to the cell
centre (:func:`~._cell_select.cell_profile`), ``round(d / step)`` intervals: Delta h exact, no
interpolation between radials or samples. Loaded only when an ITM site needs it.
"""

from __future__ import annotations

import math

from numba import njit, prange

from towerplan.coverage._cell_select import cell_path
from towerplan.coverage._itm_kernels import p2p_one
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
    I_MDVAR,
    I_POL,
)


@njit(cache=True, parallel=True, nogil=True)
def itm_cells(dem, col_off, row_off, site_col, site_row, site_x, site_y, left, top, res_x, res_y, step_m, rows, cols,
              r_lo, c_lo, fpar, ipar, max_loss_db, out):
    """ITM loss at window cells (``rows``, ``cols``; window at global (r_lo, c_lo)) into float32 ``out``.

    NaN where the loss exceeds ``max_loss_db`` (as the fill) or ITM fails on the path.
    """
    for k in prange(len(rows)):
        r = rows[k]
        c = cols[k]
        gr = r_lo + r
        gc = c_lo + c
        d, m, z = cell_path(dem, col_off, row_off, site_col, site_row, site_x, site_y, left, top, res_x, res_y, gr, gc,
                            step_m)
        row = p2p_one(z, d / m, fpar[F_HTX], fpar[F_HRX], ipar[I_CLIMATE], fpar[F_N0], fpar[F_FREQ], ipar[I_POL],
                      fpar[F_EPS], fpar[F_SIGMA], ipar[I_MDVAR], fpar[F_TIME], fpar[F_LOC], fpar[F_SIT])
        v = row[0]
        out[r, c] = v if (row[4] == 0 and v <= max_loss_db) else math.nan
