"""Every station reader and text encoding, format detection and uploads."""

from __future__ import annotations

import io
import json
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from shapely.geometry import LineString, Point

from towerplan.errors import UnreadableFileError
from towerplan.stations import StationLoad, detect_format, read_stations

VN_HEADER = [
    "Mã trạm", "Mã cell", "Nhà mạng", "Công nghệ", "Kinh độ", "Vĩ độ", "Độ cao anten (m)", "Góc phương vị",
    "Góc ngẩng", "Băng tần", "Ghi chú",
]  # fmt: skip
VN_ROWS = [
    ["THA001", "THA001-1", "Viettel", "4G LTE", "105.7761", "19.8075", "42", "0", "4", "B3", "Thanh Hóa"],
    ["THA001", "THA001-2", "Viettel", "LTE", "105.7761", "19.8075", "42", "120", "4", "B3", "Thanh Hóa"],
    ["THA002", "THA002-1", "vinaphone", "5G", "105.9043", "19.7358", "30", "90", "6", "n78", "Sầm Sơn"],
    ["THA003", "THA003-1", "Mobifone", "GSM", "104.6194", "20.5312", "45", "", "2", "GSM900", "Mường Lát"],
]
EXPECTED = pd.DataFrame(
    {
        "site_id": ["THA001", "THA001", "THA002", "THA003"],
        "cell_id": ["THA001-1", "THA001-2", "THA002-1", "THA003-1"],
        "operator": ["Viettel", "Viettel", "VNPT-VinaPhone", "MobiFone"],
        "technology": ["4G", "4G", "5G", "2G"],
        "lon": [105.7761, 105.7761, 105.9043, 104.6194],
        "lat": [19.8075, 19.8075, 19.7358, 20.5312],
        "antenna_height_m": [42.0, 42.0, 30.0, 45.0],
        "azimuth_deg": [0.0, 120.0, 90.0, float("nan")],
        "freq_mhz": [1842.5, 1842.5, 3550.0, 947.5],
        "band": ["B3", "B3", "n78", "GSM900"],
    }
)
CANON = list(EXPECTED.columns)
TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def encode_cp1258(text: str) -> bytes:
    """Encode like Windows does for Vietnamese: base letters precomposed, tone marks combining."""
    out = []
    for ch in text:
        decomposed = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))
        out.append(base + "".join(c for c in decomposed if c in TONE_MARKS))
    return "".join(out).encode("cp1258")


def delimited(sep: str, *, decimal_comma: bool = False) -> str:
    lines = [sep.join(VN_HEADER)]
    for row in VN_ROWS:
        cells = [c.replace(".", ",") if decimal_comma and k in (4, 5) else c for k, c in enumerate(row)]
        lines.append(sep.join(cells))
    return "\r\n".join(lines) + "\r\n"


def check_vietnamese(load: StationLoad) -> None:
    got = load.stations[CANON].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, EXPECTED, check_dtype=False)
    notes = load.stations["Ghi chú"].tolist()
    assert notes == ["Thanh Hóa", "Thanh Hóa", "Sầm Sơn", "Mường Lát"]
    assert all(unicodedata.is_normalized("NFC", n) for n in notes)
    assert not load.report.has_errors
    assert load.stations.crs.to_epsg() == 4326


# ----------------------------------------------------------------------------- CSV encodings


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("utf8", delimited(",").encode("utf-8")),
        ("utf8-bom", b"\xef\xbb\xbf" + delimited(",").encode("utf-8")),
        ("utf16-tab (Excel 'Unicode text')", delimited("\t").encode("utf-16")),
        ("utf16-comma", delimited(",").encode("utf-16")),
        ("utf16-le without BOM", delimited("\t").encode("utf-16-le")),
        ("cp1258 semicolon decimal comma", encode_cp1258(delimited(";", decimal_comma=True))),
        ("cp1258 comma", encode_cp1258(delimited(","))),
        ("utf8 semicolon decimal comma", delimited(";", decimal_comma=True).encode("utf-8")),
    ],
)
def test_csv_encodings_and_delimiters(name: str, data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "tram.csv"
    path.write_bytes(data)
    load = read_stations(path)
    check_vietnamese(load)
    assert load.stations["source_row"].tolist() == [2, 3, 4, 5]


def test_cp1258_bytes_really_hold_combining_marks() -> None:
    raw = encode_cp1258("Thanh Hóa")
    assert raw.decode("cp1258") != "Thanh Hóa"  # combining acute: not NFC until normalised
    assert unicodedata.normalize("NFC", raw.decode("cp1258")) == "Thanh Hóa"
    load = read_stations(encode_cp1258(delimited(";", decimal_comma=True)), name="x.csv")
    assert "encoding_guessed" in load.report.codes()


def test_csv_title_rows_and_multiline_cells(tmp_path: Path) -> None:
    text = (
        "DANH SÁCH TRẠM BTS VIETTEL THANH HÓA\n"
        "Ngày xuất: 01/01/2025\n"
        "Mã trạm,Kinh độ,Vĩ độ,Góc phương vị,Ghi chú\n"
        'A,105.70,19.80,0,"dòng 1\ndòng 2"\n'
        "B,105.71,19.81,90,\n"
    )
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    load = read_stations(path)
    assert load.stations["source_row"].tolist() == [4, 6]  # header on line 3; the quoted cell spans lines 4-5
    assert "title_rows_skipped" in load.report.codes()


def test_txt_extension_and_unknown_columns(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text("lat;long;azimuth;STT\n19,8;105,7;0;1\n", encoding="utf-8")
    load = read_stations(path)
    assert load.stations[["lon", "lat"]].iloc[0].tolist() == [105.7, 19.8]
    info = load.report.filter(code="unknown_columns").issues
    assert info
    assert "'STT'" in info[0].message
    assert load.stations["STT"].tolist() == ["1"]


# ----------------------------------------------------------------------------- XLSX


def workbook_bytes(sheets: dict[str, list[list[Any]]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def set_cached_value(xlsx: bytes, formula: str, value: str) -> bytes:
    """Give a formula cell the cached result Excel would have saved."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                data = data.replace(f"<f>{formula}</f><v />".encode(), f"<f>{formula}</f><v>{value}</v>".encode())
            dst.writestr(info, data)
    return out.getvalue()


def vn_numeric_rows() -> list[list[Any]]:
    rows = []
    for r in VN_ROWS:
        cells: list[Any] = list(r)
        for k in (4, 5, 6, 7, 8):
            cells[k] = float(cells[k]) if cells[k] else None
        rows.append(cells)
    return rows


def test_xlsx_vietnamese_export_with_title_rows_and_cover_sheet(tmp_path: Path) -> None:
    data = workbook_bytes(
        {
            "Bìa": [["Báo cáo hạ tầng trạm BTS"], ["Sở TT&TT Thanh Hóa"]],
            "Danh sách": [["DANH SÁCH TRẠM BTS"], ["Đơn vị: Viettel"], [], VN_HEADER, *vn_numeric_rows()],
        }
    )
    path = tmp_path / "viettel.xlsx"
    path.write_bytes(data)
    load = read_stations(path)
    check_vietnamese(load)
    assert load.stations["source_row"].tolist() == [5, 6, 7, 8]  # Excel row numbers
    used = load.report.filter(code="sheet_used").issues
    assert used
    assert "Danh sách" in used[0].message
    assert "row 4" in used[0].message


def test_xlsx_formulas_numeric_ids_and_cached_values(tmp_path: Path) -> None:
    rows = [
        ["site_id", "lon", "lat", "azimuth_deg", "antenna_height_m"],
        [12345, 105.7, 19.8, 0, "=30+5"],
        [12346, 105.8, 19.9, 0, "=30+10"],
    ]
    data = set_cached_value(workbook_bytes({"s": rows}), "30+5", "35")
    path = tmp_path / "f.xlsx"
    path.write_bytes(data)
    load = read_stations(path)
    assert load.stations["site_id"].tolist() == ["12345", "12346"]
    assert load.stations["antenna_height_m"].tolist() == [35.0, 40.0]  # cached value; the default for row 3
    warned = load.report.filter(code="formula_without_value").issues
    assert [(i.row, i.column) for i in warned] == [(3, "antenna_height_m")]


# ----------------------------------------------------------------------------- GeoJSON, KML, KMZ, GeoPackage


def test_geojson_points_properties_and_feature_numbers(tmp_path: Path) -> None:
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [105.7761, 19.8075, 12.0]},
         "properties": {"Mã trạm": "G1", "Nhà mạng": "Viettel", "azimuth": 30, "tags": {"a": 1}}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [105.8, 19.9]},
         "properties": {"Mã trạm": "G2", "Nhà mạng": "VNPT", "azimuth": None, "lon": 1.0}},
    ]  # fmt: skip
    path = tmp_path / "s.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    load = read_stations(path)
    st_ = load.stations
    assert st_["site_id"].tolist() == ["G1", "G2"]
    assert st_["lon"].tolist() == [105.7761, 105.8]  # geometry wins over a 'lon' property
    assert st_["operator"].tolist() == ["Viettel", "VNPT-VinaPhone"]
    assert st_["source_row"].tolist() == [1, 2]
    assert st_["tags"].iloc[0] == '{"a": 1}'
    assert pd.isna(st_["azimuth_deg"].iloc[1])  # empty azimuth: omni


def test_geojson_legacy_crs_is_reprojected(tmp_path: Path) -> None:
    doc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "EPSG:32648"}},
        "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [580000, 2190000]},
                      "properties": {"site": "U1", "azimuth": 0}}],
    }  # fmt: skip
    load = read_stations(json.dumps(doc).encode(), name="utm.json")
    assert load.stations["lon"].iloc[0] == pytest.approx(105.76, abs=0.01)
    assert load.stations["lat"].iloc[0] == pytest.approx(19.80, abs=0.01)
    assert "reprojected" in load.report.codes()


KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Folder>
<Placemark><name>THA-K1</name>
  <ExtendedData><SchemaData schemaUrl="#s">
    <SimpleData name="Nhà mạng">Viettel</SimpleData><SimpleData name="Góc phương vị">60</SimpleData>
    <SimpleData name="Độ cao anten">35</SimpleData></SchemaData></ExtendedData>
  <Point><coordinates> 105.7761,19.8075,0 </coordinates></Point></Placemark>
<Placemark><name>THA-K2</name>
  <ExtendedData><Data name="Nhà mạng"><value>MobiFone</value></Data>
    <Data name="Góc phương vị"><value>180</value></Data></ExtendedData>
  <MultiGeometry><Point><coordinates>105.80,19.90</coordinates></Point></MultiGeometry></Placemark>
</Folder></Document></kml>"""


def test_kml_placemarks_extended_data_and_name_as_site(tmp_path: Path) -> None:
    path = tmp_path / "s.kml"
    path.write_text(KML, encoding="utf-8")
    load = read_stations(path)
    st_ = load.stations
    assert st_["site_id"].tolist() == ["THA-K1", "THA-K2"]
    assert st_["operator"].tolist() == ["Viettel", "MobiFone"]
    assert st_["azimuth_deg"].tolist() == [60.0, 180.0]
    assert st_["antenna_height_m"].tolist() == [35.0, 40.0]
    assert st_["lon"].tolist() == [105.7761, 105.80]


def test_kmz_reads_only_the_kml_entry_with_a_size_limit(tmp_path: Path) -> None:
    padded = KML.replace("<Document>", "<Document><!--" + " " * 20_000 + "-->")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("files/icon.png", b"\x89PNG....")
        z.writestr("doc.kml", padded)
    path = tmp_path / "s.kmz"
    path.write_bytes(buffer.getvalue())
    load = read_stations(path)
    assert load.stations["site_id"].tolist() == ["THA-K1", "THA-K2"]
    small_limit = len(buffer.getvalue()) + 100  # the archive fits, the KML inside does not
    assert small_limit < len(padded)
    with pytest.raises(UnreadableFileError, match="over the limit"):
        read_stations(path, max_bytes=small_limit)


def test_kml_without_namespace_is_a_site_list() -> None:
    kml = b"<kml><Placemark><name>A</name><Point><coordinates>105.7,19.8</coordinates></Point></Placemark></kml>"
    load = read_stations(kml, name="plain.kml")
    assert load.stations["cell_id"].tolist() == ["A-1", "A-2", "A-3"]
    assert load.stations["azimuth_deg"].tolist() == [0.0, 120.0, 240.0]


def test_geopackage_point_layer_in_utm(tmp_path: Path) -> None:
    path = tmp_path / "s.gpkg"
    roads = gpd.GeoDataFrame({"name": ["QL1A"]}, geometry=[LineString([(0, 0), (1, 1)])], crs=4326)
    roads.to_file(path, layer="roads")
    towers = gpd.GeoDataFrame(
        {"site_id": ["P1", "P2"], "operator": ["Viettel", "Gtel"], "azimuth": [0.0, 240.0], "height": [30, 50]},
        geometry=[Point(580000, 2190000), Point(581000, 2191000)],
        crs=32648,
    )
    towers.to_file(path, layer="towers")
    load = read_stations(path)
    st_ = load.stations
    assert st_["site_id"].tolist() == ["P1", "P2"]
    assert st_["operator"].tolist() == ["Viettel", "Gmobile"]
    assert st_["antenna_height_m"].tolist() == [30.0, 50.0]
    assert st_["lon"].iloc[0] == pytest.approx(105.76, abs=0.01)
    codes = load.report.codes()
    assert codes["reprojected"] == 1
    assert codes["layer_used"] == 1


# ----------------------------------------------------------------------------- OpenCelliD

OPENCELLID_HEADER = "radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,created,updated,averageSignal\n"
OPENCELLID_ROWS = (
    "GSM,452,1,10101,2001,0,105.7701,19.8001,1000,5,1,1459813000,1600000000,0\n"
    "UMTS,452,2,10102,2002,0,105.7702,19.8002,1000,5,1,1459813000,1600000000,0\n"
    "LTE,452,4,10104,26265601,0,105.7704,19.8004,1000,5,1,1459813000,1600000000,0\n"
    "NR,452,5,10105,2005,0,105.7705,19.8005,1000,5,1,1459813000,1600000000,0\n"
    "LTE,452,7,10107,2007,0,105.7707,19.8007,1000,5,1,1459813000,1600000000,0\n"
)


@pytest.mark.parametrize(("filename", "text"), [("cells.csv", OPENCELLID_HEADER + OPENCELLID_ROWS),
                                                ("452.txt", OPENCELLID_ROWS)])  # fmt: skip
def test_opencellid_dump_with_or_without_header(filename: str, text: str, tmp_path: Path) -> None:
    path = tmp_path / filename
    path.write_text(text, encoding="utf-8")
    load = read_stations(path)
    st_ = load.stations
    # MCC 452 network codes (ITU-T E.212 list): 01 MobiFone, 02 VNPT-VinaPhone, 04 Viettel, 05 Vietnamobile, 07 Gmobile
    assert st_["operator"].tolist() == ["MobiFone", "VNPT-VinaPhone", "Viettel", "Vietnamobile", "Gmobile"]
    assert st_["technology"].tolist() == ["2G", "3G", "4G", "5G", "4G"]
    assert st_["cell_id"].iloc[2] == "452-4-10104-26265601"
    assert st_["azimuth_deg"].isna().all()
    assert (st_["h_beamwidth_deg"] == 360.0).all()
    first_row = 2 if text.startswith("radio") else 1
    assert st_["source_row"].tolist() == list(range(first_row, first_row + 5))
    assert load.report.codes()["azimuth_unknown"] == 1
    assert not load.report.has_errors


def test_opencellid_detected_inside_csv_named_file() -> None:
    assert detect_format((OPENCELLID_HEADER + OPENCELLID_ROWS).encode(), "export.csv") == "opencellid"
    assert detect_format(OPENCELLID_ROWS.encode(), "x.txt") == "opencellid"


# ----------------------------------------------------------------------------- detection and uploads


def test_detect_format_by_content() -> None:
    assert detect_format(workbook_bytes({"a": [["lon", "lat"]]}), "named.csv") == "xlsx"
    assert detect_format(b'{"type": "FeatureCollection", "features": []}', "x.dat") == "geojson"
    assert detect_format(KML.encode(), "x.xml") == "kml"
    assert detect_format(b"lon,lat\n1,2\n", "x.bin") == "csv"


def test_upload_as_bytes_or_file_object() -> None:
    data = delimited(",").encode("utf-8")
    by_bytes = read_stations(data, name="upload.csv")
    by_file = read_stations(io.BytesIO(data), name="upload.csv")
    check_vietnamese(by_bytes)
    pd.testing.assert_frame_equal(by_bytes.stations, by_file.stations)
    assert by_bytes.stations["source_file"].iloc[0] == "upload.csv"
    assert read_stations(data).stations["source_file"].iloc[0] == "upload"


def test_explicit_format_overrides_extension(tmp_path: Path) -> None:
    path = tmp_path / "stations.dat"
    path.write_text("lon;lat;azimuth\n105,7;19,8;0\n", encoding="utf-8")
    assert len(read_stations(path, fmt="csv").stations) == 1
    with pytest.raises(ValueError, match="unknown station file format"):
        read_stations(path, fmt="shapefile")


# ----------------------------------------------------------------------------- fuzzing


def _read_or_unreadable(data: bytes, name: str) -> None:
    try:
        load = read_stations(data, name=name)
    except UnreadableFileError:
        return
    assert isinstance(load, StationLoad)
    kept = set(load.stations["source_row"]) if len(load.stations) else set()
    assert len(kept) + len(load.rejected) == load.n_rows_read


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=400), name=st.sampled_from(["a.csv", "a.xlsx", "a.geojson", "a.kml", "a.kmz", "a"]))
def test_arbitrary_bytes_never_raise_anything_but_unreadable(data: bytes, name: str) -> None:
    _read_or_unreadable(data, name)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.text(
        alphabet=st.sampled_from(list(",;\t\n\"'°.-0123456789 abcNSEWlonatLONgitude{}[]<>:ĐđộVĩ")), max_size=200
    ),
    prefix=st.sampled_from(["", "lon,lat,azimuth\n", "Kinh độ;Vĩ độ\n", '{"type":"FeatureCollection","features":']),
)
def test_arbitrary_text_never_raises_anything_but_unreadable(text: str, prefix: str) -> None:
    _read_or_unreadable((prefix + text).encode("utf-8"), "fuzz.csv")
