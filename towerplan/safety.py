"""Safe handling of archives and uploads: nothing a user sends can escape its folder.

Every ZIP towerplan opens (KMZ station lists, zipped SRTM tiles, uploads)
goes through this module. An archive is checked as a whole before any byte
is unpacked, and refused (:class:`UnsafeInputError`, an
:class:`~towerplan.errors.UnreadableFileError`) when a member

* has an absolute name (``/etc/passwd``, ``C:\\x``, ``\\\\server\\share``) or
  climbs out with ``..``;
* is a symbolic link (Unix mode bits in the ZIP's external attributes);
* is encrypted;

or when the archive has more than ``max_members`` members, declares more
than ``max_total_bytes`` unpacked, or a member declares a compression ratio
above ``max_ratio`` (a zip bomb). Declared sizes can lie, so bytes are also
counted while decompressing and reading stops at the limit. Nested archives
are never unpacked recursively: a ZIP inside a ZIP is only bytes.

User file names never become paths: :func:`safe_upload_path` keeps only a
sanitised suffix and generates the stem, inside a per-session folder.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import stat
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path, PurePosixPath
from typing import IO

from towerplan.errors import InputError, UnreadableFileError

__all__ = [
    "MAX_ARCHIVE_MEMBERS",
    "MAX_ARCHIVE_RATIO",
    "MAX_ARCHIVE_TOTAL_BYTES",
    "MAX_UPLOAD_BYTES",
    "RATIO_FLOOR_BYTES",
    "UnsafeInputError",
    "check_upload",
    "checked_members",
    "read_zip_member",
    "safe_extract",
    "safe_upload_path",
    "sanitised_suffix",
]

#: most members an archive may hold
MAX_ARCHIVE_MEMBERS = 1_000
#: most bytes an archive may unpack to, all members together (1 GiB)
MAX_ARCHIVE_TOTAL_BYTES = 1024 * 1024 * 1024
#: highest compression ratio (unpacked / packed) of one member; real KML, CSV and SRTM tiles stay well below
MAX_ARCHIVE_RATIO = 200.0
#: members that unpack to less than this are never refused for their ratio (tiny files compress well)
RATIO_FLOOR_BYTES = 1024 * 1024
#: largest upload accepted (bytes, 200 MiB: the station-list limit)
MAX_UPLOAD_BYTES = 200 * 1024 * 1024

_CHUNK = 1024 * 1024
_SUFFIX_CHARS = re.compile(r"[^a-z0-9]")
_DRIVE = re.compile(r"^[A-Za-z]:")
_SRTM_TILE = re.compile(r"([NS]\d{2}[EW]\d{3})\.hgt(\.zip)?", re.IGNORECASE)

ZipSource = str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes]


class UnsafeInputError(UnreadableFileError):
    """An archive or upload refused for safety (path traversal, symlink, bomb, too large)."""


# ----------------------------------------------------------------------------- archives


def _label(source: ZipSource, name: str | None) -> str:
    if name:
        return name
    if isinstance(source, (str, os.PathLike)):
        return Path(source).name
    return "archive"


@contextmanager
def _open_zip(source: ZipSource, label: str) -> Iterator[zipfile.ZipFile]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        handle: IO[bytes] | str | os.PathLike[str] = io.BytesIO(bytes(source))
    else:
        handle = source
    try:
        archive = zipfile.ZipFile(handle)
    except FileNotFoundError as exc:
        raise UnreadableFileError(f"{label}: no such file") from exc
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise UnreadableFileError(f"{label}: not a valid ZIP archive ({exc})") from exc
    try:
        yield archive
    finally:
        archive.close()


def _unsafe_name(member: str) -> str | None:
    """Why a member name is unsafe, or ``None``."""
    if "\x00" in member:
        return "has a NUL character in its name"
    text = member.replace("\\", "/")
    if text.startswith("/") or _DRIVE.match(text):
        return "has an absolute path"
    if ".." in PurePosixPath(text).parts:
        return "climbs out of the folder with '..'"
    return None


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def checked_members(
    archive: zipfile.ZipFile,
    *,
    name: str = "archive",
    max_members: int = MAX_ARCHIVE_MEMBERS,
    max_total_bytes: int = MAX_ARCHIVE_TOTAL_BYTES,
    max_ratio: float = MAX_ARCHIVE_RATIO,
) -> list[zipfile.ZipInfo]:
    """Check every member of an open archive; return the regular files (no folders).

    Raises
    ------
    UnsafeInputError
        Too many members, an unsafe name, a symbolic link, an encrypted member,
        a declared ratio above ``max_ratio`` or a declared total above ``max_total_bytes``.
    """
    infos = archive.infolist()
    if len(infos) > max_members:
        raise UnsafeInputError(
            f"{name}: the archive has {len(infos):,} members, more than the limit of {max_members:,}; "
            "unpack it yourself and give the files you need"
        )
    total = 0
    files: list[zipfile.ZipInfo] = []
    for info in infos:
        why = _unsafe_name(info.filename)
        if why:
            raise UnsafeInputError(
                f"{name}: member {info.filename!r} {why}; refused for safety (archives must hold plain relative "
                "names): re-create the archive from the files themselves"
            )
        if _is_symlink(info):
            raise UnsafeInputError(
                f"{name}: member {info.filename!r} is a symbolic link; refused for safety: re-create the archive "
                "without links"
            )
        if info.flag_bits & 0x1:
            raise UnsafeInputError(f"{name}: member {info.filename!r} is encrypted; give an archive without a password")
        if info.is_dir():
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR_BYTES and ratio > max_ratio:
            raise UnsafeInputError(
                f"{name}: member {info.filename!r} would unpack {ratio:,.0f} times its packed size "
                f"({_size(info.file_size)}), over the limit of {max_ratio:,.0f}: a zip bomb? refused"
            )
        total += info.file_size
        if total > max_total_bytes:
            raise UnsafeInputError(
                f"{name}: the archive unpacks to more than {_size(max_total_bytes)}, over the limit; "
                "give the files you need unpacked or in smaller archives"
            )
        files.append(info)
    return files


def _read_counted(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, limit: int, max_ratio: float, name: str
) -> Iterator[bytes]:
    """Chunks of a member, refusing more than ``limit`` bytes or the ratio, whatever the header says."""
    count = 0
    try:
        with archive.open(info) as handle:
            while True:
                chunk = handle.read(_CHUNK)
                if not chunk:
                    break
                count += len(chunk)
                if count > limit:
                    raise UnsafeInputError(
                        f"{name}: member {info.filename!r} unpacks to more than {_size(limit)}, over the limit; "
                        "refused"
                    )
                if count > RATIO_FLOOR_BYTES and count / max(info.compress_size, 1) > max_ratio:
                    raise UnsafeInputError(
                        f"{name}: member {info.filename!r} unpacks more than {max_ratio:,.0f} times its packed "
                        "size: a zip bomb? refused"
                    )
                yield chunk
    except UnsafeInputError:
        raise
    except Exception as exc:  # BadZipFile (CRC), zlib.error, EOFError, NotImplementedError (method), ...
        raise UnreadableFileError(f"{name}: member {info.filename!r} is damaged ({exc})") from exc


def read_zip_member(
    source: ZipSource,
    member: str | None = None,
    *,
    suffix: str | None = None,
    prefer: str | None = None,
    name: str | None = None,
    max_bytes: int = MAX_ARCHIVE_TOTAL_BYTES,
    max_members: int = MAX_ARCHIVE_MEMBERS,
    max_total_bytes: int = MAX_ARCHIVE_TOTAL_BYTES,
    max_ratio: float = MAX_ARCHIVE_RATIO,
) -> tuple[str, bytes]:
    """Read one member of a checked archive into memory.

    Parameters
    ----------
    source
        The archive: a path, its bytes or a binary file object.
    member
        The member's exact name; or ``None`` and pick by ``suffix``.
    suffix
        Pick the member whose name ends with this (case-insensitive): ``prefer``
        (a name, case-insensitive) when present, else the first in archive order.
    name
        Archive name shown in messages.
    max_bytes
        Refuse a member that unpacks to more (counted while decompressing).
    max_members, max_total_bytes, max_ratio
        Archive limits, as for :func:`checked_members`.

    Returns
    -------
    member, data
        The member's name and its bytes.

    Raises
    ------
    UnsafeInputError
        The archive fails a safety check.
    UnreadableFileError
        Not a ZIP, damaged, or no such member.
    """
    label = _label(source, name)
    with _open_zip(source, label) as archive:
        files = checked_members(
            archive, name=label, max_members=max_members, max_total_bytes=max_total_bytes, max_ratio=max_ratio
        )
        if member is not None:
            chosen = next((i for i in files if i.filename == member), None)
            if chosen is None:
                raise UnreadableFileError(f"{label}: no member {member!r} in the archive")
        else:
            if not suffix:
                raise InputError("read_zip_member needs a member name or a suffix")
            candidates = [i for i in files if i.filename.lower().endswith(suffix.lower())]
            if not candidates:
                raise UnreadableFileError(f"{label}: no {suffix} file inside the archive")
            chosen = next(
                (i for i in candidates if prefer and i.filename.lower() == prefer.lower()), candidates[0]
            )
        if chosen.file_size > max_bytes:
            raise UnsafeInputError(
                f"{label}: member {chosen.filename!r} unpacks to {_size(chosen.file_size)}, over the limit of "
                f"{_size(max_bytes)}; split the file or give it unpacked"
            )
        data = b"".join(_read_counted(archive, chosen, limit=max_bytes, max_ratio=max_ratio, name=label))
    return chosen.filename, data


def safe_extract(
    source: ZipSource,
    dest_dir: str | os.PathLike[str],
    *,
    name: str | None = None,
    max_members: int = MAX_ARCHIVE_MEMBERS,
    max_total_bytes: int = MAX_ARCHIVE_TOTAL_BYTES,
    max_ratio: float = MAX_ARCHIVE_RATIO,
) -> list[Path]:
    """Unpack a checked archive into ``dest_dir`` and return the files written.

    The whole archive is checked before anything is written; bytes are
    counted while unpacking (declared sizes can lie). On any failure the
    files written so far are removed. Nested archives are written as files,
    never unpacked. Permissions from the archive are ignored (files get the
    process's default mode).

    Raises
    ------
    UnsafeInputError
        The archive fails a safety check (nothing is left in ``dest_dir``).
    UnreadableFileError
        Not a ZIP or damaged.
    """
    label = _label(source, name)
    dest = Path(dest_dir).resolve()
    dest.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with _open_zip(source, label) as archive:
        files = checked_members(
            archive, name=label, max_members=max_members, max_total_bytes=max_total_bytes, max_ratio=max_ratio
        )
        budget = max_total_bytes
        try:
            for info in files:
                target = (dest / info.filename.replace("\\", "/")).resolve()
                if dest not in target.parents:
                    raise UnsafeInputError(f"{label}: member {info.filename!r} would land outside the folder; refused")
                target.parent.mkdir(parents=True, exist_ok=True)
                with open(target, "xb") as out:
                    written.append(target)
                    for chunk in _read_counted(archive, info, limit=budget, max_ratio=max_ratio, name=label):
                        out.write(chunk)
                        budget -= len(chunk)
        except FileExistsError as exc:
            _remove(written)
            raise UnsafeInputError(f"{label}: two members unpack to the same file {exc.filename}; refused") from exc
        except BaseException:
            _remove(written)
            raise
    return written


def _size(n_bytes: float) -> str:
    """``1536`` -> ``"1.5 KiB"``: sizes in messages."""
    value = float(n_bytes)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:,.0f} bytes" if unit == "bytes" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{value:,.1f} TiB"


def _remove(paths: list[Path]) -> None:
    for path in paths:
        with suppress(OSError):
            path.unlink()


# ----------------------------------------------------------------------------- uploads


def sanitised_suffix(original_name: str, *, max_len: int = 8) -> str:
    """The lower-case last suffix of a user's file name, letters and digits only (``""`` if none).

    ``"../../etc/x.CSV"`` -> ``".csv"``; ``"tile.hgt.zip"`` -> ``".zip"``; ``"a.c$v"`` -> ``".cv"``.
    """
    base = str(original_name).replace("\\", "/").rsplit("/", 1)[-1]
    if "." not in base.strip("."):
        return ""
    suffix = _SUFFIX_CHARS.sub("", base.rsplit(".", 1)[-1].lower())[:max_len]
    return f".{suffix}" if suffix else ""


def check_upload(
    name: str,
    size: int,
    *,
    max_bytes: int = MAX_UPLOAD_BYTES,
    allowed_suffixes: tuple[str, ...] | None = None,
) -> str:
    """Check an upload's size (and suffix) before storing it; return its sanitised suffix.

    Raises
    ------
    UnsafeInputError
        Empty, larger than ``max_bytes``, or a suffix not in ``allowed_suffixes``.
    """
    suffix = sanitised_suffix(name)
    shown = suffix or "(no suffix)"
    if size <= 0:
        raise UnsafeInputError(f"the uploaded {shown} file is empty; choose the file again")
    if size > max_bytes:
        raise UnsafeInputError(
            f"the uploaded {shown} file is {_size(size)}, over the upload limit of {_size(max_bytes)}; "
            "split it, clip it to the study area, or use the command line on local files"
        )
    if allowed_suffixes is not None and suffix not in {s.lower() for s in allowed_suffixes}:
        raise UnsafeInputError(
            f"the uploaded file has suffix {shown}, expected one of {', '.join(sorted(allowed_suffixes))}"
        )
    return suffix


def safe_upload_path(session_dir: str | os.PathLike[str], original_name: str, *, prefix: str = "upload") -> Path:
    """A fresh path inside ``session_dir`` for an upload, never derived from the user's name.

    Only the sanitised suffix of ``original_name`` is kept (readers detect
    formats from it); the stem is ``<prefix>-<random hex>``. One exception: an
    SRTM tile name (``N19E105.hgt``, ``N19E105.hgt.zip``), which carries the
    tile's position, is kept as the prefix after a strict match. ``session_dir``
    is created. The file does not exist yet.

    Raises
    ------
    InputError
        ``prefix`` is not plain letters, digits, ``-`` or ``_``.
    """
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", prefix):
        raise InputError(f"upload prefix {prefix!r} must be letters, digits, '-' or '_'")
    folder = Path(session_dir).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    suffix = sanitised_suffix(original_name)
    base = str(original_name).replace("\\", "/").rsplit("/", 1)[-1]
    tile = _SRTM_TILE.fullmatch(base)
    if tile:
        prefix = tile.group(1).upper()
    while True:
        path = folder / f"{prefix}-{secrets.token_hex(8)}{suffix}"
        if not path.exists():
            return path
