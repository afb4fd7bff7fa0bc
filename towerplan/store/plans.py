"""Inputs by reference and checksum, and plans with the exact station versions they used."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from towerplan.errors import InputError, UnreadableFileError
from towerplan.store.model import INPUT_KINDS, Actor, InputRef, NotFoundError, PlanRecord

if TYPE_CHECKING:
    from towerplan.store.core import Store
    from towerplan.store.db import Transaction

__all__ = ["file_sha256", "get_plan", "list_inputs", "list_plans", "publish_plan", "record_plan", "register_input"]

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def file_sha256(path: str | Path, *, chunk_bytes: int = 1 << 20) -> str:
    """SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()


def register_input(store: Store, actor: Actor, kind: str, reference: str | Path, *, name: str | None = None,
                   sha256: str | None = None) -> InputRef:
    """Record an input (DEM, population, land cover, communes, villages, roads) by reference and checksum.

    A local file's checksum is computed; a reference that is not a local file (a URL, a path on
    another machine) needs ``sha256``.
    """
    store.require(actor, "planner", "admin")
    if kind not in INPUT_KINDS:
        raise InputError(f"input kind must be one of {INPUT_KINDS}, got {kind!r}")
    text = str(reference)
    path = Path(text)
    if "://" not in text and path.is_file():
        digest = file_sha256(path)
        if sha256 and sha256.lower() != digest:
            raise InputError(f"{path.name}: its SHA-256 is {digest}, not the one given")
        text = str(path.resolve())
    elif sha256 and _SHA256.match(sha256.lower()):
        digest = sha256.lower()
    else:
        raise UnreadableFileError(f"{text} is not a readable file: give its SHA-256 to register it by reference")
    label = name or path.name or text
    with store.transaction(actor, write=True) as tx:
        now = store.clock()
        input_id = tx.insert_id(
            "INSERT INTO inputs (kind, name, reference, sha256, registered_by, registered_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (kind, label, text, digest, actor.username, tx.dump_time(now)), "input_id",
        )
        store.audit(tx, actor, "input.register", f"input {kind} {label}", detail={"sha256": digest, "reference": text})
    return InputRef(input_id, kind, label, text, digest, actor.username, now)  # type: ignore[arg-type]


def list_inputs(store: Store, actor: Actor) -> list[InputRef]:
    with store.transaction(actor) as tx:
        rows = tx.execute(
            "SELECT input_id, kind, name, reference, sha256, registered_by, registered_at FROM inputs ORDER BY input_id"
        ).fetchall()
        return [InputRef(int(r[0]), r[1], r[2], r[3], r[4], r[5], tx.load_time(r[6])) for r in rows]


def record_plan(store: Store, actor: Actor, name: str, *, scenario: str, settings: Mapping[str, Any],
                station_versions: Mapping[str, int], summary: Mapping[str, Any],
                package_path: str | Path | None = None) -> PlanRecord:
    """Record a plan (planners): the scenario text, settings, the station versions it ran on, its summary."""
    store.require(actor, "planner")
    if not name or len(name) > 200:
        raise InputError("a plan name has 1 to 200 characters")
    versions = {str(k): int(v) for k, v in station_versions.items()}
    with store.transaction(actor, write=True) as tx:
        where, params = tx.in_list("version_id", list(versions.values()))
        known = {int(r[0]): str(r[1]) for r in tx.execute(
            f"SELECT version_id, operator FROM station_versions WHERE {where}", params).fetchall()}
        for operator, version_id in versions.items():
            if known.get(version_id) != operator:
                raise NotFoundError(f"station version {version_id} of {operator} not found")
        now = store.clock()
        plan_id = tx.insert_id(
            "INSERT INTO plans (name, created_by, created_at, scenario, settings, summary, package_path, published) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (name, actor.username, tx.dump_time(now), scenario, tx.json(dict(settings)), tx.json(dict(summary)),
             None if package_path is None else str(package_path), False), "plan_id",
        )
        for operator, version_id in sorted(versions.items()):
            tx.execute("INSERT INTO plan_station_versions (plan_id, operator, version_id) VALUES (?, ?, ?)",
                       (plan_id, operator, version_id))
        store.audit(tx, actor, "plan.record", f"plan {plan_id} {name}", detail={"station_versions": versions})
    return PlanRecord(plan_id, name, actor.username, now, scenario, dict(settings), versions, dict(summary),
                      None if package_path is None else str(package_path), False)


def publish_plan(store: Store, actor: Actor, plan_id: int, *, published: bool = True) -> PlanRecord:
    store.require(actor, "planner")
    with store.transaction(actor, write=True) as tx:
        count = tx.execute("UPDATE plans SET published = ? WHERE plan_id = ?", (bool(published), int(plan_id))).rowcount
        if not count:
            raise NotFoundError(f"plan {plan_id} not found")
        store.audit(tx, actor, "plan.publish" if published else "plan.unpublish", f"plan {plan_id}")
    return get_plan(store, actor, plan_id)


def _plans(store: Store, actor: Actor, plan_id: int | None) -> list[PlanRecord]:
    operator = actor.role == "operator"
    # an operator reads neither the scenario text nor the package (both name every operator's sites)
    columns = "plan_id, name, created_by, created_at, settings, summary, published" + (
        "" if operator else ", scenario, package_path")
    clauses, params = ([], []) if plan_id is None else (["plan_id = ?"], [int(plan_id)])
    if operator:
        clauses.append("published = ?")
        params.append(True)
    where = " AND ".join(clauses) or "1 = 1"
    with store.transaction(actor) as tx:
        rows = tx.execute(f"SELECT {columns} FROM plans WHERE {where} ORDER BY plan_id", params).fetchall()
        return [_plan(tx, actor, row, operator) for row in rows]


def _plan(tx: Transaction, actor: Actor, row: Any, operator: bool) -> PlanRecord:
    where, params = ("plan_id = ?", [row[0]])
    if operator:
        where, params = f"{where} AND operator = ?", [*params, actor.operator]
    versions = {str(r[0]): int(r[1]) for r in tx.execute(
        f"SELECT operator, version_id FROM plan_station_versions WHERE {where} ORDER BY operator", params).fetchall()}
    return PlanRecord(
        int(row[0]), row[1], row[2], tx.load_time(row[3]), "" if operator else row[7], tx.load_json(row[4]),
        versions, tx.load_json(row[5]), None if operator else row[8], bool(row[6]),
    )


def list_plans(store: Store, actor: Actor) -> list[PlanRecord]:
    """Every plan (planners, admins); published plans only, without other operators' details (operators)."""
    return _plans(store, actor, None)


def get_plan(store: Store, actor: Actor, plan_id: int) -> PlanRecord:
    found = _plans(store, actor, plan_id)
    if not found:
        raise NotFoundError(f"plan {plan_id} not found")
    return found[0]
