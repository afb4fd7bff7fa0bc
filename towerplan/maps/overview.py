"""The overview map: terrain, communes, roads and stations of a study area."""

from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd

from towerplan.grid import Grid
from towerplan.i18n import t
from towerplan.maps.layers import ROAD_STYLES, legend, operator_colour, stations_layers
from towerplan.maps.study import add_context, base_map

__all__ = ["overview_map", "ROAD_STYLES"]


def overview_map(
    dem: Grid,
    stations: pd.DataFrame | None = None,
    *,
    communes: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
    title: str | None = None,
    lang: str = "en",
    osm: bool = False,
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
    lang
        ``"vi"`` or ``"en"`` for layer names, legends and popups.
    osm
        Add OpenStreetMap tiles (online only; off by default).
    """
    m = base_map(dem, lang=lang, osm=osm, asset_url=asset_url)
    add_context(m, communes=communes, roads=roads, lang=lang)
    items: list[tuple[str, str]] = []
    if stations is not None and len(stations):
        for fg in stations_layers(stations, lang=lang):
            fg.add_to(m)
        items = [(op, operator_colour(op)) for op in sorted(stations["operator"].astype(str).unique())]
    legend(title or t("legend_stations", lang), items, note=t("legend_stations_note", lang)).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    return m
