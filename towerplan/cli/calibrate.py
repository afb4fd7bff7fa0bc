"""``towerplan calibrate``: compare drive-test measurements with the model and fit cross-validated corrections.

::

    towerplan calibrate --measurements FILE [FILE ...] (--stations FILE [...] | --stations-from-measurements)
        --dem FILE [...] --out DIR [--landcover FILE] [--model auto] [--folds 5] [--fold-by tile|random]
        [--tile-m 500] [--min-distance-m 100] [--bin-m 0] [--no-cell-offsets] [--no-cell-terms] [--no-tilts]
        [--estimate-azimuths] [--seed 0]

Writes to ``--out``: ``calibration.json`` (corrections with sample counts, the
cross-validated statistics and the shadowing sigma; ``towerplan coverage
--calibration`` applies it), ``cv_predictions.csv`` (one line per used measurement:
``row`` = its 1-based data row in its file, measured, held-out calibrated and
uncalibrated predictions, fold, operator, band, distance), ``statistics.csv`` (per
operator, band, land-cover class, distance bin and cell, before and after),
``residuals.gpkg``, ``measured_vs_predicted.png``, ``residual_vs_distance.png``,
``report.html``, ``measurement_issues.csv`` and, when some measurements match no
sector, ``unmatched.csv``. With ``--stations-from-measurements`` the stations built
from the serving-cell positions are written to ``stations_from_measurements.csv``.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

from towerplan.coverage.config import MODELS, CoverageConfig
from towerplan.errors import ConfigError

__all__ = ["register", "run"]

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``calibrate`` command to the CLI."""
    d = CoverageConfig()
    p = subparsers.add_parser(
        "calibrate",
        help="compare drive-test measurements with the model and fit cross-validated corrections",
        description="Read drive tests, predict each measurement with the coverage engine, fit per operator and "
                    "band offset + distance-slope corrections (and shrunk per-cell offsets), and report their "
                    "spatially cross-validated error.",
    )
    p.add_argument("--measurements", required=True, nargs="+", type=Path,
                   help="drive-test files: CSV/TXT (also .gz), XLSX, G-NetTrack Pro logs")
    p.add_argument("--stations", nargs="+", type=Path, default=None, help="station list(s)")
    p.add_argument("--stations-from-measurements", action="store_true",
                   help="build omni stations from the serving-cell positions in the files (cell_lon, cell_lat, "
                        "freq_mhz) when no station list exists")
    p.add_argument("--antenna-height-m", type=float, default=30.0,
                   help="antenna height of stations built from the measurements (m, default 30)")
    p.add_argument("--eirp-dbm", type=float, default=None,
                   help="EIRP of stations built from the measurements (default 43 dBm + 11 dBi - 2 dB)")
    p.add_argument("--dem", required=True, nargs="+", type=Path, help="DEM file(s): GeoTIFF or SRTM .hgt")
    p.add_argument("--landcover", type=Path, default=None, help="land-cover class raster (corrections per class)")
    p.add_argument("--out", required=True, type=Path, help="output folder (created)")
    p.add_argument("--model", choices=["auto", *MODELS], default=d.model, help="path-loss model")
    p.add_argument("--resolution-m", type=float, default=30.0, help="cell size of the analysis grid (m)")
    p.add_argument("--rx-height-m", type=float, default=d.rx_height_m, help="receiver height above ground (m)")
    p.add_argument("--technology", default=None, help="technology of files that do not tell (4G, 3G, 2G)")
    p.add_argument("--folds", type=int, default=5, help="cross-validation folds (5)")
    p.add_argument("--fold-by", choices=["tile", "random"], default="tile", help="spatial tiles (default) or random")
    p.add_argument("--tile-m", type=float, default=500.0, help="tile size of the spatial folds (m, 500)")
    p.add_argument("--min-distance-m", type=float, default=100.0, help="leave out samples closer to their cell (m)")
    p.add_argument("--bin-m", type=float, default=0.0, help="average training samples in squares of this size (m)")
    p.add_argument("--no-cell-offsets", action="store_true",
                   help="fit no per-cell offsets (nor any per-cell term: slope, bearing, tilt)")
    p.add_argument("--no-cell-terms", action="store_true",
                   help="fit no per-cell slope and bearing terms (by default their penalties are chosen by an inner "
                        "blocked cross-validation, which leaves them out where they do not predict held-out tiles)")
    p.add_argument("--no-tilts", action="store_true",
                   help="fit no downtilt for cells without a vertical pattern (by default chosen by the inner "
                        "cross-validation; written to calibration.json and set on such stations by --calibration)")
    p.add_argument("--estimate-azimuths", action="store_true",
                   help="fit the sector azimuth of cells the station list gives none (inside each CV fold; "
                        "written to calibration.json and set on such stations by --calibration)")
    p.add_argument("--seed", type=int, default=0, help="seed of the fold assignment (0)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``towerplan calibrate`` and return its exit code."""
    from towerplan.measurements import (
        CalibrationSettings,
        calibrate_drive_tests,
        read_measurements,
        stations_from_measurements,
    )
    from towerplan.measurements.calibrate import STAT_BIN_M
    from towerplan.measurements.messages_vi import measurement_report_frame
    from towerplan.measurements.report import calibration_record, write_calibration_outputs
    from towerplan.rasters import read_grid
    from towerplan.study import read_study_dem, read_study_stations

    t0 = time.perf_counter()
    if bool(args.stations) == bool(args.stations_from_measurements):
        raise ConfigError("give either --stations FILE [...] or --stations-from-measurements")
    if not (1.0 <= args.resolution_m <= 1000.0):
        raise ConfigError(f"--resolution-m {args.resolution_m} must be within 1-1000 m")
    settings = CalibrationSettings(min_distance_m=args.min_distance_m, folds=args.folds, fold_by=args.fold_by,
                                   tile_m=args.tile_m, seed=args.seed, per_cell=not args.no_cell_offsets,
                                   bin_m=args.bin_m, estimate_azimuths=args.estimate_azimuths,
                                   cell_terms=not args.no_cell_terms, fit_tilts=not args.no_tilts)
    config = CoverageConfig(model=args.model, rx_height_m=args.rx_height_m)
    load = read_measurements(args.measurements, technology=args.technology)
    if args.stations_from_measurements:
        stations = stations_from_measurements(load.table, antenna_height_m=args.antenna_height_m,
                                              eirp_dbm=args.eirp_dbm)
    else:
        stations = read_study_stations(args.stations).stations
    dem = read_study_dem(args.dem, resolution_m=args.resolution_m)
    landcover = read_grid(args.landcover) if args.landcover else None
    run_ = calibrate_drive_tests(load, stations, dem, config=config, landcover=landcover, settings=settings)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    inputs = {"measurements": [str(p) for p in args.measurements],
              "stations": [str(p) for p in args.stations] if args.stations else "from measurements",
              "dem": [str(p) for p in args.dem], "landcover": str(args.landcover) if args.landcover else None,
              "measurements_read": len(load.table), "rows_rejected": len(load.rejected),
              "unmatched": len(run_.matches.unmatched), "predicted": len(run_.samples)}
    extra = {"model": args.model, "rx_height_m": args.rx_height_m, "resolution_m": args.resolution_m}
    record = calibration_record(run_.result, inputs=inputs, settings_extra=extra)
    if args.stations_from_measurements:
        from towerplan.stations import write_stations_csv

        write_stations_csv(stations, out / "stations_from_measurements.csv")
    issues = measurement_report_frame(load.report, "en")
    issues.insert(5, "message_vi", measurement_report_frame(load.report, "vi")["message"])
    files = write_calibration_outputs(run_.result, out, record=record, crs=dem.crs,
                                      unmatched=run_.matches.unmatched, issues=issues)
    cv, raw = run_.result.cv_stats, run_.result.uncalibrated_stats
    print(f"calibrate: {cv['count']} measurements ({len(load.rejected)} rows rejected, "
          f"{len(run_.matches.unmatched)} matching no sector, {run_.result.excluded_near} closer than "
          f"{settings.min_distance_m:g} m)")
    print(f"  uncalibrated: mean {raw['mean_db']:+.2f} dB, std {raw['std_db']:.2f} dB, "
          f"slope {raw['slope_db_per_decade']:+.2f} dB/decade")
    print(f"  held out ({settings.folds} folds by {settings.fold_by}): mean {cv['mean_db']:+.2f} dB, "
          f"std {cv['std_db']:.2f} dB, RMSE {cv['rmse_db']:.2f} dB, slope {cv['slope_db_per_decade']:+.2f} dB/decade")
    ar, nb, bn = run_.result.raster_cv_stats, run_.result.no_bearing_cv_stats, run_.result.binned_cv_stats
    print(f"  held out as the rasters apply it (the margin's sigma): std {ar['std_db']:.2f} dB, slope "
          f"{ar['slope_db_per_decade']:+.2f} dB/decade; without the bearing terms: std {nb['std_db']:.2f} dB; "
          f"averaged in {STAT_BIN_M:g} m squares: std {bn['std_db']:.2f} dB")
    print(f"  {len(files)} files in {out} ({time.perf_counter() - t0:.1f} s)")
    return 0
