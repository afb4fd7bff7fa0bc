"""Extra cost of the downlink SINR accumulation (``CoverageConfig(sinr=True)``) in the coverage engine.

Cases (``--case``, repeatable):

* ``demo``: the synthetic demo province at 90 m (``towerplan demo`` inputs from the cache,
  generated on first use), 4G sectors (``--technology``, default 4G);
* ``province-90``: the synthetic province of ``bench_coverage.py`` (``--sites`` three-sector
  sites on a 110 x 100 km rugged DEM, 4G 1800 MHz, COST-231 + Deygout) at 90 m.

Runs without and with SINR alternately (``--repeats`` pairs, after a warm-up), so a busy
machine slows both alike, and prints median wall seconds, median CPU seconds of this
process (all numba threads) and the ratios; the ``radio_maps`` step (throughput, uplink)
is timed separately. Run from the repository root::

    python bench/bench_sinr.py --case demo --repeats 5
    python bench/bench_sinr.py --case province-90 --repeats 3
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_coverage import peak_rss_gb, province

from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.engine import run_coverage, warm_up
from towerplan.coverage.radio_maps import radio_maps


def demo_case(technologies: tuple[str, ...]):
    from towerplan.demo import demo_dir
    from towerplan.workflow import read_study_dem, read_study_stations, select_technologies

    folder = demo_dir(Path.home() / ".cache" / "towerplan", resolution_m=90.0)
    st = select_technologies(read_study_stations(folder / "stations.csv").stations, technologies)
    st = pd.DataFrame(st.drop(columns=st.geometry.name))
    dem = read_study_dem(folder / "dem.tif", resolution_m=90.0)
    return dem, st, CoverageConfig()


def ab(dem, st, cfg: CoverageConfig, repeats: int) -> None:
    on = dataclasses.replace(cfg, sinr=True)
    off = dataclasses.replace(cfg, sinr=False)
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
    args = ap.parse_args()
    warm_up()
    for case in args.case:
        print(case, flush=True)
        if case == "demo":
            ab(*demo_case(tuple(args.technology)), args.repeats)
        else:
            ab(*province(90.0, args.sites, (1800.0,)), args.repeats)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
