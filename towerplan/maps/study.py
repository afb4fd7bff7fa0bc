"""Folium maps of a study's results: coverage, gaps, communes, roads and proposed towers.

Every builder takes library objects (Grids, GeoDataFrames, plain tables) and a
language code, and returns Folium elements or a :class:`folium.Map`; nothing here
imports streamlit. Layers use Leaflet only (image overlays, GeoJSON with
``GeoJsonTooltip``/``GeoJsonPopup``, circle and div markers), so the maps work with
the offline assets of :mod:`towerplan.maps.assets`. Each layer is its own entry in
the layer control, so a planner can switch it on and off.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Transformer

from towerplan.grid import Grid
from towerplan.i18n import t
from towerplan.i18n_summary import format_number
from towerplan.landcover import LandCover
from towerplan.maps.aids import MapAids, newly_covered_outline, proposal_markers
from towerplan.maps.assets import offline_map
from towerplan.maps.context import add_context, display_vectors
from towerplan.maps.layers import legend, operator_colour, stations_layers, terrain_layer
from towerplan.maps.render import RSRP_STOPS, category_image, value_image
from towerplan.palette import rsrp_classes

__all__ = [
    "OSM_TILES",
    "OVERLAP_COLOURS",
    "COVERED_PCT_BINS",
    "bounds_lonlat",
    "base_map",
    "add_context",
    "rsrp_layer",
    "rsrp_legend_items",
    "best_server_layer",
    "operator_level_layers",
    "overlap_layer",
    "gaps_layer",
    "choropleth_layer",
    "road_coverage_layer",
    "proposals_layer",
    "newly_covered_layer",
    "fit_to",
    "footprint_bounds",
    "site_footprint_layer",
    "with_site_footprint",
    "coverage_map",
    "gaps_map",
    "towers_map",
]

#: public OpenStreetMap tiles: opt-in only (offline they simply fail to load)
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTR = "&copy; OpenStreetMap contributors"

#: server count 1, 2, 3, 4+ (overlap)
OVERLAP_COLOURS: dict[int, str] = {1: "#fee391", 2: "#fe9929", 3: "#cc4c02", 4: "#662506"}

#: covered population share (%) -> colour, low to high (red = badly served)
COVERED_PCT_BINS: tuple[tuple[float, str], ...] = (
    (50.0, "#d7301f"),
    (80.0, "#fc8d59"),
    (95.0, "#fdcc8a"),
    (99.0, "#a1d99b"),
    (100.01, "#31a354"),
)

COLOCATION_COLOUR = "#1f78b4"
#: gaps: dark purple (top ranks) and violet, distinct from the red-to-green choropleth and signal scale
GAP_TOP_COLOUR = "#3f007d"
GAP_OTHER_COLOUR = "#807dba"
#: cells the proposed towers newly cover
NEWLY_COVERED_COLOUR = "#ff00ff"  # magenta: not the tenancy blue, an operator or a signal class
GREENFIELD_COLOUR = "#e31a1c"
#: one site's own footprint on the coverage map (cyan: neither the signal scale nor an operator colour)
SITE_COLOUR = "#00e5ff"


def bounds_lonlat(grid: Grid) -> tuple[float, float, float, float]:
    """(lon_min, lat_min, lon_max, lat_max) of a grid."""
    return Transformer.from_crs(grid.crs, 4326, always_xy=True).transform_bounds(*grid.bounds)


#: compact layer control and legends inside the map frame
_MAP_CSS = """<style>
.leaflet-control-layers { font: 12px/1.4 sans-serif; }
.leaflet-control-layers-expanded { padding: 4px 8px; max-height: 60vh; overflow-y: auto; }
</style>"""


def base_map(dem: Grid, *, lang: str = "en", osm: bool = False, tint: bool = True,
             asset_url: str = "/app/static/leaflet") -> folium.Map:
    """An offline map fitted to the DEM with its hillshade as the base layer.

    ``osm=True`` adds OpenStreetMap tiles under the relief (they load only when online;
    off by default so the page makes no external request). ``tint=False`` draws the relief
    in grey, for result maps whose colours mean signal or coverage.
    """
    m = offline_map(bounds_lonlat=bounds_lonlat(dem), asset_url=asset_url, zoom_snap=0.25, zoom_delta=0.5)
    m.get_root().header.add_child(folium.Element(_MAP_CSS))  # type: ignore[attr-defined]
    if osm:
        folium.TileLayer(tiles=OSM_TILES, attr=OSM_ATTR, name=t("map_osm", lang), overlay=True, show=True,
                         max_zoom=19).add_to(m)
    terrain_layer(dem, name=t("map_terrain", lang), opacity=0.6 if osm else 0.85, tint=tint).add_to(m)
    return m


def _overlay(image, name: str, *, show: bool, zindex: int = 2) -> folium.FeatureGroup:
    fg = folium.FeatureGroup(name=name, show=show)
    folium.raster_layers.ImageOverlay(image=image.data_url, bounds=image.bounds_latlon, opacity=1.0,
                                      interactive=False, zindex=zindex).add_to(fg)
    return fg


def rsrp_layer(level: Grid, *, name: str, show: bool = True, opacity: float = 0.7) -> folium.FeatureGroup:
    """A level grid (dBm, NaN = no service) as a colour image on the RSRP scale."""
    return _overlay(value_image(level, RSRP_STOPS, opacity=opacity), name, show=show)


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def rsrp_legend_items(threshold_dbm: float) -> list[tuple[str, str]]:
    """Legend rows (label, colour) from strong to weak, down to the threshold: the classes of
    :mod:`towerplan.palette` (the report's and the KMZ's)."""
    items = []
    classes = [c for c in rsrp_classes() if c[1] > threshold_dbm] or rsrp_classes()[-1:]
    for k, (lo, hi, colour) in enumerate(reversed(classes)):
        low = max(lo, threshold_dbm)
        label = f"≥ {low:.0f}" if k == 0 else f"{low:.0f} … {hi:.0f}"
        items.append((label, colour))
    return items


def best_server_layer(best_server: Grid, station_operators: pd.Series, *, name: str,
                      show: bool = False) -> folium.FeatureGroup:
    """Which operator serves each cell best, in the operators' colours.

    ``station_operators`` maps a station index (the values of ``best_server``; -1 = none)
    to its operator name.
    """
    ops = sorted(pd.unique(station_operators.astype(str)))
    code_of = {op: k for k, op in enumerate(ops)}
    lut = np.full(int(station_operators.index.max()) + 2 if len(station_operators) else 1, -1, dtype=np.int32)
    for idx, op in station_operators.astype(str).items():
        lut[int(idx)] = code_of[op]
    v = np.asarray(best_server.values)
    codes = np.where((v >= 0) & (v < lut.size - 1), lut[np.clip(v, 0, lut.size - 1)], -1).astype(np.int32)
    colours = {k: operator_colour(op) for op, k in code_of.items()}
    img = category_image(best_server.with_values(codes, nodata=None), colours)
    return _overlay(img, name, show=show)


def operator_level_layers(levels: Mapping[str, Grid], *, lang: str = "en") -> list[folium.FeatureGroup]:
    """One RSRP layer per operator, hidden at first (switch on in the layer control)."""
    return [rsrp_layer(g, name=t("map_operator_level", lang, op=op), show=False) for op, g in sorted(levels.items())]


def overlap_layer(server_count: Grid, *, name: str, show: bool = False) -> folium.FeatureGroup:
    """How many sectors reach the threshold at each cell: 1, 2, 3, 4 or more."""
    v = np.asarray(server_count.values)
    codes = np.where(v >= 1, np.minimum(v, 4), -1).astype(np.int32)
    return _overlay(category_image(server_count.with_values(codes, nodata=None), OVERLAP_COLOURS), name, show=show)


def _json_ready(frame: gpd.GeoDataFrame, columns: list[str]) -> gpd.GeoDataFrame:
    out = display_vectors(frame[[*columns, frame.geometry.name]]).copy()
    for c in columns:
        if pd.api.types.is_float_dtype(out[c]):
            out[c] = out[c].replace([np.inf, -np.inf], np.nan).round(2).astype(object).where(out[c].notna(), "")
        else:
            out[c] = out[c].astype(str)
    return out


def gaps_layer(gaps: gpd.GeoDataFrame, *, lang: str = "en", top: int = 10, name: str | None = None,
               fill_opacity: float = 0.75) -> folium.GeoJson:
    """Gap polygons: the ``top`` ranks dark purple with a black outline, the others violet (colours no other
    layer uses); tooltip rank, people, commune."""
    cols = [c for c in ("rank", "people", "area_km2", "commune") if c in gaps.columns]
    data = _json_ready(gaps, cols)
    if "people" in data:
        data["people"] = gaps["people"].round(0).astype(int).map("{:,}".format).to_numpy()

    def style(feature: dict) -> dict:
        rank = int(feature["properties"].get("rank") or 10**9)
        colour = GAP_TOP_COLOUR if rank <= top else GAP_OTHER_COLOUR
        return {"color": "#000000" if rank <= top else colour, "weight": 1.5 if rank <= top else 0.8,
                "fillColor": colour, "fillOpacity": fill_opacity if rank <= top else 0.75 * fill_opacity}

    aliases = {"rank": "pop_rank", "people": "pop_people", "area_km2": "pop_area", "commune": "pop_commune"}
    return folium.GeoJson(
        data, name=name or t("map_gaps", lang), style_function=style,
        highlight_function=lambda _f: {"weight": 4, "fillOpacity": 0.7},
        tooltip=folium.GeoJsonTooltip(fields=cols, aliases=[t(aliases[c], lang) for c in cols]),
    )


def _pct_colour(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "#cccccc"
    return next(colour for upper, colour in COVERED_PCT_BINS if value < upper)


def choropleth_layer(commune_stats: gpd.GeoDataFrame, *, value: str = "covered_any_pct", lang: str = "en",
                     show: bool = True) -> folium.GeoJson:
    """Communes filled by the share of their people covered (red = badly served)."""
    name_col = next((k for k in ("commune_vn", "name", "commune") if k in commune_stats.columns), None)
    cols = [c for c in (name_col, value, "people", "gap_people") if c and c in commune_stats.columns]
    data = _json_ready(commune_stats, cols)
    raw = commune_stats[value].to_numpy(dtype=float)
    data["_fill"] = [_pct_colour(v) for v in raw]
    if "people" in data:
        data["people"] = commune_stats["people"].round(0).astype(int).map("{:,}".format).to_numpy()
    aliases = {name_col: "pop_commune", value: "pop_covered_pct", "people": "pop_people",
               "gap_people": "col_gap_people"}
    return folium.GeoJson(
        data, name=t("map_choropleth", lang), show=show,
        style_function=lambda f: {"color": "#444444", "weight": 1, "fillColor": f["properties"]["_fill"],
                                  "fillOpacity": 0.45},
        highlight_function=lambda _f: {"weight": 3},
        tooltip=folium.GeoJsonTooltip(fields=cols, aliases=[t(aliases[c], lang) for c in cols]),
    )


def choropleth_legend_items() -> list[tuple[str, str]]:
    """Legend rows for :func:`choropleth_layer`."""
    items, lower = [], 0.0
    for upper, colour in COVERED_PCT_BINS:
        items.append((f"{lower:.0f} – {min(upper, 100.0):.0f} %", colour))
        lower = upper
    return items[::-1]


def road_coverage_layer(road_pieces: gpd.GeoDataFrame, *, lang: str = "en", show: bool = False) -> folium.GeoJson:
    """Road pieces green where covered, red where not (from ``covered_km`` / ``length_km``)."""
    frame = road_pieces
    if "covered_km" in frame.columns and "length_km" in frame.columns:
        share = (frame["covered_km"] / frame["length_km"].where(frame["length_km"] > 0)).fillna(0.0)
    else:
        share = pd.Series(0.0, index=frame.index)
    data = gpd.GeoDataFrame({"covered": (share >= 0.5).to_numpy()}, geometry=frame.geometry.values,
                            crs=frame.crs).to_crs(4326)
    return folium.GeoJson(
        data, name=t("map_road_cov", lang), show=show,
        style_function=lambda f: {"color": "#1a9850" if f["properties"]["covered"] else "#d73027", "weight": 3,
                                  "opacity": 0.9},
    )


def proposals_layer(proposals: gpd.GeoDataFrame, *, lang: str = "en") -> folium.FeatureGroup:
    """Proposed towers: coloured circles (blue = tenancy on an existing tower, red = new mast)
    with a popup (people newly covered, operators hosted, cost) and their build order as a label."""
    fg = folium.FeatureGroup(name=t("map_proposals", lang), show=True)
    if proposals is None or len(proposals) == 0:
        return fg
    p = proposals.to_crs(4326)
    kind_label = {"colocation": t("kind_colocation", lang), "greenfield": t("kind_greenfield", lang)}
    data = gpd.GeoDataFrame({
        "order": p["build_order"].astype(int).astype(str).to_numpy(),
        "candidate": p["candidate_id"].astype(str).to_numpy(),
        "kind": [kind_label.get(str(k), str(k)) for k in p["kind"]],
        "newly": [format_number(v, lang=lang) for v in p["people_newly_covered"]],
        "hosted": p.get("operators_hosted", pd.Series("", index=p.index)).fillna("").astype(str).to_numpy(),
        "cost": [format_number(v / 1e9, decimals=2, lang=lang) for v in p["cost_vnd"]],
        "mast": [format_number(v, lang=lang) for v in p.get("mast_height_m", pd.Series(np.nan, index=p.index))],
        "_colour": [COLOCATION_COLOUR if str(k) == "colocation" else GREENFIELD_COLOUR for k in p["kind"]],
    }, geometry=p.geometry.values, crs=4326)
    fields = ["order", "candidate", "kind", "newly", "hosted", "cost", "mast"]
    aliases = [t(k, lang) for k in ("pop_order", "pop_candidate", "pop_kind", "pop_newly", "pop_hosted",
                                    "pop_cost", "pop_mast")]
    # one numbered disc per proposal, spread apart when they overlap (towerplan.maps.aids)
    rows = [dict(zip(fields, values, strict=True)) for values in zip(*(data[f] for f in fields), strict=True)]
    proposal_markers(
        data.geometry.y.to_numpy(), data.geometry.x.to_numpy(), labels=data["order"].tolist(),
        colours=data["_colour"].tolist(),
        tooltips=[[(aliases[0], r["order"]), (aliases[3], r["newly"]), (aliases[4], r["hosted"])] for r in rows],
        popups=[list(zip(aliases, (r[f] for f in fields), strict=True)) for r in rows],
    ).add_to(fg)
    return fg


def newly_covered_layer(before: Grid, after: Grid, *, name: str, show: bool = True) -> folium.FeatureGroup:
    """Cells with a signal after (NaN = none) but not before, in one bright colour."""
    new = np.isfinite(np.asarray(after.values, dtype=float)) & ~np.isfinite(np.asarray(before.values, dtype=float))
    codes = np.where(new, 1, -1).astype(np.int32)
    img = category_image(after.with_values(codes, nodata=None), {1: NEWLY_COVERED_COLOUR}, opacity=0.8)
    return _overlay(img, name, show=show, zindex=3)


def fit_to(m: folium.Map, bounds: tuple[float, float, float, float], *, pad_deg: float = 0.01) -> None:
    """Zoom the map to (lon_min, lat_min, lon_max, lat_max), padded (replaces the DEM fit)."""
    lon0, lat0, lon1, lat1 = bounds
    m.fit_bounds([[lat0 - pad_deg, lon0 - pad_deg], [lat1 + pad_deg, lon1 + pad_deg]])


def footprint_bounds(level: Grid) -> tuple[float, float, float, float] | None:
    """(lon_min, lat_min, lon_max, lat_max) of the cells with a signal (finite), or None when there are none."""
    ok = np.isfinite(np.asarray(level.values, dtype=float))
    if not ok.any():
        return None
    rows, cols = np.nonzero(ok)
    west, north = level.transform @ (int(cols.min()), int(rows.min()))
    east, south = level.transform @ (int(cols.max()) + 1, int(rows.max()) + 1)
    return Transformer.from_crs(level.crs, 4326, always_xy=True).transform_bounds(
        min(west, east), min(south, north), max(west, east), max(south, north))


def site_footprint_layer(level: Grid, *, name: str, lonlat: tuple[float, float] | None = None,
                         colour: str = SITE_COLOUR) -> folium.FeatureGroup:
    """One site's footprint (its own sectors' best level; NaN = not reached) in one colour, above the
    other coverage layers, with a ringed dot at the site (``lonlat``)."""
    codes = np.where(np.isfinite(np.asarray(level.values, dtype=float)), 1, -1).astype(np.int32)
    img = category_image(level.with_values(codes, nodata=None), {1: colour}, opacity=0.6)
    fg = _overlay(img, name, show=True, zindex=3)
    if lonlat is not None:
        folium.CircleMarker((float(lonlat[1]), float(lonlat[0])), radius=6, color="#000000", weight=2, fill=True,
                            fill_color=colour, fill_opacity=1.0).add_to(fg)
    return fg


def with_site_footprint(m: folium.Map, level: Grid, *, site_id: str, operator: str,
                        lonlat: tuple[float, float] | None = None, lang: str = "en") -> folium.Map:
    """A copy of a (not yet rendered) map with one site's footprint layer, its legend entry, and the view
    fitted to the footprint; ``m`` itself is left as it is."""
    import copy

    out = copy.deepcopy(m)
    # the layer control's script names every layer, so the new one must come before it: take it out, add again
    controls = [k for k, child in out._children.items() if isinstance(child, folium.LayerControl)]
    for k in controls:
        del out._children[k]
    name = t("map_site", lang, site=site_id, op=operator)
    site_footprint_layer(level, name=name, lonlat=lonlat).add_to(out)
    if controls:
        folium.LayerControl(collapsed=False).add_to(out)
    legend(t("legend_site", lang), [(name, SITE_COLOUR)]).add_to(out, index=1)  # first in the band (after its layout)
    bounds = footprint_bounds(level)
    if bounds is not None:
        fit_to(out, bounds, pad_deg=0.02)
    elif lonlat is not None:
        fit_to(out, (lonlat[0], lonlat[1], lonlat[0], lonlat[1]), pad_deg=0.05)
    return out


def _finish(m: folium.Map) -> folium.Map:
    folium.LayerControl(collapsed=False).add_to(m)
    MapAids().add_to(m)  # tooltips inside the frame, proposal discs apart (legends: beside the map)
    return m


def coverage_map(
    dem: Grid,
    *,
    best_level: Grid,
    threshold_dbm: float,
    best_server: Grid | None = None,
    station_operators: pd.Series | None = None,
    server_count: Grid | None = None,
    operator_levels: Mapping[str, Grid] | None = None,
    stations: pd.DataFrame | None = None,
    communes: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
    lang: str = "en",
    osm: bool = False,
    asset_url: str = "/app/static/leaflet",
    land_cover: LandCover | None = None,
) -> folium.Map:
    """Coverage of a run: best signal (shown), best server, per-operator and overlap layers (hidden),
    stations as sector wedges per operator, communes and roads; an RSRP legend in dBm and an
    operator legend. ``land_cover`` (from a raster, not the default class): its classes as a
    layer (shown) with a legend (:func:`towerplan.maps.landcover.land_cover_layer`)."""
    m = base_map(dem, lang=lang, osm=osm, tint=False, asset_url=asset_url)
    # legends in the band in this order (when they do not all fit, the last ones fold to their titles)
    legend(t("legend_rsrp", lang), rsrp_legend_items(threshold_dbm),
           note=t("legend_rsrp_note", lang, threshold=threshold_dbm)).add_to(m)
    if land_cover is not None and land_cover.source != "none":
        from towerplan.maps.landcover import land_cover_layer

        group, items = land_cover_layer(land_cover, name=t("map_landcover", lang), show=True, lang=lang)
        group.add_to(m)
        legend(t("map_landcover", lang), items).add_to(m)
    add_context(m, communes=communes, roads=roads, lang=lang, show_roads=False)
    rsrp_layer(best_level, name=t("map_best_rsrp", lang), show=True).add_to(m)
    if best_server is not None and station_operators is not None and len(station_operators):
        best_server_layer(best_server, station_operators, name=t("map_best_server", lang)).add_to(m)
    for fg in operator_level_layers(operator_levels or {}, lang=lang):
        fg.add_to(m)
    if server_count is not None:
        overlap_layer(server_count, name=t("map_overlap", lang)).add_to(m)
    if stations is not None and len(stations):
        for fg in stations_layers(stations, lang=lang, radius_m=500.0):
            fg.add_to(m)
        ops = sorted(stations["operator"].astype(str).unique())
        legend(t("legend_stations", lang), [(op, operator_colour(op)) for op in ops],
               note=t("legend_stations_note", lang)).add_to(m)
    return _finish(m)


def gaps_map(
    dem: Grid,
    *,
    gaps: gpd.GeoDataFrame,
    commune_stats: gpd.GeoDataFrame | None = None,
    road_pieces: gpd.GeoDataFrame | None = None,
    best_level: Grid | None = None,
    selected_rank: int | None = None,
    lang: str = "en",
    osm: bool = False,
    asset_url: str = "/app/static/leaflet",
) -> folium.Map:
    """Choropleth of covered population per commune, current coverage (hidden), road coverage (hidden)
    and the ranked gaps on top; zoomed to the gap of ``selected_rank`` when given."""
    m = base_map(dem, lang=lang, osm=osm, tint=False, asset_url=asset_url)
    legend(t("legend_gaps", lang), [("1 – 10", GAP_TOP_COLOUR), ("> 10", GAP_OTHER_COLOUR)]).add_to(m)
    if commune_stats is not None and len(commune_stats):
        choropleth_layer(commune_stats, lang=lang).add_to(m)
        legend(t("legend_choropleth", lang), choropleth_legend_items()).add_to(m)
    if best_level is not None:
        rsrp_layer(best_level, name=t("map_best_rsrp", lang), show=False, opacity=0.55).add_to(m)
    if road_pieces is not None and len(road_pieces):
        road_coverage_layer(road_pieces, lang=lang).add_to(m)
    if len(gaps):
        gaps_layer(gaps, lang=lang).add_to(m)
    if selected_rank is not None and len(gaps) and "rank" in gaps.columns:
        hit = gaps[gaps["rank"] == selected_rank]
        if len(hit):
            fit_to(m, tuple(hit.to_crs(4326).total_bounds))
    return _finish(m)


def towers_map(
    dem: Grid,
    *,
    proposals: gpd.GeoDataFrame,
    best_level: Grid | None = None,
    before_level: Grid | None = None,
    threshold_dbm: float = -110.0,
    gaps: gpd.GeoDataFrame | None = None,
    stations: pd.DataFrame | None = None,
    lang: str = "en",
    osm: bool = False,
    asset_url: str = "/app/static/leaflet",
) -> folium.Map:
    """Proposed towers (numbered in build order) over the coverage and the gaps.

    ``best_level`` is the coverage with the proposals; with ``before_level`` (the coverage
    without them) the cells they newly cover get their own bright layer.
    """
    m = base_map(dem, lang=lang, osm=osm, tint=False, asset_url=asset_url)
    if best_level is not None:
        rsrp_layer(best_level, name=t("map_best_rsrp", lang), show=True, opacity=0.5).add_to(m)
    if best_level is not None and before_level is not None:
        newly_covered_layer(before_level, best_level, name=t("map_newly_covered", lang)).add_to(m)
        outline = newly_covered_outline(before_level, best_level, name=t("map_newly_outline", lang),
                                        colour=NEWLY_COVERED_COLOUR)
        if outline is not None:  # seen at province zoom too, where the fill is under a pixel
            outline.add_to(m)
    if gaps is not None and len(gaps):
        gaps_layer(gaps, lang=lang, fill_opacity=0.3).add_to(m)  # light: the new coverage shows through
    if stations is not None and len(stations):
        for fg in stations_layers(stations, lang=lang, radius_m=500.0, show=False):
            fg.add_to(m)
    proposals_layer(proposals, lang=lang).add_to(m)
    items = [(t("legend_colocation", lang), COLOCATION_COLOUR), (t("legend_greenfield", lang), GREENFIELD_COLOUR),
             (t("map_gaps", lang), GAP_TOP_COLOUR)]
    if best_level is not None and before_level is not None:
        items.append((t("map_newly_covered", lang), NEWLY_COVERED_COLOUR))
    legend(t("legend_proposals", lang), items).add_to(m)
    if proposals is not None and len(proposals):
        fit_to(m, tuple(proposals.to_crs(4326).total_bounds), pad_deg=0.08)  # the proposals and their surroundings
    if best_level is not None:
        legend(t("legend_rsrp", lang), rsrp_legend_items(threshold_dbm),
               note=t("legend_rsrp_note", lang, threshold=threshold_dbm)).add_to(m)
    return _finish(m)
