"""``towerplan coverage --tile-cells N``: the tiled, out-of-core engine behind the coverage command.

A single projected GeoTIFF already at ``--resolution-m`` is read by each tile task from
its own window (never whole); other DEM inputs are first resampled onto the analysis
lattice (in memory, as the plain command does) and written to ``dem_analysis.tif``.
With ``--executor dask --scheduler tcp://host:port`` the tiles run on a running cluster;
the DEM and the output folder must then be on a file system every worker sees.

``--landcover`` is read onto the analysis lattice once (by majority, as the plain
command does; about 12 bytes a cell in the driver) and written to
``clutter_analysis.tif``, from which each tile reads its window. ``--sinr`` writes the
same radio rasters as the plain command (``sinr_<operator>_db.tif`` ...), computed
tile by tile, and the same ``radio`` summary (SINR and rate percentiles, from the merged rasters).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
from pathlib import Path
from typing import Any

from towerplan._atomic import atomic_path
from towerplan.coverage.config import CoverageConfig

__all__ = ["run_tiled"]


def _analysis_dem(args: argparse.Namespace, out: Path) -> Path:
    from towerplan.input_files import open_raster
    from towerplan.rasters import write_grid
    from towerplan.workflow import read_study_dem

    paths = list(args.dem)
    if len(paths) == 1 and paths[0].suffix.lower() in (".tif", ".tiff"):
        with open_raster(paths[0], what="DEM") as src:  # GeoTIFF by content, GDAL network off
            ok = (src.crs is not None and src.crs.is_projected
                  and math.isclose(abs(src.res[0]), args.resolution_m, rel_tol=1e-9))
        if ok:
            return paths[0]
    dem = read_study_dem(paths, resolution_m=args.resolution_m)
    return write_grid(dem, out / "dem_analysis.tif", dtype="float32")


def _clutter(args: argparse.Namespace, dem: Path, out: Path) -> tuple[Path | None, dict[str, Any] | None]:
    """``--landcover``: the clutter raster on the analysis lattice for the tiles, and the summary's land cover."""
    if not (args.landcover or args.landcover_table):
        return None, None
    from towerplan.coverage.tiled import lattice_of
    from towerplan.coverage.tiled_layers import write_clutter_raster
    from towerplan.study.inputs import read_study_land_cover

    lattice = lattice_of(dem)
    cover = read_study_land_cover(list(args.landcover) if args.landcover else None, lattice,
                                  table=args.landcover_table)
    land = cover.summary()
    summary = {"source": "default class" if cover.source == "none" else cover.source, "table": land["table"],
               "warnings": land["warnings"]}
    if cover.source == "none":
        return None, summary
    return write_clutter_raster(cover.to_clutter_grid(), lattice, out / "clutter_analysis.tif"), summary


def run_tiled(args: argparse.Namespace, config: CoverageConfig, stations: Any, *, slug: Any) -> dict[str, Any]:
    """Run the tiled engine for the coverage command; return its summary (files renamed as the command's)."""
    from towerplan.coverage.tiled import run_coverage_tiled

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    dem = _analysis_dem(args, out)
    clutter, land_cover = _clutter(args, dem, out)
    result = run_coverage_tiled(dem, stations, out / "tiled", config=config, tile_cells=args.tile_cells,
                                executor=args.executor, workers=args.workers, scheduler=args.scheduler,
                                clutter=clutter, slug=slug)
    names = {"best_level": "best_rsrp_dbm.tif", "best_server": "best_server.tif",
             "server_count": "server_count.tif", "second_level": "second_rsrp_dbm.tif"}
    if args.write_loss:
        names["path_loss"] = "path_loss_db.tif"
    files = []
    for layer, path in result.files.items():
        kind, _, key = layer.partition(":")
        name = names.get(layer) or (f"rsrp_{slug(key)}_dbm.tif" if kind == "operator" else
                                    f"level_{key.lower()}_dbm.tif" if kind == "technology" else
                                    key if kind == "radio" else None)
        if name is None:
            path.unlink()
            continue
        os.replace(path, out / name)
        files.append(name)
    table = result.stations
    cols = [c for c in ("site_id", "cell_id", "operator", "technology", "model", "usable", "source_row")
            if c in table.columns]
    index = table[cols].copy()
    index.insert(0, "station_index", table["station_index"].to_numpy() if "station_index" in table else table.index)
    shutil.rmtree(out / "tiled")  # the per-tile files, now merged
    with atomic_path(out / "stations_index.csv") as tmp:
        index.to_csv(tmp, index=False, encoding="utf-8")
    summary: dict[str, Any] = {
        "tiled": {"tile_cells": args.tile_cells, "tiles": len(result.tiles),
                  "max_rss_mb": float(result.tiles["max_rss_mb"].max()),
                  "tile_seconds_median": float(result.tiles["seconds"].median())},
        "stations": {"used": int(table["usable"].sum()), "skipped": len(result.skipped)},
        "settings": config.to_dict(),
        "timings_s": {k: round(v, 3) for k, v in result.timings.items()},
        "files": sorted([*files, "coverage_summary.json", "stations_index.csv"]),
        **({"land_cover": land_cover} if land_cover is not None else {}),
        **({"radio": result.radio_summary} if result.radio_summary is not None else {}),
        "inputs": {"dem": [str(p) for p in args.dem], "stations": str(args.stations),
                   "resolution_m": args.resolution_m, "executor": args.executor, "workers": args.workers,
                   "scheduler": args.scheduler},
    }
    with atomic_path(out / "coverage_summary.json") as tmp:
        Path(tmp).write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
    print(f"coverage (tiled): {summary['stations']['used']} sectors, {len(result.tiles)} tiles of "
          f"{args.tile_cells} cells, peak {summary['tiled']['max_rss_mb']:,.0f} MB per worker; "
          f"{len(summary['files'])} files in {out} ({result.timings['total']:.1f} s)")
    return summary
