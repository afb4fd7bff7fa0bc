"""The serial executor's pipeline (:mod:`towerplan.coverage.pipeline`): windows on worker threads, merged in order,
the same rasters as without it."""

from __future__ import annotations

import logging
import threading
import time

import numba
import numpy as np
import pandas as pd
import pytest
from test_coverage_executors import assert_identical, rugged_dem, stations

from towerplan.coverage.clutter import ClutterGrid
from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.engine import run_coverage, warm_up
from towerplan.coverage.pipeline import pipeline_workers, run_pipelined


def test_units_are_merged_in_order_with_at_most_ahead_in_flight() -> None:
    merged: list[int] = []
    lock = threading.Lock()
    in_flight, most = 0, 0

    def compute(u: int) -> tuple[int, int, str]:
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        time.sleep(0.02 * ((7 - u) % 4))  # later units often finish first
        return u * u, int(numba.get_num_threads()), threading.current_thread().name

    def merge(u: int, r: tuple[int, int, str]) -> None:
        nonlocal in_flight
        with lock:
            in_flight -= 1
        assert r[0] == u * u
        assert r[1] == 1  # the workers run their kernels on one numba thread
        assert r[2].startswith("towerplan-pipeline")
        assert numba.get_num_threads() == 1  # so does the merging thread while they run
        merged.append(u)

    before = numba.get_num_threads()
    run_pipelined(range(12), compute, merge, workers=2, ahead=3)
    assert merged == list(range(12))
    assert most <= 3
    assert numba.get_num_threads() == before  # restored


def test_an_error_stops_the_pipeline_and_is_raised() -> None:
    merged: list[int] = []

    def compute(u: int) -> int:
        if u == 4:
            raise ValueError("unit 4")
        return u

    with pytest.raises(ValueError, match="unit 4"):
        run_pipelined(range(50), compute, lambda u, r: merged.append(r), workers=2)
    assert merged == [0, 1, 2, 3]  # the units before it merged, none after


def test_workers_only_with_two_units_and_two_threads() -> None:
    assert pipeline_workers(False, 10) == 0
    assert pipeline_workers(True, 1) == 0
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        assert pipeline_workers(True, 10) == 0
    finally:
        numba.set_num_threads(before)
    if before >= 2:
        assert pipeline_workers(True, 10) == min(before, 10)


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="the pipeline needs two numba threads")  # type: ignore[attr-defined]
def test_the_pipelined_rasters_equal_the_plain_ones(caplog) -> None:
    """P.1812 with land cover on rugged ground, SINR on, runs of groups at one site and sites with calibrated
    sectors (separate passes) between them: the serial executor with the pipeline (two numba threads) gives the
    rasters of the plain path (one numba thread: no pipeline), bit for bit."""
    warm_up()
    dem = rugged_dem(90, 90.0, seed=5)
    st = stations(7, dem, seed=3)
    # two bands at some sites (runs of two groups), calibrated sectors at others
    extra = st[st["site_id"].isin(["S1", "S4"])].assign(freq_mhz=2100.0, technology="3G")
    st = pd.concat([st, extra], ignore_index=True)
    cal = st["site_id"].isin(["S2", "S5"])
    st.loc[cal, "calibration_slope_db"] = -8.0
    st.loc[cal, "calibration_min_distance_m"] = 200.0
    st.loc[cal, "calibration_max_distance_m"] = 2000.0
    rng = np.random.default_rng(9)
    code = rng.choice(np.array([2, 3, 4, 5], dtype=np.uint8), dem.shape)
    clutter = ClutterGrid(np.array([0.0, 0.0, 0.0, 10.0, 15.0, 20.0], dtype=np.float32)[code], code)
    config = CoverageConfig(max_radius_m=3500.0, threshold_dbm=-115.0, sinr=True)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        plain = run_coverage(dem, st, config=config, clutter=clutter, batches=2)
        numba.set_num_threads(2)
        with caplog.at_level(logging.DEBUG, logger="towerplan.coverage.pipeline"):
            piped = run_coverage(dem, st, config=config, clutter=clutter, batches=2)
    finally:
        numba.set_num_threads(before)
    assert any("pipeline:" in r.getMessage() for r in caplog.records)  # it ran
    assert np.isfinite(plain.best_level.values).mean() > 0.3
    assert plain.server_count.values.max() >= 2
    assert_identical(plain, piped)
    assert plain.sinr is not None
    assert piped.sinr is not None
    for name in plain.sinr.__dataclass_fields__:
        a, b = getattr(plain.sinr, name), getattr(piped.sinr, name)
        if isinstance(a, dict):
            for k in a:
                x, y = (a[k].values, b[k].values) if hasattr(a[k], "values") else (a[k], b[k])
                assert np.array_equal(x, y, equal_nan=True), (name, k)
        elif isinstance(a, np.ndarray):
            assert np.array_equal(a, b, equal_nan=True), name
