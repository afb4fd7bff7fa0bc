"""Turn a :class:`RawTable` into canonical stations, collecting every problem.

Nothing stops at the first problem and no row disappears silently: each row
either becomes one or more sectors in ``stations`` or is listed in
``rejected`` with the codes of its errors, and every default used or
suspicious value is a warning in the report.

Choices worth knowing
---------------------
* Latitude/longitude swap: when a row's latitude cannot be one (``|lat| > 90``)
  but would be a valid longitude and the longitude a valid latitude, when the
  hemisphere letters say so (``105°E`` in the latitude column), or when only
  the swapped point falls inside the study area, the two are swapped and a
  ``latlon_swapped`` warning says so (one file-level warning when every row
  is swapped: the columns are labelled the wrong way round). Ambiguous cases
  (both values valid either way, no study area) are left as written.
* A file with no azimuth column is a site list: every row becomes
  ``StationDefaults.sectors_per_site`` sectors at 0°, 120°, 240° with cell ids
  ``<site>-1`` .. ``<site>-3``. An empty azimuth in an azimuth column is an
  omni cell (horizontal beamwidth 360°, omni antenna gain by default).
* Duplicate cell ids (per operator): the first row is kept, later rows are
  errors that name it. A site id at two places more than
  ``StationDefaults.site_spread_m`` apart (per operator): the later rows are
  errors that name the first row.
* ``eirp_dbm`` given directly wins; otherwise it is ``tx_power_dbm +
  antenna_gain_dbi - feeder_loss_db`` with defaults for the missing parts. The
  parts are kept in the output (NaN when the EIRP was given and they were not).
"""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from towerplan.errors import InputError
from towerplan.stations.coords import parse_coordinate
from towerplan.stations.fields import Sink, parse_coordinates
from towerplan.stations.headers import HEADER_ALIASES, HeaderMap, map_headers
from towerplan.stations.rawtable import RawTable, unique_headers
from towerplan.stations.report import Issue, StationLoad, ValidationReport, sort_issues
from towerplan.stations.schema import CANONICAL_COLUMNS, NUMERIC_COLUMNS, StationDefaults
from towerplan.stations.sectors import build_sectors

__all__ = ["StudyArea", "normalise_study_area", "validate_stations", "validate_table"]

log = logging.getLogger(__name__)

StudyArea = tuple[float, float, float, float] | BaseGeometry
_OUTPUT_RESERVED = frozenset({*CANONICAL_COLUMNS, "geometry", "error_codes"})


# ----------------------------------------------------------------------------- study area


def normalise_study_area(study_area: Any) -> BaseGeometry | None:
    """A study area as a shapely geometry in EPSG:4326, checked.

    Accepts ``None``, a ``(min_lon, min_lat, max_lon, max_lat)`` tuple, a
    shapely geometry in lon/lat, or a GeoDataFrame/GeoSeries (any CRS).

    Raises
    ------
    InputError
        Malformed bounds, or a geometry that is not in degrees.
    """
    if study_area is None:
        return None
    if hasattr(study_area, "to_crs") and hasattr(study_area, "union_all"):
        if study_area.crs is None:
            raise InputError("the study area layer has no CRS")
        study_area = study_area.to_crs(4326).union_all()
    if isinstance(study_area, BaseGeometry):
        if study_area.is_empty:
            raise InputError("the study area is empty")
        minx, miny, maxx, maxy = study_area.bounds
        if not (-180.5 <= minx <= maxx <= 180.5 and -90.5 <= miny <= maxy <= 90.5):
            raise InputError(
                f"the study area bounds {study_area.bounds} are not longitude/latitude; give it in EPSG:4326"
            )
        shapely.prepare(study_area)
        return study_area
    try:
        minx, miny, maxx, maxy = (float(v) for v in study_area)
    except (TypeError, ValueError) as exc:
        raise InputError(
            "study_area must be (min_lon, min_lat, max_lon, max_lat) or a shapely geometry in EPSG:4326"
        ) from exc
    if not all(np.isfinite([minx, miny, maxx, maxy])) or not (minx < maxx and miny < maxy):
        raise InputError(f"study_area bounds {study_area!r} must be finite with min < max")
    if not (minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90):
        raise InputError(f"study_area bounds {study_area!r} are not longitude/latitude degrees")
    box = shapely.box(minx, miny, maxx, maxy)
    shapely.prepare(box)
    return box


def _inside(area: BaseGeometry | None, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    if area is None:
        return np.ones(len(lon), dtype=bool)
    ok = np.isfinite(lon) & np.isfinite(lat)
    out = np.zeros(len(lon), dtype=bool)
    out[ok] = shapely.intersects_xy(area, lon[ok], lat[ok])
    return out


# ----------------------------------------------------------------------------- coordinates


def _positions(
    table: RawTable, hm: HeaderMap, sink: Sink, area: BaseGeometry | None, skip: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    lon_label, lat_label = hm.fields["lon"], hm.fields["lat"]
    lon, lon_blank, lon_hint = parse_coordinates(table.frame[lon_label].tolist(), label=lon_label, sink=sink, skip=skip)
    lat, lat_blank, lat_hint = parse_coordinates(table.frame[lat_label].tolist(), label=lat_label, sink=sink, skip=skip)
    for pos in np.flatnonzero(lon_blank | lat_blank):
        both = lon_blank[pos] and lat_blank[pos]
        column = lon_label if lon_blank[pos] else lat_label
        what = "longitude and latitude are" if both else ("longitude is" if lon_blank[pos] else "latitude is")
        sink.row(
            int(pos),
            column,
            "error",
            "missing_coordinates",
            f"the {what} empty; every station needs its position in WGS 84 degrees",
            params={"variant": "both" if both else ("lon" if lon_blank[pos] else "lat")},
        )
    ok = np.isfinite(lon) & np.isfinite(lat)
    swap = np.zeros(len(lon), dtype=bool)
    for pos in np.flatnonzero(ok):
        a, b = lon_hint[pos], lat_hint[pos]
        if a == "lat" or b == "lon":
            swap[pos] = a in (None, "lat") and b in (None, "lon")
        elif abs(lat[pos]) > 90 and abs(lon[pos]) <= 90:
            swap[pos] = True
    if area is not None:
        outside = ok & ~swap & ~_inside(area, lon, lat)
        swap |= outside & _inside(area, lat, lon)
    swapped = np.flatnonzero(swap)
    if len(swapped) >= 2 and len(swapped) == int(ok.sum()):
        sink.file(
            lat_label,
            "warning",
            "latlon_swapped",
            f"latitude and longitude look swapped in every row: column '{lat_label}' holds longitudes "
            f"and '{lon_label}' latitudes; they were swapped. Rename the columns to silence this.",
            params={"variant": "all", "lat_column": lat_label, "lon_column": lon_label},
        )
    else:
        for pos in swapped:
            sink.row(
                int(pos),
                lat_label,
                "warning",
                "latlon_swapped",
                f"latitude and longitude look swapped (latitude {lat[pos]:g}, longitude {lon[pos]:g}); "
                "they were swapped. Correct the row to silence this.",
                table.frame[lat_label].iloc[pos],
                params={"lat": float(lat[pos]), "lon": float(lon[pos])},
            )
    lon, lat = np.where(swap, lat, lon), np.where(swap, lon, lat)
    for values, label, limit, word, axis in (
        (lat, lat_label, 90.0, "latitude", "lat"),
        (lon, lon_label, 180.0, "longitude", "lon"),
    ):
        for pos in np.flatnonzero(ok & (np.abs(values) > limit)):
            hint = (
                " It looks like projected metres (UTM or VN-2000): convert to WGS 84 degrees."
                if abs(values[pos]) > 1000
                else ""
            )
            sink.row(
                int(pos),
                label,
                "error",
                "coordinate_out_of_range",
                f"{word} {values[pos]:g} is outside -{limit:g}..{limit:g} degrees.{hint}",
                table.frame[label].iloc[pos],
                params={
                    "field": axis,
                    "number": float(values[pos]),
                    "limit": limit,
                    "variant": "projected" if hint else "",
                },
            )
    valid = ok & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    for pos in np.flatnonzero(valid & (lat == 0) & (lon == 0)):
        sink.row(
            int(pos),
            lon_label,
            "error",
            "zero_coordinates",
            "longitude and latitude are both 0, a placeholder rather than a position; fill in the real one",
        )
    if area is not None:
        minx, miny, maxx, maxy = area.bounds
        for pos in np.flatnonzero(valid & ~((lat == 0) & (lon == 0)) & ~_inside(area, lon, lat)):
            sink.row(
                int(pos),
                lon_label,
                "error",
                "outside_study_area",
                f"the station at {lon[pos]:.5f}, {lat[pos]:.5f} lies outside the study area "
                f"({minx:.3f}..{maxx:.3f} E, {miny:.3f}..{maxy:.3f} N); check the coordinates or "
                "enlarge the study area (DEM)",
                table.frame[lon_label].iloc[pos],
                params={
                    "lon": float(lon[pos]),
                    "lat": float(lat[pos]),
                    "minx": minx,
                    "maxx": maxx,
                    "miny": miny,
                    "maxy": maxy,
                },
            )
    bad = ~valid
    lon[bad] = np.nan
    lat[bad] = np.nan
    return lon, lat


# ----------------------------------------------------------------------------- main


def validate_table(table: RawTable, *, study_area: Any = None, defaults: StationDefaults | None = None) -> StationLoad:
    """Interpret and validate a :class:`RawTable`; see the module docstring for the rules."""
    defaults = StationDefaults() if defaults is None else defaults
    area = normalise_study_area(study_area)
    frame = table.frame
    sink = Sink(table.row_numbers)
    for issue in table.issues:
        sink.add(issue)
    reader_geometry_errors = sink.bad.copy()
    if len(frame) == 0:
        sink.file(
            None,
            "error",
            "no_data_rows",
            f"{table.source_file} has a header row but no station rows; add one row per cell "
            "(see data/stations_template.csv)",
            params={"source": table.source_file},
        )
        return _finish(table, sink, None, defaults)
    hm = map_headers(list(frame.columns), forced=table.forced)
    _header_remarks(hm, sink)
    if "lon" not in hm.fields or "lat" not in hm.fields:
        missing = " and ".join(w for f, w in (("lon", "longitude"), ("lat", "latitude")) if f not in hm.fields)
        found = ", ".join(f"'{c}'" for c in frame.columns)
        sink.file(
            None,
            "error",
            "no_coordinate_columns",
            f"no {missing} column found among the headers {found}; name them for example "
            f"{'/'.join(HEADER_ALIASES['lon'][:4])} or 'Kinh độ' and "
            f"{'/'.join(HEADER_ALIASES['lat'][:3])} or 'Vĩ độ' (decimal degrees or DMS)" + _no_header_hint(frame),
            params={
                "variant": "no_header" if _no_header_hint(frame) else "",
                "found": found,
                "lon_names": "/".join(HEADER_ALIASES["lon"][:4]),
                "lat_names": "/".join(HEADER_ALIASES["lat"][:3]),
            },
        )
        sink.bad[:] = True
        return _finish(table, sink, None, defaults)
    lon, lat = _positions(table, hm, sink, area, reader_geometry_errors)
    sectors = build_sectors(table, hm, sink, defaults, lon=lon, lat=lat)
    return _finish(table, sink, sectors, defaults, hm=hm)


def _no_header_hint(frame: pd.DataFrame) -> str:
    """A hint when the 'headers' are numbers: the file has no header row at all."""
    numeric = 0
    for column in frame.columns:
        try:
            parse_coordinate(str(column).split(" (")[0])
        except ValueError:
            continue
        numeric += 1
    if numeric >= 2:
        return "; the first row looks like data: add a header row above it"
    return ""


def _header_remarks(hm: HeaderMap, sink: Sink) -> None:
    mapped = ", ".join(f"'{col}' -> {name}" for name, col in hm.fields.items())
    sink.file(None, "info", "columns_mapped", f"columns recognised: {mapped}", params={"mapped": mapped})
    for column, name, winner in hm.shadowed:
        sink.file(
            column,
            "info",
            "ambiguous_column",
            f"'{column}' also looks like {name}, but '{winner}' is used; '{column}' is kept as it is",
            params={"field": name, "winner": winner},
        )
    unknown = [c for c in hm.passthrough if c not in {s[0] for s in hm.shadowed}]
    if unknown:
        sink.file(
            None,
            "info",
            "unknown_columns",
            "columns kept as they are (not station fields): " + ", ".join(f"'{c}'" for c in unknown),
            params={"columns": ", ".join(f"'{c}'" for c in unknown)},
        )


def _finish(
    table: RawTable,
    sink: Sink,
    sectors: pd.DataFrame | None,
    defaults: StationDefaults,
    *,
    hm: HeaderMap | None = None,
) -> StationLoad:
    bad = sink.bad
    issues = _tidy(sink.issues, bad_rows=set(table.row_numbers[bad].tolist()))
    issues = [i.with_file(table.source_file) for i in issues]
    passthrough = list(hm.passthrough) if hm is not None else []
    renamed = {c: (f"{c} (input)" if c in _OUTPUT_RESERVED else c) for c in passthrough}
    columns = [*CANONICAL_COLUMNS, *renamed.values()]
    if sectors is None:
        stations = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
        for c in NUMERIC_COLUMNS:
            stations[c] = stations[c].astype(float)
        stations["source_row"] = stations["source_row"].astype(np.int64)
    else:
        keep = ~bad[sectors["_pos"].to_numpy()]
        stations = sectors.loc[keep].drop(columns="_pos").reset_index(drop=True)
        extra = table.frame[passthrough].iloc[sectors["_pos"].to_numpy()[keep]].reset_index(drop=True)
        stations = pd.concat([stations, extra.rename(columns=renamed)], axis=1)[columns]
    gdf = gpd.GeoDataFrame(stations, geometry=gpd.points_from_xy(stations["lon"], stations["lat"]), crs="EPSG:4326")
    rejected = _rejected(table, bad, issues)
    report = ValidationReport(sort_issues(issues))
    log.info(
        "%s: %d rows, %d sectors kept, %d rows rejected", table.source_file, len(table.frame), len(gdf), int(bad.sum())
    )
    return StationLoad(gdf, rejected, report, n_rows_read=len(table.frame), sources=(table.source_file,))


def _tidy(issues: list[Issue], *, bad_rows: set[int]) -> list[Issue]:
    """Drop repeats (same row, column, code) and default remarks about rows that are rejected anyway."""
    seen: set[tuple[Any, ...]] = set()
    out = []
    for issue in issues:
        if issue.row is not None and issue.row in bad_rows and issue.code in {"default_used", "missing_id"}:
            continue
        key = (issue.row, issue.column, issue.code) if issue.row is not None else (issue.code, issue.message)
        if key in seen:
            continue
        seen.add(key)
        out.append(issue)
    return out


def _rejected(table: RawTable, bad: np.ndarray, issues: list[Issue]) -> pd.DataFrame:
    renamed = {c: f"{c} (input)" for c in table.frame.columns if c in {"source_row", "source_file", "error_codes"}}
    rejected = table.frame.loc[bad].rename(columns=renamed).reset_index(drop=True)
    rows = table.row_numbers[bad]
    codes: dict[int, list[str]] = {}
    for issue in issues:
        if issue.severity == "error" and issue.row is not None:
            codes.setdefault(issue.row, [])
            if issue.code not in codes[issue.row]:
                codes[issue.row].append(issue.code)
    file_errors = [i.code for i in issues if i.severity == "error" and i.row is None]
    rejected["source_row"] = rows.astype(np.int64)
    rejected["source_file"] = table.source_file
    rejected["error_codes"] = ["; ".join(codes.get(int(r), file_errors)) for r in rows]
    return rejected


# ----------------------------------------------------------------------------- DataFrame input


def validate_stations(
    frame: pd.DataFrame,
    *,
    study_area: Any = None,
    defaults: StationDefaults | None = None,
    source_file: str = "table",
    source_rows: Any = None,
    decimal_comma: bool = False,
) -> StationLoad:
    """Validate a station table that is already in memory (any headers the readers accept).

    Parameters
    ----------
    frame
        One row per cell (or per site). A ``source_row`` column, if present,
        gives the row numbers (so a :class:`StationLoad`'s ``stations`` can be
        validated again); a GeoDataFrame's point geometry gives the coordinates
        when there are no coordinate columns.
    study_area, defaults
        As for :func:`towerplan.stations.read_stations`.
    source_file
        Name shown in the report.
    source_rows
        Row numbers to report; default ``source_row`` column or position + 2
        (a spreadsheet with its header on row 1).
    decimal_comma
        Text numbers use a decimal comma.
    """
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"validate_stations needs a pandas DataFrame, got {type(frame).__name__}")
    data = frame.copy()
    forced: dict[str, str] = {}
    if isinstance(data, gpd.GeoDataFrame) and data.geometry.name in data.columns:
        geometry = data.geometry
        if geometry.crs is not None and geometry.crs.to_epsg() != 4326:
            geometry = geometry.to_crs(4326)
        data = pd.DataFrame(data.drop(columns=data.geometry.name))
        probe = map_headers([str(c) for c in data.columns])
        if "lon" not in probe.fields or "lat" not in probe.fields:
            is_point = geometry.geom_type == "Point"
            data["lon (geometry)"] = np.where(is_point, geometry.x.where(is_point), np.nan)
            data["lat (geometry)"] = np.where(is_point, geometry.y.where(is_point), np.nan)
            forced = {"lon": "lon (geometry)", "lat": "lat (geometry)"}
    if source_rows is None:
        if "source_row" in data.columns:
            source_rows = pd.to_numeric(data["source_row"], errors="coerce").fillna(-1).astype(np.int64)
        else:
            source_rows = np.arange(len(data), dtype=np.int64) + 2
    data = data.drop(columns=[c for c in ("source_row", "source_file") if c in data.columns])
    names, issues = unique_headers([str(c) for c in data.columns])
    data.columns = names
    data = data.astype(object).reset_index(drop=True)
    table = RawTable(
        frame=data,
        row_numbers=np.asarray(source_rows, dtype=np.int64),
        source_file=source_file,
        fmt="table",
        issues=tuple(issues),
        decimal_comma=decimal_comma,
        forced=forced,
    )
    return validate_table(table, study_area=study_area, defaults=defaults)
