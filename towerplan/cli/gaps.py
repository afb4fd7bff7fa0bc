"""``towerplan gaps``: people covered, dead zones and road coverage from coverage rasters.

::

    towerplan gaps --coverage DIR --population POP --out DIR [--communes FILE] [--roads FILE]
        [--dem DEM] [--stations FILE] [--threshold-dbm -110] [--operator NAME] [--min-people 50]
        [--min-area-km2 0] [--min-density 10] [--household-size H] [--commune-name COLUMN]

Reads every ``rsrp_<operator>_dbm.tif`` in ``--coverage`` (as ``towerplan coverage``
writes them, or made by another tool in that form: dBm, NaN/nodata = no signal).
Writes to ``--out``: ``gaps.gpkg`` (layers ``gaps``, and with communes
``commune_stats``, with roads ``road_coverage``), ``commune_stats.csv`` (UTF-8 with
BOM, so Excel shows Vietnamese names) and ``gaps_summary.json``. Every file is
written atomically. When ``--coverage`` was made with ``towerplan coverage --sinr``, the speed
analysis (load model, people reaching the 4G/5G speed targets, speed gaps) is written too
(:mod:`towerplan.cli.radio_io`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd

from towerplan._atomic import atomic_path
from towerplan.errors import RasterDataError, UnreadableFileError
from towerplan.grid import Grid
from towerplan.textsafe import formula_safe_frame

logger = logging.getLogger(__name__)

_LEVEL_FILE = re.compile(r"^rsrp_(.+)_dbm\.tif$")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``gaps`` command to the CLI."""
    from towerplan.planning.gaps import GapConfig

    d = GapConfig()
    p = subparsers.add_parser(
        "gaps",
        help="people covered, dead zones (gap polygons) and road coverage from coverage rasters",
        description="Count people covered per operator and commune, find and rank uncovered populated areas.",
    )
    p.add_argument("--coverage", required=True, type=Path, help="folder with rsrp_<operator>_dbm.tif rasters")
    p.add_argument("--population", required=True, type=Path, help="population raster (people per cell)")
    p.add_argument("--out", required=True, type=Path, help="output folder (created)")
    p.add_argument("--communes", type=Path, help="commune polygons (GeoPackage, GeoJSON, Shapefile ...)")
    p.add_argument("--commune-name", help="column naming the communes (default: commune_vn, name, ...)")
    p.add_argument("--roads", type=Path, help="road lines (GeoPackage, GeoJSON ...)")
    p.add_argument("--dem", type=Path, help="elevation raster, for the gaps' mean and max elevation")
    p.add_argument("--stations", type=Path, help="station list, for distances to the nearest tower")
    p.add_argument("--threshold-dbm", type=float, default=d.threshold_dbm, help="covered at or above (dBm)")
    p.add_argument("--operator", help="gaps of this operator only (default: no operator covers)")
    p.add_argument("--min-people", type=float, default=d.min_people, help="drop gaps with fewer people")
    p.add_argument("--min-area-km2", type=float, default=d.min_area_km2, help="drop smaller gaps (km2)")
    p.add_argument("--min-density", type=float, default=d.min_density_per_km2,
                   help="a cell is populated from this many people per km2")
    p.add_argument("--household-size", type=float, default=None, help="people per household (reports households)")
    p.set_defaults(func=run)


def read_level_grids(folder: Path) -> dict[str, Grid]:
    """Operator (file slug) -> level Grid, for every ``rsrp_<operator>_dbm.tif`` in ``folder``."""
    from towerplan.rasters import read_grid

    return {_LEVEL_FILE.match(p.name).group(1): read_grid(p) for p in _level_files(folder)}  # type: ignore[union-attr]


def _level_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise UnreadableFileError(f"{folder}: not a folder")
    found = sorted(p for p in folder.iterdir() if _LEVEL_FILE.match(p.name))
    if not found:
        raise UnreadableFileError(f"{folder}: no rsrp_<operator>_dbm.tif rasters (run `towerplan coverage` first)")
    return found


def _population_on_lattice(path: Path, level_file: Path) -> tuple[Grid, list[str]]:
    """The population on the coverage lattice, NaN where the raster has no data, and a note.

    Done before the level grids are read, so the alignment's working memory and the
    level grids are not held at the same time.
    """
    import numpy as np
    import rasterio

    from towerplan.input_files import open_raster
    from towerplan.planning.inputs import align_population_to
    from towerplan.rasters import MAX_CELLS, read_grid

    try:
        with open_raster(level_file) as ds:
            if ds.crs is None:
                raise RasterDataError(f"{level_file.name}: the raster has no coordinate reference system; assign one "
                                      "(e.g. gdal_edit.py -a_srs EPSG:32648) and try again")
            if ds.width * ds.height > MAX_CELLS:
                raise RasterDataError(f"{level_file.name}: {ds.width:,} x {ds.height:,} cells exceeds the limit of "
                                      f"{MAX_CELLS:,}; use a coarser resolution or a smaller area")
            lattice = Grid(np.broadcast_to(np.float32(0), (ds.height, ds.width)), ds.transform, ds.crs)
    except rasterio.errors.RasterioIOError as exc:
        raise UnreadableFileError(f"{level_file.name}: not a readable raster ({exc})") from exc
    source = read_grid(path)
    if source.same_lattice(lattice):
        return source, []
    pop = align_population_to(source, lattice)
    people = np.where(pop.has_data, pop.grid.values, np.float32(np.nan))
    note = (f"population moved onto the coverage grid (sum-preserving); {pop.outside_total:,.0f} people of "
            "the population raster lie outside it")
    return Grid(people, lattice.transform, lattice.crs, float("nan")), [note]


@contextlib.contextmanager
def _warnings_into(notes: list[str], logger_name: str) -> Iterator[None]:
    """Also collect the warnings ``logger_name`` logs inside the block (e.g. repaired polygons) into ``notes``."""

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            notes.append(record.getMessage())

    handler = _Collect(level=logging.WARNING)
    target = logging.getLogger(logger_name)
    target.addHandler(handler)
    try:
        yield
    finally:
        target.removeHandler(handler)


def _plain(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Infinite distances (nothing reachable) as empty fields in files."""
    out = frame.copy()
    num = out.select_dtypes("number").columns
    out[num] = out[num].replace([float("inf"), float("-inf")], float("nan"))
    return out


def write_outputs(result, out: Path, *, notes: list[str] | None = None) -> list[str]:
    """Write ``gaps.gpkg``, ``commune_stats.csv`` and ``gaps_summary.json``; returns the file names."""
    out.mkdir(parents=True, exist_ok=True)
    files = ["gaps.gpkg", "gaps_summary.json"]
    with atomic_path(out / "gaps.gpkg") as tmp:
        _plain(result.gaps).to_file(tmp, layer="gaps", driver="GPKG", engine="pyogrio")
        if result.commune_stats is not None:
            _plain(result.commune_stats).to_file(tmp, layer="commune_stats", driver="GPKG", engine="pyogrio")
        if result.road_pieces is not None:
            _plain(result.road_pieces).to_file(tmp, layer="road_coverage", driver="GPKG", engine="pyogrio")
    if result.commune_stats is not None:
        with atomic_path(out / "commune_stats.csv") as tmp:
            formula_safe_frame(result.commune_stats.drop(columns=result.commune_stats.geometry.name)).to_csv(
                tmp, index=False, encoding="utf-8-sig")
        files.append("commune_stats.csv")
    with atomic_path(out / "gaps_summary.json") as tmp:
        summary = result.summary()
        summary["notes"] = [*(notes or []), *summary["notes"]]
        Path(tmp).write_text(json.dumps(summary, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    return sorted(files)


def run(args: argparse.Namespace) -> int:
    """Run ``towerplan gaps`` and return its exit code."""
    from towerplan.planning.analysis import analyse_gaps
    from towerplan.planning.gaps import GapConfig
    from towerplan.rasters import read_grid
    from towerplan.vectors import read_communes, read_roads
    from towerplan.workflow import read_study_stations

    t0 = time.perf_counter()
    config = GapConfig(threshold_dbm=args.threshold_dbm, operator=args.operator, min_people=args.min_people,
                       min_area_km2=args.min_area_km2, min_density_per_km2=args.min_density,
                       household_size=args.household_size)
    population, notes = _population_on_lattice(args.population, _level_files(args.coverage)[0])
    levels = read_level_grids(args.coverage)
    with _warnings_into(notes, "towerplan.vectors"):
        communes = read_communes(args.communes) if args.communes else None
    roads = read_roads(args.roads) if args.roads else None
    dem = read_grid(args.dem) if args.dem else None
    towers = read_study_stations(args.stations).stations if args.stations else None
    result = analyse_gaps(levels, population, config=config, communes=communes,
                          commune_name_column=args.commune_name, roads=roads, dem=dem, towers=towers)
    files = write_outputs(result, args.out, notes=notes)
    from towerplan.cli.radio_io import speed_outputs

    files += speed_outputs(args.coverage, population, communes, args.out)
    s = result.summary()
    print(f"gaps: {s['total_people']:,.0f} people, {s['covered_any_operator']:,.0f} covered by any operator "
          f"({s['covered_any_pct']}%), {s['gap_count']} gaps with {s['gap_people']:,.0f} people; "
          f"{len(files)} files in {args.out} ({time.perf_counter() - t0:.1f} s)")
    for note in [*notes, *result.notes]:
        logger.warning("%s", note)
    return 0
