"""Land cover on the study grid: read a categorical GeoTIFF, resample by majority, map to clutter.

>>> lc = read_land_cover(["ESA_WorldCover_10m_2021_v200_N18E105_Map.tif"], dem)   # doctest: +SKIP
>>> height_m, code = lc.to_clutter_arrays()                                        # doctest: +SKIP

Each source is warped onto the DEM's lattice with GDAL's ``mode`` resampling
(the most frequent class among the source pixels under each cell; nodata
pixels do not vote), through a ``WarpedVRT`` read window by window as the DEM
is (:mod:`towerplan.terrain`); the first source with a class wins where tiles
overlap. Classes are kept as they are in the raster; the clutter arrays are
looked up from the class table when asked for.

Bad inputs get a message naming the file: an
:class:`~towerplan.errors.UnreadableFileError` for a missing, damaged or
non-GeoTIFF file (only GDAL's GTiff driver is tried), a
:class:`~towerplan.errors.RasterDataError` for no CRS, non-integer classes, no
overlap with the DEM, nothing but nodata over it, a source window over the
cell limit, and classes missing from the table (each listed with its number of cells; never mapped silently, unless
``unknown="default"`` is asked for, which maps them to the default class with
a warning that lists them). Cells without land cover (nodata, outside the
tiles) get :data:`~towerplan.landcover.table.DEFAULT_CLASS` (open/rural, R = 0 m)
and a warning saying how many. Without any land cover,
:func:`default_land_cover` gives every cell that class and a warning.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pyproj import CRS, Transformer
from rasterio.enums import Resampling
from rasterio.errors import RasterioError, RasterioIOError
from rasterio.windows import from_bounds

from towerplan.coverage.building_loss import BUILDING_TYPES
from towerplan.coverage.clutter import ClutterGrid
from towerplan.coverage.clutter_loss import P2108_CLUTTER_TYPES
from towerplan.coverage.terminal_loss import ServiceClass, terminal_extra_loss_db
from towerplan.errors import RasterDataError, UnreadableFileError
from towerplan.grid import Grid
from towerplan.landcover.table import DEFAULT_CLASS, WORLDCOVER_TABLE, ClassTable, LandClass
from towerplan.rasters import MAX_CELLS, write_grid
from towerplan.resources import check_memory

__all__ = ["NO_CLASS", "LandCover", "default_land_cover", "land_cover_for", "read_land_cover", "write_land_cover"]

log = logging.getLogger(__name__)

#: class value of cells without land cover (they use :data:`DEFAULT_CLASS`)
NO_CLASS = -1
_WARP_TOLERANCE_PX = 0.01
UnknownPolicy = Literal["error", "default"]


@dataclass(frozen=True, eq=False)
class LandCover:
    """Land-cover classes on the study grid and the table that maps them to clutter.

    Attributes
    ----------
    classes
        int32 class codes on the DEM lattice; :data:`NO_CLASS` (the grid's nodata)
        where no land cover is known (those cells use :data:`DEFAULT_CLASS`).
    table
        The class table.
    source
        What the classes come from (file names, or "none").
    warnings
        Texts a run reports (default class used, unknown classes mapped ...).
    """

    classes: Grid
    table: ClassTable
    source: str
    warnings: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if not np.issubdtype(self.classes.values.dtype, np.integer):
            raise RasterDataError(f"land-cover classes must be integers, got {self.classes.values.dtype}")
        known = set(self.table.codes) | {NO_CLASS}
        present = set(np.unique(self.classes.values).tolist())
        if not present <= known:
            raise RasterDataError(
                f"land-cover classes {sorted(present - known)} are not in the table {self.table.name!r}")
        object.__setattr__(self, "warnings", tuple(self.warnings))

    # ------------------------------------------------------------------ lookups
    def _lookup(self, values: Sequence[float | int], default: float | int, dtype: type) -> np.ndarray:
        codes = np.asarray([NO_CLASS, *self.table.codes], dtype=np.int64)
        lut: np.ndarray = np.asarray([default, *values], dtype=dtype)
        order = np.argsort(codes)
        idx = np.searchsorted(codes[order], self.classes.values)
        return lut[order][idx]

    def _per_class(self, attr: str) -> list[Any]:
        return [getattr(c, attr) for c in self.table.classes]

    def clutter_code(self) -> np.ndarray:
        """uint8 P.1812 clutter category per cell (1 water/sea ... 5 dense urban)."""
        return self._lookup(self._per_class("clutter"), DEFAULT_CLASS.clutter, np.uint8)

    def clutter_height_m(self) -> np.ndarray:
        """float32 representative clutter height R per cell, metres."""
        return self._lookup(self._per_class("height_m"), DEFAULT_CLASS.height_m, np.float32)

    def to_clutter_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """``(height_m float32, code uint8)`` on the DEM grid, for P.1812's ``ClutterGrid(height_m, code)``."""
        return self.clutter_height_m(), self.clutter_code()

    def to_clutter_grid(self) -> ClutterGrid:
        """The engine's clutter: P.1812 heights and categories, and the P.2108 type per cell for the terminal
        clutter loss of ITM and free space (:mod:`towerplan.coverage.terminal_clutter`)."""
        return ClutterGrid(*self.to_clutter_arrays(), p2108_type=self.p2108_type_code())

    def p2108_type_code(self) -> np.ndarray:
        """uint8 P.2108 clutter type per cell (index in ``P2108_CLUTTER_TYPES`` + 1)."""
        codes = [P2108_CLUTTER_TYPES.index(t) + 1 for t in self._per_class("p2108")]
        return self._lookup(codes, P2108_CLUTTER_TYPES.index(DEFAULT_CLASS.p2108) + 1, np.uint8)

    def building_type_code(self) -> np.ndarray:
        """uint8 P.2109 building type per cell: 1 traditional, 2 thermally efficient."""
        codes = [BUILDING_TYPES.index(t) + 1 for t in self._per_class("building")]
        return self._lookup(codes, BUILDING_TYPES.index("traditional") + 1, np.uint8)

    def extra_loss_db(
        self, *, freq_mhz: float, model: str, service: ServiceClass = "outdoor", **options: float
    ) -> np.ndarray:
        """Per-cell loss (dB, float32) the link budget adds for this land cover.

        See :func:`towerplan.coverage.terminal_loss.terminal_extra_loss_db` (``options`` are passed on);
        computed once per class, then looked up cell by cell.
        """
        classes = [DEFAULT_CLASS, *self.table.classes]
        per_class = terminal_extra_loss_db(
            np.asarray([P2108_CLUTTER_TYPES.index(c.p2108) + 1 for c in classes]),
            np.asarray([BUILDING_TYPES.index(c.building) + 1 for c in classes]),  # type: ignore[arg-type]
            freq_mhz=freq_mhz, model=model, service=service,
            clutter_height_m=np.asarray([c.height_m for c in classes]), **options,
        )
        return self._lookup(per_class[1:].tolist(), float(per_class[0]), np.float32)

    # ------------------------------------------------------------------ summaries
    def class_cells(self) -> dict[int, int]:
        """Cells per class code (:data:`NO_CLASS` for cells using the default)."""
        values, counts = np.unique(self.classes.values, return_counts=True)
        return {int(v): int(n) for v, n in zip(values, counts, strict=True)}

    def describe(self, *, top: int = 4, lang: str = "en") -> str:
        """One line: the largest classes and their shares (``Tree cover 52 %, Cropland 31 %, ...``), the class
        names in ``lang``."""
        from towerplan.i18n_landcover import land_class_name

        total = self.classes.values.size
        parts = []
        for code, n in sorted(self.class_cells().items(), key=lambda kv: -kv[1])[:top]:
            cls = DEFAULT_CLASS if code == NO_CLASS else self.table.get(code)
            parts.append(f"{land_class_name(cls.name, lang) if cls else code} {100.0 * n / total:.0f} %")
        return ", ".join(parts)

    def summary(self) -> dict[str, object]:
        """What a report's method section says: source, table, share of each class, warnings."""
        total = self.classes.values.size
        shares = []
        for code, n in sorted(self.class_cells().items()):
            cls: LandClass = DEFAULT_CLASS if code == NO_CLASS else self.table.get(code)  # type: ignore[assignment]
            shares.append({"class": code, "name": cls.name, "clutter": cls.clutter, "height_m": cls.height_m,
                           "cells": n, "percent": round(100.0 * n / total, 3)})
        return {"source": self.source, "table": self.table.name, "table_source": self.table.source,
                "classes": shares, "warnings": list(self.warnings)}


def default_land_cover(dem: Grid, *, table: ClassTable = WORLDCOVER_TABLE) -> LandCover:
    """Land cover when none is given: every cell uses :data:`DEFAULT_CLASS`, with a warning saying so."""
    values = np.full(dem.shape, NO_CLASS, dtype=np.int32)
    warning = (
        "no land cover given: every cell uses the default class open/rural (P.1812 clutter category 2, "
        "clutter height 0 m, P.2108 open/rural, traditional buildings); give a land-cover raster "
        "(e.g. towerplan fetch --landcover) for forest, towns and water"
    )
    log.warning(warning)
    return LandCover(dem.with_values(values, nodata=NO_CLASS), table, "none", (warning,))


# ---------------------------------------------------------------------- reading
def _transform_bounds(src: CRS, dst: CRS, bounds: tuple[float, float, float, float]) -> tuple[float, ...]:
    return tuple(Transformer.from_crs(src, dst, always_xy=True).transform_bounds(*bounds, densify_pts=21))


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _working_type(dtype: np.dtype, nodata: float | None) -> tuple[str, int]:
    """Warp data type and fill value: GDAL's ``mode`` counts 8- and 16-bit classes in a histogram
    (fast), wider ones by sorting; the fill is the source's nodata when it has one, else a value the
    source type cannot hold."""
    if nodata is not None and float(nodata).is_integer() and dtype.itemsize <= 2:
        info = np.iinfo(dtype)
        if info.min <= nodata <= info.max:
            return dtype.name, int(nodata)
    if dtype == np.uint8:
        return "uint16", 65535
    if dtype == np.int8:
        return "int16", -32768
    return "int32", int(np.iinfo(np.int32).min)


def _warp_source(path: Path, dem: Grid, max_cells: int) -> np.ndarray | None:
    """The classes of one file on the DEM lattice (int32, NO_CLASS where none), or None without overlap."""
    from rasterio.crs import CRS as RioCRS
    from rasterio.vrt import WarpedVRT

    from towerplan.input_files import open_raster

    try:
        with open_raster(path, what="land cover") as ds:  # GeoTIFF only, GDAL network off, regular file
            if ds.crs is None:
                raise RasterDataError(
                    f"{path.name}: the land-cover raster has no coordinate reference system; assign one "
                    "(e.g. gdal_edit.py -a_srs EPSG:4326 file.tif)")
            if ds.count < 1:
                raise RasterDataError(f"{path.name}: the file has no raster band")
            dtype = np.dtype(ds.dtypes[0])
            if not np.issubdtype(dtype, np.integer) or dtype.itemsize > 4 or dtype == np.uint32:
                raise RasterDataError(
                    f"{path.name}: a land-cover raster holds integer class codes; this one holds {dtype} values "
                    "(export it as Byte, UInt16, Int16 or Int32)")
            src_crs = CRS.from_wkt(ds.crs.to_wkt())
            dem_in_src = _transform_bounds(dem.crs, src_crs, dem.bounds)
            if not _overlap(tuple(ds.bounds), dem_in_src):
                log.info("land cover %s does not overlap the DEM; skipped", path.name)
                return None
            left, bottom, right, top = (max(dem_in_src[0], ds.bounds.left), max(dem_in_src[1], ds.bounds.bottom),
                                        min(dem_in_src[2], ds.bounds.right), min(dem_in_src[3], ds.bounds.top))
            window = from_bounds(left, bottom, right, top, transform=ds.transform)
            cells = int(np.ceil(window.width)) * int(np.ceil(window.height))
            if cells > max_cells:
                raise RasterDataError(
                    f"{path.name}: {cells:,} land-cover pixels lie under the study area, over the limit of "
                    f"{max_cells:,}; use a coarser land-cover product or a smaller area")
            work_dtype, fill = _working_type(dtype, ds.nodata)
            vrt_opts = {
                "crs": RioCRS.from_wkt(dem.crs.to_wkt()), "transform": dem.transform, "width": dem.width,
                "height": dem.height, "resampling": Resampling.mode, "tolerance": _WARP_TOLERANCE_PX,
                "nodata": fill, "dtype": work_dtype,
            }
            with WarpedVRT(ds, src_nodata=ds.nodata, **vrt_opts) as vrt:
                got = vrt.read(1).astype(np.int32)
            got[got == fill] = NO_CLASS
            return got
    except RasterioIOError as exc:
        raise UnreadableFileError(
            f"{path.name}: not a readable GeoTIFF ({exc}); land cover must be a GeoTIFF of class codes") from exc
    except RasterioError as exc:
        raise UnreadableFileError(
            f"{path.name}: the raster cannot be read ({exc}); is the file complete? download it again") from exc


def read_land_cover(
    sources: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    dem: Grid,
    *,
    table: ClassTable = WORLDCOVER_TABLE,
    unknown: UnknownPolicy = "error",
    max_cells: int = MAX_CELLS,
) -> LandCover:
    """Read categorical land-cover GeoTIFFs onto the DEM's lattice (majority of the classes under each cell).

    Parameters
    ----------
    sources
        One GeoTIFF or several (e.g. WorldCover tiles), any CRS; nodata taken from the files.
    dem
        The study grid (its lattice and CRS are used, not its heights).
    table
        The class table (default: ESA WorldCover).
    unknown
        ``"error"``: classes missing from the table raise, listed with their cell counts;
        ``"default"``: they get the default class, with a warning listing them.
    max_cells
        Refuse a source whose pixels under the study area exceed this, before reading them.

    Raises
    ------
    UnreadableFileError
        A missing file, not a GeoTIFF, a damaged file.
    RasterDataError
        No CRS, non-integer classes, no overlap with the DEM, only nodata, unknown classes.
    """
    paths = [Path(sources)] if isinstance(sources, (str, os.PathLike)) else [Path(s) for s in sources]
    if not paths:
        raise RasterDataError("no land-cover file given")
    if unknown not in ("error", "default"):
        raise RasterDataError(f"unknown must be 'error' or 'default', got {unknown!r}")
    # the classes, one source warped (its own type, then int32) and the fill mask: about 14 bytes a cell
    check_memory(14 * dem.width * dem.height, what=f"land cover on {dem.width:,} x {dem.height:,} cells")
    dest = np.full(dem.shape, NO_CLASS, dtype=np.int32)
    overlapping = 0
    for path in paths:
        got = _warp_source(path, dem, max_cells)
        if got is None:
            continue
        overlapping += 1
        fill = (dest == NO_CLASS) & (got != NO_CLASS)
        dest[fill] = got[fill]
    names = ", ".join(p.name for p in paths)
    if not overlapping:
        raise RasterDataError(f"the land cover ({names}) does not overlap the DEM grid {dem.bounds} ({dem.crs.name})")
    if not (dest != NO_CLASS).any():
        raise RasterDataError(
            f"the land cover ({names}) has no class over the study area (nodata everywhere); check its nodata "
            "value and the area it covers")
    warnings: list[str] = []
    values, counts = np.unique(dest, return_counts=True)
    unknown_counts = {int(v): int(n) for v, n in zip(values, counts, strict=True)
                      if v != NO_CLASS and int(v) not in set(table.codes)}
    if unknown_counts:
        listed = "; ".join(f"class {c}: {n:,} cells ({100.0 * n / dest.size:.2f} %)"
                           for c, n in sorted(unknown_counts.items()))
        if unknown == "error":
            raise RasterDataError(
                f"the land cover ({names}) has {len(unknown_counts)} class(es) that the table {table.name!r} does "
                f"not list: {listed}. Add them to a class table (class,clutter,height_m,...) or choose the "
                "right table")
        dest[np.isin(dest, list(unknown_counts))] = NO_CLASS
        warnings.append(f"land cover: classes missing from the table {table.name!r} use the default class "
                        f"open/rural: {listed}")
    holes = int((dest == NO_CLASS).sum()) - sum(unknown_counts.values())
    if holes:
        warnings.append(f"land cover: {holes:,} of {dest.size:,} cells ({100.0 * holes / dest.size:.2f} %) have no "
                        "land-cover data; the default class open/rural (clutter height 0 m) is used there")
    for w in warnings:
        log.warning(w)
    return LandCover(dem.with_values(dest, nodata=NO_CLASS), table, names, tuple(warnings))


def write_land_cover(land_cover: LandCover, path: str | os.PathLike[str], *,
                     tags: dict[str, str] | None = None) -> str:
    """Write the classes as a GeoTIFF on the DEM lattice and return :meth:`LandCover.describe`.

    Classes that fit in a byte (all of WorldCover's) are written as Byte with nodata 0
    (WorldCover's own convention), others as Int32 with nodata -1; cells without land
    cover are nodata. :func:`read_land_cover` reads the file back unchanged on the same grid.
    """
    values = land_cover.classes.values
    codes = land_cover.table.codes
    byte = all(1 <= c <= 255 for c in codes)
    nodata = 0 if byte else NO_CLASS
    out = np.where(values == NO_CLASS, nodata, values).astype(np.uint8 if byte else np.int32)
    meta = {"content": "land-cover class codes", "table": land_cover.table.name, "source": land_cover.source}
    write_grid(land_cover.classes.with_values(out, nodata=nodata), path, tags={**meta, **(tags or {})})
    return land_cover.describe()


def land_cover_for(
    dem: Grid,
    sources: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
    *,
    table: str | os.PathLike[str] | ClassTable | None = None,
    unknown: UnknownPolicy = "error",
) -> LandCover:
    """The land cover of a run: the given rasters on ``dem``'s grid, or :func:`default_land_cover` without any.

    This is the one call a scenario or the app needs (``[inputs] landcover = "landcover.tif"`` and an
    optional ``landcover_table = "classes.csv"``).

    Parameters
    ----------
    dem
        The study grid.
    sources
        Land-cover GeoTIFF(s), or ``None`` / empty for the default class everywhere (with a warning).
    table
        A class table file (CSV/TOML), a :class:`ClassTable`, or ``None`` for ESA WorldCover.
    unknown
        As for :func:`read_land_cover`.
    """
    from towerplan.landcover.table import read_class_table

    legend = WORLDCOVER_TABLE if table is None else table if isinstance(table, ClassTable) else read_class_table(table)
    if sources is None or (not isinstance(sources, (str, os.PathLike)) and not list(sources)):
        return default_land_cover(dem, table=legend)
    return read_land_cover(sources, dem, table=legend, unknown=unknown)
