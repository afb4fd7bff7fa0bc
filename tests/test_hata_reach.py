"""The Hata / COST-231 reach bound (issue 20 item 4): a lower bound of the loss, rasters identical within reach.

:mod:`towerplan.coverage._hata_reach` bounds the loss of every radial sample from
below (Hata at the sample's effective height plus the knife edge of the transmitter's
horizon); the engine computes the terrain term only where a cell may be within reach
and each site's window only where a sample is within its loss limit. Checked here:

* the bound never exceeds the exact loss (Hata / COST-231 + the Deygout terrain term
  with one and three edges), sample by sample, on rugged radials, and it is not trivial
  (it adds a terrain term on most shadowed samples);
* ``run_coverage`` gives bit-identical coverage rasters (levels, servers, counts, per
  operator) with and without the bound, on a rugged DEM with Hata, COST-231 and ITM sites
  and a calibrated sector, and the same path loss wherever both computed it; the loss
  window of the drive-test comparison (``site_loss_window``, down to the margin) is
  bit-identical.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_coverage_executors import rugged_dem, stations

from towerplan.coverage import _kernels as kern
from towerplan.coverage import site_radials
from towerplan.coverage._hata_reach import hata_base_loss, hata_radial_bound
from towerplan.coverage._hata_terrain import smooth_sums, terrain_excess_db
from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.engine import run_coverage
from towerplan.coverage.plan import hata_constant_db

RES = 90.0


def _profiles(n_radials: int, n: int, seed: int):
    dem = rugged_dem(2 * n + 20, RES, seed=seed, relief=0.15)
    z = dem.values.astype(np.float64)
    rng = np.random.default_rng(seed)
    c0 = r0 = n + 10
    for _ in range(n_radials):
        a = rng.uniform(0, 2 * math.pi)
        t = np.arange(n) * RES
        yield np.array([kern.bilinear(z, c0 + d * math.sin(a) / RES, r0 - d * math.cos(a) / RES) for d in t])


@pytest.mark.parametrize(("model", "f_mhz", "h_tx", "edges"), [
    ("hata", 900.0, 30.0, 3), ("cost231", 1800.0, 45.0, 3), ("cost231", 1842.5, 20.0, 1)])
def test_the_bound_never_exceeds_the_exact_loss(model: str, f_mhz: float, h_tx: float, edges: int) -> None:
    n = 200  # 18 km at 90 m
    cfg = CoverageConfig()
    hata_c = hata_constant_db(model, f_mhz, 1.5, cfg)
    lam = 299.792458 / f_mhz
    dist = np.arange(n) * RES
    prefix, v1, v2 = np.empty(n + 1), np.empty(n), np.empty(n)
    a3, a15 = math.ceil(3000.0 / RES), math.floor(15000.0 / RES)
    bounded = skipped = 0
    for prof in _profiles(16, n, seed=int(f_mhz)):
        hts = prof[0] + h_tx
        lb = np.full(n, np.nan)
        hata_radial_bound(prof, dist, n, 1, RES, hts, 1.5, f_mhz, lam, hata_c, np.inf, 1, np.empty(n + 1),
                          np.empty(n), np.empty(n), 1e15, lb)
        prefix[0] = 0.0
        prefix[1:] = np.cumsum(prof)
        smooth_sums(dist, prof, n, v1, v2)
        scratch = np.empty((2, n))
        for i in range(1, n):
            base = hata_base_loss(prefix, i, n, dist, hts, a3, a15, hata_c, f_mhz)
            exact = base + terrain_excess_db(1, edges, dist, prof, i, hts, prof[i] + 1.5, lam, v1, v2, scratch[0],
                                             scratch[1], np.zeros(n))
            assert lb[i] <= exact, (i, lb[i], exact)
            bounded += int(exact > base + 1.0)
            skipped += int(lb[i] > base + 1.0)
    assert bounded > 500
    assert skipped > 0.3 * bounded  # the horizon's edge carries a good part of the terrain term


@pytest.mark.parametrize("diffraction", ["deygout", "bullington"])
def test_rasters_are_identical_with_and_without_the_bound(monkeypatch: pytest.MonkeyPatch, diffraction: str) -> None:
    dem = rugged_dem(160, RES, seed=3, relief=0.15)
    st = stations(6, dem, seed=5)  # 900 MHz Hata, 1800 MHz COST-231, 2600 MHz ITM
    st.loc[st.index[:3], "calibration_slope_db"] = 4.0
    st["calibration_slope_db"] = st["calibration_slope_db"].fillna(0.0)
    cfg = CoverageConfig(threshold_dbm=-100.0, diffraction=diffraction, max_radius_m=12_000.0)
    monkeypatch.setattr(site_radials, "HATA_REACH_BOUND", False)
    ref = run_coverage(dem, st, config=cfg)
    monkeypatch.setattr(site_radials, "HATA_REACH_BOUND", True)
    got = run_coverage(dem, st, config=cfg)
    assert ref.covered.sum() > 1000
    for name in ("best_level", "best_server", "second_level", "server_count"):
        np.testing.assert_array_equal(getattr(got, name).values, getattr(ref, name).values, err_msg=name)
    for k in ref.operator_levels:
        np.testing.assert_array_equal(got.operator_levels[k].values, ref.operator_levels[k].values)
    # the path loss: identical wherever both computed it (the bound may end it between the reach and the margin)
    a, b = got.path_loss.values, ref.path_loss.values
    both = np.isfinite(a) & np.isfinite(b)
    assert both.sum() > 1000
    np.testing.assert_array_equal(a[both], b[both])


def test_levels_at_points_keep_the_margin(monkeypatch: pytest.MonkeyPatch) -> None:
    """``site_loss_window`` (drive-test comparison) computes the loss down to the margin, bound or not."""
    dem = rugged_dem(120, RES, seed=4, relief=0.15)
    st = stations(3, dem, seed=6)
    cfg = CoverageConfig(threshold_dbm=-95.0, max_radius_m=8_000.0)
    from towerplan.coverage.footprint import footprint_terrain
    from towerplan.coverage.plan import plan_groups, prepare_stations

    terrain = footprint_terrain(dem)
    groups = plan_groups(prepare_stations(st, dem, cfg), dem, terrain.filled, cfg)
    geo = (dem.bounds[0], dem.bounds[3], RES, RES)
    for g in groups:
        monkeypatch.setattr(site_radials, "HATA_REACH_BOUND", False)
        ref = site_radials.site_loss_window(terrain.filled, (0, 0), geo, g, cfg)
        monkeypatch.setattr(site_radials, "HATA_REACH_BOUND", True)
        np.testing.assert_array_equal(site_radials.site_loss_window(terrain.filled, (0, 0), geo, g, cfg), ref)
