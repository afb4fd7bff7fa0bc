"""ITU-R P.1812 point to point, cell by cell, over the study grid (numba; :mod:`towerplan.coverage.cell_loss`).

Each flagged cell gets one P.1812-7 path (:func:`~._p1812_radial.p1812_radial_loss` asked for
its last point only: the prefix tables and :func:`~._p1812_kernels.p1812_path` of the
Recommendation on the whole profile, as :func:`towerplan.coverage.p1812.p1812_p2p_db`) on its
own profile from the site to the cell centre, ``round(d / step)`` intervals; clutter and
zone per point as the radial sweep takes them (nearest cell; sea zone where the code is 1
and the ground at most 1 m). Loaded only when a P.1812 site needs it.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from towerplan.coverage._cell_select import cell_path
from towerplan.coverage._kernels import (
    CLUTTER_DEFAULT_CODE,
    CLUTTER_DEFAULT_H,
    F_DN,
    F_FREQ,
    F_HRX,
    F_HTX,
    F_LOC,
    F_N0,
    F_PHI,
    F_SIGL,
    F_TIME,
    I_POL,
    SEA_LEVEL_M,
)
from towerplan.coverage._p1812_radial import p1812_radial_loss, sample_clutter


@njit(cache=True, parallel=True, nogil=True)
def p1812_cells(dem, col_off, row_off, site_col, site_row, site_x, site_y, left, top, res_x, res_y, step_m, rows,
                cols, r_lo, c_lo, fpar, ipar, clut_h, clut_code, max_loss_db, out):
    """P.1812 loss at window cells (``rows``, ``cols``; window at global (r_lo, c_lo)) into float32 ``out``.

    ``clut_h`` / ``clut_code``: windows aligned with ``dem`` (an empty code array: open/rural
    everywhere). NaN where the loss exceeds ``max_loss_db``.
    """
    has_clutter = clut_code.shape[0] > 0
    no_mask = np.zeros(0, dtype=np.uint8)
    for k in prange(len(rows)):
        r = rows[k]
        c = cols[k]
        gr = r_lo + r
        gc = c_lo + c
        d, m, z = cell_path(dem, col_off, row_off, site_col, site_row, site_x, site_y, left, top, res_x, res_y, gr, gc,
                            step_m)
        rclut = np.full(m + 1, CLUTTER_DEFAULT_H)
        zone = np.full(m + 1, 4, dtype=np.int64)
        if has_clutter:
            for i in range(m + 1):
                f = i / m
                rh, code = sample_clutter(clut_h, clut_code, site_col + f * (gc - site_col) - col_off,
                                          site_row + f * (gr - site_row) - row_off, CLUTTER_DEFAULT_H,
                                          CLUTTER_DEFAULT_CODE)
                rclut[i] = rh
                zone[i] = 1 if (code == 1 and z[i] <= SEA_LEVEL_M) else 4
        lb = np.full(m + 1, math.nan)
        p1812_radial_loss(z, rclut, zone, d / m, fpar[F_FREQ] / 1000.0, fpar[F_TIME], fpar[F_HTX], fpar[F_HRX],
                          ipar[I_POL] == 1, fpar[F_PHI], fpar[F_DN], fpar[F_N0], fpar[F_LOC], fpar[F_SIGL], m, lb,
                          no_mask)
        v = lb[m]
        out[r, c] = v if v <= max_loss_db else math.nan
