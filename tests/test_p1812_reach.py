"""The P.1812 reach bound (issue 20 item 4): a lower bound of the loss, and rasters identical within reach.

:mod:`towerplan.coverage._p1812_reach` bounds the P.1812-7 loss of every radial sample
from below, term by term from the Recommendation; the engine then skips the samples
whose neighbourhood cannot be within reach. Checked here:

* the bound never exceeds the exact loss, sample by sample, on rugged terrain with
  land cover and sea, at 50 % and 1-10 % time, with and without location variability;
* the bounded raster equals the unbounded one on every covered cell (same cells, same
  levels to the bit, same servers) on a rugged synthetic DEM with land cover;
* the facts the bound relies on beyond plain inequalities: the spherical-earth loss and
  the zero-profile Bullington loss fall as the terminals rise, and the ducting time term
  Ap never goes below its floor.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer
from test_coverage_executors import rugged_dem
from test_p1812_raster import synthetic_clutter

from towerplan.coverage import _kernels as kern
from towerplan.coverage._p1812_kernels import path_radii, spherical_earth
from towerplan.coverage._p1812_radial import p1812_radial_loss
from towerplan.coverage._p1812_reach import ap_floor_db, flat_bullington, p1812_radial_bound, site_tables
from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.engine import run_coverage

RES = 90.0


def _radials(n_radials: int, n_samples: int, seed: int, *, sea: bool):
    """Profiles (terrain, clutter height, zone) along random radials of a rugged DEM with land cover."""
    size = 2 * n_samples + 20
    dem = rugged_dem(size, RES, seed=seed)
    z = dem.values.astype(np.float64)
    clut = synthetic_clutter(dem.shape, seed=seed)
    code, height = clut.code.copy(), clut.height_m.astype(np.float64)
    if sea:  # a coast: the lowest quarter of the DEM is sea (water at 0 m)
        low = z < np.quantile(z, 0.25)
        z[low] = 0.0
        code[low] = 1
        height[low] = 0.0
    rng = np.random.default_rng(seed)
    c0 = r0 = size / 2
    for _ in range(n_radials):
        a = rng.uniform(0, 2 * math.pi)
        t = np.arange(n_samples) * RES
        cols, rows = c0 + t * math.sin(a) / RES, r0 - t * math.cos(a) / RES
        prof = np.array([kern.bilinear(z, c, r) for c, r in zip(cols, rows, strict=True)])
        ci = np.clip(np.floor(cols + 0.5).astype(int), 0, size - 1)
        ri = np.clip(np.floor(rows + 0.5).astype(int), 0, size - 1)
        c = code[ri, ci]
        yield prof, height[ri, ci], np.where((c == 1) & (prof <= 1.0), 1, 4)


@pytest.mark.parametrize(("p", "pl", "sigma", "sea", "f_mhz", "h_tx"), [
    (50.0, 50.0, 0.0, False, 1800.0, 30.0),
    (50.0, 90.0, 5.5, True, 900.0, 45.0),
    (10.0, 50.0, 0.0, True, 3500.0, 25.0),
    (1.0, 50.0, 0.0, False, 450.0, 60.0),
])
def test_the_bound_never_exceeds_the_exact_loss(p, pl, sigma, sea, f_mhz, h_tx) -> None:
    n = 160  # 14.4 km at 90 m
    dn, n0, phi = 50.0, 375.0, 19.8
    flat = flat_bullington(n, RES, f_mhz / 1000.0, h_tx, 1.5, dn, p < 50.0)
    tables = site_tables(n, RES, f_mhz / 1000.0, h_tx, 1.5, dn, p < 50.0)
    ap_lb = ap_floor_db(p, phi, n * RES / 1000.0)
    worst = -math.inf
    for prof, r_m, zone in _radials(24, n, seed=int(f_mhz), sea=sea):
        exact = np.full(n, np.nan)
        p1812_radial_loss(prof, r_m, zone, RES, f_mhz / 1000.0, p, h_tx, 1.5, True, phi, dn, n0, pl, sigma, 1, exact,
                          np.zeros(0, dtype=np.uint8))
        for t_skip in (math.inf, -math.inf):  # the full bound, and the first stage alone (no spherical-earth term)
            lb = np.full(n, np.nan)
            p1812_radial_bound(prof, r_m, zone, RES, f_mhz / 1000.0, p, h_tx, 1.5, True, phi, dn, n0, pl, sigma, ap_lb,
                               flat, 1, lb, np.zeros(0, dtype=np.uint8), t_skip)
            worst = max(worst, float(np.max(lb[1:] - exact[1:])))
        # with the site tables, the cheapest floors (per sample, per block of samples, the rest of the radial)
        # decide what lies above t_skip: at every limit, every value stays at or below the exact loss
        for t_skip in (-1e300, 110.0, 130.0, 145.0, 160.0, 175.0):
            lb = np.full(n, np.nan)
            p1812_radial_bound(prof, r_m, zone, RES, f_mhz / 1000.0, p, h_tx, 1.5, True, phi, dn, n0, pl, sigma, ap_lb,
                               tables, 1, lb, np.zeros(0, dtype=np.uint8), t_skip)
            worst = max(worst, float(np.max(lb[1:] - exact[1:])))
    assert worst <= 0.0, worst


@pytest.mark.parametrize(("p", "sea", "f_mhz", "flat_ground"), [
    (50.0, False, 1800.0, False), (10.0, True, 900.0, False), (50.0, False, 1800.0, True)])
def test_the_staged_bound_decides_every_limit_as_the_full_bound(p, sea, f_mhz, flat_ground) -> None:
    """Where the first stage exceeds ``t_skip`` the full bound does too; elsewhere the values are the full bound's."""
    n = 200
    dn, n0, phi = 50.0, 375.0, 19.8
    flat = site_tables(n, RES, f_mhz / 1000.0, 30.0, 1.5, dn, p < 50.0)
    ap_lb = ap_floor_db(p, phi, n * RES / 1000.0)
    radials = list(_radials(12, n, seed=5, sea=sea))
    if flat_ground:
        radials = [(np.full(n, 5.0), np.zeros(n), np.full(n, 4)), *radials[:3]]
    skipped = 0
    for prof, r_m, zone in radials:
        full = np.full(n, np.nan)
        p1812_radial_bound(prof, r_m, zone, RES, f_mhz / 1000.0, p, 30.0, 1.5, True, phi, dn, n0, 50.0, 0.0, ap_lb,
                           flat, 1, full, np.zeros(0, dtype=np.uint8), math.inf)
        for t_skip in (140.0, 160.0, 168.0, 180.0):
            staged = np.full(n, np.nan)
            p1812_radial_bound(prof, r_m, zone, RES, f_mhz / 1000.0, p, 30.0, 1.5, True, phi, dn, n0, 50.0, 0.0, ap_lb,
                               flat, 1, staged, np.zeros(0, dtype=np.uint8), t_skip)
            assert np.array_equal(staged > t_skip, full > t_skip)
            kept = full <= t_skip
            assert np.array_equal(staged[kept], full[kept])  # to the bit
            assert np.all(staged[4:] <= full[4:])
            skipped += int(np.sum(staged[4:] != full[4:]))
    assert skipped > 0  # the first stage decides some samples on its own


def test_the_bound_is_tight_on_flat_open_ground() -> None:
    """Without obstacles the bound follows the exact loss within a few tenths of a dB (it is useful)."""
    n = 300
    prof = np.full(n, 5.0)
    zeros, zone = np.zeros(n), np.full(n, 4)
    exact = np.full(n, np.nan)
    p1812_radial_loss(prof, zeros, zone, RES, 1.8, 50.0, 30.0, 1.5, True, 19.8, 50.0, 375.0, 50.0, 0.0, 1, exact,
                      np.zeros(0, dtype=np.uint8))
    lb = np.full(n, np.nan)
    p1812_radial_bound(prof, zeros, zone, RES, 1.8, 50.0, 30.0, 1.5, True, 19.8, 50.0, 375.0, 50.0, 0.0,
                       ap_floor_db(50.0, 19.8, 30.0), flat_bullington(n, RES, 1.8, 30.0, 1.5, 50.0, False), 1, lb,
                       np.zeros(0, dtype=np.uint8), math.inf)
    gap = exact[10:250] - lb[10:250]
    assert np.all(gap >= 0.0), gap.min()
    assert np.all(gap < 0.5), gap.max()


def test_spherical_earth_and_zero_profile_bullington_fall_as_terminals_rise() -> None:
    ae, _ = path_radii(50.0)
    rng = np.random.default_rng(4)
    for _ in range(300):
        d = rng.uniform(0.5, 60.0)
        f = rng.uniform(0.03, 6.0)
        hte, hre = rng.uniform(0.5, 400.0, 2)
        up = rng.uniform(0.0, 200.0, 2)
        for omega in (0.0, 1.0):
            lo = spherical_earth(d, hte, hre, ae, f, omega, True)
            hi = spherical_earth(d, hte + up[0], hre + up[1], ae, f, omega, True)
            assert hi <= lo + 1e-9, (d, f, hte, hre, up, omega)
    step = 90.0
    base = flat_bullington(200, step, 1.8, 30.0, 1.5, 50.0, True)
    for ht, hr in ((45.0, 1.5), (30.0, 10.0), (80.0, 25.0)):
        higher = flat_bullington(200, step, 1.8, ht, hr, 50.0, True)
        assert np.all(higher[:, 4:] <= base[:, 4:] + 1e-9)


def test_the_ducting_time_term_stays_above_its_floor() -> None:
    """Ap (eq. 54) over beta in (0, beta0_max] and distances up to dmax is never below ap_floor_db."""
    for p in (1.0, 10.0, 50.0):
        for phi in (0.0, 19.8, 45.0, 75.0):
            dmax = 40.0
            floor = ap_floor_db(p, phi, dmax)
            b_hi = 10.0 ** (-0.015 * abs(phi) + 1.67) if abs(phi) <= 70.0 else 4.17
            for beta in np.geomspace(1e-9, b_hi, 400):
                lb = math.log10(beta)
                for dtot in (0.1, 5.0, 20.0, dmax):
                    gam = 1.076 / (2.0058 - lb) ** 1.012 * math.exp(
                        -(9.51 - 4.8 * lb + 0.198 * lb * lb) * 1e-6 * dtot**1.13)
                    ap = -12.0 + (1.2 + 3.7e-3 * dtot) * math.log10(p / beta) + 12.0 * (p / beta) ** gam
                    assert ap >= floor, (p, phi, beta, dtot, ap, floor)


def _sites(dem):
    left, _, _, top = dem.bounds
    n = dem.shape[0]
    tr = Transformer.from_crs(32648, 4326, always_xy=True)
    rows = []
    for k, (fx, fy, az, f) in enumerate(((0.5, 0.5, 0.0, 1800.0), (0.3, 0.6, 120.0, 900.0), (0.7, 0.35, np.nan, 2100.0),
                                          (0.6, 0.7, 240.0, 3500.0))):
        lon, lat = tr.transform(left + fx * n * RES + 7.0, top - fy * n * RES - 3.0)
        for a in ((az,) if np.isnan(az) else (az, az + 120.0, az + 240.0)):
            rows.append({"operator": "AB"[k % 2], "technology": "4G", "lon": lon, "lat": lat,
                         "antenna_height_m": 30.0 + 5 * k, "azimuth_deg": a % 360.0 if np.isfinite(a) else np.nan,
                         "freq_mhz": f, "eirp_dbm": 58.0})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("land_cover", [True, False])
def test_bounded_raster_equals_unbounded_on_covered_cells(land_cover: bool) -> None:
    dem = rugged_dem(240, RES, seed=7)  # 21.6 km square, ~2 km of relief
    clut = synthetic_clutter(dem.shape, seed=7) if land_cover else None
    st = _sites(dem)
    out = {}
    for bound in (False, True):
        # exact P.1812 at every needed sample (the anchors of _p1812_anchor change levels: tests/test_p1812_anchor.py)
        cfg = CoverageConfig(model="p1812", threshold_dbm=-110.0, max_radius_m=12_000.0, p1812_reach_bound=bound,
                             p1812_anchor_every=1)
        out[bound] = run_coverage(dem, st, config=cfg, clutter=clut)
    a, b = out[False], out[True]
    covered = np.isfinite(a.best_level.values)
    assert covered.sum() > 2000
    assert np.array_equal(covered, np.isfinite(b.best_level.values))
    assert np.array_equal(a.best_level.values[covered], b.best_level.values[covered])
    assert np.array_equal(a.best_server.values, b.best_server.values)
    assert np.array_equal(a.server_count.values, b.server_count.values)
    sec = np.isfinite(a.second_level.values)
    assert np.array_equal(sec, np.isfinite(b.second_level.values))
    assert np.array_equal(a.second_level.values[sec], b.second_level.values[sec])


def test_demand_mask_gives_the_same_cells_and_levels_inside_it() -> None:
    """The coverage matrix computes only the radial samples its demand cells read (``reach_levels(only=...)``)."""
    from scipy import ndimage

    from towerplan.coverage.clutter import ClutterGrid
    from towerplan.coverage.footprint import reach_levels
    from towerplan.coverage.plan import prepare_stations

    dem = rugged_dem(240, RES, seed=11)
    clut = synthetic_clutter(dem.shape, seed=11)
    rng = np.random.default_rng(11)
    f = ndimage.gaussian_filter(rng.standard_normal(dem.shape), 5.0)
    only = f > np.quantile(f, 0.85)  # scattered patches, 15 % of the cells
    cfg = CoverageConfig(model="p1812", threshold_dbm=-110.0, max_radius_m=10_000.0, p1812_anchor_every=1)
    st = _sites(dem)
    for (lon, lat), part in st.groupby(["lon", "lat"]):
        sec = prepare_stations(part, dem, cfg)
        x, y = float(sec.table["x"].iloc[0]), float(sec.table["y"].iloc[0])
        full, lv_full = reach_levels(dem, sec, x, y, cfg, clutter=ClutterGrid(clut.height_m, clut.code))
        part_only, lv_only = reach_levels(dem, sec, x, y, cfg, clutter=clut, only=only)
        inside = only.ravel()[full]
        assert inside.sum() > 100, (lon, lat)
        a = dict(zip(full[inside].tolist(), lv_full[inside].tolist(), strict=True))
        keep = only.ravel()[part_only]
        b = dict(zip(part_only[keep].tolist(), lv_only[keep].tolist(), strict=True))
        assert a == b  # same cells, same levels to the bit
        assert len(part_only) < len(full)  # samples only other cells read were never computed
