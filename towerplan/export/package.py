"""The plan package: every output of a provincial plan run, written atomically.

:class:`PlanPackage` holds the results (stations, gaps, proposals, tables, rasters,
headline figures, method); :func:`write_plan_package` writes them into one folder:
``plan.gpkg``, GeoJSON, CSV and XLSX tables, cloud-optimised GeoTIFFs, ``plan.kmz``,
``report.html``/``report.pdf``, ``summary.json`` and ``manifest.json``.

Everything is written into a hidden temporary sibling of the output folder and
renamed into place only when complete, so an interrupted run never leaves a
half-written plan.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from towerplan.errors import ConfigError
from towerplan.grid import Grid
from towerplan.outlock import output_lock, owner_gone, staging_prefix

log = logging.getLogger(__name__)

__all__ = ["PlanPackage", "write_plan_package"]

VECTOR_LAYERS = ("stations", "gaps", "proposals", "commune_stats", "road_coverage")


@dataclass(frozen=True, eq=False)
class PlanPackage:
    """Results of one plan run, ready to be written by :func:`write_plan_package`.

    Attributes
    ----------
    title
        Title of the plan (first line of the report).
    study_label
        What the data is, e.g. ``"Synthetic demo province (not real data)"``;
        printed on every map and report page.
    stations
        Sectors in EPSG:4326 with the canonical station columns.
    gaps
        Ranked gap polygons (metric CRS): ``rank``, ``people``, ``area_km2``, ...
    proposals
        Chosen sites in build order (``build_order``, ``candidate_id``, ``kind``, ...).
    commune_stats
        One row per commune (people covered per operator, gaps, road km).
    road_coverage
        Road km covered per commune and road class (table or pieces).
    curve
        Cumulative coverage against towers: ``towers``, ``people_newly_covered``, ``cost_vnd``.
    rasters
        File stem -> :class:`~towerplan.grid.Grid` (``best_rsrp_dbm``, ``best_server``, ...).
    summary
        Headline figures (JSON-ready).
    method
        Models and validity ranges, settings, input files with sha256, version.
    server_names
        ``best_server`` value -> site, cell and operator.
    speed_communes
        With ``coverage.sinr``: per commune, people served by / reaching the speed target of each
        data technology, in speed gaps, and the mean user throughput
        (:attr:`towerplan.planning.speed.SpeedAnalysis.communes`).
    """

    title: str
    study_label: str
    stations: gpd.GeoDataFrame
    gaps: gpd.GeoDataFrame | None
    proposals: gpd.GeoDataFrame | None
    commune_stats: gpd.GeoDataFrame | None
    road_coverage: pd.DataFrame | gpd.GeoDataFrame | None
    curve: pd.DataFrame | None
    rasters: dict[str, Grid]
    summary: dict
    method: dict
    server_names: pd.DataFrame | None = None
    speed_communes: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.stations, gpd.GeoDataFrame):
            raise ConfigError("PlanPackage.stations must be a GeoDataFrame")
        for name, grid in self.rasters.items():
            if not isinstance(grid, Grid):
                raise ConfigError(f"PlanPackage.rasters[{name!r}] is not a Grid")
            if not name or "/" in name or "\\" in name or name.startswith("."):
                raise ConfigError(f"PlanPackage.rasters: bad file stem {name!r}")


def write_plan_package(
    package: PlanPackage,
    out_dir: str | os.PathLike[str],
    *,
    force: bool = False,
    lang: str = "vi",
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Write every output of ``package`` into ``out_dir`` and return its path.

    Parameters
    ----------
    package
        The results to write.
    out_dir
        Output folder; it must not exist unless ``force``.
    force
        Replace an existing ``out_dir`` (only once the new one is complete).
    lang
        ``"vi"`` or ``"en"``: language of the report headings and labels.
    progress
        Called as ``progress(done, total)`` after each step.

    Raises
    ------
    ConfigError
        ``out_dir`` exists and ``force`` is false, or ``lang`` is unknown.
    """
    from towerplan.export._steps import plan_steps  # the writers

    out = Path(out_dir)
    if lang not in ("vi", "en"):
        raise ConfigError(f"unknown report language {lang!r}; use 'vi' or 'en'")
    with output_lock(out):  # one writer per folder (re-entrant: `towerplan run` holds it already)
        return _write_locked(out, steps_of=lambda: plan_steps(package, lang=lang), force=force, progress=progress)


def _write_locked(out: Path, *, steps_of: Callable[[], list], force: bool,
                  progress: Callable[[int, int], None] | None) -> Path:
    _recover_after_a_kill(out)
    if out.exists() and not force:
        raise ConfigError(f"output folder {out} exists; use --force to replace it")
    if out.exists() and not out.is_dir():
        raise ConfigError(f"output path {out} exists and is not a folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    steps = steps_of()
    stage = Path(tempfile.mkdtemp(prefix=staging_prefix(out), dir=out.parent))
    try:
        stage.chmod(0o755)  # mkdtemp makes it private; the plan is an ordinary folder
        for i, (name, step) in enumerate(steps, start=1):
            log.debug("plan package: %s", name)
            step(stage)
            if progress is not None:
                progress(i, len(steps))
        _move_into_place(stage, out, force=force)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    log.info("wrote plan package %s", out)
    return out


def _recover_after_a_kill(out: Path) -> None:
    """Tidy what a run killed outright (SIGKILL, power cut) left beside ``out``.

    Staging folders (``.NAME.tmp-*``) are half-written plans: removed. A previous plan set aside
    (``.NAME.old-*``) while ``out`` is missing means the kill fell between the two renames of
    :func:`_move_into_place`: it is put back, so a plan is never lost; with ``out`` present it is
    a leftover copy and removed.
    """
    for stale in sorted(out.parent.glob(f".{out.name}.tmp-*")):
        if not owner_gone(stale):
            log.info("leaving %s: its run is still going (or ran on another host)", stale)
            continue
        log.warning("removing %s, left by an interrupted run", stale)
        shutil.rmtree(stale, ignore_errors=True)
    for old in sorted(out.parent.glob(f".{out.name}.old-*")):
        if not out.exists() and old.is_dir():
            log.warning("restoring the previous plan %s from %s (a run was interrupted)", out, old)
            os.rename(old, out)
        else:
            shutil.rmtree(old, ignore_errors=True)


def _move_into_place(stage: Path, out: Path, *, force: bool) -> None:
    """Rename ``stage`` onto ``out``; an old ``out`` is removed only afterwards."""
    if not out.exists():
        os.rename(stage, out)
        return
    if not force:
        raise ConfigError(f"output folder {out} exists; use --force to replace it")
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    old.rmdir()
    os.rename(out, old)
    try:
        os.rename(stage, out)
    except BaseException:
        os.rename(old, out)  # put the old plan back
        raise
    shutil.rmtree(old, ignore_errors=True)
