"""``towerplan itm``: run the Irregular Terrain Model on NTIA's own CSV formats.

::

    towerplan itm p2p --cases p2p.csv --profiles pfls.csv
    towerplan itm area --cases area.csv

Each prints the case rows back as CSV, every column as read, with the loss this
program computes in ``A__db`` (replacing the expected value, or appended), so the
output can be diffed against NTIA's files (github.com/NTIA/itm: ``p2p.csv``,
``pfls.csv``, ``area.csv``). ``pfls.csv`` holds one PFL profile per line,
``n, step_m, z_0, ..., z_n``, in the order of the cases.

Exit codes: 0 all rows computed; 1 some rows failed (their ``A__db`` is empty and
the reason goes to stderr); 2 unreadable or malformed files.
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from towerplan.errors import InputError, ModelInputError, UnreadableFileError

logger = logging.getLogger(__name__)

_P2P_COLUMNS = ("h_tx__meter", "h_rx__meter", "epsilon", "sigma", "N_0", "f__mhz", "pol", "climate", "time",
                "location", "situation", "mdvar")
_AREA_COLUMNS = ("h_tx__meter", "h_rx__meter", "delta_h__meter", "mdvar", "d__km", "tx_siting_criteria",
                 "rx_siting_criteria", "epsilon", "sigma", "N_0", "f__mhz", "pol", "climate", "time", "location",
                 "situation")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``itm`` command (with ``p2p`` and ``area`` modes) to the CLI."""
    parser = subparsers.add_parser(
        "itm",
        help="Irregular Terrain Model (Longley-Rice) on NTIA's CSV case files",
        description="Compute ITM losses for NTIA-format case files and print them as CSV.",
    )
    modes = parser.add_subparsers(dest="itm_mode", metavar="MODE", required=True)
    p2p = modes.add_parser("p2p", help="point-to-point mode: cases + PFL terrain profiles")
    p2p.add_argument("--cases", required=True, type=Path, help="CSV of inputs (NTIA p2p.csv columns)")
    p2p.add_argument("--profiles", required=True, type=Path, help="one PFL profile per line, in case order")
    area = modes.add_parser("area", help="area mode: cases only")
    area.add_argument("--cases", required=True, type=Path, help="CSV of inputs (NTIA area.csv columns)")
    for sub, decimals in ((p2p, 2), (area, 1)):
        sub.add_argument("-o", "--output", type=Path, default=None, help="write here instead of stdout")
        sub.add_argument("--decimals", type=int, default=decimals,
                         help=f"decimals of A__db (default {decimals}, as in NTIA's file)")
        sub.add_argument("--warnings", action="store_true", help="add a 'warnings' column (ITM's bitmask)")
    p2p.set_defaults(func=run_p2p)
    area.set_defaults(func=run_area)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(f"{path}: not a UTF-8 text file ({exc})") from exc


def _read_cases(path: Path, required: tuple[str, ...]) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(_read_text(path)))
    header = list(reader.fieldnames or [])
    missing = [c for c in required if c not in header]
    if missing:
        raise UnreadableFileError(f"{path}: missing columns {', '.join(missing)} (expected NTIA's format)")
    return header, list(reader)


def _read_profiles(path: Path) -> list[list[float]]:
    profiles = []
    for lineno, line in enumerate(_read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            profiles.append([float(v) for v in line.split(",") if v.strip()])
        except ValueError as exc:
            raise UnreadableFileError(f"{path}, line {lineno}: not a list of numbers ({exc})") from exc
    return profiles


def _number(row: dict[str, str], name: str) -> float:
    text = (row.get(name) or "").strip()
    try:
        return float(text)
    except ValueError:
        raise ModelInputError(f"{name} = {text!r} is not a number") from None


def _integer(row: dict[str, str], name: str) -> int:
    value = _number(row, name)
    if not value.is_integer():
        raise ModelInputError(f"{name} = {row.get(name)!r} must be a whole number")
    return int(value)


def _common(row: dict[str, str]) -> dict[str, Any]:
    return {
        "h_tx_m": _number(row, "h_tx__meter"),
        "h_rx_m": _number(row, "h_rx__meter"),
        "freq_mhz": _number(row, "f__mhz"),
        "climate": _integer(row, "climate"),
        "n0": _number(row, "N_0"),
        "epsilon": _number(row, "epsilon"),
        "sigma": _number(row, "sigma"),
        "polarization": _integer(row, "pol"),
        "mdvar": _integer(row, "mdvar"),
        "time_pct": _number(row, "time"),
        "location_pct": _number(row, "location"),
        "situation_pct": _number(row, "situation"),
    }


def _emit(args: argparse.Namespace, header: list[str], rows: list[dict[str, str]], compute: Callable) -> int:
    out_header = header if "A__db" in header else [*header, "A__db"]
    if args.warnings and "warnings" not in out_header:
        out_header = [*out_header, "warnings"]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=out_header, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    failures = 0
    for number, row in enumerate(rows, start=1):
        out = dict(row)
        try:
            result = compute(number - 1, row)
            out["A__db"] = f"{result.loss_db:.{args.decimals}f}"
            out["warnings"] = str(result.warnings)
        except InputError as exc:
            failures += 1
            out["A__db"] = ""
            out["warnings"] = ""
            print(f"towerplan itm: case {number}: {exc}", file=sys.stderr)
        writer.writerow(out)
    if args.output is None:
        sys.stdout.write(buffer.getvalue())
    else:
        args.output.write_text(buffer.getvalue(), encoding="utf-8")
    logger.info("ITM: %d cases, %d failed", len(rows), failures)
    return 1 if failures else 0


def run_p2p(args: argparse.Namespace) -> int:
    """``towerplan itm p2p``: point-to-point cases with their PFL profiles."""
    from towerplan.coverage.itm import itm_p2p_db

    header, rows = _read_cases(args.cases, _P2P_COLUMNS)
    profiles = _read_profiles(args.profiles)
    if len(profiles) != len(rows):
        raise UnreadableFileError(
            f"{args.profiles} has {len(profiles)} profiles but {args.cases} has {len(rows)} cases"
        )

    def compute(index: int, row: dict[str, str]):
        return itm_p2p_db(profiles[index], **_common(row))

    return _emit(args, header, rows, compute)


def run_area(args: argparse.Namespace) -> int:
    """``towerplan itm area``: area-mode cases."""
    from towerplan.coverage.itm import itm_area_db

    header, rows = _read_cases(args.cases, _AREA_COLUMNS)

    def compute(index: int, row: dict[str, str]):
        return itm_area_db(
            _number(row, "d__km") * 1000.0,
            delta_h_m=_number(row, "delta_h__meter"),
            tx_siting=_integer(row, "tx_siting_criteria"),
            rx_siting=_integer(row, "rx_siting_criteria"),
            **_common(row),
        )

    return _emit(args, header, rows, compute)
