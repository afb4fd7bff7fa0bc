"""The engine's warm-up: tiny runs that compile (or load from numba's cache) the kernels a user's runs call.

numba compiles a kernel once per argument types (dtype, dimensions, layout, writeability of each array); the
machine code goes to numba's on-disk cache (``cache=True``), so a type compiled here costs a later run nothing,
and a type that only a real run passes costs that run its compile (the P.1812 sweep ~40 s). The cases below
pass the types real runs pass: the study DEM as the engine fills it (float64, from a read-only float32 Grid as
a GeoTIFF gives), land cover as :meth:`~towerplan.landcover.grid.LandCover.to_clutter_grid` gives it (read-only
float32 / uint8 windows, :func:`.clutter.readonly`), the extended zone's fill (30 m; only reached beyond
``CoverageConfig.main_radius_m``), SINR, and the candidate matrix's demand cells. ``tests/test_warm_up.py``
checks that a real run after it compiles nothing.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator

import numpy as np
import pandas as pd

from towerplan.coverage.clutter import ClutterGrid
from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.engine import run_coverage
from towerplan.coverage.plan import plan_groups, prepare_stations
from towerplan.grid import Grid

__all__ = ["warm_up", "warm_up_terrain"]


def warm_up(*, matrix: bool = True) -> None:
    """Compile (or load from numba's cache) the engine's kernels with the argument types real runs pass them.

    Tiny cases on the types a user's run has (``tests/test_warm_up.py`` checks that a run on a float32 DEM
    with land cover then compiles nothing more): every model; P.1812 without land cover and with it (read-only
    float32 / uint8 arrays, :func:`.clutter.readonly`); at 30 m the extended zone
    (``CoverageConfig.main_radius_m`` at its smallest, so a 1 km radius reaches it), with SINR; and with
    ``matrix`` the candidate matrix's demand-cell kernels (:func:`.footprint.demand_footprint`).
    """
    with _quiet():
        _cases(matrix)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """The tiny cases' messages (e.g. "P.1812 without land cover") are about the warm-up's own inputs, not the
    user's: towerplan's log below ERROR and Python warnings are silenced while they run."""
    log = logging.getLogger("towerplan")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        log.setLevel(level)


def _cases(matrix: bool) -> None:
    from affine import Affine
    from pyproj import CRS

    dem = Grid(np.full((9, 9), 10.0), Affine(30.0, 0, 500_000.0, 0, -30.0, 2_000_000.0), CRS.from_epsg(32648), None)
    lon, lat = _lonlat(dem, 500_135.0, 1_999_865.0)
    st = pd.DataFrame({"operator": ["x"] * 4, "technology": ["4G"] * 4, "lon": [lon] * 4, "lat": [lat] * 4,
                       "antenna_height_m": [30.0] * 4, "azimuth_deg": [0.0, 0.0, np.nan, 0.0],
                       "freq_mhz": [900.0, 1800.0, 2600.0, 100.0], "eirp_dbm": [60.0] * 4})
    for diff in ("deygout", "bullington", "delta_bullington"):
        run_coverage(dem, st.iloc[:2], config=CoverageConfig(max_radius_m=200.0, model="hata",
                                                             diffraction=diff))  # type: ignore[arg-type]
    run_coverage(dem, st, config=CoverageConfig(max_radius_m=200.0),
                 clutter=ClutterGrid.from_codes(np.full(dem.shape, 2, dtype=np.uint8)))  # auto: P.1812 (all bands)
    run_coverage(dem, st.iloc[:1], config=CoverageConfig(max_radius_m=200.0, model="fspl"))
    run_coverage(dem, st.iloc[:1], config=CoverageConfig(max_radius_m=200.0))  # P.1812 without land cover
    big, clutter = warm_up_terrain()
    lon, lat = _lonlat(big, 501_215.0, 1_998_785.0)
    st = st.iloc[:2].assign(lon=lon, lat=lat)
    # the extended zone's fill (the same signature with land cover or without, any model), SINR
    run_coverage(big, st, config=CoverageConfig(max_radius_m=1_000.0, main_radius_m=200.0, sinr=True), clutter=clutter)
    if matrix:
        from towerplan.coverage.footprint import DemandCells, demand_footprint, footprint_terrain

        config = CoverageConfig(max_radius_m=1_000.0)
        terrain = footprint_terrain(big, clutter=clutter)
        sec = prepare_stations(st.iloc[:1], big, config)
        demand_footprint(terrain, plan_groups(sec, big, terrain.filled, config, block_min=terrain.block_min),
                         config, n_ops=1, n_techs=1, cells=DemandCells(np.indices(big.shape).sum(axis=0) % 3 == 0))


def warm_up_terrain() -> tuple[Grid, ClutterGrid]:
    """A 72 x 72 float32 DEM at 30 m (read-only, as read from a GeoTIFF) with hills, and land cover as
    :meth:`~towerplan.landcover.grid.LandCover.to_clutter_grid` gives it (heights, codes, P.2108 types)."""
    from affine import Affine
    from pyproj import CRS

    rows, cols = np.indices((72, 72))
    z = (20.0 + 15.0 * np.sin(rows / 5.0) * np.cos(cols / 7.0)).astype(np.float32)
    code = (1 + (rows // 6 + cols // 9) % 5).astype(np.uint8)
    heights = np.array([0.0, 0.0, 0.0, 10.0, 15.0, 20.0], dtype=np.float32)[code]
    dem = Grid(z, Affine(30.0, 0, 500_000.0, 0, -30.0, 2_000_000.0), CRS.from_epsg(32648), None)
    return dem, ClutterGrid(heights, code, p2108_type=(code % 6 + 1).astype(np.uint8))


def _lonlat(dem: Grid, x: float, y: float) -> tuple[float, float]:
    from pyproj import Transformer

    tr = Transformer.from_crs(dem.crs, "EPSG:4326", always_xy=True)
    lon, lat = tr.transform(x, y)
    return float(lon), float(lat)
