"""Benchmark: DEM preparation and population alignment over Thanh Hóa (real WorldPop 2020).

Uses ../shared/data (SOURCES.md): the coarse 9 km altitude grid stands in for a DEM (only the
lattice matters here) and WorldPop 2020 1 km is aligned onto it. Prints the median of --repeat runs
and the peak resident memory.

    python bench/bench_inputs.py --resolution-m 90 --repeat 3
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from pathlib import Path

import geopandas as gpd

from towerplan.population import read_population
from towerplan.terrain import read_dem

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--resolution-m", type=float, default=90.0)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    province = gpd.read_file(DATA / "geoboundaries_vnm" / "geoBoundaries-VNM-ADM1_thanhhoa.geojson")
    dem_t, pop_t = [], []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        dem = read_dem(
            DATA / "dem_pvlib_mapzen_5arcmin" / "altitude_5arcmin_vietnam.tif",
            area=province.geometry.iloc[0], resolution_m=args.resolution_m,
        )
        t1 = time.perf_counter()
        res = read_population(DATA / "worldpop" / "vnm_ppp_2020_1km_Aggregated_UNadj_thanhhoa_bbox.tif", dem)
        t2 = time.perf_counter()
        dem_t.append(t1 - t0)
        pop_t.append(t2 - t1)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"grid {dem.width} x {dem.height} = {dem.width * dem.height / 1e6:.1f} M cells at {args.resolution_m} m")
    print(f"read_dem median {statistics.median(dem_t):.2f} s; align_population median {statistics.median(pop_t):.2f} s")
    print(f"people on grid {res.aligned_total:,.0f}; peak RSS {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
