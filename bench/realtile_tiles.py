"""Geographic DEM tiles and the raster-versus-reference comparison of ``bench_realtile.py`` (and its tests).

Tiles (EPSG:4326 Grids, as a planner's SRTM tiles are):

* :func:`jacksboro_tile`: a real USGS DEM shipped with matplotlib as sample data
  (``jacksboro_fault_dem.npz``, used by matplotlib's hill-shading examples; USGS data are
  public domain): 344 x 403 samples of 3 arc-seconds, 236-1,076 m, the Cumberland Mountains
  and the Jacksboro fault on the Tennessee-Kentucky border (84.414-84.078 W,
  36.446-36.733 N). Its ``ymin`` (36.7329) is the latitude of the *first row*, the north
  edge: row 0 is north, as matplotlib's own examples lay it out (``linspace(ymin, ymax,
  nrows)``) and as :func:`escarpment_strike` confirms from the terrain (the straight
  escarpment of its north-east quarter runs north-east, N53E, along the Appalachian
  structures; flipped rows would leave no straight edge there).
* :func:`synthetic_tile`: fractal relief of the coverage bench's kind (hills at 3 km, 1 km
  and 300 m, ``bench_coverage.rugged_dem``) on a 1" or 3" lattice near Thanh Hóa.

:func:`compare` prepares the study DEM from the tile file the way the product does
(:func:`towerplan.terrain.read_dem`), runs :func:`towerplan.coverage.engine.run_coverage`
for one omni site, and compares random cells with
:func:`towerplan.coverage.geo_reference.reference_losses_db` (the model point to point on
the *original* tile along the geodesic).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from affine import Affine
from pyproj import Transformer
from scipy import ndimage

from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.engine import run_coverage
from towerplan.coverage.geo_reference import ReferenceSite, reference_losses_db
from towerplan.grid import Grid
from towerplan.rasters import write_grid
from towerplan.terrain import read_dem

ARCSEC = 1.0 / 3600.0


def jacksboro_tile() -> Grid | None:
    """matplotlib's real 3" USGS DEM as an EPSG:4326 Grid (row 0 north); None without matplotlib."""
    try:
        from matplotlib import cbook
    except ImportError:
        return None
    with np.load(cbook.get_sample_data("jacksboro_fault_dem.npz", asfileobj=False)) as f:
        z = f["elevation"].astype(np.float32)
        west, north, dx, dy = float(f["xmin"]), float(f["ymin"]), float(f["dx"]), float(f["dy"])
        east, south = float(f["xmax"]), float(f["ymax"])
    rows, cols = z.shape
    # xmin/xmax and ymin/ymax are the outer pixel edges: 403 x 344 whole pixels of dx, dy degrees
    assert abs((east - west) / dx - cols) < 1e-6
    assert abs((north - south) / dy - rows) < 1e-6
    return Grid(z, Affine(dx, 0.0, west, 0.0, -dy, north), 4326, None)


def escarpment_strike(tile: Grid) -> tuple[float, float]:
    """Strike (degrees clockwise from north) and R² of the straight escarpment in the real tile's north-east.

    In the box 84.21-84.13 W, 36.60-36.70 N, per column the southernmost sample above 470 m
    (the foot of the upland over the ~350 m valley), fitted by a straight line. North-up, the
    edge runs north-east (N53E, R² 0.985), along the Appalachian structures' strike (the Pine
    Mountain block); with the rows flipped the same box holds no straight edge.
    """
    w, _, _, n = tile.bounds
    z = tile.values
    lons = w + (np.arange(z.shape[1]) + 0.5) * tile.res[0]
    lats = n - (np.arange(z.shape[0]) + 0.5) * tile.res[1]
    cs = np.flatnonzero((lons > -84.21) & (lons < -84.13))
    rs = np.flatnonzero((lats > 36.60) & (lats < 36.70))
    high = z[np.ix_(rs, cs)] > 470.0
    foot = np.array([rs[np.flatnonzero(col)[-1]] if col.any() else rs[0] for col in high.T])
    x_km = lons[cs] * 111.32 * math.cos(math.radians(36.6))
    y_km = lats[foot] * 110.57
    slope, intercept = np.polyfit(x_km, y_km, 1)
    r2 = 1.0 - float(np.var(y_km - intercept - slope * x_km) / np.var(y_km))
    return 90.0 - math.degrees(math.atan(slope)), r2


def synthetic_tile(*, arcsec: float, lon0: float = 105.3, lat0: float = 19.9, size_deg: float = 0.6,
                   seed: int = 1, relief: float = 0.1) -> Grid:
    """Fractal relief (hills at 3 km, 1 km and 300 m; elevation std ~ relief x 4300 m) on an ``arcsec`` lattice.

    North-west corner (``lon0``, ``lat0 + size_deg``); the filter scales are metric (the
    longitude spacing shrinks with cos(latitude)).
    """
    n = round(size_deg * 3600.0 / arcsec)
    lat_c = lat0 + size_deg / 2
    dy_m = arcsec * ARCSEC * 110_574.0
    dx_m = arcsec * ARCSEC * 111_320.0 * math.cos(math.radians(lat_c))
    rng = np.random.default_rng(seed)
    z = np.zeros((n, n), dtype=np.float32)
    for scale in (3000.0, 1000.0, 300.0):
        f = ndimage.gaussian_filter(rng.standard_normal((n, n)).astype(np.float32), (scale / dy_m, scale / dx_m))
        z += f / f.std() * np.float32(scale * relief)
    z = np.round(z - z.min() + 5.0)  # whole metres, as SRTM
    step = arcsec * ARCSEC
    return Grid(z.astype(np.float32), Affine(step, 0.0, lon0, 0.0, -step, lat0 + size_deg), 4326, None)


def study_dem(tile: Grid, folder: Path, resolution_m: float) -> Grid:
    """The study DEM as ``towerplan coverage --dem tile.tif --resolution-m R`` builds it (read_dem, UTM)."""
    path = folder / f"tile_{id(tile)}.tif"
    if not path.exists():
        write_grid(tile, path, cog=False)  # a plain GeoTIFF, as SRTM tiles come (no overviews to read from)
    return read_dem(path, resolution_m=resolution_m)


def site_table(site: ReferenceSite) -> pd.DataFrame:
    """One omni sector at ``site`` (4G, 60 dBm EIRP)."""
    return pd.DataFrame({"operator": ["A"], "technology": ["4G"], "lon": [site.lon], "lat": [site.lat],
                         "antenna_height_m": [site.h_tx_m], "azimuth_deg": [np.nan], "freq_mhz": [site.freq_mhz],
                         "eirp_dbm": [60.0]})


def base_config(model: str, radius_m: float, **overrides: object) -> CoverageConfig:
    """Everything within ``radius_m`` computed (threshold -200 dBm)."""
    return CoverageConfig(model=model, threshold_dbm=-200.0, max_radius_m=radius_m,  # type: ignore[arg-type]
                          **overrides)  # type: ignore[arg-type]


def site_loss_grid(dem: Grid, site: ReferenceSite, config: CoverageConfig,
                   source: Grid | None = None) -> tuple[np.ndarray, float]:
    """Path loss (dB) of ``site`` on ``dem`` and the wall time of the run (s); ``source``: the tile,
    for ``profile_source = "source"``."""
    t0 = time.perf_counter()
    loss = run_coverage(dem, site_table(site), config=config, source=source).path_loss.values
    return np.asarray(loss, dtype=np.float64), time.perf_counter() - t0


def warm_cell_loss() -> None:
    """Compile (or load from numba's cache) the point-to-point cell kernels, so that timings leave it out."""
    dem = Grid(np.zeros((40, 40), dtype=np.float32) + 100.0,
               Affine(90.0, 0.0, 500_000.0, 0.0, -90.0, 2_200_000.0), 32648, None)
    lon, lat = Transformer.from_crs(32648, 4326, always_xy=True).transform(501_800.0, 2_198_200.0)
    site = ReferenceSite(float(lon), float(lat), 30.0, 1800.0)
    for model in ("itm", "p1812"):
        for mode in ("refine", "exact"):
            site_loss_grid(dem, site, replace(base_config(model, 1500.0), cell_loss=mode))


def pick_cells(dem: Grid, loss: np.ndarray, tile: Grid, site: ReferenceSite, radius_m: float, n: int,
               seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random cells with a finite loss, 5 cells to ``radius_m`` from the site, inside the tile."""
    to_utm = Transformer.from_crs(4326, dem.crs, always_xy=True)
    sx, sy = to_utm.transform(site.lon, site.lat)
    rows, cols = np.nonzero(np.isfinite(loss))
    xs, ys = dem.xy(rows, cols)
    d = np.hypot(xs - sx, ys - sy)
    lons, lats = Transformer.from_crs(dem.crs, 4326, always_xy=True).transform(xs, ys)
    w, s, e, nth = tile.bounds
    margin = tile.res[0]
    inside = (lons > w + margin) & (lons < e - margin) & (lats > s + margin) & (lats < nth - margin)
    ok = np.flatnonzero((d > 5 * min(dem.res)) & (d <= radius_m) & inside)
    pick = np.random.default_rng(seed).choice(ok, size=min(n, ok.size), replace=False)
    return rows[pick], cols[pick]


@dataclass(frozen=True)
class Comparison:
    """Raster minus reference (dB) at the picked cells, per cell-loss mode, and the run times (s)."""

    diff_db: dict[str, np.ndarray]
    seconds: dict[str, float]
    refined_pct: float
    reference: np.ndarray


def compare(tile: Grid, dem: Grid, site: ReferenceSite, *, model: str, radius_m: float, n_cells: int, seed: int,
            modes: tuple[str, ...] = ("raster", "refine", "exact"), repeats: int = 1,
            **overrides: object) -> Comparison:
    """Each mode's raster against the geodesic reference on ``tile`` at the same ``n_cells`` random cells
    (``seconds``: the median of ``repeats`` runs of the site)."""
    losses: dict[str, np.ndarray] = {}
    seconds: dict[str, float] = {}
    for mode in modes:
        cfg = replace(base_config(model, radius_m, **overrides), cell_loss=mode)
        runs = [site_loss_grid(dem, site, cfg, tile) for _ in range(max(repeats, 1))]
        losses[mode], seconds[mode] = runs[0][0], float(np.median([t for _, t in runs]))
    first = losses[modes[0]]
    rows, cols = pick_cells(dem, first, tile, site, radius_m, n_cells, seed)
    ref = reference_losses_db(tile, site, dem, rows, cols, model=model, config=base_config(model, radius_m))
    diff = {m: losses[m][rows, cols] - ref for m in modes}
    refined = 0.0
    if "raster" in losses and "refine" in losses:
        a, b = losses["raster"], losses["refine"]
        both = np.isfinite(a) & np.isfinite(b)
        refined = 100.0 * float(np.mean(a[both] != b[both])) if both.any() else 0.0
    return Comparison(diff, seconds, refined, ref)
