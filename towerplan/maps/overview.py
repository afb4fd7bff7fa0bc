"""The overview map: terrain, communes, roads and stations of a study area."""

from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd
from pyproj import Transformer

from towerplan.grid import Grid
from towerplan.maps.assets import offline_map
from towerplan.maps.layers import legend, operator_colour, stations_layers, terrain_layer

__all__ = ["overview_map", "ROAD_STYLES"]

#: road class -> (colour, weight in px)
ROAD_STYLES: dict[str, tuple[str, float]] = {
    "trunk": ("#b2182b", 3.5),
    "primary": ("#d6604d", 3.0),
    "secondary": ("#f4a582", 2.2),
    "tertiary": ("#fddbc7", 1.8),
    "track": ("#8c6d31", 1.2),
}


def _bounds_lonlat(dem: Grid) -> tuple[float, float, float, float]:
    return Transformer.from_crs(dem.crs, 4326, always_xy=True).transform_bounds(*dem.bounds)


def overview_map(
    dem: Grid,
    stations: pd.DataFrame | None = None,
    *,
    communes: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
    title: str | None = None,
    asset_url: str = "/app/static/leaflet",
) -> folium.Map:
    """Terrain relief with commune outlines, roads and stations, each a toggleable layer.

    Parameters
    ----------
    dem
        The analysis DEM (any projected CRS).
    stations
        Canonical station table with ``lon``/``lat`` (EPSG:4326).
    communes, roads
        Vector layers in any CRS (reprojected to EPSG:4326 here).
    title
        Shown in the legend (e.g. "Synthetic demo province").
    """
    m = offline_map(bounds_lonlat=_bounds_lonlat(dem), asset_url=asset_url)
    terrain_layer(dem).add_to(m)
    if communes is not None and len(communes):
        c = communes.to_crs(4326)
        name_col = next((k for k in ("name", "commune_vn", "commune") if k in c.columns), None)
        folium.GeoJson(
            c,
            name="Communes",
            style_function=lambda _f: {"color": "#333333", "weight": 1, "fillOpacity": 0.0, "dashArray": "4 3"},
            tooltip=folium.GeoJsonTooltip(fields=[name_col]) if name_col else None,
        ).add_to(m)
    if roads is not None and len(roads):
        r = roads.to_crs(4326)
        cls = "road_class" if "road_class" in r.columns else None

        def style(feature: dict) -> dict:
            colour, weight = ROAD_STYLES.get(
                (feature["properties"].get(cls) if cls else None) or "secondary", ("#f4a582", 2.0)
            )
            return {"color": colour, "weight": weight, "opacity": 0.9}

        folium.GeoJson(r[[c for c in (cls, "name", "geometry") if c and c in r.columns]], name="Roads",
                       style_function=style).add_to(m)
    items: list[tuple[str, str]] = []
    if stations is not None and len(stations):
        for fg in stations_layers(stations):
            fg.add_to(m)
        items = [(op, operator_colour(op)) for op in sorted(stations["operator"].astype(str).unique())]
    legend(title or "Stations", items, note="Wedges show sector directions, not coverage.").add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    return m
