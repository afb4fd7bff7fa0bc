"""Recognise column headers in English and Vietnamese.

A header is reduced to a key by :func:`header_key`: accents and case are
dropped, a unit in brackets is taken apart (``"Tần số (MHz)"`` -> key
``"tanso"``, unit ``"mhz"``), and everything but letters and digits is removed
(``"Kinh_độ"``, ``"KINH ĐỘ"``, ``"kinh do"`` -> ``"kinhdo"``). The key is then
looked up in :data:`HEADER_ALIASES`, in priority order: when two columns match
the same field the one with the earlier alias wins (``"Độ cao anten"`` beats
``"Độ cao cột"``) and the other is passed through unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from towerplan.stations._text import compact, fold

__all__ = ["HEADER_ALIASES", "HeaderMap", "find_header_row", "header_key", "map_headers"]

#: canonical field -> aliases (as :func:`towerplan.stations._text.compact` keys), best first.
#: ``freq_mhz`` and ``band`` both accept numbers (MHz) and band names.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "site_id": (
        "siteid", "site", "sitecode", "matram", "matrambts", "mabts", "btsid", "sitename", "tentram",
        "tentrambts", "tram", "bts", "btsname", "stationid", "station", "stationname", "enodebid",
        "enodeb", "gnodebid", "gnodeb", "nodebid", "nodeb", "name",
    ),
    "cell_id": (
        "cellid", "cell", "macell", "cellcode", "cellname", "tencell", "ci", "cid", "eci", "nci",
        "sectorid", "masector", "sector",
    ),
    "operator": (
        "operator", "nhamang", "tennhamang", "nhamangdidong", "mang", "operatorname", "carrier",
        "network", "provider", "nhacungcap", "doanhnghiep", "mno", "plmn", "telco",
    ),
    "technology": (
        "technology", "tech", "rat", "congnghe", "loaicongnghe", "radio", "radiotechnology",
        "accesstechnology", "system", "hethong", "generation",
    ),
    "lon": (
        "lon", "long", "lng", "longitude", "kinhdo", "kinhdoe", "kinhdodong", "x", "kd", "lonwgs84",
        "longitudewgs84", "kinhdowgs84", "londd", "longdd", "xcoord", "kinh",
    ),
    "lat": (
        "lat", "latitude", "vido", "vidon", "vidobac", "y", "vd", "latwgs84", "latitudewgs84",
        "vidowgs84", "latdd", "ycoord", "vi",
    ),
    "antenna_height_m": (
        "antennaheightm", "antennaheight", "antheight", "docaoanten", "docaotreoanten",
        "chieucaoanten", "chieucaotreoanten", "height", "heightm", "heightagl", "antennaheightagl",
        "agl", "h", "docao", "chieucao", "docaocot", "chieucaocot", "mastheight", "towerheight",
    ),
    "azimuth_deg": (
        "azimuthdeg", "azimuth", "azi", "az", "bearing", "gocphuongvi", "phuongvi", "huong",
        "huonganten", "huongphat", "huongphatsong",
    ),
    "tilt_deg": (
        "tiltdeg", "tilt", "electricaltilt", "electricaltiltdeg", "etilt", "edt", "eltilt", "rettilt", "ret",
        "totaltilt", "tilttotal", "downtilt", "tiltangle", "gocngang", "goctilt", "gocnghieng", "donghieng",
        "gocup", "gocnghiengtong", "tiltdien", "goctiltdien", "gocnghiengdien", "gocupdien",
    ),
    "mechanical_tilt_deg": (
        "mechanicaltiltdeg", "mechanicaltilt", "mechtilt", "mtilt", "mdt", "mechanicaldowntilt",
        "tiltco", "goctiltco", "gocnghiengco", "gocupco", "tiltcokhi", "gocnghiengcokhi",
    ),
    "antenna_pattern": (
        "antennapattern", "pattern", "patternfile", "antennafile", "antennapatternfile", "msi", "msifile",
        "filemauanten", "mauanten", "giandohuong", "giandobucxa", "filegiandohuong", "fileanten", "tepanten",
    ),
    "h_beamwidth_deg": (
        "hbeamwidthdeg", "hbeamwidth", "horizontalbeamwidth", "beamwidthh", "hbw", "hpbw", "beamwidth",
        "bw", "dorongbupsongngang", "dorongbupngang", "bupsongngang", "gocmongang",
    ),
    "v_beamwidth_deg": (
        "vbeamwidthdeg", "vbeamwidth", "verticalbeamwidth", "beamwidthv", "vbw", "vpbw",
        "dorongbupsongdung", "dorongbupdung", "bupsongdung", "gocmodung",
    ),
    "freq_mhz": (
        "freqmhz", "freq", "frequency", "tanso", "tansophat", "dlfrequency", "downlinkfrequency",
        "dlfreq", "carrierfrequency", "tansosongmang",
    ),
    "band": ("band", "bangtan", "frequencyband", "bandname", "daitan", "bangtanso"),
    "eirp_dbm": ("eirpdbm", "eirp", "congsuatbucxa", "congsuatbucxadanghuong"),
    "tx_power_dbm": (
        "txpowerdbm", "txpower", "txpwr", "transmitpower", "outputpower", "congsuatphat", "congsuatmayphat",
        "power", "congsuat", "pout", "ptx",
    ),
    "antenna_gain_dbi": (
        "antennagaindbi", "antennagain", "antgain", "gain", "gaindbi", "doloianten", "doloi",
        "dotangichanten", "dotangich", "hesokhuechdaianten", "hesokhuechdai",
    ),
    "feeder_loss_db": (
        "feederlossdb", "feederloss", "cableloss", "loss", "suyhaofeeder", "suyhaocap", "suyhao",
        "tonhaofeeder", "tonhaocap", "tonhao", "feeder",
    ),
}  # fmt: skip

_ALIAS_INDEX: dict[str, tuple[str, int]] = {}
for _field, _aliases in HEADER_ALIASES.items():
    for _rank, _alias in enumerate(_aliases):
        _ALIAS_INDEX.setdefault(_alias, (_field, _rank))

_BRACKETS = re.compile(r"[\(\[\{]([^\)\]\}]*)[\)\]\}]")
# a unit glued to the end of a header ("height_m", "freq_MHz", "Công suất dBm")
_UNIT_SUFFIXES = ("mhz", "ghz", "khz", "dbm", "dbw", "dbi", "dbd", "db", "deg", "do", "mw", "kw", "w", "m", "ft")


def header_key(header: Any) -> tuple[str, str]:
    """``(key, unit)`` of a header: ``"Tần số (MHz)"`` -> ``("tanso", "mhz")``."""
    text = fold(str(header))
    units = [compact(u) for u in _BRACKETS.findall(text)]
    key = compact(_BRACKETS.sub(" ", text))
    return key, next((u for u in units if u), "")


def _lookup(key: str, unit: str) -> tuple[str, int, str] | None:
    if key in _ALIAS_INDEX:
        name, rank = _ALIAS_INDEX[key]
        return name, rank, unit
    for suffix in _UNIT_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            stem = key[: -len(suffix)]
            if stem in _ALIAS_INDEX:
                name, rank = _ALIAS_INDEX[stem]
                return name, rank, unit or suffix
    return None


def field_for_header(header: Any) -> tuple[str, str] | None:
    """``(field, unit)`` for one header, or ``None`` if it is not recognised."""
    found = _lookup(*header_key(header))
    return None if found is None else (found[0], found[2])


@dataclass(frozen=True)
class HeaderMap:
    """Which column holds which canonical field.

    Attributes
    ----------
    fields
        canonical field -> column name (the user's header).
    units
        canonical field -> unit written in the header (``""`` if none).
    passthrough
        Columns not mapped to a field, kept as they are.
    shadowed
        ``(column, field, winning column)`` for columns that also matched a
        field already taken by a better alias.
    """

    fields: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    passthrough: tuple[str, ...] = ()
    shadowed: tuple[tuple[str, str, str], ...] = ()


def map_headers(headers: Sequence[str], *, forced: dict[str, str] | None = None) -> HeaderMap:
    """Map the user's headers to canonical fields.

    Parameters
    ----------
    headers
        Column names, unique.
    forced
        field -> column assignments decided by the reader (the point geometry
        of a GeoJSON feature gives lon/lat whatever the properties say).
    """
    forced = dict(forced or {})
    best: dict[str, tuple[int, int, str, str]] = {}  # field -> (rank, position, column, unit)
    candidates: list[tuple[str, str, int, int, str]] = []
    for position, header in enumerate(headers):
        if header in forced.values():
            continue
        found = _lookup(*header_key(header))
        if found is None:
            continue
        name, rank, unit = found
        candidates.append((header, name, rank, position, unit))
        if name in forced:
            continue
        if name not in best or (rank, position) < best[name][:2]:
            best[name] = (rank, position, header, unit)
    fields = {name: col for name, col in forced.items()}
    units = {name: "" for name in forced}
    for name, (_, _, col, unit) in best.items():
        fields[name] = col
        units[name] = unit
    used = set(fields.values())
    shadowed = tuple(
        (col, name, fields[name]) for col, name, _, _, _ in candidates if col not in used and name not in forced
    )
    passthrough = tuple(h for h in headers if h not in used)
    order = {name: k for k, name in enumerate(HEADER_ALIASES)}
    fields = dict(sorted(fields.items(), key=lambda kv: order.get(kv[0], len(order))))
    return HeaderMap(fields=fields, units=units, passthrough=passthrough, shadowed=shadowed)


def header_score(cells: Sequence[Any]) -> tuple[bool, int]:
    """``(has lon and lat, number of distinct fields recognised)`` for a candidate header row."""
    names = set()
    for cell in cells:
        if cell is None or not str(cell).strip():
            continue
        found = _lookup(*header_key(cell))
        if found is not None:
            names.add(found[0])
    return ({"lon", "lat"} <= names, len(names))


def find_header_row(rows: Sequence[Sequence[Any]], *, max_scan: int = 10) -> int | None:
    """Index of the header row among the first ``max_scan`` rows (title rows above are skipped).

    The first row with both coordinate columns wins; else the row with the
    most recognised headers (at least two); else ``None``.
    """
    best: tuple[int, int] | None = None
    for index, cells in enumerate(rows[:max_scan]):
        has_coords, score = header_score(cells)
        if has_coords:
            return index
        if score >= 2 and (best is None or score > best[0]):
            best = (score, index)
    return None if best is None else best[1]


def two_row_header_column(rows: Sequence[Sequence[Any]], header_index: int) -> int | None:
    """Column index of a label above an empty header cell (a header of two rows), or ``None``.

    A title row holds one cell (or sits above filled header cells); a row with two or more labels
    where one stands above a column the header row leaves empty is the upper half of a merged
    header, and reading only the lower row loses that column (an operator column read as missing
    turns every sector into a default one).
    """
    if header_index <= 0 or header_index >= len(rows):
        return None
    header, above = rows[header_index], rows[header_index - 1]
    filled_above = [k for k, v in enumerate(above) if v is not None and str(v).strip()]
    if len(filled_above) < 2:
        return None
    lost = [k for k in filled_above if k >= len(header) or header[k] is None or not str(header[k]).strip()]
    return lost[0] if lost else None
