"""One pass over a site group's loss window: min-loss raster, angles and every sector's level at once.

After the fill of a site group's loss window, the engine (:func:`towerplan.coverage.engine.run_batch`) used
to walk that window once per step: :func:`~._kernels.min_into`, :func:`~._kernels.site_geometry` (theta and
bearing into two float64 windows), then per sector :func:`~._kernels.accumulate_sector` and, with the SINR
layer, :func:`~._sinr_kernels.accumulate_carrier` (the sector's antenna gain a second time).
:func:`accumulate_group` walks it once: per row, the min-loss raster and, only where the group's strongest
sector can reach the cell, the angles into row buffers; then each sector along the row, its level computed
once for both accumulators. It calls the same per-cell definitions (:func:`~._kernels.cell_angles`,
:func:`~._gain_kernels.sector_level_dbm`, :func:`~._kernels.take_level`, :func:`~._sinr_kernels.take_carrier`) on the
same operands, and each cell sees its sectors in the same order, so every raster is bit-identical to the
separate passes' (``tests/test_fused.py``). Each row is walked from its first non-NaN loss to its last only
(:func:`_finite_span`): the fills leave the cells beyond the reach of every radial NaN (:mod:`._reach_spans`), and
a NaN cell changes no accumulator.

:func:`accumulate_run` does the same for a run of consecutive site groups (the engine's runs: a site's bands, one
after another in the batch's order): one walk over the union of their windows, group after group along each row, so
the accumulators' rows are read and written once for the run, and the angles once per row for groups with the same
antennas (round w17).

The fill itself stays a separate pass (:func:`~._kernels.fill_window`, :func:`~._fill_zones.fill_window_zones`,
then the ``refine`` / ``exact`` cells and the P.2108 terminal loss on the window): a variant that computed
each cell's loss from the radial tables inside this pass measured slower than the fill plus this pass
(bench/README.md, round w10).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from towerplan.coverage._gain_kernels import sector_level_inline
from towerplan.coverage._kernels import ROW_CHUNKS, cell_angles
from towerplan.coverage._sinr_kernels import take_carrier

__all__ = ["S_AZ", "S_BASE", "I_OMNI", "I_PAIR", "MAX_RUN", "accumulate_group", "accumulate_run", "N_SF", "N_SI"]

#: columns of the sectors' float parameters (``sec_f``): the antenna arguments of
#: :func:`~towerplan.coverage.engine.sector_gain_args` and the base level (dBm)
S_AZ, S_HBW, S_VBW, S_ETILT, S_MTILT, S_FB, S_SLA, S_BASE = range(8)
N_SF = 8
#: columns of the sectors' integer parameters (``sec_i``): omni, tabulated, station index, operator and
#: technology codes, SINR pair and carrier (-1: not in the SINR layer)
I_OMNI, I_TAB, I_IDX, I_OP, I_TECH, I_PAIR, I_CARRIER = range(7)
N_SI = 7


@njit(cache=True, inline="always")
def _reach_bases(sec_f, sec_i):
    """The strongest base level of the group's sectors, and of those in the SINR layer (-inf: none)."""
    top_cov = -math.inf
    top_sinr = -math.inf
    for k in range(sec_f.shape[0]):
        top_cov = max(top_cov, sec_f[k, S_BASE])
        if sec_i[k, I_PAIR] >= 0:
            top_sinr = max(top_sinr, sec_f[k, S_BASE])
    return top_cov, top_sinr


@njit(cache=True, parallel=True, nogil=True)
def accumulate_group(loss, site, geo, box, terrain, angles, sec_f, sec_i, tables, limits, acc, acc_origin, sinr,
                     sinr_origin):
    """Add one site group's sectors to the accumulators (in place), walking its loss window once.

    ``loss``: the group's float32 loss window (NaN: none) on global cells from ``box`` = (r_lo, c_lo);
    ``site`` = (x, y) m, ``geo`` = (left, top, res_x, res_y); ``terrain`` = (ground, row offset, column
    offset) of the gap-filled DEM window; ``angles`` = (z_tx, h_rx, ae) of :func:`~._kernels.site_geometry`.
    Per sector ``sec_f`` / ``sec_i`` (:data:`N_SF`, :data:`N_SI` columns) and ``tables`` (its pattern's
    cuts, zeros when parametric); ``limits`` = (threshold_dbm, floor_dbm of the SINR layer). ``acc``:
    (best, best_idx, second, second_idx, count, op_best, tech_best, loss) at global ``acc_origin``;
    ``sinr``: (pair_best, pair_idx, carrier_sum) at global ``sinr_origin`` (empty arrays, and every
    sector's pair -1, when the run has no SINR layer).
    """
    site_x, site_y = site
    left, top, res_x, res_y = geo
    r_lo, c_lo = box
    ground, g_r0, g_c0 = terrain
    z_tx, h_rx, ae = angles
    threshold_dbm, floor_dbm = limits
    best, best_idx, second, second_idx, count, op_best, tech_best, loss_acc = acc
    pair_best, pair_idx, carrier_sum = sinr
    top_cov, top_sinr = _reach_bases(sec_f, sec_i)
    sinr_on = top_sinr > -math.inf
    h, w = loss.shape
    n_chunks = min(h, _CHUNKS)
    for ch in prange(n_chunks):  # chunks of rows write disjoint cells; one set of row buffers per chunk
        theta = np.empty(w)
        bearing = np.empty(w)
        for r in range(ch, h, n_chunks):  # rows interleaved (_kernels.ROW_CHUNKS)
            y = top - (r_lo + r + 0.5) * res_y
            dy = y - site_y
            pr = r_lo + r - acc_origin[0]
            pc0 = c_lo - acc_origin[1]
            row = loss[r]
            c_a, c_b = _finite_span(row)  # NaN cells change nothing: only the row's span from its first to last loss
            for c in range(c_a, c_b):
                lo = row[c]
                if lo < loss_acc[pr, pc0 + c]:  # NaN: no
                    loss_acc[pr, pc0 + c] = lo
                if top_cov - lo >= threshold_dbm or (sinr_on and top_sinr - lo >= floor_dbm):  # a sector may reach it
                    x = left + (c_lo + c + 0.5) * res_x
                    theta[c], bearing[c] = cell_angles(x - site_x, dy, ground[g_r0 + r, g_c0 + c], z_tx, h_rx, ae)
            for k in range(sec_f.shape[0]):
                _sector_row(k, row[c_a:c_b], theta[c_a:c_b], bearing[c_a:c_b], sec_f, sec_i, tables, threshold_dbm,
                            floor_dbm, best, best_idx, second, second_idx, count, op_best, tech_best, pr, pc0 + c_a,
                            pair_best, pair_idx, carrier_sum, r_lo + r - sinr_origin[0], c_lo + c_a - sinr_origin[1])


#: the most site groups :func:`accumulate_run` walks at once (the length of its tuple of loss windows: one compiled
#: signature for any run; the engine splits longer runs)
MAX_RUN = 8
_NO_STAMP = -(1 << 62)  # no angles in the row buffer's cell yet


@njit(cache=True, parallel=True, nogil=True)
def accumulate_run(losses, wins, sites, geo, terrain, rx, sec_f, sec_i, tables, k0, limits, acc, acc_origin, sinr,
                   sinr_origin):
    """:func:`accumulate_group` for up to :data:`MAX_RUN` site groups in one walk: the same accumulators, bit for bit,
    as the groups one after another, with the accumulators' rows read and written once for all of them.

    ``losses``: a tuple of :data:`MAX_RUN` float32 loss windows, the first ``n = wins.shape[0]`` the groups' (the rest
    any, unread); ``wins[g]`` = (r_lo, c_lo) of window ``g``; ``sites[g]`` = (x, y, z_tx) of its antennas;
    ``terrain`` = (ground, row offset, column offset): global cell (r, c) is ``ground[r + row offset, c + column
    offset]``; ``rx`` = (h_rx, ae); group ``g``'s sectors are rows ``k0[g]`` to ``k0[g + 1]`` of ``sec_f``, ``sec_i``
    and ``tables``. Every cell sees the groups in their order and each group's sectors in theirs, as the calls one
    after another (the SINR carrier sums depend on that order). A cell's angles computed for one group are reused by
    the next ones with the same (x, y, z_tx) in the same row (the same operands: the same values); a stamp per
    buffered cell says for which row and group they hold. The rest as :func:`accumulate_group`.
    """
    left, top, res_x, res_y = geo
    ground, t_r0, t_c0 = terrain
    h_rx, ae = rx
    threshold_dbm, floor_dbm = limits
    best, best_idx, second, second_idx, count, op_best, tech_best, loss_acc = acc
    pair_best, pair_idx, carrier_sum = sinr
    n = wins.shape[0]
    tops = np.empty((n, 2))
    same = np.empty(n, dtype=np.int64)  # the first group with the same antennas (their angles are the same)
    u_r0, u_c0 = wins[0, 0], wins[0, 1]
    u_r1, u_c1 = u_r0, u_c0
    for g in range(n):
        tops[g, 0], tops[g, 1] = _reach_bases(sec_f[k0[g]:k0[g + 1]], sec_i[k0[g]:k0[g + 1]])
        same[g] = g
        for e in range(g):
            if sites[e, 0] == sites[g, 0] and sites[e, 1] == sites[g, 1] and sites[e, 2] == sites[g, 2]:
                same[g] = e
                break
        hg, wg = losses[g].shape
        u_r0, u_c0 = min(u_r0, wins[g, 0]), min(u_c0, wins[g, 1])
        u_r1, u_c1 = max(u_r1, wins[g, 0] + hg), max(u_c1, wins[g, 1] + wg)
    h, w = u_r1 - u_r0, u_c1 - u_c0
    n_chunks = min(h, _CHUNKS)
    for ch in prange(n_chunks):  # chunks of rows write disjoint cells; one set of row buffers per chunk
        theta = np.empty(w)
        bearing = np.empty(w)
        stamp = np.full(w, _NO_STAMP, dtype=np.int64)  # (global row) * MAX_RUN + the group whose angles it holds
        for ur in range(ch, h, n_chunks):  # rows interleaved (_kernels.ROW_CHUNKS)
            gr = u_r0 + ur
            for g in range(n):
                r = gr - wins[g, 0]
                row_g = losses[g]
                if r < 0 or r >= row_g.shape[0]:
                    continue
                row = row_g[r]
                site_x, site_y, z_tx = sites[g, 0], sites[g, 1], sites[g, 2]
                c_lo = wins[g, 1]
                uc = c_lo - u_c0  # the window's first column in the row buffers
                tag = gr * MAX_RUN + same[g]
                top_cov, top_sinr = tops[g, 0], tops[g, 1]
                sinr_on = top_sinr > -math.inf
                dy = top - (gr + 0.5) * res_y - site_y
                pr = gr - acc_origin[0]
                pc0 = c_lo - acc_origin[1]
                c_a, c_b = _finite_span(row)
                for c in range(c_a, c_b):
                    lo = row[c]
                    if lo < loss_acc[pr, pc0 + c]:  # NaN: no
                        loss_acc[pr, pc0 + c] = lo
                    reach = top_cov - lo >= threshold_dbm or (sinr_on and top_sinr - lo >= floor_dbm)
                    if reach and stamp[uc + c] != tag:  # a sector may reach it, no angles for these antennas yet
                        x = left + (c_lo + c + 0.5) * res_x
                        theta[uc + c], bearing[uc + c] = cell_angles(x - site_x, dy, ground[gr + t_r0, c_lo + c + t_c0],
                                                                     z_tx, h_rx, ae)
                        stamp[uc + c] = tag
                for k in range(k0[g], k0[g + 1]):
                    _sector_row(k, row[c_a:c_b], theta[uc + c_a:uc + c_b], bearing[uc + c_a:uc + c_b], sec_f, sec_i,
                                tables, threshold_dbm, floor_dbm, best, best_idx, second, second_idx, count, op_best,
                                tech_best, pr, pc0 + c_a, pair_best, pair_idx, carrier_sum, gr - sinr_origin[0],
                                c_lo + c_a - sinr_origin[1])


@njit(cache=True, inline="always")
def _finite_span(row):
    """The half-open span of ``row`` from its first non-NaN value to its last (0, 0: none). The fills leave NaN
    beyond each row's reach (:mod:`._reach_spans`), and a NaN cell adds nothing to any accumulator."""
    w = row.shape[0]
    c_a = 0
    while c_a < w and math.isnan(row[c_a]):
        c_a += 1
    c_b = w
    while c_b > c_a and math.isnan(row[c_b - 1]):
        c_b -= 1
    return c_a, c_b


#: row chunks of :func:`accumulate_group` (its threads' work units; each allocates its row buffers once), rows
#: interleaved as in :data:`~._kernels.ROW_CHUNKS`
_CHUNKS = ROW_CHUNKS


@njit(cache=True, inline="always")
def _sector_row(k, lo_row, theta, bearing, sec_f, sec_i, tables, threshold_dbm, floor_dbm, best, best_idx, second,
                second_idx, count, op_best, tech_best, pr, pc0, pair_best, pair_idx, carrier_sum, sr, sc0):
    """Sector ``k`` along one row's buffers: :func:`~._kernels.accumulate_sector` and, in the SINR layer,
    :func:`~._sinr_kernels.accumulate_carrier` on the row, the level computed once for both."""
    base_dbm = sec_f[k, S_BASE]
    azimuth_deg = sec_f[k, S_AZ]
    h_bw, v_bw, e_tilt, m_tilt = sec_f[k, S_HBW], sec_f[k, S_VBW], sec_f[k, S_ETILT], sec_f[k, S_MTILT]
    fb_db, sla_db = sec_f[k, S_FB], sec_f[k, S_SLA]
    omni = sec_i[k, I_OMNI] != 0
    tabulated = sec_i[k, I_TAB] != 0
    idx, op, tech = sec_i[k, I_IDX], sec_i[k, I_OP], sec_i[k, I_TECH]
    pair, carrier = sec_i[k, I_PAIR], sec_i[k, I_CARRIER]
    cuts = tables[k]
    for i in range(lo_row.shape[0]):
        lo = lo_row[i]
        covers = base_dbm - lo >= threshold_dbm
        in_sinr = pair >= 0 and base_dbm - lo >= floor_dbm
        if not (covers or in_sinr):  # NaN, or out of reach even at boresight
            continue
        phi = 0.0
        if not omni:
            phi = bearing[i] - azimuth_deg
        level = sector_level_inline(lo, phi, theta[i], omni, h_bw, v_bw, e_tilt, m_tilt, fb_db, sla_db, tabulated,
                                    cuts, base_dbm)
        if covers and level >= threshold_dbm:
            _take_level_select(best, best_idx, second, second_idx, count, op_best, tech_best, pr, pc0 + i, level, idx,
                               op, tech)
        if in_sinr and level >= floor_dbm:
            take_carrier(carrier_sum, pair_best, pair_idx, carrier, pair, sr, sc0 + i, level, idx, threshold_dbm)


@njit(cache=True, inline="always")
def _take_level_select(best, best_idx, second, second_idx, count, op_best, tech_best, r, c, level, idx, op, tech):
    """:func:`~._kernels.take_level` with its comparisons as selects instead of branches:
    every accumulator of cell (r, c) is read and written back, with the level where :func:`~._kernels.take_level`
    would store it and its own value elsewhere. The same comparisons (the top two by level, ties to the lower station
    index, :func:`~._kernels._insert`; the strict maxima), so the same values bit for bit. Whether a level beats a
    neighbour site's is as random as the terrain: those branches mispredicted often. The caller keeps the branch on
    the level serving (selects there too touched every accumulator of the cells where no level serves, which cost
    more than it saved); bench/README.md, round w15."""
    b = best[r, c]
    bi = best_idx[r, c]
    s = second[r, c]
    si = second_idx[r, c]
    top = (bi < 0) | (level > b) | ((level == b) & (idx < bi))
    sec = (not top) & ((si < 0) | (level > s) | ((level == s) & (idx < si)))
    second[r, c] = b if top else (level if sec else s)
    second_idx[r, c] = bi if top else (idx if sec else si)
    best[r, c] = level if top else b
    best_idx[r, c] = idx if top else bi
    count[r, c] += 1
    ob = op_best[op, r, c]
    op_best[op, r, c] = level if level > ob else ob
    tb = tech_best[tech, r, c]
    tech_best[tech, r, c] = level if level > tb else tb
