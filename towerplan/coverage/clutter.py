"""Land cover for P.1812: per-cell representative clutter height R and clutter category on the DEM grid.

:class:`ClutterGrid` is what the coverage engine takes (``run_coverage(...,
clutter=...)``): two arrays with the DEM's shape, row 0 at the top as in the DEM.

* ``height_m``: float32, the representative clutter height R (m) of each cell;
  only read where ``code`` is not 0; must be finite and >= 0 there.
* ``code``: uint8, the ITU-R SG3 data-bank coverage code: 1 water/sea,
  2 open/rural, 3 suburban, 4 urban/trees/forest, 5 dense urban; 0 = no data
  (the default class below is used for that cell).

Without a ClutterGrid every cell is :data:`DEFAULT_CODE` (open/rural) with
:data:`DEFAULT_HEIGHT_M` (0 m, the Recommendation's value for that class):
P.1812 then sees bare terrain, and the run says so in its warnings.

How P.1812 uses them (ITU-R P.1812-7 section 3.2): the heights along a path are
``g = h + R`` at every point except the two terminals, which stand on the ground;
a receiver at 1.5 m inside a town is thus shadowed by the town's R. The radio-
meteorological zone of a sample is sea where the code is 1 and the ground is at
most :data:`SEA_LEVEL_M` above sea level (a DEM's sea), inland otherwise (rivers and
lakes are not the Recommendation's "sea"; the coastal-land zone, which needs the
distance to the sea, is not derived: it only changes anomalous propagation at
small time percentages).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from towerplan.errors import RasterDataError

__all__ = ["ClutterGrid", "CLUTTER_HEIGHTS_M", "CLUTTER_NAMES", "DEFAULT_CODE", "DEFAULT_HEIGHT_M", "NO_CLUTTER",
           "SEA_LEVEL_M", "readonly"]

#: representative clutter heights R (m) of ITU-R P.1812-7 Table 2 by coverage code
CLUTTER_HEIGHTS_M: dict[int, float] = {1: 0.0, 2: 0.0, 3: 10.0, 4: 15.0, 5: 20.0}
CLUTTER_NAMES: dict[int, str] = {1: "water/sea", 2: "open/rural", 3: "suburban", 4: "urban/trees/forest",
                                 5: "dense urban"}
DEFAULT_CODE = 2
DEFAULT_HEIGHT_M = CLUTTER_HEIGHTS_M[DEFAULT_CODE]
#: water cells at or below this ground height count as the sea zone
SEA_LEVEL_M = 1.0


def readonly(a: np.ndarray, dtype: type) -> np.ndarray:
    """``a`` as the kernels take a read-only input: C-contiguous, of ``dtype`` and not writeable (a view of ``a``
    when it already is C-contiguous of that dtype, else a copy).

    numba compiles one machine-code version per argument type, and an array's type includes its dtype, layout
    and writeability: a clutter window cut from a read-only grid is a read-only view when it spans whole rows
    and a writeable copy otherwise, so the P.1812 sweep compiled twice in one run (~16 s CPU more, ``bench/README.md``
    helper w15-compile). The clutter and the empty "no land cover" arrays go through here, once per site table."""
    a = np.ascontiguousarray(a, dtype=dtype)
    if a.flags.writeable:
        a = a.view()
        a.flags.writeable = False
    return a


#: no land cover, as the kernels take it (:func:`readonly`): the empty (height, code) pair
NO_CLUTTER = (readonly(np.zeros((0, 0)), np.float32), readonly(np.zeros((0, 0)), np.uint8))


@dataclass(frozen=True, eq=False)
class ClutterGrid:
    """Per-cell clutter on the DEM grid (see the module docstring for the codes and units)."""

    height_m: np.ndarray
    code: np.ndarray
    #: optional P.2108 terminal clutter type per cell (uint8: 1 water/sea, 2 open/rural, 3 suburban,
    #: 4 urban, 5 trees/forest, 6 dense urban, 0 none), for the terminal clutter loss of the models
    #: without clutter (:mod:`towerplan.coverage.terminal_clutter`); None: no terminal clutter loss
    p2108_type: np.ndarray | None = None

    def __post_init__(self) -> None:
        h = np.asarray(self.height_m)
        c = np.asarray(self.code)
        if h.ndim != 2 or c.shape != h.shape:
            raise RasterDataError(f"clutter: height_m {h.shape} and code {c.shape} must be 2-D arrays of one shape")
        if c.dtype != np.uint8:
            raise RasterDataError(f"clutter: code must be uint8 (SG3 codes 0-5), got {c.dtype}")
        if not np.issubdtype(h.dtype, np.floating):
            raise RasterDataError(f"clutter: height_m must be float (metres), got {h.dtype}")
        bad_code = c > 5
        if bad_code.any():
            raise RasterDataError(f"clutter: {int(bad_code.sum())} cell(s) have codes above 5 "
                                  "(allowed: 0 no data, 1 water/sea, 2 open/rural, 3 suburban, 4 urban/trees/forest, "
                                  "5 dense urban)")
        known = c > 0
        bad_h = known & ~(np.isfinite(h) & (h >= 0) & (h <= 200))
        if bad_h.any():
            raise RasterDataError(f"clutter: {int(bad_h.sum())} cell(s) with a clutter code have a height that is "
                                  "not within 0-200 m")
        hh = np.ascontiguousarray(h, dtype=np.float32)
        cc = np.ascontiguousarray(c)
        hh.setflags(write=False)
        cc.setflags(write=False)
        object.__setattr__(self, "height_m", hh)
        object.__setattr__(self, "code", cc)
        if self.p2108_type is not None:
            t = np.ascontiguousarray(self.p2108_type)
            if t.shape != h.shape or t.dtype != np.uint8 or (t > 6).any():
                raise RasterDataError(f"clutter: p2108_type must be a uint8 array of the grid's shape {h.shape} "
                                      f"with codes 0-6, got {t.dtype} {t.shape}")
            t.setflags(write=False)
            object.__setattr__(self, "p2108_type", t)

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.code.shape[0]), int(self.code.shape[1]))

    @classmethod
    def from_codes(cls, code: np.ndarray) -> ClutterGrid:
        """Codes only: heights from the Recommendation's table (:data:`CLUTTER_HEIGHTS_M`)."""
        c = np.asarray(code, dtype=np.uint8)
        table = np.array([DEFAULT_HEIGHT_M] + [CLUTTER_HEIGHTS_M[k] for k in range(1, 6)], dtype=np.float32)
        return cls(table[np.minimum(c, 5)], c)

    def window(self, r0: int, r1: int, c0: int, c1: int) -> tuple[np.ndarray, np.ndarray]:
        """The (height, code) arrays of rows r0:r1, columns c0:c1, C-contiguous: views of the grid's arrays when the
        columns span whole rows, else copies (the kernels take them through :func:`readonly`)."""
        return (np.ascontiguousarray(self.height_m[r0:r1, c0:c1]), np.ascontiguousarray(self.code[r0:r1, c0:c1]))

    def subgrid(self, r0: int, r1: int, c0: int, c1: int) -> ClutterGrid:
        """The clutter of rows r0:r1, columns c0:c1, P.2108 types included (views, no copy)."""
        types = None if self.p2108_type is None else self.p2108_type[r0:r1, c0:c1]
        return ClutterGrid(self.height_m[r0:r1, c0:c1], self.code[r0:r1, c0:c1], types)
