"""Input files are local regular files of the formats their kind allows, opened without reaching elsewhere.

GDAL opens hundreds of formats, whatever a file's suffix, and some of them
read other files or the network: a ``.tif`` that is VRT XML can point its band
at ``/vsicurl/http://...`` (the server sends the request) or at ``/etc/passwd``
(read as a raw band); a GeoJSON ``crs`` of type ``link`` is fetched; a
GeoPackage layer can be an SQL view that never finishes. Every raster and
vector input therefore goes through this module:

* the path is text without NUL, not a GDAL virtual path (``/vsi...``) or URL,
  and names a *regular* file (not a folder, device such as ``/dev/zero``, or
  named pipe) -- :func:`checked_path`;
* the content is sniffed (magic bytes, not the suffix): rasters must be TIFF /
  BigTIFF or an SRTM ``.hgt`` of an SRTM size, vectors a GeoPackage (SQLite),
  GeoJSON, KML or ESRI Shapefile -- :func:`check_raster_file`,
  :func:`check_vector_file`; XML that is not KML (VRT) is refused;
* rasters are opened only with GDAL's ``GTiff``/``SRTMHGT`` drivers and with
  GDAL's network and directory access off (:data:`GDAL_INPUT_OPTIONS`) --
  :func:`open_raster`;
* GeoPackage layers that are SQL views, GeoJSON ``crs`` links and KML network
  links are refused before GDAL sees the file.

The pattern is the allow-list advice of the OWASP input-validation cheat sheet
(validate type by content, not extension) applied to GDAL's driver model
(``GDALOpenEx`` ``papszAllowedDrivers``, GDAL's "security considerations" page).
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import stat
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from towerplan.errors import InputError, UnreadableFileError
from towerplan.safety import UnsafeInputError
from towerplan.textsafe import visible

__all__ = [
    "GDAL_INPUT_OPTIONS",
    "HGT_SIZES",
    "RASTER_DRIVERS",
    "VECTOR_DRIVERS",
    "check_raster_file",
    "check_vector_file",
    "checked_path",
    "open_raster",
    "refuse_output_over_input",
    "sniff",
]

log = logging.getLogger(__name__)

#: the GDAL raster drivers an input raster may be opened with
RASTER_DRIVERS = ("GTiff", "SRTMHGT")
#: the OGR drivers an input vector may be opened with
VECTOR_DRIVERS = ("GPKG", "GeoJSON", "KML", "ESRI Shapefile")
#: GDAL configuration while inputs are opened: no directory listing, no network through /vsicurl/,
#: no SQLite virtual tables reaching other files, no Python in VRTs
GDAL_INPUT_OPTIONS: dict[str, str] = {
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".towerplan-no-network",
    "GDAL_HTTP_MAX_RETRY": "0",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_CONNECTTIMEOUT": "1",
    "OGR_SQLITE_ALLOW_EXTERNAL_ACCESS": "NO",
    "GDAL_VRT_ENABLE_PYTHON": "NO",
    "GDAL_VRT_ENABLE_RAWRASTERBAND": "NO",
}
#: SRTM .hgt tile sizes in bytes (3 and 1 arc-second; :mod:`towerplan.hgt`)
HGT_SIZES = (1201 * 1201 * 2, 3601 * 3601 * 2)
#: the longest a GeoPackage check may query SQLite (seconds)
_SQLITE_SECONDS = 5.0
_HEAD = 4096
_VIRTUAL = re.compile(r"(^|[/\\])vsi[a-z0-9_]*([/\\]|$)|^[a-z][a-z0-9+.-]+:/", re.IGNORECASE)
_CRS_LINK = re.compile(rb'"type"\s*:\s*"(link|url|ogcwkt|esriwkt|proj4)"', re.IGNORECASE)
_NETWORK_LINK = re.compile(rb"<\s*(?:[a-z0-9_]+:)?(NetworkLink|href)\b", re.IGNORECASE)


# ----------------------------------------------------------------------------- showing names


# ----------------------------------------------------------------------------- paths


def checked_path(path: str | os.PathLike[str], *, what: str = "input") -> Path:
    """A local regular file's real path (symbolic links resolved), or a clear error.

    Raises
    ------
    InputError
        The path holds a NUL character.
    UnsafeInputError
        A GDAL virtual path (``/vsicurl/``, ``/vsizip/`` ...) or a URL.
    UnreadableFileError
        No such file, or not a regular file (a folder, a device such as ``/dev/zero``, a named pipe).
    """
    text = os.fspath(path)
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    if "\x00" in text:
        raise InputError(f"{what}: the path {visible(text)!s} holds a NUL character (\\x00); give the file's real name")
    if _VIRTUAL.search(text.replace("\\", "/")):
        raise UnsafeInputError(
            f"{what}: {visible(text)} is a GDAL virtual path or a URL; refused for safety: give a local file "
            "(download it first)"
        )
    p = Path(text)
    try:
        info = p.stat()  # follows links
    except FileNotFoundError as exc:
        raise UnreadableFileError(f"{visible(p)}: no such file") from exc
    except (OSError, ValueError) as exc:
        raise UnreadableFileError(f"{visible(p)}: cannot be read ({exc})") from exc
    if not stat.S_ISREG(info.st_mode):
        kind = ("a folder" if stat.S_ISDIR(info.st_mode) else "a named pipe (FIFO)" if stat.S_ISFIFO(info.st_mode)
                else "a device" if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode)
                else "a socket" if stat.S_ISSOCK(info.st_mode) else "not a regular file")
        raise UnreadableFileError(f"{visible(p)}: is {kind}, not a regular file; give the {what} file itself")
    return p.resolve()


def _head(path: Path, n: int = _HEAD) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(n)
    except OSError as exc:
        raise UnreadableFileError(f"{visible(path.name)}: cannot be read ({exc.strerror or exc})") from exc


def sniff(head: bytes) -> str:
    """What the first bytes of a file are: ``tiff``, ``sqlite``, ``zip``, ``shp``, ``json``, ``kml``, ``xml``,
    ``empty`` or ``other``."""
    if not head:
        return "empty"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if head.startswith(b"SQLite format 3\x00"):
        return "sqlite"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head[:4] == b"\x00\x00\x27\x0a":
        return "shp"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] in (b"{", b"["):
        return "json"
    if text[:1] == b"<":
        return "kml" if re.search(rb"<\s*(?:[a-z0-9_]+:)?kml[\s>]", text, re.IGNORECASE) else "xml"
    return "other"


# ----------------------------------------------------------------------------- rasters


def check_raster_file(path: str | os.PathLike[str], *, what: str = "raster") -> Path:
    """Check a raster input: a regular local GeoTIFF (by its bytes) or SRTM ``.hgt``; its real path.

    Raises
    ------
    UnsafeInputError
        XML (a GDAL VRT, which can read other files or URLs), or a virtual path.
    UnreadableFileError
        Missing, not a regular file, or not a GeoTIFF / SRTM tile.
    """
    real = checked_path(path, what=what)
    shown = visible(Path(os.fspath(path)).name)
    kind = sniff(_head(real))
    if kind == "tiff":
        return real
    if real.suffix.lower() == ".hgt" and real.stat().st_size in HGT_SIZES:
        return real
    if kind in ("xml", "kml"):
        raise UnsafeInputError(
            f"{shown}: holds XML (a GDAL virtual raster, VRT?), not a GeoTIFF; refused for safety (a VRT can read "
            "other files or URLs): convert it with `gdal_translate -of GTiff`"
        )
    raise UnreadableFileError(
        f"{shown}: not a readable raster (towerplan reads GeoTIFF and SRTM .hgt files; this file is "
        f"{'empty' if kind == 'empty' else 'another format'}); export it as GeoTIFF"
    )


@contextmanager
def open_raster(path: str | os.PathLike[str], *, what: str = "raster") -> Iterator[Any]:
    """Open a checked raster input with the GeoTIFF/SRTM drivers only and GDAL's network access off.

    Yields the ``rasterio`` dataset. Raises as :func:`check_raster_file`.
    """
    import rasterio

    real = check_raster_file(path, what=what)
    driver = "GTiff" if sniff(_head(real, 8)) == "tiff" else "SRTMHGT"
    with rasterio.Env(**GDAL_INPUT_OPTIONS), rasterio.open(real, driver=driver) as ds:
        yield ds


# ----------------------------------------------------------------------------- vectors


def check_vector_file(path: str | os.PathLike[str], *, what: str = "vector layer") -> Path:
    """Check a vector input (GeoPackage, GeoJSON, KML, ESRI Shapefile by content); its real path.

    Also refuses GeoPackage layers that are SQL views (one can recurse for ever), GeoJSON whose
    ``crs`` is a link to fetch, and KML with network links. GDAL's network access is switched off
    for the vector reader (``pyogrio``) as for rasters.

    Raises
    ------
    UnsafeInputError
        XML that is not KML (an OGR VRT), a view, a link to elsewhere, a virtual path.
    UnreadableFileError
        Missing, not a regular file, or another format.
    """
    real = checked_path(path, what=what)
    shown = visible(Path(os.fspath(path)).name)
    head = _head(real)
    kind = sniff(head)
    _switch_off_ogr_network()
    if kind == "sqlite":
        _refuse_gpkg_views(real, shown)
        return real
    if kind == "json":
        _refuse_crs_links(real, shown)
        return real
    if kind == "kml":
        if _NETWORK_LINK.search(real.read_bytes()):
            raise UnsafeInputError(
                f"{shown}: the KML holds a NetworkLink or href (content fetched from elsewhere); refused for "
                "safety: save the layer itself (without links) as KML or GeoPackage"
            )
        return real
    if kind == "shp":
        return real
    if kind == "xml":
        raise UnsafeInputError(
            f"{shown}: holds XML that is not KML (an OGR virtual layer, VRT?); refused for safety (a VRT can "
            "read other files or URLs): save the layer as GeoPackage"
        )
    if kind == "zip":
        raise UnreadableFileError(f"{shown}: a ZIP archive; unzip it and give the GeoPackage, GeoJSON, KML or "
                                  "shapefile inside")
    raise UnreadableFileError(
        f"{shown}: not a readable vector file (towerplan reads {', '.join(VECTOR_DRIVERS)}; this file is "
        f"{'empty' if kind == 'empty' else 'another format'})"
    )


_OGR_CONFIGURED = False


def _switch_off_ogr_network() -> None:
    """Set :data:`GDAL_INPUT_OPTIONS` in pyogrio's GDAL (a separate library from rasterio's), once."""
    global _OGR_CONFIGURED
    if _OGR_CONFIGURED:
        return
    import pyogrio

    pyogrio.set_gdal_config_options(dict(GDAL_INPUT_OPTIONS))
    _OGR_CONFIGURED = True


def _refuse_crs_links(path: Path, shown: str) -> None:
    data = path.read_bytes()
    for match in re.finditer(rb'"crs"\s*:', data):
        window = data[match.end(): match.end() + 400]
        if _CRS_LINK.search(window) or b"href" in window.lower():
            raise UnsafeInputError(
                f"{shown}: the GeoJSON 'crs' is a link (fetched from elsewhere); refused for safety: use "
                '"crs": {"type": "name", "properties": {"name": "EPSG:4326"}} or no crs (longitude/latitude)'
            )


def _refuse_gpkg_views(path: Path, shown: str) -> None:
    """Refuse a GeoPackage whose layers include SQL views (a recursive view never finishes)."""
    deadline = time.monotonic() + _SQLITE_SECONDS
    try:
        con = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error as exc:
        raise UnreadableFileError(f"{shown}: not a readable vector file: a damaged GeoPackage ({exc})") from exc
    try:
        con.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        views = {str(r[0]) for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
        try:
            layers = [str(r[0]) for r in con.execute("SELECT table_name FROM gpkg_contents")]
        except sqlite3.Error:
            layers = []
    except sqlite3.Error as exc:
        raise UnreadableFileError(f"{shown}: not a readable vector file: a damaged GeoPackage ({exc})") from exc
    finally:
        con.close()
    bad = [name for name in layers if name in views]
    if bad:
        raise UnsafeInputError(
            f"{shown}: layer {visible(bad[0])!r} is an SQL view, not a table; refused (a view can take for ever "
            "to read): save the layer as a table (ogr2ogr out.gpkg in.gpkg)"
        )



# ----------------------------------------------------------------------------- outputs


def refuse_output_over_input(
    output: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]], *, option: str = "output"
) -> None:
    """Refuse an output path that is one of the inputs, or a folder holding one (it would be overwritten).

    Raises
    ------
    InputError
        ``output`` names an input file (``validate x.csv --report-csv x.csv``), or a folder that
        holds an input (``run --out`` over the study folder).
    """
    out = Path(os.fspath(output)).expanduser().resolve()
    for item in inputs:
        try:
            src = Path(os.fspath(item)).expanduser().resolve()
        except (OSError, ValueError):
            continue
        if src == out or (out.exists() and src.exists() and os.path.samefile(out, src)):
            raise InputError(f"{option} {visible(output)} is the input file {visible(item)}; writing it would "
                             "destroy the input: choose another name")
        if src.is_relative_to(out) and out != Path(out.anchor):
            raise InputError(f"{option} {visible(output)} holds the input {visible(item)}; replacing the folder "
                             "would destroy the input: choose another folder")
