"""A content-addressed download cache.

Layout below the cache root::

    objects/<sha256[:2]>/<sha256>/<file name>   the files, stored once per content
    index/<sha1(key)>.json                      key -> sha256, size, origin URL, retrieval time
                                                (or "absent": published nowhere, e.g. an all-sea DEM tile)
    partial/<sha1(key)>.part (+ .json)          interrupted downloads, resumed with HTTP Range
    osmnx/                                      osmnx's own HTTP cache (Overpass responses)
    derived/                                    products computed from downloads (road graphs)

Files are found by their *key* (``srtm3/N19E105.SRTMGL3.hgt.zip``), not by URL, so
a file fetched through a mirror is found again offline or from the original host.
A file keeps its name inside its content directory because readers look at names
(SRTM tiles carry their position in the name). Every hit is checked (size and
sha256) before it is used; a damaged entry is dropped and fetched again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from towerplan._atomic import atomic_path
from towerplan.errors import ConfigError
from towerplan.hashing import sha256_file

__all__ = ["CacheEntry", "DownloadCache", "sha256_file", "utc_now"]

log = logging.getLogger(__name__)



def utc_now() -> str:
    """The current time as ISO 8601 UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _key_id(key: str) -> str:
    return hashlib.sha1(key.encode("utf-8"), usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class CacheEntry:
    """One cached file.

    Attributes
    ----------
    key
        The resource key.
    path
        Where the file is.
    sha256, size_bytes
        Checksum and size recorded when it was stored.
    url
        The URL it was downloaded from.
    retrieved_utc
        When, ISO 8601 UTC.
    """

    key: str
    path: Path
    sha256: str
    size_bytes: int
    url: str
    retrieved_utc: str


@dataclass(frozen=True)
class DownloadCache:
    """A download cache rooted at ``root`` (created on first write).

    Parameters
    ----------
    root
        The cache folder; the CLI defaults to ``~/.cache/towerplan``.
    """

    root: Path

    def __post_init__(self) -> None:
        root = Path(self.root).expanduser()
        if root.exists() and not root.is_dir():
            raise ConfigError(f"the cache folder {root} exists and is not a folder")
        object.__setattr__(self, "root", root)

    # ------------------------------------------------------------- layout
    @property
    def osmnx_dir(self) -> Path:
        """Folder given to osmnx as its ``cache_folder``."""
        return self.root / "osmnx"

    @property
    def derived_dir(self) -> Path:
        """Folder for products computed from downloads (keyed by their inputs)."""
        return self.root / "derived"

    def object_path(self, sha256: str, filename: str) -> Path:
        """Where content ``sha256`` named ``filename`` is stored."""
        return self.root / "objects" / sha256[:2] / sha256 / filename

    def partial_path(self, key: str) -> Path:
        """Where an interrupted download of ``key`` is kept (its validators in a ``.json`` sibling)."""
        return self.root / "partial" / f"{_key_id(key)}.part"

    def _index_path(self, key: str) -> Path:
        return self.root / "index" / f"{_key_id(key)}.json"

    # ------------------------------------------------------------ entries
    def lookup(self, key: str) -> CacheEntry | None:
        """The entry for ``key`` if it is recorded and its file exists (not yet checksummed)."""
        index = self._index_path(key)
        try:
            meta = json.loads(index.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning("cache index %s is unreadable (%s); ignoring it", index, exc)
            return None
        if meta.get("key") != key or meta.get("absent"):
            return None
        try:
            entry = CacheEntry(
                key=key,
                path=self.object_path(meta["sha256"], meta["filename"]),
                sha256=str(meta["sha256"]),
                size_bytes=int(meta["size_bytes"]),
                url=str(meta["url"]),
                retrieved_utc=str(meta["retrieved_utc"]),
            )
        except (KeyError, TypeError, ValueError):
            log.warning("cache index %s is incomplete; ignoring it", index)
            return None
        return entry if entry.path.is_file() else None

    def verify(self, entry: CacheEntry, *, expected_sha256: str | None = None) -> bool:
        """True if the file still has its recorded size and sha256 (and ``expected_sha256``, if given)."""
        try:
            if entry.path.stat().st_size != entry.size_bytes:
                return False
        except OSError:
            return False
        if expected_sha256 is not None and expected_sha256 != entry.sha256:
            return False
        return sha256_file(entry.path) == entry.sha256

    def store(self, key: str, src: Path, *, url: str, sha256: str, filename: str) -> CacheEntry:
        """Move the downloaded file ``src`` into the cache under ``key`` and record it."""
        size = src.stat().st_size
        dest = self.object_path(sha256, filename)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.exists():
            src.unlink()  # same content already stored (another key, or an earlier run)
        else:
            os.replace(src, dest)
        entry = CacheEntry(key, dest, sha256, size, url, utc_now())
        meta = {
            "key": key,
            "filename": filename,
            "sha256": sha256,
            "size_bytes": size,
            "url": url,
            "retrieved_utc": entry.retrieved_utc,
        }
        with atomic_path(self._index_path(key)) as tmp:
            tmp.write_text(json.dumps(meta, indent=1), encoding="utf-8")
        return entry

    def record_absent(self, key: str, *, url: str) -> None:
        """Remember that ``key`` is not published (404), so offline mode knows it is not missing."""
        meta = {"key": key, "absent": True, "url": url, "retrieved_utc": utc_now()}
        with atomic_path(self._index_path(key)) as tmp:
            tmp.write_text(json.dumps(meta, indent=1), encoding="utf-8")

    def is_absent(self, key: str) -> bool:
        """True if an online run found ``key`` not published."""
        try:
            meta = json.loads(self._index_path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return bool(meta.get("key") == key and meta.get("absent"))

    def entries(self) -> list[CacheEntry]:
        """Every cached file (absent markers and damaged records skipped), sorted by key."""
        index_dir = self.root / "index"
        keys = []
        for path in sorted(index_dir.glob("*.json")) if index_dir.is_dir() else []:
            try:
                keys.append(str(json.loads(path.read_text(encoding="utf-8"))["key"]))
            except (OSError, ValueError, KeyError, TypeError):
                continue
        found = [e for k in keys if (e := self.lookup(k)) is not None]
        return sorted(found, key=lambda e: e.key)

    def export_mirror(self, dest: str | os.PathLike[str]) -> int:
        """Copy every cached file to ``dest/<key>`` with a ``SHA256SUMS``: a mirror an office can serve.

        Serve ``dest`` over HTTP (or share it and use a ``file://`` URL) and pass it as ``--mirror``.
        Returns the number of files exported.
        """
        root = Path(dest)
        entries = self.entries()
        for e in entries:
            target = root / e.key
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(e.path, target)
        lines = [f"{e.sha256}  {e.key}" for e in entries]
        root.mkdir(parents=True, exist_ok=True)
        with atomic_path(root / "SHA256SUMS") as tmp:
            tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return len(entries)

    def forget(self, key: str) -> None:
        """Drop the index record of ``key`` (the content is removed when no other key names it)."""
        entry = self.lookup(key)
        self._index_path(key).unlink(missing_ok=True)
        if entry is not None and not self._referenced(entry.sha256):
            shutil.rmtree(entry.path.parent, ignore_errors=True)

    def _referenced(self, sha256: str) -> bool:
        index_dir = self.root / "index"
        if not index_dir.is_dir():
            return False
        for path in index_dir.glob("*.json"):
            try:
                if json.loads(path.read_text(encoding="utf-8")).get("sha256") == sha256:
                    return True
            except (OSError, ValueError):
                continue
        return False
