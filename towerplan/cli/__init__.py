"""The ``towerplan`` command line.

Each sub-command lives in its own module of this package and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a function
taking the parsed namespace and returning an exit code.

Exit codes (every command): 0 success; 1 the input was read but has errors
(e.g. invalid station rows); 2 unreadable file, bad usage or invalid settings.
No command ends with a Python traceback for a user error; unexpected failures
print one line and exit 3 (``--debug`` shows the traceback).

Start-up: only the module of the command being run is imported. The others are
listed by ``--help`` from :data:`COMMAND_HELP` (a test checks it matches each
module's own help), so ``towerplan --help`` loads neither numba, GDAL nor geopandas.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from towerplan import __version__
from towerplan.errors import ConfigError, InputError, TowerplanError, UnreadableFileError

__all__ = ["COMMAND_HELP", "build_parser", "main"]

#: sub-command modules, in the order they are listed by ``--help``
_COMMAND_MODULES: tuple[str, ...] = ("validate", "demo", "itm", "p1812", "fetch", "coverage", "gaps", "place", "run",
                                     "compare", "calibrate", "store", "switchoff", "compile")

#: one-line help of each sub-command, as its module registers it (listed without importing the module)
COMMAND_HELP: dict[str, str] = {
    "validate": "check station lists and print every problem found",
    "demo": "write the synthetic demo province (DEM, population, stations, communes, roads)",
    "itm": "Irregular Terrain Model (Longley-Rice) on NTIA's CSV case files",
    "p1812": "ITU-R P.1812 basic transmission loss for a DBSG3 path file",
    "fetch": "download and prepare a study area (DEM, population, boundaries, roads)",
    "coverage": "coverage maps (best RSRP, best server, overlap, per operator) over a DEM",
    "gaps": "people covered, dead zones (gap polygons) and road coverage from coverage rasters",
    "place": "propose shared towers under a budget",
    "run": "a whole plan (coverage, dead zones, shared towers, exports) from a scenario file",
    "compare": "compare two plan packages: difference rasters, changes per commune and village, proposals",
    "calibrate": "compare drive-test measurements with the model and fit cross-validated corrections",
    "store": "the shared project store: users, station lists, plans",
    "switchoff": "who loses every service when 2G/3G are switched off",
    "compile": "compile the coverage kernels ahead (once, e.g. after installing)",
}

EXIT_OK = 0
EXIT_DATA_ERRORS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose usage errors exit 2 with one clear line (argparse's own code)."""


def _selected_command(argv: Sequence[str] | None) -> str | None:
    """The sub-command named in ``argv`` (the first word that is one), or None (e.g. ``--help``)."""
    for word in argv or ():
        if word in _COMMAND_MODULES:
            return word
    return None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The ``towerplan`` parser; with ``argv``, only the command it names is fully registered.

    Without ``argv`` every command's module is imported and registered (complete parser).
    """
    selected = _selected_command(argv) if argv is not None else None
    parser = _Parser(
        prog="towerplan",
        description="Telecom coverage, dead zones and shared-tower planning.",
    )
    parser.add_argument("--version", action="version", version=f"towerplan {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv: debug)")
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks on unexpected errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        if argv is None or name == selected or name not in COMMAND_HELP:  # unlisted: correct, if slower
            module = importlib.import_module(f"towerplan.cli.{name}")
            module.register(subparsers)
        else:  # listed by --help; never parsed (argv names another command or none)
            subparsers.add_parser(name, help=COMMAND_HELP.get(name, ""), add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (never raises for user errors)."""
    # numba's OpenMP threads spin while waiting; on a busy shared machine that made 4G coverage
    # 5x slower. Passive waiting must be chosen before the OpenMP runtime starts.
    os.environ.setdefault("OMP_WAIT_POLICY", "passive")
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(args.func(args))
    except (UnreadableFileError, ConfigError, FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        print(f"towerplan {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (InputError, TowerplanError) as exc:
        print(f"towerplan {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_DATA_ERRORS
    except KeyboardInterrupt:
        print(f"towerplan {args.command}: interrupted", file=sys.stderr)
        return 130
    except MemoryError:
        print(f"towerplan {args.command}: error: out of memory; use a coarser --resolution-m or a smaller area",
              file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:
        if args.debug:
            raise
        print(
            f"towerplan {args.command}: unexpected error: {type(exc).__name__}: {exc} "
            "(rerun with --debug for details, and please report it)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
