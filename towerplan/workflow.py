"""The planning workflow in steps shared by ``towerplan run`` and the app.

Each step is a thin function over the library: read a study's inputs
(:func:`load_study_folder`, :func:`load_study_inputs`), current coverage
(:func:`run_coverage_step`), dead zones (:func:`run_gaps_step`) and shared-tower
proposals (:func:`run_placement_step`); :func:`run_plan` chains them and
:func:`plan_package` turns the results into the export's
:class:`~towerplan.export.package.PlanPackage`.

Progress callbacks all have one form, ``progress(stage, fraction)``: a short
English label of what is being done and the fraction done (0-1) of the step
(of the whole plan for :func:`run_plan`).
"""

from __future__ import annotations

import logging
import math
import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from towerplan.coverage.config import CoverageConfig
from towerplan.errors import ConfigError, UnreadableFileError
from towerplan.grid import Grid
from towerplan.planning.coverage_stats import operator_slug

if TYPE_CHECKING:  # pragma: no cover
    from towerplan.coverage.engine import CoverageResult
    from towerplan.coverage.engine import Progress as SiteProgress
    from towerplan.export.package import PlanPackage
    from towerplan.planning.analysis import GapAnalysis
    from towerplan.planning.gaps import GapConfig
    from towerplan.planning.shared_towers import PlacementSettings, SharedTowerPlan
    from towerplan.stations.report import StationLoad

__all__ = [
    "STUDY_FILES",
    "TECHNOLOGIES",
    "PlanResults",
    "Progress",
    "StudyInputs",
    "coverage_of_stations",
    "load_study_folder",
    "load_study_inputs",
    "method_record",
    "plan_package",
    "plan_summary",
    "read_study_dem",
    "read_study_stations",
    "run_coverage_step",
    "run_gaps_step",
    "run_placement_step",
    "run_plan",
    "select_technologies",
    "server_names",
]

log = logging.getLogger(__name__)

#: ``progress(stage, fraction)``: what is being done, and the fraction done (0-1)
Progress = Callable[[str, float], None]

TECHNOLOGIES = ("2G", "3G", "4G", "5G")

#: file names of a study folder (``towerplan demo`` / ``towerplan fetch`` layout), by role;
#: the first three are required
STUDY_FILES: dict[str, str] = {
    "dem": "dem.tif",
    "population": "population.tif",
    "stations": "stations.csv",
    "communes": "communes.gpkg",
    "roads": "roads.gpkg",
    "candidates": "candidates.csv",
    "exclusions": "exclusions.gpkg",
    "fibre_points": "fibre_points.gpkg",
}
_REQUIRED = ("dem", "population", "stations")

#: share of :func:`run_plan`'s progress bar per step (coverage is fast; placement is not)
_WEIGHTS = {"inputs": 0.0, "coverage": 0.2, "gaps": 0.15, "placement": 0.65}

#: keys of summaries that change from run to run (kept out of summary.json and the method; logged)
_VOLATILE = re.compile(r"(runtime|timing|elapsed|wall_s|duration)", re.IGNORECASE)


# ------------------------------------------------------------------ inputs
@dataclass(frozen=True, eq=False)
class StudyInputs:
    """Everything a plan is computed from, read and checked.

    Attributes
    ----------
    dem
        Elevation (m above sea level) on a projected metric lattice (UTM).
    population
        People per cell on ``dem``'s lattice (sum-preserving alignment).
    stations
        Validated sectors (canonical columns), Point geometry in EPSG:4326.
    communes, roads, exclusions
        Commune polygons, road lines, zones where no mast may stand (any CRS).
    user_candidates
        The planner's own candidate sites (``x``/``y`` in the DEM CRS or ``lon``/``lat``).
    fibre_points
        Points where fibre backhaul can be picked up (any CRS).
    label
        What the study is, shown on every output (e.g. "Synthetic demo province (not real data)").
    files
        Role -> path of every file read (``stations``, ``stations_2`` ... for several lists),
        for checksums in the method record.
    station_report
        The station validation issues (:meth:`ValidationReport.to_frame`).
    commune_name_column
        Column naming the communes (default: the first of ``commune_vn``, ``name``, ...).
    """

    dem: Grid
    population: Grid
    stations: gpd.GeoDataFrame
    communes: gpd.GeoDataFrame | None = None
    roads: gpd.GeoDataFrame | None = None
    exclusions: gpd.GeoDataFrame | None = None
    user_candidates: pd.DataFrame | None = None
    fibre_points: gpd.GeoDataFrame | None = None
    label: str = ""
    files: Mapping[str, Path] = field(default_factory=dict)
    station_report: pd.DataFrame | None = None
    commune_name_column: str | None = None
    warnings: tuple[str, ...] = ()  # what the plan must say about its inputs (towerplan.plan_checks)

    def __post_init__(self) -> None:
        problems = []
        if not isinstance(self.dem, Grid) or not isinstance(self.population, Grid):
            problems.append("dem and population must be Grids")
        elif not self.population.same_lattice(self.dem):
            problems.append("population must be on the DEM's lattice (align it with towerplan.population)")
        if not isinstance(self.stations, gpd.GeoDataFrame):
            problems.append("stations must be a GeoDataFrame (towerplan.stations.read_stations)")
        elif self.stations.crs is None or self.stations.crs.to_epsg() != 4326:
            problems.append("stations must be in EPSG:4326")
        if problems:
            raise ConfigError("study inputs: " + "; ".join(problems))


def _is_metric_geotiff(path: Path) -> bool:
    import rasterio

    from towerplan.input_files import open_raster

    if path.suffix.lower() not in (".tif", ".tiff"):
        return False
    try:
        with open_raster(path, what="DEM") as ds:
            return ds.crs is not None and ds.crs.is_projected and abs(ds.res[0]) == abs(ds.res[1])
    except (rasterio.errors.RasterioIOError, UnreadableFileError):
        return False


def _paths(value: Path | Sequence[Path]) -> list[Path]:
    return [Path(value)] if isinstance(value, str | os.PathLike) else [Path(p) for p in value]


def read_study_dem(dem: Path | Sequence[Path], *, resolution_m: float | None = None) -> Grid:
    """One metric DEM from DEM file(s) (GeoTIFF in any CRS, SRTM ``.hgt``).

    A single projected GeoTIFF at ``resolution_m`` (or any, when None) is read as it is
    (no resampling); otherwise the files are mosaicked onto a snapped UTM lattice of
    ``resolution_m`` (default 30 m) by :func:`towerplan.terrain.read_dem`.
    """
    from towerplan.rasters import read_grid
    from towerplan.terrain import check_heights, read_dem

    paths = _paths(dem)
    if not paths:
        raise ConfigError("no DEM file given")
    if len(paths) == 1 and _is_metric_geotiff(paths[0]):
        grid = read_grid(paths[0])
        if resolution_m is None or math.isclose(abs(grid.res[0]), resolution_m, rel_tol=1e-9):
            grid.require_metric()
            check_heights(grid.masked())
            return grid
    source = paths[0] if len(paths) == 1 else list(paths)
    return read_dem(source, resolution_m=30.0 if resolution_m is None else float(resolution_m))


_VECTOR_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".kml", ".fgb")


def read_study_stations(stations: Path | Sequence[Path]) -> StationLoad:
    """Read and validate one station list or several (one per operator, say).

    Rows with errors are left out of ``load.stations`` (logged once; the issues are in
    ``load.report``). ConfigError when no usable row is left.
    """
    from towerplan.stations import read_many, read_stations

    paths = _paths(stations)
    if not paths:
        raise ConfigError("no station list given")
    load = read_stations(paths[0]) if len(paths) == 1 else read_many(paths)
    if len(load.rejected):
        log.warning("%d station row(s) rejected by validation and left out (run `towerplan validate` for details)",
                    len(load.rejected))
    if load.stations.empty:
        raise ConfigError("no usable station rows in " + ", ".join(p.name for p in paths))
    return load


def _read_candidates(path: Path) -> pd.DataFrame:
    """The planner's candidate list: a CSV / XLSX table or a point layer."""
    if not path.exists():
        raise UnreadableFileError(f"{path}: no such file")
    if path.suffix.lower() in _VECTOR_SUFFIXES:
        from towerplan.vectors import read_vector

        return read_vector(path, kind="point")
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            return pd.read_excel(path)
        return pd.read_csv(path, encoding="utf-8-sig", sep=None, engine="python")
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise UnreadableFileError(f"{path.name}: not a readable table ({exc})") from exc


def load_study_inputs(
    *,
    dem: Path | Sequence[Path],
    population: Path,
    stations: Path | Sequence[Path],
    communes: Path | None = None,
    roads: Path | None = None,
    candidates: Path | None = None,
    exclusions: Path | None = None,
    fibre_points: Path | None = None,
    resolution_m: float | None = None,
    label: str = "",
    commune_name_column: str | None = None,
    calibration: Path | None = None,
) -> StudyInputs:
    """Read and check a study's input files.

    Parameters
    ----------
    dem
        DEM file(s): GeoTIFF (any CRS) or SRTM ``.hgt``. One projected GeoTIFF at
        ``resolution_m`` (or any, when None) is used as it is; otherwise the files are
        mosaicked onto a UTM lattice of ``resolution_m`` (default 30 m).
    population
        People per cell (any grid); moved onto the DEM lattice keeping every source cell's count.
    stations
        One station list or several (one per operator, say): every format towerplan reads.
        Rows with errors are left out and logged; the issues are in ``station_report``.
    communes, roads, exclusions, fibre_points
        Vector files (any format GDAL reads, with a CRS).
    candidates
        The planner's candidate list: CSV or XLSX with ``x``/``y`` (DEM CRS) or ``lon``/``lat``
        (optional ``candidate_id``, ``mast_height_m``), or a point layer (GeoPackage, GeoJSON ...).
    resolution_m
        Analysis cell size (m).
    label
        What the study is (shown on the outputs).
    commune_name_column
        Column naming the communes.
    calibration
        ``calibration.json`` of ``towerplan calibrate``: its corrections are set on the
        stations (``calibration_offset_db``, ``calibration_slope_db``), which the engine applies.
    """
    from towerplan.plan_checks import check_study, nodata_warning
    from towerplan.population import read_population
    from towerplan.vectors import read_communes, read_roads, read_vector

    dem_paths, station_paths = _paths(dem), _paths(stations)
    if not dem_paths or not station_paths:
        raise ConfigError("a study needs at least one DEM file and one station list")
    files: dict[str, Path] = {}
    for k, p in enumerate(dem_paths):
        files["dem" if k == 0 else f"dem_{k + 1}"] = p
    files["population"] = Path(population)
    for k, p in enumerate(station_paths):
        files["stations" if k == 0 else f"stations_{k + 1}"] = p
    for role, path in (("communes", communes), ("roads", roads), ("candidates", candidates),
                       ("exclusions", exclusions), ("fibre_points", fibre_points), ("calibration", calibration)):
        if path is not None:
            files[role] = Path(path)
    grid = read_study_dem(dem_paths, resolution_m=resolution_m)
    with np.errstate(invalid="ignore"):
        land = np.asarray(grid.masked() > 0.0)  # nodata in the population over the sea is no missing person
    people = read_population(files["population"], grid, land=land)
    load = read_study_stations(station_paths)
    stations = load.stations.reset_index(drop=True)
    if calibration is not None:
        from towerplan.measurements import apply_calibration, read_calibration

        stations = apply_calibration(stations, read_calibration(calibration))
    commune_layer = read_communes(communes) if communes is not None else None
    notes = check_study(population_total=people.aligned_total, communes=commune_layer, grid_bounds=grid.bounds,
                        grid_crs=grid.crs, warnings=[w for w in (nodata_warning(people.nodata_share),) if w])
    return StudyInputs(
        dem=grid,
        population=people.grid,
        stations=stations,
        communes=commune_layer,
        roads=read_roads(roads) if roads is not None else None,
        exclusions=read_vector(exclusions, kind="polygon") if exclusions is not None else None,
        user_candidates=_read_candidates(Path(candidates)) if candidates is not None else None,
        fibre_points=read_vector(fibre_points, kind="point") if fibre_points is not None else None,
        label=label,
        files=files,
        station_report=load.report.to_frame(),
        commune_name_column=commune_name_column,
        warnings=tuple(notes),
    )


def load_study_folder(
    folder: Path,
    *,
    resolution_m: float | None = None,
    label: str | None = None,
    files: Mapping[str, Path | None] | None = None,
) -> StudyInputs:
    """Read a study folder as ``towerplan demo`` or ``towerplan fetch`` writes it.

    ``dem.tif``, ``population.tif`` and ``stations.csv`` are required; ``communes.gpkg``,
    ``roads.gpkg``, ``candidates.csv``, ``exclusions.gpkg`` and ``fibre_points.gpkg`` are
    read when present (:data:`STUDY_FILES`). ``files`` (role of :data:`STUDY_FILES` ->
    path) are read instead of (or in addition to) the folder's files; None values are
    ignored. The label is the demo's "(not real data)" label for a ``towerplan demo``
    folder, else the folder name.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise UnreadableFileError(f"{folder}: not a study-area folder (as `towerplan demo` or `towerplan fetch` "
                                  "writes it)")
    missing = [STUDY_FILES[r] for r in _REQUIRED if not (folder / STUDY_FILES[r]).is_file()]
    if missing:
        raise UnreadableFileError(f"{folder}: {', '.join(missing)} missing (a study folder needs "
                                  f"{', '.join(STUDY_FILES[r] for r in _REQUIRED)})")
    found: dict[str, Any] = {role: folder / name for role, name in STUDY_FILES.items() if (folder / name).is_file()}
    _refuse_links_out(folder, found)
    unknown = sorted(set(files or {}) - set(STUDY_FILES))
    if unknown:
        raise ConfigError(f"unknown study file role(s) {', '.join(unknown)}; roles are {', '.join(STUDY_FILES)}")
    found.update({role: Path(path) for role, path in (files or {}).items() if path is not None})
    if label is None:
        from towerplan.demo import DEMO_LABEL

        readme = folder / "README.txt"
        is_demo = readme.is_file() and readme.read_text(encoding="utf-8").startswith(DEMO_LABEL.upper())
        label = DEMO_LABEL[:1].upper() + DEMO_LABEL[1:] if is_demo else folder.name
    return load_study_inputs(**found, resolution_m=resolution_m, label=label)


def _refuse_links_out(folder: Path, found: Mapping[str, Path]) -> None:
    """Refuse a study file that is a symbolic link to a file outside the folder (links resolved first)."""
    real_folder = folder.resolve()
    for path in found.values():
        real = path.resolve()
        if not real.is_relative_to(real_folder):
            raise UnreadableFileError(
                f"{path.name} in {folder}: a symbolic link to {real}, outside the study folder; refused: copy the "
                "file into the folder"
            )


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
) -> CoverageResult:
    """Coverage of the sectors of ``technologies`` (all when None) in ``stations`` over ``dem``.

    ``stations`` is a canonical station table (a GeoDataFrame or a plain table);
    ``best_server`` values are rows of the technology-filtered table (``result.stations``;
    see :func:`server_names`). ``progress(done_sites, total_sites)`` as in
    :func:`towerplan.coverage.engine.run_coverage`.
    """
    from towerplan.coverage.engine import run_coverage

    kept = select_technologies(stations, technologies)
    if isinstance(kept, gpd.GeoDataFrame):
        kept = pd.DataFrame(kept.drop(columns=kept.geometry.name))
    return run_coverage(dem, kept, config=config, executor=executor, workers=workers,  # type: ignore[arg-type]
                        scheduler=scheduler, progress=progress)


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
    (:func:`coverage_of_stations`)."""
    cb = _step_progress(progress, "coverage")
    if cb:
        cb(0, 1)
    return coverage_of_stations(inputs.dem, inputs.stations, config, technologies=technologies, executor=executor,
                                workers=workers, progress=cb)


def run_gaps_step(
    inputs: StudyInputs,
    coverage: CoverageResult,
    config: GapConfig | None = None,
    *,
    progress: Progress | None = None,
) -> GapAnalysis:
    """People covered (total and per commune), ranked dead zones and road km covered.

    The gap threshold defaults to the coverage threshold. Distances to the nearest
    tower use every station of the study (a tower of any technology).
    """
    from towerplan.planning.analysis import analyse_gaps
    from towerplan.planning.gaps import GapConfig

    config = config or GapConfig(threshold_dbm=coverage.config.threshold_dbm)
    if not coverage.operator_levels:
        raise ConfigError("the coverage run has no operator level grids (no usable station)")
    return analyse_gaps(
        coverage.operator_levels, inputs.population, config=config, technology_levels=coverage.technology_levels,
        communes=inputs.communes, commune_name_column=inputs.commune_name_column, roads=inputs.roads,
        dem=inputs.dem, towers=inputs.stations, progress=_step_progress(progress, "dead zones"),
    )


def run_placement_step(
    inputs: StudyInputs,
    coverage: CoverageResult,
    settings: PlacementSettings,
    *,
    coverage_config: CoverageConfig,
    progress: Progress | None = None,
) -> SharedTowerPlan:
    """Shared-tower proposals (:func:`towerplan.planning.shared_towers.propose_shared_towers`).

    Current coverage is the coverage step's per-operator levels; existing towers are
    the stations of the technologies that step modelled.
    """
    from towerplan.planning.shared_towers import propose_shared_towers

    techs = sorted(set(coverage.stations["technology"])) if "technology" in coverage.stations else None
    stations = select_technologies(inputs.stations, techs)
    return propose_shared_towers(
        inputs.dem, inputs.population, stations, coverage.operator_levels, settings=settings,
        coverage_config=coverage_config, roads=inputs.roads, exclusions=inputs.exclusions,
        user_candidates=inputs.user_candidates, fibre_points=inputs.fibre_points,
        progress=_step_progress(progress, "shared towers"),
    )


@dataclass(frozen=True, eq=False)
class PlanResults:
    """What :func:`run_plan` computed (``placement`` is None when no placement was asked for)."""

    inputs: StudyInputs
    coverage: CoverageResult
    gaps: GapAnalysis
    placement: SharedTowerPlan | None
    timings: dict[str, float] = field(default_factory=dict)
    coverage_config: CoverageConfig = field(default_factory=CoverageConfig)
    technologies: tuple[str, ...] | None = ("4G",)


def run_plan(
    inputs: StudyInputs,
    *,
    coverage_config: CoverageConfig,
    gap_config: GapConfig | None,
    placement: PlacementSettings | None,
    technologies: Sequence[str] | None = ("4G",),
    executor: str = "serial",
    workers: int | None = None,
    progress: Progress | None = None,
) -> PlanResults:
    """Coverage, then dead zones, then (with ``placement`` settings) shared-tower proposals.

    ``progress(stage, fraction)`` reports the fraction of the whole plan.
    """
    timings: dict[str, float] = {}
    steps = ["coverage", "gaps", *(["placement"] if placement is not None else [])]
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
    coverage = run_coverage_step(inputs, coverage_config, technologies=technologies, executor=executor,
                                 workers=workers, progress=scoped("coverage"))
    finish("coverage", t0)
    t0 = time.perf_counter()
    gaps = run_gaps_step(inputs, coverage, gap_config, progress=scoped("gaps"))
    finish("gaps", t0)
    plan = None
    if placement is not None:
        t0 = time.perf_counter()
        plan = run_placement_step(inputs, coverage, placement, coverage_config=coverage_config,
                                  progress=scoped("placement"))
        finish("placement", t0)
    if progress:
        progress("done", 1.0)
    return PlanResults(inputs, coverage, gaps, plan, timings, coverage_config,
                       None if technologies is None else tuple(technologies))


# ------------------------------------------------------------------ package
def _jsonable(value: Any) -> Any:
    """Plain JSON types (dataclasses, numpy scalars, paths, tuples); NaN/inf as None."""
    if is_dataclass(value) and not isinstance(value, type):
        return _jsonable(asdict(value))
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [_jsonable(v) for v in items]
    if isinstance(value, np.ndarray):
        return [_jsonable(v) for v in value.tolist()]
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        v = float(value)
        return v if math.isfinite(v) else None
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if value is None or isinstance(value, int | str):
        return value
    return str(value)


def _split_volatile(data: Any, moved: dict[str, Any], prefix: str = "") -> Any:
    """``data`` without run-time figures (runtimes, timings), which go into ``moved``."""
    if isinstance(data, dict):
        out = {}
        for k, v in data.items():
            if _VOLATILE.search(k):
                moved[f"{prefix}{k}"] = v
            else:
                out[k] = _split_volatile(v, moved, f"{prefix}{k}.")
        return out
    return data


def server_names(coverage: CoverageResult) -> pd.DataFrame:
    """``best_server`` value -> ``site_id``, ``cell_id``, ``operator``, ``technology`` of the sector."""
    table = coverage.stations
    cols = [c for c in ("site_id", "cell_id", "operator", "technology", "freq_mhz") if c in table.columns]
    out = table[cols].copy()
    out.insert(0, "best_server", table["station_index"].to_numpy() if "station_index" in table
               else np.arange(len(table)))
    return out.reset_index(drop=True)


def plan_summary(results: PlanResults) -> tuple[dict[str, Any], dict[str, Any]]:
    """Headline figures (deterministic, JSON-ready) and the run-time figures kept out of them.

    Population total, covered per operator / technology / by any / by two or more,
    uncovered, dead zones (count, people), road km, stations, area covered and, with a
    placement, proposals, people newly covered and cost (VND) with the solver's figures.
    """
    gaps = results.gaps.summary()
    moved: dict[str, Any] = {}
    summary: dict[str, Any] = {
        "study": results.inputs.label,
        "technologies": list(results.technologies) if results.technologies else "all",
        "threshold_dbm": results.coverage_config.threshold_dbm,
        "population_total": gaps.get("total_people"),
        "covered_by_operator": gaps.get("covered_by_operator"),
        "covered_by_technology": gaps.get("covered_by_technology"),
        "covered_any_operator": gaps.get("covered_any_operator"),
        "covered_two_or_more_operators": gaps.get("covered_two_or_more_operators"),
        "uncovered": gaps.get("uncovered"),
        "covered_any_pct": gaps.get("covered_any_pct"),
        "gap_count": gaps.get("gap_count"),
        "gap_people": gaps.get("gap_people"),
    }
    for key in ("road_km", "road_covered_km"):
        if key in gaps:
            summary[key] = gaps[key]
    cov = results.coverage.summary()
    summary["stations"] = {"sectors_modelled": cov["stations"]["used"], "sites": cov["stations"]["sites"],
                           "skipped": cov["stations"]["skipped"], "sectors_in_inputs": len(results.inputs.stations)}
    summary["area_covered_km2"] = {"any_operator": cov["any_operator"]["area_km2"],
                                   **{k: v["area_km2"] for k, v in cov["operators"].items()}}
    if results.placement is not None:
        placed = _split_volatile(_jsonable(results.placement.summary()), moved, "placement.")
        summary["proposals"] = placed.get("proposals")
        summary["people_newly_covered"] = placed.get("people_newly_covered")
        summary["cost_vnd"] = placed.get("cost_vnd")
        summary["placement"] = placed
    else:
        summary["placement"] = None
    if results.inputs.warnings:  # towerplan.plan_checks: what the figures do not show
        summary["warnings"] = list(results.inputs.warnings)
    return _jsonable(summary), _jsonable(moved)


_MODEL_TEXT = {
    "hata": "Okumura-Hata + terrain diffraction beyond the smooth earth (ITU-R P.526)",
    "cost231": "COST-231 Hata + terrain diffraction beyond the smooth earth (ITU-R P.526)",
    "itm": "Longley-Rice ITM v1.2.2 (point-to-point; valid 20 MHz - 20 GHz, 1-2000 km, antennas 0.5-3000 m)",
    "fspl": "free space + one knife edge (no clutter: an optimistic bound)",
}


_DIFFRACTION_TEXT = {"none": "no terrain diffraction", "deygout": "Deygout terrain diffraction",
                    "bullington": "Bullington terrain diffraction",
                    "delta_bullington": "Delta-Bullington terrain diffraction"}


def _models(counts: Mapping[str, int], config: CoverageConfig) -> dict[str, str]:
    """Model -> description, validity range and number of sectors it was used for."""
    from towerplan.coverage.propagation import VALIDITY_RANGES

    out = {}
    for name in sorted(counts):
        text = _MODEL_TEXT.get(name, name)
        if name in ("hata", "cost231"):
            text = text.replace("terrain diffraction", _DIFFRACTION_TEXT.get(config.diffraction, config.diffraction))
        if name == "p1812":
            from towerplan.coverage.p1812 import p1812_method_text

            text = p1812_method_text(config.p1812)
        rng = VALIDITY_RANGES.get(name)
        if rng:
            f, d, hb, hm = (rng[k] for k in ("freq_mhz", "distance_m", "h_base_m", "h_mobile_m"))
            text += (f"; valid {f[0]:g}-{f[1]:g} MHz, {d[0] / 1e3:g}-{d[1] / 1e3:g} km, base antenna "
                     f"{hb[0]:g}-{hb[1]:g} m, mobile {hm[0]:g}-{hm[1]:g} m (beyond: extrapolated)")
        out[name] = f"{text}; {counts[name]} sectors"
    return out


def method_record(
    results: PlanResults,
    *,
    extra: Mapping[str, Any] | None = None,
    base_dir: Path | None = None,
) -> dict[str, Any]:
    """The method (:func:`towerplan.export.method.method_section`): models with their validity
    ranges, every setting, input files with sha256, notes, towerplan version.

    Run times are left out so that reruns give identical outputs. ``extra`` is merged in:
    its ``settings`` and ``models`` into those of the record, its ``notes`` appended, other
    keys set. Input paths are written relative to ``base_dir`` where inside it.
    """
    from towerplan.export.method import method_section

    cov = results.coverage.summary()
    settings: dict[str, Any] = {
        "study": results.inputs.label,
        "technologies": list(results.technologies) if results.technologies else "all",
        "grid": cov.get("grid", {}),
        "coverage": results.coverage_config.to_dict(),
        "gaps": {k: getattr(results.gaps.config, k) for k in results.gaps.config.__dataclass_fields__},
        "gap_score_formula": results.gaps.score_formula,
    }
    if results.placement is not None:
        settings["placement"] = _jsonable(results.placement.settings)
    notes = [*results.gaps.notes]
    if results.inputs.station_report is not None and len(results.inputs.station_report):
        rep = results.inputs.station_report
        errors = int((rep["severity"] == "error").sum()) if "severity" in rep else 0
        notes.append(f"station lists: {errors} error(s) (rows left out) and {len(rep) - errors} warning(s) "
                     "(defaults used); see `towerplan validate`")
    method = method_section(models=_models(cov.get("models", {}), results.coverage_config),
                            settings=_jsonable(settings), input_files=dict(sorted(results.inputs.files.items())),
                            notes=notes, base_dir=base_dir)
    for key, value in (extra or {}).items():
        if key in ("settings", "models") and isinstance(value, Mapping):
            method[key] = {**method[key], **_jsonable(value)}
        elif key == "notes":
            method["notes"] = [*method["notes"], *map(str, value)]
        else:
            method[key] = _jsonable(value)
    return method


def plan_package(
    results: PlanResults,
    *,
    title: str,
    method: Mapping[str, Any] | None = None,
    base_dir: Path | None = None,
) -> PlanPackage:
    """The export package of a plan (:class:`towerplan.export.package.PlanPackage`).

    Rasters: ``best_rsrp_dbm``, ``best_server``, ``server_count``, ``rsrp_<operator>_dbm``,
    and with a placement ``coverage_before_dbm`` / ``coverage_after_dbm``. ``method`` is
    merged into :func:`method_record` (``base_dir``: input paths relative to it).
    """
    from towerplan.export.package import PlanPackage

    cov = results.coverage
    rasters: dict[str, Grid] = {"best_rsrp_dbm": cov.best_level, "best_server": cov.best_server,
                                "server_count": cov.server_count}
    for name in sorted(cov.operator_levels):
        rasters[f"rsrp_{operator_slug(name)}_dbm"] = cov.operator_levels[name]
    if cov.sinr is not None:  # coverage.sinr = true: SINR, throughput and uplink rasters per operator
        from towerplan.coverage.radio_maps import radio_maps

        rasters.update({f.removesuffix(".tif"): g for f, (g, _, _) in radio_maps(cov).rasters(operator_slug).items()})
    plan = results.placement
    proposals = curve = None
    if plan is not None:
        rasters["coverage_before_dbm"] = plan.before
        rasters["coverage_after_dbm"] = plan.after
        proposals = plan.result.proposals
        curve = plan.result.curve
    summary, _ = plan_summary(results)
    gaps = results.gaps
    return PlanPackage(
        title=title,
        study_label=results.inputs.label,
        stations=results.inputs.stations,
        gaps=gaps.gaps,
        proposals=proposals,
        commune_stats=gaps.commune_stats,
        road_coverage=gaps.road_pieces,
        curve=curve,
        rasters=rasters,
        summary=summary,
        method=method_record(results, extra=method, base_dir=base_dir),
        server_names=server_names(cov),
    )
