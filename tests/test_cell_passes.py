"""The sectors' pass's shortcuts give the same bits as the plain expressions they replace (bench/README.md,
round w11, helper ``cells``): ``mod360`` against Python's float modulo as numba compiles it, the parametric
gain without mechanical tilt against the full formula."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from towerplan.coverage._gain_kernels import mod360, sector_gain_db
from towerplan.coverage._kernels import ring_level


@njit(cache=False)
def _mismatches(values):
    bad = 0
    for v in values:
        fast = mod360(v)
        plain = v % 360.0
        same = fast == plain and math.copysign(1.0, fast) == math.copysign(1.0, plain)
        if not same and not (math.isnan(fast) and math.isnan(plain)):
            bad += 1
    return bad


def test_mod360_is_the_float_modulo_bit_for_bit() -> None:
    rng = np.random.default_rng(3)
    edges = [0.0, -0.0, 360.0, -360.0, 720.0, -720.0, 5e-324, -5e-324, math.inf, -math.inf, math.nan, 1e300]
    edges += [np.nextafter(b, t) for b in (0.0, 360.0, -360.0, 720.0) for t in (-1e9, 1e9)]
    values = np.concatenate([rng.uniform(-1000.0, 1000.0, 200_000), rng.uniform(-1e-9, 1e-9, 20_000),
                             *(rng.uniform(b - 1e-6, b + 1e-6, 20_000) for b in (-360.0, 360.0, 720.0)),
                             np.array(edges)])
    assert _mismatches(values) == 0


def test_gain_without_mechanical_tilt_is_the_full_formula() -> None:
    rng = np.random.default_rng(9)
    for _ in range(2000):
        phi, theta = float(rng.uniform(-540.0, 540.0)), float(rng.uniform(-30.0, 30.0))
        e_tilt = float(rng.choice([0.0, -0.0, rng.uniform(-5.0, 12.0)]))
        args = (65.0, 7.0, e_tilt)
        got = sector_gain_db(phi, theta, False, *args, 0.0, 25.0, 20.0)
        p = (phi + 180.0) % 360.0 - 180.0  # the TR 36.814 pattern as written, with its m_tilt * cos term
        a_h = -min(12.0 * (p / 65.0) ** 2, 25.0)
        a_v = -min(12.0 * ((theta - (e_tilt + 0.0 * math.cos(math.radians(p)))) / 7.0) ** 2, 20.0)
        assert got == -min(-(a_h + a_v), 25.0)


@njit(cache=False)
def _level_mismatches(values, lmax):
    bad = 0
    for x in values:
        if ring_level(x, lmax) != min(max(math.floor(math.log2(x)), 0), lmax):
            bad += 1
    return bad


def test_ring_level_is_the_floor_of_log2_bit_for_bit() -> None:
    """The fill's ring level from comparisons with powers of two (log2 only next to one) is the level
    ``floor(log2(R / d))`` gave, including the floats just either side of every power of two."""
    rng = np.random.default_rng(5)
    near = []
    for k in range(-4, 16):
        p = 2.0**k
        x = p
        for _ in range(40):  # 40 floats either side of the power
            near += [x]
            x = np.nextafter(x, 0.0)
        x = p
        for _ in range(40):
            x = np.nextafter(x, math.inf)
            near += [x]
        near += list(p * (1.0 + rng.uniform(-3e-12, 3e-12, 200)))
    values = np.concatenate([np.array(near), 10.0 ** rng.uniform(-3.0, 4.5, 200_000),
                             30_000.0 / np.hypot(*rng.uniform(-30_000.0, 30_000.0, (2, 100_000)))])
    for lmax in range(0, 12):
        assert _level_mismatches(values, lmax) == 0
