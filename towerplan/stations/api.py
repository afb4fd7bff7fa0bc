"""The public entry points: read, read many, project and write station lists."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from towerplan._atomic import atomic_path
from towerplan.errors import InputError, UnreadableFileError
from towerplan.grid import utm_crs_for_lonlat
from towerplan.stations.crosscheck import find_duplicates
from towerplan.stations.patterns import resolve_patterns
from towerplan.stations.rawtable import MAX_BYTES, MAX_ROWS
from towerplan.stations.readers import Source, read_raw
from towerplan.stations.report import Issue, StationLoad, ValidationReport
from towerplan.stations.schema import CANONICAL_COLUMNS, StationDefaults
from towerplan.stations.sites import clash_issues
from towerplan.stations.validate import validate_table
from towerplan.textsafe import formula_safe_frame

__all__ = ["project_stations", "read_many", "read_stations", "write_stations_csv"]

log = logging.getLogger(__name__)

_DEFAULTS = StationDefaults()


def read_stations(
    source: Source,
    *,
    study_area: Any = None,
    defaults: StationDefaults = _DEFAULTS,
    fmt: str | None = None,
    name: str | None = None,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
    pattern_dir: str | os.PathLike[str] | None = None,
) -> StationLoad:
    """Read one station list and validate it.

    Parameters
    ----------
    source
        A path, or the file's content as bytes or a binary file object (an
        upload); give ``name`` with uploads so the format can be told from the
        extension and reports name the file.
    study_area
        ``(min_lon, min_lat, max_lon, max_lat)`` or a shapely (multi)polygon in
        EPSG:4326 (or a GeoDataFrame in any CRS); stations outside are errors.
    defaults
        Values for optional fields (:class:`StationDefaults`).
    fmt
        Force a format (``"csv"``, ``"opencellid"``, ``"xlsx"``, ``"geojson"``,
        ``"kml"``, ``"kmz"``, ``"gpkg"``); default: detected from content and name.
    name
        File name shown in reports (default: the path's name, or ``"upload"``).
    max_bytes, max_rows
        Size guards: refuse larger files (200 MiB, 500,000 rows by default; see docs/limits.md).
    pattern_dir
        Folder of the antenna pattern files named in an ``antenna_pattern`` column (default: the
        station file's own folder; uploads have none). Names become absolute paths
        (:func:`towerplan.stations.patterns.resolve_patterns`).

    Returns
    -------
    StationLoad
        ``stations`` (valid sectors, EPSG:4326), ``rejected`` rows and the
        ``report``. Row-level problems never raise.

    Raises
    ------
    UnreadableFileError
        The file cannot be read at all (missing, empty, binary junk, damaged,
        too large).
    InputError
        Bad arguments (unknown ``fmt``, malformed ``study_area``).
    """
    table = read_raw(source, fmt=fmt, name=name, max_bytes=max_bytes, max_rows=max_rows)
    load = validate_table(table, study_area=study_area, defaults=defaults)
    if pattern_dir is None and isinstance(source, (str, os.PathLike)):
        pattern_dir = os.path.dirname(os.path.abspath(os.fspath(source)))
    load = resolve_patterns(load, pattern_dir)
    clashes = clash_issues(load.stations)
    if not clashes:
        return load
    return dataclasses.replace(load, report=ValidationReport(tuple(load.report.issues) + tuple(clashes)))


def read_many(
    sources: Sequence[Source | tuple[Source, str]],
    *,
    study_area: Any = None,
    defaults: StationDefaults = _DEFAULTS,
    fmt: str | None = None,
    on_unreadable: Literal["raise", "report"] = "raise",
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
    pattern_dir: str | os.PathLike[str] | None = None,
) -> StationLoad:
    """Read several station lists (one per operator, say) into one :class:`StationLoad`.

    Each file is validated on its own, then cell ids (per operator) and site
    positions are checked across files: a cell of a later file that repeats
    one of an earlier file is an error naming the earlier file and row.
    Report issues carry their file name in ``Issue.file``.

    Parameters
    ----------
    sources
        Paths, or ``(content, name)`` pairs for uploads (``(name, content)``
        works too: the element that is not text is the content).
    on_unreadable
        ``"raise"`` (default) re-raises the first :class:`UnreadableFileError`;
        ``"report"`` records it as an ``unreadable_file`` error and goes on.
    study_area, defaults, fmt, max_bytes, max_rows, pattern_dir
        As for :func:`read_stations` (by default each file's patterns are looked up beside it).
    """
    if on_unreadable not in ("raise", "report"):
        raise InputError(f"on_unreadable must be 'raise' or 'report', got {on_unreadable!r}")
    loads: list[StationLoad] = []
    extra: list[Issue] = []
    seen: dict[str, str] = {}
    for item in sources:
        source, name = _split_source(item)
        repeat = _repeated_source(source, name, seen)
        if repeat is not None:  # the same file twice would double every sector
            extra.append(repeat)
            continue
        try:
            loads.append(
                read_stations(
                    source,
                    study_area=study_area,
                    defaults=defaults,
                    fmt=fmt,
                    name=name,
                    max_bytes=max_bytes,
                    max_rows=max_rows,
                    pattern_dir=pattern_dir,
                )
            )
        except UnreadableFileError as exc:
            if on_unreadable == "raise":
                raise
            label = name or (os.fspath(source) if isinstance(source, (str, os.PathLike)) else "upload")
            extra.append(
                Issue(
                    None,
                    None,
                    "error",
                    "unreadable_file",
                    str(exc),
                    file=os.path.basename(label),
                    params={"detail": str(exc)},
                )
            )
    return _combine(loads, extra, defaults)


def combine_loads(loads: Sequence[StationLoad], *, defaults: StationDefaults = _DEFAULTS) -> StationLoad:
    """Station lists already read (one :class:`StationLoad` per file) as one, with the cross-file checks of
    :func:`read_many` (no file is read again)."""
    return _combine(list(loads), [], defaults)
def _repeated_source(source: Source, name: str | None, seen: dict[str, str]) -> Issue | None:
    """A warning when ``source`` was given before (same real path, or the same bytes of an upload); else record it."""
    if isinstance(source, (str, os.PathLike)):
        try:
            key = "path:" + str(Path(source).resolve())
        except (OSError, ValueError):
            return None
        label = name or os.path.basename(os.fspath(source))
    elif isinstance(source, (bytes, bytearray, memoryview)):
        key = "bytes:" + hashlib.sha256(bytes(source)).hexdigest()
        label = name or "upload"
    else:
        return None
    if key not in seen:
        seen[key] = label
        return None
    first = seen[key]
    return Issue(None, None, "warning", "duplicate_file",
                 f"{label} is listed again (the same file as {first}); read once, so its sectors are not doubled",
                 file=label, params={"first": first})


def _split_source(item: Any) -> tuple[Source, str | None]:
    """``path``, ``(content, name)`` or ``(name, content)`` -> ``(source, name)``."""
    if not isinstance(item, tuple):
        return item, None
    if len(item) != 2:
        raise InputError("a station source is a path or a (content, name) pair")
    first, second = item
    if isinstance(first, str) and not isinstance(second, (str, os.PathLike)):
        return second, first  # (name, content), as Streamlit uploads are often passed
    return first, None if second is None else str(second)


def _combine(loads: list[StationLoad], extra: list[Issue], defaults: StationDefaults) -> StationLoad:
    frames = [ld.stations for ld in loads if len(ld.stations)]
    if frames:
        stations = pd.concat(frames, ignore_index=True)
    elif loads:
        stations = loads[0].stations.iloc[0:0]
    else:
        stations = gpd.GeoDataFrame({c: [] for c in CANONICAL_COLUMNS}, geometry=[], crs="EPSG:4326")
    stations = gpd.GeoDataFrame(stations, geometry="geometry", crs="EPSG:4326")
    issues = [i for ld in loads for i in ld.report.issues] + extra
    rejected = _concat([ld.rejected for ld in loads])
    cross, drop = _cross_file_issues(stations, defaults)
    if drop.any():
        moved = stations.loc[drop]
        rejected_rows = moved.drop(columns="geometry").drop_duplicates(["source_file", "source_row"]).copy()
        codes = {(i.file, i.row): i.code for i in cross}
        rejected_rows["error_codes"] = [
            codes.get((f, r), "")
            for f, r in zip(rejected_rows["source_file"], rejected_rows["source_row"], strict=True)
        ]
        rejected = _concat([rejected, rejected_rows])
        stations = stations.loc[~drop].reset_index(drop=True)
    known = {(i.code, i.value, tuple(sorted(i.params.items()))) for i in issues}
    clashes = [i for i in clash_issues(stations) if (i.code, i.value, tuple(sorted(i.params.items()))) not in known]
    report = ValidationReport(tuple(issues + cross + clashes))
    sources = tuple(s for ld in loads for s in ld.sources)
    return StationLoad(stations, rejected, report, n_rows_read=sum(ld.n_rows_read for ld in loads), sources=sources)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate, leaving out empty frames (their dtypes would blur the result's)."""
    non_empty = [f for f in frames if len(f)]
    if not non_empty:
        return frames[0].iloc[0:0].copy() if frames else pd.DataFrame()
    return pd.concat(non_empty, ignore_index=True)


def _cross_file_issues(stations: gpd.GeoDataFrame, defaults: StationDefaults) -> tuple[list[Issue], np.ndarray]:
    """Duplicates whose first occurrence is in another file; the whole later row is dropped."""
    drop = np.zeros(len(stations), dtype=bool)
    issues: list[Issue] = []
    if len(stations) == 0:
        return issues, drop
    files = stations["source_file"].to_numpy()
    rows = stations["source_row"].to_numpy()
    seen: set[tuple[Any, ...]] = set()
    for dup in find_duplicates(
        stations["operator"].tolist(),
        stations["site_id"].tolist(),
        stations["cell_id"].tolist(),
        stations["lon"].to_numpy(dtype=float),
        stations["lat"].to_numpy(dtype=float),
        spread_m=defaults.site_spread_m,
    ):
        if files[dup.later] == files[dup.first]:
            continue
        key = (files[dup.later], rows[dup.later], dup.code)
        drop |= (files == files[dup.later]) & (rows == rows[dup.later])
        if key in seen:
            continue
        seen.add(key)
        where = f"row {rows[dup.first]} of {files[dup.first]}"
        if dup.code == "duplicate_cell_id":
            message = (
                f"cell id '{stations['cell_id'].iloc[dup.later]}' of the same operator is already in {where}; "
                "the same list read twice, or ids that clash: rename or remove one"
            )
            column = "cell_id"
        else:
            message = (
                f"site '{stations['site_id'].iloc[dup.later]}' is {dup.distance_m / 1000:.2f} km from the "
                f"same site id in {where}; fix the coordinates or the ids"
            )
            column = "site_id"
        issues.append(
            Issue(
                int(rows[dup.later]),
                column,
                "error",
                dup.code,
                message,
                value=str(stations[column].iloc[dup.later]),
                file=str(files[dup.later]),
                params={
                    "variant": "other_file",
                    "first_row": int(rows[dup.first]),
                    "first_file": str(files[dup.first]),
                    "distance_km": dup.distance_m / 1000,
                },
            )
        )
    return issues, drop


def project_stations(stations: gpd.GeoDataFrame, crs: Any = None) -> gpd.GeoDataFrame:
    """Stations in a projected metric CRS, with ``x`` and ``y`` columns (metres).

    Parameters
    ----------
    stations
        Stations in any CRS (normally EPSG:4326 from :func:`read_stations`).
    crs
        Target CRS (EPSG code, string, pyproj CRS); must be projected in metres.
        ``None``: the UTM zone of the stations' centre (EPSG:32648 for Thanh Hóa).

    Raises
    ------
    InputError
        No CRS on the stations, or a geographic target CRS.
    """
    if stations.crs is None:
        raise InputError("the stations have no CRS; read them with read_stations (EPSG:4326)")
    if crs is None:
        if len(stations) == 0:
            raise InputError("cannot pick a UTM zone for an empty station table; pass crs")
        lonlat = stations.to_crs(4326)
        target = utm_crs_for_lonlat(float(np.nanmean(lonlat.geometry.x)), float(np.nanmean(lonlat.geometry.y)))
    else:
        try:
            target = CRS.from_user_input(crs)
        except Exception as exc:  # pyproj CRSError
            raise InputError(f"not a valid CRS: {crs!r} ({exc})") from exc
    if not target.is_projected:
        raise InputError(f"{target.name} is not a projected CRS; distances need metres (e.g. EPSG:32648)")
    unit = target.axis_info[0].unit_name if target.axis_info else "metre"
    if unit not in {"metre", "meter"}:
        raise InputError(f"{target.name} uses {unit}, not metres")
    out = stations.to_crs(target)
    out["x"] = out.geometry.x.to_numpy()
    out["y"] = out.geometry.y.to_numpy()
    return out


def write_stations_csv(stations: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write stations as UTF-8 CSV (canonical columns first, no geometry), atomically.

    UTF-8 without BOM, ``\n`` line ends, full float precision. It reads back
    with :func:`read_stations`; the original ``source_row`` and ``source_file``
    then arrive as the passed-through ``source_row (input)`` and
    ``source_file (input)`` columns.
    """
    missing = [c for c in ("lon", "lat") if c not in stations.columns]
    if missing:
        raise InputError(f"cannot write stations without columns {missing}")
    columns = [c for c in CANONICAL_COLUMNS if c in stations.columns]
    columns += [c for c in stations.columns if c not in columns and c not in {"geometry", "x", "y"}]
    table = pd.DataFrame(stations[columns])
    with atomic_path(path) as tmp:
        formula_safe_frame(table).to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
