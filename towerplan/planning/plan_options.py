"""The provincial-plan options inside :func:`~towerplan.planning.shared_towers.propose_shared_towers`.

The money budget a phasing implies (:func:`plan_budget`), the upgrade candidates added to the others
(:func:`with_upgrades`), the phasing of the proposals with their priority (:func:`phase_plan`) and the
summary figures of upgrades, target and phasing (:func:`target_phasing_summary`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from towerplan.errors import ConfigError
from towerplan.grid import Grid
from towerplan.planning.phasing import PhasingResult, phase_proposals
from towerplan.planning.upgrades import upgrade_candidates

if TYPE_CHECKING:  # pragma: no cover
    from towerplan.planning.placement import PlacementResult
    from towerplan.planning.shared_towers import PlacementSettings, SharedTowerPlan

__all__ = ["phase_plan", "plan_budget", "target_phasing_summary", "with_priority", "with_upgrades"]


def target_phasing_summary(plan: SharedTowerPlan) -> dict[str, Any]:
    """``upgrades``, ``target`` and ``phasing`` figures of the summary (only what was asked for)."""
    from towerplan.planning.plan_summary import target_phasing_summary as figures

    return figures(plan)


def plan_budget(settings: PlacementSettings) -> float | None:
    """The money budget: ``budget_vnd``; with only yearly budgets, their sum (the plan spends at most that)."""
    if not settings.has_limit:
        raise ConfigError("give a tower count (max_sites), a money budget (budget_vnd), yearly budgets "
                          "(phasing) or a coverage target")
    if settings.budget_vnd is None and settings.max_sites is None and settings.target is None and settings.phasing:
        return settings.phasing.total_vnd
    return settings.budget_vnd


def with_priority(result: PlacementResult, priority_grid: np.ndarray | None) -> pd.DataFrame:
    """The proposals (no geometry) with ``priority``: the highest ``priority_grid`` value of the cells each serves."""
    props = pd.DataFrame(result.proposals.drop(columns="geometry"))
    rows, cells = result.proposal_covers, result.demand_cells
    if priority_grid is None or rows is None or cells is None or not len(props):
        return props
    flat = np.nan_to_num(np.asarray(priority_grid, dtype=float).ravel())
    score = [float(flat[cells[rows.indices[rows.indptr[k]:rows.indptr[k + 1]]]].max(initial=0.0))
             for k in range(len(props))]
    return props.assign(priority=score)


def phase_plan(result: PlacementResult, settings: PlacementSettings, people_total: float, people_without: float,
               priority_grid: np.ndarray | None) -> PhasingResult | None:
    """The proposals phased over the years of ``settings.phasing`` (None without phasing)."""
    if settings.phasing is None:
        return None
    return phase_proposals(with_priority(result, priority_grid), settings.phasing, covers=result.proposal_covers,
                           weights=result.demand_weights, base_people=people_total - people_without,
                           total_people=people_total)


def with_upgrades(cands: gpd.GeoDataFrame, stations: pd.DataFrame, dem: Grid,
                  settings: PlacementSettings) -> gpd.GeoDataFrame:
    """``cands`` and the upgrade candidates of ``stations`` (every technology) for the planned radio."""
    every = pd.DataFrame(stations).drop(columns="geometry", errors="ignore")
    ups = upgrade_candidates(every, dem, technology=settings.radio.technology, radio=settings.radio)
    if not len(ups):
        return cands
    return gpd.GeoDataFrame(pd.concat([cands, ups], ignore_index=True), geometry="geometry", crs=dem.crs)
