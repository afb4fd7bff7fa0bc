"""The zone fills of a run of one site's groups in one walk: each cell's distance and azimuth once for the run, its
samples once per table layout.

The engine's runs (:func:`~towerplan.coverage.engine._run_end`) are consecutive site groups at one site: the same
cells around the same point, each group filled from its own main and extended tables
(:func:`~._fill_zones.fill_window_zones`). A cell's distance ``d`` and azimuth (:func:`~._fill_samples.cell_azimuth`)
are the same for every group of the run, and the samples a cell reads (:func:`~._fill_samples.fill_samples_az`: the
ring level, the two radials, the two samples and their weights) depend on those and on the table's layout only
(radial count, octave levels, radius, step, samples per radial): the groups whose tables have the same layout read the
same samples. :func:`fill_run_zones` walks the union of the run's windows row by row: first every cell's distance and
azimuth, then each layout's samples (over the row spans of the groups that read it), then group after group the
means, the blend and the flag exactly as :func:`~._fill_zones.fill_window_zones` (the same operations on the same
operands: every window bit for bit; ``tests/test_fill_run.py``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit, prange

from towerplan.coverage._fill_samples import BLOCK_ROWS, block_rows, cell_azimuth, fill_samples_az
from towerplan.coverage._fill_zones import (
    _cell_clutter,
    _zone_mean,
    _zone_mean_all,
    blend_zones,
    prev_clutter_read,
    read_end,
    refine_cells,
    rx_clutter,
    zone_args,
    zone_reads,
)
from towerplan.coverage._fused import MAX_RUN as FUSED_MAX_RUN
from towerplan.coverage._kernels import F_LMAX, ROW_CHUNKS
from towerplan.coverage._reach_spans import reach_spans, table_reach

__all__ = ["MAX_RUN", "fill_run", "fill_run_zones", "run_rx", "sample_slots"]

#: the most groups :func:`fill_run_zones` fills at once (the length of its tuples of tables and windows: one compiled
#: signature for any run): the engine's runs' (:data:`~._fused.MAX_RUN`)
MAX_RUN = FUSED_MAX_RUN
_E32 = np.zeros((0, 0), dtype=np.float32)
_E8 = np.zeros((0, 0), dtype=np.uint8)


def fill_run(tables: list[Any], site: tuple[float, float], radii: list[float], config: Any, off: tuple[int, int],
             geo: tuple[float, float, float, float]) -> list[np.ndarray] | None:
    """The loss windows of a run's site tables (:class:`~.site_radials.SiteTable`, each with its extended zone,
    ``far``; at most :data:`MAX_RUN`) at ``site`` = (x, y), with radii ``radii``: what
    :func:`~._fill_zones.fill_zones` gives each, refinement included. None when their zones or receiver clutter
    differ (the caller fills them one by one)."""
    if len(tables) > MAX_RUN:
        return None
    args = [zone_args(st, (site[0], site[1], rad), config) for st, rad in zip(tables, radii, strict=True)]
    n = len(args)
    r_main, r_blend = args[0][2], args[0][3]
    if any(a[2] != r_main or a[3] != r_blend for a in args):
        return None
    rxs = run_rx(tables, [a[4] for a in args], site, off, geo)
    if rxs is None:
        return None
    clut = next((rx[2:] for rx in rxs if rx[0].shape[0] > 0), rxs[0][2:])
    outs = [np.empty((st.box[1] - st.box[0], st.box[3] - st.box[2]), dtype=np.float32) for st in tables]
    flags = [np.empty(o.shape, dtype=np.uint8) for o in outs]
    lay_i = np.array([(a[0][1], a[0][2], a[1][1], a[1][2]) for a in args], dtype=np.int64)
    lay_f = np.array([(a[0][3], a[0][4], a[0][5], a[1][3], a[1][4], a[1][5], st.fpar[F_LMAX], a[5])
                      for a, st in zip(args, tables, strict=True)], dtype=np.float64)
    pad = MAX_RUN - n
    fill_run_zones(tuple(a[0][0] for a in args) + (_E32,) * pad, tuple(a[1][0] for a in args) + (_E32,) * pad,
                   tuple(rx[0] for rx in rxs) + (_E32,) * pad, tuple(rx[1] for rx in rxs) + (_E32,) * pad,
                   lay_i, lay_f, np.array([st.box[0::2] for st in tables], dtype=np.int64), r_main, r_blend,
                   float(site[0]), float(site[1]), geo, clut, tuple(outs) + (_E32,) * pad,
                   tuple(flags) + (_E8,) * pad)
    for st, a, out, fl in zip(tables, args, outs, flags, strict=True):
        if a[6]:
            refine_cells(out, fl, dem=st.terrain, off=off, geo=geo, site=site, step_m=st.step, origin=st.box[0::2],
                         params=(st.fpar, st.ipar), clutter=st.clutter)
    return outs


def run_rx(tables: list[Any], match: list[bool], site: tuple[float, float], off: tuple[int, int],
           geo: tuple[float, float, float, float]) -> list[tuple[Any, ...]] | None:
    """Each group's ``rx`` of :func:`fill_run_zones` (:func:`~._fill_zones.rx_clutter` of its tables), the receiver
    clutter of the tables of one layout computed once (:func:`~._fill_zones.prev_clutter_read` on the samples any of
    them reads: not NaN in one of them, before the last one's :func:`~._fill_zones.read_end`): it depends on the
    sample's position only, and the fill reads it only where the group's own table is not NaN. None when the groups'
    clutter windows differ."""
    reads = [zone_reads(st) for st in tables]
    clutter = next((st.clutter for st, m in zip(tables, match, strict=True) if m), None)
    if clutter is None or clutter[1].shape[0] == 0:
        return [rx_clutter(r, st.clutter, off, geo, site, m) for r, st, m in zip(reads, tables, match, strict=True)]
    if any(m and not (_same(st.clutter[0], clutter[0]) and _same(st.clutter[1], clutter[1]))
           for st, m in zip(tables, match, strict=True)):
        return None
    left, top, res_x, res_y = geo
    site_col, site_row = (site[0] - left) / res_x - 0.5, (top - site[1]) / res_y - 0.5
    prev: list[list[np.ndarray]] = [[_E32, _E32] for _ in tables]
    for z in range(2):
        layouts: dict[tuple[Any, ...], list[int]] = {}
        for g, st in enumerate(tables):
            if match[g]:
                n0, lmax = (st.n0, st.lmax) if z == 0 else (st.far.n0, st.far.lmax)
                table, _, step, from_i = reads[g][z]
                layouts.setdefault((n0, lmax, step, from_i, table.shape), []).append(g)
        for gs in layouts.values():
            tabs = [reads[g][z][0] for g in gs]
            any_read = tabs[0] if len(gs) == 1 else np.where(
                np.logical_and.reduce([np.isnan(t) for t in tabs]), np.float32(np.nan), np.float32(0.0))
            _, _, step, from_i = reads[gs[0]][z]
            n_read = max(read_end(reads[g][z][1], step, any_read.shape[1]) for g in gs)
            rp = prev_clutter_read(any_read, n_read, step, site_col, site_row, off[1], off[0], res_x, res_y,
                                   clutter[0], clutter[1], from_i)
            for g in gs:
                prev[g][z] = rp
    return [(p[0], p[1], clutter[0], clutter[1], off[1], off[0]) if m else rx_clutter(r, st.clutter, off, geo, site, m)
            for p, m, r, st in zip(prev, match, reads, tables, strict=True)]


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two arrays are views of the same memory with the same shape (the batch's clutter windows)."""
    return (a.__array_interface__["data"][0] == b.__array_interface__["data"][0] and a.shape == b.shape
            and a.strides == b.strides and a.dtype == b.dtype)


@njit(cache=True)
def sample_slots(lay_i, lay_f, n_samp):
    """The run's sample layouts: ``slot[g, z]`` = the layout of group ``g``'s zone ``z`` (0 main, 1 extended): the
    first (group, zone) with the same radial count, octave levels, radius, step and samples per radial ``n_samp[g,
    z]`` (then the cells read the same samples). Returns ``slot``, the layouts' (group, zone) and the largest cut of
    the groups that read each (its samples are computed to there)."""
    n = lay_i.shape[0]
    slot = np.empty((n, 2), dtype=np.int64)
    lead = np.empty((2 * n, 2), dtype=np.int64)
    s_cut = np.zeros(2 * n)
    n_s = 0
    for z in range(2):
        for g in range(n):
            found = n_s
            for s in range(n_s):
                e = lead[s, 0]
                if (lead[s, 1] == z and lay_i[e, 2 * z] == lay_i[g, 2 * z]
                        and lay_i[e, 2 * z + 1] == lay_i[g, 2 * z + 1] and lay_f[e, 3 * z] == lay_f[g, 3 * z]
                        and lay_f[e, 3 * z + 1] == lay_f[g, 3 * z + 1] and n_samp[e, z] == n_samp[g, z]):
                    found = s
                    break
            if found == n_s:
                lead[n_s, 0] = g
                lead[n_s, 1] = z
                n_s += 1
            slot[g, z] = found
            s_cut[found] = max(s_cut[found], lay_f[g, 3 * z + 2])
    return slot, lead[:n_s], s_cut[:n_s]


@njit(cache=True)
def _run_spans(mains, fars, lay_i, lay_f, wins, outs, site_x, site_y, geo):
    """Per group, :func:`~._fill_zones.fill_window_zones`' row spans (:func:`~._reach_spans.reach_spans` of both
    tables), as rows of one (n, highest window, 2) array."""
    left, top, res_x, res_y = geo
    n = wins.shape[0]
    h_max = 0
    for g in range(n):
        h_max = max(h_max, outs[g].shape[0])
    spans = np.zeros((n, h_max, 2), dtype=np.int64)
    for g in range(n):
        h, w = outs[g].shape
        lay = lay_f[g]
        spans[g, :h] = reach_spans((table_reach(mains[g], lay_i[g, 1], lay[0], lay[1], lay[2], lay[6]),
                                    table_reach(fars[g], lay_i[g, 3], lay[3], lay[4], lay[5], lay[6])),
                                   site_x, site_y, left, top, res_x, res_y, wins[g, 0], wins[g, 1], h, w)
    return spans


@njit(cache=True, parallel=True, nogil=True)
def fill_run_zones(mains, fars, rps_m, rps_f, lay_i, lay_f, wins, r_main, r_blend, site_x, site_y, geo, clut, outs,
                   flags):
    """:func:`~._fill_zones.fill_window_zones` of ``n = wins.shape[0]`` groups at one site (x, y) in one walk over
    the union of their windows: every window and flag array bit for bit as the calls one by one.

    Tuples of :data:`MAX_RUN` arrays (the first ``n`` the groups', the rest any, unread): ``mains`` / ``fars`` the
    main and extended tables, ``rps_m`` / ``rps_f`` their receiver clutter (:func:`~._fill_zones.prev_clutter_read`;
    empty: plain interpolation), ``outs`` (float32) and ``flags`` (uint8) the windows, group ``g``'s from global
    cell ``wins[g]`` = (r_lo, c_lo). ``lay_i[g]`` = (n0, lmax) of the main table, then of the extended one;
    ``lay_f[g]`` = (radius_m, step_m, cut_m) of the main table, then of the extended one, the loss limit and the
    spread limit (``spread_db``). ``r_main`` / ``r_blend``: the zones' (the same for the run); ``geo`` = (left, top,
    res_x, res_y); ``clut`` = (clut_h, clut_code, col_off, row_off): the clutter windows the cells' receiver clutter
    is read from (those of every group with ``rps``).
    """
    left, top, res_x, res_y = geo
    n = wins.shape[0]
    n_samp = np.empty((n, 2), dtype=np.int64)
    for g in range(n):
        n_samp[g, 0], n_samp[g, 1] = mains[g].shape[1], fars[g].shape[1]
    slot, lead, s_cut = sample_slots(lay_i, lay_f, n_samp)
    n_s = lead.shape[0]
    spans = _run_spans(mains, fars, lay_i, lay_f, wins, outs, site_x, site_y, geo)
    u_r0, u_c0, u_r1, u_c1 = wins[0, 0], wins[0, 1], wins[0, 0], wins[0, 1]
    for g in range(n):
        u_r0, u_c0 = min(u_r0, wins[g, 0]), min(u_c0, wins[g, 1])
        u_r1, u_c1 = max(u_r1, wins[g, 0] + outs[g].shape[0]), max(u_c1, wins[g, 1] + outs[g].shape[1])
    h, w = u_r1 - u_r0, u_c1 - u_c0
    n_ch = min((h + BLOCK_ROWS - 1) // BLOCK_ROWS, ROW_CHUNKS)
    for ch in prange(n_ch):  # blocks of rows interleaved over the chunks (BLOCK_ROWS); row buffers once per chunk
        dist, azb = np.empty(w), np.empty(w)  # per cell of the union's row; then per layout its samples
        j0, j1, i0 = np.empty((n_s, w), np.int64), np.empty((n_s, w), np.int64), np.empty((n_s, w), np.int64)
        wa, wt = np.empty((n_s, w)), np.empty((n_s, w))
        g_ab = np.zeros((n, 2), np.int64)  # each group's span in the union's columns
        s_ab = np.zeros((n_s, 2), np.int64)  # each layout's: the groups' that read it
        for ur in block_rows(ch, n_ch, h):
            gr = u_r0 + ur
            dy = top - (gr + 0.5) * res_y - site_y
            ua, ub = _row_spans(gr, wins, spans, outs, flags, slot, u_c0, w, g_ab, s_ab)
            for c in range(ua, ub):  # the distance and azimuth, once per cell for every group
                dx = left + (u_c0 + c + 0.5) * res_x - site_x
                dist[c] = math.sqrt(dx * dx + dy * dy)
                azb[c] = cell_azimuth(dx, dy)
            for s in range(n_s):  # each layout's samples, once for the groups that read it
                e, z = lead[s, 0], lead[s, 1]
                n0, lmax, c_max = lay_i[e, 2 * z], lay_i[e, 2 * z + 1], s_cut[s]
                rad, step = lay_f[e, 3 * z], lay_f[e, 3 * z + 1]
                for c in range(s_ab[s, 0], s_ab[s, 1]):
                    d = dist[c]
                    if (((d <= r_main or d < r_blend) and d <= c_max) if z == 0 else (d > r_main and d <= c_max)):
                        j0[s, c], j1[s, c], i0[s, c], wa[s, c], wt[s, c] = fill_samples_az(azb[c], d, n0, lmax, rad,
                                                                                            step, n_samp[e, z])
            for g in range(n):  # then group after group the means, the blend and the flag
                if g_ab[g, 1] > g_ab[g, 0]:
                    _group_row(gr - wins[g, 0], g_ab[g, 0], g_ab[g, 1], wins[g, 1] - u_c0, gr, u_c0, dist, slot[g, 0],
                               slot[g, 1], j0, j1, i0, wa, wt, mains[g], fars[g], rps_m[g], rps_f[g], lay_f[g],
                               r_main, r_blend, clut, (site_x - left) / res_x - 0.5, (top - site_y) / res_y - 0.5,
                               outs[g], flags[g])


@njit(cache=True, inline="always")
def _row_spans(gr, wins, spans, outs, flags, slot, u_c0, w, g_ab, s_ab):
    """For global row ``gr``: NaN (flag 0) in each group's window beyond its span (as the single fill), each group's
    span and each layout's (the groups' that read it) in the union's columns; returns the union of the spans."""
    ua, ub = w, 0
    s_ab[:, 0] = w
    s_ab[:, 1] = 0
    for g in range(wins.shape[0]):
        out = outs[g]
        fl = flags[g]
        r = gr - wins[g, 0]
        g_ab[g, 0] = 0
        g_ab[g, 1] = 0
        if r < 0 or r >= out.shape[0]:
            continue
        c_a, c_b = spans[g, r, 0], spans[g, r, 1]
        for c in range(c_a):
            out[r, c] = math.nan
            fl[r, c] = 0
        for c in range(c_b, out.shape[1]):
            out[r, c] = math.nan
            fl[r, c] = 0
        if c_b > c_a:
            g_ab[g, 0] = c_a + wins[g, 1] - u_c0
            g_ab[g, 1] = c_b + wins[g, 1] - u_c0
            ua, ub = min(ua, g_ab[g, 0]), max(ub, g_ab[g, 1])
            for z in range(2):
                s = slot[g, z]
                s_ab[s, 0], s_ab[s, 1] = min(s_ab[s, 0], g_ab[g, 0]), max(s_ab[s, 1], g_ab[g, 1])
    return ua, ub


@njit(cache=True, inline="always")
def _group_row(r, ua, ub, off, gr, u_c0, dist, sm, sf, j0, j1, i0, wa, wt, t_m, t_f, rp_m, rp_f, lay, r_main, r_blend,
               clut, site_col, site_row, out, fl):
    """Row ``r`` of one group's window, union columns ``ua`` to ``ub`` (its span; window column = union column -
    ``off``): :func:`~._fill_zones.fill_window_zones`' second pass, its samples those of layouts ``sm`` / ``sf``."""
    clut_h, clut_code, col_off, row_off = clut
    cut_m, step_f, cut_f, max_loss_db, spread_db = lay[2], lay[4], lay[5], lay[6], lay[7]
    width = r_blend - r_main
    for c in range(ua, ub):
        d = dist[c]
        vm, vf, spread, same_m, same_f = math.nan, math.nan, 0.0, True, True
        if (d <= r_main or d < r_blend) and d <= cut_m:  # the main zone (as the single fill's samples' test)
            vm, _, same_m = _zone_mean_all(t_m, rp_m, j0[sm, c], j1[sm, c], i0[sm, c], wa[sm, c], wt[sm, c])
        if d > r_main and d <= cut_f:  # the extended zone
            vf, spread, same_f = _zone_mean_all(t_f, rp_f, j0[sf, c], j1[sf, c], i0[sf, c], wa[sf, c], wt[sf, c])
        if not (same_m and same_f):  # samples of different receiver clutter: the cell's decides (matching)
            r_cell = _cell_clutter(clut_h, clut_code, col_off, row_off, site_col, site_row, u_c0 + c, gr, d, step_f)
            if not same_m:
                vm, _ = _zone_mean(t_m, rp_m, r_cell, j0[sm, c], j1[sm, c], i0[sm, c], wa[sm, c], wt[sm, c])
            if not same_f:
                vf, spread = _zone_mean(t_f, rp_f, r_cell, j0[sf, c], j1[sf, c], i0[sf, c], wa[sf, c], wt[sf, c])
        out[r, c - off], fl[r, c - off] = blend_zones(d, vm, vf, spread, r_main, r_blend, width, max_loss_db, spread_db)
