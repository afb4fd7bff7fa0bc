"""Benchmark: the whole gap analysis for Thanh Hóa (real WorldPop 2020, 2009 communes, main roads).

Inputs (prepared once, not timed): a UTM 48N lattice over the 637 communes of Thanh Hóa at
``--resolution-m``; WorldPop 2020 1 km aligned onto it (sum-preserving, timed separately);
the 9 km stand-in altitude grid warped onto it (only to exercise the elevation statistics);
``--operators`` synthetic operators, each with sites at the most populous communes (seeded) and
a level falling with log-distance to -110 dBm at about 5 km, NaN below -120 dBm.

Each timed run is a fresh process that loads the prepared arrays and calls
:func:`towerplan.planning.analysis.analyse_gaps` (population coverage per commune with exact
boundary fractions, gap polygons, road km per commune and class, travel along roads, ranking);
it reports its wall time and the process's peak resident memory (inputs included).

    python bench/bench_gaps.py --resolution-m 30 --repeat 3 [--cli] [--workdir /tmp/bench_gaps_30]

``--cli`` also times ``towerplan gaps`` once, end to end: reading the GeoTIFFs, aligning WorldPop
1 km onto the 30 m lattice, the analysis and writing the GeoPackage, CSV and JSON.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CRS = 32648


def _communes():
    from towerplan.vectors import read_communes

    return read_communes(DATA / "census2009_censusVN2009" / "communes_thanhhoa.geojson")


def prepare(folder: Path, resolution_m: float, operators: int, sites: int, seed: int) -> dict:
    """Write the prepared inputs as .npy files into ``folder``; returns facts about them."""
    from scipy import ndimage

    from towerplan.grid import Grid
    from towerplan.population import align_population
    from towerplan.rasters import read_grid
    from towerplan.terrain import reproject_grid, target_lattice

    communes = _communes().to_crs(CRS)
    transform, width, height = target_lattice(tuple(communes.total_bounds), resolution_m=resolution_m)
    lattice = Grid(np.broadcast_to(np.float32(0), (height, width)), transform, CRS)
    t0 = time.perf_counter()
    pop = align_population(read_grid(DATA / "worldpop" / "vnm_ppp_2020_1km_Aggregated_UNadj_thanhhoa_bbox.tif"),
                           lattice)
    t_align = time.perf_counter() - t0
    np.save(folder / "population.npy", pop.grid.values)
    dem = reproject_grid(read_grid(DATA / "dem_pvlib_mapzen_5arcmin" / "altitude_5arcmin_vietnam.tif"), like=lattice)
    np.save(folder / "dem.npy", dem.values)
    rng = np.random.default_rng(seed)
    order = np.argsort(-communes["population"].to_numpy())
    cents = communes.geometry.representative_point()
    all_xy = []
    for k in range(operators):
        pick = order[: sites] if k == 0 else rng.choice(order[: 2 * sites], size=sites, replace=False)
        xs = cents.x.to_numpy()[pick] + rng.normal(0, 500, sites)
        ys = cents.y.to_numpy()[pick] + rng.normal(0, 500, sites)
        all_xy.append(np.column_stack([xs, ys]))
        seedmask = np.ones((height, width), dtype=bool)
        rows = np.clip(((transform.f - ys) / resolution_m).astype(int), 0, height - 1)
        cols = np.clip(((xs - transform.c) / resolution_m).astype(int), 0, width - 1)
        seedmask[rows, cols] = False
        d_km = ndimage.distance_transform_edt(seedmask, sampling=resolution_m / 1000.0).astype(np.float32)
        level = -60.0 - 71.5 * np.log10(np.maximum(d_km, 0.03))
        level[level < -120] = np.nan
        np.save(folder / f"level_{k}.npy", level.astype(np.float32))
    np.save(folder / "sites_xy.npy", np.vstack(all_xy))
    return {"width": width, "height": height, "transform": list(transform)[:6], "align_s": round(t_align, 2),
            "people_on_grid": float(pop.aligned_total)}


def child(folder: Path, facts: dict, operators: int) -> None:
    """One timed run (in its own process): load the arrays, run the analysis, print JSON."""
    import geopandas as gpd
    from affine import Affine

    from towerplan.grid import Grid
    from towerplan.planning.analysis import analyse_gaps
    from towerplan.planning.gaps import GapConfig
    from towerplan.vectors import read_roads

    t = Affine(*facts["transform"])
    levels = {f"op{k}": Grid(np.load(folder / f"level_{k}.npy"), t, CRS, np.nan) for k in range(operators)}
    pop = Grid(np.load(folder / "population.npy"), t, CRS)
    dem = Grid(np.load(folder / "dem.npy"), t, CRS, np.nan)
    communes = _communes()
    roads = read_roads(DATA / "roads_legocity_giaothong" / "giaothong_thanhhoa_bbox.geojson")
    rss_in = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    xy = np.load(folder / "sites_xy.npy")
    stations = gpd.GeoSeries(gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=CRS)
    t0 = time.perf_counter()
    stages: list[float] = []
    result = analyse_gaps(levels, pop, config=GapConfig(min_people=50, household_size=3.8), communes=communes,
                          roads=roads, dem=dem, towers=stations,
                          progress=lambda done, total: stages.append(time.perf_counter() - t0))
    wall = time.perf_counter() - t0
    s = result.summary()
    print(json.dumps({"wall_s": wall, "stages_s": [round(x, 2) for x in stages],
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "inputs_rss_mb": rss_in, "gaps": s["gap_count"], "gap_people": s["gap_people"],
                      "total_people": s["total_people"], "covered_any": s["covered_any_operator"],
                      "communes": len(result.commune_stats)}))


def cli_run(folder: Path, facts: dict, operators: int) -> dict:
    """``towerplan gaps`` end to end on GeoTIFFs (WorldPop 1 km aligned inside), in a child process."""
    from affine import Affine

    from towerplan.grid import Grid
    from towerplan.rasters import write_grid

    t = Affine(*facts["transform"])
    cov = folder / "coverage"
    if not cov.exists():
        cov.mkdir()
        for k in range(operators):
            write_grid(Grid(np.load(folder / f"level_{k}.npy"), t, CRS, np.nan), cov / f"rsrp_op{k}_dbm.tif",
                       dtype="float32", nodata=float("nan"))
        write_grid(Grid(np.load(folder / "dem.npy"), t, CRS, np.nan), folder / "dem.tif", dtype="float32",
                   nodata=float("nan"))
    cmd = [sys.executable, "-m", "towerplan", "gaps", "--coverage", str(cov),
           "--population", str(DATA / "worldpop" / "vnm_ppp_2020_1km_Aggregated_UNadj_thanhhoa_bbox.tif"),
           "--communes", str(DATA / "census2009_censusVN2009" / "communes_thanhhoa.geojson"),
           "--roads", str(DATA / "roads_legocity_giaothong" / "giaothong_thanhhoa_bbox.geojson"),
           "--dem", str(folder / "dem.tif"), "--out", str(folder / "out")]
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if out.returncode:
        sys.exit(out.stderr)
    return {"wall_s": round(wall, 2), "peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            "stdout": out.stdout.strip()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--resolution-m", type=float, default=30.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--operators", type=int, default=3)
    ap.add_argument("--sites", type=int, default=250, help="sites per operator")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workdir", type=Path, help="keep the prepared inputs here and reuse them")
    ap.add_argument("--cli", action="store_true",
                    help="also time `towerplan gaps` end to end (GeoTIFF inputs, WorldPop aligned inside)")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, json.loads((args.child / "facts.json").read_text()), args.operators)
        return
    with tempfile.TemporaryDirectory(prefix="bench_gaps_") as tmp:
        folder = args.workdir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        if (folder / "facts.json").exists():
            facts = json.loads((folder / "facts.json").read_text())
        else:
            facts = prepare(folder, args.resolution_m, args.operators, args.sites, args.seed)
            (folder / "facts.json").write_text(json.dumps(facts))
        print(f"grid {facts['width']} x {facts['height']} = {facts['width'] * facts['height'] / 1e6:.1f} M cells "
              f"at {args.resolution_m:g} m; align_population {facts['align_s']} s (not in the timings below)")
        runs = []
        for _ in range(args.repeat):
            out = subprocess.run([sys.executable, __file__, "--child", str(folder), "--operators",
                                  str(args.operators)], capture_output=True, text=True)
            if out.returncode:
                sys.exit(out.stderr)
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(json.dumps(runs[-1]))
        print(f"analyse_gaps median {statistics.median(r['wall_s'] for r in runs):.2f} s; "
              f"peak RSS median {statistics.median(r['peak_rss_mb'] for r in runs):,.0f} MB "
              f"(inputs loaded: {statistics.median(r['inputs_rss_mb'] for r in runs):,.0f} MB)")
        if args.cli:
            print("towerplan gaps end to end:", json.dumps(cli_run(folder, facts, args.operators)))


if __name__ == "__main__":
    main()
