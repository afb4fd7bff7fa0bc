"""The service criterion of a study: from :class:`~towerplan.coverage.criteria.ServiceSettings` to one threshold.

Every step decides "served" with :func:`towerplan.coverage.service.served` and the
one threshold ``coverage.threshold_dbm``. With service criteria (the default of
scenarios, the app and ``towerplan run``), that threshold is *derived*:

* ``coverage.threshold_dbm`` = the required median level of the study's primary
  technology (:func:`~towerplan.coverage.criteria.primary_technology`: 4G when modelled,
  else the newest): minimum level + the class's losses + the shadowing margin;
* every other technology ``t`` (modelled or a candidate radio's) gets ``coverage.level_offsets_db[t]`` =
  required(primary) - required(t), added to its levels by the engine, so that one
  comparison applies each technology's own criterion (its levels then read on the
  primary's scale); the primary's levels are the predicted median levels;
* indoors, every sector's levels also get ``L_BEL(f_ref) - L_BEL(f)``
  (``coverage.carrier_entry_loss``, :class:`~towerplan.coverage.building_loss.CarrierEntryLoss`): the
  threshold holds each technology's ITU-R P.2109 building entry loss at its reference frequency
  (:data:`~towerplan.coverage.criteria.REPRESENTATIVE_FREQ_MHZ`), the term moves it to the carrier's own
  frequency, so 700 MHz and 3500 MHz carriers of one technology meet their own indoor criterion;
* the link budget carries no margin of its own (body and indoor loss 0, location
  probability 50 %): the criterion holds them.

Contradictions are refused with both keys named: a ``coverage.threshold_dbm`` or a
link-budget margin given beside ``[service]``. A study without service criteria
(``StudySettings.service`` None: library callers, old scenarios that set
``coverage.threshold_dbm``) keeps one fixed threshold for every technology; its
record (:func:`criterion_record`) says so.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from towerplan.coverage.building_loss import CarrierEntryLoss
from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.criteria import (
    LEVEL_QUANTITIES,
    REPRESENTATIVE_FREQ_MHZ,
    SERVICE_TECHNOLOGIES,
    ServiceCriterion,
    ServiceSettings,
    area_reliability,
    primary_technology,
)
from towerplan.errors import ConfigError

__all__ = ["LINK_BUDGET_MARGIN_KEYS", "carrier_entry_loss_for", "check_service", "coverage_for_service",
           "criteria_of", "criterion_record", "with_calibration_sigma"]

log = logging.getLogger(__name__)
#: link-budget fields the service criterion replaces, with their neutral values
LINK_BUDGET_MARGIN_KEYS: dict[str, float] = {"body_loss_db": 0.0, "indoor_loss_db": 0.0, "location_probability": 0.5}
_TOLERANCE_DB = 1e-6


def criteria_of(service: ServiceSettings, technologies: Sequence[str] | None) -> dict[str, ServiceCriterion]:
    """The criterion of every modelled technology (None: all four)."""
    return service.criteria(technologies)


def _derived(service: ServiceSettings, technologies: Sequence[str] | None) -> tuple[float, dict[str, float]]:
    # offsets for all four technologies: candidate radios of the placement may be of one not modelled
    crit = criteria_of(service, None)
    primary = primary_technology(technologies)
    threshold = crit[primary].required_median_dbm
    offsets = {t: round(threshold - c.required_median_dbm, 9) for t, c in crit.items() if t != primary}
    return round(threshold, 9), {t: v for t, v in offsets.items() if v != 0.0}


def carrier_entry_loss_for(service: ServiceSettings | None) -> CarrierEntryLoss | None:
    """The per-carrier building entry loss term of ``service``: indoor only (None otherwise)."""
    if service is None or service.service_class != "indoor":
        return None
    return CarrierEntryLoss(building_type=service.building_type, probability=float(service.building_probability),
                            reference_freq_mhz=dict(REPRESENTATIVE_FREQ_MHZ))


def _margin_conflicts(coverage: CoverageConfig) -> list[str]:
    lb = coverage.link_budget
    return [f"coverage.link_budget.{k} = {getattr(lb, k):g}" for k, neutral in LINK_BUDGET_MARGIN_KEYS.items()
            if getattr(lb, k) != neutral]


def coverage_for_service(coverage: CoverageConfig, service: ServiceSettings,
                         technologies: Sequence[str] | None) -> CoverageConfig:
    """``coverage`` with the threshold and level offsets of ``service`` (its margins must be neutral)."""
    conflicts = _margin_conflicts(coverage)
    if conflicts:
        raise ConfigError(f"{', '.join(conflicts)} contradicts [service]: the service criterion holds the losses "
                          "and the shadowing margin (service_class, location_probability, body_loss_db); leave the "
                          "link-budget margins at 0 dB and 50 %")
    threshold, offsets = _derived(service, technologies)
    carrier = carrier_entry_loss_for(service)
    if (coverage.threshold_dbm == threshold and dict(coverage.level_offsets_db) == offsets
            and coverage.carrier_entry_loss == carrier):
        return coverage
    return dataclasses.replace(coverage, threshold_dbm=threshold, level_offsets_db=offsets,
                               carrier_entry_loss=carrier)


def check_service(coverage: CoverageConfig, service: ServiceSettings | None,
                  technologies: Sequence[str] | None) -> None:
    """ConfigError when ``coverage`` does not carry what ``service`` derives (or carries offsets without it)."""
    if service is None:
        if coverage.level_offsets_db:
            raise ConfigError("coverage.level_offsets_db is derived from the service criteria: give [service] "
                              "or leave the offsets out")
        if coverage.carrier_entry_loss is not None:
            raise ConfigError("coverage.carrier_entry_loss is derived from an indoor service criterion: give "
                              "[service] class = \"indoor\" or leave it out")
        return
    conflicts = _margin_conflicts(coverage)
    if conflicts:
        raise ConfigError(f"{', '.join(conflicts)} contradicts the service criterion: set losses and the "
                          "location probability once, in [service]")
    threshold, offsets = _derived(service, technologies)
    if abs(coverage.threshold_dbm - threshold) > _TOLERANCE_DB:
        raise ConfigError(
            f"coverage.threshold_dbm = {coverage.threshold_dbm:g} contradicts [service] "
            f"(required median {threshold:.2f} dBm for {primary_technology(technologies)} "
            f"{service.service_class}): the threshold is derived from the service criterion; set one of them")
    have = dict(coverage.level_offsets_db)
    if set(have) != set(offsets) or any(abs(have[t] - offsets[t]) > _TOLERANCE_DB for t in offsets):
        raise ConfigError(f"coverage.level_offsets_db = {have} contradicts [service] ({offsets}): they are derived")
    if coverage.carrier_entry_loss != carrier_entry_loss_for(service):
        raise ConfigError(f"coverage.carrier_entry_loss = {coverage.carrier_entry_loss} contradicts [service] "
                          f"(class {service.service_class}): it is derived")


def with_calibration_sigma(service: ServiceSettings, calibration: Path | None) -> ServiceSettings:
    """``service`` with the shadowing σ measured by ``calibration`` (a ``calibration.json``), when it has one."""
    if calibration is None:
        return service
    from towerplan.measurements import read_calibration

    sigma = read_calibration(calibration).shadowing_sigma_db
    if not (math.isfinite(sigma) and 0.0 <= sigma <= 30.0):
        log.info("%s has no usable shadowing sigma: the service criterion keeps its default", calibration)
        return service
    return dataclasses.replace(service, calibration_sigma_db=round(float(sigma), 3))


def criterion_record(coverage: CoverageConfig, service: ServiceSettings | None,
                     technologies: Sequence[str] | None) -> dict[str, Any]:
    """What summary.json, the report and the app say about the criterion: class, probability, per technology
    the quantity, minimum level, losses, σ, margin and required median level, and the area reliability."""
    techs = [t for t in SERVICE_TECHNOLOGIES if technologies is None or t in technologies]
    if service is None:
        lb = coverage.link_budget
        margin = lb.shadowing_margin_db
        rows = {t: {"technology": t, "quantity": LEVEL_QUANTITIES[t], "min_level_dbm": coverage.threshold_dbm,
                    "margin_db": round(margin, 2), "sigma_db": lb.shadowing_sigma_db,
                    "location_probability": lb.location_probability,
                    "extra_loss_db": round(lb.body_loss_db + lb.indoor_loss_db - lb.rx_gain_dbi, 2),
                    "required_median_dbm": round(coverage.threshold_dbm + lb.total_margin_db, 2),
                    "area_reliability": round(area_reliability(lb.location_probability, lb.shadowing_sigma_db, 3.5)
                                              if lb.shadowing_sigma_db > 0 else 1.0, 4)}
                for t in techs}
        return {"mode": "fixed threshold", "service_class": "indoor" if lb.indoor_loss_db > 0 else "outdoor",
                "location_probability": lb.location_probability, "threshold_dbm": coverage.threshold_dbm,
                "primary_technology": primary_technology(techs), "technologies": rows}
    crit = criteria_of(service, techs)
    primary = primary_technology(techs)
    record = {"mode": "service criteria", "service_class": service.service_class,
              "location_probability": service.location_probability,
              "area_reliability": round(crit[primary].area_reliability, 4), "threshold_dbm": coverage.threshold_dbm,
              "primary_technology": primary, "level_offsets_db": dict(coverage.level_offsets_db),
              "technologies": {t: c.to_dict() for t, c in crit.items()}}
    if coverage.carrier_entry_loss is not None:  # indoors: each carrier's P.2109 loss at its own frequency
        record["carrier_entry_loss"] = coverage.carrier_entry_loss.to_dict()
    return record
