"""Empirical path-loss models: free space, Okumura-Hata, COST-231 Hata.

Every function takes scalars or numpy arrays (broadcast together) and returns
basic transmission loss in dB: a float for all-scalar input, else an array.

Heights are **effective heights above the local terrain**, never above sea level:

* ``h_base_m`` -- the base-station antenna above the mean terrain between 3 and
  15 km from it towards the mobile (Okumura's definition); compute it with
  :func:`effective_base_height_m` / :func:`effective_base_height_from_profile_m`.
  On flat ground it is simply the antenna height above ground.
* ``h_mobile_m`` -- the mobile antenna above the ground it stands on (1.5 m for a
  handset). Passing the receiver's height above sea level, as some open tools
  do, makes Hata tens of dB wrong over hills.

Input checking (the same for every model):

* a scalar call with a non-positive or non-finite distance, frequency or height
  raises :class:`~towerplan.errors.ModelInputError`;
* in an array call those elements come back NaN and one
  :class:`~towerplan.coverage.validity.ModelInputWarning` is emitted;
* inputs outside the range a model was fitted on give a result (an
  extrapolation) and one :class:`~towerplan.coverage.validity.ModelValidityWarning`
  per call listing every input that left its range; :func:`validity_issues` returns
  the same messages without computing anything, for display.

References: ITU-R P.525-4 (free space); M. Hata, "Empirical formula for propagation
loss in land mobile radio services", IEEE Trans. Veh. Technol. VT-29(3) 317-325
(1980); COST Action 231 final report, EUR 18957 (1999), section 4.4.1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np

from towerplan.coverage.validity import warn_input_nan, warn_validity
from towerplan.errors import ModelInputError

__all__ = [
    "VALIDITY_RANGES",
    "cost231_db",
    "effective_base_height_from_profile_m",
    "effective_base_height_m",
    "fspl_db",
    "hata_db",
    "hata_mobile_correction_db",
    "mean_terrain_height_m",
    "validity_issues",
]

Environment = Literal["urban", "suburban", "open"]
CitySize = Literal["medium", "large"]
Model = Literal["hata", "cost231"]

#: validity ranges: (low, high) per input, in the inputs' units
VALIDITY_RANGES: dict[str, dict[str, tuple[float, float]]] = {
    "hata": {"freq_mhz": (150.0, 1500.0), "distance_m": (1e3, 20e3), "h_base_m": (30.0, 200.0),
             "h_mobile_m": (1.0, 10.0)},
    "cost231": {"freq_mhz": (1500.0, 2000.0), "distance_m": (1e3, 20e3), "h_base_m": (30.0, 200.0),
                "h_mobile_m": (1.0, 10.0)},
}
_MODEL_NAMES = {"hata": "Okumura-Hata", "cost231": "COST-231 Hata"}
_UNITS = {"freq_mhz": "MHz", "distance_m": "m", "h_base_m": "m", "h_mobile_m": "m"}


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def validity_issues(model: Model, distance_m, freq_mhz, h_base_m, h_mobile_m) -> list[str]:
    """Messages for every input outside ``model``'s validity range (empty when all inside).

    Non-finite and non-positive values are ignored here (they are input errors,
    not validity issues).
    """
    if model not in VALIDITY_RANGES:
        raise ModelInputError(f"unknown model {model!r}; expected one of {sorted(VALIDITY_RANGES)}")
    issues = []
    values = {"freq_mhz": freq_mhz, "distance_m": distance_m, "h_base_m": h_base_m, "h_mobile_m": h_mobile_m}
    for name, (lo, hi) in VALIDITY_RANGES[model].items():
        arr = np.asarray(values[name], dtype=np.float64).ravel()
        arr = arr[np.isfinite(arr) & (arr > 0)]
        out = arr[(arr < lo) | (arr > hi)]
        if out.size == 0:
            continue
        unit = _UNITS[name]
        rng = f"{_fmt(lo)}-{_fmt(hi)} {unit}"
        if arr.size == 1:
            issues.append(f"{name} = {_fmt(out[0])} {unit} is outside {rng}")
        else:
            issues.append(
                f"{name}: {out.size} of {arr.size} values outside {rng} "
                f"(from {_fmt(out.min())} to {_fmt(out.max())} {unit})"
            )
    return issues


def _prepare(model: str, **inputs):
    """Broadcast inputs to float arrays; raise for bad scalars; return (arrays, bad mask, scalar)."""
    scalar = all(np.ndim(v) == 0 for v in inputs.values())
    try:
        arrays = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in inputs.values()))
    except ValueError as exc:
        raise ModelInputError(f"{model}: inputs do not broadcast together ({exc})") from exc
    bad = np.zeros(arrays[0].shape, dtype=bool)
    problems = []
    for name, arr in zip(inputs, arrays, strict=True):
        b = ~(np.isfinite(arr) & (arr > 0))
        if b.any():
            problems.append(name)
        bad |= b
    if scalar and bad.any():
        detail = ", ".join(f"{n} = {inputs[n]!r}" for n in problems)
        raise ModelInputError(f"{model}: distance, frequency and heights must be positive finite numbers ({detail})")
    safe = [np.where(bad, 1.0, a) for a in arrays] if bad.any() else list(arrays)
    return safe, bad, scalar, problems


def _finish(model: str, loss: np.ndarray, bad: np.ndarray, scalar: bool, problems: list[str]):
    if scalar:
        return float(loss)
    loss = np.array(loss, dtype=np.float64)
    if bad.any():
        loss[bad] = np.nan
        warn_input_nan(model, int(bad.sum()), bad.size, "non-positive or non-finite " + ", ".join(problems),
                       stacklevel=4)
    return loss


def _warn_ranges(model: Model, d, f, hb, hm, bad) -> None:
    ok = ~bad
    issues = validity_issues(model, d[ok], f[ok], hb[ok], hm[ok])
    warn_validity(_MODEL_NAMES[model], issues, stacklevel=4)


def fspl_db(distance_m, freq_mhz):
    """Free-space basic transmission loss (ITU-R P.525-4 eq. 8), dB.

    ``32.45 + 20 log10(f_MHz) + 20 log10(d_km)``, exact for any positive distance
    and frequency (no validity range).
    """
    (d, f), bad, scalar, problems = _prepare("free space", distance_m=distance_m, freq_mhz=freq_mhz)
    loss = 32.45 + 20.0 * np.log10(f) + 20.0 * np.log10(d / 1000.0)
    return _finish("free space", loss, bad, scalar, problems)


def _a_medium(log_f: np.ndarray, hm: np.ndarray) -> np.ndarray:
    return (1.1 * log_f - 0.7) * hm - (1.56 * log_f - 0.8)


def _a_large(f: np.ndarray, hm: np.ndarray) -> np.ndarray:
    low = 8.29 * np.log10(1.54 * hm) ** 2 - 1.1  # f <= 200 MHz
    high = 3.2 * np.log10(11.75 * hm) ** 2 - 4.97  # f >= 400 MHz
    w = np.clip((np.log10(f) - np.log10(200.0)) / (np.log10(400.0) - np.log10(200.0)), 0.0, 1.0)
    return (1.0 - w) * low + w * high


def hata_mobile_correction_db(freq_mhz, h_mobile_m, *, city: CitySize = "medium"):
    """Hata's mobile-antenna height correction a(h_m), dB (Hata 1980 eqs. 4-5).

    * ``"medium"`` (medium-small city): ``(1.1 log f - 0.7) h_m - (1.56 log f - 0.8)``;
    * ``"large"``: ``8.29 (log 1.54 h_m)^2 - 1.1`` for f <= 200 MHz and
      ``3.2 (log 11.75 h_m)^2 - 4.97`` for f >= 400 MHz. Hata gives nothing between
      200 and 400 MHz; towerplan interpolates linearly in log f between the two
      formulas there, so the loss has no jump (both are ~0 dB at h_m = 1.5 m).
    """
    f = np.asarray(freq_mhz, dtype=np.float64)
    hm = np.asarray(h_mobile_m, dtype=np.float64)
    if city == "medium":
        out = _a_medium(np.log10(f), hm)
    elif city == "large":
        out = _a_large(f, hm)
    else:
        raise ModelInputError(f"city must be 'medium' or 'large', got {city!r}")
    return float(out) if out.ndim == 0 else out


def _hata_urban(d, f, hb, hm, city):
    log_f = np.log10(f)
    a = _a_medium(log_f, hm) if city == "medium" else _a_large(f, hm)
    return 69.55 + 26.16 * log_f - 13.82 * np.log10(hb) - a + (44.9 - 6.55 * np.log10(hb)) * np.log10(d / 1000.0)


def _suburban(f):
    return -2.0 * np.log10(f / 28.0) ** 2 - 5.4


def _open(f):
    log_f = np.log10(f)
    return -4.78 * log_f**2 + 18.33 * log_f - 40.94


_ENVIRONMENT_CORRECTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "urban": lambda f: np.zeros_like(f),
    "suburban": _suburban,
    "open": _open,
}


def hata_db(distance_m, freq_mhz, h_base_m, h_mobile_m, *, environment: Environment = "urban",
            city: CitySize = "medium"):
    """Okumura-Hata median path loss (Hata 1980), dB.

    Parameters
    ----------
    distance_m
        Base-to-mobile distance (m); valid 1-20 km.
    freq_mhz
        Frequency (MHz); valid 150-1500 MHz.
    h_base_m
        Effective base antenna height above the mean local terrain (m); valid 30-200 m.
    h_mobile_m
        Mobile antenna height above its local ground (m); valid 1-10 m.
    environment
        ``"urban"``: ``69.55 + 26.16 log f - 13.82 log h_b - a(h_m) + (44.9 - 6.55 log h_b) log d_km``;
        ``"suburban"``: urban ``- 2 (log(f/28))^2 - 5.4``;
        ``"open"``: urban ``- 4.78 (log f)^2 + 18.33 log f - 40.94``.
    city
        Which a(h_m) the urban loss uses (:func:`hata_mobile_correction_db`). Hata
        derived the suburban and open corrections from the medium-small city curve,
        so keep ``"medium"`` for those.
    """
    if environment not in _ENVIRONMENT_CORRECTIONS:
        raise ModelInputError(f"environment must be one of {sorted(_ENVIRONMENT_CORRECTIONS)}, got {environment!r}")
    if city not in ("medium", "large"):
        raise ModelInputError(f"city must be 'medium' or 'large', got {city!r}")
    (d, f, hb, hm), bad, scalar, problems = _prepare(
        "Okumura-Hata", distance_m=distance_m, freq_mhz=freq_mhz, h_base_m=h_base_m, h_mobile_m=h_mobile_m
    )
    loss = _hata_urban(d, f, hb, hm, city) + _ENVIRONMENT_CORRECTIONS[environment](f)
    _warn_ranges("hata", d, f, hb, hm, bad)
    return _finish("Okumura-Hata", loss, bad, scalar, problems)


def cost231_db(distance_m, freq_mhz, h_base_m, h_mobile_m, *, metropolitan: bool = False,
               environment: Environment = "urban"):
    """COST-231 Hata median path loss (COST 231 final report, 4.4.1), dB.

    ``46.3 + 33.9 log f - 13.82 log h_b - a(h_m) + (44.9 - 6.55 log h_b) log d_km + C_m``
    with the medium-small city a(h_m) and ``C_m`` = 0 dB (medium city, suburban) or
    3 dB (``metropolitan=True``). Valid 1500-2000 MHz, 1-20 km, h_b 30-200 m,
    h_m 1-10 m; heights as in :func:`hata_db`. ``environment`` ``"suburban"`` or
    ``"open"`` adds Hata's suburban or open-area correction (:func:`hata_db`) to the
    urban loss, as the COST 231 report does for those areas (its formula is fitted
    to urban measurements only); ``metropolitan`` applies to ``"urban"`` only.
    """
    if environment not in _ENVIRONMENT_CORRECTIONS:
        raise ModelInputError(f"environment must be one of {sorted(_ENVIRONMENT_CORRECTIONS)}, got {environment!r}")
    (d, f, hb, hm), bad, scalar, problems = _prepare(
        "COST-231 Hata", distance_m=distance_m, freq_mhz=freq_mhz, h_base_m=h_base_m, h_mobile_m=h_mobile_m
    )
    log_f = np.log10(f)
    loss = (
        46.3 + 33.9 * log_f - 13.82 * np.log10(hb) - _a_medium(log_f, hm)
        + (44.9 - 6.55 * np.log10(hb)) * np.log10(d / 1000.0)
        + (3.0 if metropolitan and environment == "urban" else 0.0)
    ) + _ENVIRONMENT_CORRECTIONS[environment](f)
    _warn_ranges("cost231", d, f, hb, hm, bad)
    return _finish("COST-231 Hata", loss, bad, scalar, problems)


# ------------------------------------------------------------ effective heights
def mean_terrain_height_m(distances_m, heights_m, *, start_m: float = 3000.0, end_m: float = 15000.0) -> float:
    """Mean terrain elevation between ``start_m`` and ``end_m`` from the base (m).

    ``distances_m`` / ``heights_m`` describe a profile from the base towards the
    mobile (see :func:`towerplan.coverage.profile.profile`). For a path shorter
    than ``end_m`` the window is 0.2 d to d instead (ITU-R P.1546-6 Annex 5 §3,
    the usual extension of Okumura's 3-15 km rule). NaN heights are ignored; the
    mean of the linearly interpolated profile at the window's ends is used when no
    sample falls inside.
    """
    d = np.asarray(distances_m, dtype=np.float64)
    z = np.asarray(heights_m, dtype=np.float64)
    if d.ndim != 1 or d.shape != z.shape or d.size < 2:
        raise ModelInputError("distances_m and heights_m must be 1-D arrays of the same length (at least 2)")
    total = float(d[-1] - d[0])
    if not total > 0:
        raise ModelInputError("the profile must have a positive length")
    rel = d - d[0]
    lo, hi = (start_m, end_m) if total >= end_m else (0.2 * total, total)
    inside = (rel >= lo) & (rel <= hi) & np.isfinite(z)
    if inside.any():
        return float(z[inside].mean())
    ok = np.isfinite(z)
    if not ok.any():
        raise ModelInputError("the profile has no finite heights")
    return float(np.interp([lo, hi], rel[ok], z[ok]).mean())


def effective_base_height_m(h_antenna_m, ground_elevation_m, mean_terrain_m, *, min_height_m: float = 1.0):
    """Effective base height for Hata/COST-231: antenna + site ground - mean terrain (m).

    ``h_antenna_m`` is above the ground at the site, ``ground_elevation_m`` and
    ``mean_terrain_m`` above sea level (the latter from :func:`mean_terrain_height_m`).
    A site in a valley can come out below the antenna's own height, even negative;
    the result is clipped to ``min_height_m`` (the models take its logarithm) and the
    model then reports the low height as a validity issue.
    """
    h = np.asarray(h_antenna_m, dtype=np.float64) + np.asarray(ground_elevation_m, dtype=np.float64) - np.asarray(
        mean_terrain_m, dtype=np.float64
    )
    h = np.maximum(h, min_height_m)
    return float(h) if h.ndim == 0 else h


def effective_base_height_from_profile_m(distances_m, heights_m, h_antenna_m: float, *, min_height_m: float = 1.0,
                                         start_m: float = 3000.0, end_m: float = 15000.0) -> float:
    """:func:`effective_base_height_m` with the site ground and mean terrain taken from a profile.

    The profile starts at the base station: ``heights_m[0]`` is its ground elevation.
    """
    z = np.asarray(heights_m, dtype=np.float64)
    if z.ndim != 1 or z.size < 2 or not np.isfinite(z[0]):
        raise ModelInputError("the profile needs a finite ground elevation at the base station (heights_m[0])")
    mean = mean_terrain_height_m(distances_m, z, start_m=start_m, end_m=end_m)
    return float(effective_base_height_m(h_antenna_m, z[0], mean, min_height_m=min_height_m))
