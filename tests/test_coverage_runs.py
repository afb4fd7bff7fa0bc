"""The tests' shared coverage runs (``tests/coverage_runs.py``): one real run per distinct study content and
settings, handed to every identical request, in this process or another one of the session."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from affine import Affine
from coverage_runs import CandidateMatrices, CoverageRuns, inputs_digest

from towerplan.coverage.config import CoverageConfig
from towerplan.grid import Grid
from towerplan.study import load_study_folder, run_coverage_step

CONFIG = CoverageConfig(model="fspl", max_radius_m=6000.0)


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    from towerplan.demo import write_demo

    folder = tmp_path_factory.mktemp("demo")
    write_demo(folder, resolution_m=600.0)
    return folder


def test_two_reads_of_one_study_share_a_run_and_a_setting_changed_does_not(study: Path, tmp_path: Path,
                                                                          monkeypatch) -> None:
    import coverage_runs

    monkeypatch.setattr(coverage_runs, "DISK_MIN_S", 0.0)  # store even a quick run
    runs = CoverageRuns(run_coverage_step, tmp_path)
    first, second = load_study_folder(study), load_study_folder(study)
    assert first is not second
    a = runs(first, CONFIG, technologies=("4G",))
    b = runs(second, CONFIG, technologies=["4G"], executor="serial")  # the defaults spelt out: the same call
    assert b is a
    assert runs.counts == {"computed": 1, "memory": 1, "disk": 0}
    c = runs(first, dataclasses.replace(CONFIG, threshold_dbm=CONFIG.threshold_dbm + 1e-9), technologies=("4G",))
    assert c is not a
    assert runs.counts["computed"] == 2
    # another process of the session (a second memo on the folder) reads the stored run: the same rasters
    other = CoverageRuns(run_coverage_step, tmp_path)
    d = other(load_study_folder(study), CONFIG, technologies=("4G",))
    assert other.counts == {"computed": 0, "memory": 0, "disk": 1}
    np.testing.assert_array_equal(d.best_level.values, a.best_level.values)
    np.testing.assert_array_equal(d.best_server.values, a.best_server.values)
    # what the run would compute again is what the memo gave
    real = run_coverage_step(second, CONFIG, technologies=("4G",))
    np.testing.assert_array_equal(real.best_level.values, a.best_level.values)


def test_one_changed_cell_or_station_is_another_study(study: Path) -> None:
    inputs = load_study_folder(study)
    digest = inputs_digest(inputs)
    assert inputs_digest(load_study_folder(study)) == digest
    values = inputs.dem.values.copy()
    values[3, 4] += 0.5
    dem = Grid(values, inputs.dem.transform, inputs.dem.crs, inputs.dem.nodata)
    assert inputs_digest(dataclasses.replace(inputs, dem=dem)) != digest
    stations = inputs.stations.copy()
    stations.loc[stations.index[0], "azimuth_deg"] = (stations["azimuth_deg"].iloc[0] + 1.0) % 360.0
    assert inputs_digest(dataclasses.replace(inputs, stations=stations)) != digest


def test_a_matrix_is_given_as_a_copy() -> None:
    calls = []

    def matrix(dem, candidates, demand, *, radio=None, config=None, progress=None, min_level_dbm=None,
               clutter=None):
        calls.append(1)
        return sp.csr_matrix(np.eye(2, dtype=bool)), np.array([0, 1])

    dem = Grid(np.zeros((2, 2), dtype=np.float32), Affine(90.0, 0.0, 500_000.0, 0.0, -90.0, 2_000_000.0), 32648)
    memo = CandidateMatrices(matrix)
    cands = pd.DataFrame({"candidate_id": [1, 2], "lon": [105.0, 105.1], "lat": [20.0, 20.1]})
    demand = np.ones((2, 2), dtype=bool)
    covers, cells = memo(dem, cands, demand, config=CONFIG)
    covers.data[:] = False
    cells[:] = 7
    again, cells_again = memo(dem, cands.copy(), demand.copy(), config=CONFIG)
    assert len(calls) == 1
    assert again.toarray().tolist() == [[True, False], [False, True]]
    assert cells_again.tolist() == [0, 1]
    memo(dem, cands, ~demand, config=CONFIG)  # another demand: computed
    assert len(calls) == 2
