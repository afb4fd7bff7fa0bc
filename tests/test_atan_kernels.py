"""The per-cell passes' ``atan`` / ``atan2`` (:mod:`towerplan.coverage._atan_kernels`) against the library's.

The bound the module proves is 1.3e-15 rad; checked here (< 2e-15) on millions of points: random arguments over 600
orders of magnitude, the axes and both zeros, the octant edges and the floats either side, the polynomials' nodes
and the floats either side, the grid offsets the fills see; the library's conventions for zeros, infinities, NaN.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from numba import njit

from towerplan.coverage._atan_kernels import fast_atan, fast_atan2, taylor_table

BOUND = 2e-15


@njit(cache=False)
def _err2(y, x):
    worst = 0.0
    for i in range(y.size):
        worst = max(worst, abs(fast_atan2(y[i], x[i]) - math.atan2(y[i], x[i])))
    return worst


@njit(cache=False)
def _err1(x):
    worst = 0.0
    for i in range(x.size):
        worst = max(worst, abs(fast_atan(x[i]) - math.atan(x[i])))
    return worst


@njit(cache=False)
def _same2(y, x):
    """Both NaN, or equal with the same sign (zeros included)."""
    for i in range(y.size):
        a = fast_atan2(y[i], x[i])
        b = math.atan2(y[i], x[i])
        if math.isnan(a) != math.isnan(b) or (not math.isnan(a) and (a != b or math.copysign(1.0, a)
                                                                      != math.copysign(1.0, b))):
            return i
    return -1


def _signs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every sign combination of the pairs (a, b)."""
    ys = np.concatenate([a, -a, a, -a, b, -b, b, -b])
    xs = np.concatenate([b, b, -b, -b, a, a, -a, -a])
    return ys, xs


def test_atan2_random_magnitudes():
    rng = np.random.default_rng(20261205)
    n = 2_000_000
    y = rng.normal(size=n) * 10.0 ** rng.uniform(-150, 150, n)
    x = rng.normal(size=n) * 10.0 ** rng.uniform(-150, 150, n)
    assert _err2(y, x) < BOUND
    y = rng.uniform(-1, 1, n)  # ratios near 1: every octant and node interval
    x = rng.uniform(-1, 1, n)
    assert _err2(y, x) < BOUND


def test_atan2_edges():
    rng = np.random.default_rng(7)
    m = rng.uniform(1e-3, 1e6, 200_000)
    up = np.nextafter(m, np.inf)
    down = np.nextafter(m, 0.0)
    # the diagonals |y| == |x| and the floats either side
    ys, xs = _signs(np.concatenate([m, up, down, m]), np.concatenate([m, m, m, up]))
    assert _err2(ys, xs) < BOUND
    # the polynomials' nodes t = k / 64 (exact products) and the floats either side
    k = np.arange(65, dtype=float)
    base = np.repeat(rng.uniform(1.0, 2.0, 3000), 65)
    t = np.tile(k / 64.0, 3000)
    a = base * t
    ys, xs = _signs(np.concatenate([a, np.nextafter(a, np.inf), np.nextafter(a, 0.0)]), np.tile(base, 3))
    assert _err2(ys, xs) < BOUND
    # tiny and huge ratios, the axes themselves
    tiny = 10.0 ** rng.uniform(-300, -1, 100_000)
    ys, xs = _signs(tiny, np.ones_like(tiny))
    assert _err2(ys, xs) < BOUND
    ys, xs = _signs(np.zeros(1000), rng.uniform(1e-300, 1e300, 1000))
    assert _err2(ys, xs) == 0.0  # on an axis the value is exact (0, pi/2, pi)
    assert _same2(ys, xs) == -1  # and the sign of a zero is the library's


def test_atan2_fill_offsets():
    # cell centres on 30 m and 90 m grids around sites at fractional offsets: the fill's arguments
    for res, off in ((30.0, (0.3, -0.7)), (90.0, (0.5, 0.5)), (90.0, (0.0, 0.0))):
        c = (np.arange(-700, 701) + 0.5) * res
        gy, gx = np.meshgrid(c + off[1] * res, c + off[0] * res, indexing="ij")
        assert _err2(gx.ravel().copy(), gy.ravel().copy()) < BOUND


def test_atan2_special_arguments():
    vals = np.array([0.0, -0.0, 1.0, -1.0, 1e-310, -1e-310, math.inf, -math.inf, math.nan, 1e308, -1e308])
    ys, xs = np.meshgrid(vals, vals, indexing="ij")
    assert _same2(ys.ravel().copy(), xs.ravel().copy()) == -1


def test_atan():
    rng = np.random.default_rng(3)
    n = 2_000_000
    x = rng.normal(size=n) * 10.0 ** rng.uniform(-300, 300, n)
    assert _err1(x) < BOUND
    x = rng.uniform(-2.0, 2.0, n)
    assert _err1(x) < BOUND
    k = np.arange(-64, 65, dtype=float) / 64.0
    near = np.concatenate([k, np.nextafter(k, np.inf), np.nextafter(k, -np.inf), 1.0 / k[k != 0]])
    assert _err1(near) < BOUND
    assert _err1(np.array([0.0, -0.0, math.inf, -math.inf])) == 0.0
    assert math.isnan(fast_atan(math.nan))
    assert math.copysign(1.0, fast_atan(-0.0)) == -1.0


def test_taylor_table_coefficients():
    # the coefficients are atan's derivatives / k! at the nodes: atan'(c) = 1 / (1 + c^2), atan''(c) / 2 =
    # -c / (1 + c^2)^2, atan'''(c) / 6 = (3 c^2 - 1) / (3 (1 + c^2)^3)
    tab = taylor_table()
    assert tab.shape == (65, 9)
    for k in (0, 1, 17, 40, 64):
        c = Fraction(k, 64)
        q = 1 + c * c
        assert tab[k, 0] == math.atan(k / 64)
        assert tab[k, 1] == float(1 / q)
        assert tab[k, 2] == float(-c / q ** 2)
        assert tab[k, 3] == float((3 * c * c - 1) / (3 * q ** 3))
