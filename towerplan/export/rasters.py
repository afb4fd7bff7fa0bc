"""The plan's rasters as cloud-optimised GeoTIFFs, tagged with what they hold."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from towerplan import __version__
from towerplan.grid import Grid
from towerplan.rasters import write_grid

__all__ = ["raster_units", "write_rasters"]


def raster_units(stem: str) -> str:
    """Unit of a raster named by its file stem."""
    if stem.endswith("_dbm"):
        return "dBm"
    if stem == "best_server":
        return "station index (see best_server_index.csv)"
    if stem == "server_count":
        return "number of cells at or above the threshold"
    if stem.endswith("_mbps"):
        return "Mbit/s"
    if stem.endswith("_db"):
        return "dB"
    if stem.startswith("serving_"):
        return "station index of the operator's serving sector (see best_server_index.csv)"
    if stem == "served_change":
        return "+1 served after plan B only, -1 after plan A only, 0 unchanged (towerplan compare)"
    if stem.startswith("uplink_limited_"):
        return "1 uplink-limited, 0 served both ways, 255 no downlink service"
    return ""


def write_rasters(rasters: dict[str, Grid], folder: Path, *, study_label: str) -> list[Path]:
    """Write each grid to ``folder/<stem>.tif`` (COG, deflate) and return the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for stem in sorted(rasters):
        grid = rasters[stem]
        tags = {
            "layer": stem,
            "units": raster_units(stem),
            "study": study_label,
            "software": f"towerplan {__version__}",
        }
        dtype = None
        if np.issubdtype(grid.values.dtype, np.floating) and grid.values.dtype != np.float32:
            dtype = "float32"
        paths.append(write_grid(grid, folder / f"{stem}.tif", dtype=dtype, tags=tags))
    return paths
