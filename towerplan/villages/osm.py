"""OpenStreetMap village points: the Overpass query and its answer as a village table.

OSM maps settlements as ``place=*`` nodes (sometimes areas). The three rural classes
used here (OSM wiki, Key:place): ``village`` (a few hundred to a few thousand people),
``hamlet`` (under about 100-200 people; in Viet Nam mostly thôn and bản) and
``isolated_dwelling`` (one or two households). Areas are reduced to their centre
(Overpass ``out center``). OSM carries no household count or grid power, so those are
unknown; the commune is taken later from the loaded administrative units.

Pure functions: the query text and the parsing. The download (cache, mirror, offline)
is :mod:`towerplan.sources.villages`.
"""

from __future__ import annotations

import json
import logging
import unicodedata
from collections.abc import Sequence
from typing import Any

import geopandas as gpd

from towerplan.villages.table import VillageDataError, villages_frame

__all__ = ["OSM_PLACE_CLASSES", "overpass_village_query", "parse_overpass_villages"]

log = logging.getLogger(__name__)

#: OSM ``place`` values read as villages (Key:place on the OSM wiki)
OSM_PLACE_CLASSES = ("village", "hamlet", "isolated_dwelling")


def overpass_village_query(bounds: Sequence[float], *, timeout_s: int = 180,
                           places: Sequence[str] = OSM_PLACE_CLASSES) -> str:
    """Overpass QL for the village nodes, ways and relations in ``bounds`` (lon_min, lat_min, lon_max, lat_max).

    The answer is JSON with node coordinates and way/relation centres.
    """
    west, south, east, north = (float(v) for v in bounds)
    if not (west < east and south < north):
        raise VillageDataError(f"bad bounds for the village query: {tuple(bounds)}")
    bad = [p for p in places if not p.replace("_", "").isalpha()]
    if bad or not places:
        raise VillageDataError(f"bad OSM place classes {list(places)}")
    bbox = f"{south:.6f},{west:.6f},{north:.6f},{east:.6f}"
    pattern = "|".join(places)
    return (f'[out:json][timeout:{int(timeout_s)}];'
            f'(nwr["place"~"^({pattern})$"]({bbox}););'
            'out center tags;')


def _point(element: dict[str, Any]) -> tuple[float, float] | None:
    if "lon" in element and "lat" in element:
        return float(element["lon"]), float(element["lat"])
    centre = element.get("center")
    if isinstance(centre, dict) and "lon" in centre and "lat" in centre:
        return float(centre["lon"]), float(centre["lat"])
    return None


def parse_overpass_villages(data: bytes | str, *, source: str = "OpenStreetMap") -> gpd.GeoDataFrame:
    """The villages of an Overpass JSON answer (EPSG:4326, :data:`~towerplan.villages.table.VILLAGE_COLUMNS`).

    ``village_id`` is ``osm-<type>-<id>``; the name is ``name:vi``, else ``name``, else the
    place class and id (unnamed hamlets are kept: they are still people). Elements without
    a position are skipped.

    Raises
    ------
    VillageDataError
        Not an Overpass JSON answer.
    """
    try:
        doc = json.loads(data)
    except (ValueError, TypeError) as exc:
        raise VillageDataError(f"{source}: not an Overpass JSON answer ({exc})") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("elements"), list):
        raise VillageDataError(f"{source}: not an Overpass JSON answer (no 'elements' list)")
    records = []
    skipped = 0
    for el in doc["elements"]:
        if not isinstance(el, dict):
            skipped += 1
            continue
        tags = el.get("tags") or {}
        place = str(tags.get("place", ""))
        point = _point(el)
        if point is None or place not in OSM_PLACE_CLASSES:
            skipped += 1
            continue
        lon, lat = point
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            skipped += 1
            continue
        name = tags.get("name:vi") or tags.get("name") or f"{place} {el.get('id')}"
        households = tags.get("households") or tags.get("addr:households")
        try:
            hh = float(households) if households is not None else None
        except ValueError:
            hh = None
        records.append({
            "village_id": f"osm-{el.get('type', 'node')}-{el.get('id')}",
            "name": unicodedata.normalize("NFC", str(name)),
            "commune": None, "lon": lon, "lat": lat, "households": hh, "grid_power": None,
            "reported_no_signal": None, "place": place, "source": source,
        })
    if skipped:
        log.info("%s: %d element(s) without a position or a village class skipped", source, skipped)
    return villages_frame(records, source=source)
