"""``atan`` and ``atan2`` for the per-cell passes: table-driven Taylor polynomials, error < 1e-15 rad.

The fills (:func:`~._kernels.fill_samples`: the cell's azimuth, which picks its two radials and their weight) and
the sectors' pass (:func:`~._kernels.cell_angles`: bearing and elevation) call ``atan2`` / ``atan`` once per cell;
glibc's (correctly rounded in most cases, < 1 ulp) cost ~13-27 ns a call there, a large share of the fill
(bench/README.md, rounds w11-w12). These give the same angles to within 1e-15 rad (a few ulp) for a fraction of it.

Method. Octant reduction: ``t = min(|y|, |x|) / max(|y|, |x|)`` lies in [0, 1], ``atan2`` follows from ``atan(t)``
by the identities ``atan(t) + atan(1 / t) = pi / 2`` (t > 0) and the quadrant's reflections (``pi - a``, ``-a``).
On [0, 1], ``atan(t)`` is its Taylor polynomial of degree :data:`_DEG` around the node ``c = k / N`` below it
(:data:`_N` nodes a unit, ``s = t - c`` in [0, 1 / N)); the coefficients come from ``atan' = 1 / (1 + x^2)``: with
``q(s) = 1 + (c + s)^2``, the series ``a_k`` of ``1 / q`` solves ``(1 + c^2) a_k + 2 c a_{k-1} + a_{k-2} = [k = 0]``
(exact rational arithmetic), and ``atan`` has ``b_0 = atan(c)`` (``math.atan``, < 1 ulp) and ``b_{k+1} = a_k / (k +
1)``, each rounded once to a double.

Error bound (proof). ``atan'(x) = Im(1 / (x - i))``, so ``atan^(n)(x) = (-1)^(n-1) (n-1)! Im((x - i)^-n)`` and
``|atan^(n)(x)| <= (n-1)! / (1 + x^2)^(n/2) <= (n-1)!`` for every real x. Lagrange's remainder of the degree-D
polynomial over ``|s| < h`` is then at most ``D! / (D+1)! h^(D+1) = h^(D+1) / (D+1)``: with h = 1/64, D = 8,
``2^-54 / 9 < 6.2e-18``. The rounding: ``t`` once (relative 2^-53, and ``|atan'| <= 1``: < 1.2e-16); ``k``
and ``s = t - c`` exact (``64 t`` is exact; Sterbenz: c <= t <= 2c for k >= 1, s = t for k = 0); the nine
coefficients (each within 2^-53 of itself; ``|b_k s^k| <= 1 / 64^k`` for k >= 1) and the steps of Estrin's scheme
(:func:`_atan01`; each within 2^-53 of a partial sum, those below 0.79 + 1/64, the rest below 2^-11): < 3 ulp of
pi/4, 3.4e-16; ``pi / 2 - a`` and ``pi - a`` add one rounding each (< 2.3e-16 and 4.5e-16) and the constants' own
(< 1.3e-16). In all < 1.3e-15 rad; ``tests/test_atan_kernels.py`` checks < 2e-15 (measured 4.4e-16, 2 ulp of pi)
against ``math.atan2`` / ``math.atan`` on millions of points: axes, octant edges, the nodes, tiny and huge ratios.
At the nodes (``s = 0``: t = 0 on the axes, t = 1 on the diagonals) the value is ``math.atan``'s, so an axis gives
an exact 0, pi/2 or pi. Zero, infinite and NaN arguments go to ``math.atan2`` / ``math.atan``.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from numba import njit

__all__ = ["fast_atan", "fast_atan2", "taylor_table"]

#: nodes a unit (``c = k / _N``) and the polynomials' degree; the bound in the module docstring holds for these
_N = 64
_DEG = 8


def taylor_table(n: int = _N, deg: int = _DEG) -> np.ndarray:
    """(n + 1, deg + 1) float64: row k the Taylor coefficients of ``atan`` around ``k / n`` (the module docstring)."""
    out = np.empty((n + 1, deg + 1))
    for k in range(n + 1):
        c = Fraction(k, n)
        q0 = 1 + c * c
        a: list[Fraction] = []
        for j in range(deg):  # series of 1 / (q0 + 2 c s + s^2)
            v = Fraction(1 if j == 0 else 0)
            if j >= 1:
                v -= 2 * c * a[j - 1]
            if j >= 2:
                v -= a[j - 2]
            a.append(v / q0)
        out[k, 0] = math.atan(k / n)
        for j in range(deg):
            out[k, j + 1] = float(a[j] / (j + 1))
    return out


_TAB = taylor_table()
_HALF_PI = math.pi / 2.0


@njit(cache=True, inline="always")
def _atan01(t):
    """``atan(t)`` for ``0 <= t <= 1``: the node below ``t`` and its polynomial, in Estrin's form (pairs of terms,
    then powers ``s^2``, ``s^4``: a dependency chain of ~6 operations instead of Horner's 16, so that the cells of a
    row overlap in the processor)."""
    k = int(t * _N)
    s = t - k * (1.0 / _N)
    b = _TAB[k]
    s2 = s * s
    s4 = s2 * s2
    lo = (b[0] + b[1] * s) + (b[2] + b[3] * s) * s2
    hi = (b[4] + b[5] * s) + (b[6] + b[7] * s) * s2
    return lo + (hi + b[8] * s4) * s4


@njit(cache=True, inline="always")
def fast_atan2(y, x):
    """``math.atan2(y, x)`` within 1.3e-15 rad (module docstring); ``math.atan2`` itself where ``x`` and ``y`` are
    both zero, or one is infinite or NaN."""
    ay = abs(y)
    ax = abs(x)
    hi = max(ax, ay)
    if not (0.0 < hi < math.inf):  # zeros, infinities, NaN: the library's conventions
        return math.atan2(y, x)
    a = _atan01(ay / ax) if ay <= ax else _HALF_PI - _atan01(ax / ay)
    if x < 0.0:
        a = math.pi - a
    return math.copysign(a, y)  # a >= 0; y's sign, that of -0.0 included


@njit(cache=True, inline="always")
def fast_atan(x):
    """``math.atan(x)`` within 1.3e-15 rad (module docstring); ``math.atan`` itself for NaN."""
    ax = abs(x)
    if ax <= 1.0:
        a = _atan01(ax)
    elif ax > 1.0:
        a = _HALF_PI - _atan01(1.0 / ax)  # 1 / inf = 0: pi / 2
    else:  # NaN
        return math.atan(x)
    return math.copysign(a, x)
