"""The two database backends behind the store: one SQLite/GeoPackage file, or PostgreSQL + PostGIS.

Every statement of the store is written once, with ``?`` placeholders, and always parameterised
(values never enter SQL text); :class:`Transaction` adapts placeholders, JSON, timestamps and the
stations' bulk load (SQLite ``executemany``; PostgreSQL ``COPY``) to the backend. A transaction
opens its own connection, so a store object can be shared by threads (the app) and is safe
after ``fork`` (nothing is held between calls).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import sqlite3
import struct
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import numpy as np
import pandas as pd

from towerplan.errors import ConfigError, UnreadableFileError
from towerplan.store.gpkg import point_blobs
from towerplan.store.model import Actor
from towerplan.store.schema import PG_GROUP_ROLES, STATION_COLUMNS

__all__ = ["Database", "PostgresDatabase", "SqliteDatabase", "Transaction", "open_database", "redact_url"]

log = logging.getLogger(__name__)

Dialect = Literal["sqlite", "postgresql"]
_NAMES = [name for name, _ in STATION_COLUMNS]
_STATION_INSERT = ", ".join([*_NAMES, "version_id", "geom"])
_TEXT_NAMES = [name for name, kind in STATION_COLUMNS if kind == "text"]
_NUM_NAMES = [name for name, kind in STATION_COLUMNS if kind != "text"]
_PG_TEXT_LOAD = ", ".join(["n BIGINT", *(f"{name} TEXT" for name in _TEXT_NAMES)])
_PG_NUM_LOAD = ", ".join(["n BIGINT", *(f"{name} DOUBLE PRECISION" for name in _NUM_NAMES)])
_PG_LOAD_SELECT = ", ".join(
    [f"t.{name}" if kind == "text" else f"NULLIF(u.{name}, 'NaN')" + ("::bigint" if kind == "int" else "")
     for name, kind in STATION_COLUMNS]
    + ["%s", "ST_SetSRID(ST_MakePoint(u.lon, u.lat), 4326)"]
)


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for messages and logs)."""
    if "://" not in url or "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else url


class Transaction(ABC):
    """One open transaction: parameterised statements, JSON and time adapted to the backend."""

    dialect: Dialect

    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run ``sql`` (``?`` placeholders) and return the cursor."""

    @abstractmethod
    def insert_id(self, sql: str, params: Sequence[Any], id_column: str) -> int:
        """Run an INSERT and return the new row's id."""

    @abstractmethod
    def table_exists(self, name: str) -> bool: ...

    @abstractmethod
    def lock(self, table: str) -> None:
        """Serialise writers on ``table`` until the transaction ends."""

    @abstractmethod
    def insert_stations(self, version_id: int, table: pd.DataFrame) -> int:
        """Bulk-insert station rows (canonical columns) of one version; returns the row count."""

    @abstractmethod
    def json(self, value: Any) -> Any: ...

    @abstractmethod
    def now(self) -> Any: ...

    def in_list(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        """``column IN (?, ...)`` and its parameters (``FALSE`` for no values)."""
        if not values:
            return "1 = 0", []
        return f"{column} IN ({', '.join('?' for _ in values)})", list(values)

    def select_stations(self, version_ids: Sequence[int]) -> pd.DataFrame:
        """The station rows of these versions, in upload order, canonical columns plus ``version_id``."""
        where, params = self.in_list("version_id", [int(v) for v in version_ids])
        rows = self.execute(
            f"SELECT version_id, {', '.join(_NAMES)} FROM stations WHERE {where} ORDER BY station_id", params
        ).fetchall()
        return pd.DataFrame(rows, columns=["version_id", *_NAMES])

    @staticmethod
    def load_json(value: Any) -> Any:
        return json.loads(value) if isinstance(value, str | bytes) else value

    @staticmethod
    def load_time(value: Any) -> datetime:
        stamp = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)

    @staticmethod
    def dump_time(value: datetime) -> Any:
        return value


_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\x1f": "\\x1f"}
_UNESCAPE = re.compile(r"\\(x1f|.)")
_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r", "x1f": "\x1f"}


def _copy_text(table: pd.DataFrame) -> str:
    """The row number and text columns in PostgreSQL's COPY text format (tab-separated, ``\\N`` NULL).

    Text is escaped here (backslash, tab, newline, carriage return and the unit separator, which
    serves as the CSV writer's never-used quote character).
    """
    frame = pd.DataFrame({"n": np.arange(len(table))}, index=table.index)
    for name in _TEXT_NAMES:
        series = table[name] if name in table.columns else pd.Series([None] * len(table), index=table.index)
        text = series.astype(object).where(series.notna(), None).map(str, na_action="ignore")
        for old, new in _ESCAPES.items():
            text = text.str.replace(old, new, regex=False)
        frame[name] = text
    return frame.to_csv(sep="\t", header=False, index=False, na_rep="\\N", quoting=csv.QUOTE_NONE,
                        quotechar="\x1f", lineterminator="\n")


def _copy_binary_numbers(table: pd.DataFrame) -> bytes:
    """The row number and numeric columns in PostgreSQL's binary COPY format, built by numpy.

    Every field is an 8-byte big-endian value (int8 row number, float8 numbers; NaN for unknown,
    turned into NULL by the INSERT), so each tuple has a fixed layout (PostgreSQL 15 manual, COPY,
    "Binary Format").
    """
    fields = [("count", ">i2"), ("n_len", ">i4"), ("n", ">i8")]
    for name in _NUM_NAMES:
        fields += [(f"{name}_len", ">i4"), (name, ">f8")]
    rows = np.empty(len(table), dtype=np.dtype(fields))
    rows["count"] = 1 + len(_NUM_NAMES)
    rows["n_len"] = 8
    rows["n"] = np.arange(len(table))
    for name in _NUM_NAMES:
        rows[f"{name}_len"] = 8
        values = table[name] if name in table.columns else pd.Series(np.nan, index=table.index)
        rows[name] = pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
    header = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
    return header + rows.tobytes() + struct.pack(">h", -1)


def _parse_copy_text(buffer: io.BytesIO) -> pd.DataFrame:
    """The station table of ``COPY ... TO STDOUT`` (text format) output."""
    columns = ["version_id", *_NAMES]
    kinds = dict(STATION_COLUMNS)
    dtypes = {name: (str if kinds[name] == "text" else "float64") for name in _NAMES}
    dtypes["version_id"] = "int64"
    dtypes["source_row"] = "Int64"
    table = pd.read_csv(buffer, sep="\t", header=None, names=columns, dtype=dtypes, quoting=csv.QUOTE_NONE,
                        na_values=["\\N"], keep_default_na=False, encoding="utf-8")
    for name in _NAMES:
        if kinds[name] != "text":
            continue
        column = table[name]
        if column.str.contains("\\", regex=False).any():
            column = column.str.replace(_UNESCAPE, lambda m: _UNESCAPES.get(m.group(1), m.group(1)), regex=True)
        table[name] = column.astype(object).where(column.notna(), None)
    return table


def _station_tuples(table: pd.DataFrame) -> Iterator[list[Any]]:
    columns = []
    for name, kind in STATION_COLUMNS:
        series = table[name] if name in table.columns else pd.Series([None] * len(table), index=table.index)
        if kind == "real":
            columns.append(pd.to_numeric(series, errors="coerce").astype(float).tolist())
        elif kind == "int":
            columns.append([None if pd.isna(v) else int(v) for v in series])
        else:
            columns.append([None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in series])
    for values in zip(*columns, strict=True):
        yield list(values)


class Database(ABC):
    """A store database: :meth:`transaction` is the only way in."""

    dialect: Dialect
    location: str

    def create(self) -> None:  # noqa: B027 - a no-op unless the backend makes its database itself
        """Make the database exist (the file store's file; a PostgreSQL database is made by its admin)."""

    def exists(self) -> bool:
        return True

    @contextmanager
    @abstractmethod
    def transaction(self, *, write: bool = False, actor: Actor | None = None) -> Iterator[Transaction]:
        """A transaction, committed on normal exit and rolled back on any exception.

        On PostgreSQL an operator's or planner's transaction runs as the database role of its
        towerplan role with ``towerplan.operator`` set, so row-level security applies to it.
        """
        yield  # type: ignore[misc]


# ---------------------------------------------------------------------------- SQLite


class _SqliteTx(Transaction):
    dialect: Dialect = "sqlite"

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.cursor.execute(sql, tuple(params))

    def insert_id(self, sql: str, params: Sequence[Any], id_column: str) -> int:
        return int(self.cursor.execute(sql, tuple(params)).lastrowid)

    def table_exists(self, name: str) -> bool:
        row = self.cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()
        return row is not None

    def lock(self, table: str) -> None:
        """Nothing to do: write transactions start with BEGIN IMMEDIATE (one writer at a time)."""

    def insert_stations(self, version_id: int, table: pd.DataFrame) -> int:
        blobs = point_blobs(table["lon"].to_numpy(float), table["lat"].to_numpy(float))
        sql = f"INSERT INTO stations ({_STATION_INSERT}) VALUES ({', '.join('?' * (len(_NAMES) + 2))})"
        self.cursor.executemany(
            sql, ((*row, version_id, blob) for row, blob in zip(_station_tuples(table), blobs, strict=True))
        )
        return len(table)

    def json(self, value: Any) -> Any:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)

    def now(self) -> Any:
        return datetime.now(UTC).isoformat()

    @staticmethod
    def dump_time(value: datetime) -> Any:
        return value.astimezone(UTC).isoformat()


class SqliteDatabase(Database):
    """A single-file store (a GeoPackage); WAL journal so readers never wait for a writer."""

    dialect: Dialect = "sqlite"

    def __init__(self, path: str | Path, *, timeout_s: float = 60.0) -> None:
        self.path = Path(path)
        self.location = str(self.path)
        self.timeout_s = timeout_s
        if self.path.is_dir():
            raise UnreadableFileError(f"{self.path} is a folder, not a store file")
        if not self.path.parent.is_dir():
            raise UnreadableFileError(f"folder {self.path.parent} does not exist")

    def create(self) -> None:
        """Create the (empty) file if it does not exist; nothing else ever creates it."""
        sqlite3.connect(self.path).close()

    def exists(self) -> bool:
        return self.path.is_file()

    def _connect(self) -> sqlite3.Connection:
        if not self.path.is_file():
            raise UnreadableFileError(f"no store file {self.path}: run 'towerplan store init'")
        uri = f"file:{quote(str(self.path.resolve()))}?mode=rw"
        try:
            conn = sqlite3.connect(uri, timeout=self.timeout_s, isolation_level=None, uri=True)
        except sqlite3.Error as exc:
            raise UnreadableFileError(f"cannot open store {self.path}: {exc}") from exc
        conn.execute("PRAGMA foreign_keys = ON")
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        return conn

    @contextmanager
    def transaction(self, *, write: bool = False, actor: Actor | None = None) -> Iterator[Transaction]:
        conn = self._connect()
        try:
            cursor = conn.cursor()
            cursor.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield _SqliteTx(cursor)
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
        finally:
            conn.close()


# ---------------------------------------------------------------------------- PostgreSQL


class _PgTx(Transaction):
    dialect: Dialect = "postgresql"

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        if params:
            return self.cursor.execute(sql.replace("?", "%s"), tuple(params))
        return self.cursor.execute(sql)

    def insert_id(self, sql: str, params: Sequence[Any], id_column: str) -> int:
        return int(self.execute(f"{sql} RETURNING {id_column}", params).fetchone()[0])

    def table_exists(self, name: str) -> bool:
        return self.execute("SELECT to_regclass(?) IS NOT NULL", (name,)).fetchone()[0]

    def lock(self, table: str) -> None:
        self.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")

    def insert_stations(self, version_id: int, table: pd.DataFrame) -> int:
        # COPY cannot write into a table with row-level security: the text columns are copied (text
        # format) and the numbers (binary format, built by numpy) into two temporary tables, then
        # one INSERT ... SELECT, which the policies check (an operator's rows must be its own),
        # makes the points
        self.execute(f"CREATE TEMPORARY TABLE load_text ({_PG_TEXT_LOAD}) ON COMMIT DROP")
        self.execute(f"CREATE TEMPORARY TABLE load_num ({_PG_NUM_LOAD}) ON COMMIT DROP")
        with self.cursor.copy(f"COPY load_text (n, {', '.join(_TEXT_NAMES)}) FROM STDIN") as copy:
            copy.write(_copy_text(table))
        with self.cursor.copy(f"COPY load_num (n, {', '.join(_NUM_NAMES)}) FROM STDIN (FORMAT binary)") as copy:
            copy.write(_copy_binary_numbers(table))
        self.execute(f"INSERT INTO stations ({_STATION_INSERT}) SELECT {_PG_LOAD_SELECT} FROM load_text t "
                     "JOIN load_num u USING (n) ORDER BY n", (int(version_id),))
        self.execute("DROP TABLE load_text")
        self.execute("DROP TABLE load_num")
        return len(table)

    def select_stations(self, version_ids: Sequence[int]) -> pd.DataFrame:
        ids = ", ".join(str(int(v)) for v in version_ids) or "NULL"
        query = (f"COPY (SELECT version_id, {', '.join(_NAMES)} FROM stations WHERE version_id IN ({ids}) "
                 "ORDER BY station_id) TO STDOUT")
        buffer = io.BytesIO()
        with self.cursor.copy(query) as copy:
            for block in copy:
                buffer.write(block)
        buffer.seek(0)
        return _parse_copy_text(buffer)

    def json(self, value: Any) -> Any:
        from psycopg.types.json import Jsonb

        return Jsonb(json.loads(json.dumps(value, default=str)))

    def now(self) -> Any:
        return datetime.now(UTC)


class PostgresDatabase(Database):
    """A PostgreSQL + PostGIS store, reached through a libpq URL (``postgresql://user@host/db``)."""

    dialect: Dialect = "postgresql"

    def __init__(self, url: str, *, connect_timeout_s: int = 10) -> None:
        try:
            import psycopg  # noqa: F401
        except ImportError as exc:  # pragma: no cover - psycopg is a listed dependency
            raise ConfigError("the PostgreSQL store needs psycopg: pip install 'psycopg[binary]'") from exc
        self.url = url
        self.location = redact_url(url)
        self.connect_timeout_s = connect_timeout_s

    def connect(self) -> Any:
        """A new psycopg connection (not in autocommit)."""
        import psycopg

        try:
            return psycopg.connect(self.url, connect_timeout=self.connect_timeout_s)
        except psycopg.OperationalError as exc:
            raise UnreadableFileError(f"cannot connect to {self.location}: {str(exc).strip()}") from exc

    @contextmanager
    def transaction(self, *, write: bool = False, actor: Actor | None = None) -> Iterator[Transaction]:
        conn = self.connect()
        try:
            tx = _PgTx(conn.cursor())
            if actor is not None and actor.role in PG_GROUP_ROLES:
                tx.execute(f"SET LOCAL ROLE {PG_GROUP_ROLES[actor.role]}")
                tx.execute("SELECT set_config('towerplan.operator', ?, true)", (actor.operator or "",))
            try:
                yield tx
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
        finally:
            conn.close()


def open_database(location: str | Path) -> Database:
    """The backend for ``location``: a ``postgresql://`` (or ``postgres://``) URL, else a file path."""
    text = str(location)
    if text.startswith(("postgresql://", "postgres://")):
        return PostgresDatabase(text)
    if "://" in text:
        raise ConfigError(f"unknown store location {redact_url(text)!r}: give a file path or a postgresql:// URL")
    return SqliteDatabase(text)
