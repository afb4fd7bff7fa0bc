"""Microwave path clearance as ITU-R P.530-18 §2.2.2.1 plans it: the median k and the low-k check.

A hop in radio line of sight must satisfy **both** (P.530-18 §2.2.2.1, "planning criteria
for path clearance", frequencies above about 2 GHz, single antennas):

1. **Median k**: the full first Fresnel zone clear (``median_clearance = 1.0`` F1) over the
   terrain raised by the earth bulge at the median effective earth radius factor (k = 4/3
   by default, or ``157 / (157 + ΔN)`` from the climate's median refractivity gradient ΔN
   of the lowest kilometre, ITU-R P.453 / P.530 §2.2.2);
2. **Low k**: clearance of ``low_k_clearance`` F1 at ``k_e``, the effective earth radius factor
   exceeded for about 99.9 % of the worst month, which depends on the path length (P.530-18
   Figure 2, :data:`KE_999_CURVE`): 0.0 F1 (grazing) in a temperate climate over a single
   isolated obstruction, 0.3 F1 in a temperate climate over an obstruction extended along
   part of the path, 0.6 F1 in a tropical climate (the Recommendation gives it for paths over
   about 30 km and no separate value below; towerplan keeps 0.6 F1 on shorter tropical paths,
   the conservative reading; set ``low_k_clearance`` to choose otherwise).

The clearance at a point ``d1`` from one end of a hop of length ``d`` is
``(ray height - (terrain + clutter + earth bulge)) / F1`` with the bulge ``d1 d2 / (2 k R)``
(R = 6371 km; P.452 eq. 13) and ``F1 = sqrt(λ d1 d2 / d)`` (ITU-R P.526-15; P.530 eq. 2:
``17.3 sqrt(d1 d2 / (f d))`` m with d in km and f in GHz). The hop passes when the smallest
clearance along the path meets each rule. Diversity antennas (P.530's second set of steps)
are not modelled: the rules are those of a single (main) antenna.

Vietnam lies in the tropical climate of P.530's planning steps; ``climate="tropical"`` and an
``extended`` obstruction (hills and tree cover along the path) are the defaults.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from towerplan.coverage.profile import earth_bulge_m, profile
from towerplan.errors import ConfigError
from towerplan.grid import Grid

__all__ = [
    "CLIMATES", "KE_999_CURVE", "KE_999_FIG3", "LOW_K_CLEARANCE", "OBSTRUCTIONS", "SPEED_OF_LIGHT_M_S", "ClearanceRule",
    "HopClearance", "fresnel_radius_m", "hop_clearance", "k_factor_from_gradient", "low_k_factor",
    "microwave_clearance",
]

SPEED_OF_LIGHT_M_S = 299_792_458.0
Climate = Literal["tropical", "temperate"]
Obstruction = Literal["extended", "isolated"]
CLIMATES: tuple[str, ...] = ("tropical", "temperate")
OBSTRUCTIONS: tuple[str, ...] = ("extended", "isolated")
#: clearance at the low k (F1 units) by (climate, obstruction), P.530-18 §2.2.2.1 step 3 (single antennas)
LOW_K_CLEARANCE: dict[tuple[str, str], float] = {
    ("temperate", "isolated"): 0.0, ("temperate", "extended"): 0.3,
    ("tropical", "isolated"): 0.6, ("tropical", "extended"): 0.6,
}
#: k_e exceeded for about 99.9 % of the worst month against path length (km): the curve of ITU-R
#: P.530-18 (09/2021) §2.2.2.1, Figure 2, "Value of k_e exceeded for approximately 99.9 % of the worst
#: month (continental temperate climate)". The Recommendation gives this curve only as a figure: no
#: equation or table for it in P.530 (editions -16 to -18) nor in P.453 (which tabulates the refractivity
#: gradient statistics, not k_e against path length); searched for this work in vain. The nine points are
#: read by hand from that figure at 10, 20, 30, 40, 50, 70, 100, 150 and 200 km (k_e read to about
#: ±0.03); :func:`low_k_factor` interpolates linearly in log(distance) and holds the end values outside
#: 10-200 km (the figure's range). P.530 uses the curve for tropical paths too, lacking a tropical one.
#: (The constant keeps the name it had when the figure was cited as "Fig. 3": in P.530-18 Figure 3 is the
#: fade-depth distribution of §2.3.2, as CRC's crc-covlib P.530-18 helper, ``itur_p530.FIGURE_3``, draws it.)
KE_999_FIG3: tuple[tuple[float, ...], tuple[float, ...]] = (
    (10.0, 20.0, 30.0, 40.0, 50.0, 70.0, 100.0, 150.0, 200.0),
    (0.53, 0.60, 0.65, 0.69, 0.72, 0.77, 0.83, 0.89, 0.92),
)
#: the same points under the figure's own number
KE_999_CURVE = KE_999_FIG3


def fresnel_radius_m(d1_m, d2_m, freq_ghz: float) -> np.ndarray:
    """Radius of the first Fresnel zone (m) at distances ``d1_m`` and ``d2_m`` from the two ends.

    ``F1 = sqrt(λ d1 d2 / (d1 + d2))`` with ``λ = c / f`` (ITU-R P.526-15, Fresnel ellipsoids:
    ``R1 = 550 sqrt(d1 d2 / ((d1 + d2) f))``, d in km, f in MHz; 550 rounds sqrt(c) = 547.5).
    About 7.1 m mid-path of a 10 km hop at 15 GHz.
    """
    d1 = np.asarray(d1_m, dtype=float)
    d2 = np.asarray(d2_m, dtype=float)
    lam = SPEED_OF_LIGHT_M_S / (float(freq_ghz) * 1e9)
    total = d1 + d2
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, np.sqrt(lam * d1 * d2 / np.where(total > 0, total, 1.0)), 0.0)


def k_factor_from_gradient(dn_per_km: float) -> float:
    """Median effective earth radius factor from the refractivity gradient of the lowest km (N-units/km).

    ``k = 157 / (157 + ΔN)`` (ITU-R P.530 §2.2.2, P.453): ΔN = -40 N/km (the standard atmosphere) gives
    1.34, the usual 4/3.
    """
    if not (math.isfinite(dn_per_km) and dn_per_km > -157.0):
        raise ConfigError(f"the refractivity gradient must be > -157 N-units/km (ducting below), got {dn_per_km!r}")
    return 157.0 / (157.0 + float(dn_per_km))


def low_k_factor(path_km: float | np.ndarray) -> np.ndarray:
    """``k_e`` exceeded for about 99.9 % of the worst month for a path of ``path_km`` (P.530-18 Figure 2,
    :data:`KE_999_CURVE`; interpolated on the logarithm of the distance, the end values held outside
    10-200 km): non-decreasing in the path length, between 0.53 and 0.92."""
    d, k = (np.asarray(v, dtype=float) for v in KE_999_FIG3)
    x = np.log(np.clip(np.asarray(path_km, dtype=float), d[0], d[-1]))
    return np.interp(x, np.log(d), k)


@dataclass(frozen=True)
class ClearanceRule:
    """The P.530 path-clearance rule of a microwave hop (module docstring).

    Parameters
    ----------
    climate
        ``tropical`` (Viet Nam) or ``temperate``.
    obstruction
        ``extended`` (terrain or trees along a portion of the path) or ``isolated`` (one obstacle).
    median_k
        Median effective earth radius factor (4/3; :func:`k_factor_from_gradient` from the climate's ΔN).
    median_clearance
        First Fresnel zone fraction to clear at the median k (1.0 in P.530).
    low_k
        Effective earth radius factor of the low-k check; None: P.530-18 Figure 2 for the path length.
    low_k_clearance
        Fresnel fraction to clear at the low k; None: :data:`LOW_K_CLEARANCE` for the climate and obstruction.
    clutter_m
        Height added to the terrain between the ends (trees, buildings; 0 = bare DEM).
    """

    climate: Climate = "tropical"
    obstruction: Obstruction = "extended"
    median_k: float = 4.0 / 3.0
    median_clearance: float = 1.0
    low_k: float | None = None
    low_k_clearance: float | None = None
    clutter_m: float = 0.0

    def __post_init__(self) -> None:
        problems = []
        if self.climate not in CLIMATES:
            problems.append(f"climate must be one of {', '.join(CLIMATES)}, got {self.climate!r}")
        if self.obstruction not in OBSTRUCTIONS:
            problems.append(f"obstruction must be one of {', '.join(OBSTRUCTIONS)}, got {self.obstruction!r}")
        for name, lo, hi in (("median_k", 0.3, 10.0), ("median_clearance", 0.0, 2.0), ("clutter_m", 0.0, 100.0)):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and lo <= v <= hi):
                problems.append(f"{name} must be within {lo:g}-{hi:g}, got {v!r}")
        if self.low_k is not None and not (math.isfinite(self.low_k) and 0.2 <= self.low_k <= 10.0):
            problems.append(f"low_k must be within 0.2-10, got {self.low_k!r}")
        if self.low_k_clearance is not None and not (math.isfinite(self.low_k_clearance)
                                                     and 0.0 <= self.low_k_clearance <= 2.0):
            problems.append(f"low_k_clearance must be within 0-2 F1, got {self.low_k_clearance!r}")
        if problems:
            raise ConfigError("microwave clearance rule: " + "; ".join(problems))

    @property
    def low_fraction(self) -> float:
        """Fresnel fraction required at the low k."""
        if self.low_k_clearance is not None:
            return float(self.low_k_clearance)
        return LOW_K_CLEARANCE[(self.climate, self.obstruction)]

    def low_k_for(self, path_km: float) -> float:
        """The low k of a path of ``path_km``."""
        return float(self.low_k) if self.low_k is not None else float(low_k_factor(path_km))

    def describe(self) -> str:
        """One line for reports: both rules with their numbers."""
        low = f"k = {self.low_k:g}" if self.low_k is not None else "k_e(99.9 %) of P.530 Fig. 2"
        return (f"ITU-R P.530-18 §2.2.2.1 ({self.climate}, {self.obstruction} obstruction): "
                f"{self.median_clearance:g} F1 clear at k = {self.median_k:.3g} and {self.low_fraction:g} F1 at "
                f"{low}" + (f"; {self.clutter_m:g} m of clutter on the terrain" if self.clutter_m else ""))


def microwave_clearance(
    dem: Grid,
    a_xy: tuple[float, float],
    b_xy: tuple[float, float],
    *,
    height_a_m: float,
    height_b_m: float,
    freq_ghz: float = 15.0,
    k_factor: float = 4.0 / 3.0,
    step_m: float | None = None,
    clutter_m: float = 0.0,
) -> float:
    """Smallest clearance of a hop over the terrain at one k, in units of the first Fresnel radius.

    ``min over interior samples of (ray height - (terrain + clutter + earth bulge)) / F1``, the
    profile sampled at the DEM resolution (bilinear; DEM nodata, e.g. sea, as 0 m). The scalar
    reference of what :func:`towerplan.planning.backhaul.microwave_links` computes in a kernel.

    Parameters
    ----------
    dem
        Terrain heights (m), projected metric CRS.
    a_xy, b_xy
        Ends of the hop in the DEM's CRS (m).
    height_a_m, height_b_m
        Antenna heights above the ground at each end (m).
    freq_ghz
        Link frequency (GHz).
    k_factor
        Effective earth radius factor.
    step_m
        Sample spacing (default: the DEM resolution).
    clutter_m
        Height added to the terrain between the ends (m).
    """
    step = float(step_m or min(dem.res))
    d, z = profile(dem, a_xy, b_xy, step)
    z = np.where(np.isfinite(z), z, 0.0)
    total = float(d[-1])
    za, zb = z[0] + height_a_m, z[-1] + height_b_m
    if len(d) <= 2:
        return float("inf")
    inner = slice(1, len(d) - 1)
    ray = za + (zb - za) * d[inner] / total
    ground = z[inner] + clutter_m + earth_bulge_m(d[inner], total, k_factor=k_factor)
    f1 = fresnel_radius_m(d[inner], total - d[inner], freq_ghz)
    return float(np.min((ray - ground) / f1))


@dataclass(frozen=True)
class HopClearance:
    """Both P.530 clearances of one hop (F1 units) and whether it passes."""

    path_km: float
    median_k: float
    median_f1: float
    low_k: float
    low_f1: float
    median_ok: bool
    low_ok: bool

    @property
    def ok(self) -> bool:
        """Both rules hold."""
        return self.median_ok and self.low_ok


def hop_clearance(
    dem: Grid,
    a_xy: tuple[float, float],
    b_xy: tuple[float, float],
    *,
    height_a_m: float,
    height_b_m: float,
    freq_ghz: float = 15.0,
    rule: ClearanceRule | None = None,
    step_m: float | None = None,
) -> HopClearance:
    """The P.530 check of one hop: the clearance at the median k and at the low k against ``rule``."""
    rule = rule if rule is not None else ClearanceRule()
    path_km = math.hypot(b_xy[0] - a_xy[0], b_xy[1] - a_xy[1]) / 1000.0
    common = {"height_a_m": height_a_m, "height_b_m": height_b_m, "freq_ghz": freq_ghz, "step_m": step_m,
              "clutter_m": rule.clutter_m}
    k_low = rule.low_k_for(path_km)
    med = microwave_clearance(dem, a_xy, b_xy, k_factor=rule.median_k, **common)  # type: ignore[arg-type]
    low = microwave_clearance(dem, a_xy, b_xy, k_factor=k_low, **common)  # type: ignore[arg-type]
    return HopClearance(path_km, rule.median_k, med, k_low, low, med >= rule.median_clearance - 1e-12,
                        low >= rule.low_fraction - 1e-12)
