"""Column-by-column interpretation of station cells, recording every problem.

Each function takes the raw cells of one column (as read, text or numbers),
returns arrays of clean values and records issues in a :class:`Sink`. Values
repeat a lot in station lists (heights, tilts, operators), so parses are
cached per distinct cell value.
"""

from __future__ import annotations

import contextlib
import difflib
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from towerplan.stations._text import cell_text, compact, display_value, is_blank
from towerplan.stations.coords import CoordinateError, parse_coordinate
from towerplan.stations.report import Issue, Severity
from towerplan.stations.schema import (
    BANDS,
    LIMITS,
    OPERATORS,
    Band,
    resolve_band,
    resolve_operator,
    resolve_technology,
)
from towerplan.stations.values import Kind, UnitError, parse_quantity

__all__ = [
    "RANGE_CODES",
    "Sink",
    "parse_coordinates",
    "parse_frequencies",
    "parse_numbers",
    "parse_operators",
    "parse_technologies",
    "parse_texts",
]

#: issue code for a value outside :data:`towerplan.stations.schema.LIMITS`
RANGE_CODES: dict[str, str] = {
    "antenna_height_m": "height_out_of_range",
    "azimuth_deg": "azimuth_out_of_range",
    "tilt_deg": "tilt_out_of_range",
    "mechanical_tilt_deg": "tilt_out_of_range",
    "freq_mhz": "frequency_out_of_range",
    "h_beamwidth_deg": "beamwidth_out_of_range",
    "v_beamwidth_deg": "beamwidth_out_of_range",
    "tx_power_dbm": "power_out_of_range",
    "antenna_gain_dbi": "gain_out_of_range",
    "feeder_loss_db": "loss_out_of_range",
    "eirp_dbm": "eirp_out_of_range",
}
_UNITS_OF = {
    "antenna_height_m": " m",
    "azimuth_deg": "°",
    "tilt_deg": "°",
    "mechanical_tilt_deg": "°",
    "freq_mhz": " MHz",
    "h_beamwidth_deg": "°",
    "v_beamwidth_deg": "°",
    "tx_power_dbm": " dBm",
    "antenna_gain_dbi": " dBi",
    "feeder_loss_db": " dB",
    "eirp_dbm": " dBm",
}
_PLMN = re.compile(r"^\s*(\d{3})\s*[-/ _.]?\s*(\d{1,3})\s*$")


class Sink:
    """Collects the issues of one table and which rows have errors.

    Parameters
    ----------
    row_numbers
        Row number as the user sees it, per table position.
    """

    def __init__(self, row_numbers: np.ndarray) -> None:
        self.row_numbers = np.asarray(row_numbers, dtype=np.int64)
        self.issues: list[Issue] = []
        self.bad = np.zeros(len(self.row_numbers), dtype=bool)

    def row(
        self,
        pos: int,
        column: str | None,
        severity: Severity,
        code: str,
        message: str,
        value: Any = None,
        *,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        """Record an issue about the row at table position ``pos`` (``params``: see :class:`Issue`)."""
        self.issues.append(
            Issue(
                int(self.row_numbers[pos]),
                column,
                severity,
                code,
                message,
                display_value(value),
                params=dict(params or {}),
            )
        )
        if severity == "error":
            self.bad[pos] = True

    def file(
        self,
        column: str | None,
        severity: Severity,
        code: str,
        message: str,
        *,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        """Record a file-level issue (no row)."""
        self.issues.append(Issue(None, column, severity, code, message, params=dict(params or {})))

    def add(self, issue: Issue) -> None:
        """Record a ready-made issue (from a reader); errors mark their row bad."""
        self.issues.append(issue)
        if issue.severity == "error" and issue.row is not None:
            hits = np.flatnonzero(self.row_numbers == issue.row)
            self.bad[hits] = True


# ----------------------------------------------------------------------------- numbers


def parse_numbers(
    cells: Sequence[Any],
    *,
    field: str,
    kind: Kind,
    label: str,
    sink: Sink,
    decimal_comma: bool,
    header_unit: str = "",
    blank_words: frozenset[str] = frozenset(),
) -> tuple[np.ndarray, np.ndarray]:
    """Parse a numeric column; return ``(values, blank)`` (NaN where blank or unusable).

    Records ``unparseable_value`` and ``non_finite_value`` errors and range
    problems (:data:`RANGE_CODES`, severity from :data:`LIMITS`).
    """
    n = len(cells)
    values = np.full(n, np.nan)
    blank = np.zeros(n, dtype=bool)
    cache: dict[Any, tuple[float | None, str | None]] = {}
    for pos, cell in enumerate(cells):
        if is_blank(cell) or (blank_words and compact(str(cell)) in blank_words):
            blank[pos] = True
            continue
        key = (type(cell).__name__, cell) if isinstance(cell, (str, int, float)) else None
        parsed = cache.get(key) if key is not None else None
        if parsed is None:
            parsed = _parse_one(cell, kind=kind, decimal_comma=decimal_comma, header_unit=header_unit)
            if key is not None:
                cache[key] = parsed
        number, problem = parsed
        if problem is not None:
            sink.row(
                pos,
                label,
                "error",
                problem,
                _number_message(problem, cell, field, kind),
                cell,
                params={"field": field, "unit": _UNITS_OF.get(field, "").strip(), "variant": "number"},
            )
        elif number is not None:
            values[pos] = number
            if decimal_comma and isinstance(cell, str) and _DOT_THOUSANDS.match(cell.strip()):
                sink.row(pos, label, "warning", "ambiguous_decimal",
                         f"{cell.strip()!s} is read as {number:g}, but this file writes decimals with a comma, so "
                         f"the dot may group thousands ({cell.strip().replace('.', '')}); write the number "
                         "without the dot, or with a decimal comma",
                         cell, params={"read": f"{number:g}", "other": cell.strip().replace(".", "")})
    _check_range(values, field=field, label=label, sink=sink, cells=cells)
    return values, blank


#: ``1.040`` in a decimal-comma file: 1.04, or 1,040 written with a thousands dot?
_DOT_THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+$")


def _parse_one(cell: Any, *, kind: Kind, decimal_comma: bool, header_unit: str) -> tuple[float | None, str | None]:
    try:
        number = parse_quantity(cell, kind=kind, decimal_comma=decimal_comma, header_unit=header_unit)
    except UnitError:
        return None, "unparseable_value"
    except (ValueError, TypeError, OverflowError):
        return None, "unparseable_value"
    if not math.isfinite(number):
        return None, "non_finite_value"
    return number, None


def _number_message(problem: str, cell: Any, field: str, kind: Kind) -> str:
    unit = _UNITS_OF.get(field, "").strip() or "no unit"
    if problem == "non_finite_value":
        return f"{cell!s} is not a finite number; write the {_FIELD_WORDS[field]} as a plain number ({unit})"
    return (
        f"'{cell!s}' is not a number; write the {_FIELD_WORDS[field]} as a plain number in {unit} "
        f"(decimal point or comma both work)"
    )


_FIELD_WORDS = {
    "antenna_height_m": "antenna height",
    "azimuth_deg": "azimuth",
    "tilt_deg": "tilt",
    "mechanical_tilt_deg": "mechanical tilt",
    "freq_mhz": "frequency",
    "h_beamwidth_deg": "horizontal beamwidth",
    "v_beamwidth_deg": "vertical beamwidth",
    "tx_power_dbm": "transmit power",
    "antenna_gain_dbi": "antenna gain",
    "feeder_loss_db": "feeder loss",
    "eirp_dbm": "EIRP",
}


def _check_range(values: np.ndarray, *, field: str, label: str, sink: Sink, cells: Sequence[Any]) -> None:
    if field not in LIMITS:
        return
    low, high, severity = LIMITS[field]
    with np.errstate(invalid="ignore"):
        too_low = values <= low if field == "antenna_height_m" else values < low  # a height must be above 0
        outside = too_low | (values > high)
    unit = _UNITS_OF[field]
    for pos in np.flatnonzero(outside):
        value = float(values[pos])
        lower = "above 0" if field == "antenna_height_m" else f"{low:g}{unit}"
        message = f"{_FIELD_WORDS[field]} {value:g}{unit} is outside the accepted range ({lower} to {high:g}{unit})"
        message += _range_hint(field, value)
        params = {
            "field": field,
            "number": value,
            "low": low,
            "high": high,
            "unit": unit,
            "variant": _range_hint_key(field, value),
            "mhz": value * 1000,
        }
        sink.row(int(pos), label, severity, RANGE_CODES[field], message, cells[int(pos)], params=params)
        if severity == "error":
            values[pos] = np.nan


def _range_hint_key(field: str, value: float) -> str:
    """Which hint :func:`_range_hint` gives (the ``variant`` of the translated message)."""
    if field == "freq_mhz" and 0 < value < 10:
        return "ghz"
    if field == "freq_mhz" and value > 6000:
        return "above_6ghz"
    if field == "antenna_height_m" and value > 300:
        return "altitude"
    if field in ("antenna_height_m", "azimuth_deg", "tilt_deg"):
        return field
    return ""


def _range_hint(field: str, value: float) -> str:
    if field == "freq_mhz" and 0 < value < 10:
        return f"; {value:g} looks like GHz: write {value * 1000:g} (MHz) or a band name such as B3 or n78"
    if field == "freq_mhz" and value > 6000:
        return "; only bands below 6 GHz are modelled"
    if field == "antenna_height_m" and value > 300:
        return "; heights are above ground in metres (not altitude above sea level, not feet)"
    if field == "antenna_height_m":
        return "; give the antenna height above ground in metres"
    if field == "azimuth_deg":
        return "; write degrees clockwise from north, 0 to 360, or leave it empty for an omni cell"
    if field == "tilt_deg":
        return "; downtilt is positive, a few degrees (kept as given, please check)"
    return "; check the value and its unit"


# ----------------------------------------------------------------------------- coordinates


def parse_coordinates(
    cells: Sequence[Any], *, label: str, sink: Sink, skip: np.ndarray
) -> tuple[np.ndarray, np.ndarray, list[str | None]]:
    """Parse a coordinate column: ``(degrees, blank, hemisphere axis hints)``; records parse errors.

    Rows where ``skip`` is true (already reported by the reader) are not
    examined again.
    """
    n = len(cells)
    values = np.full(n, np.nan)
    blank = np.zeros(n, dtype=bool)
    hints: list[str | None] = [None] * n
    for pos, cell in enumerate(cells):
        if skip[pos]:
            continue
        if is_blank(cell):
            blank[pos] = True
            continue
        try:
            value, axis = parse_coordinate(cell)
        except CoordinateError as exc:
            sink.row(pos, label, "error", "unparseable_coordinate", _coord_message(cell, exc), cell)
            continue
        if not math.isfinite(value):
            sink.row(
                pos,
                label,
                "error",
                "non_finite_value",
                f"{cell!s} is not a finite coordinate; write decimal degrees such as 105.7533",
                cell,
                params={"variant": "coordinate"},
            )
            continue
        values[pos] = value
        hints[pos] = axis
    return values, blank, hints


def _coord_message(cell: Any, exc: Exception) -> str:
    return (
        f"'{cell!s}' is not a coordinate ({exc}); write decimal degrees such as 19.8083 / 105.7533 "
        "or DMS such as 19°48'30\"N / 105°45'12\"E"
    )


# ----------------------------------------------------------------------------- text


def parse_texts(cells: Sequence[Any]) -> list[str | None]:
    """Clean identifiers: ``None`` when blank, ``"12345"`` for Excel's ``12345.0``."""
    return [cell_text(c) for c in cells]


def _suggestion(text: str, choices: Sequence[str]) -> str:
    """The choice closest to ``text``, or ``""`` when none is close."""
    match = difflib.get_close_matches(compact(text), [compact(c) for c in choices], n=1, cutoff=0.6)
    if not match:
        return ""
    return next(c for c in choices if compact(c) == match[0])


_Problem = tuple[str, dict[str, Any]]  # (English message, params of the message)


def _lookup_column(
    cells: Sequence[Any], resolve: Callable[[str], tuple[str | None, _Problem | None]]
) -> tuple[list[str | None], np.ndarray, list[tuple[int, _Problem]]]:
    """Resolve each distinct text once: ``(values, blank mask, [(position, (message, params))])``."""
    out: list[str | None] = [None] * len(cells)
    blank = np.zeros(len(cells), dtype=bool)
    problems: list[tuple[int, _Problem]] = []
    cache: dict[str, tuple[str | None, _Problem | None]] = {}
    for pos, cell in enumerate(cells):
        text = cell_text(cell)
        if text is None:
            blank[pos] = True
            continue
        if text not in cache:
            cache[text] = resolve(text)
        value, problem = cache[text]
        out[pos] = value
        if problem is not None:
            problems.append((pos, problem))
    return out, blank, problems


def _operator_or_problem(text: str) -> tuple[str | None, _Problem | None]:
    name = resolve_operator(text)
    if name is not None:
        return name, None
    names = list(OPERATORS)
    plmn = _PLMN.match(text)
    if plmn and plmn.group(1) != "452":
        return None, (
            f"network {text} (MCC {plmn.group(1)}) is not a Vietnamese operator (MCC 452); "
            "remove rows of other countries or networks from the list",
            {"variant": "foreign", "mcc": plmn.group(1)},
        )
    if plmn:
        known = ", ".join(f"{p} {n}" for n, (p, _) in OPERATORS.items())
        return None, (
            f"MNC {plmn.group(2)} of MCC 452 is not one of {known}",
            {"variant": "mnc", "mnc": plmn.group(2), "known": known},
        )
    suggestion = _suggestion(text, names)
    return None, (
        f"'{text}' is not a known operator; use one of {', '.join(names)}."
        + (f" Did you mean '{suggestion}'?" if suggestion else ""),
        {"variant": "suggest" if suggestion else "", "known": ", ".join(names), "suggestion": suggestion},
    )


def _technology_or_problem(text: str) -> tuple[str | None, _Problem | None]:
    tech = resolve_technology(text)
    if tech is not None:
        return tech, None
    return None, (
        f"'{text}' is not a technology towerplan models; use 2G/3G/4G/5G (GSM, UMTS/WCDMA, LTE, NR are understood too)",
        {},
    )


def parse_operators(cells: Sequence[Any], *, label: str, sink: Sink) -> tuple[list[str | None], np.ndarray]:
    """Canonical operator names (``None`` where blank or unknown) and the blank mask."""
    out, blank, problems = _lookup_column(cells, _operator_or_problem)
    for pos, (message, params) in problems:
        sink.row(pos, label, "error", "unknown_operator", message, cells[pos], params=params)
    return out, blank


def parse_technologies(cells: Sequence[Any], *, label: str, sink: Sink) -> tuple[list[str | None], np.ndarray]:
    """``"2G"``..``"5G"`` per row (``None`` where blank or unknown) and the blank mask."""
    out, blank, problems = _lookup_column(cells, _technology_or_problem)
    for pos, (message, params) in problems:
        sink.row(pos, label, "error", "unknown_technology", message, cells[pos], params=params)
    return out, blank


# ----------------------------------------------------------------------------- frequency / band


def parse_frequencies(
    freq_cells: Sequence[Any] | None,
    band_cells: Sequence[Any] | None,
    *,
    freq_label: str | None,
    band_label: str | None,
    technologies: Sequence[str | None],
    sink: Sink,
    decimal_comma: bool,
    freq_unit: str = "",
) -> tuple[np.ndarray, list[str | None], list[str | None]]:
    """Frequency (MHz), band name and the technology the band implies, per row.

    Both columns accept a number (MHz, or with a unit: ``"3.5 GHz"``) or a
    band name (``"B3"``, ``"n78"``, ``"LTE1800"``); a number in the frequency
    column wins over the band column.
    """
    n = len(technologies)
    freq = np.full(n, np.nan)
    bands: list[str | None] = [None] * n
    band_tech: list[str | None] = [None] * n
    source: list[str | None] = [None] * n  # the column the frequency came from
    sources = [(freq_cells, freq_label, freq_unit), (band_cells, band_label, "")]
    cache: dict[tuple[Any, ...], _Cell] = {}
    for pos in range(n):
        for cells, label, unit in sources:
            if cells is None or label is None or is_blank(cells[pos]):
                continue
            cell = cells[pos]
            key = (cell, label, technologies[pos])
            try:
                parsed = cache[key]
            except (KeyError, TypeError):
                parsed = _parse_frequency_cell(
                    cell,
                    label=label,
                    unit=unit,
                    band_column=label == band_label,
                    technology=technologies[pos],
                    decimal_comma=decimal_comma,
                )
                with contextlib.suppress(TypeError):  # an unhashable cell is simply not cached
                    cache[key] = parsed
            if parsed.problem is not None:
                code, message, params = parsed.problem
                sink.row(pos, label, "error", code, message, cell, params=params)
                continue
            if parsed.band is not None:
                bands[pos] = bands[pos] or parsed.band.name
                band_tech[pos] = band_tech[pos] or parsed.band.technology
            if parsed.mhz is not None and (np.isnan(freq[pos]) or (label == freq_label and parsed.band is None)):
                freq[pos] = parsed.mhz
                source[pos] = label
    for label, cells in ((freq_label, freq_cells), (band_label, band_cells)):
        if label is None or cells is None:
            continue
        mine = np.array([s == label for s in source], dtype=bool)
        if mine.any():
            part = np.where(mine, freq, np.nan)
            _check_range(part, field="freq_mhz", label=label, sink=sink, cells=cells)
            freq[mine] = part[mine]
    return freq, bands, band_tech


@dataclass(frozen=True)
class _Cell:
    """One frequency/band cell understood: MHz, band, or a problem ``(code, message, params)``."""

    mhz: float | None = None
    band: Band | None = None
    problem: tuple[str, str, dict[str, Any]] | None = None


def _parse_frequency_cell(
    cell: Any, *, label: str, unit: str, band_column: bool, technology: str | None, decimal_comma: bool
) -> _Cell:
    text = cell_text(cell) or ""
    try:
        number = parse_quantity(cell, kind="freq", decimal_comma=decimal_comma, header_unit=unit)
    except ValueError:
        band = resolve_band(text, technology=technology)
        if band is None:
            known = ", ".join(sorted(BANDS, key=_band_order))
            return _Cell(
                problem=(
                    "unknown_band",
                    f"'{text}' is neither a frequency in MHz nor a known band; write "
                    f"e.g. 1842.5, B3, n78, GSM900 or UMTS2100 (known bands: {known})",
                    {"known": known},
                )
            )
        return _Cell(mhz=band.centre_mhz, band=band)
    if not math.isfinite(number):
        return _Cell(
            problem=(
                "non_finite_value",
                f"{text} is not a finite frequency; write MHz such as 1842.5",
                {"variant": "frequency"},
            )
        )
    if band_column and number < 100 and float(number).is_integer():  # "3" in a band column is band 3
        band = resolve_band(str(int(number)), technology=technology)
        if band is not None:
            return _Cell(mhz=band.centre_mhz, band=band)
    return _Cell(mhz=number)


def _band_order(name: str) -> tuple[int, int]:
    digits = int(re.sub(r"\D", "", name) or 0)
    return ({"B": 0, "n": 1, "G": 2, "U": 3}.get(name[0], 4), digits)
