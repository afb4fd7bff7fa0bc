"""Extra cost of the downlink SINR accumulation (``CoverageConfig(sinr=True)``) in the coverage engine.

Cases (``--case``, repeatable):

* ``demo``: the synthetic demo province at 90 m (``towerplan demo`` inputs from the cache,
  generated on first use), 4G sectors (``--technology``, default 4G);
* ``province-90``: the synthetic province of ``bench_coverage.py`` (``--sites`` three-sector
  sites on a 110 x 100 km rugged DEM, 4G 1800 MHz, model ``auto``: ITU-R P.1812) at 90 m;
  ``--part 4`` keeps the north-west quarter of that DEM (half the rows, half the columns)
  and the sites of the whole province's draw that lie in it (~1/4 of them, the same
  density and terrain), for a machine that cannot afford the whole province.

Runs without and with SINR alternately (``--repeats`` pairs, after a warm-up on the first
``--warm-up-sites`` sites with both settings, which loads the kernels), so a busy machine
slows both alike, and prints median wall seconds, median CPU seconds of this process (all
numba threads) and the ratios; the ``radio_maps`` step (throughput, uplink)
is timed separately. Run from the repository root::

    python bench/bench_sinr.py --case demo --repeats 5
    python bench/bench_sinr.py --case province-90 --repeats 3
    python bench/bench_sinr.py --case province-90 --repeats 1 --part 4
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_coverage import peak_rss_gb, province, sites_table

from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.engine import run_coverage, warm_up
from towerplan.coverage.radio_maps import radio_maps
from towerplan.grid import Grid


def demo_case(technologies: tuple[str, ...]) -> tuple[Grid, pd.DataFrame, CoverageConfig]:
    from towerplan.demo import demo_dir
    from towerplan.workflow import read_study_dem, read_study_stations, select_technologies

    folder = demo_dir(Path.home() / ".cache" / "towerplan", resolution_m=90.0)
    st = select_technologies(read_study_stations(folder / "stations.csv").stations, technologies)
    st = pd.DataFrame(st.drop(columns=st.geometry.name))
    dem = read_study_dem(folder / "dem.tif", resolution_m=90.0)
    return dem, st, CoverageConfig()


def province_part(n_sites: int, part: int) -> tuple[Grid, pd.DataFrame, CoverageConfig]:
    """The province at 90 m, or (``part`` 4) its north-west quarter with the sites of the whole draw inside it."""
    dem, st, cfg = province(90.0, n_sites, (1800.0,))
    if part == 1:
        return dem, st, cfg
    if part != 4:
        raise SystemExit("--part must be 1 or 4")
    rows, cols = dem.shape[0] // 2, dem.shape[1] // 2
    sub = Grid(np.array(dem.values[:rows, :cols]), dem.transform, dem.crs, dem.nodata)
    left, bottom, right, top = sub.bounds
    # the same draw as bench_coverage.province, so these are the whole province's sites in the quarter
    full_left, full_bottom, full_right, full_top = dem.bounds
    rng = np.random.default_rng(7)
    xy = np.column_stack([rng.uniform(full_left + 200, full_right - 200, n_sites),
                          rng.uniform(full_bottom + 200, full_top - 200, n_sites)])
    inside = (xy[:, 0] >= left + 200) & (xy[:, 0] <= right - 200) & (xy[:, 1] >= bottom + 200) & (xy[:, 1] <= top - 200)
    print(f"part 1/4: {sub.shape} cells, {int(inside.sum())} of {n_sites} sites", flush=True)
    return sub, sites_table(xy[inside], freqs=(1800.0,)), cfg


def ab(dem, st, cfg: CoverageConfig, repeats: int, warm_sites: int = 0) -> None:
    on = dataclasses.replace(cfg, sinr=True)
    off = dataclasses.replace(cfg, sinr=False)
    if warm_sites:  # load the kernels of both settings on a few sites
        few = st[st["site_id"].isin(st["site_id"].unique()[:warm_sites])]
        for c in (off, on):
            run_coverage(dem, few, config=c)
    else:
        run_coverage(dem, st, config=on)  # compile / load the SINR kernels
    wall: dict[bool, list[float]] = {False: [], True: []}
    cpu: dict[bool, list[float]] = {False: [], True: []}
    res = None
    for _ in range(repeats):
        for flag, c in ((False, off), (True, on)):
            t0, c0 = time.perf_counter(), time.process_time()
            r = run_coverage(dem, st, config=c)
            wall[flag].append(time.perf_counter() - t0)
            cpu[flag].append(time.process_time() - c0)
            print(f"  sinr={flag}: wall {wall[flag][-1]:.2f} s, cpu {cpu[flag][-1]:.2f} s, "
                  f"load {os.getloadavg()[0]:.1f}, {time.strftime('%H:%M:%S', time.gmtime())} UTC", flush=True)
            if flag:
                res = r
    t0 = time.perf_counter()
    maps = radio_maps(res)  # type: ignore[arg-type]
    t_maps = time.perf_counter() - t0
    w0, w1 = statistics.median(wall[False]), statistics.median(wall[True])
    c0, c1 = statistics.median(cpu[False]), statistics.median(cpu[True])
    own, _ = peak_rss_gb()
    print(f"grid {dem.shape}, {len(st)} sectors, carriers {len(res.sinr.carriers)}")  # type: ignore[union-attr]
    print(f"  wall  off {w0:7.2f} s  on {w1:7.2f} s  ratio {w1 / w0:.3f}   "
          f"runs off {[round(t, 2) for t in wall[False]]} on {[round(t, 2) for t in wall[True]]}")
    print(f"  cpu   off {c0:7.2f} s  on {c1:7.2f} s  ratio {c1 / c0:.3f}")
    print(f"  radio_maps (throughput, uplink, serving layer) {t_maps:.2f} s; peak RSS {own:.2f} GB; "
          f"{maps.summary()['operators']}", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--case", action="append", required=True, choices=["demo", "province-90"])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--sites", type=int, default=4000)
    ap.add_argument("--technology", nargs="+", default=["4G"])
    ap.add_argument("--part", type=int, default=1, help="province-90: 1 (whole) or 4 (its north-west quarter)")
    ap.add_argument("--warm-up-sites", type=int, default=0,
                    help="warm up on this many sites with both settings (0: one whole run with SINR)")
    args = ap.parse_args()
    warm_up()
    for case in args.case:
        print(case, flush=True)
        if case == "demo":
            ab(*demo_case(tuple(args.technology)), args.repeats)
        else:
            ab(*province_part(args.sites, args.part), args.repeats, args.warm_up_sites)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
