"""The tiled engine: bit-identical to the serial run, alone and on a real Dask cluster that loses a worker,
with and without land cover and SINR."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import ndimage
from test_coverage_executors import rugged_dem, stations

from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.engine import CoverageResult, run_coverage, warm_up
from towerplan.coverage.radio_maps import radio_maps
from towerplan.coverage.tiled import TiledCoverage, plan_tiles, run_coverage_tiled
from towerplan.coverage.tiled_layers import write_clutter_raster
from towerplan.errors import ConfigError
from towerplan.grid import Grid
from towerplan.rasters import read_grid, write_grid

REPO = Path(__file__).resolve().parents[1]
CONFIG = CoverageConfig(max_radius_m=4000.0, threshold_dbm=-115.0)
TILE = 48  # cells: 4 x 4 tiles on the 160-cell DEM, the halo (124 cells) reaching across several
#: land cover and SINR: ITM (P.2108 terminal clutter loss), 4G and 5G carriers with co-channel sites
RADIO = replace(CONFIG, model="itm", sinr=True)
#: WorldCover classes: tree cover, grassland, cropland, built-up, water (forest, open, town, water)
CLASSES = np.array([10, 30, 40, 50, 80], dtype=np.uint8)


@pytest.fixture(scope="module")
def case(tmp_path_factory) -> tuple[Path, Grid, object]:
    warm_up()
    dem = rugged_dem(160, 90.0)
    path = tmp_path_factory.mktemp("tiled") / "dem.tif"
    write_grid(dem, path)
    return path, dem, stations(12, dem)


@pytest.fixture(scope="module")
def serial(case) -> CoverageResult:
    _, dem, st = case
    return run_coverage(dem, st, config=CONFIG)


def radio_stations(dem: Grid) -> pd.DataFrame:
    """``stations(12)`` plus a 5G carrier on Mobi Fone's sites: 4G and 5G co-channel interference."""
    st = stations(12, dem)
    nr = st[st["operator"] == "Mobi Fone"].assign(technology="5G", freq_mhz=3500.0)
    nr["cell_id"] = nr["cell_id"] + "-nr"
    return pd.concat([st, nr], ignore_index=True)


@pytest.fixture(scope="module")
def land(case, tmp_path_factory) -> tuple[Path, Path, object]:
    """A land-cover GeoTIFF (WorldCover classes in patches) on the DEM's lattice, its clutter and clutter file."""
    from towerplan.study.inputs import read_study_land_cover

    _, dem, _ = case
    noise = ndimage.gaussian_filter(np.random.default_rng(7).standard_normal(dem.shape), 3.0)
    classes = CLASSES[np.digitize(noise, np.quantile(noise, [0.3, 0.5, 0.7, 0.9]))]
    folder = tmp_path_factory.mktemp("land")
    path = write_grid(dem.with_values(classes, nodata=0), folder / "landcover.tif", dtype="uint8")
    clutter = read_study_land_cover(path, dem).to_clutter_grid()
    return path, write_clutter_raster(clutter, dem, folder / "clutter.tif"), clutter


@pytest.fixture(scope="module")
def serial_radio(case, land) -> CoverageResult:
    _, dem, _ = case
    return run_coverage(dem, radio_stations(dem), config=RADIO, clutter=land[2])


def assert_same_radio(serial: CoverageResult, tiled: TiledCoverage) -> None:
    """Every radio raster of the serial run (SINR, rates, uplink limit, serving sectors) equals the tiled one."""
    maps = radio_maps(serial).rasters(str)
    assert sorted(f"radio:{name}" for name in maps) == sorted(k for k in tiled.files if k.startswith("radio:"))
    for name, (grid, _, _) in maps.items():
        assert np.array_equal(grid.values, read_grid(tiled.files[f"radio:{name}"]).values, equal_nan=True), name


def assert_same(serial: CoverageResult, tiled: TiledCoverage) -> None:
    for name in ("best_level", "best_server", "second_level", "server_count", "path_loss"):
        assert np.array_equal(getattr(serial, name).values, read_grid(tiled.files[name]).values, equal_nan=True), name
    for kind, levels in (("operator", serial.operator_levels), ("technology", serial.technology_levels)):
        for key, grid in levels.items():
            assert np.array_equal(grid.values, read_grid(tiled.files[f"{kind}:{key}"]).values, equal_nan=True), key


def test_tiles_cover_the_grid_once_with_block_aligned_windows() -> None:
    tiles = plan_tiles((100, 70), tile_cells=32, halo=40)
    seen = np.zeros((100, 70), dtype=int)
    for t in tiles:
        r0, r1, c0, c1 = t.box
        seen[r0:r1, c0:c1] += 1
        assert t.window[0] % 16 == 0
        assert t.window[2] % 16 == 0
        assert t.window[0] <= max(r0 - 40, 0)
        assert t.window[1] >= min(r1 + 40, 100)
    assert (seen == 1).all()
    with pytest.raises(ConfigError):
        plan_tiles((100, 70), tile_cells=30, halo=40)


def test_tiled_serial_is_bit_identical(case, serial, tmp_path) -> None:
    path, _, st = case
    assert np.isfinite(serial.best_level.values).mean() > 0.3  # a real case: much covered, overlaps
    tiled = run_coverage_tiled(path, st, tmp_path, config=CONFIG, tile_cells=TILE)
    assert len(tiled.tiles) == 16
    assert_same(serial, tiled)


def test_tiled_land_cover_and_sinr_are_bit_identical(case, land, serial_radio, tmp_path) -> None:
    """Tiles read their window of the clutter file and sum their interference: every layer is the serial run's."""
    path, dem, _ = case
    sinr = serial_radio.sinr.sinr_db[("Mobi Fone", "4G")].values
    assert np.isfinite(sinr).mean() > 0.05
    assert np.nanmin(sinr) < 0.0 < np.nanmax(sinr)  # interference-limited cells and clear ones
    tiled = run_coverage_tiled(path, radio_stations(dem), tmp_path, config=RADIO, tile_cells=80, clutter=land[1])
    assert len(tiled.tiles) == 4
    assert_same(serial_radio, tiled)
    assert_same_radio(serial_radio, tiled)
    # the summary's SINR and rate percentiles (issue 18): from the merged rasters, the serial run's exactly
    expected = {"sinr": serial_radio.sinr.summary(), **radio_maps(serial_radio).summary()}
    assert tiled.radio_summary == expected
    assert expected["sinr"]["operators"]["Mobi Fone"]["5G"]["sinr_db_p10_p50_p90"]  # percentiles, not []


def test_tiled_clutter_file_must_be_on_the_lattice(case, tmp_path) -> None:
    from towerplan.coverage.clutter import ClutterGrid
    from towerplan.errors import RasterDataError

    path, dem, st = case
    small = Grid(dem.values[:80, :80], dem.transform, dem.crs, None)
    bad = write_clutter_raster(ClutterGrid.from_codes(np.full((80, 80), 2, np.uint8)), small, tmp_path / "c.tif")
    with pytest.raises(RasterDataError, match="not a clutter raster on the DEM's lattice"):
        run_coverage_tiled(path, st, tmp_path / "out", config=CONFIG, tile_cells=TILE, clutter=bad)


def _start(cmd: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def _wait_for(predicate, timeout_s: float, what: str) -> None:
    end = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > end:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.mark.slow
def test_dask_cluster_of_processes_survives_a_killed_worker(case, land, serial_radio, tmp_path) -> None:
    """``dask scheduler`` and two ``dask worker tcp://...`` processes, as on several machines; one is killed.

    The run has land cover and SINR, so the clutter file and the per-tile radio layers travel too."""
    distributed = pytest.importorskip("dask.distributed")
    path, dem, _ = case
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "OMP_WAIT_POLICY": "passive"}
    info = tmp_path / "scheduler.json"
    procs = [_start([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
                     "--no-dashboard", "--scheduler-file", str(info)], env)]
    try:
        _wait_for(info.exists, 60, "the scheduler")
        address = json.loads(info.read_text())["address"]
        for _ in range(2):
            procs.append(_start([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
                                 "--no-nanny", "--no-dashboard", "--memory-limit", "2GB"], env))
        with distributed.Client(address) as client:
            client.wait_for_workers(2, timeout=90)
        killed = threading.Event()

        def kill_one(done: int, total: int) -> None:  # after the first tile: a worker dies mid-run
            if not killed.is_set():
                os.kill(procs[1].pid, signal.SIGKILL)
                killed.set()

        tiled = run_coverage_tiled(path, radio_stations(dem), tmp_path / "out", config=RADIO, tile_cells=TILE,
                                   executor="dask", scheduler=address, progress=kill_one, clutter=land[1],
                                   slug=str)
        assert killed.is_set()
        assert procs[1].wait(10) == -signal.SIGKILL
        assert sorted(tiled.tiles["tile"]) == list(range(16))
        assert_same(serial_radio, tiled)
        assert_same_radio(serial_radio, tiled)
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(20)
                except subprocess.TimeoutExpired:
                    p.kill()


def test_cli_tile_cells_writes_the_same_rasters(case, serial, tmp_path) -> None:
    from towerplan import cli

    path, _, st = case
    csv = tmp_path / "stations.csv"
    st.to_csv(csv, index=False)
    out = tmp_path / "out"
    args = ["coverage", "--dem", str(path), "--stations", str(csv), "--out", str(out), "--resolution-m", "90",
            "--max-radius-m", "4000", "--threshold-dbm", "-115", "--tile-cells", str(TILE)]
    assert cli.main(args) == 0
    assert np.array_equal(read_grid(out / "best_rsrp_dbm.tif").values, serial.best_level.values, equal_nan=True)
    assert np.array_equal(read_grid(out / "best_server.tif").values, serial.best_server.values)
    summary = json.loads((out / "coverage_summary.json").read_text())
    assert summary["tiled"]["tiles"] == 16
    assert not (out / "tiled").exists()


def test_cli_tile_cells_with_landcover_and_sinr(case, land, tmp_path) -> None:
    """``--tile-cells`` with ``--landcover`` (read onto the lattice, then per tile) and ``--sinr``: P.1812 here,
    whose clutter profile the tiles read, equal to the serial engine's rasters under the command's names."""
    from towerplan import cli

    path, dem, _ = case
    st = radio_stations(dem)
    csv = tmp_path / "stations.csv"
    st.to_csv(csv, index=False)
    out = tmp_path / "out"
    args = ["coverage", "--dem", str(path), "--stations", str(csv), "--out", str(out), "--resolution-m", "90",
            "--max-radius-m", "4000", "--threshold-dbm", "-115", "--tile-cells", "80", "--model", "p1812",
            "--landcover", str(land[0]), "--sinr"]
    assert cli.main(args) == 0
    serial = run_coverage(dem, st, config=replace(RADIO, model="p1812"), clutter=land[2])
    assert np.array_equal(read_grid(out / "best_rsrp_dbm.tif").values, serial.best_level.values, equal_nan=True)
    maps = radio_maps(serial)
    for op, slug in (("Mobi Fone", "mobifone"), ("VNPT", "vnpt-vinaphone")):  # names as the reader normalises them
        assert np.array_equal(read_grid(out / f"sinr_{slug}_db.tif").values, maps.operators[op].sinr_db.values,
                              equal_nan=True)
    assert (out / "throughput_dl_mobifone_5g_mbps.tif").exists()
    summary = json.loads((out / "coverage_summary.json").read_text())
    # the radio summary as the plain command writes it (operator names as the reader normalises them)
    expected = json.loads(json.dumps({"sinr": serial.sinr.summary(), **maps.summary()}, default=str))
    got = summary["radio"]
    assert got["sinr"]["noise_per_re_dbm"] == expected["sinr"]["noise_per_re_dbm"]
    assert list(got["sinr"]["operators"].values()) == list(expected["sinr"]["operators"].values())
    assert list(got["operators"].values()) == list(expected["operators"].values())
    assert [c[1:] for c in got["sinr"]["carriers"]] == [c[1:] for c in expected["sinr"]["carriers"]]
    assert summary["land_cover"]["source"] == "landcover.tif"
    assert not (out / "tiled").exists()


def test_a_tile_without_any_height_is_nodata(tmp_path) -> None:
    dem = rugged_dem(160, 90.0)
    values = dem.values.copy()
    values[:, 80:] = -9999.0  # the east half is "sea" (nodata): its tiles' windows hold no height at all
    sea = Grid(values, dem.transform, dem.crs, -9999.0)
    path = tmp_path / "dem.tif"
    write_grid(sea, path)
    config = CoverageConfig(max_radius_m=500.0, threshold_dbm=-115.0)
    st = stations(6, Grid(values[:, :70], dem.transform, dem.crs, -9999.0))
    tiled = run_coverage_tiled(path, st, tmp_path / "out", config=config, tile_cells=32)
    best = read_grid(tiled.files["best_level"]).values
    assert np.isnan(best[:, 80:]).all()
    assert np.isfinite(best[:, :70]).any()


def test_a_cells_uplink_rate_depends_on_its_own_allocation_only() -> None:
    """A cell tries 1, 2, 4 ... and its own N_RB resource blocks, whatever the other cells' N_RB: the
    uplink raster of a tile is the whole grid's (10 and 20 MHz LTE: 50 and 100 blocks)."""
    from towerplan.coverage.uplink import uplink_rate_mbps

    settings = CoverageConfig().radio.uplink
    rx = np.linspace(-135.0, -95.0, 41)
    alone = uplink_rate_mbps(rx, np.full(rx.shape, 100), 15, settings)
    mixed = uplink_rate_mbps(np.concatenate([rx, rx]), np.concatenate([np.full(rx.shape, 100), np.full(rx.shape, 50)]),
                             15, settings)
    assert np.array_equal(alone, mixed[: rx.size])
    assert (alone > 0).any()
    assert (alone[1:] >= alone[:-1]).all()  # more power, never a lower rate
