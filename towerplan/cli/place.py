"""``towerplan place``: propose shared towers for a study area.

    towerplan place --scenario DIR --budget-towers 10 [--method greedy|ilp] --out DIR
    towerplan place --scenario DIR --budget-vnd 20e9 --objective per_operator --out DIR

DIR is a study-area folder as written by ``towerplan demo`` or ``towerplan fetch``
(``dem.tif``, ``population.tif``, ``stations.csv``; ``roads.gpkg`` optional). The
command computes the current coverage of the chosen technology, finds the people
without it, generates candidates (tenancy on every existing tower, greenfield high
ground near the gaps), computes what each would cover with the same models, and
chooses sites. Writes ``proposals.gpkg``, ``proposals.csv``, ``curve.csv`` and
``placement_summary.json`` (objective, method, optimality gap, runtime), atomically.
(The TOML scenario format comes with ``towerplan run``.)
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

import numpy as np

from towerplan._atomic import atomic_path
from towerplan.errors import ConfigError, UnreadableFileError

__all__ = ["register"]

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("place", help="propose shared towers under a budget",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scenario", required=True, type=Path, help="study-area folder (dem.tif, population.tif, ...)")
    budget = p.add_mutually_exclusive_group(required=True)
    budget.add_argument("--budget-towers", type=int, help="number of sites to choose")
    budget.add_argument("--budget-vnd", type=float, help="money budget in VND (e.g. 20e9)")
    p.add_argument("--method", choices=["greedy", "ilp"], default="greedy")
    p.add_argument("--objective", choices=["any", "per_operator"], default="any")
    p.add_argument("--technology", default="4G", choices=["2G", "3G", "4G", "5G"],
                   help="technology whose coverage is planned (default 4G)")
    p.add_argument("--threshold-dbm", type=float, default=-110.0)
    p.add_argument("--mast-height-m", type=float, default=40.0)
    p.add_argument("--time-limit-s", type=float, default=60.0)
    p.add_argument("--out", required=True, type=Path)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import geopandas as gpd
    import pandas as pd
    from pyproj import Transformer

    from towerplan.coverage.config import CoverageConfig
    from towerplan.coverage.engine import run_coverage
    from towerplan.planning.candidates import CandidateConfig, colocation_candidates, greenfield_candidates
    from towerplan.planning.placement import plan_towers
    from towerplan.population import read_population
    from towerplan.rasters import read_grid
    from towerplan.stations import read_stations
    from towerplan.vectors import read_roads

    t0 = time.perf_counter()
    folder: Path = args.scenario
    if not folder.is_dir():
        raise UnreadableFileError(f"{folder}: not a study-area folder (TOML scenarios come with `towerplan run`)")
    for name in ("dem.tif", "population.tif", "stations.csv"):
        if not (folder / name).exists():
            raise UnreadableFileError(f"{folder}: {name} is missing")
    if args.budget_towers is not None and args.budget_towers < 1:
        raise ConfigError("--budget-towers must be at least 1")
    if args.budget_vnd is not None and not args.budget_vnd > 0:
        raise ConfigError("--budget-vnd must be > 0")
    dem = read_grid(folder / "dem.tif")
    dem.require_metric()
    pop = read_population(folder / "population.tif", dem).grid
    stations = read_stations(folder / "stations.csv").stations
    stations = stations[stations["technology"] == args.technology].reset_index(drop=True)
    if stations.empty:
        raise ConfigError(f"no {args.technology} sectors in {folder / 'stations.csv'}")
    config = CoverageConfig(threshold_dbm=args.threshold_dbm)
    current = run_coverage(dem, pd.DataFrame(stations.drop(columns="geometry")), config=config)
    levels = current.operator_levels
    covered_any = np.logical_or.reduce([np.isfinite(g.values) for g in levels.values()])
    people = pop.values
    serve = (people > 0) & ~covered_any
    roads = read_roads(folder / "roads.gpkg").to_crs(dem.crs).geometry if (folder / "roads.gpkg").exists() else None
    x, y = Transformer.from_crs(4326, dem.crs, always_xy=True).transform(stations["lon"].to_numpy(),
                                                                         stations["lat"].to_numpy())
    existing = np.c_[x, y]
    green = greenfield_candidates(dem, serve, config=CandidateConfig(mast_height_m=args.mast_height_m),
                                  roads=roads, existing_xy=existing)
    coloc = colocation_candidates(stations, dem)
    cands = gpd.GeoDataFrame(pd.concat([coloc, green], ignore_index=True), crs=dem.crs)
    result = plan_towers(
        dem, pop, levels, cands, objective=args.objective, max_sites=args.budget_towers,
        budget_vnd=args.budget_vnd, method=args.method, config=config, time_limit_s=args.time_limit_s,
    )
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    props = result.proposals
    with atomic_path(out / "proposals.gpkg") as tmp:
        props.to_crs(4326).to_file(tmp, layer="proposals", driver="GPKG")
    with atomic_path(out / "proposals.csv") as tmp:
        pd.DataFrame(props.drop(columns="geometry")).to_csv(tmp, index=False, encoding="utf-8-sig")
    with atomic_path(out / "curve.csv") as tmp:
        result.curve.to_csv(tmp, index=False)
    sel = result.selection
    summary = {
        "objective": result.objective, "method": sel.method, "status": sel.status,
        "optimality_gap": None if np.isnan(sel.gap) else sel.gap, "runtime_s": round(sel.runtime_s, 3),
        "technology": args.technology, "threshold_dbm": args.threshold_dbm,
        "budget": {"towers": args.budget_towers, "vnd": args.budget_vnd},
        "people_total": float(people.sum()), "people_without_coverage": float(people[serve].sum()),
        "demand_weight": result.demand_weight, "candidates": {"colocation": len(coloc), "greenfield": len(green)},
        "proposals": len(props), "people_newly_covered": float(props["people_newly_covered"].sum()) if len(props)
        else 0.0, "cost_vnd": float(props["cost_vnd"].sum()) if len(props) else 0.0,
        "total_runtime_s": round(time.perf_counter() - t0, 3),
    }
    unit = "people" if args.objective == "any" else "person-operator pairs"
    summary["unit"] = unit
    with atomic_path(out / "placement_summary.json") as tmp:
        Path(tmp).write_text(json.dumps(summary, indent=2), encoding="utf-8")
    print(f"place: {len(props)} site(s) newly cover {summary['people_newly_covered']:,.0f} {unit} "
          f"({summary['people_without_coverage']:,.0f} people lack {args.technology} from every operator) for "
          f"{summary['cost_vnd'] / 1e9:,.2f} bn VND ({sel.method}, gap {summary['optimality_gap']}); files in {out}")
    return 0
