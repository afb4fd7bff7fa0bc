"""Each output of the plan package, opened with the library a user would use."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import rasterio
from defusedxml import ElementTree as SafeET
from export_sample import SAMPLE_LABEL, sample_package
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from towerplan.export import write_plan_package
from towerplan.export.i18n_report import STRINGS

K = "{http://www.opengis.net/kml/2.2}"


@pytest.fixture(scope="module")
def package():
    return sample_package()


@pytest.fixture(scope="module")
def plan(package, tmp_path_factory) -> Path:
    return write_plan_package(package, tmp_path_factory.mktemp("fmt") / "plan_vi", lang="vi")


@pytest.fixture(scope="module")
def plan_en(package, tmp_path_factory) -> Path:
    return write_plan_package(package, tmp_path_factory.mktemp("fmt") / "plan_en", lang="en")


# --- GeoPackage and GeoJSON ---------------------------------------------------------------------------------------

def test_gpkg_layers_crs_and_attributes(plan, package):
    layers = dict(pyogrio.list_layers(plan / "plan.gpkg"))
    assert set(layers) == {"stations", "gaps", "proposals", "commune_stats", "road_coverage"}
    assert layers["road_coverage"] is None  # attribute table, no geometry
    stations = gpd.read_file(plan / "plan.gpkg", layer="stations")
    assert stations.crs.to_epsg() == 4326
    assert len(stations) == 10
    assert set(stations["site_id"]) == {"VT-TH001", "S&<1>", "VNP-Lát", "VT-TH002"}
    gaps = gpd.read_file(plan / "plan.gpkg", layer="gaps")
    assert gaps.crs.to_epsg() == 32648
    assert gaps.sort_values("rank")["people"].tolist() == [314.25, 40.25]
    np.testing.assert_allclose(gaps.area.sort_values().to_numpy(), package.gaps.area.sort_values().to_numpy())
    communes = gpd.read_file(plan / "plan.gpkg", layer="commune_stats")
    assert communes["name"].tolist() == ["Xã Mường Lát", "Xã Pù Nhi"]
    roads = pyogrio.read_dataframe(plan / "plan.gpkg", layer="road_coverage")
    assert roads["covered_km"].sum() == pytest.approx(6.0)


def test_geojson_is_rfc7946(plan, package):
    for name in ("stations", "gaps", "proposals", "commune_stats"):
        path = plan / "geojson" / f"{name}.geojson"
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert "crs" not in doc  # RFC 7946: WGS 84 implied
        numbers = re.findall(r"-?\d+\.\d+", json.dumps([f["geometry"] for f in doc["features"]]))
        assert numbers
        assert max(len(n.split(".")[1]) for n in numbers) <= 7
        frame = gpd.read_file(path)
        assert frame.crs.to_epsg() == 4326
    doc = json.loads((plan / "geojson" / "proposals.geojson").read_text(encoding="utf-8"))
    first = next(f for f in doc["features"] if f["properties"]["build_order"] == 1)
    lon, lat = first["geometry"]["coordinates"]
    assert 105 < lon < 106
    assert 19 < lat < 21
    assert (lon, lat) == pytest.approx((package.proposals.to_crs(4326).geometry.x[0],
                                        package.proposals.to_crs(4326).geometry.y[0]), abs=1e-6)
    gaps = json.loads((plan / "geojson" / "gaps.geojson").read_text(encoding="utf-8"))
    polygon = next(f for f in gaps["features"] if f["properties"]["rank"] == 1)["geometry"]
    assert polygon["type"] == "Polygon"
    assert len(polygon["coordinates"]) == 2


# --- rasters ------------------------------------------------------------------------------------------------------

def test_rasters_are_cogs_with_the_same_values(plan, package):
    for stem, grid in package.rasters.items():
        with rasterio.open(plan / "rasters" / f"{stem}.tif") as src:
            assert src.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
            assert src.crs.to_epsg() == 32648
            assert src.transform == grid.transform
            values = src.read(1)
            tags = src.tags()
        if np.issubdtype(grid.values.dtype, np.floating):
            np.testing.assert_array_equal(np.isnan(values), np.isnan(grid.values))
            np.testing.assert_array_equal(values[~np.isnan(values)], grid.values[~np.isnan(grid.values)])
        else:
            np.testing.assert_array_equal(values, grid.values)
        assert tags["study"] == SAMPLE_LABEL
        assert tags["units"] == ("dBm" if stem.endswith("_dbm") else "station index (see best_server_index.csv)")


# --- KMZ ----------------------------------------------------------------------------------------------------------

def _kml(plan: Path):
    with zipfile.ZipFile(plan / "plan.kmz") as zf:
        names = zf.namelist()
        root = SafeET.fromstring(zf.read("doc.kml"))
        images = {n: zf.read(n) for n in names if n.endswith(".png")}
    return names, root, images


def _folder(root, name):
    doc = root.find(f"{K}Document")
    return next(f for f in doc.findall(f"{K}Folder") if f.findtext(f"{K}name") == name)


def test_kmz_structure_and_placemarks(plan, package):
    names, root, images = _kml(plan)
    assert names[0] == "doc.kml"
    assert set(images) == {"files/best_rsrp_dbm.png", "files/legend.png"}
    vi = STRINGS["vi"]
    stations = _folder(root, vi["kml_stations"])
    operators = [f.findtext(f"{K}name") for f in stations.findall(f"{K}Folder")]
    assert operators == ["MobiFone", "VNPT-VinaPhone", "Viettel"]
    placemarks = stations.findall(f".//{K}Placemark")
    points = [p for p in placemarks if p.find(f"{K}Point") is not None]
    wedges = [p for p in placemarks if p.find(f"{K}Polygon") is not None]
    assert len(points) == 4  # one per site
    assert len(wedges) == 9  # directional sectors only (the omni cell has none)
    names_ = {p.findtext(f"{K}name") for p in points}
    assert "S&<1>" in names_  # escaped on the way out, unescaped by the parser
    gaps = _folder(root, vi["kml_gaps"]).findall(f"{K}Placemark")
    assert len(gaps) == 2
    assert gaps[0].findtext(f"{K}name").startswith("Hạng 1")
    assert "314" in gaps[0].findtext(f"{K}description")
    assert gaps[0].find(f".//{K}innerBoundaryIs") is not None
    assert len(gaps[1].findall(f".//{K}Polygon")) == 2  # a multipolygon
    proposals = _folder(root, vi["kml_proposals"]).findall(f"{K}Placemark")
    assert [p.findtext(f"{K}name") for p in proposals] == ["1. G00001", "2. C-VT-TH001"]
    lon, lat = (float(v) for v in proposals[0].findtext(f".//{K}coordinates").split(","))
    expected = package.proposals.to_crs(4326).geometry.iloc[0]
    assert (lon, lat) == pytest.approx((expected.x, expected.y), abs=1e-6)


def test_kmz_coverage_overlay(plan, package):
    _names, root, images = _kml(plan)
    overlay = root.find(f"{K}Document/{K}GroundOverlay")
    assert overlay.findtext(f"{K}Icon/{K}href") == "files/best_rsrp_dbm.png"
    box = {k: float(overlay.findtext(f"{K}LatLonBox/{K}{k}")) for k in ("north", "south", "east", "west")}
    bounds = gpd.GeoSeries.from_xy([package.rasters["best_rsrp_dbm"].bounds[0]],
                                   [package.rasters["best_rsrp_dbm"].bounds[1]], crs=32648).to_crs(4326)
    assert box["west"] == pytest.approx(bounds.x[0], abs=0.002)
    assert box["south"] == pytest.approx(bounds.y[0], abs=0.002)
    assert box["north"] > box["south"]
    assert box["east"] > box["west"]
    png = Image.open(io.BytesIO(images["files/best_rsrp_dbm.png"]))
    rgba = np.asarray(png.convert("RGBA"))
    alpha = rgba[..., 3]
    assert (alpha == 0).any()
    assert (alpha > 0).any()
    assert alpha[-1, -1] == 0
    assert alpha[0, 0] > 0
    assert root.find(f"{K}Document/{K}ScreenOverlay/{K}Icon/{K}href").text == "files/legend.png"


# --- CSV and XLSX -------------------------------------------------------------------------------------------------

def test_csv_utf8_bom_bilingual_header(plan):
    raw = (plan / "csv" / "communes.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" not in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header = rows[0]
    assert header[:3] == ["Mã xã / Commune code", "Tên / Name", "Huyện / District"]
    assert "Được phủ sóng – Viettel / Covered – Viettel" in header
    assert rows[1][1] == "Xã Mường Lát"
    assert len(rows) == 3
    gaps = list(csv.reader(io.StringIO((plan / "csv" / "gaps.csv").read_text(encoding="utf-8-sig"))))
    assert gaps[0][0] == "Hạng ưu tiên / Priority rank"
    assert [r[0] for r in gaps[1:]] == ["1", "2"]
    props = list(csv.reader(io.StringIO((plan / "csv" / "proposals.csv").read_text(encoding="utf-8-sig"))))
    assert props[1][:3] == ["1", "G00001", "greenfield"]


def test_xlsx_sheets_headers_and_formats(plan):
    wb = load_workbook(plan / "plan.xlsx")
    assert wb.sheetnames == ["Giới thiệu", "Xã", "Vùng lõm sóng", "Trạm đề xuất", "Đường giao thông",
                             "Tổng hợp trạm", "Đường cong chi phí", "Quy hoạch vị trí", "Quy hoạch vị trí (EN)"]
    about = wb["Giới thiệu"]
    assert about["A2"].value == SAMPLE_LABEL
    ws = wb["Xã"]
    assert ws["A1"].value == "Mã xã"
    assert ws["A2"].value == "Commune code"
    assert ws["A1"].font.b
    assert ws["A2"].font.i
    assert ws.freeze_panes == "B3"
    assert ws.auto_filter.ref == "A2:M4"
    headers = [c.value for c in ws[2]]
    col = headers.index("People") + 1
    cell = ws.cell(row=3, column=col)
    assert cell.value == pytest.approx(800.2, abs=0.06)
    assert cell.number_format == "#,##0"
    assert ws.column_dimensions["B"].width >= len("Xã Mường Lát")
    gaps = wb["Vùng lõm sóng"]
    assert [gaps.cell(row=r, column=1).value for r in (3, 4)] == [1, 2]
    props = wb["Trạm đề xuất"]
    cost_col = [c.value for c in props[2]].index("Cost (VND)") + 1
    assert props.cell(row=3, column=cost_col).value == 3_290_000_000
    stations = wb["Tổng hợp trạm"]
    assert [stations.cell(row=r, column=1).value for r in (3, 4, 5)] == ["MobiFone", "VNPT-VinaPhone", "Viettel"]
    assert wb.properties.creator == "towerplan"


# --- reports ------------------------------------------------------------------------------------------------------

class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.headings: list[str] = []
        self._in_heading = False

    def handle_starttag(self, tag, attrs):
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]
        self._in_heading = tag in ("h1", "h2", "h3")

    def handle_data(self, data):
        if self._in_heading and data.strip():
            self.headings.append(data.strip())

    def handle_endtag(self, tag):
        self._in_heading = False


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_html_report_is_self_contained(plan, plan_en, lang):
    folder = plan if lang == "vi" else plan_en
    page = (folder / "report.html").read_text(encoding="utf-8")
    parser = _Links()
    parser.feed(page)
    assert parser.urls
    assert all(u.startswith("data:image/png;base64,") for u in parser.urls)
    assert len(parser.urls) == 4
    assert "<script" not in page
    assert "@import" not in page
    assert "url(" not in page
    s = STRINGS[lang]
    for key in ("headline", "maps", "tables", "method", "method_inputs"):
        assert s[key] in parser.headings
    assert SAMPLE_LABEL in page


def _pdf_text(path: Path) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(path)
    return reader, [" ".join(page.extract_text().split()) for page in reader.pages]  # line breaks -> spaces


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_pdf_report_text_and_pages(plan, plan_en, lang):
    folder = plan if lang == "vi" else plan_en
    reader, pages = _pdf_text(folder / "report.pdf")
    assert 5 <= len(pages) <= 12
    s = STRINGS[lang]
    everything = " ".join(pages)
    for key in ("headline", "maps", "tables", "method", "method_models", "method_inputs", "table_communes",
                "table_proposals"):
        assert s[key] in everything, key
    assert "Thanh Hóa" in pages[0]  # title page: the title with its tone marks
    assert "Xã Mường Lát" in everything
    assert "0" * 64 in everything
    for text in pages:
        assert "synthetic sample, not real data" in text  # study label on every page
    if lang == "vi":
        assert "lõm sóng" in everything
        assert "Dân số được phủ sóng bởi ít nhất một nhà mạng" in pages[0]
        assert "1.234 người" in pages[0] or "1.235 người" in pages[0]  # Vietnamese thousands separator
    fonts = {str(f) for page in reader.pages for f in page["/Resources"]["/Font"].values()}
    assert fonts  # embedded fonts present
    assert reader.metadata.title.startswith("Quy hoạch")
    outline_titles = [o.title for o in reader.outline if not isinstance(o, list)]
    assert s["method"] in outline_titles


def test_road_pieces_are_lines_in_gpkg_and_sums_in_tables(package, tmp_path):
    from dataclasses import replace

    from shapely.geometry import LineString

    x0, y0 = 560_000.0, 2_203_000.0
    pieces = gpd.GeoDataFrame({
        "zone": [0, 0, 1], "zone_name": ["Xã Mường Lát", "Xã Mường Lát", "Xã Pù Nhi"],
        "road_class": ["primary", "primary", "track"], "length_km": [1.0, 0.5, 2.0],
        "covered_km": [1.0, 0.25, 0.5], "covered_pct": [100.0, 50.0, 25.0],
    }, geometry=[LineString([(x0, y0 - 100), (x0 + 1000, y0 - 100)]),
                 LineString([(x0 + 1000, y0 - 100), (x0 + 1500, y0 - 100)]),
                 LineString([(x0 + 2000, y0 - 500), (x0 + 4000, y0 - 500)])], crs="EPSG:32648")
    out = write_plan_package(replace(package, road_coverage=pieces), tmp_path / "plan", lang="en")
    lines = gpd.read_file(out / "plan.gpkg", layer="road_coverage")
    assert len(lines) == 3
    assert set(lines.geom_type) == {"LineString"}
    assert (out / "geojson" / "road_coverage.geojson").exists()
    rows = list(csv.reader(io.StringIO((out / "csv" / "road_coverage.csv").read_text(encoding="utf-8-sig"))))
    assert len(rows) == 3  # header + one row per (commune, road class)
    header = rows[0]
    first = dict(zip(header, rows[1], strict=True))
    assert first["Chiều dài (km) / Length (km)"] == "1.5"
    assert first["Được phủ sóng (km) / Covered (km)"] == "1.25"
