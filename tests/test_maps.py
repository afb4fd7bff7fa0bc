"""Folium builders: offline assets only, sector wedges where the azimuth says, small overlays."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from affine import Affine
from pyproj import Geod

from towerplan.grid import Grid
from towerplan.maps.assets import LEAFLET_FILES, install_leaflet_assets, offline_map
from towerplan.maps.layers import operator_colour, sector_polygon
from towerplan.maps.overview import overview_map
from towerplan.maps.render import colourise, hillshade, terrain_image


@pytest.fixture
def dem() -> Grid:
    y, x = np.mgrid[0:200, 0:300]
    z = 400 + 300 * np.sin(x / 25.0) * np.cos(y / 30.0)
    return Grid(z.astype(np.float32), Affine(90, 0, 560_000, 0, -90, 2_200_000), 32648, None)


@pytest.fixture
def stations() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "site_id": ["S1", "S1", "S1", "S2"],
            "cell_id": ["S1-1", "S1-2", "S1-3", "S2-1"],
            "operator": ["Viettel", "Viettel", "Viettel", "MobiFone"],
            "technology": ["4G", "4G", "4G", "2G"],
            "lon": [105.6, 105.6, 105.6, 105.7],
            "lat": [19.8, 19.8, 19.8, 19.85],
            "antenna_height_m": [40.0] * 4,
            "azimuth_deg": [0.0, 120.0, 240.0, np.nan],
            "tilt_deg": [4.0] * 4,
            "h_beamwidth_deg": [65.0] * 4,
            "v_beamwidth_deg": [7.0] * 4,
            "freq_mhz": [1842.5, 1842.5, 1842.5, 942.5],
            "eirp_dbm": [59.0] * 4,
        }
    )


def test_sector_wedge_points_along_its_azimuth() -> None:
    ring = sector_polygon(105.6, 19.8, azimuth_deg=90.0, beamwidth_deg=60.0, radius_m=1000.0)
    assert ring[0] == (19.8, 105.6)
    assert ring[-1] == (19.8, 105.6)
    geod = Geod(ellps="WGS84")
    mid = ring[len(ring) // 2]
    az, _, dist = geod.inv(105.6, 19.8, mid[1], mid[0])
    assert az == pytest.approx(90.0, abs=0.5)
    assert dist == pytest.approx(1000.0, rel=1e-6)
    first_edge = ring[1]
    az0, _, _ = geod.inv(105.6, 19.8, first_edge[1], first_edge[0])
    assert az0 == pytest.approx(60.0, abs=0.5)


def test_omni_is_a_closed_circle() -> None:
    ring = sector_polygon(105.6, 19.8, azimuth_deg=None, beamwidth_deg=360, radius_m=500)
    assert ring[0] == pytest.approx(ring[-1])
    assert len(ring) > 30


def test_hillshade_and_colours() -> None:
    flat = hillshade(np.full((5, 5), 100.0), cell_m=30)
    # flat ground lit from 45° altitude: sin(45°)
    np.testing.assert_allclose(flat, np.sin(np.radians(45)), atol=1e-9)
    rgb = colourise(np.array([[0.0, 2200.0]]), ((0.0, (0, 0, 0)), (2200.0, (200, 100, 50))))
    assert rgb.tolist() == [[[0, 0, 0], [200, 100, 50]]]


def test_terrain_image_is_a_small_png_in_lonlat_bounds(dem: Grid) -> None:
    img = terrain_image(dem, max_pixels=20_000)
    assert img.png[:4] == b"RIFF"
    assert img.png[8:12] == b"WEBP"
    assert img.mime == "image/webp"
    assert img.data_url.startswith("data:image/webp;base64,")
    assert terrain_image(dem, max_pixels=20_000, lossy=False).png.startswith(b"\x89PNG")
    assert len(img.png) < 200_000
    (lat0, lon0), (lat1, lon1) = img.bounds_latlon
    assert 19.5 < lat0 < lat1 < 20.0
    assert 105.5 < lon0 < lon1 < 106.0


def test_sea_is_drawn_as_water(dem: Grid) -> None:
    import io

    from PIL import Image

    from towerplan.maps.render import WATER_RGB

    values = np.array(dem.values)
    values[:, -60:] = 0.0  # eastern strip: sea
    img = terrain_image(dem.with_values(values), max_pixels=20_000, lossy=False)
    rgba = np.asarray(Image.open(io.BytesIO(img.png)).convert("RGBA"))
    assert tuple(rgba[rgba.shape[0] // 2, -3, :3]) == WATER_RGB
    assert tuple(rgba[rgba.shape[0] // 2, 3, :3]) != WATER_RGB


def test_operator_colours_are_distinct_and_stable() -> None:
    names = ["Viettel", "VNPT-VinaPhone", "MobiFone", "Vietnamobile", "Gmobile"]
    assert len({operator_colour(n) for n in names}) == 5
    assert operator_colour("Someone Else") == operator_colour("Someone Else")


def test_overview_map_loads_nothing_from_the_internet(dem: Grid, stations: pd.DataFrame) -> None:
    m = overview_map(dem, stations, title="Synthetic demo")
    html = m.get_root().render()
    external = re.findall(r"""(?:src|href)\s*=\s*["'](https?://[^"']+)""", html)
    assert external == []
    # jQuery is not loaded offline: nothing may call it (folium.Popup(html) does: `$(`)
    assert "$(" not in html
    assert "jQuery" not in html
    assert "/app/static/leaflet/leaflet.js" in html
    assert "Stations: Viettel (1 sites)" in html
    assert "Stations: MobiFone (1 sites)" in html
    assert "Synthetic demo" in html
    assert len(html) < 2_000_000


def test_offline_map_does_not_change_folium_defaults() -> None:
    import folium

    before = list(folium.Map.default_js)
    offline_map(bounds_lonlat=(105, 19, 106, 20))
    assert folium.Map.default_js == before


def test_install_leaflet_assets_is_idempotent(tmp_path) -> None:
    dest = install_leaflet_assets(tmp_path / "static")
    for rel in LEAFLET_FILES:
        assert (dest / rel).stat().st_size > 0
    mtime = (dest / "leaflet.js").stat().st_mtime_ns
    install_leaflet_assets(tmp_path / "static")
    assert (dest / "leaflet.js").stat().st_mtime_ns == mtime
    assert "Leaflet 1.9.4" in (dest / "leaflet.js").read_text(encoding="utf-8")[:300]


# ---------------------------------------------------------------- result maps (towerplan.maps.study)
import io  # noqa: E402
import json  # noqa: E402

import geopandas as gpd  # noqa: E402
from PIL import Image  # noqa: E402
from shapely.geometry import Point, box  # noqa: E402

from towerplan.maps.render import RSRP_STOPS, category_image, value_image  # noqa: E402
from towerplan.maps.study import (  # noqa: E402
    OSM_TILES,
    coverage_map,
    gaps_map,
    rsrp_legend_items,
    towers_map,
)


def _rgba(img) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(img.png)).convert("RGBA"))


def _has(html: str, text: str) -> bool:
    """``text`` in the page, as written or JSON-escaped (GeoJSON and layer names are JSON)."""
    return text in html or json.dumps(text)[1:-1] in html


def _offline(html: str) -> None:
    external = re.findall(r"""(?:src|href)\s*=\s*["'](https?://[^"']+)""", html)
    assert external == []
    assert "$(" not in html
    assert "jQuery" not in html
    assert OSM_TILES not in html


@pytest.fixture
def level(dem: Grid) -> Grid:
    v = np.full(dem.shape, np.nan, dtype=np.float32)
    v[:, :150] = -70.0  # strong signal in the western half, nothing in the east
    return dem.with_values(v, nodata=float("nan"))


def test_value_image_colours_levels_and_leaves_no_signal_transparent(level: Grid) -> None:
    rgba = _rgba(value_image(level, RSRP_STOPS, max_pixels=20_000, opacity=1.0))
    mid = rgba.shape[0] // 2
    assert tuple(rgba[mid, 2, :3]) == RSRP_STOPS[-1][1]  # -70 dBm: the strongest class (as in the report)
    assert rgba[mid, 2, 3] == 255
    assert rgba[mid, -3, 3] == 0  # NaN: transparent


def test_category_image_draws_one_colour_per_code(dem: Grid) -> None:
    codes = np.full(dem.shape, -1, dtype=np.int32)
    codes[:, :100] = 0
    codes[:, 100:200] = 1
    rgba = _rgba(category_image(dem.with_values(codes, nodata=None), {0: "#ff0000", 1: "#0000ff"}, opacity=1.0,
                                max_pixels=20_000))
    mid = rgba.shape[0] // 2
    assert tuple(rgba[mid, 2]) == (255, 0, 0, 255)
    assert tuple(rgba[mid, rgba.shape[1] // 2, :3]) == (0, 0, 255)
    assert rgba[mid, -3, 3] == 0


def test_rsrp_legend_starts_at_the_threshold() -> None:
    from towerplan.export._style import RSRP_COLOURS

    items = rsrp_legend_items(-110.0)
    assert items[0][0] == "≥ -80"
    assert items[-1][0] == "-110 … -100"
    assert len(rsrp_legend_items(-120.0)) == len(items) + 1
    assert rsrp_legend_items(-120.0)[-1][0] == "-120 … -110"
    # one palette: the app's legend colours are the report's and the KMZ's classes
    assert [c for _, c in reversed(rsrp_legend_items(-140.0))] == list(RSRP_COLOURS)


def test_operators_have_one_colour_in_the_app_and_the_report() -> None:
    from towerplan.export._style import operator_style

    for name in ("Viettel", "VNPT-VinaPhone", "MobiFone", "Vietnamobile", "Gmobile"):
        assert operator_colour(name) == operator_style(name, [name])[0], name


def test_coverage_map_has_every_layer_offline(dem: Grid, level: Grid, stations: pd.DataFrame) -> None:
    server = np.where(np.isfinite(level.values), 0, -1).astype(np.int32)
    count = np.where(np.isfinite(level.values), 2, 0).astype(np.int32)
    m = coverage_map(
        dem, best_level=level, threshold_dbm=-110.0, best_server=dem.with_values(server, nodata=None),
        station_operators=pd.Series(["Viettel"], index=[0]), server_count=dem.with_values(count, nodata=None),
        operator_levels={"Viettel": level}, stations=stations, lang="vi",
    )
    html = m.get_root().render()
    _offline(html)
    for name in ("Tín hiệu mạnh nhất (dBm)", "Nhà mạng phục vụ tốt nhất", "Vùng phủ Viettel", "Số cell phủ (chồng lấn)",
                 "Tín hiệu mạnh nhất (RSRP, dBm)", "Trạm: Viettel (1 vị trí)"):
        assert _has(html, name), name
    assert "GeoJsonPopup" in html or "bindPopup" in html
    assert len(html) < 3_000_000
    assert OSM_TILES in coverage_map(dem, best_level=level, threshold_dbm=-110.0, osm=True).get_root().render()


@pytest.fixture
def gaps(dem: Grid) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"rank": [1, 2], "people": [1234.4, 99.0], "area_km2": [3.0, 0.5], "commune": ["Xã A", "Xã B"]},
        geometry=[box(561_000, 2_190_000, 563_000, 2_192_000), box(580_000, 2_185_000, 581_000, 2_186_000)],
        crs=32648,
    )


def test_gaps_map_zooms_to_the_selected_gap(dem: Grid, gaps: gpd.GeoDataFrame) -> None:
    stats = gpd.GeoDataFrame({"name": ["Xã A"], "covered_any_pct": [42.0], "people": [5000.0], "gap_people": [1234.0]},
                             geometry=[box(560_000, 2_182_000, 587_000, 2_200_000)], crs=32648)
    whole = gaps_map(dem, gaps=gaps, commune_stats=stats, lang="en").get_root().render()
    zoomed = gaps_map(dem, gaps=gaps, commune_stats=stats, selected_rank=2, lang="en").get_root().render()
    _offline(zoomed)
    assert _has(whole, "1,234")
    assert _has(whole, "Xã A")
    assert "#d7301f" in whole  # 42 % covered: the worst class of the choropleth
    lon0, lat0, lon1, lat1 = gaps.iloc[[1]].to_crs(4326).total_bounds
    bounds = re.findall(r"fitBounds\(\s*\[\[([-\d.]+),\s*([-\d.]+)\],\s*\[([-\d.]+),\s*([-\d.]+)\]\]", zoomed)
    lat_s, lon_w, lat_n, lon_e = map(float, bounds[-1])
    assert lat_s < lat0 < lat1 < lat_n
    assert lon_w < lon0 < lon1 < lon_e
    assert lat_n - lat_s < 0.1  # zoomed in, not the whole DEM


def test_towers_map_numbers_proposals_with_popups(dem: Grid, gaps: gpd.GeoDataFrame) -> None:
    props = gpd.GeoDataFrame(
        {"build_order": [1, 2], "candidate_id": ["G00001", "C-S1"], "kind": ["greenfield", "colocation"],
         "people_newly_covered": [2500.2, 800.0], "operators_hosted": ["Viettel,MobiFone", "MobiFone"],
         "cost_vnd": [2.1e9, 0.4e9], "mast_height_m": [40.0, 35.0]},
        geometry=[Point(562_000, 2_191_000), Point(570_000, 2_188_000)], crs=32648,
    )
    before = dem.with_values(np.full(dem.shape, np.nan, dtype=np.float32), nodata=float("nan"))
    after = before.with_values(np.where(np.arange(dem.width) < 20, -90.0, np.nan).astype(np.float32)[None, :]
                               .repeat(dem.height, axis=0))
    html = towers_map(dem, proposals=props, gaps=gaps, best_level=after, before_level=before,
                      lang="en").get_root().render()
    assert _has(html, "Newly covered")
    _offline(html)
    assert html.count('"label": "') == 2  # two numbered discs (towerplan.maps.aids.proposal_markers)
    assert _has(html, "2,500")
    assert _has(html, "Viettel,MobiFone")
    assert _has(html, "2.10")
    assert _has(html, "People newly covered")
    assert _has(html, "new mast")


def test_site_footprint_is_a_layer_of_its_own_before_the_layer_control(utm_grid) -> None:
    import re

    from towerplan.maps.study import coverage_map, footprint_bounds, with_site_footprint

    values = np.full(utm_grid.shape, np.nan, dtype=np.float32)
    values[10:20, 5:15] = -95.0
    level = utm_grid.with_values(values, nodata=None)
    master = coverage_map(utm_grid, best_level=level, threshold_dbm=-110.0, lang="en")
    shown = with_site_footprint(master, level, site_id="TH-001", operator="Viettel", lonlat=(105.6, 19.9), lang="en")
    html = shown.get_root().render()
    name = "Coverage of site TH-001 (Viettel)"
    layer = re.search(rf'"{re.escape(name)}" : (feature_group_\w+)', html)
    assert layer, "the footprint has its own entry in the layer control"
    assert html.index(f"var {layer.group(1)} =") < html.index("L.control.layers(")  # defined before it is named
    assert html.count("L.control.layers(") == 1
    assert "fitBounds" in html
    assert "One site" in html
    assert name not in master.get_root().render()  # the master map is left as it was
    w, s, e, n = footprint_bounds(level)
    full = footprint_bounds(utm_grid)
    assert full[0] < w < e < full[2]
    assert full[1] < s < n < full[3]
    assert footprint_bounds(utm_grid.with_values(np.full(utm_grid.shape, np.nan), nodata=None)) is None


def test_legends_sit_in_one_band_outside_the_map() -> None:
    """Issue 21: every legend goes into one band element of the page (not over the map), in the order
    added, each folding to its title (an HTML details element); the band's layout script runs once, right
    after the map is made and before its view is fitted; text is escaped."""
    import folium

    from towerplan.maps.layers import legend

    m = folium.Map(location=[20.0, 105.5], zoom_start=9, tiles=None)
    m.fit_bounds([[19.7, 105.4], [19.9, 105.6]])
    legend("Signal", [("≥ -80", "#1a9641")], note="<b>n</b>").add_to(m)
    legend("Operators", [("Viettel", "#d7191c")]).add_to(m)
    html = m.get_root().render()
    band = html[html.index('<div class="towerplan-legend-band">'):]
    assert band.index(">Signal<") < band.index(">Operators<") < band.index("</body>")
    assert html.count('<details open class="towerplan-legend">') == 2
    assert "<summary>" in html
    assert "position: fixed" not in html  # nothing floats over the map
    assert "&lt;b&gt;n&lt;/b&gt;" in html
    assert html.count("frame.className = 'towerplan-map-frame'") == 1
    assert html.count(".towerplan-map-frame {") == 1
    # laid out before the view is fitted
    assert html.index("frame.className = 'towerplan-map-frame'") < html.index(".fitBounds(")
    with pytest.raises(ValueError, match=r"folium\.Map"):
        legend("x", []).add_to(folium.FeatureGroup(name="g").add_to(m))


def test_legends_reach_streamlit_folium_with_their_layout() -> None:
    """The app's path (streamlit-folium's HTML and script of a map): the band in the HTML, the layout
    script in the map's script before the view is fitted."""
    import folium

    sf = pytest.importorskip("streamlit_folium")
    from towerplan.maps.layers import legend

    m = folium.Map(location=[20.0, 105.5], zoom_start=9, tiles=None)
    m.fit_bounds([[19.7, 105.4], [19.9, 105.6]])
    legend("Signal", [("≥ -80", "#1a9641")]).add_to(m)
    m.get_root().render()
    assert '<div class="towerplan-legend-band">' in sf._get_html(m)
    assert ".towerplan-legend-band {" in sf._get_header(m)
    script = sf._get_map_string(m)
    assert script.index("frame.className = 'towerplan-map-frame'") < script.index(".fitBounds(")
