"""``towerplan place``: propose shared towers for a study area.

    towerplan place --scenario DIR --budget-towers 10 [--method greedy|ilp] --out DIR
    towerplan place --scenario DIR --budget-vnd 20e9 --objective per_operator --out DIR
    towerplan place --scenario DIR --budget-towers 5 --objective backup --locked-in C-S0001 \\
        --candidates my_sites.csv --exclusions parks.gpkg --fibre-points pops.gpkg --out DIR

DIR is a study-area folder as written by ``towerplan demo`` or ``towerplan fetch``
(``dem.tif``, ``population.tif``, ``stations.csv``; ``roads.gpkg``, ``candidates.csv``,
``exclusions.gpkg`` and ``fibre_points.gpkg`` are used when present, and
``--candidates``, ``--exclusions``, ``--fibre-points`` replace them), read by
:func:`towerplan.workflow.load_study_folder`. The command computes the current
coverage of the chosen technology and proposes towers with the steps ``towerplan
run`` and the app use (:func:`towerplan.workflow.run_coverage_step`,
:func:`towerplan.workflow.run_placement_step`, which calls
:func:`towerplan.planning.shared_towers.propose_shared_towers`; candidates: tenancy
on every existing tower, greenfield high ground near the people without coverage,
your own list; backhaul by fibre along roads or microwave in line of sight; costs
in VND; greedy or exact selection). Without a fibre layer, existing tower sites
count as fibre-fed.

Writes, atomically, into ``--out``: ``proposals.gpkg`` (layers ``proposals`` and
``backhaul_routes``, EPSG:4326), ``proposals.csv``, ``curve.csv`` (cumulative people
and cost after each site), ``curve.png``, ``coverage_before_dbm.tif`` and
``coverage_after_dbm.tif`` (best level of the technology, COG, DEM grid) and
``placement_summary.json`` (objective, method, status, optimality gap, runtime).
(The TOML scenario format comes with ``towerplan run``.)
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from towerplan._atomic import atomic_path
from towerplan.errors import ConfigError
from towerplan.textsafe import formula_safe_frame
from towerplan.workflow import TECHNOLOGIES

__all__ = ["register", "write_curve_png"]

logger = logging.getLogger(__name__)


def _id_list(text: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in text.split(",") if v.strip())


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("place", help="propose shared towers under a budget",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scenario", required=True, type=Path, help="study-area folder (dem.tif, population.tif, ...)")
    p.add_argument("--budget-towers", type=int, help="number of sites to choose")
    p.add_argument("--budget-vnd", type=float, help="money budget in VND (e.g. 20e9); may be combined with towers")
    p.add_argument("--method", choices=["greedy", "ilp"], default="greedy")
    p.add_argument("--objective", choices=["any", "per_operator", "backup"], default="any",
                   help="any: people without coverage; per_operator: person-operator pairs; "
                        "backup: people who get a second operator")
    p.add_argument("--technology", default="4G", choices=list(TECHNOLOGIES),
                   help="technology whose coverage is planned (default 4G)")
    p.add_argument("--threshold-dbm", type=float, default=-110.0)
    p.add_argument("--mast-height-m", type=float, default=40.0)
    p.add_argument("--time-limit-s", type=float, default=60.0)
    p.add_argument("--must-include", type=_id_list, default=(), metavar="ID[,ID]", help="candidate ids forced in")
    p.add_argument("--forbidden", type=_id_list, default=(), metavar="ID[,ID]", help="candidate ids left out")
    p.add_argument("--locked-in", type=_id_list, default=(), metavar="ID[,ID]",
                   help="candidate ids already decided: their coverage counts as existing")
    p.add_argument("--candidates", type=Path, metavar="FILE",
                   help="your candidate sites: CSV (x/y in the DEM CRS or lon/lat; candidate_id, mast_height_m) "
                        "or a point layer (GeoJSON, GeoPackage)")
    p.add_argument("--exclusions", type=Path, metavar="FILE", help="polygons where no new mast may stand")
    p.add_argument("--fibre-points", type=Path, metavar="FILE",
                   help="points with fibre (default: existing tower sites count as fed)")
    p.add_argument("--max-greenfield", type=int, default=2000, metavar="N",
                   help="keep at most N greenfield candidates, best high ground first (default %(default)s)")
    p.add_argument("--no-colocation", action="store_true", help="do not consider tenancy on existing towers")
    p.add_argument("--microwave-freq-ghz", type=float, default=15.0, help="microwave backhaul frequency (GHz)")
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--calibration", type=Path, default=None,
                   help="calibration.json of `towerplan calibrate`: corrects the existing sectors' levels "
                        "(candidate sites keep the uncalibrated model)")
    p.set_defaults(func=run)


def write_curve_png(curve, path: Path, *, unit: str, title: str = "") -> None:
    """The coverage-versus-towers and coverage-versus-budget curves as one PNG (matplotlib, Agg)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4.2), dpi=110)
    ax1, ax2 = fig.subplots(1, 2)
    towers = np.r_[0, curve["towers"].to_numpy(float)]
    people = np.r_[0, curve["people_newly_covered"].to_numpy(float)]
    cost_bn = np.r_[0, curve["cost_vnd"].to_numpy(float)] / 1e9
    ax1.plot(towers, people, marker="o", color="#1f77b4")
    ax1.set_xlabel("towers (sites in build order)")
    ax1.set_ylabel(f"{unit} newly covered")
    ax1.set_title("coverage versus towers")
    ax2.plot(cost_bn, people, marker="o", color="#d62728")
    ax2.set_xlabel("cumulative cost (bn VND)")
    ax2.set_ylabel(f"{unit} newly covered")
    ax2.set_title("coverage versus budget")
    ax1.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    for ax in (ax1, ax2):
        ax.grid(True, alpha=0.3)
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")


def run(args: argparse.Namespace) -> int:
    import geopandas as gpd
    import pandas as pd

    from towerplan.coverage.config import CoverageConfig
    from towerplan.planning.candidates import CandidateConfig
    from towerplan.planning.shared_towers import PlacementSettings
    from towerplan.rasters import write_grid
    from towerplan.workflow import load_study_folder, run_coverage_step, run_placement_step

    t0 = time.perf_counter()
    if args.scenario.suffix.lower() == ".toml":
        raise ConfigError(f"{args.scenario}: a TOML scenario; run it with `towerplan run` (place takes a study-area "
                          "folder)")
    if args.budget_towers is None and args.budget_vnd is None:
        raise ConfigError("give --budget-towers N and/or --budget-vnd X")
    if args.budget_towers is not None and args.budget_towers < 1:
        raise ConfigError("--budget-towers must be at least 1")
    if args.budget_vnd is not None and not args.budget_vnd > 0:
        raise ConfigError("--budget-vnd must be > 0")
    if args.max_greenfield < 1:
        raise ConfigError("--max-greenfield must be at least 1")
    settings = PlacementSettings(
        objective=args.objective, method=args.method, max_sites=args.budget_towers, budget_vnd=args.budget_vnd,
        mast_height_m=args.mast_height_m, time_limit_s=args.time_limit_s, must_include=tuple(args.must_include),
        forbidden=tuple(args.forbidden), locked_in=tuple(args.locked_in),
        microwave_freq_ghz=args.microwave_freq_ghz, include_colocation=not args.no_colocation,
        candidates=CandidateConfig(mast_height_m=args.mast_height_m, max_candidates=args.max_greenfield),
    )
    inputs = load_study_folder(args.scenario, files={"candidates": args.candidates, "exclusions": args.exclusions,
                                                     "fibre_points": args.fibre_points})
    if args.calibration is not None:  # existing sectors only: candidate radios are not corrected
        import dataclasses

        from towerplan.measurements import apply_calibration, read_calibration

        inputs = dataclasses.replace(inputs, stations=apply_calibration(inputs.stations,
                                                                         read_calibration(args.calibration)))
    config = CoverageConfig(threshold_dbm=args.threshold_dbm)
    current = run_coverage_step(inputs, config, technologies=(args.technology,))
    plan = run_placement_step(inputs, current, settings, coverage_config=config)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    props = plan.result.proposals
    routes = plan.backhaul_routes
    with atomic_path(out / "proposals.gpkg") as tmp:
        props.to_crs(4326).to_file(tmp, layer="proposals", driver="GPKG", engine="pyogrio")
        gpd.GeoDataFrame(routes, geometry=routes.geometry.name, crs=routes.crs).to_crs(4326).to_file(
            tmp, layer="backhaul_routes", driver="GPKG", engine="pyogrio", append=False, geometry_type="LineString"
        )
    with atomic_path(out / "proposals.csv") as tmp:
        formula_safe_frame(pd.DataFrame(props.drop(columns="geometry"))).to_csv(tmp, index=False, encoding="utf-8-sig")
    with atomic_path(out / "curve.csv") as tmp:
        plan.result.curve.to_csv(tmp, index=False)
    tags = {"content": f"best {args.technology} level, dBm (NaN: below {args.threshold_dbm} dBm)"}
    write_grid(plan.before, out / "coverage_before_dbm.tif", tags={**tags, "state": "before"})
    write_grid(plan.after, out / "coverage_after_dbm.tif", tags={**tags, "state": "after the proposals"})
    write_curve_png(plan.result.curve, out / "curve.png", unit=settings.unit,
                    title=f"{args.technology} shared towers: {settings.objective}, {settings.method}")
    summary: dict[str, Any] = plan.summary()
    summary.update({
        "technology": args.technology, "threshold_dbm": args.threshold_dbm,
        "people_total": float(inputs.population.masked(fill=0.0).sum()),
        "total_runtime_s": round(time.perf_counter() - t0, 3),
    })
    with atomic_path(out / "placement_summary.json") as tmp:
        Path(tmp).write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    gap = summary["optimality_gap"]
    print(f"place: {len(props)} site(s) newly cover {summary['people_newly_covered']:,.0f} {summary['unit']} "
          f"({summary['people_without_coverage']:,.0f} people lack {args.technology} from every operator) for "
          f"{summary['cost_vnd'] / 1e9:,.2f} bn VND ({summary['method']}, gap "
          f"{'n/a' if gap is None else f'{gap:.2%}'}); files in {out}")
    return 0
