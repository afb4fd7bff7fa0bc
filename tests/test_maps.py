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
    assert img.png.startswith(b"\x89PNG")
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
    img = terrain_image(dem.with_values(values), max_pixels=20_000)
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
