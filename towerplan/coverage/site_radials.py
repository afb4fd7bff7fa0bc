"""One site group's path loss over its window: the radial table and its fill (the engine's per-site step).

:func:`site_table` casts the radials of a site group (:func:`.plan.radial_layout`), applies the reach
bound of its model (P.1812: :func:`.reach.radial_loss_limits`; Hata / COST-231: :mod:`._hata_reach`) and
ends the window at the last sample within reach; :func:`site_loss` fills the window's cells from the
table (and computes cells point to point in the ``refine`` / ``exact`` cell modes, :mod:`.cell_loss`);
:func:`site_loss_window` returns it on the group's whole box. :mod:`.engine` runs these per batch and
merges the levels; :mod:`.footprint` (the candidate matrix) and :mod:`.points` use them directly.

The extended zone (``CoverageConfig.extended_spacing_m`` / ``main_radius_m``): beyond ``main_radius_m`` the
cells read a second table of wider-spaced radials (:class:`FarTable`), near the site the main table, which
then ends at ``main_radius_m`` plus a blend ring (:mod:`._fill_zones`). The radius, the reach bounds and the
anchors apply to each table as to the single one; the model and the profiles' step are the same.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from towerplan.coverage import _kernels as kern
from towerplan.coverage.clutter import NO_CLUTTER, readonly
from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.plan import SiteGroup, hata_constant_db, model_codes, radial_layout, window_exit_m
from towerplan.coverage.reach import REACH_MARGIN_DB, radial_loss_limits, site_ap_floor_db
from towerplan.coverage.source_terrain import SourceWindow, site_map

__all__ = ["HATA_REACH_BOUND", "FarTable", "SiteTable", "site_loss", "site_loss_window", "site_table", "table_loss"]


def _max_loss_db(group: SiteGroup, config: CoverageConfig) -> float:
    return float(group.sectors["reach_dbm"].max() - config.threshold_dbm + REACH_MARGIN_DB)


def _params(group: SiteGroup, config: CoverageConfig) -> tuple[int, np.ndarray, np.ndarray]:
    model, diff = model_codes(group.model, config)
    itm = config.itm
    hata_c = hata_constant_db(group.model, group.freq_mhz, config.rx_height_m, config) if model in (1, 2) else 0.0
    n0, time_pct, loc_pct, pol = itm.n0, itm.time_pct, itm.location_pct, itm.polarization_code
    if model == kern.MODEL_P1812:
        p18 = config.p1812
        n0, time_pct, loc_pct, pol = p18.n0, p18.time_percent, p18.location_percent, p18.polarization_code
    fpar = np.array([group.h_tx_m, config.rx_height_m, group.freq_mhz, 299.792458 / group.freq_mhz,
                     config.k_factor * 6_371_000.0, n0, itm.epsilon, itm.sigma, time_pct,
                     loc_pct, itm.situation_pct, hata_c, _max_loss_db(group, config), config.p1812.delta_n,
                     group.lat_deg, config.p1812.location_sigma_db,
                     site_ap_floor_db(config, group.lat_deg, group.radius_m) if model == kern.MODEL_P1812 else 0.0],
                    dtype=np.float64)
    ipar = np.array([int(itm.climate), pol, itm.mdvar, diff, config.deygout_edges,
                     config.itm_delta_h_every, config.p1812_anchor_every],
                    dtype=np.int64)
    return model, fpar, ipar


_NO_LIMITS = np.zeros(0)
#: no cell selection (every cell): the kernels' empty uint8 mask, for ``wanted`` and the fill's ``mask`` alike
_ALL_CELLS = np.zeros((0, 0), dtype=np.uint8)


def site_loss_window(dem: np.ndarray, off: tuple[int, int], geo: tuple[float, float, float, float],
                     group: SiteGroup, config: CoverageConfig,
                     clutter: tuple[np.ndarray, np.ndarray] | None = None,
                     only: np.ndarray | None = None) -> np.ndarray:
    """Path loss (dB, float32) over ``group.box`` for one site group; NaN outside its radius.

    ``dem`` is a gap-filled DEM window whose cell (0, 0) is global ``off`` = (row, col);
    ``geo`` = (left, top, res_x, res_y) of the full DEM; ``clutter`` the (height, code)
    windows aligned with ``dem`` (P.1812 only; None: open/rural everywhere). ``only``: a
    boolean mask aligned with ``dem``; with the P.1812 reach bound, only the radial samples
    its cells read are computed, so the loss is exact there and may be NaN elsewhere
    (the coverage matrix, which keeps only demand cells).
    """
    loss, (r_lo, r_hi, c_lo, c_hi) = site_loss(dem, off, geo, group, config, clutter, only)
    g_r0, g_r1, g_c0, g_c1 = group.box
    out = np.full((g_r1 - g_r0, g_c1 - g_c0), np.nan, dtype=np.float32)
    out[r_lo - g_r0: r_hi - g_r0, c_lo - g_c0: c_hi - g_c0] = loss
    return out


_ROUNDING_DB = 1e-3  # slack on the reach tests' loss limit for the rounding of the fill's mean (dB)
HATA_REACH_BOUND = True  # the Hata / COST-231 reach bound (:mod:`._hata_reach`; same levels without it)


def site_loss(dem: np.ndarray, off: tuple[int, int], geo: tuple[float, float, float, float],
              group: SiteGroup, config: CoverageConfig,
              clutter: tuple[np.ndarray, np.ndarray] | None = None, only: np.ndarray | None = None, *,
              reach_only: bool = False,
              source: SourceWindow | None = None) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """:func:`site_loss_window` on the part of ``group.box`` that can be within reach (beyond the
    last radial sample within the loss limit, the fill is NaN), and that part's box.

    ``reach_only`` (:func:`run_batch`): Hata / COST-231 samples are needed only where a cell may be
    within what a sector affords in that direction (:func:`~.reach.radial_loss_limits`: the 10 dB
    path-loss margin only with SINR, as P.1812) and the window ends there; levels at or above the
    threshold are unchanged. Without it (levels at points) the loss is computed to the margin.

    ``source`` (``CoverageConfig.profile_source = "source"``): the source tile under the window; the
    radials' and the point-to-point cells' profiles are sampled from it (:mod:`.source_terrain`).
    """
    st = site_table(dem, off, geo, group, config, clutter, only, reach_only=reach_only, source=source)
    return table_loss(st, off, geo, group, config, only), st.box


def table_loss(st: SiteTable, off: tuple[int, int], geo: tuple[float, float, float, float], group: SiteGroup,
               config: CoverageConfig, only: np.ndarray | None = None, filled: np.ndarray | None = None) -> np.ndarray:
    """:func:`site_loss`'s window from the site table ``st`` (:func:`site_table`, arguments as :func:`site_loss`):
    its fill, or ``filled`` (the fill already done: the engine's fill of a site's run of groups,
    :func:`~._fill_run.fill_run`), then the cells computed point to point (``refine`` / ``exact``)."""
    left, top, res_x, res_y = geo
    r_lo, r_hi, c_lo, c_hi = st.box
    # with ``only`` (levels wanted on some cells: the candidate matrix's demand), the others stay NaN, so
    # neither the fill nor the sectors' passes (which skip NaN) spend time on them
    mask = _ALL_CELLS if only is None else np.ascontiguousarray(
        only[r_lo - off[0]: r_hi - off[0], c_lo - off[1]: c_hi - off[1]], dtype=np.uint8)
    far = st.far
    if filled is not None:
        out = filled
    elif far is None:
        out = np.empty((r_hi - r_lo, c_hi - c_lo), dtype=np.float32)
        kern.fill_window(st.table, st.n0, st.lmax, group.radius_m, st.step, group.x, group.y, left, top, res_x,
                         res_y, r_lo, c_lo, out, st.fpar[kern.F_LMAX], st.cut_m, mask)
    else:  # main and extended zones (never with a mask: ``only`` keeps the single table)
        from towerplan.coverage._fill_zones import fill_zones

        out = np.empty((r_hi - r_lo, c_hi - c_lo), dtype=np.float32)
        fill_zones(out, st, (group.x, group.y, group.radius_m), config, off, geo)
    if config.cell_loss != "raster":  # cells computed point to point (refine / exact; ITM and P.1812)
        from towerplan.coverage.cell_loss import point_to_point_cells

        point_to_point_cells(out, st.table, dem=st.terrain, off=off, geo=geo, site=(group.x, group.y),
                             layout=(st.n0, st.lmax, group.radius_m, st.step, st.cut_m), origin=(r_lo, c_lo),
                             model=st.model, params=(st.fpar, st.ipar), clutter=st.clutter,
                             mode=config.cell_loss, spread_db=config.refine_spread_db, mask=mask)
    return out


class SiteTable(NamedTuple):
    """A site group's radial loss table and where its fill lies (:func:`site_table`)."""

    table: np.ndarray
    n0: int
    lmax: int
    step: float
    cut_m: float
    box: tuple[int, int, int, int]
    model: int
    fpar: np.ndarray
    ipar: np.ndarray
    clutter: tuple[np.ndarray, np.ndarray]
    terrain: Any  # the study window, or (source tile window, the site's map) with profile_source = "source"
    far: FarTable | None = None  # the extended zone's table; with it, ``table`` reaches ``far.r_blend`` only
    #: with ``only_cells`` (P.1812 with its reach bound): the group box's wanted cells and the samples each reads,
    #: ``(rows, cols, idx, wts)`` (:func:`~._cell_levels.cell_samples`); None otherwise
    cells: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None


class FarTable(NamedTuple):
    """The extended zone's table (``CoverageConfig.extended_spacing_m``): radials to the site's radius, at
    most ``extended_spacing_m`` apart, sampled at the main table's step (``SiteTable.step``) from ``r_main`` on;
    cells beyond ``r_main`` read it, and between ``r_main`` and ``r_blend`` (the main table's radius) the
    fill blends both tables (:func:`~._fill_zones.fill_window_zones`)."""

    table: np.ndarray
    n0: int
    lmax: int
    cut_m: float
    r_main: float
    r_blend: float


def site_table(dem: np.ndarray, off: tuple[int, int], geo: tuple[float, float, float, float],
               group: SiteGroup, config: CoverageConfig,
               clutter: tuple[np.ndarray, np.ndarray] | None = None, only: np.ndarray | None = None, *,
               reach_only: bool = False, source: SourceWindow | None = None,
               only_cells: Any = None) -> SiteTable:
    """The radial table of :func:`site_loss` and the box (global rows / columns, half-open) and distance
    ``cut_m`` its fill covers, before the fill (arguments as :func:`site_loss`).

    With the extended zone (``CoverageConfig.extended_spacing_m``; not with ``only``: the candidate matrix's
    demand cells keep the single table), the table is cast to ``far.r_blend`` only, and ``far`` holds the
    table of wider-spaced radials read beyond ``far.r_main`` (:class:`FarTable`).

    ``only_cells`` (instead of ``only``; the coverage matrix): the wanted cells indexed once
    (:class:`~._demand_cells.DemandCells`), so that the box's cells are looked up, not scanned: the same
    table and box as with their mask as ``only``."""
    left, top, res_x, res_y = geo
    step = min(res_x, res_y) * config.sample_step_cells
    spacing = config.radial_spacing_for(group.model) / config.sample_step_cells
    site_col = (group.x - left) / res_x - 0.5
    site_row = (top - group.y) / res_y - 0.5
    model, fpar, ipar = _params(group, config)
    # the kernels' one signature: clutter read-only float32 / uint8, the study DEM float64 (``readonly``)
    clut_h, clut_code = ((readonly(clutter[0], np.float32), readonly(clutter[1], np.uint8)) if clutter is not None
                         else NO_CLUTTER)
    terrain: Any = np.ascontiguousarray(dem, dtype=np.float64)
    if source is not None:  # profiles from the source tile, through the site's cubic map
        site_map_coef, _ = site_map(source, geo, site_col, site_row, group.radius_m + 2.0 * max(res_x, res_y))
        terrain = (source.values, site_map_coef)
    cast = _Cast(terrain, off, geo, (site_col, site_row), group, config, model, fpar, ipar, (clut_h, clut_code),
                 reach_only, step)
    far_spacing = 0.0  # the extended zone's radial spacing (steps); never with ``only``
    if only is None and only_cells is None:
        far_spacing = config.extended_spacing_for(group.model, min(res_x, res_y)) / config.sample_step_cells
    r_main = float(config.main_radius_m)  # a float whatever the configuration held (one kernel signature)
    r_blend = r_main + _BLEND_STEPS * step
    far = None
    cells = None
    if far_spacing > 0.0 and group.radius_m > r_blend + _BLEND_STEPS * step:
        table, n0, lmax, cut_m, _ = cast.table(r_blend, spacing, None, 0.0, None)
        far_table, far_n0, far_lmax, far_cut, _ = cast.table(group.radius_m, far_spacing, None, r_main, None)
        far = FarTable(far_table, far_n0, far_lmax, far_cut, r_main, r_blend)
        reach_m = max(cut_m, far_cut)
    else:
        table, n0, lmax, cut_m, cells = cast.table(group.radius_m, spacing, only, 0.0, only_cells)
        reach_m = cut_m
    r_lo, r_hi, c_lo, c_hi = group.box
    r_lo = max(r_lo, math.floor(site_row - reach_m / res_y) - 1)
    r_hi = max(min(r_hi, math.ceil(site_row + reach_m / res_y) + 2), r_lo)
    c_lo = max(c_lo, math.floor(site_col - reach_m / res_x) - 1)
    c_hi = max(min(c_hi, math.ceil(site_col + reach_m / res_x) + 2), c_lo)
    if only_cells is not None:  # cells outside ``only`` are NaN: the window ends at the last wanted cell
        r_lo, r_hi, c_lo, c_hi = only_cells.box_of((r_lo, r_hi, c_lo, c_hi))
    elif only is not None:
        r_lo, r_hi, c_lo, c_hi = _wanted_box(only, off, (r_lo, r_hi, c_lo, c_hi))
    return SiteTable(table, n0, lmax, step, cut_m, (r_lo, r_hi, c_lo, c_hi), model, fpar, ipar, (clut_h, clut_code),
                     terrain, far, cells)


#: the blend ring beyond ``main_radius_m``, in samples: the main table's samples reach its outer edge
_BLEND_STEPS = 8.0


class _Cast(NamedTuple):
    """What casting one radial table of a site needs besides its radius and step (:meth:`table`)."""

    terrain: Any
    off: tuple[int, int]
    geo: tuple[float, float, float, float]
    site: tuple[float, float]
    group: SiteGroup
    config: CoverageConfig
    model: int
    fpar: np.ndarray
    ipar: np.ndarray
    clutter: tuple[np.ndarray, np.ndarray]
    reach_only: bool
    step: float

    def table(self, radius_m: float, spacing: float, only: np.ndarray | None,
              from_m: float, only_cells: Any) -> tuple[np.ndarray, int, int, float, Any]:
        """The table of radials to ``radius_m`` at most ``spacing`` steps apart (evaluated from ``from_m``
        on), its layout (n0, lmax), the distance ``cut_m`` beyond which it holds no sample within reach, and
        with ``only_cells`` the wanted cells and their samples (:attr:`SiteTable.cells`; else None)."""
        left, top, res_x, res_y = self.geo
        group, config, off, model, fpar, step = self.group, self.config, self.off, self.model, self.fpar, self.step
        site_col, site_row = self.site
        r_lo, r_hi, c_lo, c_hi = group.box
        box_xy = (left + c_lo * res_x, top - r_hi * res_y, left + c_hi * res_x, top - r_lo * res_y)
        n0 = radial_layout(radius_m, step, spacing=spacing)[0]
        exit_m = window_exit_m(n0, group.x, group.y, box_xy, radius_m, step)
        n0, lmax, first, count = radial_layout(radius_m, step, exit_m, spacing=spacing)
        if from_m > 0.0:  # the extended zone: cells beyond from_m read samples int(d / step) on
            first = np.maximum(first, np.minimum(int(from_m / step), count - 1))
        lneed = _NO_LIMITS
        if model == kern.MODEL_P1812 and config.p1812_reach_bound:
            lneed = radial_loss_limits(group.sectors, n0, lmax, config)
        elif model in (kern.MODEL_HATA, kern.MODEL_COST231) and HATA_REACH_BOUND:
            lneed = (radial_loss_limits(group.sectors, n0, lmax, config) if self.reach_only
                     else np.full(n0, fpar[kern.F_LMAX])) + _ROUNDING_DB
        wanted = _ALL_CELLS
        cells = None
        if len(lneed) and only_cells is not None and model == kern.MODEL_P1812:
            # the wanted cells indexed once (the coverage matrix): the samples each reads are kept for the fill
            from towerplan.coverage._cell_levels import cell_samples

            rows, cols = only_cells.in_box((r_lo, r_hi, c_lo, c_hi))
            n_samp = max(int(count.max()), 2)
            wanted = np.zeros((n0, n_samp), dtype=np.uint8)
            idx, wts = np.empty((rows.size, 3), dtype=np.int64), np.empty((rows.size, 3))
            cell_samples(n0, lmax, radius_m, step, group.x, group.y, left, top, res_x, res_y, rows, cols, n_samp,
                         radius_m, wanted, idx, wts)
            cells = (rows, cols, idx, wts)
        elif len(lneed) and only is not None and model == kern.MODEL_P1812:
            from towerplan.coverage._reach_need import mark_wanted  # P.1812's kernels load only when used

            rr, cc = np.nonzero(only[r_lo - off[0]: r_hi - off[0], c_lo - off[1]: c_hi - off[1]])
            wanted = mark_wanted(n0, lmax, radius_m, step, group.x, group.y, left, top, res_x, res_y,
                                 rr + r_lo, cc + c_lo, max(int(count.max()), 2), radius_m)
        clut_h, clut_code = self.clutter
        table = kern.radial_losses(self.terrain, off[1], off[0], site_col, site_row, res_x, res_y, step, n0, first,
                                   count, model, fpar, self.ipar, clut_h, clut_code, lneed, lmax, radius_m, wanted)
        cut_m = radius_m
        if len(lneed):  # the reach bound left +inf beyond each radial's last needed sample: fill only within
            live = np.isfinite(table).any(axis=0)
            cut_m = min(cut_m, (int(np.flatnonzero(live)[-1]) + 1 if live.any() else 1) * step)
        # any model: a cell at d reads samples int(d / step) and the next; beyond the last within the limit: NaN
        limit = (_max_loss_db(group, config) - REACH_MARGIN_DB if self.reach_only and not config.sinr
                 else fpar[kern.F_LMAX])
        within = (table <= limit + _ROUNDING_DB).any(axis=0)
        cut_m = min(cut_m, (int(np.flatnonzero(within)[-1]) + 1 if within.any() else 1) * step)
        return table, n0, lmax, cut_m, cells


def _wanted_box(only: np.ndarray, off: tuple[int, int], box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """The part of ``box`` (global rows / columns, half-open) that holds the nonzero cells of ``only``
    (a mask on the window at ``off``); an empty box (r_hi = r_lo, c_hi = c_lo) when there are none."""
    r_lo, r_hi, c_lo, c_hi = box
    part = only[r_lo - off[0]: r_hi - off[0], c_lo - off[1]: c_hi - off[1]]
    rows = np.flatnonzero(part.any(axis=1))
    if rows.size == 0:
        return r_lo, r_lo, c_lo, c_lo
    cols = np.flatnonzero(part[rows[0]: rows[-1] + 1].any(axis=0))
    return r_lo + int(rows[0]), r_lo + int(rows[-1]) + 1, c_lo + int(cols[0]), c_lo + int(cols[-1]) + 1
