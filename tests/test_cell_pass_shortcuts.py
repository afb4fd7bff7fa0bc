"""Round w15's shortcuts in the per-cell passes against what they replace, bit for bit:

- ``_fused._take_level_select`` (the accumulators' update with selects) against ``_kernels.take_level`` (branches),
  on accumulators already holding other sites' levels, ties of level with lower and higher station indices;
- the zone fill reading a cell's receiver clutter only where its samples' differ (``_fill_zones._zone_mean_all``)
  against the fill that read it for every cell (the loop of round w13, with the clutter match);
- ``_reach_spans.radial_last`` scanning blocks of samples against the sample-by-sample scan.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numba import njit

from towerplan.coverage import _kernels as kern
from towerplan.coverage._fill_zones import _cell_clutter, _zone_mean, _zone_mean_all, fill_window_zones
from towerplan.coverage._fused import _take_level_select
from towerplan.coverage._reach_spans import radial_last
from towerplan.coverage.clutter import readonly
from towerplan.coverage.plan import radial_layout

LIMIT = 150.0


def _filled_acc(rng: np.random.Generator, n: int, n_ops: int = 2, n_techs: int = 3):
    """Accumulators of n cells (one row) holding other sites' levels: empty cells, one server, two servers; levels
    from a small set so that ties are common."""
    levels = np.float32(-100.0) + rng.integers(0, 4, (4, n)).astype(np.float32)
    best = np.where(rng.random(n) < 0.2, np.float32(-np.inf), levels[0])
    best_idx = np.where(np.isinf(best), -1, rng.integers(0, 8, n)).astype(np.int32)
    has_second = (best_idx >= 0) & (rng.random(n) < 0.6)
    second = np.where(has_second, np.minimum(levels[1], best), np.float32(-np.inf)).astype(np.float32)
    second_idx = np.where(has_second, rng.integers(0, 8, n), -1).astype(np.int32)
    count = ((best_idx >= 0).astype(np.int32) + has_second).astype(np.int32)
    op_best = np.where(rng.random((n_ops, n)) < 0.3, np.float32(-np.inf), levels[2][None, :]).astype(np.float32)
    tech_best = np.where(rng.random((n_techs, n)) < 0.3, np.float32(-np.inf), levels[3][None, :]).astype(np.float32)
    return [a[None, ...] if a.ndim == 1 else a[:, None, :] for a in
            (best, best_idx, second, second_idx, count, op_best, tech_best)]


@njit(cache=False)
def _by_branches(acc, levels, idxs, ops, techs, taken):
    best, best_idx, second, second_idx, count, op_best, tech_best = acc
    for c in range(levels.shape[0]):
        if taken[c]:
            kern.take_level(best, best_idx, second, second_idx, count, op_best, tech_best, 0, c, levels[c], idxs[c],
                            ops[c], techs[c])


@njit(cache=False)
def _by_selects(acc, levels, idxs, ops, techs, taken):
    best, best_idx, second, second_idx, count, op_best, tech_best = acc
    for c in range(levels.shape[0]):
        if taken[c]:  # the caller's branch on the level serving, as in _fused._sector_row
            _take_level_select(best, best_idx, second, second_idx, count, op_best, tech_best, 0, c, levels[c],
                               idxs[c], ops[c], techs[c])


@pytest.mark.parametrize("seed", range(4))
def test_the_select_update_is_take_level(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 4000
    ref = _filled_acc(rng, n)
    got = [a.copy() for a in ref]
    for _ in range(3):  # three sectors in turn, as a site's
        levels = np.float32(-100.0) + rng.integers(-1, 5, n).astype(np.float32)
        idxs = rng.integers(0, 8, n).astype(np.int64)
        ops, techs = rng.integers(0, 2, n).astype(np.int64), rng.integers(0, 3, n).astype(np.int64)
        taken = rng.random(n) < 0.8
        _by_branches(tuple(ref), levels, idxs, ops, techs, taken)
        _by_selects(tuple(got), levels, idxs, ops, techs, taken)
    for a, b in zip(ref, got, strict=True):
        assert a.tobytes() == b.tobytes()
    assert (ref[3] >= 0).mean() > 0.5  # second servers inserted and displaced
    assert (ref[4] >= 3).sum() > 100


@njit(cache=False)
def _zone_cell(table, rprev, r_cell, dx, dy, d, n0, lmax, radius_m, step_m, cut_m):
    if d > cut_m:
        return math.nan, 0.0
    j0, j1, i0, wa, wt = kern.fill_samples(dx, dy, d, n0, lmax, radius_m, step_m, table.shape[1])
    return _zone_mean(table, rprev, r_cell, j0, j1, i0, wa, wt)


@njit(cache=False)
def _every_cell_clutter(main, far, r_main, r_blend, site_x, site_y, left, top, res, r_lo, c_lo, out, flags,
                        max_loss_db, rx, spread_db):
    """The zone fill as round w13 wrote it per cell: the cell's receiver clutter read first, for every cell."""
    t_m, n0_m, lmax_m, rad_m, step_m, cut_m = main
    t_f, n0_f, lmax_f, rad_f, step_f, cut_f = far
    rp_m, rp_f, clut_h, clut_code, col_off, row_off = rx
    site_col = (site_x - left) / res - 0.5
    site_row = (top - site_y) / res - 0.5
    h, w = out.shape
    for r in range(h):
        dy = top - (r_lo + r + 0.5) * res - site_y
        for c in range(w):
            dx = left + (c_lo + c + 0.5) * res - site_x
            d = math.sqrt(dx * dx + dy * dy)
            r_cell = _cell_clutter(clut_h, clut_code, col_off, row_off, site_col, site_row, c_lo + c, r_lo + r, d,
                                   step_f)
            vm, vf, spread = math.nan, math.nan, 0.0
            if d <= r_main or d < r_blend:
                vm, _ = _zone_cell(t_m, rp_m, r_cell, dx, dy, d, n0_m, lmax_m, rad_m, step_m, cut_m)
            if d > r_main:
                vf, spread = _zone_cell(t_f, rp_f, r_cell, dx, dy, d, n0_f, lmax_f, rad_f, step_f, cut_f)
            if d <= r_main:
                v = vm
            elif d >= r_blend or math.isnan(vm):
                v = vf
            elif math.isnan(vf):
                v = vm
            else:
                wf = (d - r_main) / (r_blend - r_main)
                v = (1.0 - wf) * vm + wf * vf
            keep = v <= max_loss_db
            out[r, c] = v if keep else math.nan
            flags[r, c] = 1 if (keep and spread > spread_db) else 0


def _table(rng, radius, step, spacing, from_i=0):
    n0, lmax, first, count = radial_layout(radius, step, spacing=spacing)
    n_samp = int(count.max())
    i = np.arange(n_samp)[None, :]
    table = (60.0 + rng.choice([0.05, 0.2, 0.5], size=(n0, 1)) * i + rng.normal(0.0, 3.0, (n0, n_samp)))
    table = table.astype(np.float32)
    table[i < np.maximum(first, from_i)[:, None]] = np.nan
    table[i >= count[:, None]] = np.nan
    table[rng.random((n0, n_samp)) < 0.05] = np.nan
    table[(i >= rng.integers(n_samp // 3, n_samp + 1, size=(n0, 1))) & ~np.isnan(table)] = np.inf
    return table, n0, lmax


@pytest.mark.parametrize("seed", range(4))
def test_the_zone_fill_reads_the_cells_clutter_only_where_it_decides(seed: int) -> None:
    rng = np.random.default_rng(200 + seed)
    res = step = 30.0
    r_main = 900.0
    r_blend = r_main + 8 * step
    radius = 2400.0
    main, n0_m, lmax_m = _table(rng, r_blend, step, spacing=1.0)
    far, n0_f, lmax_f = _table(rng, radius, step, spacing=6.0, from_i=int(r_main / step))
    heights = np.array([0.0, 8.0, 8.2, 15.0, 20.0], np.float32)  # 8.0 and 8.2 match (RX_MATCH_M)
    # patches of clutter, so that most cells' samples share one height and many do not
    n = int(2 * radius / res) + 8
    patches = rng.integers(0, 5, (n // 10 + 1, n // 10 + 1))
    code = np.kron(patches, np.ones((10, 10), np.int64))[:n, :n].astype(np.uint8)
    code[rng.random((n, n)) < 0.02] = 0  # no data: the default class
    clut_h, code = readonly(heights[code.astype(np.int64)], np.float32), readonly(code, np.uint8)  # as the engine's
    left, top = 1000.0, 900_000.0
    site_x, site_y = left + (n / 2 + 0.3) * res, top - (n / 2 - 0.2) * res
    site_col, site_row = (site_x - left) / res - 0.5, (top - site_y) / res - 0.5
    rp_m = kern_prev(n0_m, main.shape[1], step, site_col, site_row, res, clut_h, code, 1)
    rp_f = kern_prev(n0_f, far.shape[1], step, site_col, site_row, res, clut_h, code, int(r_main / step))
    rx = (rp_m, rp_f, clut_h, code, 0, 0)
    mains = (main, n0_m, lmax_m, r_blend, step, r_blend)
    fars = (far, n0_f, lmax_f, radius, step, radius)
    h, w = n - 4, n - 2
    ref, ref_f = np.empty((h, w), np.float32), np.empty((h, w), np.uint8)
    _every_cell_clutter(mains, fars, r_main, r_blend, site_x, site_y, left, top, res, 1, 2, ref, ref_f, LIMIT, rx, 4.0)
    out, flags = np.full((h, w), 7.0, np.float32), np.ones((h, w), np.uint8)
    fill_window_zones(mains, fars, r_main, r_blend, site_x, site_y, left, top, res, res, 1, 2, out, LIMIT, rx, 4.0,
                      flags)
    assert np.isfinite(ref).mean() > 0.1
    assert ref_f.any()
    assert out.tobytes() == ref.tobytes()
    assert flags.tobytes() == ref_f.tobytes()


def kern_prev(n0, n_samp, step, site_col, site_row, res, clut_h, code, from_i):
    from towerplan.coverage._fill_zones import prev_clutter

    return prev_clutter(n0, n_samp, step, site_col, site_row, 0, 0, res, res, clut_h, code, from_i)


def test_zone_mean_all_is_the_matching_mean_where_it_says_so() -> None:
    """Where the samples averaged share one receiver clutter, the matching mean is the plain one for any cell's
    clutter; where they do not, the flag says so (and the fill then asks :func:`_zone_mean`)."""
    rng = np.random.default_rng(5)
    table = rng.uniform(90.0, 130.0, (8, 12)).astype(np.float32)
    table[rng.random(table.shape) < 0.15] = np.nan
    uniform_seen = mixed_seen = 0
    for _ in range(3000):
        rprev = rng.choice(np.array([0.0, 10.0, np.nan], np.float32), size=table.shape, p=[0.7, 0.25, 0.05])
        j0, i0 = int(rng.integers(0, 7)), int(rng.integers(0, 11))
        wa, wt = float(rng.choice([0.0, rng.random(), 1.0])), float(rng.choice([0.0, rng.random(), 1.0]))
        v, spread, uniform = _zone_mean_all(table, rprev, j0, j0 + 1, i0, wa, wt)
        if uniform:
            uniform_seen += 1
            for r_cell in (0.0, 10.0, 10.3, 5.0):
                v2, s2 = _zone_mean(table, rprev, r_cell, j0, j0 + 1, i0, wa, wt)
                assert np.float64(v).tobytes() == np.float64(v2).tobytes()
                assert spread == s2
        else:
            mixed_seen += 1
    assert uniform_seen > 1000
    assert mixed_seen > 300
    none = np.zeros((0, 0), np.float32)
    v, spread, uniform = _zone_mean_all(table, none, 2, 3, 4, 0.3, 0.6)
    assert uniform
    assert (v, spread) == _zone_mean(table, none, 0.0, 2, 3, 4, 0.3, 0.6)


@njit(cache=False)
def _last_by_samples(table, limit):
    last = np.full(table.shape[0], -1, dtype=np.int64)
    for j in range(table.shape[0]):
        for i in range(table.shape[1] - 1, -1, -1):
            if table[j, i] <= limit:
                last[j] = i
                break
    return last


@pytest.mark.parametrize("n_samp", [1, 15, 16, 17, 47, 336])
def test_radial_last_is_the_scan_sample_by_sample(n_samp: int) -> None:
    rng = np.random.default_rng(n_samp)
    table = rng.uniform(80.0, 170.0, (400, n_samp)).astype(np.float32)
    table[rng.random(table.shape) < 0.1] = np.nan
    stop = rng.integers(0, n_samp + 1, size=(400, 1))
    i = np.arange(n_samp)[None, :]
    tail = np.where(rng.random((400, 1)) < 0.5, np.float32(np.inf), np.float32(np.nan))
    table = np.where(i >= stop, tail, table).astype(np.float32)
    got = radial_last(table, 150.0)
    assert np.array_equal(got, _last_by_samples(table, 150.0))
    assert (got == -1).any()
    assert (got >= 0).any()


@pytest.mark.parametrize(("seed", "cut_far"), [(0, 2400.0), (1, 1905.0), (2, 1440.0), (3, 1230.0)])
def test_the_receiver_clutter_of_the_read_samples_only_gives_the_same_fill(seed: int, cut_far: float) -> None:
    """Round w16: :func:`prev_clutter_read` (the clutter only at the samples the fill reads: not NaN, within the
    table's cut) against :func:`prev_clutter` of the whole table (round w10-w15): the zone fill byte-identical,
    the clutter equal wherever it was computed."""
    from towerplan.coverage._fill_zones import prev_clutter, prev_clutter_read, read_end

    rng = np.random.default_rng(300 + seed)
    res = step = 30.0
    r_main, radius = 900.0, 2400.0
    r_blend = r_main + 8 * step
    cut_main = r_blend - rng.integers(0, 3) * step
    main, n0_m, lmax_m = _table(rng, r_blend, step, spacing=1.0)
    far, n0_f, lmax_f = _table(rng, radius, step, spacing=6.0, from_i=int(r_main / step))
    heights = np.array([0.0, 8.0, 8.2, 15.0, 20.0], np.float32)
    n = int(2 * radius / res) + 8
    code = rng.integers(0, 5, (n, n)).astype(np.uint8)  # a different height every cell: many mixed samples
    clut_h, code = readonly(heights[code.astype(np.int64)], np.float32), readonly(code, np.uint8)  # as the engine's
    left, top = 1000.0, 900_000.0
    site_x, site_y = left + (n / 2 + 0.3) * res, top - (n / 2 - 0.2) * res
    site_col, site_row = (site_x - left) / res - 0.5, (top - site_y) / res - 0.5
    mains = (main, n0_m, lmax_m, r_blend, step, cut_main)
    fars = (far, n0_f, lmax_f, radius, step, cut_far)
    fills = []
    for whole in (True, False):
        rps = []
        for table, cut, from_i in ((main, cut_main, 1), (far, cut_far, int(r_main / step))):
            args = (step, site_col, site_row, 0, 0, res, res, clut_h, code, from_i)
            full = prev_clutter(table.shape[0], table.shape[1], *args)
            part = prev_clutter_read(table, read_end(cut, step, table.shape[1]), *args)
            done = ~np.isnan(part)
            assert np.array_equal(part[done], full[done])
            assert done.sum() < 0.9 * np.count_nonzero(~np.isnan(full))
            rps.append(full if whole else part)
        rx = (rps[0], rps[1], clut_h, code, 0, 0)
        h, w = n - 4, n - 2
        out, flags = np.full((h, w), 7.0, np.float32), np.ones((h, w), np.uint8)
        fill_window_zones(mains, fars, r_main, r_blend, site_x, site_y, left, top, res, res, 1, 2, out, LIMIT, rx,
                          4.0, flags)
        fills.append((out, flags))
    assert np.isfinite(fills[0][0]).mean() > 0.05
    assert fills[1][0].tobytes() == fills[0][0].tobytes()
    assert fills[1][1].tobytes() == fills[0][1].tobytes()
