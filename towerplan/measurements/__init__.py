"""Drive-test measurements: import, comparison with the coverage model, calibration with cross-validation.

::

    load = read_measurements(["drive1.csv", "gnettrack.txt"])
    run = calibrate_drive_tests(load, stations, dem, config=CoverageConfig())
    run.result.cv_stats          # held-out mean / std / RMSE / slope
    apply_calibration(stations, read_calibration("calibration.json"))   # for the engine

Modules: :mod:`.schema` (headers, channels, bands), :mod:`.reader`, :mod:`.matching`
(serving sector; stations from serving-cell positions), :mod:`.predict` (the engine at
the measurement points), :mod:`.compare` (statistics), :mod:`.calibrate` (fit and
cross-validation), :mod:`.report` (output files), :mod:`.apply` (corrections to a
station table), :mod:`.pipeline` (the steps chained).
"""

from __future__ import annotations

from towerplan.measurements.apply import Calibration, apply_calibration, read_calibration
from towerplan.measurements.calibrate import (
    CalibrationModel,
    CalibrationResult,
    CalibrationSettings,
    GroupCorrection,
    assign_folds,
    calibrate,
    fit_corrections,
)
from towerplan.measurements.compare import comparison_tables, residual_stats
from towerplan.measurements.matching import Matches, match_serving, stations_from_measurements
from towerplan.measurements.pipeline import DriveTestCalibration, calibrate_drive_tests
from towerplan.measurements.predict import predict_samples
from towerplan.measurements.reader import MeasurementLoad, read_measurements

__all__ = [
    "Calibration",
    "CalibrationModel",
    "CalibrationResult",
    "CalibrationSettings",
    "DriveTestCalibration",
    "GroupCorrection",
    "Matches",
    "MeasurementLoad",
    "apply_calibration",
    "assign_folds",
    "calibrate",
    "calibrate_drive_tests",
    "comparison_tables",
    "fit_corrections",
    "match_serving",
    "predict_samples",
    "read_calibration",
    "read_measurements",
    "residual_stats",
    "stations_from_measurements",
]
