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
    parser.add_argument("--margin-m", type=float, default=0.0, metavar="M",
                        help="widen the study area (the DEM's extent) by M metres (default 0; as the app's Data page)")
    parser.add_argument("--lang", choices=["vi", "en"], default="en",
                        help="language of the report (default en; vi: Vietnamese)")
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


_SUMMARY_WORDS = {
    "en": {"title": "Summary", "files": "files", "none": "(none read)", "rows": "rows read",
           "valid": "valid sectors", "sites": "sites", "rejected": "rows rejected", "by_op": "by operator",
           "by_tech": "by technology", "towers": "towers", "shared": "shared by several operators",
           "counts": "{e} error(s), {w} warning(s)"},
    "vi": {"title": "Tóm tắt", "files": "tệp", "none": "(không đọc được tệp nào)", "rows": "số dòng đã đọc",
           "valid": "cell hợp lệ", "sites": "trạm", "rejected": "dòng bị loại", "by_op": "theo nhà mạng",
           "by_tech": "theo công nghệ", "towers": "cột anten", "shared": "dùng chung giữa các nhà mạng",
           "counts": "{e} lỗi, {w} cảnh báo"},
}


def _summary(load: StationLoad, *, lang: str = "en") -> str:
    from towerplan.i18n_summary import format_number

    w = _SUMMARY_WORDS[lang]
    s = load.summary()

    def n(value: int) -> str:
        return format_number(value, lang=lang)

    lines = [
        w["title"],
        f"  {w['files']}: {', '.join(load.sources) if load.sources else w['none']}",
        f"  {w['rows']}: {n(s['rows_read'])}   {w['valid']}: {n(s['sectors'])}   {w['sites']}: {n(s['sites'])}   "
        f"{w['rejected']}: {n(s['rows_rejected'])}",
    ]
    if s["by_operator"]:
        lines.append(f"  {w['by_op']}: " + ", ".join(f"{k} {n(v)}" for k, v in s["by_operator"].items()))
    if s["by_technology"]:
        lines.append(f"  {w['by_tech']}: " + ", ".join(f"{k} {n(v)}" for k, v in s["by_technology"].items()))
    lines.append(f"  {w['towers']}: {n(s['towers'])} ({n(len(s['shared_towers']))} {w['shared']})")
    lines += [f"    {k}: {v}" for k, v in list(s["shared_towers"].items())[:20]]
    lines.append("  " + w["counts"].format(e=n(s["errors"]), w=n(s["warnings"])))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Run ``towerplan validate`` and return its exit code."""
    if args.max_issues is not None and args.max_issues < 0:
        _print("towerplan validate: error: --max-issues must be 0 or more", file=sys.stderr)
        return EXIT_USAGE
    dem = None
    if args.dem:
        from towerplan.rasters import read_grid

        try:
            dem = read_grid(args.dem)
        except (UnreadableFileError, RasterDataError) as exc:
            _print(f"towerplan validate: error: --dem {args.dem}: {exc}", file=sys.stderr)
            return EXIT_USAGE
    load = read_many(args.stations, fmt=args.fmt, on_unreadable="report")
    if dem is not None:  # the study-area check the app's Data page makes (towerplan.study.station_check)
        from towerplan.errors import ConfigError
        from towerplan.study.station_check import within_study_area

        try:
            load = within_study_area(load, dem, margin_m=args.margin_m)
        except ConfigError as exc:
            _print(f"towerplan validate: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
    report = load.report
    _print(report.format_text(max_issues=args.max_issues, lang=args.lang))
    _print("")
    _print(_summary(load, lang=args.lang))
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
