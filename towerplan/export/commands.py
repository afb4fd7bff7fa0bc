"""Files of the single-step commands (``towerplan coverage``, ``gaps``, ``place`` and ``validate``).

The plan package of ``towerplan run`` is written by :mod:`towerplan.export.package`;
these writers put one step's results into a folder, every file atomically. Tables
share the package's names: the best-server lookup is ``best_server_index.csv`` in both,
the coverage-versus-cost curve is drawn by :func:`towerplan.export.figures.write_curve_png`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from towerplan._atomic import atomic_path
from towerplan.grid import Grid
from towerplan.textsafe import formula_safe_frame

if TYPE_CHECKING:  # pragma: no cover
    from towerplan.coverage.engine import CoverageResult
    from towerplan.planning.analysis import GapAnalysis
    from towerplan.planning.shared_towers import SharedTowerPlan
    from towerplan.stations.report import ValidationReport

__all__ = ["SERVER_INDEX", "server_index", "server_names", "write_gap_files",
           "write_placement_files", "write_validation_report"]

log = logging.getLogger(__name__)

#: the best-server lookup table, by the same name in every output folder
SERVER_INDEX = "best_server_index.csv"


def _write_json(path: Path, data: Any) -> None:
    with atomic_path(path) as tmp:
        Path(tmp).write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str), encoding="utf-8")


def _write_grid(grid: Grid, path: Path, **kw: Any) -> None:
    from towerplan.rasters import write_grid

    write_grid(grid, path, **kw)
    log.info("wrote %s", path)


def server_names(coverage: CoverageResult) -> pd.DataFrame:
    """``best_server`` value -> ``site_id``, ``cell_id``, ``operator``, ``technology`` of the sector."""
    table = coverage.stations
    cols = [c for c in ("site_id", "cell_id", "operator", "technology", "freq_mhz") if c in table.columns]
    out = table[cols].copy()
    out.insert(0, "best_server", table["station_index"].to_numpy() if "station_index" in table
               else np.arange(len(table)))
    return out.reset_index(drop=True)


def server_index(result: CoverageResult) -> pd.DataFrame:
    """``best_server`` value -> site, cell, operator, technology, frequency, model, usable, source row/file."""
    table = result.stations
    index = server_names(result)
    for col in ("model", "usable", "source_row", "source_file"):
        if col in table.columns:
            index[col] = table[col].to_numpy()
    return index


def _finite(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Infinite distances (nothing reachable) as empty fields in files."""
    out = frame.copy()
    num = out.select_dtypes("number").columns
    out[num] = out[num].replace([float("inf"), float("-inf")], float("nan"))
    return out


def write_gap_files(result: GapAnalysis, out: Path, *, notes: list[str] | None = None,
                    extra: Mapping[str, Any] | None = None) -> list[str]:
    """``gaps.gpkg`` (layers ``gaps``, ``commune_stats``, ``road_coverage`` as available),
    ``commune_stats.csv`` (UTF-8 with BOM) and ``gaps_summary.json``; returns the file names."""
    out.mkdir(parents=True, exist_ok=True)
    files = ["gaps.gpkg", "gaps_summary.json"]
    with atomic_path(out / "gaps.gpkg") as tmp:
        _finite(result.gaps).to_file(tmp, layer="gaps", driver="GPKG", engine="pyogrio")
        if result.commune_stats is not None:
            _finite(result.commune_stats).to_file(tmp, layer="commune_stats", driver="GPKG", engine="pyogrio")
        if result.road_pieces is not None:
            _finite(result.road_pieces).to_file(tmp, layer="road_coverage", driver="GPKG", engine="pyogrio")
    if result.commune_stats is not None:
        with atomic_path(out / "commune_stats.csv") as tmp:
            formula_safe_frame(result.commune_stats.drop(columns=result.commune_stats.geometry.name)).to_csv(
                tmp, index=False, encoding="utf-8-sig")
        files.append("commune_stats.csv")
    summary = result.summary()
    summary["notes"] = [*(notes or []), *result.notes]
    summary.update(extra or {})  # e.g. the service criterion the threshold comes from
    _write_json(out / "gaps_summary.json", summary)
    return sorted(files)


def write_placement_files(plan: SharedTowerPlan, out: Path, *, technology: str, threshold_dbm: float,
                          summary: Mapping[str, Any]) -> list[str]:
    """``proposals.gpkg`` (layers ``proposals`` and ``backhaul_routes``, EPSG:4326), ``proposals.csv``,
    ``curve.csv``, ``curve.png``, ``coverage_before_dbm.tif`` / ``coverage_after_dbm.tif`` and
    ``placement_summary.json`` (``summary``); returns the file names."""
    from towerplan.export.figures import write_curve_png

    out.mkdir(parents=True, exist_ok=True)
    props = plan.result.proposals
    routes = plan.backhaul_routes
    with atomic_path(out / "proposals.gpkg") as tmp:
        props.to_crs(4326).to_file(tmp, layer="proposals", driver="GPKG", engine="pyogrio")
        gpd.GeoDataFrame(routes, geometry=routes.geometry.name, crs=routes.crs).to_crs(4326).to_file(
            tmp, layer="backhaul_routes", driver="GPKG", engine="pyogrio", append=False, geometry_type="LineString"
        )
    with atomic_path(out / "proposals.csv") as tmp:
        formula_safe_frame(pd.DataFrame(props.drop(columns="geometry"))).to_csv(tmp, index=False,
                                                                                 encoding="utf-8-sig")
    with atomic_path(out / "curve.csv") as tmp:
        plan.result.curve.to_csv(tmp, index=False)
    tags = {"content": f"best {technology} level, dBm (NaN: below {threshold_dbm} dBm)"}
    _write_grid(plan.before, out / "coverage_before_dbm.tif", tags={**tags, "state": "before"})
    _write_grid(plan.after, out / "coverage_after_dbm.tif", tags={**tags, "state": "after the proposals"})
    files = ["proposals.gpkg", "proposals.csv", "curve.csv", "coverage_before_dbm.tif", "coverage_after_dbm.tif",
             "placement_summary.json"]
    label = f"{technology} shared towers: {plan.settings.objective}, {plan.settings.method}"
    if write_curve_png(plan.result.curve, out / "curve.png", lang="en", study_label=label) is not None:
        files.append("curve.png")
    _write_json(out / "placement_summary.json", dict(summary))
    return sorted(files)


def write_validation_report(report: ValidationReport, path: Path) -> Path:
    """The station validation issues as CSV (UTF-8 with BOM, so Excel shows Vietnamese), atomically."""
    with atomic_path(path) as tmp:
        formula_safe_frame(report.to_frame()).to_csv(tmp, index=False, encoding="utf-8-sig")
    return path
