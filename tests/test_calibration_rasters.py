"""A calibration's terms in the rasters: slopes held within their fitted distance range, bearing terms applied,
and a raster made with calibration.json reproduces the calibration's own predictions (towerplan.coverage.calibration).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from affine import Affine
from pyproj import Transformer

from towerplan.coverage.calibration import distance_terms_db, reach_headroom_db, sector_terms_db
from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.engine import run_coverage
from towerplan.coverage.points import levels_at_points
from towerplan.grid import Grid
from towerplan.measurements import CalibrationSettings, apply_calibration, calibrate, read_calibration
from towerplan.measurements.report import calibration_record
from towerplan.measurements.schema import band_label

RES = 30.0
X0, Y0 = 580_020.0, 2_190_000.0  # EPSG:32648
CONFIG = CoverageConfig(threshold_dbm=-190.0, model="hata")  # every cell within reach: the same radials


def _dem() -> Grid:
    yy, xx = np.mgrid[0:100, 0:100]
    z = (40.0 + 25.0 * np.sin(xx / 8.0) + 20.0 * np.cos(yy / 11.0)).astype(np.float32)
    return Grid(z, Affine(RES, 0, X0, 0, -RES, Y0), 32648, None)


def _station(x: float, y: float, **cols) -> pd.DataFrame:
    lon, lat = Transformer.from_crs(32648, 4326, always_xy=True).transform(x, y)
    return pd.DataFrame({"site_id": ["S1"], "cell_id": ["S1-1"], "operator": "Viettel", "technology": "4G",
                         "lon": lon, "lat": lat, "antenna_height_m": 30.0, "azimuth_deg": np.nan,
                         "freq_mhz": 1842.5, "eirp_dbm": 60.0, **cols})


def test_distance_terms_are_held_at_the_range_edges() -> None:
    log_km = np.log10(np.array([50.0, 200.0, 700.0, 1500.0, 3000.0, 10_000.0]) / 1000.0)
    got = distance_terms_db(log_km, slope_db=24.6, range_m=(200.0, 1500.0))
    assert got[4] == got[5] == got[3] == pytest.approx(24.6 * np.log10(1.5))  # 3 and 10 km: the edge's
    assert got[0] == got[1] == pytest.approx(24.6 * np.log10(0.2))
    assert got[2] == pytest.approx(24.6 * np.log10(0.7))
    # the cell's slope within its own range; no range (a hand-written slope): unclamped
    both = distance_terms_db(log_km, slope_db=0.0, range_m=(np.nan, np.nan), cell_slope_db=-10.0,
                             cell_range_m=(100.0, 700.0))
    assert both[4] == both[2] == pytest.approx(-10.0 * np.log10(0.7))
    assert distance_terms_db(log_km, slope_db=10.0, range_m=(np.nan, np.nan))[5] == pytest.approx(10.0)
    # the reach allows for the largest the terms reach (not the extrapolated slope at max_radius_m)
    table = pd.DataFrame({"calibration_slope_db": [24.6, 24.6], "calibration_max_distance_m": [1500.0, np.nan],
                          "calibration_bearing_a1_db": [3.0, 0.0], "calibration_bearing_b1_db": [4.0, 0.0]})
    head = reach_headroom_db(table, 30_000.0)
    assert head == pytest.approx([24.6 * np.log10(1.5) + 5.0, 24.6 * np.log10(30.0)])


def test_the_engine_holds_the_slope_beyond_the_fitted_range() -> None:
    dem = _dem()
    sx, sy = X0 + 315.0, Y0 - 315.0  # near a corner: cells out to 3.8 km
    st = _station(sx, sy)
    plain = run_coverage(dem, st, config=CONFIG).best_level.values
    cal_st = st.assign(calibration_offset_db=5.0, calibration_slope_db=-30.0, calibration_min_distance_m=200.0,
                       calibration_max_distance_m=1000.0)
    cal = run_coverage(dem, cal_st, config=CONFIG).best_level.values
    xs, ys = dem.cell_centres()
    d = np.hypot(xs[None, :] - sx, ys[:, None] - sy)
    want = 5.0 - 30.0 * np.log10(np.clip(d, 200.0, 1000.0) / 1000.0)
    ok = np.isfinite(plain) & np.isfinite(cal)
    assert (ok & (d > 3000.0)).sum() > 100
    np.testing.assert_allclose((cal - plain)[ok], want[ok], atol=2e-4)
    # at 3 km the correction is the one at the range's edge (the old engine extrapolated: -9.3 dB there)
    far = ok & (np.abs(d - 3000.0) < 20.0)
    edge = ok & (d >= 1000.0) & (d < 1030.0)
    assert far.any()
    assert edge.any()
    np.testing.assert_allclose((cal - plain)[far], 5.0, atol=2e-4)
    np.testing.assert_allclose((cal - plain)[edge], 5.0, atol=2e-4)


def test_a_raster_with_the_calibration_reproduces_the_calibrations_predictions(tmp_path: Path) -> None:
    """Drive-test samples at cell centres (the engine's level + a known slope and bearing lobe + noise):
    calibrate(), write calibration.json, apply it to the station, run the engine: the raster at each sample
    equals calibrate()'s prediction there (uncalibrated + the final fit's correction), to float32 rounding."""
    dem = _dem()
    sx, sy = X0 + 1515.0, Y0 - 1515.0
    st = _station(sx, sy, v_beamwidth_deg=7.0)
    rng = np.random.default_rng(11)
    rows, cols = rng.integers(0, 100, 6000), rng.integers(0, 100, 6000)
    x, y = (np.asarray(v, dtype=float) for v in dem.xy(rows, cols))
    pts = levels_at_points(dem, st, np.zeros(len(x), dtype=int), x, y, config=CONFIG)
    keep = np.isfinite(pts.level_dbm) & (pts.distance_m > 60.0) & (pts.distance_m < 1200.0)
    x, y, rows, cols = x[keep], y[keep], rows[keep], cols[keep]
    d = pts.distance_m[keep]
    bearing = np.degrees(np.arctan2(x - sx, y - sy)) % 360.0
    measured = (pts.level_dbm[keep] + 7.0 + 12.0 * np.log10(d / 1000.0) + 6.0 * np.cos(np.radians(bearing - 60.0))
                + rng.normal(0.0, 3.0, len(x)))
    samples = pd.DataFrame({"measured_dbm": measured, "predicted_dbm": pts.level_dbm[keep], "distance_m": d,
                            "x": x, "y": y, "cell": "S1/S1-1", "operator": "Viettel",
                            "band": band_label(1842.5, "4G"), "landcover": "", "bearing_deg": bearing})
    result = calibrate(samples, CalibrationSettings(tile_m=300.0))
    assert np.isfinite(result.model.bearing_penalty)  # the bearing lobe is found: the test is not vacuous
    assert result.shadowing_sigma_db == pytest.approx(result.cv_stats["std_db"])  # the rasters apply every term
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps(calibration_record(result, inputs={}, settings_extra={})), encoding="utf-8")
    cal = read_calibration(path)
    assert "S1/S1-1" in cal.cell_bearings
    st_cal = apply_calibration(st, cal)
    assert st_cal["calibration_max_distance_m"].iloc[0] < 1200.0  # the drive's range, not the grid's (2.1 km)
    raster = run_coverage(dem, st_cal, config=CONFIG).best_level.values
    used = result.predictions
    u_rows, u_cols = (np.asarray(v, dtype=np.int64) for v in dem.rowcol(used["x"].to_numpy(), used["y"].to_numpy()))
    expected = used["uncalibrated_dbm"].to_numpy() + result.model.correction_db(used, as_rasters=True)
    np.testing.assert_allclose(raster[u_rows, u_cols], expected, atol=1e-3)
    # the points path applies the same terms: equal to the raster
    again = levels_at_points(dem, st_cal, np.zeros(len(used), dtype=int), used["x"].to_numpy(),
                             used["y"].to_numpy(), config=CONFIG)
    np.testing.assert_array_equal(again.level_dbm.astype(np.float32), raster[u_rows, u_cols])
    # everywhere, beyond the drive's range too (held at its edge), the raster is the plain one + the model's
    # correction (calibrate()'s definition)
    plain = run_coverage(dem, st, config=CONFIG).best_level.values
    xs, ys = dem.cell_centres()
    gx, gy = np.meshgrid(xs, ys)
    grid = pd.DataFrame({"distance_m": np.hypot(gx - sx, gy - sy).ravel(),
                         "bearing_deg": (np.degrees(np.arctan2(gx - sx, gy - sy)) % 360.0).ravel(),
                         "cell": "S1/S1-1", "operator": "Viettel", "band": band_label(1842.5, "4G"), "landcover": ""})
    want = plain.ravel() + result.model.correction_db(grid, as_rasters=True)
    ok = np.isfinite(want) & (grid["distance_m"].to_numpy() > 1.0)
    assert (ok & (grid["distance_m"].to_numpy() > 1800.0)).sum() > 100
    np.testing.assert_allclose(raster.ravel()[ok], want[ok], atol=1e-3)
    row = st_cal.iloc[0]
    edge_km = max(row["calibration_max_distance_m"], row["calibration_cell_max_distance_m"]) / 1000.0
    terms = sector_terms_db(row, np.log10(np.array([edge_km, 3.0, 10.0])), np.full(3, 75.0))
    assert terms[1] == pytest.approx(terms[0], abs=1e-12)
    assert terms[2] == pytest.approx(terms[0], abs=1e-12)


def test_levels_at_points_say_they_use_study_profiles_when_the_source_is_asked(caplog) -> None:
    """profile_source = 'source' reaches the coverage rasters only: points (calibration, drive-test
    comparison) still sample the study grid, and say so instead of ignoring the setting silently."""
    from dataclasses import replace

    dem = _dem()
    st = _station(X0 + 1515.0, Y0 - 1515.0)
    x, y = np.array([X0 + 600.0]), np.array([Y0 - 600.0])
    with caplog.at_level("WARNING", logger="towerplan.coverage.points"):
        levels_at_points(dem, st, np.zeros(1, dtype=int), x, y, config=CONFIG)
    assert not caplog.records
    with caplog.at_level("WARNING", logger="towerplan.coverage.points"):
        pts = levels_at_points(dem, st, np.zeros(1, dtype=int), x, y, config=replace(CONFIG, profile_source="source"))
    assert np.isfinite(pts.level_dbm).all()
    assert any("study grid" in r.getMessage() for r in caplog.records)
