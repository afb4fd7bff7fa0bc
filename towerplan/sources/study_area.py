"""``prepare_study_area``: fetch public data for an area and write a ready study area folder.

The area is a ``lon_min,lat_min,lon_max,lat_max`` box, a polygon file, or a
province name looked up (accents and case ignored) in the boundary source.
Downloads go through the cache (:mod:`towerplan.sources.http`); then
:func:`towerplan.sources.build.build_study_area` writes the folder.

Offline mode plans every download, serves what the cache has and, if anything
is missing, raises :class:`OfflineMissingError` listing each file with the URLs
an online run would fetch. A mirror (``mirror=``) replaces every public host;
if it publishes a ``SHA256SUMS`` file (``<sha256>  <path below the mirror>``),
every file is checked against it.
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import networkx as nx
import pandas as pd
import shapely
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from towerplan._atomic import atomic_path
from towerplan.errors import ConfigError, InputError
from towerplan.sources import boundaries as gb
from towerplan.sources._common import (
    FetchedFile,
    MissingFile,
    OfflineMissingError,
    Progress,
    ProgressCallback,
    Resource,
    ResourceNotFoundError,
    join_url,
    report,
)
from towerplan.sources.build import StudyAreaResult, build_study_area, expand_area
from towerplan.sources.cache import DownloadCache, sha256_file
from towerplan.sources.dem import dem_product, dem_resources
from towerplan.sources.http import HttpOptions, download_bytes, fetch
from towerplan.sources.landcover import landcover_product, landcover_resources
from towerplan.sources.licences import licence
from towerplan.sources.outputs import SourceRecord, StudyArea, local_record, record_from_fetched
from towerplan.sources.population import WORLDPOP_PRODUCTS, check_iso3, worldpop_resource
from towerplan.sources.roads import DEFAULT_OVERPASS_URL, osm_cache_key, osm_road_graph, road_graph_from_lines
from towerplan.sources.villages import osm_villages, villages_resource
from towerplan.terrain import area_geometry
from towerplan.textsafe import visible
from towerplan.vectors import read_roads

__all__ = ["parse_area", "parse_checksums", "prepare_study_area"]

log = logging.getLogger(__name__)

_BBOX = re.compile(r"^\s*" + r"\s*,\s*".join([r"(-?\d+(?:\.\d*)?)"] * 4) + r"\s*$")
_VECTOR_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".kml", ".gml", ".fgb", ".zip")


def parse_area(area: str | tuple[float, float, float, float] | BaseGeometry) -> StudyArea | str:
    """A :class:`StudyArea` for a box or polygon (file), or the name to look up.

    Raises
    ------
    ConfigError
        A malformed box, or a file name that does not exist.
    """
    if isinstance(area, (BaseGeometry, tuple)):
        try:
            geom = area_geometry(area)
        except InputError as exc:
            raise ConfigError(str(exc)) from exc
        return StudyArea(_box_name(geom.bounds), geom if isinstance(area, BaseGeometry) else box(*geom.bounds),
                         "polygon" if isinstance(area, BaseGeometry) else "bbox")
    text = str(area).strip()
    _refuse_non_numeric_box(text)
    match = _BBOX.match(text)
    if match:
        values = tuple(float(v) for v in match.groups())
        if not (values[0] < values[2] and values[1] < values[3]):
            raise ConfigError(f"--area {text!r} is not a valid longitude/latitude box: give "
                              "lon_min,lat_min,lon_max,lat_max with min < max")
        try:
            geom = area_geometry(values)
        except InputError as exc:
            raise ConfigError(f"--area {text!r}: {exc}") from exc
        _refuse_huge(values, text)
        return StudyArea(_box_name(values), geom, "bbox")
    path = Path(text).expanduser()
    if path.is_file():
        units = gb.read_units(path)
        geom = shapely.union_all(units.geometry.values)
        _refuse_huge(geom.bounds, path.name)
        return StudyArea(path.stem, geom, "polygon", (("file", path.name),))
    if path.suffix.lower() in _VECTOR_SUFFIXES or os.sep in text:
        raise ConfigError(f"--area {text!r}: no such file (give a box lon_min,lat_min,lon_max,lat_max, "
                          "a polygon file or a province name)")
    if not text or re.fullmatch(r"[\s\d.,;+-]*", text):
        raise ConfigError(f"--area {text!r} is neither a box lon_min,lat_min,lon_max,lat_max nor a name")
    return text


#: widest study area prepared, degrees of longitude or latitude (a province spans 1-3; Vietnam 8 x 15)
MAX_AREA_SPAN_DEG = 20.0


def _refuse_non_numeric_box(text: str) -> None:
    """``nan,nan,nan,nan`` or ``1,2,x,4`` is a mistyped box, not a province name."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 4 or all(re.fullmatch(r"-?\d+(?:\.\d*)?", p) for p in parts):
        return
    for part in parts:
        try:
            value = float(part)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise ConfigError(f"--area {visible(text)!r} looks like a box but {visible(part)!r} is not a finite "
                              "number: give lon_min,lat_min,lon_max,lat_max in degrees, or a province name")


def _refuse_huge(bounds: Sequence[float], shown: str) -> None:
    """One short message for an area far larger than a study (a whole-world box listed 64,800 missing tiles)."""
    west, south, east, north = bounds
    if east - west > MAX_AREA_SPAN_DEG or north - south > MAX_AREA_SPAN_DEG:
        raise ConfigError(
            f"--area {visible(shown)!r} spans {east - west:g} x {north - south:g} degrees, more than the "
            f"{MAX_AREA_SPAN_DEG:g} x {MAX_AREA_SPAN_DEG:g} a study area may: give a province or a smaller box"
        )


def _box_name(bounds: Sequence[float]) -> str:
    return "box " + ",".join(f"{v:g}" for v in bounds)


def parse_checksums(text: str) -> dict[str, str]:
    """Lines ``<sha256>  <name>`` (``sha256sum`` output) as ``{name: sha256}``; comments and blanks skipped."""
    out: dict[str, str] = {}
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 1)
        if len(parts) != 2 or not re.fullmatch(r"[0-9a-fA-F]{64}", parts[0]):
            raise ConfigError(f"checksum line {n} is not '<sha256>  <file>': {line!r}")
        out[parts[1].strip().lstrip("*")] = parts[0].lower()
    return out


@dataclass
class _Fetcher:
    """Fetches resources, collecting what offline mode misses and the records for SOURCES.md."""

    cache: DownloadCache
    options: HttpOptions
    offline: bool
    progress: ProgressCallback
    checksums: Mapping[str, str]
    missing: list[MissingFile] = field(default_factory=list)
    records: list[SourceRecord] = field(default_factory=list)

    def get(self, resource: Resource, role: str, *, required: bool = True) -> FetchedFile | None:
        """The file, or None (offline and not cached: noted in ``missing`` when ``required``)."""
        expected = self.checksums.get(resource.key) or self.checksums.get(resource.filename)
        resource = resource.with_sha256(expected)
        got = fetch(resource, cache=self.cache, options=self.options, offline=self.offline,
                    progress=self.progress)
        if got is None:
            known_absent = resource.optional and self.cache.is_absent(resource.key)
            if self.offline and required and not known_absent:
                self.missing.append(MissingFile(resource.key, resource.urls, resource.description))
            return None
        if role:
            self.records.append(record_from_fetched(got, role))
        return got


def _countries(country: str | Sequence[str]) -> tuple[str, ...]:
    items = [country] if isinstance(country, str) else list(country)
    codes = tuple(check_iso3(c) for item in items for c in str(item).split(",") if c.strip())
    if not codes:
        raise ConfigError("at least one country code is needed (e.g. VNM)")
    return codes


def _geoboundaries(f: _Fetcher, iso: str, level: str, mirror: str | None, role: str) -> gpd.GeoDataFrame | None:
    meta_file = f.get(gb.geoboundaries_metadata_resource(iso, level, mirror=mirror), "", required=False)
    metadata = gb.geoboundaries_metadata(meta_file.path if meta_file else None)
    data = f.get(gb.geoboundaries_resource(iso, level, mirror=mirror, metadata=metadata), role)
    return gb.read_units(data.path) if data else None


def _boundary_units(
    f: _Fetcher, source: str, countries: Sequence[str], level: str, mirror: str | None, role: str
) -> gpd.GeoDataFrame | None:
    if source == "none":
        return None
    if source == "geoboundaries":
        frames = [g for iso in countries if (g := _geoboundaries(f, iso, level, mirror, role)) is not None]
        return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=4326) if frames else None
    path = Path(source).expanduser()
    if not path.is_file():
        raise ConfigError(f"boundaries: {source!r} is neither 'geoboundaries', 'none' nor an existing file")
    f.records.append(local_record(path, role, licence("user")))
    return gb.read_units(path)


def _roads(
    f: _Fetcher, roads: str, area: StudyArea, *, overpass_url: str, timeout_s: float
) -> nx.MultiDiGraph | None:
    if roads == "none":
        return None
    if roads != "osm":
        path = Path(roads).expanduser()
        if not path.is_file():
            raise ConfigError(f"roads: {roads!r} is neither 'osm', 'none' nor an existing file")
        f.records.append(local_record(path, "roads", licence("user")))
        lines = read_roads(path).to_crs(4326)
        lines = lines[lines.intersects(area.geometry)]
        return road_graph_from_lines(gpd.clip(lines, area.geometry))
    import osmnx as ox

    key = osm_cache_key(area.geometry)
    cached = f.cache.derived_dir / key
    query_url = overpass_url.rstrip("/") + "/interpreter"
    if not cached.is_file():
        if f.offline:
            f.missing.append(MissingFile(key, (query_url,), "OpenStreetMap roads (Overpass query, via osmnx)"))
            return None
        graph = osm_road_graph(area.geometry, cache_dir=f.cache.osmnx_dir, overpass_url=overpass_url,
                               timeout_s=timeout_s, rate_limit=overpass_url == DEFAULT_OVERPASS_URL)
        with atomic_path(cached) as tmp:
            ox.save_graphml(graph, tmp)
    graph = ox.load_graphml(cached)
    f.records.append(SourceRecord(
        "roads", cached.name, f"{query_url} (osmnx graph_from_polygon, rural road filter)", licence("osm"),
        sha256_file(cached), cached.stat().st_size, _mtime_utc(cached)))
    return graph


def _villages(f: _Fetcher, study: StudyArea, overpass_url: str, mirror: str | None) -> gpd.GeoDataFrame | None:
    """OSM village points inside the study area (None offline when not cached: listed as missing)."""
    f.progress(Progress("villages", "OpenStreetMap", 0, None, "steps"))
    got = f.get(villages_resource(study.geometry, overpass_url=overpass_url, mirror=mirror), "villages")
    return osm_villages(str(got.path), study.geometry) if got is not None else None


def _check_choices(*, dem: str, population: str, roads: str, boundaries: str, communes: object) -> None:
    """Fail before any download on a misspelt source or a missing file."""
    dem_product(dem)
    if population != "none" and population not in WORLDPOP_PRODUCTS:
        raise ConfigError(f"unknown population source {population!r}; choose one of "
                          f"{', '.join([*WORLDPOP_PRODUCTS, 'none'])}")
    choices = (("roads", roads, ("osm", "none")), ("boundaries", boundaries, ("geoboundaries", "none")))
    for what, value, words in choices:
        if value not in words and not Path(value).expanduser().is_file():
            raise ConfigError(f"{what}: {value!r} is neither {words[0]!r}, 'none' nor an existing file")
    if communes is not None and not Path(str(communes)).expanduser().is_file():
        raise ConfigError(f"communes: {communes} is not an existing file")


def _mtime_utc(path: Path) -> str:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _landcover_files(f: _Fetcher, landcover: str, wide: StudyArea, *, mirror: str | None,
                     progress: ProgressCallback) -> list[FetchedFile]:
    """The land-cover tiles of the area (none when ``landcover`` is ``"none"``)."""
    if landcover == "none":
        return []
    progress(Progress("landcover", landcover, 0, None, "steps"))
    return [got for r in landcover_resources(wide.geometry, product=landcover, mirror=mirror)
            if (got := f.get(r, "landcover"))]


def _require_landcover(lc_files: list[FetchedFile], landcover: str, wide: StudyArea, *,
                       mirror: str | None) -> None:
    """ResourceNotFoundError when land cover was asked for and no tile exists for the area."""
    if landcover != "none" and not lc_files:
        tried = [u for r in landcover_resources(wide.geometry, product=landcover, mirror=mirror) for u in r.urls]
        raise ResourceNotFoundError(f"no land-cover tile of {landcover} exists for the area; tried: "
                                    f"{', '.join(tried)}", url=tried[0] if tried else None)


def prepare_study_area(
    area: str | tuple[float, float, float, float] | BaseGeometry,
    out_dir: str | os.PathLike[str],
    *,
    cache_dir: str | os.PathLike[str],
    dem: str = "srtm3",
    population: str = "worldpop",
    landcover: str = "none",
    roads: str = "osm",
    boundaries: str = "geoboundaries",
    communes: str | os.PathLike[str] | None = None,
    communes_level: str = "ADM2",
    country: str | Sequence[str] = "VNM",
    population_year: int = 2020,
    mirror: str | None = None,
    offline: bool = False,
    resolution_m: float = 30.0,
    margin_m: float = 0.0,
    checksums: Mapping[str, str] | None = None,
    http: HttpOptions | None = None,
    overpass_url: str | None = None,
    progress: ProgressCallback | None = None, villages: bool = False,
) -> StudyAreaResult:
    """Download (or take from the cache) everything a study area needs and write the folder.

    Parameters
    ----------
    area
        ``"lon_min,lat_min,lon_max,lat_max"`` (EPSG:4326), a polygon file, a
        boundary name (``"Thanh Hoa"`` matches "Thanh Hóa"), a 4-tuple or a shapely polygon.
    out_dir
        The study area folder.
    cache_dir
        Download cache folder (shared between runs and study areas).
    dem
        ``srtm3``, ``srtm1``, ``nasadem``, ``copernicus30`` or ``copernicus90``.
    population
        A key of :data:`towerplan.sources.population.WORLDPOP_PRODUCTS`, or ``"none"``.
    landcover
        A key of :data:`towerplan.sources.landcover.LANDCOVER_PRODUCTS` (ESA WorldCover tiles,
        written as ``landcover.tif``), or ``"none"`` (default).
    roads
        ``"osm"`` (osmnx / Overpass), ``"none"``, or a road-lines file.
    boundaries
        ``"geoboundaries"``, ``"none"``, or a file of ADM1 polygons (used for names).
    communes
        A file of commune polygons; default: geoBoundaries ``communes_level`` units.
    country
        ISO 3166 alpha-3 code(s) for WorldPop and geoBoundaries (``"VNM"``, ``"VNM,LAO"``).
    population_year
        WorldPop year.
    mirror
        Base URL replacing every public host (layout in ``docs/fetch.md``).
    offline
        Use only the cache; list what is missing.
    resolution_m
        Raster cell size, metres.
    margin_m
        Extra width of terrain, population and roads around the area.
    checksums
        Expected sha256 by resource key or file name (e.g. a previous ``SOURCES.sha256``).
    http
        Download settings (timeouts, retries, proxy).
    overpass_url
        Overpass API base URL; default ``<mirror>/overpass`` with a mirror, else the public one.
    progress
        Progress callback.
    villages
        Also fetch OSM village points into ``villages.csv`` (:mod:`towerplan.sources.villages`).

    Raises
    ------
    OfflineMissingError
        Offline, and files are not in the cache (all are listed).
    ResourceNotFoundError, DownloadError, ChecksumError
        A download failed (the URL is named).
    ConfigError
        Bad area, unknown source names, unknown province.
    """
    progress = report(progress)
    options = http or HttpOptions()
    countries = _countries(country)
    _check_choices(dem=dem, population=population, roads=roads, boundaries=boundaries, communes=communes)
    if landcover != "none":
        landcover_product(landcover)
    sums: dict[str, str] = {}
    if mirror and not offline:
        published = download_bytes(join_url(mirror, "SHA256SUMS"), options=options)
        if published is not None:
            sums = parse_checksums(published.decode("utf-8", errors="replace"))
            log.info("the mirror publishes %d checksums", len(sums))
    sums.update(checksums or {})  # the caller's own list wins
    f = _Fetcher(DownloadCache(Path(cache_dir)), options, offline, progress, sums)

    request = parse_area(area)
    progress(Progress("boundaries", request if isinstance(request, str) else request.name, 0, None, "steps"))
    if isinstance(request, str):
        adm1 = _boundary_units(f, boundaries, countries, "ADM1", mirror, "boundaries")
        if adm1 is None:
            if f.missing:
                raise OfflineMissingError(f.missing, note="the province name is resolved from these boundaries")
            raise ConfigError(f"the area {request!r} is a name, which needs boundaries (not --boundaries none)")
        unit = gb.find_unit(adm1, request)
        attrs = tuple((c, str(unit.at[0, c])) for c in ("shapeName", "shapeISO") if c in unit)
        study = StudyArea(str(unit.at[0, "shapeName"]) if "shapeName" in unit else request,
                          unit.geometry.iloc[0], "boundary", attrs)
    else:
        study = request
    if communes is not None:
        unit_source: str = str(communes)
    else:
        unit_source = boundaries if boundaries == "geoboundaries" else "none"
    units = _boundary_units(f, unit_source, countries, communes_level, mirror, "communes")
    units = gb.units_in_area(units, study.geometry) if units is not None else None

    wide = expand_area(study, margin_m)
    progress(Progress("dem", dem, 0, None, "steps"))
    dem_files = [got for r in dem_resources(wide.geometry, product=dem, mirror=mirror) if (got := f.get(r, "dem"))]
    pop_files: list[FetchedFile] = []
    if population != "none":
        progress(Progress("population", population, 0, None, "steps"))
        for iso in countries:
            got = f.get(worldpop_resource(iso, product=population, year=population_year, mirror=mirror), "population")
            if got is not None:
                pop_files.append(got)
    lc_files = _landcover_files(f, landcover, wide, mirror=mirror, progress=progress)
    progress(Progress("roads", roads, 0, None, "steps"))
    default_overpass = join_url(mirror, "overpass") if mirror else DEFAULT_OVERPASS_URL
    graph = _roads(f, roads, wide, overpass_url=overpass_url or default_overpass, timeout_s=max(options.timeout_s, 180))
    village_points = _villages(f, study, overpass_url or default_overpass, mirror) if villages else None
    if f.missing:
        raise OfflineMissingError(f.missing)
    if not dem_files:
        tried = [u for r in dem_resources(wide.geometry, product=dem, mirror=mirror) for u in r.urls]
        raise ResourceNotFoundError(f"no DEM tile of {dem} exists for the area; tried: {', '.join(tried)}",
                                    url=tried[0] if tried else None)
    _require_landcover(lc_files, landcover, wide, mirror=mirror)
    spec = dem_product(dem)
    notes = [f"DEM: {spec.title}, {len(dem_files)} tile(s), heights above {spec.vertical_datum}"]
    if lc_files:
        notes.append(f"Land cover: {landcover_product(landcover).title}, {len(lc_files)} tile(s), classes "
                     "resampled by majority to the DEM grid (mapping to radio clutter: docs/DESIGN.md, Land cover)")
    if units is not None and communes is None and boundaries == "geoboundaries":
        notes.append(f"communes.gpkg holds geoBoundaries {communes_level} units (in Viet Nam ADM2 = districts)")
    return build_study_area(
        study, out_dir, dem_paths=[d.path for d in dem_files], population_paths=[p.path for p in pop_files],
        landcover_paths=[p.path for p in lc_files],
        communes=units, road_graph=graph, records=f.records, resolution_m=resolution_m, margin_m=margin_m,
        notes=notes, progress=progress, villages=village_points,
    )
