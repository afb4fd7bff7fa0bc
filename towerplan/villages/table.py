"""Village lists (thôn, bản): the province's CSV / XLSX list, or OpenStreetMap village points.

A village list has one row per village: name, commune, longitude/latitude (WGS 84),
households, whether it has grid power, and optionally whether the province reports it
without mobile signal (the dead-zone programme's list). Headers may be English or
Vietnamese ("Tên thôn", "Xã", "Kinh độ", "Vĩ độ", "Số hộ", "Điện lưới", "Không có sóng"),
with or without tone marks; title rows above the header are skipped.

Files are read with the station readers (:func:`towerplan.stations.readers.read_raw`:
encoding detection, binary and damaged files refused, size limits, XLSX checks), so a
village list is as safe to upload as a station list. Every problem names the file, the
row as the user sees it and the column; rows with an error are left out and listed in
:attr:`VillageLoad.issues`; a file with no usable row, or without its name or coordinate
columns, is refused with one :class:`VillageDataError` listing the problems.
"""

from __future__ import annotations

import logging
import math
import os
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from towerplan.errors import InputError

__all__ = [
    "VILLAGE_COLUMNS",
    "VillageDataError",
    "VillageIssue",
    "VillageLoad",
    "header_field",
    "parse_yes_no",
    "read_village_names",
    "read_villages",
    "villages_frame",
    "write_village_csv",
]

log = logging.getLogger(__name__)

#: canonical columns of a village table, in order
VILLAGE_COLUMNS = ("village_id", "name", "commune", "lon", "lat", "households", "grid_power",
                   "reported_no_signal", "place", "source")

#: canonical field -> header spellings (compared without accents, case, spaces or punctuation)
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "village_id": ("village_id", "id", "code", "ma", "ma thon", "ma ban", "ma thon ban", "osm_id"),
    "name": ("name", "village", "village_name", "ten", "ten thon", "ten ban", "thon", "ban", "thon ban",
             "ten thon ban", "thon/ban", "ten thon/ban", "ten lang", "lang"),
    "commune": ("commune", "ward", "commune_name", "unit", "xa", "ten xa", "xa phuong", "phuong xa", "xa/phuong",
                "don vi", "don vi hanh chinh"),
    "lon": ("lon", "lng", "long", "longitude", "kinh do", "x"),
    "lat": ("lat", "latitude", "vi do", "y"),
    "households": ("households", "hh", "household", "so ho", "ho", "so ho gia dinh", "ho gia dinh", "tong so ho"),
    "grid_power": ("grid_power", "power", "electricity", "grid", "dien luoi", "co dien luoi", "dien",
                   "dien luoi quoc gia", "co dien"),
    "reported_no_signal": ("reported_no_signal", "no_signal", "no signal", "khong co song", "khong song",
                           "vung lom", "lom song", "chua co song", "mat song", "vung lom song"),
    "place": ("place", "loai", "loai diem"),
}

_YES = {"yes", "y", "true", "1", "co", "x", "dung", "roi", "da co"}
_NO = {"no", "n", "false", "0", "khong", "chua", "chua co", "sai"}


def _key(text: object) -> str:
    """Accents, case and punctuation removed: ``"Tên thôn/bản"`` -> ``"tenthonban"``."""
    s = str(text).replace("đ", "d").replace("Đ", "D")
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "", s)


_ALIAS_KEYS = {_key(a): name for name, aliases in HEADER_ALIASES.items() for a in aliases}


def header_field(header: object) -> str | None:
    """The canonical field a user's header names, or None (units in brackets ignored)."""
    text = re.sub(r"\(.*?\)|\[.*?\]", "", str(header))
    return _ALIAS_KEYS.get(_key(text))


def parse_yes_no(value: object) -> bool | None:
    """``True``/``False`` from yes/no, có/không, 1/0, x; None when blank; ValueError when unclear."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | float | np.number):
        if value in (0, 1):
            return bool(value)
        raise ValueError(value)
    k = _key(value)
    if not k:
        return None
    words = re.sub(r"[^a-z0-9]+", " ", unicodedata.normalize("NFKD", str(value).replace("đ", "d").lower())
                   .encode("ascii", "ignore").decode()).strip()
    if k in _YES or words in _YES:
        return True
    if k in _NO or words in _NO or words.startswith(("khong", "chua")):
        return False
    raise ValueError(value)


class VillageDataError(InputError):
    """A village list cannot be used; ``issues`` lists every problem (file, row, column)."""

    def __init__(self, message: str, *, issues: Sequence[VillageIssue] = ()) -> None:
        super().__init__(message)
        self.issues = tuple(issues)


@dataclass(frozen=True)
class VillageIssue:
    """One problem in a village list: where (file, row as the user sees it, column), what, and the value."""

    file: str
    row: int | None
    column: str | None
    severity: str
    code: str
    message: str
    value: str = ""

    def __post_init__(self) -> None:
        if self.severity not in ("error", "warning"):
            raise ValueError(f"severity must be 'error' or 'warning', got {self.severity!r}")

    def describe(self) -> str:
        where = self.file + (f", row {self.row}" if self.row is not None else "")
        where += f", column {self.column!r}" if self.column else ""
        shown = f" (value {self.value!r})" if self.value else ""
        return f"{where}: {self.message}{shown}"


@dataclass(frozen=True, eq=False)
class VillageLoad:
    """A village list read and checked: the usable villages (EPSG:4326 points) and every issue."""

    villages: gpd.GeoDataFrame
    issues: tuple[VillageIssue, ...] = field(default=())
    source: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.villages, gpd.GeoDataFrame) or self.villages.crs is None:
            raise InputError("VillageLoad.villages must be a GeoDataFrame with a CRS")

    def issues_frame(self) -> pd.DataFrame:
        """The issues as a table (file, row, column, severity, code, message, value)."""
        cols = ["file", "row", "column", "severity", "code", "message", "value"]
        return pd.DataFrame([[getattr(i, c) for c in cols] for i in self.issues], columns=cols)


def _number(value: Any) -> float | None:
    """A float from a number or text (decimal comma accepted); None when blank; ValueError when not a number."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float | np.number):
        return float(value)
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        return None
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    return float(text)


def _field_columns(headers: Sequence[str], file: str, issues: list[VillageIssue]) -> dict[str, str]:
    found: dict[str, str] = {}
    for header in headers:
        name = header_field(header)
        if name is None:
            continue
        if name in found:
            issues.append(VillageIssue(file, None, str(header), "warning", "duplicate_column",
                                       f"a second {name} column; the first, {found[name]!r}, is used"))
            continue
        found[name] = str(header)
    missing = [f for f in ("name", "lon", "lat") if f not in found]
    if missing:
        raise VillageDataError(
            f"{file}: no {', '.join(missing)} column among {', '.join(map(repr, headers))}; a village list needs "
            "name, commune, lon, lat, households, grid_power (Vietnamese: Tên thôn, Xã, Kinh độ, Vĩ độ, Số hộ, "
            "Điện lưới)", issues=issues)
    return found


def _row(cells: Mapping[str, Any], cols: Mapping[str, str], file: str, row: int,
         issues: list[VillageIssue]) -> dict[str, Any] | None:
    """One village from one row, or None (the errors appended to ``issues``)."""
    errors: list[VillageIssue] = []

    def bad(column: str, code: str, message: str, value: Any, severity: str = "error") -> None:
        (errors if severity == "error" else issues).append(
            VillageIssue(file, row, cols.get(column, column), severity, code, message, str(value)))

    out: dict[str, Any] = {k: None for k in VILLAGE_COLUMNS}
    name = cells.get(cols["name"])
    if name is None or not str(name).strip() or (isinstance(name, float) and math.isnan(name)):
        bad("name", "name_missing", "the village has no name", "")
    else:
        out["name"] = unicodedata.normalize("NFC", str(name).strip())
    for axis, low, high in (("lon", -180.0, 180.0), ("lat", -90.0, 90.0)):
        raw = cells.get(cols[axis])
        try:
            value = _number(raw)
        except ValueError:
            bad(axis, "not_a_number", f"{axis} is not a number (decimal degrees, WGS 84)", raw)
            continue
        if value is None:
            bad(axis, "coordinate_missing", f"{axis} is empty", "")
        elif not math.isfinite(value) or not low <= value <= high:
            bad(axis, "coordinate_out_of_range", f"{axis} must be within {low:g}..{high:g} degrees", raw)
        else:
            out[axis] = value
    if "households" in cols:
        raw = cells.get(cols["households"])
        try:
            value = _number(raw)
            if value is not None and (not math.isfinite(value) or value < 0 or value > 1e6):
                raise ValueError(raw)
            out["households"] = value
        except ValueError:
            bad("households", "bad_households", "households must be a count of 0 or more (left empty)", raw,
                "warning")
    for flag in ("grid_power", "reported_no_signal"):
        if flag in cols:
            raw = cells.get(cols[flag])
            try:
                out[flag] = parse_yes_no(raw)
            except ValueError:
                bad(flag, "bad_yes_no", "write yes/no (có/không); the value is treated as unknown", raw, "warning")
    for text_field in ("village_id", "commune", "place"):
        raw = cells.get(cols.get(text_field, ""), None)
        if raw is not None and not (isinstance(raw, float) and math.isnan(raw)) and str(raw).strip():
            out[text_field] = unicodedata.normalize("NFC", str(raw).strip())
    if errors:
        issues.extend(errors)
        return None
    return out


def villages_frame(records: Sequence[Mapping[str, Any]], *, source: str) -> gpd.GeoDataFrame:
    """A village GeoDataFrame (EPSG:4326, :data:`VILLAGE_COLUMNS`) from checked records.

    Missing ids become ``V0001``...; households as float (NaN unknown); the yes/no
    columns as pandas' nullable booleans.
    """
    frame = pd.DataFrame([{k: r.get(k) for k in VILLAGE_COLUMNS} for r in records], columns=list(VILLAGE_COLUMNS))
    ids = [str(v) if v not in (None, "") else f"V{k + 1:04d}" for k, v in enumerate(frame["village_id"])]
    frame["village_id"] = ids
    frame["source"] = frame["source"].fillna(source)
    frame["households"] = pd.to_numeric(frame["households"], errors="coerce").astype(float)
    for flag in ("grid_power", "reported_no_signal"):
        frame[flag] = frame[flag].astype("boolean")
    for col in ("lon", "lat"):
        frame[col] = frame[col].astype(float)
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs=4326)


def read_villages(path: str | os.PathLike[str], *, name: str | None = None) -> VillageLoad:
    """Read a village list (CSV or XLSX; English or Vietnamese headers).

    Raises
    ------
    UnreadableFileError
        Not a readable table (missing, empty, binary, damaged, too big).
    VillageDataError
        No name or coordinate column, or no usable row (every problem listed).
    """
    from towerplan.stations.readers import read_raw

    raw = read_raw(Path(path), name=name)
    file = raw.source_file
    issues: list[VillageIssue] = []
    headers = [str(c) for c in raw.frame.columns]
    cols = _field_columns(headers, file, issues)
    records = []
    for row_number, cells in zip(raw.row_numbers, raw.frame.to_dict("records"), strict=True):
        record = _row(cells, cols, file, int(row_number), issues)
        if record is not None:
            records.append(record)
    _check_duplicate_ids(records, file, issues)
    if not records:
        listed = "\n".join(f"  - {i.describe()}" for i in issues[:20])
        raise VillageDataError(f"{file}: no usable village row\n{listed}", issues=issues)
    rejected = sum(1 for i in issues if i.severity == "error")
    if rejected:
        log.warning("%s: %d village row problem(s); those rows are left out", file, rejected)
    return VillageLoad(villages_frame(records, source=file), tuple(issues), file)


def _check_duplicate_ids(records: list[dict[str, Any]], file: str, issues: list[VillageIssue]) -> None:
    seen: dict[str, int] = {}
    for k, rec in enumerate(records):
        vid = rec.get("village_id")
        if vid is None:
            continue
        if vid in seen:
            issues.append(VillageIssue(file, None, "village_id", "warning", "duplicate_id",
                                       f"village id {vid} is used twice; the second gets a suffix", vid))
            rec["village_id"] = f"{vid}-{k + 1}"
        else:
            seen[vid] = k


def write_village_csv(villages: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a village table as CSV (UTF-8 with BOM, :data:`VILLAGE_COLUMNS`), readable by :func:`read_villages`."""
    from towerplan._atomic import atomic_path
    from towerplan.textsafe import formula_safe_frame

    frame = pd.DataFrame({c: villages.get(c, None) for c in VILLAGE_COLUMNS})
    for flag in ("grid_power", "reported_no_signal"):
        frame[flag] = frame[flag].map(lambda v: "" if v is None or v is pd.NA else ("yes" if bool(v) else "no"))
    dest = Path(path)
    with atomic_path(dest) as tmp:
        formula_safe_frame(frame).to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\n")
    return dest


def read_village_names(path: str | os.PathLike[str], *, name: str | None = None) -> pd.DataFrame:
    """A list naming villages (the province's villages reported without signal): ``village_id``, ``name``,
    ``commune``, as far as given; coordinates are not needed. Same readers and headers as :func:`read_villages`.

    Raises
    ------
    VillageDataError
        No name (or id) column, or no row naming a village.
    """
    from towerplan.stations.readers import read_raw

    raw = read_raw(Path(path), name=name)
    cols: dict[str, str] = {}
    for header in raw.frame.columns:
        found = header_field(header)
        if found in ("village_id", "name", "commune") and found not in cols:
            cols[found] = str(header)
    if "name" not in cols and "village_id" not in cols:
        raise VillageDataError(f"{raw.source_file}: no village name or id column among "
                               f"{', '.join(map(repr, raw.frame.columns))}")
    frame = pd.DataFrame({k: raw.frame[v].map(lambda x: None if x is None or (isinstance(x, float) and math.isnan(x))
                                              else unicodedata.normalize("NFC", str(x).strip()) or None)
                          for k, v in cols.items()})
    if "name" not in frame:
        frame["name"] = None
    frame = frame.dropna(how="all").reset_index(drop=True)
    if frame.empty:
        raise VillageDataError(f"{raw.source_file}: no row names a village")
    return frame
