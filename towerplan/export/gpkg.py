"""``plan.gpkg``: one GeoPackage with every vector layer of the plan."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from towerplan.export._common import plain_columns

__all__ = ["write_gpkg"]

FIXED_DATE = "2000-01-01T00:00:00.000Z"


def write_gpkg(layers: dict[str, gpd.GeoDataFrame | pd.DataFrame], path: Path) -> Path:
    """Write ``layers`` (name -> frame) into one GeoPackage at ``path``.

    Spatial layers keep their own CRS (stations EPSG:4326, analysis layers metric);
    a plain table (e.g. road km per commune) becomes an attribute-only table.
    """
    previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    # a fixed "last change" time, so the same layers give the same bytes
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": FIXED_DATE})
    try:
        for name, frame in layers.items():
            table = plain_columns(frame)
            if isinstance(table, gpd.GeoDataFrame):
                pyogrio.write_dataframe(table, path, layer=name, driver="GPKG", promote_to_multi=False)
            else:
                pyogrio.write_dataframe(pd.DataFrame(table), path, layer=name, driver="GPKG")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})
    return path
