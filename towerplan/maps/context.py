"""Context layers of every study map: commune outlines and roads, as light as the map's scale allows.

Vectors are simplified to ~11 m (1e-4 degree) and rounded to ~1 m (5 decimals): the map's pixels
are 20-150 m at the zooms the app opens on, and full precision tripled the page size.

Roads are drawn as one feature per road class (the class's segments merged into lines,
:func:`shapely.line_merge`), minor classes first so that major roads stay on top. As one GeoJSON
feature per segment, the demo's 616 road pieces took 160 KB of each map page (a bounding box, an
id, the class and a style entry per piece) and 616 Leaflet layers; per class they take ~45 KB and
5 layers, with the same lines, colours and widths (``bench/README.md``, "Overview page load:
the first page's elements and a lighter map", issue 20 item 6). Nothing about a road is shown
but its line (no tooltip, no popup).
"""

from __future__ import annotations

from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from towerplan.i18n import t
from towerplan.maps.layers import ROAD_STYLES

__all__ = ["DISPLAY_DECIMALS", "DISPLAY_TOLERANCE_DEG", "add_context", "display_vectors", "road_features",
           "road_style"]

DISPLAY_TOLERANCE_DEG = 1e-4
DISPLAY_DECIMALS = 5
#: a road without a class (or with one not in ROAD_STYLES) is drawn as this
_DEFAULT_STYLE = ("#f4a582", 2.0)


def display_vectors(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame`` in EPSG:4326 with geometries simplified and coordinates rounded for a web map."""
    out = frame.to_crs(4326)
    geoms = shapely.simplify(out.geometry.values, DISPLAY_TOLERANCE_DEG, preserve_topology=True)
    geoms = shapely.transform(geoms, lambda xy: np.round(xy, DISPLAY_DECIMALS))
    return out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=4326), crs=4326)


def road_style(road_class: object) -> dict[str, Any]:
    """Leaflet path style of a road class (``None`` or an empty class: drawn as a secondary road)."""
    colour, weight = ROAD_STYLES.get(str(road_class) if road_class else "secondary", _DEFAULT_STYLE)
    return {"color": colour, "weight": weight, "opacity": 0.9}


def _geo_dict(frame: gpd.GeoDataFrame) -> dict[str, Any]:
    """GeoJSON of a frame without bounding boxes (Leaflet does not read them)."""
    return frame.to_geo_dict(show_bbox=False, drop_id=False)


def road_features(roads: gpd.GeoDataFrame) -> dict[str, Any]:
    """The roads as GeoJSON for a web map: one feature per road class, its segments merged into lines.

    Classes in drawing order: thinnest first (so wider, major roads are drawn over minor ones), then
    by name. Each feature's ``road_class`` property is the class (``None`` for roads without one).
    """
    r = display_vectors(roads)
    classes = r["road_class"].tolist() if "road_class" in r.columns else [None] * len(r)
    keys = [None if (c is None or c == "" or pd.isna(c)) else str(c) for c in classes]
    parts: dict[str | None, list[Any]] = {}
    for key, geom in zip(keys, r.geometry.values, strict=True):
        if geom is None or geom.is_empty:
            continue
        parts.setdefault(key, []).extend(shapely.get_parts(geom))
    order = sorted(parts, key=lambda k: (road_style(k)["weight"], "" if k is None else k))
    geoms = [shapely.line_merge(shapely.multilinestrings(parts[k])) for k in order]
    return _geo_dict(gpd.GeoDataFrame({"road_class": order}, geometry=geoms, crs=4326))


def add_context(m: folium.Map, *, communes: gpd.GeoDataFrame | None = None, roads: gpd.GeoDataFrame | None = None,
                lang: str = "en", show_roads: bool = True) -> None:
    """Commune outlines (dashed, with a name tooltip) and roads by class, as two layers."""
    if communes is not None and len(communes):
        c = display_vectors(communes)
        name_col = next((k for k in ("commune_vn", "name", "commune") if k in c.columns), None)
        folium.GeoJson(
            _geo_dict(c[[k for k in (name_col, "geometry") if k]]),
            name=t("map_communes", lang),
            style_function=lambda _f: {"color": "#333333", "weight": 1, "fillOpacity": 0.0, "dashArray": "4 3"},
            tooltip=folium.GeoJsonTooltip(fields=[name_col], aliases=[t("pop_commune", lang)]) if name_col else None,
        ).add_to(m)
    if roads is not None and len(roads):
        data = road_features(roads)
        if data["features"]:
            folium.GeoJson(data, name=t("map_roads", lang),
                           style_function=lambda f: road_style(f["properties"].get("road_class")),
                           show=show_roads).add_to(m)
