"""Service-criterion flags shared by ``towerplan run``, ``gaps``, ``place`` and ``coverage``.

``--service-class outdoor|in_car|indoor``, ``--technology 2g|3g|4g|5g``, ``--location-probability P``,
``--environment urban|suburban|rural``, ``--sigma-db S``, ``--building-type traditional|thermally_efficient``
and ``--building-probability P`` choose what "served" means (:mod:`towerplan.coverage.criteria`):
``towerplan gaps --service-class indoor --technology 4g`` finds the people without indoor 4G. Every flag
maps to one field of :class:`~towerplan.coverage.criteria.ServiceSettings`, the study's one holder of
the criterion; the threshold is then derived by :meth:`towerplan.study.settings.StudySettings.create`
(``place``, ``coverage``, ``run``) and, for ``gaps`` (rasters without settings), by the same call
(:func:`gap_threshold`), so every command derives the same level for the same flags.
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

__all__ = ["add_service_arguments", "command_service", "gap_threshold", "service_from_args", "service_wanted",
           "settings_with_service"]

_TECHS = ("2G", "3G", "4G", "5G")
#: flag destination -> ServiceSettings field
_FIELDS = {"service_class": "service_class", "location_probability": "location_probability",
           "environment": "environment", "sigma_db": "sigma_db", "building_type": "building_type",
           "building_probability": "building_probability"}


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


def _sigma(value: str) -> float:
    try:
        s = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a shadowing sigma in dB such as 8, got {value!r}") from None
    if not 0.0 <= s <= 30.0:
        raise argparse.ArgumentTypeError(f"shadowing sigma must be within 0-30 dB, got {value!r}")
    return s


def add_service_arguments(parser: argparse.ArgumentParser, *, technology: bool = True) -> None:
    """Add the service-criterion flags to ``parser``.

    ``technology=False`` leaves ``--technology`` out, for a command that has its own (``towerplan
    coverage --technology 4G,5G``): the criterion's primary technology is then the study's.
    """
    from towerplan.coverage.building_loss import BUILDING_TYPES
    from towerplan.coverage.criteria import ENVIRONMENTS, SERVICE_CLASSES

    parser.add_argument("--service-class", choices=SERVICE_CLASSES, default=None,
                        help="service criterion: outdoor, in_car or indoor (levels, losses and margins per "
                             "technology, towerplan.coverage.criteria)")
    if technology:
        parser.add_argument("--technology", type=_technology, default=None, metavar="2g|3g|4g|5g",
                            help="the technology whose service is analysed (e.g. --technology 4g; default 4G)")
    parser.add_argument("--location-probability", type=_probability, default=None, metavar="P",
                        help="probability of service at the edge of the served area (default 0.75)")
    parser.add_argument("--environment", choices=ENVIRONMENTS, default=None,
                        help="surroundings giving the default shadowing sigma: urban 8, suburban 7, rural 6 dB "
                             "(default rural)")
    parser.add_argument("--sigma-db", type=_sigma, default=None, metavar="DB",
                        help="shadowing sigma (dB) in place of the calibration's or the environment's")
    parser.add_argument("--building-type", choices=BUILDING_TYPES, default=None,
                        help="ITU-R P.2109 building type of the indoor class (default traditional)")
    parser.add_argument("--building-probability", type=_probability, default=None, metavar="P",
                        help="probability that the building entry loss is not exceeded (indoor; default 0.5)")


def service_wanted(args: argparse.Namespace) -> bool:
    """True when a service flag was given (``--technology`` counts where it names one technology)."""
    return (any(getattr(args, k, None) is not None for k in _FIELDS)
            or isinstance(getattr(args, "technology", None), str))


def service_from_args(args: argparse.Namespace, base: Any = None) -> Any:
    """``base`` (a ServiceSettings; None: the defaults) with the flags given."""
    from towerplan.coverage.criteria import ServiceSettings

    service = base if base is not None else ServiceSettings()
    changes = {name: getattr(args, flag) for flag, name in _FIELDS.items() if getattr(args, flag, None) is not None}
    return dataclasses.replace(service, **changes) if changes else service


def command_service(args: argparse.Namespace, *, default: bool) -> Any:
    """The service criterion (a ServiceSettings) of a single-step command, or None for one fixed threshold.

    ``--threshold-dbm`` gives one fixed threshold (None; refused beside a criterion flag). Otherwise the
    flags' criterion, or without any flag the default criterion when ``default`` (``towerplan place``,
    like ``run``) and None when not (``towerplan coverage`` keeps its fixed threshold). With
    ``--calibration``, the calibration's held-out sigma unless ``--sigma-db`` is given.
    """
    from towerplan.errors import ConfigError

    given = [f"--{flag.replace('_', '-')}" for flag in _FIELDS if getattr(args, flag, None) is not None]
    if getattr(args, "threshold_dbm", None) is not None:
        if given:
            raise ConfigError(f"--threshold-dbm contradicts {', '.join(given)}: the service criterion derives the "
                              "threshold; give one or the other")
        return None
    if not (given or default or isinstance(getattr(args, "technology", None), str)):
        return None
    service = service_from_args(args)
    calibration = getattr(args, "calibration", None)
    if calibration is not None and service.sigma_db is None:
        from towerplan.study.service import with_calibration_sigma

        service = with_calibration_sigma(service, calibration)
    return service


def settings_with_service(settings: Any, args: argparse.Namespace) -> Any:
    """``settings`` (a StudySettings) with the flags' criterion; unchanged without flags.

    A scenario with a fixed ``coverage.threshold_dbm`` (no ``[service]``) is switched to service
    criteria by a flag; its threshold then comes from the criterion.
    """
    if not service_wanted(args):
        return settings
    service = service_from_args(args, settings.service)
    tech = getattr(args, "technology", None)
    techs = (tech,) if isinstance(tech, str) else settings.technologies
    return settings.replace(service=service, technologies=techs)


def gap_threshold(args: argparse.Namespace, default_dbm: float) -> tuple[float, dict[str, Any] | None]:
    """The gap threshold of ``towerplan gaps`` and the criterion record (None for a plain ``--threshold-dbm``).

    The threshold is the one :class:`~towerplan.study.settings.StudySettings` derives for the flags and
    the technology (default 4G), as ``towerplan place`` and ``run`` derive it. ``--threshold-dbm`` and a
    service flag together are refused: the criterion derives the threshold.
    """
    from towerplan.errors import ConfigError

    if not service_wanted(args):
        return (default_dbm if args.threshold_dbm is None else float(args.threshold_dbm)), None
    if args.threshold_dbm is not None:
        raise ConfigError("--threshold-dbm contradicts the service flags (--service-class, --technology, "
                          "--location-probability ...): the service criterion derives the threshold; give one or "
                          "the other")
    from towerplan.study.service import criterion_record
    from towerplan.study.settings import StudySettings

    settings = StudySettings.create(technologies=(args.technology or "4G",), service=service_from_args(args))
    record = criterion_record(settings.coverage, settings.service, settings.technologies)
    return settings.threshold_dbm, record
