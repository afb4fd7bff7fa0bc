"""``towerplan demo``: write the synthetic demo province's input files to a folder."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from towerplan.demo import (
    DEFAULT_RESOLUTION_M,
    DEFAULT_SEED,
    DEMO_LABEL,
    MAX_RESOLUTION_M,
    MIN_RESOLUTION_M,
    check_options,
    write_demo,
)
from towerplan.errors import ConfigError, InputError

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``demo`` sub-command."""
    parser = subparsers.add_parser(
        "demo",
        help="write the synthetic demo province (DEM, population, stations, communes, roads)",
        description=(
            f"Write the inputs of the {DEMO_LABEL}: dem.tif, population.tif, stations.csv, "
            "communes.gpkg, roads.gpkg, province.gpkg and README.txt. The same seed always "
            "gives the same files."
        ),
    )
    parser.add_argument("--out", required=True, type=Path, metavar="DIR", help="folder to write into")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument(
        "--resolution-m",
        type=float,
        default=DEFAULT_RESOLUTION_M,
        metavar="M",
        help=(
            f"raster cell size in metres, {MIN_RESOLUTION_M:g}-{MAX_RESOLUTION_M:g} (default {DEFAULT_RESOLUTION_M:g})"
        ),
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the files and list them; exit code 0 (bad options: 2 via :class:`ConfigError`)."""
    try:
        seed, resolution_m = check_options(seed=args.seed, resolution_m=args.resolution_m)
    except InputError as exc:
        raise ConfigError(str(exc)) from exc
    start = time.perf_counter()
    paths = write_demo(args.out, seed=seed, resolution_m=resolution_m)
    print(f"{DEMO_LABEL}: seed {seed}, {resolution_m:g} m, {time.perf_counter() - start:.1f} s")
    for path in paths.values():
        print(f"  wrote {path} ({path.stat().st_size / 1024:,.0f} KiB)")
    return 0
