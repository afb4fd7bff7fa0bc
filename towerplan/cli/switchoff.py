"""``towerplan switchoff``: who loses every service when 2G/3G are switched off.

::

    towerplan switchoff --scenario DIR --off 2G --out DIR
    towerplan switchoff --scenario DIR --date 2028-10-01 [--add-4g] [--threshold-dbm -110] --out DIR

DIR is a study-area folder (``towerplan demo`` / ``towerplan fetch``: ``dem.tif``,
``population.tif``, ``stations.csv``, ``communes.gpkg`` when present). ``--off`` names the
technologies switched off; ``--date`` switches off what the calendar has ended by then
(GSM on 15 September 2026, 3G by September 2028: :mod:`towerplan.planning.switchoff`).
Every operator's layers are modelled apart (:mod:`towerplan.study.switchoff_step`);
``--add-4g`` also puts a 4G radio on the sites that lack one and reports what it wins back.

Writes into ``--out``: ``switch_off.csv`` (per commune and operator: people served before,
after, losing every service, gained; villages and households when the study has villages),
``switch_off_sites.csv`` (the sites to act on, ``needs_4g_radio``) and ``switch_off_summary.json``.
The same analysis runs in ``towerplan run`` with a ``[switch_off]`` section.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

__all__ = ["register", "run"]

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``switchoff`` command to the CLI."""
    p = subparsers.add_parser("switchoff", help="who loses every service when 2G/3G are switched off",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scenario", required=True, type=Path, help="study-area folder (dem.tif, population.tif, ...)")
    p.add_argument("--off", default="", metavar="TECH[,TECH]", help="technologies switched off, e.g. 2G or 2G,3G")
    p.add_argument("--date", default=None, metavar="YYYY-MM-DD", help="switch off what the calendar ended by then")
    p.add_argument("--add-4g", action="store_true", help="count a 4G radio added on every site lacking one")
    p.add_argument("--threshold-dbm", type=float, default=-110.0, help="served at or above (dBm)")
    p.add_argument("--out", required=True, type=Path)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``towerplan switchoff`` and return its exit code."""
    from towerplan._atomic import atomic_path
    from towerplan.coverage.config import CoverageConfig
    from towerplan.planning.plan_summary import switch_off_summary
    from towerplan.planning.switchoff import SwitchOffSettings
    from towerplan.study import StudySettings
    from towerplan.study.folder import load_study_folder
    from towerplan.study.switchoff_step import run_switch_off_step
    from towerplan.textsafe import formula_safe_frame

    off = tuple(t.strip().upper() for t in args.off.split(",") if t.strip())
    settings = StudySettings.create(coverage=CoverageConfig(threshold_dbm=args.threshold_dbm), technologies=None,
                                    switch_off=SwitchOffSettings(technologies=off, date=args.date,
                                                                 add_4g_on_lost_sites=args.add_4g))
    inputs = load_study_folder(args.scenario)
    impact = run_switch_off_step(inputs, settings)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, frame in (("switch_off.csv", impact.by_commune), ("switch_off_sites.csv", impact.sites)):
        with atomic_path(args.out / name) as tmp:
            formula_safe_frame(frame).to_csv(tmp, index=False, encoding="utf-8-sig")
    summary = switch_off_summary(impact)
    with atomic_path(args.out / "switch_off_summary.json") as tmp:
        Path(tmp).write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"switchoff: {'+'.join(impact.off) or 'nothing'} off: {summary['people_lost']:,.0f} people lose every "
          f"service ({summary['people_before']:,.0f} served before, {summary['people_after']:,.0f} after, "
          f"{summary['people_gained']:,.0f} gained); {int(summary['sites_to_act'] or 0)} sites to act on, "
          f"{int(summary['sites_needing_4g_radio'] or 0)} without 4G; files in {args.out}")
    return 0
