"""numba kernels of the planning package (plain ndarrays in, ndarrays out)."""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["rect_ring_areas"]


@njit(cache=True)
def _inside(x: float, y: float, plane: int, lo_x: float, lo_y: float, hi_x: float, hi_y: float) -> bool:
    if plane == 0:
        return x >= lo_x
    if plane == 1:
        return x <= hi_x
    if plane == 2:
        return y >= lo_y
    return y <= hi_y


@njit(cache=True)
def _cross(px: float, py: float, qx: float, qy: float, plane: int, lo_x: float, lo_y: float, hi_x: float,
           hi_y: float) -> tuple[float, float]:
    if plane < 2:
        xe = lo_x if plane == 0 else hi_x
        t = (xe - px) / (qx - px)
        return xe, py + t * (qy - py)
    ye = lo_y if plane == 2 else hi_y
    t = (ye - py) / (qy - py)
    return px + t * (qx - px), ye


@njit(cache=True)
def _clipped_area(xs: np.ndarray, ys: np.ndarray, start: int, n: int, lo_x: float, lo_y: float, hi_x: float,
                  hi_y: float, ax: np.ndarray, ay: np.ndarray, bx: np.ndarray, by: np.ndarray) -> float:
    """|area| of ring ``xs[start:start+n]`` (open) clipped to a rectangle (Sutherland-Hodgman).

    Correct for any simple ring, convex or not: the degenerate edges S-H leaves along
    the rectangle's sides add no area to the shoelace sum.
    """
    for i in range(n):
        ax[i] = xs[start + i]
        ay[i] = ys[start + i]
    m = n
    for plane in range(4):
        k = 0
        sx, sy = ax[m - 1], ay[m - 1]
        s_in = _inside(sx, sy, plane, lo_x, lo_y, hi_x, hi_y)
        for i in range(m):
            ex, ey = ax[i], ay[i]
            e_in = _inside(ex, ey, plane, lo_x, lo_y, hi_x, hi_y)
            if e_in:
                if not s_in:
                    bx[k], by[k] = _cross(sx, sy, ex, ey, plane, lo_x, lo_y, hi_x, hi_y)
                    k += 1
                bx[k], by[k] = ex, ey
                k += 1
            elif s_in:
                bx[k], by[k] = _cross(sx, sy, ex, ey, plane, lo_x, lo_y, hi_x, hi_y)
                k += 1
            sx, sy, s_in = ex, ey, e_in
        if k == 0:
            return 0.0
        for i in range(k):
            ax[i] = bx[i]
            ay[i] = by[i]
        m = k
    area = 0.0
    for i in range(m):
        j = i + 1 if i + 1 < m else 0
        area += ax[i] * ay[j] - ax[j] * ay[i]
    return abs(area) * 0.5


@njit(cache=True)
def rect_ring_areas(xs: np.ndarray, ys: np.ndarray, ring_start: np.ndarray, ring_sign: np.ndarray,
                    x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray) -> np.ndarray:
    """Area of a polygon (rings, holes with sign -1) inside each rectangle [x0, x1] x [y0, y1].

    Parameters
    ----------
    xs, ys
        Ring vertices, each ring open (no repeated closing point), rings one after another.
    ring_start
        Offsets of the rings in ``xs`` (length rings + 1).
    ring_sign
        +1 for an exterior ring, -1 for a hole.
    x0, y0, x1, y1
        Rectangles (same units as the vertices).
    """
    n_rings = len(ring_sign)
    longest = 0
    for r in range(n_rings):
        longest = max(longest, ring_start[r + 1] - ring_start[r])
    size = 16 * longest + 64  # Sutherland-Hodgman at most doubles a ring per side
    ax, ay = np.empty(size), np.empty(size)
    bx, by = np.empty(size), np.empty(size)
    bbox = np.empty((n_rings, 4))
    for r in range(n_rings):
        s, e = ring_start[r], ring_start[r + 1]
        bbox[r, 0], bbox[r, 1] = xs[s:e].min(), ys[s:e].min()
        bbox[r, 2], bbox[r, 3] = xs[s:e].max(), ys[s:e].max()
    out = np.zeros(len(x0))
    for c in range(len(x0)):
        total = 0.0
        for r in range(n_rings):
            if bbox[r, 0] >= x1[c] or bbox[r, 2] <= x0[c] or bbox[r, 1] >= y1[c] or bbox[r, 3] <= y0[c]:
                continue
            n = ring_start[r + 1] - ring_start[r]
            total += ring_sign[r] * _clipped_area(xs, ys, ring_start[r], n, x0[c], y0[c], x1[c], y1[c],
                                                  ax, ay, bx, by)
        out[c] = total
    return out
