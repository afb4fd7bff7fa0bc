"""Raster file I/O: GeoTIFF (and anything GDAL reads) to and from :class:`Grid`.

Every file towerplan writes goes through :func:`write_grid`, which writes a
tiled, compressed GeoTIFF (cloud-optimised when the COG driver is available)
atomically: to a temporary sibling first, then renamed into place.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import numpy.typing as npt
import rasterio
import rasterio.shutil
from affine import Affine
from rasterio.crs import CRS as RioCRS
from rasterio.errors import RasterioError, RasterioIOError

from towerplan._atomic import atomic_path
from towerplan.errors import RasterDataError, UnreadableFileError
from towerplan.grid import Grid
from towerplan.resources import check_memory

__all__ = ["MAX_CELLS", "check_band_type", "check_georeferencing", "compression_options", "read_grid", "write_grid"]

log = logging.getLogger(__name__)

#: Refuse to load rasters larger than this many cells (about 4 GB as float64):
#: a clear message instead of an out-of-memory kill.
MAX_CELLS = 500_000_000


def read_grid(path: str | os.PathLike[str], *, band: int = 1, max_cells: int = MAX_CELLS) -> Grid:
    """Read one band of a raster file into a :class:`Grid`.

    Parameters
    ----------
    path
        GeoTIFF, SRTM ``.hgt`` or any other GDAL-readable raster.
    band
        1-based band index.
    max_cells
        Refuse rasters larger than this (cells), before reading any pixel.

    Raises
    ------
    UnreadableFileError
        Missing file, not a raster, truncated file.
    RasterDataError
        No CRS, rotated, too large, band out of range.
    """
    from towerplan.input_files import open_raster

    path = Path(path)
    try:
        with open_raster(path) as src:
            check_georeferencing(src, path.name)
            if src.crs is None:
                raise RasterDataError(
                    f"{path.name}: the raster has no coordinate reference system; "
                    "assign one (e.g. gdal_edit.py -a_srs EPSG:4326) and try again"
                )
            if not 1 <= band <= src.count:
                raise RasterDataError(f"{path.name}: band {band} requested, the file has {src.count}")
            cells = src.width * src.height
            if cells > max_cells:
                raise RasterDataError(
                    f"{path.name}: {src.width} x {src.height} = {cells:,} cells exceeds the limit of "
                    f"{max_cells:,}; clip it to the study area or read a coarser overview"
                )
            check_band_type(src, band, path.name)
            check_memory(cells * (np.dtype(src.dtypes[band - 1]).itemsize + 1), what=f"reading {path.name} "
                         f"({src.width:,} x {src.height:,} cells)",
                         how_to_reduce="clip the raster to the study area or give a coarser one")
            values = src.read(band)
            nodata = src.nodata
            transform = src.transform
            crs = src.crs
    except (RasterioIOError, RasterioError) as exc:  # RasterioError: a truncated file fails while reading
        raise UnreadableFileError(
            f"{path.name}: not a readable raster ({exc}); is the file complete? download or export it again"
        ) from exc
    if transform.e > 0:  # south-up: flip the rows, so every grid is north-up
        values = values[::-1].copy()
        top = transform.f + transform.e * values.shape[0]
        transform = Affine(transform.a, 0.0, transform.c, 0.0, -transform.e, top)
    return Grid(values, transform, _to_pyproj(crs), nodata)


def check_georeferencing(src: rasterio.io.DatasetReader, name: str) -> None:
    """Refuse rasters located by ground control points only, rotated or sheared, with the fix; warn on south-up.

    Raises
    ------
    RasterDataError
        GCPs without a geotransform; rotation terms.
    """
    t = src.transform
    gcps, _ = src.gcps
    if gcps and t.is_identity:
        raise RasterDataError(
            f"{name}: the raster is located by {len(gcps)} ground control points only, not by a grid; warp it "
            "onto a grid first: gdalwarp -t_srs EPSG:4326 in.tif out.tif"
        )
    if t.b != 0 or t.d != 0:
        raise RasterDataError(f"{name}: rotated or sheared rasters are not supported; warp it north-up first: "
                              "gdalwarp in.tif out.tif")
    if t.e > 0:
        log.warning("%s: the raster is stored south-up (its first row is the southern edge); read north-up", name)


def check_band_type(src: rasterio.io.DatasetReader, band: int, name: str) -> None:
    """Refuse bands that cannot hold heights, people or levels: complex numbers, 1-bit masks.

    Raises
    ------
    RasterDataError
        A complex band or a 1-bit (boolean) band.
    """
    dtype = np.dtype(src.dtypes[band - 1])
    if not (np.issubdtype(dtype, np.integer) or np.issubdtype(dtype, np.floating)) or dtype == np.bool_:
        raise RasterDataError(
            f"{name}: band {band} holds {dtype} values; heights, people and levels must be real numbers: "
            "export the raster as Int16, Float32 or Float64"
        )
    nbits = src.tags(band, ns="IMAGE_STRUCTURE").get("NBITS")
    if nbits is not None and nbits.isdigit() and int(nbits) == 1:
        raise RasterDataError(
            f"{name}: band {band} is a 1-bit (true/false) mask, not heights, people or levels; give the "
            "raster of values itself"
        )


def _to_pyproj(crs: RioCRS):
    from pyproj import CRS

    return CRS.from_wkt(crs.to_wkt())


#: most threads GDAL compresses a raster's blocks with (its ``NUM_THREADS`` creation option; the bytes do not
#: depend on it: each block is compressed on its own)
WRITE_THREADS_MAX = 4


def compression_options(dtype: npt.DTypeLike, compress: str) -> dict[str, str]:
    """GDAL creation options for ``compress``: with DEFLATE, LZW or ZSTD the TIFF predictor for the data type
    (3, floating point, for float rasters: the demo's level rasters ~28 % smaller for ~10 % more CPU; 2,
    horizontal differencing, for integers) and the blocks compressed on up to :data:`WRITE_THREADS_MAX` threads."""
    opts = {"compress": compress.upper()}
    if compress.lower() in ("deflate", "lzw", "zstd"):
        opts["predictor"] = "3" if np.dtype(dtype).kind == "f" else "2"
        opts["num_threads"] = str(max(1, min(os.cpu_count() or 1, WRITE_THREADS_MAX)))
    return opts


def write_grid(
    grid: Grid,
    path: str | os.PathLike[str],
    *,
    dtype: str | np.dtype | None = None,
    nodata: float | str | None = "same",
    compress: str = "deflate",
    cog: bool = True,
    tags: Mapping[str, str] | None = None,
) -> Path:
    """Write ``grid`` to a GeoTIFF atomically and return the path.

    Parameters
    ----------
    grid
        The raster to write.
    path
        Destination ``.tif``.
    dtype
        Output data type (default: the grid's).
    nodata
        Nodata value to record (default: the grid's).
    compress
        GDAL compression (``deflate``, ``lzw``, ``zstd`` or ``none``), with the TIFF predictor of the
        data type and threads (:func:`compression_options`).
    cog
        Cloud-optimised GeoTIFF layout (tiled, with overviews) through GDAL's
        COG driver; a plain tiled GeoTIFF otherwise.
    tags
        Dataset metadata (GDAL tags), e.g. ``{"source": "towerplan synthetic demo"}``.
    """
    path = Path(path)
    values = grid.values if dtype is None else grid.values.astype(dtype)
    nd = grid.nodata if nodata == "same" else nodata
    profile = {
        "count": 1,
        "width": grid.width,
        "height": grid.height,
        "dtype": values.dtype.name,
        "crs": RioCRS.from_wkt(grid.crs.to_wkt()),
        "transform": grid.transform,
        "nodata": nd,
    }
    with atomic_path(path) as tmp:
        if cog:
            # write an in-memory GeoTIFF, then let the COG driver lay it out
            with rasterio.MemoryFile() as mem:
                with mem.open(driver="GTiff", **profile) as dst:
                    dst.write(values, 1)
                    if tags:
                        dst.update_tags(**tags)
                with mem.open() as src:
                    rasterio.shutil.copy(
                        src, tmp, driver="COG", overview_resampling="nearest",
                        **compression_options(values.dtype, compress),
                    )
        else:
            with rasterio.open(
                tmp, "w", driver="GTiff", tiled=True, **compression_options(values.dtype, compress), **profile
            ) as dst:
                dst.write(values, 1)
                if tags:
                    dst.update_tags(**tags)
    log.debug("wrote %s (%s)", path, grid)
    return path
