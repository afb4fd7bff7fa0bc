"""One summary of a study, from which every front end takes its figures: :class:`StudySummary`.

Built once from what was computed (:func:`study_summary`: inputs, settings, and the coverage, dead
zones and shared-tower results present so far), it holds every headline figure: sites and sectors,
people covered and not, dead zones, road km, proposals and cost, and the data origin. The app's
pages, ``towerplan run``/``place``, the report, the XLSX workbook and ``summary.json`` show these
figures through :func:`towerplan.i18n_summary.summary_rows`, so a number reads the same everywhere.

Counting, one way everywhere:

- a **site** is one operator's site (``operator``, ``site_id``); a **tower** is a physical site
  (operators' sites closer than 30 m, :func:`towerplan.stations.sites.physical_sites`); a
  **sector** is one row of the station lists (a cell).
- **people without coverage** are the study area's people (the union of the communes, cells on
  their boundary by area fraction; the whole grid without communes) in cells no operator serves
  (:func:`towerplan.coverage.service.served`). Shared-tower placement counts its demand over the
  same area (:func:`study_area_population`), so "people without coverage" before the proposals is
  one number on every screen.
- **people in dead zones** are a different quantity, and labelled so: the uncovered people in the
  dead zones kept by the gap filters (at least ``min_people`` people and ``min_density_per_km2``);
  the rest of the uncovered people live scattered outside them (``uncovered_outside_gaps``).
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from towerplan.errors import ConfigError
from towerplan.grid import Grid
from towerplan.study.origin import DataOrigin, data_origin
from towerplan.study.settings import StudySettings

if TYPE_CHECKING:  # pragma: no cover
    from towerplan.coverage.engine import CoverageResult
    from towerplan.planning.analysis import GapAnalysis
    from towerplan.planning.shared_towers import SharedTowerPlan
    from towerplan.study.inputs import StudyInputs
    from towerplan.study.steps import PlanResults

__all__ = ["SiteCount", "StudySummary", "count_sites", "study_area_population", "study_summary",
           "summary_of_results"]


@dataclass(frozen=True)
class SiteCount:
    """Operator sites, physical towers and sectors of a station table (module docstring)."""

    sites: int
    towers: int
    sectors: int

    def __post_init__(self) -> None:
        if min(self.sites, self.towers, self.sectors) < 0 or self.towers > self.sites or self.sites > self.sectors:
            raise ConfigError(f"inconsistent site count: {self}")


def count_sites(stations: pd.DataFrame) -> SiteCount:
    """:class:`SiteCount` of a canonical station table (``operator``, ``site_id``, ``lon``, ``lat``)."""
    from towerplan.stations.sites import physical_sites

    if len(stations) == 0:
        return SiteCount(0, 0, 0)
    sites = len(stations[["operator", "site_id"]].astype(str).drop_duplicates())
    towers = len(physical_sites(pd.DataFrame(stations)).sites)
    return SiteCount(sites, towers, len(stations))


_AREA_CACHE: weakref.WeakKeyDictionary[Any, Grid] = weakref.WeakKeyDictionary()


def study_area_population(inputs: StudyInputs) -> Grid:
    """People per cell inside the study area, on the DEM lattice: the population times each cell's share
    inside the union of the communes (the population itself without communes). Kept per inputs."""
    if inputs.communes is None or len(inputs.communes) == 0:
        return inputs.population
    cached = _AREA_CACHE.get(inputs)
    if cached is None:
        from towerplan.planning.zonal import prepare_zones, zone_weights

        zones, _ = prepare_zones(inputs.communes, inputs.dem.crs)
        fraction = zone_weights(zones, inputs.dem).union_fraction()
        people = inputs.population.masked(fill=0.0).astype(np.float64) * fraction
        cached = inputs.population.with_values(people.astype(np.float32), nodata=None)
        _AREA_CACHE[inputs] = cached
    return cached


def _r(value: Any, decimals: int = 0) -> float | None:
    if value is None:
        return None
    v = float(value)
    return round(v, decimals) + 0.0 if np.isfinite(v) else None


@dataclass(frozen=True)
class StudySummary:
    """Every headline figure of a study, rounded as shown (people to 1, km to 0.1, % to 0.1).

    ``None`` marks a figure of a step not run yet (e.g. no placement). ``figures()`` is the JSON
    form (``summary.json``'s ``figures``); :meth:`rows` the labelled, formatted lines.
    """

    study_label: str
    origin: DataOrigin
    technologies: tuple[str, ...] | None
    inputs: SiteCount
    operators: int
    threshold_dbm: float | None = None
    modelled: SiteCount | None = None
    sectors_skipped: int | None = None
    area_covered_km2: float | None = None
    population_total: float | None = None
    covered_any: float | None = None
    covered_two_plus: float | None = None
    covered_by_operator: Mapping[str, float] = field(default_factory=dict)
    uncovered: float | None = None
    gap_count: int | None = None
    gap_people: float | None = None
    gap_min_people: float | None = None
    road_km: float | None = None
    road_covered_km: float | None = None
    proposals: int | None = None
    people_newly_covered: float | None = None
    newly_unit: str = "people"
    uncovered_after: float | None = None
    cost_vnd: float | None = None

    def __post_init__(self) -> None:
        for name in ("population_total", "covered_any", "uncovered", "gap_people", "road_km", "cost_vnd"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ConfigError(f"StudySummary.{name} must be >= 0, got {value}")

    @property
    def covered_any_pct(self) -> float | None:
        if self.population_total and self.covered_any is not None:
            return _r(100.0 * self.covered_any / self.population_total, 1)
        return None

    def figures(self) -> dict[str, Any]:
        """Key -> value of every figure (None: not computed), the keys of
        :data:`towerplan.i18n_summary.FIGURE_KEYS` plus ``technologies``, ``gap_min_people``, ``data_origin``."""
        m = self.modelled
        out: dict[str, Any] = {
            "technologies": list(self.technologies) if self.technologies else None,
            "data_origin": self.origin.as_dict(),
            "sites": self.inputs.sites, "towers": self.inputs.towers, "sectors": self.inputs.sectors,
            "sites_modelled": m.sites if m else None, "sectors_modelled": m.sectors if m else None,
            "sectors_skipped": self.sectors_skipped or None, "operators": self.operators,
            "threshold_dbm": self.threshold_dbm, "area_covered_km2": _r(self.area_covered_km2, 0),
            "population_total": _r(self.population_total), "covered_any": _r(self.covered_any),
            "covered_any_pct": self.covered_any_pct, "covered_two_plus": _r(self.covered_two_plus),
            "covered_by_operator": {k: _r(v) for k, v in sorted(self.covered_by_operator.items())} or None,
            "uncovered": _r(self.uncovered), "gap_count": self.gap_count, "gap_people": _r(self.gap_people),
            "gap_min_people": self.gap_min_people,
            "uncovered_outside_gaps": (_r(max(self.uncovered - self.gap_people, 0.0))
                                       if self.uncovered is not None and self.gap_people is not None else None),
            "road_km": _r(self.road_km, 1), "road_covered_km": _r(self.road_covered_km, 1),
            "road_covered_pct": (_r(100.0 * self.road_covered_km / self.road_km, 1)
                                 if self.road_km and self.road_covered_km is not None else None),
            "proposals": self.proposals,
            "people_newly_covered": _r(self.people_newly_covered) if self.newly_unit == "people" else None,
            "uncovered_after": _r(self.uncovered_after),
            "cost_bn_vnd": _r(self.cost_vnd / 1e9, 2) if self.cost_vnd is not None else None,
        }
        return out

    def rows(self, lang: str) -> list[tuple[str, str, str]]:
        """(key, label, text) of every figure present, as every front end shows them."""
        from towerplan.i18n_summary import summary_rows

        return summary_rows(self.figures(), lang)

    def text(self, key: str, lang: str) -> str:
        """The shown text of one figure (``"137.121 người"``); KeyError when absent."""
        return {k: v for k, _, v in self.rows(lang)}[key]


def _coverage_figures(coverage: CoverageResult) -> dict[str, Any]:
    summary = coverage.summary()
    stations = coverage.stations
    used = stations[stations["usable"]] if "usable" in stations else stations
    return {"modelled": count_sites(used), "sectors_skipped": len(coverage.skipped),
            "area_covered_km2": summary["any_operator"]["area_km2"]}


def _gap_figures(gaps: GapAnalysis) -> dict[str, Any]:
    cov = gaps.coverage
    s: dict[str, Any] = gaps.summary()
    return {"population_total": cov.total_people, "covered_any": cov.covered_any,
            "covered_two_plus": cov.covered_two_plus, "covered_by_operator": dict(cov.covered_by_operator),
            "uncovered": max(cov.total_people - cov.covered_any, 0.0), "gap_count": len(gaps.gaps),
            "gap_people": float(s["gap_people"]), "gap_min_people": float(gaps.config.min_people),
            "road_km": s.get("road_km"), "road_covered_km": s.get("road_covered_km")}


def _placement_figures(inputs: StudyInputs, plan: SharedTowerPlan, threshold_dbm: float) -> dict[str, Any]:
    from towerplan.coverage.service import served

    s = plan.summary()
    people = study_area_population(inputs).masked(fill=0.0)
    after = served(plan.after, threshold_dbm)
    return {"proposals": int(s["proposals"]), "people_newly_covered": float(s["people_newly_covered"]),
            "newly_unit": str(s.get("unit", "people")), "cost_vnd": float(s["cost_vnd"]),
            "uncovered_after": float(np.asarray(people, dtype=np.float64)[~after].sum())}


def study_summary(
    inputs: StudyInputs,
    settings: StudySettings | None = None,
    *,
    coverage: CoverageResult | None = None,
    gaps: GapAnalysis | None = None,
    placement: SharedTowerPlan | None = None,
) -> StudySummary:
    """The summary of what has been computed so far (each step optional; later steps need the earlier)."""
    settings = settings or StudySettings()
    threshold = coverage.config.threshold_dbm if coverage is not None else settings.coverage.threshold_dbm
    values: dict[str, Any] = {}
    if coverage is not None:
        values.update(_coverage_figures(coverage))
    if gaps is not None:
        values.update(_gap_figures(gaps))
    if placement is not None:
        values.update(_placement_figures(inputs, placement, threshold))
        if gaps is None and not placement.settings.locked_in:  # the placement's demand is the same quantity
            values["uncovered"] = float(placement.people_without_coverage)
            values["population_total"] = float(study_area_population(inputs).masked(fill=0.0).sum())
    stations = inputs.stations
    techs = settings.technologies
    if techs is None and coverage is not None and "technology" in coverage.stations:
        techs = tuple(sorted(set(coverage.stations["technology"].astype(str))))
    return StudySummary(
        study_label=inputs.label, origin=data_origin(inputs), technologies=techs,
        inputs=count_sites(stations), operators=int(stations["operator"].nunique()) if len(stations) else 0,
        threshold_dbm=threshold if coverage is not None else None, **values,
    )


def summary_of_results(results: PlanResults) -> StudySummary:
    """:func:`study_summary` of a whole run (:func:`towerplan.study.steps.run_plan`)."""
    return study_summary(results.inputs, results.settings, coverage=results.coverage, gaps=results.gaps,
                         placement=results.placement)
