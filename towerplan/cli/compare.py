"""``towerplan compare PLAN_A PLAN_B --out DIR``: what plan B changes against plan A.

Both are plan package folders written by ``towerplan run`` (or unpacked downloads of the app's
Export page). DIR gets difference rasters, per-commune, per-village and proposal tables,
``comparison.xlsx``, ``comparison.json`` and ``comparison.html``
(:mod:`towerplan.export.compare_io`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``compare`` sub-command."""
    p = subparsers.add_parser(
        "compare", help="compare two plan packages: difference rasters, changes per commune and village, proposals",
        description="Compare two plan packages (folders written by `towerplan run`): difference rasters of the "
        "service after each plan, per-commune and per-village tables of what changed and the proposals that "
        "differ.")
    p.add_argument("plan_a", type=Path, metavar="PLAN_A", help="the reference plan package folder")
    p.add_argument("plan_b", type=Path, metavar="PLAN_B", help="the plan package folder compared with it")
    p.add_argument("--out", required=True, type=Path, metavar="DIR", help="output folder of the comparison")
    p.add_argument("--force", action="store_true", help="replace DIR if it exists")
    p.add_argument("--lang", choices=["vi", "en"], default="vi", help="language of comparison.html (default vi)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Compare, write and print one line of headline figures."""
    from towerplan.export.compare import PlanView, compare_plans
    from towerplan.export.compare_io import write_comparison

    for path in (args.plan_a, args.plan_b):
        if args.out.resolve() == path.resolve():
            from towerplan.errors import ConfigError

            raise ConfigError(f"--out {args.out} is one of the plans compared; choose another folder")
    result = compare_plans(PlanView.from_folder(args.plan_a, name="A"), PlanView.from_folder(args.plan_b, name="B"))
    write_comparison(result, args.out, force=args.force, lang=args.lang)
    s = result.summary
    if result.identical:
        print(f"compare: the plans are identical. Files in {args.out}")
        return 0
    print(f"compare: people covered B - A = {s['people_covered_change']:+,.0f}; {s['proposals_differing']} "
          f"proposal(s) differ; area gaining service {s['area_gained_km2']:,.2f} km2, losing "
          f"{s['area_lost_km2']:,.2f} km2; villages gaining {s['villages_gained']}, losing {s['villages_lost']}. "
          f"Files in {args.out}")
    return 0
