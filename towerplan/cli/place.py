"""``towerplan place``: propose shared towers for a study area.

    towerplan place --scenario DIR --budget-towers 10 [--method greedy|ilp] --out DIR
    towerplan place --scenario DIR --budget-vnd 20e9 --objective per_operator --out DIR
    towerplan place --scenario DIR --budget-towers 5 --objective backup --locked-in C-S0001 \\
        --candidates my_sites.csv --exclusions parks.gpkg --fibre-points pops.gpkg --out DIR
    towerplan place --scenario DIR --technology 5G --upgrades --target 0.99 --method ilp --out DIR
    towerplan place --scenario DIR --budget-vnd 200e9 --phasing 2027:60e9,60e9,80e9 --out DIR

What "served" means is the service criterion of ``run`` and ``gaps``: ``--service-class
outdoor|in_car|indoor``, ``--technology`` (the technology planned, default 4G),
``--location-probability``, ``--environment``, ``--sigma-db``, ``--building-type``,
``--building-probability`` (:mod:`towerplan.cli.service_flags`; default: outdoor at 75 %, as a
scenario without ``[service]`` keys); ``--threshold-dbm X`` alone keeps one fixed level instead.
``placement_summary.json`` records it as ``service_criterion``.

``--target SHARE`` asks for the least cost reaching that share of the people (e.g. 0.99, the
5G goal of Decision 36/QĐ-TTg) instead of the most people for a budget, and says how far it
falls short when the candidates cannot reach it (:mod:`towerplan.planning.targets`).
``--upgrades`` adds the operators' own sites as candidates for the planned technology (4G on
2G/3G sites, 5G on 4G sites in each operator's band: :mod:`towerplan.planning.upgrades`).
``--phasing YEAR:B1,B2,...`` gives every proposal a target year within yearly budgets (VND)
from YEAR (:mod:`towerplan.planning.phasing`); without another limit the budget is their sum.

DIR is a study-area folder as written by ``towerplan demo`` or ``towerplan fetch``
(``dem.tif``, ``population.tif``, ``stations.csv``; ``roads.gpkg``, ``candidates.csv``,
``exclusions.gpkg``, ``fibre_points.gpkg`` and ``landcover.tif`` are used when present, and
``--candidates``, ``--exclusions``, ``--fibre-points``, ``--landcover`` replace them), read by
:func:`towerplan.study.load_study_folder`. The command computes the current
coverage of the chosen technology and proposes towers with the steps ``towerplan
run`` and the app use (:func:`towerplan.study.commands.place_run`:
:func:`towerplan.study.run_coverage_step`, :func:`towerplan.study.run_placement_step`, which calls
:func:`towerplan.planning.shared_towers.propose_shared_towers`; candidates: tenancy
on every existing tower, greenfield high ground near the people without coverage,
your own list; backhaul by fibre along roads or microwave in line of sight; costs
in VND over a horizon (capex and present value); greedy or exact selection, equal
coverage broken by cost). Without a fibre layer, existing tower sites are assumed
fibre-fed, and the summary says so (``--no-fibre-assumption`` drops the assumption).
Microwave hops follow ITU-R P.530 (full first Fresnel zone at k = 4/3 and the low-k rule)
within the band's rain-limited hop length.

Writes, atomically, into ``--out``: ``proposals.gpkg`` (layers ``proposals`` and
``backhaul_routes``, EPSG:4326), ``proposals.csv``, ``curve.csv`` (cumulative people
and cost after each site), ``curve.png``, ``coverage_before_dbm.tif`` and
``coverage_after_dbm.tif`` (best level of the technology, COG, DEM grid) and
``placement_summary.json`` (objective, method, status, optimality gap, runtime).
(The TOML scenario format comes with ``towerplan run``.)
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from towerplan.errors import ConfigError

__all__ = ["register", "run"]

logger = logging.getLogger(__name__)


def _id_list(text: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in text.split(",") if v.strip())


def _phasing(text: str) -> tuple[int, tuple[float, ...]]:
    year, _, budgets = text.partition(":")
    try:
        return int(year), tuple(float(b) for b in budgets.split(",") if b.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected YEAR:B1,B2,... (e.g. 2027:60e9,60e9), got {text!r}") from exc


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("place", help="propose shared towers under a budget",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scenario", required=True, type=Path, help="study-area folder (dem.tif, population.tif, ...)")
    p.add_argument("--budget-towers", type=int, help="number of sites to choose")
    p.add_argument("--budget-vnd", type=float, help="money budget in VND (e.g. 20e9); may be combined with towers")
    p.add_argument("--method", choices=["greedy", "ilp"], default="greedy")
    p.add_argument("--objective", choices=["any", "per_operator", "backup", "speed"], default="any",
                   help="any: people without coverage; per_operator: person-operator pairs; "
                        "backup: people who get a second operator; speed: people brought up to the national "
                        "speed target (Decision 36/QĐ-TTg: 4G 40, 5G 100 Mbit/s; computes SINR)")
    p.add_argument("--threshold-dbm", type=float, default=None,
                   help="one fixed level (dBm) in place of the technology's service criterion (default: the "
                        "criterion of --service-class, outdoor at 75 %% by default)")
    from towerplan.cli.service_flags import add_service_arguments

    add_service_arguments(p)  # --technology (the technology planned, default 4G), --service-class, ...
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
    p.add_argument("--target", type=float, metavar="SHARE",
                   help="least cost to serve this share of the people (0-1, e.g. 0.99) instead of a budget")
    p.add_argument("--upgrades", action="store_true",
                   help="also add the technology to the operators' own sites (4G on 2G/3G, 5G on 4G)")
    p.add_argument("--phasing", type=_phasing, metavar="YEAR:B1,B2,...",
                   help="yearly budgets in VND from YEAR: every proposal gets a target year")
    p.add_argument("--no-carry-over", action="store_true", help="unspent money lapses at the end of each year")
    p.add_argument("--rain-rate-mm-h", type=float, default=110.0,
                   help="R0.01 rain rate of the region (ITU-R P.837; Thanh Hóa ~110 mm/h): sets the microwave hop "
                        "limit with --availability-pct (default %(default)s)")
    p.add_argument("--availability-pct", type=float, default=99.99,
                   help="yearly availability a microwave hop must reach against rain (default %(default)s)")
    p.add_argument("--climate", choices=["tropical", "temperate"], default="tropical",
                   help="ITU-R P.530 path-clearance climate (low-k rule: 0.6 F1 tropical, 0.3/0.0 temperate)")
    p.add_argument("--no-fibre-assumption", action="store_true",
                   help="without --fibre-points, do not assume existing towers are fibre-fed (no fibre option)")
    p.add_argument("--radio-sharing", choices=["per_operator", "shared"], default="per_operator",
                   help="per_operator: one radio per operator served, costed per operator; shared: one radio for "
                        "all (MOCN/MORAN RAN sharing)")
    p.add_argument("--horizon-years", type=float, default=10.0,
                   help="planning horizon: yearly costs (rent, power, upkeep, backhaul) counted over it (default "
                        "%(default)s)")
    p.add_argument("--discount-rate", type=float, default=0.10,
                   help="yearly discount rate of the present-value total (default %(default)s)")
    p.add_argument("--budget-basis", choices=["present_value", "capex"], default="present_value",
                   help="what --budget-vnd limits and what breaks ties between equal coverage")
    p.add_argument("--landcover", type=Path, metavar="FILE",
                   help="land-cover GeoTIFF (replaces the folder's landcover.tif): the clutter of P.1812 for the "
                        "existing sectors and the candidates alike")
    p.add_argument("--landcover-table", type=Path, metavar="FILE",
                   help="class table (CSV / TOML) of a land cover that is not ESA WorldCover")
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--calibration", type=Path, default=None,
                   help="calibration.json of `towerplan calibrate`: corrects the existing sectors' levels "
                        "(candidate sites keep the uncalibrated model)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from towerplan.cli.service_flags import command_service
    from towerplan.coverage.config import CoverageConfig
    from towerplan.planning.backhaul_p530 import ClearanceRule
    from towerplan.planning.backhaul_rain import MicrowaveLink
    from towerplan.planning.candidates import CandidateConfig
    from towerplan.planning.costs import CostModel
    from towerplan.planning.matrix import CandidateRadio
    from towerplan.planning.phasing import PhasingSettings
    from towerplan.planning.shared_towers import PlacementSettings
    from towerplan.planning.targets import TargetSettings
    from towerplan.study import StudySettings
    from towerplan.study.commands import place_run

    technology = args.technology or "4G"
    if args.scenario.suffix.lower() == ".toml":
        raise ConfigError(f"{args.scenario}: a TOML scenario; run it with `towerplan run` (place takes a study-area "
                          "folder)")
    if args.budget_towers is None and args.budget_vnd is None and args.target is None and args.phasing is None:
        raise ConfigError("give --budget-towers N and/or --budget-vnd X, --phasing YEAR:B1,B2,... or --target SHARE")
    if args.budget_towers is not None and args.budget_towers < 1:
        raise ConfigError("--budget-towers must be at least 1")
    if args.budget_vnd is not None and not args.budget_vnd > 0:
        raise ConfigError("--budget-vnd must be > 0")
    if args.max_greenfield < 1:
        raise ConfigError("--max-greenfield must be at least 1")
    placement = PlacementSettings(
        objective=args.objective, method=args.method, max_sites=args.budget_towers, budget_vnd=args.budget_vnd,
        mast_height_m=args.mast_height_m, time_limit_s=args.time_limit_s, must_include=tuple(args.must_include),
        forbidden=tuple(args.forbidden), locked_in=tuple(args.locked_in),
        microwave_freq_ghz=args.microwave_freq_ghz, include_colocation=not args.no_colocation,
        candidates=CandidateConfig(mast_height_m=args.mast_height_m, max_candidates=args.max_greenfield),
        include_upgrades=args.upgrades,
        target=None if args.target is None else TargetSettings(population_share=args.target),
        phasing=None if args.phasing is None else PhasingSettings(
            start_year=args.phasing[0], budgets_vnd=args.phasing[1],
            carry_over=not args.no_carry_over),
        # a 5G plan installs a 3-sector 5G radio (n78, massive-MIMO EIRP); upgrades use each operator's band
        radio=CandidateRadio(technology="5G", freq_mhz=3550.0, eirp_dbm=74.0) if technology == "5G"
        else CandidateRadio(),
        costs=CostModel(horizon_years=args.horizon_years, discount_rate=args.discount_rate,
                        budget_basis=args.budget_basis),
        microwave=MicrowaveLink(rain_rate_mm_h=args.rain_rate_mm_h, availability_pct=args.availability_pct,
                                clearance=ClearanceRule(climate=args.climate)),
        radio_sharing=args.radio_sharing, assume_towers_fed=not args.no_fibre_assumption,
    )
    # the speed objective reads the current SINR and speeds: the coverage step computes them
    service = command_service(args, default=True)
    coverage = CoverageConfig(sinr=args.objective == "speed")
    if service is None:
        coverage = CoverageConfig(threshold_dbm=args.threshold_dbm, sinr=coverage.sinr)
    settings = StudySettings.create(coverage=coverage, technologies=(technology,), placement=placement,
                                    service=service)
    done = place_run(args.scenario, args.out, settings=settings,
                     files={"candidates": args.candidates, "exclusions": args.exclusions,
                            "fibre_points": args.fibre_points, "landcover": args.landcover,
                            "landcover_table": args.landcover_table}, calibration=args.calibration)
    summary = done.summary
    gap = summary["optimality_gap"]
    if "target" in summary:
        t = summary["target"]
        most = t["share_reachable_max"] or 0.0
        print(f"place: target {'reached' if t['reachable'] else 'out of reach'}: "
              f"{(t['share_reached'] or 0.0):.2%} of the people served (at most {most:.2%} "
              f"with these candidates; {t['people_out_of_reach']:,.0f} people out of reach)")
    for year in (summary.get("phasing") or {}).get("years", []):
        print(f"place: {year['year']}: {year['sites']} site(s), {year['spent_vnd'] / 1e9:,.2f} bn VND, "
              f"{year['people_covered_cumulative']:,.0f} people served")
    print(f"place: {summary['proposals']} site(s) newly cover {summary['people_newly_covered']:,.0f} "
          f"{summary['unit']} ({summary['people_without_coverage']:,.0f} people lack {technology} from every "
          f"operator at {summary['threshold_dbm']:.1f} dBm) for {summary['capex_vnd'] / 1e9:,.2f} bn VND capex, "
          f"{summary['present_value_vnd'] / 1e9:,.2f} bn VND over {summary['horizon_years']:g} years "
          f"({summary['method']}, gap {'n/a' if gap is None else f'{gap:.2%}'}); files in {args.out}")
    from towerplan.cli.run import summary_text

    print(summary_text(summary, lang="en", command="place"))  # the study summary's figures (as `run`, the app)
    for warning in summary.get("warnings") or ():
        print(f"warning: {warning}")
    return 0
