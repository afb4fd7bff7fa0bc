"""``towerplan coverage`` as one study-layer call: read the inputs once, run the coverage, write its folder.

:func:`coverage_run` reads the station list(s) (filtered to the technologies asked for before
the DEM is read, so a technology without sectors fails at once), an optional calibration,
the DEM and the land cover (each file once), runs :func:`towerplan.study.steps.coverage_of_stations`
and writes the maps, ``best_server_index.csv`` and ``coverage_summary.json`` with
:func:`write_coverage_files`. The command line only parses arguments and prints.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from towerplan._atomic import atomic_path
from towerplan.coverage.config import CoverageConfig
from towerplan.errors import ConfigError
from towerplan.grid import Grid
from towerplan.planning.coverage_stats import operator_slug
from towerplan.study.commands import StepRun

__all__ = ["coverage_run", "write_coverage_files"]

log = logging.getLogger(__name__)


def _radio_files(result: Any, files: dict[str, Any]) -> dict[str, Any]:
    """Add the SINR / throughput / uplink rasters to ``files``; their summary for coverage_summary.json."""
    from towerplan.coverage.radio_maps import radio_maps

    if result.sinr is None or not result.sinr.pairs:
        log.warning("--sinr: no 4G or 5G sector in the run, no SINR rasters written")
        return {"note": "no 4G or 5G sectors"}
    maps = radio_maps(result)
    files.update(maps.rasters(operator_slug))
    return {"sinr": result.sinr.summary(), **maps.summary()}


def write_coverage_files(result: Any, out: Path, *, write_loss: bool = False,
                         summary_extra: dict[str, Any] | None = None, timings: dict[str, float] | None = None
                         ) -> tuple[dict[str, Any], list[str]]:
    """Write a coverage run's rasters, ``best_server_index.csv`` and ``coverage_summary.json`` into ``out``.

    Rasters: ``best_rsrp_dbm.tif``, ``best_server.tif``, ``server_count.tif``, ``rsrp_<operator>_dbm.tif``,
    ``level_<tech>_dbm.tif``, with ``write_loss`` ``path_loss_db.tif``, with SINR the radio maps.
    Returns the summary as written and the raster names.
    """
    from towerplan.export.commands import SERVER_INDEX, server_index
    from towerplan.rasters import write_grid
    from towerplan.textsafe import formula_safe_frame

    out.mkdir(parents=True, exist_ok=True)
    t1 = time.perf_counter()
    files: dict[str, tuple[Grid, str, float | None]] = {
        "best_rsrp_dbm.tif": (result.best_level, "float32", float("nan")),
        "best_server.tif": (result.best_server, "int32", -1),
        "server_count.tif": (result.server_count, "int32", None)}
    for name, grid in result.operator_levels.items():
        files[f"rsrp_{operator_slug(name)}_dbm.tif"] = (grid, "float32", float("nan"))
    for tech, grid in result.technology_levels.items():
        files[f"level_{tech.lower()}_dbm.tif"] = (grid, "float32", float("nan"))
    if write_loss:
        files["path_loss_db.tif"] = (result.path_loss, "float32", float("nan"))
    radio = _radio_files(result, files) if result.config.sinr else None
    for name, (grid, dtype, nodata) in files.items():
        write_grid(grid, out / name, dtype=dtype, nodata=nodata)
        log.info("wrote %s", out / name)
    with atomic_path(out / SERVER_INDEX) as tmp:
        formula_safe_frame(server_index(result)).to_csv(tmp, index=False, encoding="utf-8")
    summary = result.summary()
    summary["timings_s"].update({**(timings or {}), "write_outputs": round(time.perf_counter() - t1, 3)})
    summary.update(summary_extra or {})
    summary["files"] = sorted([*files, "coverage_summary.json", SERVER_INDEX])
    if radio is not None:
        summary["radio"] = radio
    with atomic_path(out / "coverage_summary.json") as tmp:
        Path(tmp).write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
    return summary, list(files)


def coverage_run(
    dem: Sequence[Path],
    stations: Path,
    out: Path,
    *,
    config: CoverageConfig,
    resolution_m: float,
    technologies: Sequence[str] | None = None,
    calibration: Path | None = None,
    landcover: Sequence[Path] | None = None,
    landcover_table: Path | None = None,
    executor: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    write_loss: bool = False,
    progress: Callable[[int, int], None] | None = None,
    service_criterion: dict[str, Any] | None = None,
) -> StepRun:
    """Coverage of a station list over DEM file(s), written into ``out`` (:func:`write_coverage_files`).

    ``landcover`` (GeoTIFF(s), ``landcover_table`` their class table) is read once onto the DEM
    lattice and given to the engine as clutter; without it every cell is the default class and the
    summary's ``land_cover`` says so. ``calibration``: a ``calibration.json`` of ``towerplan
    calibrate`` (its held-out sigma feeds the shadowing margin). ``summary`` of the result is
    ``coverage_summary.json`` as written; ``notes`` the land cover's warnings. ``service_criterion``: the
    record of the criterion ``config`` derives from (:func:`towerplan.study.service.criterion_record`),
    written as the summary's ``service_criterion``.
    """
    from towerplan.study.inputs import read_study_dem, read_study_land_cover, read_study_stations
    from towerplan.study.steps import coverage_of_stations, select_technologies

    t0 = time.perf_counter()
    if not (1.0 <= resolution_m <= 1000.0):
        raise ConfigError(f"--resolution-m {resolution_m} must be within 1-1000 m")
    if workers is not None and workers < 1:
        raise ConfigError("--workers must be at least 1")
    kept = select_technologies(read_study_stations(stations).stations, technologies)
    if calibration is not None:
        from towerplan.measurements import apply_calibration, read_calibration

        cal = read_calibration(calibration)
        kept = apply_calibration(kept, cal)
        if math.isfinite(cal.shadowing_sigma_db):  # the held-out sigma feeds the shadowing margin
            config = replace(config, link_budget=replace(config.link_budget, shadowing_sigma_db=cal.shadowing_sigma_db))
    grid = read_study_dem(list(dem), resolution_m=resolution_m)
    cover = read_study_land_cover(list(landcover) if landcover else None, grid, table=landcover_table)
    clutter = None
    if cover.source != "none":
        clutter = cover.to_clutter_grid()
    t_read = time.perf_counter() - t0
    source = None
    if config.profile_source == "source":  # profiles from the DEM files themselves (towerplan.coverage.source_terrain)
        from towerplan.coverage.source_terrain import read_source_terrain

        source = read_source_terrain(list(dem), grid)
    result = coverage_of_stations(grid, kept, config, technologies=None, executor=executor, workers=workers,
                                  scheduler=scheduler, progress=progress, clutter=clutter, source=source)
    inputs = {"dem": [str(p) for p in dem], "stations": str(stations), "resolution_m": resolution_m,
              "executor": executor, "workers": workers, "calibration": str(calibration) if calibration else None,
              "technologies": list(technologies) if technologies else "all"}
    extra: dict[str, Any] = {"inputs": inputs}
    if service_criterion is not None:
        extra["service_criterion"] = dict(service_criterion)
    if landcover or landcover_table:  # only then: runs without land cover keep their summary as it was
        inputs.update(landcover=[str(p) for p in landcover or ()],
                      landcover_table=str(landcover_table) if landcover_table else None)
    land = cover.summary()
    extra["land_cover"] = {"source": "default class" if cover.source == "none" else cover.source,
                           "table": land["table"], "warnings": land["warnings"]}
    summary, rasters = write_coverage_files(result, out, write_loss=write_loss, summary_extra=extra,
                                            timings={"read_inputs": round(t_read, 3)})
    return StepRun(summary, summary["files"], result, notes=list(cover.warnings), extras={"rasters": rasters})
