"""Where the CPU of a P.1812 site goes in a real, reach-bounded coverage run (issue 15, issue 20 item 4).

Cases (``--case``, repeatable; run with ``NUMBA_NUM_THREADS=1`` to compare CPU on a shared machine):

* ``province``: ``--sites`` three-sector sites (900 and 1800 MHz, 58 dBm, 30 m, -110 dBm) of
  ``bench_coverage.py``'s 4,000-site province at 90 m (same DEM, same site draw), ``auto``
  (= P.1812, no land cover): CPU seconds of the whole ``run_coverage`` and per site;
* ``site``: one three-sector 1800 MHz site on ``bench_reach.py``'s rugged 30 km grid at 90 m,
  without and with synthetic land cover, -110 dBm;
* ``needed``: the reach-bound pass alone (``_reach_needed``) for that site, three times, with the
  site's loss limits, with limits so low that the cheapest floor decides every sample, and with
  none (every sample through the full bound).

Each case runs twice: once plain (the figure to compare) and once with the engine's kernels
wrapped by CPU timers (the split: reach-bound pass, exact P.1812 on the needed samples, fill,
antenna angles, sector accumulation; the bound pass is run a second time on its own to time it,
so the wrapped run costs more than the plain one). ``--stats`` adds, for the sites of the case,
how many radial samples the bound pass evaluates, how many it leaves to the exact model, and
how far above the loss limit the ruled-out samples' bounds lie.

    NUMBA_NUM_THREADS=1 python bench/bench_p1812_cost.py --case province --sites 200
    NUMBA_NUM_THREADS=1 python bench/bench_p1812_cost.py --case site --stats
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from bench_coverage import province, rugged_dem
from bench_reach import _site_table

from towerplan.coverage import _kernels as kern
from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.engine import run_coverage, warm_up

CPU: dict[str, float] = defaultdict(float)
STATS: dict[str, list] = defaultdict(list)


def _wrap(name: str, fn):
    def timed(*args, **kw):
        c0 = time.process_time()
        out = fn(*args, **kw)
        CPU[name] += time.process_time() - c0
        return out
    return timed


def _radial_losses_split(fn, stats: bool):
    from towerplan.coverage import _sweep_p1812 as sw

    def timed(*args):
        dem, col_off, row_off, site_col, site_row, res_x, res_y, step, n0, first, count, model, fpar, ipar, \
            clut_h, clut_code, lneed, lmax, radius_m, wanted = args
        if model == kern.MODEL_P1812 and len(lneed):
            nmax = int(count.max())
            wanted = np.zeros((0, 0), dtype=np.uint8) if wanted is None else wanted
            c0 = time.process_time()
            need, _ = sw._reach_needed(dem, col_off, row_off, site_col, site_row, res_x, res_y, step, n0, lmax,
                                       radius_m, first, count, fpar, ipar, clut_h, clut_code, lneed, nmax,
                                       clut_code.shape[0] > 0, wanted)
            CPU["bound pass + mark_needed"] += time.process_time() - c0
            total = sum(int(count[j]) - min(max(int(first[j]), 1), int(count[j]) - 1) for j in range(n0))
            STATS["samples"].append(total)
            STATS["needed"].append(int(need.sum()))
            if stats:
                _bound_stats(args, nmax)
        c0 = time.process_time()
        out = fn(*args)
        CPU["radial_losses (bound + exact)"] += time.process_time() - c0
        return out
    return timed


def _bound_stats(args, nmax: int) -> None:
    """Per sample: the bound minus the radial's loss limit, and its distance (km), over the whole site."""
    from towerplan.coverage import _sweep_p1812 as sw
    from towerplan.coverage._kernels import F_APLB, F_DN, F_FREQ, F_HRX, F_HTX, F_LOC, F_N0, F_PHI, F_SIGL, F_TIME
    from towerplan.coverage._p1812_reach import flat_bullington, p1812_radial_bound

    dem, col_off, row_off, site_col, site_row, res_x, res_y, step, n0, first, count, _, fpar, ipar, \
        clut_h, clut_code, lneed = args[:17]
    f_ghz = fpar[F_FREQ] / 1000.0
    flat = flat_bullington(nmax + 1, step, f_ghz, fpar[F_HTX], fpar[F_HRX], fpar[F_DN], fpar[F_TIME] < 50.0)
    dist = np.arange(nmax + 1) * step
    has_clutter = clut_code.shape[0] > 0
    for j in range(0, n0, 7):
        n = int(count[j])
        z = np.empty(nmax + 1)
        rcl = np.zeros(nmax + 1)
        zone = np.full(nmax + 1, 4, dtype=np.int64)
        lb = np.full(nmax + 1, np.nan)
        sw._sample_radial(dem, col_off, row_off, site_col, site_row, res_x, res_y, dist, n, j, n0, has_clutter,
                          clut_h, clut_code, z, rcl, zone)
        fi = min(max(int(first[j]), 1), n - 1)
        p1812_radial_bound(z[:n], rcl[:n], zone[:n], step, f_ghz, fpar[F_TIME], fpar[F_HTX], fpar[F_HRX],
                           int(ipar[kern.I_POL]) == 1, fpar[F_PHI], fpar[F_DN], fpar[F_N0], fpar[F_LOC],
                           fpar[F_SIGL], fpar[F_APLB], flat, fi, lb, np.zeros(0, dtype=np.uint8), math.inf)
        STATS["gap"].extend((lb[fi:n] - lneed[j]).tolist())
        STATS["dist_km"].extend((dist[fi:n] / 1000.0).tolist())


def _run(label: str, dem, st, cfg, clutter=None, *, split: bool, stats: bool = False) -> float:
    saved = {k: getattr(kern, k) for k in ("radial_losses", "fill_window", "site_geometry", "accumulate_sector",
                                           "min_into")}
    if split:
        kern.radial_losses = _radial_losses_split(saved["radial_losses"], stats)
        for k in ("fill_window", "site_geometry", "accumulate_sector", "min_into"):
            setattr(kern, k, _wrap(k, saved[k]))
    CPU.clear()
    for k in ("samples", "needed"):
        STATS[k].clear()
    try:
        c0, t0 = time.process_time(), time.perf_counter()
        res = run_coverage(dem, st, config=cfg, clutter=clutter)
        cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    finally:
        for k, v in saved.items():
            setattr(kern, k, v)
    n_sites = st.drop_duplicates(["lon", "lat"]).shape[0]
    cells = int(np.isfinite(res.best_level.values).sum())
    print(f"{label}{' (timers)' if split else ''}: CPU {cpu:.2f} s ({1000 * cpu / n_sites:.1f} ms per site, "
          f"{n_sites} sites), wall {wall:.2f} s, covered {cells:,} cells, load {os.getloadavg()[0]:.1f}", flush=True)
    if split:
        parts = dict(CPU)
        parts["exact P.1812 (radial_losses - bound pass)"] = (parts.get("radial_losses (bound + exact)", 0.0)
                                                              - parts.get("bound pass + mark_needed", 0.0))
        for k, v in parts.items():
            print(f"    {k:45s} {v:8.2f} s  {1000 * v / n_sites:7.1f} ms per site", flush=True)
        if STATS["samples"]:
            s, nd = sum(STATS["samples"]), sum(STATS["needed"])
            print(f"    radial samples {s:,} ({s / len(STATS['samples']):,.0f} per group), needed exactly {nd:,} "
                  f"({nd / s:.1%})", flush=True)
    return cpu


def _print_gap_stats() -> None:
    gap = np.asarray(STATS["gap"])
    dist = np.asarray(STATS["dist_km"])
    if gap.size == 0:
        return
    print(f"    bound - limit over {gap.size:,} samples (every 7th radial):")
    for lo, hi in ((0, 5), (5, 10), (10, 20), (20, 31)):
        g = gap[(dist >= lo) & (dist < hi)]
        if g.size:
            q = np.percentile(g, [10, 50, 90])
            print(f"      {lo:2d}-{hi:2d} km: {g.size:8,} samples, within limit {np.mean(g <= 0):6.1%}, "
                  f"P10/P50/P90 {q[0]:+6.1f} {q[1]:+6.1f} {q[2]:+6.1f} dB, > +10 dB {np.mean(g > 10):6.1%}")
    STATS["gap"].clear()
    STATS["dist_km"].clear()


def needed_case() -> None:
    from towerplan.coverage import _sweep_p1812 as sw

    n = int(2 * 30_000 / 90.0) + 40
    dem = rugged_dem(n, n, 90.0)
    cfg = CoverageConfig(model="p1812", threshold_dbm=-110.0, max_radius_m=30_000.0)
    cap = {}
    orig = kern.radial_losses

    def grab(*a):
        cap["a"] = a
        return orig(*a)

    kern.radial_losses = grab
    try:
        run_coverage(dem, _site_table(dem), config=cfg)
    finally:
        kern.radial_losses = orig
    a = cap["a"]
    n0, count, lneed = a[8], a[10], a[16]
    print(f"needed: {n0} radials, loss limits {lneed.min():.1f}-{lneed.max():.1f} dB")
    for _ in range(3):
        for name, limits in (("site's limits", lneed), ("every sample by the cheapest floor", np.full(n0, -1e300)),
                             ("every sample by the full bound", np.full(n0, np.inf))):
            c0 = time.process_time()
            need, _ = sw._reach_needed(*a[:9], a[17], a[18], a[9], a[10], a[12], a[13], a[14], a[15], limits,
                                       int(count.max()), a[15].shape[0] > 0, a[19])
            print(f"    {name:36s} {1000 * (time.process_time() - c0):7.1f} ms CPU, needed {int(need.sum()):,}",
                  flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", action="append", choices=["province", "site", "needed"], required=True)
    ap.add_argument("--sites", type=int, default=200)
    ap.add_argument("--stats", action="store_true")
    ap.add_argument("--no-split", action="store_true", help="plain runs only")
    ap.add_argument("--anchor-every", type=int, default=None,
                    help="CoverageConfig.p1812_anchor_every (default: the config's; 1: exact at every sample)")
    args = ap.parse_args()
    warm_up()
    for case in args.case:
        if case == "needed":
            needed_case()
            continue
        if case == "province":
            dem, st, cfg = province(90.0, 4000, (900.0, 1800.0))
            keep = st["site_id"].isin([f"S{k}" for k in range(args.sites)])
            st = st[keep].reset_index(drop=True)
            runs = [("province-90", dem, st, cfg, None)]
        else:
            from test_p1812_raster import synthetic_clutter

            n = int(2 * 30_000 / 90.0) + 40
            dem = rugged_dem(n, n, 90.0)
            st = _site_table(dem)
            cfg = CoverageConfig(model="p1812", threshold_dbm=-110.0, max_radius_m=30_000.0)
            runs = [("site-90", dem, st, cfg, None), ("site-90 + land cover", dem, st, cfg,
                                                      synthetic_clutter(dem.shape))]
        for label, dem_, st_, cfg_, clut in runs:
            if args.anchor_every is not None:
                cfg_ = replace(cfg_, p1812_anchor_every=args.anchor_every)
            run_coverage(dem_, st_.iloc[:3], config=cfg_, clutter=clut)  # kernels loaded
            _run(label, dem_, st_, cfg_, clut, split=False)
            if not args.no_split:
                _run(label, dem_, st_, cfg_, clut, split=True, stats=args.stats)
                _print_gap_stats()


if __name__ == "__main__":
    main()
