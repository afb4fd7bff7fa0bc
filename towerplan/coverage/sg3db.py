"""Reader of the ITU-R Study Group 3 data-bank path files ("DBSG3" CSV layout).

These files carry one terrain path and the measurements made along it; the SG3
validation set of Recommendation ITU-R P.1812 uses them. Layout (every line is
comma separated; empty trailing fields are ignored):

* a header of ``key:,value`` lines: ``Tx LAT:``, ``Tx LON:``, ``Rx LAT:``,
  ``Rx LON:`` (degrees), ``First Point TX or RX:`` (``T`` or ``R``),
  ``Tot. Path Length(km):`` ...;
* a meteorology block with ``Average annual values dN (N-units/km):`` (the
  refractivity lapse rate ΔN) and ``Average annual sea-level surface refractivity
  No (N-units):``;
* the profile between ``{Begin of Profile}`` and ``{End of Profile}``: a
  ``Number of Points:,N`` line, then one point a line: distance from the first
  point (km), ground height (m a.s.l.), coverage code (1 water/sea, 2 open/rural,
  3 suburban, 4 urban/trees/forest, 5 dense urban), representative clutter
  height R (m), radio-meteorological zone (1 sea, 3 coastal land, 4 inland);
* the measurements between ``{Begin of Measurements}`` and ``{End of
  Measurements}``, one dataset a line: frequency (MHz), Tx antenna height,
  Tx effective height, Rx antenna height (m), polarisation (1 horizontal,
  2 vertical), Tx power, MaxLb, Tx gain, Rx gain, Rx antenna D/O, ERP horizontal,
  ERP vertical, ERP total (dBW), HRP reduction, time percentage, losses relative to
  free space, field strength (dBµV/m) and basic transmission loss (dB).

Errors name the file and the line (1-based) and say what was expected.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from towerplan.errors import UnreadableFileError

__all__ = ["Sg3Dataset", "Sg3Path", "read_sg3db", "parse_sg3db"]

# measurement columns (0-based)
_C_FREQ, _C_HTX, _C_HRX, _C_POL, _C_ERP, _C_TIME, _C_E, _C_LB = 0, 1, 3, 4, 12, 14, 16, 17


@dataclass(frozen=True)
class Sg3Dataset:
    """One measurement line: the inputs of a prediction and the file's expected values (NaN if absent)."""

    line: int
    freq_mhz: float
    h_tx_m: float
    h_rx_m: float
    polarization: int  # 1 horizontal, 2 vertical
    erp_dbw: float
    time_percent: float
    expected_e_dbuv_m: float
    expected_lb_db: float


@dataclass(frozen=True)
class Sg3Path:
    """A DBSG3 path: the terminals, the refractivity, the profile (Tx first) and its datasets."""

    name: str
    tx_lat_deg: float
    tx_lon_deg: float
    rx_lat_deg: float
    rx_lon_deg: float
    delta_n: float
    n0: float
    distance_km: np.ndarray
    height_m: np.ndarray
    coverage_code: np.ndarray
    clutter_m: np.ndarray
    zone: np.ndarray
    datasets: tuple[Sg3Dataset, ...]


class _Lines:
    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.rows = [[f.strip() for f in line.split(",")] for line in text.splitlines()]
        for r in self.rows:
            while r and r[-1] == "":
                r.pop()

    def fail(self, lineno: int, what: str) -> UnreadableFileError:
        return UnreadableFileError(f"{self.name}, line {lineno}: {what}")

    def number(self, lineno: int, text: str, what: str) -> float:
        try:
            v = float(text)
        except ValueError:
            raise self.fail(lineno, f"{what} {text!r} is not a number") from None
        if not math.isfinite(v):
            raise self.fail(lineno, f"{what} {text!r} is not a finite number")
        return v

    def find(self, start: int, marker: str) -> int:
        for k in range(start, len(self.rows)):
            if self.rows[k] and self.rows[k][0].lower().startswith(marker.lower()):
                return k
        return -1


def _header(lines: _Lines) -> dict[str, tuple[int, str]]:
    keys: dict[str, tuple[int, str]] = {}
    for k, row in enumerate(lines.rows):
        if row and row[0].startswith("{Begin of Profile"):
            break
        if len(row) >= 2 and row[0].endswith(":"):
            keys[row[0][:-1].strip().lower()] = (k + 1, row[1])
    return keys


def _value(lines: _Lines, keys: dict[str, tuple[int, str]], key: str, what: str) -> float:
    for name, (lineno, text) in keys.items():
        if name.startswith(key):
            return lines.number(lineno, text, what)
    raise UnreadableFileError(f"{lines.name}: no '{key}' line (expected the DBSG3 header with {what})")


def _profile(lines: _Lines) -> tuple[np.ndarray, ...]:
    begin = lines.find(0, "{Begin of Profile")
    if begin < 0:
        raise UnreadableFileError(f"{lines.name}: no '{{Begin of Profile}}' line: not a DBSG3 path file")
    end = lines.find(begin, "{End of Profile")
    if end < 0:
        raise lines.fail(begin + 1, "'{Begin of Profile}' without a matching '{End of Profile}'")
    body = [(k, r) for k, r in enumerate(lines.rows[begin + 1:end], start=begin + 1) if r]
    declared = None
    if body and body[0][1][0].lower().startswith("number of points"):
        k, r = body.pop(0)
        declared = int(lines.number(k + 1, r[1] if len(r) > 1 else "", "number of points"))
    cols: list[list[float]] = [[], [], [], [], []]
    prev = -math.inf
    for k, r in body:
        if len(r) < 2:
            raise lines.fail(k + 1, "a profile point needs at least distance (km) and height (m)")
        dist = lines.number(k + 1, r[0], "distance")
        if dist < prev:
            raise lines.fail(k + 1, f"distance {dist} km is smaller than the previous point's {prev} km")
        if not cols[0] and dist != 0.0:
            raise lines.fail(k + 1, f"the first profile point must be at distance 0, got {dist} km")
        prev = dist
        vals = [dist, lines.number(k + 1, r[1], "ground height")]
        for j, (what, default) in enumerate((("coverage code", 2.0), ("clutter height", 0.0), ("zone", 4.0))):
            text = r[2 + j] if len(r) > 2 + j else ""
            vals.append(default if text == "" else lines.number(k + 1, text, what))
        if vals[2] not in (1, 2, 3, 4, 5):
            raise lines.fail(k + 1, f"coverage code {r[2]!r} must be 1-5")
        if vals[3] < 0:
            raise lines.fail(k + 1, f"clutter height {r[3]!r} m must not be negative")
        if vals[4] not in (1, 3, 4):
            raise lines.fail(k + 1, f"radio-meteorological zone {r[4]!r} must be 1 (sea), 3 (coastal) or 4 (inland)")
        for c, v in zip(cols, vals, strict=True):
            c.append(v)
    if declared is not None and declared != len(cols[0]):
        raise lines.fail(begin + 2, f"'Number of Points' says {declared} but the profile has {len(cols[0])}")
    if len(cols[0]) < 5:
        raise lines.fail(end + 1, f"the profile has {len(cols[0])} points; P.1812 needs at least 5")
    return (np.array(cols[0]), np.array(cols[1]), np.array(cols[2], dtype=np.uint8), np.array(cols[3]),
            np.array(cols[4], dtype=np.uint8))


def _datasets(lines: _Lines) -> tuple[Sg3Dataset, ...]:
    begin = lines.find(0, "{Begin of Measurements")
    if begin < 0:
        raise UnreadableFileError(f"{lines.name}: no '{{Begin of Measurements}}' line: the file has no datasets")
    end = lines.find(begin, "{End of Measurements")
    if end < 0:
        raise lines.fail(begin + 1, "'{Begin of Measurements}' without a matching '{End of Measurements}'")
    out = []
    for k in range(begin + 1, end):
        r = lines.rows[k]
        if not r or not r[0] or r[0][0].isalpha():  # blank, or a "Number of records" line
            continue
        n = k + 1

        def col(c: int, what: str, *, required: bool, row: list[str] = r, lineno: int = n) -> float:
            text = row[c] if len(row) > c else ""
            if text == "":
                if required:
                    raise lines.fail(lineno, f"column {c + 1} ({what}) is empty")
                return math.nan
            return lines.number(lineno, text, what)

        freq = col(_C_FREQ, "frequency, MHz", required=True)
        h_tx = col(_C_HTX, "Tx antenna height, m", required=True)
        h_rx = col(_C_HRX, "Rx antenna height, m", required=True)
        pol = col(_C_POL, "polarisation", required=True)
        if pol not in (1.0, 2.0):
            raise lines.fail(n, f"polarisation {r[_C_POL]!r} must be 1 (horizontal) or 2 (vertical)")
        time_pct = col(_C_TIME, "time percentage", required=False)
        out.append(Sg3Dataset(n, freq, h_tx, h_rx, int(pol), col(_C_ERP, "ERP, dBW", required=False),
                              50.0 if math.isnan(time_pct) else time_pct,
                              col(_C_E, "field strength, dBuV/m", required=False),
                              col(_C_LB, "basic transmission loss, dB", required=False)))
    if not out:
        raise lines.fail(begin + 1, "no dataset lines between '{Begin of Measurements}' and '{End of Measurements}'")
    return tuple(out)


def parse_sg3db(text: str, name: str = "<sg3db>") -> Sg3Path:
    """Parse the text of a DBSG3 path file (see the module docstring); the profile comes Tx first.

    Raises
    ------
    UnreadableFileError
        A missing block or key, a non-numeric or out-of-range value, a profile that
        does not start at 0 km or goes backwards, with the line it was found on.
    """
    lines = _Lines(name, text)
    keys = _header(lines)
    tx_lat = _value(lines, keys, "tx lat", "Tx latitude, degrees")
    tx_lon = _value(lines, keys, "tx lon", "Tx longitude, degrees")
    rx_lat = _value(lines, keys, "rx lat", "Rx latitude, degrees")
    rx_lon = _value(lines, keys, "rx lon", "Rx longitude, degrees")
    for what, v in (("Tx LAT", tx_lat), ("Rx LAT", rx_lat)):
        if abs(v) > 90:
            raise UnreadableFileError(f"{name}: {what} {v} is not a latitude (-90..90)")
    delta_n = _value(lines, keys, "average annual values dn", "the refractivity lapse rate dN, N-units/km")
    n0 = _value(lines, keys, "average annual sea-level surface refractivity", "the surface refractivity No")
    d, h, code, clutter, zone = _profile(lines)
    first = next((t for k, (_, t) in keys.items() if k.startswith("first point")), "T")
    if first.strip().upper().startswith("R"):  # the file runs from the receiver: turn it round
        d = d[-1] - d[::-1]
        h, code, clutter, zone = h[::-1].copy(), code[::-1].copy(), clutter[::-1].copy(), zone[::-1].copy()
    return Sg3Path(lines.rows[0][0] if lines.rows and lines.rows[0] else name, tx_lat, tx_lon, rx_lat, rx_lon,
                   delta_n, n0, d, h, code, clutter, zone, _datasets(lines))


def read_sg3db(path: str | Path) -> Sg3Path:
    """Read a DBSG3 path file (UTF-8 or Latin-1 text); errors name the file and line."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except IsADirectoryError:
        raise UnreadableFileError(f"{p}: is a folder, not a DBSG3 file") from None
    except OSError as exc:
        raise UnreadableFileError(f"{p}: cannot be read ({exc.strerror or exc})") from exc
    if b"\x00" in raw[:4096]:
        raise UnreadableFileError(f"{p}: binary file, not a DBSG3 CSV text file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return parse_sg3db(text, str(p))
