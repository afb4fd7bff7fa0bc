"""``towerplan store init|user|upload|list|export|restore``: the shared project store from the command line.

A plan run on the store: ``snapshot --out DIR`` exports the current lists with their version ids,
``towerplan run`` uses those files, ``plan record --snapshot DIR/snapshot.json`` keeps the exact
versions, the scenario and the package's summary; ``plan publish ID`` shows it to the operators.

The store is ``--store`` (a file path or a ``postgresql://`` URL), else ``TOWERPLAN_DATABASE_URL``,
else ``TOWERPLAN_STORE``. Every command but ``init`` logs in as ``--user`` (or ``TOWERPLAN_USER``)
with the password in ``TOWERPLAN_PASSWORD`` or typed at the prompt; a new account's password
comes from ``TOWERPLAN_NEW_PASSWORD`` or the prompt. What a command may do and see is decided
by the account's role, as in the app.

Exit codes: 0 done; 1 refused or not found (role, throttled login, validation); 2 bad usage,
unreadable file or store.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import tomllib
from pathlib import Path
from typing import Any

from towerplan.errors import ConfigError
from towerplan.store import INPUT_KINDS, LATEST_VERSION, ROLES, Actor, Store, open_store, store_location

__all__ = ["register", "run"]

PASSWORD_ENV = "TOWERPLAN_PASSWORD"
NEW_PASSWORD_ENV = "TOWERPLAN_NEW_PASSWORD"
USER_ENV = "TOWERPLAN_USER"


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``store`` sub-command and its own sub-commands."""
    parser = subparsers.add_parser(
        "store", help="the shared project store: users, station lists, plans",
        description="Manage the shared project store (a file, or PostgreSQL+PostGIS). Passwords come from "
                    f"{PASSWORD_ENV} / {NEW_PASSWORD_ENV} or the prompt, never from the command line.",
    )
    parser.add_argument("--store", metavar="PATH_OR_URL",
                        help="store file or postgresql:// URL (default: $TOWERPLAN_DATABASE_URL, $TOWERPLAN_STORE)")
    parser.add_argument("--user", metavar="NAME", help=f"log in as NAME (default: ${USER_ENV})")
    sub = parser.add_subparsers(dest="store_command", metavar="ACTION", required=True)

    init = sub.add_parser("init", help="create or upgrade the store; --admin creates the first administrator")
    init.add_argument("--admin", metavar="NAME", help="first administrator's user name (password: prompt/env)")

    user = sub.add_parser("user", help="accounts (administrators)")
    user.add_argument("action", choices=("add", "list", "role", "disable", "enable", "password", "db-login"))
    user.add_argument("name", nargs="?", help="the account")
    user.add_argument("--role", choices=ROLES)
    user.add_argument("--operator", help="the operator of an operator account (e.g. Viettel)")
    user.add_argument("--db-role", help="db-login: the PostgreSQL login role to create")

    upload = sub.add_parser("upload", help="validate and store a station list as a new version")
    upload.add_argument("file", metavar="FILE")
    upload.add_argument("--operator", help="the list's operator (planners; operators upload their own)")

    listing = sub.add_parser("list", help="list what your role may see")
    listing.add_argument("what", nargs="?", default="versions",
                         choices=("versions", "current", "plans", "inputs", "audit", "users"))
    listing.add_argument("--operator", help="only this operator's versions")
    listing.add_argument("--json", action="store_true", help="print JSON")

    export = sub.add_parser("export", help="write station lists to .csv/.gpkg/.geojson (audited)")
    export.add_argument("--out", required=True, metavar="FILE")
    export.add_argument("--operator", help="this operator's current list")
    export.add_argument("--version", type=int, metavar="ID", help="this version id")

    restore = sub.add_parser("restore", help="make an earlier version current again (as a new version)")
    restore.add_argument("version", type=int, metavar="ID")

    register_input = sub.add_parser("input", help="register an input file by reference and checksum (planners)")
    register_input.add_argument("kind", choices=INPUT_KINDS)
    register_input.add_argument("reference", metavar="PATH_OR_URL")
    register_input.add_argument("--sha256", help="checksum of a reference that is not a local file")
    snapshot = sub.add_parser("snapshot", help="export the current station lists for a run, with their version ids")
    snapshot.add_argument("--out", required=True, metavar="DIR", help="folder for stations_v<ID>.csv + snapshot.json")

    plan = sub.add_parser("plan", help="record a plan run on a snapshot, or publish one (planners)")
    plan.add_argument("action", choices=("record", "publish", "unpublish"))
    plan.add_argument("plan_id", nargs="?", type=int, metavar="ID", help="publish/unpublish: the plan")
    plan.add_argument("--name", help="record: the plan's name")
    plan.add_argument("--snapshot", metavar="JSON", help="record: the snapshot.json the run used")
    plan.add_argument("--scenario", metavar="TOML", help="record: the scenario file the run used")
    plan.add_argument("--package", metavar="DIR", help="record: the run's plan package (its summary.json is kept)")
    parser.set_defaults(func=run)
    return parser


def _password(env: str, prompt: str, *, confirm: bool = False) -> str:
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin.isatty():
        raise ConfigError(f"no password: set {env} or run in a terminal")
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("again: ") != first:
        raise ConfigError("the two passwords differ")
    return first


def _open(args: argparse.Namespace) -> Store:
    location = store_location(args.store, os.environ)
    if location is None:
        raise ConfigError("no store: give --store or set TOWERPLAN_DATABASE_URL / TOWERPLAN_STORE")
    return open_store(location)


def _login(store: Store, args: argparse.Namespace) -> tuple[Actor, str]:
    store.check_ready()
    name = args.user or os.environ.get(USER_ENV)
    if not name:
        raise ConfigError(f"log in with --user NAME (or ${USER_ENV})")
    session = store.login(name, _password(PASSWORD_ENV, f"password for {name}: "))
    return session.actor, session.token


def _print_rows(rows: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=1, default=str))
        return
    if not rows:
        print("(nothing)")
        return
    for row in rows:
        print("  ".join(f"{key}={value}" for key, value in row.items()))


def run(args: argparse.Namespace) -> int:
    store = _open(args)
    if args.store_command == "init":
        version = store.init()
        print(f"store {store.db.location}: schema version {version} (latest {LATEST_VERSION})")
        if args.admin:
            store.bootstrap_admin(args.admin, _password(PASSWORD_ENV, f"password for {args.admin}: ", confirm=True))
            print(f"administrator {args.admin} created")
        return 0
    actor, token = _login(store, args)
    try:
        return _ACTIONS[args.store_command](store, actor, args)
    finally:
        store.logout(token)


def _user(store: Store, actor: Actor, args: argparse.Namespace) -> int:
    if args.action == "list":
        _print_rows([{"user": u.username, "role": u.role, "operator": u.operator or "", "disabled": u.disabled}
                     for u in store.list_users(actor)], False)
        return 0
    if not args.name:
        raise ConfigError(f"store user {args.action}: name the account")
    if args.action == "add":
        if not args.role:
            raise ConfigError("store user add: give --role")
        store.create_user(actor, args.name, _password(NEW_PASSWORD_ENV, f"new password for {args.name}: ",
                                                      confirm=True), args.role, operator=args.operator)
    elif args.action == "role":
        if not args.role:
            raise ConfigError("store user role: give --role")
        store.set_role(actor, args.name, args.role, operator=args.operator)
    elif args.action in ("disable", "enable"):
        store.disable_user(actor, args.name, disabled=args.action == "disable")
    elif args.action == "password":
        store.set_password(actor, args.name, _password(NEW_PASSWORD_ENV, f"new password for {args.name}: ",
                                                       confirm=True))
    else:
        if not args.db_role:
            raise ConfigError("store user db-login: give --db-role")
        store.grant_db_login(actor, args.name, db_role=args.db_role,
                             password=_password(NEW_PASSWORD_ENV, f"password for database login {args.db_role}: ",
                                                confirm=True))
    print(f"user {args.name}: {args.action} done")
    return 0


def _upload(store: Store, actor: Actor, args: argparse.Namespace) -> int:
    version = store.upload_stations(actor, args.file, operator=args.operator)
    summary = version.report.get("summary", {})
    print(f"stored {version.operator} version {version.number} (id {version.version_id}): "
          f"{version.n_sectors:,} sectors, {version.n_rejected:,} rows rejected, "
          f"{summary.get('errors', 0):,} error(s), {summary.get('warnings', 0):,} warning(s); sha256 {version.sha256}")
    return 0


def _list(store: Store, actor: Actor, args: argparse.Namespace) -> int:
    rows: list[dict[str, Any]]
    if args.what == "versions":
        rows = [{"id": v.version_id, "operator": v.operator, "version": v.number, "current": v.current,
                 "sectors": v.n_sectors, "rejected": v.n_rejected, "by": v.uploaded_by,
                 "at": v.uploaded_at.isoformat(timespec="seconds"), "file": v.filename, "sha256": v.sha256[:12],
                 "restored_from": v.restored_from or ""} for v in store.station_versions(actor, operator=args.operator)]
    elif args.what == "current":
        rows = [{"operator": k, "id": v} for k, v in store.current_versions(actor).items()]
    elif args.what == "plans":
        rows = [{"id": p.plan_id, "name": p.name, "published": p.published, "by": p.created_by,
                 "station_versions": p.station_versions, "summary": p.summary} for p in store.plans(actor)]
    elif args.what == "inputs":
        rows = [{"id": i.input_id, "kind": i.kind, "name": i.name, "sha256": i.sha256, "reference": i.reference}
                for i in store.inputs(actor)]
    elif args.what == "audit":
        rows = [{"at": e.at.isoformat(timespec="seconds"), "user": e.username, "action": e.action,
                 "target": e.target} for e in store.audit_log(actor)]
    else:
        rows = [{"user": u.username, "role": u.role, "operator": u.operator or "", "disabled": u.disabled}
                for u in store.list_users(actor)]
    _print_rows(rows, args.json)
    return 0


def _export(store: Store, actor: Actor, args: argparse.Namespace) -> int:
    path = store.export_stations(actor, args.out, operator=args.operator, version_id=args.version)
    print(f"wrote {path}")
    return 0


def _restore(store: Store, actor: Actor, args: argparse.Namespace) -> int:
    version = store.restore_version(actor, args.version)
    print(f"{version.operator}: version {version.number} (id {version.version_id}) restores id {args.version}")
    return 0


def _input(store: Store, actor: Actor, args: argparse.Namespace) -> int:
    ref = store.register_input(actor, args.kind, args.reference, sha256=args.sha256)
    print(f"input {ref.input_id}: {ref.kind} {ref.name} sha256 {ref.sha256}")
    return 0


def _snapshot(store: Store, actor: Actor, args: argparse.Namespace) -> int:
    folder = Path(args.out)
    folder.mkdir(parents=True, exist_ok=True)
    versions = store.current_versions(actor)
    files = {}
    for operator, version_id in versions.items():
        path = store.export_stations(actor, folder / f"stations_v{version_id}.csv", version_id=version_id)
        files[operator] = path.name
    record = {"station_versions": versions, "files": files, "store": store.db.location}
    (folder / "snapshot.json").write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"snapshot of {len(versions)} station list(s) in {folder}: " + ", ".join(
        f"{op} v{vid}" for op, vid in versions.items()))
    return 0


def _plan(store: Store, actor: Actor, args: argparse.Namespace) -> int:
    if args.action in ("publish", "unpublish"):
        if args.plan_id is None:
            raise ConfigError(f"store plan {args.action}: give the plan id")
        record = store.publish_plan(actor, args.plan_id, published=args.action == "publish")
        print(f"plan {record.plan_id} {record.name!r}: {'published' if record.published else 'not published'}")
        return 0
    if not (args.name and args.snapshot and args.scenario):
        raise ConfigError("store plan record: give --name, --snapshot and --scenario")
    snapshot = json.loads(Path(args.snapshot).read_text(encoding="utf-8"))
    scenario_text = Path(args.scenario).read_text(encoding="utf-8")
    try:
        settings = tomllib.loads(scenario_text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{args.scenario}: not TOML ({exc})") from exc
    summary: dict[str, Any] = {}
    if args.package and (Path(args.package) / "summary.json").is_file():
        summary = json.loads((Path(args.package) / "summary.json").read_text(encoding="utf-8"))
    record = store.record_plan(actor, args.name, scenario=scenario_text, settings=settings,
                               station_versions=snapshot.get("station_versions", {}), summary=summary,
                               package_path=str(Path(args.package).resolve()) if args.package else None)
    print(f"plan {record.plan_id} {record.name!r} recorded on " + ", ".join(
        f"{op} v{vid}" for op, vid in record.station_versions.items()))
    return 0


_ACTIONS = {"user": _user, "upload": _upload, "list": _list, "export": _export, "restore": _restore,
            "input": _input, "snapshot": _snapshot, "plan": _plan}
