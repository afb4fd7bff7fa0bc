"""The :class:`Grid` value object: a 2-D array on an affine, georeferenced lattice.

A Grid is what every raster in towerplan becomes once read: the DEM, the
population, coverage results. It is immutable (a frozen dataclass whose array is
made read-only) and validated on construction. File I/O lives in
:mod:`towerplan.rasters`; this module only does arithmetic on the lattice.

Conventions
-----------
* ``values[row, col]``; row 0 is the northern edge (north-up rasters only, the
  transform has no rotation terms and a negative y pixel size).
* ``transform`` maps (col, row) of a pixel *corner* to (x, y) in ``crs`` units,
  exactly as in rasterio/GDAL; pixel centres are at ``col + 0.5, row + 0.5``.
* Analysis grids are in a projected metric CRS (UTM); degrees are only accepted
  at the edges and reprojected by :mod:`towerplan.terrain`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from affine import Affine
from pyproj import CRS

from towerplan.errors import RasterDataError

__all__ = ["Grid", "utm_crs_for_lonlat"]


def _as_crs(crs: Any) -> CRS:
    if isinstance(crs, CRS):
        return crs
    try:
        # rasterio.crs.CRS and strings / EPSG ints / WKT all end up here
        if hasattr(crs, "to_wkt"):
            return CRS.from_wkt(crs.to_wkt())
        return CRS.from_user_input(crs)
    except Exception as exc:  # pyproj raises CRSError, a plain Exception subclass
        raise RasterDataError(f"not a valid coordinate reference system: {crs!r} ({exc})") from exc


@dataclass(frozen=True, eq=False)
class Grid:
    """A north-up raster: values, affine transform, CRS and nodata.

    Parameters
    ----------
    values
        2-D array (rows, cols). Copied into a read-only array if writable.
    transform
        :class:`affine.Affine` from pixel (col, row) corners to CRS coordinates.
    crs
        Anything :class:`pyproj.CRS` accepts (EPSG int, ``"EPSG:32648"``, WKT,
        a rasterio CRS). Stored as :class:`pyproj.CRS`.
    nodata
        Value marking missing cells, or ``None``. For float grids NaN is also
        treated as missing by :meth:`valid_mask`.
    """

    values: np.ndarray
    transform: Affine
    crs: CRS
    nodata: float | None = None

    def __post_init__(self) -> None:
        values = np.asarray(self.values)
        if values.ndim != 2:
            raise RasterDataError(f"a Grid needs a 2-D array, got shape {values.shape}")
        if values.shape[0] < 1 or values.shape[1] < 1:
            raise RasterDataError(f"a Grid cannot be empty, got shape {values.shape}")
        if not isinstance(self.transform, Affine):
            raise RasterDataError(f"transform must be an affine.Affine, got {type(self.transform).__name__}")
        t = self.transform
        if t.b != 0 or t.d != 0:
            raise RasterDataError("rotated or sheared rasters are not supported; warp to north-up first")
        if not (t.a > 0 and t.e < 0):
            raise RasterDataError(
                f"expected positive x and negative y pixel size (north-up), got a={t.a}, e={t.e}"
            )
        if values.flags.writeable:
            values = values.copy()
            values.flags.writeable = False
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "crs", _as_crs(self.crs))
        if self.nodata is not None:
            object.__setattr__(self, "nodata", float(self.nodata))

    # ------------------------------------------------------------------ shape
    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols)."""
        return (int(self.values.shape[0]), int(self.values.shape[1]))

    @property
    def height(self) -> int:
        return self.shape[0]

    @property
    def width(self) -> int:
        return self.shape[1]

    @property
    def res(self) -> tuple[float, float]:
        """Pixel size (x, y), positive, in CRS units (metres for analysis grids)."""
        return (float(self.transform.a), float(-self.transform.e))

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) of the outer pixel edges, in CRS units."""
        left, top = self.transform.c, self.transform.f
        right = left + self.width * self.transform.a
        bottom = top + self.height * self.transform.e
        return (float(left), float(bottom), float(right), float(top))

    @property
    def is_projected(self) -> bool:
        return bool(self.crs.is_projected)

    @property
    def cell_area_m2(self) -> float:
        """Area of one cell in square metres (projected metric grids only)."""
        self.require_metric()
        return self.res[0] * self.res[1]

    def require_metric(self) -> None:
        """Raise :class:`RasterDataError` unless the CRS is projected with metre units."""
        if not self.crs.is_projected:
            raise RasterDataError(
                f"this grid is in a geographic CRS ({self.crs.name}); distances need a projected "
                "metric CRS: reproject it first (towerplan.terrain.reproject_grid)"
            )
        unit = self.crs.axis_info[0].unit_name if self.crs.axis_info else "metre"
        if unit not in ("metre", "meter", "m"):
            raise RasterDataError(f"grid CRS unit is {unit!r}; towerplan needs metres")

    # -------------------------------------------------------------- geometry
    def xy(self, row: Any, col: Any) -> tuple[np.ndarray, np.ndarray]:
        """Coordinates of the centres of cells (row, col); arrays broadcast."""
        r = np.asarray(row, dtype=float) + 0.5
        c = np.asarray(col, dtype=float) + 0.5
        t = self.transform
        return t.c + c * t.a, t.f + r * t.e

    def rowcol(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        """Integer (row, col) of the cells containing points (x, y); may be outside."""
        t = self.transform
        col = np.floor((np.asarray(x, dtype=float) - t.c) / t.a).astype(np.int64)
        row = np.floor((np.asarray(y, dtype=float) - t.f) / t.e).astype(np.int64)
        return row, col

    def contains(self, x: Any, y: Any) -> np.ndarray:
        """Boolean array: do points (x, y) fall inside the grid's outer edges?"""
        left, bottom, right, top = self.bounds
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        return (x >= left) & (x < right) & (y > bottom) & (y <= top)

    def cell_centres(self) -> tuple[np.ndarray, np.ndarray]:
        """1-D arrays of the x of every column centre and the y of every row centre."""
        xs, _ = self.xy(0, np.arange(self.width))
        _, ys = self.xy(np.arange(self.height), 0)
        return np.asarray(xs), np.asarray(ys)

    # ----------------------------------------------------------------- values
    def nearest_filled(self, dtype: Any) -> tuple[np.ndarray, np.ndarray]:
        """(values as ``dtype``, C-contiguous, each nodata cell holding its nearest valid cell's value; the
        nodata mask). The caller checks that some cell is valid (the fill has nothing to copy otherwise)."""
        z = self.values.astype(dtype)
        holes = ~self.valid_mask()
        if holes.any():
            from scipy import ndimage  # only when there are holes

            z = z[tuple(ndimage.distance_transform_edt(holes, return_distances=False, return_indices=True))]
        return np.ascontiguousarray(z), holes

    def valid_mask(self) -> np.ndarray:
        """True where the cell holds data (not nodata, not NaN)."""
        v = self.values
        mask = np.ones(v.shape, dtype=bool)
        if np.issubdtype(v.dtype, np.floating):
            mask &= np.isfinite(v)
        if self.nodata is not None:
            if math.isnan(self.nodata):
                mask &= ~np.isnan(v) if np.issubdtype(v.dtype, np.floating) else mask
            else:
                mask &= v != self.nodata
        return mask

    def masked(self, fill: float = np.nan) -> np.ndarray:
        """A float64 copy with missing cells set to ``fill``."""
        out = self.values.astype(np.float64, copy=True)
        out[~self.valid_mask()] = fill
        return out

    def with_values(self, values: np.ndarray, *, nodata: float | str | None = "same") -> Grid:
        """A new Grid on the same lattice with other values (same shape required)."""
        values = np.asarray(values)
        if values.shape != self.shape:
            raise RasterDataError(f"shape {values.shape} does not match the grid {self.shape}")
        nd = self.nodata if nodata == "same" else nodata
        return Grid(values, self.transform, self.crs, nd)  # type: ignore[arg-type]

    def same_lattice(self, other: Grid, *, tol: float = 1e-6) -> bool:
        """True if ``other`` has the same shape, CRS and transform (to ``tol`` of a pixel)."""
        if self.shape != other.shape or self.crs != other.crs:
            return False
        a = np.array(self.transform)[:6]
        b = np.array(other.transform)[:6]
        return bool(np.allclose(a, b, rtol=0, atol=tol * min(self.res)))

    def __repr__(self) -> str:  # concise: never dump the array
        epsg = self.crs.to_epsg()
        crs = f"EPSG:{epsg}" if epsg else self.crs.name
        return (
            f"Grid(shape={self.shape}, res={self.res}, crs={crs}, "
            f"bounds={tuple(round(b, 3) for b in self.bounds)}, dtype={self.values.dtype}, nodata={self.nodata})"
        )


def utm_crs_for_lonlat(lon: float, lat: float) -> CRS:
    """The WGS 84 / UTM zone CRS containing (lon, lat); EPSG:32648 for Thanh Hóa.

    Parameters
    ----------
    lon, lat
        Degrees (WGS 84).
    """
    if not (-180.0 <= lon <= 180.0 and -80.0 <= lat <= 84.0):
        raise RasterDataError(f"({lon}, {lat}) is outside the UTM domain")
    zone = int((lon + 180.0) // 6.0) + 1
    zone = min(zone, 60)
    epsg = (32600 if lat >= 0 else 32700) + zone
    return CRS.from_epsg(epsg)
