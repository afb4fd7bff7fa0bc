"""Time ``read_land_cover`` on a WorldCover-sized tile window: 10 m classes onto a 30 m / 90 m UTM grid.

A synthetic stand-in for the part of an ESA WorldCover tile under a study area
(EPSG:4326, 0.3" pixels, uint8, deflate-tiled like the real COGs; classes in
patches of a few hundred metres) is written once, then read onto a UTM 48N
lattice covering the same area by majority (GDAL ``mode``).

    python bench/bench_landcover.py --size-km 60 --resolution-m 30 --repeat 3
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine
from pyproj import CRS, Transformer

from towerplan.grid import Grid
from towerplan.landcover import read_land_cover
from towerplan.terrain import target_lattice

STEP_DEG = 1 / 12000  # WorldCover's 0.3 arc-second pixels
CLASSES = np.array([10, 20, 30, 40, 50, 60, 80, 90, 95], dtype=np.uint8)


def write_tile(path: Path, *, lon0: float, lat0: float, size_deg: float, seed: int = 1) -> tuple[int, int]:
    n = round(size_deg / STEP_DEG)
    rng = np.random.default_rng(seed)
    coarse = rng.choice(CLASSES, size=(n // 32 + 1, n // 32 + 1))  # ~300 m patches
    profile = {"driver": "GTiff", "width": n, "height": n, "count": 1, "dtype": "uint8", "crs": "EPSG:4326",
               "transform": Affine(STEP_DEG, 0, lon0, 0, -STEP_DEG, lat0 + size_deg), "nodata": 0,
               "compress": "deflate", "tiled": True, "blockxsize": 1024, "blockysize": 1024}
    with rasterio.open(path, "w", **profile) as ds:
        for r0 in range(0, n, 1024):
            rows = min(1024, n - r0)
            block = np.repeat(np.repeat(coarse[r0 // 32: (r0 + rows) // 32 + 2], 32, axis=0), 32, axis=1)
            block = block[(r0 % 32): (r0 % 32) + rows, :n]
            noise = rng.random(block.shape) < 0.15  # speckle, as real classes have
            block = np.where(noise, rng.choice(CLASSES, size=block.shape), block)
            ds.write(block, 1, window=rasterio.windows.Window(0, r0, n, rows))
    return n, n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-km", type=float, default=60.0, help="side of the square study area (km)")
    parser.add_argument("--resolution-m", type=float, default=30.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    lon0, lat0 = 105.3, 19.6
    size_deg = args.size_km / 111.0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ESA_WorldCover_10m_2021_v200_N18E105_Map.tif"
        t0 = time.perf_counter()
        w, h = write_tile(path, lon0=lon0, lat0=lat0, size_deg=size_deg)
        print(f"tile window {w} x {h} = {w * h / 1e6:.1f} M pixels, {path.stat().st_size / 1e6:.1f} MB, "
              f"written in {time.perf_counter() - t0:.1f} s")
        utm = CRS.from_epsg(32648)
        inner = Transformer.from_crs(4326, utm, always_xy=True).transform_bounds(
            lon0 + 0.01, lat0 + 0.01, lon0 + size_deg - 0.01, lat0 + size_deg - 0.01)
        transform, width, height = target_lattice(inner, resolution_m=args.resolution_m)
        dem = Grid(np.zeros((height, width), np.float32), transform, utm, None)
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            lc = read_land_cover(path, dem)
            lc.to_clutter_arrays()
            times.append(time.perf_counter() - t0)
        rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
        print(f"grid {width} x {height} ({width * height / 1e6:.1f} M cells) at {args.resolution_m:g} m: "
              f"read_land_cover + to_clutter_arrays median {statistics.median(times):.2f} s "
              f"(runs {', '.join(f'{t:.2f}' for t in times)}), peak RSS {rss_gb:.2f} GB; {lc.describe()}")


if __name__ == "__main__":
    main()
