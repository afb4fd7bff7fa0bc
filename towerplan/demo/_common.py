"""Shared pieces of the demo generator: the frame, lattices, seeded streams, small maths.

Everything in the demo is placed in one fixed *frame*: a 60 x 60 km square in
EPSG:32648 (WGS 84 / UTM 48N) over the Thanh Hóa area, from the Annamite
foothills near 105.29°E to the Gulf of Tonkin near 105.86°E, 19.6-20.2°N.
Planning products (rivers, settlements, communes, roads, stations) are computed
on a fixed 300 m *planning lattice* so that they do not depend on the output
resolution; only the DEM and population rasters are rendered at ``resolution_m``.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
from affine import Affine
from scipy import ndimage

#: EPSG code of every demo layer
DEMO_EPSG = 32648
#: west edge (easting, m) and north edge (northing, m) of the demo frame
FRAME_LEFT_M = 530_000.0
FRAME_TOP_M = 2_230_000.0
#: side of the square frame (m)
FRAME_SIZE_M = 60_000.0
#: cell size of the internal planning lattice (m)
PLANNING_RES_M = 300.0


@dataclass(frozen=True)
class Lattice:
    """A north-up regular lattice inside the demo frame.

    Parameters
    ----------
    res_m
        Cell size in metres.
    nrows, ncols
        Shape; the lattice starts at the frame's north-west corner.
    """

    res_m: float
    nrows: int
    ncols: int

    def __post_init__(self) -> None:
        if not (self.res_m > 0 and self.nrows > 0 and self.ncols > 0):
            raise ValueError(f"invalid lattice {self}")

    @classmethod
    def covering_frame(cls, res_m: float) -> Lattice:
        """The lattice of ``res_m`` cells that covers the frame (rounded to whole cells)."""
        n = max(1, round(FRAME_SIZE_M / res_m))
        return cls(float(res_m), n, n)

    @property
    def shape(self) -> tuple[int, int]:
        return (self.nrows, self.ncols)

    @property
    def transform(self) -> Affine:
        return Affine(self.res_m, 0.0, FRAME_LEFT_M, 0.0, -self.res_m, FRAME_TOP_M)

    @property
    def cell_area_km2(self) -> float:
        return self.res_m * self.res_m / 1e6

    def frame_axes(self) -> tuple[np.ndarray, np.ndarray]:
        """Cell-centre coordinates in frame metres: x east of the west edge, y north of the south edge."""
        xs = (np.arange(self.ncols) + 0.5) * self.res_m
        ys = FRAME_SIZE_M - (np.arange(self.nrows) + 0.5) * self.res_m
        return xs, ys

    def rowcol(self, east_m: np.ndarray, north_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, col) of the cells holding UTM points, clipped to the lattice."""
        col = np.floor((np.asarray(east_m, float) - FRAME_LEFT_M) / self.res_m).astype(np.int64)
        row = np.floor((FRAME_TOP_M - np.asarray(north_m, float)) / self.res_m).astype(np.int64)
        return np.clip(row, 0, self.nrows - 1), np.clip(col, 0, self.ncols - 1)


def frame_to_utm(x_m: np.ndarray, y_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Frame metres (east of the west edge, north of the south edge) to UTM easting, northing."""
    return np.asarray(x_m) + FRAME_LEFT_M, np.asarray(y_m) + (FRAME_TOP_M - FRAME_SIZE_M)


def rng_for(seed: int, stream: str) -> np.random.Generator:
    """An independent generator per (seed, named stream).

    Each part of the generator draws from its own stream, so changing how many
    numbers one part draws never shifts another part's randomness.
    """
    return np.random.default_rng(np.random.SeedSequence([int(seed) & 0xFFFFFFFF, zlib.crc32(stream.encode())]))


def smoothstep(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    """Hermite step from 0 at ``edge0`` to 1 at ``edge1`` (edges may be reversed)."""
    t = np.clip((np.asarray(x, dtype=float) - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def chaikin(points: np.ndarray, *, iterations: int = 2) -> np.ndarray:
    """Corner-cutting smoothing of a polyline, keeping both end points.

    ``points`` is (n, k): the first two columns are coordinates, further columns
    (attributes) are smoothed the same way.
    """
    pts = np.asarray(points, dtype=float)
    for _ in range(iterations):
        if len(pts) < 3:
            return pts
        a, b = pts[:-1], pts[1:]
        q = 0.75 * a + 0.25 * b
        r = 0.25 * a + 0.75 * b
        inner = np.empty((2 * len(a), pts.shape[1]))
        inner[0::2], inner[1::2] = q, r
        pts = np.vstack([pts[:1], inner[1:-1], pts[-1:]])
    return pts


def lattice_edges(shape: tuple[int, int], *, knight: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The 8-neighbour edges of a lattice, each unordered pair once.

    With ``knight=True`` also the 8 knight's moves (16 directions in all), which
    lets least-cost paths run at angles other than multiples of 45°.
    Returns flat cell indices ``u``, ``v`` and the edge length in cells.
    """
    nr, nc = shape
    idx = np.arange(nr * nc).reshape(nr, nc)
    us, vs, lengths = [], [], []
    steps = [(0, 1), (1, 0), (1, 1), (1, -1)]
    if knight:
        steps += [(1, 2), (2, 1), (1, -2), (2, -1)]
    for dr, dc in steps:
        c0, c1 = max(0, -dc), nc - max(0, dc)
        a = idx[0 : nr - dr, c0:c1].ravel()
        b = idx[dr:nr, c0 + dc : c1 + dc].ravel()
        us.append(a)
        vs.append(b)
        lengths.append(np.full(a.size, float(np.hypot(dr, dc))))
    return np.concatenate(us), np.concatenate(vs), np.concatenate(lengths)


def blur(values: np.ndarray, sigma_cells: float) -> np.ndarray:
    """Gaussian-like smoothing at a cost independent of ``sigma_cells``.

    Three passes of a box filter (the central limit theorem does the rest);
    for smoothing slowly varying fields, not for spreading point masses.
    """
    if sigma_cells < 0.5:
        return values
    width = max(round(float(np.sqrt(4.0 * sigma_cells**2 + 1.0))), 1)
    out = values
    for _ in range(3):
        out = ndimage.uniform_filter(out, size=width, mode="nearest")
    return out
