"""Benchmarks of the P.1812 reach bound (issues 15 item 5 and 20 item 4).

Cases (``--case``, repeatable):

* ``demo``: the demo province's 4G layer (1,120 sectors at 383 sites, 90 m, -110 dBm):
  ``auto`` (now P.1812 with the reach bound), without and with the demo's land cover as
  clutter, against COST-231 + terrain term (the old ``auto`` for 1800 MHz); CPU and wall
  seconds, cells covered;
* ``matrix``: the coverage matrix's per-candidate footprint on the demo (land cover on,
  P.1812, one numba thread) for 12 of the demo's sites, over the whole window and with
  ``only=`` a demand mask (scattered patches, ``--demand-share`` of the cells): CPU seconds
  per site and whether the demand cells get the same levels;
* ``site-90`` / ``site-30``: one three-sector 1800 MHz site, 30 km radius, on the rugged
  synthetic DEM of ``bench_coverage.py`` and on flat ground, -110 dBm: P.1812 with and
  without the bound, ITM on the same grid (bounded and unbounded rasters compared on the
  covered cells).

Prints one line per run. CPU seconds (``time.process_time``: all threads of this
process) are the figures to compare on a shared machine; wall seconds are given too.
Run from the repository root::

    python bench/bench_reach.py --case demo
    python bench/bench_reach.py --case site-90 --case site-30
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Transformer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_coverage import rugged_dem

from towerplan.coverage.clutter import ClutterGrid
from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.engine import run_coverage, warm_up
from towerplan.grid import Grid


def _timed(label: str, dem: Grid, st: pd.DataFrame, cfg: CoverageConfig, clutter: ClutterGrid | None = None):
    c0, t0 = time.process_time(), time.perf_counter()
    res = run_coverage(dem, st, config=cfg, clutter=clutter)
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    cells = int(np.isfinite(res.best_level.values).sum())
    print(f"{label}: cpu {cpu:.2f} s, wall {wall:.2f} s, covered {cells:,} cells "
          f"({cells * dem.cell_area_m2 / 1e6:,.1f} km2), models {res.summary()['models']}", flush=True)
    return res


def demo_case() -> None:
    from towerplan.demo import demo_dir
    from towerplan.landcover import read_land_cover
    from towerplan.rasters import read_grid

    folder = demo_dir(Path.home() / ".cache" / "towerplan")
    dem = read_grid(folder / "dem.tif")
    st = pd.read_csv(folder / "stations.csv")
    st = st[st["technology"].astype(str).str.upper() == "4G"].reset_index(drop=True)
    lc = read_land_cover(folder / "landcover.tif", dem)
    h, code = lc.to_clutter_arrays()
    clutter = ClutterGrid(h, code)
    print(f"demo: {dem.shape} cells at {dem.res[0]:g} m, {len(st)} 4G sectors")
    _timed("demo auto (P.1812, bound), no land cover", dem, st, CoverageConfig(threshold_dbm=-110.0))
    _timed("demo auto (P.1812, bound), land cover", dem, st, CoverageConfig(threshold_dbm=-110.0), clutter)
    _timed("demo cost231 + terrain term (old auto at 1800 MHz)", dem, st,
           CoverageConfig(threshold_dbm=-110.0, model="cost231"))


def matrix_case(share: float) -> None:
    import numba
    from scipy import ndimage

    from towerplan.coverage.footprint import reach_levels
    from towerplan.coverage.plan import prepare_stations
    from towerplan.demo import demo_dir
    from towerplan.landcover import read_land_cover
    from towerplan.rasters import read_grid

    folder = demo_dir(Path.home() / ".cache" / "towerplan")
    dem = read_grid(folder / "dem.tif")
    clutter = ClutterGrid(*read_land_cover(folder / "landcover.tif", dem).to_clutter_arrays())
    cfg = CoverageConfig(threshold_dbm=-110.0, model="p1812")
    f = ndimage.gaussian_filter(np.random.default_rng(0).standard_normal(dem.shape), 8.0)
    only = f > np.quantile(f, 1.0 - share)
    st = pd.read_csv(folder / "stations.csv")
    st = st[st["technology"].astype(str).str.upper() == "4G"].reset_index(drop=True)
    sites = st.drop_duplicates(["lon", "lat"]).sample(13, random_state=2)
    numba.set_num_threads(1)  # as coverage_matrix runs it
    cpu = {"full": [], "only": []}
    same = True
    for k, (_, s) in enumerate(sites.iterrows()):
        sec = prepare_stations(st[(st.lon == s.lon) & (st.lat == s.lat)], dem, cfg)
        x, y = float(sec.table["x"].iloc[0]), float(sec.table["y"].iloc[0])
        out = {}
        for name, mask in (("full", None), ("only", only)):
            c0 = time.process_time()
            flat, level = reach_levels(dem, sec, x, y, cfg, clutter=clutter, only=mask)
            if k:  # the first site loads the kernels
                cpu[name].append(time.process_time() - c0)
            keep = only.ravel()[flat]
            out[name] = dict(zip(flat[keep].tolist(), level[keep].tolist(), strict=True))
        same &= out["full"] == out["only"]
    print(f"matrix, demo, {share:.0%} of cells in demand: CPU per site {np.mean(cpu['full']):.3f} s whole window, "
          f"{np.mean(cpu['only']):.3f} s demand only; demand cells identical: {same}", flush=True)


def _site_table(dem: Grid) -> pd.DataFrame:
    left, bottom, right, top = dem.bounds
    x, y = (left + right) / 2 + 7.0, (bottom + top) / 2 - 3.0
    lon, lat = Transformer.from_crs(dem.crs, 4326, always_xy=True).transform(x, y)
    return pd.DataFrame({"operator": ["A"] * 3, "technology": ["4G"] * 3, "lon": [lon] * 3, "lat": [lat] * 3,
                         "antenna_height_m": [30.0] * 3, "azimuth_deg": [0.0, 120.0, 240.0],
                         "freq_mhz": [1800.0] * 3, "eirp_dbm": [58.0] * 3})


def site_case(res_m: float, unbounded: bool) -> None:
    n = int(2 * 30_000 / res_m) + 40
    for terrain in ("rugged", "flat"):
        dem = rugged_dem(n, n, res_m)
        if terrain == "flat":
            dem = dem.with_values(np.full(dem.shape, 5.0, dtype=np.float32))
        st = _site_table(dem)
        print(f"site {res_m:g} m, {terrain}: {dem.shape}")
        base = dict(threshold_dbm=-110.0, max_radius_m=30_000.0)
        b = _timed("  P.1812, reach bound", dem, st, CoverageConfig(model="p1812", **base))
        _timed("  ITM", dem, st, CoverageConfig(model="itm", **base))
        if unbounded:
            u = _timed("  P.1812, no bound", dem, st, CoverageConfig(model="p1812", p1812_reach_bound=False, **base))
            cov = np.isfinite(u.best_level.values)
            same = (np.array_equal(cov, np.isfinite(b.best_level.values))
                    and np.array_equal(u.best_level.values[cov], b.best_level.values[cov]))
            print(f"  bounded == unbounded on the covered cells: {same}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", action="append", choices=["demo", "matrix", "site-90", "site-30"], required=True)
    ap.add_argument("--demand-share", type=float, default=0.1, help="matrix case: share of the cells in demand")
    ap.add_argument("--no-unbounded", action="store_true", help="skip the unbounded P.1812 runs (slow at 30 m)")
    args = ap.parse_args()
    warm_up()
    for case in args.case:
        if case == "demo":
            demo_case()
        elif case == "matrix":
            matrix_case(args.demand_share)
        else:
            site_case(90.0 if case == "site-90" else 30.0, not args.no_unbounded)


if __name__ == "__main__":
    main()
