"""Vector layers: commune boundaries, roads, excluded zones. Read, check, repair.

Every reader returns a GeoDataFrame with a CRS, only the geometry types the layer
can use, invalid polygons repaired (``make_valid``) with a logged count, and
raises :class:`~towerplan.errors.VectorDataError` naming the file and the
problem when the layer cannot be used.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Literal

import geopandas as gpd
import pyogrio
import shapely

from towerplan.errors import UnreadableFileError, VectorDataError

__all__ = ["read_vector", "read_communes", "read_roads"]

log = logging.getLogger(__name__)

GeometryKind = Literal["polygon", "line", "point"]
_ALLOWED = {
    "polygon": {"Polygon", "MultiPolygon"},
    "line": {"LineString", "MultiLineString"},
    "point": {"Point", "MultiPoint"},
}


def read_vector(path: str | os.PathLike[str], *, kind: GeometryKind, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a vector file (GeoPackage, GeoJSON, Shapefile, KML...) and check its geometries.

    Parameters
    ----------
    path
        The file.
    kind
        The geometry family the caller needs; other types are an error naming the rows.
    layer
        Layer name for multi-layer files (default: the first).
    """
    from towerplan.input_files import check_vector_file

    path = Path(path)
    real = check_vector_file(path)
    try:
        gdf = gpd.read_file(real, layer=layer, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as exc:
        raise UnreadableFileError(f"{path.name}: not a readable vector file ({exc})") from exc
    if gdf.crs is None:
        raise VectorDataError(f"{path.name}: the layer has no coordinate reference system (.prj missing?)")
    if len(gdf) == 0:
        raise VectorDataError(f"{path.name}: the layer has no features")
    empty = gdf.geometry.isna() | gdf.geometry.is_empty
    if empty.all():
        raise VectorDataError(f"{path.name}: every feature has an empty geometry")
    if empty.any():
        rows = ", ".join(str(i + 1) for i in gdf.index[empty][:10])
        log.warning("%s: %d features without geometry skipped (features %s)", path.name, int(empty.sum()), rows)
        gdf = gdf[~empty]
    types = set(gdf.geom_type.unique())
    wrong = types - _ALLOWED[kind]
    if wrong:
        bad = gdf.index[gdf.geom_type.isin(wrong)][:10]
        raise VectorDataError(
            f"{path.name}: expected {kind} geometries, found {', '.join(sorted(wrong))} "
            f"(features {', '.join(str(i + 1) for i in bad)})"
        )
    if kind == "polygon":
        invalid = ~gdf.geometry.is_valid
        if invalid.any():
            log.warning("%s: repaired %d invalid polygons", path.name, int(invalid.sum()))
            gdf = gdf.copy()
            gdf.loc[invalid, "geometry"] = shapely.make_valid(gdf.geometry[invalid].values)
    return gdf.reset_index(drop=True)


def read_communes(path: str | os.PathLike[str], *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Commune (or ward) boundary polygons."""
    return read_vector(path, kind="polygon", layer=layer)


def read_roads(path: str | os.PathLike[str], *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Road centre lines."""
    return read_vector(path, kind="line", layer=layer)
