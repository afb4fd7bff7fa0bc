"""``towerplan fetch``: prepare a study area from public data, a mirror, or the download cache.

Example::

    towerplan fetch --area "Thanh Hoa" --out studies/thanh-hoa --dem srtm1 --resolution-m 30

writes ``dem.tif``, ``population.tif``, ``province.gpkg``, ``communes.gpkg``,
``roads.gpkg`` + ``roads.graphml``, ``scenario.toml``, ``SOURCES.md`` and
``SOURCES.sha256`` into the folder. See ``docs/fetch.md``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from towerplan.errors import ConfigError
from towerplan.sources import (
    DEM_PRODUCTS,
    LANDCOVER_PRODUCTS,
    WORLDPOP_PRODUCTS,
    HttpOptions,
    Progress,
    parse_checksums,
    prepare_study_area,
)

__all__ = ["default_cache_dir", "register", "run"]


def default_cache_dir() -> Path:
    """``$TOWERPLAN_CACHE_DIR``, else ``$XDG_CACHE_HOME/towerplan``, else ``~/.cache/towerplan``
    (:func:`towerplan.study.scenario.default_cache_dir`; the library takes a path)."""
    from towerplan.study.scenario import default_cache_dir as study_cache_dir

    return study_cache_dir()


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``fetch`` sub-command."""
    p = subparsers.add_parser(
        "fetch",
        help="download and prepare a study area (DEM, population, boundaries, roads)",
        description="Prepare a ready study area folder from public open data (SRTM/NASADEM/Copernicus DEM, "
        "WorldPop, geoBoundaries, OpenStreetMap), through a download cache, optionally from a mirror or "
        "offline. Licences and origins of every file are written to SOURCES.md.",
    )
    p.add_argument("--area", required=True,
                   help='"lon_min,lat_min,lon_max,lat_max" (WGS 84), a polygon file, or a province name '
                        '("Thanh Hoa")')
    p.add_argument("--out", required=True, type=Path, help="output folder")
    p.add_argument("--dem", choices=list(DEM_PRODUCTS), default="srtm3", help="DEM source (default srtm3)")
    p.add_argument("--population", choices=[*WORLDPOP_PRODUCTS, "none"], default="worldpop",
                   help="WorldPop product (default worldpop: 1 km, unconstrained, UN-adjusted)")
    p.add_argument("--landcover", nargs="?", const="worldcover2021", default="none",
                   choices=[*LANDCOVER_PRODUCTS, "none"],
                   help="also fetch ESA WorldCover land cover (10 m, 3x3 degree tiles) into landcover.tif "
                        "(alone: worldcover2021; default none)")
    p.add_argument("--year", type=int, default=2020, help="population year (default 2020)")
    p.add_argument("--roads", default="osm", metavar="osm|none|FILE",
                   help="OpenStreetMap through osmnx (default), none, or a road-lines file")
    p.add_argument("--boundaries", default="geoboundaries", metavar="geoboundaries|none|FILE",
                   help="boundary source for province names and communes (default geoboundaries)")
    p.add_argument("--communes", type=Path, help="commune polygons file (default: geoBoundaries ADM2 units)")
    p.add_argument("--communes-level", default="ADM2", help="geoBoundaries level for communes.gpkg (default ADM2)")
    p.add_argument("--country", default="VNM", help="ISO3 code(s), comma-separated (default VNM)")
    p.add_argument("--mirror", metavar="URL", help="base URL (or folder) replacing every public host")
    p.add_argument("--offline", action="store_true", help="use only the cache; list what is missing")
    p.add_argument("--cache-dir", type=Path, default=None, help=f"download cache (default {default_cache_dir()})")
    p.add_argument("--resolution-m", type=float, default=30.0, help="grid cell size in metres (default 30)")
    p.add_argument("--margin-m", type=float, default=0.0, help="extra width around the area, metres")
    p.add_argument("--checksums", type=Path, metavar="FILE",
                   help="expected sha256 per file ('<sha256>  <name>' lines, e.g. a SOURCES.sha256)")
    p.add_argument("--timeout-s", type=float, default=60.0, help="timeout of each request, seconds (default 60)")
    p.add_argument("--retries", type=int, default=5, help="retries of a failing download (default 5)")
    p.add_argument("--proxy", metavar="URL", help="HTTP proxy ('' for none; default: the system settings)")
    p.add_argument("--overpass-url", metavar="URL", help="Overpass API base URL for OSM roads and villages")
    p.add_argument("--villages", action="store_true",
                   help="also fetch OpenStreetMap village points (place=village|hamlet|isolated_dwelling) "
                        "into villages.csv")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=run)


def _mirror_url(value: str | None) -> str | None:
    if not value:
        return None
    if value.startswith(("http://", "https://", "file://")):
        return value
    path = Path(value).expanduser()
    if path.is_dir():
        return path.resolve().as_uri()
    raise ConfigError(f"--mirror {value!r} is neither an http(s)/file URL nor an existing folder")


class ProgressPrinter:
    """Turns progress reports into lines on a stream (a live byte counter on a terminal)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.live = bool(getattr(stream, "isatty", lambda: False)())
        self._label = ""

    def __call__(self, event: Progress) -> None:
        if event.stage == "download":
            if self.live:
                total = f" of {event.total / 1e6:.1f}" if event.total else ""
                self.stream.write(f"\r  {event.label}  {event.done / 1e6:.1f}{total} MB   ")
                self.stream.flush()
            elif event.label != self._label:
                self.stream.write(f"  downloading {event.label}\n")
            self._label = event.label
            return
        if self.live and self._label:
            self.stream.write("\n")
        self._label = ""
        count = f" ({event.done}/{event.total})" if event.total else ""
        self.stream.write(f"{event.stage}: {event.label}{count}\n")
        self.stream.flush()


def run(args: argparse.Namespace) -> int:
    """Run ``towerplan fetch``; exit code 0 on success (errors are raised to the CLI's handler)."""
    options = HttpOptions(timeout_s=args.timeout_s, retries=args.retries, proxy=args.proxy)
    checksums = None
    if args.checksums is not None:
        checksums = parse_checksums(args.checksums.read_text(encoding="utf-8"))
    result = prepare_study_area(
        args.area,
        args.out,
        cache_dir=args.cache_dir or default_cache_dir(),
        dem=args.dem,
        population=args.population,
        landcover=args.landcover,
        roads=str(args.roads),
        boundaries=str(args.boundaries),
        communes=args.communes,
        communes_level=args.communes_level,
        country=args.country,
        population_year=args.year,
        mirror=_mirror_url(args.mirror),
        offline=args.offline,
        resolution_m=args.resolution_m,
        margin_m=args.margin_m,
        checksums=checksums,
        http=options,
        overpass_url=args.overpass_url,
        progress=None if args.quiet else ProgressPrinter(sys.stderr),
        villages=args.villages,
    )
    rows, cols = result.dem_shape
    print(f"study area {result.area.name!r} written to {result.out_dir}")
    print(f"  dem.tif: {rows} x {cols} cells of {args.resolution_m:g} m, {result.crs}")
    if result.population_total is not None:
        print(f"  population.tif: {result.population_total:,.0f} people on the grid")
    if "landcover.tif" in result.files:
        print("  landcover.tif: land-cover classes on the DEM grid (majority of the 10 m pixels)")
    if "villages.csv" in result.files:
        print("  villages.csv: OpenStreetMap village points in the area")
    others = [n for n in result.files if n not in ("dem.tif", "population.tif", "landcover.tif", "villages.csv")]
    print(f"  also: {', '.join(others)}")
    print("  licences and origins: SOURCES.md")
    return 0
