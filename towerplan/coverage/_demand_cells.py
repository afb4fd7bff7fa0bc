"""The cells of a fixed mask, indexed once, so that a site finds those in its box without scanning the mask.

The candidate matrix (:mod:`towerplan.planning.matrix`) evaluates thousands of sites against one demand
mask; each site needs the demand cells inside a box around it (its radial table's wanted samples,
:func:`~towerplan.coverage._reach_need.mark_wanted`, and the cells it fills). Scanning the mask's box
(``np.nonzero``) costs the box's area per site; :class:`DemandCells` sorts the cells' flat indices once
and gives a box's cells by two binary searches per row of the box: the cost is the box's rows plus the
cells found, in the same row-major order as ``np.nonzero``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["DemandCells"]


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

    def in_box(self, box: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray]:
        """Rows and columns (int64) of the cells in rows ``box[0]:box[1]``, columns ``box[2]:box[3]``
        (half-open, clipped to the mask), row-major: ``np.nonzero(mask[box]) + (box[0], box[2])``."""
        h, w = self.shape
        r_lo, r_hi = max(int(box[0]), 0), min(int(box[1]), h)
        c_lo, c_hi = max(int(box[2]), 0), min(int(box[3]), w)
        if r_hi <= r_lo or c_hi <= c_lo:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty.copy()
        starts = np.arange(r_lo, r_hi, dtype=np.int64) * w
        a = np.searchsorted(self.flat, starts + c_lo)
        b = np.searchsorted(self.flat, starts + c_hi)
        counts = b - a
        total = int(counts.sum())
        # the concatenation of the ranges a[k]:b[k], without a Python loop over rows
        idx = np.repeat(a - (np.cumsum(counts) - counts), counts) + np.arange(total, dtype=np.int64)
        cells = self.flat[idx]
        return cells // w, cells % w

    def box_of(self, box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        """The smallest box (half-open) inside ``box`` that holds all its cells; an empty box
        (``r_hi = r_lo``, ``c_hi = c_lo``, at ``box``'s corner) when there are none."""
        rows, cols = self.in_box(box)
        if rows.size == 0:
            return box[0], box[0], box[2], box[2]
        return int(rows[0]), int(rows[-1]) + 1, int(cols.min()), int(cols.max()) + 1
