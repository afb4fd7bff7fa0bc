"""Read drive-test measurements (CSV / XLSX / G-NetTrack Pro logs, also gzip-compressed).

The file is read by the station readers (:func:`towerplan.stations.readers.read_raw`:
encodings, delimiters, decimal comma, title rows, XLSX, the size and row limits) into
rows of cells under the user's headers; this module maps the headers
(:mod:`.schema`), parses the values column by column and reports every problem as
an :class:`~towerplan.stations.Issue` with the row number as the user sees it and
the user's header, in the station report's conventions:

* ``error``: the row cannot be used (no position, no level, a level no receiver can
  report) and is left out (counted in :attr:`MeasurementLoad.rejected`);
* ``warning``: a level outside the 3GPP reporting range, a missing serving cell;
* ``info``: remarks about the file (columns used, technology assumed).

``row`` in the output is the 1-based data row as read (the line below the header is
row 1), the number ``cv_predictions.csv`` refers to.
"""

from __future__ import annotations

import gzip
import io
import logging
import os
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from towerplan.errors import InputError, UnreadableFileError
from towerplan.measurements.schema import (
    LEVEL_KINDS,
    LEVEL_RANGES_DBM,
    PHYSICAL_RANGE_DBM,
    channel_to_mhz,
    map_measurement_headers,
)
from towerplan.stations import Issue, ValidationReport, resolve_operator, resolve_technology
from towerplan.stations.readers import read_raw

__all__ = ["MAX_MEASUREMENT_BYTES", "MAX_MEASUREMENT_ROWS", "MEASUREMENT_COLUMNS", "MeasurementLoad",
           "read_measurements"]

log = logging.getLogger(__name__)

#: largest measurement file (after gzip decompression), bytes
MAX_MEASUREMENT_BYTES = 500 * 1024 * 1024
#: most data rows per file (a day of 1 s samples from five phones is ~430,000; a row of a 60-column
#: G-NetTrack log costs ~4 kB while read as text)
MAX_MEASUREMENT_ROWS = 1_000_000
#: columns of :attr:`MeasurementLoad.table`, in order (``cell_key`` etc. may be empty)
MEASUREMENT_COLUMNS: tuple[str, ...] = (
    "file", "row", "line", "lon", "lat", "level_dbm", "technology", "operator", "cell_id", "site_id", "freq_mhz",
    "cell_lon", "cell_lat", "pci", "channel", "rx_height_m", "in_car", "time",
)  # fmt: skip
_TRUE = {"1", "true", "yes", "y", "x", "co", "có", "t"}
_FALSE = {"0", "false", "no", "n", "khong", "không", "f", ""}


@dataclass(frozen=True, eq=False)
class MeasurementLoad:
    """Measurements read from one or several files.

    Attributes
    ----------
    table
        One row per usable measurement, columns :data:`MEASUREMENT_COLUMNS` (plus
        ``node`` when a G-NetTrack ``Node`` column gave the eNodeB), lon/lat in
        EPSG:4326, ``level_dbm`` the reported level of the serving cell (RSRP / RSCP / RxLev).
    report
        Every problem and remark, with row numbers and the user's headers.
    rejected
        Rows left out (``file``, ``row``, ``line``, ``reason``).
    """

    table: pd.DataFrame
    report: ValidationReport
    rejected: pd.DataFrame

    def __post_init__(self) -> None:
        missing = [c for c in MEASUREMENT_COLUMNS if c not in self.table.columns]
        if missing:
            raise InputError(f"MeasurementLoad.table lacks columns {missing}")


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    if not path.exists():
        raise UnreadableFileError(f"{path}: no such file")
    if path.is_dir():
        raise UnreadableFileError(f"{path}: is a folder, not a measurement file")
    if path.stat().st_size > max_bytes:
        raise UnreadableFileError(f"{path.name}: larger than the {max_bytes / 1e6:,.0f} MB limit for measurements; "
                                  "split it")
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
                data = fh.read(max_bytes + 1)  # bounded: a gzip bomb stops at the limit
        except (OSError, EOFError, zlib.error) as exc:
            raise UnreadableFileError(f"{path.name}: damaged gzip file ({exc})") from exc
        if len(data) > max_bytes:
            raise UnreadableFileError(f"{path.name}: more than {max_bytes / 1e6:,.0f} MB once unpacked; split it")
    return data


def _numbers(values: pd.Series, decimal_comma: bool) -> np.ndarray:
    """Parse a column of cells into floats (NaN where not a number); units such as ``dBm`` are dropped."""
    text = values.astype("string").str.strip().str.replace(r"(?i)\s*(dbm|mhz|m|km/h)$", "", regex=True)
    if decimal_comma:
        text = text.str.replace(",", ".", regex=False)
    return pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)


def _text(values: pd.Series) -> np.ndarray:
    out = values.astype("string").str.strip().fillna("")
    return out.to_numpy(dtype=object)


def _issue(rows: np.ndarray, lines: np.ndarray, column: str | None, severity: str, code: str, message: str,
           values: Sequence[object] | np.ndarray | None, file: str, *, limit: int = 200) -> list[Issue]:
    """One issue per row (at most ``limit``; then one line counting the rest)."""
    out = []
    for k in range(min(len(rows), limit)):
        value = None if values is None else str(values[k])
        out.append(Issue(int(lines[k]), column, severity, code, message, value, file,  # type: ignore[arg-type]
                         params={"data_row": int(rows[k])}))
    if len(rows) > limit:
        out.append(Issue(None, column, severity, code,  # type: ignore[arg-type]
                         f"... and {len(rows) - limit} more row(s) with the same problem ({code})", None, file,
                         params={"count": int(len(rows) - limit)}))
    return out


def read_measurements(
    sources: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *,
    technology: str | None = None,
    max_bytes: int = MAX_MEASUREMENT_BYTES,
    max_rows: int = MAX_MEASUREMENT_ROWS,
) -> MeasurementLoad:
    """Read one or several measurement files.

    Parameters
    ----------
    sources
        CSV / TXT (any delimiter, decimal comma, UTF-8/UTF-16/Windows-1258, gzip) or XLSX files.
    technology
        Technology of measurements whose file does not tell (default: from the level
        column's name, ``rsrp`` -> 4G, ``rscp`` -> 3G, ``rxlev`` -> 2G; a plain
        ``level`` column needs a technology column or this).

    Raises
    ------
    UnreadableFileError
        A file cannot be read, or has no position or level column.
    """
    paths = [Path(sources)] if isinstance(sources, (str, os.PathLike)) else [Path(s) for s in sources]
    if not paths:
        raise InputError("no measurement file given")
    tables, issues, rejected = [], [], []
    for path in paths:
        t, i, r = _read_one(path, technology=technology, max_bytes=max_bytes, max_rows=max_rows)
        tables.append(t)
        issues.extend(i)
        rejected.append(r)
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=list(MEASUREMENT_COLUMNS))
    return MeasurementLoad(table, ValidationReport(tuple(issues)), pd.concat(rejected, ignore_index=True))


def _read_one(path: Path, *, technology: str | None, max_bytes: int,
              max_rows: int) -> tuple[pd.DataFrame, list[Issue], pd.DataFrame]:
    data = _read_bytes(path, max_bytes)
    name = path.name[:-3] if path.name.lower().endswith(".gz") else path.name
    raw = read_raw(data, name=name, max_bytes=max_bytes, max_rows=max_rows)
    if raw.fmt not in ("csv", "xlsx"):
        raise UnreadableFileError(f"{path.name}: read as {raw.fmt}; measurements must be CSV/TXT or XLSX")
    file = path.name
    issues = [i.with_file(file) for i in raw.issues]
    headers = map_measurement_headers(list(raw.frame.columns))
    f = headers.fields
    level_fields = [k for k in ("rsrp_dbm", "rscp_dbm", "rxlev_dbm", "level_dbm") if k in f]
    missing = [k for k in ("lon", "lat") if k not in f]
    if missing or not level_fields:
        what = ", ".join(missing + ([] if level_fields else ["a level (rsrp_dbm, rscp_dbm, rxlev_dbm or Level)"]))
        raise UnreadableFileError(f"{path.name}: no column for {what}; headers found: {list(raw.frame.columns)[:30]}")
    level_field = level_fields[0]
    frame = raw.frame
    n = len(frame)
    lines = raw.row_numbers
    header_line = raw.header_row or 0
    rows = lines - header_line if raw.fmt == "csv" else np.arange(1, n + 1)
    dc = raw.decimal_comma
    out = pd.DataFrame({"file": file, "row": rows.astype(np.int64), "line": lines.astype(np.int64)})
    out["lon"] = _numbers(frame[f["lon"]], True)
    out["lat"] = _numbers(frame[f["lat"]], True)
    out["level_dbm"] = _numbers(frame[f[level_field]], dc)
    for name_ in ("freq_mhz", "cell_lon", "cell_lat", "pci", "channel", "rx_height_m"):
        out[name_] = _numbers(frame[f[name_]], dc or name_ in ("cell_lon", "cell_lat")) if name_ in f else np.nan
    for name_ in ("cell_id", "site_id", "time"):
        out[name_] = _text(frame[f[name_]]) if name_ in f else ""
    # technology: from a column, else the level column's kind, else the caller's choice
    tech = np.full(n, technology.upper() if technology else LEVEL_KINDS.get(level_field, ""), dtype=object)
    if "technology" in f:
        col_tech = np.array([resolve_technology(v) or "" for v in _text(frame[f["technology"]])], dtype=object)
        tech = np.where(col_tech != "", col_tech, tech)
    out["technology"] = tech
    if "operator" in f:
        texts = _text(frame[f["operator"]])
        out["operator"] = [resolve_operator(v) or v or "unknown" for v in texts]
    else:
        out["operator"] = "unknown"
    out["in_car"] = _flags(frame[f["in_car"]]) if "in_car" in f else pd.array([pd.NA] * n, dtype="boolean")
    if "site_id" in f and "cell_id" in f and f["site_id"].strip().lower() == "node":
        out["node"] = out["site_id"]  # G-NetTrack: Node = eNodeB id, CellID = cell within it
    chan_f = np.array([channel_to_mhz(c, t) for c, t in zip(out["channel"], out["technology"], strict=True)])
    fill = ~np.isfinite(out["freq_mhz"].to_numpy()) & np.isfinite(chan_f)
    out.loc[fill, "freq_mhz"] = chan_f[fill]
    bad = np.zeros(n, dtype=bool)
    reasons = np.full(n, "", dtype=object)

    def reject(mask: np.ndarray, column: str, code: str, message: str, values: np.ndarray | pd.Series) -> None:
        new = mask & ~bad
        if new.any():
            issues.extend(_issue(rows[new], lines[new], column, "error", code, message,
                                 np.asarray(values, dtype=object)[new], file))
            reasons[new] = code
            bad[new] = True

    lon, lat, level = out["lon"].to_numpy(), out["lat"].to_numpy(), out["level_dbm"].to_numpy()
    reject(~np.isfinite(lon) | (np.abs(lon) > 180) | (lon == 0), f["lon"], "bad_coordinate",
           "no usable longitude (a number of degrees -180..180; 0 is a GPS without a fix)", frame[f["lon"]])
    reject(~np.isfinite(lat) | (np.abs(lat) > 90) | (lat == 0), f["lat"], "bad_coordinate",
           "no usable latitude (a number of degrees -90..90; 0 is a GPS without a fix)", frame[f["lat"]])
    reject(~np.isfinite(level), f[level_field], "missing_level", "no measured level (a number in dBm)",
           frame[f[level_field]])
    lo, hi = PHYSICAL_RANGE_DBM
    reject((level < lo) | (level > hi), f[level_field], "implausible_level",
           f"the level is outside {lo:g}..{hi:g} dBm: no mobile reports such a value (an invalid-value marker, "
           "or a quantity other than dBm)", frame[f[level_field]])
    reject(out["technology"].to_numpy() == "", f[level_field], "unknown_technology",
           "the technology of this level is unknown: add a technology column (LTE, WCDMA, GSM) or name the "
           "column rsrp_dbm / rscp_dbm / rxlev_dbm", frame[f[level_field]])
    for tech_name, (t_lo, t_hi) in LEVEL_RANGES_DBM.items():
        warn = (out["technology"].to_numpy() == tech_name) & ((level < t_lo) | (level > t_hi)) & ~bad
        if warn.any():
            issues.extend(_issue(rows[warn], lines[warn], f[level_field], "warning", "level_out_of_range",
                                 f"{tech_name} level outside the reporting range {t_lo:g}..{t_hi:g} dBm; kept, "
                                 "but check it", level[warn], file))
    if "in_car" not in f:
        issues.append(Issue(None, None, "info", "in_car_unknown", "no in-car column: the receiver is taken as "
                            "outdoors at the configured receiver height (an in-car loss, if any, ends up in the "
                            "calibration offset)", None, file))
    issues.append(Issue(None, None, "info", "columns_used",
                        "columns used: " + ", ".join(f"{k} <- '{v}'" for k, v in f.items()), None, file,
                        params={"fields": dict(f)}))
    rej = out.loc[bad, ["file", "row", "line"]].assign(reason=reasons[bad])
    table = out.loc[~bad].reset_index(drop=True)
    log.info("%s: %d measurement(s) read, %d rejected", file, len(table), int(bad.sum()))
    return table, issues, rej


def _flags(values: pd.Series) -> pd.array:
    out = []
    for v in _text(values):
        key = str(v).strip().lower()
        out.append(True if key in _TRUE else False if key in _FALSE else pd.NA)
    return pd.array(out, dtype="boolean")
