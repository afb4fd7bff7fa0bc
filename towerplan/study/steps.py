"""The steps of a plan, shared by ``towerplan run``, ``towerplan place`` and the app.

Current coverage (:func:`run_coverage_step`), dead zones (:func:`run_gaps_step`) and
shared-tower proposals (:func:`run_placement_step`); :func:`run_plan` chains them
from one :class:`~towerplan.study.settings.StudySettings`.

Progress callbacks all have one form, ``progress(stage, fraction)``: a short
English label of what is being done and the fraction done (0-1) of the step
(of the whole plan for :func:`run_plan`).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.plan import projected_xy
from towerplan.errors import ConfigError
from towerplan.grid import Grid
from towerplan.study.inputs import StudyInputs
from towerplan.study.settings import TECHNOLOGIES, StudySettings, check_gap_threshold, gap_config_for

if TYPE_CHECKING:  # pragma: no cover
    from towerplan.coverage.clutter import ClutterGrid
    from towerplan.coverage.engine import CoverageResult
    from towerplan.coverage.engine import Progress as SiteProgress
    from towerplan.planning.analysis import GapAnalysis
    from towerplan.planning.gaps import GapConfig
    from towerplan.planning.shared_towers import PlacementSettings, SharedTowerPlan
    from towerplan.planning.speed import LoadModel, SpeedAnalysis
    from towerplan.planning.switchoff import SwitchOffImpact

__all__ = [
    "PlanResults",
    "Progress",
    "coverage_of_stations",
    "run_coverage_step",
    "run_gaps_step",
    "run_placement_step",
    "run_plan",
    "run_speed_step",
    "select_technologies",
]

log = logging.getLogger(__name__)

#: ``progress(stage, fraction)``: what is being done, and the fraction done (0-1)
Progress = Callable[[str, float], None]

#: share of :func:`run_plan`'s progress bar per step (coverage is fast; placement is not)
_WEIGHTS = {"inputs": 0.0, "coverage": 0.2, "gaps": 0.15, "speed": 0.02, "placement": 0.65, "switch_off": 0.3}


def select_technologies(stations: pd.DataFrame, technologies: Sequence[str] | None) -> pd.DataFrame:
    """The sectors of ``technologies`` (all when None), re-indexed from 0; ConfigError when none is left."""
    if technologies is None:
        return stations.reset_index(drop=True)
    techs = tuple(str(t).upper() for t in technologies)
    bad = [t for t in techs if t not in TECHNOLOGIES]
    if bad or not techs:
        raise ConfigError(f"technologies must be among {', '.join(TECHNOLOGIES)}; got {list(technologies)}")
    kept = stations["technology"].isin(techs)
    if not kept.any():
        raise ConfigError(f"no {'/'.join(techs)} sectors among the {len(stations)} stations")
    log.info("technologies %s: %d of %d sectors kept", ",".join(techs), int(kept.sum()), len(stations))
    return stations[kept].reset_index(drop=True)


# ------------------------------------------------------------------ steps
def _step_progress(progress: Progress | None, stage: str) -> Callable[..., None] | None:
    """Adapt the library's callbacks (``(done, total)``, ``(label, fraction)``, ``(fraction,)``) to ``progress``."""
    if progress is None:
        return None

    def report(*args: Any) -> None:
        label, fraction = stage, None
        nums = [a for a in args if isinstance(a, int | float | np.number) and not isinstance(a, bool)]
        texts = [a for a in args if isinstance(a, str)]
        if texts:
            label = f"{stage}: {texts[0]}"
        if len(nums) >= 2:
            fraction = float(nums[-2]) / float(nums[-1]) if nums[-1] else 1.0
        elif len(nums) == 1:
            fraction = float(nums[0])
        progress(label, min(max(fraction if fraction is not None and math.isfinite(fraction) else 0.0, 0.0), 1.0))

    return report


def coverage_of_stations(
    dem: Grid,
    stations: pd.DataFrame,
    config: CoverageConfig,
    *,
    technologies: Sequence[str] | None = ("4G",),
    executor: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: SiteProgress | None = None,
    clutter: ClutterGrid | None = None,
    source: Any = None,
) -> CoverageResult:
    """Coverage of the sectors of ``technologies`` (all when None) in ``stations`` over ``dem``.

    ``stations`` is a canonical station table (a GeoDataFrame or a plain table; one in the DEM's CRS,
    :attr:`StudyInputs.projected_stations`, is not projected again);
    ``best_server`` values are rows of the technology-filtered table (``result.stations``;
    see :func:`server_names`). ``progress(done_sites, total_sites)`` and ``clutter`` (the land
    cover on ``dem``'s grid, :attr:`StudyInputs.clutter`) and ``source`` (the DEM tile, for
    ``config.profile_source = "source"``; :func:`source_terrain_of`) as in
    :func:`towerplan.coverage.engine.run_coverage`.
    """
    from towerplan.coverage.engine import run_coverage

    kept = select_technologies(stations, technologies)
    if isinstance(kept, gpd.GeoDataFrame) and projected_xy(kept, dem) is None:
        kept = pd.DataFrame(kept.drop(columns=kept.geometry.name))  # lon/lat are projected by the engine
    return run_coverage(dem, kept, config=config, executor=executor, workers=workers,  # type: ignore[arg-type]
                        scheduler=scheduler, progress=progress, clutter=clutter, source=source)


def source_terrain_of(inputs: StudyInputs, config: CoverageConfig) -> Any:
    """The study's DEM file(s) in their own lattice (:func:`~towerplan.coverage.source_terrain.read_source_terrain`)
    when ``config.profile_source == "source"``; None otherwise."""
    if config.profile_source != "source":
        return None
    files = inputs.files.get("dem")
    if not files:
        raise ConfigError("profile_source = 'source' needs the study's DEM file(s) ([inputs] dem)")
    from towerplan.coverage.source_terrain import read_source_terrain
    from towerplan.study.inputs import _paths

    return read_source_terrain(_paths(files), inputs.dem)


def run_coverage_step(
    inputs: StudyInputs,
    config: CoverageConfig,
    *,
    technologies: Sequence[str] | None = ("4G",),
    executor: str = "serial",
    workers: int | None = None,
    progress: Progress | None = None,
) -> CoverageResult:
    """Current coverage of the sectors of ``technologies`` (all when None) over the study's DEM
    with its land cover (:func:`coverage_of_stations`)."""
    cb = _step_progress(progress, "coverage")
    if cb:
        cb(0, 1)
    return coverage_of_stations(inputs.dem, inputs.projected_stations, config, technologies=technologies,
                                executor=executor, workers=workers, progress=cb, clutter=inputs.clutter,
                                source=source_terrain_of(inputs, config))


def run_gaps_step(
    inputs: StudyInputs,
    coverage: CoverageResult,
    config: GapConfig | None = None,
    *,
    progress: Progress | None = None,
) -> GapAnalysis:
    """People covered (total and per commune), ranked dead zones and road km covered.

    A cell is served at the coverage run's service criterion (``coverage.config.threshold_dbm``):
    ``config`` (default :class:`~towerplan.planning.gaps.GapConfig`) must carry that threshold or
    none other (:func:`~towerplan.study.settings.gap_config_for` derives it); a contradicting
    threshold is a ConfigError. Distances to the nearest tower use every station of the study
    (a tower of any technology).
    """
    from towerplan.planning.analysis import analyse_gaps

    if config is None:
        config = gap_config_for(coverage.config)
    check_gap_threshold(coverage.config, config, gaps_key="gap threshold_dbm",
                        coverage_key="the coverage run's threshold_dbm")
    if not coverage.operator_levels:
        raise ConfigError("the coverage run has no operator level grids (no usable station)")
    return analyse_gaps(
        coverage.operator_levels, inputs.population, config=config, technology_levels=coverage.technology_levels,
        communes=inputs.communes, commune_name_column=inputs.commune_name_column, roads=inputs.roads,
        dem=inputs.dem, towers=inputs.projected_stations, progress=_step_progress(progress, "dead zones"),
    )


def run_speed_step(inputs: StudyInputs, coverage: CoverageResult, load: LoadModel | None = None) -> SpeedAnalysis:
    """User throughput, people reaching the speed targets and speed gaps per commune
    (:func:`towerplan.planning.speed.analyse_speed`) from a coverage run with SINR.

    Raises
    ------
    ConfigError
        The coverage run has no SINR layer (``coverage.sinr`` off) or no 4G/5G sector.
    """
    from towerplan.coverage.radio_maps import radio_maps
    from towerplan.planning.speed import analyse_speed

    if coverage.sinr is None or not coverage.sinr.pairs:
        raise ConfigError("the speed analysis needs a coverage run with SINR (coverage.sinr = true) on 4G/5G sectors")
    maps = radio_maps(coverage)
    return analyse_speed(maps.throughput_dl_mbps, maps.serving, inputs.population, communes=inputs.communes,
                         load=load)


def run_placement_step(
    inputs: StudyInputs,
    coverage: CoverageResult,
    settings: PlacementSettings,
    *,
    coverage_config: CoverageConfig,
    progress: Progress | None = None,
    speed: SpeedAnalysis | None = None,
    gaps: GapAnalysis | None = None,
) -> SharedTowerPlan:
    """Shared-tower proposals (:func:`towerplan.planning.shared_towers.propose_shared_towers`).

    Current coverage is the coverage step's per-operator levels; existing towers are
    the stations of the technologies that step modelled. The demand is the people of the study
    area (:func:`towerplan.study.summary.study_area_population`), the people the dead-zone step counts;
    candidate sites see the study's land cover as the existing sectors do.
    Objective ``speed`` uses the speed analysis ``speed`` (:func:`run_speed_step`, computed here when
    not given). ``gaps``: their scores are the proposals' priority for phasing by priority.
    """
    from towerplan.planning.shared_towers import propose_shared_towers
    from towerplan.study.summary import study_area_population

    demand = None
    if settings.objective == "speed":
        from towerplan.planning.speed_objective import speed_demand

        speed = speed if speed is not None else run_speed_step(inputs, coverage)
        assert coverage.sinr is not None  # run_speed_step checked it
        demand = speed_demand(coverage.sinr, speed.user_throughput_mbps, technology=settings.radio.technology,
                              config=coverage_config, load=speed.load)

    techs = sorted(set(coverage.stations["technology"])) if "technology" in coverage.stations else None
    stations = select_technologies(inputs.projected_stations, techs)
    if coverage_config.profile_source == "source":
        log.warning("shared towers: the candidates' coverage uses profiles from the study grid "
                    "(profile_source = 'source' applies to the coverage step only)")
    return propose_shared_towers(
        inputs.dem, study_area_population(inputs), stations, coverage.operator_levels, settings=settings,
        coverage_config=coverage_config, roads=inputs.roads, exclusions=inputs.exclusions,
        user_candidates=inputs.user_candidates, fibre_points=inputs.fibre_points, clutter=inputs.clutter,
        progress=_step_progress(progress, "shared towers"), speed=demand, all_stations=inputs.stations,
        required_cells=target_village_cells(inputs, settings), priority_grid=gap_score_grid(inputs.dem, gaps),
    )


def gap_score_grid(dem: Grid, gaps: GapAnalysis | None) -> np.ndarray | None:
    """The dead zones' priority ``score`` burnt onto the DEM's lattice (0 outside every gap), or None."""
    if gaps is None or gaps.gaps is None or not len(gaps.gaps) or "score" not in gaps.gaps:
        return None
    import rasterio.features
    from rasterio.enums import MergeAlg

    shapes = [(g, float(s)) for g, s in zip(gaps.gaps.to_crs(dem.crs).geometry, gaps.gaps["score"], strict=True)
              if g is not None and not g.is_empty]
    return rasterio.features.rasterize(shapes, out_shape=dem.shape, transform=dem.transform, fill=0.0,
                                       dtype="float64", merge_alg=MergeAlg.replace)


def target_village_cells(inputs: StudyInputs, settings: PlacementSettings) -> np.ndarray | None:
    """Flat DEM cells of the villages a target names (more than ``min_households``); None without such a target.

    ConfigError when the target names villages and the study has no village layer with households.
    """
    target = settings.target
    if target is None or target.min_households is None:
        return None
    from towerplan.study.switchoff_step import village_points

    villages = village_points(inputs)
    if villages is None or "households" not in villages:
        raise ConfigError("the target names villages (min_households) but the study has no village layer with "
                          "households")
    big = villages[villages["households"].fillna(0) > target.min_households]
    r, c = inputs.dem.rowcol(big["x"].to_numpy(float), big["y"].to_numpy(float))
    ok = (r >= 0) & (r < inputs.dem.height) & (c >= 0) & (c < inputs.dem.width)
    return np.asarray(r[ok], dtype=np.int64) * inputs.dem.width + np.asarray(c[ok], dtype=np.int64)


@dataclass(frozen=True, eq=False)
class PlanResults:
    """What :func:`run_plan` computed (``placement`` is None when no placement was asked for)."""

    inputs: StudyInputs
    coverage: CoverageResult
    gaps: GapAnalysis
    placement: SharedTowerPlan | None
    timings: dict[str, float] = field(default_factory=dict)
    settings: StudySettings = field(default_factory=StudySettings)
    speed: SpeedAnalysis | None = None  #: with ``coverage.sinr``: the speed analysis
    villages: gpd.GeoDataFrame | None = None  # towerplan.study.villages_step (with [inputs] villages)
    switch_off: SwitchOffImpact | None = None

    @property
    def coverage_config(self) -> CoverageConfig:
        return self.settings.coverage

    @property
    def technologies(self) -> tuple[str, ...] | None:
        return self.settings.technologies


def run_plan(inputs: StudyInputs, settings: StudySettings, *, progress: Progress | None = None) -> PlanResults:
    """Coverage, then dead zones, then (with ``coverage.sinr``) the speed analysis, then (with
    ``settings.placement``) shared-tower proposals.

    ``progress(stage, fraction)`` reports the fraction of the whole plan.
    """
    timings: dict[str, float] = {}
    steps = ["coverage", "gaps", *(["speed"] if settings.coverage.sinr else []),
             *(["placement"] if settings.placement is not None else []),
             *(["switch_off"] if settings.switch_off is not None else [])]
    total = sum(_WEIGHTS[s] for s in steps)
    done = 0.0

    def scoped(step: str) -> Progress | None:
        if progress is None:
            return None
        start, share = done / total, _WEIGHTS[step] / total

        def report(stage: str, fraction: float) -> None:
            progress(stage, min(1.0, start + share * fraction))

        return report

    def finish(step: str, t0: float) -> None:
        nonlocal done
        timings[step] = round(time.perf_counter() - t0, 3)
        done += _WEIGHTS[step]
        log.info("%s step: %.1f s", step, timings[step])

    t0 = time.perf_counter()
    coverage = run_coverage_step(inputs, settings.coverage, technologies=settings.technologies,
                                 executor=settings.executor, workers=settings.workers, progress=scoped("coverage"))
    finish("coverage", t0)
    t0 = time.perf_counter()
    gaps = run_gaps_step(inputs, coverage, settings.gaps, progress=scoped("gaps"))
    finish("gaps", t0)
    speed = None
    if settings.coverage.sinr:
        t0 = time.perf_counter()
        if coverage.sinr is not None and coverage.sinr.pairs:
            speed = run_speed_step(inputs, coverage, settings.speed)
        else:
            log.warning("coverage.sinr: no 4G/5G sector modelled, no speed analysis")
        finish("speed", t0)
    plan = None
    if settings.placement is not None:
        t0 = time.perf_counter()
        plan = run_placement_step(inputs, coverage, settings.placement, coverage_config=settings.coverage,
                                  progress=scoped("placement"), speed=speed, gaps=gaps)
        finish("placement", t0)
    impact = None
    if settings.switch_off is not None:
        from towerplan.study.switchoff_step import run_switch_off_step

        t0 = time.perf_counter()
        impact = run_switch_off_step(inputs, settings, progress=scoped("switch_off"))
        finish("switch_off", t0)
    from towerplan.study.villages_step import run_villages_step

    villages = run_villages_step(inputs, coverage, gaps, plan, service=settings.service)
    if progress:
        progress("done", 1.0)
    return PlanResults(inputs, coverage, gaps, plan, timings, settings, speed, villages, switch_off=impact)
