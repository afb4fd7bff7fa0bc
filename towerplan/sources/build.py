"""Turn local input files into a study area folder (no network here).

:func:`build_study_area` is the second half of ``towerplan fetch``: given the
area and the files already on disk (downloaded into the cache, or the user's own),
it writes ``dem.tif``, ``population.tif``, ``province.gpkg``, ``communes.gpkg``,
``roads.gpkg`` + ``roads.graphml``, ``scenario.toml``, ``SOURCES.md`` and
``SOURCES.sha256``. Everything is written to a hidden staging folder beside the
output first and moved in only when complete, so a failed run never leaves a
half-built study area (existing files of the same names are replaced).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import rasterio.features
from pyproj import CRS

from towerplan._atomic import atomic_path
from towerplan.errors import ConfigError
from towerplan.grid import Grid
from towerplan.landcover import read_land_cover, write_land_cover
from towerplan.rasters import write_grid
from towerplan.sources._common import Progress, ProgressCallback, report
from towerplan.sources.outputs import (
    OutputFile,
    SourceRecord,
    StudyArea,
    write_checksums,
    write_scenario_toml,
    write_sources_md,
)
from towerplan.sources.population import align_population_files
from towerplan.sources.roads import project_graph, write_road_network
from towerplan.terrain import pick_crs, read_dem
from towerplan.villages.table import write_village_csv

__all__ = ["OUTPUT_NAMES", "StudyAreaResult", "build_study_area", "expand_area"]

log = logging.getLogger(__name__)

#: every file a study area folder can hold (others in the folder are left alone)
OUTPUT_NAMES = frozenset({
    "dem.tif", "population.tif", "landcover.tif", "province.gpkg", "communes.gpkg", "roads.gpkg", "roads.graphml",
    "villages.csv",
    "scenario.toml", "SOURCES.md", "SOURCES.sha256",
})


@dataclass(frozen=True)
class StudyAreaResult:
    """What :func:`build_study_area` wrote.

    Attributes
    ----------
    out_dir
        The study area folder.
    files
        Output name -> path, for every file written.
    area
        The area.
    crs
        CRS of every output (the UTM zone of the area).
    dem_shape
        (rows, cols) of ``dem.tif``.
    population_total
        People on the grid (``None`` without population).
    population_in_area
        People in the cells whose centre is inside the area polygon.
    sources
        The input records (as in SOURCES.md).
    """

    out_dir: Path
    files: dict[str, Path]
    area: StudyArea
    crs: str
    dem_shape: tuple[int, int]
    population_total: float | None
    population_in_area: float | None
    sources: tuple[SourceRecord, ...]


def expand_area(area: StudyArea, margin_m: float) -> StudyArea:
    """``area`` grown by ``margin_m`` metres (in its UTM zone), e.g. to keep terrain beyond a border."""
    if margin_m < 0:
        raise ConfigError(f"the margin cannot be negative, got {margin_m} m")
    if margin_m == 0:
        return area
    crs = pick_crs(area.geometry)
    grown = gpd.GeoSeries([area.geometry], crs=4326).to_crs(crs).buffer(margin_m).to_crs(4326).iloc[0]
    return StudyArea(area.name, grown, area.kind, area.attributes)


def _write_vector(gdf: gpd.GeoDataFrame, path: Path, layer: str, crs: CRS) -> None:
    with atomic_path(path) as tmp:
        gdf.to_crs(crs).to_file(tmp, layer=layer, driver="GPKG", engine="pyogrio")


def build_study_area(
    area: StudyArea,
    out_dir: str | os.PathLike[str],
    *,
    dem_paths: Sequence[str | os.PathLike[str]],
    population_paths: Sequence[str | os.PathLike[str]] = (),
    landcover_paths: Sequence[str | os.PathLike[str]] = (),
    communes: gpd.GeoDataFrame | None = None,
    road_graph: nx.MultiDiGraph | None = None,
    villages: gpd.GeoDataFrame | None = None,
    records: Sequence[SourceRecord] = (),
    resolution_m: float = 30.0,
    margin_m: float = 0.0,
    notes: Sequence[str] = (),
    progress: ProgressCallback | None = None,
) -> StudyAreaResult:
    """Write a study area folder from local files.

    Parameters
    ----------
    area
        The area (EPSG:4326 polygon).
    out_dir
        The folder to fill (created if needed).
    dem_paths
        DEM files (GeoTIFF, SRTM ``.hgt``/``.hgt.zip``), mosaicked by :func:`towerplan.terrain.read_dem`.
    population_paths
        Population rasters (people per cell), summed after alignment; none: no ``population.tif``.
    landcover_paths
        ESA WorldCover tiles (GeoTIFF), resampled by majority onto the DEM grid; none: no ``landcover.tif``.
    communes
        Administrative units for ``communes.gpkg`` (any CRS), or ``None``.
    road_graph
        A road graph (any CRS, osmnx conventions), or ``None``.
    villages
        Village points (:data:`towerplan.villages.VILLAGE_COLUMNS`) for ``villages.csv``, or ``None``.
    records
        The inputs, for SOURCES.md.
    resolution_m
        Grid cell size of the rasters, metres.
    margin_m
        Extra width around the area covered by the rasters and roads.
    notes
        Extra lines for SOURCES.md.
    progress
        Called with one ``Progress(stage, label, step, total, "steps")`` per file.

    Returns
    -------
    StudyAreaResult
    """
    progress = report(progress)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out} exists and is not a folder")
    if not dem_paths:
        raise ConfigError("a study area needs at least one DEM file")
    crs = pick_crs(area.geometry)
    crs_text = f"EPSG:{crs.to_epsg()}" if crs.to_epsg() else crs.to_string()
    raster_area = expand_area(area, margin_m)
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    steps = 3 + bool(population_paths) + bool(landcover_paths) + sum(x is not None for x in (communes, road_graph,
                                                                                             villages))
    step = 0

    def tick(label: str) -> None:
        nonlocal step
        step += 1
        progress(Progress("write", label, step, steps, "steps"))

    outputs: list[OutputFile] = []
    inputs: dict[str, str] = {}
    population_total: float | None = None
    population_in_area: float | None = None
    try:
        tick("dem.tif")
        dem = read_dem([Path(p) for p in dem_paths], area=raster_area.geometry, resolution_m=resolution_m, crs=crs)
        write_grid(dem, stage / "dem.tif")
        outputs.append(OutputFile("dem.tif", f"terrain height (m), float32, {resolution_m:g} m cells", ("dem",)))
        inputs["dem"] = "dem.tif"
        if population_paths:
            tick("population.tif")
            pop = _write_population(population_paths, dem, stage / "population.tif")
            population_total = float(pop.values.sum(dtype=np.float64))
            population_in_area = _sum_inside(pop, area, crs)
            outputs.append(OutputFile(
                "population.tif",
                f"people per cell on the DEM grid (sum-preserving): {population_total:,.0f} on the grid, "
                f"{population_in_area:,.0f} inside the area", ("population",)))
            inputs["population"] = "population.tif"
        if landcover_paths:
            tick("landcover.tif")
            summary = write_land_cover(read_land_cover([Path(p) for p in landcover_paths], dem),
                                       stage / "landcover.tif")
            outputs.append(OutputFile("landcover.tif", f"land-cover classes on the DEM grid (majority): {summary}",
                                      ("landcover",)))
            inputs["landcover"] = "landcover.tif"
        tick("province.gpkg")
        province = gpd.GeoDataFrame({"name": [area.name], **{k: [v] for k, v in area.attributes}},
                                    geometry=[area.geometry], crs=4326)
        _write_vector(province, stage / "province.gpkg", "province", crs)
        outputs.append(OutputFile("province.gpkg", "the study area polygon (layer province)", ("boundaries",)))
        inputs["province"] = "province.gpkg"
        if communes is not None:
            tick("communes.gpkg")
            _write_vector(communes, stage / "communes.gpkg", "communes", crs)
            outputs.append(OutputFile(
                "communes.gpkg", f"{len(communes)} administrative units (layer communes)", ("communes",)))
            inputs["communes"] = "communes.gpkg"
        if road_graph is not None:
            tick("roads.gpkg")
            graph = project_graph(road_graph, crs)
            edges = write_road_network(graph, stage / "roads.gpkg", stage / "roads.graphml")
            km = edges.geometry.length.sum() / 1000
            outputs.append(OutputFile("roads.gpkg", f"{len(edges)} road segments, {km:,.0f} km (layer roads)",
                                      ("roads",)))
            outputs.append(OutputFile("roads.graphml", "the road graph (osmnx GraphML; edge length in m)",
                                      ("roads",)))
            inputs["roads"] = "roads.gpkg"
            inputs["road_graph"] = "roads.graphml"
        if villages is not None:
            tick("villages.csv")
            outputs.append(_write_villages(villages, stage, inputs))
        tick("scenario.toml, SOURCES.md")
        write_scenario_toml(stage / "scenario.toml", area=area, crs=crs_text, resolution_m=resolution_m,
                            inputs=inputs)
        outputs.append(OutputFile("scenario.toml", "provisional scenario skeleton naming these files"))
        write_checksums(stage / "SOURCES.sha256", records)
        outputs.append(OutputFile("SOURCES.sha256", "sha256 of every input file (usable as --checksums)"))
        all_notes = list(notes)
        if margin_m:
            all_notes.append(f"Rasters and roads extend {margin_m:g} m beyond the area")
        write_sources_md(stage / "SOURCES.md", area=area, crs=crs_text, resolution_m=resolution_m,
                         outputs=outputs, output_dir=stage, records=records, notes=all_notes)
        out.mkdir(parents=True, exist_ok=True)
        files = {}
        for name in [o.name for o in outputs] + ["SOURCES.md"]:
            os.replace(stage / name, out / name)
            files[name] = out / name
        for name in sorted(OUTPUT_NAMES - set(files)):
            if (out / name).is_file():  # from an earlier run with other options: it would contradict SOURCES.md
                (out / name).unlink()
                log.info("removed %s left by an earlier run", out / name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    log.info("study area written to %s (%d files)", out, len(files))
    return StudyAreaResult(
        out, files, area, crs_text, dem.shape, population_total, population_in_area, tuple(records)
    )


def _write_villages(villages: gpd.GeoDataFrame, stage: Path, inputs: dict[str, str]) -> OutputFile:
    write_village_csv(villages, stage / "villages.csv")
    inputs["villages"] = "villages.csv"
    return OutputFile("villages.csv", f"{len(villages)} village points (OpenStreetMap place=village|hamlet|"
                      "isolated_dwelling; households and grid power unknown)", ("villages",))


def _write_population(paths: Sequence[str | os.PathLike[str]], dem: Grid, dest: Path) -> Grid:
    aligned = align_population_files(paths, dem)
    write_grid(aligned.grid, dest)
    log.info(
        "population: %.0f people on the grid (%.0f in the rasters' windows, %.0f outside the grid)",
        aligned.aligned_total, aligned.source_total, aligned.outside_total,
    )
    return aligned.grid


def _sum_inside(grid: Grid, area: StudyArea, crs: CRS) -> float:
    """People in the cells whose centre lies inside the area polygon."""
    geom = gpd.GeoSeries([area.geometry], crs=4326).to_crs(crs).iloc[0]
    inside = rasterio.features.geometry_mask([geom], out_shape=grid.shape, transform=grid.transform, invert=True)
    return float(grid.masked(fill=0.0)[inside].sum())
