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
import numpy as np
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
    _check_coordinates(gdf, path.name)
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


#: largest plausible projected coordinate (metres): ten times the Earth's circumference
_MAX_PROJECTED_M = 4.0e8


def _check_coordinates(gdf: gpd.GeoDataFrame, name: str) -> None:
    """Refuse non-finite coordinates, and degrees out of range (metres in a file read as longitude/latitude)."""
    bounds = gdf.geometry.bounds.to_numpy(dtype=float)
    bad_finite = ~np.isfinite(bounds).all(axis=1)
    geographic = bool(gdf.crs.is_geographic)
    with np.errstate(invalid="ignore"):
        if geographic:
            out = (np.abs(bounds[:, [0, 2]]) > 360.0).any(axis=1) | (np.abs(bounds[:, [1, 3]]) > 90.0001).any(axis=1)
        else:
            out = (np.abs(bounds) > _MAX_PROJECTED_M).any(axis=1)
    bad = bad_finite | out
    if not bad.any():
        return
    rows = ", ".join(str(i + 1) for i in np.flatnonzero(bad)[:10])
    worst = np.nanmax(np.abs(np.where(np.isfinite(bounds), bounds, np.nan)[bad])) if not bad_finite.all() else "inf"
    if geographic:
        raise VectorDataError(
            f"{name}: features {rows} have coordinates up to {worst:.6g}, impossible in longitude/latitude "
            f"({gdf.crs.name}); are they metres? a GeoJSON without a 'crs' member is read as degrees: "
            "reproject the layer to EPSG:4326 (or give it as GeoPackage with its CRS)"
        )
    raise VectorDataError(
        f"{name}: features {rows} have coordinates up to {worst:.6g} (non-finite or beyond "
        f"{_MAX_PROJECTED_M:,.0f} m); fix or remove those vertices"
    )


def read_communes(path: str | os.PathLike[str], *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Commune (or ward) boundary polygons."""
    return read_vector(path, kind="polygon", layer=layer)


def read_roads(path: str | os.PathLike[str], *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Road centre lines."""
    return read_vector(path, kind="line", layer=layer)
