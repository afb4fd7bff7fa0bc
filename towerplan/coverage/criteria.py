"""Service criteria per technology and service class, and the area reliability of a coverage edge.

A planner says a place is *served* by technology ``t`` for service class ``c``
(outdoor, in a car, indoors) when the level the phone reports (2G RxLev, 3G
RSCP, 4G RSRP, 5G SS-RSRP) exceeds the technology's minimum level with a
chosen probability ``p`` at the edge, after the losses of the class. With
log-normal shadowing of standard deviation ``σ`` around the predicted (median)
level, the predicted median must reach::

    required_median = min_level + body_loss + in_car_loss + building_entry_loss + σ_c Φ⁻¹(p)

where Φ⁻¹ is the standard normal quantile and ``σ_c`` the shadowing sigma,
combined in a car with the spread of the car's loss (``sqrt(σ² + σ_car²)``,
independent normal variables). :class:`ServiceSettings` holds the planner's
choices (class, probability, environment, overrides) and gives one
:class:`ServiceCriterion` per technology; the study layer turns them into the
one threshold of :func:`towerplan.coverage.service.served`
(:mod:`towerplan.study.settings`).

Defaults and their sources (``docs/DESIGN.md``, "Service criteria"):

* **Minimum level** (the level a planner draws the service edge at, before losses and margin):

  - 2G RxLev **-102 dBm**: reference sensitivity of a GSM 900 mobile (3GPP TS 45.005 §6.2; DCS 1800
    class 1/2 mobiles: -100 dBm).
  - 3G CPICH RSCP **-110 dBm**: at the TS 25.101 §7.3.1 reference sensitivity (Table 7.2: DPCH_Ec
    -117 dBm at Îor -106.7 dBm in Band I, -114 / -103.7 dBm in Band VIII, with CPICH_Ec/Ior = -10 dB)
    the CPICH RSCP is -116.7 dBm (Band I) and -113.7 dBm (Band VIII); operators put the service edge a
    few dB above, where the loaded network's noise rise still leaves the CPICH Ec/Io usable. -110 dBm
    is the common design value (about 4-7 dB above sensitivity).
  - 4G RSRP **-110 dBm**: the REFSENS of a 20 MHz Band 3 carrier (TS 36.101 §7.3.1, Table 7.3.1-1:
    -91 dBm over 100 resource blocks) is an RSRP of -91 - 10 log10(1200) = -121.8 dBm in an
    unloaded cell; the usual planning edge of -110 dBm keeps about 12 dB for interference and the
    control channels.
  - 5G SS-RSRP **-107 dBm**: like RSRP a power per resource element (TS 38.215 §5.1.1, TS 36.214
    §5.1.1), but an n78 carrier's 30 kHz resource element holds twice the noise of LTE's 15 kHz one:
    the 4G edge plus 3 dB.

  No Vietnamese technical regulation found for this work sets a coverage signal level, so none is
  taken from one (searched: QCVN 81:2019/BTTTT, QCVN 36, QCVN 117, operators' published service areas):

  - QCVN 81:2019/BTTTT (mobile Internet access quality, Circular 09/2019/TT-BTTTT of 16 Aug 2019) sets
    drive-test targets in §2.1 (radio network availability, access failure ratio, latency, dropped
    transfers, mean download rate) and in Annex B asks operators to publish their service area as a
    digital map; the areas operators publish under it are drawn by data rate, not by level (VNPT,
    LTE-Advanced: area 1 minimum 5 Mbit/s and mean >= 15 Mbit/s down, area 2 minimum 2.5 and mean
    >= 5 Mbit/s; vnpt.vn, "Vùng phủ sóng của VNPT", 9 Dec 2020). The text of §2.1.1 and the annexes
    available to this work names no RSRP threshold.
  - QCVN 36 (voice service quality) likewise sets call set-up, drop and speech-quality targets.
  - QCVN 117:2018/BTTTT and QCVN 117:2023/BTTTT (E-UTRA user equipment) bound the phone (receiver
    sensitivity; total radiated sensitivity TRS since 2023), not the coverage edge.
  - Operator practice seen: VNPT's drive-test legend (QĐ 1705/QĐ-VNPT-CNM-CLG) grades RxLev and RSCP
    below -105 dBm "very poor" and -105..-95 dBm "poor": a grading of measurements, not a service edge.

  The values above are therefore design practice, overridable per technology (``min_level_2g_dbm`` ...):
  put a regulator's or operator's own levels there.
* **Body loss**: 3 dB for 2G and 3G (voice, phone at the head), 0 dB for 4G and 5G (data, phone held in
  front), as in the standard link budgets (Holma & Toskala, *WCDMA for UMTS* and *LTE for UMTS*,
  link-budget chapters).
* **In-car loss**: 9 dB with a spread of 5 dB (3GPP TR 38.901 §7.4.3.2, car penetration loss,
  normal with μ = 9 dB, σ = 5 dB; 20 dB for metallised windows).
* **Building entry loss**: ITU-R P.2109-2 (:func:`~towerplan.coverage.building_loss.p2109_building_entry_loss_db`)
  at the chosen probability (default 0.5: the median) and building type (default *traditional*,
  the brick-and-concrete houses of rural Vietnam), horizontal path. The criterion holds it at the
  technology's reference frequency (2G 900, 3G 2100, 4G 1800, 5G 3500 MHz: the bands of Vietnam's
  networks); the engine moves it to each carrier's own frequency
  (:class:`~towerplan.coverage.building_loss.CarrierEntryLoss`, derived by :mod:`towerplan.study.service`),
  so a 700 MHz and a 2600 MHz LTE carrier each meet their own indoor criterion.
* **Location probability at the edge**: 75 %, which with σ/n near 2 gives about 90 % of the cell's area
  (Jakes 1974 §2.5; :func:`area_reliability`).
* **Shadowing σ**: the held-out standard deviation of a drive-test calibration when the study has one
  (``towerplan calibrate``), else 8 / 7 / 6 dB for urban / suburban / rural surroundings: measured
  macro-cell spreads lie between 5 and 10 dB, 8 dB being the textbook urban value (Jakes 1974 §2.4;
  Rappaport, *Wireless Communications*, 2nd ed., §4.9.2); 3GPP TR 36.942 uses 10 dB in its macro-cell
  system simulations; the shared LTE drive test of ``bench/README.md`` (DTU campus) gave 10.1 dB held out
  with group lines only, 7.1 dB with the per-cell terms the rasters apply.
  Default environment: rural (most of a province's people).

**Area reliability** (:func:`area_reliability`): the fraction of a circular cell's area where the level
exceeds the minimum, for edge probability ``p``, ``σ`` and a path-loss exponent ``n`` (Jakes 1974
§2.5, after Reudink; Rappaport 2nd ed. eq. 4.80, Fig. 4.18)::

    F_u = ½ [1 - erf(a) + exp((1 - 2ab)/b²) (1 - erf((1 - ab)/b))]
    a = -Φ⁻¹(p)/√2,   b = 10 n log10(e) / (σ √2)

The default exponent 3.5 is Okumura-Hata's distance slope for a 30 m base station
((44.9 - 6.55 log10 30)/10 = 3.52, Hata 1980).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Literal

from scipy.special import erfcx

from towerplan.coverage.building_loss import BUILDING_TYPES, BuildingType, p2109_building_entry_loss_db
from towerplan.errors import ConfigError

__all__ = [
    "BODY_LOSS_DB",
    "ENVIRONMENTS",
    "IN_CAR_LOSS_DB",
    "IN_CAR_SIGMA_DB",
    "LEVEL_QUANTITIES",
    "MIN_LEVEL_DBM",
    "REPRESENTATIVE_FREQ_MHZ",
    "SERVICE_CLASSES",
    "SERVICE_TECHNOLOGIES",
    "SIGMA_DB",
    "Environment",
    "ServiceClass",
    "ServiceCriterion",
    "ServiceSettings",
    "area_reliability",
    "edge_probability_for_area",
    "primary_technology",
    "shadowing_margin_db",
]

ServiceClass = Literal["outdoor", "in_car", "indoor"]
SERVICE_CLASSES: tuple[ServiceClass, ...] = ("outdoor", "in_car", "indoor")
Environment = Literal["urban", "suburban", "rural"]
ENVIRONMENTS: tuple[Environment, ...] = ("urban", "suburban", "rural")
SERVICE_TECHNOLOGIES = ("2G", "3G", "4G", "5G")
#: the level each technology reports
LEVEL_QUANTITIES: dict[str, str] = {"2G": "RxLev", "3G": "RSCP", "4G": "RSRP", "5G": "SS-RSRP"}
#: default minimum level per technology (dBm) and where it comes from (module docstring)
MIN_LEVEL_DBM: dict[str, float] = {"2G": -102.0, "3G": -110.0, "4G": -110.0, "5G": -107.0}
MIN_LEVEL_SOURCES: dict[str, str] = {
    "2G": "3GPP TS 45.005 §6.2 (GSM 900 MS reference sensitivity)",
    "3G": "design level ~6 dB above the TS 25.101 §7.3.1 sensitivity (CPICH RSCP -116.7 dBm, Band I)",
    "4G": "design level ~12 dB above the TS 36.101 §7.3.1 REFSENS (RSRP -121.8 dBm, Band 3, 20 MHz)",
    "5G": "4G design level + 3 dB (30 kHz resource element, TS 38.215 §5.1.1)",
}
#: body loss per technology (dB): voice at the head for 2G/3G, data in front for 4G/5G
BODY_LOSS_DB: dict[str, float] = {"2G": 3.0, "3G": 3.0, "4G": 0.0, "5G": 0.0}
#: 3GPP TR 38.901 §7.4.3.2 car penetration loss: normal, mean 9 dB, standard deviation 5 dB
IN_CAR_LOSS_DB = 9.0
IN_CAR_SIGMA_DB = 5.0
#: shadowing standard deviation per environment (dB), used without a calibration
SIGMA_DB: dict[str, float] = {"urban": 8.0, "suburban": 7.0, "rural": 6.0}
#: frequency at which the building entry loss of a technology is taken (MHz)
REPRESENTATIVE_FREQ_MHZ: dict[str, float] = {"2G": 900.0, "3G": 2100.0, "4G": 1800.0, "5G": 3500.0}
_STD = NormalDist()


def shadowing_margin_db(location_probability: float, sigma_db: float) -> float:
    """σ Φ⁻¹(p): the margin over the median for a level exceeded with probability ``p`` (0 at 50 %)."""
    p, s = float(location_probability), float(sigma_db)
    if not 0.0 < p < 1.0:
        raise ConfigError(f"location probability must be strictly between 0 and 1, got {location_probability!r}")
    if not (math.isfinite(s) and s >= 0.0):
        raise ConfigError(f"shadowing sigma must be >= 0 dB, got {sigma_db!r}")
    return s * _STD.inv_cdf(p)


def area_reliability(edge_probability: float, sigma_db: float, path_loss_exponent: float) -> float:
    """Fraction of a circular cell's area above the threshold (Jakes 1974 §2.5; Rappaport eq. 4.80).

    ``edge_probability``: probability that the level exceeds the threshold at the cell's edge;
    ``sigma_db``: log-normal shadowing standard deviation; ``path_loss_exponent``: n of the
    mean level's decay, 10 n dB per decade of distance. ``sigma_db`` = 0 gives 1 (every point
    inside the edge is above it) for an edge probability of 50 % or more.
    """
    p, s, n = float(edge_probability), float(sigma_db), float(path_loss_exponent)
    if not 0.0 < p < 1.0:
        raise ConfigError(f"edge probability must be strictly between 0 and 1, got {edge_probability!r}")
    if not (math.isfinite(s) and s >= 0.0):
        raise ConfigError(f"shadowing sigma must be >= 0 dB, got {sigma_db!r}")
    if not (math.isfinite(n) and 1.0 <= n <= 10.0):
        raise ConfigError(f"path-loss exponent must be within 1-10, got {path_loss_exponent!r}")
    if s == 0.0:
        return 1.0 if p >= 0.5 else 0.0
    a = -_STD.inv_cdf(p) / math.sqrt(2.0)
    b = 10.0 * n * math.log10(math.e) / (s * math.sqrt(2.0))
    x = (1.0 - 2.0 * a * b) / (b * b)
    y = (1.0 - a * b) / b
    # exp(x) erfc(y): x and y grow together as σ/n shrinks; exp(x - y²) erfcx(y) stays finite (x - y² = -a²)
    tail = math.exp(x) * math.erfc(y) if y <= 0.0 else math.exp(x - y * y) * float(erfcx(y))
    return 0.5 * (math.erfc(a) + tail)


def edge_probability_for_area(area_fraction: float, sigma_db: float, path_loss_exponent: float) -> float:
    """The edge probability whose :func:`area_reliability` is ``area_fraction`` (bisection, 1e-10)."""
    target = float(area_fraction)
    if not 0.0 < target < 1.0:
        raise ConfigError(f"area fraction must be strictly between 0 and 1, got {area_fraction!r}")
    lo, hi = 1e-9, 1.0 - 1e-9
    if area_reliability(hi, sigma_db, path_loss_exponent) < target or \
            area_reliability(lo, sigma_db, path_loss_exponent) > target:
        raise ConfigError(f"no edge probability gives {target:.1%} of the area at σ = {sigma_db} dB")
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if area_reliability(mid, sigma_db, path_loss_exponent) < target:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-10:
            break
    return 0.5 * (lo + hi)


def primary_technology(technologies: Iterable[str] | None) -> str:
    """The technology whose required level is a study's threshold: 4G when modelled, else the newest."""
    techs = [t for t in SERVICE_TECHNOLOGIES if technologies is None or t in set(technologies)]
    if not techs:
        raise ConfigError(f"no known technology among {list(technologies or [])}")
    return "4G" if "4G" in techs else techs[-1]


@dataclass(frozen=True)
class ServiceCriterion:
    """What "served" means for one technology and service class (all levels in dBm, losses in dB).

    ``required_median_dbm`` is the predicted median level a cell needs: the minimum level plus
    the class's losses plus the shadowing margin ``sigma_db Φ⁻¹(location_probability)``.
    """

    technology: str
    service_class: ServiceClass
    min_level_dbm: float
    body_loss_db: float
    in_car_loss_db: float
    building_entry_loss_db: float
    location_probability: float
    sigma_db: float
    sigma_source: str
    path_loss_exponent: float = 3.5
    freq_mhz: float | None = None
    building_type: BuildingType | None = None
    building_probability: float | None = None

    def __post_init__(self) -> None:
        problems: list[str] = []
        if self.technology not in SERVICE_TECHNOLOGIES:
            problems.append(f"technology must be one of {', '.join(SERVICE_TECHNOLOGIES)}, got {self.technology!r}")
        if self.service_class not in SERVICE_CLASSES:
            problems.append(f"service class must be one of {', '.join(SERVICE_CLASSES)}, got {self.service_class!r}")
        if not (math.isfinite(self.min_level_dbm) and -150.0 <= self.min_level_dbm <= -30.0):
            problems.append(f"minimum level {self.min_level_dbm} dBm must be within -150..-30 dBm")
        for name in ("body_loss_db", "in_car_loss_db", "building_entry_loss_db"):
            v = getattr(self, name)
            if not (math.isfinite(v) and 0.0 <= v <= 80.0):
                problems.append(f"{name} = {v} must be within 0-80 dB")
        if not 0.0 < self.location_probability < 1.0:
            problems.append(f"location probability {self.location_probability} must be strictly between 0 and 1")
        if not (math.isfinite(self.sigma_db) and 0.0 <= self.sigma_db <= 30.0):
            problems.append(f"shadowing sigma {self.sigma_db} dB must be within 0-30 dB")
        if not (math.isfinite(self.path_loss_exponent) and 1.0 <= self.path_loss_exponent <= 10.0):
            problems.append(f"path-loss exponent {self.path_loss_exponent} must be within 1-10")
        if problems:
            raise ConfigError(f"service criterion {self.technology} {self.service_class}: " + "; ".join(problems))

    @property
    def quantity(self) -> str:
        """RxLev, RSCP, RSRP or SS-RSRP."""
        return LEVEL_QUANTITIES[self.technology]

    @property
    def extra_loss_db(self) -> float:
        """Body, in-car and building entry losses together."""
        return self.body_loss_db + self.in_car_loss_db + self.building_entry_loss_db

    @property
    def margin_db(self) -> float:
        """Shadowing margin σ Φ⁻¹(p) (negative below 50 %)."""
        return shadowing_margin_db(self.location_probability, self.sigma_db)

    @property
    def required_median_dbm(self) -> float:
        """The predicted median level a cell needs to count as served."""
        return self.min_level_dbm + self.extra_loss_db + self.margin_db

    @property
    def area_reliability(self) -> float:
        """Share of a cell's area served when its edge is served with ``location_probability`` (Jakes)."""
        return area_reliability(self.location_probability, self.sigma_db, self.path_loss_exponent)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON record (summary.json, method record)."""
        return {
            "technology": self.technology, "service_class": self.service_class, "quantity": self.quantity,
            "min_level_dbm": round(self.min_level_dbm, 2), "body_loss_db": round(self.body_loss_db, 2),
            "in_car_loss_db": round(self.in_car_loss_db, 2),
            "building_entry_loss_db": round(self.building_entry_loss_db, 2),
            "building_type": self.building_type, "building_probability": self.building_probability,
            "freq_mhz": self.freq_mhz,
            "location_probability": self.location_probability, "sigma_db": round(self.sigma_db, 2),
            "sigma_source": self.sigma_source, "margin_db": round(self.margin_db, 2),
            "required_median_dbm": round(self.required_median_dbm, 2),
            "path_loss_exponent": self.path_loss_exponent, "area_reliability": round(self.area_reliability, 4),
        }

    def describe(self) -> str:
        """One line, e.g. ``4G RSRP >= -110 dBm indoor at 75 % (edge; 90 % of the area): median >= -92.3 dBm``."""
        return (f"{self.technology} {self.quantity} >= {self.min_level_dbm:g} dBm {self.service_class} at "
                f"{self.location_probability:.0%} (edge; {self.area_reliability:.0%} of the area), losses "
                f"{self.extra_loss_db:.1f} dB, margin {self.margin_db:.1f} dB (σ {self.sigma_db:.1f} dB): "
                f"median >= {self.required_median_dbm:.1f} dBm")


@dataclass(frozen=True)
class ServiceSettings:
    """A study's service criterion: the class, the probability and what overrides the defaults.

    Attributes
    ----------
    service_class
        ``outdoor``, ``in_car`` or ``indoor``.
    location_probability
        Probability that the level exceeds the minimum at the edge of the served area.
    environment
        ``urban``, ``suburban`` or ``rural``: the default shadowing σ (:data:`SIGMA_DB`).
    sigma_db
        Shadowing σ given by the planner (dB); None: the calibration's, else the environment's.
    calibration_sigma_db
        σ measured by a drive-test calibration (set by the readers from ``calibration.json``).
    building_type, building_probability
        ITU-R P.2109 building type and the probability its entry loss is not exceeded (indoor only).
    in_car_loss_db, in_car_sigma_db
        Mean and spread of the car's loss (in-car only).
    body_loss_db
        Body loss for every technology (dB); None: :data:`BODY_LOSS_DB`.
    path_loss_exponent
        n of Jakes' area reliability.
    min_level_2g_dbm, min_level_3g_dbm, min_level_4g_dbm, min_level_5g_dbm
        Minimum levels (RxLev, RSCP, RSRP, SS-RSRP); None: :data:`MIN_LEVEL_DBM`.
    """

    service_class: ServiceClass = "outdoor"
    location_probability: float = 0.75
    environment: Environment = "rural"
    sigma_db: float | None = None
    calibration_sigma_db: float | None = None
    building_type: BuildingType = "traditional"
    building_probability: float = 0.5
    in_car_loss_db: float = IN_CAR_LOSS_DB
    in_car_sigma_db: float = IN_CAR_SIGMA_DB
    body_loss_db: float | None = None
    path_loss_exponent: float = 3.5
    min_level_2g_dbm: float | None = None
    min_level_3g_dbm: float | None = None
    min_level_4g_dbm: float | None = None
    min_level_5g_dbm: float | None = None

    def __post_init__(self) -> None:
        problems: list[str] = []
        if self.service_class not in SERVICE_CLASSES:
            problems.append(f"service_class must be one of {', '.join(SERVICE_CLASSES)}, got {self.service_class!r}")
        if self.environment not in ENVIRONMENTS:
            problems.append(f"environment must be one of {', '.join(ENVIRONMENTS)}, got {self.environment!r}")
        if self.building_type not in BUILDING_TYPES:
            problems.append(f"building_type must be one of {', '.join(BUILDING_TYPES)}, got {self.building_type!r}")
        for name in ("location_probability", "building_probability"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and 0.0 < v < 1.0):
                problems.append(f"{name} = {v!r} must be strictly between 0 and 1")
        for name in ("sigma_db", "calibration_sigma_db", "in_car_sigma_db"):
            v = getattr(self, name)
            if v is not None and not (math.isfinite(v) and 0.0 <= v <= 30.0):
                problems.append(f"{name} = {v!r} must be within 0-30 dB")
        for name in ("in_car_loss_db", "body_loss_db"):
            v = getattr(self, name)
            if v is not None and not (math.isfinite(v) and 0.0 <= v <= 40.0):
                problems.append(f"{name} = {v!r} must be within 0-40 dB")
        if not (math.isfinite(self.path_loss_exponent) and 1.0 <= self.path_loss_exponent <= 10.0):
            problems.append(f"path_loss_exponent = {self.path_loss_exponent!r} must be within 1-10")
        for tech in SERVICE_TECHNOLOGIES:
            v = self.min_level_override(tech)
            if v is not None and not (math.isfinite(v) and -150.0 <= v <= -30.0):
                problems.append(f"min_level_{tech.lower()}_dbm = {v!r} must be within -150..-30 dBm")
        if problems:
            raise ConfigError("service settings: " + "; ".join(problems))

    def min_level_override(self, technology: str) -> float | None:
        """The planner's minimum level for ``technology`` (None: the default)."""
        value: float | None = getattr(self, f"min_level_{technology.lower()}_dbm")
        return value

    def sigma(self) -> tuple[float, str]:
        """The shadowing σ (dB) and where it comes from: ``given``, ``calibration`` or ``default (<env>)``."""
        if self.sigma_db is not None:
            return float(self.sigma_db), "given"
        if self.calibration_sigma_db is not None and math.isfinite(self.calibration_sigma_db):
            return float(self.calibration_sigma_db), "calibration"
        return SIGMA_DB[self.environment], f"default ({self.environment})"

    def criterion(self, technology: str, *, freq_mhz: float | None = None) -> ServiceCriterion:
        """The criterion of ``technology`` (2G-5G); ``freq_mhz``: where the building entry loss is taken
        (default :data:`REPRESENTATIVE_FREQ_MHZ`)."""
        tech = str(technology).upper()
        if tech not in SERVICE_TECHNOLOGIES:
            raise ConfigError(f"technology must be one of {', '.join(SERVICE_TECHNOLOGIES)}, got {technology!r}")
        override = self.min_level_override(tech)
        min_level = MIN_LEVEL_DBM[tech] if override is None else float(override)
        body = BODY_LOSS_DB[tech] if self.body_loss_db is None else float(self.body_loss_db)
        sigma, source = self.sigma()
        car = 0.0
        building = 0.0
        freq = None
        if self.service_class == "in_car":
            car = float(self.in_car_loss_db)
            sigma = math.hypot(sigma, float(self.in_car_sigma_db))
            source += f" + car {self.in_car_sigma_db:g} dB"
        elif self.service_class == "indoor":
            freq = float(REPRESENTATIVE_FREQ_MHZ[tech] if freq_mhz is None else freq_mhz)
            building = float(p2109_building_entry_loss_db(freq, self.building_probability, self.building_type))
        return ServiceCriterion(
            technology=tech, service_class=self.service_class, min_level_dbm=min_level, body_loss_db=body,
            in_car_loss_db=car, building_entry_loss_db=building, location_probability=float(self.location_probability),
            sigma_db=sigma, sigma_source=source, path_loss_exponent=float(self.path_loss_exponent), freq_mhz=freq,
            building_type=self.building_type if self.service_class == "indoor" else None,
            building_probability=float(self.building_probability) if self.service_class == "indoor" else None)

    def criteria(self, technologies: Iterable[str] | None = None) -> dict[str, ServiceCriterion]:
        """One criterion per technology (None: all four), in 2G-5G order."""
        wanted = None if technologies is None else {str(t).upper() for t in technologies}
        return {t: self.criterion(t) for t in SERVICE_TECHNOLOGIES if wanted is None or t in wanted}
