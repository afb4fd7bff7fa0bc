"""One site's footprint: the cells a few sectors at one place reach, without a whole coverage run.

The public per-site API of the coverage engine for callers that evaluate many
hypothetical sites one by one (the placement's coverage matrix,
:mod:`towerplan.planning.matrix`): :func:`dem_window` cuts the DEM around a site and
:func:`reach_cells` runs the engine's own steps on it (window and hole filling, site
groups, one batch task and :func:`towerplan.coverage.engine.run_batch`) without the
full-window accumulators and result rasters. The cells are those where
``run_coverage(window, sectors)`` gives a level at or above the threshold.
"""

from __future__ import annotations

import math

import numpy as np
from affine import Affine

from towerplan.coverage.clutter import ClutterGrid
from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.engine import _fill_dem, _tasks, run_batch
from towerplan.coverage.plan import Sectors, plan_groups
from towerplan.coverage.terminal_clutter import uses_clutter
from towerplan.errors import RasterDataError
from towerplan.grid import Grid

__all__ = ["dem_window", "reach_cells", "reach_levels"]


def dem_window(dem: Grid, x: float, y: float, radius_m: float) -> tuple[Grid, int, int]:
    """The part of ``dem`` within ``radius_m`` (plus two cells) of ``(x, y)`` (DEM CRS, metres), and
    the row and column of its top-left cell in ``dem``."""
    r, c = dem.rowcol(x, y)
    n = math.ceil(radius_m / min(dem.res)) + 2
    r0, r1 = max(int(r) - n, 0), min(int(r) + n + 1, dem.height)
    c0, c1 = max(int(c) - n, 0), min(int(c) + n + 1, dem.width)
    t = dem.transform @ Affine.translation(c0, r0)
    return Grid(dem.values[r0:r1, c0:c1], t, dem.crs, dem.nodata), r0, c0


def reach_cells(dem: Grid, sectors: Sectors, x: float, y: float, config: CoverageConfig, *,
                clutter: ClutterGrid | None = None) -> np.ndarray:
    """Flat indices (in ``dem``) of the cells the sectors of one site at ``(x, y)`` reach at or above
    ``config.threshold_dbm``.

    ``clutter``: land cover on ``dem``'s whole grid (as for ``run_coverage``), cut to the window.

    ``sectors``: prepared with :func:`towerplan.coverage.plan.prepare_stations` (all at one
    place). The same cells as ``run_coverage`` on the site's :func:`dem_window` with the serial
    executor. The kernels run on one numba thread (``run_batch`` sets it; the caller restores
    its count): a site's window is small, and on a busy machine the threads' fork-join cost
    more than they share (``bench/README.md``).
    """
    return reach_levels(dem, sectors, x, y, config, clutter=clutter)[0]


def reach_levels(dem: Grid, sectors: Sectors, x: float, y: float, config: CoverageConfig, *,
                 clutter: ClutterGrid | None = None,
                 only: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`reach_cells` and the site's best level there (dBm, float32, the engine's ``best_level``).

    ``only``: a boolean mask on ``dem``'s grid (the coverage matrix's demand cells): the cells
    returned inside it are the same as without it, those outside it may be missing. With the
    P.1812 reach bound, radial samples no masked cell reads are never computed
    (:func:`towerplan.coverage._p1812_reach.mark_wanted`); the other models ignore it.
    """
    if clutter is not None and clutter.shape != dem.shape:
        raise RasterDataError(f"the clutter grid {clutter.shape} is not on the DEM's grid {dem.shape}")
    if only is not None and np.shape(only) != dem.shape:
        raise RasterDataError(f"the mask {np.shape(only)} is not on the DEM's grid {dem.shape}")
    win, r0, c0 = dem_window(dem, x, y, config.max_radius_m)
    dem_z, holes = _fill_dem(win)
    groups = plan_groups(sectors, win, dem_z, config)
    clut = None
    if clutter is not None and uses_clutter(clutter, {g.model for g in groups}):  # P.1812, P.2108 terminal loss
        clut = clutter.subgrid(r0, r0 + win.height, c0, c0 + win.width)
    left, _, _, top = win.bounds
    geo = (left, top, win.res[0], win.res[1])
    task = next(_tasks(groups, [list(range(len(groups)))], dem_z, geo, config, len(sectors.operators),
                       len(sectors.technologies), 1, clut))
    if only is not None:
        (o_r, o_c), (o_h, o_w) = task["off"], task["dem"].shape
        task["only"] = np.asarray(only[r0: r0 + win.height, c0: c0 + win.width], dtype=bool)[
            o_r: o_r + o_h, o_c: o_c + o_w]
    part = run_batch(task)
    p_r0, p_r1, p_c0, p_c1 = part["box"]
    hit = part["acc"]["count"] > 0
    hit &= ~holes[p_r0:p_r1, p_c0:p_c1]
    rr, cc = np.nonzero(hit)
    return (rr + (p_r0 + r0)) * dem.width + (cc + (p_c0 + c0)), part["acc"]["best"][rr, cc]
