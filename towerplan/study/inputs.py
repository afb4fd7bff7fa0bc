"""A study's inputs, assembled once: :class:`StudyInputs`.

Every way into a study (a ``towerplan demo`` / ``towerplan fetch`` folder, a
scenario's files, the app's uploads) ends in one function, :func:`study_inputs`,
which takes what was read and checks it; files are read by :func:`read_input`,
one reader per role, each file once (:func:`read_study_files` for files on disk;
the app stores an upload's value from :func:`read_input` and passes it on).

Station lists are validated once, by :mod:`towerplan.stations` (one table of
defaults, :class:`~towerplan.stations.schema.StationDefaults`); several lists are
combined with :func:`towerplan.stations.combine_loads` (cross-file duplicate
checks, no second parse).
"""

from __future__ import annotations

import functools
import logging
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from towerplan.errors import ConfigError, UnreadableFileError
from towerplan.grid import Grid

if TYPE_CHECKING:  # pragma: no cover
    from towerplan.coverage.clutter import ClutterGrid
    from towerplan.landcover import LandCover
    from towerplan.stations.report import StationLoad

__all__ = [
    "CALIBRATION_ROLE",
    "LANDCOVER_TABLE_ROLE",
    "OPTIONAL_ROLES",
    "REQUIRED_ROLES",
    "STUDY_FILES",
    "StudyInputs",
    "calibrated",
    "admin_units_for",
    "load_study_inputs",
    "read_candidates",
    "read_input",
    "read_study_land_cover",
    "read_study_dem",
    "read_study_files",
    "read_study_stations",
    "study_inputs",
]

log = logging.getLogger(__name__)

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
    "villages": "villages.csv",
    "admin_units": "admin_units.gpkg",
    "no_signal_villages": "no_signal_villages.csv",
    "landcover": "landcover.tif",
}
REQUIRED_ROLES = ("dem", "population", "stations")
OPTIONAL_ROLES = ("communes", "roads", "candidates", "exclusions", "fibre_points", "villages", "admin_units",
                  "no_signal_villages")
#: a file a study reads besides its layers: ``calibration.json`` of ``towerplan calibrate``, whose
#: corrections are set on the stations (the columns of ``coverage.calibration.COLUMN_DEFAULTS``)
CALIBRATION_ROLE = "calibration"
#: the land-cover class table replacing ESA WorldCover's (CSV / TOML, :func:`towerplan.landcover.read_class_table`)
LANDCOVER_TABLE_ROLE = "landcover_table"
_VECTOR_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".kml", ".fgb")


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
    villages
        Village points (:data:`towerplan.villages.table.VILLAGE_COLUMNS`, EPSG:4326), or None.
    units_label
        Which administrative units the per-commune tables use (e.g. "admin_units.gpkg: 166 units"),
        shown on every per-commune output; empty for the communes layer as given.
    origins
        Role -> ``"synthetic"`` (the generated demo province) or ``"real"`` (the user's files); roles
        not listed are the user's (:func:`towerplan.study.origin.data_origin`).
    land_cover
        Land-cover classes on ``dem``'s lattice and their clutter table
        (:class:`~towerplan.landcover.LandCover`); its source is ``"none"`` when no raster was given
        (every cell the default class, with a warning). None (a StudyInputs built by hand): as "none".
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
    villages: gpd.GeoDataFrame | None = None
    units_label: str = ""
    origins: Mapping[str, str] = field(default_factory=dict)
    land_cover: LandCover | None = None

    def __post_init__(self) -> None:
        problems = []
        if not isinstance(self.dem, Grid) or not isinstance(self.population, Grid):
            problems.append("dem and population must be Grids")
        elif not self.population.same_lattice(self.dem):
            problems.append("population must be on the DEM's lattice (align it with towerplan.population)")
        elif self.land_cover is not None and not self.land_cover.classes.same_lattice(self.dem):
            problems.append("land cover must be on the DEM's lattice (read it with towerplan.landcover.land_cover_for)")
        if not isinstance(self.stations, gpd.GeoDataFrame):
            problems.append("stations must be a GeoDataFrame (towerplan.stations.read_stations)")
        elif self.stations.crs is None or self.stations.crs.to_epsg() != 4326:
            problems.append("stations must be in EPSG:4326")
        if problems:
            raise ConfigError("study inputs: " + "; ".join(problems))

    @functools.cached_property
    def projected_stations(self) -> gpd.GeoDataFrame:
        """The stations projected once onto the DEM's CRS (:func:`towerplan.stations.project_stations`:
        geometry and ``x``/``y`` in metres), for the steps that need metres (the engine takes their
        geometry rather than projecting lon/lat again)."""
        from towerplan.stations import project_stations

        return project_stations(self.stations, self.dem.crs)

    @functools.cached_property
    def clutter(self) -> ClutterGrid | None:
        """The land cover as the coverage engine's clutter (P.1812's representative heights and categories),
        computed once; None without a land-cover raster (the engine's bare-terrain default, every cell
        open/rural with R = 0 m)."""
        if self.land_cover is None or self.land_cover.source == "none":
            return None
        return self.land_cover.to_clutter_grid()


# ------------------------------------------------------------------ readers, one per role
def _paths(value: Path | str | Sequence[Path | str]) -> list[Path]:
    return [Path(value)] if isinstance(value, str | os.PathLike) else [Path(p) for p in value]


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


def read_study_stations(stations: Path | Sequence[Path] | StationLoad) -> StationLoad:
    """Read and validate one station list or several (one per operator, say), or take a
    :class:`~towerplan.stations.report.StationLoad` already read.

    Rows with errors are left out of ``load.stations`` (logged once; the issues are in
    ``load.report``). ConfigError when no usable row is left.
    """
    from towerplan.stations import read_many, read_stations
    from towerplan.stations.report import StationLoad

    if isinstance(stations, StationLoad):
        load, names = stations, [str(s) for s in stations.sources]
    else:
        paths = _paths(stations)
        if not paths:
            raise ConfigError("no station list given")
        load = read_stations(paths[0]) if len(paths) == 1 else read_many(paths)
        names = [p.name for p in paths]
    if len(load.rejected):
        log.warning("%d station row(s) rejected by validation and left out (run `towerplan validate` for details)",
                    len(load.rejected))
    if load.stations.empty:
        raise ConfigError("no usable station rows in " + ", ".join(names))
    return load


def read_candidates(path: Path) -> pd.DataFrame:
    """The planner's candidate list: a CSV / XLSX table or a point layer."""
    path = Path(path)
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


def read_study_land_cover(landcover: Path | Sequence[Path] | None, dem: Grid, *,
                          table: Path | None = None) -> LandCover:
    """Land cover on ``dem``'s lattice (majority of the classes under each cell), or, without a file, every
    cell the default class open/rural with a warning saying so (:func:`towerplan.landcover.land_cover_for`).

    ``table``: a class-table file (CSV / TOML) replacing ESA WorldCover's. Bad files get a message
    naming them: no CRS, no overlap with the DEM, nothing but nodata, classes the table does not list
    (each counted in cells; never mapped silently).
    """
    from towerplan.landcover import land_cover_for

    return land_cover_for(dem, None if landcover is None else _paths(landcover), table=table)


def read_input(role: str, path: Path | Sequence[Path], *, dem: Grid | None = None, resolution_m: float | None = None,
               name: str | None = None, table: Path | None = None) -> Any:
    """Read one input of a study by its role (each file once).

    ``dem``: a Grid (the DEM files mosaicked at ``resolution_m``); ``population``: a
    :class:`~towerplan.population.PopulationAlignment` on ``dem``'s lattice; ``stations``: a
    validated :class:`~towerplan.stations.report.StationLoad` (``name``: the user's file name for
    one upload); ``communes``, ``roads``, ``exclusions``, ``fibre_points``: checked GeoDataFrames;
    ``candidates``: a table or point layer; ``landcover``: a :class:`~towerplan.landcover.LandCover` on
    ``dem``'s lattice (``table``: a class-table file). Library errors propagate.
    """
    if role == "dem":
        return read_study_dem(path, resolution_m=resolution_m)
    if role == "landcover":
        if dem is None:
            raise ConfigError("the land cover is read onto a DEM: read the DEM first")
        return read_study_land_cover(path, dem, table=table)
    if role == "stations":
        from towerplan.stations import read_many, read_stations

        paths = _paths(path)
        return read_stations(paths[0], name=name) if len(paths) == 1 else read_many(paths)
    (single,) = _paths(path)
    if role == "population":
        from towerplan.population import read_population

        if dem is None:
            raise ConfigError("the population is read onto a DEM: read the DEM first")
        return read_population(single, dem)
    if role == "candidates":
        return read_candidates(single)
    if role == "villages":
        from towerplan.villages.table import read_villages

        return read_villages(single, name=name)
    if role == "no_signal_villages":  # the province's list of villages reported without signal
        from towerplan.villages.table import read_village_names

        return read_village_names(single, name=name)
    from towerplan.vectors import read_communes, read_roads, read_vector

    readers = {"communes": read_communes, "roads": read_roads,
               "exclusions": lambda p: read_vector(p, kind="polygon"),
               "fibre_points": lambda p: read_vector(p, kind="point"), "admin_units": read_communes}
    if role not in readers:
        raise ConfigError(f"unknown study input role {role!r}; roles are {', '.join(STUDY_FILES)}")
    return readers[role](single)


def calibrated(load: StationLoad, calibration: Path) -> StationLoad:
    """``load`` with the corrections of a ``calibration.json`` (``towerplan calibrate``) set on its stations."""
    from dataclasses import replace

    from towerplan.measurements import apply_calibration, read_calibration

    stations = apply_calibration(load.stations.reset_index(drop=True), read_calibration(calibration))
    return replace(load, stations=stations)


# ------------------------------------------------------------------ assembling
def _file_roles(files: Mapping[str, Path | Sequence[Path]]) -> dict[str, Path]:
    """Role -> path of every file (``dem_2``, ``stations_2``, ... for several), for the method record."""
    out: dict[str, Path] = {}
    for role in (*REQUIRED_ROLES, *OPTIONAL_ROLES, CALIBRATION_ROLE, "landcover", LANDCOVER_TABLE_ROLE):
        if files.get(role) is None:
            continue
        for k, p in enumerate(_paths(files[role])):  # type: ignore[arg-type]
            out[role if k == 0 else f"{role}_{k + 1}"] = p
    return out


def study_inputs(
    *,
    dem: Grid,
    population: Grid,
    stations: StationLoad,
    communes: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
    exclusions: gpd.GeoDataFrame | None = None,
    user_candidates: pd.DataFrame | None = None,
    fibre_points: gpd.GeoDataFrame | None = None,
    label: str = "",
    files: Mapping[str, Path] | None = None,
    commune_name_column: str | None = None,
    station_report: pd.DataFrame | None = None,
    warnings: tuple[str, ...] = (),
    villages: gpd.GeoDataFrame | None = None,
    units_label: str = "",
    origins: Mapping[str, str] | None = None,
    land_cover: LandCover | None = None,
) -> StudyInputs:
    """The one place a :class:`StudyInputs` is assembled from what was read (nothing is read here).

    ``stations`` is the validated load (rows with errors left out; ConfigError when none is
    left); its report becomes ``station_report`` (English) unless one is given. Without
    ``land_cover``, every cell gets the default class (:func:`towerplan.landcover.default_land_cover`);
    the land cover's warnings join ``warnings``.
    """
    from towerplan.landcover import default_land_cover

    load = read_study_stations(stations)
    cover = land_cover if land_cover is not None else default_land_cover(dem)
    warnings = (*warnings, *(w for w in cover.warnings if w not in warnings))
    if station_report is None:  # English, with the Vietnamese message beside it (the app shows either)
        station_report = load.report.to_frame()
        station_report["message_vi"] = load.report.to_frame("vi")["message"].to_numpy()
    return StudyInputs(
        dem=dem, population=population, stations=load.stations.reset_index(drop=True), communes=communes,
        roads=roads, exclusions=exclusions, user_candidates=user_candidates, fibre_points=fibre_points,
        label=label, files=dict(files or {}),
        station_report=station_report,
        commune_name_column=commune_name_column, warnings=tuple(warnings), villages=villages,
        units_label=units_label, origins=dict(origins or {}), land_cover=cover,
    )


def read_study_files(
    files: Mapping[str, Any],
    *,
    resolution_m: float | None = None,
    label: str = "",
    commune_name_column: str | None = None,
) -> StudyInputs:
    """Read a study's files (role of :data:`STUDY_FILES` -> path, or paths for ``dem`` / ``stations``),
    each once, and assemble them with :func:`study_inputs`.

    ``dem``: GeoTIFF (any CRS) or SRTM ``.hgt``; one projected GeoTIFF at ``resolution_m`` (or any,
    when None) is used as it is, otherwise mosaicked onto a UTM lattice of ``resolution_m`` (default
    30 m). ``population``: moved onto the DEM lattice keeping every source cell's count.
    ``stations``: one list or several, every format towerplan reads; rows with errors are left out.
    ``candidates``: CSV / XLSX with ``x``/``y`` (DEM CRS) or ``lon``/``lat``, or a point layer.
    ``calibration``: a ``calibration.json`` of ``towerplan calibrate``, set on the stations.
    ``landcover``: categorical GeoTIFF(s) (ESA WorldCover, or any with ``landcover_table``), moved onto
    the DEM lattice by majority; without it every cell is the default class open/rural and the
    inputs' warnings say so.
    """
    unknown = sorted(set(files) - {*STUDY_FILES, CALIBRATION_ROLE, LANDCOVER_TABLE_ROLE})
    if unknown:
        raise ConfigError(f"unknown study file role(s) {', '.join(unknown)}; roles are {', '.join(STUDY_FILES)}, "
                          f"{CALIBRATION_ROLE}, {LANDCOVER_TABLE_ROLE}")
    if not files.get("dem") or not files.get("stations") or files.get("population") is None:
        raise ConfigError("a study needs at least one DEM file, a population raster and one station list")
    from towerplan.plan_checks import check_study, nodata_warning
    from towerplan.population import read_population

    grid = read_input("dem", files["dem"], resolution_m=resolution_m)
    with np.errstate(invalid="ignore"):
        land = np.asarray(grid.masked() > 0.0)  # nodata in the population over the sea is no missing person
    (population,) = _paths(files["population"])
    people = read_population(population, grid, land=land)
    load = read_study_stations(read_input("stations", files["stations"]))
    if files.get(CALIBRATION_ROLE) is not None:
        load = calibrated(load, Path(files[CALIBRATION_ROLE]))
    optional = {role: read_input(role, files[role]) for role in OPTIONAL_ROLES if files.get(role) is not None}
    units, units_label = admin_units_for(optional.get("communes"), optional.get("admin_units"),
                                         files.get("admin_units"))
    optional["communes"] = units
    table = files.get(LANDCOVER_TABLE_ROLE)
    cover = read_study_land_cover(files.get("landcover") or None, grid, table=None if table is None else Path(table))
    notes = check_study(population_total=people.aligned_total, communes=optional.get("communes"),
                        grid_bounds=grid.bounds, grid_crs=grid.crs,
                        warnings=[w for w in (nodata_warning(people.nodata_share),) if w])
    return study_inputs(
        dem=grid, population=people.grid, stations=load, communes=optional.get("communes"), warnings=tuple(notes),
        roads=optional.get("roads"), exclusions=optional.get("exclusions"),
        user_candidates=optional.get("candidates"), fibre_points=optional.get("fibre_points"),
        label=label, files=_file_roles(files), commune_name_column=commune_name_column,
        villages=_villages_of(optional), units_label=units_label, land_cover=cover,
    )


def _villages_of(optional: Mapping[str, Any]) -> gpd.GeoDataFrame | None:
    """The village list, marked with the province's separate "no signal" list when one is given."""
    if optional.get("villages") is None:
        if optional.get("no_signal_villages") is not None:
            raise ConfigError("no_signal_villages needs the village list itself (inputs.villages)")
        return None
    villages = optional["villages"].villages
    if optional.get("no_signal_villages") is not None:
        from towerplan.villages.status import mark_reported

        villages = mark_reported(villages, optional["no_signal_villages"])
    return villages


def admin_units_for(communes: gpd.GeoDataFrame | None, admin_units: gpd.GeoDataFrame | None,
                    path: Any = None) -> tuple[gpd.GeoDataFrame | None, str]:
    """The units every per-commune table uses, and the label saying which.

    An ``admin_units`` boundary file (e.g. the communes and wards after the 2025 reform, with no
    districts) replaces the ``communes`` layer; the label names the file and the count of units.
    """
    if admin_units is None:
        return communes, ""
    if communes is not None:
        log.info("admin_units given: its %d units replace the %d communes of the communes layer",
                 len(admin_units), len(communes))
    name = Path(path).name if isinstance(path, str | os.PathLike) else "admin_units"
    districts = [c for c in ("district", "district_vn", "huyen") if c in admin_units.columns]
    kind = "units with districts" if districts else "units, no districts"
    return admin_units, f"{name}: {len(admin_units)} {kind}"


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
    landcover: Path | Sequence[Path] | None = None,
    landcover_table: Path | None = None,
) -> StudyInputs:
    """:func:`read_study_files` with the roles as keywords (``calibration``: a ``calibration.json`` of
    ``towerplan calibrate``, its corrections set on the stations, which the engine applies)."""
    if not _paths(dem) or not _paths(stations):
        raise ConfigError("a study needs at least one DEM file and one station list")
    files = {"dem": dem, "population": population, "stations": stations, "communes": communes, "roads": roads,
             "candidates": candidates, "exclusions": exclusions, "fibre_points": fibre_points,
             CALIBRATION_ROLE: calibration, "landcover": landcover, LANDCOVER_TABLE_ROLE: landcover_table}
    return read_study_files({k: v for k, v in files.items() if v is not None}, resolution_m=resolution_m,
                            label=label, commune_name_column=commune_name_column)
