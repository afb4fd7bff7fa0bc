"""The shared project store: users and roles, versioned station lists, inputs, plans, audit log.

Two backends behind one interface (:class:`Store`): a single SQLite/GeoPackage file (the
default for one machine) and PostgreSQL + PostGIS (when a ``postgresql://`` URL is configured,
e.g. ``TOWERPLAN_DATABASE_URL``), where row-level security enforces the roles in the database
too::

    store = open_store("project.gpkg"); store.init()
    admin = store.bootstrap_admin("admin", "a long password")
    session = store.login("viettel-ops", "...")
    store.upload_stations(session.actor, "viettel.xlsx")
    snapshot = store.current_versions(planner)        # {operator: version id}
    stations = store.load_stations(planner, snapshot)  # the same rows whatever lands later
"""

from __future__ import annotations

from towerplan.store.auth import AuthPolicy
from towerplan.store.core import Store, canonical_operator, open_store
from towerplan.store.db import open_database, redact_url
from towerplan.store.model import (
    INPUT_KINDS,
    ROLES,
    Actor,
    AuditEntry,
    InputRef,
    LoginThrottledError,
    NotAllowedError,
    NotFoundError,
    PlanRecord,
    SessionToken,
    StationVersion,
    StoreError,
    User,
)
from towerplan.store.schema import LATEST_VERSION, MIGRATIONS
from towerplan.store.settings import DATABASE_URL_ENV, STORE_PATH_ENV, store_location

__all__ = [
    "DATABASE_URL_ENV",
    "INPUT_KINDS",
    "LATEST_VERSION",
    "MIGRATIONS",
    "ROLES",
    "STORE_PATH_ENV",
    "Actor",
    "AuditEntry",
    "AuthPolicy",
    "InputRef",
    "LoginThrottledError",
    "NotAllowedError",
    "NotFoundError",
    "PlanRecord",
    "SessionToken",
    "StationVersion",
    "Store",
    "StoreError",
    "User",
    "canonical_operator",
    "open_database",
    "open_store",
    "redact_url",
    "store_location",
]
