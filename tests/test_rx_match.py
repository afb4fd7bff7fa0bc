"""The extended zone's receiver-clutter match and refinement (:mod:`towerplan.coverage._fill_zones`, round w10).

ITU-R P.1812-7 adds each intermediate profile point's clutter height to the terrain (§3.2, eq. 1a), so the point
one step before the receiver, on the radial or on the cell's own profile, sets the receiver side of the
Bullington construction. Checked here: the clutter the fill attributes to a radial sample is the one the radial
sweep gave that point; where the loss depends only on it, the match reproduces it exactly; without the match
180 m radials miss the accuracy target on a terrain where they meet it with it; refined cells carry the
point-to-point loss of the ``exact`` cell mode.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
import test_p1812_raster
from test_coverage_executors import rugged_dem
from test_p1812_raster import _check as _check_p1812
from test_p1812_raster import _site, synthetic_clutter
from test_p1812_raster import raster_vs_exact as p1812_vs_exact

from towerplan.coverage import _fill_run, _fill_zones
from towerplan.coverage import _kernels as kern
from towerplan.coverage._fill_zones import fill_window_zones, prev_clutter
from towerplan.coverage._kernels import CLUTTER_DEFAULT_CODE, CLUTTER_DEFAULT_H
from towerplan.coverage._sweep_p1812 import _sample_clutter_radial
from towerplan.coverage.clutter import NO_CLUTTER
from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.engine import run_coverage
from towerplan.coverage.plan import radial_layout

RES, N = 30.0, 240


def _window():
    clut = synthetic_clutter((N, N))
    site_col, site_row = N / 2 + 0.23, N / 2 - 0.41
    return clut, site_col, site_row


def test_prev_clutter_is_the_sweeps_clutter_one_step_back() -> None:
    clut, site_col, site_row = _window()
    step, n0, n_samp = RES, 96, 100
    prev = prev_clutter(n0, n_samp, step, site_col, site_row, 3, 5, RES, RES, clut.height_m, clut.code, 1)
    dist = np.arange(n_samp) * step
    z = np.full(n_samp, 50.0)
    for j in range(n0):
        rclut = np.empty(n_samp)
        zone = np.empty(n_samp, dtype=np.int64)
        _sample_clutter_radial(3, 5, site_col, site_row, RES, RES, dist, n_samp, j, n0, clut.height_m, clut.code, z,
                               rclut, zone)
        np.testing.assert_array_equal(prev[j, 1:], rclut[:-1].astype(np.float32))
    assert np.isnan(prev[:, 0]).all()
    assert len(np.unique(prev[:, 1:])) > 2  # the window holds several clutter heights


def _cell_r(clut, site_col, site_row, step):
    """The clutter height of each cell's point one step before it on its own profile (``round(d / step)``)."""
    rows, cols = np.indices((N, N))
    d = np.hypot(cols - site_col, rows - site_row) * RES
    m = np.maximum(np.round(d / step), 2)
    f = (m - 1) / m
    c = np.clip(np.floor(site_col + f * (cols - site_col) + 0.5).astype(int), 0, N - 1)
    r = np.clip(np.floor(site_row + f * (rows - site_row) + 0.5).astype(int), 0, N - 1)
    code = clut.code[r, c]
    return np.where(code == 0, CLUTTER_DEFAULT_H, clut.height_m[r, c]), d


@pytest.mark.parametrize("match", [True, False])
def test_the_match_reproduces_a_loss_set_by_the_receivers_clutter(match: bool) -> None:
    assert CLUTTER_DEFAULT_CODE == 2
    clut, site_col, site_row = _window()
    step, radius = RES, 3400.0
    n0, lmax, _, _ = radial_layout(radius, step, spacing=6.0)  # 180 m radials at the rim
    n_samp = math.ceil(radius / step) + 2
    prev = prev_clutter(n0, n_samp, step, site_col, site_row, 0, 0, RES, RES, clut.height_m, clut.code, 1)
    table = np.where(np.isnan(prev), 100.0, 100.0 + prev).astype(np.float64)  # a loss set by R before the receiver
    left, top = 0.0, N * RES
    site_x, site_y = left + (site_col + 0.5) * RES, top - (site_row + 0.5) * RES
    # no clutter: the engine's read-only empty arrays (NO_CLUTTER), the kernel's types of the match's (one compile)
    rx = ((prev, prev, clut.height_m, clut.code, 0, 0) if match else
          (np.zeros((0, 0), np.float32),) * 2 + (*NO_CLUTTER, 0, 0))
    out = np.empty((N, N), dtype=np.float32)
    flags = np.zeros((N, N), dtype=np.uint8)
    layout = (table, n0, lmax, radius, step, radius)
    fill_window_zones(layout, layout, 1500.0, 1740.0, site_x, site_y, left, top, RES, RES, 0, 0, out, 1e9, rx,
                      math.inf, flags)
    assert not flags.any()
    r_cell, d = _cell_r(clut, site_col, site_row, step)
    far = (d > 1800.0) & (d < radius - 3 * step)
    exact = np.abs(out[far] - (100.0 + r_cell[far])) < 1e-4
    if match:  # all but the cells none of whose four samples has their clutter
        assert exact.mean() > 0.97, exact.mean()
    else:  # interpolation across the clutter patches' edges
        assert exact.mean() < 0.9, exact.mean()


def test_without_land_cover_the_zone_fill_is_the_plain_fill() -> None:
    # no clutter to match (or rx_match off): each table is read as kern.fill_window reads one
    _, site_col, site_row = _window()
    step, radius = RES, 3400.0
    n0, lmax, _, _ = radial_layout(radius, step, spacing=6.0)
    n_samp = math.ceil(radius / step) + 2
    table = 100.0 + 20.0 * np.random.default_rng(3).random((n0, n_samp))
    left, top = 0.0, N * RES
    site_x, site_y = left + (site_col + 0.5) * RES, top - (site_row + 0.5) * RES
    rx = (np.zeros((0, 0), np.float32),) * 2 + (*NO_CLUTTER, 0, 0)  # (read-only, as the engine passes them)
    out = np.empty((N, N), dtype=np.float32)
    flags = np.zeros((N, N), dtype=np.uint8)
    layout = (table, n0, lmax, radius, step, radius)
    fill_window_zones(layout, layout, 1500.0, 1740.0, site_x, site_y, left, top, RES, RES, 0, 0, out, 1e9, rx,
                      math.inf, flags)
    plain = np.empty((N, N), dtype=np.float32)
    kern.fill_window(table, n0, lmax, radius, step, site_x, site_y, left, top, RES, RES, 0, 0, plain, 1e9, radius,
                     np.zeros((0, 0), dtype=np.uint8))
    np.testing.assert_allclose(out, plain, atol=1e-4)
    assert np.isfinite(out).sum() > 0.5 * out.size


def test_without_the_match_180m_radials_miss_the_target(monkeypatch) -> None:
    # the finding that motivates the match (bench/README.md, round w10): seed 11, 3 km main zone
    monkeypatch.setattr(test_p1812_raster, "CoverageConfig",
                        functools.partial(CoverageConfig, main_radius_m=3000.0, rx_match=False, extended_refine_db=0))
    with pytest.raises(AssertionError):
        _check_p1812(p1812_vs_exact(30.0, 8000.0, n_cells=600, seed=11))


def test_refined_cells_carry_the_point_to_point_loss(monkeypatch) -> None:
    res, radius = 90.0, 12000.0
    n = int(2 * radius / res) + 20
    dem = rugged_dem(n, res, seed=5)
    clut = synthetic_clutter(dem.shape)
    _, _, _, st = _site(dem)
    seen: list[tuple[tuple[int, int], np.ndarray]] = []
    real = _fill_zones.refine_cells

    def spy(out, flags, **kw):
        seen.append((kw["origin"], np.argwhere(flags)))
        return real(out, flags, **kw)

    monkeypatch.setattr(_fill_zones, "refine_cells", spy)
    monkeypatch.setattr(_fill_run, "refine_cells", spy)  # the engine's fill of a site's run (round w18)
    base = {"model": "p1812", "threshold_dbm": -200.0, "max_radius_m": radius, "extended_spacing_m": 360.0}
    zone = run_coverage(dem, st, config=CoverageConfig(**base, extended_refine_db=15.0),  # type: ignore[arg-type]
                        clutter=clut).path_loss.values
    (((r_lo, c_lo), cells),) = seen
    assert 0 < len(cells) < 0.2 * np.isfinite(zone).sum()
    exact = run_coverage(dem, st, config=CoverageConfig(**base, cell_loss="exact"),  # type: ignore[arg-type]
                         clutter=clut).path_loss.values
    rr, cc = cells[:, 0] + r_lo, cells[:, 1] + c_lo
    np.testing.assert_allclose(zone[rr, cc], exact[rr, cc], atol=1e-4)
    seen.clear()
    run_coverage(dem, st, config=CoverageConfig(**base, extended_refine_db=0.0), clutter=clut)  # type: ignore[arg-type]
    assert not seen
