"""Serial, local processes and a real Dask LocalCluster give identical rasters; batching does not matter."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from affine import Affine
from pyproj import Transformer
from scipy import ndimage

from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.engine import CoverageResult, run_coverage, warm_up
from towerplan.coverage.executors import map_batches
from towerplan.errors import ConfigError
from towerplan.grid import Grid

RES = 90.0
X0, Y0 = 500_000.0, 2_000_000.0


def rugged_dem(n: int, res: float, *, seed: int = 1, relief: float = 0.1) -> Grid:
    """Hills at 3 km, 1 km and 300 m scales (std ~ relief x 4300 m), lowest point 0 m."""
    rng = np.random.default_rng(seed)
    z = np.zeros((n, n))
    for scale in (3000.0, 1000.0, 300.0):
        f = ndimage.gaussian_filter(rng.standard_normal((n, n)), scale / res)
        z += f / f.std() * scale * relief
    return Grid((z - z.min()).astype(np.float32), Affine(res, 0, X0, 0, -res, Y0), 32648, None)


def stations(n_sites: int, dem: Grid, *, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    left, bottom, right, top = dem.bounds
    tr = Transformer.from_crs(32648, 4326, always_xy=True)
    rows = []
    for s in range(n_sites):
        x = rng.uniform(left + 500, right - 500)
        y = rng.uniform(bottom + 500, top - 500)
        lon, lat = tr.transform(x, y)
        op = ("Viettel", "VNPT", "Mobi Fone")[s % 3]
        freq = (900.0, 1800.0, 2600.0)[s % 3]
        for az in (0.0, 120.0, 240.0):
            rows.append({"site_id": f"S{s}", "cell_id": f"S{s}-{int(az)}", "operator": op,
                         "technology": "4G" if freq > 1000 else "2G", "lon": lon, "lat": lat,
                         "antenna_height_m": 30.0 + 5 * (s % 2), "azimuth_deg": az, "tilt_deg": 3.0,
                         "h_beamwidth_deg": 65.0, "v_beamwidth_deg": 7.0, "freq_mhz": freq, "eirp_dbm": 58.0})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def case() -> tuple[Grid, pd.DataFrame, CoverageConfig]:
    warm_up()
    dem = rugged_dem(100, RES)
    return dem, stations(6, dem), CoverageConfig(max_radius_m=4000.0, threshold_dbm=-115.0)


@pytest.fixture(scope="module")
def serial(case) -> CoverageResult:
    dem, st, cfg = case
    return run_coverage(dem, st, config=cfg)


def assert_identical(a: CoverageResult, b: CoverageResult) -> None:
    for name in ("best_level", "best_server", "second_level", "server_count", "path_loss"):
        assert np.array_equal(getattr(a, name).values, getattr(b, name).values, equal_nan=True), name
    assert a.operator_levels.keys() == b.operator_levels.keys()
    for k in a.operator_levels:
        assert np.array_equal(a.operator_levels[k].values, b.operator_levels[k].values, equal_nan=True), k
    for k in a.technology_levels:
        assert np.array_equal(a.technology_levels[k].values, b.technology_levels[k].values, equal_nan=True), k


def test_the_case_is_not_trivial(serial: CoverageResult) -> None:
    # auto is ITU-R P.1812 in every one of the case's bands (900, 1800, 2600 MHz): the heaviest kernel,
    # with its reach bound; the other models' executors share the same batch code
    assert set(serial.stations["model"]) == {"p1812"}
    assert np.isfinite(serial.best_level.values).mean() > 0.3
    assert serial.server_count.values.max() >= 2
    assert np.isfinite(serial.second_level.values).any()
    assert len(np.unique(serial.best_server.values)) > 6


@pytest.mark.parametrize("batches", [1, 3, 6])
def test_batching_does_not_change_a_bit(case, serial: CoverageResult, batches: int) -> None:
    dem, st, cfg = case
    seen: list[tuple[int, int]] = []
    res = run_coverage(dem, st, config=cfg, batches=batches, progress=lambda d, t: seen.append((d, t)))
    assert_identical(serial, res)
    assert seen[-1] == (6, 6)


def test_processes_give_identical_rasters(case, serial: CoverageResult) -> None:
    dem, st, cfg = case
    assert_identical(serial, run_coverage(dem, st, config=cfg, executor="processes", workers=2))


def test_dask_local_cluster_gives_identical_rasters(case, serial: CoverageResult) -> None:
    pytest.importorskip("dask.distributed")
    dem, st, cfg = case
    assert_identical(serial, run_coverage(dem, st, config=cfg, executor="dask", workers=2))


def test_dask_with_an_existing_scheduler(case, serial: CoverageResult) -> None:
    distributed = pytest.importorskip("dask.distributed")
    dem, st, cfg = case
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        res = run_coverage(dem, st, config=cfg, executor="dask", scheduler=cluster.scheduler_address)
    assert_identical(serial, res)


def test_unknown_executor_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="executor"):
        map_batches(len, [], executor="gpu", on_result=print)  # type: ignore[arg-type]


def test_numba_threads_do_not_change_a_bit(case, serial: CoverageResult) -> None:
    import numba

    dem, st, cfg = case
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        one = run_coverage(dem, st, config=cfg)
    finally:
        numba.set_num_threads(before)
    assert_identical(serial, one)
