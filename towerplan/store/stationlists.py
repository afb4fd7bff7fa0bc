"""Station lists in the store: versioned uploads, restore, snapshot reads and exports.

Each upload of an operator's list becomes a new *version* (number 1, 2, ... per operator) with
its uploader, time, the file's SHA-256, the validation report and the valid sectors as rows;
the operator's *current* version is a pointer, so earlier versions stay readable and a restore
is a new version copying an old one's rows. A version is written in one transaction: a failure
or a crash part-way leaves nothing of it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from towerplan.errors import InputError, StationDataError, UnreadableFileError
from towerplan.stations import MAX_BYTES, StationLoad, read_stations, write_stations_csv
from towerplan.store.model import Actor, NotAllowedError, NotFoundError, StationVersion
from towerplan.store.schema import STATION_COLUMNS

if TYPE_CHECKING:
    from towerplan.store.core import Store
    from towerplan.store.db import Transaction

__all__ = ["current_versions", "export", "list_versions", "load", "put_version", "report_record", "restore", "upload"]

log = logging.getLogger(__name__)

_NAMES = ", ".join(name for name, _ in STATION_COLUMNS)
_VERSION_COLUMNS = (
    "v.version_id, v.operator, v.number, v.uploaded_by, v.uploaded_at, v.sha256, v.filename, v.n_sectors, "
    "v.n_rejected, v.report, v.restored_from, l.current_version_id"
)
#: at most this many issues of a validation report are kept with a version (the counts are always kept)
MAX_REPORT_ISSUES = 5000


def _scope(actor: Actor, column: str) -> tuple[str, list[Any]]:
    """The SQL restriction of ``actor``'s reads: an operator sees its own operator's rows only."""
    if actor.role == "operator":
        return f"{column} = ?", [actor.operator]
    return "1 = 1", []


def report_record(load: StationLoad) -> dict[str, Any]:
    """The validation report kept with a version: the summary and (at most 5,000) issues."""
    frame = load.report.to_frame()
    issues = frame.head(MAX_REPORT_ISSUES).astype(object).where(frame.head(MAX_REPORT_ISSUES).notna(), None)
    return {"summary": load.summary(), "n_issues": len(frame), "issues": issues.to_dict(orient="records")}


def upload(store: Store, actor: Actor, source: str | Path | bytes, *, name: str | None = None,
           operator: str | None = None, study_area: Any = None) -> StationVersion:
    """Read, validate and store one station list as the operator's new current version.

    Parameters
    ----------
    source
        A file path, or the file's bytes (then give ``name``).
    operator
        The list's operator: an operator account's own (default); a planner names it, or the
        file's single operator is used.
    study_area
        As for :func:`towerplan.stations.read_stations`.
    """
    from towerplan.store.core import canonical_operator

    store.require(actor, "operator", "planner")
    if isinstance(source, bytes):
        content, filename = source, name or "upload"
    else:
        path = Path(source)
        if not path.is_file():
            raise UnreadableFileError(f"no file {path}")
        if path.stat().st_size > MAX_BYTES:
            raise InputError(f"{path.name} is larger than {MAX_BYTES:,} bytes")
        content, filename = path.read_bytes(), name or path.name
    load = read_stations(content, name=filename, study_area=study_area)
    found = sorted(set(load.stations["operator"].dropna().astype(str)))
    if actor.role == "operator":
        target = str(actor.operator)
        if operator and canonical_operator(operator) != target:
            raise NotAllowedError("an operator account uploads only its own operator's stations")
    elif operator:
        target = canonical_operator(operator)
    elif len(found) == 1:
        target = found[0]
    else:
        raise InputError(f"the file holds {len(found)} operators: name the list's operator")
    foreign = int((load.stations["operator"].astype(str) != target).sum())
    if foreign:
        raise InputError(f"{foreign} sector(s) of the file are not {target}'s: a list holds one operator's sectors")
    if load.stations.empty:
        raise StationDataError(f"{filename}: no valid sector to store", load.report)
    return put_version(
        store, actor, target, load.stations, sha256=hashlib.sha256(content).hexdigest(), filename=filename,
        report=report_record(load), n_rejected=len(load.rejected),
    )


def put_version(store: Store, actor: Actor, operator: str, stations: pd.DataFrame | None, *, sha256: str,
                filename: str, report: Mapping[str, Any] | None = None, n_rejected: int = 0,
                restored_from: int | None = None) -> StationVersion:
    """Store ``stations`` (canonical columns) as ``operator``'s new current version, in one transaction.

    ``stations=None`` with ``restored_from`` copies that version's rows inside the database.
    """
    store.require(actor, "operator", "planner")
    if actor.role == "operator" and operator != actor.operator:
        raise NotAllowedError("an operator account writes only its own operator's stations")
    if stations is not None:
        if "operator" in stations.columns and (stations["operator"].astype(str) != operator).any():
            raise InputError(f"every sector of the version must be {operator}'s")
        for column in ("lon", "lat"):
            if column not in stations.columns:
                raise InputError(f"stations need a {column!r} column")
        stations = stations.assign(operator=operator)
    record = dict(report or {})
    with store.transaction(actor, write=True) as tx:
        tx.execute("INSERT INTO station_lists (operator) VALUES (?) ON CONFLICT (operator) DO NOTHING", (operator,))
        lock = " FOR UPDATE" if tx.dialect == "postgresql" else ""
        number = int(tx.execute(f"SELECT next_number FROM station_lists WHERE operator = ?{lock}",
                                (operator,)).fetchone()[0])
        now = store.clock()
        if stations is None:
            source = _visible_versions(tx, actor, [int(restored_from or 0)])
            if not source:
                raise NotFoundError(f"station version {restored_from} not found")
            n_sectors = int(tx.execute("SELECT COUNT(*) FROM stations WHERE version_id = ?",
                                       (restored_from,)).fetchone()[0])
        else:
            n_sectors = len(stations)
        version_id = tx.insert_id(
            "INSERT INTO station_versions (operator, number, uploaded_by, uploaded_at, sha256, filename, n_sectors, "
            "n_rejected, report, restored_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (operator, number, actor.username, tx.dump_time(now), sha256, filename, n_sectors, int(n_rejected),
             tx.json(record), restored_from), "version_id",
        )
        if stations is None:
            tx.execute(
                f"INSERT INTO stations ({_NAMES}, version_id, geom) SELECT {_NAMES}, ?, geom FROM stations "
                "WHERE version_id = ? ORDER BY station_id", (version_id, restored_from),
            )
        else:
            tx.insert_stations(version_id, stations)
        tx.execute("UPDATE station_lists SET current_version_id = ?, next_number = ? WHERE operator = ?",
                   (version_id, number + 1, operator))
        action = "stations.restore" if stations is None else "stations.upload"
        store.audit(tx, actor, action, f"stations {operator} v{number}", operator=operator,
                    detail={"version_id": version_id, "sha256": sha256, "file": filename, "sectors": n_sectors,
                            "restored_from": restored_from})
    log.info("stored %s stations v%d (%d sectors)", operator, number, n_sectors)
    return StationVersion(version_id, operator, number, actor.username, now, sha256, filename, n_sectors,
                          int(n_rejected), record, restored_from, True)


def _visible_versions(tx: Transaction, actor: Actor, version_ids: Sequence[int]) -> dict[int, str]:
    """``{version_id: operator}`` of the requested versions the actor may read."""
    where, params = tx.in_list("version_id", [int(v) for v in version_ids])
    scope, scope_params = _scope(actor, "operator")
    rows = tx.execute(f"SELECT version_id, operator FROM station_versions WHERE {where} AND {scope}",
                      [*params, *scope_params]).fetchall()
    return {int(r[0]): str(r[1]) for r in rows}


def _version(tx: Transaction, row: Sequence[Any]) -> StationVersion:
    return StationVersion(
        int(row[0]), row[1], int(row[2]), row[3], tx.load_time(row[4]), row[5], row[6], int(row[7]), int(row[8]),
        tx.load_json(row[9]), None if row[10] is None else int(row[10]), row[11] is not None and row[11] == row[0],
    )


def list_versions(store: Store, actor: Actor, *, operator: str | None = None) -> list[StationVersion]:
    """Every version the actor may read (an operator: its own), oldest first per operator."""
    scope, params = _scope(actor, "v.operator")
    if operator is not None:
        scope, params = f"{scope} AND v.operator = ?", [*params, operator]
    with store.transaction(actor) as tx:
        rows = tx.execute(
            f"SELECT {_VERSION_COLUMNS} FROM station_versions v LEFT JOIN station_lists l ON l.operator = v.operator "
            f"WHERE {scope} ORDER BY v.operator, v.number", params,
        ).fetchall()
        return [_version(tx, r) for r in rows]


def current_versions(store: Store, actor: Actor) -> dict[str, int]:
    """``{operator: current version id}`` the actor may read: the snapshot a plan runs on."""
    scope, params = _scope(actor, "operator")
    with store.transaction(actor) as tx:
        rows = tx.execute(
            f"SELECT operator, current_version_id FROM station_lists WHERE current_version_id IS NOT NULL AND {scope} "
            "ORDER BY operator", params,
        ).fetchall()
    return {str(r[0]): int(r[1]) for r in rows}


def load(store: Store, actor: Actor, version_ids: Sequence[int] | Mapping[str, int] | None = None) -> gpd.GeoDataFrame:
    """The sectors of these versions (default: every current version the actor may read), EPSG:4326."""
    if version_ids is None:
        ids = list(current_versions(store, actor).values())
    elif isinstance(version_ids, Mapping):
        ids = [int(v) for v in version_ids.values()]
    else:
        ids = [int(v) for v in version_ids]
    with store.transaction(actor) as tx:
        visible = _visible_versions(tx, actor, ids)
        missing = sorted(set(ids) - set(visible))
        if missing:
            raise NotFoundError(f"station version(s) {', '.join(map(str, missing))} not found")
        table = tx.select_stations(ids)
    return gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(table["lon"], table["lat"]), crs="EPSG:4326")


def restore(store: Store, actor: Actor, version_id: int) -> StationVersion:
    """Make an earlier version current again, as a new version copying its rows (history kept)."""
    store.require(actor, "operator", "planner")
    with store.transaction(actor) as tx:
        rows = tx.execute(
            f"SELECT {_VERSION_COLUMNS} FROM station_versions v LEFT JOIN station_lists l ON l.operator = v.operator "
            f"WHERE v.version_id = ? AND {_scope(actor, 'v.operator')[0]}",
            [int(version_id), *_scope(actor, "v.operator")[1]],
        ).fetchall()
        if not rows:
            raise NotFoundError(f"station version {version_id} not found")
        old = _version(tx, rows[0])
    return put_version(store, actor, old.operator, None, sha256=old.sha256, filename=old.filename,
                       report=old.report, n_rejected=old.n_rejected, restored_from=old.version_id)


def export(store: Store, actor: Actor, path: str | Path, *, operator: str | None = None,
           version_id: int | None = None) -> Path:
    """Write stations to ``path`` (``.csv``, ``.gpkg`` or ``.geojson``) and record the export in the audit log.

    Default: the current version of ``operator`` (an operator account: its own), or of every
    operator the actor may read.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".csv", ".gpkg", ".geojson"):
        raise InputError("export to a .csv, .gpkg or .geojson file")
    if version_id is not None:
        ids = [int(version_id)]
    else:
        current = current_versions(store, actor)
        ids = list(current.values()) if operator is None else [current[operator]] if operator in current else []
        if not ids:
            raise NotFoundError("no station list to export")
    stations = load(store, actor, ids)
    if suffix == ".csv":
        write_stations_csv(stations.drop(columns=["version_id"]), target)
    else:
        driver = "GPKG" if suffix == ".gpkg" else "GeoJSON"
        target.unlink(missing_ok=True)
        stations.to_file(target, driver=driver, **({"layer": "stations"} if driver == "GPKG" else {}))
    operators = sorted(set(stations["operator"].astype(str)))
    with store.transaction(actor, write=True) as tx:
        store.audit(tx, actor, "stations.export", f"stations {', '.join(operators)}",
                    operator=operators[0] if len(operators) == 1 else None,
                    detail={"version_ids": ids, "path": str(target), "sectors": len(stations)})
    return target
