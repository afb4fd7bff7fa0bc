"""Apply a ``calibration.json`` to a station table: per-sector calibration terms for the engine.

The coverage engine adds to every level of a sector its offset, its group's and its cell's
distance slopes, each held within the distances it was fitted on, and its cell's bearing
function (:mod:`towerplan.coverage.calibration`: the columns of
:data:`~towerplan.coverage.calibration.COLUMN_DEFAULTS`, one definition shared with the
calibration's held-out evaluation). A sector takes the correction of its (operator, band)
group plus, when the calibration has them for its cell (matched by ``site_id/cell_id``, the
identity the drive test's samples were matched by), the cell's offset, slope (around the cell's
centre distance, folded into the offset) and bearing terms. A cell without a vertical pattern
(no vertical beamwidth, or 90 deg or more) the calibration fitted a tilt for gets that tilt and
beamwidth. Per-land-cover groups cannot follow each cell's class in the engine: a sector takes
its operator and band's groups merged by
:func:`towerplan.measurements.calibrate.raster_groups` (and the calibration's shadowing sigma is
the held-out figure with that merge). Sectors of an operator and band the calibration has not
seen are left uncorrected (listed in the log).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from towerplan.coverage.calibration import BEARING_COLUMNS, COLUMN_DEFAULTS
from towerplan.errors import ConfigError, InputError, UnreadableFileError
from towerplan.measurements.calibrate import GroupCorrection, raster_groups
from towerplan.measurements.schema import band_label

__all__ = ["Calibration", "apply_calibration", "read_calibration"]

log = logging.getLogger(__name__)
_MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Calibration:
    """Corrections read from ``calibration.json``.

    ``groups`` maps (operator, band) -> (offset_db, slope_db_per_decade), the land-cover groups
    merged as the rasters take them (:func:`~towerplan.measurements.calibrate.raster_groups`);
    ``cells`` maps ``site_id/cell_id`` -> offset_db; ``shadowing_sigma_db`` is the
    held-out standard deviation with the corrections as the rasters apply them (NaN if absent);
    ``azimuths`` maps ``site_id/cell_id`` ->
    the sector azimuth fitted to the drive test for a cell the station list gave none
    (:mod:`towerplan.measurements.azimuth`).
    """

    groups: dict[tuple[str, str], tuple[float, float]]
    cells: dict[str, float]
    shadowing_sigma_db: float
    source: str = ""
    azimuths: dict[str, float] = field(default_factory=dict)
    #: cell -> (tilt_deg, v_beamwidth_deg) for cells without a vertical pattern
    tilts: dict[str, tuple[float, float]] = field(default_factory=dict)
    #: cell -> (centre log10(d / 1 km), slope dB/decade) of the cell's own slope
    cell_slopes: dict[str, tuple[float, float]] = field(default_factory=dict)
    #: cell -> its bearing function's coefficients a_1, b_1, ... (dB)
    cell_bearings: dict[str, tuple[float, ...]] = field(default_factory=dict)
    #: (operator, band) -> distances (m) the group's slope was fitted on and applies within
    distance_ranges_m: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict)
    #: cell -> distances (m) the cell's own slope was fitted on and applies within
    cell_ranges_m: dict[str, tuple[float, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for cell, (tilt, vbw) in self.tilts.items():
            if not (np.isfinite(tilt) and -90 <= tilt <= 90 and np.isfinite(vbw) and 0 < vbw < 90):
                raise ConfigError(f"calibration cell {cell}: tilt {tilt} / vertical beamwidth {vbw} out of range")
        for cell, (centre, slope) in self.cell_slopes.items():
            if not (np.isfinite(centre) and np.isfinite(slope) and abs(slope) <= 100 and abs(centre) <= 5):
                raise ConfigError(f"calibration cell {cell}: slope {slope} dB per decade out of +-100")
        for cell, coefs in self.cell_bearings.items():
            if len(coefs) > len(BEARING_COLUMNS) or not all(np.isfinite(c) and abs(c) <= 100 for c in coefs):
                raise ConfigError(f"calibration cell {cell}: bearing terms beyond order {len(BEARING_COLUMNS) // 2} "
                                  "or +-100 dB")
        for key, (lo, hi) in [*self.distance_ranges_m.items(), *self.cell_ranges_m.items()]:
            if not (lo > 0 and hi >= lo):
                raise ConfigError(f"calibration {key}: distance range {lo}-{hi} m is not a range")
        for cell, az in self.azimuths.items():
            if not (np.isfinite(az) and 0.0 <= az <= 360.0):
                raise ConfigError(f"calibration cell {cell}: azimuth {az} outside 0-360 degrees")
        for key, (a, b) in self.groups.items():
            if not (np.isfinite(a) and np.isfinite(b) and abs(a) <= 100 and abs(b) <= 100):
                raise ConfigError(f"calibration group {key}: offset {a} dB / slope {b} dB per decade out of +-100")
        for cell, a in self.cells.items():
            if not (np.isfinite(a) and abs(a) <= 100):
                raise ConfigError(f"calibration cell {cell}: offset {a} dB out of +-100")


def read_calibration(path: str | os.PathLike[str]) -> Calibration:
    """Read a ``calibration.json`` written by ``towerplan calibrate``."""
    p = Path(path)
    if not p.is_file():
        raise UnreadableFileError(f"{p}: no such calibration file")
    if p.stat().st_size > _MAX_BYTES:
        raise UnreadableFileError(f"{p}: larger than {_MAX_BYTES // 2**20} MiB; not a calibration file")
    try:
        data: dict[str, Any] = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnreadableFileError(f"{p}: not a calibration file ({exc})") from exc
    if not isinstance(data, dict) or data.get("format") != "towerplan-calibration":
        raise ConfigError(f"{p}: not a towerplan calibration (no 'format': 'towerplan-calibration')")
    try:
        fitted = [GroupCorrection(str(g["operator"]), str(g["band"]), str(g.get("landcover", "")),
                                  float(g["offset_db"]), float(g["slope_db_per_decade"]), int(g.get("n_samples", 1)),
                                  bool(g.get("slope_fitted", True)), _range(g.get("distance_range_m")))
                  for g in data["groups"]]
        merged = raster_groups(fitted)
        groups = {k: (g.offset_db, g.slope_db_per_decade) for k, g in merged.items()}
        ranges = {k: g.distance_range_m for k, g in merged.items() if all(np.isfinite(g.distance_range_m))}
        cells = {str(c["cell"]): float(c["offset_db"]) for c in data.get("cells", [])}
        sigma = data.get("shadowing_sigma_db")
        azimuths = {str(a["cell"]): float(a["azimuth_deg"]) for a in data.get("azimuths", [])}
        tilts = {str(a["cell"]): (float(a["tilt_deg"]), float(a["v_beamwidth_deg"])) for a in data.get("tilts", [])}
        terms = (data.get("cell_terms") or {}).get("cells", [])
        slopes = {str(c["cell"]): (float(c["centre_log10_km"]), float(c["slope_db_per_decade"])) for c in terms
                  if c.get("slope_db_per_decade")}
        cell_ranges = {str(c["cell"]): _range(c.get("distance_range_m")) for c in terms}
        bearings = {str(c["cell"]): tuple(float(v) for v in c["bearing_cos_sin_db"]) for c in terms
                    if any(c.get("bearing_cos_sin_db") or [])}
    except (KeyError, TypeError, ValueError, InputError) as exc:
        raise ConfigError(f"{p}: damaged calibration file ({type(exc).__name__}: {exc})") from exc
    return Calibration(groups, cells, float("nan") if sigma is None else float(sigma), str(p), azimuths, tilts,
                       slopes, bearings, ranges, {c: r for c, r in cell_ranges.items() if all(np.isfinite(r))})


def _range(value: Any) -> tuple[float, float]:
    """A ``[lo, hi]`` distance range of calibration.json (NaN, NaN when absent)."""
    lo, hi = [*(value or []), None, None][:2]
    return (float("nan") if lo is None else float(lo), float("nan") if hi is None else float(hi))


def apply_calibration(stations: pd.DataFrame, calibration: Calibration) -> pd.DataFrame:
    """A copy of ``stations`` with ``calibration_offset_db`` and ``calibration_slope_db`` filled in."""
    out = stations.copy()
    ops = out["operator"].astype(str).to_numpy()
    freq = pd.to_numeric(out["freq_mhz"], errors="coerce").to_numpy(dtype=float)
    tech = out["technology"].astype(str).str.upper().to_numpy()
    bands = [band_label(f, t) for f, t in zip(freq, tech, strict=True)]
    cells = ((out["site_id"].astype(str) + "/" + out["cell_id"].astype(str)).to_numpy()
             if {"site_id", "cell_id"} <= set(out.columns) else np.full(len(out), ""))
    cols = {c: np.full(len(out), v) for c, v in COLUMN_DEFAULTS.items()}
    missing: set[tuple[str, str]] = set()
    for k, key in enumerate(zip(ops, bands, strict=True)):
        if key in calibration.groups:
            cols["calibration_offset_db"][k], cols["calibration_slope_db"][k] = calibration.groups[key]
            lo, hi = calibration.distance_ranges_m.get(key, (np.nan, np.nan))
            cols["calibration_min_distance_m"][k], cols["calibration_max_distance_m"][k] = lo, hi
        else:
            missing.add(key)
        cols["calibration_offset_db"][k] += calibration.cells.get(cells[k], 0.0)
        centre, cell_slope = calibration.cell_slopes.get(cells[k], (0.0, 0.0))
        if cell_slope:  # s (clamp(log d) - centre): the centre's part is an offset
            cols["calibration_cell_slope_db"][k] = cell_slope
            cols["calibration_offset_db"][k] -= cell_slope * centre
            lo, hi = calibration.cell_ranges_m.get(cells[k], (np.nan, np.nan))
            cols["calibration_cell_min_distance_m"][k], cols["calibration_cell_max_distance_m"][k] = lo, hi
        for c, v in zip(BEARING_COLUMNS, calibration.cell_bearings.get(cells[k], ()), strict=False):
            cols[c][k] = v
    if missing:
        log.warning("calibration %s has no correction for %s: those sectors are not corrected", calibration.source,
                    ", ".join(f"{o}/{b}" for o, b in sorted(missing)))
    with_bearing = int(np.isin(cells, list(calibration.cell_bearings)).sum()) if calibration.cell_bearings else 0
    if calibration.cell_bearings:
        log.info("calibration %s: %d sector(s) get their cell's bearing terms (%d cell(s) in the calibration)",
                 calibration.source, with_bearing, len(calibration.cell_bearings))
    _apply_tilts(out, cells, calibration)
    for (op, band), (lo, hi) in sorted(calibration.distance_ranges_m.items()):
        log.info("calibration %s: %s/%s fitted on %.0f-%.0f m from the sites; its slope is held at the range's "
                 "edges outside", calibration.source, op, band, lo, hi)
    for c, values in cols.items():
        out[c] = values
    if calibration.azimuths:  # sectors whose azimuth the list lacked: the drive test's estimate
        az = pd.to_numeric(out["azimuth_deg"], errors="coerce") if "azimuth_deg" in out.columns else \
            pd.Series(np.nan, index=out.index)
        fitted = pd.Series(cells, index=out.index).map(calibration.azimuths)
        fill = az.isna() & fitted.notna()
        out["azimuth_deg"] = az.where(~fill, fitted)
        if fill.any():
            log.info("calibration %s: %d sector(s) without an azimuth get the drive test's", calibration.source,
                     int(fill.sum()))
    return out


def _apply_tilts(out: pd.DataFrame, cells: np.ndarray, calibration: Calibration) -> None:
    """Set the fitted tilt and vertical beamwidth on the sectors the list gives no vertical pattern."""
    if not calibration.tilts:
        return
    vbw = pd.to_numeric(out["v_beamwidth_deg"], errors="coerce") if "v_beamwidth_deg" in out.columns else \
        pd.Series(np.nan, index=out.index)
    pattern = out["antenna_pattern"].fillna("").astype(str).str.strip() != "" if "antenna_pattern" in out.columns \
        else pd.Series(False, index=out.index)
    fitted = pd.Series(cells, index=out.index).map(calibration.tilts)
    fill = (vbw.isna() | (vbw >= 90.0)) & ~pattern & fitted.notna()
    if not fill.any():
        return
    tilt = pd.to_numeric(out["tilt_deg"], errors="coerce") if "tilt_deg" in out.columns else \
        pd.Series(np.nan, index=out.index)
    out["tilt_deg"] = tilt.where(~fill, fitted.map(lambda v: v[0] if isinstance(v, tuple) else np.nan))
    out["v_beamwidth_deg"] = vbw.where(~fill, fitted.map(lambda v: v[1] if isinstance(v, tuple) else np.nan))
    log.info("calibration %s: %d sector(s) without a vertical pattern get the drive test's tilt", calibration.source,
             int(fill.sum()))
