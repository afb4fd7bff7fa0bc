"""``towerplan validate STATIONS... [--dem DEM]``: check station lists and print every problem.

Exit codes: 0 no errors (warnings allowed); 1 errors found (rows rejected);
2 a file could not be read at all, or bad usage.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from towerplan.errors import InputError, RasterDataError, UnreadableFileError
from towerplan.stations import FORMATS, StationLoad, read_many

__all__ = ["register", "run", "study_area_of_dem"]

EXIT_OK = 0
EXIT_DATA_ERRORS = 1
EXIT_USAGE = 2


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``validate`` sub-command."""
    parser = subparsers.add_parser(
        "validate",
        help="check station lists and print every problem found",
        description=(
            "Read station lists (CSV, XLSX, GeoJSON, KML/KMZ, GeoPackage, OpenCelliD), check every row and "
            "print a report. Exit 0: no errors; 1: rows with errors; 2: a file cannot be read or bad usage."
        ),
    )
    parser.add_argument("stations", nargs="+", metavar="STATIONS", help="station list file(s), one per operator")
    parser.add_argument("--dem", metavar="DEM", help="DEM raster; its extent is the study area")
    parser.add_argument("--format", dest="fmt", choices=FORMATS, help="read the files as this format")
    parser.add_argument("--report-csv", metavar="FILE", help="also write the full report as CSV (UTF-8)")
    parser.add_argument("--max-issues", type=int, default=200, metavar="N", help="print at most N issues (default 200)")
    parser.set_defaults(func=run)
    return parser


def study_area_of_dem(path: str) -> tuple[float, float, float, float]:
    """``(min_lon, min_lat, max_lon, max_lat)`` of a DEM's extent, in EPSG:4326."""
    from pyproj import Transformer

    from towerplan.rasters import read_grid

    grid = read_grid(path)
    transformer = Transformer.from_crs(grid.crs, "EPSG:4326", always_xy=True)
    west, south, east, north = transformer.transform_bounds(*grid.bounds)
    return (float(west), float(south), float(east), float(north))


def _print(text: str, *, file: Any = None) -> None:
    stream = file or sys.stdout
    try:
        print(text, file=stream)
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "ascii"
        print(text.encode(encoding, errors="replace").decode(encoding), file=stream)


def _summary(load: StationLoad) -> str:
    s = load.summary()
    lines = [
        "Summary",
        f"  files: {', '.join(load.sources) if load.sources else '(none read)'}",
        f"  rows read: {s['rows_read']:,}   valid sectors: {s['sectors']:,}   sites: {s['sites']:,}   "
        f"rows rejected: {s['rows_rejected']:,}",
    ]
    if s["by_operator"]:
        lines.append("  by operator: " + ", ".join(f"{k} {v:,}" for k, v in s["by_operator"].items()))
    if s["by_technology"]:
        lines.append("  by technology: " + ", ".join(f"{k} {v:,}" for k, v in s["by_technology"].items()))
    lines.append(f"  towers: {s['towers']:,} ({len(s['shared_towers']):,} shared by several operators)")
    lines += [f"    {k}: {v}" for k, v in list(s["shared_towers"].items())[:20]]
    lines.append(f"  {s['errors']:,} error(s), {s['warnings']:,} warning(s)")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Run ``towerplan validate`` and return its exit code."""
    if args.max_issues is not None and args.max_issues < 0:
        _print("towerplan validate: error: --max-issues must be 0 or more", file=sys.stderr)
        return EXIT_USAGE
    study_area = None
    if args.dem:
        try:
            study_area = study_area_of_dem(args.dem)
        except (UnreadableFileError, RasterDataError) as exc:
            _print(f"towerplan validate: error: --dem {args.dem}: {exc}", file=sys.stderr)
            return EXIT_USAGE
    load = read_many(args.stations, study_area=study_area, fmt=args.fmt, on_unreadable="report")
    report = load.report
    _print(report.format_text(max_issues=args.max_issues))
    _print("")
    _print(_summary(load))
    if args.report_csv:
        from towerplan.export.commands import write_validation_report
        from towerplan.input_files import refuse_output_over_input

        try:
            refuse_output_over_input(args.report_csv, [*args.stations, *([args.dem] if args.dem else [])],
                                     option="--report-csv")
        except InputError as exc:
            _print(f"towerplan validate: error: {exc}", file=sys.stderr)
            return EXIT_USAGE

        write_validation_report(report, args.report_csv)
        _print(f"report written to {args.report_csv}")
    unreadable = report.filter(code="unreadable_file").issues
    for issue in unreadable:
        _print(f"towerplan validate: error: {issue.message}", file=sys.stderr)
    if unreadable:
        return EXIT_USAGE
    return EXIT_DATA_ERRORS if report.has_errors else EXIT_OK
