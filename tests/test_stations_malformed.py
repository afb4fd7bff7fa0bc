"""Malformed station files: every problem gets its code, row and column; valid rows are kept.

Each case is a small file with valid rows around one broken row (or a broken
file layout). The test checks the issue's ``code``, ``row`` (as the user sees
it: CSV line with the header on line 1, Excel row, feature number), ``column``
(the user's header), its severity, that the row lands in ``rejected`` exactly
when it is an error, and how many sectors survive.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from towerplan.errors import UnreadableFileError
from towerplan.stations import read_stations

HEADER = "site_id,cell_id,operator,technology,lon,lat,antenna_height_m,azimuth_deg,tilt_deg,freq_mhz"
THANH_HOA = (104.3, 19.3, 106.1, 20.7)  # lon/lat box around Thanh Hóa province


def valid(k: int) -> str:
    """A valid CSV row for site V<k> (distinct positions ~1.5 km apart)."""
    return f"V{k},V{k}-1,Viettel,4G,{105.70 + 0.01 * k:.2f},{19.80 + 0.01 * k:.2f},30,0,4,1842.5"


def csv_file(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def with_column(extra_header: str, extra_value: str, *, bad_row: str | None = None) -> bytes:
    """Valid rows + one row with an extra column's value; the extra column is blank elsewhere."""
    header = f"{HEADER},{extra_header}"
    rows = [valid(1) + ",", (bad_row or "B1,B1-1,Viettel,4G,105.75,19.75,30,0,4,1842.5") + f",{extra_value}",
            valid(2) + ","]  # fmt: skip
    return csv_file(*rows, header=header)


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def geojson_bytes(features: list[dict[str, Any]]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": features}).encode("utf-8")


def point(lon: float, lat: float, **props: Any) -> dict[str, Any]:
    base = {"site_id": props.pop("site", "G"), "operator": "Viettel", "technology": "4G", "azimuth": 0}
    base.update(props)
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": base}


def kml_bytes(placemarks: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        + placemarks
        + "</Document></kml>"
    ).encode("utf-8")


def kml_point(name: str, lon: float, lat: float) -> str:
    return (
        f"<Placemark><name>{name}</name><ExtendedData><SchemaData>"
        f'<SimpleData name="operator">Viettel</SimpleData><SimpleData name="azimuth">0</SimpleData>'
        f"</SchemaData></ExtendedData><Point><coordinates>{lon},{lat},0</coordinates></Point></Placemark>"
    )


@dataclass(frozen=True)
class Case:
    """One malformed file and what must be reported."""

    name: str
    filename: str
    content: bytes
    code: str
    row: int | None
    column: str | None
    kept: int  # sectors in load.stations
    severity: str = "error"
    kwargs: dict[str, Any] = field(default_factory=dict)
    in_message: str = ""


CASES: list[Case] = [
    Case("empty longitude", "a.csv", csv_file(valid(1), "B,B-1,Viettel,4G,,19.8,30,0,4,1842.5", valid(2)),
         "missing_coordinates", 3, "lon", 2),
    Case("both coordinates empty", "a.csv", csv_file(valid(1), valid(2), "B,B-1,Viettel,4G,,,30,0,4,1842.5"),
         "missing_coordinates", 4, "lon", 2, in_message="longitude and latitude"),
    Case("minutes above 59 in DMS", "a.csv",
         csv_file(valid(1), "B,B-1,Viettel,4G,105.7,\"19°75'00\"\"N\",30,0,4,1842.5", valid(2)),
         "unparseable_coordinate", 3, "lat", 2, in_message="minutes"),
    Case("text as longitude", "a.csv", csv_file("B,B-1,Viettel,4G,abc,19.8,30,0,4,1842.5", valid(1)),
         "unparseable_coordinate", 2, "lon", 1),
    Case("two hemisphere letters", "a.csv",
         csv_file(valid(1), "B,B-1,Viettel,4G,105.7,N19 48 30 S,30,0,4,1842.5"),
         "unparseable_coordinate", 3, "lat", 1),
    Case("latitude and longitude swapped", "a.csv", csv_file(valid(1), "B,B-1,Viettel,4G,19.81,105.77,30,0,4,1842.5"),
         "latlon_swapped", 3, "lat", 2, severity="warning", in_message="swapped"),
    Case("projected metres instead of degrees", "a.csv",
         csv_file(valid(1), "B,B-1,Viettel,4G,585000,2190000,30,0,4,1842.5", valid(2)),
         "coordinate_out_of_range", 3, "lat", 2, in_message="projected"),
    Case("placeholder 0,0 position", "a.csv", csv_file(valid(1), "B,B-1,Viettel,4G,0,0,30,0,4,1842.5"),
         "zero_coordinates", 3, "lon", 1),
    Case("station in Hanoi, study area Thanh Hoa", "a.csv",
         csv_file(valid(1), valid(2), "B,B-1,Viettel,4G,105.85,21.03,30,0,4,1842.5"),
         "outside_study_area", 4, "lon", 2, kwargs={"study_area": THANH_HOA}),
    Case("infinite longitude", "a.csv", csv_file(valid(1), "B,B-1,Viettel,4G,1e999,19.8,30,0,4,1842.5"),
         "non_finite_value", 3, "lon", 1),
    Case("duplicate cell id", "a.csv",
         csv_file(valid(1), valid(2), "B,V1-1,Viettel,4G,105.9,19.9,30,0,4,1842.5"),
         "duplicate_cell_id", 4, "cell_id", 2, in_message="row 2"),
    Case("one site id at two places", "a.csv",
         csv_file(valid(1), "V1,V1-2,Viettel,4G,105.80,19.85,30,120,4,1842.5"),
         "site_two_places", 3, "site_id", 1, in_message="row 2"),
    Case("site list repeats a site", "a.csv",
         csv_file("V1,Viettel,105.71,19.81", "V2,Viettel,105.72,19.82", "V1,Viettel,105.71,19.81",
                  header="site_id,operator,lon,lat"),
         "duplicate_cell_id", 4, "site_id", 6, in_message="row 2"),
    Case("zero height", "a.csv", csv_file(valid(1), "B,B-1,Viettel,4G,105.75,19.75,0,0,4,1842.5", valid(2)),
         "height_out_of_range", 3, "antenna_height_m", 2),
    Case("height above sea level", "a.csv", csv_file(valid(1), "B,B-1,Viettel,4G,105.75,19.75,1250,0,4,1842.5"),
         "height_out_of_range", 3, "antenna_height_m", 1, in_message="above ground"),
    Case("negative height", "a.csv", csv_file("B,B-1,Viettel,4G,105.75,19.75,-5,0,4,1842.5", valid(1)),
         "height_out_of_range", 2, "antenna_height_m", 1),
    Case("height as words", "a.csv", csv_file(valid(1), "B,B-1,Viettel,4G,105.75,19.75,forty,0,4,1842.5"),
         "unparseable_value", 3, "antenna_height_m", 1),
    Case("height with a wrong unit", "a.csv", csv_file(valid(1), "B,B-1,Viettel,4G,105.75,19.75,30 kg,0,4,1842.5"),
         "unparseable_value", 3, "antenna_height_m", 1),
    Case("infinite height", "a.csv", csv_file(valid(1), "B,B-1,Viettel,4G,105.75,19.75,inf,0,4,1842.5"),
         "non_finite_value", 3, "antenna_height_m", 1),
    Case("azimuth 400", "a.csv", csv_file(valid(1), "B,B-1,Viettel,4G,105.75,19.75,30,400,4,1842.5"),
         "azimuth_out_of_range", 3, "azimuth_deg", 1),
    Case("negative azimuth", "a.csv", csv_file(valid(1), valid(2), "B,B-1,Viettel,4G,105.75,19.75,30,-10,4,1842.5"),
         "azimuth_out_of_range", 4, "azimuth_deg", 2),
    Case("tilt 45 degrees", "a.csv", csv_file(valid(1), "B,B-1,Viettel,4G,105.75,19.75,30,0,45,1842.5"),
         "tilt_out_of_range", 3, "tilt_deg", 2, severity="warning"),
    Case("frequency 100 MHz", "a.csv", csv_file(valid(1), "B,B-1,Viettel,4G,105.75,19.75,30,0,4,100"),
         "frequency_out_of_range", 3, "freq_mhz", 1),
    Case("frequency written in GHz", "a.csv", csv_file(valid(1), "B,B-1,Viettel,4G,105.75,19.75,30,0,4,3.5"),
         "frequency_out_of_range", 3, "freq_mhz", 1, in_message="GHz"),
    Case("FR2 millimetre-wave band", "a.csv", csv_file(valid(1), "B,B-1,Viettel,5G,105.75,19.75,30,0,4,26000"),
         "frequency_out_of_range", 3, "freq_mhz", 1),
    Case("unknown band name", "a.csv", csv_file(valid(1), "B,B-1,Viettel,4G,105.75,19.75,30,0,4,B99"),
         "unknown_band", 3, "freq_mhz", 1),
    Case("misspelt operator", "a.csv", csv_file(valid(1), "B,B-1,Vietel,4G,105.75,19.75,30,0,4,1842.5"),
         "unknown_operator", 3, "operator", 1, in_message="Did you mean 'Viettel'"),
    Case("foreign PLMN as operator", "a.csv", csv_file(valid(1), "B,B-1,310-260,4G,105.75,19.75,30,0,4,1842.5"),
         "unknown_operator", 3, "operator", 1, in_message="MCC 310"),
    Case("unknown technology", "a.csv", csv_file(valid(1), "B,B-1,Viettel,CDMA,105.75,19.75,30,0,4,1842.5"),
         "unknown_technology", 3, "technology", 1),
    Case("empty operator", "a.csv", csv_file(valid(1), "B,B-1,,4G,105.75,19.75,30,0,4,1842.5"),
         "missing_operator", 3, "operator", 2, severity="warning"),
    Case("empty cell id", "a.csv", csv_file(valid(1), "B,,Viettel,4G,105.75,19.75,30,0,4,1842.5"),
         "missing_id", 3, "cell_id", 2, severity="warning"),
    Case("band of another technology", "a.csv", csv_file(valid(1), "B,B-1,Viettel,4G,105.75,19.75,30,0,4,n78"),
         "band_technology_mismatch", 3, "freq_mhz", 2, severity="warning"),
    Case("huge transmit power", "a.csv", with_column("tx_power_dbm", "1e6"),
         "power_out_of_range", 3, "tx_power_dbm", 2),
    Case("zero beamwidth", "a.csv", with_column("h_beamwidth_deg", "0"),
         "beamwidth_out_of_range", 3, "h_beamwidth_deg", 2),
    Case("EIRP of 500 dBm", "a.csv", with_column("eirp_dbm", "500"), "eirp_out_of_range", 3, "eirp_dbm", 2),
    Case("antenna gain 99 dBi", "a.csv", with_column("antenna_gain_dbi", "99"),
         "gain_out_of_range", 3, "antenna_gain_dbi", 2),
    Case("negative feeder loss", "a.csv", with_column("feeder_loss_db", "-3"),
         "loss_out_of_range", 3, "feeder_loss_db", 2),
    Case("EIRP disagrees with its parts", "a.csv",
         csv_file(valid(1) + ",,,,", "B,B-1,Viettel,4G,105.75,19.75,30,0,4,1842.5,70,43,18,2",
                  header=HEADER + ",eirp_dbm,tx_power_dbm,antenna_gain_dbi,feeder_loss_db"),
         "eirp_inconsistent", 3, "eirp_dbm", 2, severity="warning"),
    Case("row with more values than headers", "a.csv",
         csv_file(valid(1), "B,B-1,Viettel,4G,105.75,19.75,30,0,4,1842.5,oops"),
         "extra_values", 3, None, 2, severity="warning"),
    Case("same header twice", "a.csv", csv_file(valid(1) + ",1", valid(2) + ",2", header=HEADER + ",lat"),
         "duplicate_header", None, "lat", 2, severity="warning"),
    Case("no coordinate columns", "a.csv",
         csv_file("Tram A,Thọ Xuân,30", "Tram B,Nông Cống,35", header="name,address,height"),
         "no_coordinate_columns", None, None, 0, in_message="'address'"),
    Case("header only", "a.csv", csv_file(), "no_data_rows", None, None, 0),
    Case("semicolon file with a broken decimal comma", "a.csv",
         b"site_id;operator;lon;lat;azimuth_deg\nA;Viettel;105,77;19,80;0\nB;Viettel;105,78;19,8,1;0\n",
         "unparseable_coordinate", 3, "lat", 1),
    Case("Vietnamese Excel export with a title row", "a.xlsx",
         xlsx_bytes([["DANH SÁCH TRẠM BTS - VIETTEL THANH HÓA"], [],
                     ["Mã trạm", "Nhà mạng", "Kinh độ", "Vĩ độ", "Góc phương vị"],
                     ["THA1", "Viettel", 105.77, 19.80, 0], ["THA2", "Viettel", 105.78, "19,81,5", 120],
                     ["THA3", "Viettel", 105.79, 19.82, 240]]),
         "unparseable_coordinate", 5, "Vĩ độ", 2),
    Case("GeoJSON line instead of a point", "a.geojson",
         geojson_bytes([point(105.7, 19.8, site="G1"),
                        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[105, 19], [106, 20]]},
                         "properties": {"site_id": "G2"}}]),
         "not_a_point", 2, "geometry", 1),
    Case("GeoJSON feature without geometry", "a.geojson",
         geojson_bytes([{"type": "Feature", "geometry": None, "properties": {"site_id": "G0", "azimuth": 0}},
                        point(105.7, 19.8, site="G1")]),
         "missing_coordinates", 1, "lon (geometry)", 1),
    Case("KML polygon placemark", "a.kml",
         kml_bytes(kml_point("K1", 105.7, 19.8)
                   + "<Placemark><name>K2</name><Polygon><outerBoundaryIs><LinearRing><coordinates>"
                     "105,19 106,19 106,20 105,19</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>"
                   + kml_point("K3", 105.8, 19.9)),
         "not_a_point", 2, "geometry", 2),
    Case("OpenCelliD cell of another country", "cells.csv",
         b"radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,created,updated,averageSignal\n"
         b"LTE,452,4,12011,26265601,0,105.77,19.80,1000,3,1,1500000000,1600000000,0\n"
         b"LTE,310,260,1,2,0,105.78,19.81,1000,3,1,1500000000,1600000000,0\n",
         "unknown_operator", 3, "mcc/net", 1, in_message="MCC 310"),
    Case("OpenCelliD CDMA cell", "cells.csv",
         b"GSM,452,1,100,200,0,105.77,19.80,1000,3,1,1500000000,1600000000,0\n"
         b"CDMA,452,1,100,201,0,105.78,19.81,1000,3,1,1500000000,1600000000,0\n",
         "unknown_technology", 2, "radio", 1),
]  # fmt: skip


def _formula_case() -> Case:
    wb = Workbook()
    ws = wb.active
    ws.append(["site_id", "lon", "lat", "azimuth_deg", "antenna_height_m"])
    ws.append(["X1", 105.7, 19.8, 0, 30])
    ws.append(["X2", 105.8, 19.9, 0, "=B2*0+35"])  # written by a program: no cached value
    buffer = io.BytesIO()
    wb.save(buffer)
    return Case("formula without a cached value", "a.xlsx", buffer.getvalue(), "formula_without_value", 3,
                "antenna_height_m", 2, severity="warning")  # fmt: skip


CASES.append(_formula_case())


def test_there_are_at_least_30_distinct_malformed_files() -> None:
    assert len(CASES) >= 30
    assert len({c.content for c in CASES}) == len(CASES)
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_malformed_file_is_reported_precisely(case: Case, tmp_path: Path) -> None:
    path = tmp_path / case.filename
    path.write_bytes(case.content)
    load = read_stations(path, **case.kwargs)
    hits = [i for i in load.report.issues if i.code == case.code]
    assert hits, f"no {case.code} in:\n{load.report.format_text()}"
    match = [i for i in hits if i.row == case.row and i.column == case.column]
    assert match, f"{case.code} not at row {case.row}, column {case.column!r}: {hits}"
    issue = match[0]
    assert issue.severity == case.severity
    assert issue.file == case.filename
    assert case.in_message in issue.message
    assert len(load.stations) == case.kept
    rejected_rows = set(load.rejected["source_row"].tolist())
    if case.severity == "error" and case.row is not None:
        assert case.row in rejected_rows
        assert case.code in load.rejected.set_index("source_row").loc[case.row, "error_codes"]
    elif case.row is not None:
        assert case.row not in rejected_rows
        assert case.row in set(load.stations["source_row"])
    # nothing silently dropped: every row read is kept or rejected
    kept_rows = set(load.stations["source_row"].tolist())
    assert len(kept_rows) + len(rejected_rows) == load.n_rows_read
    assert not kept_rows & rejected_rows


# ----------------------------------------------------------------------------- files that cannot be read at all


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buffer.getvalue()


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
    b'<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>&b;</name>'
    b"<Point><coordinates>105.7,19.8</coordinates></Point></Placemark></Document></kml>"
)

UNREADABLE: list[tuple[str, str, bytes, str]] = [
    ("empty file", "a.csv", b"", "empty"),
    ("only blank lines", "a.csv", b"\n\n  \n", "empty"),
    ("binary junk", "a.csv", bytes(range(256)) * 8, "binary"),
    ("PDF saved as csv", "a.csv", b"%PDF-1.7\n...", "PDF"),
    ("PNG image", "a.xlsx", b"\x89PNG\r\n\x1a\n\x00\x00", "PNG"),
    ("old xls workbook", "a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, ".xls"),
    ("zip of nothing useful", "a.zip", _zip({"readme.txt": b"hello"}), "no workbook"),
    ("truncated xlsx", "a.xlsx", _zip({"xl/workbook.xml": b"<broken"}), "Excel"),
    ("invalid JSON", "a.geojson", b'{"type": "FeatureCollection", "features": [', "not valid JSON"),
    ("JSON that is not GeoJSON", "a.json", b'{"hello": "world"}', "not GeoJSON"),
    ("KML without placemarks", "a.kml", b'<kml xmlns="http://www.opengis.net/kml/2.2"><Document/></kml>', "Placemark"),
    ("KML with entity expansion", "a.kml", BILLION_LAUGHS, "refused"),
    ("malformed KML", "a.kml", b"<kml><Placemark><name>x</Placemark></kml>", "well-formed"),
    ("KMZ without KML", "a.kmz", _zip({"doc.txt": b"x"}), "no workbook and no KML"),
    ("damaged GeoPackage", "a.gpkg", b"SQLite format 3\x00" + b"\x01" * 200, "GeoPackage"),
    ("HTML page saved as csv", "a.csv", b"<html><body>Login</body></html>", "not KML"),
    ("UTF-16 without BOM, odd junk", "a.csv", b"\x00\x01\x00" * 100, "binary"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "filename", "content", "needle"), UNREADABLE, ids=[u[0] for u in UNREADABLE])
def test_unreadable_file_raises_a_clear_error(
    name: str, filename: str, content: bytes, needle: str, tmp_path: Path
) -> None:
    path = tmp_path / filename
    path.write_bytes(content)
    with pytest.raises(UnreadableFileError) as info:
        read_stations(path)
    assert needle in str(info.value)
    assert filename in str(info.value)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFileError, match="no such file"):
        read_stations(tmp_path / "nope.csv")
    with pytest.raises(UnreadableFileError, match="folder"):
        read_stations(tmp_path)


def test_size_guards_refuse_big_files(tmp_path: Path) -> None:
    rows = [valid(k) for k in range(1, 30)]
    path = tmp_path / "big.csv"
    path.write_bytes(csv_file(*rows))
    with pytest.raises(UnreadableFileError, match="rows"):
        read_stations(path, max_rows=10)
    with pytest.raises(UnreadableFileError, match="MB"):
        read_stations(path, max_bytes=100)
    assert len(read_stations(path, max_rows=29).stations) == 29


def test_builders_cover_every_reader_used() -> None:
    kinds: set[str] = {Path(c.filename).suffix for c in CASES}
    assert {".csv", ".xlsx", ".geojson", ".kml"} <= kinds
