"""Drive-test calibration for new candidate sites: the corrections of the calibrated stations, carried over.

``towerplan calibrate`` fits, per operator and band, an offset and a distance slope
(plus shrunk per-cell offsets) and ``--calibration`` sets them on the station list
(``calibration_offset_db``, ``calibration_slope_db``; :mod:`towerplan.measurements.apply`).
A candidate is a new cell: it has no cell offset of its own (the per-cell offsets are
shrunk toward their group and average to about zero), and its one radio may go to any
operator. :func:`calibrated_radio` gives it the mean correction of the calibrated sectors
of the same technology and band (what the model's bias is on that band in this area);
without any, the mean over every calibrated sector (the model's bias in the area,
whatever the band), logged; the slope applies over the distances those sectors' slopes were
fitted on (the smallest lower and the largest upper bound), held at the edges beyond
(:mod:`towerplan.coverage.calibration`). The coverage matrix, the before/after rasters and so the
proposals then use the calibrated model, as the existing network's coverage does.
"""

from __future__ import annotations

import dataclasses
import logging

import numpy as np
import pandas as pd

from towerplan.measurements.schema import band_label
from towerplan.planning.matrix import CandidateRadio

__all__ = ["calibrated_radio"]

log = logging.getLogger(__name__)

_COLUMNS = ("calibration_offset_db", "calibration_slope_db")


def calibrated_radio(radio: CandidateRadio, stations: pd.DataFrame) -> CandidateRadio:
    """``radio`` with the calibration of ``stations`` carried over (module docstring).

    Unchanged when the radio already has its own correction, or the stations carry none.
    """
    if radio.calibration_offset_db or radio.calibration_slope_db or not set(_COLUMNS) <= set(stations.columns):
        return radio
    offset = pd.to_numeric(stations["calibration_offset_db"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    slope = pd.to_numeric(stations["calibration_slope_db"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    calibrated = (offset != 0.0) | (slope != 0.0)
    if not calibrated.any():
        return radio
    freq = pd.to_numeric(stations["freq_mhz"], errors="coerce").to_numpy(dtype=float)
    tech = stations["technology"].astype(str).str.upper().to_numpy()
    want = band_label(radio.freq_mhz, radio.technology)
    same = calibrated & np.array([t == radio.technology and band_label(f, t) == want
                                  for f, t in zip(freq, tech, strict=True)], dtype=bool)
    use = same if same.any() else calibrated
    a, b = float(offset[use].mean()), float(slope[use].mean())
    lows, highs = (_bound(stations, f"calibration_{end}_distance_m", use) for end in ("min", "max"))
    lo, hi = (float(np.nanmin(lows)), float(np.nanmax(highs))) if np.isfinite(lows).any() and \
        np.isfinite(highs).any() else (None, None)
    log.info("candidate radio %s %s: calibration %+.2f dB, %+.2f dB/decade within %s m (mean of %d "
             "calibrated %s sectors)", radio.technology, want, a, b, "any distance" if lo is None else
             f"{lo:.0f}-{hi:.0f}", int(use.sum()), "same-band" if same.any() else "(any band)")
    return dataclasses.replace(radio, calibration_offset_db=a, calibration_slope_db=b, calibration_min_distance_m=lo,
                               calibration_max_distance_m=hi)


def _bound(stations: pd.DataFrame, column: str, use: np.ndarray) -> np.ndarray:
    if column not in stations.columns:
        return np.full(int(use.sum()), np.nan)
    return pd.to_numeric(stations[column], errors="coerce").to_numpy(dtype=float)[use]
