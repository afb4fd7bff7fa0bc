"""Shared-tower proposals end to end: the one function the CLI, the batch runner and the app call.

:func:`propose_shared_towers` takes the study's terrain, people, existing sectors of
the planned technology and their current coverage, and returns a
:class:`SharedTowerPlan`:

1. **candidates** (:mod:`towerplan.planning.candidates`): tenancy on every existing
   tower (``colocation``), new masts on high ground near the people without
   coverage (``greenfield``, outside ``exclusions``, within reach of ``roads``) and the
   planner's own list (``user``; rows inside an exclusion are dropped with a warning);
2. **backhaul** (:mod:`towerplan.planning.backhaul`) for every new mast: fibre along
   the roads from the nearest fibre point (when no fibre layer is given, existing
   tower sites count as fed points) and a microwave hop to the nearest fed tower in
   radio line of sight; its lengths feed :func:`~towerplan.planning.costs.candidate_costs`;
3. **selection** (:func:`~towerplan.planning.placement.plan_towers`): the coverage matrix
   with the engine, the objective (``any``, ``per_operator``, ``backup``) and
   :func:`~towerplan.planning.optimize.choose_sites`;
4. **before / after** rasters: the best level of the planned technology now (with the
   locked-in sites) and with the proposed sites added, from the same models on the
   same lattice (``after = max(before, levels of the proposed sites)``).

``locked_in`` candidates are decided already: their coverage counts as existing
before choosing (it is part of ``before``), they are never proposed and their cost
is not charged to the budget.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from towerplan.coverage.clutter import ClutterGrid
from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.engine import run_coverage
from towerplan.coverage.plan import projected_xy
from towerplan.coverage.service import served
from towerplan.errors import ConfigError, InputError
from towerplan.grid import Grid
from towerplan.planning.backhaul import compute_backhaul, fed_sites_from_stations, fibre_assumption_warning
from towerplan.planning.candidate_calibration import calibrated_radio
from towerplan.planning.candidates import (
    colocation_candidates,
    greenfield_candidates,
    lonlat_to_xy,
    user_candidates,
)
from towerplan.planning.matrix import CandidateRadio, candidate_sectors
from towerplan.planning.phasing import PhasingResult
from towerplan.planning.placement import PlacementResult, plan_towers
from towerplan.planning.placement_settings import PlacementSettings
from towerplan.planning.plan_options import phase_plan, plan_budget, target_phasing_summary, with_upgrades
from towerplan.planning.speed_objective import SpeedDemand
from towerplan.planning.upgrades import candidate_radios

__all__ = ["PlacementSettings", "SharedTowerPlan", "propose_shared_towers"]

log = logging.getLogger(__name__)

@dataclass(frozen=True, eq=False)
class SharedTowerPlan:
    """Proposals with their candidates, backhaul routes and before/after coverage.

    Attributes
    ----------
    result
        :class:`~towerplan.planning.placement.PlacementResult`: proposals (GeoDataFrame in
        build order), curve, solver selection, objective, demand weight.
    candidates
        Every candidate considered (dem CRS) with its costs (``*_vnd``, ``total_vnd``,
        ``backhaul``) and backhaul columns (``fibre_route_m``, ``fibre_from``,
        ``microwave_m``, ``microwave_to``).
    backhaul_routes
        Fibre routes of the proposals that use fibre (LineStrings, dem CRS); may be empty.
    before, after
        Best level (dBm, NaN = none) of the planned technology before (existing network and
        locked-in sites) and with the proposed sites added, on the DEM's lattice.
    people_without_coverage
        People in cells that no operator covers before (the locked-in sites count as built).
    extra
        Notes for the summary: user candidates dropped in exclusions, where fibre starts.
    settings
        The settings used.
    """

    result: PlacementResult
    candidates: gpd.GeoDataFrame
    backhaul_routes: gpd.GeoDataFrame
    before: Grid
    after: Grid
    people_without_coverage: float
    settings: PlacementSettings
    extra: dict[str, Any] = field(default_factory=dict)
    phasing: PhasingResult | None = None

    def summary(self) -> dict[str, Any]:
        """JSON-ready figures: objective, method, status, gap, runtime, budget, counts, people, cost."""
        sel = self.result.selection
        props = self.result.proposals
        kinds = self.candidates["kind"].value_counts() if len(self.candidates) else pd.Series(dtype=int)
        newly = float(props["people_newly_covered"].sum()) if len(props) else 0.0
        cost = float(props["cost_vnd"].sum()) if len(props) else 0.0
        capex = float(props["capex_vnd"].sum()) if len(props) else 0.0
        present = float(props["present_value_vnd"].sum()) if len(props) else 0.0
        yearly = float(props["opex_per_year_vnd"].sum()) if len(props) else 0.0
        backhaul = props["backhaul"].value_counts().to_dict() if len(props) else {}
        model = self.settings.costs
        return {
            "objective": self.result.objective,
            "method": sel.method,
            "status": sel.status,
            "optimality_gap": None if not math.isfinite(sel.gap) else float(sel.gap),
            "runtime_s": round(float(sel.runtime_s), 3),
            "budget": {"towers": self.settings.max_sites, "vnd": self.settings.budget_vnd},
            "candidates": {
                "colocation": int(kinds.get("colocation", 0)), "greenfield": int(kinds.get("greenfield", 0)),
                "user": int(kinds.get("user", 0)), "total": len(self.candidates),
                "locked_in": len(self.settings.locked_in),
            },
            "proposals": len(props),
            "people_newly_covered": newly,
            "people_without_coverage": float(self.people_without_coverage),
            "demand_weight": float(self.result.demand_weight),
            "cost_vnd": cost,
            "capex_vnd": capex,
            "present_value_vnd": present,
            "opex_per_year_vnd": yearly,
            "cost_basis": model.budget_basis,
            "horizon_years": model.horizon_years,
            "discount_rate": model.discount_rate,
            "radio_sharing": self.settings.radio_sharing,
            "vnd_per_person": cost / newly if newly > 0 else None,
            "backhaul": {str(k): int(v) for k, v in backhaul.items()},
            "unit": self.settings.unit,
            "warnings": list(self.extra.get("warnings", ())),
            **target_phasing_summary(self),
            **{k: v for k, v in self.extra.items() if isinstance(v, (int, float, str, bool, type(None)))},
        }


# ---------------------------------------------------------------- helpers
def _fibre_routes(cands: gpd.GeoDataFrame, routes: gpd.GeoSeries, pos: list[int], crs: Any) -> gpd.GeoDataFrame:
    """Fibre routes of the proposals (rows ``pos`` of ``cands``) that use fibre."""
    uses_fibre = [i for i in pos if str(cands["backhaul"].iloc[i]) == "fibre"]
    route_rows = pd.DataFrame({
        "candidate_id": cands["candidate_id"].iloc[uses_fibre].astype(str).to_numpy(),
        "fibre_from": cands["fibre_from"].iloc[uses_fibre].astype(str).to_numpy(),
        "fibre_route_m": cands["fibre_route_m"].iloc[uses_fibre].to_numpy(float),
        "backhaul_vnd": cands["backhaul_vnd"].iloc[uses_fibre].to_numpy(float),
    })
    return gpd.GeoDataFrame(route_rows, geometry=list(routes.iloc[uses_fibre].to_numpy()), crs=crs)


def _check_inputs(dem: Grid, population: Grid, stations: pd.DataFrame, levels: dict[str, Grid]) -> None:
    dem.require_metric()
    if not population.same_lattice(dem):
        raise InputError("population and DEM must be on the same lattice (align the population first)")
    if not levels:
        raise InputError("no current coverage given: pass one level grid per operator (operator -> Grid)")
    off = [op for op, g in levels.items() if not g.same_lattice(dem)]
    if off:
        raise InputError(f"current coverage of {', '.join(map(str, off))} is not on the DEM's lattice")
    if len(stations):
        missing = [c for c in ("site_id", "operator", "lon", "lat") if c not in stations.columns]
        if missing:
            raise InputError(f"the station table lacks the columns {', '.join(missing)}")


def _in_crs(layer: gpd.GeoDataFrame | None, crs: Any, what: str) -> gpd.GeoDataFrame | None:
    if layer is None or len(layer) == 0:
        return None
    if not isinstance(layer, gpd.GeoDataFrame) or layer.crs is None:
        raise InputError(f"the {what} layer needs a coordinate reference system (a GeoDataFrame with a CRS)")
    return layer.to_crs(crs)


def _best(grids: list[np.ndarray], shape: tuple[int, int]) -> np.ndarray:
    out = np.full(shape, np.nan, dtype=np.float32)
    for g in grids:
        g = np.asarray(g, dtype=np.float32)
        better = np.isfinite(g) & ~(out >= g)
        out[better] = g[better]
    return out


def _site_levels(dem: Grid, cands: pd.DataFrame, radio: CandidateRadio, config: CoverageConfig,
                 clutter: ClutterGrid | None = None) -> np.ndarray | None:
    """Best level of the candidates' hypothetical sites over the whole DEM (None when there are none)."""
    if len(cands) == 0:
        return None
    radios = candidate_radios(cands, radio)
    sectors = pd.concat([candidate_sectors(row, r) for (_, row), r in zip(cands.iterrows(), radios, strict=True)],
                        ignore_index=True)
    return run_coverage(dem, sectors, config=config, clutter=clutter).best_level.values


def _candidates(
    dem: Grid, stations: pd.DataFrame, serve: np.ndarray, settings: PlacementSettings, *,
    roads: gpd.GeoDataFrame | None, exclusions: gpd.GeoDataFrame | None, user: pd.DataFrame | None,
    existing_xy: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[gpd.GeoDataFrame, int]:
    frames = []
    if existing_xy is None and len(stations):
        existing_xy = lonlat_to_xy(dem.crs, stations["lon"], stations["lat"])
    existing = np.column_stack(existing_xy) if len(stations) and existing_xy is not None else None
    cfg = replace(settings.candidates, mast_height_m=settings.mast_height_m)
    if settings.include_colocation and len(stations):
        frames.append(colocation_candidates(stations, dem, config=cfg))
    if settings.include_greenfield:
        frames.append(greenfield_candidates(
            dem, serve, config=cfg, roads=None if roads is None else roads.geometry, existing_xy=existing,
            excluded=None if exclusions is None else exclusions.geometry,
        ))
    dropped = 0
    if user is not None and len(user):
        table = user
        if isinstance(user, gpd.GeoDataFrame) and not ({"x", "y"} <= set(user.columns)
                                                       or {"lon", "lat"} <= set(user.columns)):
            if user.crs is None:
                raise InputError("the user candidate layer has no coordinate reference system")
            pts = user.to_crs(dem.crs).geometry
            if not (pts.geom_type == "Point").all():
                raise InputError("user candidates must be points")
            table = pd.DataFrame(user.drop(columns=user.geometry.name)).assign(x=pts.x.to_numpy(), y=pts.y.to_numpy())
        uc = user_candidates(pd.DataFrame(table), dem, mast_height_m=settings.mast_height_m)
        if exclusions is not None:
            inside = shapely.intersects(shapely.union_all(exclusions.geometry.values), uc.geometry.values)
            if inside.any():
                dropped = int(inside.sum())
                log.warning("user candidates inside an excluded zone dropped: %s",
                            ", ".join(uc.loc[inside, "candidate_id"].astype(str).tolist()[:20]))
                uc = uc[~inside]
        if roads is not None and len(uc):
            tree = shapely.STRtree(roads.geometry.values)
            _, dist = tree.query_nearest(uc.geometry.values, return_distance=True, all_matches=False)
            uc = uc.assign(road_distance_m=dist)
        frames.append(uc)
    frames = [f for f in frames if len(f)]
    if not frames:
        raise InputError("no candidate sites: no existing tower, no greenfield site near the people without "
                         "coverage, and no user candidate")
    cands = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=dem.crs)
    dup = cands["candidate_id"].astype(str)
    dup = sorted(set(dup[dup.duplicated()]))
    if dup:
        raise InputError(f"duplicate candidate ids: {', '.join(dup[:10])}")
    return cands, dropped


def _backhaul_notes(bh: pd.DataFrame, cands: pd.DataFrame, pos: list[int], settings: PlacementSettings, *,
                    dropped: int, fibre_given: bool) -> dict[str, Any]:
    """Summary notes on the backhaul: fibre source, hop limit, clearance rule and the no-fibre warning."""
    assumed = bool(bh.attrs.get("fibre_assumed", False))
    on_assumed = sum(1 for i in pos if str(cands["backhaul"].iloc[i]) == "fibre"
                     and str(cands["fibre_from"].iloc[i]).endswith("(assumed fed)"))
    source = ("fibre points" if fibre_given else "existing tower sites (assumed fed)" if assumed
              else "none (no fibre points; towers not assumed fed)")
    notes: dict[str, Any] = {
        "user_candidates_dropped_in_exclusions": dropped, "fibre_source": source, "fibre_assumed": assumed,
        "proposals_on_assumed_fibre": on_assumed,
        "microwave_max_hop_km": float(bh.attrs.get("microwave_max_hop_km", float("nan"))),
        "microwave_clearance_rule": settings.microwave.clearance.describe(),
        "microwave_rain": (f"R0.01 = {settings.microwave.rain_rate_mm_h:g} mm/h, "
                           f"{settings.microwave.availability_pct:g} % availability at "
                           f"{settings.microwave_freq_ghz:g} GHz (ITU-R P.530-18 §2.4.1, P.838-3)"),
        "warnings": [fibre_assumption_warning(on_assumed)] if assumed else [],
    }
    if assumed:
        log.warning(notes["warnings"][0])
    return notes


# -------------------------------------------------------------------- API
def propose_shared_towers(
    dem: Grid,
    population: Grid,
    stations: gpd.GeoDataFrame | pd.DataFrame,
    current_levels: dict[str, Grid],
    *,
    settings: PlacementSettings = PlacementSettings(),
    coverage_config: CoverageConfig | None = None,
    roads: gpd.GeoDataFrame | None = None,
    exclusions: gpd.GeoDataFrame | None = None,
    user_candidates: pd.DataFrame | None = None,
    fibre_points: gpd.GeoDataFrame | None = None,
    progress: Callable[[int, int], None] | None = None,
    speed: SpeedDemand | None = None,
    all_stations: pd.DataFrame | None = None,
    required_cells: np.ndarray | None = None,
    priority_grid: np.ndarray | None = None,
    clutter: ClutterGrid | None = None,
) -> SharedTowerPlan:
    """Propose towers to build or share for the most people within a tower count and/or VND budget.

    Parameters
    ----------
    dem
        Terrain (m) on a projected metric lattice (UTM).
    population
        People per cell on the DEM's lattice.
    stations
        Sectors of the planned technology only (canonical columns, ``lon``/``lat`` EPSG:4326):
        the existing towers (co-location candidates, fed sites for backhaul).
    current_levels
        Operator -> Grid of the best level (dBm, NaN = none) on the DEM's lattice, e.g.
        :attr:`towerplan.coverage.engine.CoverageResult.operator_levels` run on ``stations``.
    settings
        Objective, method, limits, forced/forbidden/locked-in ids, candidate, cost and radio settings.
    coverage_config
        The network's coverage settings (models, threshold, radius); default :class:`CoverageConfig`.
    roads
        Road lines (any CRS): greenfield road reach, fibre routes, power distance.
    exclusions
        Polygons (any CRS) where no new mast may stand.
    user_candidates
        The planner's own candidates (``x``/``y`` in the DEM CRS or ``lon``/``lat``; optional
        ``candidate_id``, ``mast_height_m``), or a point GeoDataFrame.
    fibre_points
        Points (any CRS) where fibre is available. Without them, existing tower sites count
        as fed points (fibre may start there).
    progress
        Called with (done, total) while the coverage matrix is computed.
    speed
        Objective ``speed``: the demand below the speed target and the level a candidate must reach
        (:func:`towerplan.planning.speed_objective.speed_demand`).
    all_stations, required_cells, priority_grid
        Every technology's sectors (upgrade candidates), cells a target must serve, and a score per cell
        (phasing by priority): :mod:`towerplan.planning.plan_options`.
    clutter
        The land cover on the DEM's grid (as given to the coverage of ``current_levels``), for the
        candidates' coverage matrix and the before / after levels: proposals see the same world.

    Raises
    ------
    ConfigError
        No tower count or budget, unknown candidate ids in the settings.
    InputError
        Inputs on different lattices, missing columns, no candidates, layers without a CRS.
    """
    budget_vnd = plan_budget(settings)
    config = coverage_config or CoverageConfig()
    xy = projected_xy(stations, dem)  # stations already in the DEM's CRS are not projected again
    stations = pd.DataFrame(stations.drop(columns="geometry") if isinstance(stations, gpd.GeoDataFrame)
                            else stations).reset_index(drop=True)
    _check_inputs(dem, population, stations, current_levels)
    if "technology" in stations and len(stations):
        techs = sorted(set(stations["technology"].astype(str)))
        if techs != [settings.radio.technology]:
            log.warning("stations are %s but the candidate radio is %s: coverage compares unlike levels",
                        ",".join(techs), settings.radio.technology)
    # a calibrated station list (--calibration): the new sites get the same drive-test correction
    radio = calibrated_radio(settings.radio, stations)
    roads_m, excl_m = _in_crs(roads, dem.crs, "roads"), _in_crs(exclusions, dem.crs, "exclusions")
    fibre_m = _in_crs(fibre_points, dem.crs, "fibre points")
    if fibre_m is not None and not fibre_m.geom_type.isin(["Point"]).all():
        raise InputError("fibre points must be Point geometries")

    people = population.masked(fill=0.0)
    threshold = config.threshold_dbm
    current = _best([g.values for g in current_levels.values()], dem.shape)
    covered_now = served(current, threshold)
    serve = (people > 0) & ~covered_now
    if settings.objective == "speed":
        if speed is None:
            raise ConfigError("the speed objective needs a coverage run with SINR (coverage.sinr = true)")
        serve = (people > 0) & speed.below_target
    cands, dropped = _candidates(dem, stations, serve, settings, roads=roads_m, exclusions=excl_m,
                                 user=user_candidates, existing_xy=xy)
    if settings.include_upgrades:
        cands = with_upgrades(cands, stations if all_stations is None else all_stations, dem, settings)
    ids = set(cands["candidate_id"].astype(str))
    unknown = sorted({*settings.must_include, *settings.forbidden, *settings.locked_in} - ids)
    if unknown:
        raise ConfigError(f"unknown candidate ids in the settings: {', '.join(unknown[:10])} "
                          f"(co-location ids are C-<site_id>, greenfield G00001..., user ids as given)")

    # backhaul of every new mast
    fed = fed_sites_from_stations(stations, dem)
    bh = compute_backhaul(
        dem, cands, roads=roads_m, fibre_points=fibre_m, fed_sites=fed, cost_model=settings.costs,
        microwave_freq_ghz=settings.microwave_freq_ghz, microwave=settings.microwave,
        assume_towers_fed=settings.assume_towers_fed,
    )
    cands = cands.assign(**{c: bh[c].to_numpy() for c in ("fibre_route_m", "fibre_from", "microwave_m",
                                                           "microwave_to")})
    routes = gpd.GeoSeries(bh["route"].to_numpy(), crs=dem.crs)

    result = plan_towers(
        dem, population, current_levels, cands, objective=settings.objective, max_sites=settings.max_sites,
        budget_vnd=budget_vnd, method=settings.method, config=config, radio=radio,
        cost_model=settings.costs, must_include=settings.must_include, forbidden=settings.forbidden,
        locked_in=settings.locked_in, time_limit_s=settings.time_limit_s, mip_rel_gap=settings.mip_rel_gap,
        progress=progress, speed=speed,
        upgrade_costs=settings.upgrade_costs, coverage_target=settings.target, required_cells=required_cells,
        radio_sharing=settings.radio_sharing, clutter=clutter,
    )
    costs = result.candidate_costs
    assert costs is not None  # plan_towers always sets it
    cands = cands.assign(**{c: costs[c].to_numpy() for c in costs.columns if c != "candidate_id"})

    # before / after on the same lattice with the same models
    index = {cid: i for i, cid in enumerate(cands["candidate_id"].astype(str))}
    locked = cands.iloc[[index[c] for c in settings.locked_in]]
    locked_levels = _site_levels(dem, locked, radio, config, clutter)
    before_v = current if locked_levels is None else _best([current, locked_levels], dem.shape)
    chosen_ids = result.proposals["candidate_id"].astype(str).tolist() if len(result.proposals) else []
    chosen = cands.iloc[[index[c] for c in chosen_ids]]
    chosen_levels = _site_levels(dem, chosen, radio, config, clutter)
    after_v = before_v if chosen_levels is None else _best([before_v, chosen_levels], dem.shape)
    before, after = (Grid(v, dem.transform, dem.crs, float("nan")) for v in (before_v, after_v))
    covered_before = served(before_v, threshold)
    without = float(people[~covered_before].sum())
    phasing = phase_plan(result, settings, float(people.sum()), without, priority_grid)

    pos = [index[c] for c in chosen_ids]
    backhaul_routes = _fibre_routes(cands, routes, pos, dem.crs)
    extra = _backhaul_notes(bh, cands, pos, settings, dropped=dropped, fibre_given=fibre_m is not None)
    if speed is not None and settings.objective == "speed":
        extra.update({f"speed_{k}": v for k, v in speed.summary().items()})
    log.info("shared towers: %d proposals of %d candidates (%s, %s)", len(result.proposals), len(cands),
             settings.objective, settings.method)
    return SharedTowerPlan(result, cands, backhaul_routes, before, after, without, settings, extra, phasing)
