"""Read station lists stored as geodata: GeoJSON, KML/KMZ and GeoPackage.

Each point feature is one row; its attributes (GeoJSON properties, KML
``ExtendedData``, GeoPackage fields) are the columns, and the point geometry
gives the coordinates (columns ``lon (geometry)`` and ``lat (geometry)``,
which win over any coordinate-like attribute). Row numbers are 1-based
feature numbers in file order. A feature without a point geometry is
reported, never dropped silently.
"""

from __future__ import annotations

import io
import json
import logging
import warnings
from typing import Any

from towerplan.errors import UnreadableFileError
from towerplan.stations.rawtable import MAX_BYTES, MAX_ROWS, RawTable, table_from_rows
from towerplan.stations.report import Issue
from towerplan.stations.text_decode import decode_text

__all__ = ["GEOMETRY_LAT", "GEOMETRY_LON", "kml_from_kmz", "read_geojson", "read_gpkg", "read_kml"]

log = logging.getLogger(__name__)

GEOMETRY_LON = "lon (geometry)"
GEOMETRY_LAT = "lat (geometry)"
_FORCED = {"lon": GEOMETRY_LON, "lat": GEOMETRY_LAT}


def _not_a_point(row: int, kind: str) -> Issue:
    return Issue(
        row,
        "geometry",
        "error",
        "not_a_point",
        f"the feature is a {kind}, not a point; give each station as a Point (its antenna position)",
        value=kind,
    )


def _assemble(
    features: list[tuple[dict[str, Any], Any, Any]],
    *,
    source_file: str,
    fmt: str,
    max_rows: int,
    issues: list[Issue],
) -> RawTable:
    """Rows from ``(attributes, lon, lat)`` per feature, columns in first-seen order."""
    if len(features) > max_rows:
        raise UnreadableFileError(f"{source_file}: more than {max_rows:,} features; split the file")
    columns: dict[str, None] = {}
    for attributes, _, _ in features:
        for key in attributes:
            if key not in _FORCED.values():
                columns.setdefault(str(key), None)
    names = [GEOMETRY_LON, GEOMETRY_LAT, *columns]
    rows = [[lon, lat, *(attributes.get(k) for k in columns)] for attributes, lon, lat in features]
    return table_from_rows(
        names,
        rows,
        list(range(1, len(rows) + 1)),
        source_file=source_file,
        fmt=fmt,
        max_rows=max_rows,
        issues=issues,
        keep_blank=True,  # a feature with no geometry and no attributes is still reported
        forced=dict(_FORCED),
    )


def _looks_like_degrees(x: Any, y: Any) -> bool:
    """Both numbers within longitude/latitude ranges: in a projected CRS, a point a few metres from its origin."""
    return _numeric(x) and _numeric(y) and abs(float(x)) <= 180.0 and abs(float(y)) <= 90.0


def _degrees_in_projected(row: int, crs_name: str, x: Any, y: Any) -> Issue:
    return Issue(
        row,
        "geometry",
        "error",
        "degrees_in_projected_crs",
        f"the coordinates ({x}, {y}) look like longitude/latitude degrees, but the file declares {crs_name} "
        "(metres); the file mixes coordinate systems: give every point in the declared CRS, or declare WGS 84",
        value=f"{x}, {y}",
        params={"crs": crs_name, "x": str(x), "y": str(y)},
    )


def _scalar(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


# ----------------------------------------------------------------------------- GeoJSON


def read_geojson(data: bytes, *, source_file: str, max_rows: int = MAX_ROWS) -> RawTable:
    """Read Point features of a GeoJSON FeatureCollection (a single Feature works too)."""
    text, _ = decode_text(data, name=source_file)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableFileError(
            f"{source_file}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc
    except RecursionError as exc:
        raise UnreadableFileError(f"{source_file}: JSON nested too deeply") from exc
    if isinstance(document, dict) and document.get("type") == "FeatureCollection":
        raw_features = document.get("features")
    elif isinstance(document, dict) and document.get("type") == "Feature":
        raw_features = [document]
    elif isinstance(document, list):
        raw_features = document
    else:
        raise UnreadableFileError(
            f"{source_file}: JSON but not GeoJSON (expected a FeatureCollection of Point features)"
        )
    if not isinstance(raw_features, list):
        raise UnreadableFileError(f"{source_file}: 'features' is not a list")
    transform, issues = _legacy_crs(document, source_file)
    projected_name = getattr(transform, "projected_name", None)
    features: list[tuple[dict[str, Any], Any, Any]] = []
    for number, feature in enumerate(raw_features, start=1):
        if not isinstance(feature, dict):
            issues.append(
                Issue(number, None, "error", "not_a_feature", "this entry of 'features' is not a GeoJSON Feature")
            )
            features.append(({}, "", None))
            continue
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            properties = {"properties": properties}
        attributes = {str(k): _scalar(v) for k, v in properties.items()}
        lon, lat = _geojson_point(feature.get("geometry"), number, issues)
        if projected_name and _looks_like_degrees(lon, lat):
            issues.append(_degrees_in_projected(number, projected_name, lon, lat))
            lon, lat = "", ""
        elif transform is not None and _numeric(lon) and _numeric(lat):
            lon, lat = transform(float(lon), float(lat))
        features.append((attributes, lon, lat))
    return _assemble(features, source_file=source_file, fmt="geojson", max_rows=max_rows, issues=issues)


def _numeric(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _geojson_point(geometry: Any, number: int, issues: list[Issue]) -> tuple[Any, Any]:
    if geometry is None:
        return None, None
    if not isinstance(geometry, dict):
        issues.append(_not_a_point(number, type(geometry).__name__))
        return "", ""
    kind = str(geometry.get("type"))
    coordinates = geometry.get("coordinates")
    if kind == "MultiPoint" and isinstance(coordinates, list) and len(coordinates) == 1:
        kind, coordinates = "Point", coordinates[0]
    if kind != "Point":
        issues.append(_not_a_point(number, kind))
        return "", ""
    if not isinstance(coordinates, list) or len(coordinates) < 2:
        return None, None
    return _scalar(coordinates[0]), _scalar(coordinates[1])


def _legacy_crs(document: Any, source_file: str) -> tuple[Any, list[Issue]]:
    """A transformer for the pre-RFC 7946 ``crs`` member when it is not WGS 84."""
    issues: list[Issue] = []
    if not isinstance(document, dict) or not isinstance(document.get("crs"), dict):
        return None, issues
    name = (document["crs"].get("properties") or {}).get("name")
    if not name:
        return None, issues
    from pyproj import CRS, Transformer
    from pyproj.exceptions import CRSError

    try:
        crs = CRS.from_user_input(name)
    except CRSError:
        issues.append(
            Issue(
                None,
                None,
                "warning",
                "unknown_crs",
                f"unknown 'crs' {name!r}; coordinates read as WGS 84",
                params={"crs": str(name)},
            )
        )
        return None, issues
    if crs.equals(CRS.from_epsg(4326), ignore_axis_order=True) or "CRS84" in str(name):
        return None, issues
    issues.append(
        Issue(
            None,
            None,
            "info",
            "reprojected",
            f"coordinates converted from {crs.name} to WGS 84 (EPSG:4326)",
            params={"crs": crs.name},
        )
    )
    return _Reproject(Transformer.from_crs(crs, 4326, always_xy=True), crs.name if crs.is_projected else None), issues


class _Reproject:
    """A coordinate transform that remembers whether its source CRS is projected (its name) or not (None)."""

    def __init__(self, transformer: Any, projected_name: str | None) -> None:
        self.transformer = transformer
        self.projected_name = projected_name

    def __call__(self, x: float, y: float) -> tuple[float, float]:
        return self.transformer.transform(x, y)


# ----------------------------------------------------------------------------- KML / KMZ


def kml_from_kmz(data: bytes, *, source_file: str, max_bytes: int = MAX_BYTES) -> bytes:
    """The KML document inside a KMZ (``doc.kml`` or the first ``.kml`` entry), size-limited.

    The archive goes through :func:`towerplan.safety.read_zip_member`: entries
    with absolute or ``..`` paths, symbolic links, zip bombs (by ratio or total
    size) and too many entries are refused before anything is unpacked.
    """
    from towerplan.safety import read_zip_member

    try:
        _, content = read_zip_member(
            data,
            suffix=".kml",
            prefer="doc.kml",
            name=source_file,
            max_bytes=max_bytes,
            max_total_bytes=max(5 * max_bytes, max_bytes),
        )
    except UnreadableFileError as exc:
        if "no .kml file inside" in str(exc):
            raise UnreadableFileError(f"{source_file}: a KMZ with no .kml document inside") from exc
        raise
    return content


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def read_kml(data: bytes, *, source_file: str, max_rows: int = MAX_ROWS) -> RawTable:
    """Read the Placemarks of a KML document (parsed with defusedxml: no entities, no DTD tricks)."""
    from defusedxml import DefusedXmlException
    from defusedxml import ElementTree as SafeET

    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise UnreadableFileError(
            f"{source_file}: the KML uses XML entities or a DTD (<!DOCTYPE ...>), refused for safety; "
            "KML needs neither: remove the DOCTYPE declaration and any &name; references"
        ) from exc
    except SafeET.ParseError as exc:
        raise UnreadableFileError(f"{source_file}: not well-formed XML ({exc})") from exc
    issues: list[Issue] = []
    features: list[tuple[dict[str, Any], Any, Any]] = []
    for number, placemark in enumerate((e for e in root.iter() if _local(e.tag) == "Placemark"), start=1):
        attributes: dict[str, Any] = {}
        lon: Any = None
        lat: Any = None
        for child in placemark:
            if _local(child.tag) == "name" and child.text and child.text.strip():
                attributes["name"] = child.text.strip()
        for element in placemark.iter():
            tag = _local(element.tag)
            if tag == "SimpleData" and element.get("name"):
                attributes[str(element.get("name"))] = (element.text or "").strip()
            elif tag == "Data" and element.get("name"):
                value = next((v.text for v in element if _local(v.tag) == "value"), None)
                attributes[str(element.get("name"))] = (value or "").strip()
        point = next((e for e in placemark.iter() if _local(e.tag) == "Point"), None)
        if point is not None:
            coords = next((e.text for e in point.iter() if _local(e.tag) == "coordinates"), None)
            parts = (coords or "").split()[0].split(",") if (coords or "").strip() else []
            if len(parts) >= 2:
                lon, lat = parts[0].strip(), parts[1].strip()
        else:
            kinds = [
                _local(e.tag)
                for e in placemark.iter()
                if _local(e.tag) in {"LineString", "Polygon", "LinearRing", "Model", "Track"}
            ]
            if kinds:
                issues.append(_not_a_point(number, kinds[0]))
                lon, lat = "", ""
        features.append((attributes, lon, lat))
    if not features:
        raise UnreadableFileError(f"{source_file}: the KML has no Placemark; add one Placemark per station")
    return _assemble(features, source_file=source_file, fmt="kml", max_rows=max_rows, issues=issues)


# ----------------------------------------------------------------------------- GeoPackage


def read_gpkg(data: bytes, *, source_file: str, max_rows: int = MAX_ROWS) -> RawTable:
    """Read the first point layer of a GeoPackage (any CRS; converted to WGS 84)."""
    import pyogrio

    issues: list[Issue] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            layers = pyogrio.list_layers(io.BytesIO(data))
            if len(layers) == 0:
                raise UnreadableFileError(f"{source_file}: the GeoPackage has no layer")
            point_layers = [str(n) for n, kind in layers if kind and "point" in str(kind).lower()]
            layer = point_layers[0] if point_layers else str(layers[0][0])
            info = pyogrio.read_info(io.BytesIO(data), layer=layer)
            if int(info.get("features") or 0) > max_rows:
                raise UnreadableFileError(f"{source_file}: more than {max_rows:,} features; split the file")
            frame = pyogrio.read_dataframe(io.BytesIO(data), layer=layer)
    except UnreadableFileError:
        raise
    except Exception as exc:  # pyogrio.errors.DataSourceError and GDAL errors
        raise UnreadableFileError(f"{source_file}: not a readable GeoPackage ({exc})") from exc
    if len(layers) > 1:
        issues.append(
            Issue(
                None,
                None,
                "info",
                "layer_used",
                f"read layer '{layer}' of {len(layers)}",
                params={"layer": layer, "count": len(layers)},
            )
        )
    geometry = getattr(frame, "geometry", None)
    if geometry is not None and frame.crs is None:
        issues.append(
            Issue(None, None, "warning", "crs_assumed", "the layer has no CRS; coordinates read as WGS 84 lon/lat")
        )
    degree_rows: dict[int, tuple[float, float]] = {}
    projected_name = ""
    if geometry is not None and frame.crs is not None and frame.crs.is_projected:
        for number, geom in enumerate(frame.geometry, start=1):
            if (
                geom is not None
                and not geom.is_empty
                and geom.geom_type == "Point"
                and _looks_like_degrees(float(geom.x), float(geom.y))
            ):
                degree_rows[number] = (float(geom.x), float(geom.y))
    if geometry is not None and frame.crs is not None and frame.crs.to_epsg() != 4326:
        issues.append(
            Issue(
                None,
                None,
                "info",
                "reprojected",
                f"converted from {frame.crs.name} to WGS 84",
                params={"crs": frame.crs.name},
            )
        )
        projected_name = frame.crs.name
        frame = frame.to_crs(4326)
    features: list[tuple[dict[str, Any], Any, Any]] = []
    attribute_columns = [c for c in frame.columns if c != "geometry"]
    for number, (_, record) in enumerate(frame.iterrows(), start=1):
        attributes = {str(c): _scalar(record[c]) for c in attribute_columns}
        geom = record["geometry"] if geometry is not None else None
        lon: Any = None
        lat: Any = None
        if geom is not None and not geom.is_empty:
            if geom.geom_type == "MultiPoint" and len(geom.geoms) == 1:
                geom = geom.geoms[0]
            if number in degree_rows:
                issues.append(_degrees_in_projected(number, projected_name, *degree_rows[number]))
                lon, lat = "", ""
            elif geom.geom_type == "Point":
                lon, lat = float(geom.x), float(geom.y)
            else:
                issues.append(_not_a_point(number, geom.geom_type))
                lon, lat = "", ""
        features.append((attributes, lon, lat))
    return _assemble(features, source_file=source_file, fmt="gpkg", max_rows=max_rows, issues=issues)
