"""Terrain diffraction (ITU-R P.526): knife edge, Deygout, Bullington, delta-Bullington.

Used as a terrain add-on to the empirical models (Hata / COST-231 assume gently
rolling terrain; behind a ridge they are optimistic): add the excess loss of
:func:`terrain_diffraction_db` to the model's median loss.

Profiles are ``distances_m`` (from the transmitter, increasing) and ``heights_m``
(ground above sea level), e.g. from :func:`towerplan.coverage.profile.profile`;
``h_tx_m`` / ``h_rx_m`` are antenna heights above the ground at the two ends. The
effective earth's curvature (radius k x 6371 km, k = 4/3 by default) is applied
here, so pass flat profiles.

References
----------
* ITU-R P.526-15 (2019), "Propagation by diffraction": J(v) eq. 31, v eq. 26,
  Bullington 4.5.1, the complete (delta-Bullington) method 4.5.2, spherical earth 3.2.
* ITU-R P.526-8..12, section 4.5.1: the Deygout construction limited to three
  edges with its empirical correction.
* ITU-R P.452-17 sections 4.2.1-4.2.3 and 5.1.6: the same Bullington /
  spherical-earth / delta-Bullington equations with numbered steps, and the
  smooth-earth surface heights.
* J. Deygout, "Multiple knife-edge diffraction of microwaves", IEEE Trans. AP-14 (1966).

Bad input (NaN heights, non-increasing distances, non-positive frequency or
heights) raises :class:`~towerplan.errors.ModelInputError`;
:func:`knife_edge_db` is vectorised and maps NaN to NaN.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal

import numpy as np

from towerplan.coverage import _diffraction_kernels as kern
from towerplan.coverage.profile import effective_earth_radius_m
from towerplan.errors import ModelInputError

__all__ = [
    "DIFFRACTION_METHODS",
    "bullington_db",
    "delta_bullington_db",
    "deygout_db",
    "fresnel_parameter",
    "knife_edge_db",
    "spherical_earth_db",
    "terrain_diffraction_db",
]

SPEED_OF_LIGHT_M_S = 299_792_458.0
Method = Literal["deygout", "bullington", "delta_bullington"]
Polarization = Literal["horizontal", "vertical"]


def knife_edge_db(v):
    """Single knife-edge loss J(v) (ITU-R P.526-15 eq. 31), dB; 0 for v <= -0.78.

    ``6.9 + 20 log10(sqrt((v - 0.1)^2 + 1) + v - 0.1)``: 6.03 dB at v = 0 (the exact
    Fresnel value is 6.02 dB), 13.9 dB at v = 1, 20.5 dB at v = 2.4.
    """
    v = np.asarray(v, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        j = 6.9 + 20.0 * np.log10(np.sqrt((v - 0.1) ** 2 + 1.0) + v - 0.1)
    out = np.where(v > -0.78, j, np.where(np.isnan(v), np.nan, 0.0))
    return float(out) if out.ndim == 0 else out


def fresnel_parameter(h_m, d1_m, d2_m, freq_mhz):
    """Fresnel-Kirchhoff parameter v = h sqrt(2 (d1 + d2) / (lambda d1 d2)) (P.526-15 eq. 26).

    ``h_m`` is the height of the edge above the line joining the terminals
    (negative below it); ``d1_m`` / ``d2_m`` the distances from each terminal.
    """
    h = np.asarray(h_m, dtype=np.float64)
    d1 = np.asarray(d1_m, dtype=np.float64)
    d2 = np.asarray(d2_m, dtype=np.float64)
    f = np.asarray(freq_mhz, dtype=np.float64)
    if np.any(~(d1 > 0)) or np.any(~(d2 > 0)) or np.any(~(f > 0)):
        raise ModelInputError("fresnel_parameter needs positive distances and frequency")
    lam = SPEED_OF_LIGHT_M_S / (f * 1e6)
    v = h * np.sqrt(2.0 * (d1 + d2) / (lam * d1 * d2))
    return float(v) if v.ndim == 0 else v


def _path(distances_m, heights_m, h_tx_m, h_rx_m, freq_mhz, k_factor, what):
    d = np.ascontiguousarray(np.asarray(distances_m, dtype=np.float64).ravel())
    z = np.ascontiguousarray(np.asarray(heights_m, dtype=np.float64).ravel())
    problems = []
    if d.size < 2 or d.shape != z.shape:
        problems.append(f"distances and heights must be 1-D and of equal length >= 2 (got {d.shape} and {z.shape})")
    else:
        if not np.all(np.isfinite(d)) or not np.all(np.diff(d) > 0):
            problems.append("distances must be finite and strictly increasing")
        if not np.all(np.isfinite(z)):
            problems.append(f"{int((~np.isfinite(z)).sum())} heights are NaN or infinite")
    for name, value in (("h_tx_m", h_tx_m), ("h_rx_m", h_rx_m), ("freq_mhz", freq_mhz)):
        if not (isinstance(value, (int, float, np.number)) and math.isfinite(value) and value > 0):
            problems.append(f"{name} = {value!r} must be a positive number")
    if problems:
        raise ModelInputError(f"{what}: " + "; ".join(problems))
    lam = SPEED_OF_LIGHT_M_S / (float(freq_mhz) * 1e6)
    return d, z, float(z[0] + h_tx_m), float(z[-1] + h_rx_m), lam, effective_earth_radius_m(k_factor)


def deygout_db(distances_m, heights_m, *, h_tx_m: float, h_rx_m: float, freq_mhz: float,
               k_factor: float = 4.0 / 3.0, max_edges: int = 3, correction: bool = False) -> float:
    """Deygout multiple knife-edge loss with up to ``max_edges`` (1-3) edges, dB.

    The principal edge (largest v over the path) and, each side of it, the
    largest-v secondary edge (``max_edges=2`` keeps the larger of the two). Every
    profile point is a candidate knife edge. ``correction=True`` applies the
    empirical form of ITU-R P.526-8..12 section 4.5.1,
    ``J(vp) + T (J(vt) + J(vr) + C)`` with ``T = 1 - exp(-J(vp)/6)`` and
    ``C = 10 + 0.04 D_km``; the default is the plain construction
    ``J(vp) + J(vt) + J(vr)``, which gives exactly J(v) for a single ridge.
    """
    if max_edges not in (1, 2, 3):
        raise ModelInputError(f"max_edges must be 1, 2 or 3, got {max_edges!r}")
    d, z, hts, hrs, lam, ae = _path(distances_m, heights_m, h_tx_m, h_rx_m, freq_mhz, k_factor, "Deygout")
    return float(kern.deygout(d, z, hts, hrs, lam, ae, int(max_edges), bool(correction)))


def bullington_db(distances_m, heights_m, *, h_tx_m: float, h_rx_m: float, freq_mhz: float,
                  k_factor: float = 4.0 / 3.0) -> float:
    """Bullington diffraction loss over a profile (ITU-R P.526-15 4.5.1), dB.

    One equivalent knife edge where the terminals' horizon rays cross (or, on a
    line-of-sight path, the point of largest v), ``L_uc = J(v)``, then
    ``L = L_uc + (1 - exp(-L_uc/6)) (10 + 0.02 D_km)``. Zero on a clear path.
    """
    d, z, hts, hrs, lam, ae = _path(distances_m, heights_m, h_tx_m, h_rx_m, freq_mhz, k_factor, "Bullington")
    return float(kern.bullington(d, z, hts, hrs, lam, ae))


def _ground(polarization, epsilon, sigma):
    if polarization not in ("horizontal", "vertical"):
        raise ModelInputError(f"polarization must be 'horizontal' or 'vertical', got {polarization!r}")
    if not (epsilon >= 1.0 and sigma > 0.0):
        raise ModelInputError(f"need epsilon >= 1 and sigma > 0, got {epsilon!r}, {sigma!r}")
    return float(epsilon), float(sigma), polarization == "vertical"


def spherical_earth_db(distance_m: float, h_tx_m: float, h_rx_m: float, freq_mhz: float, *,
                       k_factor: float = 4.0 / 3.0, polarization: Polarization = "vertical", epsilon: float = 22.0,
                       sigma: float = 0.003) -> float:
    """Diffraction loss over a smooth spherical earth (ITU-R P.526-15 3.2, P.452-17 4.2.2), dB.

    ``h_tx_m`` / ``h_rx_m`` are heights above the smooth surface. Ground defaults are
    P.452's land values (epsilon 22, sigma 0.003 S/m). Zero when the path clears the
    earth by 0.6 of the first Fresnel zone.
    """
    eps, sig, vertical = _ground(polarization, epsilon, sigma)
    for name, value in (("distance_m", distance_m), ("h_tx_m", h_tx_m), ("h_rx_m", h_rx_m), ("freq_mhz", freq_mhz)):
        if not (isinstance(value, (int, float, np.number)) and math.isfinite(value) and value > 0):
            raise ModelInputError(f"spherical earth: {name} = {value!r} must be a positive number")
    lam = SPEED_OF_LIGHT_M_S / (float(freq_mhz) * 1e6)
    return float(kern.spherical_earth(float(distance_m), float(h_tx_m), float(h_rx_m),
                                      effective_earth_radius_m(k_factor), lam, eps, sig, vertical))


def delta_bullington_db(distances_m, heights_m, *, h_tx_m: float, h_rx_m: float, freq_mhz: float,
                        k_factor: float = 4.0 / 3.0, polarization: Polarization = "vertical",
                        epsilon: float = 22.0, sigma: float = 0.003) -> float:
    """Delta-Bullington loss: the complete method of ITU-R P.526-15 4.5.2 (P.452-17 4.2.3), dB.

    ``L = L_bull(profile) + max(L_sph - L_bull(smooth profile), 0)``: Bullington over
    the real profile, corrected by the difference between the spherical-earth loss
    and Bullington over the least-squares smooth surface, so that a smooth path
    gives the spherical-earth loss.
    """
    eps, sig, vertical = _ground(polarization, epsilon, sigma)
    d, z, hts, hrs, lam, ae = _path(distances_m, heights_m, h_tx_m, h_rx_m, freq_mhz, k_factor, "delta-Bullington")
    return float(kern.delta_bullington(d, z, hts, hrs, lam, ae, eps, sig, vertical, np.zeros_like(d)))


#: method name -> function (all take the same keyword options they accept)
DIFFRACTION_METHODS: dict[str, Callable[..., float]] = {
    "deygout": deygout_db,
    "bullington": bullington_db,
    "delta_bullington": delta_bullington_db,
}


def terrain_diffraction_db(distances_m, heights_m, *, h_tx_m: float, h_rx_m: float, freq_mhz: float,
                           method: Method = "delta_bullington", k_factor: float = 4.0 / 3.0, **options) -> float:
    """Excess diffraction loss of a terrain profile by ``method`` (see :data:`DIFFRACTION_METHODS`), dB.

    ``options`` go to the method (``max_edges`` / ``correction`` for Deygout;
    ``polarization`` / ``epsilon`` / ``sigma`` for delta-Bullington).
    """
    try:
        fn = DIFFRACTION_METHODS[method]
    except KeyError:
        raise ModelInputError(f"method must be one of {sorted(DIFFRACTION_METHODS)}, got {method!r}") from None
    return fn(distances_m, heights_m, h_tx_m=h_tx_m, h_rx_m=h_rx_m, freq_mhz=freq_mhz, k_factor=k_factor, **options)
