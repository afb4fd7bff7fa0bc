"""Digital elevation models: read, mosaic, reproject, clip and resample to an analysis grid.

Everything the coverage engine sees is a :class:`~towerplan.grid.Grid` in a
projected metric CRS (the local UTM zone, EPSG:32648 for Thanh Hóa) at a chosen
resolution (30 m by default, 90 m as the fast option). This module turns the
DEM files a planner has (GeoTIFF in any CRS, SRTM ``.hgt`` tiles of 1" or 3",
also zipped) into that grid in one step:

>>> dem = read_dem(["N19E105.hgt", "N20E105.hgt.zip"], area=(105.2, 19.6, 105.8, 20.2))

Sources are warped one by one into the target lattice (GDAL, windowed) and the
first source with data wins in overlaps, so a mosaic never holds every input
in memory at once.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal, TypeAlias

import numpy as np
import rasterio
import rasterio.features
import shapely
from affine import Affine
from pyproj import CRS, Transformer
from rasterio.enums import Resampling
from rasterio.errors import RasterioError, RasterioIOError
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from towerplan.errors import RasterDataError, UnreadableFileError
from towerplan.grid import Grid, utm_crs_for_lonlat
from towerplan.hgt import HGT_SAMPLES, hgt_origin, read_hgt, zip_has_hgt
from towerplan.input_files import checked_path, open_raster
from towerplan.rasters import MAX_CELLS, check_band_type, check_georeferencing

__all__ = [
    "Area",
    "area_geometry",
    "auto_resampling",
    "check_heights",
    "describe_dem_file",
    "clip_grid",
    "pick_crs",
    "open_sources",
    "read_dem",
    "read_hgt",
    "reproject_grid",
    "target_lattice",
]

log = logging.getLogger(__name__)

#: An area of interest in WGS 84 longitude/latitude: a (lon_min, lat_min, lon_max, lat_max)
#: box or a shapely (Multi)Polygon.
Area: TypeAlias = tuple[float, float, float, float] | BaseGeometry

ResamplingName = Literal["auto", "nearest", "bilinear", "cubic", "average"]
_RESAMPLING: dict[str, Resampling] = {
    "nearest": Resampling.nearest,
    "bilinear": Resampling.bilinear,
    "cubic": Resampling.cubic,
    "average": Resampling.average,
}

#: plausible elevations on Earth, metres; outside means wrong units or a broken file
_MIN_ELEVATION_M = -500.0
_MAX_ELEVATION_M = 9000.0

_WGS84 = CRS.from_epsg(4326)
#: GDAL's approximate-transformer error, in pixels (GDAL's default 0.125 shifts a 90 m cell by
#: up to 11 m); 0.01 px keeps heights on slopes within centimetres at little cost.
_WARP_TOLERANCE_PX = 0.01


def area_geometry(area: Area) -> BaseGeometry:
    """The area as a shapely geometry in EPSG:4326, validated."""
    if isinstance(area, BaseGeometry):
        geom = area
    else:
        try:
            lon_min, lat_min, lon_max, lat_max = (float(v) for v in area)
        except (TypeError, ValueError) as exc:
            raise RasterDataError(
                f"an area is a (lon_min, lat_min, lon_max, lat_max) box or a polygon: {exc}"
            ) from exc
        geom = box(lon_min, lat_min, lon_max, lat_max)
    if geom.is_empty:
        raise RasterDataError("the area of interest is empty")
    lon_min, lat_min, lon_max, lat_max = geom.bounds
    if not (-180 <= lon_min < lon_max <= 180 and -90 <= lat_min < lat_max <= 90):
        raise RasterDataError(
            f"the area {geom.bounds} is not a valid longitude/latitude box (EPSG:4326, lon first)"
        )
    return geom


def pick_crs(area: Area) -> CRS:
    """The UTM zone CRS for the centre of ``area`` (EPSG:32648 for Thanh Hóa)."""
    c = area_geometry(area).centroid
    return utm_crs_for_lonlat(c.x, c.y)


def target_lattice(
    bounds: tuple[float, float, float, float], *, resolution_m: float
) -> tuple[Affine, int, int]:
    """Snap metric ``bounds`` outwards to multiples of ``resolution_m``.

    Returns the transform, width and height of the lattice. Snapping to whole
    multiples makes grids built for the same area from different inputs line up.
    """
    if not (resolution_m > 0 and math.isfinite(resolution_m)):
        raise RasterDataError(f"resolution must be a positive number of metres, got {resolution_m}")
    left, bottom, right, top = bounds
    left = math.floor(left / resolution_m) * resolution_m
    bottom = math.floor(bottom / resolution_m) * resolution_m
    right = math.ceil(right / resolution_m) * resolution_m
    top = math.ceil(top / resolution_m) * resolution_m
    width = max(1, round((right - left) / resolution_m))
    height = max(1, round((top - bottom) / resolution_m))
    return Affine(resolution_m, 0.0, left, 0.0, -resolution_m, top), width, height


def _geom_to_crs(geom: BaseGeometry, crs: CRS, *, src_crs: CRS = _WGS84) -> BaseGeometry:
    tr = Transformer.from_crs(src_crs, crs, always_xy=True)
    return shapely.transform(geom, tr.transform, interleaved=False)


# ---------------------------------------------------------------- the DEM
def _source_bounds_lonlat(src_crs: CRS, bounds: tuple[float, float, float, float]) -> BaseGeometry:
    tr = Transformer.from_crs(src_crs, _WGS84, always_xy=True)
    return box(*tr.transform_bounds(*bounds, densify_pts=21))


def open_sources(sources: Sequence[str | os.PathLike[str]]) -> list[Grid | Path]:
    """Grids for .hgt tiles (parsed here), paths for GDAL-readable files (warped lazily)."""
    out: list[Grid | Path] = []
    seen: dict[Path, int] = {}
    for s in sources:
        p = Path(s)
        real = checked_path(p, what="DEM")
        seen[real] = seen.get(real, 0) + 1
        if seen[real] > 1:
            continue  # one file listed again: read once (one warning below, not one per copy)
        name = p.name.lower()
        if name.endswith(".hgt") or name.endswith(".hgt.zip") or (name.endswith(".zip") and zip_has_hgt(p)):
            out.append(read_hgt(p))
        else:
            out.append(p)
    repeats = {path: n for path, n in seen.items() if n > 1}
    if repeats:
        shown = ", ".join(f"{path.name} ({n} times)" for path, n in list(repeats.items())[:5])
        log.warning("DEM: %d file(s) listed more than once, each read once: %s", len(repeats), shown)
    return out


def _describe(src: Grid | Path) -> tuple[CRS, tuple[float, float, float, float], float]:
    """CRS, bounds and approximate pixel size in metres of a source."""
    if isinstance(src, Grid):
        crs, bounds, res = src.crs, src.bounds, src.res[0]
    else:
        try:
            with open_raster(src, what="DEM") as ds:
                check_georeferencing(ds, src.name)
                if ds.crs is None:
                    raise RasterDataError(
                        f"{src.name}: the DEM has no coordinate reference system; assign one "
                        "(e.g. gdal_edit.py -a_srs EPSG:4326 file.tif)"
                    )
                if ds.count < 1:
                    raise RasterDataError(f"{src.name}: the file has no raster band")
                check_band_type(ds, 1, src.name)
                crs = CRS.from_wkt(ds.crs.to_wkt())
                bounds = tuple(ds.bounds)  # type: ignore[assignment]
                res = ds.res[0]
        except RasterioIOError as exc:
            raise UnreadableFileError(f"{src.name}: not a readable raster ({exc})") from exc
    res_m = res * 111_320.0 if crs.is_geographic else res
    return crs, bounds, res_m


def describe_dem_file(path: str | os.PathLike[str]) -> tuple[CRS, tuple[float, float, float, float], float]:
    """CRS, bounds and approximate pixel size (m) of one DEM file, checked without reading its heights.

    A GeoTIFF (or other GDAL raster) is checked from its header as :func:`read_dem` checks it (content,
    georeferencing, CRS, band type); a plain ``.hgt`` tile by its name and size; a zipped tile is
    parsed (its member must be found and sized). For uploads of several tiles that are then
    mosaicked once by :func:`read_dem`. Raises as :func:`read_dem` does.
    """
    p = Path(path)
    real = checked_path(p, what="DEM")
    name = p.name.lower()
    if name.endswith(".hgt"):
        size = real.stat().st_size
        n = HGT_SAMPLES.get(size)
        if n is None:
            raise UnreadableFileError(f"{p.name}: {size} bytes is not an SRTM tile (expected {sorted(HGT_SAMPLES)} "
                                      "bytes)")
        lat, lon = hgt_origin(p.name)
        half = 0.5 / (n - 1)
        return _WGS84, (lon - half, lat - half, lon + 1 + half, lat + 1 + half), 111_320.0 / (n - 1)
    (src,) = open_sources([p])
    return _describe(src)


def check_heights(values: np.ndarray, *, where: str = "") -> None:
    """Refuse a DEM with no valid height or heights outside -500..9000 m (not metres, or nodata unset).

    ``values`` are heights with NaN for nodata (``Grid.masked()``); raises :class:`RasterDataError`.
    """
    valid = ~np.isnan(values)
    if not valid.any():
        raise RasterDataError(f"the DEM has no valid heights{' ' + where if where else ''} (nodata everywhere); "
                              "check its nodata value and the area it covers")
    lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    if lo < _MIN_ELEVATION_M or hi > _MAX_ELEVATION_M:
        raise RasterDataError(
            f"DEM heights range from {lo:.0f} to {hi:.0f}, outside the plausible {_MIN_ELEVATION_M:.0f} to "
            f"{_MAX_ELEVATION_M:.0f} m: is it in metres above sea level, with its nodata value set?"
        )


def read_dem(
    sources: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *,
    area: Area | None = None,
    resolution_m: float = 30.0,
    crs: CRS | int | str | None = None,
    resampling: ResamplingName = "auto",
    mask_outside: bool = False,
    max_cells: int = MAX_CELLS,
) -> Grid:
    """Read, mosaic, reproject, clip and resample DEM files into one metric Grid.

    Parameters
    ----------
    sources
        One path or several: GeoTIFF (any CRS) or SRTM ``.hgt`` / ``.hgt.zip`` tiles.
    area
        Area of interest in EPSG:4326 (box or polygon). Default: the union of the sources.
    resolution_m
        Output cell size in metres (30 by default; 90 for fast runs).
    crs
        Output projected CRS; default the UTM zone of the area's centre.
    resampling
        ``auto`` averages when the output is coarser than a source (over 1.5x its cell), takes
        cubic convolution at about the source's own resolution (0.75-1.5x: 90 m from SRTM3,
        30 m from SRTM1) and bilinear when finer. At about the same resolution GDAL's
        bilinear widens its kernel with the scale and flattens ridges; on a real 3" tile the
        P.1812 loss of every cell point to point then read 0.18 dB low in the median (P10
        -1.4 dB) against the model on the tile itself, cubic 0.0 dB (-0.5 dB); finer, bilinear
        reproduces the tile's own bilinear surface best (``bench/README.md``, "Accuracy on a
        real terrain tile").
    mask_outside
        Set cells outside a polygon ``area`` to nodata (the box around it is always kept).
    max_cells
        Refuse outputs bigger than this many cells, before allocating them.

    Returns
    -------
    Grid
        float32 heights in metres above sea level, NaN as nodata, in ``crs``.

    Raises
    ------
    UnreadableFileError
        A file is missing or not a raster.
    RasterDataError
        No CRS, no overlap with the area, implausible heights, too many cells.
    """
    paths = [sources] if isinstance(sources, (str, os.PathLike)) else list(sources)
    if not paths:
        raise RasterDataError("no DEM file given")
    opened = open_sources(paths)
    described = [_describe(s) for s in opened]

    geom = area_geometry(area) if area is not None else _union_lonlat(described)
    out_crs = CRS.from_user_input(crs) if crs is not None else pick_crs(geom)
    if not out_crs.is_projected:
        raise RasterDataError(f"the output CRS must be projected in metres, got {out_crs.name}")
    metric_geom = _geom_to_crs(geom, out_crs)
    transform, width, height = target_lattice(metric_geom.bounds, resolution_m=resolution_m)
    if width * height > max_cells:
        raise RasterDataError(
            f"the DEM grid would be {width} x {height} = {width * height:,} cells at {resolution_m} m, "
            f"over the limit of {max_cells:,}: choose a smaller area or a coarser resolution"
        )

    from towerplan.resources import check_memory

    # the mosaic and one warped source (float32), plus GDAL's warp buffers (about the same again)
    check_memory(16.0 * width * height, what=f"reading the DEM onto {width:,} x {height:,} cells",
                 how_to_reduce="choose a smaller area or a coarser resolution")
    dest = np.full((height, width), np.nan, dtype=np.float32)
    any_overlap = False
    for src, (src_crs, src_bounds, src_res_m) in zip(opened, described, strict=True):
        if not _source_bounds_lonlat(src_crs, src_bounds).intersects(geom):
            log.info("DEM source %s does not overlap the area; skipped", src)
            continue
        any_overlap = True
        method = resampling
        if method == "auto":
            method = auto_resampling(resolution_m, src_res_m)
        tmp = np.full((height, width), np.nan, dtype=np.float32)
        _warp_into(src, tmp, transform, out_crs, _RESAMPLING[method])
        fill = np.isnan(dest) & ~np.isnan(tmp)
        dest[fill] = tmp[fill]
    if not any_overlap:
        raise RasterDataError(
            f"none of the DEM files covers the area {tuple(round(b, 4) for b in geom.bounds)} (lon/lat)"
        )
    valid = ~np.isnan(dest)
    check_heights(dest, where="in the area")
    holes = int((~valid).sum())
    if holes:
        log.warning("DEM: %d of %d cells have no data (voids or outside the sources)", holes, valid.size)
    grid = Grid(dest, transform, out_crs, float("nan"))
    if mask_outside and not isinstance(area, tuple) and area is not None:
        grid = clip_grid(grid, geom, crop=False)
    return grid


def auto_resampling(resolution_m: float, source_res_m: float) -> ResamplingName:
    """The resampling ``read_dem(..., resampling="auto")`` takes onto ``resolution_m`` from a source of
    ``source_res_m`` (see :func:`read_dem`): average coarser than 1.5x, cubic from 0.75x, bilinear finer."""
    if resolution_m > 1.5 * source_res_m:
        return "average"
    return "cubic" if resolution_m >= 0.75 * source_res_m else "bilinear"


def _union_lonlat(described: Iterable[tuple[CRS, tuple[float, float, float, float], float]]) -> BaseGeometry:
    geom: BaseGeometry | None = None
    for crs, bounds, _ in described:
        g = _source_bounds_lonlat(crs, bounds)
        geom = g if geom is None else geom.union(g)
    assert geom is not None
    return box(*geom.bounds)


def _warp_into(src: Grid | Path, dest: np.ndarray, transform: Affine, crs: CRS, method: Resampling) -> None:
    """Warp ``src`` into ``dest`` (float32, NaN-filled) on ``transform``/``crs``.

    Goes through a GDAL WarpedVRT so the approximate-transformer tolerance can be set
    (``rasterio.warp.reproject`` ignores it) and so big files are read window by window.
    """
    from rasterio.crs import CRS as RioCRS
    from rasterio.io import MemoryFile
    from rasterio.vrt import WarpedVRT

    height, width = dest.shape
    vrt_opts = {
        "crs": RioCRS.from_wkt(crs.to_wkt()),
        "transform": transform,
        "width": width,
        "height": height,
        "resampling": method,
        "tolerance": _WARP_TOLERANCE_PX,
        "nodata": np.nan,
        "dtype": "float32",
    }
    if isinstance(src, Grid):
        values = src.masked().astype(np.float32)
        profile = {
            "driver": "GTiff", "width": src.width, "height": src.height, "count": 1, "dtype": "float32",
            "crs": RioCRS.from_wkt(src.crs.to_wkt()), "transform": src.transform, "nodata": np.nan,
        }
        with MemoryFile() as mem:
            with mem.open(**profile) as ds:
                ds.write(values, 1)
            with mem.open() as ds, WarpedVRT(ds, src_nodata=np.nan, **vrt_opts) as vrt:
                dest[...] = vrt.read(1)
        return
    try:
        with open_raster(src, what="DEM") as ds, WarpedVRT(ds, src_nodata=ds.nodata, **vrt_opts) as vrt:
            dest[...] = vrt.read(1)
    except RasterioError as exc:  # a truncated or damaged file fails only while its pixels are read
        raise UnreadableFileError(
            f"{src.name}: the raster cannot be read ({exc}); is the file complete? download or export it again"
        ) from exc


def reproject_grid(
    grid: Grid,
    *,
    crs: CRS | int | str | None = None,
    resolution_m: float | None = None,
    like: Grid | None = None,
    resampling: ResamplingName = "bilinear",
) -> Grid:
    """Warp a Grid onto another lattice (values interpolated, not sum-preserving).

    Either ``like`` (take its exact lattice) or ``crs``/``resolution_m`` (the
    grid's own extent, snapped). For population counts use
    :func:`towerplan.population.align_population` instead.
    """
    if like is not None:
        transform, width, height, out_crs = like.transform, like.width, like.height, like.crs
    else:
        out_crs = CRS.from_user_input(crs) if crs is not None else grid.crs
        tr = Transformer.from_crs(grid.crs, out_crs, always_xy=True)
        bounds = tr.transform_bounds(*grid.bounds, densify_pts=21)
        res = resolution_m if resolution_m is not None else grid.res[0]
        transform, width, height = target_lattice(bounds, resolution_m=res)
    dest = np.full((height, width), np.nan, dtype=np.float32)
    method = _RESAMPLING["bilinear" if resampling == "auto" else resampling]
    _warp_into(grid, dest, transform, out_crs, method)
    return Grid(dest, transform, out_crs, float("nan"))


def clip_grid(grid: Grid, area: Area, *, crop: bool = True, area_crs: CRS | None = None) -> Grid:
    """Clip a grid to an area: crop to its box and set cells outside the polygon to NaN.

    Parameters
    ----------
    area
        Box or polygon, in EPSG:4326 unless ``area_crs`` says otherwise.
    crop
        Also shrink the lattice to the area's bounding box (snapped to cells).
    """
    geom = area_geometry(area) if area_crs is None else (area if isinstance(area, BaseGeometry) else box(*area))
    g = _geom_to_crs(geom, grid.crs, src_crs=_WGS84 if area_crs is None else area_crs)
    values = grid.masked().astype(np.float32)
    transform = grid.transform
    if crop:
        left, bottom, right, top = g.bounds
        top_left = grid.rowcol(left, top)
        bottom_right = grid.rowcol(right, bottom)
        r0, c0 = max(int(top_left[0]), 0), max(int(top_left[1]), 0)
        r1, c1 = min(int(bottom_right[0]) + 1, grid.height), min(int(bottom_right[1]) + 1, grid.width)
        if r0 >= r1 or c0 >= c1:
            raise RasterDataError("the area does not overlap the grid")
        values = values[r0:r1, c0:c1]
        transform = transform @ Affine.translation(c0, r0)
    outside = rasterio.features.geometry_mask(
        [g], out_shape=values.shape, transform=transform, invert=False, all_touched=False
    )
    values = values.copy()
    values[outside] = np.nan
    return Grid(values, transform, grid.crs, float("nan"))
