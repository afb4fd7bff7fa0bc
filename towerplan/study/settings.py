"""One frozen settings object for a whole plan: :class:`StudySettings`.

The scenario reader (:mod:`towerplan.study.scenario`), the app's widgets
(``app_pages/scenarios.py``) and the CLI flags (``towerplan place``) all produce
a :class:`StudySettings`; the steps (:mod:`towerplan.study.steps`) take it apart.

Values that must agree are derived, not copied: the service criterion (the
level at or above which a cell is served, :func:`towerplan.coverage.service.served`)
is ``coverage.threshold_dbm``; the gap analysis and the placement take it from
there (:func:`gap_config_for`), so dead zones and the placement's demand count
the same people as uncovered. A :class:`~towerplan.planning.gaps.GapConfig`
whose threshold differs is refused with both keys named.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.criteria import ServiceCriterion, ServiceSettings
from towerplan.errors import ConfigError
from towerplan.planning.gaps import GapConfig
from towerplan.planning.shared_towers import PlacementSettings
from towerplan.planning.speed import LoadModel
from towerplan.planning.switchoff import SwitchOffSettings
from towerplan.study.service import check_service, coverage_for_service, criteria_of

__all__ = ["EXECUTORS", "TECHNOLOGIES", "Executor", "StudySettings", "check_gap_threshold", "gap_config_for"]

TECHNOLOGIES = ("2G", "3G", "4G", "5G")
Executor = Literal["serial", "processes", "dask"]
EXECUTORS: tuple[str, ...] = ("serial", "processes", "dask")
#: analysis cell sizes a study accepts (m)
RESOLUTION_RANGE_M = (1.0, 1000.0)


def gap_config_for(coverage: CoverageConfig, options: GapConfig | None = None) -> GapConfig:
    """The gap settings of a study: ``options`` (default :class:`GapConfig`) with the service threshold of
    ``coverage`` (the one definition of served)."""
    base = options if options is not None else GapConfig()
    if base.threshold_dbm == coverage.threshold_dbm:
        return base
    return dataclasses.replace(base, threshold_dbm=coverage.threshold_dbm)


def check_gap_threshold(coverage: CoverageConfig, gaps: GapConfig, *, gaps_key: str = "gaps.threshold_dbm",
                        coverage_key: str = "coverage.threshold_dbm") -> None:
    """ConfigError naming both keys when the gap threshold contradicts the service threshold."""
    if gaps.threshold_dbm != coverage.threshold_dbm:
        raise ConfigError(
            f"{gaps_key} = {gaps.threshold_dbm:g} contradicts {coverage_key} = {coverage.threshold_dbm:g}: "
            f"a cell is served at one level for every step; set it once, as {coverage_key}")


@dataclass(frozen=True)
class StudySettings:
    """Every setting of a plan: coverage, service criterion, gaps, candidates, placement, costs, run.

    Build it with :meth:`create` (which derives the gap threshold) or directly (which checks it).

    Attributes
    ----------
    coverage
        Models, margins, radius and the service criterion ``coverage.threshold_dbm`` (dBm).
    technologies
        Which sectors are modelled (None: all).
    resolution_m
        Analysis cell size (m); None: the DEM's own.
    gaps
        Gap analysis settings; its ``threshold_dbm`` is the service criterion (checked).
    placement
        Shared-tower settings (candidates, costs, radio and budget inside); None: no proposals.
    executor, workers
        How the coverage engine runs.
    speed
        Load model and speed targets of the speed analysis (``coverage.sinr``): operator market
        shares, busy-hour activity, targets (scenario section ``[speed]``).
    switch_off
        Technologies switched off (or a date on the switch-off calendar): who loses service
        (:mod:`towerplan.planning.switchoff`); None: no switch-off analysis.
    service
        The service criteria (:class:`~towerplan.coverage.criteria.ServiceSettings`): per technology
        and class the required median level, from which ``coverage.threshold_dbm`` and
        ``coverage.level_offsets_db`` are derived (:mod:`towerplan.study.service`, checked); None: one
        fixed ``coverage.threshold_dbm`` for every technology.
    """

    coverage: CoverageConfig = field(default_factory=CoverageConfig)
    technologies: tuple[str, ...] | None = ("4G",)
    resolution_m: float | None = None
    gaps: GapConfig = field(default_factory=GapConfig)
    placement: PlacementSettings | None = None
    executor: Executor = "serial"
    workers: int | None = None
    speed: LoadModel = field(default_factory=LoadModel)
    switch_off: SwitchOffSettings | None = None
    service: ServiceSettings | None = None

    def __post_init__(self) -> None:
        problems: list[str] = []
        if not isinstance(self.coverage, CoverageConfig):
            problems.append("coverage must be a CoverageConfig")
        if not isinstance(self.gaps, GapConfig):
            problems.append("gaps must be a GapConfig")
        if not isinstance(self.speed, LoadModel):
            problems.append("speed must be a LoadModel")
        if self.placement is not None and not isinstance(self.placement, PlacementSettings):
            problems.append("placement must be PlacementSettings or None")
        if self.switch_off is not None and not isinstance(self.switch_off, SwitchOffSettings):
            problems.append("switch_off must be SwitchOffSettings or None")
        if self.technologies is not None:
            bad = [t for t in self.technologies if t not in TECHNOLOGIES]
            if bad or not self.technologies:
                problems.append(f"technologies must be among {', '.join(TECHNOLOGIES)}; got {list(self.technologies)}")
        if self.resolution_m is not None:
            lo, hi = RESOLUTION_RANGE_M
            if not (math.isfinite(self.resolution_m) and lo <= self.resolution_m <= hi):
                problems.append(f"resolution_m: {self.resolution_m:g} m must be within {lo:g}-{hi:g} m")
        if self.executor not in EXECUTORS:
            problems.append(f"executor must be one of {', '.join(EXECUTORS)}, got {self.executor!r}")
        if self.workers is not None and (isinstance(self.workers, bool) or not isinstance(self.workers, int)
                                         or self.workers < 1):
            problems.append(f"workers must be at least 1, got {self.workers!r}")
        if self.service is not None and not isinstance(self.service, ServiceSettings):
            problems.append("service must be ServiceSettings or None")
        if problems:
            raise ConfigError("study settings: " + "; ".join(problems))
        check_service(self.coverage, self.service, self.technologies)
        check_gap_threshold(self.coverage, self.gaps)

    @classmethod
    def create(
        cls,
        *,
        coverage: CoverageConfig | None = None,
        technologies: Sequence[str] | None = ("4G",),
        resolution_m: float | None = None,
        gaps: GapConfig | None = None,
        placement: PlacementSettings | None = None,
        executor: Executor = "serial",
        workers: int | None = None,
        speed: LoadModel | None = None,
        switch_off: SwitchOffSettings | None = None,
        service: ServiceSettings | None = None,
    ) -> StudySettings:
        """Settings with the gap threshold derived from ``coverage`` (``gaps``' own threshold is not read) and,
        with ``service``, the coverage threshold and level offsets derived from the service criteria."""
        cov = coverage if coverage is not None else CoverageConfig()
        techs = None if technologies is None else tuple(str(t).upper() for t in technologies)
        if service is not None:
            cov = coverage_for_service(cov, service, techs)
        elif cov.level_offsets_db or cov.carrier_entry_loss is not None:  # of an earlier service criterion
            cov = dataclasses.replace(cov, level_offsets_db={}, carrier_entry_loss=None)
        return cls(coverage=cov, technologies=techs,
                   resolution_m=None if resolution_m is None else float(resolution_m),
                   gaps=gap_config_for(cov, gaps), placement=placement, executor=executor, workers=workers,
                   service=service, speed=speed if speed is not None else LoadModel(), switch_off=switch_off)

    @property
    def threshold_dbm(self) -> float:
        """The service criterion (dBm): a cell is served at or above it."""
        return self.coverage.threshold_dbm

    @property
    def criteria(self) -> dict[str, ServiceCriterion] | None:
        """The service criterion of every modelled technology (None without service criteria)."""
        return None if self.service is None else criteria_of(self.service, self.technologies)

    def replace(self, **changes: object) -> StudySettings:
        """A copy with ``changes``; a new ``coverage`` carries its threshold into the gap settings."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        values.update(changes)
        return StudySettings.create(**values)  # type: ignore[arg-type]
