"""The exact P.1812 pass alone: capture each anchored radial's inputs from a real run, replay them (issue 20 item 4).

``capture`` runs the province's first ``--sites`` sites at 90 m (``bench_coverage.py``'s draw) or the demo
subset at the CLI's 30 m (``--demo DIR --stations CSV``), re-runs the reach-bound pass of every P.1812 site
group (``_reach_profiles``) and pickles, per radial, what ``anchored_radial_loss`` receives (terrain, clutter
height, zone, need mask, floor, parameters). ``replay`` times ``anchored_radial_loss`` over them (CPU seconds,
the minimum of ``--repeats``) and saves the rows, so two trees can be compared to the bit:

    NUMBA_NUM_THREADS=1 python bench/bench_p1812_exact.py capture --sites 8 --out /tmp/prov.pkl
    NUMBA_NUM_THREADS=1 PYTHONPATH=<tree> python bench/bench_p1812_exact.py replay /tmp/prov.pkl --save rows.npy
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _radials(a) -> list[dict]:
    from towerplan.coverage import _sweep_p1812 as sw
    from towerplan.coverage._kernels import CLUTTER_DEFAULT_H

    dem, col_off, row_off, site_col, site_row, res_x, res_y, step, n0, first, count, _, fpar, ipar, \
        clut_h, clut_code, lneed, lmax, radius_m, wanted = a
    wanted = np.zeros((0, 0), dtype=np.uint8) if wanted is None else wanted
    need, lbt, zt, rt, zonet = sw._reach_profiles(dem, col_off, row_off, site_col, site_row, res_x, res_y, step, n0,
                                                  lmax, radius_m, first, count, fpar, ipar, clut_h, clut_code, lneed,
                                                  int(count.max()), clut_code.shape[0] > 0, wanted)
    out = []
    for j in range(n0):
        n = int(count[j])
        if n < 2:
            continue
        fi = min(max(int(first[j]), 1), n - 1)
        idx = np.flatnonzero(need[j, fi:n])
        if idx.size == 0:
            continue
        n = fi + int(idx[-1]) + 1  # as radial_losses_p1812: the radial stops at its last needed sample
        # without land cover the bound pass keeps no clutter rows: every sample open land (R = 0, zone 4)
        r = rt[j, :n].copy() if rt.shape[0] else np.full(n, CLUTTER_DEFAULT_H)
        zone = zonet[j, :n].copy() if zonet.shape[0] else np.full(n, 4, dtype=np.int64)
        out.append({"z": zt[j, :n].copy(), "r": r, "zone": zone,
                    "need": need[j, :n].copy(), "floor": lbt[j, :n].copy(), "fi": fi, "step": float(step),
                    "fpar": fpar.copy(), "ipar": ipar.copy()})
    return out


def capture(args: argparse.Namespace) -> None:
    from towerplan.coverage import _kernels as kern

    groups = []
    orig = kern.radial_losses

    def grab(*a):
        if a[11] == kern.MODEL_P1812 and len(a[16]):
            groups.append(a)
        return orig(*a)

    kern.radial_losses = grab
    try:
        if args.demo:
            from towerplan.cli import main as cli_main

            cli_main(["coverage", "--dem", f"{args.demo}/dem.tif", "--stations", args.stations, "--landcover",
                      f"{args.demo}/landcover.tif", "--out", args.out + ".coverage"])
        else:
            from bench_coverage import province

            from towerplan.coverage.engine import run_coverage

            dem, st, cfg = province(90.0, 4000, (900.0, 1800.0))
            st = st[st["site_id"].isin([f"S{k}" for k in range(args.sites)])].reset_index(drop=True)
            run_coverage(dem, st, config=cfg)
    finally:
        kern.radial_losses = orig
    rad = [r for a in groups for r in _radials(a)]
    with open(args.out, "wb") as fh:
        pickle.dump(rad, fh)
    print(f"{len(groups)} site groups, {len(rad)} radials, {sum(len(r['z']) for r in rad):,} samples -> {args.out}")


def replay(args: argparse.Namespace) -> None:
    from towerplan.coverage._kernels import (
        F_DN,
        F_FREQ,
        F_HRX,
        F_HTX,
        F_LOC,
        F_N0,
        F_PHI,
        F_SIGL,
        F_TIME,
        I_P1812_EVERY,
        I_POL,
    )
    from towerplan.coverage._p1812_anchor import anchored_radial_loss
    from towerplan.coverage._p1812_radial import radial_site, site_terms

    with open(args.pickle, "rb") as fh:
        rad = pickle.load(fh)[::args.stride]

    def once() -> tuple[list[np.ndarray], int]:
        rows, exact = [], 0
        for x in rad:
            fp, ip = x["fpar"], x["ipar"]
            row = np.full(len(x["z"]), np.nan)
            exact += anchored_radial_loss(x["z"], x["r"], x["zone"], x["step"], fp[F_FREQ] / 1000.0, fp[F_TIME],
                                          fp[F_HTX], fp[F_HRX], ip[I_POL] == 1, fp[F_PHI], fp[F_DN], fp[F_N0],
                                          fp[F_LOC], fp[F_SIGL], x["fi"], row, x["need"], x["floor"],
                                          int(ip[I_P1812_EVERY]),
                                          radial_site(site_terms(len(x["z"]), x["step"], fp[F_FREQ] / 1000.0,
                                                                 fp[F_TIME], fp[F_PHI], fp[F_LOC], fp[F_SIGL]),
                                                      fp[F_FREQ] / 1000.0, fp[F_TIME], fp[F_LOC], fp[F_SIGL],
                                                      ip[I_POL] == 1))
            rows.append(row)
        return rows, exact

    once()  # kernels loaded
    cpu = []
    for _ in range(args.repeats):
        c0 = time.process_time()
        rows, exact = once()
        cpu.append(time.process_time() - c0)
    print(f"{len(rad)} radials, {exact:,} exact paths: CPU min {min(cpu):.3f} s of {args.repeats} "
          f"({1e6 * min(cpu) / max(exact, 1):.3f} us a path), load {os.getloadavg()[0]:.1f}")
    if args.save:
        np.save(args.save, np.concatenate(rows))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("capture")
    c.add_argument("--sites", type=int, default=8)
    c.add_argument("--demo", help="demo cache folder (dem.tif, landcover.tif); default: the province")
    c.add_argument("--stations", help="stations CSV with --demo")
    c.add_argument("--out", required=True)
    r = sub.add_parser("replay")
    r.add_argument("pickle")
    r.add_argument("--stride", type=int, default=1, help="every n-th radial")
    r.add_argument("--repeats", type=int, default=3)
    r.add_argument("--save", help="write the rows (.npy) to compare trees")
    args = ap.parse_args()
    capture(args) if args.cmd == "capture" else replay(args)


if __name__ == "__main__":
    main()
