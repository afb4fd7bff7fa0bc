"""The coverage matrix's cells read their radial samples once (round w14): :func:`~towerplan.coverage._cell_levels.
cell_samples` before the table, :func:`~towerplan.coverage._cell_levels.cell_losses_samples` after it."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_demand_cells import _p1812_groups

import towerplan.coverage.footprint as fp
from towerplan.coverage._cell_levels import cell_losses_angles, cell_losses_samples, cell_samples
from towerplan.coverage._demand_cells import DemandCells
from towerplan.coverage._kernels import fill_samples
from towerplan.coverage._reach_need import mark_wanted
from towerplan.coverage.plan import radial_layout
from towerplan.coverage.site_radials import site_table


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_losses_from_the_kept_samples_are_the_cells_losses(seed: int) -> None:
    """Random sites, cells, tables (NaN, +inf and finite samples), cuts and boxes: the samples kept per cell mark the
    wanted samples of ``mark_wanted``, and the losses and angles filled from them are bit for bit those of
    ``cell_losses_angles`` inside the box (NaN, angles 0, outside it)."""
    rng = np.random.default_rng(seed)
    h, w, res = 120, 140, 90.0
    left, top = 500_000.0, 2_000_000.0
    dem = rng.random((h, w)) * 300.0
    r_site, c_site = rng.uniform(20, 100), rng.uniform(20, 120)
    site_x, site_y = left + c_site * res, top - r_site * res
    radius, step = 4000.0 + 4000.0 * rng.random(), 90.0
    n0, lmax, _, count = radial_layout(radius, step, 1e12, spacing=2.0)
    n_samp = max(int(count.max()), 2)
    rows, cols = np.nonzero(rng.random((h, w)) < 0.3)
    rows, cols = rows.astype(np.int64), cols.astype(np.int64)
    wanted = np.zeros((n0, n_samp), dtype=np.uint8)
    idx, wts = np.empty((rows.size, 3), dtype=np.int64), np.empty((rows.size, 3))
    cell_samples(n0, lmax, radius, step, site_x, site_y, left, top, res, res, rows, cols, n_samp, radius, wanted, idx,
                 wts)
    old = mark_wanted(n0, lmax, radius, step, site_x, site_y, left, top, res, res, rows, cols, n_samp, radius)
    np.testing.assert_array_equal(wanted, old)
    assert wanted.any()
    # the kept samples are fill_samples' (beyond the cut: none)
    for k in rng.choice(rows.size, 50, replace=False):
        dx = left + (cols[k] + 0.5) * res - site_x
        dy = top - (rows[k] + 0.5) * res - site_y
        d = math.sqrt(dx * dx + dy * dy)
        if d > radius:
            assert idx[k, 0] == -1
            continue
        j0, j1, i0, wa, wt = fill_samples(dx, dy, d, n0, lmax, radius, step, n_samp)
        assert (idx[k, 0], idx[k, 1], idx[k, 2]) == (j0, j1, i0)
        assert (wts[k, 0], wts[k, 1], wts[k, 2]) == (wa, wt, d)
    table = (100.0 + 60.0 * rng.random((n0, n_samp))).astype(np.float32)
    table[rng.random(table.shape) < 0.2] = np.nan
    table[rng.random(table.shape) < 0.2] = np.inf
    z_tx, ae = 300.0, 4.0 / 3.0 * 6_371_000.0
    for cut, box in ((radius, (0, h, 0, w)), (0.6 * radius, (10, 90, 30, 120)), (radius, (50, 50, 0, w))):
        inside = (rows >= box[0]) & (rows < box[1]) & (cols >= box[2]) & (cols < box[3])
        ref = [np.empty(rows.size, dtype=np.float32), np.empty(rows.size), np.empty(rows.size)]
        cell_losses_angles(table, n0, lmax, radius, step, site_x, site_y, left, top, res, res, rows, cols, 150.0, cut,
                           dem, 0, 0, z_tx, 1.5, ae, *ref)
        got = [np.empty(rows.size, dtype=np.float32), np.empty(rows.size), np.empty(rows.size)]
        cell_losses_samples(table, idx, wts, rows, cols, *box, 150.0, cut, site_x, site_y, left, top, res, res, dem, 0,
                            0, z_tx, 1.5, ae, *got)
        for a, b in zip(got, ref, strict=True):
            np.testing.assert_array_equal(a[inside], b[inside])
        assert np.isnan(got[0][~inside]).all()
        assert not got[1][~inside].any()
        assert np.isfinite(got[0][inside]).any() or not inside.any()


def test_site_table_keeps_the_group_boxs_cells_and_the_fill_reads_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """P.1812 with its reach bound and indexed demand: ``site_table`` keeps the group box's demand cells (row-major)
    and their samples, and ``demand_footprint`` fills from them without finding the samples again (the levels are
    those of the mask path, ``tests/test_demand_cells.py``)."""
    dem, terrain, config, rng, sec, groups, geo, clut = _p1812_groups(9)
    demand = rng.random(dem.shape) < 0.2
    index = DemandCells(demand)
    kw = {"n_ops": len(sec.operators), "n_techs": len(sec.technologies)}
    expected = [fp.groups_footprint(terrain, [g], config, only=demand, **kw) for g in groups]
    for g in groups:
        st = site_table(terrain.filled, (0, 0), geo, g, config, clut, None, reach_only=True, only_cells=index)
        assert st.cells is not None
        rows, cols, idx, wts = st.cells
        r_lo, r_hi, c_lo, c_hi = g.box
        rr, cc = np.nonzero(demand[r_lo:r_hi, c_lo:c_hi])
        np.testing.assert_array_equal(rows, rr + r_lo)
        np.testing.assert_array_equal(cols, cc + c_lo)
        assert idx.shape == (rows.size, 3)
        assert wts.shape == (rows.size, 3)
        without = site_table(terrain.filled, (0, 0), geo, g, config, clut, demand, reach_only=True)
        assert without.cells is None  # the mask path keeps none
        np.testing.assert_array_equal(st.table, without.table)

    def no_search(*_args: object) -> None:
        raise AssertionError("the cells' samples were searched again")

    monkeypatch.setattr(fp, "cell_losses_angles", no_search)
    for g, (e_flat, e_level) in zip(groups, expected, strict=True):
        flat, level = fp.demand_footprint(terrain, [g], config, cells=index, **kw)
        np.testing.assert_array_equal(flat, e_flat)
        np.testing.assert_array_equal(level, e_level)
        assert flat.size > 0


def test_row_starts_index_each_rows_cells() -> None:
    """``DemandCells.row_start``: row r's cells are ``flat[row_start[r]:row_start[r + 1]]``."""
    rng = np.random.default_rng(8)
    mask = rng.random((31, 47)) < 0.1
    mask[5] = False
    mask[-1] = True
    cells = DemandCells(mask)
    assert cells.row_start.shape == (32,)
    for r in range(31):
        part = cells.flat[cells.row_start[r]:cells.row_start[r + 1]]
        np.testing.assert_array_equal(part, r * 47 + np.flatnonzero(mask[r]))
