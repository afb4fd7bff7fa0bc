"""Reading back ``towerplan coverage --sinr`` rasters and writing the speed outputs of ``towerplan gaps``.

``towerplan gaps --coverage DIR`` calls :func:`speed_outputs`: when ``DIR`` holds
``serving_<operator>_<tech>.tif`` (written by ``--sinr``), it runs the load model of
:mod:`towerplan.planning.speed` and writes ``speed_gaps.gpkg``, ``speed_sectors.csv``,
``speed_communes.csv`` (with communes), ``user_throughput_<operator>_<tech>_mbps.tif`` and
``speed_summary.json`` beside the coverage-gap outputs.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import geopandas as gpd

from towerplan._atomic import atomic_path
from towerplan.grid import Grid

__all__ = ["read_radio_rasters", "speed_outputs"]

log = logging.getLogger(__name__)

_SERVING = re.compile(r"^serving_(.+)_(4g|5g)\.tif$")


def read_radio_rasters(folder: Path) -> tuple[dict[tuple[str, str], Grid], dict[tuple[str, str], Grid]]:
    """(downlink rate, serving index) per (operator slug, technology) from a ``--sinr`` coverage folder.

    Empty when the folder has no ``serving_*.tif`` (coverage run without ``--sinr``).
    """
    from towerplan.rasters import read_grid

    rates: dict[tuple[str, str], Grid] = {}
    serving: dict[tuple[str, str], Grid] = {}
    for path in sorted(folder.glob("serving_*.tif")):
        m = _SERVING.match(path.name)
        if not m:
            continue
        slug, tech = m.group(1), m.group(2)
        rate_file = folder / f"throughput_dl_{slug}_{tech}_mbps.tif"
        if not rate_file.exists():
            rate_file = folder / f"throughput_dl_{slug}_mbps.tif"
        if not rate_file.exists():
            log.warning("%s has no matching throughput_dl raster; left out of the speed analysis", path.name)
            continue
        key = (slug, tech.upper())
        serving[key] = read_grid(path)
        rates[key] = read_grid(rate_file)
    return rates, serving


def speed_outputs(coverage: Path, population: Grid, communes: gpd.GeoDataFrame | None, out: Path) -> list[str]:
    """Run the speed analysis when ``coverage`` holds ``--sinr`` rasters; the file names written (else [])."""
    from towerplan.planning.speed import analyse_speed
    from towerplan.rasters import write_grid

    rates, serving = read_radio_rasters(coverage)
    if not rates:
        return []
    result = analyse_speed(rates, serving, population, communes=communes)
    out.mkdir(parents=True, exist_ok=True)
    files = ["speed_gaps.gpkg", "speed_sectors.csv", "speed_summary.json"]
    with atomic_path(out / "speed_gaps.gpkg") as tmp:
        result.speed_gaps.to_file(tmp, layer="speed_gaps", driver="GPKG", engine="pyogrio")
    with atomic_path(out / "speed_sectors.csv") as tmp:
        result.sectors.to_csv(tmp, index=False, encoding="utf-8-sig")
    if result.communes is not None:
        with atomic_path(out / "speed_communes.csv") as tmp:
            result.communes.to_csv(tmp, index=False, encoding="utf-8-sig")
        files.append("speed_communes.csv")
    for (slug, tech), grid in result.user_throughput_mbps.items():
        name = f"user_throughput_{slug}_{tech.lower()}_mbps.tif"
        write_grid(grid, out / name, dtype="float32", nodata=float("nan"))
        files.append(name)
    with atomic_path(out / "speed_summary.json") as tmp:
        Path(tmp).write_text(json.dumps(result.summary(), indent=2, ensure_ascii=False), encoding="utf-8")
    return files
