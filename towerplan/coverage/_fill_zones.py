"""The fill of a site's window from two radial tables: the main zone's and the extended zone's.

``CoverageConfig.extended_spacing_m`` (:mod:`.site_radials`): near the site (distance <= ``r_main``) a cell
takes its loss from the main table (the main radial spacing), beyond ``r_blend`` from the extended zone's table
of wider-spaced radials (the same sample step along them), and in the ring between the two the linear blend of
both (weight of the extended one ``(d - r_main) / (r_blend - r_main)``), so that the zones meet without a step.
Each table is read as :func:`~._kernels.fill_window` reads one (:func:`~._kernels.fill_cell`: the four samples
around the cell, bilinear in azimuth and distance), with its own layout (radial count, octave levels, radius,
step) and its own cut (beyond it the table holds no finite sample).

The receiver's clutter (P.1812 with land cover): ITU-R P.1812-7 adds each intermediate profile point's
representative clutter height to its terrain height (§3.2, eq. 1a: g_i = h_i + R_i, not at the terminals), so the
point just before the receiver, one step towards the site, is an obstacle R - h_r above the receiver's ground,
one step away: it sets the receiver-side Bullington slope S_rim (eq. 17) whenever it is tall, and with it the
diffraction loss (eqs 12-21). A radial sample carries the clutter of the point one step before it on its radial,
a cell between radials has its own: where they differ the interpolated loss is off by up to the whole clutter
diffraction term (``bench/README.md``, round w10: the cells whose 5 x 5 neighbourhood holds one clutter height
keep +-0.2 dB with 120 m radials, the others reach +2.3 dB). The Bullington construction takes the largest
slope, so the term does not add to the rest of the path and cannot be taken out of the radials and put back per
cell; the fill instead reads, of the four samples around a cell, those whose point before the receiver has the
cell's clutter height (``rx_match``: the same weights, renormalised over the matching samples; all four where
none matches). The clutter heights of the points before the samples are those the radial sweep reads
(:func:`~._p1812_radial.sample_clutter`, nearest cell), the cell's that of its own point-to-point profile
(:mod:`._cell_p1812`: ``round(d / step)`` intervals).

What the match leaves (terrain edges between the radials, clutter beyond the point before the receiver) shows
where the samples a cell reads still disagree: with ``CoverageConfig.extended_refine_db`` the P.1812 cells of the
extended zone whose samples differ by more than that are computed point to point (:func:`refine_cells`, the
kernel of the ``refine`` cell mode, :mod:`.cell_loss`: the error-driven refinement of adaptive mesh methods, with
the spread of the samples as the error indicator).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit, prange

from towerplan.coverage._fill_samples import BLOCK_ROWS, block_rows, fill_samples
from towerplan.coverage._kernels import CLUTTER_DEFAULT_CODE, CLUTTER_DEFAULT_H, F_LMAX, ROW_CHUNKS
from towerplan.coverage._p1812_radial import sample_clutter
from towerplan.coverage._reach_spans import reach_spans, table_reach
from towerplan.coverage.clutter import NO_CLUTTER

__all__ = ["RX_MATCH_M", "blend_zones", "fill_window_zones", "fill_zones", "prev_clutter", "prev_clutter_read",
           "read_end", "refine_cells", "rx_clutter", "zone_args", "zone_reads"]

#: two clutter heights (m) closer than this are the same receiver surroundings (land-cover classes map to
#: heights metres apart, ``towerplan.coverage.clutter``)
RX_MATCH_M = 0.5


_NONE = np.zeros((0, 0), dtype=np.float32)


def fill_zones(out: np.ndarray, st: Any, site: tuple[float, float, float], config: Any, off: tuple[int, int],
               geo: tuple[float, float, float, float]) -> int:
    """Fill ``out`` (float32, the window ``st.box``) from the main and extended tables of ``st``
    (:class:`~.site_radials.SiteTable` with ``far``) for the site at ``site`` = (x, y, radius_m): the receiver
    clutter match with ``config.rx_match`` (P.1812 with land cover), then, with ``config.extended_refine_db``
    (P.1812, profiles from the study grid), the refinement of the extended zone's cells; returns how many
    cells were refined."""
    main, far, r_main, r_blend, match, spread_db, refine = zone_args(st, site, config)
    rx = rx_clutter(zone_reads(st), st.clutter, off, geo, site[:2], match)
    left, top, res_x, res_y = geo
    r_lo, _, c_lo, _ = st.box
    flags = np.zeros(out.shape, dtype=np.uint8)
    fill_window_zones(main, far, r_main, r_blend, site[0], site[1], left, top, res_x, res_y, r_lo, c_lo, out,
                      st.fpar[F_LMAX], rx, spread_db, flags)
    if not refine:
        return 0
    return refine_cells(out, flags, dem=st.terrain, off=off, geo=geo, site=site[:2], step_m=st.step,
                        origin=(r_lo, c_lo), params=(st.fpar, st.ipar), clutter=st.clutter)


def zone_args(st: Any, site: tuple[float, float, float], config: Any) -> tuple[Any, ...]:
    """:func:`fill_zones`' arguments of :func:`fill_window_zones` for ``st`` (``main``, ``far``, ``r_main``,
    ``r_blend``), whether the receiver clutter is matched (``rx``: :func:`rx_clutter` of :func:`zone_reads`),
    ``spread_db`` and whether its cells are refined (one definition for :func:`~._fill_run.fill_run`)."""
    from towerplan.coverage._kernels import MODEL_P1812

    far = st.far
    p1812 = st.model == MODEL_P1812
    refine = p1812 and config.extended_refine_db > 0.0 and isinstance(st.terrain, np.ndarray)
    return ((st.table, st.n0, st.lmax, far.r_blend, st.step, st.cut_m),
            (far.table, far.n0, far.lmax, site[2], st.step, far.cut_m), far.r_main, far.r_blend,
            p1812 and config.rx_match, config.extended_refine_db if refine else math.inf, refine)


def zone_reads(st: Any) -> tuple[tuple[np.ndarray, float, float, int], ...]:
    """The ``tables`` of :func:`rx_clutter` for ``st``'s main and extended tables: (table, cut_m, step_m, from_i)."""
    far = st.far
    return (st.table, st.cut_m, st.step, 1), (far.table, far.cut_m, st.step, int(far.r_main / st.step))


def rx_clutter(tables, clutter, off, geo, site, rx_match):
    """``rx`` of :func:`fill_window_zones`: for each of ``tables`` ((table, cut_m, step_m, from_i) each) its
    :func:`prev_clutter_read`, and the clutter windows (``clutter`` = (height, code) at window offset ``off`` =
    (row, col)); plain interpolation (empty arrays) without ``rx_match`` or land cover."""
    clut_h, clut_code = clutter
    if not rx_match or clut_code.shape[0] == 0:
        return (_NONE, _NONE, *NO_CLUTTER, 0, 0)  # the engine's empty clutter: one kernel signature
    left, top, res_x, res_y = geo
    site_col = (site[0] - left) / res_x - 0.5
    site_row = (top - site[1]) / res_y - 0.5
    prev = [prev_clutter_read(table, read_end(cut_m, step_m, table.shape[1]), step_m, site_col, site_row, off[1],
                              off[0], res_x, res_y, clut_h, clut_code, from_i)
            for table, cut_m, step_m, from_i in tables]
    return (prev[0], prev[1], clut_h, clut_code, off[1], off[0])


def read_end(cut_m: float, step_m: float, n_samp: int) -> int:
    """One past the last sample index the fill reads of a table cut at ``cut_m``: its cells lie within ``cut_m``,
    and a cell at ``d`` reads samples ``int(d / step_m)`` (at most ``n_samp - 2``) and the next
    (:func:`~._kernels.fill_samples`); one more as a margin."""
    return min(int(cut_m / step_m) + 3, n_samp)


def refine_cells(out, flags, *, dem, off, geo, site, step_m, origin, params, clutter) -> int:
    """P.1812 point to point (:func:`~._cell_p1812.p1812_cells`, the ``refine`` cell mode's kernel) on the
    cells ``flags`` marks (:func:`fill_window_zones`), into ``out``; returns how many."""
    rows, cols = np.nonzero(flags)
    if rows.size == 0:
        return 0
    from towerplan.coverage._cell_p1812 import p1812_cells  # P.1812's kernels load only when used

    left, top, res_x, res_y = geo
    fpar, ipar = params
    site_col = (site[0] - left) / res_x - 0.5
    site_row = (top - site[1]) / res_y - 0.5
    p1812_cells(dem, off[1], off[0], site_col, site_row, site[0], site[1], left, top, res_x, res_y, step_m,
                rows.astype(np.int64), cols.astype(np.int64), origin[0], origin[1], fpar, ipar, clutter[0], clutter[1],
                fpar[F_LMAX], out)
    return int(rows.size)


def prev_clutter(n0, n_samp, step_m, site_col, site_row, col_off, row_off, res_x, res_y, clut_h, clut_code, from_i):
    """(n0, n_samp) float32: the clutter height the radial sweep gives the point one step before sample ``i``
    of radial ``j`` (distance ``(i - 1) * step_m``; nearest cell, :func:`~._p1812_radial.sample_clutter`), for
    ``i >= from_i`` (NaN before): :func:`prev_clutter_read` of a table with every sample (all read)."""
    return prev_clutter_read(np.zeros((n0, n_samp), np.float32), n_samp, step_m, site_col, site_row, col_off, row_off,
                             res_x, res_y, clut_h, clut_code, from_i)


@njit(cache=True, parallel=True, nogil=True)
def prev_clutter_read(table, n_read, step_m, site_col, site_row, col_off, row_off, res_x, res_y, clut_h, clut_code,
                      from_i):
    """:func:`prev_clutter` of ``table``'s shape, only at the samples the fill reads (NaN elsewhere): sample
    indices ``from_i`` to ``n_read`` (exclusive, :func:`read_end`) that are not NaN in ``table`` (the zone means
    read a sample's receiver clutter only where its loss is not NaN, :func:`_zone_mean`, :func:`_zone_mean_all`).
    The sweep's radials of the finer octaves start further out (NaN before), and the tables reach the site's
    radius where the fill stops at the cut: 44 % of the samples skipped on the demo at 30 m (round w16)."""
    n0, n_samp = table.shape
    out = np.full((n0, n_samp), np.nan, dtype=np.float32)
    i_hi = min(n_read, n_samp)
    for j in prange(n0):
        a = 2.0 * math.pi * j / n0
        sa = math.sin(a)
        ca = math.cos(a)
        for i in range(max(from_i, 1), i_hi):
            if math.isnan(table[j, i]):
                continue
            d = (i - 1) * step_m
            rh, _ = sample_clutter(clut_h, clut_code, site_col + d * sa / res_x - col_off,
                                   site_row - d * ca / res_y - row_off, CLUTTER_DEFAULT_H, CLUTTER_DEFAULT_CODE)
            out[j, i] = rh
    return out


@njit(cache=True, inline="always")
def _zone_mean(table, rprev, r_cell, j0, j1, i0, wa, wt):
    """(loss, spread) of a cell from one table's samples (:func:`~._kernels.fill_samples`), without the loss limit:
    the weighted mean of its four samples (their weights, those not NaN, as :func:`~._kernels.sample_mean`) over
    those whose point before the receiver has the clutter height ``r_cell`` where ``rprev`` is given (over all four
    where none has), and the largest minus the smallest of the samples averaged."""
    for attempt in range(0 if rprev.shape[0] > 0 else 1, 2):  # 0: the matching samples, 1: all four
        acc = 0.0
        wsum = 0.0
        lo = math.inf
        hi = -math.inf
        for k in range(4):
            j = j0 if k < 2 else j1
            i = i0 + (k & 1)
            w = (1.0 - wa if k < 2 else wa) * (wt if k & 1 else 1.0 - wt)
            v = table[j, i]
            if w > 0.0 and not math.isnan(v) and (attempt == 1 or abs(rprev[j, i] - r_cell) < RX_MATCH_M):
                acc += w * v
                wsum += w
                lo = min(lo, v)
                hi = max(hi, v)
        if wsum > 0.0:
            return acc / wsum, hi - lo
    return math.nan, 0.0


@njit(cache=True, inline="always")
def _zone_mean_all(table, rprev, j0, j1, i0, wa, wt):
    """:func:`_zone_mean`'s all-four attempt (loss, spread), and whether that is :func:`_zone_mean`'s value for any
    ``r_cell``: no ``rprev``, or every sample averaged has the same one (then they all match the cell's clutter
    or none does, and the matching attempt, when it has a weight, adds the same terms in the same order). Only where
    it is not does the fill need the cell's clutter (:func:`_cell_clutter`, ~1/6 of the zone fill's time when read
    for every cell)."""
    acc = 0.0
    wsum = 0.0
    lo = math.inf
    hi = -math.inf
    matching = rprev.shape[0] > 0
    r_one = math.nan
    seen = False
    uniform = True
    for k in range(4):
        j = j0 if k < 2 else j1
        i = i0 + (k & 1)
        w = (1.0 - wa if k < 2 else wa) * (wt if k & 1 else 1.0 - wt)
        v = table[j, i]
        if w > 0.0 and not math.isnan(v):
            acc += w * v
            wsum += w
            lo = min(lo, v)
            hi = max(hi, v)
            if matching:
                rp = rprev[j, i]
                if not seen:  # the first sample averaged
                    r_one = rp
                    seen = True
                uniform = uniform and rp == r_one  # NaN: not uniform (the matching attempt decides)
    if wsum > 0.0:
        return acc / wsum, hi - lo, uniform
    return math.nan, 0.0, True


@njit(cache=True, inline="always")
def _cell_clutter(clut_h, clut_code, col_off, row_off, site_col, site_row, gc, gr, d, step_m):
    """Clutter height of the point one step before the cell on its point-to-point profile (``round(d /
    step_m)`` intervals, :mod:`._cell_p1812`)."""
    m = max(round(d / step_m), 2)
    f = (m - 1) / m
    rh, _ = sample_clutter(clut_h, clut_code, site_col + f * (gc - site_col) - col_off,
                           site_row + f * (gr - site_row) - row_off, CLUTTER_DEFAULT_H, CLUTTER_DEFAULT_CODE)
    return rh


@njit(cache=True, inline="always")
def blend_zones(d, vm, vf, spread, r_main, r_blend, width, max_loss_db, spread_db):
    """A cell's loss from its zones' means at distance ``d``: the main zone's within ``r_main``, the extended
    zone's beyond ``r_blend`` (or where the main one is NaN), their linear blend between (``width`` = ``r_blend -
    r_main``); NaN above ``max_loss_db``. Returns (loss, flag): flag 1 where the loss is kept and the extended
    zone's samples differ by more than ``spread_db`` (the refinement's cells). One definition for the single fill
    (:func:`fill_window_zones`) and the run fill (:mod:`._fill_run`)."""
    if d <= r_main:  # the extended zone not read: spread 0
        v = vm
    elif d >= r_blend or math.isnan(vm):
        v = vf
    elif math.isnan(vf):
        v = vm
    else:
        wf = (d - r_main) / width
        v = (1.0 - wf) * vm + wf * vf
    keep = v <= max_loss_db
    return (v if keep else math.nan), (1 if (keep and spread > spread_db) else 0)


@njit(cache=True, parallel=True, nogil=True)
def fill_window_zones(main, far, r_main, r_blend, site_x, site_y, left, top, res_x, res_y, r_lo, c_lo, out,
                      max_loss_db, rx, spread_db, flags):
    """:func:`~._kernels.fill_window` from two tables (float32 ``out``; every cell, no mask).

    ``main`` / ``far``: (table, n0, lmax, radius_m, step_m, cut_m) of the main zone's table (cast to
    ``radius_m`` = ``r_blend``) and of the extended zone's (cast to the site's radius). NaN where the
    loss exceeds ``max_loss_db`` and beyond both cuts. ``rx``: (rprev_main, rprev_far, clut_h, clut_code,
    col_off, row_off): the tables' receiver clutter (:func:`prev_clutter_read`: NaN at the samples the fill does
    not read; empty: plain interpolation) and the clutter windows, at window offset (``row_off``, ``col_off``), the
    cells' is read from. ``flags``
    (uint8, ``out``'s shape): set to 1 on the cells beyond ``r_main`` whose extended-zone samples averaged
    differ by more than ``spread_db`` (the refinement's cells, :func:`refine_cells`). Each row in two passes, as
    :func:`~._kernels.fill_window`: every cell's samples of each zone it reads, then the means (bench/README.md,
    round w13).
    """
    t_m, n0_m, lmax_m, rad_m, step_m, cut_m = main
    t_f, n0_f, lmax_f, rad_f, step_f, cut_f = far
    rp_m, rp_f, clut_h, clut_code, col_off, row_off = rx
    site_col = (site_x - left) / res_x - 0.5
    site_row = (top - site_y) / res_y - 0.5
    h, w = out.shape
    width = r_blend - r_main
    spans = reach_spans((table_reach(t_m, lmax_m, rad_m, step_m, cut_m, max_loss_db),
                         table_reach(t_f, lmax_f, rad_f, step_f, cut_f, max_loss_db)), site_x, site_y, left, top,
                        res_x, res_y, r_lo, c_lo, h, w)
    n_ch = min((h + BLOCK_ROWS - 1) // BLOCK_ROWS, ROW_CHUNKS)
    for ch in prange(n_ch):  # blocks of rows interleaved over the chunks (BLOCK_ROWS)
        dist = np.empty(w)  # per cell of the row, and per zone (main 0, extended 1) its samples
        j0, j1, i0 = np.empty((2, w), np.int64), np.empty((2, w), np.int64), np.empty((2, w), np.int64)
        wa, wt = np.empty((2, w)), np.empty((2, w))
        for r in block_rows(ch, n_ch, h):
            y = top - (r_lo + r + 0.5) * res_y
            dy = y - site_y
            c_a = spans[r, 0]
            c_b = spans[r, 1]
            for c in range(c_a):  # beyond every sample within reach of either table (_reach_spans): NaN
                out[r, c] = math.nan
                flags[r, c] = 0
            for c in range(c_b, w):
                out[r, c] = math.nan
                flags[r, c] = 0
            for c in range(c_a, c_b):  # the row in two passes (as in _kernels.fill_window): first the samples,
                dx = left + (c_lo + c + 0.5) * res_x - site_x
                d = math.sqrt(dx * dx + dy * dy)
                dist[c] = d
                i0[0, c] = -1  # -1: the zone is not read, or the cell lies beyond its cut (NaN)
                i0[1, c] = -1
                if (d <= r_main or d < r_blend) and d <= cut_m:  # the main zone: within r_main, and the blend
                    j0[0, c], j1[0, c], i0[0, c], wa[0, c], wt[0, c] = fill_samples(dx, dy, d, n0_m, lmax_m, rad_m,
                                                                                    step_m, t_m.shape[1])
                if d > r_main and d <= cut_f:  # the extended zone: the blend, and beyond r_blend
                    j0[1, c], j1[1, c], i0[1, c], wa[1, c], wt[1, c] = fill_samples(dx, dy, d, n0_f, lmax_f, rad_f,
                                                                                    step_f, t_f.shape[1])
            for c in range(c_a, c_b):  # then each zone's mean, the blend and the flag
                d = dist[c]
                vm, vf, spread, same_m, same_f = math.nan, math.nan, 0.0, True, True
                if i0[0, c] >= 0:
                    vm, _, same_m = _zone_mean_all(t_m, rp_m, j0[0, c], j1[0, c], i0[0, c], wa[0, c], wt[0, c])
                if i0[1, c] >= 0:
                    vf, spread, same_f = _zone_mean_all(t_f, rp_f, j0[1, c], j1[1, c], i0[1, c], wa[1, c], wt[1, c])
                if not (same_m and same_f):  # samples of different receiver clutter: the cell's decides (matching)
                    r_cell = _cell_clutter(clut_h, clut_code, col_off, row_off, site_col, site_row, c_lo + c, r_lo + r,
                                           d, step_f)
                    if not same_m:
                        vm, _ = _zone_mean(t_m, rp_m, r_cell, j0[0, c], j1[0, c], i0[0, c], wa[0, c], wt[0, c])
                    if not same_f:
                        vf, spread = _zone_mean(t_f, rp_f, r_cell, j0[1, c], j1[1, c], i0[1, c], wa[1, c], wt[1, c])
                out[r, c], flags[r, c] = blend_zones(d, vm, vf, spread, r_main, r_blend, width, max_loss_db, spread_db)
