"""Folium layers: terrain relief, stations drawn as sector wedges; legends (:mod:`towerplan.maps.legends`).

Builders take library objects (Grids, station tables) and return Folium
elements; they never import streamlit, so the CLI's HTML export and the app
share them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import folium
import numpy as np
import pandas as pd
from pyproj import Geod

from towerplan.grid import Grid
from towerplan.i18n import t
from towerplan.maps.legends import legend
from towerplan.maps.render import terrain_image
from towerplan.maps.sectors import SectorLayer
from towerplan.palette import OPERATOR_COLOURS as PALETTE_OPERATORS
from towerplan.palette import operator_key
from towerplan.stations.sites import physical_sites

__all__ = [
    "OPERATOR_COLOURS",
    "ROAD_STYLES",
    "operator_colour",
    "sector_polygon",
    "stations_layers",
    "terrain_layer",
    "legend",
]

#: one colour per operator (:data:`towerplan.palette.OPERATOR_COLOURS`, as the report and the KMZ)
OPERATOR_COLOURS: dict[str, str] = PALETTE_OPERATORS
#: road class -> (colour, weight in px)
ROAD_STYLES: dict[str, tuple[str, float]] = {
    "trunk": ("#b2182b", 3.5),
    "primary": ("#d6604d", 3.0),
    "secondary": ("#f4a582", 2.2),
    "tertiary": ("#fddbc7", 1.8),
    "track": ("#8c6d31", 1.2),
}
_FALLBACK = ("#1b9e77", "#e7298a", "#66a61e", "#e6ab02", "#a6761d")
_GEOD = Geod(ellps="WGS84")


def operator_colour(operator: str) -> str:
    """The map colour of an operator (stable for unknown names too)."""
    if operator_key(operator) in OPERATOR_COLOURS:
        return OPERATOR_COLOURS[operator_key(operator)]
    return _FALLBACK[sum(operator.encode("utf-8")) % len(_FALLBACK)]


def sector_polygon(
    lon: float, lat: float, *, azimuth_deg: float | None, beamwidth_deg: float, radius_m: float, steps: int = 12
) -> list[tuple[float, float]]:
    """Wedge outline as (lat, lon) pairs, geodesic; a circle when ``azimuth_deg`` is None/NaN (omni)."""
    if azimuth_deg is None or not math.isfinite(azimuth_deg):
        omni = True
        az = np.linspace(0.0, 360.0, 4 * steps + 1)
    else:
        omni = False
        half = min(max(beamwidth_deg, 10.0), 360.0) / 2.0
        az = np.linspace(azimuth_deg - half, azimuth_deg + half, steps + 1)
    lons, lats, _ = _GEOD.fwd(np.full(az.shape, lon), np.full(az.shape, lat), az, np.full(az.shape, radius_m))
    ring = list(zip(lats.tolist(), lons.tolist(), strict=True))
    return ring if omni else [(lat, lon), *ring, (lat, lon)]


def terrain_layer(dem: Grid, *, name: str = "Terrain", opacity: float = 0.85,
                  tint: bool = True) -> folium.raster_layers.ImageOverlay:
    """Shaded relief of the DEM as an image overlay (a small display copy, see :mod:`towerplan.maps.render`);
    ``tint=False``: grey relief, for maps whose own colours carry the meaning."""
    img = terrain_image(dem, tint=tint)
    return folium.raster_layers.ImageOverlay(
        image=img.data_url, bounds=img.bounds_latlon, name=name, opacity=opacity, interactive=False, zindex=1
    )


def _fmt(value: object, fmt: str, unit: str = "") -> str:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    return "" if math.isnan(v) else f"{v:{fmt}}{unit}"


def _tower_labels(stations: pd.DataFrame) -> np.ndarray:
    """Per sector: ``"P0012: MobiFone, Viettel"`` when its tower has several tenants (operators), else ``"-"``."""
    if not {"site_id", "operator", "lon", "lat"} <= set(stations.columns) or not len(stations):
        return np.full(len(stations), "-", dtype=object)
    ps = physical_sites(stations)
    labels = np.array([f"{r.physical_site}: {r.tenants.replace(',', ', ')}" if r.n_tenants > 1 else "-"
                       for r in ps.sites.itertuples(index=False)], dtype=object)
    return labels[ps.of_sector]


def stations_layers(
    stations: pd.DataFrame, *, radius_m: float = 700.0, operators: Iterable[str] | None = None,
    lang: str = "en", show: bool = True,
) -> list[folium.FeatureGroup]:
    """One toggleable layer per operator with every sector drawn as a wedge (omni as a circle).

    Sectors go in as compact arrays the browser draws (:class:`~towerplan.maps.sectors.SectorLayer`:
    ~50 bytes per sector instead of ~430 as GeoJSON features), each wedge with a tooltip and a popup
    of the sector's parameters; site positions are small dots. Nothing here needs jQuery
    (``folium.Popup`` with HTML does, and would break offline maps).

    Parameters
    ----------
    stations
        Canonical station table (``lon``, ``lat``, ``operator``, ``azimuth_deg``, ``h_beamwidth_deg``, ...).
    radius_m
        Display radius of a wedge in metres (symbolic, not coverage).
    operators
        Only these operators (default: all, in name order).
    """
    groups: list[folium.FeatureGroup] = []
    names = sorted(stations["operator"].astype(str).unique()) if operators is None else list(operators)
    towers = _tower_labels(stations)  # shared towers (sectors of several operators within 30 m) and their tenants
    for op in names:
        colour = operator_colour(op)
        sub = stations[stations["operator"] == op]
        fg = folium.FeatureGroup(name=t("map_stations", lang, op=op, n=sub["site_id"].nunique()), show=show)
        SectorLayer(sub, towers[(stations["operator"] == op).to_numpy()], operator=op, colour=colour,
                    radius_m=radius_m, lang=lang).add_to(fg)
        groups.append(fg)
    return groups
