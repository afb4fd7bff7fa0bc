"""Write a calibration's outputs: calibration.json, cv_predictions.csv, residuals.gpkg, plots, report.html."""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from towerplan._atomic import atomic_path
from towerplan.measurements.calibrate import STAT_BIN_M, CalibrationResult
from towerplan.measurements.cell_terms import BEARING_ORDER
from towerplan.measurements.compare import comparison_tables
from towerplan.textsafe import formula_safe_frame

__all__ = ["CV_COLUMNS", "calibration_record", "write_calibration_outputs"]

log = logging.getLogger(__name__)

#: columns of cv_predictions.csv
CV_COLUMNS: tuple[str, ...] = ("file", "row", "measured_dbm", "predicted_dbm", "uncalibrated_dbm", "fold",
                               "operator", "band", "landcover", "cell", "distance_m", "lon", "lat")
FORMAT_VERSION = 1


def _r(v: float, nd: int = 3) -> float | None:
    return None if v is None or not np.isfinite(v) else round(float(v), nd)


def _f(v: float) -> float | None:
    """A fitted parameter at full precision (the rasters reproduce the held-out evaluation exactly)."""
    return None if v is None or not np.isfinite(v) else float(v)


def calibration_record(result: CalibrationResult, *, inputs: Mapping[str, Any], settings_extra: Mapping[str, Any]
                       ) -> dict[str, Any]:
    """The content of ``calibration.json`` (read back by :func:`towerplan.measurements.apply.read_calibration`)."""
    m = result.model
    return {
        "format": "towerplan-calibration", "version": FORMAT_VERSION,
        "correction": "level_dbm += offset_db + slope_db_per_decade * log10(clip(distance_m, group range) / 1000)"
                      " + cell_offset_db + cell slope * (log10(clip(distance_m, cell range) / 1000) - centre)"
                      " + cell bearing terms (sum a_k cos k phi + b_k sin k phi); cells without a vertical pattern"
                      " get the fitted tilt",
        "groups": [{"operator": g.operator, "band": g.band, "landcover": g.landcover, "offset_db": _f(g.offset_db),
                    "slope_db_per_decade": _f(g.slope_db_per_decade), "n_samples": g.n_samples,
                    "slope_fitted": g.slope_fitted,
                    # the slope applies within this range and is held at its edges outside (never extrapolated)
                    "distance_range_m": [_f(v) for v in g.distance_range_m]} for g in m.groups],
        "cells": [{"cell": c, "offset_db": _f(v), "n_samples": int(m.cell_samples.get(c, 0))}
                  for c, v in sorted(m.cell_offsets_db.items())],
        "cell_offset_tau_db": _r(m.tau_db),
        # sector azimuths the station list lacked, fitted to the drive test (measurements.azimuth)
        "azimuths": [{"cell": c, "azimuth_deg": _r(v, 1)} for c, v in sorted(m.cell_azimuths_deg.items())],
        # downtilts of cells the list gave no vertical pattern (measurements.cell_terms), with the beamwidth used
        "tilts": [{"cell": c, "tilt_deg": _r(v, 1), "v_beamwidth_deg": m.tilt_v_beamwidth_deg}
                  for c, v in sorted(m.cell_tilts_deg.items())],
        # per-cell slope (around the cell's centre log10 distance) and bearing Fourier terms (measurements.cell_terms)
        "cell_terms": {"bearing_penalty": _r(m.bearing_penalty), "slope_penalty": _r(m.slope_penalty),
                       "bearing_order": BEARING_ORDER,
                       "cells": [{"cell": c, "centre_log10_km": _f(v[0]), "slope_db_per_decade": _f(v[1]),
                                  "distance_range_m": [_f(x) for x in m.cell_ranges_m.get(c, (np.nan, np.nan))],
                                  "bearing_cos_sin_db": [_f(x) for x in v[2:]]}
                                 for c, v in sorted(m.cell_terms.items())]},
        # held out with the corrections as the rasters apply them (coverage.calibration): the margin's sigma
        "shadowing_sigma_db": _r(result.shadowing_sigma_db),
        "cross_validation_as_rasters": {k: _r(v) if k != "count" else v for k, v in result.raster_cv_stats.items()},
        "cross_validation_without_bearing_terms": {k: _r(v) if k != "count" else v
                                                   for k, v in result.no_bearing_cv_stats.items()},
        "cross_validation_binned": {**{k: _r(v) if k != "count" else v for k, v in result.binned_cv_stats.items()},
                                    "bin_m": STAT_BIN_M},
        "cross_validation": {**{k: _r(v) if k != "count" else v for k, v in result.cv_stats.items()},
                             "folds": result.settings.folds, "fold_by": result.settings.fold_by,
                             "tile_m": result.settings.tile_m, "seed": result.settings.seed},
        "cross_validation_by_group": _group_stats(result),
        "uncalibrated": {k: _r(v) if k != "count" else v for k, v in result.uncalibrated_stats.items()},
        "samples": {"used": len(result.predictions), "excluded_closer_than_min_distance": result.excluded_near},
        "settings": {"min_distance_m": result.settings.min_distance_m, "per_cell": result.settings.per_cell,
                     "cell_block_m": result.settings.cell_block_m, "bin_m": result.settings.bin_m,
                     "min_samples": result.settings.min_samples, "min_log_span": result.settings.min_log_span,
                     "fit_tilts": result.settings.fit_tilts, "cell_terms": result.settings.cell_terms,
                     "inner_folds": result.settings.inner_folds,
                     "estimate_azimuths": result.settings.estimate_azimuths,
                     **settings_extra},
        "inputs": dict(inputs),
        # the path-loss model each band was predicted with (what `auto` resolved to in this run)
        "models_used": _models_used(result.predictions),
    }


def _models_used(p: pd.DataFrame) -> dict[str, list[str]]:
    if not {"band", "model"} <= set(p.columns):
        return {}
    return {str(b): sorted({str(m) for m in part["model"]}) for b, part in p.groupby("band", sort=True)}


def _group_stats(result: CalibrationResult) -> list[dict[str, Any]]:
    """Held-out and uncalibrated statistics of each (operator, band, land-cover) group."""
    from towerplan.measurements.calibrate import GROUP_KEYS
    from towerplan.measurements.compare import residual_stats

    p = result.predictions
    out = []
    for key, part in p.groupby(list(GROUP_KEYS), sort=True):
        held = residual_stats(part["measured_dbm"] - part["predicted_dbm"], part["distance_m"])
        raw = residual_stats(part["measured_dbm"] - part["uncalibrated_dbm"], part["distance_m"])
        out.append({**dict(zip(GROUP_KEYS, map(str, key), strict=True)),
                    "held_out": {k: _r(v) if k != "count" else v for k, v in held.items()},
                    "uncalibrated": {k: _r(v) if k != "count" else v for k, v in raw.items()}})
    return out


def write_calibration_outputs(result: CalibrationResult, out: Path, *, record: Mapping[str, Any],
                              crs: Any, unmatched: pd.DataFrame, issues: pd.DataFrame) -> list[str]:
    """Write every output file into ``out`` (created); returns the file names."""
    out.mkdir(parents=True, exist_ok=True)
    p = result.predictions
    files = []
    with atomic_path(out / "calibration.json") as tmp:
        Path(tmp).write_text(json.dumps(record, indent=2, ensure_ascii=False), encoding="utf-8")
    files.append("calibration.json")
    cv = p.reindex(columns=list(CV_COLUMNS))
    for col in ("file", "operator", "band", "landcover", "cell"):
        cv[col] = _safe_text(cv[col])
    with atomic_path(out / "cv_predictions.csv") as tmp:
        cv.to_csv(tmp, index=False, float_format="%.3f", encoding="utf-8")
    files.append("cv_predictions.csv")
    before = comparison_tables(p, predicted="uncalibrated_dbm").assign(prediction="uncalibrated")
    after = comparison_tables(p, predicted="predicted_dbm").assign(prediction="calibrated_held_out")
    stats = pd.concat([before, after], ignore_index=True)
    with atomic_path(out / "statistics.csv") as tmp:
        stats.to_csv(tmp, index=False, float_format="%.3f", encoding="utf-8")
    files.append("statistics.csv")
    if len(unmatched):
        with atomic_path(out / "unmatched.csv") as tmp:
            formula_safe_frame(unmatched).to_csv(tmp, index=False, encoding="utf-8")
        files.append("unmatched.csv")
    with atomic_path(out / "measurement_issues.csv") as tmp:
        formula_safe_frame(issues).to_csv(tmp, index=False, encoding="utf-8")
    files.append("measurement_issues.csv")
    _write_gpkg(p, out / "residuals.gpkg", crs)
    files.append("residuals.gpkg")
    files += _plots(p, out)
    _write_html(out / "report.html", record, stats, files)
    files.append("report.html")
    return files


def _safe_text(values: pd.Series) -> pd.Series:
    """Text cells a spreadsheet would run as formulas get a leading apostrophe (OWASP CSV injection)."""
    text = values.astype(str)
    risky = text.str.match(r"^[=+\-@\t\r]")
    return text.where(~risky, "'" + text)


def _write_gpkg(p: pd.DataFrame, path: Path, crs: Any) -> None:
    import geopandas as gpd

    cols = ["file", "row", "measured_dbm", "uncalibrated_dbm", "predicted_dbm", "fold", "operator", "band",
            "landcover", "cell", "distance_m"]
    gdf = gpd.GeoDataFrame(p[cols].assign(residual_uncalibrated_db=p["measured_dbm"] - p["uncalibrated_dbm"],
                                          residual_db=p["measured_dbm"] - p["predicted_dbm"]),
                           geometry=gpd.points_from_xy(p["x"], p["y"]), crs=crs)
    with atomic_path(path) as tmp:
        gdf.to_file(tmp, layer="residuals", driver="GPKG")


def _plots(p: pd.DataFrame, out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(0)
    show = p if len(p) <= 20_000 else p.iloc[np.sort(rng.choice(len(p), 20_000, replace=False))]
    fig, ax = plt.subplots(figsize=(6, 6.4), dpi=100, layout="constrained")
    lo = float(np.nanmin([show["measured_dbm"].min(), show["uncalibrated_dbm"].min(), show["predicted_dbm"].min()]))
    hi = float(np.nanmax([show["measured_dbm"].max(), show["uncalibrated_dbm"].max(), show["predicted_dbm"].max()]))
    ax.scatter(show["uncalibrated_dbm"], show["measured_dbm"], s=2, alpha=0.25, label="uncalibrated", color="#bbbbbb")
    ax.scatter(show["predicted_dbm"], show["measured_dbm"], s=2, alpha=0.25, label="calibrated (held out)",
               color="#1f77b4")
    ax.plot([lo, hi], [lo, hi], color="k", lw=1)
    ax.set_xlabel("predicted level (dBm)")
    ax.set_ylabel("measured level (dBm)")
    fig.legend(markerscale=5, loc="outside lower center", ncol=2, frameon=False)  # under the axes, off the points
    with atomic_path(out / "measured_vs_predicted.png") as tmp:
        fig.savefig(tmp, format="png", metadata={"Software": None})
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(7, 5), dpi=100, layout="constrained")
    d = show["distance_m"].to_numpy(dtype=float)
    for col, label, color in (("uncalibrated_dbm", "uncalibrated", "#bbbbbb"),
                              ("predicted_dbm", "calibrated (held out)", "#1f77b4")):
        r = show["measured_dbm"].to_numpy(dtype=float) - show[col].to_numpy(dtype=float)
        ax.scatter(d, r, s=2, alpha=0.25, color=color, label=label)
        ok = np.isfinite(r) & (d > 0)
        if ok.sum() > 2:
            k, c = np.polyfit(np.log10(d[ok]), r[ok], 1)
            xs = np.geomspace(d[ok].min(), d[ok].max(), 20)
            ax.plot(xs, c + k * np.log10(xs), color=color if color != "#bbbbbb" else "#555555", lw=2,
                    label=f"{label}: {k:+.1f} dB/decade")
    ax.axhline(0, color="k", lw=1)
    ax.set_xscale("log")
    ax.set_xlabel("distance to the serving cell (m)")
    ax.set_ylabel("measured - predicted (dB)")
    fig.legend(markerscale=5, fontsize=8, loc="outside lower center", ncol=2, frameon=False)
    with atomic_path(out / "residual_vs_distance.png") as tmp:
        fig.savefig(tmp, format="png", metadata={"Software": None})
    plt.close(fig)
    return ["measured_vs_predicted.png", "residual_vs_distance.png"]


def _write_html(path: Path, record: Mapping[str, Any], stats: pd.DataFrame, files: list[str]) -> None:
    e = html.escape
    cv, raw = record["cross_validation"], record["uncalibrated"]

    def row(cells: list[Any], tag: str = "td") -> str:
        return "<tr>" + "".join(f"<{tag}>{e('' if c is None else str(c))}</{tag}>" for c in cells) + "</tr>"

    groups = "".join(row([g["operator"], g["band"], g["landcover"], g["offset_db"], g["slope_db_per_decade"],
                          g["n_samples"]]) for g in record["groups"])
    table = stats.round(2)
    stat_rows = "".join(row(list(r)) for r in table[["prediction", "by", "group", "count", "mean_db", "std_db",
                                                    "rmse_db", "slope_db_per_decade"]].itertuples(index=False))
    nb = record.get("cross_validation_without_bearing_terms", {})
    ar = record.get("cross_validation_as_rasters", {})
    bn = record.get("cross_validation_binned", {})
    links = "".join(f'<li><a href="{e(f)}">{e(f)}</a></li>' for f in files)
    text = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>towerplan calibration</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:2px 6px;text-align:right}}</style></head><body>
<h1>Drive-test calibration</h1>
<p>{e(str(record['samples']['used']))} measurements used
({e(str(record['samples']['excluded_closer_than_min_distance']))} closer than
{e(str(record['settings']['min_distance_m']))} m left out).
Cross-validation: {e(str(cv['folds']))} folds by {e(str(cv['fold_by']))}
(tiles of {e(str(cv['tile_m']))} m).</p>
<table>{row(['', 'mean (dB)', 'std (dB)', 'RMSE (dB)', 'slope (dB/decade)'], 'th')}
{row(['uncalibrated', raw['mean_db'], raw['std_db'], raw['rmse_db'], raw['slope_db_per_decade']])}
{row(['calibrated, held out', cv['mean_db'], cv['std_db'], cv['rmse_db'], cv['slope_db_per_decade']])}
{row(['held out, as the rasters apply it', ar.get('mean_db'), ar.get('std_db'), ar.get('rmse_db'),
      ar.get('slope_db_per_decade')])}
{row(['held out, without the bearing terms', nb.get('mean_db'), nb.get('std_db'), nb.get('rmse_db'),
      nb.get('slope_db_per_decade')])}
{row([f"held out, averaged in {bn.get('bin_m')} m squares", bn.get('mean_db'), bn.get('std_db'), bn.get('rmse_db'),
      bn.get('slope_db_per_decade')])}</table>
<p>Shadowing sigma (held-out std with the corrections the rasters apply): {e(str(record['shadowing_sigma_db']))} dB.
Tilts fitted: {e(str(len(record.get('tilts', []))))}; cells with slope/bearing terms:
{e(str(len(record.get('cell_terms', {}).get('cells', []))))}.</p>
<h2>Corrections</h2>
<table>{row(['operator', 'band', 'land cover', 'offset (dB)', 'slope (dB/decade)', 'samples'], 'th')}{groups}</table>
<h2>Plots</h2><img src="measured_vs_predicted.png" alt="measured vs predicted">
<img src="residual_vs_distance.png" alt="residual vs distance">
<h2>Statistics (measured - predicted)</h2>
<table>{row(['prediction', 'by', 'group', 'count', 'mean', 'std', 'RMSE', 'slope'], 'th')}{stat_rows}</table>
<h2>Files</h2><ul>{links}</ul></body></html>
"""
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
