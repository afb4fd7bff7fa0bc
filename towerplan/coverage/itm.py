"""The Irregular Terrain Model (Longley-Rice), point-to-point and area modes.

A numba port of ITM version 1.2.2 written from the published algorithm:

* G.A. Hufford, "The ITS Irregular Terrain Model, version 1.2.2, the Algorithm",
  Institute for Telecommunication Sciences (1995);
* G.A. Hufford, A.G. Longley, W.A. Kissick, "A guide to the use of the ITS Irregular
  Terrain Model in the area prediction mode", NTIA Report 82-100 (1982);
* A.G. Longley, P.L. Rice, ESSA Tech. Rep. ERL 79-ITS 67 (1968);
* NTIA/ITS's documentation and public-domain reference code of ITM v1.4
  (https://github.com/NTIA/itm), whose inputs, warning flags and error codes are
  kept, so results can be diffed against it (its test vectors agree to 0.005 dB).

Layers (see ``docs/DESIGN.md``): ``_itm_core`` / ``_itm_model`` / ``_itm_terrain``
hold the physics as numba kernels, ``_itm_kernels`` the drivers over one profile,
many profiles or one radial, and this module validates, converts names to codes
and wraps results.

Units: heights and distances in metres, frequency in MHz, loss in dB (basic
transmission loss, free space included). Terminal heights are structural heights
above the ground at each end of the profile; profile elevations are above sea
level. ``time_pct``, ``location_pct``, ``situation_pct`` are the percentages of
time, locations and situations in which the loss does *not* exceed the result
(ITM's convention: 90 % gives a larger loss than 50 %).

Bad inputs: a call on one path raises :class:`~towerplan.errors.ModelInputError`
listing every problem; the ``*_many`` / ``*_radial`` forms return NaN for the bad
paths, the error code per path, and emit one
:class:`~towerplan.coverage.validity.ModelInputWarning`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Literal

import numpy as np

from towerplan.coverage import _itm_core as core
from towerplan.coverage import _itm_kernels as kern
from towerplan.coverage.climates import CLIMATES
from towerplan.coverage.itm_results import (
    ITM_ERRORS,
    ItmBatchResult,
    ItmResult,
    ItmWarning,
    _to_batch,
    _to_result,
    decode_itm_warnings,
)
from towerplan.errors import ModelInputError

__all__ = [
    "CLIMATES",
    "ITM_ERRORS",
    "ItmBatchResult",
    "ItmResult",
    "ItmWarning",
    "decode_itm_warnings",
    "itm_area_cr_db",
    "itm_area_db",
    "itm_area_many_db",
    "itm_p2p_cr_db",
    "itm_p2p_db",
    "itm_p2p_many_db",
    "itm_p2p_radial_db",
    "split_pfl",
    "warm_up",
]

logger = logging.getLogger(__name__)

Climate = Literal[
    "equatorial",
    "continental_subtropical",
    "maritime_subtropical",
    "desert",
    "continental_temperate",
    "maritime_temperate_over_land",
    "maritime_temperate_over_sea",
]
Polarization = Literal["horizontal", "vertical"]
Siting = Literal["random", "careful", "very_careful"]

_POLARIZATIONS = {"horizontal": 0, "vertical": 1}
_SITINGS = {"random": 0, "careful": 1, "very_careful": 2}


def _code(value: object, table: dict[str, int], what: str, problems: list[str]) -> int:
    if isinstance(value, str):
        if value in table:
            return table[value]
        problems.append(f"{what} {value!r} is not one of {sorted(table)}")
        return -1
    if isinstance(value, (int, np.integer)) and int(value) in table.values():
        return int(value)
    problems.append(f"{what} {value!r} is not one of {sorted(table)} or codes {sorted(table.values())}")
    return -1


def _fast_code(value: object, table: dict[str, int] | None) -> int:
    """Name or integer code -> code, without range checks (the kernel checks); -1 if neither."""
    if isinstance(value, str):
        return table.get(value, -1) if table is not None else -1
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    return -1


def _common(*, freq_mhz, climate, n0, epsilon, sigma, polarization, mdvar, pcts, heights, problems):
    """Check and convert the inputs shared by every mode; appends to ``problems``."""
    c = _code(climate, CLIMATES, "climate", problems)
    p = _code(polarization, _POLARIZATIONS, "polarization", problems)
    checks = [
        ("freq_mhz", freq_mhz, 20.0, 20000.0),
        ("n0", n0, 250.0, 400.0),
    ]
    for name, value, lo, hi in checks:
        if not (isinstance(value, (int, float, np.number)) and lo <= float(value) <= hi):
            problems.append(f"{name} = {value!r} must be within {lo:g}-{hi:g}")
    if not (isinstance(epsilon, (int, float, np.number)) and float(epsilon) >= 1.0):
        problems.append(f"epsilon = {epsilon!r} must be at least 1")
    if not (isinstance(sigma, (int, float, np.number)) and float(sigma) > 0.0):
        problems.append(f"sigma = {sigma!r} S/m must be positive")
    if not (isinstance(mdvar, (int, np.integer)) and 0 <= int(mdvar) <= 33 and int(mdvar) % 10 <= 3):
        problems.append(f"mdvar = {mdvar!r} must be 0-3, plus 10 and/or 20")
    for name, value in pcts.items():
        if not (isinstance(value, (int, float, np.number)) and 0.0 < float(value) < 100.0):
            problems.append(f"{name} = {value!r} must be strictly between 0 and 100")
    for name, value in heights.items():
        if value is not None and not (isinstance(value, (int, float, np.number)) and 0.5 <= float(value) <= 3000.0):
            problems.append(f"{name} = {value!r} m must be within 0.5-3000 m")
    return c, p


def _raise(problems: list[str], what: str) -> None:
    if problems:
        raise ModelInputError(f"{what}: " + "; ".join(problems))


def split_pfl(pfl: Sequence[float] | np.ndarray) -> tuple[np.ndarray, float]:
    """Check an ITM PFL array ``[n, step_m, z_0 .. z_n]``; return (elevations, step_m).

    Raises :class:`ModelInputError` if the header does not match the length, the step
    is not positive, or an elevation is NaN or infinite.
    """
    arr = np.asarray(pfl, dtype=np.float64)
    if arr.ndim != 1 or arr.size < 4:
        raise ModelInputError(f"a PFL profile is a 1-D array [n, step_m, z_0..z_n] with n >= 1, got shape {arr.shape}")
    n = arr[0]
    problems = []
    if not (math.isfinite(n) and n == int(n) and int(n) >= 1 and arr.size == int(n) + 3):
        problems.append(f"PFL header says {n!r} intervals but {arr.size - 2} elevations follow (need n + 1)")
    if not (math.isfinite(arr[1]) and arr[1] > 0):
        problems.append(f"PFL step {arr[1]!r} m must be positive")
    bad = ~np.isfinite(arr[2:])
    if bad.any():
        problems.append(f"{int(bad.sum())} elevations are NaN or infinite (first at index {int(np.argmax(bad))})")
    _raise(problems, "ITM profile")
    return np.ascontiguousarray(arr[2:]), float(arr[1])


def itm_p2p_db(
    pfl: Sequence[float] | np.ndarray,
    *,
    h_tx_m: float,
    h_rx_m: float,
    freq_mhz: float,
    climate: Climate | int = "continental_temperate",
    n0: float = 301.0,
    epsilon: float = 15.0,
    sigma: float = 0.005,
    polarization: Polarization | int = "vertical",
    mdvar: int = 12,
    time_pct: float = 50.0,
    location_pct: float = 50.0,
    situation_pct: float = 50.0,
) -> ItmResult:
    """ITM point-to-point loss over one terrain profile.

    Parameters
    ----------
    pfl
        Profile in ITM's PFL format ``[n, step_m, z_0 .. z_n]``: n intervals of
        ``step_m`` metres, elevations above sea level (m), transmitter at ``z_0``.
    h_tx_m, h_rx_m
        Antenna heights above the ground at each end (m), 0.5-3000.
    freq_mhz
        Frequency (MHz), 20-20000 (ITM warns outside 40-10000).
    climate
        Radio climate, a name of :data:`CLIMATES` or its code 1-7.
    n0
        Surface refractivity reduced to sea level (N-units), 250-400; 301 is average.
    epsilon, sigma
        Relative permittivity and conductivity (S/m) of the ground (15 / 0.005:
        average ground).
    polarization
        ``"horizontal"`` / ``"vertical"`` (or 0 / 1).
    mdvar
        Mode of variability: 0 single message, 1 accidental, 2 mobile, 3 broadcast;
        +10 removes location variability (the usual choice point to point, where the
        profile is known), +20 removes direct situation variability.
    time_pct, location_pct, situation_pct
        Quantiles in (0, 100).

    Returns
    -------
    ItmResult
    """
    # Fast path: the kernel checks every range itself and returns an error code; only
    # when it does are the inputs diagnosed in Python, to list every problem at once.
    arr = np.asarray(pfl, dtype=np.float64)
    row = None
    if arr.ndim == 1 and arr.size >= 4 and arr[0] == arr.size - 3:
        try:
            row = kern.p2p_one(arr[2:], float(arr[1]), float(h_tx_m), float(h_rx_m), _fast_code(climate, CLIMATES),
                               float(n0), float(freq_mhz), _fast_code(polarization, _POLARIZATIONS),
                               float(epsilon), float(sigma), _fast_code(mdvar, None), float(time_pct),
                               float(location_pct), float(situation_pct))
        except (TypeError, ValueError):
            row = None
    if row is None or row[4] != 0:
        split_pfl(arr)
        problems: list[str] = []
        _common(freq_mhz=freq_mhz, climate=climate, n0=n0, epsilon=epsilon, sigma=sigma,
                polarization=polarization, mdvar=mdvar,
                pcts={"time_pct": time_pct, "location_pct": location_pct, "situation_pct": situation_pct},
                heights={"h_tx_m": h_tx_m, "h_rx_m": h_rx_m}, problems=problems)
        _raise(problems, "ITM point-to-point")
        if row is None:  # pragma: no cover - every failing conversion is a listed problem
            raise ModelInputError("ITM point-to-point: invalid inputs")
    return _to_result(row, float(freq_mhz))


def itm_p2p_cr_db(pfl, *, confidence_pct: float = 50.0, reliability_pct: float = 50.0, **kwargs) -> ItmResult:
    """:func:`itm_p2p_db` in confidence/reliability form.

    Reliability is the time quantile, confidence the situation quantile, and the
    location quantile is 50 % (NTIA's ``ITM_P2P_CR``). ``kwargs`` are those of
    :func:`itm_p2p_db` except the three percentages.
    """
    return itm_p2p_db(pfl, time_pct=reliability_pct, location_pct=50.0, situation_pct=confidence_pct, **kwargs)


def itm_p2p_many_db(
    pfls: Sequence[Sequence[float] | np.ndarray],
    *,
    h_tx_m: float | np.ndarray,
    h_rx_m: float | np.ndarray,
    freq_mhz: float,
    climate: Climate | int = "continental_temperate",
    n0: float = 301.0,
    epsilon: float = 15.0,
    sigma: float = 0.005,
    polarization: Polarization | int = "vertical",
    mdvar: int = 12,
    time_pct: float = 50.0,
    location_pct: float = 50.0,
    situation_pct: float = 50.0,
) -> ItmBatchResult:
    """ITM point-to-point over many PFL profiles in one compiled loop.

    ``h_tx_m`` / ``h_rx_m`` are scalars or one value per profile; the other options
    are as in :func:`itm_p2p_db` and shared. Profiles with NaN elevations or
    out-of-range heights give NaN (with their error code) and one warning.
    """
    m = len(pfls)
    headers = np.empty((m, 2))
    parts = []
    for k, pfl in enumerate(pfls):
        arr = np.asarray(pfl, dtype=np.float64)
        if arr.ndim != 1 or arr.size < 4 or arr[0] != arr.size - 3:
            raise ModelInputError(f"profile {k} is not in PFL format [n, step_m, z_0..z_n]")
        headers[k] = arr[:2]
        parts.append(arr[2:])
    counts = np.array([p.size for p in parts], dtype=np.int64)
    starts = np.zeros(m, dtype=np.int64)
    if m:
        starts[1:] = np.cumsum(counts)[:-1]
    z_flat = np.concatenate(parts) if parts else np.empty(0)
    h_tx = np.broadcast_to(np.asarray(h_tx_m, dtype=np.float64), (m,)).copy()
    h_rx = np.broadcast_to(np.asarray(h_rx_m, dtype=np.float64), (m,)).copy()
    problems: list[str] = []
    c, p = _common(freq_mhz=freq_mhz, climate=climate, n0=n0, epsilon=epsilon, sigma=sigma,
                   polarization=polarization, mdvar=mdvar,
                   pcts={"time_pct": time_pct, "location_pct": location_pct, "situation_pct": situation_pct},
                   heights={}, problems=problems)
    _raise(problems, "ITM point-to-point")
    rows = kern.p2p_many(z_flat, starts, counts, headers[:, 1].copy(), h_tx, h_rx, c, float(n0), float(freq_mhz), p,
                         float(epsilon), float(sigma), int(mdvar), float(time_pct), float(location_pct),
                         float(situation_pct))
    return _to_batch(rows, "ITM point-to-point")


def itm_p2p_radial_db(
    pfl: Sequence[float] | np.ndarray,
    *,
    h_tx_m: float,
    h_rx_m: float,
    freq_mhz: float,
    first_index: int = 1,
    climate: Climate | int = "continental_temperate",
    n0: float = 301.0,
    epsilon: float = 15.0,
    sigma: float = 0.005,
    polarization: Polarization | int = "vertical",
    mdvar: int = 12,
    time_pct: float = 50.0,
    location_pct: float = 50.0,
    situation_pct: float = 50.0,
) -> ItmBatchResult:
    """ITM point-to-point from the profile's start to each of its points.

    Element ``i`` of the result is the loss to a receiver at ``z_i`` (distance
    ``i * step_m``), as :func:`itm_p2p_db` would give on the first ``i`` intervals
    (within 1e-6 dB), for ``i >= first_index``; earlier elements are NaN. Work is
    shared between neighbouring points, so a radial of n points costs much less than
    n separate calls. A NaN elevation makes every point at and beyond it NaN.
    """
    arr = np.asarray(pfl, dtype=np.float64)
    if arr.ndim != 1 or arr.size < 4 or arr[0] != arr.size - 3 or not arr[1] > 0:
        raise ModelInputError("a PFL profile is [n, step_m, z_0..z_n] with n >= 1 and a positive step")
    if not (isinstance(first_index, (int, np.integer)) and 1 <= first_index <= arr[0]):
        raise ModelInputError(f"first_index = {first_index!r} must be an integer from 1 to {int(arr[0])}")
    problems: list[str] = []
    c, p = _common(freq_mhz=freq_mhz, climate=climate, n0=n0, epsilon=epsilon, sigma=sigma,
                   polarization=polarization, mdvar=mdvar,
                   pcts={"time_pct": time_pct, "location_pct": location_pct, "situation_pct": situation_pct},
                   heights={"h_tx_m": h_tx_m, "h_rx_m": h_rx_m}, problems=problems)
    _raise(problems, "ITM point-to-point radial")
    rows = kern.p2p_radial(np.ascontiguousarray(arr[2:]), float(arr[1]), float(h_tx_m), float(h_rx_m), c, float(n0),
                           float(freq_mhz), p, float(epsilon), float(sigma), int(mdvar), float(time_pct),
                           float(location_pct), float(situation_pct), int(first_index))
    result = _to_batch(rows[first_index:], "ITM point-to-point radial")
    head = np.full(first_index, np.nan)
    return ItmBatchResult(
        loss_db=np.concatenate([head, result.loss_db]),
        warnings=np.concatenate([np.zeros(head.size, np.int64), result.warnings]),
        errors=np.concatenate([np.full(head.size, core.ERR_PROFILE, np.int32), result.errors]),
        propagation_mode=np.concatenate([np.zeros(head.size, np.int8), result.propagation_mode]),
        distance_m=np.arange(arr.size - 2) * float(arr[1]),
    )


def _area_args(h_tx_m, h_rx_m, delta_h_m, tx_siting, rx_siting, freq_mhz, climate, n0, epsilon, sigma,
               polarization, mdvar, time_pct, location_pct, situation_pct):
    problems: list[str] = []
    c, p = _common(freq_mhz=freq_mhz, climate=climate, n0=n0, epsilon=epsilon, sigma=sigma,
                   polarization=polarization, mdvar=mdvar,
                   pcts={"time_pct": time_pct, "location_pct": location_pct, "situation_pct": situation_pct},
                   heights={"h_tx_m": h_tx_m, "h_rx_m": h_rx_m}, problems=problems)
    st = _code(tx_siting, _SITINGS, "tx_siting", problems)
    sr = _code(rx_siting, _SITINGS, "rx_siting", problems)
    if not (isinstance(delta_h_m, (int, float, np.number)) and float(delta_h_m) >= 0.0):
        problems.append(f"delta_h_m = {delta_h_m!r} must be a non-negative number")
    _raise(problems, "ITM area mode")
    return (float(delta_h_m), float(h_tx_m), float(h_rx_m), st, sr, c, float(n0), float(freq_mhz), p,
            float(epsilon), float(sigma), int(mdvar), float(time_pct), float(location_pct), float(situation_pct))


def itm_area_db(
    distance_m: float,
    *,
    h_tx_m: float,
    h_rx_m: float,
    delta_h_m: float,
    freq_mhz: float,
    tx_siting: Siting | int = "random",
    rx_siting: Siting | int = "random",
    climate: Climate | int = "continental_temperate",
    n0: float = 301.0,
    epsilon: float = 15.0,
    sigma: float = 0.005,
    polarization: Polarization | int = "vertical",
    mdvar: int = 2,
    time_pct: float = 50.0,
    location_pct: float = 50.0,
    situation_pct: float = 50.0,
) -> ItmResult:
    """ITM area-prediction mode (no profile: terrain described by ``delta_h_m``).

    Parameters
    ----------
    distance_m
        Path length (m), positive.
    delta_h_m
        Terrain irregularity parameter (m): 0 water/flat, 30 plains, 90 hills
        (ITM's "average terrain"), 200 mountains, 500 rugged mountains [NTIA 82-100].
    tx_siting, rx_siting
        How carefully the antennas are sited: ``"random"``, ``"careful"`` or
        ``"very_careful"`` (raises the effective height on hilltops).

    Other parameters as in :func:`itm_p2p_db`; ``mdvar`` defaults to 2 (mobile).
    """
    args = _area_args(h_tx_m, h_rx_m, delta_h_m, tx_siting, rx_siting, freq_mhz, climate, n0, epsilon, sigma,
                      polarization, mdvar, time_pct, location_pct, situation_pct)
    if not (isinstance(distance_m, (int, float, np.number)) and float(distance_m) > 0.0
            and math.isfinite(float(distance_m))):
        raise ModelInputError(f"ITM area mode: distance_m = {distance_m!r} must be a positive number")
    rows = kern.area_many(np.array([float(distance_m)]), *args)
    return _to_result(rows[0], float(freq_mhz))


def itm_area_cr_db(distance_m: float, *, confidence_pct: float = 50.0, reliability_pct: float = 50.0,
                   **kwargs) -> ItmResult:
    """:func:`itm_area_db` in confidence/reliability form (time = reliability, situation = confidence)."""
    return itm_area_db(distance_m, time_pct=reliability_pct, location_pct=50.0, situation_pct=confidence_pct,
                       **kwargs)


def itm_area_many_db(distance_m: np.ndarray | Sequence[float], **kwargs) -> ItmBatchResult:
    """:func:`itm_area_db` over an array of distances (m); non-positive or NaN distances give NaN."""
    names = ("h_tx_m", "h_rx_m", "delta_h_m", "freq_mhz")
    missing = [n for n in names if n not in kwargs]
    if missing:
        raise TypeError(f"itm_area_many_db() missing keyword arguments: {', '.join(missing)}")
    defaults = {"tx_siting": "random", "rx_siting": "random", "climate": "continental_temperate", "n0": 301.0,
                "epsilon": 15.0, "sigma": 0.005, "polarization": "vertical", "mdvar": 2, "time_pct": 50.0,
                "location_pct": 50.0, "situation_pct": 50.0}
    unknown = set(kwargs) - set(names) - set(defaults)
    if unknown:
        raise TypeError(f"itm_area_many_db() got unexpected keyword arguments: {', '.join(sorted(unknown))}")
    o = {**defaults, **kwargs}
    args = _area_args(o["h_tx_m"], o["h_rx_m"], o["delta_h_m"], o["tx_siting"], o["rx_siting"], o["freq_mhz"],
                      o["climate"], o["n0"], o["epsilon"], o["sigma"], o["polarization"], o["mdvar"], o["time_pct"],
                      o["location_pct"], o["situation_pct"])
    d = np.ascontiguousarray(np.asarray(distance_m, dtype=np.float64).ravel())
    return _to_batch(kern.area_many(d, *args), "ITM area mode")


def warm_up() -> None:
    """Compile (or load from numba's cache) every ITM kernel; call once at start-up."""
    z = np.linspace(100.0, 130.0, 21)
    kern.p2p_one(z, 100.0, 10.0, 2.0, 5, 301.0, 900.0, 1, 15.0, 0.005, 12, 50.0, 50.0, 50.0)
    kern.p2p_many(z, np.zeros(1, np.int64), np.array([z.size], np.int64), np.array([100.0]), np.array([10.0]),
                  np.array([2.0]), 5, 301.0, 900.0, 1, 15.0, 0.005, 12, 50.0, 50.0, 50.0)
    kern.p2p_radial(z, 100.0, 10.0, 2.0, 5, 301.0, 900.0, 1, 15.0, 0.005, 12, 50.0, 50.0, 50.0, 1)
    kern.area_many(np.array([1e4]), 90.0, 10.0, 2.0, 0, 0, 5, 301.0, 900.0, 1, 15.0, 0.005, 2, 50.0, 50.0, 50.0)
    logger.debug("ITM kernels ready")
