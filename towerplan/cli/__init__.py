"""The ``towerplan`` command line.

Each sub-command lives in its own module of this package and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a function
taking the parsed namespace and returning an exit code.

Exit codes (every command): 0 success; 1 the input was read but has errors
(e.g. invalid station rows); 2 unreadable file, bad usage or invalid settings.
No command ends with a Python traceback for a user error; unexpected failures
print one line and exit 3 (``--debug`` shows the traceback).
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

__all__ = ["build_parser", "main"]

#: sub-command modules, in the order they are listed by ``--help``
_COMMAND_MODULES: tuple[str, ...] = ("validate", "demo", "itm", "p1812", "fetch", "coverage", "gaps", "place", "run",
                                     "calibrate")

EXIT_OK = 0
EXIT_DATA_ERRORS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose usage errors exit 2 with one clear line (argparse's own code)."""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="towerplan",
        description="Telecom coverage, dead zones and shared-tower planning.",
    )
    parser.add_argument("--version", action="version", version=f"towerplan {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv: debug)")
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks on unexpected errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        module = importlib.import_module(f"towerplan.cli.{name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (never raises for user errors)."""
    # numba's OpenMP threads spin while waiting; on a busy shared machine that made 4G coverage
    # 5x slower. Passive waiting must be chosen before the OpenMP runtime starts.
    os.environ.setdefault("OMP_WAIT_POLICY", "passive")
    parser = build_parser()
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
