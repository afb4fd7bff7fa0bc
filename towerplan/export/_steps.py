"""The ordered steps of :func:`~towerplan.export.write_plan_package`.

Each step writes into the staging folder; ``manifest.json`` is always last.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd

from towerplan.export._common import dumps_json, vector_layers, write_text

if TYPE_CHECKING:
    from towerplan.export.package import PlanPackage

Step = tuple[str, Callable[[Path], object]]

RASTER_DIR = "rasters"
GEOJSON_DIR = "geojson"
CSV_DIR = "csv"
FIGURE_DIR = "figures"


def plan_steps(package: PlanPackage, *, lang: str) -> list[Step]:
    """Return ``(name, function(stage_dir))`` for every output, in order."""
    from towerplan.export import figures, geojson, gpkg, kml, manifest, rasters, report_html, report_pdf, tables

    layers = vector_layers(package)
    shared: dict[str, Any] = {}

    def _gpkg(stage: Path) -> None:
        gpkg.write_gpkg(layers, stage / "plan.gpkg")

    def _geojson(stage: Path) -> None:
        folder = stage / GEOJSON_DIR
        folder.mkdir()
        for name, frame in layers.items():
            if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.notna().any():
                geojson.write_geojson(frame, folder / f"{name}.geojson")

    def _rasters(stage: Path) -> None:
        rasters.write_rasters(package.rasters, stage / RASTER_DIR, study_label=package.study_label)
        if package.server_names is not None:
            # a lookup table for GIS joins: the plain column names, like the raster's values
            tables.write_csv(package.server_names, stage / RASTER_DIR / "best_server_index.csv", bilingual=False)

    def _tables(stage: Path) -> None:
        tables.write_tables(package, stage / CSV_DIR, stage / "plan.xlsx")

    def _kmz(stage: Path) -> None:
        kml.write_kmz(package, stage / "plan.kmz", lang=lang)

    def _figures(stage: Path) -> None:
        shared["figures"] = figures.write_figures(package, stage / FIGURE_DIR, lang=lang)

    def _html(stage: Path) -> None:
        report_html.write_report_html(package, stage / "report.html", figures=shared["figures"], lang=lang)

    def _pdf(stage: Path) -> None:
        report_pdf.write_report_pdf(package, stage / "report.pdf", figures=shared["figures"], lang=lang)

    def _summary(stage: Path) -> None:
        write_text(stage / "summary.json", dumps_json(manifest.summary_document(package)))
        write_text(stage / "method.json", dumps_json(package.method))

    def _manifest(stage: Path) -> None:
        write_text(stage / "manifest.json", dumps_json(manifest.manifest_document(package, stage)))

    return [
        ("plan.gpkg", _gpkg),
        ("geojson", _geojson),
        ("rasters", _rasters),
        ("tables", _tables),
        ("plan.kmz", _kmz),
        ("figures", _figures),
        ("report.html", _html),
        ("report.pdf", _pdf),
        ("summary.json", _summary),
        ("manifest.json", _manifest),
    ]
