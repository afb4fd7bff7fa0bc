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
the reason goes to stderr); 2 unreadable or malformed files. The work is
:func:`towerplan.study.itm_cases.itm_cases`; this module parses arguments and prints.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

logger = logging.getLogger(__name__)


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


def _run(args: argparse.Namespace, mode: str) -> int:
    from towerplan.study.itm_cases import itm_cases

    table = itm_cases(mode, args.cases, profiles=getattr(args, "profiles", None),  # type: ignore[arg-type]
                      decimals=args.decimals, with_warnings=args.warnings, output=args.output)
    for number, reason in table.failures:
        print(f"towerplan itm: case {number}: {reason}", file=sys.stderr)
    if args.output is None:
        sys.stdout.write(table.text)
    return 1 if table.failures else 0


def run_p2p(args: argparse.Namespace) -> int:
    """``towerplan itm p2p``: point-to-point cases with their PFL profiles."""
    return _run(args, "p2p")


def run_area(args: argparse.Namespace) -> int:
    """``towerplan itm area``: area-mode cases."""
    return _run(args, "area")
