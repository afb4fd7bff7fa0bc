"""GeoJSON (RFC 7946: EPSG:4326, longitude first, 7 decimals) of each spatial layer."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio

from towerplan.export._common import plain_columns, to_wgs84

__all__ = ["write_geojson"]

COORDINATE_PRECISION = 7  # ~1 cm at the equator


def write_geojson(frame: gpd.GeoDataFrame, path: Path) -> Path:
    """Write ``frame`` as RFC 7946 GeoJSON (EPSG:4326, lon/lat, 7 decimals)."""
    from towerplan.export.tables import rounded

    wgs = to_wgs84(frame)
    table = plain_columns(wgs)
    attrs = rounded(table.drop(columns=wgs.geometry.name))
    table = table.assign(**{c: attrs[c] for c in attrs.columns})
    pyogrio.write_dataframe(
        table,
        path,
        driver="GeoJSON",
        layer=path.stem,
        RFC7946="YES",
        COORDINATE_PRECISION=COORDINATE_PRECISION,
        WRITE_NAME="NO",
    )
    return path
