"""``towerplan gaps``: people covered, dead zones and road coverage from coverage rasters.

::

    towerplan gaps --coverage DIR --population POP --out DIR [--communes FILE] [--roads FILE]
        [--dem DEM] [--stations FILE] [--threshold-dbm -110] [--operator NAME] [--min-people 50]
        [--min-area-km2 0] [--min-density 10] [--household-size H] [--commune-name COLUMN]
        [--service-class outdoor|in_car|indoor] [--technology 4g] [--location-probability 0.75]

Reads every ``rsrp_<operator>_dbm.tif`` in ``--coverage`` (as ``towerplan coverage``
writes them, or made by another tool in that form: dBm, NaN/nodata = no signal).
Writes to ``--out``: ``gaps.gpkg`` (layers ``gaps``, and with communes
``commune_stats``, with roads ``road_coverage``), ``commune_stats.csv`` (UTF-8 with
BOM, so Excel shows Vietnamese names) and ``gaps_summary.json``. ``--service-class`` /
``--technology`` / ``--location-probability`` set the threshold from a service criterion
(``--service-class indoor --technology 4g``: people without indoor 4G; the rasters must hold that
technology's median levels, as ``towerplan coverage`` writes them) instead of ``--threshold-dbm``
(default -110 dBm, or the criterion ``towerplan coverage --service-class ...`` recorded in the folder's
``coverage_summary.json``); ``gaps_summary.json`` records it. Every file is
written atomically. When ``--coverage`` was made with ``towerplan coverage --sinr``, the speed
analysis (load model, people reaching the 4G/5G speed targets, speed gaps) is written too
(:mod:`towerplan.cli.radio_io`).
"""

from __future__ import annotations

import argparse
import logging
import re
import time
from pathlib import Path

logger = logging.getLogger(__name__)

_LEVEL_FILE = re.compile(r"^rsrp_(.+)_dbm\.tif$")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``gaps`` command to the CLI."""
    from towerplan.planning.gaps import GapConfig

    d = GapConfig()
    p = subparsers.add_parser(
        "gaps",
        help="people covered, dead zones (gap polygons) and road coverage from coverage rasters",
        description="Count people covered per operator and commune, find and rank uncovered populated areas.",
    )
    p.add_argument("--coverage", required=True, type=Path, help="folder with rsrp_<operator>_dbm.tif rasters")
    p.add_argument("--population", required=True, type=Path, help="population raster (people per cell)")
    p.add_argument("--out", required=True, type=Path, help="output folder (created)")
    p.add_argument("--communes", type=Path, help="commune polygons (GeoPackage, GeoJSON, Shapefile ...)")
    p.add_argument("--commune-name", help="column naming the communes (default: commune_vn, name, ...)")
    p.add_argument("--roads", type=Path, help="road lines (GeoPackage, GeoJSON ...)")
    p.add_argument("--dem", type=Path, help="elevation raster, for the gaps' mean and max elevation")
    p.add_argument("--stations", type=Path, help="station list, for distances to the nearest tower")
    p.add_argument("--threshold-dbm", type=float, default=None,
                   help=f"covered at or above (dBm; default {d.threshold_dbm:g}, or from --service-class)")
    p.add_argument("--operator", help="gaps of this operator only (default: no operator covers)")
    p.add_argument("--min-people", type=float, default=d.min_people, help="drop gaps with fewer people")
    p.add_argument("--min-area-km2", type=float, default=d.min_area_km2, help="drop smaller gaps (km2)")
    p.add_argument("--min-density", type=float, default=d.min_density_per_km2,
                   help="a cell is populated from this many people per km2")
    p.add_argument("--household-size", type=float, default=None, help="people per household (reports households)")
    from towerplan.cli.service_flags import add_service_arguments

    add_service_arguments(p)
    p.set_defaults(func=run)


def _recorded_criterion(folder: Path) -> dict | None:
    """The ``service_criterion`` that ``towerplan coverage`` recorded in ``folder``'s coverage_summary.json."""
    import json

    path = folder / "coverage_summary.json"
    try:
        record = json.loads(path.read_text(encoding="utf-8")).get("service_criterion")
    except (OSError, ValueError, AttributeError):
        return None
    if isinstance(record, dict) and isinstance(record.get("threshold_dbm"), int | float):
        return record
    return None


def run(args: argparse.Namespace) -> int:
    """Run ``towerplan gaps`` and return its exit code."""
    from towerplan.cli.service_flags import gap_threshold
    from towerplan.planning.gaps import GapConfig
    from towerplan.study.commands import gaps_run

    t0 = time.perf_counter()
    threshold, criterion = gap_threshold(args, GapConfig().threshold_dbm)
    if criterion is None and args.threshold_dbm is None:  # rasters of `towerplan coverage --service-class ...`
        recorded = _recorded_criterion(args.coverage)
        if recorded is not None:
            threshold, criterion = float(recorded["threshold_dbm"]), recorded
            logger.info("gaps: the service criterion the rasters were made with (%.2f dBm)", threshold)
    config = GapConfig(threshold_dbm=threshold, operator=args.operator, min_people=args.min_people,
                       min_area_km2=args.min_area_km2, min_density_per_km2=args.min_density,
                       household_size=args.household_size)
    done = gaps_run(args.coverage, args.population, args.out, config=config, communes=args.communes,
                    commune_name_column=args.commune_name, roads=args.roads, dem=args.dem, stations=args.stations,
                    criterion=criterion)
    from towerplan.cli.radio_io import speed_outputs  # `towerplan coverage --sinr` rasters: speed gaps too

    files = [*done.files, *speed_outputs(args.coverage, done.extras["population"], done.extras["communes"], args.out)]
    s = done.summary
    print(f"gaps: {s['total_people']:,.0f} people, {s['covered_any_operator']:,.0f} covered by any operator "
          f"({s['covered_any_pct']}%), {s['gap_count']} gaps with {s['gap_people']:,.0f} people; "
          f"{len(files)} files in {args.out} ({time.perf_counter() - t0:.1f} s)")
    for note in [*done.notes, *done.result.notes]:
        logger.warning("%s", note)
    return 0
