"""Benchmarks of the coverage engine (towerplan.coverage.engine): one site, a province, Dask scaling.

Cases (``--case``, repeatable):

* ``site-itm-90`` / ``site-itm-30``: one 3-sector site, 30 km radius, ITM, on a
  rugged synthetic DEM at 90 m / 30 m;
* ``site-p1812-90``: the same with ITU-R P.1812 at 90 m, without and with a
  synthetic land cover (every clutter class), against ``site-itm-90`` on the same grid;
* ``site-hata-30``: the same with COST-231 Hata + Deygout diffraction at 30 m
  (by default the threshold is -200 dBm, so that the full 30 km radius is computed;
  ``--site-threshold-dbm -110`` gives the radius a real run would use);
* ``province-90`` / ``province-30``: ``--sites`` three-sector sites (default 4,000) of
  three operators on a 110 x 100 km DEM, model ``auto``, carriers ``--freqs`` (default
  2G 900 MHz and 4G 1800 MHz: Hata / COST-231 + diffraction), threshold -110 dBm;
* ``dask-90``: the province at 90 m on a Dask LocalCluster with 1 and with 2 workers;
* ``accuracy``: raster vs exact point-to-point at 300 random cells (ITM and COST-231).
* ``accuracy-extended``: P.1812 with land cover (30 m, 8 km; 90 m, 20 km; four terrains), without land cover
  and on flat ground, COST-231 at 30 m, raster vs exact without the extended zone (0) and with several
  spacings, with and without the receiver-clutter match and the refinement (``bench/accuracy_extended.py``);
  ``--extended-spacing-m`` sets it for the province cases.

Prints one line per case: median seconds of ``--repeats`` runs (after a warm-up),
peak RSS of this process (children reported separately), and the settings.
Run from the repository root::

    python bench/bench_coverage.py --case site-itm-90 --repeats 5
    python bench/bench_coverage.py --case province-90 --repeats 3
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from affine import Affine
from pyproj import Transformer
from scipy import ndimage

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.engine import run_coverage, warm_up
from towerplan.grid import Grid

X0, Y0 = 500_000.0, 2_250_000.0  # EPSG:32648 (UTM 48N), around Thanh Hóa


def rugged_dem(rows: int, cols: int, res_m: float, *, seed: int = 1, relief: float = 0.1) -> Grid:
    """Hills at 3 km, 1 km and 300 m scales (elevation std ~ relief x 4300 m); lowest point 0 m."""
    rng = np.random.default_rng(seed)
    z = np.zeros((rows, cols), dtype=np.float32)
    for scale in (3000.0, 1000.0, 300.0):
        f = ndimage.gaussian_filter(rng.standard_normal((rows, cols)).astype(np.float32), scale / res_m)
        z += f / f.std() * np.float32(scale * relief)
    return Grid(z - z.min(), Affine(res_m, 0, X0, 0, -res_m, Y0), 32648, None)


def sites_table(xy: np.ndarray, *, freqs=(900.0, 1800.0)) -> pd.DataFrame:
    lon, lat = Transformer.from_crs(32648, 4326, always_xy=True).transform(xy[:, 0], xy[:, 1])
    rows = []
    ops = ("Viettel", "VNPT", "MobiFone")
    for s in range(len(xy)):
        f = freqs[s % len(freqs)]
        for az in (0.0, 120.0, 240.0):
            rows.append({"site_id": f"S{s}", "operator": ops[s % 3], "technology": "2G" if f < 1000 else "4G",
                         "lon": lon[s], "lat": lat[s], "antenna_height_m": 30.0, "azimuth_deg": az,
                         "tilt_deg": 3.0, "h_beamwidth_deg": 65.0, "v_beamwidth_deg": 7.0, "freq_mhz": f,
                         "eirp_dbm": 58.0})
    return pd.DataFrame(rows)


def one_site(res_m: float, model: str, threshold_dbm: float, **cfg) -> tuple[Grid, pd.DataFrame, CoverageConfig]:
    n = int(60_000 / res_m) + 40
    dem = rugged_dem(n, n, res_m)
    left, _, _, top = dem.bounds
    xy = np.array([[left + n * res_m / 2 + 7.0, top - n * res_m / 2 - 3.0]])
    st = sites_table(xy, freqs=(1800.0,))
    return dem, st, CoverageConfig(model=model, threshold_dbm=threshold_dbm, **cfg)


def province(res_m: float, n_sites: int, freqs: tuple[float, ...]) -> tuple[Grid, pd.DataFrame, CoverageConfig]:
    rows, cols = int(100_000 / res_m), int(110_000 / res_m)
    dem = rugged_dem(rows, cols, res_m)
    left, bottom, right, top = dem.bounds
    rng = np.random.default_rng(7)
    xy = np.column_stack([rng.uniform(left + 200, right - 200, n_sites), rng.uniform(bottom + 200, top - 200,
                                                                                      n_sites)])
    return dem, sites_table(xy, freqs=freqs), CoverageConfig(threshold_dbm=-110.0)


def peak_rss_gb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1e6
    return own, kids


def timed(dem, st, cfg, repeats: int, **kw) -> tuple[float, list[float], object]:
    times = []
    res = None
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        res = run_coverage(dem, st, config=cfg, **kw)
        times.append(time.perf_counter() - t0)
        CPU_TIMES.append(time.process_time() - c0)
    return statistics.median(times), times, res


#: CPU seconds of this process (all threads) of every timed run, printed by :func:`report`
CPU_TIMES: list[float] = []


def report(name: str, med: float, times: list[float], res, extra: str = "") -> None:
    own, kids = peak_rss_gb()
    if CPU_TIMES:
        extra = f"CPU {[round(t, 3) for t in CPU_TIMES]} s, load {os.getloadavg()[0]:.1f}  {extra}"
        CPU_TIMES.clear()
    cov = np.isfinite(res.best_level.values).mean() if res is not None else float("nan")
    print(f"{name:14s} median {med:8.3f} s  runs {[round(t, 3) for t in times]}  grid {res.best_level.shape}  "
          f"covered {cov:.1%}  peak RSS {own:.2f} GB (children {kids:.2f} GB)  {extra}", flush=True)


def accuracy(res_m: float, **overrides) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from test_coverage_accuracy import raster_vs_exact  # the test's oracle

    for model in ("itm", "cost231"):
        d = raster_vs_exact(model, res_m, 8000.0, n_cells=300, **overrides)
        p10, med, p90 = np.percentile(d, [10, 50, 90])
        print(f"accuracy {model:8s} {res_m:.0f} m: P10 {p10:+.2f} dB  median {med:+.2f} dB  P90 {p90:+.2f} dB  "
              f"mean {d.mean():+.2f}  |max| {np.abs(d).max():.1f}  {overrides}", flush=True)


def p1812_site(repeats: int) -> None:
    """P.1812 one site, 30 km at 90 m, bare and with land cover, and ITM on the same grid (wall and CPU time)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from test_p1812_raster import synthetic_clutter

    dem, st, _ = one_site(90.0, "itm", -200.0)
    clutter = synthetic_clutter(dem.shape)
    for name, model, clut in (("itm", "itm", None), ("p1812", "p1812", None), ("p1812+lc", "p1812", clutter)):
        cfg = CoverageConfig(model=model, threshold_dbm=-200.0)  # type: ignore[arg-type]
        run_coverage(dem, st, config=cfg, clutter=clut)
        wall, cpu = [], []
        for _ in range(repeats):
            t0, c0 = time.perf_counter(), time.process_time()
            res = run_coverage(dem, st, config=cfg, clutter=clut)
            wall.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        report(f"site-{name}-90", statistics.median(wall), wall, res, f"CPU median {statistics.median(cpu):.3f} s")


def accuracy_p1812() -> None:
    """P.1812 raster vs exact point to point, 1,000 cells (the test's oracle), with and without land cover."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from test_p1812_raster import raster_vs_exact as p1812_vs_exact

    for res_m, radius, clutter in ((90.0, 8000.0, True), (90.0, 8000.0, False), (30.0, 4000.0, True)):
        d = p1812_vs_exact(res_m, radius, n_cells=1000, clutter=clutter)
        p10, med, p90 = np.percentile(d, [10, 50, 90])
        print(f"accuracy p1812 {res_m:.0f} m, {radius / 1000:g} km, land cover {clutter}: P10 {p10:+.2f} dB  "
              f"median {med:+.2f} dB  P90 {p90:+.2f} dB  |max| {np.abs(d).max():.1f}", flush=True)


def accuracy_extended() -> None:
    """Raster vs exact with the extended zone: ``bench/accuracy_extended.py``."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from accuracy_extended import accuracy_extended as run

    run()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--case", action="append", required=True,
                    choices=["site-itm-90", "site-itm-30", "site-p1812-90", "site-hata-30", "province-90",
                             "province-30", "dask-90", "accuracy", "accuracy-p1812", "accuracy-extended"])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--sites", type=int, default=4000)
    ap.add_argument("--freqs", type=float, nargs="+", default=[900.0, 1800.0],
                    help="carrier of each site in turn (900: 2G Hata, 1800: 4G COST-231, 2600: 4G ITM)")
    ap.add_argument("--radial-spacing-cells", type=float, default=None,
                    help="default: the engine's (2 for ITM, 1 otherwise)")
    ap.add_argument("--itm-delta-h-every", type=int, default=4)
    ap.add_argument("--site-threshold-dbm", type=float, default=-200.0,
                    help="threshold of the one-site cases (-200: the full 30 km radius is computed)")
    ap.add_argument("--extended-spacing-m", type=float, default=None,
                    help="the extended zone's radial spacing of the province cases (default: the engine's, 90 m; "
                         "0: off)")
    args = ap.parse_args()
    warm_up()
    fast = {"radial_spacing_cells": args.radial_spacing_cells, "itm_delta_h_every": args.itm_delta_h_every}
    for case in args.case:
        if case == "site-p1812-90":
            p1812_site(args.repeats)
        elif case == "accuracy-p1812":
            accuracy_p1812()
        elif case.startswith("site-"):
            res_m = 90.0 if case.endswith("90") else 30.0
            model = "itm" if "itm" in case else "cost231"
            dem, st, cfg = one_site(res_m, model, args.site_threshold_dbm, **fast)
            med, times, res = timed(dem, st, cfg, args.repeats)
            report(case, med, times, res, f"{fast} threshold {args.site_threshold_dbm} dBm")
        elif case.startswith("province"):
            res_m = 90.0 if case.endswith("90") else 30.0
            dem, st, cfg = province(res_m, args.sites, tuple(args.freqs))
            if args.extended_spacing_m is not None:
                cfg = dataclasses.replace(cfg, extended_spacing_m=args.extended_spacing_m)
            med, times, res = timed(dem, st, cfg, args.repeats)
            report(case, med, times, res, f"{args.sites} sites at {args.freqs} MHz, extended zone "
                   f"{cfg.extended_spacing_m:g} m; timings "
                   f"{ {k: round(v, 2) for k, v in res.timings.items()} }")
        elif case == "dask-90":
            dem, st, cfg = province(90.0, args.sites, tuple(args.freqs))
            for workers in (1, 2):
                med, times, res = timed(dem, st, cfg, args.repeats, executor="dask", workers=workers)
                report(f"dask-{workers}w", med, times, res, f"{args.sites} sites at {args.freqs} MHz")
        elif case == "accuracy-extended":
            accuracy_extended()
        elif case == "accuracy":
            accuracy(90.0, **fast)
            accuracy(30.0, **fast)
    return 0


if __name__ == "__main__":
    sys.exit(main())
