"""Station lists: read, normalise and validate the cells of mobile networks.

One row per sector (cell) in the canonical schema :data:`CANONICAL_COLUMNS`::

    load = read_stations("viettel.xlsx", study_area=(104.4, 19.3, 106.1, 20.7))
    load.stations        # GeoDataFrame, EPSG:4326, valid sectors only
    load.rejected        # rows with errors, original values + source_row
    load.report.to_frame()   # row, column, severity, code, message, value, file

Readers: CSV (UTF-8, UTF-8 BOM, UTF-16, Windows-1258; ``,`` ``;`` or tab;
decimal comma), XLSX, GeoJSON, KML/KMZ, GeoPackage and OpenCelliD dumps.
Headers are recognised in English and Vietnamese (``Kinh độ``, ``Vĩ độ``,
``Độ cao anten``, ``Góc phương vị``, ``Nhà mạng``, ``Mã trạm``, ...).

Modules: :mod:`.schema` (columns, defaults, operators, bands), :mod:`.coords`
(DMS), :mod:`.values` (numbers and units), :mod:`.headers` (aliases),
:mod:`.readers` / :mod:`.readers_excel` / :mod:`.readers_geo` (formats),
:mod:`.validate` / :mod:`.sectors` / :mod:`.fields` / :mod:`.crosscheck` (rules), :mod:`.report`
(issues), :mod:`.api` (entry points).
"""

from __future__ import annotations

from towerplan.stations.api import combine_loads, project_stations, read_many, read_stations, write_stations_csv
from towerplan.stations.coords import format_dms, parse_coordinate
from towerplan.stations.headers import HEADER_ALIASES
from towerplan.stations.rawtable import MAX_BYTES, MAX_ROWS
from towerplan.stations.readers import FORMATS, OPENCELLID_COLUMNS, detect_format
from towerplan.stations.report import (
    REPORT_COLUMNS,
    Issue,
    Language,
    Severity,
    StationLoad,
    ValidationReport,
    severity_label,
)
from towerplan.stations.schema import (
    BANDS,
    CANONICAL_COLUMNS,
    LIMITS,
    OPERATORS,
    TECHNOLOGIES,
    StationDefaults,
    resolve_band,
    resolve_operator,
    resolve_technology,
)
from towerplan.stations.validate import normalise_study_area, validate_stations

__all__ = [
    "BANDS",
    "combine_loads",
    "CANONICAL_COLUMNS",
    "FORMATS",
    "HEADER_ALIASES",
    "LIMITS",
    "MAX_BYTES",
    "MAX_ROWS",
    "OPENCELLID_COLUMNS",
    "OPERATORS",
    "REPORT_COLUMNS",
    "TECHNOLOGIES",
    "Issue",
    "Language",
    "Severity",
    "StationDefaults",
    "StationLoad",
    "ValidationReport",
    "detect_format",
    "format_dms",
    "normalise_study_area",
    "parse_coordinate",
    "project_stations",
    "read_many",
    "read_stations",
    "resolve_band",
    "resolve_operator",
    "resolve_technology",
    "severity_label",
    "validate_stations",
    "write_stations_csv",
]
