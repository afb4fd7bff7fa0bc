"""Result types, warning flags and error codes of :mod:`towerplan.coverage.itm`.

The flag values and error numbers are NTIA/ITS's ITM v1.4 ones (``Warnings.h``,
``Errors.h``, https://github.com/NTIA/itm), so results can be compared 1:1.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

import numpy as np

from towerplan.coverage import _itm_core as core
from towerplan.coverage.validity import warn_input_nan
from towerplan.errors import ModelInputError

__all__ = ["ITM_ERRORS", "ItmBatchResult", "ItmResult", "ItmWarning", "decode_itm_warnings"]

_PROPMODES = {1: "line_of_sight", 2: "diffraction", 3: "troposcatter"}


class ItmWarning(enum.IntFlag):
    """ITM's warning flags (same bit values as NTIA/ITM's ``Warnings.h``)."""

    TX_TERMINAL_HEIGHT = core.WARN_TX_TERMINAL_HEIGHT
    RX_TERMINAL_HEIGHT = core.WARN_RX_TERMINAL_HEIGHT
    FREQUENCY = core.WARN_FREQUENCY
    PATH_DISTANCE_TOO_BIG_1 = core.WARN_PATH_DISTANCE_TOO_BIG_1
    PATH_DISTANCE_TOO_BIG_2 = core.WARN_PATH_DISTANCE_TOO_BIG_2
    PATH_DISTANCE_TOO_SMALL_1 = core.WARN_PATH_DISTANCE_TOO_SMALL_1
    PATH_DISTANCE_TOO_SMALL_2 = core.WARN_PATH_DISTANCE_TOO_SMALL_2
    TX_HORIZON_ANGLE = core.WARN_TX_HORIZON_ANGLE
    RX_HORIZON_ANGLE = core.WARN_RX_HORIZON_ANGLE
    TX_HORIZON_DISTANCE_1 = core.WARN_TX_HORIZON_DISTANCE_1
    RX_HORIZON_DISTANCE_1 = core.WARN_RX_HORIZON_DISTANCE_1
    TX_HORIZON_DISTANCE_2 = core.WARN_TX_HORIZON_DISTANCE_2
    RX_HORIZON_DISTANCE_2 = core.WARN_RX_HORIZON_DISTANCE_2
    EXTREME_VARIABILITIES = core.WARN_EXTREME_VARIABILITIES
    SURFACE_REFRACTIVITY = core.WARN_SURFACE_REFRACTIVITY


_WARNING_MESSAGES: dict[ItmWarning, str] = {
    ItmWarning.TX_TERMINAL_HEIGHT: "transmitter height is outside 1-1000 m",
    ItmWarning.RX_TERMINAL_HEIGHT: "receiver height is outside 1-1000 m",
    ItmWarning.FREQUENCY: "frequency is outside 40-10000 MHz",
    ItmWarning.PATH_DISTANCE_TOO_BIG_1: "path longer than 1000 km",
    ItmWarning.PATH_DISTANCE_TOO_BIG_2: "path longer than 2000 km: treat the result with care",
    ItmWarning.PATH_DISTANCE_TOO_SMALL_1: "path shorter than |h_e,tx - h_e,rx| / 0.2",
    ItmWarning.PATH_DISTANCE_TOO_SMALL_2: "path shorter than 1 km: treat the result with care",
    ItmWarning.TX_HORIZON_ANGLE: "transmitter horizon angle above 200 mrad: small-angle approximations break down",
    ItmWarning.RX_HORIZON_ANGLE: "receiver horizon angle above 200 mrad: small-angle approximations break down",
    ItmWarning.TX_HORIZON_DISTANCE_1: "transmitter horizon nearer than 1/10 of the smooth-earth horizon",
    ItmWarning.RX_HORIZON_DISTANCE_1: "receiver horizon nearer than 1/10 of the smooth-earth horizon",
    ItmWarning.TX_HORIZON_DISTANCE_2: "transmitter horizon farther than 3x the smooth-earth horizon",
    ItmWarning.RX_HORIZON_DISTANCE_2: "receiver horizon farther than 3x the smooth-earth horizon",
    ItmWarning.EXTREME_VARIABILITIES: "a time/location/situation quantile lies far in its tail (|z| > 3.1)",
    ItmWarning.SURFACE_REFRACTIVITY: "surface refractivity below 250 N-units: treat the result with care",
}

#: ITM error codes -> messages (NTIA's numbering; 2001 is towerplan's profile check)
ITM_ERRORS: dict[int, str] = {
    core.ERR_TX_TERMINAL_HEIGHT: "transmitter height must be within 0.5-3000 m",
    core.ERR_RX_TERMINAL_HEIGHT: "receiver height must be within 0.5-3000 m",
    core.ERR_INVALID_RADIO_CLIMATE: "radio climate must be 1-7",
    core.ERR_INVALID_TIME: "time percentage must be strictly between 0 and 100",
    core.ERR_INVALID_LOCATION: "location percentage must be strictly between 0 and 100",
    core.ERR_INVALID_SITUATION: "situation percentage must be strictly between 0 and 100",
    core.ERR_REFRACTIVITY: "surface refractivity N_0 must be within 250-400 N-units",
    core.ERR_FREQUENCY: "frequency must be within 20-20000 MHz",
    core.ERR_POLARIZATION: "polarization must be horizontal (0) or vertical (1)",
    core.ERR_EPSILON: "relative permittivity must be at least 1",
    core.ERR_SIGMA: "ground conductivity must be positive",
    core.ERR_GROUND_IMPEDANCE: "ground impedance: its imaginary part exceeds its real part",
    core.ERR_MDVAR: "mdvar must be 0-3, plus 10 and/or 20",
    core.ERR_EFFECTIVE_EARTH: "effective earth radius outside 4000-13333 km",
    core.ERR_PATH_DISTANCE: "path distance must be positive",
    core.ERR_DELTA_H: "terrain irregularity delta_h must be non-negative",
    core.ERR_TX_SITING_CRITERIA: "transmitter siting criteria must be random, careful or very_careful",
    core.ERR_RX_SITING_CRITERIA: "receiver siting criteria must be random, careful or very_careful",
    core.ERR_SURFACE_REFRACTIVITY_SMALL: "surface refractivity at the path height is below 150 N-units",
    core.ERR_SURFACE_REFRACTIVITY_LARGE: "surface refractivity at the path height is above 400 N-units",
    core.ERR_PROFILE: "profile has NaN or infinite elevations, a non-positive step, or fewer than 2 points",
}


def decode_itm_warnings(flags: int) -> list[str]:
    """Human-readable messages for an ITM warning bitmask, lowest bit first."""
    flags = int(flags)
    return [msg for bit, msg in _WARNING_MESSAGES.items() if flags & int(bit)]


@dataclass(frozen=True)
class ItmResult:
    """One ITM prediction.

    Attributes
    ----------
    loss_db
        Basic transmission loss (dB), free-space loss included.
    a_ref_db
        Reference attenuation below free space at the median (dB).
    free_space_db
        Free-space loss over ``distance_m`` at the frequency (dB).
    warnings
        ITM warning bitmask (:class:`ItmWarning`); :attr:`warning_messages` decodes it.
    propagation_mode
        ``"line_of_sight"``, ``"diffraction"`` or ``"troposcatter"``.
    distance_m, delta_h_m, n_s
        Path length (m), terrain irregularity parameter (m), surface refractivity (N-units).
    theta_hzn_rad, d_hzn_m, h_e_m
        (transmitter, receiver) horizon elevation angles (rad), horizon distances (m)
        and effective heights (m).
    """

    loss_db: float
    a_ref_db: float
    free_space_db: float
    warnings: int
    propagation_mode: str
    distance_m: float
    delta_h_m: float
    n_s: float
    theta_hzn_rad: tuple[float, float]
    d_hzn_m: tuple[float, float]
    h_e_m: tuple[float, float]

    @property
    def warning_messages(self) -> list[str]:
        return decode_itm_warnings(self.warnings)


@dataclass(frozen=True, eq=False)
class ItmBatchResult:
    """Many ITM predictions as arrays (one element per path or point).

    ``loss_db`` is NaN where ``errors`` is non-zero (see :data:`ITM_ERRORS`);
    ``propagation_mode`` holds 1 line of sight, 2 diffraction, 3 troposcatter, 0 failed.
    """

    loss_db: np.ndarray
    warnings: np.ndarray
    errors: np.ndarray
    propagation_mode: np.ndarray
    distance_m: np.ndarray

    @property
    def ok(self) -> np.ndarray:
        return self.errors == 0


def _to_result(row: np.ndarray, freq_mhz: float) -> ItmResult:
    v = row.tolist()  # one conversion to Python floats instead of fourteen
    err = int(v[4])
    if err != 0:
        raise ModelInputError(f"ITM: {ITM_ERRORS.get(err, f'error {err}')} (ITM error {err})")
    d = v[13]
    return ItmResult(
        loss_db=v[0],
        a_ref_db=v[1],
        free_space_db=32.45 + 20.0 * math.log10(freq_mhz) + 20.0 * math.log10(d / 1000.0),
        warnings=int(v[2]),
        propagation_mode=_PROPMODES[int(v[3])],
        distance_m=d,
        delta_h_m=v[11],
        n_s=v[12],
        theta_hzn_rad=(v[5], v[6]),
        d_hzn_m=(v[7], v[8]),
        h_e_m=(v[9], v[10]),
    )


def _to_batch(rows: np.ndarray, model: str) -> ItmBatchResult:
    errors = np.nan_to_num(rows[:, 4]).astype(np.int32)
    bad = errors != 0
    if bad.any():
        codes = sorted({int(c) for c in errors[bad]})
        warn_input_nan(model, int(bad.sum()), len(errors), "; ".join(ITM_ERRORS.get(c, str(c)) for c in codes),
                       stacklevel=4)
    return ItmBatchResult(
        loss_db=rows[:, 0].copy(),
        warnings=np.nan_to_num(rows[:, 2]).astype(np.int64),
        errors=errors,
        propagation_mode=np.nan_to_num(rows[:, 3]).astype(np.int8),
        distance_m=rows[:, 13].copy(),
    )
