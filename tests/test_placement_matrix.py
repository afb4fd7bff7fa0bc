"""Coverage matrix of candidate sites, computed with the coverage engine."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from affine import Affine
from pyproj import Transformer

from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.linkbudget import TECHNOLOGIES
from towerplan.coverage.propagation import fspl_db
from towerplan.grid import Grid
from towerplan.planning.matrix import CandidateRadio, coverage_matrix
from towerplan.planning.optimize import choose_sites

RES = 30.0
X0, Y0 = 580_020.0, 2_190_000.0


def _flat(n: int = 200) -> Grid:
    return Grid(np.full((n, n), 20.0, dtype=np.float32), Affine(RES, 0, X0, 0, -RES, Y0), 32648)


def _cands(dem: Grid, cells: list[tuple[int, int]]) -> pd.DataFrame:
    tr = Transformer.from_crs(32648, 4326, always_xy=True)
    rows = []
    for i, (r, c) in enumerate(cells):
        x, y = dem.xy(r, c)
        lon, lat = tr.transform(float(x), float(y))
        rows.append({"candidate_id": f"G{i + 1}", "lon": lon, "lat": lat, "mast_height_m": 30.0})
    return pd.DataFrame(rows)


def test_free_space_omni_disc_on_flat_ground_and_placement() -> None:
    dem = _flat()
    # an omni antenna (wide vertical beam, no tilt) in free space: reach where FSPL = the budget
    radio = CandidateRadio(omni=True, v_beamwidth_deg=180.0, tilt_deg=0.0, freq_mhz=1842.5, eirp_dbm=20.0)
    threshold = -110.0
    budget_db = radio.eirp_dbm + TECHNOLOGIES["4G"].level_offset_db - threshold
    reach_m = 1000.0 * 10 ** ((budget_db - fspl_db(1000.0, 1842.5)) / 20.0)
    assert 500 < reach_m < 2500
    config = CoverageConfig(model="fspl", threshold_dbm=threshold, max_radius_m=3000)
    demand = np.ones(dem.shape, dtype=bool)
    cands = _cands(dem, [(100, 60), (100, 140), (100, 100)])
    covers, cells = coverage_matrix(dem, cands, demand, radio=radio, config=config)
    assert covers.shape == (3, dem.height * dem.width)
    rows, cols = np.divmod(cells, dem.width)
    x, y = dem.xy(rows, cols)
    cx, cy = dem.xy(100, 60)
    d = np.hypot(np.asarray(x) - float(cx), np.asarray(y) - float(cy))
    hit = covers[0].toarray().ravel()
    # inside the reach (with a one-cell margin for the antenna height and the cell size) every cell is covered
    assert hit[d < reach_m - 2 * RES].all()
    assert not hit[d > reach_m + 2 * RES].any()
    # placement on top: two candidates 2.4 km apart beat the middle one overlapping both
    w = np.ones(cells.size)
    sel = choose_sites(covers, w, max_sites=2, method="ilp")
    assert set(sel.sites) == {0, 1}
    assert sel.covered_weight == pytest.approx(covers[[0, 1]].sum(axis=0).astype(bool).sum())


def test_demand_mask_selects_columns() -> None:
    dem = _flat(80)
    demand = np.zeros(dem.shape, dtype=bool)
    demand[10:20, 10:20] = True
    config = CoverageConfig(model="fspl", threshold_dbm=-110.0, max_radius_m=3000)
    covers, cells = coverage_matrix(dem, _cands(dem, [(15, 15)]), demand, config=config)
    assert cells.size == 100
    assert covers.shape == (1, 100)
    assert covers.nnz > 50


def _rugged(n: int = 160) -> Grid:
    rng = np.random.default_rng(7)
    from scipy import ndimage

    z = ndimage.gaussian_filter(rng.random((n, n)), sigma=6) * 4000.0 - 1500.0
    z = np.clip(z, 5.0, None).astype(np.float32)
    z[40:44, 100:106] = np.nan  # a nodata hole: filled for propagation, never covered
    return Grid(z, Affine(90.0, 0, X0, 0, -90.0, Y0), 32648, float("nan"))


def _reference():
    """bench/matrix_reference.py (the one-run_coverage-per-candidate reference; not part of the library)."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "bench" / "matrix_reference.py"
    spec = importlib.util.spec_from_file_location("matrix_reference", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("radio", [CandidateRadio(), CandidateRadio(omni=True, eirp_dbm=55.0)])
def test_fast_path_matches_one_run_coverage_per_candidate(radio: CandidateRadio) -> None:
    dem = _rugged()
    rng = np.random.default_rng(3)
    cells = [(int(r), int(c)) for r, c in rng.integers(0, dem.height, (10, 2))] + [(0, 0), (159, 80), (42, 98)]
    cands = _cands(dem, cells)
    cands["mast_height_m"] = np.linspace(15.0, 60.0, len(cands))
    demand = np.ones(dem.shape, dtype=bool)
    demand[::7, :] = False
    # auto: COST-231 + Deygout at 1842.5 MHz. The matrix computes P.1812 exactly at every demand cell's samples
    # (no anchors with a demand mask, towerplan.coverage._p1812_anchor): the reference's run_coverage likewise
    config = CoverageConfig(threshold_dbm=-105.0, max_radius_m=6000.0, p1812_anchor_every=1)
    done = []
    fast, cols = coverage_matrix(dem, cands, demand, radio=radio, config=config,
                                 progress=lambda k, n: done.append((k, n)))
    ref, ref_cols = _reference().coverage_matrix_per_candidate(dem, cands, demand, radio=radio, config=config)
    assert done[-1] == (len(cands), len(cands))
    np.testing.assert_array_equal(cols, ref_cols)
    assert fast.shape == ref.shape
    assert fast.nnz > 0
    assert (fast != ref).nnz == 0
    np.testing.assert_array_equal(fast.indptr, ref.indptr)
    np.testing.assert_array_equal(fast.indices, ref.indices)


def test_fast_path_restores_numba_threads_and_handles_no_candidates() -> None:
    import numba

    dem = _flat(40)
    before = numba.get_num_threads()
    config = CoverageConfig(model="fspl", threshold_dbm=-110.0, max_radius_m=2000)
    coverage_matrix(dem, _cands(dem, [(20, 20)]), np.ones(dem.shape, dtype=bool), config=config)
    assert numba.get_num_threads() == before
    none = pd.DataFrame(columns=["candidate_id", "lon", "lat", "mast_height_m"])
    covers, cells = coverage_matrix(dem, none, np.ones(dem.shape, dtype=bool), config=config)
    assert covers.shape == (0, dem.height * dem.width)
    assert cells.size == dem.height * dem.width


def test_candidates_on_two_processes_give_the_same_rows_as_one() -> None:
    """P.1812 (the default model) with land cover on rugged ground, random demand: the rows computed on two
    worker processes equal those of the candidates one by one in this process, in the candidates' order."""
    from towerplan.coverage.clutter import ClutterGrid

    dem = _rugged()
    rng = np.random.default_rng(11)
    cells = [(int(r), int(c)) for r, c in rng.integers(5, dem.height - 5, (20, 2))]
    cands = _cands(dem, cells)
    cands["mast_height_m"] = rng.uniform(15.0, 60.0, len(cands))
    demand = rng.random(dem.shape) < 0.15
    code = rng.choice(np.array([2, 3, 4, 5], dtype=np.uint8), dem.shape)
    clutter = ClutterGrid(np.array([0.0, 0.0, 0.0, 10.0, 15.0, 20.0], dtype=np.float32)[code], code)
    config = CoverageConfig(model="p1812", threshold_dbm=-100.0, max_radius_m=6000.0)
    done: list[tuple[int, int]] = []
    one, cols = coverage_matrix(dem, cands, demand, config=config, clutter=clutter, workers=1)
    two, cols2 = coverage_matrix(dem, cands, demand, config=config, clutter=clutter, workers=2,
                                 progress=lambda k, n: done.append((k, n)))
    np.testing.assert_array_equal(cols, cols2)
    assert one.nnz > 0
    assert 0 < one.getnnz(axis=1).min() < one.getnnz(axis=1).max()  # rows differ: the order matters
    np.testing.assert_array_equal(one.indptr, two.indptr)
    np.testing.assert_array_equal(one.indices, two.indices)
    assert done[-1] == (len(cands), len(cands))
    assert [k for k, _ in done] == sorted(k for k, _ in done)


def test_matrix_workers() -> None:
    import os

    from towerplan.errors import InputError
    from towerplan.planning.matrix import PARALLEL_MIN_CANDIDATES, matrix_workers

    assert matrix_workers(PARALLEL_MIN_CANDIDATES - 1) == 1
    assert matrix_workers(PARALLEL_MIN_CANDIDATES) == min(2, os.cpu_count() or 1)
    assert matrix_workers(10, 2) == 2
    assert matrix_workers(1, 4) == 1
    with pytest.raises(InputError):
        matrix_workers(10, 0)
