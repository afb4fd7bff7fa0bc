"""Predictions at points equal the coverage raster; calibration applied by the engine; ``towerplan calibrate``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from affine import Affine
from pyproj import Transformer

from towerplan.cli import main
from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.engine import run_coverage
from towerplan.coverage.points import levels_at_points
from towerplan.grid import Grid
from towerplan.rasters import read_grid, write_grid

RES = 30.0
X0, Y0 = 580_020.0, 2_190_000.0  # EPSG:32648


def _dem() -> Grid:
    yy, xx = np.mgrid[0:100, 0:100]
    z = (40.0 + 25.0 * np.sin(xx / 8.0) + 20.0 * np.cos(yy / 11.0)).astype(np.float32)
    return Grid(z, Affine(RES, 0, X0, 0, -RES, Y0), 32648, None)


def _stations(freq_mhz: float, azimuths=(30.0,)) -> pd.DataFrame:
    lon, lat = Transformer.from_crs(32648, 4326, always_xy=True).transform(X0 + 1500, Y0 - 1500)
    return pd.DataFrame({"site_id": "S1", "cell_id": [f"S1-{int(a)}" for a in azimuths], "operator": "Viettel",
                         "technology": "4G", "lon": lon, "lat": lat, "antenna_height_m": 30.0,
                         "azimuth_deg": list(azimuths), "tilt_deg": 4.0, "freq_mhz": freq_mhz, "eirp_dbm": 60.0})


@pytest.mark.parametrize(("freq_mhz", "model"), [(900.0, "hata"), (2600.0, "itm"), (900.0, "auto"), (1800.0, "p1812")])
def test_points_equal_the_raster(freq_mhz: float, model: str) -> None:
    dem = _dem()
    st = _stations(freq_mhz)
    config = CoverageConfig(threshold_dbm=-190.0, model=model)  # type: ignore[arg-type]
    raster = run_coverage(dem, st, config=config).best_level.values
    rng = np.random.default_rng(0)
    rows, cols = rng.integers(0, 100, 300), rng.integers(0, 100, 300)
    x, y = dem.xy(rows, cols)
    x = x + rng.uniform(-14, 14, 300)  # anywhere inside the cell
    pts = levels_at_points(dem, st, np.zeros(300, dtype=int), x, y, config=config)
    expected = raster[rows, cols]
    ok = np.isfinite(expected)
    assert ok.sum() > 250
    np.testing.assert_array_equal(pts.level_dbm[ok].astype(np.float32), expected[ok])
    assert pts.model[0] == (model if model != "auto" else "p1812")  # auto: ITU-R P.1812 for 30-6000 MHz


def test_engine_applies_calibration_offset_and_slope() -> None:
    dem = _dem()
    st = _stations(900.0)
    config = CoverageConfig(threshold_dbm=-190.0)  # reach beyond the DEM either way: the same radials
    plain = run_coverage(dem, st, config=config).best_level.values
    cal = run_coverage(dem, st.assign(calibration_offset_db=5.0, calibration_slope_db=-10.0),
                       config=config).best_level.values
    xs, ys = dem.cell_centres()
    sx, sy = X0 + 1500, Y0 - 1500
    d = np.hypot(xs[None, :] - sx, ys[:, None] - sy)
    expected = plain + 5.0 - 10.0 * np.log10(np.maximum(d, 1.0) / 1000.0)
    ok = np.isfinite(plain) & np.isfinite(cal)
    np.testing.assert_allclose(cal[ok], expected[ok], atol=2e-4)


def _drive_test(tmp_path: Path) -> tuple[Path, Path, Path]:
    """DEM, stations (3 sectors) and a drive test made by the engine + a known correction + noise."""
    dem = _dem()
    dem_path = tmp_path / "dem.tif"
    write_grid(dem, dem_path)
    st = _stations(1842.5, (0.0, 120.0, 240.0))
    st_path = tmp_path / "stations.csv"
    st.to_csv(st_path, index=False)
    rng = np.random.default_rng(5)
    n = 4000
    x = rng.uniform(X0 + 100, X0 + 2900, n)
    y = rng.uniform(Y0 - 2900, Y0 - 100, n)
    lon, lat = Transformer.from_crs(32648, 4326, always_xy=True).transform(x, y)
    bearing = np.degrees(np.arctan2(x - (X0 + 1500), y - (Y0 - 1500))) % 360
    serving = np.round(bearing / 120.0).astype(int) % 3
    pts = levels_at_points(read_grid(dem_path), st, serving, x, y)
    d = np.hypot(x - (X0 + 1500), y - (Y0 - 1500))
    measured = pts.level_dbm + 7.0 + 6.0 * np.log10(d / 1000.0) + rng.normal(0, 4.0, n)
    table = pd.DataFrame({"Kinh độ": np.round(lon, 7), "Vĩ độ": np.round(lat, 7), "RSRP (dBm)": np.round(measured, 2),
                          "cell_id": st["cell_id"].to_numpy()[serving]})
    table.loc[7, "RSRP (dBm)"] = np.nan   # reported, not used
    table.loc[9, "cell_id"] = "S9-0"      # matches no sector: listed
    meas = tmp_path / "drive.csv"
    table.to_csv(meas, index=False)
    return dem_path, st_path, meas


def test_calibrate_cli_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    dem, st, meas = _drive_test(tmp_path)
    out = tmp_path / "cal"
    code = main(["calibrate", "--measurements", str(meas), "--stations", str(st), "--dem", str(dem), "--out",
                 str(out), "--tile-m", "300", "--resolution-m", "30"])
    assert code == 0, capsys.readouterr().err
    for name in ("calibration.json", "cv_predictions.csv", "residuals.gpkg", "report.html", "statistics.csv",
                 "measured_vs_predicted.png", "residual_vs_distance.png", "unmatched.csv"):
        assert (out / name).is_file(), name
    record = json.loads((out / "calibration.json").read_text(encoding="utf-8"))
    (group,) = record["groups"]
    assert group["band"] == "B3"
    assert group["offset_db"] == pytest.approx(7.0, abs=0.6)
    assert group["slope_db_per_decade"] == pytest.approx(6.0, abs=1.0)
    cv = record["cross_validation"]
    assert abs(cv["mean_db"]) < 0.5
    assert cv["std_db"] == pytest.approx(4.0, abs=0.6)
    assert record["uncalibrated"]["mean_db"] > 5.0
    # the margin's sigma: held out with what the rasters apply (every term; no land cover: the full figure)
    assert record["shadowing_sigma_db"] == record["cross_validation_as_rasters"]["std_db"] == cv["std_db"]
    assert record["shadowing_sigma_db"] == pytest.approx(cv["std_db"], abs=0.3)
    assert record["cross_validation_binned"]["std_db"] <= cv["std_db"] + 0.5
    rows = pd.read_csv(out / "cv_predictions.csv")
    assert list(rows.columns[:8]) == ["file", "row", "measured_dbm", "predicted_dbm", "uncalibrated_dbm", "fold",
                                      "operator", "band"]
    assert 8 not in set(rows["row"])
    assert 10 not in set(rows["row"])
    source = pd.read_csv(meas)
    k = int(rows["row"].iloc[0])
    assert rows["measured_dbm"].iloc[0] == pytest.approx(source["RSRP (dBm)"].iloc[k - 1], abs=1e-3)
    assert set(rows["fold"]) == {1, 2, 3, 4, 5}
    unmatched = pd.read_csv(out / "unmatched.csv")
    assert unmatched["row"].tolist() == [10]
    # the corrections apply to a later coverage run
    cov = tmp_path / "cov"
    assert main(["coverage", "--dem", str(dem), "--stations", str(st), "--out", str(cov), "--threshold-dbm",
                 "-140"]) == 0
    cov_cal = tmp_path / "cov_cal"
    assert main(["coverage", "--dem", str(dem), "--stations", str(st), "--out", str(cov_cal), "--threshold-dbm",
                 "-140", "--calibration", str(out / "calibration.json")]) == 0
    a = read_grid(cov / "best_rsrp_dbm.tif").values
    b = read_grid(cov_cal / "best_rsrp_dbm.tif").values
    ok = np.isfinite(a) & np.isfinite(b)
    assert 5.0 < float(np.nanmedian(b[ok] - a[ok])) < 10.0


def test_calibrate_cli_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    dem, st, meas = _drive_test(tmp_path)
    both = main(["calibrate", "--measurements", str(meas), "--stations", str(st), "--stations-from-measurements",
                 "--dem", str(dem), "--out", str(tmp_path / "o")])
    assert both == 2
    bad = main(["calibrate", "--measurements", str(meas), "--stations", str(st), "--dem", str(dem), "--out",
                str(tmp_path / "o"), "--folds", "1"])
    assert bad == 2
    assert "folds" in capsys.readouterr().err


@pytest.mark.slow
def test_real_dtu_drive_test(shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """The shared LTE drive test (one site, 811 and 2630 MHz, flat campus): held-out figures of bench/README.md."""
    path = shared_data / "measurements" / "dtu_lte_drive_test.csv.gz"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from bench_calibrate import flat_dem

    dem = flat_dem(tmp_path / "flat.tif", lon=12.523481, lat=55.7846702, half_width_m=2500.0)
    out = tmp_path / "dtu"
    assert main(["calibrate", "--measurements", str(path), "--stations-from-measurements", "--dem", str(dem),
                 "--out", str(out)]) == 0
    rec = json.loads((out / "calibration.json").read_text(encoding="utf-8"))
    assert rec["inputs"]["measurements_read"] == 57_586
    assert rec["inputs"]["unmatched"] == 0
    assert {g["band"] for g in rec["groups"]} == {"B20", "B7"}
    cv, raw = rec["cross_validation"], rec["uncalibrated"]
    assert abs(cv["mean_db"]) <= 2.0
    assert abs(cv["slope_db_per_decade"]) <= 5.0
    # bench/README.md: 7.1 dB held out with the cell terms (target 8 dB), what the rasters apply (the margin's sigma)
    assert cv["std_db"] <= 8.0 < raw["std_db"]
    assert rec["shadowing_sigma_db"] == rec["cross_validation_as_rasters"]["std_db"] == cv["std_db"]
    assert rec["cross_validation_without_bearing_terms"]["std_db"] > cv["std_db"] + 1.0
    for g in rec["groups"]:  # the drive spans ~0.1-1.5 km: the slopes apply there only
        assert 90.0 <= g["distance_range_m"][0] < g["distance_range_m"][1] < 2000.0
    assert len(rec["tilts"]) == 2  # both omni cells built from the file get a fitted downtilt
    assert set(rec["models_used"]) == {"B20", "B7"}  # what `auto` resolved to, per band


def test_corrections_per_land_cover_class(tmp_path: Path) -> None:
    from towerplan.measurements import CalibrationSettings, calibrate_drive_tests, read_measurements
    from towerplan.measurements.calibrate import raster_groups

    dem_path, st_path, meas = _drive_test(tmp_path)
    dem = read_grid(dem_path)
    classes = np.where(np.arange(100)[None, :] < 50, 10, 20) * np.ones((100, 1))
    landcover = dem.with_values(classes.astype(np.float32))
    run = calibrate_drive_tests(read_measurements(meas), pd.read_csv(st_path), dem, landcover=landcover,
                                settings=CalibrationSettings(tile_m=300.0))
    groups = {g.landcover: g for g in run.result.model.groups}
    assert set(groups) == {"10", "20"}
    for g in groups.values():  # the same true correction in both classes
        assert g.offset_db == pytest.approx(7.0, abs=1.0)
    # the rasters take one correction per operator and band (the classes merged): the margin's sigma is that
    merged = raster_groups(run.result.model.groups)
    assert list(merged) == [("Viettel", "B3")]
    assert merged[("Viettel", "B3")].n_samples == sum(g.n_samples for g in groups.values())
    assert run.result.shadowing_sigma_db == run.result.raster_cv_stats["std_db"]
    assert run.result.raster_cv_stats["std_db"] == pytest.approx(run.result.cv_stats["std_db"], abs=0.3)
    assert set(run.samples["landcover"]) == {"10", "20"}


def test_scenario_calibration_key(tmp_path: Path) -> None:
    from towerplan.study import load_scenario

    _drive_test(tmp_path)  # dem.tif and stations.csv
    write_grid(_dem().with_values(np.ones((100, 100), dtype=np.float32)), tmp_path / "pop.tif")
    cal = {"format": "towerplan-calibration", "version": 1, "shadowing_sigma_db": 6.0, "cells": [],
           "groups": [{"operator": "Viettel", "band": "B3", "landcover": "", "offset_db": 3.0,
                       "slope_db_per_decade": -2.0, "n_samples": 10}]}
    (tmp_path / "calibration.json").write_text(json.dumps(cal), encoding="utf-8")
    (tmp_path / "scenario.toml").write_text(
        '[inputs]\ndem = "dem.tif"\npopulation = "pop.tif"\nstations = "stations.csv"\n'
        'calibration = "calibration.json"\n', encoding="utf-8")
    scenario = load_scenario(tmp_path / "scenario.toml")
    assert scenario.inputs.calibration == (tmp_path / "calibration.json").resolve()
    assert 'calibration = "calibration.json"' in scenario.to_toml(relative_to=tmp_path)
    inputs = scenario.load_inputs()
    assert inputs.stations["calibration_offset_db"].tolist() == [3.0, 3.0, 3.0]
    assert inputs.stations["calibration_slope_db"].tolist() == [-2.0, -2.0, -2.0]
    assert inputs.files["calibration"] == (tmp_path / "calibration.json").resolve()


def test_receiver_height_from_the_file() -> None:
    from towerplan.measurements import match_serving, predict_samples

    dem = _dem()
    st = _stations(900.0)
    lon, lat = Transformer.from_crs(32648, 4326, always_xy=True).transform([X0 + 2000.0] * 2, [Y0 - 600.0] * 2)
    m = pd.DataFrame({"file": "f", "row": [1, 2], "line": [2, 3], "lon": lon, "lat": lat, "level_dbm": -90.0,
                      "technology": "4G", "operator": "Viettel", "cell_id": "S1-30", "site_id": "", "node": "",
                      "freq_mhz": np.nan, "cell_lon": np.nan, "cell_lat": np.nan, "rx_height_m": [np.nan, 10.0]})
    hata = CoverageConfig(model="hata")  # Hata's a(h_m) makes the height visible
    s = predict_samples(m, st, match_serving(m, st), dem, config=hata)
    low = levels_at_points(dem, st, np.array([0]), s["x"].to_numpy()[:1], s["y"].to_numpy()[:1], config=hata)
    high = levels_at_points(dem, st, np.array([0]), s["x"].to_numpy()[:1], s["y"].to_numpy()[:1],
                            config=CoverageConfig(model="hata", rx_height_m=10.0))
    assert s["predicted_dbm"].iloc[0] == pytest.approx(low.level_dbm[0])   # no height: the configured 1.5 m
    assert s["predicted_dbm"].iloc[1] == pytest.approx(high.level_dbm[0])  # Hata's a(h_m) at 10 m
    assert s["predicted_dbm"].iloc[1] > s["predicted_dbm"].iloc[0] + 5.0
