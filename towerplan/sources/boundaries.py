"""Administrative boundaries: geoBoundaries downloads, province-name lookup, units inside an area.

geoBoundaries (William & Mary geoLab) publishes open boundaries per country and
level. Its API answers ``https://www.geoboundaries.org/api/current/gbOpen/{ISO}/{ADM}/``
with a JSON record whose ``gjDownloadURL`` is the GeoJSON at a pinned commit of
the ``wmgeolab/geoBoundaries`` GitHub repository (e.g.
``https://github.com/wmgeolab/geoBoundaries/raw/9469f09/releaseData/gbOpen/VNM/ADM1/geoBoundaries-VNM-ADM1.geojson``)
and whose ``boundaryLicense`` / ``boundarySource`` go into SOURCES.md. When the
API cannot be reached the same path on the repository's ``main`` branch is tried.
Below a ``--mirror`` the files are ``<mirror>/geoboundaries/{ISO}/{ADM}/geoBoundaries-{ISO}-{ADM}.geojson``
(and, optionally, the API record as ``metadata.json`` beside it).

In Viet Nam ADM1 is the province and ADM2 the district; geoBoundaries has no
commune level there, so ``communes.gpkg`` holds districts unless a commune file
is given.
"""

from __future__ import annotations

import difflib
import json
import logging
import os
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from towerplan.errors import ConfigError, VectorDataError
from towerplan.names import normalise_name
from towerplan.sources._common import Resource, join_url
from towerplan.sources.population import check_iso3
from towerplan.terrain import pick_crs
from towerplan.vectors import read_vector

__all__ = [
    "GEOBOUNDARIES_API_URL",
    "GEOBOUNDARIES_RELEASE_URL",
    "find_unit",
    "geoboundaries_metadata",
    "geoboundaries_metadata_resource",
    "geoboundaries_resource",
    "normalise_name",
    "read_units",
    "units_in_area",
]

log = logging.getLogger(__name__)

GEOBOUNDARIES_API_URL = "https://www.geoboundaries.org/api/current/gbOpen/"
GEOBOUNDARIES_RELEASE_URL = "https://github.com/wmgeolab/geoBoundaries/raw/main/releaseData/gbOpen/"
_LEVEL = re.compile(r"^ADM[0-5]$")
_METADATA_FIELDS = (
    "boundaryID", "boundaryName", "boundaryYearRepresented", "boundarySource", "boundaryLicense",
    "licenseDetail", "licenseSource", "buildDate",
)


def _level(level: str) -> str:
    lv = level.strip().upper()
    if not _LEVEL.match(lv):
        raise ConfigError(f"{level!r} is not a geoBoundaries level (ADM0 ... ADM5)")
    return lv


def geoboundaries_metadata_resource(iso3: str, level: str, *, mirror: str | None = None) -> Resource:
    """The geoBoundaries API record for a country and level (optional: the data can be had without it)."""
    iso, lv = check_iso3(iso3), _level(level)
    url = (
        join_url(mirror, f"geoboundaries/{iso}/{lv}/metadata.json")
        if mirror
        else join_url(GEOBOUNDARIES_API_URL, f"{iso}/{lv}/")
    )
    return Resource(
        key=f"geoboundaries/{iso}/{lv}/metadata.json", urls=(url,), licence="geoboundaries", optional=True,
        description=f"geoBoundaries {iso} {lv} metadata",
    )


def geoboundaries_metadata(path: str | os.PathLike[str] | None) -> dict[str, str]:
    """The useful fields of a geoBoundaries API record (``{}`` when absent or unreadable)."""
    if path is None:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("geoBoundaries metadata %s is unreadable (%s); ignored", path, exc)
        return {}
    if isinstance(data, list):
        data = data[0] if data else {}
    if not isinstance(data, dict):
        return {}
    out = {k: str(data[k]) for k in (*_METADATA_FIELDS, "gjDownloadURL") if data.get(k)}
    return out


def geoboundaries_resource(
    iso3: str, level: str, *, mirror: str | None = None, metadata: dict[str, str] | None = None
) -> Resource:
    """The geoBoundaries GeoJSON of a country and level.

    Parameters
    ----------
    metadata
        The API record (:func:`geoboundaries_metadata`); its ``gjDownloadURL`` is tried first.
    """
    iso, lv = check_iso3(iso3), _level(level)
    name = f"geoBoundaries-{iso}-{lv}.geojson"
    relative = f"{iso}/{lv}/{name}"
    meta = metadata or {}
    if mirror:
        urls: tuple[str, ...] = (join_url(mirror, f"geoboundaries/{relative}"),)
    else:
        fallback = join_url(GEOBOUNDARIES_RELEASE_URL, relative)
        pinned = meta.get("gjDownloadURL", "")
        urls = (pinned, fallback) if pinned.startswith("https://") and pinned != fallback else (fallback,)
    extra = tuple((k, meta[k]) for k in _METADATA_FIELDS if k in meta)
    return Resource(
        key=f"geoboundaries/{relative}", urls=urls, licence="geoboundaries",
        description=f"geoBoundaries {iso} {lv} boundaries", extra=extra,
    )


# ------------------------------------------------------------------ names


def read_units(path: str | os.PathLike[str], *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Boundary polygons from any vector file, checked and repaired, in EPSG:4326."""
    gdf = read_vector(path, kind="polygon", layer=layer)
    return gdf.to_crs(4326) if gdf.crs.to_epsg() != 4326 else gdf


def _name_columns(units: gpd.GeoDataFrame) -> list[str]:
    preferred = [c for c in ("shapeName", "shapeISO", "name", "NAME_1", "ADM1_EN", "ADM1_VI") if c in units]
    others = [
        c for c in units.columns
        if c not in preferred and c != units.geometry.name and units[c].dtype == object
    ]
    return preferred + others


def find_unit(units: gpd.GeoDataFrame, name: str) -> gpd.GeoDataFrame:
    """The unit called ``name`` (accents, case and "province" ignored), as a one-row GeoDataFrame.

    Pieces with the same name are merged into one (Multi)Polygon.

    Raises
    ------
    ConfigError
        No unit or several different units match (the message suggests close names).
    """
    wanted = normalise_name(name)
    if not wanted:
        raise ConfigError(f"{name!r} is not a place name")
    columns = _name_columns(units)
    hit = pd.Series(False, index=units.index)
    for col in columns:
        hit |= units[col].map(lambda v: isinstance(v, str) and normalise_name(v) == wanted)
    matches = units[hit]
    label_col = columns[0] if columns else None
    if matches.empty:
        labels = sorted({str(v) for v in units[label_col].dropna()}) if label_col else []
        close = difflib.get_close_matches(wanted, [normalise_name(v) for v in labels], n=5, cutoff=0.6)
        suggestions = [v for v in labels if normalise_name(v) in close]
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        raise ConfigError(f"no boundary is named {name!r}{hint} (the area can also be a box or a polygon file)")
    names = {normalise_name(v) for v in matches[label_col]} if label_col else {wanted}
    if len(names) > 1:
        listed = ", ".join(sorted(str(v) for v in matches[label_col]))
        raise ConfigError(f"{name!r} matches several boundaries: {listed}; give a more precise name")
    if len(matches) > 1:
        merged = shapely.union_all(matches.geometry.values)
        first = matches.iloc[[0]].copy()
        first = first.set_geometry([merged], crs=matches.crs)
        log.info("%s: %d pieces merged into one area", name, len(matches))
        return first.reset_index(drop=True)
    return matches.reset_index(drop=True)


def units_in_area(
    units: gpd.GeoDataFrame, area: BaseGeometry, *, min_inside_fraction: float = 0.5
) -> gpd.GeoDataFrame:
    """Units with at least ``min_inside_fraction`` of their area inside ``area`` (EPSG:4326).

    Boundary files of different origins never follow exactly the same lines; the
    fraction keeps the units of the area and drops slivers of the neighbours.
    The result has an ``inside_fraction`` column.
    """
    if not 0 < min_inside_fraction <= 1:
        raise ConfigError(f"min_inside_fraction must be in (0, 1], got {min_inside_fraction}")
    metric = pick_crs(area)
    projected = units.to_crs(metric)
    area_m = gpd.GeoSeries([area], crs=4326).to_crs(metric).iloc[0]
    candidates = projected.geometry.intersects(area_m)
    full = projected.geometry.area
    inside = projected.geometry.intersection(area_m).area.where(candidates, 0.0)
    fraction = (inside / full.where(full > 0)).fillna(0.0)
    keep = fraction >= min_inside_fraction
    out = units[keep].copy()
    out["inside_fraction"] = fraction[keep].round(4).to_numpy()
    if out.empty:
        raise VectorDataError("no boundary unit lies mostly inside the study area")
    log.info("%d of %d units lie in the area (at least %.0f %% inside)", len(out), len(units),
             100 * min_inside_fraction)
    return out.reset_index(drop=True)
