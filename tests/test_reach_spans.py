"""The fills visit only each row's span that can be within reach (:mod:`towerplan.coverage._reach_spans`): the
span never leaves out a cell the full fill makes finite, and the fills' outputs are those of the plain loops over
every cell (random radial tables with NaN holes, +inf tails beyond a reach bound, losses above the limit, sites
inside and outside the window, bench/README.md round w12, helper ``cells``)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numba import njit

from towerplan.coverage import _kernels as kern
from towerplan.coverage._fill_zones import _zone_mean, fill_window_zones
from towerplan.coverage._reach_spans import BLOCK, reach_spans, table_reach
from towerplan.coverage.clutter import NO_CLUTTER
from towerplan.coverage.plan import radial_layout

LIMIT = 150.0


@njit(cache=False)
def _zone_cell(table, rprev, r_cell, dx, dy, d, n0, lmax, radius_m, step_m, cut_m):
    """One cell of one zone as the zone fill computed it cell by cell before its two passes (round w13): NaN beyond
    the table's cut, else its samples' (loss, spread)."""
    if d > cut_m:
        return math.nan, 0.0
    j0, j1, i0, wa, wt = kern.fill_samples(dx, dy, d, n0, lmax, radius_m, step_m, table.shape[1])
    return _zone_mean(table, rprev, r_cell, j0, j1, i0, wa, wt)


@njit(cache=False)
def _plain_fill(table, n0, lmax, radius_m, step_m, site_x, site_y, left, top, res_x, res_y, r_lo, c_lo, out,
                max_loss_db, cut_m):
    """:func:`~towerplan.coverage._kernels.fill_window`'s loop over every cell, as before the spans."""
    h, w = out.shape
    for r in range(h):
        dy = top - (r_lo + r + 0.5) * res_y - site_y
        for c in range(w):
            dx = left + (c_lo + c + 0.5) * res_x - site_x
            d = math.sqrt(dx * dx + dy * dy)
            out[r, c] = math.nan if d > cut_m else kern.fill_cell(table, dx, dy, d, n0, lmax, radius_m, step_m,
                                                                   table.shape[1], max_loss_db)


@njit(cache=False)
def _plain_zones(main, far, r_main, r_blend, site_x, site_y, left, top, res_x, res_y, r_lo, c_lo, out,
                 max_loss_db):
    """:func:`~towerplan.coverage._fill_zones.fill_window_zones`' loop over every cell (no clutter match)."""
    t_m, n0_m, lmax_m, rad_m, step_m, cut_m = main
    t_f, n0_f, lmax_f, rad_f, step_f, cut_f = far
    none = np.zeros((0, 0), dtype=np.float32)
    h, w = out.shape
    for r in range(h):
        dy = top - (r_lo + r + 0.5) * res_y - site_y
        for c in range(w):
            dx = left + (c_lo + c + 0.5) * res_x - site_x
            d = math.sqrt(dx * dx + dy * dy)
            if d <= r_main:
                v, _ = _zone_cell(t_m, none, 0.0, dx, dy, d, n0_m, lmax_m, rad_m, step_m, cut_m)
            elif d >= r_blend:
                v, _ = _zone_cell(t_f, none, 0.0, dx, dy, d, n0_f, lmax_f, rad_f, step_f, cut_f)
            else:
                vm, _ = _zone_cell(t_m, none, 0.0, dx, dy, d, n0_m, lmax_m, rad_m, step_m, cut_m)
                vf, _ = _zone_cell(t_f, none, 0.0, dx, dy, d, n0_f, lmax_f, rad_f, step_f, cut_f)
                if math.isnan(vm):
                    v = vf
                elif math.isnan(vf):
                    v = vm
                else:
                    wf = (d - r_main) / (r_blend - r_main)
                    v = (1.0 - wf) * vm + wf * vf
            out[r, c] = v if v <= max_loss_db else math.nan


def _table(rng, radius, step, spacing, from_i=0):
    """A radial table as the sweeps leave it: NaN before ``first`` and in random holes, losses growing with
    distance by a per-radial slope (three sectors: some radials reach far, most not), +inf beyond a random
    reach bound, values above the limit before it."""
    n0, lmax, first, count = radial_layout(radius, step, spacing=spacing)
    n_samp = int(count.max())
    i = np.arange(n_samp)[None, :]
    slope = rng.choice([0.05, 0.15, 0.4, 1.5], size=(n0, 1)) * 90.0 / step
    table = (60.0 + slope * i + rng.normal(0.0, 3.0, (n0, n_samp))).astype(np.float32)
    table[i < np.maximum(first, from_i)[:, None]] = np.nan
    table[i >= count[:, None]] = np.nan
    table[rng.random((n0, n_samp)) < 0.05] = np.nan
    stop = rng.integers(2, n_samp + 1, size=(n0, 1))
    table[(i >= stop) & ~np.isnan(table)] = np.inf
    return table, n0, lmax


def _window(rng, res, radius):
    """A window (r_lo, c_lo, h, w) around or beside a site at (x, y), and the grid's left / top edges."""
    left, top = 1000.0, 900_000.0
    n = int(2 * radius / res) + 6
    r_lo, c_lo = int(rng.integers(0, 50)), int(rng.integers(0, 50))
    site_x = left + (c_lo + rng.uniform(-0.1, 0.6) * n) * res
    site_y = top - (r_lo + rng.uniform(-0.1, 0.6) * n) * res
    h, w = int(rng.integers(n // 2, n + 1)), int(rng.integers(n // 2, n + 1))
    return left, top, site_x, site_y, r_lo, c_lo, h, w


def _inside(out, spans):
    cols = np.arange(out.shape[1])[None, :]
    return (cols >= spans[:, :1]) & (cols < spans[:, 1:])


@pytest.mark.parametrize("seed", range(12))
def test_the_span_holds_every_cell_the_fill_makes_finite(seed: int) -> None:
    rng = np.random.default_rng(seed)
    res = [30.0, 90.0, 25.0][seed % 3]
    radius = float(rng.uniform(1500.0, 6000.0))
    step = res * [1.0, 2.0][seed % 2]
    table, n0, lmax = _table(rng, radius, step, spacing=float(rng.choice([1.0, 2.0, 6.0])))
    cut = radius if seed % 4 else float(rng.uniform(0.3, 1.0)) * radius
    left, top, site_x, site_y, r_lo, c_lo, h, w = _window(rng, res, radius)
    ref = np.empty((h, w), dtype=np.float32)
    _plain_fill(table, n0, lmax, radius, step, site_x, site_y, left, top, res, res, r_lo, c_lo, ref, LIMIT, cut)
    reach = table_reach(table, lmax, radius, step, cut, LIMIT)
    spans = reach_spans((reach,), site_x, site_y, left, top, res, res, r_lo, c_lo, h, w)
    inside = _inside(ref, spans)
    finite = np.isfinite(ref)
    assert finite.any()
    assert not (finite & ~inside).any()
    # each finite cell is closer than its wedge's reach (the bound itself, without the blocks' slack)
    dx = left + (c_lo + np.arange(w) + 0.5) * res - site_x
    dy = top - (r_lo + np.arange(h) + 0.5) * res - site_y
    d = np.hypot(dx[None, :], dy[:, None])
    wedge = np.floor(np.mod(np.arctan2(dx[None, :], dy[:, None]), 2 * np.pi) / (2 * np.pi) * n0).astype(int) % n0
    assert (d[finite] < reach[wedge[finite]]).all()
    assert (d[finite] > reach[wedge[finite]] - 3 * step).any()  # and not much further
    out = np.full((h, w), 7.0, dtype=np.float32)
    kern.fill_window(table, n0, lmax, radius, step, site_x, site_y, left, top, res, res, r_lo, c_lo, out, LIMIT, cut,
                     np.zeros((0, 0), dtype=np.uint8))
    assert out.tobytes() == ref.tobytes()


def test_spans_leave_out_what_is_beyond_reach() -> None:
    # one sector's worth of radials reaching 3 km, the rest 600 m: far less than the window's square
    res, step, radius = 30.0, 30.0, 3000.0
    n0, lmax, _, count = radial_layout(radius, step, spacing=1.0)
    n_samp = int(count.max())
    table = np.full((n0, n_samp), np.inf, dtype=np.float32)
    table[:, :20] = 100.0
    table[: n0 // 3, :] = 100.0
    left, top = 0.0, 6000.0
    spans = reach_spans((table_reach(table, lmax, radius, step, radius, LIMIT),), 3000.0, 3000.0, left, top, res, res,
                        0, 0, 200, 200)
    inside = _inside(np.empty((200, 200)), spans)
    assert 0.25 < inside.mean() < 0.6
    assert (spans[:, 1] - spans[:, 0]).max() <= 200
    assert (spans[:, 0] % BLOCK == 0).all()


@pytest.mark.parametrize("seed", range(6))
def test_the_zone_fill_is_its_plain_loop(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    res = step = 30.0
    r_main = float(rng.uniform(900.0, 1500.0))
    r_blend = r_main + 8 * step
    radius = float(rng.uniform(r_blend + 600.0, 5000.0))
    main, n0_m, lmax_m = _table(rng, r_blend, step, spacing=1.0)
    far, n0_f, lmax_f = _table(rng, radius, step, spacing=4.0, from_i=int(r_main / step))
    cut_m = r_blend if seed % 2 else r_blend * 0.8
    cut_f = radius if seed % 3 else radius * 0.7
    left, top, site_x, site_y, r_lo, c_lo, h, w = _window(rng, res, radius)
    mains = (main, n0_m, lmax_m, r_blend, step, cut_m)
    fars = (far, n0_f, lmax_f, radius, step, cut_f)
    ref = np.empty((h, w), dtype=np.float32)
    _plain_zones(mains, fars, r_main, r_blend, site_x, site_y, left, top, res, res, r_lo, c_lo, ref, LIMIT)
    out = np.full((h, w), 7.0, dtype=np.float32)
    flags = np.ones((h, w), dtype=np.uint8)
    rx = (np.zeros((0, 0), np.float32),) * 2 + (*NO_CLUTTER, 0, 0)  # (read-only, as the engine passes them)
    fill_window_zones(mains, fars, r_main, r_blend, site_x, site_y, left, top, res, res, r_lo, c_lo, out, LIMIT, rx,
                      5.0, flags)
    assert np.isfinite(ref).any()
    assert out.tobytes() == ref.tobytes()
    assert not (flags.astype(bool) & ~np.isfinite(out)).any()
