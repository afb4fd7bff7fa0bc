"""Apply a ``calibration.json`` to a station table: per-sector offset and distance slope for the engine.

The coverage engine adds ``calibration_offset_db + calibration_slope_db * log10(d / 1 km)``
to every level of a sector (:mod:`towerplan.coverage.plan` reads the two optional
columns). A sector takes the correction of its (operator, band) group plus its own
cell offset when the calibration has one (``site_id/cell_id``), and its own slope (around the
cell's centre distance: offset and slope of the engine's form). A cell without a vertical
pattern (no vertical beamwidth, or 90 deg or more) the calibration fitted a tilt for gets that
tilt and beamwidth. The cells' bearing terms are not applied (the engine has no per-sector
bearing correction yet; logged). Per-land-cover
groups cannot follow each cell's class in the engine: a sector takes the
sample-weighted mean of its operator and band's land-cover groups. Sectors of an
operator and band the calibration has not seen are left uncorrected (listed in the
log).
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

from towerplan.errors import ConfigError, UnreadableFileError
from towerplan.measurements.schema import band_label

__all__ = ["Calibration", "apply_calibration", "read_calibration"]

log = logging.getLogger(__name__)
_MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Calibration:
    """Corrections read from ``calibration.json``.

    ``groups`` maps (operator, band) -> (offset_db, slope_db_per_decade);
    ``cells`` maps ``site_id/cell_id`` -> offset_db; ``shadowing_sigma_db`` is the
    held-out standard deviation (NaN if absent); ``azimuths`` maps ``site_id/cell_id`` ->
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
    #: cells with bearing terms (recorded, not applied by the engine)
    bearing_cells: int = 0
    #: (operator, band) -> distances (m) the corrections were fitted on; the rasters extrapolate outside
    distance_ranges_m: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for cell, (tilt, vbw) in self.tilts.items():
            if not (np.isfinite(tilt) and -90 <= tilt <= 90 and np.isfinite(vbw) and 0 < vbw < 90):
                raise ConfigError(f"calibration cell {cell}: tilt {tilt} / vertical beamwidth {vbw} out of range")
        for cell, (centre, slope) in self.cell_slopes.items():
            if not (np.isfinite(centre) and np.isfinite(slope) and abs(slope) <= 100 and abs(centre) <= 5):
                raise ConfigError(f"calibration cell {cell}: slope {slope} dB per decade out of +-100")
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
        sums: dict[tuple[str, str], list[float]] = {}
        for g in data["groups"]:
            key = (str(g["operator"]), str(g["band"]))
            w = float(g.get("n_samples", 1))
            acc = sums.setdefault(key, [0.0, 0.0, 0.0])
            acc[0] += w * float(g["offset_db"])
            acc[1] += w * float(g["slope_db_per_decade"])
            acc[2] += w
        groups = {k: (v[0] / v[2], v[1] / v[2]) for k, v in sums.items() if v[2] > 0}
        ranges: dict[tuple[str, str], tuple[float, float]] = {}
        for g in data["groups"]:
            lo, hi = (g.get("distance_range_m") or [None, None])[:2]
            if lo is not None and hi is not None:
                key = (str(g["operator"]), str(g["band"]))
                old = ranges.get(key, (float(lo), float(hi)))
                ranges[key] = (min(old[0], float(lo)), max(old[1], float(hi)))
        cells = {str(c["cell"]): float(c["offset_db"]) for c in data.get("cells", [])}
        sigma = data.get("shadowing_sigma_db")
        azimuths = {str(a["cell"]): float(a["azimuth_deg"]) for a in data.get("azimuths", [])}
        tilts = {str(a["cell"]): (float(a["tilt_deg"]), float(a["v_beamwidth_deg"])) for a in data.get("tilts", [])}
        terms = (data.get("cell_terms") or {}).get("cells", [])
        slopes = {str(c["cell"]): (float(c["centre_log10_km"]), float(c["slope_db_per_decade"])) for c in terms
                  if c.get("slope_db_per_decade")}
        bearing_cells = sum(1 for c in terms if any(c.get("bearing_cos_sin_db") or []))
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{p}: damaged calibration file ({type(exc).__name__}: {exc})") from exc
    return Calibration(groups, cells, float("nan") if sigma is None else float(sigma), str(p), azimuths, tilts,
                       slopes, bearing_cells, ranges)


def apply_calibration(stations: pd.DataFrame, calibration: Calibration) -> pd.DataFrame:
    """A copy of ``stations`` with ``calibration_offset_db`` and ``calibration_slope_db`` filled in."""
    out = stations.copy()
    ops = out["operator"].astype(str).to_numpy()
    freq = pd.to_numeric(out["freq_mhz"], errors="coerce").to_numpy(dtype=float)
    tech = out["technology"].astype(str).str.upper().to_numpy()
    bands = [band_label(f, t) for f, t in zip(freq, tech, strict=True)]
    cells = ((out["site_id"].astype(str) + "/" + out["cell_id"].astype(str)).to_numpy()
             if {"site_id", "cell_id"} <= set(out.columns) else np.full(len(out), ""))
    offset = np.zeros(len(out))
    slope = np.zeros(len(out))
    missing: set[tuple[str, str]] = set()
    for k, key in enumerate(zip(ops, bands, strict=True)):
        if key in calibration.groups:
            offset[k], slope[k] = calibration.groups[key]
        else:
            missing.add(key)
        offset[k] += calibration.cells.get(cells[k], 0.0)
        centre, cell_slope = calibration.cell_slopes.get(cells[k], (0.0, 0.0))
        slope[k] += cell_slope
        offset[k] -= cell_slope * centre
    if missing:
        log.warning("calibration %s has no correction for %s: those sectors are not corrected", calibration.source,
                    ", ".join(f"{o}/{b}" for o, b in sorted(missing)))
    if calibration.bearing_cells:
        log.warning("calibration %s: the bearing terms of %d cell(s) are not applied to the rasters (no per-sector "
                    "bearing correction in the engine); its shadowing sigma is the held-out one without them",
                    calibration.source, calibration.bearing_cells)
    _apply_tilts(out, cells, calibration)
    for (op, band), (lo, hi) in sorted(calibration.distance_ranges_m.items()):
        log.info("calibration %s: %s/%s fitted on %.0f-%.0f m from the sites; the rasters extrapolate its slope "
                 "outside", calibration.source, op, band, lo, hi)
    out["calibration_offset_db"] = offset
    out["calibration_slope_db"] = slope
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
