"""Accuracy on geographic DEM tiles: the coverage raster against the exact point-to-point model (issue 20, item 3).

For each tile (EPSG:4326), study resolution and model, the study DEM is built from the tile
file as ``towerplan coverage --dem tile.tif --resolution-m R`` builds it
(:func:`towerplan.terrain.read_dem`: UTM, bilinear), one omni site is run with each
``CoverageConfig.cell_loss`` mode (``raster``, ``refine``, ``exact``) and each
``profile_source`` (``study``; ``source``: the tile itself), and random cells are compared
with the model point to point on the *original* tile along the WGS 84 geodesic
from the site to the cell centre (:mod:`towerplan.coverage.geo_reference`; profile spacing
= the study resolution). Prints per row: P10 / median / P90 of raster - reference (dB), the
share within 3 dB, the largest error, the wall time of the site's run (s) and, for
``refine``, the share of cells computed point to point.

Tiles (``--tiles``): ``real`` (matplotlib's 3" USGS DEM of the Jacksboro fault, 30 x 32 km:
three sites, 10 km radius, ``--cells`` split between them), ``synth3`` / ``synth1`` (fractal
relief near Thanh Hóa on 3" / 1" lattices, 0.6 x 0.6 degrees: one site, ``--radius-km``).
Run from the repository root::

    nice -n 10 python bench/bench_realtile.py --tiles real synth3 --res 90 30
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from realtile_tiles import compare, escarpment_strike, jacksboro_tile, study_dem, synthetic_tile, warm_cell_loss

from towerplan.coverage.engine import warm_up
from towerplan.coverage.geo_reference import ReferenceSite, error_stats
from towerplan.grid import Grid


def tile_sites(name: str, radius_km: float) -> tuple[Grid, list[ReferenceSite], float]:
    """The tile, its sites and their radius (m)."""
    if name == "real":
        tile = jacksboro_tile()
        if tile is None:
            raise SystemExit("matplotlib is not installed: no real tile")
        w, s, e, n = tile.bounds
        lon, lat = (w + e) / 2, (s + n) / 2
        # the centre and two sites 4.5 km to the north-west and south-east (10 km radius stays in the tile)
        dlat, dlon = 4.5 / 111.0 / np.sqrt(2), 4.5 / (111.0 * np.cos(np.radians(lat))) / np.sqrt(2)
        sites = [ReferenceSite(lon, lat, 30.0, 1800.0), ReferenceSite(lon - dlon, lat + dlat, 30.0, 1800.0),
                 ReferenceSite(lon + dlon, lat - dlat, 30.0, 1800.0)]
        return tile, sites, 10_000.0
    arcsec = {"synth3": 3.0, "synth1": 1.0}[name]
    tile = synthetic_tile(arcsec=arcsec)
    w, s, e, n = tile.bounds
    return tile, [ReferenceSite((w + e) / 2, (s + n) / 2, 30.0, 1800.0)], radius_km * 1000.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiles", nargs="+", default=["real", "synth3"], choices=["real", "synth3", "synth1"])
    ap.add_argument("--res", nargs="+", type=float, default=[90.0, 30.0])
    ap.add_argument("--models", nargs="+", default=["itm", "p1812"], choices=["itm", "p1812"])
    ap.add_argument("--modes", nargs="+", default=["raster", "refine", "exact"], choices=["raster", "refine", "exact"])
    ap.add_argument("--cells", type=int, default=1200, help="random cells per tile, resolution and model")
    ap.add_argument("--radius-km", type=float, default=28.0, help="site radius on the synthetic tiles")
    ap.add_argument("--spread-db", type=float, default=None, help="refine_spread_db (default: CoverageConfig's)")
    ap.add_argument("--profile-source", nargs="+", default=["study", "source"], choices=["study", "source"],
                    help="CoverageConfig.profile_source values to run (the tile itself is the source)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeats", type=int, default=1, help="runs of each site and mode (the median time is shown)")
    args = ap.parse_args()
    warm_up()
    warm_cell_loss()
    extra0 = {} if args.spread_db is None else {"refine_spread_db": args.spread_db}
    print(f"{'tile':7} {'res':>4} {'model':6} {'src':6} {'mode':7} {'n':>5} {'P10':>6} {'med':>6} {'P90':>6} "
          f"{'<=3dB%':>7} {'max':>6} {'s/site':>7} {'refined%':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.tiles:
            tile, sites, radius_m = tile_sites(name, args.radius_km)
            if name == "real":
                print(f"# real tile: {tile.shape} samples, {float(tile.values.min()):.0f}-"
                      f"{float(tile.values.max()):.0f} m, escarpment strike N{escarpment_strike(tile)[0]:.0f}E "
                      "(row 0 north)")
            for res in args.res:
                dem = study_dem(tile, Path(tmp), res)
                for model, psrc in [(m, p) for m in args.models for p in args.profile_source]:
                    extra = {**extra0, "profile_source": psrc}
                    diffs: dict[str, list[np.ndarray]] = {m: [] for m in args.modes}
                    secs: dict[str, list[float]] = {m: [] for m in args.modes}
                    refined: list[float] = []
                    per_site = -(-args.cells // len(sites))
                    for k, site in enumerate(sites):
                        c = compare(tile, dem, site, model=model, radius_m=radius_m, n_cells=per_site,
                                    seed=args.seed + k, modes=tuple(args.modes), repeats=args.repeats, **extra)
                        for m in args.modes:
                            diffs[m].append(c.diff_db[m])
                            secs[m].append(c.seconds[m])
                        refined.append(c.refined_pct)
                    for m in args.modes:
                        st = error_stats(np.concatenate(diffs[m]))
                        ref_txt = f"{np.mean(refined):8.2f}" if m == "refine" else ""
                        print(f"{name:7} {res:4.0f} {model:6} {psrc:6} {m:7} {int(st['n']):5d} {st['p10_db']:6.2f} "
                              f"{st['median_db']:6.2f} {st['p90_db']:6.2f} {st['within_3db_pct']:7.2f} "
                              f"{st['max_abs_db']:6.1f} {np.median(secs[m]):7.2f} {ref_txt}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
