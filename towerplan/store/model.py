"""Value objects and errors of the project store.

Roles (see ``docs/DESIGN.md``, "The project store"):

``admin``
    manages users and roles; sees the audit log.
``planner``
    reads every operator's stations, registers inputs, records and publishes plans.
``operator``
    uploads, lists, exports and restores only its own operator's station lists; sees
    published plans without the other operators' site details.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, get_args

from towerplan.errors import InputError, TowerplanError

__all__ = [
    "INPUT_KINDS",
    "ROLES",
    "Actor",
    "AuditEntry",
    "InputKind",
    "InputRef",
    "LoginThrottledError",
    "NotAllowedError",
    "NotFoundError",
    "PlanRecord",
    "Role",
    "SessionToken",
    "StationVersion",
    "StoreError",
    "User",
    "check_username",
]

Role = Literal["admin", "planner", "operator"]
ROLES: tuple[str, ...] = get_args(Role)

InputKind = Literal["dem", "population", "landcover", "communes", "villages", "roads"]
INPUT_KINDS: tuple[str, ...] = get_args(InputKind)

_USERNAME = re.compile(r"^[^\s\x00-\x1f\x7f]{1,64}$")


class StoreError(TowerplanError):
    """A store operation failed for a reason the user can act on."""


class NotAllowedError(StoreError, PermissionError):
    """The actor's role does not allow this operation (the message never names other operators' data)."""


class NotFoundError(StoreError, LookupError):
    """No such object, or one the actor may not see (both read the same)."""


class LoginThrottledError(StoreError):
    """Too many failed logins for this user: wait ``retry_after_s`` seconds."""

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


def check_username(name: str) -> str:
    """``name`` if it is a valid user name (1-64 printable characters, no spaces), else InputError."""
    if not isinstance(name, str) or not _USERNAME.match(name):
        raise InputError("a user name is 1 to 64 printable characters without spaces")
    return name


@dataclass(frozen=True)
class User:
    """A store account (never carries the password hash)."""

    user_id: int
    username: str
    role: Role
    operator: str | None = None
    disabled: bool = False

    def __post_init__(self) -> None:
        check_username(self.username)
        if self.role not in ROLES:
            raise InputError(f"role must be one of {ROLES}, got {self.role!r}")
        if self.role == "operator" and not self.operator:
            raise InputError("an operator account needs its operator (e.g. 'Viettel')")


@dataclass(frozen=True)
class Actor:
    """Who is calling: every store operation takes one (from :meth:`Store.authenticate`)."""

    user_id: int
    username: str
    role: Role
    operator: str | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise InputError(f"role must be one of {ROLES}, got {self.role!r}")
        if self.role == "operator" and not self.operator:
            raise InputError("an operator actor needs its operator")

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(user.user_id, user.username, user.role, user.operator)


@dataclass(frozen=True)
class SessionToken:
    """A login session: ``token`` is shown once; the store keeps only its SHA-256."""

    token: str
    actor: Actor
    expires_at: datetime

    def __post_init__(self) -> None:
        if len(self.token) < 32:
            raise InputError("a session token has at least 32 characters")


@dataclass(frozen=True)
class StationVersion:
    """One uploaded (or restored) version of an operator's station list."""

    version_id: int
    operator: str
    number: int
    uploaded_by: str
    uploaded_at: datetime
    sha256: str
    filename: str
    n_sectors: int
    n_rejected: int
    report: dict[str, Any] = field(default_factory=dict, compare=False)
    restored_from: int | None = None
    current: bool = False

    def __post_init__(self) -> None:
        if self.number < 1 or self.n_sectors < 0 or self.n_rejected < 0:
            raise InputError("version number >= 1 and counts >= 0")
        if len(self.sha256) != 64:
            raise InputError("sha256 must be 64 hex digits")


@dataclass(frozen=True)
class InputRef:
    """An input file (DEM, population, ...) known by reference (path or URL) and checksum."""

    input_id: int
    kind: InputKind
    name: str
    reference: str
    sha256: str
    registered_by: str
    registered_at: datetime

    def __post_init__(self) -> None:
        if self.kind not in INPUT_KINDS:
            raise InputError(f"input kind must be one of {INPUT_KINDS}, got {self.kind!r}")


@dataclass(frozen=True)
class PlanRecord:
    """A plan: the scenario and settings it ran with, the station versions it used, its summary.

    For an operator, ``station_versions`` holds only its own operator's versions and
    ``package_path`` is ``None`` (the package holds every operator's sites).
    """

    plan_id: int
    name: str
    created_by: str
    created_at: datetime
    scenario: str
    settings: dict[str, Any]
    station_versions: dict[str, int]
    summary: dict[str, Any]
    package_path: str | None
    published: bool

    def __post_init__(self) -> None:
        if not self.name:
            raise InputError("a plan needs a name")


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log."""

    entry_id: int
    at: datetime
    username: str
    action: str
    target: str
    detail: dict[str, Any] = field(default_factory=dict, compare=False)
