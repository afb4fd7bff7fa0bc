"""``plan.kmz`` for Google Earth: stations, gaps, proposals and a coverage overlay.

``doc.kml`` (KML 2.2, written with :mod:`xml.etree.ElementTree`, so every text is
escaped) holds the folders *Stations* (one folder per operator: a placemark per
site with its cells in the description, and a wedge per directional sector),
*Gaps* (polygons, people in the description), *Proposals* (placemarks in build
order) and a GroundOverlay of the best-level raster: a PNG in EPSG:4326 with a
LatLonBox, coloured by the same dBm classes as the report, and a ScreenOverlay
legend.
"""

from __future__ import annotations

import html
import io
import math
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from towerplan.export._common import WGS84, to_wgs84
from towerplan.export._style import RSRP_COLOURS, RSRP_EDGES, operator_style, rsrp_class_labels, rsrp_rgba
from towerplan.export._zip import write_zip
from towerplan.export.i18n_report import column_label, text
from towerplan.grid import Grid

if TYPE_CHECKING:
    from towerplan.export.package import PlanPackage

__all__ = ["kml_document", "overlay_png", "write_kmz"]

KML_NS = "http://www.opengis.net/kml/2.2"
DECIMALS = 7
WEDGE_RADIUS_M = 350.0
MAX_OVERLAY_PX = 2048
OVERLAY_RASTER = "best_rsrp_dbm"


def write_kmz(package: PlanPackage, path: Path, *, lang: str) -> Path:
    """Write ``plan.kmz`` (``doc.kml`` first, then the overlay and legend PNGs)."""
    members: dict[str, bytes] = {}
    overlay = None
    grid = package.rasters.get(OVERLAY_RASTER)
    if grid is not None and np.isfinite(grid.masked()).any():
        png, box = overlay_png(grid)
        members["files/best_rsrp_dbm.png"] = png
        finite = grid.masked()[np.isfinite(grid.masked())]
        lowest = RSRP_EDGES[1] if finite.min() >= RSRP_EDGES[1] else RSRP_EDGES[0]
        members["files/legend.png"] = legend_png(lang=lang, study_label=package.study_label, lowest_dbm=lowest)
        overlay = box
    root = kml_document(package, lang=lang, overlay_box=overlay)
    ET.indent(root, space=" ")
    doc = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return write_zip(path, {"doc.kml": doc, **members}, first="doc.kml")


def _sub(parent: ET.Element, tag: str, value: object | None = None, **attrib: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{KML_NS}}}{tag}", attrib)
    if value is not None:
        el.text = str(value)
    return el


def _fmt(value: object, column: str = "") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if isinstance(value, (float, np.floating)):
        if column in ("lon", "lat"):
            return f"{value:.6f}"
        return f"{value:,.0f}" if abs(float(value)) >= 100 else f"{value:,.2f}"
    if isinstance(value, (int, np.integer)):
        return f"{value:,}"
    return str(value)


def _description(row: pd.Series, columns: list[str], lang: str) -> str:
    cells = "".join(
        f"<tr><th align='left'>{html.escape(column_label(c, lang))}</th><td>{html.escape(_fmt(row[c], c))}</td></tr>"
        for c in columns
        if c in row.index
    )
    return f"<table>{cells}</table>"


def _coords(xy: np.ndarray | list[tuple[float, float]]) -> str:
    return " ".join(f"{x:.{DECIMALS}f},{y:.{DECIMALS}f}" for x, y in np.asarray(xy)[:, :2])


def _polygon(parent: ET.Element, poly: Polygon) -> None:
    pg = _sub(parent, "Polygon")
    _sub(pg, "tessellate", 1)
    outer = _sub(_sub(pg, "outerBoundaryIs"), "LinearRing")
    _sub(outer, "coordinates", _coords(np.asarray(poly.exterior.coords)))
    for ring in poly.interiors:
        inner = _sub(_sub(pg, "innerBoundaryIs"), "LinearRing")
        _sub(inner, "coordinates", _coords(np.asarray(ring.coords)))


def _area_geometry(parent: ET.Element, geom: BaseGeometry) -> None:
    if isinstance(geom, Polygon):
        _polygon(parent, geom)
    elif isinstance(geom, MultiPolygon):
        multi = _sub(parent, "MultiGeometry")
        for part in geom.geoms:
            _polygon(multi, part)


def _point(parent: ET.Element, lon: float, lat: float) -> None:
    _sub(_sub(parent, "Point"), "coordinates", f"{lon:.{DECIMALS}f},{lat:.{DECIMALS}f}")


def _kml_colour(hex_rgb: str, alpha: int) -> str:
    """KML colours are aabbggrr."""
    r, g, b = hex_rgb[1:3], hex_rgb[3:5], hex_rgb[5:7]
    return f"{alpha:02x}{b}{g}{r}".lower()


def _styles(doc: ET.Element, operators: list[str]) -> None:
    for op in operators:
        colour, _marker = operator_style(op, operators)
        style = _sub(doc, "Style", id=f"op-{_slug(op)}")
        icon = _sub(style, "IconStyle")
        _sub(icon, "color", _kml_colour(colour, 255))
        _sub(icon, "scale", "0.8")
        _sub(_sub(icon, "Icon"), "href", "http://maps.google.com/mapfiles/kml/shapes/placemark_circle.png")
        line = _sub(style, "LineStyle")
        _sub(line, "color", _kml_colour(colour, 255))
        _sub(line, "width", "1")
        poly = _sub(style, "PolyStyle")
        _sub(poly, "color", _kml_colour(colour, 0x66))
    gap = _sub(doc, "Style", id="gap")
    line = _sub(gap, "LineStyle")
    _sub(line, "color", _kml_colour("#b2182b", 255))
    _sub(line, "width", "2")
    _sub(_sub(gap, "PolyStyle"), "color", _kml_colour("#ef8a62", 0x80))
    prop = _sub(doc, "Style", id="proposal")
    icon = _sub(prop, "IconStyle")
    _sub(icon, "color", _kml_colour("#ffd700", 255))
    _sub(icon, "scale", "1.2")
    _sub(_sub(icon, "Icon"), "href", "http://maps.google.com/mapfiles/kml/shapes/star.png")


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in name.lower())


def _wedge(lon: float, lat: float, azimuth_deg: float, beamwidth_deg: float) -> np.ndarray:
    """Sector wedge (lon/lat ring) of WEDGE_RADIUS_M, local equirectangular (fine at 350 m)."""
    half = min(max(beamwidth_deg, 10.0), 180.0) / 2
    angles = np.radians(np.linspace(azimuth_deg - half, azimuth_deg + half, 9))
    m_per_deg_lat = 111_320.0
    m_per_deg_lon = m_per_deg_lat * math.cos(math.radians(lat))
    xs = lon + WEDGE_RADIUS_M * np.sin(angles) / m_per_deg_lon
    ys = lat + WEDGE_RADIUS_M * np.cos(angles) / m_per_deg_lat
    return np.r_[[[lon, lat]], np.c_[xs, ys], [[lon, lat]]]


def _stations_folder(doc: ET.Element, stations: gpd.GeoDataFrame, lang: str) -> None:
    folder = _sub(doc, "Folder")
    _sub(folder, "name", text("kml_stations", lang))
    frame = pd.DataFrame(to_wgs84(stations).drop(columns=stations.geometry.name))
    if frame.empty:
        return
    cell_cols = [c for c in ("cell_id", "technology", "azimuth_deg", "antenna_height_m", "freq_mhz", "eirp_dbm")
                 if c in frame]
    operators = sorted(frame["operator"].astype(str).unique())
    for op in operators:
        sub = _sub(folder, "Folder")
        _sub(sub, "name", op)
        group = frame[frame["operator"].astype(str) == op]
        for site_id, cells in group.groupby("site_id", sort=True):
            lon, lat = float(cells["lon"].iloc[0]), float(cells["lat"].iloc[0])
            pm = _sub(sub, "Placemark")
            _sub(pm, "name", str(site_id))
            rows = "".join(
                "<tr>" + "".join(f"<td>{html.escape(_fmt(r[c], c))}</td>" for c in cell_cols) + "</tr>"
                for _, r in cells.sort_values("cell_id").iterrows()
            )
            head = "".join(f"<th>{html.escape(column_label(c, lang))}</th>" for c in cell_cols)
            _sub(pm, "description", f"<b>{html.escape(op)}</b> {html.escape(str(site_id))}"
                 f"<table border='1'><tr>{head}</tr>{rows}</table>")
            _sub(pm, "styleUrl", f"#op-{_slug(op)}")
            _point(pm, lon, lat)
            for _, cell in cells.sort_values("cell_id").iterrows():
                az = cell.get("azimuth_deg")
                bw = cell.get("h_beamwidth_deg", 65.0)
                if az is None or not np.isfinite(az) or (bw is not None and np.isfinite(bw) and bw >= 360):
                    continue
                wedge = _sub(sub, "Placemark")
                _sub(wedge, "name", str(cell["cell_id"]))
                _sub(wedge, "description", _description(cell, cell_cols, lang))
                _sub(wedge, "styleUrl", f"#op-{_slug(op)}")
                ring = _wedge(float(cell["lon"]), float(cell["lat"]), float(az),
                              float(bw) if bw is not None and np.isfinite(bw) else 65.0)
                _polygon(wedge, Polygon(ring))


def _gaps_folder(doc: ET.Element, gaps: gpd.GeoDataFrame, lang: str) -> None:
    folder = _sub(doc, "Folder")
    _sub(folder, "name", text("kml_gaps", lang))
    frame = to_wgs84(gaps)
    if "rank" in frame:
        frame = frame.sort_values("rank", kind="stable")
    cols = [c for c in ("rank", "people", "area_km2", "households", "commune", "communes", "remoteness_km", "score")
            if c in frame]
    for _, row in frame.iterrows():
        if row.geometry is None or row.geometry.is_empty:
            continue
        pm = _sub(folder, "Placemark")
        rank = row.get("rank")
        label = text("gap_rank", lang, rank=int(rank)) if rank is not None and np.isfinite(rank) else text("gap", lang)
        _sub(pm, "name", f"{label} – {_fmt(row.get('people'))} {text('people_unit', lang)}")
        _sub(pm, "description", _description(row, cols, lang))
        _sub(pm, "styleUrl", "#gap")
        _area_geometry(pm, row.geometry)


def _proposals_folder(doc: ET.Element, proposals: gpd.GeoDataFrame, lang: str) -> None:
    folder = _sub(doc, "Folder")
    _sub(folder, "name", text("kml_proposals", lang))
    frame = to_wgs84(proposals)
    if "build_order" in frame:
        frame = frame.sort_values("build_order", kind="stable")
    cols = [c for c in frame.columns if c != frame.geometry.name]
    for _, row in frame.iterrows():
        pm = _sub(folder, "Placemark")
        order = row.get("build_order")
        name = str(row.get("candidate_id", ""))
        _sub(pm, "name", f"{int(order)}. {name}" if order is not None else name)
        _sub(pm, "description", _description(row, cols, lang))
        _sub(pm, "styleUrl", "#proposal")
        _point(pm, float(row.geometry.x), float(row.geometry.y))


def kml_document(package: PlanPackage, *, lang: str, overlay_box: tuple[float, float, float, float] | None
                 ) -> ET.Element:
    """The ``<kml>`` element of ``doc.kml``; ``overlay_box`` = (west, south, east, north) of the PNG."""
    ET.register_namespace("", KML_NS)
    root = ET.Element(f"{{{KML_NS}}}kml")
    doc = _sub(root, "Document")
    _sub(doc, "name", package.title)
    _sub(doc, "description", package.study_label)
    operators = sorted(package.stations["operator"].astype(str).unique()) if len(package.stations) else []
    _styles(doc, operators)
    if overlay_box is not None:
        west, south, east, north = overlay_box
        ov = _sub(doc, "GroundOverlay")
        _sub(ov, "name", text("kml_coverage", lang))
        _sub(ov, "description", package.study_label)
        _sub(_sub(ov, "Icon"), "href", "files/best_rsrp_dbm.png")
        box = _sub(ov, "LatLonBox")
        _sub(box, "north", f"{north:.{DECIMALS}f}")
        _sub(box, "south", f"{south:.{DECIMALS}f}")
        _sub(box, "east", f"{east:.{DECIMALS}f}")
        _sub(box, "west", f"{west:.{DECIMALS}f}")
        legend = _sub(doc, "ScreenOverlay")
        _sub(legend, "name", text("kml_legend", lang))
        _sub(_sub(legend, "Icon"), "href", "files/legend.png")
        _sub(legend, "overlayXY", x="0", y="0", xunits="fraction", yunits="fraction")
        _sub(legend, "screenXY", x="10", y="40", xunits="pixels", yunits="pixels")
        _sub(legend, "size", x="0", y="0", xunits="pixels", yunits="pixels")
    _stations_folder(doc, package.stations, lang)
    if package.gaps is not None and len(package.gaps):
        _gaps_folder(doc, package.gaps, lang)
    if package.proposals is not None and len(package.proposals):
        _proposals_folder(doc, package.proposals, lang)
    return root


def warp_to_wgs84(grid: Grid, *, max_px: int = MAX_OVERLAY_PX) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """Nearest-neighbour warp of ``grid`` to a lon/lat lattice; returns (values, (west, south, east, north))."""
    from rasterio.crs import CRS as RioCRS
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    src_crs = RioCRS.from_wkt(grid.crs.to_wkt())
    dst_crs = RioCRS.from_string(WGS84)
    left, bottom, right, top = grid.bounds
    with warnings.catch_warnings():  # rasterio's own use of Affine `*` (PendingDeprecationWarning)
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        transform, width, height = calculate_default_transform(
            src_crs, dst_crs, grid.width, grid.height, left=left, bottom=bottom, right=right, top=top
        )
        scale = max(width, height) / max_px
        if scale > 1:
            transform, width, height = calculate_default_transform(
                src_crs, dst_crs, grid.width, grid.height, left=left, bottom=bottom, right=right, top=top,
                dst_width=max(1, round(width / scale)), dst_height=max(1, round(height / scale)),
            )
    out = np.full((height, width), np.nan, dtype=np.float32)
    reproject(
        grid.masked().astype(np.float32), out, src_transform=grid.transform, src_crs=src_crs, src_nodata=np.nan,
        dst_transform=transform, dst_crs=dst_crs, dst_nodata=np.nan, resampling=Resampling.nearest,
    )
    west, north = transform.c, transform.f
    east, south = west + transform.a * width, north + transform.e * height
    return out, (west, south, east, north)


def _png_bytes(rgba: np.ndarray) -> bytes:
    from matplotlib.image import imsave

    buf = io.BytesIO()
    metadata: dict[str, Any] = {"Software": None}  # no software tag: same bytes on every run
    imsave(buf, rgba, format="png", metadata=metadata)
    return buf.getvalue()


def overlay_png(grid: Grid) -> tuple[bytes, tuple[float, float, float, float]]:
    """RGBA PNG of ``grid`` (dBm classes) in EPSG:4326 and its (west, south, east, north)."""
    values, box = warp_to_wgs84(grid)
    return _png_bytes(rsrp_rgba(values)), box


def legend_png(*, lang: str, study_label: str, lowest_dbm: float = RSRP_EDGES[0]) -> bytes:
    """Legend of the dBm classes (from ``lowest_dbm`` up) as a small PNG for a ScreenOverlay."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    fig = Figure(figsize=(2.4, 1.6), dpi=100)
    fig.patch.set_facecolor("white")
    classes = [(c, lab) for c, lab, lo in zip(RSRP_COLOURS, rsrp_class_labels(), RSRP_EDGES, strict=False)
               if lo >= lowest_dbm]
    handles = [Patch(facecolor=c, edgecolor="#555555", label=lab) for c, lab in reversed(classes)]
    legend = fig.legend(handles=handles, loc="upper left", title=text("rsrp_colorbar", lang), fontsize=8,
                        title_fontsize=8, frameon=False)
    legend.get_title().set_fontweight("bold")
    fig.text(0.02, 0.02, study_label, fontsize=6, style="italic")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None}, bbox_inches="tight", pad_inches=0.06)
    return buf.getvalue()
