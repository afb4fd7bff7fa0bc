"""Settings of the radio-quality layer: downlink SINR, throughput mapping, uplink.

Plain frozen dataclasses (no kernels, no engine import), so
:class:`~towerplan.coverage.config.CoverageConfig` can hold them and a scenario file
can override every field (``[coverage.radio]``, ``[coverage.radio.lte]``, ...).

Sources of the defaults
-----------------------
* Thermal noise density kT at 290 K: -174 dBm/Hz (ITU-R P.372, T0 = 290 K:
  10 log10(1.380649e-23 x 290 x 1000) = -173.98 dBm/Hz).
* UE noise figure 7 dB and base-station noise figure 5 dB: the values of the IMT-2020
  evaluation (ITU-R M.2412-0, Table 8, and 3GPP TR 38.802 / TR 38.901 system-level
  calibration). 3GPP TR 36.942 (LTE coexistence) uses 9 dB for the UE: pass
  ``ue_noise_figure_db=9`` to reproduce it.
* Downlink rate mapping, LTE: 3GPP TR 36.942 Annex A.2, the attenuated Shannon bound
  ``Thr = alpha log2(1 + SINR)`` bit/s/Hz with ``alpha = 0.6``, 0 below
  ``SINR_min = -10 dB`` and at most ``Thr_max = 4.4 bit/s/Hz`` (reached at 22 dB).
  Uplink: same annex, ``alpha = 0.4``, ``SINR_min = -10 dB``, ``Thr_max = 2.0 bit/s/Hz``.
* NR: the same attenuated Shannon form per spatial layer, with the ceiling of the
  approximate peak data rate of 3GPP TS 38.306 section 4.1.2 instead of a fixed
  spectral efficiency (:class:`NrPeakRate`).
* Handset power 23 dBm: power class 3 (TS 36.101 section 6.2.2, TS 38.101-1 section 6.2.1);
  26 dBm: NR power class 2, defined for TDD bands n41, n77, n78, n79 (TS 38.101-1
  Table 6.2.1-1).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from towerplan.errors import ConfigError

__all__ = ["RateModel", "NrPeakRate", "SinrSettings", "UplinkSettings", "RadioSettings",
           "LTE_DOWNLINK", "NR_DOWNLINK", "LTE_UPLINK", "DATA_TECHNOLOGIES", "NR_TDD_HIGH_POWER_BANDS_MHZ"]

#: technologies whose SINR and throughput are computed (2G C/I and 3G Ec/Io are left out)
DATA_TECHNOLOGIES: tuple[str, ...] = ("4G", "5G")

#: NR TDD bands with a 26 dBm power class 2 (TS 38.101-1 Table 6.2.1-1), downlink range in MHz
NR_TDD_HIGH_POWER_BANDS_MHZ: tuple[tuple[float, float], ...] = (
    (2496.0, 2690.0),  # n41
    (3300.0, 4200.0),  # n77 (n78 3300-3800 inside)
    (4400.0, 5000.0),  # n79
)


@dataclass(frozen=True)
class RateModel:
    """Attenuated Shannon mapping from SINR to throughput (3GPP TR 36.942 Annex A.2).

    ``rate = layers x bandwidth x min(alpha log2(1 + SINR), max_bps_hz)`` where
    ``SINR >= sinr_min_db``, else 0. ``max_bps_hz=None`` leaves the per-layer
    spectral efficiency uncapped (NR: the TS 38.306 peak rate is the ceiling).
    """

    alpha: float = 0.6
    sinr_min_db: float = -10.0
    max_bps_hz: float | None = 4.4
    layers: int = 1

    def __post_init__(self) -> None:
        problems = []
        if not (0.0 < self.alpha <= 1.0):
            problems.append(f"alpha = {self.alpha} must be within (0, 1]")
        if not (math.isfinite(self.sinr_min_db) and -30.0 <= self.sinr_min_db <= 30.0):
            problems.append(f"sinr_min_db = {self.sinr_min_db} must be within -30..30 dB")
        if self.max_bps_hz is not None and not (0.0 < self.max_bps_hz <= 30.0):
            problems.append(f"max_bps_hz = {self.max_bps_hz} must be within (0, 30] bit/s/Hz")
        if not (isinstance(self.layers, int) and 1 <= self.layers <= 8):
            problems.append(f"layers = {self.layers!r} must be an integer 1-8")
        if problems:
            raise ConfigError("rate model: " + "; ".join(problems))


@dataclass(frozen=True)
class NrPeakRate:
    """Constants of the NR peak-rate formula (3GPP TS 38.306 section 4.1.2), one carrier.

    ``rate = 1e-6 v_layers Q_m f R_max (N_PRB 12 / T_s) (1 - OH)`` Mbit/s with
    ``T_s = 1e-3 / (14 2^mu)`` s (normal cyclic prefix). ``v_layers`` is the rate
    model's ``layers``; ``N_PRB`` comes from the carrier bandwidth and subcarrier spacing
    (TS 38.101-1 Table 5.3.2-1). Defaults: 256QAM (``Q_m = 8``), scaling ``f = 1``,
    ``R_max = 948/1024``, overhead 0.14 (FR1 downlink; 0.08 uplink, FR2 0.18 / 0.10).
    """

    modulation_order: int = 8
    scaling_factor: float = 1.0
    r_max: float = 948.0 / 1024.0
    overhead: float = 0.14

    def __post_init__(self) -> None:
        problems = []
        if self.modulation_order not in (1, 2, 4, 6, 8, 10):
            problems.append(f"modulation_order = {self.modulation_order!r} must be 1, 2, 4, 6, 8 or 10")
        if self.scaling_factor not in (0.4, 0.75, 0.8, 1.0):
            problems.append(f"scaling_factor = {self.scaling_factor} must be 1, 0.8, 0.75 or 0.4 (TS 38.306)")
        if not (0.0 < self.r_max <= 1.0):
            problems.append(f"r_max = {self.r_max} must be within (0, 1]")
        if not (0.0 <= self.overhead < 1.0):
            problems.append(f"overhead = {self.overhead} must be within [0, 1)")
        if problems:
            raise ConfigError("NR peak rate: " + "; ".join(problems))


LTE_DOWNLINK = RateModel(alpha=0.6, sinr_min_db=-10.0, max_bps_hz=4.4, layers=1)
#: NR: TR 36.942's mapping per layer, two layers (rank 2, what a 4-receiver handset typically gets on a
#: loaded macro cell; 4 gives the TS 38.306 maximum), ceiling from :class:`NrPeakRate`
NR_DOWNLINK = RateModel(alpha=0.6, sinr_min_db=-10.0, max_bps_hz=None, layers=2)
LTE_UPLINK = RateModel(alpha=0.4, sinr_min_db=-10.0, max_bps_hz=2.0, layers=1)


def _check_db(problems: list[str], name: str, value: float, lo: float, hi: float) -> None:
    if not (math.isfinite(value) and lo <= value <= hi):
        problems.append(f"{name} = {value} must be within {lo:g}..{hi:g}")


@dataclass(frozen=True)
class SinrSettings:
    """Downlink SINR: receiver noise, cell load and how far interferers are counted.

    Parameters
    ----------
    ue_noise_figure_db
        Handset noise figure (7 dB, ITU-R M.2412-0; TR 36.942 uses 9 dB).
    thermal_noise_dbm_hz
        kT at 290 K (-174 dBm/Hz).
    load_factor
        Per technology, the share of the time-frequency resources of the interfering
        cells that carry data (1.0: fully loaded, the worst case and default).
    interference_margin_db
        Interferers are counted down to ``threshold_dbm - interference_margin_db``
        (at most the engine's ``REACH_MARGIN_DB`` = 10 dB, the depth to which a site's
        path loss is computed); beyond a site's radius, where even its strongest sector
        is below the coverage threshold, it adds nothing (``docs/DESIGN.md``).
    """

    ue_noise_figure_db: float = 7.0
    thermal_noise_dbm_hz: float = -174.0
    load_factor: Mapping[str, float] = field(default_factory=lambda: {"4G": 1.0, "5G": 1.0})
    interference_margin_db: float = 10.0

    def __post_init__(self) -> None:
        problems: list[str] = []
        _check_db(problems, "ue_noise_figure_db", self.ue_noise_figure_db, 0.0, 20.0)
        _check_db(problems, "thermal_noise_dbm_hz", self.thermal_noise_dbm_hz, -180.0, -160.0)
        _check_db(problems, "interference_margin_db", self.interference_margin_db, 0.0, 10.0)
        for tech, v in dict(self.load_factor).items():
            if tech not in DATA_TECHNOLOGIES:
                problems.append(f"load_factor: technology {tech!r} is not one of {list(DATA_TECHNOLOGIES)}")
            elif not (isinstance(v, int | float) and 0.0 <= v <= 1.0):
                problems.append(f"load_factor[{tech}] = {v!r} must be within 0-1")
        if problems:
            raise ConfigError("SINR settings: " + "; ".join(problems))
        object.__setattr__(self, "load_factor", {t: float(self.load_factor.get(t, 1.0)) for t in DATA_TECHNOLOGIES})

    def load(self, technology: str) -> float:
        return float(self.load_factor.get(technology, 1.0))

    def noise_per_re_dbm(self, subcarrier_spacing_khz: float) -> float:
        """Thermal noise plus the UE noise figure in one resource element (one subcarrier), dBm."""
        return self.thermal_noise_dbm_hz + 10.0 * math.log10(subcarrier_spacing_khz * 1e3) + self.ue_noise_figure_db


@dataclass(frozen=True)
class UplinkSettings:
    """Uplink link budget (path loss reciprocal to the downlink's, base-station antenna gain).

    Parameters
    ----------
    ue_power_dbm
        Handset maximum output power, 23 dBm (power class 3).
    nr_tdd_high_power
        Use 26 dBm (NR power class 2) for 5G sectors in the TDD bands n41/n77/n78/n79.
    bs_noise_figure_db
        Base-station receiver noise figure, 5 dB (ITU-R M.2412-0; TR 36.942 uses 5 dB too).
    interference_margin_db
        Uplink noise rise from other cells' handsets (interference over thermal), 3 dB:
        a 50 % loaded uplink (``-10 log10(1 - 0.5)``, the classic pole-capacity relation).
    min_rate_mbps
        Uplink rate a cell must allow to count as served in both directions, 1 Mbit/s.
    bs_antenna_gain_dbi, omni_antenna_gain_dbi, feeder_loss_db
        Used for sectors whose station row has no ``antenna_gain_dbi`` / ``feeder_loss_db``
        (the station defaults: 18 dBi panel, 11 dBi omni, 2 dB feeder).
    rate
        Uplink mapping (TR 36.942 Annex A.2 uplink: alpha 0.4, -10 dB, 2.0 bit/s/Hz).
    """

    ue_power_dbm: float = 23.0
    nr_tdd_high_power: bool = False
    bs_noise_figure_db: float = 5.0
    interference_margin_db: float = 3.0
    min_rate_mbps: float = 1.0
    bs_antenna_gain_dbi: float = 18.0
    omni_antenna_gain_dbi: float = 11.0
    feeder_loss_db: float = 2.0
    rate: RateModel = field(default_factory=lambda: LTE_UPLINK)

    def __post_init__(self) -> None:
        problems: list[str] = []
        _check_db(problems, "ue_power_dbm", self.ue_power_dbm, -10.0, 33.0)
        _check_db(problems, "bs_noise_figure_db", self.bs_noise_figure_db, 0.0, 20.0)
        _check_db(problems, "interference_margin_db", self.interference_margin_db, 0.0, 30.0)
        _check_db(problems, "min_rate_mbps", self.min_rate_mbps, 0.0, 10_000.0)
        _check_db(problems, "bs_antenna_gain_dbi", self.bs_antenna_gain_dbi, -10.0, 30.0)
        _check_db(problems, "omni_antenna_gain_dbi", self.omni_antenna_gain_dbi, -10.0, 30.0)
        _check_db(problems, "feeder_loss_db", self.feeder_loss_db, 0.0, 30.0)
        if not isinstance(self.rate, RateModel):
            problems.append("rate must be a RateModel")
        if problems:
            raise ConfigError("uplink settings: " + "; ".join(problems))


@dataclass(frozen=True)
class RadioSettings:
    """Everything the SINR / throughput / uplink layer needs besides the coverage settings."""

    sinr: SinrSettings = field(default_factory=SinrSettings)
    lte: RateModel = field(default_factory=lambda: LTE_DOWNLINK)
    nr: RateModel = field(default_factory=lambda: NR_DOWNLINK)
    nr_peak: NrPeakRate = field(default_factory=NrPeakRate)
    uplink: UplinkSettings = field(default_factory=UplinkSettings)

    def __post_init__(self) -> None:
        for name, kind in (("sinr", SinrSettings), ("lte", RateModel), ("nr", RateModel),
                           ("nr_peak", NrPeakRate), ("uplink", UplinkSettings)):
            if not isinstance(getattr(self, name), kind):
                raise ConfigError(f"radio settings: {name} must be a {kind.__name__}")

    def rate_model(self, technology: str) -> RateModel:
        return self.nr if technology == "5G" else self.lte
