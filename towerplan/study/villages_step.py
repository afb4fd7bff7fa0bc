"""The villages step of a plan: every village of the study with its service (:mod:`towerplan.villages.status`).

Run by :func:`towerplan.study.steps.run_plan` when the study has villages (``[inputs] villages``);
the table goes into the plan package (``villages`` layer and sheet) and the agreement with the
province's "no signal" reports into the summary.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import geopandas as gpd

from towerplan.study.inputs import StudyInputs

if TYPE_CHECKING:  # pragma: no cover
    from towerplan.coverage.config import CoverageConfig
    from towerplan.coverage.criteria import ServiceSettings
    from towerplan.coverage.engine import CoverageResult
    from towerplan.grid import Grid
    from towerplan.planning.analysis import GapAnalysis
    from towerplan.planning.shared_towers import SharedTowerPlan

__all__ = ["class_criteria_for", "run_villages_step", "village_target_summary", "villages_summary"]


def class_criteria_for(service: ServiceSettings | None, coverage: CoverageConfig,
                       technologies: Iterable[str]) -> dict[str, dict[str, float]]:
    """Per service class and technology, the criterion on the scale of the engine's level grids.

    A technology's grid holds its median level plus ``coverage.level_offsets_db`` (the study's one
    threshold then applies its own criterion, :mod:`towerplan.study.service`), so class ``c`` is
    served where the grid reaches ``required(t, c) + offset(t)``. The engine leaves cells below the
    study's own criterion empty, so only the study's class and the stricter ones can be decided: looser
    classes are left out. None without service criteria.
    """
    if service is None:
        return {}
    from towerplan.coverage.criteria import SERVICE_CLASSES

    techs = [str(t).upper() for t in technologies]
    own = {t: service.criterion(t).required_median_dbm for t in techs}
    out: dict[str, dict[str, float]] = {}
    for cls in SERVICE_CLASSES:
        other = dataclasses.replace(service, service_class=cls)
        need = {t: other.criterion(t).required_median_dbm for t in techs}
        if all(need[t] >= own[t] - 1e-6 for t in techs):
            out[cls] = {t: need[t] + float(coverage.level_offsets_db.get(t, 0.0)) for t in techs}
    return out


def run_villages_step(inputs: StudyInputs, coverage: CoverageResult, gaps: GapAnalysis | None,
                      placement: SharedTowerPlan | None = None, *,
                      service: ServiceSettings | None = None) -> gpd.GeoDataFrame | None:
    """The village table of the study (None without villages); served status by :func:`coverage.service.served`
    at the coverage run's criterion (and per service class with ``service``: :func:`class_criteria_for`),
    distances to every existing tower (any technology) and to the roads."""
    if inputs.villages is None or inputs.villages.empty:
        return None
    from towerplan.villages.status import village_status

    return village_status(
        inputs.villages, grid=inputs.dem, technology_levels=coverage.technology_levels,
        operator_levels=coverage.operator_levels, criterion_dbm=coverage.config.threshold_dbm,
        class_criteria=class_criteria_for(service, coverage.config, coverage.technology_levels),
        after=placement.after if placement is not None else None, towers=inputs.stations, roads=inputs.roads,
        gaps=gaps.gaps if gaps is not None else None, units=inputs.communes,
        unit_name_column=inputs.commune_name_column,
    )


def villages_summary(villages: gpd.GeoDataFrame | None) -> dict[str, Any] | None:
    """Headline figures of the village table (JSON-ready), with the agreement when the province reported."""
    if villages is None:
        return None
    from towerplan.villages.status import village_agreement

    unserved = ~villages["served_any"].to_numpy(dtype=bool)
    households = villages["households"].fillna(0.0)
    out: dict[str, Any] = {
        "villages": len(villages),
        "without_signal": int(unserved.sum()),
        "households_without_signal": round(float(households[unserved].sum()), 1),
        "without_signal_and_power": int((unserved & (villages["grid_power"] == False).fillna(False)  # noqa: E712
                                        .to_numpy(dtype=bool)).sum()),
        "in_a_gap": int(villages["gap_rank"].notna().sum()),
    }
    classes = [c for c in villages.columns if c.startswith("served_class_")]
    if classes:  # villages served per service class (the study's class and the stricter ones)
        out["served_by_class"] = {c.removeprefix("served_class_"): int(villages[c].sum()) for c in classes}
    if "served_after_plan" in villages:
        out["without_signal_after_plan"] = int((~villages["served_after_plan"].to_numpy(dtype=bool)).sum())
    if "reported_no_signal" in villages and villages["reported_no_signal"].notna().any():
        agreement = village_agreement(villages)
        out["agreement"] = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in agreement.as_dict().items()}
    return out


def village_target_summary(villages: gpd.GeoDataFrame | None, placement: SharedTowerPlan | None,
                           grid: Grid, *, people: Grid | None = None) -> dict[str, Any] | None:
    """With a village target (``[placement.target] min_households``): the villages of more than N households
    served after the plan and those left, each with why, and every one of them with its status and the proposal
    that reaches it (with its phasing year) (:func:`towerplan.villages.target.village_target_report`; ``people``:
    the people per cell the plan counts); None without villages or without such a target."""
    target = placement.settings.target if placement is not None else None
    if villages is None or target is None or target.min_households is None:
        return None
    import numpy as np

    from towerplan.villages.target import village_target_report

    assert placement is not None  # target was read from it
    result = placement.result
    demand = result.demand_cells
    unreachable = None
    if demand is not None and result.target is not None:
        unreachable = np.asarray(demand)[list(result.target.unreachable_required)]
    years = None
    if placement.phasing is not None and "target_year" in placement.phasing.proposals:
        phased = placement.phasing.proposals
        years = dict(zip(phased["candidate_id"].astype(str), phased["target_year"], strict=True))
    ids = result.proposals["candidate_id"].astype(str).tolist() if len(result.proposals) else []
    return village_target_report(villages, target.min_households, grid=grid, demand_cells=demand,
                                 unreachable_cells=unreachable, proposal_covers=result.proposal_covers,
                                 proposal_ids=ids, target_years=years, people=people)
