"""The store's schema, as ordered migration steps for SQLite (GeoPackage) and PostgreSQL (PostGIS).

``schema_version`` holds one row per applied step. :func:`migrate` applies the missing steps in
order, each in its own transaction, so a database written by an older towerplan is upgraded in
place and a failed step leaves the previous version intact.

Steps
-----
1. users, station lists and their versions, the stations as rows with a point geometry
   (PostGIS ``geometry(Point,4326)``; a GeoPackage geometry blob in SQLite, registered in
   ``gpkg_geometry_columns`` so GIS tools open the file), inputs, plans, audit log; on PostgreSQL
   the database roles and the row-level security policies.
2. login sessions (token hashes with expiry) and per-user login throttling.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from towerplan.store.gpkg import gpkg_setup_statements

if TYPE_CHECKING:
    from towerplan.store.db import Database, Transaction

__all__ = ["LATEST_VERSION", "MIGRATIONS", "STATION_COLUMNS", "Migration", "migrate", "schema_version"]

log = logging.getLogger(__name__)

#: station columns stored per row (the canonical columns of towerplan.stations; geometry apart)
STATION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("site_id", "text"), ("cell_id", "text"), ("operator", "text"), ("technology", "text"),
    ("lon", "real"), ("lat", "real"), ("antenna_height_m", "real"), ("azimuth_deg", "real"),
    ("tilt_deg", "real"), ("h_beamwidth_deg", "real"), ("v_beamwidth_deg", "real"), ("freq_mhz", "real"),
    ("eirp_dbm", "real"), ("tx_power_dbm", "real"), ("antenna_gain_dbi", "real"), ("feeder_loss_db", "real"),
    ("band", "text"), ("source_row", "int"), ("source_file", "text"),
)

_TYPES = {
    "sqlite": {"id": "INTEGER PRIMARY KEY AUTOINCREMENT", "ts": "TEXT", "json": "TEXT", "real": "REAL",
               "int": "INTEGER", "text": "TEXT", "bool": "INTEGER", "geom": "BLOB", "ref": "INTEGER"},
    "postgresql": {"id": "BIGSERIAL PRIMARY KEY", "ts": "TIMESTAMPTZ", "json": "JSONB", "real": "DOUBLE PRECISION",
                   "int": "BIGINT", "text": "TEXT", "bool": "BOOLEAN", "geom": "geometry(Point,4326)",
                   "ref": "BIGINT"},
}

#: towerplan roles as PostgreSQL roles (NOLOGIN groups; store-made database logins are members)
PG_GROUP_ROLES = {"operator": "towerplan_operator", "planner": "towerplan_planner"}

_V1_TABLES = """
CREATE TABLE users (
  user_id {id}, username {text} NOT NULL UNIQUE, password_hash {text} NOT NULL, role {text} NOT NULL
  CHECK (role IN ('admin', 'planner', 'operator')), operator {text}, disabled {bool} NOT NULL DEFAULT {false},
  created_at {ts} NOT NULL);
CREATE TABLE station_lists (
  operator {text} PRIMARY KEY, current_version_id {ref}, next_number {int} NOT NULL DEFAULT 1);
CREATE TABLE station_versions (
  version_id {id}, operator {text} NOT NULL, number {int} NOT NULL, uploaded_by {text} NOT NULL,
  uploaded_at {ts} NOT NULL, sha256 {text} NOT NULL, filename {text} NOT NULL, n_sectors {int} NOT NULL,
  n_rejected {int} NOT NULL, report {json} NOT NULL, restored_from {ref}, UNIQUE (operator, number));
CREATE TABLE stations (
  station_id {id}, version_id {ref} NOT NULL REFERENCES station_versions (version_id), {station_columns},
  geom {geom});
CREATE INDEX stations_version ON stations (version_id);
CREATE TABLE inputs (
  input_id {id}, kind {text} NOT NULL, name {text} NOT NULL, reference {text} NOT NULL, sha256 {text} NOT NULL,
  registered_by {text} NOT NULL, registered_at {ts} NOT NULL);
CREATE TABLE plans (
  plan_id {id}, name {text} NOT NULL, created_by {text} NOT NULL, created_at {ts} NOT NULL, scenario {text} NOT NULL,
  settings {json} NOT NULL, summary {json} NOT NULL, package_path {text}, published {bool} NOT NULL DEFAULT {false});
CREATE TABLE plan_station_versions (
  plan_id {ref} NOT NULL REFERENCES plans (plan_id), operator {text} NOT NULL,
  version_id {ref} NOT NULL REFERENCES station_versions (version_id), PRIMARY KEY (plan_id, operator));
CREATE TABLE audit (
  entry_id {id}, at {ts} NOT NULL, username {text} NOT NULL, operator {text}, action {text} NOT NULL,
  target {text} NOT NULL, detail {json} NOT NULL);
"""

_V2_TABLES = """
CREATE TABLE sessions (
  token_sha256 {text} PRIMARY KEY, user_id {ref} NOT NULL REFERENCES users (user_id), created_at {ts} NOT NULL,
  expires_at {ts} NOT NULL);
ALTER TABLE users ADD COLUMN failed_logins {int} NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until {ts};
"""

# Row-level security (PostgreSQL 15 §5.8). The policies call the session's operator function
# through a scalar sub-query, evaluated once per statement (an InitPlan), not once per row.
# The store layer runs an operator's or planner's
# transactions under SET LOCAL ROLE towerplan_operator / towerplan_planner with
# towerplan.operator set; a database login made by the store (Store.grant_db_login) is mapped
# to its towerplan user in db_logins, and for such a session the setting is ignored, so raw SQL
# cannot claim another operator.
_PG_SECURITY = """
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'towerplan_operator') THEN
    CREATE ROLE towerplan_operator NOLOGIN; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'towerplan_planner') THEN
    CREATE ROLE towerplan_planner NOLOGIN; END IF;
END $$;
GRANT towerplan_operator, towerplan_planner TO CURRENT_USER;
CREATE TABLE db_logins (db_role TEXT PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users (user_id));
CREATE FUNCTION towerplan_session_operator() RETURNS TEXT LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path FROM CURRENT AS $$
  SELECT CASE WHEN EXISTS (SELECT 1 FROM db_logins WHERE db_role = session_user)
    THEN (SELECT u.operator FROM db_logins l JOIN users u ON u.user_id = l.user_id
          WHERE l.db_role = session_user AND NOT u.disabled)
    ELSE NULLIF(current_setting('towerplan.operator', true), '') END $$;
REVOKE ALL ON FUNCTION towerplan_session_operator() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION towerplan_session_operator() TO towerplan_operator, towerplan_planner;
GRANT USAGE ON SCHEMA {schema} TO towerplan_operator, towerplan_planner;
GRANT SELECT, INSERT ON station_versions, stations, audit TO towerplan_operator, towerplan_planner;
GRANT SELECT, INSERT, UPDATE ON station_lists TO towerplan_operator, towerplan_planner;
GRANT SELECT ON inputs TO towerplan_operator, towerplan_planner;
GRANT INSERT ON inputs TO towerplan_planner;
GRANT SELECT, INSERT, UPDATE ON plans TO towerplan_planner;
GRANT SELECT (plan_id, name, created_by, created_at, settings, summary, published) ON plans TO towerplan_operator;
GRANT SELECT, INSERT ON plan_station_versions TO towerplan_planner;
GRANT SELECT ON plan_station_versions TO towerplan_operator;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO towerplan_operator, towerplan_planner;
ALTER TABLE station_lists ENABLE ROW LEVEL SECURITY;
ALTER TABLE station_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE stations ENABLE ROW LEVEL SECURITY;
ALTER TABLE plans ENABLE ROW LEVEL SECURITY;
ALTER TABLE plan_station_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit ENABLE ROW LEVEL SECURITY;
CREATE POLICY planner_all ON station_lists TO towerplan_planner USING (true) WITH CHECK (true);
CREATE POLICY planner_all ON station_versions TO towerplan_planner USING (true) WITH CHECK (true);
CREATE POLICY planner_all ON stations TO towerplan_planner USING (true) WITH CHECK (true);
CREATE POLICY planner_all ON plans TO towerplan_planner USING (true) WITH CHECK (true);
CREATE POLICY planner_all ON plan_station_versions TO towerplan_planner USING (true) WITH CHECK (true);
CREATE POLICY planner_all ON audit TO towerplan_planner USING (true) WITH CHECK (true);
CREATE POLICY own_operator ON station_lists TO towerplan_operator
  USING (operator = (SELECT towerplan_session_operator()))
  WITH CHECK (operator = (SELECT towerplan_session_operator()));
CREATE POLICY own_operator ON station_versions TO towerplan_operator
  USING (operator = (SELECT towerplan_session_operator()))
  WITH CHECK (operator = (SELECT towerplan_session_operator()));
CREATE POLICY own_operator ON stations TO towerplan_operator
  USING (operator = (SELECT towerplan_session_operator()))
  WITH CHECK (operator = (SELECT towerplan_session_operator()));
CREATE POLICY own_operator ON plan_station_versions FOR SELECT TO towerplan_operator
  USING (operator = (SELECT towerplan_session_operator())
         AND EXISTS (SELECT 1 FROM plans p WHERE p.plan_id = plan_station_versions.plan_id AND p.published));
CREATE POLICY published_only ON plans FOR SELECT TO towerplan_operator USING (published);
CREATE POLICY own_operator ON audit TO towerplan_operator
  USING (operator = (SELECT towerplan_session_operator()))
  WITH CHECK (operator = (SELECT towerplan_session_operator()));
CREATE INDEX stations_geom ON stations USING GIST (geom);
"""

_PG_SECURITY_V2 = """
REVOKE ALL ON sessions FROM PUBLIC;
"""


def _ddl(template: str, dialect: str, *, schema: str = "public") -> list[str]:
    types = _TYPES[dialect]
    columns = ", ".join(f"{name} {types[kind]}" for name, kind in STATION_COLUMNS)
    false = "0" if dialect == "sqlite" else "false"
    text = template.format(station_columns=columns, false=false, schema=schema, **types)
    return _split(text)


def _split(text: str) -> list[str]:
    """SQL statements of ``text`` (``;`` at a line end ends a statement; ``$$`` bodies kept whole)."""
    statements: list[str] = []
    current: list[str] = []
    in_body = False
    for line in text.strip().splitlines():
        current.append(line)
        if line.count("$$") % 2 == 1:
            in_body = not in_body
        if not in_body and line.rstrip().endswith(";"):
            statements.append("\n".join(current).rstrip().rstrip(";"))
            current = []
    if current and "".join(current).strip():
        statements.append("\n".join(current))
    return statements


@dataclass(frozen=True)
class Migration:
    """One schema step: ``apply(tx)`` runs inside the step's transaction."""

    version: int
    description: str
    apply: Callable[[Transaction], None]


def _v1(tx: Transaction) -> None:
    statements = _ddl(_V1_TABLES, tx.dialect)
    if tx.dialect == "postgresql":
        tx.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    for statement in statements:
        tx.execute(statement)
    if tx.dialect == "postgresql":
        schema = tx.execute("SELECT current_schema()").fetchone()[0]
        for statement in _ddl(_PG_SECURITY, "postgresql", schema=f'"{schema}"'):
            tx.execute(statement)
    else:
        for statement in gpkg_setup_statements(table="stations", column="geom"):
            tx.execute(statement)


def _v2(tx: Transaction) -> None:
    for statement in _ddl(_V2_TABLES, tx.dialect):
        tx.execute(statement)
    if tx.dialect == "postgresql":
        for statement in _split(_PG_SECURITY_V2):
            tx.execute(statement)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "users, station versions and stations, inputs, plans, audit; roles and row-level security", _v1),
    Migration(2, "login sessions with expiry; per-user login throttling", _v2),
)
LATEST_VERSION = MIGRATIONS[-1].version


def schema_version(db: Database) -> int:
    """The highest applied step (0 for an empty database)."""
    with db.transaction() as tx:
        if not tx.table_exists("schema_version"):
            return 0
        row = tx.execute("SELECT MAX(version) FROM schema_version").fetchone()
        return int(row[0] or 0)


def migrate(db: Database, *, target: int | None = None, steps: Sequence[Migration] = MIGRATIONS) -> int:
    """Apply the missing steps up to ``target`` (default: the latest) and return the version reached."""
    goal = steps[-1].version if target is None else target
    with db.transaction(write=True) as tx:
        tx.execute(
            f"CREATE TABLE IF NOT EXISTS schema_version (version {_TYPES[tx.dialect]['int']} PRIMARY KEY, "
            f"description {_TYPES[tx.dialect]['text']} NOT NULL, applied_at {_TYPES[tx.dialect]['ts']} NOT NULL)"
        )
    current = schema_version(db)
    for step in steps:
        if current < step.version <= goal:
            with db.transaction(write=True) as tx:
                # lock, then re-check: two processes initialising at once apply each step once
                tx.lock("schema_version")
                done = tx.execute("SELECT 1 FROM schema_version WHERE version = ?", (step.version,)).fetchone()
                if done:
                    continue
                step.apply(tx)
                tx.execute(
                    "INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)",
                    (step.version, step.description, tx.now()),
                )
            log.info("store schema: applied step %d (%s)", step.version, step.description)
            current = step.version
    return schema_version(db)
