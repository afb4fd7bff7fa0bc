"""Value objects and errors shared by the download modules.

A :class:`Resource` names one file to fetch: a stable ``key`` (which is both
its cache key and its path below a mirror) and the URLs to try. What comes
back is a :class:`FetchedFile`. Long work reports :class:`Progress` through a
callback; nothing here prints.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from towerplan.errors import ConfigError, UnreadableFileError

__all__ = [
    "ChecksumError",
    "DownloadError",
    "FetchedFile",
    "MissingFile",
    "OfflineMissingError",
    "Progress",
    "ProgressCallback",
    "Resource",
    "ResourceNotFoundError",
    "join_url",
    "report",
]

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_KEY = re.compile(r"^[A-Za-z0-9._\-]+(/[A-Za-z0-9._\-]+)*$")
_SCHEMES = ("http", "https", "file")


# ------------------------------------------------------------------ errors
class DownloadError(UnreadableFileError):
    """A file could not be downloaded (network, HTTP status, size). ``url`` names it."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class ResourceNotFoundError(DownloadError):
    """The server answered 404 (or the mirror has no such file)."""


class ChecksumError(DownloadError):
    """A downloaded file kept failing its sha256 (or format) check after the allowed retries."""


@dataclass(frozen=True)
class MissingFile:
    """A file offline mode needed but did not find in the cache.

    Attributes
    ----------
    key
        Cache key (also the path below a mirror).
    urls
        The URLs an online run would try, in order.
    description
        What the file is for.
    """

    key: str
    urls: tuple[str, ...]
    description: str = ""

    def describe(self) -> str:
        what = f" ({self.description})" if self.description else ""
        return f"{self.key}{what}: " + " or ".join(self.urls)


class OfflineMissingError(UnreadableFileError):
    """Offline mode needs files that are not in the cache; ``missing`` lists every one."""

    def __init__(self, missing: Sequence[MissingFile], *, note: str = "") -> None:
        self.missing = tuple(missing)
        lines = [f"offline mode: {len(self.missing)} file(s) are not in the cache:"]
        lines += [f"  - {m.describe()}" for m in self.missing]
        lines.append("run once without --offline (or with --mirror) to fetch them")
        if note:
            lines.append(note)
        super().__init__("\n".join(lines))


# ---------------------------------------------------------------- progress
@dataclass(frozen=True)
class Progress:
    """One progress report.

    Attributes
    ----------
    stage
        ``"download"`` for bytes of one file, else the pipeline step
        (``"boundaries"``, ``"dem"``, ``"population"``, ``"roads"``, ``"write"``).
    label
        File name or a short description of the step.
    done, total
        Bytes (``unit="bytes"``) or steps so far and in all; ``total`` is ``None`` when unknown.
    unit
        ``"bytes"`` or ``"steps"``.
    """

    stage: str
    label: str
    done: int = 0
    total: int | None = None
    unit: Literal["bytes", "steps"] = "bytes"


ProgressCallback = Callable[[Progress], None]


def _no_progress(_: Progress) -> None:
    return None


def report(progress: ProgressCallback | None) -> ProgressCallback:
    """The callback, or one that does nothing."""
    return progress if progress is not None else _no_progress


# --------------------------------------------------------------- resources
def join_url(base: str, relative: str) -> str:
    """``base`` and ``relative`` joined with exactly one slash."""
    return base.rstrip("/") + "/" + relative.lstrip("/")


@dataclass(frozen=True)
class Resource:
    """A file to fetch.

    Parameters
    ----------
    key
        Stable name such as ``srtm3/N19E105.SRTMGL3.hgt.zip``: the cache key and the
        path of the file below a ``--mirror``. Plain ``/``-separated segments only.
    urls
        Candidate URLs (``http``, ``https`` or ``file``), tried in order; a 404 moves on
        to the next.
    licence
        Key of :data:`towerplan.sources.licences.LICENCES`.
    sha256
        Expected checksum (lower-case hex), if known.
    optional
        A 404 everywhere is not an error (DEM tiles that are all sea are not published).
    description
        What the file is, for messages and SOURCES.md.
    extra
        ``(name, value)`` facts from the provider copied to SOURCES.md (e.g. a boundary set's licence).
    """

    key: str
    urls: tuple[str, ...]
    licence: str
    sha256: str | None = None
    optional: bool = False
    description: str = ""
    extra: tuple[tuple[str, str], ...] = field(default=())

    def __post_init__(self) -> None:
        if not _KEY.match(self.key) or any(part in (".", "..") for part in self.key.split("/")):
            raise ConfigError(f"invalid resource key {self.key!r}: plain '/'-separated names only")
        urls = tuple(self.urls)
        if not urls:
            raise ConfigError(f"resource {self.key}: no URL given")
        for url in urls:
            scheme = urlsplit(url).scheme.lower()
            if scheme not in _SCHEMES:
                raise ConfigError(f"resource {self.key}: {url!r} is not an http(s) or file URL")
        object.__setattr__(self, "urls", urls)
        if self.sha256 is not None:
            digest = self.sha256.strip().lower()
            if not _SHA256.match(digest):
                raise ConfigError(f"resource {self.key}: {self.sha256!r} is not a sha256 hex digest")
            object.__setattr__(self, "sha256", digest)

    @property
    def filename(self) -> str:
        """The last segment of the key (the name the file keeps in the cache)."""
        return self.key.rsplit("/", 1)[-1]

    def with_sha256(self, sha256: str | None) -> Resource:
        """A copy expecting ``sha256`` (``None`` keeps the current one)."""
        if sha256 is None:
            return self
        return Resource(self.key, self.urls, self.licence, sha256, self.optional, self.description, self.extra)


@dataclass(frozen=True)
class FetchedFile:
    """A resource available on disk (in the cache).

    Attributes
    ----------
    resource
        What was asked for.
    path
        The file in the cache (do not modify it).
    url
        The URL it came from (the origin recorded when it was downloaded).
    sha256, size_bytes
        Checksum and size of the file.
    retrieved_utc
        When it was downloaded, ISO 8601 UTC.
    from_cache
        True when no download was needed this time.
    """

    resource: Resource
    path: Path
    url: str
    sha256: str
    size_bytes: int
    retrieved_utc: str
    from_cache: bool
