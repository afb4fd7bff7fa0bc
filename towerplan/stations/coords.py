"""Latitude and longitude as people write them: decimals, decimal commas and DMS.

Accepted forms (any case, with or without spaces)::

    19.8083      19,8083      -19.8083     105.7533E     N19.8083
    19°48'30"N   19 48 30.5 N   105°45′12″E   19d48m30s   19:48:30
    19°48.5'N    19º48'30''N    19 độ 48 phút 30 giây

``S`` and ``W`` (or a leading minus) make the value negative. A hemisphere
letter also says which axis the value belongs to (N/S latitude, E/W
longitude), which helps to detect swapped columns.
"""

from __future__ import annotations

import math
import re
from typing import Any, Literal

import numpy as np

from towerplan.errors import InputError
from towerplan.stations._text import fold, nfc

__all__ = ["Axis", "CoordinateError", "format_dms", "parse_coordinate", "parse_dms"]

Axis = Literal["lat", "lon"]


class CoordinateError(InputError):
    """A coordinate string could not be understood; the message says why."""


_DECIMAL = re.compile(r"^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:e[+-]?\d+)?$")
_TOKEN = re.compile(
    r"\d+(?:[.,]\d+)?|GIAY|PHUT|DEGREES|DEGREE|DEG|MINUTES|MIN|SECONDS|SEC|DO|[DMSNEW](?![A-Z])|[DMSNEW](?=[DMSNEW]+(?![A-Z]))|[A-Z]+|[+-]|\S"
)
_DEG_WORDS = {"D", "DEG", "DEGREE", "DEGREES", "DO", "°"}
_MIN_WORDS = {"M", "MIN", "MINUTES", "PHUT", "'"}
_SEC_WORDS = {"S", "SEC", "SECONDS", "GIAY", '"'}
_HEMISPHERES = {"N": ("lat", 1), "S": ("lat", -1), "E": ("lon", 1), "W": ("lon", -1)}
# symbols first (before folding turns º into "o" and ″ into two primes)
_SYMBOLS = (
    ("''", '"'),
    ("″", '"'),
    ("”", '"'),
    ("“", '"'),
    ("′′", '"'),
    ("º", "°"),
    ("˚", "°"),
    ("′", "'"),
    ("’", "'"),
    ("‘", "'"),
    ("´", "'"),
    ("`", "'"),
    (":", " "),
)


def parse_coordinate(value: Any, *, decimal_comma: bool = True) -> tuple[float, Axis | None]:
    """Parse a latitude or longitude in decimal degrees or DMS.

    Parameters
    ----------
    value
        A number or text (see the module docstring for the accepted forms).
    decimal_comma
        Read a single comma as a decimal separator (``"105,123"``). Always
        sensible for coordinates, which never use thousands separators.

    Returns
    -------
    degrees, axis
        The value in decimal degrees (may be out of range or infinite: the
        caller checks) and the axis named by a hemisphere letter (``"lat"``
        for N/S, ``"lon"`` for E/W) or ``None``.

    Raises
    ------
    CoordinateError
        When ``value`` is not a coordinate in any accepted form.
    """
    if isinstance(value, bool):
        raise CoordinateError("a true/false value is not a coordinate")
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value), None
    text = nfc(str(value)).strip()
    if not text:
        raise CoordinateError("empty coordinate")
    plain = text
    if _DECIMAL.match(plain.lower()):
        if "," in plain and not decimal_comma:
            raise CoordinateError("a comma is not a decimal separator here")
        return float(plain.replace(",", ".")), None
    if plain.lower().lstrip("+-") in {"inf", "infinity"}:
        return (-math.inf if plain.startswith("-") else math.inf), None
    return parse_dms(text)


def parse_dms(text: str) -> tuple[float, Axis | None]:
    """Parse degrees-minutes-seconds (or degrees-decimal-minutes) text; see :func:`parse_coordinate`."""
    s = nfc(str(text)).strip()
    for old, new in _SYMBOLS:
        s = s.replace(old, new)
    s = fold(s).upper().replace(",", ".")
    tokens = _TOKEN.findall(s)
    if not tokens:
        raise CoordinateError("no number found")
    letter_style = any(t in (_DEG_WORDS | _MIN_WORDS) - {"°", "'"} for t in tokens)

    hemisphere: str | None = None
    if tokens[0] in _HEMISPHERES:
        hemisphere = tokens.pop(0)
    if tokens and tokens[-1] in _HEMISPHERES:
        last = tokens[-1]
        seconds_marker = (
            last == "S"
            and letter_style
            and len(tokens) >= 2
            and _is_number(tokens[-2])
            and sum(_is_number(t) for t in tokens) == 3
        )
        if not seconds_marker:
            if hemisphere is not None:
                raise CoordinateError("two hemisphere letters")
            hemisphere = tokens.pop()
    sign = 1.0
    if tokens and tokens[0] in {"+", "-"}:
        sign = -1.0 if tokens.pop(0) == "-" else 1.0

    parts: list[float] = []
    raw_parts: list[str] = []
    units: list[int] = []  # 0 degrees, 1 minutes, 2 seconds
    for tok in tokens:
        if _is_number(tok):
            if len(parts) == 3:
                raise CoordinateError("more than three numbers")
            parts.append(float(tok))
            raw_parts.append(tok)
            units.append(len(parts) - 1)
        elif tok in _DEG_WORDS | _MIN_WORDS | _SEC_WORDS:
            if not parts:
                raise CoordinateError("a unit mark comes before any number")
            unit = 0 if tok in _DEG_WORDS else 1 if tok in _MIN_WORDS else 2
            if unit != units[-1]:
                raise CoordinateError("degrees, minutes and seconds are out of order")
        else:
            raise CoordinateError(f"unexpected {tok!r}")
    if not parts:
        raise CoordinateError("no number found")
    if any("." in p for p in raw_parts[:-1]):
        raise CoordinateError("only the last of degrees/minutes/seconds may have decimals")
    if len(parts) >= 2 and not parts[1] < 60:
        raise CoordinateError("minutes must be below 60")
    if len(parts) == 3 and not parts[2] < 60:
        raise CoordinateError("seconds must be below 60")
    degrees = parts[0] + (parts[1] / 60.0 if len(parts) > 1 else 0.0) + (parts[2] / 3600.0 if len(parts) > 2 else 0.0)
    axis: Axis | None = None
    if hemisphere is not None:
        hemi_axis, hemi_sign = _HEMISPHERES[hemisphere]
        axis = "lat" if hemi_axis == "lat" else "lon"
        if hemi_sign < 0:
            sign = -1.0
    return sign * degrees, axis


def _is_number(token: str) -> bool:
    return bool(token) and token[0].isdigit()


def format_dms(value_deg: float, *, axis: Axis, seconds_decimals: int = 2) -> str:
    """Write decimal degrees as DMS with a hemisphere letter, e.g. ``19°48'30.00"N``.

    Parameters
    ----------
    value_deg
        Latitude or longitude in decimal degrees.
    axis
        ``"lat"`` (N/S) or ``"lon"`` (E/W).
    seconds_decimals
        Decimals of the seconds.
    """
    if not math.isfinite(value_deg):
        raise ValueError(f"cannot write {value_deg!r} as DMS")
    hemisphere = ("N" if value_deg >= 0 else "S") if axis == "lat" else ("E" if value_deg >= 0 else "W")
    scale = 10**seconds_decimals
    total = round(abs(value_deg) * 3600 * scale)  # in units of 10**-decimals seconds
    degrees, rest = divmod(total, 3600 * scale)
    minutes, seconds = divmod(rest, 60 * scale)
    sec_text = f"{seconds / scale:0{3 + seconds_decimals if seconds_decimals else 2}.{seconds_decimals}f}"
    return f"{degrees}°{minutes:02d}'{sec_text}\"{hemisphere}"
