"""Per-cell tilt, slope and bearing terms of a calibration (towerplan.measurements.cell_terms), on synthetic
drive tests where the true correction is known."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from towerplan.coverage.calibration import sector_terms_db
from towerplan.measurements.apply import apply_calibration, read_calibration
from towerplan.measurements.calibrate import CalibrationSettings, calibrate, fit_corrections
from towerplan.measurements.cell_terms import bearing_features, fit_tilts, vertical_gain_db
from towerplan.measurements.report import calibration_record

H_M = 30.0  # antenna height above the receiver


def _bearing_truth(b_deg: np.ndarray) -> np.ndarray:
    """A smooth empirical horizontal pattern: a front-back swing and a second harmonic (dB)."""
    phi = np.radians(b_deg)
    return 6.0 * np.cos(phi - np.radians(40.0)) + 3.0 * np.sin(2.0 * phi)


def _samples(cells: dict[str, dict], n: int = 3000, seed: int = 2, noise_db: float = 4.0) -> pd.DataFrame:
    """Sites 5 km apart; per cell optional ``tilt`` (deg), ``slope`` (dB/decade) and ``bearing`` (bool) in truth."""
    rng = np.random.default_rng(seed)
    parts = []
    for k, (cell, truth) in enumerate(cells.items()):
        d = 10 ** rng.uniform(np.log10(120.0), np.log10(3000.0), n)
        b = rng.uniform(0.0, 360.0, n)
        x, y = 5000.0 * k + d * np.sin(np.radians(b)), d * np.cos(np.radians(b))
        elev = np.degrees(np.arctan(H_M / d))
        logd = np.log10(d / 1000.0)
        pred = -70.0 - 35.0 * logd
        meas = pred + 5.0 + truth.get("slope", 0.0) * logd + rng.normal(0.0, noise_db, n)
        if "tilt" in truth:
            meas += vertical_gain_db(elev, truth["tilt"], v_beamwidth_deg=7.0, sla_db=20.0)
        if truth.get("bearing"):
            meas += _bearing_truth(b)
        parts.append(pd.DataFrame({
            "measured_dbm": meas, "predicted_dbm": pred, "distance_m": d, "x": x, "y": y, "cell": cell,
            "operator": "Viettel", "band": "B3", "landcover": "", "bearing_deg": b, "azimuth_unknown": True,
            "elevation_deg": elev, "vertical_unknown": truth.get("vertical_unknown", True)}))
    return pd.concat(parts, ignore_index=True)


def test_fit_recovers_the_tilt_of_a_cell_without_a_vertical_pattern() -> None:
    s = _samples({"A/1": {"tilt": 6.0}, "B/1": {}})
    resid = (s["measured_dbm"] - s["predicted_dbm"]).to_numpy()
    got = fit_tilts(s, resid, v_beamwidth_deg=7.0, sla_db=20.0)
    assert got["A/1"] == pytest.approx(6.0, abs=1.0)
    # B/1 has no downtilt in truth: no tilt, or one whose beam still covers the whole drive (<= 1 deg)
    assert got.get("B/1", 0.0) <= 1.0
    # a cell whose list gives a vertical pattern is never refitted
    assert fit_tilts(s.assign(vertical_unknown=False), resid, v_beamwidth_deg=7.0, sla_db=20.0) == {}


def test_bearing_terms_recover_the_pattern_and_stay_out_where_there_is_none() -> None:
    s = _samples({"A/1": {"bearing": True}, "B/1": {}}, n=4000)
    model = fit_corrections(s.rename(columns={"predicted_dbm": "uncalibrated_dbm"}), CalibrationSettings())
    grid = np.arange(0.0, 360.0, 15.0)
    coef_a = model.cell_terms["A/1"]
    fitted_a = bearing_features(grid) @ coef_a[2:]
    truth = _bearing_truth(grid)
    # the bearing function is known up to a constant (the cell offset takes the mean)
    assert np.abs((fitted_a - fitted_a.mean()) - (truth - truth.mean())).max() < 1.5
    fitted_b = bearing_features(grid) @ model.cell_terms["B/1"][2:]
    assert np.abs(fitted_b).max() < 1.0
    # held out: the bearing terms take the pattern (~ the 4 dB noise), without them it stays as error
    r = calibrate(s, CalibrationSettings())
    a = r.predictions["cell"] == "A/1"
    resid = r.predictions["measured_dbm"] - r.predictions["predicted_dbm"]
    assert resid[a].std() < 4.6
    plain = calibrate(s, CalibrationSettings(cell_terms=False))
    assert (plain.predictions["measured_dbm"] - plain.predictions["predicted_dbm"])[a].std() > 5.5


def test_cell_slopes_shrunk_toward_the_group() -> None:
    slopes = {"A/1": 8.0, "B/1": -8.0, "C/1": 0.0, "D/1": 4.0}
    s = _samples({c: {"slope": v} for c, v in slopes.items()}, n=2500, seed=5)
    model = fit_corrections(s.rename(columns={"predicted_dbm": "uncalibrated_dbm"}),
                            CalibrationSettings(fit_tilts=False))
    group = model.groups[0].slope_db_per_decade
    got = {c: group + model.cell_terms[c][1] for c in slopes}
    for c, v in slopes.items():
        assert got[c] == pytest.approx(v, abs=1.5)
    # shrinkage: never further from the group than the truth by more than the noise allows
    assert abs(got["A/1"] - got["B/1"]) <= 16.0 + 1.0


def test_apply_sets_tilts_and_cell_slopes_as_the_fit_predicts(tmp_path) -> None:
    s = _samples({"A/1": {"tilt": 5.0, "slope": 6.0}, "B/1": {"slope": -6.0, "vertical_unknown": False}},
                 n=2500, seed=7)
    r = calibrate(s, CalibrationSettings(cell_terms=True))
    m = r.model
    assert m.cell_tilts_deg.get("A/1") == pytest.approx(5.0, abs=1.0)
    assert "B/1" not in m.cell_tilts_deg
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps(calibration_record(r, inputs={}, settings_extra={})), encoding="utf-8")
    cal = read_calibration(path)
    lo, hi = cal.distance_ranges_m[("Viettel", "B3")]  # the drive spans 120-3000 m
    assert 120.0 <= lo < 200.0
    assert 2500.0 < hi <= 3000.0
    stations = pd.DataFrame({"site_id": ["A", "B"], "cell_id": ["1", "1"], "operator": "Viettel",
                             "technology": "4G", "freq_mhz": 1842.5, "tilt_deg": [0.0, 4.0],
                             "v_beamwidth_deg": [180.0, 7.0]})
    out = apply_calibration(stations, cal)
    assert out["tilt_deg"].tolist() == [pytest.approx(m.cell_tilts_deg["A/1"]), 4.0]
    assert out["v_beamwidth_deg"].tolist() == [7.0, 7.0]
    # the engine's offset + terms (coverage.calibration, clamped slopes and bearing terms) equal the fit's
    # correction without the tilt (which the engine applies as the antenna pattern), to float rounding
    for k, cell in enumerate(["A/1", "B/1"]):
        part = s.loc[s["cell"] == cell]
        logd = np.log10(part["distance_m"].to_numpy() / 1000.0)
        engine = out["calibration_offset_db"].iloc[k] + sector_terms_db(out.iloc[k], logd,
                                                                         part["bearing_deg"].to_numpy())
        no_tilt = m.correction_db(part.assign(vertical_unknown=False))
        if cell in m.cell_tilts_deg:
            no_tilt -= vertical_gain_db(part["elevation_deg"].to_numpy(), m.cell_tilts_deg[cell],
                                        v_beamwidth_deg=7.0, sla_db=20.0)
        np.testing.assert_allclose(engine, no_tilt, atol=1e-9)
