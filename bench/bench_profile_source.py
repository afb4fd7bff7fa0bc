"""CPU cost of ``CoverageConfig.profile_source``: one omni site on the real 3" tile, study vs source profiles.

For each study resolution, model and ``cell_loss`` mode: the median CPU time
(``time.process_time``, all threads) of ``--repeats`` runs of :func:`run_coverage` for the
tile's centre site (10 km radius, everything computed), with the profiles from the study
grid and from the tile (:mod:`towerplan.coverage.source_terrain`), after a warm-up run of
each (numba compiles one specialisation per kind of terrain). Also the set-up the source
adds per site (the cubic map: :func:`~towerplan.coverage.source_terrain.site_map`) and per
batch (the tile's window). Run from the repository root with one numba thread::

    NUMBA_NUM_THREADS=1 nice -n 10 python bench/bench_profile_source.py --res 90 30
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pyproj import Transformer
from realtile_tiles import base_config, jacksboro_tile, site_table, study_dem

from towerplan.coverage.engine import run_coverage
from towerplan.coverage.geo_reference import ReferenceSite
from towerplan.coverage.source_terrain import SourceTerrain, site_map


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--res", nargs="+", type=float, default=[90.0, 30.0])
    ap.add_argument("--models", nargs="+", default=["itm", "p1812"])
    ap.add_argument("--modes", nargs="+", default=["raster", "refine", "exact"])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--radius-km", type=float, default=10.0)
    args = ap.parse_args()
    tile = jacksboro_tile()
    if tile is None:
        raise SystemExit("matplotlib is not installed: no real tile")
    w, s, e, n = tile.bounds
    site = ReferenceSite((w + e) / 2, (s + n) / 2, 30.0, 1800.0)
    table = site_table(site)
    src = SourceTerrain.from_grid(tile)
    print(f"{'res':>4} {'model':6} {'mode':7} {'study s':>8} {'source s':>8} {'ratio':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        for res in args.res:
            dem = study_dem(tile, Path(tmp), res)
            left, _, _, top = dem.bounds
            geo = (left, top, dem.res[0], dem.res[1])
            t0 = time.process_time()
            win = src.window(dem.crs, geo, (0, dem.height, 0, dem.width))
            t_win = time.process_time() - t0
            sx, sy = Transformer.from_crs(4326, dem.crs, always_xy=True).transform(site.lon, site.lat)
            t0 = time.process_time()
            for _ in range(10):
                _, err = site_map(win, geo, (sx - left) / res - 0.5, (top - sy) / res - 0.5, args.radius_km * 1000)
            t_map = (time.process_time() - t0) / 10
            print(f"# {res:.0f} m: tile window {t_win * 1000:.1f} ms CPU, site map {t_map * 1000:.1f} ms CPU "
                  f"(error {err:.1e} samples)", flush=True)
            for model in args.models:
                for mode in args.modes:
                    secs = {}
                    for ps in ("study", "source"):
                        cfg = replace(base_config(model, args.radius_km * 1000.0), cell_loss=mode, profile_source=ps)
                        run_coverage(dem, table, config=cfg, source=tile)  # warm-up (compile / load)
                        runs = []
                        for _ in range(args.repeats):
                            t0 = time.process_time()
                            run_coverage(dem, table, config=cfg, source=tile)
                            runs.append(time.process_time() - t0)
                        secs[ps] = float(np.median(runs))
                    print(f"{res:4.0f} {model:6} {mode:7} {secs['study']:8.2f} {secs['source']:8.2f} "
                          f"{secs['source'] / secs['study']:6.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
