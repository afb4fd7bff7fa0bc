"""Link budget: from EIRP, antenna pattern and path loss to the received level a phone reports.

Received power over the whole carrier::

    P_rx = EIRP + A(φ, θ) - L_path + G_rx - L_body - L_indoor - M_shadow       [dBm]

where EIRP already contains the antenna's maximum gain and ``A`` is the
pattern's relative gain (<= 0, :mod:`towerplan.coverage.antenna`).

The level each technology reports is a share of that power:

* 4G RSRP and 5G SS-RSRP: power per resource element, ``P_rx - 10 log10(12 N_RB)``
  (N_RB from 3GPP TS 36.101 Table 5.6-1 and TS 38.101-1 Table 5.3.2-1), assuming
  the reference signals carry the average power per subcarrier;
* 3G RSCP: the CPICH share of the carrier power (10 % = -10 dB by default);
* 2G RxLev: the BCCH carrier at full power (0 dB).

Shadowing margin for a location probability ``p`` with log-normal ``σ``:
``M = σ Φ⁻¹(p)`` (e.g. 95 %, 8 dB: 13.2 dB); ``p = 0.5`` means no margin.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

import numpy as np

from towerplan.errors import InputError

__all__ = [
    "LinkBudget",
    "TechnologyParams",
    "TECHNOLOGIES",
    "Technology",
    "resource_blocks",
    "received_power_dbm",
    "reported_level_dbm",
]

Technology = Literal["2G", "3G", "4G", "5G"]

#: LTE channel bandwidth (MHz) -> N_RB (3GPP TS 36.101 Table 5.6-1)
_LTE_NRB = {1.4: 6, 3.0: 15, 5.0: 25, 10.0: 50, 15.0: 75, 20.0: 100}
#: NR FR1 (SCS kHz, bandwidth MHz) -> N_RB (3GPP TS 38.101-1 Table 5.3.2-1)
_NR_NRB = {
    15: {5: 25, 10: 52, 15: 79, 20: 106, 25: 133, 30: 160, 40: 216, 50: 270},
    30: {5: 11, 10: 24, 15: 38, 20: 51, 25: 65, 30: 78, 40: 106, 50: 133, 60: 162, 70: 189, 80: 217,
         90: 245, 100: 273},
    60: {10: 11, 15: 18, 20: 24, 25: 31, 30: 38, 40: 51, 50: 65, 60: 79, 70: 93, 80: 107, 90: 121, 100: 135},
}


def resource_blocks(technology: Technology, bandwidth_mhz: float, subcarrier_spacing_khz: int = 15) -> int:
    """Number of resource blocks of an LTE or NR carrier (3GPP tables)."""
    if technology == "4G":
        nrb = _LTE_NRB.get(float(bandwidth_mhz))
    elif technology == "5G":
        nrb = _NR_NRB.get(int(subcarrier_spacing_khz), {}).get(int(bandwidth_mhz)) if bandwidth_mhz == int(
            bandwidth_mhz) else None
    else:
        raise InputError(f"resource blocks are defined for 4G and 5G, not {technology}")
    if nrb is None:
        raise InputError(
            f"no {technology} carrier of {bandwidth_mhz} MHz at {subcarrier_spacing_khz} kHz in the 3GPP tables"
        )
    return nrb


@dataclass(frozen=True)
class TechnologyParams:
    """What a technology's reported level measures.

    Parameters
    ----------
    bandwidth_mhz
        Carrier bandwidth (4G/5G).
    subcarrier_spacing_khz
        5G numerology (15, 30 or 60 kHz); 15 for 4G.
    pilot_share_db
        2G/3G: share of the carrier power in the measured channel (3G CPICH: -10 dB).
    """

    technology: Technology
    bandwidth_mhz: float = 20.0
    subcarrier_spacing_khz: int = 15
    pilot_share_db: float = 0.0

    def __post_init__(self) -> None:
        if self.technology not in ("2G", "3G", "4G", "5G"):
            raise InputError(f"unknown technology {self.technology!r}")
        if self.technology in ("4G", "5G"):
            resource_blocks(self.technology, self.bandwidth_mhz, self.subcarrier_spacing_khz)
        if self.pilot_share_db > 0:
            raise InputError("pilot_share_db is a share of the carrier power: <= 0 dB")

    @property
    def level_offset_db(self) -> float:
        """dB from the total received carrier power to the reported level (<= 0)."""
        if self.technology in ("4G", "5G"):
            n_re = 12 * resource_blocks(self.technology, self.bandwidth_mhz, self.subcarrier_spacing_khz)
            return -10.0 * math.log10(n_re)
        return self.pilot_share_db

    @property
    def level_name(self) -> str:
        return {"2G": "RxLev", "3G": "RSCP", "4G": "RSRP", "5G": "SS-RSRP"}[self.technology]


#: defaults: 2G BCCH at full power; 3G CPICH 10 %; LTE 20 MHz (Band 3 as deployed in Vietnam);
#: NR n78 100 MHz at 30 kHz
TECHNOLOGIES: dict[str, TechnologyParams] = {
    "2G": TechnologyParams("2G", bandwidth_mhz=0.2, pilot_share_db=0.0),
    "3G": TechnologyParams("3G", bandwidth_mhz=5.0, pilot_share_db=-10.0),
    "4G": TechnologyParams("4G", bandwidth_mhz=20.0, subcarrier_spacing_khz=15),
    "5G": TechnologyParams("5G", bandwidth_mhz=100.0, subcarrier_spacing_khz=30),
}


@dataclass(frozen=True)
class LinkBudget:
    """Receiver side and margins, in dB unless named otherwise.

    Parameters
    ----------
    rx_height_m
        Receiver antenna height above ground (a handset: 1.5 m).
    rx_gain_dbi
        Receiver antenna gain.
    body_loss_db
        Loss from the user's body/head.
    indoor_loss_db
        Building penetration (0 outdoors; ~10–20 dB deep indoor at 1.8 GHz).
    shadowing_sigma_db
        Log-normal shadow-fading standard deviation.
    location_probability
        Wanted probability of coverage at a location (0.5 = median, no margin).
    """

    rx_height_m: float = 1.5
    rx_gain_dbi: float = 0.0
    body_loss_db: float = 0.0
    indoor_loss_db: float = 0.0
    shadowing_sigma_db: float = 8.0
    location_probability: float = 0.5

    def __post_init__(self) -> None:
        if not (0.0 < self.rx_height_m <= 100.0):
            raise InputError(f"rx_height_m must be in (0, 100] m, got {self.rx_height_m}")
        if not (0.0 < self.location_probability < 1.0):
            raise InputError(f"location_probability must be in (0, 1), got {self.location_probability}")
        for name in ("body_loss_db", "indoor_loss_db", "shadowing_sigma_db"):
            if not getattr(self, name) >= 0:
                raise InputError(f"{name} must be >= 0 dB, got {getattr(self, name)}")

    @property
    def shadowing_margin_db(self) -> float:
        """σ Φ⁻¹(p): 0 at p = 0.5, 13.16 dB at 95 % with σ = 8 dB."""
        return self.shadowing_sigma_db * NormalDist().inv_cdf(self.location_probability)

    @property
    def total_margin_db(self) -> float:
        """Everything subtracted besides path loss and antenna pattern (gains counted negative)."""
        return self.body_loss_db + self.indoor_loss_db + self.shadowing_margin_db - self.rx_gain_dbi


def received_power_dbm(eirp_dbm, pattern_gain_db, path_loss_db, *, budget: LinkBudget = LinkBudget()):
    """Total carrier power at the receiver, dBm (arrays broadcast)."""
    return (np.asarray(eirp_dbm, dtype=float) + np.asarray(pattern_gain_db, dtype=float)
            - np.asarray(path_loss_db, dtype=float) - budget.total_margin_db)


def reported_level_dbm(
    eirp_dbm, pattern_gain_db, path_loss_db, *, technology: TechnologyParams, budget: LinkBudget = LinkBudget()
):
    """The level the phone reports (RSRP, RSCP or RxLev), dBm."""
    return received_power_dbm(eirp_dbm, pattern_gain_db, path_loss_db, budget=budget) + technology.level_offset_db
