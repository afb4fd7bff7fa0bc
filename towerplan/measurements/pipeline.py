"""The drive-test steps chained: match, predict, calibrate (called by the CLI; the app can call the same)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd

from towerplan.coverage.config import CoverageConfig
from towerplan.errors import InputError
from towerplan.grid import Grid
from towerplan.measurements.calibrate import CalibrationResult, CalibrationSettings, calibrate
from towerplan.measurements.matching import Matches, match_serving
from towerplan.measurements.predict import predict_samples
from towerplan.measurements.reader import MeasurementLoad

__all__ = ["DriveTestCalibration", "calibrate_drive_tests"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class DriveTestCalibration:
    """Everything a calibration run produced: the matches, the predicted samples and the calibration."""

    matches: Matches
    samples: pd.DataFrame
    result: CalibrationResult
    stations: pd.DataFrame


def calibrate_drive_tests(
    measurements: MeasurementLoad,
    stations: pd.DataFrame,
    dem: Grid,
    *,
    config: CoverageConfig | None = None,
    landcover: Grid | None = None,
    settings: CalibrationSettings | None = None,
) -> DriveTestCalibration:
    """Match the measurements to their sectors, predict them with the engine, fit and cross-validate corrections.

    Raises
    ------
    InputError
        No measurement matches a sector inside the DEM, or too few remain to calibrate.
    """
    table = measurements.table
    if table.empty:
        raise InputError("no usable measurement rows (see the measurement report)")
    st = stations.reset_index(drop=True)
    matches = match_serving(table, st)
    if (matches.serving < 0).all():
        reasons = matches.unmatched["reason"].value_counts().head(3).to_dict()
        raise InputError(f"none of the {len(table)} measurements matches a sector of the station list: {reasons}")
    samples = predict_samples(table, st, matches, dem, config=config, landcover=landcover)
    if samples.empty:
        raise InputError("no matched measurement lies inside the DEM")
    result = calibrate(samples, settings)
    return DriveTestCalibration(matches, samples, result, st)
