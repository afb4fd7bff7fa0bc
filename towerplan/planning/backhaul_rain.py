"""How long a microwave hop may be, per band and rain climate: ITU-R P.838-3 and P.530-18 §2.4.1.

At 99.99 % availability (``p = 0.01 %`` of an average year) the rain fade of a hop must stay
within its flat fade margin. The longest hop of a band is where the two meet::

    margin(d) = P_tx + 2 G(D, f) - FSPL(d, f) - γ_gas d - L_fixed - P_rx,threshold
    rain(d)   = A_p(d)   (P.530-18 §2.4.1)
    max hop   = largest d with margin(d) >= rain(d)                    (bisection)

* FSPL = 92.45 + 20 log10(f GHz) + 20 log10(d km) dB (ITU-R P.525);
* antenna gain of a parabolic dish ``G = 10 log10(η (π D f / c)^2)`` dBi (η = 0.55 aperture efficiency);
* rain: ``γ_R = k R^α`` dB/km with k, α from ITU-R P.838-3 (its regression of Tables 1-4:
  ``log10 k = Σ a_j exp(-((log10 f - b_j)/c_j)^2) + m_k log10 f + c_k``, α likewise, and the
  polarisation combination of its eqs. 4-5 for a horizontal path); effective path length
  ``d r`` with ``r = 1 / (0.477 d^0.633 R^(0.073 α) f^0.123 - 10.579 (1 - exp(-0.024 d)))`` (at most
  2.5); ``A_0.01 = γ_R d r``; for other ``p`` (0.001-1 %) ``A_p = A_0.01 C1 p^-(C2 + C3 log10 p)``
  with ``C0 = 0.12 + 0.4 log10((f/10)^0.8)`` (f >= 10 GHz, else 0.12), ``C1 = 0.07^C0 0.12^(1-C0)``,
  ``C2 = 0.855 C0 + 0.546 (1 - C0)``, ``C3 = 0.139 C0 + 0.043 (1 - C0)`` (P.530-18 eqs. 32-35);
* R0.01, the rain rate exceeded 0.01 % of an average year (1-minute integration), from ITU-R
  P.837-7's map: about 100-120 mm/h over north-central Viet Nam (Thanh Hóa); 110 mm/h is the default;
* gaseous attenuation: :data:`GAS_DB_PER_KM`, approximate sea-level values for a humid atmosphere
  (about 20 g/m³ of water vapour) read from ITU-R P.676 (small beside rain at 99.99 %).

The default radio (:class:`MicrowaveLink`) is a typical split-mount link in a 28 MHz channel: 20 dBm
out, a receiver threshold of -76 dBm for BER 1e-6 (thermal noise -174 + 10 log10(28e6) = -99.5 dBm,
6 dB noise figure, about 17 dB signal-to-noise ratio for 16-QAM), 0.6 m dishes, 3 dB of fixed losses
(branching, feeders, radomes). Multipath fading (P.530 §2.3) is not in the limit: it sets the
worst-month performance of long low-band hops, not the rain availability.

:func:`hop_limits` tabulates the limit per band (``bench/README.md`` prints it for Thanh Hóa).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from towerplan.errors import ConfigError
from towerplan.planning.backhaul_p530 import SPEED_OF_LIGHT_M_S, ClearanceRule

__all__ = [
    "BANDS_GHZ", "GAS_DB_PER_KM", "MicrowaveLink", "antenna_gain_dbi", "fade_margin_db", "hop_limits",
    "max_hop_km", "rain_attenuation_db", "rain_coefficients", "specific_rain_attenuation_db_per_km",
]

Polarisation = Literal["vertical", "horizontal"]
#: microwave bands used for mobile backhaul in Viet Nam and elsewhere (GHz)
BANDS_GHZ: tuple[float, ...] = (7.0, 8.0, 11.0, 13.0, 15.0, 18.0, 23.0, 26.0, 32.0, 38.0)
#: approximate gaseous attenuation (dB/km) at sea level, humid tropical air (~20 g/m³), after ITU-R P.676
GAS_DB_PER_KM: tuple[tuple[float, ...], tuple[float, ...]] = (
    (2.0, 7.0, 11.0, 15.0, 18.0, 22.2, 26.0, 32.0, 38.0, 50.0),
    (0.008, 0.012, 0.02, 0.05, 0.12, 0.45, 0.28, 0.22, 0.27, 0.6),
)

# ITU-R P.838-3 regression coefficients (a_j, b_j, c_j) and (m, c) for k_H, k_V, α_H, α_V
_P838 = {
    "kH": ((-5.33980, -0.35351, -0.23789, -0.94158), (-0.10008, 1.26970, 0.86036, 0.64552),
           (1.13098, 0.45400, 0.15354, 0.16817), -0.18961, 0.71147),
    "kV": ((-3.80595, -3.44965, -0.39902, 0.50167), (0.56934, -0.22911, 0.73042, 1.07319),
           (0.81061, 0.51059, 0.11899, 0.27195), -0.16398, 0.63297),
    "aH": ((-0.14318, 0.29591, 0.32177, -5.37610, 16.1721), (1.82442, 0.77564, 0.63773, -0.96230, -3.29980),
           (-0.55187, 0.19822, 0.13164, 1.47828, 3.43990), 0.67849, -1.95537),
    "aV": ((-0.07771, 0.56727, -0.20238, -48.2991, 48.5833), (2.33840, 0.95545, 1.14520, 0.791669, 0.791459),
           (-0.76284, 0.54039, 0.26809, 0.116226, 0.116479), -0.053739, 0.83433),
}


def _p838_fit(name: str, log_f: float) -> float:
    a, b, c, m, cc = _P838[name]
    return sum(aj * math.exp(-(((log_f - bj) / cj) ** 2)) for aj, bj, cj in zip(a, b, c, strict=True)) + m * log_f + cc


def rain_coefficients(freq_ghz: float, polarisation: Polarisation = "vertical") -> tuple[float, float]:
    """``(k, α)`` of ITU-R P.838-3 for a horizontal path (valid 1-1000 GHz).

    Vertical: ``k_V``, ``α_V``; horizontal: ``k_H``, ``α_H`` (eqs. 4-5 with elevation 0 and tilt 90° or
    0°). 15 GHz: k_H = 0.04481, α_H = 1.1233, k_V = 0.05008, α_V = 1.0440 (P.838-3 Table 5).
    """
    if not (1.0 <= freq_ghz <= 1000.0):
        raise ConfigError(f"P.838-3 covers 1-1000 GHz, got {freq_ghz!r}")
    lf = math.log10(freq_ghz)
    if polarisation == "vertical":
        return 10.0 ** _p838_fit("kV", lf), _p838_fit("aV", lf)
    if polarisation == "horizontal":
        return 10.0 ** _p838_fit("kH", lf), _p838_fit("aH", lf)
    raise ConfigError(f"polarisation must be 'vertical' or 'horizontal', got {polarisation!r}")


def specific_rain_attenuation_db_per_km(rain_mm_h: float, freq_ghz: float,
                                        polarisation: Polarisation = "vertical") -> float:
    """``γ_R = k R^α`` (dB/km), ITU-R P.838-3 eq. 1."""
    k, alpha = rain_coefficients(freq_ghz, polarisation)
    return k * float(rain_mm_h) ** alpha


def rain_attenuation_db(path_km, freq_ghz: float, rain_001_mm_h: float, *, p_percent: float = 0.01,
                        polarisation: Polarisation = "vertical") -> np.ndarray:
    """Rain attenuation (dB) exceeded for ``p_percent`` of an average year on a hop (P.530-18 §2.4.1)."""
    if not (0.001 <= p_percent <= 1.0):
        raise ConfigError(f"P.530 §2.4.1 covers 0.001-1 % of the time, got {p_percent!r}")
    d = np.asarray(path_km, dtype=float)
    k, alpha = rain_coefficients(freq_ghz, polarisation)
    gamma = k * rain_001_mm_h ** alpha
    with np.errstate(divide="ignore"):
        r = 1.0 / (0.477 * d ** 0.633 * rain_001_mm_h ** (0.073 * alpha) * freq_ghz ** 0.123
                   - 10.579 * (1.0 - np.exp(-0.024 * d)))
    r = np.where((r > 2.5) | (r <= 0), 2.5, r)
    a001 = gamma * d * r
    c0 = 0.12 + 0.4 * math.log10((freq_ghz / 10.0) ** 0.8) if freq_ghz >= 10.0 else 0.12
    c1 = 0.07 ** c0 * 0.12 ** (1.0 - c0)
    c2 = 0.855 * c0 + 0.546 * (1.0 - c0)
    c3 = 0.139 * c0 + 0.043 * (1.0 - c0)
    return a001 * c1 * p_percent ** (-(c2 + c3 * math.log10(p_percent)))


def antenna_gain_dbi(diameter_m: float, freq_ghz: float, efficiency: float = 0.55) -> float:
    """Gain of a parabolic dish (dBi): ``10 log10(η (π D / λ)^2)``; 0.6 m at 15 GHz, η 0.55: 36.9 dBi."""
    lam = SPEED_OF_LIGHT_M_S / (freq_ghz * 1e9)
    return 10.0 * math.log10(efficiency * (math.pi * diameter_m / lam) ** 2)


@dataclass(frozen=True)
class MicrowaveLink:
    """A microwave backhaul hop: path-clearance rule, radio and rain climate (module docstring).

    Parameters
    ----------
    rain_rate_mm_h
        R0.01 of the region (ITU-R P.837 map; Thanh Hóa about 100-120 mm/h).
    availability_pct
        Yearly availability the hop must reach against rain (99.99 % = 0.01 % outage).
    polarisation
        ``vertical`` (less rain fade, the usual choice for long hops) or ``horizontal``.
    tx_power_dbm, rx_threshold_dbm
        Transmitter output and receiver threshold (BER 1e-6) of the radio.
    antenna_diameter_m, antenna_efficiency
        Dishes at both ends.
    fixed_losses_db
        Branching, feeder and radome losses of both ends together.
    max_hop_km_override
        A hop limit of the planner's own (km), instead of the one computed here.
    clearance
        The P.530 path-clearance rule (:class:`~towerplan.planning.backhaul_p530.ClearanceRule`).
    """

    rain_rate_mm_h: float = 110.0
    availability_pct: float = 99.99
    polarisation: Polarisation = "vertical"
    tx_power_dbm: float = 20.0
    rx_threshold_dbm: float = -76.0
    antenna_diameter_m: float = 0.6
    antenna_efficiency: float = 0.55
    fixed_losses_db: float = 3.0
    max_hop_km_override: float | None = None
    clearance: ClearanceRule = field(default_factory=ClearanceRule)

    def __post_init__(self) -> None:
        problems = []
        checks = (("rain_rate_mm_h", 0.0, 300.0), ("availability_pct", 99.0, 99.999), ("tx_power_dbm", -10.0, 40.0),
                  ("rx_threshold_dbm", -110.0, -30.0), ("antenna_diameter_m", 0.1, 4.0),
                  ("antenna_efficiency", 0.2, 0.9), ("fixed_losses_db", 0.0, 20.0))
        for name, lo, hi in checks:
            v = getattr(self, name)
            if isinstance(v, bool) or not (isinstance(v, (int, float)) and math.isfinite(v) and lo <= v <= hi):
                problems.append(f"{name} must be within {lo:g}-{hi:g}, got {v!r}")
        if self.polarisation not in ("vertical", "horizontal"):
            problems.append(f"polarisation must be 'vertical' or 'horizontal', got {self.polarisation!r}")
        o = self.max_hop_km_override
        if o is not None and not (isinstance(o, (int, float)) and math.isfinite(o) and 0 < o <= 200):
            problems.append(f"max_hop_km_override must be within 0-200 km, got {o!r}")
        if not isinstance(self.clearance, ClearanceRule):
            problems.append("clearance must be a ClearanceRule")
        if problems:
            raise ConfigError("microwave link settings: " + "; ".join(problems))

    @property
    def outage_pct(self) -> float:
        """Share of the year (%) the hop may be down for rain."""
        return round(100.0 - self.availability_pct, 6)


def _gas_db_per_km(freq_ghz: float) -> float:
    f, g = GAS_DB_PER_KM
    return float(np.interp(freq_ghz, f, g))


def fade_margin_db(path_km, freq_ghz: float, link: MicrowaveLink | None = None) -> np.ndarray:
    """Flat fade margin (dB) of a hop: received level in clear air above the receiver threshold."""
    link = link if link is not None else MicrowaveLink()
    d = np.asarray(path_km, dtype=float)
    gain = antenna_gain_dbi(link.antenna_diameter_m, freq_ghz, link.antenna_efficiency)
    fspl = 92.45 + 20.0 * math.log10(freq_ghz) + 20.0 * np.log10(d)
    rx = link.tx_power_dbm + 2 * gain - fspl - _gas_db_per_km(freq_ghz) * d - link.fixed_losses_db
    return rx - link.rx_threshold_dbm


def max_hop_km(freq_ghz: float, link: MicrowaveLink | None = None, *, upper_km: float = 200.0) -> float:
    """Longest hop (km) whose fade margin covers the rain fade at the link's availability (bisection, 10 m)."""
    link = link if link is not None else MicrowaveLink()
    if link.max_hop_km_override is not None:
        return float(link.max_hop_km_override)

    def spare(d: float) -> float:
        rain = rain_attenuation_db(d, freq_ghz, link.rain_rate_mm_h, p_percent=link.outage_pct,
                                   polarisation=link.polarisation) if link.rain_rate_mm_h > 0 else 0.0
        return float(fade_margin_db(d, freq_ghz, link) - rain)

    lo, hi = 0.05, float(upper_km)
    if spare(lo) < 0:
        return 0.0
    if spare(hi) >= 0:
        return hi
    while hi - lo > 0.01:
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if spare(mid) >= 0 else (lo, mid)
    return math.floor(lo * 100.0) / 100.0  # down to 10 m: still within the margin (spare falls with d)


def hop_limits(link: MicrowaveLink | None = None, bands_ghz: tuple[float, ...] = BANDS_GHZ) -> pd.DataFrame:
    """Per band: γ_R at R0.01 (dB/km), dish gain (dBi) and the longest hop (km) for ``link``'s climate."""
    link = link if link is not None else MicrowaveLink()
    rows = []
    for f in bands_ghz:
        hop = max_hop_km(f, link)
        rows.append({"band_ghz": f,
                     "gamma_r_db_per_km": specific_rain_attenuation_db_per_km(link.rain_rate_mm_h, f,
                                                                              link.polarisation),
                     "antenna_gain_dbi": antenna_gain_dbi(link.antenna_diameter_m, f, link.antenna_efficiency),
                     "max_hop_km": hop,
                     "rain_fade_db": float(rain_attenuation_db(hop, f, link.rain_rate_mm_h, p_percent=link.outage_pct,
                                                               polarisation=link.polarisation)) if hop > 0 else 0.0})
    return pd.DataFrame(rows)
