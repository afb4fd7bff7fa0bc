"""Passwords, session tokens and login throttling for the store's local accounts.

* Passwords are hashed with Argon2id (RFC 9106) through ``argon2-cffi``'s ``PasswordHasher``, by
  default with its parameters (RFC 9106 §4, second recommended option: 64 MiB, 3 passes), and
  rehashed at the next login when the parameters change.
* A session token is 32 random bytes (``secrets.token_urlsafe``); the store keeps only its
  SHA-256, so a copy of the database gives no usable session.
* Failed logins are slowed down per user: after ``free_failures`` failures in a row the account
  waits ``base_delay_s * 2**(n - free_failures)`` seconds (capped at ``max_delay_s``) before the
  next password is even checked (OWASP Authentication Cheat Sheet, "Login throttling").
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from towerplan.errors import InputError

__all__ = ["AuthPolicy", "hash_password", "needs_rehash", "new_token", "token_digest", "verify_password"]

MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True)
class AuthPolicy:
    """Session lifetime and login throttling (keyword options of :class:`towerplan.store.Store`)."""

    session_ttl_s: float = 8 * 3600.0
    free_failures: int = 3
    base_delay_s: float = 2.0
    max_delay_s: float = 900.0
    hash_time_cost: int = 3
    hash_memory_kib: int = 65536
    hash_parallelism: int = 4

    def __post_init__(self) -> None:
        if self.hash_time_cost < 1 or self.hash_memory_kib < 8 * self.hash_parallelism or self.hash_parallelism < 1:
            raise InputError("Argon2 needs time_cost >= 1, parallelism >= 1 and memory >= 8 KiB per lane")
        if self.session_ttl_s <= 0 or self.base_delay_s < 0 or self.max_delay_s < self.base_delay_s:
            raise InputError("session_ttl_s > 0 and 0 <= base_delay_s <= max_delay_s")
        if self.free_failures < 0:
            raise InputError("free_failures >= 0")

    @property
    def session_ttl(self) -> timedelta:
        return timedelta(seconds=self.session_ttl_s)

    @property
    def hasher(self) -> PasswordHasher:
        return _hasher(self.hash_time_cost, self.hash_memory_kib, self.hash_parallelism)

    def delay_after(self, failures: int) -> timedelta:
        """How long the account waits after ``failures`` failed logins in a row."""
        if failures < self.free_failures:
            return timedelta(0)
        exponent = min(failures - self.free_failures, 30)
        return timedelta(seconds=min(self.base_delay_s * 2.0**exponent, self.max_delay_s))


@functools.cache
def _hasher(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)


def hash_password(password: str, *, policy: AuthPolicy) -> str:
    """Argon2id hash of ``password`` (at least 8 characters)."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
    return policy.hasher.hash(password)


def verify_password(stored_hash: str, password: str, *, policy: AuthPolicy) -> bool:
    """Whether ``password`` matches ``stored_hash`` (the hash's own parameters are used)."""
    try:
        return bool(policy.hasher.verify(stored_hash, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str, *, policy: AuthPolicy) -> bool:
    return bool(policy.hasher.check_needs_rehash(stored_hash))


def new_token() -> str:
    """A fresh session token (43 URL-safe characters, 256 bits)."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What the store keeps of a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
