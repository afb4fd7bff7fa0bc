"""Benchmark: ITM point-to-point calls per second (towerplan.coverage.itm).

Measures, after a numba warm-up, the median over ``--repeats`` runs of:

* ``kernel``: the compiled one-profile kernel called from Python (what an engine
  loop pays per profile, arguments already converted);
* ``itm_p2p_db``: the public function (input validation + result object);
* ``many``: :func:`itm_p2p_many_db` over ``--batch`` profiles, per profile;
* ``radial``: :func:`itm_p2p_radial_db`, per receiver point, against one kernel
  call per point on the growing profile;
* ``raster radial``: the coverage sweep's radial (``_itm_radial.itm_radial_loss``) on
  1,000-point radials (30 m steps) of a fractal profile with 1,500 m of relief, per point,
  exact ITM against the interpolated Delta h (every 4th sample; every 4th then every
  i/32-th, the engine's default), with the error against exact ITM.

Profiles of 112 and 1,112 points (the sizes of the issue's C++ reference
figures) are cut from NTIA's first reference profile when ../shared/reference is
present, else from a seeded synthetic terrain.

Usage::

    python bench/bench_itm.py [--repeats 7] [--calls 2000] [--batch 2000]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from towerplan.coverage import _itm_kernels as kern
from towerplan.coverage._itm_radial import itm_radial_loss
from towerplan.coverage.itm import itm_p2p_db, itm_p2p_many_db, itm_p2p_radial_db, warm_up
from towerplan.demo.profiles import rugged_profile

NTIA_PFL = Path(__file__).resolve().parents[2] / "shared" / "reference" / "ntia-itm" / "pfls.csv"
# NTIA p2p case 1: 230 MHz, 10 m / 1 m, climate 5, vertical, mdvar 12
OPTIONS = {"freq_mhz": 230.0, "climate": 5, "n0": 301.0, "epsilon": 15.0, "sigma": 0.008, "polarization": 1,
           "mdvar": 12, "time_pct": 50.0, "location_pct": 17.0, "situation_pct": 23.0}
H_TX, H_RX = 10.0, 1.0


def _terrain() -> tuple[np.ndarray, float, str]:
    if NTIA_PFL.is_file():
        first = NTIA_PFL.read_text(encoding="utf-8").splitlines()[0]
        pfl = np.array([float(v) for v in first.split(",")])
        return pfl[2:], float(pfl[1]), "NTIA reference profile 1 (100 m step)"
    rng = np.random.default_rng(20240607)
    z = 300.0 + np.cumsum(rng.normal(0.0, 8.0, 4000))
    return z, 100.0, "seeded random-walk terrain (100 m step)"


def _median_seconds(fn: Callable[[], object], number: int, repeats: int) -> float:
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        runs.append((time.perf_counter() - t0) / number)
    return statistics.median(runs)


def _kernel_args(z: np.ndarray, step: float) -> tuple:
    o = OPTIONS
    return (np.ascontiguousarray(z), step, H_TX, H_RX, o["climate"], o["n0"], o["freq_mhz"], o["polarization"],
            o["epsilon"], o["sigma"], o["mdvar"], o["time_pct"], o["location_pct"], o["situation_pct"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per figure (median reported)")
    parser.add_argument("--calls", type=int, default=2000, help="calls per timed run")
    parser.add_argument("--batch", type=int, default=2000, help="profiles per itm_p2p_many_db call")
    parser.add_argument("--raster-only", action="store_true", help="only the raster radial table")
    args = parser.parse_args()
    if args.raster_only:
        warm_up()
        raster_radials(args.repeats)
        return

    terrain, step, source = _terrain()
    t0 = time.perf_counter()
    warm_up()
    print(f"numba warm-up (compile or cache load): {time.perf_counter() - t0:.2f} s; terrain: {source}")
    print()
    print("| points | kernel us/call | itm_p2p_db us/call | many us/profile | kernel calls/s |")
    print("|---:|---:|---:|---:|---:|")
    for n_points in (112, 1112):
        z = terrain[:n_points]
        pfl = np.concatenate([[n_points - 1, step], z])
        kargs = _kernel_args(z, step)
        t_kernel = _median_seconds(lambda a=kargs: kern.p2p_one(*a), args.calls, args.repeats)
        t_public = _median_seconds(lambda p=pfl: itm_p2p_db(p, h_tx_m=H_TX, h_rx_m=H_RX, **OPTIONS),
                                   max(args.calls // 4, 1), args.repeats)
        profiles = [pfl] * args.batch
        t_many = _median_seconds(
            lambda ps=profiles: itm_p2p_many_db(ps, h_tx_m=H_TX, h_rx_m=H_RX, **OPTIONS), 1, args.repeats
        ) / args.batch
        print(f"| {n_points:,} | {t_kernel * 1e6:.2f} | {t_public * 1e6:.2f} | {t_many * 1e6:.2f} "
              f"| {1 / t_kernel:,.0f} |")

    print()
    print("| radial points | radial us/point | one kernel call per point, us/point | speed-up |")
    print("|---:|---:|---:|---:|")
    for n_points in (112, 1112):
        z = terrain[:n_points]
        pfl = np.concatenate([[n_points - 1, step], z])
        t_radial = _median_seconds(lambda p=pfl: itm_p2p_radial_db(p, h_tx_m=H_TX, h_rx_m=H_RX, **OPTIONS), 1,
                                   args.repeats) / (n_points - 1)
        subs = [_kernel_args(z[: i + 1], step) for i in range(1, n_points)]

        def separate(subs: list = subs) -> None:
            for a in subs:
                kern.p2p_one(*a)

        t_sep = _median_seconds(separate, 1, args.repeats) / (n_points - 1)
        print(f"| {n_points:,} | {t_radial * 1e6:.2f} | {t_sep * 1e6:.2f} | {t_sep / t_radial:.1f}x |")
    raster_radials(args.repeats)


def raster_radials(repeats: int, n_radials: int = 16, n: int = 1000, step_m: float = 30.0) -> None:
    """Per-point CPU and error of the sweep's radial: exact ITM and the interpolated Delta h."""
    args = (30.0, 1.5, 1, 360.0, 1800.0, 1, 15.0, 0.005, 1, 50.0, 50.0, 50.0)
    profiles = [rugged_profile(seed, n, step_m) for seed in range(n_radials)]

    def run(k: int, rel: int) -> np.ndarray:
        outs = np.full((n_radials, n), np.nan)
        for z, out in zip(profiles, outs, strict=True):
            itm_radial_loss(z, step_m, *args, 1, out, k, rel)
        return outs

    print()
    print(f"| raster radial ({n_radials} x {n:,} points, 30 m, 1,500 m relief) | CPU us/point | "
          "P50 / P98 / max abs. error vs exact ITM (dB) |")
    print("|---|---:|---:|")
    exact = run(1, 0)
    for label, k, rel in (("exact ITM (itm_delta_h_every=1)", 1, 0), ("Delta h every 4th sample (before)", 4, 0),
                          ("Delta h every max(4, i/32) samples (default)", 4, 32)):
        run(k, rel)
        cpu = []
        for _ in range(repeats):
            c0 = time.process_time()
            out = run(k, rel)
            cpu.append(time.process_time() - c0)
        err = np.abs(out - exact)[:, 10:].ravel()
        print(f"| {label} | {statistics.median(cpu) / (n_radials * (n - 1)) * 1e6:.2f} | "
              f"{np.median(err):.3f} / {np.percentile(err, 98):.3f} / {err.max():.2f} |")


if __name__ == "__main__":
    main()
