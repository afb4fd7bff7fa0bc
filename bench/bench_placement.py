"""Benchmark: the maximal-covering core (`towerplan.planning.optimize.choose_sites`).

Synthetic instance shaped like a province: a side x side grid of demand cells (people from a
seeded clustered field, many empty cells), candidates at random cells each covering a disc of
random radius (in cells). Reports greedy and ILP runtimes, the ILP gap and greedy's quality
against the ILP bound. Medians of --repeat runs.

    python bench/bench_placement.py --candidates 1000 --side 1000 --towers 50 --ilp
    python bench/bench_placement.py --candidates 10000 --side 1000 --towers 200

Greedy against the ILP optimum on real instances (``--ilp`` implied):

``--demo``
    The synthetic demo province's placement instance at 90 m (tenancy on every 4G tower plus
    greenfield candidates, demand = populated cells without 4G, rows computed with the coverage
    engine; see bench_matrix.py), for each tower count in --towers-list.
``--thanh-hoa``
    Thanh Hóa at Thanh Hóa scale: WorldPop 2020 (1 km, ../shared/data) aligned onto a 90 m UTM 48N
    lattice over the geoBoundaries province outline; every populated cell inside the province is a
    demand cell (~1.3 M). Candidates stand on random populated cells (seeded) and cover a flat-earth
    disc of a random radius in --radius-km (no terrain: a scale and quality test of the optimiser,
    not a coverage prediction).

    python bench/bench_placement.py --demo --towers-list 5 10 20 50
    python bench/bench_placement.py --thanh-hoa --candidates 2000 --towers-list 50 100 200
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy import ndimage

from towerplan.planning.optimize import choose_sites


def instance(n_cand: int, side: int, *, r_min: int, r_max: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    field = ndimage.gaussian_filter(rng.random((side, side)), sigma=side / 40)
    field = (field - field.min()) / (field.max() - field.min())
    people = np.where(field > 0.55, (field - 0.55) * 400 * rng.random((side, side)), 0.0).ravel()
    cy = rng.integers(0, side, n_cand)
    cx = rng.integers(0, side, n_cand)
    radii = rng.integers(r_min, r_max + 1, n_cand)
    offsets = {}
    indptr = [0]
    indices = []
    for y, x, r in zip(cy, cx, radii, strict=True):
        if r not in offsets:
            yy, xx = np.mgrid[-r : r + 1, -r : r + 1]
            inside = yy**2 + xx**2 <= r * r
            offsets[r] = (yy[inside], xx[inside])
        oy, ox = offsets[r]
        ys, xs = oy + y, ox + x
        ok = (ys >= 0) & (ys < side) & (xs >= 0) & (xs < side)
        idx = np.sort(ys[ok] * side + xs[ok])
        indices.append(idx)
        indptr.append(indptr[-1] + idx.size)
    ind = np.concatenate(indices).astype(np.int32)
    covers = sp.csr_matrix((np.ones(ind.size, dtype=bool), ind, np.asarray(indptr)), shape=(n_cand, side * side))
    return covers, people


DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def thanh_hoa_instance(n_cand: int, *, radius_km: tuple[float, float] = (3.0, 8.0), resolution_m: float = 90.0,
                       seed: int = 0):
    """Thanh Hóa-scale covering instance: real people per 90 m cell, flat-earth disc candidates.

    Returns (covers CSR bool, people per demand column, info dict).
    """
    import geopandas as gpd
    from rasterio.features import geometry_mask

    from towerplan.population import read_population
    from towerplan.terrain import read_dem

    province = gpd.read_file(DATA / "geoboundaries_vnm" / "geoBoundaries-VNM-ADM1_thanhhoa.geojson")
    # the coarse altitude grid only fixes the UTM lattice (as in bench_inputs.py); terrain is not used
    lattice = read_dem(DATA / "dem_pvlib_mapzen_5arcmin" / "altitude_5arcmin_vietnam.tif",
                       area=province.geometry.iloc[0], resolution_m=resolution_m)
    pop = read_population(DATA / "worldpop" / "vnm_ppp_2020_1km_Aggregated_UNadj_thanhhoa_bbox.tif", lattice).grid
    inside = geometry_mask(province.to_crs(lattice.crs).geometry, out_shape=lattice.shape,
                           transform=lattice.transform, invert=True)
    people = np.where(inside, np.nan_to_num(pop.values.astype(float), nan=0.0), 0.0)
    demand = people > 0
    cells = np.flatnonzero(demand.ravel())
    column = np.full(people.size, -1, dtype=np.int64)
    column[cells] = np.arange(cells.size)
    h, w = people.shape
    rng = np.random.default_rng(seed)
    sites = rng.choice(cells, size=n_cand, replace=False)
    radii = rng.uniform(radius_km[0] * 1000.0 / resolution_m, radius_km[1] * 1000.0 / resolution_m, n_cand)
    indptr, indices = [0], []
    for flat, r in zip(sites, radii, strict=True):
        y, x = divmod(int(flat), w)
        y0, y1, x0, x1 = max(int(y - r), 0), min(int(y + r) + 1, h), max(int(x - r), 0), min(int(x + r) + 1, w)
        by, bx = np.mgrid[y0:y1, x0:x1]
        disc = (by - y) ** 2 + (bx - x) ** 2 <= r * r
        cols = column[by[disc] * w + bx[disc]]
        cols = np.sort(cols[cols >= 0])
        indices.append(cols)
        indptr.append(indptr[-1] + cols.size)
    ind = np.concatenate(indices).astype(np.int32)
    covers = sp.csr_matrix((np.ones(ind.size, dtype=bool), ind, np.asarray(indptr)), shape=(n_cand, cells.size))
    info = {"grid": f"{w} x {h}", "people": float(people.sum()), "cells_inside": int(inside.sum())}
    return covers, people.ravel()[cells], info


def lp_bound(covers, w, p: int, *, time_limit: float = 600.0) -> tuple[float, float]:
    """Upper bound on the optimum from the LP relaxation (HiGHS interior point, no crossover): (bound, s).

    The same model as the ILP (on the merged columns) with x in [0, 1]; its optimum bounds the integer
    optimum from above, so greedy / bound is a proven lower limit on greedy's quality.
    """
    import highspy

    from towerplan.planning.optimize import reduce_demand

    t0 = time.perf_counter()
    csc, wr = reduce_demand(sp.csr_matrix(covers, dtype=bool), np.asarray(w, dtype=float))
    n_cand, n_dem = csc.shape
    # rows: y_j - sum_i a_ij x_i <= 0 (n_dem), sum_i x_i <= p; columns x then y
    a_x = sp.vstack([-csc.T.astype(float), sp.csr_matrix(np.ones((1, n_cand)))]).tocsc()
    a_y = sp.vstack([sp.identity(n_dem, format="csc"), sp.csc_matrix((1, n_dem))]).tocsc()
    a = sp.hstack([a_x, a_y], format="csc")
    a.sort_indices()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_cand + n_dem, n_dem + 1
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = np.concatenate([np.zeros(n_cand), wr])
    lp.col_lower_ = np.zeros(n_cand + n_dem)
    lp.col_upper_ = np.ones(n_cand + n_dem)
    lp.row_lower_ = np.full(n_dem + 1, -np.inf)
    lp.row_upper_ = np.concatenate([np.zeros(n_dem), [float(p)]])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data.astype(float)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("solver", "ipm")
    h.setOptionValue("run_crossover", "off")
    h.setOptionValue("threads", 1)
    h.setOptionValue("time_limit", float(time_limit))
    h.passModel(lp)
    h.run()
    info = h.getInfo()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return float("nan"), time.perf_counter() - t0
    # interior point without crossover: the objective is within HiGHS's relative tolerances (1e-7 to 1e-8)
    # of the LP optimum; 1e-6 of headroom keeps the bound valid
    return float(info.objective_function_value) * (1 + 1e-6), time.perf_counter() - t0


def greedy_vs_ilp(covers, w, towers: list[int], *, repeat: int, time_limit: float) -> None:
    """Print one markdown row per tower count: greedy and ILP values, gap, runtimes (medians)."""
    print(f"load average {os.getloadavg()[0]:.2f}")
    print("| towers | greedy people | greedy time | ILP people | ILP time | ILP status (gap) | greedy / ILP "
          "| greedy / bound |")
    print("|---:|---:|---:|---:|---:|---|---:|---:|")
    for p in towers:
        g_t, i_t, g, ilp = [], [], None, None
        for _ in range(repeat):
            g = choose_sites(covers, w, max_sites=p, method="greedy")
            g_t.append(g.runtime_s)
            ilp = choose_sites(covers, w, max_sites=p, method="ilp", time_limit_s=time_limit)
            i_t.append(ilp.runtime_s)
        assert g is not None
        assert ilp is not None
        print(f"| {p} | {g.covered_weight:,.0f} | {statistics.median(g_t):.2f} s | {ilp.covered_weight:,.0f} | "
              f"{statistics.median(i_t):.2f} s | {ilp.status} ({ilp.gap:.3%}) | "
              f"{g.covered_weight / ilp.covered_weight:.4f} | {g.covered_weight / ilp.upper_bound:.4f} |", flush=True)
    print(f"load average {os.getloadavg()[0]:.2f}; {ilp.n_demand_reduced:,} demand columns after merging")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--candidates", type=int, default=1000)
    ap.add_argument("--side", type=int, default=1000, help="demand grid is side x side cells")
    ap.add_argument("--towers", type=int, default=50)
    ap.add_argument("--r-min", type=int, default=15)
    ap.add_argument("--r-max", type=int, default=45)
    ap.add_argument("--ilp", action="store_true")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--demo", action="store_true", help="greedy vs ILP on the demo's real instance")
    ap.add_argument("--thanh-hoa", action="store_true", help="greedy vs ILP on the Thanh Hoa-scale instance")
    ap.add_argument("--towers-list", type=int, nargs="*", default=[10, 50, 100])
    ap.add_argument("--radius-km", type=float, nargs=2, default=(3.0, 8.0))
    ap.add_argument("--lp-bound", action="store_true", help="also bound the optimum by the LP relaxation")
    args = ap.parse_args()
    if args.demo or args.thanh_hoa:
        t0 = time.perf_counter()
        if args.demo:
            from bench_matrix import demo_instance

            covers, w, _ = demo_instance()
            what = "demo 90 m"
        else:
            covers, w, info = thanh_hoa_instance(args.candidates, radius_km=tuple(args.radius_km))
            what = f"Thanh Hoa 90 m ({info})"
        print(f"{what}: {covers.shape[0]:,} candidates x {covers.shape[1]:,} demand cells, {covers.nnz:,} non-zeros, "
              f"{w.sum():,.0f} people, built in {time.perf_counter() - t0:.1f} s")
        greedy_vs_ilp(covers, w, args.towers_list, repeat=args.repeat, time_limit=args.time_limit)
        if args.lp_bound:
            for p in args.towers_list:
                g = choose_sites(covers, w, max_sites=p, method="greedy")
                bound, secs = lp_bound(covers, w, p)
                print(f"p = {p}: LP relaxation bound {bound:,.0f} ({secs:.1f} s), greedy {g.covered_weight:,.0f} "
                      f"= {g.covered_weight / bound:.4f} of the bound", flush=True)
        print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
        return
    t0 = time.perf_counter()
    covers, w = instance(args.candidates, args.side, r_min=args.r_min, r_max=args.r_max)
    print(f"instance: {covers.shape[0]:,} candidates x {covers.shape[1]:,} cells, {covers.nnz:,} non-zeros, "
          f"{w.sum():,.0f} people, built in {time.perf_counter() - t0:.1f} s")
    g_times, g = [], None
    for _ in range(args.repeat):
        g = choose_sites(covers, w, max_sites=args.towers, method="greedy")
        g_times.append(g.runtime_s)
    assert g is not None
    print(f"greedy: median {statistics.median(g_times):.2f} s, covered {g.covered_weight:,.0f} "
          f"({g.n_demand_reduced:,} demand columns after merging)")
    if args.ilp:
        i_times, ilp = [], None
        for _ in range(args.repeat):
            ilp = choose_sites(covers, w, max_sites=args.towers, method="ilp", time_limit_s=args.time_limit,
                               mip_rel_gap=0.01)
            i_times.append(ilp.runtime_s)
        assert ilp is not None
        print(f"ilp: median {statistics.median(i_times):.2f} s, covered {ilp.covered_weight:,.0f}, "
              f"gap {ilp.gap:.4%}, bound {ilp.upper_bound:,.0f}, status {ilp.status}")
        print(f"greedy / ILP bound: {g.covered_weight / ilp.upper_bound:.4f}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
