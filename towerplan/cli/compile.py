"""``towerplan compile``: compile the coverage kernels ahead, e.g. once after installing.

::

    towerplan compile [--no-matrix]

numba compiles each kernel the first time a run calls it (a new install's first coverage run pays ~2 minutes of
CPU for it) and keeps the machine code in its on-disk cache, so later runs load it in about a second. This command
pays that compile now (``towerplan.coverage.engine.warm_up``: tiny runs that pass the kernels the argument types
real runs pass them): run it after installing, or in a server's image, so that the first user's run does not wait.
It prints where the cache went: the package's ``__pycache__`` folders, or with a package folder that is not
writable (an installed wheel) numba's user-wide cache (``~/.cache/numba``), or ``NUMBA_CACHE_DIR`` when set.
"""

from __future__ import annotations

import argparse
import time

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``compile`` command to the CLI."""
    p = subparsers.add_parser("compile", help="compile the coverage kernels ahead (once, e.g. after installing)",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--no-matrix", action="store_true", help="leave out the candidate matrix's kernels")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``towerplan compile`` and return its exit code."""
    from towerplan.coverage.engine import kernel_cache_dir, warm_up

    t0, c0 = time.perf_counter(), time.process_time()
    warm_up(matrix=not args.no_matrix)
    cache = kernel_cache_dir()
    print(f"towerplan compile: kernels compiled or loaded in {time.perf_counter() - t0:.1f} s "
          f"({time.process_time() - c0:.1f} s CPU); cache: {cache}")
    return 0
