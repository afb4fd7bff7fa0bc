"""Clutter loss of Recommendation ITU-R P.2108-1, Annex 1, sections 3.1 and 3.2.

Terrain-only models (ITM, free space, and P.1812 without clutter) predict the
field at a receiver standing in the open. A terminal among trees or buildings
loses more; P.2108 gives that extra loss as a correction added to the basic
transmission loss:

* **section 3.1, height-gain terminal correction** (30 MHz - 3 GHz): the median
  loss of a terminal of height ``h`` below the representative clutter height
  ``R`` of its surroundings. Two forms (Table 3 of the Recommendation): a
  height-gain term ``-K_h2 log10(h/R)`` (eq. 2b) for water/sea and open/rural
  clutter, and a knife-edge term ``J(nu) - 6.03`` (eq. 2a) over the street
  canyon for suburban, urban, trees/forest and dense urban clutter, with
  ``nu = K_nu sqrt(h_dif theta_clut)``, ``h_dif = R - h``,
  ``theta_clut = atan(h_dif / w_s)`` (degrees), ``K_nu = 0.342 sqrt(f)``,
  ``K_h2 = 21.8 + 6.2 log10(f)`` (f in GHz), and ``J(nu)`` the knife-edge loss
  of ITU-R P.526 (eq. 31 there). No loss when ``h >= R``.
* **section 3.2, statistical model for terrestrial paths** (0.5 - 67 GHz,
  d >= 0.25 km): the loss not exceeded at ``p`` % of locations,
  ``L_ctt = -5 log10(10^(-0.2 L_l) + 10^(-0.2 L_s)) - sigma_cb Q^-1(p/100)`` (eq. 3a)
  with ``L_l = -2 log10(10^(-5 log10(f) - 12.5) + 10^(-16.5))``, ``sigma_l = 4 dB``
  (eqs. 4a-b), ``L_s = 32.98 + 23.9 log10(d) + 3 log10(f)``, ``sigma_s = 6 dB``
  (eqs. 5a-b), ``sigma_cb^2 = (sigma_l^2 10^(-0.2 L_l) + sigma_s^2 10^(-0.2 L_s)) /
  (10^(-0.2 L_l) + 10^(-0.2 L_s))`` (eq. 3b), and never more than the loss at
  2 km (eq. 6).

Both functions take numpy arrays (broadcast) or scalars. Inputs outside the
Recommendation's ranges raise :class:`~towerplan.errors.ModelInputError`;
they were checked against NTIA's reference implementation (``proplib-p2108``
on PyPI) in ``tests/test_clutter_loss.py``.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import ndtri

from towerplan.errors import ModelInputError

__all__ = [
    "P2108_CLUTTER_TYPES",
    "P2108_DEFAULT_HEIGHT_M",
    "P2108_STREET_WIDTH_M",
    "P2108ClutterType",
    "knife_edge_j_db",
    "p2108_terminal_clutter_loss_db",
    "p2108_terrestrial_clutter_loss_db",
]

P2108ClutterType = Literal["water_sea", "open_rural", "suburban", "urban", "trees_forest", "dense_urban"]

#: P.2108 Table 3 clutter types, in the Recommendation's order (code = index + 1)
P2108_CLUTTER_TYPES: tuple[P2108ClutterType, ...] = (
    "water_sea", "open_rural", "suburban", "urban", "trees_forest", "dense_urban",
)
#: P.2108 Table 3 default representative clutter height R (m) per type
P2108_DEFAULT_HEIGHT_M: dict[str, float] = {
    "water_sea": 10.0, "open_rural": 10.0, "suburban": 10.0, "urban": 15.0, "trees_forest": 15.0,
    "dense_urban": 20.0,
}
#: types using the height-gain form (eq. 2b); the others use the knife-edge form (eq. 2a)
_HEIGHT_GAIN_TYPES = frozenset({"water_sea", "open_rural"})
#: by code (index 0 unused): Table 3's R and whether the height-gain form applies
_DEFAULT_R = np.asarray([np.nan] + [P2108_DEFAULT_HEIGHT_M[t] for t in P2108_CLUTTER_TYPES])
_HEIGHT_GAIN = np.asarray([False] + [t in _HEIGHT_GAIN_TYPES for t in P2108_CLUTTER_TYPES])
#: the Recommendation's default street width (m) when none is known
P2108_STREET_WIDTH_M = 27.0


def knife_edge_j_db(nu: ArrayLike) -> np.ndarray:
    """Single knife-edge diffraction loss J(nu) of ITU-R P.526 (eq. 31), dB; ``nu > -0.78``."""
    v = np.asarray(nu, dtype=float)
    return 6.9 + 20.0 * np.log10(np.sqrt((v - 0.1) ** 2 + 1.0) + v - 0.1)


def _check(ok: np.ndarray, what: str) -> None:
    if not np.all(ok):
        raise ModelInputError(what)


def p2108_terminal_clutter_loss_db(
    freq_mhz: ArrayLike,
    height_m: ArrayLike,
    clutter_type: P2108ClutterType | np.ndarray,
    *,
    clutter_height_m: ArrayLike | None = None,
    street_width_m: ArrayLike = P2108_STREET_WIDTH_M,
) -> np.ndarray:
    """Height-gain terminal correction A_h of ITU-R P.2108-1 section 3.1 (median clutter loss), dB.

    Parameters
    ----------
    freq_mhz
        Frequency, 30-3000 MHz.
    height_m
        Terminal antenna height above ground, m (> 0).
    clutter_type
        One of :data:`P2108_CLUTTER_TYPES`, or an array of them (or of their codes 1-6).
    clutter_height_m
        Representative clutter height R, m (> 0); default: Table 3 of the Recommendation per type.
    street_width_m
        Street width w_s, m (> 0); default 27 m as in the Recommendation.

    Returns
    -------
    numpy.ndarray
        A_h >= 0 dB (0 where the terminal is at or above R), broadcast over the inputs.

    Raises
    ------
    ModelInputError
        A frequency, height, width or clutter type outside the Recommendation's range.
    """
    f_ghz = np.asarray(freq_mhz, dtype=float) / 1000.0
    h = np.asarray(height_m, dtype=float)
    ws = np.asarray(street_width_m, dtype=float)
    codes = _type_codes(clutter_type)
    _check(np.isfinite(f_ghz) & (f_ghz >= 0.03) & (f_ghz <= 3.0),
           "P.2108 section 3.1 covers 30 to 3000 MHz")
    _check(np.isfinite(h) & (h > 0), "P.2108 terminal height must be a positive number of metres")
    _check(np.isfinite(ws) & (ws > 0), "P.2108 street width must be a positive number of metres")
    if clutter_height_m is None:
        r = _DEFAULT_R[codes]
    else:
        r = np.asarray(clutter_height_m, dtype=float)
        _check(np.isfinite(r) & (r > 0), "P.2108 clutter height R must be a positive number of metres")
    height_gain = _HEIGHT_GAIN[codes]
    f_ghz, h, ws, r, height_gain = np.broadcast_arrays(f_ghz, h, ws, r, height_gain)
    below = h < r
    with np.errstate(divide="ignore", invalid="ignore"):
        k_h2 = 21.8 + 6.2 * np.log10(f_ghz)
        a_gain = -k_h2 * np.log10(h / r)
        h_dif = r - h
        theta_clut_deg = np.degrees(np.arctan(h_dif / ws))
        nu = 0.342 * np.sqrt(f_ghz) * np.sqrt(np.maximum(h_dif * theta_clut_deg, 0.0))
        a_edge = knife_edge_j_db(nu) - 6.03
    loss = np.where(height_gain, a_gain, a_edge)
    return np.where(below, loss, 0.0)


def _type_codes(clutter_type: P2108ClutterType | np.ndarray | str) -> np.ndarray:
    """Clutter types as codes 1-6 (names looked up once per distinct value)."""
    arr = np.asarray(clutter_type)
    if np.issubdtype(arr.dtype, np.integer):
        _check((arr >= 1) & (arr <= len(P2108_CLUTTER_TYPES)), "P.2108 clutter type codes are 1 to 6")
        return arr.astype(np.int64)
    names, inverse = np.unique(arr.astype(str), return_inverse=True)
    bad = sorted(set(names.tolist()) - set(P2108_CLUTTER_TYPES))
    if bad:
        raise ModelInputError(f"unknown P.2108 clutter type(s) {bad}; use one of {', '.join(P2108_CLUTTER_TYPES)}")
    lut = np.asarray([P2108_CLUTTER_TYPES.index(n) + 1 for n in names.tolist()], dtype=np.int64)
    return lut[inverse].reshape(arr.shape)


def _terrestrial_db(f_ghz: np.ndarray, d_km: np.ndarray | float, q: np.ndarray) -> np.ndarray:
    """Equations 3a-5b of P.2108-1 at one distance; ``q`` is Q^-1(p/100)."""
    l_l = -2.0 * np.log10(10.0 ** (-5.0 * np.log10(f_ghz) - 12.5) + 10.0 ** (-16.5))
    l_s = 32.98 + 23.9 * np.log10(d_km) + 3.0 * np.log10(f_ghz)
    w_l, w_s = 10.0 ** (-0.2 * l_l), 10.0 ** (-0.2 * l_s)
    sigma_cb = np.sqrt((4.0**2 * w_l + 6.0**2 * w_s) / (w_l + w_s))
    return -5.0 * np.log10(w_l + w_s) - sigma_cb * q


def p2108_terrestrial_clutter_loss_db(freq_mhz: ArrayLike, distance_km: ArrayLike, location_percent: ArrayLike
                                      ) -> np.ndarray:
    """Statistical clutter loss L_ctt of ITU-R P.2108-1 section 3.2 (one terminal in clutter), dB.

    Parameters
    ----------
    freq_mhz
        Frequency, 500-67,000 MHz.
    distance_km
        Path length, km (>= 0.25; >= 1 km to apply it at both ends).
    location_percent
        Percentage of locations for which the loss is not exceeded, 0 < p < 100.

    Raises
    ------
    ModelInputError
        An input outside the Recommendation's range.
    """
    f_ghz = np.asarray(freq_mhz, dtype=float) / 1000.0
    d = np.asarray(distance_km, dtype=float)
    p = np.asarray(location_percent, dtype=float)
    _check(np.isfinite(f_ghz) & (f_ghz >= 0.5) & (f_ghz <= 67.0), "P.2108 section 3.2 covers 0.5 to 67 GHz")
    _check(np.isfinite(d) & (d >= 0.25), "P.2108 section 3.2 needs a path of at least 0.25 km")
    _check(np.isfinite(p) & (p > 0) & (p < 100), "the percentage of locations must be between 0 and 100")
    q = -ndtri(p / 100.0)  # Q^-1(x) = -Phi^-1(x)
    return np.minimum(_terrestrial_db(f_ghz, d, q), _terrestrial_db(f_ghz, 2.0, q))
