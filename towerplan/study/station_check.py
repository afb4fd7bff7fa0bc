"""One check of station lists against a study area, shared by ``towerplan validate --dem`` and the app's
Data page (issue 21, item 2).

Station lists are read and validated row by row by :mod:`towerplan.stations`; whether a station lies in
the study area depends on the study (its DEM), so both front ends call :func:`within_study_area` on the
:class:`~towerplan.stations.report.StationLoad` they read, with the same DEM and margin. A station
outside the DEM's extent widened by ``margin_m`` is an ``outside_study_area`` error (its rows go to
``rejected``, as every other row error), so the CLI and the app report the same errors and the coverage
never silently leaves out a station it was given.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd
import shapely

from towerplan.errors import ConfigError
from towerplan.grid import Grid
from towerplan.stations.report import Issue, StationLoad, ValidationReport

__all__ = ["study_area_lonlat", "within_study_area"]


def study_area_lonlat(dem: Grid, *, margin_m: float = 0.0) -> tuple[float, float, float, float]:
    """``(min_lon, min_lat, max_lon, max_lat)`` of the DEM's extent widened by ``margin_m`` metres."""
    from pyproj import Transformer

    if not (math.isfinite(margin_m) and margin_m >= 0):
        raise ConfigError(f"the study-area margin must be a distance >= 0 m, got {margin_m!r}")
    west, south, east, north = dem.bounds
    if dem.crs.is_geographic:  # degrees: the margin converted at the area's latitude
        lat = math.radians((south + north) / 2)
        dy = margin_m / 111_320.0
        dx = margin_m / max(111_320.0 * math.cos(lat), 1.0)
        return (west - dx, south - dy, east + dx, north + dy)
    transformer = Transformer.from_crs(dem.crs, "EPSG:4326", always_xy=True)
    box = transformer.transform_bounds(west - margin_m, south - margin_m, east + margin_m, north + margin_m)
    return tuple(float(v) for v in box)  # type: ignore[return-value]


def within_study_area(load: StationLoad, dem: Grid, *, margin_m: float = 0.0) -> StationLoad:
    """``load`` with the stations outside the study area (the DEM's extent plus ``margin_m``) moved to
    ``rejected``, each with an ``outside_study_area`` error (row and column as in the user's file)."""
    minx, miny, maxx, maxy = study_area_lonlat(dem, margin_m=margin_m)
    stations = load.stations
    if len(stations) == 0:
        return load
    lon = stations["lon"].to_numpy(dtype=float)
    lat = stations["lat"].to_numpy(dtype=float)
    inside = shapely.intersects_xy(shapely.box(minx, miny, maxx, maxy), lon, lat)
    if inside.all():
        return load
    issues = []
    out = stations[~inside]
    rows = out["source_row"] if "source_row" in out else pd.Series([None] * len(out), index=out.index)
    files = out["source_file"] if "source_file" in out else pd.Series([None] * len(out), index=out.index)
    seen: set[tuple] = set()
    for row, file, x, y in zip(rows, files, out["lon"], out["lat"], strict=True):
        key = (row, file)
        if key in seen:  # a site row expanded into sectors: one error for the row
            continue
        seen.add(key)
        issues.append(Issue(
            None if row is None or pd.isna(row) else int(row), "lon", "error", "outside_study_area",
            f"the station at {x:.5f}, {y:.5f} lies outside the study area ({minx:.3f}..{maxx:.3f} E, "
            f"{miny:.3f}..{maxy:.3f} N, the DEM with a {margin_m:g} m margin); check the coordinates or enlarge "
            "the study area (DEM or margin)",
            value=f"{x:.5f}", file=None if file is None or pd.isna(file) else str(file),
            params={"lon": float(x), "lat": float(y), "minx": minx, "maxx": maxx, "miny": miny, "maxy": maxy},
        ))
    rejected_now = pd.DataFrame(out.drop(columns=out.geometry.name)).copy()
    rejected_now["error_codes"] = "outside_study_area"
    parts = [f for f in (load.rejected, rejected_now) if len(f)]  # the rows as read, beside the canonical ones
    rejected = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
    report = ValidationReport((*load.report.issues, *issues))
    return replace(load, stations=stations[inside].reset_index(drop=True), rejected=rejected, report=report)
