# ruff: noqa: E501  -- one case per line: the builders read best as a table
"""Build the corpus of bad inputs described in ``tests/data/bad/cases.toml``.

Small files are committed under ``tests/data/bad/files/``; large ones (a
million-row CSV, zip bombs, a 100k x 100k header-only GeoTIFF) are written at
test time into a temporary folder. Both come from the builders here, seeded,
so the corpus is reproducible byte for byte::

    python scripts/make_bad_inputs.py tests/data/bad/files          # the small files (committed)
    python scripts/make_bad_inputs.py /tmp/bad --large              # the generated ones

``write_good_inputs`` writes the small valid companions the CLI checks need
(a DEM, a station list, a coverage raster, a population raster) on one
90 m lattice in EPSG:32648 near Thanh Hoa.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import struct
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

HEADER = "site_id,cell_id,operator,technology,lon,lat,antenna_height_m,azimuth_deg,tilt_deg,freq_mhz"
#: the good lattice: 40 x 40 cells of 90 m, north-west corner at E 560,010 / N 2,200,020 (EPSG:32648)
X0, Y0, RES, SIZE = 560_010.0, 2_200_020.0, 90.0, 40
#: lon/lat of good stations inside that lattice
GOOD_LONLAT = ((105.5865, 19.8745), (105.5935, 19.8805), (105.5905, 19.8690))


def good_row(k: int) -> str:
    lon, lat = GOOD_LONLAT[k % len(GOOD_LONLAT)]
    return f"V{k},V{k}-1,Viettel,4G,{lon:.4f},{lat:.4f},30,{(k * 120) % 360},4,1842.5"


def csv_bytes(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode(encoding)


def with_bad(bad: str) -> bytes:
    """Two good rows around one bad row (CSV line 3)."""
    return csv_bytes(good_row(1), bad, good_row(2))


def _zip(entries: list[tuple[zipfile.ZipInfo | str, bytes]], *, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as z:
        for info, data in entries:
            if isinstance(info, str):
                info = zipfile.ZipInfo(info, date_time=(2026, 1, 1, 0, 0, 0))
                info.compress_type = method
            z.writestr(info, data)
    return buffer.getvalue()


def kml_doc(*placemarks: str, prolog: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>' + prolog + '<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        + "".join(placemarks) + "</Document></kml>"
    ).encode("utf-8")  # fmt: skip


def placemark(name: str, lon: float, lat: float, azimuth: str = "0") -> str:
    return (
        f"<Placemark><name>{name}</name><ExtendedData><SchemaData>"
        f'<SimpleData name="operator">Viettel</SimpleData><SimpleData name="azimuth">{azimuth}</SimpleData>'
        f"</SchemaData></ExtendedData><Point><coordinates>{lon},{lat},0</coordinates></Point></Placemark>"
    )


GOOD_KML = kml_doc(placemark("K1", *GOOD_LONLAT[0]), placemark("K2", *GOOD_LONLAT[1]))


def _symlink_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
    info.create_system = 3
    info.external_attr = (0o120777 << 16)
    return info


def _patch_local_and_central(data: bytes, *, flag_bits: int | None = None, file_size: int | None = None) -> bytes:
    """Patch every member's general-purpose flags or uncompressed size in both headers."""
    out = bytearray(data)
    for signature, flag_at, size_at in ((b"PK\x03\x04", 6, 22), (b"PK\x01\x02", 8, 24)):
        start = 0
        while (start := out.find(signature, start)) >= 0:
            if flag_bits is not None:
                flags = struct.unpack_from("<H", out, start + flag_at)[0]
                struct.pack_into("<H", out, start + flag_at, flags | flag_bits)
            if file_size is not None:
                struct.pack_into("<I", out, start + size_at, file_size)
            start += 4
    return bytes(out)


def _geojson(features: list[dict], **extra: object) -> bytes:
    return json.dumps({"type": "FeatureCollection", **extra, "features": features}).encode("utf-8")


def _gj_point(lon: float, lat: float, site: str) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"site_id": site, "operator": "Viettel", "technology": "4G", "azimuth": 0}}  # fmt: skip


def _xlsx(rows: list[list[object]], *, patch: Callable[[str], str] | None = None) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    buffer = io.BytesIO()
    wb.save(buffer)
    if patch is None:
        return buffer.getvalue()
    src = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = patch(data.decode("utf-8")).encode("utf-8")
            dst.writestr(info.filename, data)
    return out.getvalue()


def _cached_formula(xml: str) -> str:
    """Turn cell E3 (a number) into a formula with its cached value, as Excel saves it."""
    import re

    return re.sub(r'<c r="E3"([^>]*)><v>([^<]*)</v></c>', r'<c r="E3"\1><f>19+0.8805</f><v>\2</v></c>', xml)


def _gpkg(frame_builder: Callable[[], object]) -> bytes:
    import tempfile

    frame = frame_builder()
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "'crs' was not provided": on purpose
        path = Path(tmp) / "x.gpkg"
        frame.to_file(path, driver="GPKG", engine="pyogrio")  # type: ignore[attr-defined]
        return path.read_bytes()


def _gdf(geoms: list[object], crs: object, **columns: list[object]) -> object:
    import geopandas as gpd

    return gpd.GeoDataFrame(columns, geometry=geoms, crs=crs)


# ----------------------------------------------------------------------------- rasters


def _tif(values: np.ndarray, *, crs: object = 32648, nodata: float | None = None, transform: object = None,
         dtype: str | None = None, driver: str = "GTiff") -> bytes:  # fmt: skip
    import rasterio
    from affine import Affine
    from rasterio.io import MemoryFile

    transform = transform or Affine(RES, 0.0, X0, 0.0, -RES, Y0)
    values = np.asarray(values)
    profile = {"driver": driver, "width": values.shape[1], "height": values.shape[0], "count": 1,
               "dtype": dtype or values.dtype.name, "crs": None if crs is None else rasterio.crs.CRS.from_user_input(crs),
               "transform": transform, "nodata": nodata}  # fmt: skip
    with MemoryFile() as mem:
        with mem.open(**profile) as dst:
            dst.write(values.astype(profile["dtype"]), 1)
        return mem.read()


def _tif_1bit() -> bytes:
    """A 1-bit (boolean mask) GeoTIFF: GDAL stores bool as NBITS=1 bytes."""
    import rasterio
    from affine import Affine
    from rasterio.io import MemoryFile

    values = (np.indices((SIZE, SIZE)).sum(axis=0) % 2).astype(np.uint8)
    with MemoryFile() as mem:
        with mem.open(driver="GTiff", width=SIZE, height=SIZE, count=1, dtype="uint8", nbits=1,
                      crs=rasterio.crs.CRS.from_epsg(32648), transform=Affine(RES, 0, X0, 0, -RES, Y0)) as dst:
            dst.write(values, 1)
        return mem.read()


def _heights() -> np.ndarray:
    rows, cols = np.mgrid[0:SIZE, 0:SIZE]
    return (50.0 + 3.0 * cols + 2.0 * rows).astype(np.float32)


def _people() -> np.ndarray:
    return np.full((SIZE, SIZE), 5.0, dtype=np.float32)


def _levels() -> np.ndarray:
    rows, cols = np.mgrid[0:SIZE, 0:SIZE]
    return (-80.0 - 1.5 * np.hypot(rows - 20, cols - 20)).astype(np.float32)


def _hgt_zip(entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> bytes:
    return _zip(entries)


def _header_only_tif(path: Path, width: int = 100_000, height: int = 100_000) -> None:
    """A GeoTIFF whose header declares ``width`` x ``height`` cells and holds no pixel data."""
    import rasterio
    from affine import Affine

    with rasterio.open(path, "w", driver="GTiff", width=width, height=height, count=1, dtype="uint8",
                       crs="EPSG:32648", transform=Affine(30.0, 0, 400_000.0, 0, -30.0, 2_400_000.0),
                       tiled=True, blockxsize=4096, blockysize=4096, sparse_ok=True, compress="deflate"):
        pass  # fmt: skip


# ----------------------------------------------------------------------------- the small files


def small_files() -> dict[str, Callable[[], bytes]]:
    """Relative path -> builder of the committed files."""
    rng = random.Random(20261125)
    junk = bytes(rng.randrange(256) for _ in range(4096))
    latin = csv_bytes("T1,T1-1,Viettel,4G,105.5865,19.8745,30,0,4,1842.5", "Trạm Thọ,,Viettel,4G,xx,19.88,30,0,4,1842.5")
    files: dict[str, Callable[[], bytes]] = {
        # --- station lists: whole-file problems
        "stations/empty.csv": lambda: b"",
        "stations/header_only.csv": lambda: csv_bytes(),
        "stations/binary_junk.csv": lambda: junk,
        "stations/undecodable_bytes.csv": lambda: csv_bytes(good_row(1)) + b"V9,V9-1,Viettel,4G,105.59,19.87,30,\x81\x8d\x90,4,1842.5\n",
        "stations/utf32_bad_row.csv": lambda: with_bad("B,B-1,Viettel,9G,105.59,19.87,30,0,4,1842.5").decode().encode("utf-32"),
        "stations/utf16le_bad_row.csv": lambda: b"\xff\xfe" + with_bad("B,B-1,Viettel,4G,105.59,19.87,30,999,4,1842.5").decode().encode("utf-16-le"),
        "stations/cp1258_bad_row.csv": lambda: __import__("unicodedata").normalize("NFD", latin.decode()).encode("cp1258"),
        "stations/only_title_lines.csv": lambda: b"DANH SACH TRAM BTS\nThanh Hoa 2026\n",
        "stations/no_coordinate_columns.xlsx": lambda: _xlsx([["Tram", "Dia chi"], ["A", "Tho Xuan"]]),
        "stations/unterminated_quote.csv": lambda: csv_bytes(good_row(1), 'B,"B-1,Viettel,4G,105.59,19.87,30,0,4,1842.5'),
        "stations/nul_bytes.csv": lambda: csv_bytes(good_row(1)) + b"\x00" * 64,
        # --- station lists: values
        "stations/huge_height.csv": lambda: with_bad("B,B-1,Viettel,4G,105.59,19.87,1e308,0,4,1842.5"),
        "stations/huge_integer_azimuth.csv": lambda: with_bad("B,B-1,Viettel,4G,105.59,19.87,30,99999999999999999999999999,4,1842.5"),
        "stations/huge_frequency.csv": lambda: with_bad("B,B-1,Viettel,4G,105.59,19.87,30,0,4,1e20"),
        "stations/nan_latitude.csv": lambda: with_bad("B,B-1,Viettel,4G,105.59,NaN,30,0,4,1842.5"),
        "stations/minus_inf_azimuth.csv": lambda: with_bad("B,B-1,Viettel,4G,105.59,19.87,30,-inf,4,1842.5"),
        "stations/longitude_999.csv": lambda: with_bad("B,B-1,Viettel,4G,999,19.87,30,0,4,1842.5"),
        "stations/dms_garbage.csv": lambda: with_bad('B,B-1,Viettel,4G,"105°99\'99""E",19.87,30,0,4,1842.5'),
        "stations/formula_injection.csv": lambda: with_bad("=HYPERLINK(\"http://x\"),B-1,Viettel,4G,105.59,abc,30,0,4,1842.5"),
        "stations/all_rows_bad.csv": lambda: csv_bytes("A,A-1,Viettel,4G,,,30,0,4,1842.5", "B,B-1,Viettel,4G,x,y,30,0,4,1842.5"),
        # --- Excel
        "stations/formula_no_cached_value.xlsx": lambda: _xlsx([
            ["site_id", "lon", "lat", "azimuth_deg"], ["X1", GOOD_LONLAT[0][0], GOOD_LONLAT[0][1], 0],
            ["X2", GOOD_LONLAT[1][0], "=19+0.88", 0], ["X3", GOOD_LONLAT[2][0], GOOD_LONLAT[2][1], 0]]),
        "stations/formula_cached_values.xlsx": lambda: _xlsx([
            ["site_id", "lon", "lat", "azimuth_deg", "antenna_height_m"],
            ["X1", GOOD_LONLAT[0][0], GOOD_LONLAT[0][1], 0, 30], ["X2", GOOD_LONLAT[1][0], GOOD_LONLAT[1][1], 0, 30],
            ["X3", GOOD_LONLAT[2][0], GOOD_LONLAT[2][1], 0, -5]], patch=_cached_formula),
        "stations/xlsx_huge_numbers.xlsx": lambda: _xlsx([
            ["site_id", "lon", "lat", "azimuth_deg", "antenna_height_m"],
            ["X1", GOOD_LONLAT[0][0], GOOD_LONLAT[0][1], 0, 30], ["X2", 1e308, GOOD_LONLAT[1][1], 0, 30]]),
        "stations/xlsx_empty_workbook.xlsx": lambda: _xlsx([]),
        # --- GeoJSON / GeoPackage
        "stations/geojson_mixed_crs.geojson": lambda: _geojson(
            [_gj_point(583_500.0, 2_198_500.0, "U1"), _gj_point(105.5935, 19.8805, "D1"), _gj_point(584_000.0, 2_199_000.0, "U2")],
            crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32648"}}),
        "stations/geojson_nan_coordinates.geojson": lambda: _geojson(
            [_gj_point(105.5865, 19.8745, "G1"), {"type": "Feature", "geometry": {"type": "Point", "coordinates": ["NaN", 19.87]}, "properties": {"site_id": "G2", "azimuth": 0}}]),
        "stations/geojson_string_features.geojson": lambda: json.dumps({"type": "FeatureCollection", "features": "none"}).encode(),
        "stations/geojson_empty_collection.geojson": lambda: _geojson([]),
        "stations/gpkg_mixed_crs.gpkg": lambda: _gpkg(lambda: _gdf(
            [__import__("shapely").Point(583_500.0, 2_198_500.0), __import__("shapely").Point(105.5935, 19.8805)],
            32648, site_id=["U1", "D1"], operator=["Viettel", "Viettel"], azimuth=[0, 0])),
        "stations/gpkg_polygons.gpkg": lambda: _gpkg(lambda: _gdf(
            [__import__("shapely").box(105.58, 19.87, 105.59, 19.88)], 4326, site_id=["P1"])),
        # --- KML / KMZ
        "stations/kml_external_entity.kml": lambda: kml_doc(
            placemark("&xxe;", *GOOD_LONLAT[0]), prolog='<!DOCTYPE kml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'),
        "stations/kml_billion_laughs.kml": lambda: kml_doc(
            placemark("&lol9;", *GOOD_LONLAT[0]),
            prolog="<!DOCTYPE kml [<!ENTITY lol0 \"lol\">"
            + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)) + "]>"),
        "stations/kml_external_dtd.kml": lambda: kml_doc(
            placemark("K1", *GOOD_LONLAT[0]), prolog='<!DOCTYPE kml SYSTEM "http://127.0.0.1:9/evil.dtd">'),
        "stations/kml_parameter_entity.kml": lambda: kml_doc(
            placemark("K1", *GOOD_LONLAT[0]),
            prolog='<!DOCTYPE kml [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd"> %remote;]>'),
        "stations/kml_bad_coordinates.kml": lambda: kml_doc(
            placemark("K1", *GOOD_LONLAT[0]), "<Placemark><name>K2</name><Point><coordinates>abc,def</coordinates></Point></Placemark>",
            placemark("K3", *GOOD_LONLAT[2])),
        "stations/kmz_traversal.kmz": lambda: _zip([("../../doc.kml", GOOD_KML)]),
        "stations/kmz_traversal_backslash.kmz": lambda: _zip([("doc.kml", GOOD_KML), ("..\\..\\evil.kml", GOOD_KML)]),
        "stations/kmz_absolute_path.kmz": lambda: _zip([("/tmp/doc.kml", GOOD_KML)]),
        "stations/kmz_windows_drive.kmz": lambda: _zip([("C:/Users/doc.kml", GOOD_KML)]),
        "stations/kmz_symlink.kmz": lambda: _zip([(_symlink_info("doc.kml"), b"/etc/passwd")]),
        "stations/kmz_encrypted_flag.kmz": lambda: _patch_local_and_central(_zip([("doc.kml", GOOD_KML)]), flag_bits=0x1),
        "stations/kmz_lying_size.kmz": lambda: _patch_local_and_central(_zip([("doc.kml", GOOD_KML)]), file_size=40),
        "stations/kmz_nested_zip.kmz": lambda: _zip([("inner.zip", _zip([("doc.kml", GOOD_KML)]))]),
        "stations/kmz_truncated.kmz": lambda: _zip([("doc.kml", GOOD_KML * 3)])[:300],
        # --- DEMs (towerplan.terrain.read_dem; `towerplan coverage --dem`)
        "dem/no_crs.tif": lambda: _tif(_heights(), crs=None),
        "dem/nodata_everywhere.tif": lambda: _tif(np.full((SIZE, SIZE), -9999.0, np.float32), nodata=-9999.0),
        "dem/complex_values.tif": lambda: _tif(_heights().astype(np.complex64)),
        "dem/heights_in_millimetres.tif": lambda: _tif(_heights() * 1000.0),
        "dem/truncated.tif": lambda: _tif(np.random.default_rng(1).normal(500, 50, (SIZE * 4, SIZE * 4)).astype(np.float32))[:3000],
        "dem/not_a_raster.tif": lambda: b"this is a text file named .tif\n",
        "dem/empty.tif": lambda: b"",
        "dem/srtm_wrong_size.hgt": lambda: b"\x00\x01" * 1000,
        "dem/N19E105_traversal.hgt.zip": lambda: _hgt_zip([("../N19E105.hgt", b"\x00" * 16)]),
        "dem/N19E105_symlink.hgt.zip": lambda: _hgt_zip([(_symlink_info("N19E105.hgt"), b"/etc/passwd")]),
        "dem/N19E105_two_tiles.hgt.zip": lambda: _hgt_zip([("N19E105.hgt", b"\x00" * 8), ("N20E105.hgt", b"\x00" * 8)]),
        # --- population rasters (`towerplan gaps --population`)
        "population/no_crs.tif": lambda: _tif(_people(), crs=None),
        "population/one_bit_mask.tif": lambda: _tif_1bit(),
        "dem/one_bit_mask.tif": lambda: _tif_1bit(),
        "population/complex_values.tif": lambda: _tif(_people().astype(np.complex64)),
        "population/negative_people.tif": lambda: _tif(_people() - 10.0),
        "population/nodata_everywhere.tif": lambda: _tif(np.full((SIZE, SIZE), -1.0, np.float32), nodata=-1.0),
        "population/far_away.tif": lambda: _tif(_people(), transform=__import__("affine").Affine(RES, 0, 200_000.0, 0, -RES, 1_000_000.0)),
        "population/truncated.tif": lambda: _tif(np.random.default_rng(2).random((SIZE * 4, SIZE * 4)).astype(np.float32))[:3000],
        "population/rotated.tif": lambda: _tif(_people(), transform=__import__("affine").Affine(RES, 10.0, X0, 10.0, -RES, Y0)),
        # --- coverage rasters (`towerplan gaps --coverage DIR`)
        "coverage/geographic_crs.tif": lambda: _tif(_levels(), crs=4326, transform=__import__("affine").Affine(0.001, 0, 105.56, 0, -0.001, 19.9)),
        "coverage/no_crs.tif": lambda: _tif(_levels(), crs=None),
        "coverage/not_a_raster.tif": lambda: b"II*\x00garbage",
        # --- vectors (`towerplan gaps --communes/--roads`)
        "vectors/communes_points.geojson": lambda: _geojson([_gj_point(105.58, 19.87, "x")]),
        "vectors/communes_empty_layer.geojson": lambda: _geojson([]),
        "vectors/communes_empty_geometries.geojson": lambda: _geojson([{"type": "Feature", "geometry": None, "properties": {"name": "A"}}]),
        "vectors/communes_mixed_types.geojson": lambda: _geojson([
            {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[105.57, 19.86], [105.60, 19.86], [105.60, 19.89], [105.57, 19.86]]]}, "properties": {"name": "A"}},
            {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[105.57, 19.86], [105.60, 19.89]]}, "properties": {"name": "B"}}]),
        "vectors/communes_bowtie.geojson": lambda: _geojson([
            {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[105.57, 19.86], [105.60, 19.89], [105.60, 19.86], [105.57, 19.89], [105.57, 19.86]]]}, "properties": {"name": "Bowtie"}}]),
        "vectors/communes_no_crs.gpkg": lambda: _gpkg(lambda: _gdf([__import__("shapely").box(0, 0, 1, 1)], None, name=["A"])),
        "vectors/communes_junk.gpkg": lambda: b"SQLite format 3\x00" + junk,
        "vectors/communes_invalid_json.geojson": lambda: b'{"type": "FeatureCollection", "features": [',
        "vectors/roads_polygons.geojson": lambda: _geojson([
            {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[105.57, 19.86], [105.60, 19.86], [105.60, 19.89], [105.57, 19.86]]]}, "properties": {"highway": "x"}}]),
        # --- scenario files (`towerplan run`)
        "scenario/unknown_key.toml": lambda: b'[scenario]\nname = "x"\n[inputs]\ndemo = true\n[coverage]\nthreshhold_dbm = -110\n',
        "scenario/wrong_type.toml": lambda: b'[scenario]\nname = "x"\n[inputs]\ndemo = true\n[coverage]\nthreshold_dbm = "loud"\n',
        "scenario/path_outside.toml": lambda: b'[scenario]\nname = "x"\n[inputs]\nstations = ["../../../etc/passwd"]\ndem = "/etc/hostname"\npopulation = "p.tif"\n',
        "scenario/invalid_toml.toml": lambda: b'[scenario\nname = \n',
        "scenario/binary.toml": lambda: junk[:300],
        "vectors/roads_empty_geometries.geojson": lambda: _geojson([{"type": "Feature", "geometry": None, "properties": {"highway": "x"}}]),
        # --- drive-test measurements (`towerplan calibrate`; the good stations and DEM of write_good_inputs)
        "measurements/empty.csv": lambda: b"",
        "measurements/binary_junk.csv": lambda: junk[:2048],
        "measurements/no_level_column.csv": lambda: _measurements("lon,lat,cell_id", "{lon},{lat},V0-1"),
        "measurements/no_position.csv": lambda: b"rsrp_dbm,cell_id\n-90,V0-1\n-95,V0-1\n",
        "measurements/impossible_levels.csv": lambda: _measurements(
            "lon,lat,rsrp_dbm,cell_id", "{lon},{lat},5,V0-1", "{lon},{lat},-250,V0-1", "{lon},xx,-90,V0-1"),
        "measurements/no_matching_cell.csv": lambda: _measurements(
            "lon,lat,rsrp_dbm,cell_id", "{lon},{lat},-90,ZZ-9", "{lon},{lat},-95,ZZ-9"),
        "measurements/damaged.csv.gz": lambda: b"\x1f\x8b\x08\x00" + junk[:200],
        "measurements/xml_entities.csv": lambda: b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>\n',
    }  # fmt: skip
    files.update(_round2().small_files())
    return files


# ----------------------------------------------------------------------------- the large (generated) files


def _million_rows(path: Path, n: int = 1_000_000) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write(HEADER + "\n")
        for k in range(n):
            lon, lat = GOOD_LONLAT[k % 3]
            out.write(f"M{k},M{k}-1,Viettel,4G,{lon:.4f},{lat:.4f},30,{k % 360},4,1842.5\n")


def _kmz_ratio_bomb(path: Path) -> None:
    """A KMZ whose doc.kml unpacks ~1000 times (20 MiB of spaces from ~20 kB)."""
    padded = GOOD_KML.replace(b"<Document>", b"<Document><!--" + b" " * (20 * 1024 * 1024) + b"-->")
    path.write_bytes(_zip([("doc.kml", padded)]))


def _kmz_overlapping_bomb(path: Path, members: int = 300) -> None:
    """A KMZ of ``members`` central-directory entries sharing one 4 MiB member (declared total > 1 GiB)."""
    rng = np.random.default_rng(7)
    body = GOOD_KML + b"<!--" + rng.integers(97, 101, 4 * 1024 * 1024, dtype=np.uint8).tobytes() + b"-->"
    single = _zip([("doc.kml", body)])
    cd_at = single.find(b"PK\x01\x02")
    eocd_at = single.find(b"PK\x05\x06")
    entry = single[cd_at:eocd_at]
    name_len = struct.unpack_from("<H", entry, 28)[0]
    entries = []
    for i in range(members):
        name = f"d{i:04d}.kml".encode()
        e = bytearray(entry[:46]) + name + entry[46 + name_len:]
        struct.pack_into("<H", e, 28, len(name))
        entries.append(bytes(e))
    cd = b"".join(entries)
    eocd = bytearray(single[eocd_at:eocd_at + 22])
    struct.pack_into("<HHII", eocd, 8, members, members, len(cd), cd_at)
    path.write_bytes(single[:cd_at] + cd + bytes(eocd))


def large_files() -> dict[str, Callable[[Path], None]]:
    """Relative path -> writer of the generated files (written at test time)."""
    return {
        "stations/million_rows.csv": _million_rows,
        "stations/very_long_cell.csv": lambda p: p.write_bytes(with_bad("B," + "X" * 200_000 + ",Viettel,4G,105.59,19.87,30,0,4,1842.5")),
        "stations/geojson_deep_nesting.geojson": lambda p: p.write_bytes(b'{"type":"FeatureCollection","features":' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
        "stations/kmz_too_many_members.kmz": lambda p: p.write_bytes(_zip([("doc.kml", GOOD_KML)] + [(f"icons/{i}.png", b"x") for i in range(1_001)])),
        "stations/kmz_bomb_ratio.kmz": _kmz_ratio_bomb,
        "stations/kmz_bomb_total_size.kmz": _kmz_overlapping_bomb,
        "dem/header_only_100k.tif": _header_only_tif,
        "population/header_only_100k.tif": _header_only_tif,
        "coverage/header_only_100k.tif": _header_only_tif,
        **_round2().large_files(),
    }


def _round2() -> Any:
    """The builders of the second corpus (issue 19), ``scripts/bad_inputs_round2.py``."""
    import importlib.util
    import sys

    name = "bad_inputs_round2"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parent / f"{name}.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def _measurements(header: str, *rows: str) -> bytes:
    """A drive-test CSV whose rows sit 1 km east of the first good station (``{lon}``, ``{lat}``)."""
    lon, lat = GOOD_LONLAT[0]
    return ("\n".join([header, *(r.format(lon=f"{lon + 0.0095:.4f}", lat=f"{lat:.4f}") for r in rows)]) + "\n").encode()


def write_small(dest: Path) -> list[Path]:
    out = []
    for rel, build in small_files().items():
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(build())
        out.append(path)
    return out


def write_large(dest: Path, only: set[str] | None = None) -> list[Path]:
    out = []
    for rel, write in large_files().items():
        if only is not None and rel not in only:
            continue
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        write(path)
        out.append(path)
    return out


# ----------------------------------------------------------------------------- good companions


def write_good_inputs(dest: Path) -> dict[str, Path]:
    """Valid files for the CLI runs: ``dem``, ``stations``, ``coverage`` (a folder), ``population``."""
    dest.mkdir(parents=True, exist_ok=True)
    paths = {"dem": dest / "dem.tif", "stations": dest / "stations.csv", "coverage": dest / "coverage",
             "population": dest / "population.tif"}  # fmt: skip
    paths["dem"].write_bytes(_tif(_heights()))
    paths["stations"].write_bytes(csv_bytes(good_row(0), good_row(1)))
    paths["coverage"].mkdir(exist_ok=True)
    (paths["coverage"] / "rsrp_viettel_dbm.tif").write_bytes(_tif(_levels(), nodata=float("nan")))
    paths["population"].write_bytes(_tif(_people()))
    return paths


MANIFEST = Path(__file__).resolve().parents[1] / "tests" / "data" / "bad" / "cases.toml"


def limits_table(manifest: Path = MANIFEST) -> str:
    """The Markdown table of docs/limits.md: every case, what it gets, the CLI exit code."""
    import tomllib

    cases = tomllib.loads(manifest.read_text(encoding="utf-8"))["case"]
    lines = ["| file | input | error | message (fragment) | exit |", "|---|---|---|---|---|"]
    for c in cases:
        error = c["error"] or ("report" if c["exit"] else "repaired, warning")
        cell = c["message"].replace("|", "\\|")
        lines.append(f"| `{c['file']}` | {c['what'].replace('|', '/')} | {error} | {cell} | {c['exit']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path, nargs="?")
    parser.add_argument("--large", action="store_true", help="write the generated (large) files instead")
    parser.add_argument("--limits-table", action="store_true", help="print the table of docs/limits.md")
    args = parser.parse_args(argv)
    if args.limits_table:
        print(limits_table())
        return 0
    if args.dest is None:
        parser.error("give DEST (or --limits-table)")
    written = write_large(args.dest) if args.large else write_small(args.dest)
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
