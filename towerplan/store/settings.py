"""Where the store is: an explicit setting, else the environment, else no store (single-user mode)."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["DATABASE_URL_ENV", "STORE_PATH_ENV", "store_location"]

#: a ``postgresql://`` URL: the PostgreSQL + PostGIS store
DATABASE_URL_ENV = "TOWERPLAN_DATABASE_URL"
#: a file path: the single-file (SQLite/GeoPackage) store
STORE_PATH_ENV = "TOWERPLAN_STORE"


def store_location(setting: str | None, environ: Mapping[str, str]) -> str | None:
    """The store to use: ``setting`` (a CLI option or app setting) first, then
    ``TOWERPLAN_DATABASE_URL``, then ``TOWERPLAN_STORE``; ``None`` when none is set.

    The environment is passed in (``os.environ`` by the app and the CLI), never read here.
    """
    for value in (setting, environ.get(DATABASE_URL_ENV), environ.get(STORE_PATH_ENV)):
        if value and value.strip():
            return value.strip()
    return None
