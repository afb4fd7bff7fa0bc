"""Single-step runs: one study-layer call per command of ``towerplan gaps`` and ``place``.

Each reads its inputs once, runs one step of :mod:`towerplan.study.steps` (or the
library function behind it) and writes its folder with :mod:`towerplan.export.commands`;
the command line only parses arguments and prints the returned summary.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from towerplan.errors import ConfigError, RasterDataError, UnreadableFileError
from towerplan.grid import Grid
from towerplan.study.folder import load_study_folder
from towerplan.study.inputs import read_study_stations
from towerplan.study.settings import StudySettings
from towerplan.study.steps import run_coverage_step, run_placement_step

__all__ = ["StepRun", "gaps_run", "place_run", "read_level_grids"]

log = logging.getLogger(__name__)

_LEVEL_FILE = re.compile(r"^rsrp_(.+)_dbm\.tif$")


@dataclass(frozen=True, eq=False)
class StepRun:
    """What a single-step run wrote: its ``summary`` (as written), the ``files`` and the ``result`` object."""

    summary: dict[str, Any]
    files: list[str]
    result: Any
    notes: list[str] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------ gaps from coverage rasters
def _level_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise UnreadableFileError(f"{folder}: not a folder")
    found = sorted(p for p in folder.iterdir() if _LEVEL_FILE.match(p.name))
    if not found:
        raise UnreadableFileError(f"{folder}: no rsrp_<operator>_dbm.tif rasters (run `towerplan coverage` first)")
    return found


def read_level_grids(folder: Path) -> dict[str, Grid]:
    """Operator (file slug) -> level Grid, for every ``rsrp_<operator>_dbm.tif`` in ``folder``."""
    from towerplan.rasters import read_grid

    out = {}
    for path in _level_files(folder):
        match = _LEVEL_FILE.match(path.name)
        assert match is not None  # _level_files kept only matching names
        out[match.group(1)] = read_grid(path)
    return out


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


def gaps_run(
    coverage: Path,
    population: Path,
    out: Path,
    *,
    config: Any,
    communes: Path | None = None,
    commune_name_column: str | None = None,
    roads: Path | None = None,
    dem: Path | None = None,
    stations: Path | None = None,
    criterion: Mapping[str, Any] | None = None,
) -> StepRun:
    """Dead zones from coverage rasters (``rsrp_<operator>_dbm.tif`` in ``coverage``), written into ``out``
    (:func:`towerplan.export.commands.write_gap_files`). ``config``: a
    :class:`~towerplan.planning.gaps.GapConfig` (rasters made elsewhere carry no coverage settings, so
    the threshold is the caller's; ``criterion``: the service criterion it comes from, recorded in
    ``gaps_summary.json`` as ``service_criterion``)."""
    from towerplan.export.commands import write_gap_files
    from towerplan.planning.analysis import analyse_gaps
    from towerplan.rasters import read_grid
    from towerplan.vectors import read_communes, read_roads

    people, notes = _population_on_lattice(population, _level_files(coverage)[0])
    levels = read_level_grids(coverage)
    with _warnings_into(notes, "towerplan.vectors"):
        zones = read_communes(communes) if communes else None
    lines = read_roads(roads) if roads else None
    terrain = read_grid(dem) if dem else None
    towers = read_study_stations(stations).stations if stations else None
    result = analyse_gaps(levels, people, config=config, communes=zones, commune_name_column=commune_name_column,
                          roads=lines, dem=terrain, towers=towers)
    extra = {"service_criterion": dict(criterion)} if criterion is not None else None
    files = write_gap_files(result, out, notes=notes, extra=extra)
    summary = result.summary()
    if extra:
        summary.update(extra)
    return StepRun(summary, files, result, notes, extras={"population": people, "communes": zones})


# ------------------------------------------------------------------ shared towers for a study folder
def place_run(
    folder: Path,
    out: Path,
    *,
    settings: StudySettings,
    files: Mapping[str, Path | None] | None = None,
    calibration: Path | None = None,
) -> StepRun:
    """Current coverage of ``settings.technologies`` (one technology) and shared-tower proposals for a study
    folder (``files``: layers given apart), written into ``out``
    (:func:`towerplan.export.commands.write_placement_files`). ``calibration``: a ``calibration.json`` of
    ``towerplan calibrate`` correcting the existing sectors (candidate sites keep the uncalibrated model)."""
    from towerplan.export.commands import write_placement_files
    from towerplan.study.service import criterion_record
    from towerplan.study.summary import study_summary

    t0 = time.perf_counter()
    if settings.placement is None:
        raise ConfigError("no placement settings: give a tower count or a budget")
    if settings.technologies is None or len(settings.technologies) != 1:
        raise ConfigError("the placement plans one technology's coverage")
    (technology,) = settings.technologies
    inputs = load_study_folder(folder, files=files)
    if calibration is not None:  # existing sectors only: candidate radios are not corrected
        from towerplan.measurements import apply_calibration, read_calibration

        inputs = replace(inputs, stations=apply_calibration(inputs.stations, read_calibration(calibration)))
    current = run_coverage_step(inputs, settings.coverage, technologies=settings.technologies,
                                executor=settings.executor, workers=settings.workers)
    plan = run_placement_step(inputs, current, settings.placement, coverage_config=settings.coverage)
    summary: dict[str, Any] = plan.summary()
    summary.update({
        "technology": technology, "threshold_dbm": settings.threshold_dbm,
        # what "served" means here, as summary.json and gaps_summary.json record it
        "service_criterion": criterion_record(settings.coverage, settings.service, settings.technologies),
        "people_total": float(inputs.population.masked(fill=0.0).sum()),
        "total_runtime_s": round(time.perf_counter() - t0, 3),
        # the study summary's figures, as `towerplan run`, the app and the report show them
        "figures": study_summary(inputs, settings, coverage=current, placement=plan).figures(),
    })
    written = write_placement_files(plan, out, technology=technology, threshold_dbm=settings.threshold_dbm,
                                    summary=summary)
    return StepRun(summary, written, plan)
