"""One site's footprint: the cells a few sectors at one place reach, without a whole coverage run.

The public per-site API of the coverage engine for callers that evaluate many
hypothetical sites one by one (the placement's coverage matrix,
:mod:`towerplan.planning.matrix`):

* :func:`footprint_terrain` prepares the DEM once (hole filling, the block minima of
  the reach bound, the land cover) and :func:`site_footprint` runs the engine's own
  steps for one site on it (site groups, one batch task and
  :func:`towerplan.coverage.engine.run_batch`) without the full-grid accumulators and
  result rasters: the cells are those where ``run_coverage(dem, sectors)`` gives a level
  at or above the threshold, with the same levels;
* :func:`demand_footprint` gives the same cells restricted to a fixed set of cells indexed once
  (:class:`DemandCells`, the matrix's demand): each site looks its cells up instead of scanning a mask,
  and its radials read the prepared DEM and land cover in place (no window copied per site);
* :func:`reach_cells` / :func:`reach_levels` do the same on a window of the DEM cut
  around the site (:func:`dem_window`), as ``run_coverage(window, sectors)``; they fill
  and plan that window on every call.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from affine import Affine

from towerplan.coverage._cell_levels import accumulate_cells, cell_losses_angles, cell_losses_samples
from towerplan.coverage._demand_cells import DemandCells
from towerplan.coverage._kernels import F_LMAX, bilinear
from towerplan.coverage.calibration import has_terms
from towerplan.coverage.clutter import ClutterGrid
from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.engine import _fill_dem, _tasks, run_batch, sector_gain_args
from towerplan.coverage.plan import Sectors, SiteGroup, block_minima, plan_groups
from towerplan.coverage.site_radials import site_table
from towerplan.coverage.terminal_clutter import terminal_loss_applies, uses_clutter
from towerplan.errors import RasterDataError
from towerplan.grid import Grid

__all__ = ["DemandCells", "FootprintTerrain", "dem_window", "demand_footprint", "footprint_terrain", "groups_footprint",
           "reach_cells", "reach_levels", "site_footprint"]


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
    (:func:`towerplan.coverage._reach_need.mark_wanted`); the other models ignore it.
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


@dataclass(frozen=True, eq=False)
class FootprintTerrain:
    """A DEM prepared once for many sites' footprints (:func:`footprint_terrain`).

    ``filled``: the heights with nodata holes filled as ``run_coverage`` fills them (float64);
    ``holes``: the nodata cells (never in a footprint); ``block_min``: the block minima of
    ``filled`` the Hata / COST-231 radius uses; ``clutter``: the land cover (P.1812, P.2108 terminal loss).
    """

    dem: Grid
    filled: np.ndarray
    holes: np.ndarray
    block_min: np.ndarray
    clutter: ClutterGrid | None = None

    def __post_init__(self) -> None:
        if self.filled.shape != self.dem.shape or self.holes.shape != self.dem.shape:
            raise RasterDataError(f"filled heights {self.filled.shape} / holes {self.holes.shape} are not on the "
                                  f"DEM's grid {self.dem.shape}")
        if self.clutter is not None and self.clutter.shape != self.dem.shape:
            raise RasterDataError(f"the clutter grid {self.clutter.shape} is not on the DEM's grid {self.dem.shape}")


def footprint_terrain(dem: Grid, *, clutter: ClutterGrid | None = None) -> FootprintTerrain:
    """Fill ``dem``'s holes and compute its block minima once, for :func:`site_footprint`."""
    dem.require_metric()
    filled, holes = _fill_dem(dem)
    return FootprintTerrain(dem, filled, holes, block_minima(filled), clutter)


def site_footprint(terrain: FootprintTerrain, sectors: Sectors,
                   config: CoverageConfig) -> tuple[np.ndarray, np.ndarray]:
    """Flat indices (in ``terrain.dem``) of the cells the ``sectors`` reach at or above the threshold, and
    their best level there (dBm, float32): ``run_coverage(terrain.dem, sectors, clutter=terrain.clutter)``'s
    served cells and ``best_level``, serial, the kernels on one numba thread (``run_batch`` sets it; the
    caller restores its count).

    ``sectors``: prepared with :func:`towerplan.coverage.plan.prepare_stations` on ``terrain.dem``.
    """
    groups = plan_groups(sectors, terrain.dem, terrain.filled, config, block_min=terrain.block_min)
    return groups_footprint(terrain, groups, config, n_ops=len(sectors.operators),
                            n_techs=len(sectors.technologies))


def groups_footprint(terrain: FootprintTerrain, groups: list[SiteGroup], config: CoverageConfig, *, n_ops: int,
                     n_techs: int, only: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`site_footprint` of site groups already planned on ``terrain``
    (:func:`towerplan.coverage.plan.site_group`); ``n_ops`` / ``n_techs``: the prepared table's
    operators and technologies. ``only``: a boolean mask on the DEM's grid, as for
    :func:`reach_levels` (cells inside it are the same as without it, others may be missing)."""
    dem = terrain.dem
    left, _, _, top = dem.bounds
    geo = (left, top, dem.res[0], dem.res[1])
    task = next(_tasks(groups, [list(range(len(groups)))], terrain.filled, geo, config, n_ops, n_techs, 1,
                       terrain.clutter))
    if only is not None:
        if np.shape(only) != dem.shape:
            raise RasterDataError(f"the mask {np.shape(only)} is not on the DEM's grid {dem.shape}")
        (o_r, o_c), (o_h, o_w) = task["off"], task["dem"].shape
        task["only"] = np.asarray(only[o_r: o_r + o_h, o_c: o_c + o_w], dtype=bool)
        if _cells_path(task, groups, config):
            return _cells_footprint(terrain, task, config)
    part = run_batch(task)
    p_r0, p_r1, p_c0, p_c1 = part["box"]
    hit = part["acc"]["count"] > 0
    hit &= ~terrain.holes[p_r0:p_r1, p_c0:p_c1]
    rr, cc = np.nonzero(hit)
    return (rr + p_r0) * dem.width + (cc + p_c0), part["acc"]["best"][rr, cc]


def _cells_path(task: dict, groups: list[SiteGroup], config: CoverageConfig) -> bool:
    """Whether :func:`_cells_footprint` gives ``run_batch``'s levels for this task (:func:`_cells_apply`)."""
    return _cells_apply(task.get("terminal") is not None, groups, config)


def _cells_apply(terminal: bool, groups: list[SiteGroup], config: CoverageConfig) -> bool:
    """Whether the cell-by-cell levels (:func:`_cells_levels`) equal ``run_batch``'s: the raster cell loss (no
    point-to-point cells), no P.2108 terminal loss and no calibrated sector (their terms are window arrays)."""
    return config.cell_loss == "raster" and not terminal and not any(has_terms(s) for g in groups for s in g.sectors)


def demand_footprint(terrain: FootprintTerrain, groups: list[SiteGroup], config: CoverageConfig, *, n_ops: int,
                     n_techs: int, cells: DemandCells) -> tuple[np.ndarray, np.ndarray]:
    """:func:`groups_footprint` with ``only`` = the mask ``cells`` indexes (:class:`~._demand_cells.DemandCells`,
    built once for many sites: the coverage matrix's demand): the same cells and levels.

    Where the cells path applies (:func:`_cells_path`) the site's demand cells are looked up in the index, and
    its radials read the whole prepared DEM and land cover (no window copied per site; a site's profiles do not
    depend on the window they are read from); otherwise :func:`groups_footprint` on the mask.
    """
    if cells.shape != terrain.dem.shape:
        raise RasterDataError(f"the indexed cells' grid {cells.shape} is not the DEM's {terrain.dem.shape}")
    models = {g.model for g in groups}
    clutter = terrain.clutter
    if not _cells_apply(terminal_loss_applies(clutter, models), groups, config):
        return groups_footprint(terrain, groups, config, n_ops=n_ops, n_techs=n_techs, only=cells.mask)
    dem = terrain.dem
    # the whole grid's (height, code) arrays, as a batch's ``clutter`` (views of contiguous arrays: no copy)
    clut = clutter.window(0, dem.height, 0, dem.width) if clutter is not None and "p1812" in models else None
    left, _, _, top = dem.bounds
    return _cells_levels(terrain, terrain.filled, (0, 0), (left, top, dem.res[0], dem.res[1]), groups, config, clut,
                         None, cells)


def _cells_footprint(terrain: FootprintTerrain, task: dict, config: CoverageConfig) -> tuple[np.ndarray, np.ndarray]:
    """:func:`groups_footprint` with a mask, visiting only the masked cells (:func:`_cells_levels` on the task)."""
    return _cells_levels(terrain, task["dem"], task["off"], task["geo"], task["groups"], config, task.get("clutter"),
                         task["only"], None)


def _cells_levels(terrain: FootprintTerrain, dem: np.ndarray, off: tuple[int, int],
                  geo: tuple[float, float, float, float], groups: list[SiteGroup], config: CoverageConfig,
                  clutter: tuple[np.ndarray, np.ndarray] | None, only: np.ndarray | None,
                  cells: DemandCells | None) -> tuple[np.ndarray, np.ndarray]:
    """Each group's radial table (:func:`~towerplan.coverage.site_radials.site_table`, the reach bound and the
    wanted samples as in ``run_batch``), then the loss, angles and sectors' levels at the wanted cells of its
    fill's box (:mod:`._cell_levels`, the window path's definitions): the same cells and levels as ``run_batch``.

    ``dem``: the filled heights window at global ``off``; the wanted cells: ``only`` (a mask on that window)
    or ``cells`` (indexed on the whole grid). Where the table kept the group box's wanted cells and the samples
    each reads (:attr:`~.site_radials.SiteTable.cells`: ``cells`` with the P.1812 reach bound), the fill reads
    them (:func:`~._cell_levels.cell_losses_samples`) instead of looking the box's cells up and finding their
    samples again, and the sectors' pass visits only the cells it left within reach: the same cells, levels and
    order (the table's cells are row-major over the group box, which holds the fill's box).
    """
    left, top, res_x, res_y = geo
    ae = config.k_factor * 6_371_000.0
    no_table = np.zeros((2, 360))
    flats, levels = [], []
    for group in groups:
        st = site_table(dem, off, geo, group, config, clutter, only, reach_only=True, only_cells=cells)
        r_lo, r_hi, c_lo, c_hi = st.box
        site_col = (group.x - left) / res_x - 0.5
        site_row = (top - group.y) / res_y - 0.5
        z_tx = bilinear(dem, site_col - off[1], site_row - off[0]) + group.h_tx_m
        if st.cells is not None:  # the group box's wanted cells and their samples, from the table
            rows, cols, idx, wts = st.cells
            k_lo, k_hi = np.searchsorted(rows, (r_lo, r_hi))  # row-major: the fill box's rows are one run
            rows, cols, idx, wts = rows[k_lo:k_hi], cols[k_lo:k_hi], idx[k_lo:k_hi], wts[k_lo:k_hi]
            loss = np.empty(rows.size, dtype=np.float32)
            theta, bearing = np.empty(rows.size), np.empty(rows.size)
            cell_losses_samples(st.table, idx, wts, rows, cols, r_lo, r_hi, c_lo, c_hi, st.fpar[F_LMAX], st.cut_m,
                                group.x, group.y, left, top, res_x, res_y, dem, off[0], off[1], z_tx,
                                config.rx_height_m, ae, loss, theta, bearing)
            live = np.flatnonzero(~np.isnan(loss))  # the sectors' pass skips the others (NaN)
            rows, cols, loss, theta, bearing = rows[live], cols[live], loss[live], theta[live], bearing[live]
        else:
            if cells is not None:
                rows, cols = cells.in_box(st.box)
            else:
                assert only is not None
                rr, cc = np.nonzero(only[r_lo - off[0]: r_hi - off[0], c_lo - off[1]: c_hi - off[1]])
                rows, cols = rr + r_lo, cc + c_lo
            loss = np.empty(rows.size, dtype=np.float32)
            theta, bearing = np.empty(rows.size), np.empty(rows.size)
            cell_losses_angles(st.table, st.n0, st.lmax, group.radius_m, st.step, group.x, group.y, left, top, res_x,
                               res_y, rows, cols, st.fpar[F_LMAX], st.cut_m, dem, off[0], off[1], z_tx,
                               config.rx_height_m, ae, loss, theta, bearing)
        best = np.full(rows.size, -np.inf, dtype=np.float32)
        count = np.zeros(rows.size, dtype=np.int32)
        for s in group.sectors:
            accumulate_cells(loss, theta, bearing,  # type: ignore[call-arg]  # numba stub rejects *args
                             *sector_gain_args(s, group.patterns, config.front_to_back_db, config.side_lobe_db,
                                               no_table),
                             float(s["base_dbm"]), config.threshold_dbm, best, count)
        hit = (count > 0) & ~terrain.holes[rows, cols]
        flats.append(rows[hit] * terrain.dem.width + cols[hit])
        levels.append(best[hit])
    if len(flats) == 1:
        return flats[0], levels[0]
    # several groups: the best level of each cell over them, in the window path's row-major order
    flat, level = np.concatenate(flats), np.concatenate(levels)
    order = np.lexsort((-level, flat))
    flat, level = flat[order], level[order]
    first = np.r_[True, flat[1:] != flat[:-1]]
    return flat[first], level[first]
