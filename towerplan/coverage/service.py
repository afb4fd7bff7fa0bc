"""Which cells are served: the one definition of "covered" used by every step.

A cell is served by a level grid when its level (RSRP for 4G/5G, RSCP for 3G,
RxLev for 2G, dBm) is a number at or above the service criterion of its
technology. The engine, the gap analysis, the shared-tower placement and the
app all decide "covered" through :func:`served`, so a change of the criterion
(a per-technology threshold, an SINR condition) is made here once.

The engine leaves cells below the threshold as NaN, so ``served(level, t)`` of
an engine grid equals ``isfinite(level)``; grids read from files may carry
values below the threshold and a numeric nodata, which :func:`served` handles.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from towerplan.errors import ConfigError
from towerplan.grid import Grid

__all__ = ["served", "served_masks", "served_by_any"]


def _check_criterion(criterion_dbm: float) -> float:
    value = float(criterion_dbm)
    if not math.isfinite(value):
        raise ConfigError(f"service criterion must be a finite level in dBm, got {criterion_dbm!r}")
    return value


def served(level: Grid | np.ndarray, criterion_dbm: float) -> np.ndarray:
    """Boolean mask: True where ``level`` is at or above ``criterion_dbm``.

    Parameters
    ----------
    level
        Levels in dBm (a :class:`~towerplan.grid.Grid` or an array); NaN, and a
        Grid's numeric nodata, are never served.
    criterion_dbm
        The service criterion of the grid's technology (dBm), normally
        :attr:`towerplan.coverage.config.CoverageConfig.threshold_dbm`.
    """
    criterion = _check_criterion(criterion_dbm)
    values = level.values if isinstance(level, Grid) else np.asarray(level)
    with np.errstate(invalid="ignore"):
        mask = values >= criterion  # NaN compares False
    if isinstance(level, Grid) and level.nodata is not None and not np.isnan(level.nodata):
        mask &= values != level.nodata
    return np.asarray(mask, dtype=bool)


def served_masks(levels: Mapping[str, Grid], criterion_dbm: float) -> dict[str, np.ndarray]:
    """:func:`served` of every grid of ``levels`` (operator or technology -> Grid)."""
    return {name: served(grid, criterion_dbm) for name, grid in levels.items()}


def served_by_any(levels: Mapping[str, Grid | np.ndarray], criterion_dbm: float, shape: tuple[int, ...]
                  ) -> np.ndarray:
    """True where at least one of ``levels`` serves the cell (all False when ``levels`` is empty)."""
    out = np.zeros(shape, dtype=bool)
    for level in levels.values():
        out |= served(level, criterion_dbm)
    return out
