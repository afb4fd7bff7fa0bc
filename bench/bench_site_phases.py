"""Where one ITM site's wall time goes: each engine phase timed (wall and CPU) inside ``run_coverage``.

The case is ``bench_coverage.py``'s ``site-itm-90`` / ``site-itm-30`` (one 3-sector 1800 MHz site,
30 km, the rugged fractal DEM). Each engine function is wrapped by a timer in this process only
(the library is not changed); run it with ``NUMBA_NUM_THREADS=1`` and ``=2`` to see which phases
use both cores (a phase whose CPU is ~2x its wall is parallel)::

    NUMBA_NUM_THREADS=2 python bench/bench_site_phases.py --res 30 --repeats 3 --threshold-dbm -150
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_coverage import one_site

from towerplan.coverage import _kernels as kern
from towerplan.coverage import engine
from towerplan.coverage.engine import run_coverage, warm_up

WALL: dict[str, float] = defaultdict(float)
CPU: dict[str, float] = defaultdict(float)


def _timed(name, fn):
    def wrapper(*args, **kwargs):
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            WALL[name] += time.perf_counter() - t0
            CPU[name] += time.process_time() - c0
    return wrapper


def instrument() -> None:
    """Wrap the engine's phases (module attributes, so the engine's own calls go through the timers)."""
    for name in ("prepare_stations", "plan_groups", "_fill_dem", "_new_acc", "wrap_result", "site_loss",
                 "check_memory", "make_batches", "map_batches"):
        setattr(engine, name, _timed(name, getattr(engine, name)))
    for name in ("radial_losses", "fill_window", "site_geometry", "accumulate_sector", "min_into", "merge_partial",
                 "bilinear"):
        setattr(kern, name, _timed(name, getattr(kern, name)))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--res", type=float, default=30.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threshold-dbm", type=float, default=-150.0)
    args = ap.parse_args()
    warm_up()
    dem, st, cfg = one_site(args.res, "itm", args.threshold_dbm, itm_delta_h_every=4)
    run_coverage(dem, st, config=cfg)  # warm-up on this grid
    instrument()
    walls, cpus = [], []
    for _ in range(args.repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        run_coverage(dem, st, config=cfg)
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    n = args.repeats
    print(f"{args.res:.0f} m: wall median {statistics.median(walls):.3f} s {[round(t, 3) for t in walls]}, "
          f"CPU median {statistics.median(cpus):.3f} s")
    for name in sorted(WALL, key=lambda k: -WALL[k]):
        print(f"  {name:24s} wall {WALL[name] / n * 1000:8.1f} ms  CPU {CPU[name] / n * 1000:8.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
