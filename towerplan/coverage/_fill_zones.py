"""The fill of a site's window from two radial tables: the main zone's and the extended zone's.

``CoverageConfig.extended_spacing_m`` (:mod:`.site_radials`): near the site (distance <= ``r_main``) a cell
takes its loss from the main table (the main radial spacing), beyond ``r_blend`` from the extended zone's table
of wider-spaced radials (the same sample step along them), and in the ring between the two the linear blend of
both (weight of the extended one ``(d - r_main) / (r_blend - r_main)``), so that the zones meet without a step.
Each table is read as :func:`~._kernels.fill_window` reads one (:func:`~._kernels.fill_cell`: the four samples
around the cell, bilinear in azimuth and distance), with its own layout (radial count, octave levels, radius,
step) and its own cut (beyond it the table holds no finite sample).
"""

from __future__ import annotations

import math

from numba import njit, prange

from towerplan.coverage._kernels import fill_cell

__all__ = ["fill_window_zones"]


@njit(cache=True, inline="always")
def _zone_cell(table, dx, dy, d, n0, lmax, radius_m, step_m, cut_m):
    """The mean :func:`~._kernels.fill_cell` gives the cell from one table, without the loss limit; NaN
    beyond the table's cut."""
    if d > cut_m:
        return math.nan
    return fill_cell(table, dx, dy, d, n0, lmax, radius_m, step_m, table.shape[1], math.inf)


@njit(cache=True, parallel=True)
def fill_window_zones(main, far, r_main, r_blend, site_x, site_y, left, top, res_x, res_y, r_lo, c_lo, out,
                      max_loss_db):
    """:func:`~._kernels.fill_window` from two tables (float32 ``out``; every cell, no mask).

    ``main`` / ``far``: (table, n0, lmax, radius_m, step_m, cut_m) of the main zone's table (cast to
    ``radius_m`` = ``r_blend``) and of the extended zone's (cast to the site's radius). NaN where the
    loss exceeds ``max_loss_db`` and beyond both cuts.
    """
    t_m, n0_m, lmax_m, rad_m, step_m, cut_m = main
    t_f, n0_f, lmax_f, rad_f, step_f, cut_f = far
    h, w = out.shape
    width = r_blend - r_main
    for r in prange(h):
        y = top - (r_lo + r + 0.5) * res_y
        dy = y - site_y
        for c in range(w):
            x = left + (c_lo + c + 0.5) * res_x
            dx = x - site_x
            d = math.sqrt(dx * dx + dy * dy)
            if d <= r_main:
                v = _zone_cell(t_m, dx, dy, d, n0_m, lmax_m, rad_m, step_m, cut_m)
            elif d >= r_blend:
                v = _zone_cell(t_f, dx, dy, d, n0_f, lmax_f, rad_f, step_f, cut_f)
            else:
                vm = _zone_cell(t_m, dx, dy, d, n0_m, lmax_m, rad_m, step_m, cut_m)
                vf = _zone_cell(t_f, dx, dy, d, n0_f, lmax_f, rad_f, step_f, cut_f)
                if math.isnan(vm):
                    v = vf
                elif math.isnan(vf):
                    v = vm
                else:
                    wf = (d - r_main) / width
                    v = (1.0 - wf) * vm + wf * vf
            out[r, c] = v if v <= max_loss_db else math.nan
