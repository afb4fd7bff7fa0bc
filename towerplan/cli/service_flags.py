"""Service-criterion flags shared by ``towerplan run`` and ``towerplan gaps``.

``--service-class outdoor|in_car|indoor``, ``--technology 2g|3g|4g|5g`` and
``--location-probability P`` choose the criterion "served" means
(:mod:`towerplan.coverage.criteria`): ``towerplan gaps --service-class indoor --technology 4g``
finds the people without indoor 4G.
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

__all__ = ["add_service_arguments", "gap_threshold", "settings_with_service"]

_TECHS = ("2G", "3G", "4G", "5G")


def _technology(value: str) -> str:
    tech = value.strip().upper()
    if tech not in _TECHS:
        raise argparse.ArgumentTypeError(f"technology must be one of 2g, 3g, 4g, 5g (got {value!r})")
    return tech


def _probability(value: str) -> float:
    try:
        p = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a probability such as 0.75, got {value!r}") from None
    if p >= 1.0:
        p /= 100.0  # 75 means 75 %
    if not 0.0 < p < 1.0:
        raise argparse.ArgumentTypeError(f"probability must be between 0 and 1 (or 0-100 %), got {value!r}")
    return p


def add_service_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--service-class``, ``--technology`` and ``--location-probability`` to ``parser``."""
    from towerplan.coverage.criteria import SERVICE_CLASSES

    parser.add_argument("--service-class", choices=SERVICE_CLASSES, default=None,
                        help="service criterion: outdoor, in_car or indoor (levels, losses and margins per "
                             "technology, towerplan.coverage.criteria)")
    parser.add_argument("--technology", type=_technology, default=None, metavar="2g|3g|4g|5g",
                        help="the technology whose service is analysed (e.g. --technology 4g)")
    parser.add_argument("--location-probability", type=_probability, default=None, metavar="P",
                        help="probability of service at the edge of the served area (default 0.75)")


def _wanted(args: argparse.Namespace) -> bool:
    return any(getattr(args, k, None) is not None for k in ("service_class", "technology", "location_probability"))


def settings_with_service(settings: Any, args: argparse.Namespace) -> Any:
    """``settings`` (a StudySettings) with the flags' criterion; unchanged without flags.

    A scenario with a fixed ``coverage.threshold_dbm`` (no ``[service]``) is switched to service
    criteria by a flag; its threshold then comes from the criterion.
    """
    if not _wanted(args):
        return settings
    from towerplan.coverage.criteria import ServiceSettings

    service = settings.service if settings.service is not None else ServiceSettings()
    changes: dict[str, Any] = {}
    if args.service_class is not None:
        changes["service_class"] = args.service_class
    if args.location_probability is not None:
        changes["location_probability"] = args.location_probability
    service = dataclasses.replace(service, **changes)
    techs = (args.technology,) if args.technology is not None else settings.technologies
    return settings.replace(service=service, technologies=techs)


def gap_threshold(args: argparse.Namespace, default_dbm: float) -> tuple[float, dict[str, Any] | None]:
    """The gap threshold of ``towerplan gaps`` and the criterion record (None for a plain ``--threshold-dbm``).

    ``--threshold-dbm`` and a service flag together are refused: the criterion derives the threshold.
    """
    from towerplan.errors import ConfigError

    if not _wanted(args):
        return (default_dbm if args.threshold_dbm is None else float(args.threshold_dbm)), None
    if args.threshold_dbm is not None:
        raise ConfigError("--threshold-dbm contradicts --service-class/--technology/--location-probability: the "
                          "service criterion derives the threshold; give one or the other")
    from towerplan.coverage.criteria import ServiceSettings

    service = ServiceSettings(service_class=args.service_class or "outdoor",
                              location_probability=args.location_probability or 0.75)
    criterion = service.criterion(args.technology or "4G")
    return criterion.required_median_dbm, {"mode": "service criteria", "service_class": service.service_class,
                                          "location_probability": service.location_probability,
                                          "threshold_dbm": criterion.required_median_dbm,
                                          "primary_technology": criterion.technology,
                                          "technologies": {criterion.technology: criterion.to_dict()}}
