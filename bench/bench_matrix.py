"""Benchmark: the coverage matrix of candidate sites (`towerplan.planning.matrix.coverage_matrix`).

On the synthetic demo province at 90 m (the `towerplan place --scenario demo` set-up: current 4G
coverage of the demo network at -110 dBm, demand = populated cells that no operator covers),
greenfield candidates from `greenfield_candidates` with a smaller spacing and a larger cap, so
that their number reaches --candidates (10,000: a spacing of 379 m, capped at 10,000). Times the
fast path (`coverage_matrix`) and, with --per-candidate, the reference path (one `run_coverage` call
per candidate, `coverage_matrix_per_candidate`) on all candidates, or with --check N on the first
N only, and asserts that both give the same rows.

    python bench/bench_matrix.py --candidates 788 --spacing-m 1500 --repeat 3 --per-candidate
    python bench/bench_matrix.py --candidates 10000 --repeat 3 --check 300
    python bench/bench_matrix.py --candidates 10000 --profile      # cProfile of one run
    python bench/bench_matrix.py --candidates 10000 --land-cover --sample 300 --seed 2 --workers 1 --check 10

``--land-cover`` reads the demo's ``landcover.tif`` onto the DEM (``auto`` = P.1812 with clutter, as the
plan's matrix); ``--sample N --seed S`` times a random N of the candidates (the set is still built
from --candidates); ``--workers`` as ``coverage_matrix(workers=...)``.

`demo_instance()` is shared with `bench_spopt.py` (the demo's real placement instance).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import statistics
import time
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from matrix_reference import coverage_matrix_per_candidate
from pyproj import Transformer

from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.engine import run_coverage, warm_up
from towerplan.demo import demo_dir
from towerplan.landcover import read_land_cover
from towerplan.planning.candidates import CandidateConfig, colocation_candidates, greenfield_candidates
from towerplan.planning.matrix import coverage_matrix
from towerplan.population import read_population
from towerplan.rasters import read_grid
from towerplan.stations import read_stations
from towerplan.vectors import read_roads

CACHE = Path(os.environ.get("TOWERPLAN_CACHE", Path.home() / ".cache" / "towerplan"))


def demo_inputs(resolution_m: float = 90.0, technology: str = "4G", threshold_dbm: float = -110.0) -> dict:
    """The demo's DEM, people, current coverage and demand mask, as `towerplan place` builds them."""
    folder = demo_dir(CACHE, resolution_m=resolution_m)
    dem = read_grid(folder / "dem.tif")
    pop = read_population(folder / "population.tif", dem).grid
    stations = read_stations(folder / "stations.csv").stations
    stations = stations[stations["technology"] == technology].reset_index(drop=True)
    config = CoverageConfig(threshold_dbm=threshold_dbm)
    current = run_coverage(dem, pd.DataFrame(stations.drop(columns="geometry")), config=config)
    covered_any = np.logical_or.reduce([np.isfinite(g.values) for g in current.operator_levels.values()])
    people = pop.masked(fill=0.0)
    serve = (people > 0) & ~covered_any
    roads = read_roads(folder / "roads.gpkg").to_crs(dem.crs).geometry
    x, y = Transformer.from_crs(4326, dem.crs, always_xy=True).transform(stations["lon"].to_numpy(),
                                                                         stations["lat"].to_numpy())
    return {"dem": dem, "people": people, "serve": serve, "roads": roads, "existing_xy": np.c_[x, y],
            "stations": stations, "config": config}


def demo_candidates(inp: dict, *, spacing_m: float = 1500.0, max_candidates: int = 2000,
                    colocation: bool = False) -> gpd.GeoDataFrame:
    """Greenfield candidates near the demo's gaps (plus tenancy on every tower with ``colocation``)."""
    green = greenfield_candidates(inp["dem"], inp["serve"], roads=inp["roads"], existing_xy=inp["existing_xy"],
                                  config=CandidateConfig(min_spacing_m=spacing_m, max_candidates=max_candidates))
    if not colocation:
        return green
    coloc = colocation_candidates(inp["stations"], inp["dem"])
    return gpd.GeoDataFrame(pd.concat([coloc, green], ignore_index=True), crs=inp["dem"].crs)


def demo_instance(*, spacing_m: float = 1500.0, max_candidates: int = 2000):
    """The demo's real placement instance (objective ``any``): (covers, people per column, n candidates).

    Candidates: tenancy on every existing 4G tower plus greenfield high ground near the gaps (as
    `towerplan place --scenario demo` builds them); demand: populated cells without 4G.
    """
    inp = demo_inputs()
    cands = demo_candidates(inp, spacing_m=spacing_m, max_candidates=max_candidates, colocation=True)
    covers, cells = coverage_matrix(inp["dem"], cands, inp["serve"], config=inp["config"])
    return covers, inp["people"].ravel()[cells], cands


def _spacing_for(n: int) -> float:
    # a greenfield spacing that yields a little more than n candidates on the demo (1500 m -> 788,
    # 421 m -> 8,941); the cap keeps the n most prominent
    return float(np.clip(1350.0 * np.sqrt(788.0 / max(n, 1)), 150.0, 5000.0))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--candidates", type=int, default=10_000)
    ap.add_argument("--spacing-m", type=float, default=None, help="greenfield spacing (default: from --candidates)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--per-candidate", action="store_true", help="also time the per-candidate reference path")
    ap.add_argument("--check", type=int, default=0, help="compare rows with the reference on this many candidates")
    ap.add_argument("--profile", action="store_true", help="cProfile one fast run, print the top 25")
    ap.add_argument("--land-cover", action="store_true", help="the demo's land cover (P.1812 clutter)")
    ap.add_argument("--sample", type=int, default=0, help="time a random sample of this many candidates")
    ap.add_argument("--seed", type=int, default=0, help="numpy seed of --sample")
    ap.add_argument("--workers", type=int, default=None, help="coverage_matrix(workers=...)")
    args = ap.parse_args()
    warm_up()
    inp = demo_inputs()
    spacing = args.spacing_m or _spacing_for(args.candidates)
    cands = demo_candidates(inp, spacing_m=spacing, max_candidates=args.candidates)
    dem, serve, config = inp["dem"], inp["serve"], inp["config"]
    print(f"demo 90 m: {dem.shape[0]} x {dem.shape[1]} cells, {int(serve.sum()):,} demand cells, "
          f"{len(cands):,} greenfield candidates (spacing {spacing:.0f} m)")
    if args.sample:
        pick = np.sort(np.random.default_rng(args.seed).choice(len(cands), min(args.sample, len(cands)), replace=False))
        cands = cands.iloc[pick].reset_index(drop=True)
        print(f"timing a random {len(cands):,} of them (seed {args.seed})")
    clutter = None
    if args.land_cover:
        clutter = read_land_cover(demo_dir(CACHE, resolution_m=90.0) / "landcover.tif", dem).to_clutter_grid()
    kw = {"config": config, "clutter": clutter, "workers": args.workers}
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        coverage_matrix(dem, cands, serve, **kw)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
        return
    times, cpu, covers = [], [], None
    for _ in range(args.repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        covers, _cells = coverage_matrix(dem, cands, serve, **kw)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    assert covers is not None
    runs = ", ".join(f"{t:.2f}" for t in times)
    print(f"fast path: median {statistics.median(times):.2f} s over {args.repeat} ({runs}), CPU "
          f"{statistics.median(cpu):.2f} s ({', '.join(f'{t:.2f}' for t in cpu)}), load {os.getloadavg()[0]:.1f}, "
          f"{covers.nnz:,} non-zeros, {1e3 * statistics.median(times) / len(cands):.2f} ms per candidate "
          f"({1e3 * statistics.median(cpu) / len(cands):.2f} ms CPU)")
    if args.per_candidate or args.check:
        n_ref = args.check or len(cands)
        sub = cands.iloc[:n_ref]
        ref_times, ref = [], None
        for _ in range(args.repeat if args.per_candidate else 1):
            t0 = time.perf_counter()
            # the matrix computes every wanted P.1812 sample exactly (no anchors with a demand mask,
            # coverage/_p1812_anchor.py): the reference's run_coverage likewise
            ref, _ = coverage_matrix_per_candidate(dem, sub, serve, config=replace(config, p1812_anchor_every=1),
                                                   clutter=clutter)
            ref_times.append(time.perf_counter() - t0)
        assert ref is not None
        same = (ref != covers[:n_ref]).nnz == 0
        print(f"per-candidate path on {n_ref:,}: median {statistics.median(ref_times):.2f} s "
              f"({', '.join(f'{t:.2f}' for t in ref_times)}), {1e3 * statistics.median(ref_times) / n_ref:.2f} ms per "
              f"candidate; rows identical: {same}")
        assert same
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:,.0f} MB; load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
