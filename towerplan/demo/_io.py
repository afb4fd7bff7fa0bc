"""Write the demo province to a folder, and keep a cached copy per (version, seed, resolution)."""

from __future__ import annotations

import logging
import math
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from towerplan import __version__
from towerplan._atomic import atomic_path
from towerplan.demo._generate import (
    DEFAULT_RESOLUTION_M,
    DEFAULT_SEED,
    DEMO_LABEL,
    DEMO_VERSION,
    DemoProvince,
    check_options,
    make_demo,
)
from towerplan.demo._people import TOTAL_PEOPLE
from towerplan.rasters import write_grid

__all__ = ["DEMO_FILES", "demo_dir", "stations_csv_bytes", "write_demo"]

log = logging.getLogger(__name__)

#: the files :func:`write_demo` writes, by key
DEMO_FILES = {
    "dem": "dem.tif",
    "population": "population.tif",
    "landcover": "landcover.tif",
    "stations": "stations.csv",
    "communes": "communes.gpkg",
    "roads": "roads.gpkg",
    "province": "province.gpkg",
    "readme": "README.txt",
}


def _fmt(value: float, *, decimals: int | None = None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.{decimals}f}" if decimals is not None else f"{value:g}"


def stations_csv_bytes(stations: pd.DataFrame) -> bytes:
    """The station table as UTF-8 CSV: canonical column order, 6-decimal lon/lat, empty omni azimuth."""
    text = stations.copy()
    for col in ("lon", "lat"):
        text[col] = [_fmt(v, decimals=6) for v in stations[col]]
    for col in ("antenna_height_m", "azimuth_deg", "tilt_deg", "h_beamwidth_deg", "v_beamwidth_deg",
                "freq_mhz", "eirp_dbm"):  # fmt: skip
        text[col] = [_fmt(float(v)) for v in stations[col]]
    return text.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _cover_shares(demo: DemoProvince) -> str:
    if demo.landcover is None:
        return "none"
    names = {10: "tree cover", 20: "shrubland", 30: "grassland", 40: "cropland", 50: "built-up", 80: "water",
             95: "mangroves"}
    codes, counts = np.unique(demo.landcover.values, return_counts=True)
    total = demo.landcover.values.size
    shares = [(names.get(int(c), str(c)), 100.0 * n / total) for c, n in zip(codes, counts, strict=True)]
    return ", ".join(f"{name} {pct:.0f} %" for name, pct in shares if pct >= 0.5)


def _readme(demo: DemoProvince) -> str:
    st = demo.stations
    sites = st.drop_duplicates("site_id")
    shared = int((st.groupby("site_id")["operator"].nunique() > 1).sum())
    per_op = st.groupby("operator")["site_id"].nunique().to_dict()
    return f"""{DEMO_LABEL.upper()}

THIS IS SYNTHETIC DATA. Nothing here describes a real place, network or population.
Terrain, land cover, people, communes, roads and base stations were invented by a
seeded random generator so that towerplan can be tried without real inputs. The area
is placed over Thanh Hóa (Viet Nam) only so that maps look plausible. Every name
contains "Demo". Do not use it for planning, reporting or any decision.

Generator: towerplan {__version__}, demo generator version {DEMO_VERSION}
Seed: {demo.seed}
Resolution: {demo.resolution_m:g} m ({demo.dem.width} x {demo.dem.height} cells)
Coordinate reference system: EPSG:32648 (WGS 84 / UTM zone 48N); stations.csv lon/lat in WGS 84
Regenerate: towerplan demo --out DIR --seed {demo.seed} --resolution-m {demo.resolution_m:g}

Files
  dem.tif          elevation (m above sea level, float32; 0 = sea), Cloud-Optimised GeoTIFF
  population.tif   people per cell (float32) on the same grid; 0 outside the province
                   and at sea; total {float(np.sum(demo.population.values, dtype=np.float64)):,.0f}
                   (the generator scales the total to {TOTAL_PEOPLE:,.0f})
  landcover.tif    land cover (uint8 ESA WorldCover class codes, 0 = nodata) on the same
                   grid, drawn from the synthetic terrain, rivers and towns (not observed):
                   {_cover_shares(demo)}
  stations.csv     {len(st)} cells on {len(sites)} sites ({shared} shared by two or three
                   operators): {", ".join(f"{k} {v}" for k, v in sorted(per_op.items()))} sites;
                   canonical towerplan columns
  communes.gpkg    {len(demo.communes)} communes in {demo.communes["district"].nunique()} districts
                   (commune_id, name, district, population, area_km2, source)
  roads.gpkg       {len(demo.roads)} road segments (road_class, name, length_m, source)
  province.gpkg    the province outline
Every vector layer has source = "towerplan synthetic demo".
"""


def write_demo(
    out_dir: str | os.PathLike[str],
    *,
    seed: int = DEFAULT_SEED,
    resolution_m: float = DEFAULT_RESOLUTION_M,
) -> dict[str, Path]:
    """Generate the demo province and write its files into ``out_dir``.

    Each file is written atomically (a temporary sibling renamed into place).

    Parameters
    ----------
    out_dir
        Folder to write into (created if missing); existing demo files are replaced.
    seed, resolution_m
        As for :func:`towerplan.demo.make_demo`.

    Returns
    -------
    dict
        The path of every file written, by key (see :data:`DEMO_FILES`).
    """
    seed, resolution_m = check_options(seed=seed, resolution_m=resolution_m)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    demo = make_demo(seed=seed, resolution_m=resolution_m)
    paths = {key: out / name for key, name in DEMO_FILES.items()}
    tags = {"source": DEMO_LABEL, "towerplan_demo_version": str(DEMO_VERSION), "seed": str(demo.seed)}
    write_grid(demo.dem, paths["dem"], tags={**tags, "content": "elevation, metres above sea level"})
    write_grid(demo.population, paths["population"], tags={**tags, "content": "people per cell"})
    if demo.landcover is not None:
        content = "land cover, ESA WorldCover 10 m v200 class codes (synthetic, not observed)"
        write_grid(demo.landcover, paths["landcover"], dtype="uint8", nodata=0, tags={**tags, "content": content})
    with atomic_path(paths["stations"]) as tmp:
        tmp.write_bytes(stations_csv_bytes(demo.stations))
    for key in ("communes", "roads", "province"):
        with atomic_path(paths[key]) as tmp:
            getattr(demo, key).to_file(tmp, driver="GPKG", layer=key, engine="pyogrio")
    with atomic_path(paths["readme"]) as tmp:
        tmp.write_text(_readme(demo), encoding="utf-8")
    log.info("wrote the synthetic demo province to %s", out)
    return paths


def _complete(folder: Path) -> bool:
    return all((folder / name).is_file() for name in DEMO_FILES.values())


def demo_dir(
    cache_dir: str | os.PathLike[str],
    *,
    seed: int = DEFAULT_SEED,
    resolution_m: float = DEFAULT_RESOLUTION_M,
) -> Path:
    """The folder of demo files for (seed, resolution), generated on first use.

    The folder is ``cache_dir/demo-<version>-<seed>-<resolution>m/``. It is built
    in a temporary folder beside it and renamed into place, so a reader never
    sees a half-written one and two processes racing to create it both end up
    with a complete folder (the loser's copy is discarded).

    Parameters
    ----------
    cache_dir
        Where cached demos live (the caller decides, e.g. ``~/.cache/towerplan``).
    seed, resolution_m
        As for :func:`towerplan.demo.make_demo`.
    """
    seed, resolution_m = check_options(seed=seed, resolution_m=resolution_m)
    cache = Path(cache_dir)
    final = cache / f"demo-{DEMO_VERSION}-{seed}-{resolution_m:g}m"
    if _complete(final):
        return final
    cache.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=cache))
    try:
        write_demo(tmp, seed=seed, resolution_m=resolution_m)
        try:
            os.rename(tmp, final)
        except OSError:
            if not _complete(final):
                # an incomplete folder left by someone else: move it aside, then take its place
                stale = Path(tempfile.mkdtemp(prefix=f".{final.name}.stale.", dir=cache))
                os.replace(final, stale / "old")
                shutil.rmtree(stale, ignore_errors=True)
                os.rename(tmp, final)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    log.info("synthetic demo province cached in %s", final)
    return final
