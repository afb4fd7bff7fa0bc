"""Seeded value noise, fractal sums and ridged noise on regular lattices.

Value noise: random values on a square control lattice of spacing
``wavelength_m``, interpolated with Catmull-Rom cubics. The control values depend
only on (seed, layer, octave), never on the output lattice, so the same terrain
is rendered at 300 m, 90 m or 30 m. Interpolation onto a regular output grid is
separable: ``Wy @ values @ Wx.T`` with sparse weight matrices, which is fast and
exactly reproducible (no threaded BLAS reduction).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import sparse

from towerplan.demo._common import FRAME_SIZE_M, rng_for

#: control lattices cover the frame plus this margin on every side (m)
_MARGIN_M = 4_000.0


def _weights(coords_m: np.ndarray, spacing_m: float, n_control: int) -> sparse.csr_matrix:
    """Catmull-Rom interpolation weights from control points to ``coords_m`` (sparse)."""
    t = (np.asarray(coords_m, dtype=float) + _MARGIN_M) / spacing_m
    i = np.floor(t).astype(np.int64)
    f = t - i
    f2, f3 = f * f, f * f * f
    w = np.stack(
        [
            0.5 * (-f3 + 2 * f2 - f),
            0.5 * (3 * f3 - 5 * f2 + 2),
            0.5 * (-3 * f3 + 4 * f2 + f),
            0.5 * (f3 - f2),
        ],
        axis=1,
    )
    cols = np.clip(i[:, None] + np.arange(-1, 3)[None, :], 0, n_control - 1)
    rows = np.repeat(np.arange(len(t)), 4)
    return sparse.csr_matrix((w.ravel(), (rows, cols.ravel())), shape=(len(t), n_control))


def _n_control(spacing_m: float) -> int:
    return math.ceil((FRAME_SIZE_M + 2 * _MARGIN_M) / spacing_m) + 3


def value_noise(xs_m: np.ndarray, ys_m: np.ndarray, *, wavelength_m: float, seed: int, layer: str) -> np.ndarray:
    """2-D value noise, about -1..1, on the grid ``ys_m`` (rows) x ``xs_m`` (columns).

    Parameters
    ----------
    xs_m, ys_m
        1-D frame coordinates (m) of the columns and of the rows.
    wavelength_m
        Spacing of the random control values (the feature size).
    seed, layer
        Select the control values; the same (seed, layer, wavelength) gives the
        same field whatever the output lattice.
    """
    n = _n_control(wavelength_m)
    values = rng_for(seed, f"noise2d:{layer}:{wavelength_m:.1f}").uniform(-1.0, 1.0, size=(n, n))
    wy = _weights(ys_m, wavelength_m, n)
    wx = _weights(xs_m, wavelength_m, n)
    tmp = wy @ values  # (ny, n)
    return np.asarray((wx @ tmp.T).T)


def value_noise_1d(coords_m: np.ndarray, *, wavelength_m: float, seed: int, layer: str) -> np.ndarray:
    """1-D value noise, about -1..1, at frame coordinates ``coords_m`` (m)."""
    n = _n_control(wavelength_m)
    values = rng_for(seed, f"noise1d:{layer}:{wavelength_m:.1f}").uniform(-1.0, 1.0, size=n)
    return np.asarray(_weights(coords_m, wavelength_m, n) @ values)


#: finest octave of any fractal field (m); coarser lattices simply omit the finer octaves
_FLOOR_WAVELENGTH_M = 100.0


def _octaves(base_wavelength_m: float, gain: float, min_wavelength_m: float) -> tuple[list[float], float]:
    """Wavelengths to render (those >= ``min_wavelength_m``) and the normaliser of the full set.

    The normaliser always counts every octave down to the fixed floor, so a
    coarse rendering is the fine one minus its detail, on the same scale.
    """
    full = [base_wavelength_m]
    while full[-1] / 2.0 >= _FLOOR_WAVELENGTH_M:
        full.append(full[-1] / 2.0)
    norm = sum(gain**k for k in range(len(full)))
    return [lam for lam in full if lam >= min_wavelength_m] or full[:1], norm


def fbm(
    xs_m: np.ndarray,
    ys_m: np.ndarray,
    *,
    seed: int,
    layer: str,
    base_wavelength_m: float,
    min_wavelength_m: float,
    gain: float = 0.5,
) -> np.ndarray:
    """Fractal sum of value-noise octaves, normalised to about -1..1."""
    total = np.zeros((len(ys_m), len(xs_m)))
    lams, norm = _octaves(base_wavelength_m, gain, min_wavelength_m)
    for k, lam in enumerate(lams):
        total += gain**k * value_noise(xs_m, ys_m, wavelength_m=lam, seed=seed, layer=f"{layer}:{k}")
    return total / norm


def ridged(
    xs_m: np.ndarray,
    ys_m: np.ndarray,
    *,
    seed: int,
    layer: str,
    base_wavelength_m: float,
    min_wavelength_m: float,
    gain: float = 0.5,
) -> np.ndarray:
    """Ridged multifractal noise in 0..1: sharp crests where the noise crosses zero.

    Each octave is ``(1 - |n|)**2``, weighted by the previous octave's value so
    that detail collects on the crests (Musgrave's ridged multifractal).
    """
    total = np.zeros((len(ys_m), len(xs_m)))
    weight = np.ones_like(total)
    lams, norm = _octaves(base_wavelength_m, gain, min_wavelength_m)
    for k, lam in enumerate(lams):
        n = value_noise(xs_m, ys_m, wavelength_m=lam, seed=seed, layer=f"{layer}:{k}")
        r = (1.0 - np.minimum(np.abs(n), 1.0)) ** 2
        r *= weight
        total += gain**k * r
        weight = np.clip(r * 1.6, 0.0, 1.0)
    return total / norm
