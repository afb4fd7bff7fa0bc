"""The engine's hook for the terminal clutter loss of ITU-R P.2108-1 §3.1 (models without clutter).

ITM and free space predict the field at a terminal standing in the open. Where the
land cover puts the terminal among buildings or trees, the coverage engine adds, per
cell, the P.2108-1 §3.1 height-gain terminal correction of the cell's clutter type
and representative clutter height R (:func:`towerplan.coverage.terminal_loss.terminal_extra_loss_db`,
outdoor service: eq. 2a, the knife-edge form, for suburban, urban, trees/forest and
dense urban cells; nothing for water/sea and open/rural, whose height gain the
terrain model already holds; nothing for Hata, COST-231 and P.1812, which hold the
clutter themselves). §3.1 is a median correction: the loss not exceeded at 50 % of
locations; the location variability stays in the link budget's shadowing margin.

The loss is added to the site's path loss before the levels are formed, so every
layer (best level, servers, interference for the SINR, ``path_loss``) sees it.

How: the window's cells are reduced to the distinct (P.2108 type, R) pairs present
(:func:`terminal_window`, once per batch of sites), the loss of each pair is computed
once per (frequency, model, terminal height) and cached, and each site adds the
looked-up loss to its window (:func:`add_terminal_clutter_loss`). The loss of a cell
depends only on its own type and R, never on the window it is computed in, so a
tiled run gives the serial run's values bit for bit.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from towerplan.coverage.clutter import ClutterGrid
from towerplan.coverage.clutter_loss import P2108_CLUTTER_TYPES, P2108_DEFAULT_HEIGHT_M
from towerplan.coverage.terminal_loss import MODELS_WITHOUT_CLUTTER, terminal_extra_loss_db
from towerplan.errors import ModelInputError

__all__ = ["LOCATION_PERCENT", "METHOD_TEXT", "TerminalWindow", "add_terminal_clutter_loss", "batch_clutter",
           "needs_terminal_loss", "terminal_loss_applies", "terminal_window", "uses_clutter"]

#: §3.1 gives the median: the correction is not exceeded at 50 % of locations
LOCATION_PERCENT = 50.0
#: how reports and ``method.json`` name the hook
METHOD_TEXT = ("terminal clutter loss for ITM and free space: ITU-R P.2108-1 §3.1 height-gain terminal correction "
               "(knife-edge form, eq. 2a, for suburban, urban, trees/forest and dense urban cells; street width "
               "27 m; clutter height R of the cell's land-cover class, P.2108 Table 3 when 0), median "
               f"({LOCATION_PERCENT:g} % of locations), at the terminal height; not added to Hata, COST-231 and "
               "P.1812, which hold the clutter")
_KEY_SCALE = 1024.0  # key = type * 1024 + R: exact in float64 for R <= 200 m and types 0-6


@dataclass(frozen=True, eq=False)
class TerminalWindow:
    """A window's cells as indices into its distinct (P.2108 type, R) pairs.

    ``slot`` (int32, the window's shape) indexes ``types`` (P.2108 codes, 0: none) and
    ``height_m`` (R, m; Table 3's default where the land cover gives 0).
    """

    slot: np.ndarray
    types: np.ndarray
    height_m: np.ndarray

    def __post_init__(self) -> None:
        if self.types.shape != self.height_m.shape or self.slot.ndim != 2:
            raise ModelInputError("terminal window: one type and one height per slot, a 2-D slot array")


def terminal_window(p2108_type: np.ndarray, height_m: np.ndarray) -> TerminalWindow:
    """The distinct (type, R) pairs of a window of per-cell P.2108 types and clutter heights."""
    t = np.asarray(p2108_type, dtype=np.int64)
    defaults = np.asarray([0.0] + [P2108_DEFAULT_HEIGHT_M[n] for n in P2108_CLUTTER_TYPES])
    r = np.asarray(height_m, dtype=np.float64)
    r = np.where(r > 0, r, defaults[np.clip(t, 0, 6)])
    keys, inverse = np.unique(t * _KEY_SCALE + r, return_inverse=True)
    types = np.floor(keys / _KEY_SCALE).astype(np.int64)
    return TerminalWindow(inverse.reshape(t.shape).astype(np.int32), types, keys - types * _KEY_SCALE)


def needs_terminal_loss(model: str) -> bool:
    """True for the engine's models that predict the field in the open (ITM, free space)."""
    return model in MODELS_WITHOUT_CLUTTER


@functools.lru_cache(maxsize=4096)
def _pair_loss_db(p2108_type: int, height_m: float, freq_mhz: float, model: str, rx_height_m: float) -> float:
    """The §3.1 loss of one (type, R) pair (one scalar call: the same value in every window)."""
    if p2108_type < 1:
        return 0.0
    loss = terminal_extra_loss_db(np.asarray([p2108_type]), np.ones(1, dtype=np.int64), freq_mhz=freq_mhz,
                                  model=model, terminal_height_m=rx_height_m, clutter_height_m=np.asarray([height_m]))
    return float(loss[0])


def add_terminal_clutter_loss(loss: np.ndarray, window: TerminalWindow, rows: slice, cols: slice, *,
                              freq_mhz: float, model: str, rx_height_m: float) -> None:
    """Add the terminal clutter loss to a site's ``loss`` (float32, in place) for cells ``window.slot[rows, cols]``.

    Does nothing for models holding their own clutter (:func:`needs_terminal_loss`).
    """
    if not needs_terminal_loss(model):
        return
    lut = np.asarray([_pair_loss_db(int(t), float(h), float(freq_mhz), model, float(rx_height_m))
                      for t, h in zip(window.types, window.height_m, strict=True)], dtype=np.float32)
    if not lut.any():
        return
    loss += lut[window.slot[rows, cols]]


def terminal_loss_applies(clutter: ClutterGrid | None, models: set[str]) -> bool:
    """Whether sites of these models on ``clutter`` get the P.2108 terminal loss (ITM / free space, and
    clutter with P.2108 types)."""
    return clutter is not None and clutter.p2108_type is not None and any(needs_terminal_loss(m) for m in models)


def uses_clutter(clutter: ClutterGrid | None, models: set[str]) -> bool:
    """Whether sites of these models read ``clutter``: P.1812's profile, or the P.2108 terminal loss."""
    return clutter is not None and ("p1812" in models or terminal_loss_applies(clutter, models))


def batch_clutter(clutter: ClutterGrid | None, models: set[str], window: tuple[int, int, int, int]) -> dict[str, Any]:
    """The clutter entries of one engine batch whose DEM window is rows ``window[0]:window[1]``, columns
    ``window[2]:window[3]`` of ``clutter``: ``clutter`` (P.1812's (height, code) arrays, when a P.1812
    site is in the batch) and ``terminal`` (a :class:`TerminalWindow`, when an ITM / free-space site is
    and the clutter has P.2108 types)."""
    r0, r1, c0, c1 = window
    parts: dict[str, Any] = {"clutter": None}
    if clutter is None:
        return parts
    if "p1812" in models:
        parts["clutter"] = clutter.window(r0, r1, c0, c1)
    if terminal_loss_applies(clutter, models):
        assert clutter.p2108_type is not None  # (what terminal_loss_applies checks)
        parts["terminal"] = terminal_window(clutter.p2108_type[r0:r1, c0:c1], clutter.height_m[r0:r1, c0:c1])
    return parts
