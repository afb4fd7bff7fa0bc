"""Benchmark: the maximal-covering core (`towerplan.planning.optimize.choose_sites`).

Synthetic instance shaped like a province: a side x side grid of demand cells (people from a
seeded clustered field, many empty cells), candidates at random cells each covering a disc of
random radius (in cells). Reports greedy and ILP runtimes, the ILP gap and greedy's quality
against the ILP bound. Medians of --repeat runs.

    python bench/bench_placement.py --candidates 1000 --side 1000 --towers 50 --ilp
    python bench/bench_placement.py --candidates 10000 --side 1000 --towers 200
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time

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
    args = ap.parse_args()
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
