"""Terrain profiles from a Grid (towerplan.coverage.profile).

Oracles: bilinear interpolation reproduces any plane exactly; cell-centre
coordinates follow from the affine transform; the earth bulge is d (D - d) / (2 k R).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from affine import Affine

from towerplan.coverage.profile import (
    earth_bulge_m,
    effective_earth_radius_m,
    profile,
    profile_pfl,
    sample_bilinear,
    to_pfl,
)
from towerplan.errors import ModelInputError, RasterDataError
from towerplan.grid import Grid

X0, Y0, RES = 560_010.0, 2_200_020.0, 30.0


def _centre(row: float, col: float) -> tuple[float, float]:
    return X0 + (col + 0.5) * RES, Y0 - (row + 0.5) * RES


def _plane_grid(nodata: float | None = None) -> Grid:
    rows, cols = np.mgrid[0:40, 0:50]
    values = 100.0 + 3.0 * cols - 2.0 * rows  # a plane: bilinear interpolation is exact
    return Grid(values, Affine(RES, 0.0, X0, 0.0, -RES, Y0), 32648, nodata)


def test_profile_along_a_row_samples_the_eastward_slope(utm_grid: Grid) -> None:
    # the fixture rises 2 m per 30 m column; from the centre of column 5 to that of
    # column 25 is 600 m: with step 50 m, 12 intervals, heights 2 * column
    d, z = profile(utm_grid, _centre(10, 5), _centre(10, 25), 50.0)
    assert d.shape == z.shape == (13,)
    assert d[-1] == pytest.approx(600.0)
    np.testing.assert_allclose(np.diff(d), 50.0)
    np.testing.assert_allclose(z, 2.0 * (5 + d / RES), atol=1e-9)


def test_profile_is_exact_on_a_plane_in_any_direction() -> None:
    grid = _plane_grid()
    start, end = (X0 + 100.0, Y0 - 1100.0), (X0 + 1400.0, Y0 - 50.0)
    d, z = profile(grid, start, end, 70.0)
    length = math.hypot(1300.0, 1050.0)
    n = math.ceil(length / 70.0)
    assert d.size == n + 1
    assert d[-1] == pytest.approx(length)
    assert d[1] <= 70.0  # actual step never longer than asked
    x = start[0] + d / length * 1300.0
    y = start[1] + d / length * 1050.0
    col = (x - X0) / RES - 0.5
    row = (Y0 - y) / RES - 0.5
    np.testing.assert_allclose(z, 100.0 + 3.0 * col - 2.0 * row, atol=1e-9)


def test_samples_near_the_outer_edge_use_the_edge_centres() -> None:
    grid = _plane_grid()
    # 10 m inside the western edge: left of the first column centre -> column 0's value
    z = sample_bilinear(grid, X0 + 10.0, _centre(3, 0)[1])
    assert float(z) == pytest.approx(100.0 - 2.0 * 3)


def test_nodata_gives_nan_or_raises() -> None:
    values = _plane_grid().values.copy()
    values[10, 20] = -9999.0
    grid = Grid(values, Affine(RES, 0.0, X0, 0.0, -RES, Y0), 32648, -9999.0)
    d, z = profile(grid, _centre(10, 15), _centre(10, 25), 15.0)
    near = np.abs(X0 + (20 + 0.5) * RES - (_centre(10, 15)[0] + d)) < RES
    assert np.isnan(z[near]).all()
    assert np.isfinite(z[~near]).all()
    with pytest.raises(ModelInputError, match="nodata"):
        profile(grid, _centre(10, 15), _centre(10, 25), 15.0, nodata="raise")


def test_bad_requests_raise() -> None:
    grid = _plane_grid()
    with pytest.raises(ModelInputError, match="outside"):
        profile(grid, _centre(1, 1), (X0 - 500.0, Y0 - 100.0), 30.0)
    with pytest.raises(ModelInputError, match="step_m"):
        profile(grid, _centre(1, 1), _centre(5, 5), 0.0)
    with pytest.raises(ModelInputError, match="differ"):
        profile(grid, _centre(1, 1), _centre(1, 1), 30.0)
    geographic = Grid(np.zeros((3, 3)), Affine(0.01, 0, 105.0, 0, -0.01, 20.0), 4326)
    with pytest.raises(RasterDataError, match="projected"):
        profile(geographic, (105.005, 19.995), (105.015, 19.985), 30.0)


def test_pfl_format() -> None:
    pfl = to_pfl([10.0, 11.0, 12.5], 100.0)
    np.testing.assert_array_equal(pfl, [2.0, 100.0, 10.0, 11.0, 12.5])
    grid = _plane_grid()
    pfl = profile_pfl(grid, _centre(10, 5), _centre(10, 25), 50.0)
    assert pfl[0] == 12
    assert pfl[1] == pytest.approx(50.0)
    assert pfl.size == 15
    with pytest.raises(ModelInputError):
        to_pfl([1.0], 30.0)


def test_earth_bulge_and_effective_radius() -> None:
    # k = 4/3: a_e = 4/3 * 6371 km = 8494.667 km; bulge mid-way on 20 km:
    # 10000 * 10000 / (2 * 8494666.7) = 5.886046 m, zero at both ends
    assert effective_earth_radius_m() == pytest.approx(8_494_666.667, abs=1e-3)
    bulge = earth_bulge_m(np.array([0.0, 10_000.0, 20_000.0]), 20_000.0)
    np.testing.assert_allclose(bulge, [0.0, 5.886046, 0.0], atol=1e-6)
    assert earth_bulge_m(10_000.0, 20_000.0, k_factor=1.0) == pytest.approx(1e8 / (2 * 6_371_000.0))
    with pytest.raises(ModelInputError):
        effective_earth_radius_m(0.0)
