"""Sector azimuths fitted to the drive test when the station list has none (towerplan.measurements.azimuth)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from towerplan.measurements.apply import apply_calibration, read_calibration
from towerplan.measurements.azimuth import fit_azimuths, horizontal_gain_db
from towerplan.measurements.calibrate import CalibrationSettings, calibrate
from towerplan.measurements.report import calibration_record


def _samples(true_az: dict[str, float | None], n: int = 4000, seed: int = 1) -> pd.DataFrame:
    """Two sites 4 km apart; each cell's true level has its sector pattern (None: omni), the prediction is omni."""
    rng = np.random.default_rng(seed)
    parts = []
    for k, (cell, az) in enumerate(true_az.items()):
        d = 10 ** rng.uniform(np.log10(150.0), np.log10(3000.0), n)
        b = rng.uniform(0.0, 360.0, n)
        x, y = 4000.0 * k + d * np.sin(np.radians(b)), d * np.cos(np.radians(b))
        gain = horizontal_gain_db(b - az) if az is not None else 0.0
        measured = -60.0 - 35.0 * np.log10(d / 1000.0) + gain + rng.normal(0.0, 4.0, n)
        parts.append(pd.DataFrame({
            "measured_dbm": measured, "predicted_dbm": -70.0 - 35.0 * np.log10(d / 1000.0), "distance_m": d,
            "x": x, "y": y, "cell": cell, "operator": "Viettel", "band": "B3", "landcover": "",
            "bearing_deg": b, "azimuth_unknown": True}))
    return pd.concat(parts, ignore_index=True)


def test_fit_recovers_a_sectors_azimuth_and_leaves_an_omni_cell_omni() -> None:
    s = _samples({"A/1": 120.0, "B/1": None})
    resid = (s["measured_dbm"] - s["predicted_dbm"]).to_numpy()
    got = fit_azimuths(s, resid)
    assert got == {"A/1": pytest.approx(120.0, abs=5.0)}
    # a cell whose azimuth the list gives is never refitted
    assert fit_azimuths(s.assign(azimuth_unknown=False), resid) == {}


def test_held_out_error_drops_when_the_azimuth_is_fitted_in_each_fold(tmp_path) -> None:
    s = _samples({"A/1": 300.0, "B/1": 40.0}, n=3000)
    settings = CalibrationSettings(tile_m=300.0, estimate_azimuths=True, cell_terms=False)
    plain = calibrate(s, CalibrationSettings(tile_m=300.0, cell_terms=False))  # off by default
    fitted = calibrate(s, settings)
    assert plain.cv_stats["std_db"] > 8.0  # the pattern is left as error
    # the default bearing terms (measurements.cell_terms) take the pattern too, held out, and the rasters apply
    # them (coverage.calibration): the margin's sigma is that figure
    default = calibrate(s, CalibrationSettings(tile_m=300.0))
    assert default.cv_stats["std_db"] < 5.0
    assert default.raster_cv_stats["std_db"] == pytest.approx(default.cv_stats["std_db"], abs=1e-9)
    assert default.no_bearing_cv_stats["std_db"] > 8.0
    assert default.shadowing_sigma_db == default.raster_cv_stats["std_db"]
    assert fitted.cv_stats["std_db"] < 4.6  # ~ the 4 dB noise
    assert fitted.model.cell_azimuths_deg == {"A/1": pytest.approx(300.0, abs=5.0),
                                              "B/1": pytest.approx(40.0, abs=5.0)}
    # written to calibration.json and set on the stations that lack an azimuth (the other kept)
    record = calibration_record(fitted, inputs={}, settings_extra={})
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    cal = read_calibration(path)
    assert set(cal.azimuths) == {"A/1", "B/1"}
    stations = pd.DataFrame({"site_id": ["A", "B"], "cell_id": ["1", "1"], "operator": "Viettel",
                             "technology": "4G", "freq_mhz": 1842.5, "azimuth_deg": [np.nan, 77.0]})
    out = apply_calibration(stations, cal)
    assert out["azimuth_deg"].iloc[0] == pytest.approx(cal.azimuths["A/1"])
    assert out["azimuth_deg"].iloc[1] == 77.0
