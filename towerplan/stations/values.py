"""Numbers as people type them in station lists: decimal commas, thousands, units.

* ``parse_number("105,123", decimal_comma=True) == 105.123`` (the ``;``-separated
  CSV that Excel writes with Vietnamese regional settings);
  ``parse_number("1,800", decimal_comma=False) == 1800.0`` (thousands separator);
  ``"19,5"`` is 19.5 either way (it cannot be a thousands separator).
* ``parse_quantity("30 m", kind="height")`` -> 30.0 and
  ``parse_quantity("20 W", kind="power")`` -> 43.0 dBm: a unit written after
  the number (or in the column header) is converted to the canonical unit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any, Literal

import numpy as np

from towerplan.errors import InputError
from towerplan.stations._text import fold, nfc

__all__ = ["Kind", "UnitError", "parse_number", "parse_quantity"]

Kind = Literal["height", "angle", "freq", "power", "gain", "loss"]

_SPACES = re.compile(r"[\s\u00a0\u2009\u202f]+")
_PLAIN = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$")
_COMMA_DECIMAL = re.compile(r"^[+-]?\d+,\d+$")
_COMMA_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_DOT_THOUSANDS_COMMA_DECIMAL = re.compile(r"^[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?$")
_SPACE_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?: \d{3})+(?:[.,]\d+)?$")
_INFINITE = {"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}
_QUANTITY = re.compile(r"^(?P<num>[+-]?[\d.,]*\d(?:e[+-]?\d+)?)\s*(?P<unit>[a-zµ°/]+)?$")


class UnitError(InputError):
    """A unit was written that does not fit the column (``"30 kg"`` as a height)."""


def parse_number(value: Any, *, decimal_comma: bool = False) -> float:
    """Parse one number; raise :class:`ValueError` when it is not one.

    Parameters
    ----------
    value
        A number, or text such as ``"12.5"``, ``"12,5"``, ``"1,800"``,
        ``"1.800,5"``, ``"1e3"``, ``"inf"``.
    decimal_comma
        The file uses the comma as decimal separator (``;``- or tab-separated
        CSV): ``"105,123"`` is 105.123 and ``"1.800,5"`` is 1800.5. Without it a
        comma followed by exactly three digits is a thousands separator.

    Returns
    -------
    float
        May be infinite (``"inf"``, ``"1e999"``): the caller reports it.
    """
    if isinstance(value, bool):
        raise ValueError("a true/false value is not a number")
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    text = _SPACES.sub(" ", nfc(str(value))).strip().lower()
    if text in _INFINITE:
        return -math.inf if text.startswith("-") else math.inf
    if _SPACE_THOUSANDS.match(text):
        text = text.replace(" ", "")
    if _PLAIN.match(text):
        return float(text)
    if _COMMA_DECIMAL.match(text) and (decimal_comma or not _COMMA_THOUSANDS.match(text)):
        return float(text.replace(",", "."))
    if _COMMA_THOUSANDS.match(text):
        return float(text.replace(",", ""))
    if decimal_comma and _DOT_THOUSANDS_COMMA_DECIMAL.match(text) and "," in text:
        return float(text.replace(".", "").replace(",", "."))
    raise ValueError(f"{value!r} is not a number")


def _dbm_from_watts(w: float) -> float:
    if w <= 0:
        raise UnitError("a power in watts must be positive")
    return 10.0 * math.log10(w) + 30.0


#: unit (folded, as written after a number or in a header's brackets) -> conversion to canonical unit
_UNITS: dict[str, dict[str, Callable[[float], float]]] = {
    "height": {"": float, "m": float, "met": float, "metre": float, "meter": float, "ft": lambda v: v * 0.3048},
    "angle": {"": float, "°": float, "deg": float, "do": float, "degree": float, "degrees": float},
    "freq": {
        "": float,
        "mhz": float,
        "ghz": lambda v: v * 1000.0,
        "khz": lambda v: v / 1000.0,
        "hz": lambda v: v / 1e6,
    },
    "power": {
        "": float,
        "dbm": float,
        "dbw": lambda v: v + 30.0,
        "w": _dbm_from_watts,
        "mw": lambda v: _dbm_from_watts(v / 1000.0),
        "kw": lambda v: _dbm_from_watts(v * 1000.0),
    },
    "gain": {"": float, "dbi": float, "db": float, "dbd": lambda v: v + 2.15},
    "loss": {"": float, "db": float},
}


def known_units(kind: Kind) -> tuple[str, ...]:
    """Units accepted for a kind of quantity (``""`` = the canonical unit)."""
    return tuple(u for u in _UNITS[kind] if u)


def parse_quantity(value: Any, *, kind: Kind, decimal_comma: bool = False, header_unit: str = "") -> float:
    """Parse a number with an optional unit and convert it to the canonical unit of ``kind``.

    Canonical units: metres (height), degrees (angle), MHz (freq), dBm
    (power), dBi (gain), dB (loss). ``header_unit`` is the unit found in the
    column header (``"Công suất (W)"``) and applies when the cell has none.

    Raises
    ------
    UnitError
        The unit does not fit ``kind``.
    ValueError
        Not a number at all.
    """
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        number, unit = float(value), ""
    else:
        text = _SPACES.sub(" ", fold(nfc(str(value)))).strip()
        try:
            number, unit = parse_number(text, decimal_comma=decimal_comma), ""
        except ValueError:
            m = _QUANTITY.match(text)
            if not m:
                raise
            number = parse_number(m.group("num"), decimal_comma=decimal_comma)
            unit = (m.group("unit") or "").strip()
    unit = unit or header_unit
    table = _UNITS[kind]
    if unit not in table:
        raise UnitError(f"unit {unit!r} does not fit here; use {', '.join(known_units(kind))}")
    if not math.isfinite(number):
        return number
    return float(table[unit](number))
