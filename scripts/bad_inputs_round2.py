# ruff: noqa: E501  -- one case per line: the builders read best as a table
"""The second bad-input corpus (issue 19): inputs that reach elsewhere, tiny files that exhaust the
machine, wrong plans that passed silently, crashes and unclear messages.

Used by ``make_bad_inputs.py`` (the builders are merged into its ``small_files``/``large_files``);
``tests/data/bad/cases.toml`` describes every case.
"""

from __future__ import annotations

import io
import json
import sqlite3
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

#: a port nothing listens on: the VRTs and links must never be followed anyway (tests/test_reliability.py
#: runs the same files against a live listener)
DEAD_URL = "http://127.0.0.1:9/dem.tif"


def vrt_raster(source: str, *, raw: bool = False) -> bytes:
    """GDAL VRT XML whose band reads ``source`` (a /vsicurl/ URL, or a local file as a raw band)."""
    if raw:
        band = (f'<VRTRasterBand dataType="Byte" band="1" subClass="VRTRawRasterBand"><SourceFilename relativeToVRT="0">{source}</SourceFilename>'
                "<ImageOffset>0</ImageOffset><PixelOffset>1</PixelOffset><LineOffset>40</LineOffset></VRTRasterBand>")
    else:
        band = (f'<VRTRasterBand dataType="Float32" band="1"><SimpleSource><SourceFilename relativeToVRT="0">{source}</SourceFilename>'
                "<SourceBand>1</SourceBand></SimpleSource></VRTRasterBand>")
    return (f'<VRTDataset rasterXSize="40" rasterYSize="10"><SRS>EPSG:32648</SRS>'
            f"<GeoTransform>560010, 90, 0, 2200020, 0, -90</GeoTransform>{band}</VRTDataset>").encode()


def ogr_vrt(source: str) -> bytes:
    return (f'<OGRVRTDataSource><OGRVRTLayer name="communes"><SrcDataSource>{source}</SrcDataSource>'
            "</OGRVRTLayer></OGRVRTDataSource>").encode()


def crs_link_geojson(url: str) -> bytes:
    return json.dumps({"type": "FeatureCollection", "crs": {"type": "link", "properties": {"href": url, "type": "proj4"}},
                       "features": [{"type": "Feature", "properties": {"name": "A"}, "geometry": {"type": "Polygon", "coordinates": [[[105.57, 19.86], [105.60, 19.86], [105.60, 19.89], [105.57, 19.86]]]}}]}).encode()


def kml_network_link(url: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
            f"<NetworkLink><name>roads</name><Link><href>{url}</href></Link></NetworkLink></Document></kml>").encode()


def recursive_view_gpkg() -> bytes:
    """A GeoPackage whose first layer is an SQL view over a recursive CTE that never ends."""
    import geopandas as gpd
    import shapely

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.gpkg"
        gpd.GeoDataFrame({"name": ["A"]}, geometry=[shapely.box(105.57, 19.86, 105.60, 19.89)], crs=4326).to_file(path, layer="real", driver="GPKG", engine="pyogrio")
        con = sqlite3.connect(path)
        con.execute("CREATE VIEW aaa_loop AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) "
                    "SELECT n AS fid, (SELECT geom FROM real) AS geom, 'x' AS name FROM r")
        con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES ('aaa_loop', 'features', 'aaa_loop', 4326)")
        con.execute("INSERT INTO gpkg_geometry_columns VALUES ('aaa_loop', 'geom', 'POLYGON', 4326, 0, 0)")
        con.commit()
        con.close()
        return path.read_bytes()


def metres_without_crs() -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "A"}, "geometry": {
        "type": "Polygon", "coordinates": [[[560000.0, 2190000.0], [570000.0, 2190000.0], [1e308, 2200000.0], [560000.0, 2190000.0]]]}}]}).encode()


def _tif(values: np.ndarray, **kw: Any) -> bytes:
    import rasterio
    from affine import Affine
    from rasterio.io import MemoryFile

    profile = {"driver": "GTiff", "width": values.shape[1], "height": values.shape[0], "count": 1, "dtype": "float32",
               "crs": rasterio.crs.CRS.from_epsg(kw.pop("epsg", 32648)), "transform": Affine(90.0, 0, 560_010.0, 0, -90.0, 2_200_020.0)}
    profile.update(kw)
    with MemoryFile() as mem:
        with mem.open(**profile) as dst:
            dst.write(values.astype("float32"), 1)
        return mem.read()


def _heights() -> np.ndarray:
    rows, cols = np.mgrid[0:40, 0:40]
    return (50.0 + 3.0 * cols + 2.0 * rows).astype(np.float32)


def south_up_tif() -> bytes:
    from affine import Affine

    return _tif(_heights()[::-1], transform=Affine(90.0, 0, 560_010.0, 0, 90.0, 2_196_420.0))  # the good DEM, south-up


def gcp_only_tif() -> bytes:
    from rasterio.control import GroundControlPoint

    gcps = [GroundControlPoint(0, 0, 105.58, 19.88), GroundControlPoint(40, 40, 105.61, 19.85), GroundControlPoint(0, 40, 105.61, 19.88)]
    return _tif(_heights(), epsg=4326, transform=None, gcps=gcps)


def _xlsx(build: Callable[[Any], None]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    build(wb)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


HEAD = ["site_id", "cell_id", "operator", "technology", "lon", "lat", "antenna_height_m", "azimuth_deg", "tilt_deg", "freq_mhz"]
ROW = ["V1", "V1-1", "Viettel", "4G", 105.5865, 19.8745, 30, 0, 4, 1842.5]


def _stray(wb: Any) -> None:
    ws = wb.active
    ws.append(HEAD)
    ws.append(ROW)
    ws["XFD1048576"] = "x"


def _hidden_first(wb: Any) -> None:
    old = wb.active
    old.title = "cu"
    old.append(HEAD)
    old.append(["OLD", "OLD-1", "Viettel", "4G", 105.0, 10.0, 30, 0, 4, 1842.5])
    old.sheet_state = "hidden"
    new = wb.create_sheet("moi")
    new.append(HEAD)
    new.append(ROW)


def _two_row_header(wb: Any) -> None:
    ws = wb.active
    ws.append(["Trạm", None, "Nhà mạng", "Vị trí", None, "Anten", None])
    ws.append(["Mã trạm", "Mã cell", None, "Kinh độ", "Vĩ độ", "Độ cao", "Góc phương vị"])
    for cells in ("A1:B1", "C1:C2", "D1:E1", "F1:G1"):
        ws.merge_cells(cells)
    for k in range(20):
        ws.append([f"S{k}", f"S{k}-1", "Viettel", 105.5865, 19.8745, 30, (k * 120) % 360])


def _shared_strings_bomb(path: Path, megabytes: int = 40) -> None:
    """An XLSX whose sharedStrings.xml unpacks to ``megabytes`` MB from a few tens of kB."""
    base = _xlsx(_stray)
    src = zipfile.ZipFile(io.BytesIO(base))
    count = megabytes * 1024 * 1024 // 17
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
            dst.writestr(info.filename, data)
        dst.writestr("xl/sharedStrings.xml", b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.'
                     b'openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">' % (count, count)
                     + b"<si><t>x</t></si>" * count + b"</sst>")


def _csv(rows: list[str]) -> str:
    return ",".join(HEAD) + "\n" + "\n".join(rows) + "\n"


def _good(k: int) -> str:
    lon, lat = ((105.5865, 19.8745), (105.5935, 19.8805), (105.5905, 19.8690))[k % 3]
    return f"V{k},V{k}-1,Viettel,4G,{lon:.4f},{lat:.4f},30,{(k * 120) % 360},4,1842.5"


def nul_one_row(path: Path) -> None:
    """2,136 rows (a header and 2,135 sectors) with one NUL byte in row 1,000."""
    lines = _csv([_good(k) for k in range(2135)]).encode().split(b"\n")
    lines[999] = lines[999].replace(b",Viettel,", b",Vie\x00ttel,")
    path.write_bytes(b"\n".join(lines))


def cp1258_five_rows() -> bytes:
    rows = [_good(k).replace("V", "Trạm Thọ ", 1) for k in range(40)]
    lines = _csv(rows).split("\n")
    return b"\n".join(unicodedata.normalize("NFD", line).encode("cp1258") if k in (3, 9, 17, 25, 33) else line.encode() for k, line in enumerate(lines))


def small_files() -> dict[str, Callable[[], bytes]]:
    """Relative path -> builder of the committed files of round 2."""
    return {
        "dem/vrt_vsicurl.tif": lambda: vrt_raster(f"/vsicurl/{DEAD_URL}"),
        "dem/vrt_etc_passwd.tif": lambda: vrt_raster("/etc/passwd", raw=True),
        "dem/south_up.tif": south_up_tif,
        "dem/gcp_only.tif": gcp_only_tif,
        "population/vrt_etc_passwd.tif": lambda: vrt_raster("/etc/passwd", raw=True),
        "coverage/vrt_vsicurl.tif": lambda: vrt_raster(f"/vsicurl/{DEAD_URL}"),
        "vectors/communes_ogr_vrt.geojson": lambda: ogr_vrt("/etc/passwd"),
        "vectors/communes_crs_link.geojson": lambda: crs_link_geojson(DEAD_URL),
        "vectors/communes_recursive_view.gpkg": recursive_view_gpkg,
        "vectors/communes_metres_1e308.geojson": metres_without_crs,
        "vectors/roads_network_link.kml": lambda: kml_network_link(DEAD_URL),
        "stations/xlsx_stray_cell_xfd1048576.xlsx": lambda: _xlsx(_stray),
        "stations/xlsx_hidden_first_sheet.xlsx": lambda: _xlsx(_hidden_first),
        "stations/xlsx_two_row_merged_header.xlsx": lambda: _xlsx(_two_row_header),
        "stations/cp1258_five_rows.csv": cp1258_five_rows,
        "stations/decimal_comma_ambiguous.csv": lambda: (";".join(HEAD) + "\nV1;V1-1;Viettel;4G;105,5865;19,8745;30;1.040;4;1842,5\nV2;V2-1;Viettel;4G;105,5935;19,8805;30;120;4;1842,5\n").encode(),
        "stations/csv_two_row_header.csv": lambda: "Mã trạm,Nhà mạng,Vị trí,,Công nghệ,Tần số\n,,Kinh độ,Vĩ độ,,MHz\nTH001,Viettel,105.7,19.8,4G,1800\nTH002,VNPT,105.71,19.81,4G,1800\n".encode(),
        "scenario/nul_in_path.toml": lambda: b'[scenario]\nname = "x"\n[inputs]\nstations = "a\\u0000b.csv"\ndem = "d.tif"\npopulation = "p.tif"\n',
    }  # fmt: skip


def large_files() -> dict[str, Callable[[Path], None]]:
    """Relative path -> writer of the generated files of round 2."""
    return {
        "dem/N95E200.hgt": lambda p: p.write_bytes(b"\x00" * (1201 * 1201 * 2)),
        "stations/xlsx_shared_strings_bomb.xlsx": _shared_strings_bomb,
        "stations/nul_one_row_of_2136.csv": nul_one_row,
        "scenario/array_100000_deep.toml": lambda p: p.write_bytes(b'[scenario]\nname = "x"\n[inputs]\ndemo = true\n[coverage]\nx = ' + b"[" * 100_000 + b"]" * 100_000 + b"\n"),
    }  # fmt: skip
