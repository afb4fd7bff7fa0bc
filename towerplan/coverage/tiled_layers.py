"""What one tile of the tiled engine reads besides the DEM, and the layers it writes.

* **Land cover.** The tiled engine takes the clutter as a GeoTIFF on the DEM's
  lattice (:func:`write_clutter_raster`: three float32 bands, the representative
  clutter height R in metres, the P.1812 / SG3 clutter code and the P.2108 terminal
  clutter type, 0 where none), and each tile reads only its window
  (:func:`read_clutter_window`), the DEM window's rows and columns. A float32 band
  holds the small integer codes exactly.
* **Station numbering.** A tile computes with the sectors within reach of it,
  renumbered 0..m-1 in the order of their global station index (so ties still go
  to the lower index) with a carrier plan cut to them (:func:`local_sectors`); the
  station indices it writes (best server, serving sector per operator and technology)
  are mapped back to the global ones. Its payload then grows with the sectors near
  the tile, not with the whole station table.
* **Layers.** :func:`tile_layers` turns a tile's accumulators into the arrays written
  to its file: the coverage layers and, with SINR, the radio maps of
  :func:`towerplan.coverage.radio_maps.radio_maps` under ``radio:<file name>``. Every
  radio layer is computed cell by cell from that cell's accumulators, so a tile's
  values are the serial run's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from towerplan.coverage.clutter import ClutterGrid
from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.plan import Sectors
from towerplan.coverage.result import wrap_result
from towerplan.coverage.sinr import CarrierPlan, finish_sinr
from towerplan.errors import RasterDataError
from towerplan.grid import Grid

__all__ = ["check_clutter_raster", "local_sectors", "read_clutter_window", "tile_layers",
           "write_clutter_raster"]

_P2108_TAG = "P2108_TYPES"


def write_clutter_raster(clutter: ClutterGrid, lattice: Grid, path: str | Path) -> Path:
    """Write ``clutter`` (on ``lattice``, e.g. :meth:`towerplan.landcover.LandCover.to_clutter_grid`) for the
    tiled engine: a tiled, deflate-compressed GeoTIFF of three float32 bands (R m, SG3 code, P.2108 type)."""
    import rasterio

    if clutter.shape != lattice.shape:
        raise RasterDataError(f"the clutter grid {clutter.shape} is not on the DEM's grid {lattice.shape}")
    types = clutter.p2108_type
    out = Path(path)
    profile = {"driver": "GTiff", "height": lattice.height, "width": lattice.width, "count": 3, "dtype": "float32",
               "crs": lattice.crs.to_wkt(), "transform": lattice.transform, "tiled": True, "blockxsize": 256,
               "blockysize": 256, "compress": "deflate", "BIGTIFF": "IF_SAFER"}
    with rasterio.open(out, "w", **profile) as dst:
        dst.write(clutter.height_m.astype(np.float32), 1)
        dst.write(clutter.code.astype(np.float32), 2)
        dst.write((np.zeros(clutter.shape) if types is None else types).astype(np.float32), 3)
        dst.update_tags(**{_P2108_TAG: "no" if types is None else "yes"})
        dst.set_band_description(1, "clutter height R (m)")
        dst.set_band_description(2, "P.1812 clutter code (SG3)")
        dst.set_band_description(3, "P.2108 terminal clutter type")
    return out


def check_clutter_raster(path: str | Path, lattice: Grid) -> None:
    """Raise :class:`RasterDataError` unless ``path`` is a clutter raster on ``lattice`` (read at the driver)."""
    from towerplan.input_files import open_raster

    with open_raster(Path(path), what="clutter") as src:
        if src.count != 3 or (src.height, src.width) != lattice.shape or not src.transform.almost_equals(
                lattice.transform):
            raise RasterDataError(f"{path}: not a clutter raster on the DEM's lattice {lattice.shape} (three bands: "
                                  "R, SG3 code, P.2108 type; write it with write_clutter_raster)")


def read_clutter_window(path: str | Path, window: tuple[int, int, int, int]) -> ClutterGrid:
    """The clutter of rows ``window[0]:window[1]``, columns ``window[2]:window[3]`` of a
    :func:`write_clutter_raster` file."""
    from rasterio.windows import Window

    from towerplan.input_files import open_raster

    w0, w1, v0, v1 = window
    with open_raster(Path(path), what="clutter") as src:
        bands = src.read(window=Window(v0, w0, v1 - v0, w1 - w0))
        has_types = src.tags().get(_P2108_TAG) == "yes"
    return ClutterGrid(bands[0].astype(np.float32), bands[1].astype(np.uint8),
                       bands[2].astype(np.uint8) if has_types else None)


def local_sectors(sectors: Sectors, near: pd.DataFrame,
                  plan: CarrierPlan | None) -> tuple[Sectors, np.ndarray, CarrierPlan | None]:
    """The sectors ``near`` a tile renumbered 0..m-1, their global station indices, the plan cut to them."""
    global_index = near["station_index"].to_numpy(dtype=np.int64)
    if len(global_index) > 1 and not (np.diff(global_index) > 0).all():
        raise RasterDataError("the tiled engine needs the sectors in station-index order")
    local = near.reset_index(drop=True)
    local["station_index"] = np.arange(len(local))
    part = Sectors(local, sectors.operators, sectors.technologies, sectors.skipped.iloc[:0], sectors.patterns)
    if plan is not None:
        plan = dataclasses.replace(plan, codes=plan.codes[global_index], bandwidth_mhz=plan.bandwidth_mhz[global_index],
                                   uplink_gain_db=plan.uplink_gain_db[global_index])
    return part, global_index, plan


def _to_global(index: np.ndarray, global_index: np.ndarray) -> np.ndarray:
    return np.where(index >= 0, global_index[np.maximum(index, 0)] if len(global_index) else -1, -1).astype(np.int32)


def tile_layers(tile_grid: Grid, acc: dict[str, np.ndarray], holes: np.ndarray, sectors: Sectors,
                config: CoverageConfig, global_index: np.ndarray, *, sinr: tuple[CarrierPlan, dict[str, np.ndarray]]
                | None = None, slug: Callable[[str], str] = str) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The arrays a tile writes (layer name -> values) and its radio layers' ``(dtype, nodata)``.

    ``sinr``: the tile's carrier plan and SINR accumulators; ``slug`` names an operator in the radio
    layers' file names (``sinr_<slug>_db.tif``, as :meth:`RadioMaps.rasters`).
    """
    result = wrap_result(tile_grid, acc, holes, sectors, config, 0)
    layers = {"best_level": result.best_level.values,
              "best_server": _to_global(result.best_server.values, global_index),
              "second_level": result.second_level.values, "server_count": result.server_count.values,
              "path_loss": result.path_loss.values}
    layers.update({f"operator_{k}": g.values for k, g in enumerate(result.operator_levels.values())})
    layers.update({f"technology_{k}": g.values for k, g in enumerate(result.technology_levels.values())})
    kinds: dict[str, Any] = {}
    if sinr is not None:
        from towerplan.coverage.radio_maps import radio_maps

        plan, sinr_acc = sinr
        result = dataclasses.replace(result, sinr=finish_sinr(tile_grid, sinr_acc, holes, plan, config))
        for name, (grid, dtype, nodata) in radio_maps(result).rasters(slug).items():
            values = grid.values
            if name.startswith("serving_"):  # station indices of the serving sectors
                values = _to_global(values, global_index)
            layers[f"radio:{name}"] = values
            kinds[f"radio:{name}"] = (dtype, nodata)
    return layers, kinds
