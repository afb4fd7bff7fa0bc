"""Tiled, out-of-core coverage: tiles with a halo of the maximum reach, one task each, merged on disk.

The study lattice (a GeoTIFF DEM already on the analysis grid, e.g. UTM at 90 m) is
cut into square tiles of ``tile_cells`` cells. The task of one tile reads from the
DEM file only its window: the tile plus a halo of twice the largest site radius
(sites within reach of the tile, and the lowest ground their Hata radius looks at),
plans the site groups that can reach the tile, runs them with the serial engine's
batch function (:func:`towerplan.coverage.engine.run_batch`, each site's window cut
to the tile, so the accumulators are the tile's size) and writes the tile's
layers (best level, best server, second level, server count, best level per
operator and per technology, path loss) to one compressed ``.npz`` file in the tile
folder. The merge then writes each layer as a tiled, cloud-optimised GeoTIFF, one
tile at a time. Memory per task depends on the tile and the reach, never on the
study area; the driver holds only the station table.

Results are bit-identical to :func:`towerplan.coverage.engine.run_coverage` on the
whole DEM: the same site groups (same radii: the window offset is a multiple of the
16-cell blocks the Hata reach bound uses), the same radials sampled at the same
global coordinates, and the same order-independent accumulation. One exception: DEM
holes are filled from the nearest valid height inside the window, so a hole that
reaches the window's edge may be filled differently (outputs are nodata in holes
either way); a window with no valid height at all (open sea) gives nodata.

Land cover (``clutter=``, a GeoTIFF on the lattice) is read by each tile for its DEM
window: P.1812's clutter profile and the P.2108 terminal loss of ITM and free space
see the serial run's values. SINR (``CoverageConfig(sinr=True)``) accumulates, per
tile, the serving level and sector per operator and technology and the integer power
sum per carrier, from the same sites (the halo holds every interferer that reaches
the tile: an interferer is a site within its radius, as for coverage); throughput and
uplink are computed cell by cell from those, so the radio rasters are the serial
run's too (:mod:`.tiled_layers`). Extra memory per task: 8 bytes per carrier and
8 per operator-technology pair for each cell of its tile.

Tasks are idempotent (a tile's file is written atomically and rewritten if its task
runs twice), so a Dask worker lost mid-run only costs its tasks being run again on
another worker. Every worker must see the DEM and the tile folder at the same paths
(a shared file system when the workers are on several machines).
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from affine import Affine

from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.engine import _PAD, _fill_dem, _new_acc, run_batch
from towerplan.coverage.executors import Executor, map_batches
from towerplan.coverage.plan import Sectors, plan_groups, prepare_stations
from towerplan.coverage.sinr import CarrierPlan, new_sinr_acc, plan_carriers
from towerplan.coverage.terminal_clutter import batch_clutter
from towerplan.coverage.tiled_layers import (
    check_clutter_raster,
    local_sectors,
    read_clutter_window,
    tile_layers,
)
from towerplan.errors import ConfigError
from towerplan.grid import Grid
from towerplan.heap import peak_rss_mb

__all__ = ["TileSpec", "TiledCoverage", "lattice_of", "plan_tiles", "run_coverage_tiled", "run_tile"]

log = logging.getLogger(__name__)

_BLOCK = 16  # window offsets are multiples of the Hata reach bound's block size (plan._MIN_BLOCK)
#: layer name -> (GeoTIFF dtype, nodata)
LAYERS: dict[str, tuple[str, float | None]] = {
    "best_level": ("float32", float("nan")),
    "best_server": ("int32", -1),
    "second_level": ("float32", float("nan")),
    "server_count": ("int32", None),
    "path_loss": ("float32", float("nan")),
}


@dataclass(frozen=True)
class TileSpec:
    """One tile: its cells ``box`` = (r0, r1, c0, c1) of the lattice and the DEM ``window`` read for it."""

    index: int
    box: tuple[int, int, int, int]
    window: tuple[int, int, int, int]

    def __post_init__(self) -> None:
        r0, r1, c0, c1 = self.box
        w0, w1, v0, v1 = self.window
        if not (w0 <= r0 < r1 <= w1 and v0 <= c0 < c1 <= v1):
            raise ConfigError(f"tile {self.index}: box {self.box} must lie inside its window {self.window}")
        if w0 % _BLOCK or v0 % _BLOCK:
            raise ConfigError(f"tile {self.index}: window origin must be a multiple of {_BLOCK} cells")


def halo_cells(config: CoverageConfig, res_m: float) -> int:
    """Halo around a tile, in cells: twice the largest radius (reach and its reach bound) plus margins."""
    return 2 * (math.ceil(config.max_radius_m / res_m) + 3) + _PAD + _BLOCK


def plan_tiles(shape: tuple[int, int], *, tile_cells: int, halo: int) -> list[TileSpec]:
    """Square tiles of ``tile_cells`` (a multiple of 16) covering ``shape``, with their DEM windows."""
    if tile_cells < _BLOCK or tile_cells % _BLOCK:
        raise ConfigError(f"tile_cells must be a positive multiple of {_BLOCK}, got {tile_cells}")
    h, w = shape
    tiles: list[TileSpec] = []
    for r0 in range(0, h, tile_cells):
        for c0 in range(0, w, tile_cells):
            r1, c1 = min(r0 + tile_cells, h), min(c0 + tile_cells, w)
            w0 = max(r0 - halo, 0) // _BLOCK * _BLOCK
            v0 = max(c0 - halo, 0) // _BLOCK * _BLOCK
            tiles.append(TileSpec(len(tiles), (r0, r1, c0, c1), (w0, min(r1 + halo, h), v0, min(c1 + halo, w))))
    return tiles


def lattice_of(path: str | os.PathLike[str]) -> Grid:
    """The DEM's lattice (transform, CRS, shape) as a Grid whose values take no memory."""
    from pyproj import CRS

    from towerplan.input_files import open_raster

    with open_raster(Path(path), what="DEM") as src:
        return Grid(np.broadcast_to(np.float64(0.0), (src.height, src.width)), src.transform,
                    CRS.from_wkt(src.crs.to_wkt()), None)


def _read_window(path: Path, window: tuple[int, int, int, int], lattice: Grid) -> Grid:
    from rasterio.windows import Window

    from towerplan.input_files import open_raster

    w0, w1, v0, v1 = window
    with open_raster(path, what="DEM") as src:
        values = src.read(1, window=Window(v0, w0, v1 - v0, w1 - w0))
        nodata = src.nodata
    t = lattice.transform
    left, top = t.c + v0 * t.a, t.f + w0 * t.e
    return Grid(values, Affine(t.a, 0.0, left, 0.0, t.e, top), lattice.crs, nodata)


def run_tile(task: dict[str, Any]) -> dict[str, Any]:
    """Compute one tile and write its layers to ``task['out']`` (a top-level function: it pickles)."""
    t0 = time.perf_counter()
    tile: TileSpec = task["tile"]
    config: CoverageConfig = task["config"]
    sectors: Sectors = task["sectors"]
    plan: CarrierPlan | None = task.get("sinr")
    dem_path = Path(task["dem"])
    lattice = lattice_of(dem_path)
    window = _read_window(dem_path, tile.window, lattice)
    clutter = read_clutter_window(task["clutter"], tile.window) if task.get("clutter") else None
    w0, _, v0, _ = tile.window
    r0, r1, c0, c1 = tile.box
    if window.valid_mask().any():
        z, holes = _fill_dem(window)
        groups = [g for g in plan_groups(sectors, lattice, z, config, offset=(w0, v0))
                  if g.box[0] < r1 and g.box[1] > r0 and g.box[2] < c1 and g.box[3] > c0]
    else:  # e.g. open sea: no heights anywhere in reach, so no site to plan and nodata everywhere
        z, holes, groups = np.zeros(window.shape), np.ones(window.shape, dtype=bool), []
    left, _, _, top = lattice.bounds
    geo = (left, top, lattice.res[0], lattice.res[1])
    n_ops, n_techs = len(sectors.operators), len(sectors.technologies)
    shape = (r1 - r0, c1 - c0)
    if groups:  # accumulated over the tile only (each site's window is cut to it): tile-sized accumulators
        part = run_batch({"dem": z, "off": (w0, v0), "geo": geo, "config": config, "box": tile.box, "groups": groups,
                          "n_ops": n_ops, "n_techs": n_techs, "threads": task.get("threads"), "sinr": plan,
                          **batch_clutter(clutter, {g.model for g in groups}, (0, z.shape[0], 0, z.shape[1]))})
        acc, sinr_acc = part["acc"], part.get("sinr_acc")
    else:
        acc, sinr_acc = _new_acc(shape, n_ops, n_techs), new_sinr_acc(shape, plan) if plan is not None else None
    tile_grid = Grid(np.broadcast_to(np.float64(0.0), shape), lattice.transform @ Affine.translation(c0, r0),
                     lattice.crs, None)
    tile_holes = holes[r0 - w0: r1 - w0, c0 - v0: c1 - v0]
    layers, radio = tile_layers(tile_grid, acc, tile_holes, sectors, config, task["global_index"],
                                sinr=None if plan is None or sinr_acc is None else (plan, sinr_acc),
                                slug=task.get("slug") or str)
    out = Path(task["out"]) / f"tile_{tile.index:06d}.npz"
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp.npz")
    np.savez_compressed(tmp, **layers)  # type: ignore[arg-type]
    os.replace(tmp, out)  # atomic: a task run twice (lost worker) rewrites the same file
    return {"tile": tile.index, "path": str(out), "n_groups": len(groups), "seconds": time.perf_counter() - t0,
            "max_rss_mb": peak_rss_mb(), "radio_layers": radio}


# ---------------------------------------------------------------- driver
@dataclass(frozen=True)
class TiledCoverage:
    """Outputs of :func:`run_coverage_tiled`: one cloud-optimised GeoTIFF per layer, and per-tile figures.

    ``files`` maps a layer name (``best_level``, ``best_server``, ``second_level``, ``server_count``,
    ``path_loss``, ``operator:<name>``, ``technology:<name>``, and with SINR ``radio:<file name>``, the
    file names of :meth:`~towerplan.coverage.radio_maps.RadioMaps.rasters`) to its GeoTIFF; ``tiles``
    has one row per tile (sites computed, seconds, peak resident memory of the process that ran it, MB).
    ``radio_summary``: with SINR, the serial run's ``coverage_summary.json`` ``radio`` entry (SINR and
    rate percentiles; :func:`~towerplan.coverage.tiled_summary.tiled_radio_summary`), else None.
    """

    files: dict[str, Path]
    tiles: pd.DataFrame
    stations: pd.DataFrame
    skipped: pd.DataFrame
    timings: dict[str, float]
    radio_summary: dict[str, Any] | None = None


def _tile_tasks(tiles: list[TileSpec], sectors: Sectors, lattice: Grid, config: CoverageConfig, dem: Path,
                out: Path, threads: int | None, *, clutter: Path | None, plan: CarrierPlan | None,
                slug: Callable[[str], str] | None) -> Iterator[dict[str, Any]]:
    table = sectors.table
    t = lattice.transform
    reach = config.max_radius_m + 4 * max(lattice.res)
    for tile in tiles:
        r0, r1, c0, c1 = tile.box
        x0, x1 = t.c + c0 * t.a - reach, t.c + c1 * t.a + reach
        y1, y0 = t.f + r0 * t.e + reach, t.f + r1 * t.e - reach
        near = table[(table["x"] >= x0) & (table["x"] <= x1) & (table["y"] >= y0) & (table["y"] <= y1)]
        part, global_index, local_plan = local_sectors(sectors, near, plan)
        yield {"tile": tile, "sectors": part, "global_index": global_index, "config": config, "dem": str(dem),
               "out": str(out), "threads": threads, "clutter": str(clutter) if clutter else None, "sinr": local_plan,
               "slug": slug}


def run_coverage_tiled(
    dem_path: str | os.PathLike[str],
    stations: pd.DataFrame,
    out_dir: str | os.PathLike[str],
    *,
    config: CoverageConfig | None = None,
    tile_cells: int = 1024,
    executor: Executor = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    clutter: str | os.PathLike[str] | None = None,
    slug: Callable[[str], str] | None = None,
) -> TiledCoverage:
    """Coverage of ``stations`` over the DEM GeoTIFF at ``dem_path``, tile by tile, written to ``out_dir``.

    Parameters
    ----------
    dem_path
        A GeoTIFF already on the analysis lattice (projected, metric; e.g. the output of
        ``towerplan.terrain`` written with :func:`towerplan.rasters.write_grid`). Tiles read only
        their windows from it.
    stations
        As for :func:`towerplan.coverage.engine.run_coverage`.
    out_dir
        Folder for the layers (``<layer>.tif``) and the per-tile files (``tiles/``).
    config
        :class:`CoverageConfig` (defaults if None).
    tile_cells
        Tile side in cells (a multiple of 16). Memory per task grows with
        ``(tile_cells + 4 * max_radius / resolution) ** 2``, not with the area.
    executor, workers, scheduler
        As for ``run_coverage``: ``"dask"`` with ``scheduler="tcp://host:port"`` uses a running
        cluster; tasks are retried on another worker when one is lost.
    progress
        Called as ``progress(done_tiles, total_tiles)``.
    clutter
        The land cover as a clutter GeoTIFF on the DEM's lattice
        (:func:`~towerplan.coverage.tiled_layers.write_clutter_raster`); each tile reads its window.
        Used as by ``run_coverage(clutter=...)``: P.1812's clutter profile, and the P.2108 terminal
        clutter loss of ITM and free space.
    slug
        With ``config.sinr``: how an operator's name is written in the radio layers' names
        (``radio:sinr_<slug>_db.tif`` ...; a top-level function, it travels to the workers;
        default: the name as it is). SINR adds to each tile ``8 bytes x carriers + 8 bytes x
        operator-technology pairs`` per cell of the tile's computation window, and its rasters
        are computed tile by tile: identical to the serial run's.
    """
    from towerplan.coverage.tiled_merge import merge_tiles

    config = config or CoverageConfig()
    t0 = time.perf_counter()
    dem = Path(dem_path)
    out = Path(out_dir)
    tile_dir = out / "tiles"
    tile_dir.mkdir(parents=True, exist_ok=True)
    lattice = lattice_of(dem)
    lattice.require_metric()
    sectors = prepare_stations(stations, lattice, config)
    plan = plan_carriers(sectors.table, stations, config) if config.sinr else None
    clutter_path = Path(clutter) if clutter is not None else None
    if clutter_path is not None:
        check_clutter_raster(clutter_path, lattice)
    tiles = plan_tiles(lattice.shape, tile_cells=tile_cells, halo=halo_cells(config, min(lattice.res)))
    rows: list[dict[str, Any]] = []

    def done(part: dict[str, Any]) -> None:
        rows.append(part)
        if progress is not None:
            progress(len(rows), len(tiles))

    n_workers = max(1, workers or (2 if executor != "serial" else 1))
    threads = None if executor == "serial" else 1
    tasks = _tile_tasks(tiles, sectors, lattice, config, dem, tile_dir, threads, clutter=clutter_path, plan=plan,
                        slug=slug)
    t1 = time.perf_counter()
    if executor == "dask":
        from towerplan.coverage.tiled_merge import map_dask_resilient

        map_dask_resilient(run_tile, tasks, workers=n_workers, scheduler=scheduler, on_result=done)
    else:
        map_batches(run_tile, tasks, executor=executor, workers=n_workers, on_result=done, n_tasks=len(tiles))
    t2 = time.perf_counter()
    table = pd.DataFrame(rows).sort_values("tile").reset_index(drop=True)
    files = merge_tiles(tiles, {int(r["tile"]): Path(r["path"]) for r in rows}, lattice, out,
                        operators=sectors.operators, technologies=sectors.technologies,
                        layers={**LAYERS, **(rows[0]["radio_layers"] if rows else {})})
    radio_summary: dict[str, Any] | None = None
    if plan is not None:  # the percentiles need the whole grid: from the merged rasters, as the serial run's
        from towerplan.coverage.tiled_summary import tiled_radio_summary

        radio_summary = (tiled_radio_summary(files, plan, config, slug or str) if plan.pairs
                         else {"note": "no 4G or 5G sectors"})
    t3 = time.perf_counter()
    timings = {"prepare": t1 - t0, "compute": t2 - t1, "merge": t3 - t2, "total": t3 - t0}
    log.info("tiled coverage: %d tiles, %d sectors in %.1f s", len(tiles), int(sectors.table["usable"].sum()),
             t3 - t0)
    return TiledCoverage(files, table, sectors.table.drop(columns=["op_code", "tech_code"]), sectors.skipped,
                         timings, radio_summary)
