"""Deterministic zip archives: fixed entry dates, sorted entries, fixed compression."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping
from pathlib import Path

FIXED_DATE = (2000, 1, 1, 0, 0, 0)
FIXED_ISO = "2000-01-01T00:00:00Z"


def write_zip(path: Path, members: Mapping[str, bytes], *, first: str | None = None) -> Path:
    """Write ``members`` (name -> bytes) to ``path`` with fixed dates.

    ``first`` is stored first (KMZ readers take the first ``.kml``); the others follow
    in the given order.
    """
    names = list(members)
    if first is not None:
        names.remove(first)
        names.insert(0, first)
    with zipfile.ZipFile(path, "w") as zf:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, members[name], compresslevel=6)
    return path


def normalise_office_zip(path: Path) -> Path:
    """Rewrite an OOXML file (``.xlsx``) with fixed entry dates and core-property times."""
    with zipfile.ZipFile(path) as zf:
        members = {info.filename: zf.read(info) for info in zf.infolist()}
    core = members.get("docProps/core.xml")
    if core is not None:
        members["docProps/core.xml"] = re.sub(
            rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)", rb"\g<1>" + FIXED_ISO.encode() + rb"\g<2>", core
        )
    first = "[Content_Types].xml" if "[Content_Types].xml" in members else None
    return write_zip(path, members, first=first)
