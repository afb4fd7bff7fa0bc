"""Resumable HTTP downloads into the cache, with the standard library only (``urllib``).

:func:`fetch` gets one :class:`~towerplan.sources._common.Resource`:

* a cache hit is checked (size, sha256) and used without touching the network;
* otherwise each candidate URL is tried; a 404 moves to the next one and, when
  all answer 404, is reported with every URL tried;
* every request has a timeout (connect and each read); timeouts, dropped
  connections, 5xx and 429 answers are retried with exponential backoff, and a
  retry after a partial body asks for the rest only (``Range: bytes=N-`` with
  ``If-Range``), so a dropped connection resumes instead of restarting; an
  attempt that made progress does not count against the retries;
* the finished file is checked against the expected sha256 (and a cheap format
  check for zip, GeoTIFF and JSON); a bad file is deleted and fetched again, a
  bounded number of times, before :class:`ChecksumError` is raised.

Proxies: ``HttpOptions.proxy`` ``None`` uses the system's proxy settings as
``urllib`` reads them (``http_proxy``/``https_proxy``/``no_proxy``); ``""``
connects directly; a URL uses that proxy for http and https.
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
import ssl
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path

from towerplan import __version__
from towerplan.errors import ConfigError
from towerplan.sources._common import (
    ChecksumError,
    DownloadError,
    FetchedFile,
    Progress,
    ProgressCallback,
    Resource,
    ResourceNotFoundError,
    report,
)
from towerplan.sources.cache import DownloadCache, sha256_file

__all__ = ["HttpOptions", "download_bytes", "download_file", "fetch"]

log = logging.getLogger(__name__)

_RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}
_TRANSIENT = (TimeoutError, socket.timeout, ConnectionError, http.client.HTTPException, urllib.error.URLError)


@dataclass(frozen=True)
class HttpOptions:
    """How downloads behave.

    Parameters
    ----------
    timeout_s
        Timeout of every request (connecting and each read), seconds.
    retries
        Attempts after the first one for transient failures (timeouts, dropped
        connections, 5xx, 429). An attempt that received data does not count.
    backoff_s, max_backoff_s
        Wait ``backoff_s * 2**n`` seconds before retry ``n`` (capped), or what a
        ``Retry-After`` header asks, capped the same way.
    checksum_attempts
        Downloads of one file allowed when its sha256 or format check fails.
    chunk_bytes
        Read size (progress is reported per chunk).
    proxy
        ``None``: the system proxy settings; ``""``: none; else a proxy URL.
    max_size_bytes
        Refuse a file announced (or growing) bigger than this.
    user_agent
        The ``User-Agent`` header.
    """

    timeout_s: float = 60.0
    retries: int = 5
    backoff_s: float = 1.0
    max_backoff_s: float = 60.0
    checksum_attempts: int = 3
    chunk_bytes: int = 1 << 16
    proxy: str | None = None
    max_size_bytes: int = 20 * 1024**3
    user_agent: str = f"towerplan/{__version__} (telecom planning; urllib)"

    def __post_init__(self) -> None:
        if not self.timeout_s > 0:
            raise ConfigError(f"timeout_s must be positive, got {self.timeout_s}")
        if self.retries < 0 or self.checksum_attempts < 1:
            raise ConfigError("retries must be >= 0 and checksum_attempts >= 1")
        if self.backoff_s < 0 or self.max_backoff_s < 0:
            raise ConfigError("backoff times cannot be negative")
        if self.chunk_bytes < 1 or self.max_size_bytes < 1:
            raise ConfigError("chunk_bytes and max_size_bytes must be positive")

    def backoff(self, n: int, retry_after_s: float | None = None) -> float:
        """Seconds to wait before retry number ``n`` (0-based)."""
        wait = self.backoff_s * (2**n) if retry_after_s is None else retry_after_s
        return max(0.0, min(wait, self.max_backoff_s))


class _TransientError(Exception):
    """An attempt failed in a way worth retrying."""

    def __init__(self, reason: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after_s = retry_after_s


def _opener(options: HttpOptions) -> urllib.request.OpenerDirector:
    if options.proxy is None:
        return urllib.request.build_opener()  # urllib's ProxyHandler reads the system settings
    proxies = {} if options.proxy == "" else {"http": options.proxy, "https": options.proxy}
    return urllib.request.build_opener(urllib.request.ProxyHandler(proxies))


def _retry_after(headers: object) -> float | None:
    value = getattr(headers, "get", lambda _k: None)("Retry-After")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def _validators_path(part: Path) -> Path:
    return part.with_name(part.name + ".json")


def _read_validators(part: Path) -> dict[str, str]:
    try:
        data = json.loads(_validators_path(part).read_text(encoding="utf-8"))
        return {k: str(v) for k, v in data.items() if k in ("url", "etag", "last_modified")}
    except (OSError, ValueError):
        return {}


def _discard(part: Path) -> None:
    part.unlink(missing_ok=True)
    _validators_path(part).unlink(missing_ok=True)


def _attempt(
    url: str, part: Path, opener: urllib.request.OpenerDirector, options: HttpOptions, progress: ProgressCallback
) -> None:
    """One request: append to ``part`` (resuming it when it has bytes); raise _TransientError to retry."""
    have = part.stat().st_size if part.exists() else 0
    validators = _read_validators(part)
    if have and validators.get("url") != url:
        _discard(part)  # a partial body from another URL: start again
        have, validators = 0, {}
    headers = {"User-Agent": options.user_agent, "Accept-Encoding": "identity"}
    if have:
        headers["Range"] = f"bytes={have}-"
        if validators.get("etag") or validators.get("last_modified"):
            headers["If-Range"] = validators.get("etag") or validators["last_modified"]
    request = urllib.request.Request(url, headers=headers)
    try:
        response = opener.open(request, timeout=options.timeout_s)
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 404 or exc.code == 410:
            raise ResourceNotFoundError(f"not found (HTTP {exc.code}): {url}", url=url) from None
        if exc.code == 416 and have:
            _discard(part)  # our partial file does not fit the server's file any more
            raise _TransientError(f"HTTP 416 for a resumed download of {url}; starting again") from None
        if exc.code in _RETRY_STATUS:
            raise _TransientError(f"HTTP {exc.code} {exc.reason}", retry_after_s=_retry_after(exc.headers)) from None
        hint = " (the host may need a login or refuses this client)" if exc.code in (401, 403) else ""
        raise DownloadError(f"HTTP {exc.code} {exc.reason} for {url}{hint}", url=url) from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, FileNotFoundError):  # file:// mirror without this file
            raise ResourceNotFoundError(f"not found: {url}", url=url) from None
        if isinstance(exc.reason, ssl.SSLCertVerificationError):
            raise DownloadError(
                f"{url}: the server's certificate is not trusted ({exc.reason.verify_message}); behind a proxy "
                "that inspects HTTPS, point SSL_CERT_FILE at the office certificate bundle", url=url
            ) from None
        raise _TransientError(f"cannot connect ({exc.reason})") from None
    except _TRANSIENT as exc:
        raise _TransientError(f"{type(exc).__name__}: {exc or 'timed out'}") from None

    with response:
        status = response.getcode() or 200
        total: int | None
        length = response.headers.get("Content-Length")
        if status == 206:
            content_range = response.headers.get("Content-Range", "")
            start = content_range.removeprefix("bytes ").partition("-")[0].strip()
            if start != str(have):
                _discard(part)
                raise _TransientError(f"the server resumed at the wrong offset ({content_range!r}); starting again")
            total_text = content_range.rpartition("/")[2]
            total = int(total_text) if total_text.isdigit() else None
            mode = "ab"
        else:
            if have:
                log.info("%s: the server ignored the Range request; downloading from the start", url)
            have = 0
            total = int(length) if length and length.isdigit() else None
            mode = "wb"
        if total is not None and total > options.max_size_bytes:
            raise DownloadError(
                f"{url} is {total:,} bytes, over the limit of {options.max_size_bytes:,}", url=url
            )
        etag = response.headers.get("ETag", "")
        last_modified = response.headers.get("Last-Modified", "")
        part.parent.mkdir(parents=True, exist_ok=True)
        _validators_path(part).write_text(
            json.dumps({"url": url, "etag": etag, "last_modified": last_modified}), encoding="utf-8"
        )
        done = have
        label = url.rsplit("/", 1)[-1]
        with open(part, mode) as fh:
            while True:
                try:
                    chunk = response.read(options.chunk_bytes)
                except http.client.IncompleteRead as exc:
                    fh.write(exc.partial)
                    raise _TransientError("the connection dropped mid-file") from None
                except _TRANSIENT as exc:
                    raise _TransientError(f"{type(exc).__name__} while reading: {exc or 'timed out'}") from None
                if not chunk:
                    break
                fh.write(chunk)
                done += len(chunk)
                if done > options.max_size_bytes:
                    raise DownloadError(f"{url} grew over the limit of {options.max_size_bytes:,} bytes", url=url)
                progress(Progress("download", label, done, total))
        if total is not None and done < total:
            raise _TransientError(f"the connection closed after {done:,} of {total:,} bytes")


def download_file(
    url: str,
    part: Path,
    *,
    options: HttpOptions,
    progress: ProgressCallback | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Download ``url`` into ``part``, resuming what ``part`` already holds; return the size in bytes.

    Raises
    ------
    ResourceNotFoundError
        HTTP 404/410 (or a missing ``file://`` path).
    DownloadError
        Other HTTP errors, or still failing after ``options.retries`` retries (the
        last reason and the URL are in the message).
    """
    progress = report(progress)
    opener = _opener(options)
    failures = 0
    high_water = part.stat().st_size if part.exists() else 0
    while True:
        try:
            _attempt(url, part, opener, options, progress)
            return part.stat().st_size
        except _TransientError as exc:
            after = part.stat().st_size if part.exists() else 0
            if after > high_water:
                failures = 0  # new bytes kept: this attempt is free (bounded by the file size)
                high_water = after
            else:
                failures += 1
            if failures > options.retries:
                raise DownloadError(
                    f"giving up on {url} after {options.retries} retries: {exc}", url=url
                ) from None
            wait = options.backoff(max(failures - 1, 0), exc.retry_after_s)
            log.warning("%s: %s; retrying in %.1f s (%d bytes kept)", url, exc, wait, after)
            sleep(wait)


def _format_problem(path: Path, *, name: str) -> str | None:
    """A reason if ``path`` is obviously not what ``name`` says (zip, GeoTIFF, JSON), else None."""
    name = name.lower()
    try:
        if name.endswith(".zip"):
            from towerplan.safety import UnsafeInputError, checked_members

            with zipfile.ZipFile(path) as zf:
                try:  # no '..', absolute names or links (a download is trusted no further than an upload)
                    checked_members(zf, name=path.name, max_ratio=float("inf"))
                except UnsafeInputError as exc:
                    return f"refused: {exc}"
                bad = zf.testzip()
            return f"corrupt member {bad} in the zip" if bad else None
        if name.endswith((".tif", ".tiff")):
            with open(path, "rb") as fh:
                magic = fh.read(4)
            ok = magic in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")
            return None if ok else "not a TIFF file (an error page?)"
        if name.endswith((".json", ".geojson")):
            json.loads(path.read_text(encoding="utf-8"))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        return f"unreadable ({type(exc).__name__}: {exc})"
    return None


def fetch(
    resource: Resource,
    *,
    cache: DownloadCache,
    options: HttpOptions | None = None,
    offline: bool = False,
    progress: ProgressCallback | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> FetchedFile | None:
    """The resource as a cached file: from the cache, else downloaded and checked.

    Returns ``None`` when the cache lacks it in ``offline`` mode, or when an
    ``optional`` resource is not published (404 on every URL).

    Raises
    ------
    ResourceNotFoundError
        Every URL answered 404 (the message lists them).
    ChecksumError
        The file kept failing its sha256 or format check.
    DownloadError
        Network failure after the retries.
    """
    options = options or HttpOptions()
    progress = report(progress)
    entry = cache.lookup(resource.key)
    if entry is not None:
        if cache.verify(entry, expected_sha256=resource.sha256):
            return FetchedFile(
                resource, entry.path, entry.url, entry.sha256, entry.size_bytes, entry.retrieved_utc, True
            )
        log.warning("cached %s is damaged or has another checksum than expected", resource.key)
        if not offline:
            cache.forget(resource.key)
    if offline:
        return None

    part = cache.partial_path(resource.key)
    problem, bad_url = "", resource.urls[0]
    for attempt in range(options.checksum_attempts):
        not_found: list[str] = []
        failed: list[DownloadError] = []
        for url in resource.urls:
            try:
                download_file(url, part, options=options, progress=progress, sleep=sleep)
            except ResourceNotFoundError:
                not_found.append(url)
                continue
            except DownloadError as exc:
                if len(resource.urls) > 1:
                    log.warning("%s: %s; trying the next URL", resource.key, exc)
                failed.append(exc)
                continue
            digest = sha256_file(part)
            if resource.sha256 is not None and digest != resource.sha256:
                problem = f"sha256 {digest} instead of {resource.sha256}"
            else:
                problem = _format_problem(part, name=resource.filename) or ""
            if problem:
                bad_url = url
                log.warning("%s from %s: %s; deleted (attempt %d of %d)", resource.key, url, problem,
                            attempt + 1, options.checksum_attempts)
                _discard(part)
                break
            entry = cache.store(resource.key, part, url=url, sha256=digest, filename=resource.filename)
            _discard(part)
            return FetchedFile(resource, entry.path, url, digest, entry.size_bytes, entry.retrieved_utc, False)
        else:
            if failed:
                raise failed[-1]
            if resource.optional:
                log.info("%s is not published (404): %s", resource.key, ", ".join(not_found))
                cache.record_absent(resource.key, url=not_found[0])
                return None
            raise ResourceNotFoundError(
                f"{resource.description or resource.key} not found (HTTP 404) at " + ", ".join(not_found),
                url=not_found[0] if not_found else None,
            )
    raise ChecksumError(
        f"{resource.key} failed its check {options.checksum_attempts} times ({problem}); last URL tried: "
        f"{bad_url}",
        url=bad_url,
    )


def download_bytes(
    url: str, *, options: HttpOptions | None = None, max_bytes: int = 4 * 1024**2
) -> bytes | None:
    """A small document (checksum list, API answer) fetched into memory; ``None`` on 404.

    Retries transient failures like :func:`download_file`; no cache.
    """
    options = options or HttpOptions()
    opener = _opener(options)
    request = urllib.request.Request(url, headers={"User-Agent": options.user_agent})
    for n in range(options.retries + 1):
        try:
            with opener.open(request, timeout=options.timeout_s) as response:
                data = response.read(max_bytes + 1)
            if len(data) > max_bytes:
                raise DownloadError(f"{url} is larger than {max_bytes:,} bytes", url=url)
            return data
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code in (404, 410):
                return None
            if exc.code not in _RETRY_STATUS:
                raise DownloadError(f"HTTP {exc.code} {exc.reason} for {url}", url=url) from None
            reason = f"HTTP {exc.code}"
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, FileNotFoundError):
                return None
            reason = str(exc.reason)
        except _TRANSIENT as exc:
            reason = f"{type(exc).__name__}: {exc}"
        if n < options.retries:
            time.sleep(options.backoff(n))
    raise DownloadError(f"giving up on {url}: {reason}", url=url)
