"""Benchmark: `towerplan.planning.optimize.choose_sites` against PySAL spopt's MCLP on the same instances.

Instances (candidates x demand cells, a tower count p):

* synthetic, shaped like real ones: a square lattice of demand cells whose people are a clustered
  field (smoothed seeded noise, thresholded: most cells empty) times lognormal noise; each
  candidate stands on a random cell and covers a disc of random radius (in cells);
* ``demo``: the real placement instance of the synthetic demo province at 90 m (tenancy on every
  4G tower + greenfield candidates, demand = populated cells without 4G, coverage computed with
  the engine: `bench_matrix.demo_instance`).

spopt's `MCLP.from_cost_matrix` takes a dense clients x facilities cost matrix and one service
radius; the coverage matrix is handed over as costs 0 (covered) / 1 (not) with radius 0.5, so both
tools solve exactly the same covering problem. spopt runs in a child process (its own process
group) with a wall-clock limit; the solver also gets the limit. Solver: HiGHS through PuLP
(`pulp.HiGHS`, the same HiGHS as towerplan's, single-threaded) by default, `--solver cbc` for
PuLP's bundled CBC. Both MIP gaps are set to 1e-9 so that "optimal" means the same thing and the
objective values can be asserted equal. spopt also runs on towerplan's merged instance
(`reduce_demand`: identical columns merged), to separate the merging from the model building.

    python bench/bench_spopt.py --sizes 50x1000 200x10000 1000x100000 --demo --time-limit 300
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing as mp
import os
import signal
import statistics
import time

import numpy as np
import scipy.sparse as sp
from scipy import ndimage

from towerplan.planning.optimize import choose_sites, reduce_demand


def disc_instance(n_cand: int, n_cells: int, *, seed: int = 0, r_frac: tuple[float, float] = (0.05, 0.12)):
    """Seeded candidates x cells covering matrix (CSR bool) and people per cell on a square lattice.

    ``r_frac``: disc radii as a fraction of the lattice side (0.05-0.12 of a 180 km province is
    9-22 km; of a 60 km district 3-7 km).
    """
    rng = np.random.default_rng(seed)
    side = round(float(np.sqrt(n_cells)))
    field = ndimage.gaussian_filter(rng.random((side, side)), sigma=max(side / 25, 1.0))
    field = (field - field.min()) / (field.max() - field.min())
    people = np.where(field > 0.5, (field - 0.5) * 200.0 * rng.lognormal(0.0, 1.0, (side, side)), 0.0).ravel()
    cy, cx = rng.integers(0, side, n_cand), rng.integers(0, side, n_cand)
    radii = rng.uniform(r_frac[0] * side, r_frac[1] * side, n_cand)
    indptr, indices = [0], []
    for y, x, r in zip(cy, cx, radii, strict=True):
        y0, y1, x0, x1 = max(int(y - r), 0), min(int(y + r) + 1, side), max(int(x - r), 0), min(int(x + r) + 1, side)
        by, bx = np.mgrid[y0:y1, x0:x1]
        inside = (by - y) ** 2 + (bx - x) ** 2 <= r * r
        idx = np.sort((by[inside] * side + bx[inside]).astype(np.int32))
        indices.append(idx)
        indptr.append(indptr[-1] + idx.size)
    ind = np.concatenate(indices)
    covers = sp.csr_matrix((np.ones(ind.size, dtype=bool), ind, np.asarray(indptr)), shape=(n_cand, side * side))
    return covers, people


# ------------------------------------------------------------------ spopt in a child process
def _spopt_child(covers: sp.csr_matrix, weights: np.ndarray, p: int, solver: str, limit_s: float, queue) -> None:
    os.setpgrp()  # its own process group, so the parent can stop it and the solver it starts
    import pulp
    from spopt.locate import MCLP

    t0 = time.perf_counter()
    cost = np.where(covers.T.toarray(), 0.0, 1.0)  # clients x facilities, as spopt expects
    model = MCLP.from_cost_matrix(cost, weights, service_radius=0.5, p_facilities=p)
    del cost
    t1 = time.perf_counter()
    if solver == "highs":
        s = pulp.HiGHS(msg=False, timeLimit=limit_s, gapRel=1e-9, threads=1)
    else:
        s = pulp.PULP_CBC_CMD(msg=False, timeLimit=limit_s, gapRel=1e-9, threads=1)
    model.solve(s, results=False)
    t2 = time.perf_counter()
    status = pulp.LpStatus[model.problem.status]
    queue.put({"build_s": t1 - t0, "solve_s": t2 - t1, "total_s": t2 - t0,
               "objective": float(pulp.value(model.problem.objective)), "status": status,
               "sol_status": pulp.LpSolution[model.problem.sol_status]})


def run_spopt(covers: sp.csr_matrix, weights: np.ndarray, p: int, *, solver: str, limit_s: float) -> dict:
    """spopt's MCLP on (covers, weights) in a child process, stopped after ``limit_s`` s of wall time."""
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_spopt_child, args=(covers, weights, p, solver, limit_s, queue))
    t0 = time.perf_counter()
    proc.start()
    try:
        out = queue.get(timeout=limit_s + 5.0)
    except Exception:  # queue.Empty: no answer in time (or the child died, e.g. out of memory)
        out = {"status": f"did not finish in {limit_s:.0f} s", "objective": float("nan"),
               "total_s": time.perf_counter() - t0}
    finally:
        if proc.is_alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        proc.join()
    return out


# ------------------------------------------------------------------ one comparison row
def compare(name: str, covers: sp.csr_matrix, weights: np.ndarray, p: int, *, solver: str, limit_s: float,
            repeat: int, reduced: bool) -> dict:
    g_t, i_t, g, ilp = [], [], None, None
    for _ in range(repeat):
        g = choose_sites(covers, weights, max_sites=p, method="greedy")
        g_t.append(g.runtime_s)
        ilp = choose_sites(covers, weights, max_sites=p, method="ilp", time_limit_s=limit_s, mip_rel_gap=1e-9)
        i_t.append(ilp.runtime_s)
    assert g is not None
    assert ilp is not None
    row = {"instance": name, "cand": covers.shape[0], "cells": covers.shape[1], "nnz": covers.nnz, "p": p,
           "columns_merged": ilp.n_demand_reduced, "greedy_s": statistics.median(g_t),
           "greedy_value": g.covered_weight, "ilp_s": statistics.median(i_t), "ilp_value": ilp.covered_weight,
           "ilp_gap": ilp.gap, "ilp_status": ilp.status}
    sp_runs = [run_spopt(covers, weights, p, solver=solver, limit_s=limit_s) for _ in range(repeat)]
    row["spopt"] = _summary(sp_runs)
    if reduced:
        csc, w_red = reduce_demand(covers.tocsr(), np.asarray(weights, dtype=float))
        red_runs = [run_spopt(csc.tocsr(), w_red, p, solver=solver, limit_s=limit_s) for _ in range(repeat)]
        row["spopt_merged"] = _summary(red_runs)
    for key in ("spopt", "spopt_merged"):
        res = row.get(key)
        if res and res["status"] == "Optimal" and ilp.gap == 0.0:
            # both proven optimal (gap 1e-9): the same optimum
            assert abs(res["objective"] - ilp.covered_weight) <= 1e-6 * max(ilp.covered_weight, 1.0), (
                key, res["objective"], ilp.covered_weight)
            res["same_objective"] = True
    return row


def _summary(runs: list[dict]) -> dict:
    ok = [r for r in runs if "build_s" in r]
    if len(ok) < len(runs):
        return runs[-1] | {"runs": len(runs)}
    med = {k: statistics.median(r[k] for r in ok) for k in ("total_s", "build_s", "solve_s")}
    return {"status": ok[-1]["status"], "objective": ok[-1]["objective"], **med, "runs": len(ok)}


def _fmt(row: dict) -> str:
    def sp_cell(res: dict | None) -> str:
        if res is None:
            return "-"
        if "build_s" not in res:
            return res["status"]
        same = ", same objective" if res.get("same_objective") else ""
        return (f"{res['total_s']:.2f} s (build {res['build_s']:.2f} + solve {res['solve_s']:.2f}), "
                f"{res['status']}{same}")

    return (f"| {row['instance']} | {row['cand']:,} x {row['cells']:,} ({row['nnz']:,} nz; {row['columns_merged']:,} "
            f"merged) | {row['p']} | {row['greedy_s']:.3f} s, {row['greedy_value']:,.0f} | {row['ilp_s']:.3f} s, "
            f"{row['ilp_value']:,.0f} (gap {row['ilp_gap']:.2%}) | {sp_cell(row['spopt'])} | "
            f"{sp_cell(row.get('spopt_merged'))} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="*", default=["50x1000", "200x10000", "1000x100000"],
                    help="candidates x demand cells of the synthetic instances")
    ap.add_argument("--towers", type=int, default=None,
                    help="p (default: candidates / 10 within 5-20, so that p sites cannot cover everything)")
    ap.add_argument("--demo", action="store_true", help="also the demo's real instance (computes its coverage matrix)")
    ap.add_argument("--demo-towers", type=int, default=10)
    ap.add_argument("--solver", choices=["highs", "cbc"], default="highs")
    ap.add_argument("--time-limit", type=float, default=300.0, help="wall-clock limit per spopt run and ILP limit")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--no-merged", action="store_true", help="skip spopt on the merged instance")
    args = ap.parse_args()
    solver = "HiGHS via PuLP" if args.solver == "highs" else "CBC via PuLP"
    print(f"load average {os.getloadavg()[0]:.2f}; spopt solver: {solver}")
    rows = []
    for size in args.sizes:
        n_cand, n_cells = (int(v) for v in size.lower().split("x"))
        covers, w = disc_instance(n_cand, n_cells, seed=n_cand)
        p = args.towers or min(max(5, n_cand // 10), 20)
        rows.append(compare(f"synthetic {size}", covers, w, p, solver=args.solver, limit_s=args.time_limit,
                            repeat=args.repeat, reduced=not args.no_merged))
        print(_fmt(rows[-1]), flush=True)
    if args.demo:
        from bench_matrix import demo_instance

        t0 = time.perf_counter()
        covers, w, _ = demo_instance()
        print(f"demo instance: {covers.shape[0]:,} candidates x {covers.shape[1]:,} cells "
              f"({time.perf_counter() - t0:.1f} s to build)")
        rows.append(compare("demo 90 m", covers, w, args.demo_towers, solver=args.solver, limit_s=args.time_limit,
                            repeat=args.repeat, reduced=not args.no_merged))
        print(_fmt(rows[-1]), flush=True)
    print(f"load average {os.getloadavg()[0]:.2f}")
    print("| instance | candidates x cells | p | towerplan greedy (time, people) | towerplan ILP (time, people, gap) "
          "| spopt MCLP | spopt MCLP on the merged instance |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print(_fmt(row))


if __name__ == "__main__":
    main()
