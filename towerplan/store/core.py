"""The :class:`Store`: one interface over both backends, with the roles enforced on every call.

Every public method takes the calling :class:`Actor` first (from :meth:`Store.login` or
:meth:`Store.authenticate`); the actor is checked against the users table in the same
transaction (a disabled account or a changed role stops at once). An operator's queries are
always restricted to its own operator in SQL, and on PostgreSQL they also run under the
``towerplan_operator`` database role, whose row-level security policies filter the same rows.
Objects an actor may not see read exactly like objects that do not exist.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd

from towerplan.errors import InputError, UnreadableFileError
from towerplan.stations import resolve_operator
from towerplan.store import auth, plans, stationlists
from towerplan.store.db import Database, Transaction, open_database
from towerplan.store.model import (
    ROLES,
    Actor,
    AuditEntry,
    InputRef,
    LoginThrottledError,
    NotAllowedError,
    NotFoundError,
    PlanRecord,
    Role,
    SessionToken,
    StationVersion,
    StoreError,
    User,
    check_username,
)
from towerplan.store.schema import LATEST_VERSION, migrate, schema_version

__all__ = ["Store", "canonical_operator", "open_store"]

log = logging.getLogger(__name__)

_BAD_LOGIN = "wrong user name or password"


def canonical_operator(name: str) -> str:
    """The canonical name of a known operator (``"viettel"`` -> ``"Viettel"``), else ``name`` stripped."""
    text = str(name).strip()
    if not text or len(text) > 100:
        raise InputError("an operator name has 1 to 100 characters")
    return resolve_operator(text) or text


class Store:
    """The shared project store (see ``docs/DESIGN.md``, "The project store").

    Parameters
    ----------
    db
        The backend (:func:`open_store` chooses it from a path or URL).
    policy
        Session lifetime and login throttling.
    clock
        Returns the current UTC time (tests move it forward to expire sessions).
    """

    def __init__(
        self, db: Database, *, policy: auth.AuthPolicy | None = None, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.db = db
        self.policy = policy or auth.AuthPolicy()
        self.clock = clock or (lambda: datetime.now(UTC))

    def __repr__(self) -> str:
        return f"Store({self.db.location!r})"

    # ------------------------------------------------------------------ schema
    def init(self, *, target_version: int | None = None) -> int:
        """Create or upgrade the schema; returns the version reached."""
        self.db.create()
        return migrate(self.db, target=target_version)

    @property
    def version(self) -> int:
        """The schema version (0: an empty or missing store)."""
        return schema_version(self.db) if self.db.exists() else 0

    def check_ready(self) -> None:
        """Raise StoreError unless the store exists at the latest schema version."""
        try:
            version = self.version
        except UnreadableFileError as exc:
            raise StoreError(str(exc)) from exc
        if version != LATEST_VERSION:
            raise StoreError(
                f"store {self.db.location} has schema version {version}, expected {LATEST_VERSION}: "
                "run 'towerplan store init' to create or upgrade it"
            )

    # ------------------------------------------------------------------ transactions
    @contextmanager
    def transaction(self, actor: Actor | None, *, write: bool = False) -> Iterator[Transaction]:
        """A transaction for ``actor`` (checked against the users table first); ``None``: the system."""
        if actor is not None:
            self._check_actor(actor)
        with self.db.transaction(write=write, actor=actor) as tx:
            yield tx

    def _check_actor(self, actor: Actor) -> None:
        with self.db.transaction() as tx:
            row = tx.execute(
                "SELECT username, role, operator, disabled FROM users WHERE user_id = ?", (actor.user_id,)
            ).fetchone()
        if row is None or bool(row[3]) or (row[0], row[1], row[2]) != (actor.username, actor.role, actor.operator):
            raise NotAllowedError("this account is disabled or its role changed: log in again")

    def audit(self, tx: Transaction, actor: Actor | None, action: str, target: str, *,
              operator: str | None = None, detail: Mapping[str, Any] | None = None) -> None:
        """Append one audit line in ``tx`` (so it commits or rolls back with the change it records)."""
        if actor is not None and actor.role == "operator":
            operator = actor.operator
        tx.execute(
            "INSERT INTO audit (at, username, operator, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)",
            (tx.dump_time(self.clock()), actor.username if actor else "(system)", operator, action, target,
             tx.json(dict(detail or {}))),
        )

    @staticmethod
    def require(actor: Actor, *roles: Role) -> None:
        if actor.role not in roles:
            article = "an" if actor.role[0] in "aeiou" else "a"
            raise NotAllowedError(f"{article} {actor.role} account cannot do this (needs: {', '.join(roles)})")

    # ------------------------------------------------------------------ users
    def bootstrap_admin(self, username: str, password: str) -> User:
        """Create the first administrator; refused once any user exists."""
        check_username(username)
        digest = auth.hash_password(password, policy=self.policy)
        with self.transaction(None, write=True) as tx:
            tx.lock("users")
            if tx.execute("SELECT COUNT(*) FROM users").fetchone()[0]:
                raise NotAllowedError("the store already has users: an administrator adds the others")
            user_id = tx.insert_id(
                "INSERT INTO users (username, password_hash, role, operator, created_at) "
                "VALUES (?, ?, 'admin', NULL, ?)",
                (username, digest, tx.dump_time(self.clock())), "user_id",
            )
            self.audit(tx, None, "user.create", f"user {username}", detail={"role": "admin"})
        return User(user_id, username, "admin")

    def create_user(self, actor: Actor, username: str, password: str, role: Role, *,
                    operator: str | None = None) -> User:
        """Add an account (administrators only); an operator account names its operator."""
        self.require(actor, "admin")
        user = User(0, check_username(username), role, canonical_operator(operator) if operator else None)
        if role != "operator" and operator:
            raise InputError("only operator accounts belong to an operator")
        digest = auth.hash_password(password, policy=self.policy)
        with self.transaction(actor, write=True) as tx:
            if tx.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone():
                raise StoreError(f"user {username!r} exists already")
            user_id = tx.insert_id(
                "INSERT INTO users (username, password_hash, role, operator, created_at) VALUES (?, ?, ?, ?, ?)",
                (username, digest, role, user.operator, tx.dump_time(self.clock())), "user_id",
            )
            self.audit(tx, actor, "user.create", f"user {username}",
                       detail={"role": role, "operator": user.operator})
        return User(user_id, username, role, user.operator)

    def set_role(self, actor: Actor, username: str, role: Role, *, operator: str | None = None) -> User:
        """Change an account's role (administrators only); its sessions end."""
        self.require(actor, "admin")
        if role not in ROLES:
            raise InputError(f"role must be one of {ROLES}")
        checked = User(1, username, role, canonical_operator(operator) if operator else None)
        with self.transaction(actor, write=True) as tx:
            user_id = self._user_id(tx, username)
            tx.execute("UPDATE users SET role = ?, operator = ? WHERE user_id = ?", (role, checked.operator, user_id))
            tx.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,))
            self.audit(tx, actor, "user.role", f"user {username}", detail={"role": role, "operator": checked.operator})
        return User(user_id, username, role, checked.operator)

    def set_password(self, actor: Actor, username: str, password: str) -> None:
        """Change a password (administrators, or the account itself); its sessions end."""
        if actor.role != "admin" and actor.username != username:
            raise NotAllowedError("only an administrator changes another account's password")
        digest = auth.hash_password(password, policy=self.policy)
        self._check_actor(actor)
        with self.transaction(None, write=True) as tx:
            user_id = self._user_id(tx, username)
            tx.execute("UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = NULL WHERE user_id = ?",
                       (digest, user_id))
            tx.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,))
            self.audit(tx, actor, "user.password", f"user {username}")

    def disable_user(self, actor: Actor, username: str, *, disabled: bool = True) -> None:
        """Disable (or re-enable) an account (administrators only); its sessions end."""
        self.require(actor, "admin")
        with self.transaction(actor, write=True) as tx:
            user_id = self._user_id(tx, username)
            tx.execute("UPDATE users SET disabled = ? WHERE user_id = ?", (bool(disabled), user_id))
            tx.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,))
            self.audit(tx, actor, "user.disable" if disabled else "user.enable", f"user {username}")

    def list_users(self, actor: Actor) -> list[User]:
        self.require(actor, "admin")
        with self.transaction(actor) as tx:
            rows = tx.execute(
                "SELECT user_id, username, role, operator, disabled FROM users ORDER BY username"
            ).fetchall()
        return [User(int(r[0]), r[1], r[2], r[3], bool(r[4])) for r in rows]

    def grant_db_login(self, actor: Actor, username: str, *, db_role: str, password: str) -> None:
        """PostgreSQL only: a database login for ``username`` (for GIS/BI tools reading the tables).

        The login is a member of ``towerplan_operator`` or ``towerplan_planner``; row-level
        security maps it to ``username``'s operator, whatever session settings it makes.
        """
        self.require(actor, "admin")
        if self.db.dialect != "postgresql":
            raise StoreError("database logins exist only on the PostgreSQL store")
        from psycopg import sql

        auth.hash_password(password, policy=self.policy)  # same minimum length
        with self.transaction(actor, write=True) as tx:
            row = tx.execute("SELECT user_id, role FROM users WHERE username = ?", (username,)).fetchone()
            if row is None or row[1] == "admin":
                raise NotFoundError(f"no operator or planner account {username!r}")
            group = "towerplan_operator" if row[1] == "operator" else "towerplan_planner"
            tx.cursor.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} IN ROLE {}").format(
                sql.Identifier(db_role), sql.Literal(password), sql.Identifier(group)))
            tx.execute("INSERT INTO db_logins (db_role, user_id) VALUES (?, ?)", (db_role, int(row[0])))
            self.audit(tx, actor, "user.db_login", f"user {username}", detail={"db_role": db_role})

    @staticmethod
    def _user_id(tx: Transaction, username: str) -> int:
        row = tx.execute("SELECT user_id FROM users WHERE username = ?", (username,)).fetchone()
        if row is None:
            raise NotFoundError(f"no user {username!r}")
        return int(row[0])

    # ------------------------------------------------------------------ sessions
    def _dummy_hash(self) -> str:
        return _dummy_hash(self.policy)

    def login(self, username: str, password: str) -> SessionToken:
        """Check a password and open a session; repeated failures make the account wait."""
        now = self.clock()
        error: StoreError | None = None
        with self.transaction(None, write=True) as tx:
            row = tx.execute(
                "SELECT user_id, password_hash, role, operator, disabled, failed_logins, locked_until "
                "FROM users WHERE username = ?", (username,),
            ).fetchone()
            if row is None:
                # the same work as for a real account: no timing difference
                auth.verify_password(self._dummy_hash(), password, policy=self.policy)
                raise StoreError(_BAD_LOGIN)
            user_id, digest, role, operator, disabled, failures, locked_until = row
            if locked_until is not None and tx.load_time(locked_until) > now:
                wait_s = (tx.load_time(locked_until) - now).total_seconds()
                raise LoginThrottledError(f"too many failed logins: try again in {wait_s:.0f} s", wait_s)
            if not auth.verify_password(digest, password, policy=self.policy) or bool(disabled):
                failures = int(failures) + 1
                delay = self.policy.delay_after(failures)
                tx.execute("UPDATE users SET failed_logins = ?, locked_until = ? WHERE user_id = ?",
                           (failures, tx.dump_time(now + delay) if delay else None, user_id))
                self.audit(tx, None, "login.failed", f"user {username}", detail={"failures": failures})
                error = StoreError(_BAD_LOGIN)
            else:
                if auth.needs_rehash(digest, policy=self.policy):
                    tx.execute("UPDATE users SET password_hash = ? WHERE user_id = ?",
                               (auth.hash_password(password, policy=self.policy), user_id))
                session = self._open_session(tx, Actor(int(user_id), username, role, operator), now)
                self.audit(tx, session.actor, "login", f"user {username}")
        if error is not None:
            raise error
        return session

    def _open_session(self, tx: Transaction, actor: Actor, now: datetime) -> SessionToken:
        token = auth.new_token()
        expires = now + self.policy.session_ttl
        tx.execute("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE user_id = ?", (actor.user_id,))
        tx.execute("INSERT INTO sessions (token_sha256, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                   (auth.token_digest(token), actor.user_id, tx.dump_time(now), tx.dump_time(expires)))
        return SessionToken(token, actor, expires)

    def login_external(self, identity: str, *, provider: str) -> SessionToken:
        """Open a session for the account named ``identity``, which an external identity provider vouched for.

        The app calls this only after Streamlit's OpenID Connect login has verified the provider's
        signed ID token (``st.login``); ``identity`` is its verified e-mail address. The account must
        exist (an administrator creates it with that user name and a role; its password is not used
        here) and be enabled: an identity the store does not know gets no access and no account.
        """
        identity = str(identity).strip()
        if not identity or len(identity) > 254:
            raise StoreError(f"{provider}: the identity provider gave no usable e-mail address")
        now = self.clock()
        with self.transaction(None, write=True) as tx:
            row = tx.execute("SELECT user_id, username, role, operator, disabled FROM users WHERE lower(username) = ?",
                             (identity.lower(),)).fetchone()
            if row is None or bool(row[4]):
                self.audit(tx, None, "login.external.refused", f"user {identity}", detail={"provider": provider})
                error = StoreError(f"{identity} (signed in with {provider}) has no enabled account in this project: "
                                   "ask an administrator to create one with this user name")
            else:
                error = None
                session = self._open_session(tx, Actor(int(row[0]), row[1], row[2], row[3]), now)
                self.audit(tx, session.actor, "login.external", f"user {row[1]}", detail={"provider": provider})
        if error is not None:
            raise error
        return session

    def authenticate(self, token: str) -> Actor:
        """The actor of a live session token, else NotAllowedError (expired, logged out, unknown)."""
        now = self.clock()
        with self.transaction(None) as tx:
            row = tx.execute(
                "SELECT u.user_id, u.username, u.role, u.operator, u.disabled, s.expires_at FROM sessions s "
                "JOIN users u ON u.user_id = s.user_id WHERE s.token_sha256 = ?", (auth.token_digest(str(token)),),
            ).fetchone()
        if row is None or bool(row[4]) or tx.load_time(row[5]) <= now:
            raise NotAllowedError("the session has expired or is unknown: log in again")
        return Actor(int(row[0]), row[1], row[2], row[3])

    def logout(self, token: str) -> None:
        with self.transaction(None, write=True) as tx:
            tx.execute("DELETE FROM sessions WHERE token_sha256 = ?", (auth.token_digest(str(token)),))

    # ------------------------------------------------------------------ audit log
    def audit_log(self, actor: Actor, *, limit: int = 1000) -> list[AuditEntry]:
        """The newest ``limit`` audit lines: everything for admins and planners, an operator's own lines."""
        where, params = ("operator = ?", [actor.operator]) if actor.role == "operator" else ("1 = 1", [])
        with self.transaction(actor) as tx:
            rows = tx.execute(
                f"SELECT entry_id, at, username, action, target, detail FROM audit WHERE {where} "
                "ORDER BY entry_id DESC LIMIT ?", [*params, int(limit)],
            ).fetchall()
            return [AuditEntry(int(r[0]), tx.load_time(r[1]), r[2], r[3], r[4], tx.load_json(r[5])) for r in rows]

    # ------------------------------------------------------------------ stations (see stationlists.py)
    def upload_stations(self, actor: Actor, source: str | Path | bytes, **options: Any) -> StationVersion:
        return stationlists.upload(self, actor, source, **options)

    def put_stations(self, actor: Actor, operator: str, stations: Any, **options: Any) -> StationVersion:
        return stationlists.put_version(self, actor, operator, stations, **options)

    def station_versions(self, actor: Actor, *, operator: str | None = None) -> list[StationVersion]:
        return stationlists.list_versions(self, actor, operator=operator)

    def current_versions(self, actor: Actor) -> dict[str, int]:
        return stationlists.current_versions(self, actor)

    def load_stations(self, actor: Actor, version_ids: Sequence[int] | Mapping[str, int] | None = None,
                      ) -> gpd.GeoDataFrame:
        return stationlists.load(self, actor, version_ids)

    def restore_version(self, actor: Actor, version_id: int) -> StationVersion:
        return stationlists.restore(self, actor, version_id)

    def export_stations(self, actor: Actor, path: str | Path, **options: Any) -> Path:
        return stationlists.export(self, actor, path, **options)

    # ------------------------------------------------------------------ inputs and plans (see plans.py)
    def register_input(self, actor: Actor, kind: str, reference: str | Path, **options: Any) -> InputRef:
        return plans.register_input(self, actor, kind, reference, **options)

    def inputs(self, actor: Actor) -> list[InputRef]:
        return plans.list_inputs(self, actor)

    def record_plan(self, actor: Actor, name: str, **options: Any) -> PlanRecord:
        return plans.record_plan(self, actor, name, **options)

    def publish_plan(self, actor: Actor, plan_id: int, *, published: bool = True) -> PlanRecord:
        return plans.publish_plan(self, actor, plan_id, published=published)

    def plans(self, actor: Actor) -> list[PlanRecord]:
        return plans.list_plans(self, actor)

    def plan(self, actor: Actor, plan_id: int) -> PlanRecord:
        return plans.get_plan(self, actor, plan_id)


@functools.cache
def _dummy_hash(policy: auth.AuthPolicy) -> str:
    return auth.hash_password("towerplan-timing-equaliser", policy=policy)


def open_store(location: str | Path, **options: Any) -> Store:
    """A :class:`Store` on a file path (SQLite/GeoPackage) or a ``postgresql://`` URL."""
    return Store(open_database(location), **options)
