"""The coverage matrix's demand-cell path (:mod:`towerplan.coverage._cell_levels`) against the window path."""

from __future__ import annotations

import numpy as np
import pytest
from test_placement_matrix import _cands, _rugged

import towerplan.coverage.footprint as fp
from towerplan.coverage.clutter import ClutterGrid
from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.plan import plan_groups, prepare_stations
from towerplan.planning.matrix import CandidateRadio, candidate_table


@pytest.mark.parametrize("model", ["p1812", "itm", "cost231"])
def test_demand_cells_get_the_window_paths_cells_and_levels(model: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Random demand on rugged ground with land cover: the demand-cell path gives bit for bit the cells and
    levels of ``run_batch``'s window path, for one site group and for several in one task."""
    dem = _rugged()
    rng = np.random.default_rng(5)
    code = rng.choice(np.array([2, 3, 4, 5], dtype=np.uint8), dem.shape)
    clutter = ClutterGrid(np.array([0.0, 0.0, 0.0, 10.0, 15.0, 20.0], dtype=np.float32)[code], code)
    terrain = fp.footprint_terrain(dem, clutter=clutter)
    cands = _cands(dem, [(int(r), int(c)) for r, c in rng.integers(5, dem.height - 5, (6, 2))])
    config = CoverageConfig(model=model, threshold_dbm=-100.0, max_radius_m=6000.0)
    for radio in (CandidateRadio(), CandidateRadio(omni=True, eirp_dbm=55.0)):
        sec = prepare_stations(candidate_table(cands, radio), dem, config)
        groups = plan_groups(sec, dem, terrain.filled, config, block_min=terrain.block_min)
        demand = rng.random(dem.shape) < 0.2
        for batch in [[g] for g in groups] + [groups]:
            kw = {"n_ops": len(sec.operators), "n_techs": len(sec.technologies), "only": demand}
            assert fp._cells_path(next(fp._tasks(batch, [list(range(len(batch)))], terrain.filled, (0, 0, 1, 1),
                                                 config, 1, 1, 1, clutter)), batch, config)
            flat, level = fp.groups_footprint(terrain, batch, config, **kw)
            with monkeypatch.context() as m:
                m.setattr(fp, "_cells_path", lambda *_: False)
                w_flat, w_level = fp.groups_footprint(terrain, batch, config, **kw)
            assert w_flat.size > 0
            np.testing.assert_array_equal(flat, w_flat)
            np.testing.assert_array_equal(level, w_level)
            assert demand.ravel()[flat].all()
