"""Cells computed point to point: the ``exact`` mode and the adaptive refinement of the raster.

``CoverageConfig.cell_loss`` (ITM and P.1812 sites; the other models stay raster):

* ``"raster"``: every cell interpolates between two radials and two samples
  (:func:`towerplan.coverage._kernels.fill_window`).
* ``"refine"``: adaptive refinement. Where the four samples a cell interpolates differ
  by more than ``CoverageConfig.refine_spread_db`` (a horizon edge passes between the
  radials, or the loss jumps along them), the interpolation is not trusted and that cell is
  computed point to point on its own profile; elsewhere it keeps the raster's value. The
  idea is the error-driven refinement of adaptive mesh methods (M. J. Berger and J. Oliger,
  "Adaptive mesh refinement for hyperbolic partial differential equations", J. Comput. Phys.
  53, 1984), with the spread of the interpolated samples as the error indicator.
* ``"exact"``: every cell within the site's radius is computed point to point.

"Point to point" is the model on the profile from the site to the cell centre on the study
grid (bilinear, ``round(d / step)`` equal intervals, ``step`` the radials' sample spacing):
ITM through the kernel of :func:`towerplan.coverage.itm.itm_p2p_db` (:mod:`._cell_itm`),
P.1812 through the Recommendation's path kernel (:mod:`._cell_p1812`, equal to
:func:`towerplan.coverage.p1812.p1812_p2p_db`; with the land cover as clutter). The reach
rules are the raster's: cells beyond the site's cut or above its loss limit are NaN, and with
``refine`` a cell reading a sample a reach bound showed out of reach keeps the fill's value.
Results do not depend on threads or executors (every cell is computed on its own).
Costs are measured in ``bench/README.md`` ("Accuracy on a real terrain tile").
"""

from __future__ import annotations

import logging

import numpy as np

from towerplan.coverage import _kernels as kern
from towerplan.coverage._cell_select import flagged_cells, select_cells

__all__ = ["CELL_LOSS_MODES", "point_to_point_cells"]

log = logging.getLogger(__name__)

#: the values of ``CoverageConfig.cell_loss``
CELL_LOSS_MODES = ("raster", "refine", "exact")


def point_to_point_cells(out: np.ndarray, table: np.ndarray, *, dem: np.ndarray, off: tuple[int, int],
                         geo: tuple[float, float, float, float], site: tuple[float, float],
                         layout: tuple[int, int, float, float, float], origin: tuple[int, int], model: int,
                         params: tuple[np.ndarray, np.ndarray], clutter: tuple[np.ndarray, np.ndarray],
                         mode: str, spread_db: float, mask: np.ndarray) -> int:
    """Replace the filled loss ``out`` (float32, window at global ``origin`` = (r_lo, c_lo)) by the
    point-to-point loss on the cells ``mode`` selects; returns how many cells were computed.

    ``table`` is the site's radial table, ``layout`` = (n0, lmax, radius_m, step_m, cut_m) the
    fill's; ``dem`` the gap-filled DEM window at global ``off``; ``geo`` = (left, top, res_x,
    res_y); ``site`` = (x, y); ``params`` = (fpar, ipar) of the radial sweep; ``clutter`` the
    (height, code) windows aligned with ``dem`` (empty: none); ``mask`` the fill's (empty: every cell).
    """
    if mode == "raster" or model not in (kern.MODEL_ITM, kern.MODEL_P1812) or out.size == 0:
        return 0
    n0, lmax, radius_m, step_m, cut_m = layout
    left, top, res_x, res_y = geo
    site_x, site_y = site
    r_lo, c_lo = origin
    h, w = out.shape
    flags = np.zeros((h, w), dtype=np.uint8)
    select_cells(table, n0, lmax, radius_m, step_m, site_x, site_y, left, top, res_x, res_y, r_lo, c_lo, h, w, cut_m,
                 mask, float(spread_db), mode == "exact", flags)
    rows, cols = flagged_cells(flags)
    if rows.size == 0:
        return 0
    fpar, ipar = params
    site_col = (site_x - left) / res_x - 0.5
    site_row = (top - site_y) / res_y - 0.5
    geometry = (dem, off[1], off[0], site_col, site_row, site_x, site_y, left, top, res_x, res_y, step_m, rows, cols,
                r_lo, c_lo, fpar, ipar)
    if model == kern.MODEL_ITM:
        from towerplan.coverage._cell_itm import itm_cells  # ITM's kernels load only when used

        itm_cells(*geometry, fpar[kern.F_LMAX], out)
    else:
        from towerplan.coverage._cell_p1812 import p1812_cells  # P.1812's kernels load only when used

        p1812_cells(*geometry, clutter[0], clutter[1], fpar[kern.F_LMAX], out)
    log.debug("%s: %d of %d window cells computed point to point", mode, rows.size, out.size)
    return int(rows.size)
