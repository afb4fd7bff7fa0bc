"""Public data for a study area: download, cache and prepare terrain, population, boundaries and roads.

>>> result = prepare_study_area("Thanh Hoa", "studies/thanh-hoa", cache_dir="~/.cache/towerplan")  # doctest: +SKIP

Modules:

* :mod:`~towerplan.sources.cache` — content-addressed download cache;
* :mod:`~towerplan.sources.http` — resumable ``urllib`` downloads (Range, retries, timeouts, sha256);
* :mod:`~towerplan.sources.dem` — SRTM / NASADEM / Copernicus tile names and hosts;
* :mod:`~towerplan.sources.landcover` — ESA WorldCover tile names and hosts;
* :mod:`~towerplan.sources.population` — WorldPop URLs, windowed alignment to the DEM grid;
* :mod:`~towerplan.sources.boundaries` — geoBoundaries, province names, units in an area;
* :mod:`~towerplan.sources.roads` — OSM through osmnx, or road lines, to a graph;
* :mod:`~towerplan.sources.build` — local files to a study area folder;
* :mod:`~towerplan.sources.study_area` — the whole ``towerplan fetch``;
* :mod:`~towerplan.sources.example` — the same pipeline on the Thanh Hóa files of ``../shared/data``.
"""

from towerplan.sources._common import (
    ChecksumError,
    DownloadError,
    FetchedFile,
    MissingFile,
    OfflineMissingError,
    Progress,
    ProgressCallback,
    Resource,
    ResourceNotFoundError,
)
from towerplan.sources.boundaries import find_unit, normalise_name, read_units, units_in_area
from towerplan.sources.build import StudyAreaResult, build_study_area
from towerplan.sources.cache import DownloadCache, sha256_file
from towerplan.sources.dem import DEM_PRODUCTS, dem_resources, tile_origins
from towerplan.sources.http import HttpOptions, download_file, fetch
from towerplan.sources.landcover import LANDCOVER_PRODUCTS, landcover_resources, worldcover_tile_name
from towerplan.sources.licences import LICENCES, Licence
from towerplan.sources.outputs import SourceRecord, StudyArea
from towerplan.sources.population import WORLDPOP_PRODUCTS, align_population_files, worldpop_resource
from towerplan.sources.roads import RURAL_ROAD_FILTER, osm_road_graph, road_graph_from_lines, write_road_network
from towerplan.sources.study_area import parse_area, parse_checksums, prepare_study_area

__all__ = [
    "DEM_PRODUCTS",
    "LANDCOVER_PRODUCTS",
    "LICENCES",
    "RURAL_ROAD_FILTER",
    "WORLDPOP_PRODUCTS",
    "ChecksumError",
    "DownloadCache",
    "DownloadError",
    "FetchedFile",
    "HttpOptions",
    "Licence",
    "MissingFile",
    "OfflineMissingError",
    "Progress",
    "ProgressCallback",
    "Resource",
    "ResourceNotFoundError",
    "SourceRecord",
    "StudyArea",
    "StudyAreaResult",
    "align_population_files",
    "build_study_area",
    "dem_resources",
    "download_file",
    "fetch",
    "landcover_resources",
    "find_unit",
    "normalise_name",
    "osm_road_graph",
    "parse_area",
    "parse_checksums",
    "prepare_study_area",
    "read_units",
    "road_graph_from_lines",
    "sha256_file",
    "tile_origins",
    "units_in_area",
    "worldcover_tile_name",
    "worldpop_resource",
    "write_road_network",
]
