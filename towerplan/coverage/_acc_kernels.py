"""Numba kernels for the coverage result's full-grid layers: the masked copies of :func:`.result.wrap_result`.

At 30 m a 60 x 60 km study is 2,040 x 2,040 cells, and each layer is 17 MB (float32 / int32):
``np.where`` with its masks and ``astype`` copies wrote each several times, on one core, which on
a two-core machine costs twice its share of a one-site run's wall time (``bench/README.md``, "One
omni ITM site: the serial phases"). Here each layer is one pass, its rows split over numba's
threads; every cell is written independently, so the values do not depend on the number of threads.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

__all__ = ["finish_count", "finish_level", "finish_server"]


@njit(cache=True, parallel=True)
def _level(arr, idx, holes, out):
    h, w = arr.shape
    use_idx = idx.shape[0] > 0
    for r in prange(h):
        for c in range(w):
            v = arr[r, c]
            if holes[r, c] or not math.isfinite(v) or (use_idx and idx[r, c] < 0):
                out[r, c] = np.float32(math.nan)
            else:
                out[r, c] = v


_NO_INDEX = np.zeros((0, 0), dtype=np.int32)


def finish_level(arr: np.ndarray, holes: np.ndarray, idx: np.ndarray | None = None) -> np.ndarray:
    """A float32 copy of ``arr`` with NaN where ``holes``, where ``arr`` is not finite (an empty
    accumulator's -inf) and, with ``idx``, where ``idx < 0`` (no sector there):
    ``np.where(holes | ~np.isfinite(arr) | (idx < 0), nan, arr)`` in one parallel pass."""
    out = np.empty(arr.shape, dtype=np.float32)
    _level(np.ascontiguousarray(arr, dtype=np.float32), _NO_INDEX if idx is None else idx, holes, out)
    return out


@njit(cache=True, parallel=True)
def _server(best_idx, holes, out):
    h, w = best_idx.shape
    for r in prange(h):
        for c in range(w):
            out[r, c] = -1 if holes[r, c] or best_idx[r, c] < 0 else best_idx[r, c]


def finish_server(best_idx: np.ndarray, holes: np.ndarray) -> np.ndarray:
    """``np.where(holes | (best_idx < 0), -1, best_idx)`` as int32, in one parallel pass."""
    out = np.empty(best_idx.shape, dtype=np.int32)
    _server(best_idx, holes, out)
    return out


@njit(cache=True, parallel=True)
def _count(count, holes, out):
    h, w = count.shape
    for r in prange(h):
        for c in range(w):
            out[r, c] = 0 if holes[r, c] else count[r, c]


def finish_count(count: np.ndarray, holes: np.ndarray) -> np.ndarray:
    """``np.where(holes, 0, count)`` as int32, in one parallel pass."""
    out = np.empty(count.shape, dtype=np.int32)
    _count(count, holes, out)
    return out
