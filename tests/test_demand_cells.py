"""The coverage matrix's demand cells indexed once (:mod:`towerplan.coverage._demand_cells`) against the mask scans."""

from __future__ import annotations

import numpy as np
import pytest
from test_placement_matrix import _cands, _rugged

import towerplan.coverage.footprint as fp
from towerplan.coverage._demand_cells import DemandCells
from towerplan.coverage.clutter import ClutterGrid
from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.plan import plan_groups, prepare_stations
from towerplan.coverage.site_radials import _wanted_box, site_table
from towerplan.planning.matrix import CandidateRadio, candidate_table


@pytest.mark.parametrize("density", [0.0, 0.003, 0.2, 1.0])
def test_cells_in_a_box_are_the_mask_scans(density: float) -> None:
    """Random masks and boxes (inside, clipped at every edge, empty, one row / column): the indexed cells are
    ``np.nonzero`` of the box in the same order, and the box they span is the mask scan's."""
    rng = np.random.default_rng(int(density * 1000) + 3)
    mask = rng.random((57, 83)) < density
    cells = DemandCells(mask)
    boxes = [(0, 57, 0, 83), (-5, 70, -9, 99), (10, 10, 3, 40), (4, 30, 20, 20), (56, 57, 0, 83), (0, 57, 82, 83)]
    for _ in range(300):
        r0, c0 = rng.integers(-3, 57), rng.integers(-3, 83)
        boxes.append((int(r0), int(r0 + rng.integers(0, 30)), int(c0), int(c0 + rng.integers(0, 40))))
    for box in boxes:
        r_lo, r_hi, c_lo, c_hi = max(box[0], 0), min(box[1], 57), max(box[2], 0), min(box[3], 83)
        rr, cc = np.nonzero(mask[r_lo:max(r_hi, r_lo), c_lo:max(c_hi, c_lo)])
        rows, cols = cells.in_box(box)
        np.testing.assert_array_equal(rows, rr + r_lo)
        np.testing.assert_array_equal(cols, cc + c_lo)
        assert rows.dtype == np.int64
        assert cols.dtype == np.int64
        if box[0] >= 0 and box[2] >= 0 and box[1] <= 57 and box[3] <= 83 and box[1] >= box[0] and box[3] >= box[2]:
            assert cells.box_of(box) == _wanted_box(mask, (0, 0), box)


def _setting(model: str, seed: int, *, p2108: bool = False):
    dem = _rugged()
    rng = np.random.default_rng(seed)
    code = rng.choice(np.array([2, 3, 4, 5], dtype=np.uint8), dem.shape)
    types = rng.choice(np.array([0, 2, 3, 4], dtype=np.uint8), dem.shape) if p2108 else None
    clutter = ClutterGrid(np.array([0.0, 0.0, 0.0, 10.0, 15.0, 20.0], dtype=np.float32)[code], code, types)
    terrain = fp.footprint_terrain(dem, clutter=clutter)
    cands = _cands(dem, [(int(r), int(c)) for r, c in rng.integers(5, dem.height - 5, (6, 2))])
    config = CoverageConfig(model=model, threshold_dbm=-100.0, max_radius_m=6000.0)
    return dem, terrain, cands, config, rng


def _p1812_groups(seed: int):
    """:func:`_setting` with P.1812, its candidates' site groups (the default radio), and ``site_table``'s geo and
    clutter arguments: (dem, terrain, config, rng, sectors, groups, geo, clut)."""
    dem, terrain, cands, config, rng = _setting("p1812", seed)
    sec = prepare_stations(candidate_table(cands, CandidateRadio()), dem, config)
    groups = plan_groups(sec, dem, terrain.filled, config, block_min=terrain.block_min)
    left, _, _, top = dem.bounds
    geo = (left, top, dem.res[0], dem.res[1])
    clut = (terrain.clutter.height_m, terrain.clutter.code)
    return dem, terrain, config, rng, sec, groups, geo, clut


@pytest.mark.parametrize(("model", "p2108"), [("p1812", False), ("itm", False), ("cost231", False), ("itm", True)])
def test_indexed_demand_gives_the_masks_cells_and_levels(model: str, p2108: bool,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Rugged ground with land cover, random demand, sector and omni radios, one and several site groups:
    ``demand_footprint`` (demand indexed once, the whole DEM read in place) gives bit for bit the cells and
    levels of ``groups_footprint`` with the demand mask (the cells path), and of the window path (``run_batch``
    on the mask). With the P.2108 terminal loss (ITM) it falls back
    to the mask path."""
    dem, terrain, cands, config, rng = _setting(model, 11, p2108=p2108)
    for radio in (CandidateRadio(), CandidateRadio(omni=True, eirp_dbm=55.0)):
        sec = prepare_stations(candidate_table(cands, radio), dem, config)
        groups = plan_groups(sec, dem, terrain.filled, config, block_min=terrain.block_min)
        for density in (0.02, 0.3):
            demand = rng.random(dem.shape) < density
            index = DemandCells(demand)
            kw = {"n_ops": len(sec.operators), "n_techs": len(sec.technologies)}
            for batch in [[g] for g in groups] + [groups]:
                flat, level = fp.demand_footprint(terrain, batch, config, cells=index, **kw)
                m_flat, m_level = fp.groups_footprint(terrain, batch, config, only=demand, **kw)
                np.testing.assert_array_equal(flat, m_flat)
                np.testing.assert_array_equal(level, m_level)
                with monkeypatch.context() as m:  # the window path (run_batch) on the mask
                    m.setattr(fp, "_cells_path", lambda *_: False)
                    w_flat, w_level = fp.groups_footprint(terrain, batch, config, only=demand, **kw)
                np.testing.assert_array_equal(flat, w_flat)
                np.testing.assert_array_equal(level, w_level)
            assert flat.size > 0


def test_site_table_with_the_index_is_the_tables_with_the_mask() -> None:
    """``site_table(only_cells=index)`` on the whole DEM: the same radial table (wanted samples, reach bound,
    exact losses), cut and box as ``site_table(only=mask)`` (P.1812, land cover)."""
    dem, terrain, config, rng, _, groups, geo, clut = _p1812_groups(4)
    for density in (0.0, 0.01, 0.25):
        demand = rng.random(dem.shape) < density
        for g in groups:
            a = site_table(terrain.filled, (0, 0), geo, g, config, clut, demand, reach_only=True)
            b = site_table(terrain.filled, (0, 0), geo, g, config, clut, None, reach_only=True,
                           only_cells=DemandCells(demand))
            np.testing.assert_array_equal(a.table, b.table)
            assert (a.box, a.cut_m, a.n0, a.lmax) == (b.box, b.cut_m, b.n0, b.lmax)
            if density == 0.0:
                assert b.box[0] == b.box[1]
                assert b.box[2] == b.box[3]
