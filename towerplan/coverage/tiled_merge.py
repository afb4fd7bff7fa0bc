"""Merging the tiled engine's per-tile files into GeoTIFFs, and its fault-tolerant Dask map.

The merge writes one layer at a time into a tiled GeoTIFF, tile by tile (memory: one
tile), then lets GDAL's COG driver lay it out as a cloud-optimised GeoTIFF (streamed).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from towerplan.coverage.executors import map_on_dask
from towerplan.errors import ConfigError
from towerplan.grid import Grid

__all__ = ["map_dask_resilient", "merge_tiles"]

log = logging.getLogger(__name__)


def _layer_keys(operators: Sequence[str], technologies: Sequence[str],
                layers: Mapping[str, tuple[str, float | None]]) -> dict[str, tuple[str, str, float | None]]:
    """Output layer name -> (key in the tile files, dtype, nodata)."""
    keys = {name: (name, dtype, nodata) for name, (dtype, nodata) in layers.items()}
    keys.update({f"operator:{op}": (f"operator_{k}", "float32", float("nan")) for k, op in enumerate(operators)})
    keys.update({f"technology:{t}": (f"technology_{k}", "float32", float("nan")) for k, t in enumerate(technologies)})
    return keys


def _file_name(layer: str) -> str:
    stem = layer.removesuffix(".tif")  # radio layers are named by their file name
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in stem.replace(":", "_"))
    return f"{safe}.tif"


def merge_tiles(tiles: Sequence[Any], paths: Mapping[int, Path], lattice: Grid, out: Path, *,
                operators: Sequence[str], technologies: Sequence[str],
                layers: Mapping[str, tuple[str, float | None]]) -> dict[str, Path]:
    """Write every layer of the tile files ``paths`` (tile index -> ``.npz``) to ``out/<layer>.tif``."""
    import rasterio
    import rasterio.shutil
    from rasterio.windows import Window

    from towerplan.rasters import compression_options

    missing = [t.index for t in tiles if t.index not in paths]
    if missing:
        raise ConfigError(f"{len(missing)} tile(s) have no result (first: {missing[:5]})")
    h, w = lattice.shape
    files: dict[str, Path] = {}
    for layer, (key, dtype, nodata) in _layer_keys(operators, technologies, layers).items():
        path = out / _file_name(layer)
        plain = out / f".{path.stem}.{os.getpid()}.plain.tif"
        profile = {"driver": "GTiff", "height": h, "width": w, "count": 1, "dtype": dtype,
                   "crs": lattice.crs.to_wkt(), "transform": lattice.transform, "nodata": nodata,
                   "tiled": True, "blockxsize": 512, "blockysize": 512, "compress": "deflate", "BIGTIFF": "IF_SAFER"}
        with rasterio.open(plain, "w", **profile) as dst:
            for tile in tiles:
                r0, r1, c0, c1 = tile.box
                with np.load(paths[tile.index]) as data:
                    dst.write(data[key].astype(dtype, copy=False), 1, window=Window(c0, r0, c1 - c0, r1 - r0))
        tmp = out / f".{path.stem}.{os.getpid()}.cog.tif"
        rasterio.shutil.copy(plain, tmp, driver="COG", overview_resampling="nearest", BIGTIFF="IF_SAFER",
                             **compression_options(dtype, "deflate"))
        plain.unlink()
        os.replace(tmp, path)
        files[layer] = path
    return files


def map_dask_resilient(fn: Callable[[dict[str, Any]], Any], tasks: Iterable[dict[str, Any]], *, workers: int,
                       scheduler: str | None, on_result: Callable[[Any], None], retries: int = 3) -> None:
    """Run ``fn`` on every task on a Dask cluster; a task on a lost worker is run again elsewhere.

    Unlike the engine's batch executor, tasks are submitted as plain arguments (no scattered data
    that would die with its worker), with ``retries``; they must be idempotent. ``scheduler`` is
    the address of a running scheduler (``tcp://host:8786``); None starts a local cluster.
    """
    map_on_dask(fn, tasks, workers=workers, scheduler=scheduler, on_result=on_result, scatter=False, retries=retries,
                key_prefix="towerplan-tile")
