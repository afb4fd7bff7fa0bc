"""SRTM ``.hgt`` tiles (1" and 3", also zipped): the reader :func:`read_hgt` and the name and size rules.

The format (NASA/USGS SRTM documentation, "SRTM Topography", 2003): a headerless square of big-endian int16
heights in metres, 1201x1201 (3") or 3601x3601 (1") samples, row 0 at the north edge, the tile's south-west
corner in its file name (``N19E105.hgt``), voids -32768. :mod:`towerplan.terrain` warps these tiles with the
other DEM sources.
"""

from __future__ import annotations

import math
import os
import re
import zipfile
from pathlib import Path

import numpy as np
from affine import Affine
from pyproj import CRS

from towerplan.errors import UnreadableFileError
from towerplan.grid import Grid
from towerplan.input_files import HGT_SIZES

__all__ = ["HGT_NAME", "HGT_SAMPLES", "hgt_origin", "read_hgt", "zip_has_hgt"]

HGT_NAME = re.compile(r"([NS])(\d{1,2})([EW])(\d{1,3})", re.IGNORECASE)
#: bytes of a tile -> samples along its side (3" and 1")
HGT_SAMPLES = {size: math.isqrt(size // 2) for size in HGT_SIZES}
_WGS84 = CRS.from_epsg(4326)


def hgt_origin(name: str) -> tuple[int, int]:
    m = HGT_NAME.search(name)
    if not m:
        raise UnreadableFileError(
            f"{name}: an SRTM .hgt file must be named after its south-west corner, e.g. N19E105.hgt"
        )
    lat = int(m.group(2)) * (1 if m.group(1).upper() == "N" else -1)
    lon = int(m.group(4)) * (1 if m.group(3).upper() == "E" else -1)
    if not (-90 <= lat <= 89 and -180 <= lon <= 179):
        raise UnreadableFileError(
            f"{name}: the tile name puts its south-west corner at latitude {lat}, longitude {lon}, outside the "
            "Earth (latitude -90..89, longitude -180..179); rename the tile after its real corner, e.g. N19E105.hgt"
        )
    return lat, lon


def read_hgt(path: str | os.PathLike[str]) -> Grid:
    """Read an SRTM ``.hgt`` tile (1" or 3", optionally inside a ``.zip``) into a Grid.

    The format is a headerless square of big-endian int16 heights in metres,
    1201x1201 (3") or 3601x3601 (1") samples, row 0 at the north edge; samples are
    *points* on whole-degree lines, so pixel edges sit half a sample outside the
    tile. The tile's south-west corner comes from the file name (``N19E105``).
    Voids are -32768.
    """
    path = Path(path)
    if path.suffix.lower() == ".zip":
        from towerplan.safety import checked_members, read_zip_member

        # safety checks (no '..', absolute names, links, too many members); the ratio limit is not
        # needed: only a member of an exact SRTM tile size is ever read, and flat sea compresses well
        try:
            with zipfile.ZipFile(path) as zf:
                members = checked_members(zf, name=path.name, max_ratio=math.inf)
        except zipfile.BadZipFile as exc:
            raise UnreadableFileError(f"{path.name}: not a valid zip file ({exc})") from exc
        names = [i.filename for i in members if i.filename.lower().endswith(".hgt")]
        if len(names) != 1:
            raise UnreadableFileError(f"{path.name}: expected one .hgt inside the zip, found {names}")
        info = next(i for i in members if i.filename == names[0])
        if info.file_size not in HGT_SAMPLES:
            raise UnreadableFileError(f"{path.name}: {names[0]} has {info.file_size} bytes, not an SRTM tile")
        inner, raw = read_zip_member(path, names[0], max_bytes=max(HGT_SAMPLES), max_ratio=math.inf)
    else:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise UnreadableFileError(f"{path}: cannot read ({exc})") from exc
        inner = path.name
    n = HGT_SAMPLES.get(len(raw))
    if n is None:
        raise UnreadableFileError(
            f"{path.name}: {len(raw)} bytes is not an SRTM tile (expected {sorted(HGT_SAMPLES)} bytes)"
        )
    lat, lon = hgt_origin(inner if HGT_NAME.search(inner) else path.name)
    values = np.frombuffer(raw, dtype=">i2").reshape(n, n).astype(np.int16)
    step = 1.0 / (n - 1)
    transform = Affine(step, 0.0, lon - step / 2, 0.0, -step, lat + 1 + step / 2)
    return Grid(values, transform, _WGS84, -32768)


def zip_has_hgt(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            return any(n.lower().endswith(".hgt") for n in zf.namelist())
    except zipfile.BadZipFile:
        return False
