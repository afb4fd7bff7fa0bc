"""The tiled engine on a Vietnam-sized synthetic country: cost per tile and per site, memory per worker.

A synthetic country of ~331,000 km2 (Vietnam's area) at 90 m: a square DEM of
6,400 x 6,400 cells (41 M cells, 576 km a side, UTM 48N) with fractal relief (hills at
30 km, 8 km, 2 km and 500 m scales; 0-2,400 m), and 100,000 three-sector sites
(300,000 sectors) placed at random, the three operators on 900 / 1800 / 2600 MHz
(Hata, COST-231, ITM with the ``auto`` model). Default coverage settings (threshold
-110 dBm, reach capped at 30 km).

Running every tile takes hours on two shared cores, so a seeded random sample of
tiles is run (each as one task, as the full run would) on a Dask cluster of separate
processes (``dask scheduler`` + ``dask worker tcp://...``, one thread each). Printed:
seconds, site groups and peak resident memory per tile, and the extrapolation to the
whole country (tiles x median cost), to 30 m and to N machines. Usage::

    PYTHONPATH=$PWD python bench/bench_tiled.py --sample 4 --tile-cells 512 [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from affine import Affine
from pyproj import Transformer
from scipy import ndimage

REPO = Path(__file__).resolve().parents[1]
SIDE = 6400
RES = 90.0
X0, Y0 = 200_000.0, 2_600_000.0
N_SITES = 100_000


def country_dem(path: Path, *, seed: int = 0) -> None:
    """Fractal DEM of SIDE x SIDE cells written as a tiled GeoTIFF (built in strips of octaves)."""
    from towerplan.grid import Grid
    from towerplan.rasters import write_grid

    rng = np.random.default_rng(seed)
    z = np.zeros((SIDE, SIDE), dtype=np.float32)
    for scale_m, amp_m in ((30_000.0, 900.0), (8_000.0, 450.0), (2_000.0, 160.0), (500.0, 40.0)):
        n = max(4, int(SIDE * RES / scale_m))
        coarse = ndimage.gaussian_filter(rng.standard_normal((n, n)), 1.0)
        coarse /= coarse.std()
        z += (ndimage.zoom(coarse, SIDE / n, order=3)[:SIDE, :SIDE] * amp_m).astype(np.float32)
    z -= z.min()
    write_grid(Grid(z, Affine(RES, 0, X0, 0, -RES, Y0), 32648, None), path, cog=False)


def country_sites(*, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.uniform(X0 + 1_000, X0 + SIDE * RES - 1_000, N_SITES)
    y = rng.uniform(Y0 - SIDE * RES + 1_000, Y0 - 1_000, N_SITES)
    lon, lat = Transformer.from_crs(32648, 4326, always_xy=True).transform(x, y)
    k = np.arange(N_SITES) % 3
    ops = np.array(["Viettel", "VNPT", "MobiFone"])[k]
    freq = np.array([900.0, 1800.0, 2600.0])[k]
    tech = np.array(["2G", "4G", "4G"])[k]
    frames = []
    for az in (0.0, 120.0, 240.0):
        frames.append(pd.DataFrame({
            "site_id": [f"S{i}" for i in range(N_SITES)], "cell_id": [f"S{i}-{int(az)}" for i in range(N_SITES)],
            "operator": ops, "technology": tech, "lon": lon, "lat": lat, "antenna_height_m": 30.0 + 10.0 * (k == 1),
            "azimuth_deg": az, "tilt_deg": 3.0, "h_beamwidth_deg": 65.0, "v_beamwidth_deg": 7.0, "freq_mhz": freq,
            "eirp_dbm": 58.0}))
    return pd.concat(frames, ignore_index=True)


def _cluster(workers: int, folder: Path) -> tuple[str, list[subprocess.Popen]]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_WAIT_POLICY": "passive"}
    info = folder / "scheduler.json"
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                               "--port", "0", "--no-dashboard", "--scheduler-file", str(info)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    while not info.exists():
        time.sleep(0.2)
    address = json.loads(info.read_text())["address"]
    for _ in range(workers):
        procs.append(subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads",
                                       "1", "--no-nanny", "--no-dashboard", "--memory-limit", "2GB"], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    return address, procs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", type=int, default=4, help="tiles run (seeded random sample)")
    ap.add_argument("--tile-cells", type=int, default=512)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "towerplan-bench-country")
    args = ap.parse_args()
    from dask.distributed import Client

    from towerplan.coverage.config import CoverageConfig
    from towerplan.coverage.plan import prepare_stations
    from towerplan.coverage.tiled import _lattice, _tile_tasks, halo_cells, plan_tiles, run_tile

    args.cache.mkdir(parents=True, exist_ok=True)
    dem = args.cache / "country_dem_90m.tif"
    t0 = time.perf_counter()
    if not dem.exists():
        country_dem(dem)
    print(f"DEM {SIDE} x {SIDE} cells ({SIDE * SIDE * RES * RES / 1e6:,.0f} km2) ready in "
          f"{time.perf_counter() - t0:.0f} s", flush=True)
    config = CoverageConfig()
    lattice = _lattice(dem)
    t0 = time.perf_counter()
    sectors = prepare_stations(country_sites(), lattice, config)
    print(f"{len(sectors.table):,} sectors prepared in {time.perf_counter() - t0:.1f} s", flush=True)
    tiles = plan_tiles(lattice.shape, tile_cells=args.tile_cells, halo=halo_cells(config, RES))
    pick = sorted(np.random.default_rng(7).choice(len(tiles), size=min(args.sample, len(tiles)), replace=False))
    out = args.cache / f"tiles_{args.tile_cells}"
    out.mkdir(exist_ok=True)
    tasks = [t for t in _tile_tasks([tiles[i] for i in pick], sectors, lattice, config, dem, out, 1)]
    address, procs = _cluster(args.workers, args.cache)
    try:
        with Client(address) as client:
            client.wait_for_workers(args.workers, timeout=120)
            t0 = time.perf_counter()
            futures = [client.submit(run_tile, task, pure=False) for task in tasks]
            rows = [f.result() for f in futures]
            wall = time.perf_counter() - t0
    finally:
        for p in reversed(procs):
            p.terminate()
            p.wait(30)
    table = pd.DataFrame(rows)
    near = [len(t["sectors"].table) // 3 for t in tasks]
    table["sites_near"] = near
    print(table[["tile", "n_groups", "sites_near", "seconds", "max_rss_mb"]].to_string(index=False))
    med_tile = statistics.median(table["seconds"])
    per_group = float(table["seconds"].sum() / table["n_groups"].sum())
    load = os.getloadavg()
    n_tiles = len(tiles)
    cpu_s = med_tile * n_tiles
    groups_total = float(np.median(table["n_groups"])) * n_tiles
    print(f"load average {load[0]:.1f} {load[1]:.1f} on {os.cpu_count()} CPUs; {args.workers} workers; "
          f"sample wall {wall:.0f} s")
    print(f"tiles {n_tiles} of {args.tile_cells} cells; median tile {med_tile:.1f} s; {per_group * 1000:.0f} ms "
          f"per site group computed (a site is computed once per tile its reach touches: "
          f"{groups_total / N_SITES:.2f} x on average); peak RSS per worker {table['max_rss_mb'].max():,.0f} MB")
    print(f"extrapolated whole country at 90 m: {cpu_s / 3600:.1f} worker-hours; "
          f"on 1 machine of 2 workers {cpu_s / 2 / 3600:.1f} h; on N machines ~ that / N")
    print(f"extrapolated at 30 m: x ~{9:.0f} (cells per site window) -> {cpu_s * 9 / 3600:.0f} worker-hours "
          f"(assumes cost per site grows with the window's cells, as measured for the single-site bench)")
    print(json.dumps({"tile_cells": args.tile_cells, "tiles": n_tiles, "median_tile_s": med_tile,
                      "ms_per_group": per_group * 1000, "max_rss_mb": float(table["max_rss_mb"].max()),
                      "load": load[0], "dup": groups_total / N_SITES, "hours_90m": cpu_s / 3600}))
    assert math.isfinite(med_tile)


if __name__ == "__main__":
    main()
