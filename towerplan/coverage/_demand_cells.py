"""The cells of a fixed mask, indexed once, so that a site finds those in its box without scanning the mask.

The candidate matrix (:mod:`towerplan.planning.matrix`) evaluates thousands of sites against one demand
mask; each site needs the demand cells inside a box around it (its radial table's wanted samples,
:func:`~towerplan.coverage._cell_levels.cell_samples`, and the cells it fills). Scanning the mask's box
(``np.nonzero``) costs the box's area per site; :class:`DemandCells` sorts the cells' flat indices once,
with the index of each row's first cell, and gives a box's cells by two binary searches within each row of
the box (:func:`_box_cells`): the cost is the box's rows plus the cells found, in the same row-major order
as ``np.nonzero``. Numba's ``cache=True`` keys kernels on their own file: after editing this module delete
``towerplan/coverage/__pycache__/*.nb[ic]``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["DemandCells"]


@njit(cache=True)
def _box_cells(flat, row_start, w, r_lo, r_hi, c_lo, c_hi, spans):
    """Rows and columns (int64, row-major) of the cells of ``flat`` (sorted flat indices on a grid ``w`` wide;
    row r's cells are ``flat[row_start[r]:row_start[r + 1]]``) in rows ``r_lo:r_hi``, columns ``c_lo:c_hi``
    (clipped, non-empty). ``spans`` False: only the smallest box holding them, as
    ``(rows[:1], rows[-1:] + 1, [min cols], [max cols + 1])`` (empty arrays when there are none)."""
    n_r = r_hi - r_lo
    a = np.empty(n_r, dtype=np.int64)
    b = np.empty(n_r, dtype=np.int64)
    total = 0
    first_r = -1
    last_r = -1
    col_min = w
    col_max = -1
    for k in range(n_r):
        r = r_lo + k
        base = r * w
        lo = row_start[r] + np.searchsorted(flat[row_start[r]:row_start[r + 1]], base + c_lo)
        hi = lo + np.searchsorted(flat[lo:row_start[r + 1]], base + c_hi)
        a[k] = lo
        b[k] = hi
        if hi > lo:
            total += hi - lo
            if first_r < 0:
                first_r = r
            last_r = r
            col_min = min(col_min, flat[lo] - base)
            col_max = max(col_max, flat[hi - 1] - base)
    if not spans:
        if total == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty, empty
        return (np.full(1, first_r, dtype=np.int64), np.full(1, last_r + 1, dtype=np.int64),
                np.full(1, col_min, dtype=np.int64), np.full(1, col_max + 1, dtype=np.int64))
    rows = np.empty(total, dtype=np.int64)
    cols = np.empty(total, dtype=np.int64)
    m = 0
    for k in range(n_r):
        r = r_lo + k
        base = r * w
        for q in range(a[k], b[k]):
            rows[m] = r
            cols[m] = flat[q] - base
            m += 1
    none = np.zeros(0, dtype=np.int64)
    return rows, cols, none, none


class DemandCells:
    """The nonzero cells of a 2-D mask (row-major flat indices, sorted), for :meth:`in_box`."""

    def __init__(self, mask: np.ndarray) -> None:
        mask = np.asarray(mask)
        if mask.ndim != 2:
            raise ValueError(f"the mask must be 2-D, got shape {mask.shape}")
        self.shape: tuple[int, int] = (int(mask.shape[0]), int(mask.shape[1]))
        #: the mask itself (boolean), for the callers that still scan it
        self.mask = np.asarray(mask, dtype=bool)
        self.flat = np.flatnonzero(self.mask).astype(np.int64)
        #: ``flat[row_start[r]:row_start[r + 1]]``: the cells of row r
        self.row_start = np.searchsorted(self.flat, np.arange(self.shape[0] + 1, dtype=np.int64) * self.shape[1])

    def _clip(self, box: tuple[int, int, int, int]) -> tuple[int, int, int, int] | None:
        h, w = self.shape
        r_lo, r_hi = max(int(box[0]), 0), min(int(box[1]), h)
        c_lo, c_hi = max(int(box[2]), 0), min(int(box[3]), w)
        if r_hi <= r_lo or c_hi <= c_lo:
            return None
        return r_lo, r_hi, c_lo, c_hi

    def in_box(self, box: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray]:
        """Rows and columns (int64) of the cells in rows ``box[0]:box[1]``, columns ``box[2]:box[3]``
        (half-open, clipped to the mask), row-major: ``np.nonzero(mask[box]) + (box[0], box[2])``."""
        clipped = self._clip(box)
        if clipped is None:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty.copy()
        rows, cols, _, _ = _box_cells(self.flat, self.row_start, self.shape[1], *clipped, True)
        return rows, cols

    def box_of(self, box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        """The smallest box (half-open) inside ``box`` that holds all its cells; an empty box
        (``r_hi = r_lo``, ``c_hi = c_lo``, at ``box``'s corner) when there are none."""
        clipped = self._clip(box)
        if clipped is None:
            return box[0], box[0], box[2], box[2]
        r0, r1, c0, c1 = _box_cells(self.flat, self.row_start, self.shape[1], *clipped, False)
        if r0.size == 0:
            return box[0], box[0], box[2], box[2]
        return int(r0[0]), int(r1[0]), int(c0[0]), int(c1[0])
