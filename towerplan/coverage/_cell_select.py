"""Which cells of a site's window are computed point to point (numba; :mod:`towerplan.coverage.cell_loss`).

The fill (:func:`towerplan.coverage._kernels.fill_window`) reads four radial samples per
cell: two radials (the cell's ring level, either side of its azimuth) times two samples
(either side of its distance). :func:`select_cells` repeats that indexing and flags a cell
when the finite samples it reads (positive weight) differ by more than ``spread_db``
(``refine``), or every cell (``exact``). A cell reading a +inf sample (shown out of reach
by a reach bound) or none is left to the fill, as in raster mode. Cells beyond ``cut_m``
or outside ``mask`` (non-empty) are never flagged. Profiles from the site to a cell centre
are sampled by :func:`cell_profile`, as the radials are (:func:`~._kernels.terrain_at`: bilinear
on the gap-filled DEM, or on the source tile; global pixel coordinates).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from towerplan.coverage._kernels import ROW_CHUNKS, fill_samples, terrain_at


@njit(cache=True)
def _spread(table, j0, j1, i0, wa, wt):
    """max - min of the finite samples with positive weight; -1 when none, +inf when one is +inf."""
    lo = math.inf
    hi = -math.inf
    for jj, ii, w in ((j0, i0, (1.0 - wa) * (1.0 - wt)), (j0, i0 + 1, (1.0 - wa) * wt),
                      (j1, i0, wa * (1.0 - wt)), (j1, i0 + 1, wa * wt)):
        if w <= 0.0:
            continue
        v = table[jj, ii]
        if math.isnan(v):
            continue
        if math.isinf(v):
            return math.inf
        lo = min(lo, v)
        hi = max(hi, v)
    if hi < lo:
        return -1.0
    return hi - lo


@njit(cache=True, parallel=True, nogil=True)
def select_cells(table, n0, lmax, radius_m, step_m, site_x, site_y, left, top, res_x, res_y, r_lo, c_lo, h, w,
                 cut_m, mask, spread_db, every, flags):
    """Flag (uint8 ``flags`` shaped (h, w), window at global (r_lo, c_lo)) the cells to compute exactly.

    ``every``: all cells within ``cut_m`` (and ``mask``); otherwise those whose samples
    spread by more than ``spread_db``. The indexing is the fill's.
    """
    n_samp = table.shape[1]
    masked = mask.shape[0] > 0
    n_ch = min(h, ROW_CHUNKS)
    for ch in prange(n_ch):  # rows interleaved over the chunks (ROW_CHUNKS)
        for r in range(ch, h, n_ch):
            y = top - (r_lo + r + 0.5) * res_y
            dy = y - site_y
            for c in range(w):
                flags[r, c] = 0
                if masked and mask[r, c] == 0:
                    continue
                x = left + (c_lo + c + 0.5) * res_x
                dx = x - site_x
                d = math.sqrt(dx * dx + dy * dy)
                if d > cut_m or d < 1e-3:
                    continue
                if every:
                    flags[r, c] = 1
                    continue
                j0, j1, i0, wa, wt = fill_samples(dx, dy, d, n0, lmax, radius_m, step_m, n_samp)
                sp = _spread(table, j0, j1, i0, wa, wt)
                if sp > spread_db and sp < math.inf:
                    flags[r, c] = 1


@njit(cache=True)
def cell_profile(dem, col_off, row_off, site_col, site_row, cell_col, cell_row, m, z):
    """Terrain of ``m + 1`` equally spaced points from the site to a cell centre into ``z[:m + 1]``.

    Fractional global pixel coordinates of both ends; ``dem`` is the window at
    (row_off, col_off), or the (source window, map) pair of :func:`~._kernels.terrain_at`; as
    :func:`~._kernels.sample_terrain` samples radials.
    """
    for k in range(m + 1):
        f = k / m
        z[k] = terrain_at(dem, site_col + f * (cell_col - site_col), site_row + f * (cell_row - site_row), col_off,
                          row_off)


@njit(cache=True, inline="always")  # in hot loops: no call per sample or cell
def cell_path(dem, col_off, row_off, site_col, site_row, site_x, site_y, left, top, res_x, res_y, gr, gc, step_m):
    """The path from the site to global cell (``gr``, ``gc``): its length d (m), its number of steps m
    (about ``step_m`` each, at least one) and the terrain of its m + 1 points (:func:`cell_profile`)."""
    d = math.hypot(left + (gc + 0.5) * res_x - site_x, top - (gr + 0.5) * res_y - site_y)
    m = max(math.floor(d / step_m + 0.5), 1)
    z = np.empty(m + 1)
    cell_profile(dem, col_off, row_off, site_col, site_row, float(gc), float(gr), m, z)
    return d, m, z


def flagged_cells(flags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices (int64) of the flagged cells, in row-major order."""
    rr, cc = np.nonzero(flags)
    return rr.astype(np.int64), cc.astype(np.int64)
