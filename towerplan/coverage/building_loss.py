"""Building entry loss of Recommendation ITU-R P.2109-2, Annex 1 section 3.

The loss between an outdoor signal at the façade and a terminal inside, for two
building classes: *traditional* (no metallised glass or foil-backed insulation)
and *thermally efficient* (metallised glass, foil-backed panels), as the value
not exceeded with probability ``P``. With f in GHz, theta the elevation angle of
the path at the façade (degrees) and F^-1 the inverse standard normal
distribution (equations 1-10):

* L_h = r + s log10(f) + t (log10 f)^2, L_e = 0.212 |theta|;
* mu_1 = L_h + L_e, mu_2 = w + x log10(f), sigma_1 = u + v log10(f), sigma_2 = y + z log10(f);
* A(P) = F^-1(P) sigma_1 + mu_1, B(P) = F^-1(P) sigma_2 + mu_2, C = -3.0 dB;
* L_BEL(P) = 10 log10(10^(0.1 A) + 10^(0.1 B) + 10^(0.1 C)).

Coefficients r..z from Table 1 of the Recommendation. Valid 80 MHz to 100 GHz.
Checked against the equations and against pycraf's independent implementation
(``tests/test_clutter_building_loss.py``). No other reference installs from PyPI (checked for this
work): NTIA's proplib packages there are P.2108 and LF/MF only, ITU-Rpy (``itur``) has no P.2109
model, and CRC's crc-covlib, which has one, is not on PyPI.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import ndtri

from towerplan.errors import ModelInputError

__all__ = ["BUILDING_TYPES", "P2109_COEFFICIENTS", "BuildingType", "CarrierEntryLoss", "P2109Coefficients",
           "p2109_building_entry_loss_db"]

BuildingType = Literal["traditional", "thermally_efficient"]
#: building types, in the order of their codes (code = index + 1)
BUILDING_TYPES: tuple[BuildingType, ...] = ("traditional", "thermally_efficient")


@dataclass(frozen=True)
class P2109Coefficients:
    """One row of Table 1 of ITU-R P.2109-2."""

    r: float
    s: float
    t: float
    u: float
    v: float
    w: float
    x: float
    y: float
    z: float


#: Table 1 of ITU-R P.2109-2
P2109_COEFFICIENTS: dict[str, P2109Coefficients] = {
    "traditional": P2109Coefficients(12.64, 3.72, 0.96, 9.6, 2.0, 9.1, -3.0, 4.5, -2.0),
    "thermally_efficient": P2109Coefficients(28.19, -3.00, 8.48, 13.5, 3.8, 27.8, -2.9, 9.4, -2.1),
}
_C_DB = -3.0


_TABLE = np.asarray([[getattr(P2109_COEFFICIENTS[t], k) for k in "rstuvwxyz"] for t in BUILDING_TYPES])


def _coefficients(building_type: BuildingType | np.ndarray | str) -> tuple[np.ndarray, ...]:
    """Table 1's r..z for each element (names looked up once per distinct value)."""
    arr = np.asarray(building_type)
    if np.issubdtype(arr.dtype, np.integer):
        if not np.all((arr >= 1) & (arr <= len(BUILDING_TYPES))):
            raise ModelInputError("building type codes are 1 (traditional) and 2 (thermally efficient)")
        idx = arr.astype(np.int64) - 1
    else:
        names, inverse = np.unique(arr.astype(str), return_inverse=True)
        bad = sorted(set(names.tolist()) - set(BUILDING_TYPES))
        if bad:
            raise ModelInputError(f"unknown building type(s) {bad}; use traditional or thermally_efficient")
        lut = np.asarray([BUILDING_TYPES.index(n) for n in names.tolist()], dtype=np.int64)  # type: ignore[arg-type]
        idx = lut[inverse].reshape(arr.shape)
    return tuple(_TABLE[idx, k] for k in range(9))


def p2109_building_entry_loss_db(
    freq_mhz: ArrayLike,
    probability: ArrayLike,
    building_type: BuildingType | np.ndarray = "traditional",
    *,
    elevation_deg: ArrayLike = 0.0,
) -> np.ndarray:
    """Building entry loss L_BEL(P) of ITU-R P.2109-2, dB (numpy, broadcast).

    Parameters
    ----------
    freq_mhz
        Frequency, 80-100,000 MHz.
    probability
        Probability (0 < P < 1) that the loss is not exceeded; 0.5 gives the median.
    building_type
        ``"traditional"`` or ``"thermally_efficient"`` (or an array of them, or of their codes 1, 2).
    elevation_deg
        Elevation angle of the path at the façade, degrees (-90 < theta < 90); 0 for terrestrial links.

    Raises
    ------
    ModelInputError
        An input outside the Recommendation's range, or an unknown building type.
    """
    f_ghz = np.asarray(freq_mhz, dtype=float) / 1000.0
    prob = np.asarray(probability, dtype=float)
    theta = np.asarray(elevation_deg, dtype=float)
    if not np.all(np.isfinite(f_ghz) & (f_ghz >= 0.08) & (f_ghz <= 100.0)):
        raise ModelInputError("P.2109 covers 80 MHz to 100 GHz")
    if not np.all(np.isfinite(prob) & (prob > 0) & (prob < 1)):
        raise ModelInputError("the probability of P.2109 must be between 0 and 1 (exclusive)")
    if not np.all(np.isfinite(theta) & (np.abs(theta) < 90)):
        raise ModelInputError("the elevation angle of P.2109 must be between -90 and 90 degrees")
    r, s, t, u, v, w, x, y, z = _coefficients(building_type)
    lf = np.log10(f_ghz)
    mu1 = r + s * lf + t * lf**2 + 0.212 * np.abs(theta)
    mu2 = w + x * lf
    sigma1 = u + v * lf
    sigma2 = y + z * lf
    q = ndtri(prob)
    a = q * sigma1 + mu1
    b = q * sigma2 + mu2
    return 10.0 * np.log10(10.0 ** (0.1 * a) + 10.0 ** (0.1 * b) + 10.0 ** (0.1 * _C_DB))


@dataclass(frozen=True)
class CarrierEntryLoss:
    """The building entry loss of each carrier at its own frequency, as an offset on the one threshold.

    A study's service threshold holds the indoor class's building entry loss of each technology at a
    *reference* frequency (``reference_freq_mhz``; :data:`towerplan.coverage.criteria.REPRESENTATIVE_FREQ_MHZ`).
    A carrier at ``f`` loses ``L_BEL(f)`` instead (ITU-R P.2109-2 at ``probability``, ``building_type``,
    horizontal path): :meth:`offset_db` = ``L_BEL(f_ref) - L_BEL(f)`` is added to that carrier's levels by the
    engine, so a cell is served by it where ``level - L_BEL(f) >= min level + other losses + margin``, the
    comparison the threshold makes. A 700 MHz LTE carrier (about 14.1 dB through a traditional wall at the
    median) thus reaches further indoors than a 2600 MHz one (15.3 dB); through thermally efficient walls the
    spread is larger (30.5 dB at 1800 MHz, 31.6 dB at 700 MHz, 30.9 dB at 3500 MHz: P.2109's second
    term falls with frequency while the first grows).
    """

    building_type: BuildingType = "traditional"
    probability: float = 0.5
    reference_freq_mhz: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problems: list[str] = []
        if self.building_type not in BUILDING_TYPES:
            problems.append(f"building_type must be one of {', '.join(BUILDING_TYPES)}, got {self.building_type!r}")
        if not (isinstance(self.probability, int | float) and 0.0 < self.probability < 1.0):
            problems.append(f"probability = {self.probability!r} must be strictly between 0 and 1")
        refs = self.reference_freq_mhz
        if not isinstance(refs, Mapping) or not refs or any(
                t not in ("2G", "3G", "4G", "5G") or not (isinstance(f, int | float) and math.isfinite(f)
                                                         and 80.0 <= f <= 100_000.0) for t, f in refs.items()):
            problems.append(f"reference_freq_mhz must map 2G-5G to frequencies within 80-100,000 MHz, got {refs!r}")
        if problems:
            raise ModelInputError("carrier entry loss: " + "; ".join(problems))

    def loss_db(self, freq_mhz: ArrayLike) -> np.ndarray:
        """L_BEL at ``freq_mhz`` (dB), this building type and probability, horizontal path."""
        return p2109_building_entry_loss_db(freq_mhz, self.probability, self.building_type)

    def offset_db(self, technologies: ArrayLike, freq_mhz: ArrayLike) -> np.ndarray:
        """``L_BEL(reference of the technology) - L_BEL(freq_mhz)`` per carrier (dB); 0 for a technology
        without a reference frequency."""
        techs = np.asarray(technologies).astype(str)
        freq = np.broadcast_to(np.asarray(freq_mhz, dtype=float), techs.shape)
        ref = np.array([self.reference_freq_mhz.get(t, np.nan) for t in techs.ravel()], dtype=float)
        ref = ref.reshape(techs.shape)
        has = np.isfinite(ref)
        out = np.zeros(techs.shape, dtype=float)
        if has.any():
            out[has] = self.loss_db(ref[has]) - self.loss_db(freq[has])
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {"building_type": self.building_type, "probability": self.probability,
                "reference_freq_mhz": dict(self.reference_freq_mhz)}
