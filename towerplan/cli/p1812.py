"""``towerplan p1812``: ITU-R P.1812-7 predictions for a DBSG3 path file.

::

    towerplan p1812 --sg3db FILE [--location-percent P] [--location-sigma-db S]

reads one path file in the ITU-R Study Group 3 data-bank layout
(:mod:`towerplan.coverage.sg3db`) and prints one CSV row per dataset (numbered
from 0 in file order): ``dataset,freq_mhz,time_percent,lb_db,ep_dbuv_m``. ΔN and
N0 come from the file; the field strength is for the dataset's ERP (1 kW when the
file gives none).

Exit codes: 0 every dataset computed; 1 a dataset's inputs are outside the
Recommendation's ranges; 2 unreadable or malformed file (the message names the line).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

_COLUMNS = ("dataset", "freq_mhz", "time_percent", "lb_db", "ep_dbuv_m")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``p1812`` command to the CLI."""
    parser = subparsers.add_parser(
        "p1812",
        help="ITU-R P.1812 basic transmission loss for a DBSG3 path file",
        description="Predict Lb and the field strength with ITU-R P.1812-7 for every dataset of an SG3 "
                    "data-bank (DBSG3) path file and print them as CSV.",
    )
    parser.add_argument("--sg3db", required=True, type=Path, help="DBSG3 CSV path file")
    parser.add_argument("--location-percent", type=float, default=50.0,
                        help="pL: percentage of locations (default 50)")
    parser.add_argument("--location-sigma-db", type=float, default=0.0,
                        help="sigma_L: location variability, dB (default 0: no location correction)")
    parser.add_argument("--decimals", type=int, default=8, help="decimals of lb_db and ep_dbuv_m (default 8)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """``towerplan p1812``: print the predictions of every dataset."""
    from towerplan.coverage.p1812 import predict_sg3
    from towerplan.coverage.sg3db import read_sg3db
    from towerplan.errors import ConfigError

    if not 0.0 < args.location_percent < 100.0:
        raise ConfigError(f"--location-percent {args.location_percent} must be within (0, 100)")
    if not args.location_sigma_db >= 0.0:
        raise ConfigError(f"--location-sigma-db {args.location_sigma_db} must be >= 0")
    path = read_sg3db(args.sg3db)
    rows = predict_sg3(path, location_percent=args.location_percent, location_sigma_db=args.location_sigma_db)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(_COLUMNS)
    k = max(args.decimals, 0)
    for r in rows:
        writer.writerow([r.dataset, f"{r.freq_mhz:g}", f"{r.time_percent:g}", f"{r.lb_db:.{k}f}",
                         f"{r.ep_dbuv_m:.{k}f}"])
    sys.stdout.write(buffer.getvalue())
    return 0
