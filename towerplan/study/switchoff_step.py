"""The switch-off step of a plan: every operator's layers modelled apart, then who loses service.

:func:`run_switch_off_step` runs the coverage engine once per (operator, technology) over
the study's stations (all technologies, whatever the plan's own ``technologies``), with the
plan's coverage settings, and hands the level and best-server grids to
:func:`towerplan.planning.switchoff.switch_off_impact` with the communes and, when the study
has a village layer (``inputs.villages``, points with ``households``), the villages.
With ``add_4g_on_lost_sites`` the sites flagged ``add 4G`` get the placement's candidate radio
(4G, at their highest antenna) and the step reports what that wins back.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from towerplan.coverage.config import CoverageConfig
from towerplan.errors import ConfigError
from towerplan.grid import Grid
from towerplan.study.inputs import StudyInputs
from towerplan.study.settings import TECHNOLOGIES
from towerplan.study.steps import Progress, _step_progress, coverage_of_stations, source_terrain_of

if TYPE_CHECKING:  # pragma: no cover
    from towerplan.planning.switchoff import SwitchOffImpact
    from towerplan.study.settings import StudySettings

__all__ = ["run_switch_off_step", "village_points"]

log = logging.getLogger(__name__)


def village_points(inputs: StudyInputs) -> pd.DataFrame | None:
    """The study's village layer as ``x``/``y`` (DEM CRS) and ``households``, or None when it has none."""
    villages: Any = getattr(inputs, "villages", None)
    if villages is None or len(villages) == 0:
        return None
    pts = villages.to_crs(inputs.dem.crs) if isinstance(villages, gpd.GeoDataFrame) else villages
    out = pd.DataFrame({"x": pts.geometry.x.to_numpy(), "y": pts.geometry.y.to_numpy()})
    if "households" in villages:
        out["households"] = pd.to_numeric(villages["households"], errors="coerce").to_numpy()
    return out


def _coverage_config(settings: StudySettings) -> CoverageConfig:
    """The plan's coverage settings, with the service criteria's level offsets for every technology (the
    switch-off compares 2G/3G with 4G/5G whatever the plan models), so one threshold serves them all."""
    if settings.service is None:
        return settings.coverage
    from towerplan.study.service import coverage_for_service

    return coverage_for_service(settings.coverage, settings.service, TECHNOLOGIES)


def _layers(inputs: StudyInputs, settings: StudySettings, progress: Progress | None
            ) -> tuple[dict[tuple[str, str], Grid], dict[tuple[str, str], tuple[Grid, pd.DataFrame]]]:
    config = _coverage_config(settings)
    source = source_terrain_of(inputs, config)  # read once for every group (profile_source = "source")
    stations = pd.DataFrame(inputs.stations.drop(columns="geometry", errors="ignore"))
    stations["technology"] = stations["technology"].astype(str).str.upper()
    groups = list(stations.groupby(["operator", "technology"], sort=True))
    levels: dict[tuple[str, str], Grid] = {}
    servers: dict[tuple[str, str], tuple[Grid, pd.DataFrame]] = {}
    for k, ((op, tech), group) in enumerate(groups):
        if progress:
            progress(f"switch-off: {op} {tech}", k / max(len(groups), 1))
        cov = coverage_of_stations(inputs.dem, group.reset_index(drop=True), config, technologies=None,
                                   executor=settings.executor, workers=settings.workers, source=source)
        if op not in cov.operator_levels:
            continue  # no usable sector
        levels[(str(op), str(tech))] = cov.operator_levels[op]
        servers[(str(op), str(tech))] = (cov.best_server, cov.stations)
    return levels, servers


def _added_4g(inputs: StudyInputs, settings: StudySettings, impact: SwitchOffImpact) -> dict[str, Grid]:
    """Best level per operator of a 4G radio on each site flagged ``add 4G``."""
    from towerplan.planning.matrix import CandidateRadio, candidate_table

    radio = settings.placement.radio if settings.placement is not None else CandidateRadio()
    if radio.technology != "4G":
        radio = replace(CandidateRadio(), eirp_dbm=radio.eirp_dbm)
    sites = impact.sites[impact.sites["needs_4g_radio"]]
    heights = inputs.stations.groupby(["operator", "site_id"])["antenna_height_m"].max()
    config = _coverage_config(settings)
    source = source_terrain_of(inputs, config)  # read once for every operator (profile_source = "source")
    out: dict[str, Grid] = {}
    for op, group in sites.groupby("operator"):
        cands = pd.DataFrame({
            "candidate_id": group["site_id"].to_numpy(), "lon": group["lon"].to_numpy(),
            "lat": group["lat"].to_numpy(),
            "mast_height_m": [float(heights.get((op, s), 30.0)) for s in group["site_id"]],
        })
        table = candidate_table(cands, radio, operator=str(op))
        cov = coverage_of_stations(inputs.dem, table, config, technologies=None, executor=settings.executor,
                                   workers=settings.workers, source=source)
        if op in cov.operator_levels:
            out[str(op)] = cov.operator_levels[op]
    return out


def run_switch_off_step(inputs: StudyInputs, settings: StudySettings, *, progress: Progress | None = None
                        ) -> SwitchOffImpact:
    """Who loses every service when ``settings.switch_off`` applies (module docstring)."""
    from towerplan.planning.switchoff import switch_off_impact

    if settings.switch_off is None:
        raise ConfigError("no switch-off settings")
    off = settings.switch_off.off
    if not off:
        log.warning("switch-off: nothing is off on %s by the calendar", settings.switch_off.date)
    cb = _step_progress(progress, "switch-off")
    levels, servers = _layers(inputs, settings, progress)
    communes = names = None
    if inputs.communes is not None and len(inputs.communes):
        communes = inputs.communes.to_crs(inputs.dem.crs).reset_index(drop=True)
        col = inputs.commune_name_column or next((c for c in ("commune_vn", "name", "commune") if c in communes), None)
        names = communes[col].astype(str).tolist() if col else None
    villages = village_points(inputs)
    kwargs: dict[str, Any] = {"off": off, "thresholds_dbm": _coverage_config(settings).threshold_dbm,
                              "stations": inputs.stations, "servers": servers, "communes": communes,
                              "commune_names": names, "villages": villages}
    impact = switch_off_impact(levels, inputs.population, **kwargs)
    if settings.switch_off.add_4g_on_lost_sites and bool(np.any(impact.sites.get("needs_4g_radio", []))):
        with_radios = switch_off_impact(levels, inputs.population, added=_added_4g(inputs, settings, impact), **kwargs)
        # what the radios win back: people who would lose every service without them (not "gained": they were
        # served before); the sites to act on are those of the switch-off alone
        totals = {**with_radios.totals, "sites_to_act": impact.totals["sites_to_act"],
                  "sites_needing_4g_radio": impact.totals["sites_needing_4g_radio"],
                  "people_lost_without_added_4g": impact.totals["people_lost"],
                  "people_kept_by_added_4g": impact.totals["people_lost"] - with_radios.totals["people_lost"]}
        impact = replace(with_radios, sites=impact.sites, totals=totals)
    if cb:
        cb(1, 1)
    return impact
