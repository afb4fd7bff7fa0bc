"""The per-cell passes' shortcuts give the same bits as the plain expressions they replace (bench/README.md,
round w11, helper ``cells``): ``mod360`` against Python's float modulo as numba compiles it, the fill's row
spans against the distance test, the parametric gain without mechanical tilt against the full formula."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from towerplan.coverage._kernels import disc_span, mod360, sector_gain_db


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


@njit(cache=False)
def _span_misses(dys, radius, site_x, left, res_x, c_lo, w):
    """Cells outside the span that lie within ``radius`` (must be none), and cells inside it at all."""
    miss = 0
    inside = 0
    for dy in dys:
        c_a, c_b = disc_span(dy, radius, site_x, left, res_x, c_lo, w)
        for c in range(w):
            dx = left + (c_lo + c + 0.5) * res_x - site_x
            d = math.sqrt(dx * dx + dy * dy)
            if c_a <= c < c_b:
                inside += 1
            elif not d > radius:
                miss += 1
    return miss, inside


def test_disc_span_holds_every_cell_within_the_radius() -> None:
    rng = np.random.default_rng(5)
    for res in (30.0, 90.0):
        for _ in range(20):
            radius = float(rng.uniform(0.0, 40 * res))
            site_x = float(rng.uniform(-5 * res, 5 * res))
            dys = rng.uniform(-radius - 3 * res, radius + 3 * res, 60)
            dys = np.concatenate([dys, [radius, -radius, 0.0]])
            miss, inside = _span_misses(dys, radius, site_x, -40 * res, res, 3, 80)
            assert miss == 0
            assert inside < 63 * 80  # the span leaves cells out, or it would gain nothing
    # an infinite radius: the whole row
    assert disc_span(10.0, math.inf, 0.0, 0.0, 30.0, 0, 17) == (0, 17)


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
