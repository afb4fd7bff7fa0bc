"""Small helpers shared by the writers: checksums, stable JSON, CRS and table clean-up."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from towerplan.hashing import sha256_file  # noqa: F401  (re-exported for the writers)

WGS84 = "EPSG:4326"


def round_float(value: float, *, digits: int = 6) -> float | None:
    """Round to ``digits`` significant decimals for output; NaN/inf become ``None``."""
    if not math.isfinite(value):
        return None
    if value == 0:
        return 0.0
    if float(value).is_integer() and abs(value) < 2**53:
        return float(value)
    # keep sensible precision: 6 significant digits, at least 2 decimals for small numbers
    mag = math.floor(math.log10(abs(value)))
    return round(float(value), max(digits - 1 - mag, 2))


def json_ready(value: Any) -> Any:
    """Turn numpy/pandas scalars, paths and containers into plain, rounded JSON values."""
    if isinstance(value, Mapping):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, np.ndarray):
        return [json_ready(v) for v in value.tolist()]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return round_float(float(value))
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, (pd.Timestamp,)):
        return value.isoformat()
    return value if isinstance(value, str) else str(value)


def dumps_json(value: Any) -> str:
    """Stable JSON text: sorted keys, two-space indent, UTF-8 kept, trailing newline."""
    return json.dumps(json_ready(value), sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_text(path: Path, text: str, *, bom: bool = False) -> Path:
    """Write UTF-8 text with ``\\n`` line ends (optionally with a byte-order mark)."""
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def to_wgs84(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return ``frame`` in EPSG:4326 (a copy); a frame without CRS is refused."""
    from towerplan.errors import ConfigError

    if frame.crs is None:
        raise ConfigError("a vector layer of the plan package has no CRS")
    return frame.to_crs(WGS84)


def plain_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``frame`` with list/dict/object cells made text, so every format can store them."""
    out = frame.copy()
    for col in out.columns:
        if col == getattr(out, "_geometry_column_name", None):
            continue
        series = out[col]
        if series.dtype == object:
            out[col] = series.map(_cell_text)
        elif isinstance(series.dtype, pd.CategoricalDtype):
            out[col] = series.astype(str)
        elif pd.api.types.is_bool_dtype(series.dtype):  # nullable booleans: unknown stays unknown (None)
            out[col] = series.astype(object).where(series.notna(), None) if series.isna().any() \
                else series.astype(bool)
    return out


def _cell_text(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (list, tuple, set)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, Mapping):
        return json.dumps(json_ready(value), sort_keys=True, ensure_ascii=False)
    if isinstance(value, (str, int, float)):
        return value
    return str(value)


def vector_layers(package: Any) -> dict[str, gpd.GeoDataFrame | pd.DataFrame]:
    """The package's present vector/table layers, by layer name, in a fixed order."""
    from towerplan.export.package import OPTIONAL_LAYERS, VECTOR_LAYERS

    out: dict[str, gpd.GeoDataFrame | pd.DataFrame] = {}
    for name in (*VECTOR_LAYERS, *OPTIONAL_LAYERS):
        frame = getattr(package, name)
        if frame is not None and len(frame.columns) > 0:
            out[name] = frame
    return out
