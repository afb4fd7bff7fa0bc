"""Synthetic 1-D terrain profiles for tests and benchmarks of the radial kernels (not real data).

A rugged profile is the sum of three smoothed white-noise layers with hills at 3 km, 1 km and 300 m scales
(each scaled in proportion to its scale), stretched to a given relief: the same kind of ground as the
coverage benchmark's fractal DEM, on one radial, so a kernel's error and cost can be measured per sample.
"""

from __future__ import annotations

import numpy as np

__all__ = ["rugged_profile"]

#: the hills' horizontal scales (m); each layer's amplitude is proportional to its scale
_SCALES_M = (3000.0, 1000.0, 300.0)


def rugged_profile(seed: int, n: int, step_m: float, *, relief_m: float = 1500.0) -> np.ndarray:
    """``n`` heights (m, from 0 to ``relief_m``) every ``step_m`` along a radial, deterministic for ``seed``."""
    from scipy import ndimage

    if n < 2 or step_m <= 0 or relief_m <= 0:
        raise ValueError(f"need n >= 2, step_m > 0 and relief_m > 0 (got {n}, {step_m}, {relief_m})")
    rng = np.random.default_rng(seed)
    z = np.zeros(n)
    for scale_m in _SCALES_M:
        f = ndimage.gaussian_filter1d(rng.standard_normal(n + 400), scale_m / step_m)[200:-200]
        z += f / f.std() * scale_m * 0.1
    return (z - z.min()) * relief_m / (z.max() - z.min())
