"""The tiled engine on a Vietnam-sized synthetic country: cost per tile and per site, memory per worker.

A synthetic country of ~331,000 km2 (Vietnam's area) at 90 m: a square DEM of
6,400 x 6,400 cells (41 M cells, 576 km a side, UTM 48N) with fractal relief (hills at
30 km, 8 km, 2 km and 500 m scales; 0-2,400 m), and 100,000 three-sector sites
(300,000 sectors) placed at random, the three operators on 900 / 1800 / 2600 MHz
(Hata, COST-231, ITM with the ``auto`` model). Default coverage settings (threshold
-110 dBm, reach capped at 30 km).

Running every tile takes days of CPU on two shared cores, so the run is measured in parts
and extrapolated (stated as such in bench/README.md):

1. every site group is planned on the whole DEM (radius and window, as each tile would plan it),
   and for tiles of 512, 1,024 and 2,048 cells the site groups each tile computes are counted
   (a site is computed by every tile its window touches): the exact amount of work per tile;
2. a seeded random sample of site groups is computed one by one (the engine's ``run_batch``):
   seconds per site group by model, at 90 m and, on a 30 m resampling of a 184 km square of the
   same DEM, at 30 m;
3. one real tile task (``run_tile``) runs in a ``dask worker`` process (``dask scheduler`` +
   ``dask worker tcp://...``) with the sites limited to a few: its peak resident memory is the
   memory of a worker (window, accumulators and layers do not depend on the number of sites).
4. with ``--full-tiles N``: N whole interior tiles of ``--tile-cells`` (every site group that reaches
   them, as a full run computes them) on a cluster of two ``dask worker`` processes, one thread each:
   the measured seconds and peak memory per tile, and the seconds per site-group computation inside a
   tile (a site is cut to the tile's box there, so it costs less than the whole site of item 2); the
   country's total is that cost times the counted computations of item 1.

Usage::

    PYTHONPATH=$PWD python bench/bench_tiled.py [--sample 24] [--sample-30m 6] [--full-tiles 4 --tile-cells 512]
"""

from __future__ import annotations

import argparse
import json
import math
import os
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
    info.unlink(missing_ok=True)
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


def _time_groups(groups, z, lattice, config) -> list[tuple[str, float]]:
    from towerplan.coverage.engine import run_batch

    left, _, _, top = lattice.bounds
    geo = (left, top, lattice.res[0], lattice.res[1])
    out = []
    for g in groups:
        task = {"dem": z, "off": (0, 0), "geo": geo, "config": config, "box": g.box, "groups": [g], "n_ops": 3,
                "n_techs": 2, "threads": 1}
        t0 = time.perf_counter()
        run_batch(task)
        out.append((g.model, time.perf_counter() - t0))
    return out


def _full_tiles(n: int, cells: int, sectors, lattice, config, dem: Path, cache: Path) -> list[dict]:
    """Run ``n`` whole interior tiles of ``cells`` on two dask worker processes; their run_tile rows and the wall."""
    from dask.distributed import Client

    from towerplan.coverage.tiled import _tile_tasks, halo_cells, plan_tiles

    tiles = plan_tiles(lattice.shape, tile_cells=cells, halo=halo_cells(config, RES))
    h, w = lattice.shape
    interior = [t for t in tiles if t.window[0] > 0 and t.window[2] > 0 and t.window[1] < h and t.window[3] < w]
    rng = np.random.default_rng(5)
    chosen = [interior[i] for i in sorted(rng.choice(len(interior), size=min(n, len(interior)), replace=False))]
    out = cache / f"tiles_full_{cells}"
    out.mkdir(exist_ok=True)
    tasks = list(_tile_tasks(chosen, sectors, lattice, config, dem, out, 1, clutter=None, plan=None, slug=None))
    address, procs = _cluster(2, cache)
    try:
        with Client(address) as client:
            client.wait_for_workers(2, timeout=120)
            t0 = time.perf_counter()
            rows = client.gather(client.map(run_tile_timed, tasks, pure=False))
            wall = time.perf_counter() - t0
    finally:
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(30)
    for row in rows:
        print(f"tile {row['tile']} ({cells} cells): {row['n_groups']:,} site groups in {row['seconds']:.1f} s "
              f"({row['cpu_s']:.1f} s CPU, {row['seconds'] / max(row['n_groups'], 1) * 1000:.1f} ms a group), "
              f"peak RSS {row['max_rss_mb']:,.0f} MB", flush=True)
    print(f"{len(rows)} whole tiles on two dask workers: {wall:.1f} s wall", flush=True)
    return rows


def run_tile_timed(task: dict) -> dict:
    """``run_tile`` with the worker process's CPU seconds for the task (a top-level function: it pickles)."""
    from towerplan.coverage.tiled import run_tile

    c0 = time.process_time()
    row = run_tile(task)
    return {**row, "cpu_s": time.process_time() - c0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", type=int, default=24, help="site groups timed at 90 m")
    ap.add_argument("--sample-30m", type=int, default=6, help="site groups timed at 30 m")
    ap.add_argument("--full-tiles", type=int, default=0,
                    help="also run this many whole interior tiles on two dask workers (item 4 of the docstring)")
    ap.add_argument("--tile-cells", type=int, default=512, help="tile side of --full-tiles, cells")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "towerplan-bench-country")
    args = ap.parse_args()
    import numba
    from dask.distributed import Client

    from towerplan.coverage.config import CoverageConfig
    from towerplan.coverage.engine import warm_up
    from towerplan.coverage.plan import Sectors, plan_groups, prepare_stations
    from towerplan.coverage.tiled import TileSpec, _tile_tasks, halo_cells, lattice_of, plan_tiles, run_tile
    from towerplan.grid import Grid
    from towerplan.rasters import read_grid

    numba.set_num_threads(1)
    warm_up()
    args.cache.mkdir(parents=True, exist_ok=True)
    dem = args.cache / "country_dem_90m.tif"
    if not dem.exists():
        country_dem(dem)
    config = CoverageConfig()
    lattice = lattice_of(dem)
    sectors = prepare_stations(country_sites(), lattice, config)
    grid = read_grid(dem)
    z = np.ascontiguousarray(grid.values.astype(np.float64))
    t0 = time.perf_counter()
    groups = plan_groups(sectors, lattice, z, config)
    print(f"{len(groups):,} site groups planned in {time.perf_counter() - t0:.0f} s; radius median "
          f"{np.median([g.radius_m for g in groups]) / 1000:.1f} km, "
          f"{np.mean([g.radius_m >= config.max_radius_m - 1 for g in groups]) * 100:.0f} % at the 30 km cap",
          flush=True)
    boxes = np.array([g.box for g in groups])
    work = {}
    for cells in (512, 1024, 2048):
        tiles = plan_tiles(lattice.shape, tile_cells=cells, halo=halo_cells(config, RES))
        per_tile = [int(((boxes[:, 0] < t.box[1]) & (boxes[:, 1] > t.box[0]) & (boxes[:, 2] < t.box[3])
                         & (boxes[:, 3] > t.box[2])).sum()) for t in tiles]
        work[cells] = (len(tiles), sum(per_tile), max(per_tile))
        print(f"tiles of {cells} cells: {len(tiles)} tiles, {sum(per_tile):,} site-group computations "
              f"({sum(per_tile) / len(groups):.2f} per site), at most {max(per_tile):,} in one tile", flush=True)
    rng = np.random.default_rng(3)
    pick = [groups[i] for i in rng.choice(len(groups), size=args.sample, replace=False)]
    t90 = _time_groups(pick, z, lattice, config)
    by_model = pd.DataFrame(t90, columns=["model", "s"]).groupby("model")["s"].agg(["count", "median", "mean"])
    print("90 m, seconds per site group (one thread):\n" + by_model.to_string(), flush=True)
    mean90 = float(np.mean([s for _, s in t90]))
    # 30 m: a 2,048-cell (184 km) square of the same DEM, resampled x3 (cubic), the sites inside it
    c0 = SIDE // 2 - 1024
    sub = z[c0:c0 + 2048, c0:c0 + 2048]
    z30 = np.ascontiguousarray(ndimage.zoom(sub, 3, order=3))
    t = lattice.transform
    lat30 = Grid(np.broadcast_to(np.float64(0.0), z30.shape),
                 Affine(30.0, 0, t.c + c0 * RES, 0, -30.0, t.f - c0 * RES), lattice.crs, None)
    margin = config.max_radius_m
    left30, bottom30, right30, top30 = lat30.bounds
    interior = [g for g in groups
                if left30 + margin < g.x < right30 - margin and bottom30 + margin < g.y < top30 - margin]
    chosen = [interior[i] for i in rng.choice(len(interior), size=args.sample_30m, replace=False)]
    keys = {(g.x, g.y) for g in chosen}
    xy = zip(sectors.table["x"], sectors.table["y"], strict=True)
    inside = sectors.table[[(x, y) in keys for x, y in xy]]
    g30 = plan_groups(Sectors(inside, sectors.operators, sectors.technologies, sectors.skipped), lat30, z30, config)
    order = {(g.x, g.y, g.model): g for g in g30}
    g30 = [order[(g.x, g.y, g.model)] for g in chosen]
    same90 = [s for _, s in _time_groups(chosen, z, lattice, config)]
    t30 = _time_groups(g30, z30, lat30, config)
    ratio = float(np.sum([s for _, s in t30]) / max(np.sum(same90), 1e-9))
    print(f"30 m: {len(t30)} of the same site groups: {np.mean([s for _, s in t30]):.2f} s each; "
          f"{ratio:.1f}x their 90 m time", flush=True)
    # memory of one worker running one real 1,024-cell tile (36 sites, one sector each; windows as in a full run)
    tile = plan_tiles(lattice.shape, tile_cells=1024, halo=halo_cells(config, RES))[14]
    out = args.cache / "tiles_mem"
    out.mkdir(exist_ok=True)
    task = next(_tile_tasks([TileSpec(tile.index, tile.box, tile.window)], sectors, lattice, config, dem, out, 1,
                            clutter=None, plan=None, slug=None))
    task["sectors"] = Sectors(task["sectors"].table.iloc[:36].copy(), sectors.operators, sectors.technologies,
                              sectors.skipped)
    task["global_index"] = task["global_index"][:36]
    address, procs = _cluster(1, args.cache)
    try:
        with Client(address) as client:
            client.wait_for_workers(1, timeout=120)
            row = client.submit(run_tile, task, pure=False).result()
    finally:
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(30)
    print(f"one 1,024-cell tile in a dask worker: peak RSS {row['max_rss_mb']:,.0f} MB ({row['n_groups']} site "
          f"groups, {row['seconds']:.1f} s)")
    load = os.getloadavg()
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} CPUs")
    for cells, (n_tiles, total, most) in work.items():
        cpu_h = total * mean90 / 3600
        print(f"extrapolated, tiles of {cells}: {cpu_h:,.0f} worker-hours at 90 m "
              f"({n_tiles} tiles, {total * mean90 / n_tiles / 60:.0f} min per tile on average, the largest "
              f"{most * mean90 / 60:.0f} min); at 30 m {cpu_h * ratio:,.0f} worker-hours; "
              f"on N machines of 2 workers: {cpu_h / 2:,.0f} / N h at 90 m")
    full = {}
    if args.full_tiles:
        rows = _full_tiles(args.full_tiles, args.tile_cells, sectors, lattice, config, dem, args.cache)
        per_group = sum(r["seconds"] for r in rows) / max(sum(r["n_groups"] for r in rows), 1)
        n_tiles, total, most = work.get(args.tile_cells) or (0, 0, 0)
        if n_tiles:
            cpu_h = total * per_group / 3600
            print(f"from whole tiles, tiles of {args.tile_cells}: {per_group * 1000:.1f} ms a site group in a tile, "
                  f"{cpu_h:,.1f} worker-hours at 90 m ({total * per_group / n_tiles / 60:.1f} min per tile on "
                  f"average, the largest {most * per_group / 60:.1f} min); at 30 m {cpu_h * ratio:,.0f} worker-hours; "
                  f"on N machines of 2 workers: {cpu_h / 2:,.1f} / N h at 90 m, {cpu_h * ratio / 2:,.0f} / N h at 30 m")
        full = {"tile_cells": args.tile_cells, "rows": rows, "per_group_s": per_group}
    print(json.dumps({"groups": len(groups), "work": work, "mean90_s": mean90, "ratio30": ratio,
                      "rss_mb": row["max_rss_mb"], "load": load, "full_tiles": full}, default=str))
    assert math.isfinite(mean90)


if __name__ == "__main__":
    main()
