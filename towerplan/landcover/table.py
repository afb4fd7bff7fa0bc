"""Land-cover class tables: from a raster's classes to radio clutter.

Each class of a categorical land-cover raster gets:

* a **P.1812 clutter category** (code 1-5): 1 water/sea, 2 open/rural,
  3 suburban, 4 urban/trees/forest, 5 dense urban (ITU-R P.1812-7, Annex 1
  §3.2, Table 2; the same categories as ITU-R P.452's clutter);
* a **representative clutter height** R in metres (Table 2's defaults: 0, 0,
  10, 15, 20 m for the five categories);
* a **P.2108 clutter type** for the terminal clutter loss of models without
  clutter (ITU-R P.2108-1 §3.1, Table 3: water/sea, open/rural, suburban,
  urban, trees/forest, dense urban), which separates trees from buildings;
* a **P.2109 building type** for indoor service (traditional or thermally
  efficient, ITU-R P.2109-2 Table 1).

The reference legend is ESA WorldCover 10 m v200 (:data:`WORLDCOVER_TABLE`);
any other categorical raster is used with a user table, a CSV file::

    class,name,clutter,height_m,p2108,building
    1,Rice paddy,open_rural,0,open_rural,traditional
    2,Village,suburban,10,suburban,traditional

or a TOML file with one ``[classes.<code>]`` table per class (same keys). Only
``class`` and ``clutter`` are required: ``height_m`` defaults to Table 2 of
P.1812 for the category, ``p2108`` to the matching P.2108 type, ``building`` to
traditional (thermally efficient for dense urban). ``clutter`` and ``p2108``
accept names or codes. Mapping choices are documented in ``docs/DESIGN.md``
(section "Land cover").
"""

from __future__ import annotations

import csv
import io
import logging
import math
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from towerplan.coverage.building_loss import BUILDING_TYPES
from towerplan.coverage.clutter_loss import P2108_CLUTTER_TYPES
from towerplan.errors import ConfigError, UnreadableFileError

__all__ = [
    "CLUTTER_CATEGORIES",
    "DEFAULT_CLASS",
    "P1812_DEFAULT_HEIGHT_M",
    "WORLDCOVER_TABLE",
    "ClassTable",
    "LandClass",
    "read_class_table",
]

log = logging.getLogger(__name__)

#: P.1812 clutter categories by code (P.1812-7 Annex 1 §3.2, Table 2)
CLUTTER_CATEGORIES: dict[int, str] = {
    1: "water_sea", 2: "open_rural", 3: "suburban", 4: "urban_trees_forest", 5: "dense_urban",
}
#: P.1812-7 Table 2: default representative clutter height R (m) by category code
P1812_DEFAULT_HEIGHT_M: dict[int, float] = {1: 0.0, 2: 0.0, 3: 10.0, 4: 15.0, 5: 20.0}
#: P.2108 type implied by a P.1812 category when a table gives none
_P2108_FOR_CATEGORY = {1: "water_sea", 2: "open_rural", 3: "suburban", 4: "urban", 5: "dense_urban"}
_MAX_HEIGHT_M = 100.0
_MAX_TABLE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class LandClass:
    """One land-cover class and its radio clutter.

    Parameters
    ----------
    code
        The value of the class in the raster (an integer).
    name
        Human-readable name.
    clutter
        P.1812 clutter category code, 1-5 (:data:`CLUTTER_CATEGORIES`).
    height_m
        Representative clutter height R, metres (0-100).
    p2108
        P.2108 clutter type (one of :data:`~towerplan.coverage.clutter_loss.P2108_CLUTTER_TYPES`).
    building
        P.2109 building type: ``traditional`` or ``thermally_efficient``.
    """

    code: int
    name: str
    clutter: int
    height_m: float
    p2108: str
    building: str = "traditional"

    def __post_init__(self) -> None:
        if isinstance(self.code, bool) or int(self.code) != self.code:
            raise ConfigError(f"land-cover class code must be an integer, got {self.code!r}")
        object.__setattr__(self, "code", int(self.code))
        if self.clutter not in CLUTTER_CATEGORIES:
            raise ConfigError(f"class {self.code}: clutter category must be 1-5 ({_category_help()}), "
                              f"got {self.clutter!r}")
        h = float(self.height_m)
        if not (math.isfinite(h) and 0.0 <= h <= _MAX_HEIGHT_M):
            raise ConfigError(f"class {self.code}: clutter height must be 0-{_MAX_HEIGHT_M:g} m, got {self.height_m!r}")
        object.__setattr__(self, "height_m", h)
        if self.p2108 not in P2108_CLUTTER_TYPES:
            raise ConfigError(f"class {self.code}: P.2108 type must be one of {', '.join(P2108_CLUTTER_TYPES)}, "
                              f"got {self.p2108!r}")
        if self.building not in BUILDING_TYPES:
            raise ConfigError(f"class {self.code}: building type must be traditional or thermally_efficient, "
                              f"got {self.building!r}")

    @property
    def clutter_name(self) -> str:
        """The P.1812 category's name (``open_rural`` ...)."""
        return CLUTTER_CATEGORIES[self.clutter]


def _category_help() -> str:
    return ", ".join(f"{k} {v}" for k, v in CLUTTER_CATEGORIES.items())


#: the class used where no land cover is known (no raster, or a nodata cell): open/rural, R = 0 m
DEFAULT_CLASS = LandClass(0, "default: open/rural (no land cover)", 2, 0.0, "open_rural", "traditional")


@dataclass(frozen=True)
class ClassTable:
    """A legend: class code -> :class:`LandClass`.

    Parameters
    ----------
    classes
        The classes (codes unique).
    name
        What the table is (shown in the method section of reports).
    source
        Where its mapping comes from (a citation or a file name).
    """

    classes: tuple[LandClass, ...]
    name: str
    source: str = ""

    def __post_init__(self) -> None:
        classes = tuple(self.classes)
        if not classes:
            raise ConfigError(f"the land-cover table {self.name!r} has no class")
        codes = [c.code for c in classes]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ConfigError(f"the land-cover table {self.name!r} lists class(es) {dupes} more than once")
        object.__setattr__(self, "classes", classes)

    @property
    def codes(self) -> tuple[int, ...]:
        return tuple(c.code for c in self.classes)

    def get(self, code: int) -> LandClass | None:
        """The class of ``code``, or ``None``."""
        for c in self.classes:
            if c.code == code:
                return c
        return None

    def to_rows(self) -> list[dict[str, object]]:
        """The table as rows (for reports and ``method.json``)."""
        return [
            {"class": c.code, "name": c.name, "clutter": c.clutter, "clutter_name": c.clutter_name,
             "height_m": c.height_m, "p2108": c.p2108, "building": c.building}
            for c in self.classes
        ]


def _wc(code: int, name: str, clutter: int, p2108: str, height_m: float | None = None) -> LandClass:
    h = P1812_DEFAULT_HEIGHT_M[clutter] if height_m is None else height_m
    return LandClass(code, name, clutter, h, p2108, "thermally_efficient" if clutter == 5 else "traditional")


#: ESA WorldCover 10 m v200 legend (Zanaga et al. 2022, Product User Manual v2.0, Table 1) mapped to P.1812
#: categories with P.1812-7 Table 2 heights; see docs/DESIGN.md "Land cover" for the reasons.
WORLDCOVER_TABLE = ClassTable(
    (
        _wc(10, "Tree cover", 4, "trees_forest"),
        _wc(20, "Shrubland", 2, "open_rural"),
        _wc(30, "Grassland", 2, "open_rural"),
        _wc(40, "Cropland", 2, "open_rural"),
        _wc(50, "Built-up", 4, "urban"),
        _wc(60, "Bare / sparse vegetation", 2, "open_rural"),
        _wc(70, "Snow and ice", 2, "open_rural"),
        _wc(80, "Permanent water bodies", 1, "water_sea"),
        _wc(90, "Herbaceous wetland", 2, "open_rural"),
        _wc(95, "Mangroves", 4, "trees_forest"),
        _wc(100, "Moss and lichen", 2, "open_rural"),
    ),
    name="ESA WorldCover 10 m v200",
    source="ESA WorldCover 2021 v200 legend; clutter categories and heights from ITU-R P.1812-7 Table 2, "
           "terminal clutter types from ITU-R P.2108-1 Table 3",
)


# ------------------------------------------------------------------ user tables
def _category(value: object, where: str) -> int:
    text = str(value).strip().lower().replace("/", "_").replace(" ", "_").replace("-", "_")
    if text.isdigit():
        code = int(text)
        if code in CLUTTER_CATEGORIES:
            return code
    for code, name in CLUTTER_CATEGORIES.items():
        if text == name:
            return code
    aliases = {"water": 1, "sea": 1, "open": 2, "rural": 2, "urban": 4, "trees": 4, "forest": 4, "dense": 5}
    if text in aliases:
        return aliases[text]
    raise ConfigError(f"{where}: clutter {value!r} is not a P.1812 category ({_category_help()})")


def _p2108(value: object, clutter: int, where: str) -> str:
    if value is None or str(value).strip() == "":
        return _P2108_FOR_CATEGORY[clutter]
    text = str(value).strip().lower().replace("/", "_").replace(" ", "_").replace("-", "_")
    if text.isdigit() and 1 <= int(text) <= len(P2108_CLUTTER_TYPES):
        return P2108_CLUTTER_TYPES[int(text) - 1]
    if text in P2108_CLUTTER_TYPES:
        return text
    raise ConfigError(f"{where}: p2108 {value!r} is not a P.2108 clutter type ({', '.join(P2108_CLUTTER_TYPES)})")


def _class_from_mapping(row: dict[str, object], where: str) -> LandClass:
    raw_code = row.get("class", row.get("code"))
    try:
        code_f = float(str(raw_code).strip())
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: class {raw_code!r} is not an integer") from None
    if not code_f.is_integer():
        raise ConfigError(f"{where}: class {raw_code!r} is not an integer")
    if row.get("clutter") in (None, ""):
        raise ConfigError(f"{where}: clutter is required ({_category_help()})")
    clutter = _category(row["clutter"], where)
    height = row.get("height_m")
    try:
        h = P1812_DEFAULT_HEIGHT_M[clutter] if height in (None, "") else float(str(height))
    except ValueError:
        raise ConfigError(f"{where}: height_m {height!r} is not a number") from None
    building = str(row.get("building") or ("thermally_efficient" if clutter == 5 else "traditional")).strip().lower()
    name = str(row.get("name") or f"class {int(code_f)}").strip()
    try:
        return LandClass(int(code_f), name, clutter, h, _p2108(row.get("p2108"), clutter, where), building)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def read_class_table(path: str | os.PathLike[str]) -> ClassTable:
    """Read a user class table (CSV or TOML, see the module docstring).

    Raises
    ------
    UnreadableFileError
        Missing file, too large, not UTF-8, not CSV/TOML.
    ConfigError
        A row with an unknown category, a bad height, a duplicate class; the
        message names the line (CSV) or the table (TOML).
    """
    p = Path(path)
    if not p.is_file():
        raise UnreadableFileError(f"{p}: no such land-cover class table")
    if p.stat().st_size > _MAX_TABLE_BYTES:
        raise UnreadableFileError(f"{p.name}: a class table of {p.stat().st_size:,} bytes is too large")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(f"{p.name}: the class table is not UTF-8 text ({exc})") from exc
    suffix = p.suffix.lower()
    if suffix == ".toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{p.name}: not valid TOML ({exc})") from exc
        raw = data.get("classes")
        if not isinstance(raw, dict) or not raw:
            raise ConfigError(f"{p.name}: expected one [classes.<code>] table per class")
        classes = []
        for key, row in raw.items():
            if not isinstance(row, dict):
                raise ConfigError(f"{p.name}: classes.{key} must be a table")
            classes.append(_class_from_mapping({"class": key, **row}, f"{p.name} [classes.{key}]"))
        name = str(data.get("name") or p.name)
    elif suffix in (".csv", ".txt"):
        reader = csv.DictReader(io.StringIO(text))
        fields = {f.strip().lower() for f in (reader.fieldnames or [])}
        if not ({"class", "code"} & fields and "clutter" in fields):
            raise ConfigError(f"{p.name}: a class table needs the columns class and clutter "
                              "(optional: name, height_m, p2108, building)")
        classes = []
        for row in reader:
            clean = {str(k).strip().lower(): (v.strip() if isinstance(v, str) else v) for k, v in row.items() if k}
            if not any(clean.values()):
                continue
            classes.append(_class_from_mapping(clean, f"{p.name} line {reader.line_num}"))
        name = p.name
    else:
        raise UnreadableFileError(f"{p.name}: a class table must be .csv or .toml")
    table = ClassTable(tuple(classes), name=name, source=f"user table {p.name}")
    log.info("land-cover class table %s: %d classes", p.name, len(table.classes))
    return table
