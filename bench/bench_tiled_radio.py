"""The tiled engine with land cover and SINR: extra cost against the plain tiled run, memory per worker.

A small case (rugged synthetic DEM at 90 m, sites of three operators on 1800 / 2600 MHz 4G and
3500 MHz 5G, co-channel within each operator; land cover in patches of WorldCover classes:
forest, cropland, grassland, built-up, water) is run by the tiled engine four ways: plain, with
land cover (the clutter file read per tile window: P.2108 terminal clutter loss on the ITM sites,
P.1812's profile on P.1812 sites), with SINR, and with both. Then, with land cover and SINR, the
area is doubled in each direction with the same site density and tile size: the peak memory of a
worker (``ru_maxrss`` of the process that ran the tile, local processes) should not grow.

Usage::

    PYTHONPATH=$PWD python bench/bench_tiled_radio.py [--side 256] [--sites 24] [--tile 128] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from affine import Affine
from pyproj import Transformer
from scipy import ndimage

RES = 90.0
X0, Y0 = 560_000.0, 2_200_000.0


def dem_grid(side: int, seed: int = 1):
    from towerplan.grid import Grid

    rng = np.random.default_rng(seed)
    z = np.zeros((side, side))
    for scale, amp in ((3000.0, 300.0), (1000.0, 120.0), (300.0, 30.0)):
        f = ndimage.gaussian_filter(rng.standard_normal((side, side)), scale / RES)
        z += f / f.std() * amp
    return Grid((z - z.min()).astype(np.float32), Affine(RES, 0, X0, 0, -RES, Y0 + side * RES), 32648, None)


def site_table(dem, n_sites: int, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    left, bottom, right, top = dem.bounds
    tr = Transformer.from_crs(32648, 4326, always_xy=True)
    rows = []
    for s in range(n_sites):
        lon, lat = tr.transform(rng.uniform(left + 500, right - 500), rng.uniform(bottom + 500, top - 500))
        op = ("viettel", "vnpt-vinaphone", "mobifone")[s % 3]
        for tech, freq in (("4G", 1800.0), ("4G", 2600.0), ("5G", 3500.0)):
            for az in (0.0, 120.0, 240.0):
                rows.append({"site_id": f"S{s}", "cell_id": f"S{s}-{tech}-{freq:g}-{az:g}", "operator": op,
                             "technology": tech, "lon": lon, "lat": lat, "antenna_height_m": 30.0,
                             "azimuth_deg": az, "tilt_deg": 3.0, "freq_mhz": freq, "eirp_dbm": 58.0})
    return pd.DataFrame(rows)


def land_cover(dem, folder: Path) -> Path:
    from towerplan.coverage.tiled_layers import write_clutter_raster
    from towerplan.rasters import write_grid
    from towerplan.study.inputs import read_study_land_cover

    noise = ndimage.gaussian_filter(np.random.default_rng(7).standard_normal(dem.shape), 4.0)
    classes = np.array([10, 30, 40, 50, 80], dtype=np.uint8)[np.digitize(noise, np.quantile(noise, [.3, .5, .7, .9]))]
    path = write_grid(dem.with_values(classes, nodata=0), folder / "landcover.tif", dtype="uint8")
    cover = read_study_land_cover(path, dem)
    return write_clutter_raster(cover.to_clutter_grid(), dem, folder / "clutter.tif")


def run(dem_path: Path, st: pd.DataFrame, out: Path, config, *, tile: int, clutter: Path | None,
        executor: str = "serial") -> dict[str, float]:
    from towerplan.coverage.tiled import run_coverage_tiled

    t0, c0 = time.perf_counter(), time.process_time()
    res = run_coverage_tiled(dem_path, st, out, config=config, tile_cells=tile, clutter=clutter, executor=executor,
                             workers=2 if executor != "serial" else None)
    return {"wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0,
            "compute_s": res.timings["compute"], "merge_s": res.timings["merge"],
            "tiles": len(res.tiles), "max_rss_mb": float(res.tiles["max_rss_mb"].max()), "files": len(res.files)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--side", type=int, default=256)
    ap.add_argument("--sites", type=int, default=24)
    ap.add_argument("--tile", type=int, default=128)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-memory", action="store_true", help="skip the memory runs on 1x and 4x the area")
    ap.add_argument("--memory-only", action="store_true", help="only the memory runs")
    args = ap.parse_args()
    from towerplan.coverage.config import CoverageConfig
    from towerplan.coverage.engine import warm_up
    from towerplan.coverage.validity import ModelValidityWarning
    from towerplan.rasters import write_grid

    warnings.simplefilter("ignore", ModelValidityWarning)  # P.2108 at 3.5 GHz uses its 3 GHz value (said once)
    warm_up()
    base = CoverageConfig(max_radius_m=6000.0, threshold_dbm=-110.0)
    report: dict[str, object] = {"load_before": os.getloadavg(), "args": vars(args)}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        dem = dem_grid(args.side)
        dem_path = write_grid(dem, folder / "dem.tif")
        clutter = land_cover(dem, folder)
        st = site_table(dem, args.sites)
        cases = {"plain": (base, None), "land cover": (base, clutter), "sinr": (replace(base, sinr=True), None),
                 "land cover + sinr": (replace(base, sinr=True), clutter)}
        times: dict[str, list[dict[str, float]]] = {k: [] for k in cases}
        # interleaved, so that the machine's load hits every case alike
        for i in range(0 if args.memory_only else args.repeat):
            for name, (config, clut) in cases.items():
                times[name].append(run(dem_path, st, folder / f"{i}-{name}", config, tile=args.tile, clutter=clut))
        if not args.memory_only:
            _print_times(times, report)
        # memory of a worker: the same tile size on the area and on 4x the area (local processes)
        for side in () if args.no_memory else (args.side, 2 * args.side):
            big = dem_grid(side, seed=3)
            big_path = write_grid(big, folder / f"dem{side}.tif")
            big_clutter = _clutter_for(big, folder, side)
            n = args.sites * (side // args.side) ** 2
            row = run(big_path, site_table(big, n), folder / f"mem{side}", replace(base, sinr=True), tile=args.tile,
                      clutter=big_clutter, executor="processes")
            print(f"area {side} x {side} cells, {n} sites, land cover + sinr, 2 worker processes: "
                  f"{row['tiles']} tiles, peak worker RSS {row['max_rss_mb']:.0f} MB, {row['wall_s']:.1f} s",
                  flush=True)
            report[f"memory_{side}"] = row
    report["load_after"] = os.getloadavg()
    print(json.dumps(report, default=str)[:2000], file=sys.stderr)


def _print_times(times: dict[str, list[dict[str, float]]], report: dict[str, object]) -> None:
    plain = statistics.median(t["wall_s"] for t in times["plain"])
    plain_cpu = statistics.median(t["cpu_s"] for t in times["plain"])
    for name, rows in times.items():
        wall = statistics.median(t["wall_s"] for t in rows)
        cpu = statistics.median(t["cpu_s"] for t in rows)
        print(f"{name:18s} median wall {wall:6.2f} s ({wall / plain:4.2f}x plain), CPU {cpu:6.2f} s "
              f"({cpu / plain_cpu:4.2f}x plain) over {len(rows)} runs; {rows[0]['tiles']} tiles, "
              f"{rows[0]['files']} rasters", flush=True)
        report[name] = {"median_wall_s": round(wall, 2), "ratio": round(wall / plain, 2),
                        "median_cpu_s": round(cpu, 2), "cpu_ratio": round(cpu / plain_cpu, 2), "runs": rows}


def _clutter_for(dem, folder: Path, side: int) -> Path:
    sub = folder / f"lc{side}"
    sub.mkdir(exist_ok=True)
    return land_cover(dem, sub)


if __name__ == "__main__":
    main()
