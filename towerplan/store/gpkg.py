"""GeoPackage pieces for the SQLite store: metadata tables and point geometry blobs.

The single-file store is a GeoPackage (OGC 12-128r18, version 1.3): ``application_id`` 'GPKG',
``user_version`` 10300, the required ``gpkg_spatial_ref_sys`` / ``gpkg_contents`` /
``gpkg_geometry_columns`` tables, and the stations' ``geom`` column holding GeoPackage binary
geometry (§2.1.3: the ``GP`` header, flags, SRS id, then ISO WKB), so GDAL and QGIS open the
file's station rows as a point layer.
"""

from __future__ import annotations

import numpy as np

__all__ = ["GPKG_APPLICATION_ID", "GPKG_USER_VERSION", "gpkg_setup_statements", "point_blobs"]

GPKG_APPLICATION_ID = 0x47504B47  # 'GPKG'
GPKG_USER_VERSION = 10300

_WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],'
    'PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433],AUTHORITY["EPSG","4326"]]'
)

# header (8 bytes: 'GP', version 0, flags 0b00000001 = little-endian, no envelope, SRS id) + WKB point
_BLOB = np.dtype(
    [("magic", "S2"), ("version", "u1"), ("flags", "u1"), ("srs_id", "<i4"), ("byte_order", "u1"),
     ("wkb_type", "<u4"), ("x", "<f8"), ("y", "<f8")]
)


def gpkg_setup_statements(*, table: str, column: str) -> list[str]:
    """SQL that makes the database a GeoPackage and registers ``table.column`` as EPSG:4326 points."""
    return [
        f"PRAGMA application_id = {GPKG_APPLICATION_ID}",
        f"PRAGMA user_version = {GPKG_USER_VERSION}",
        "CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, "
        "organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, "
        "description TEXT)",
        "INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES "
        "('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', NULL), "
        "('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', NULL), "
        f"('WGS 84 geodetic', 4326, 'EPSG', 4326, '{_WGS84_WKT}', NULL)",
        "CREATE TABLE IF NOT EXISTS gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, "
        "identifier TEXT UNIQUE, description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT "
        "(strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, "
        "srs_id INTEGER REFERENCES gpkg_spatial_ref_sys (srs_id))",
        "CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, "
        "geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL, "
        "PRIMARY KEY (table_name, column_name))",
        f"INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
        f"VALUES ('{table}', 'features', '{table}', 4326)",
        f"INSERT OR IGNORE INTO gpkg_geometry_columns VALUES ('{table}', '{column}', 'POINT', 4326, 0, 0)",
    ]


def point_blobs(lon: np.ndarray, lat: np.ndarray, *, srs_id: int = 4326) -> list[bytes]:
    """GeoPackage binary point geometries (one ``bytes`` per point), built in one vectorised pass."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    blobs = np.empty(lon.shape[0], dtype=_BLOB)
    blobs["magic"] = b"GP"
    blobs["version"] = 0
    blobs["flags"] = 1
    blobs["srs_id"] = srs_id
    blobs["byte_order"] = 1
    blobs["wkb_type"] = 1  # Point
    blobs["x"] = lon
    blobs["y"] = lat
    raw = blobs.tobytes()
    size = _BLOB.itemsize
    return [raw[i : i + size] for i in range(0, len(raw), size)]
