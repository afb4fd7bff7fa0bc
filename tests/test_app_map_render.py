"""app_pages.map_render: a master map is rendered once, and sends exactly what st_folium sends (issue 20)."""

from __future__ import annotations

import copy
import gc
from typing import Any

import branca.colormap
import folium
import numpy as np
import pandas as pd
import pytest
import streamlit_folium as sf
from affine import Affine

from app_pages import map_render
from towerplan.grid import Grid
from towerplan.maps.overview import overview_map
from towerplan.maps.study import coverage_map

pytestmark = pytest.mark.skipif(not map_render.supported(), reason="streamlit-folium lacks the helpers used")


def _maps() -> list[Any]:
    y, x = np.mgrid[0:60, 0:80]
    dem = Grid((400 + 300 * np.sin(x / 9.0) * np.cos(y / 7.0)).astype(np.float32),
               Affine(90, 0, 560_000, 0, -90, 2_200_000), 32648, None)
    stations = pd.DataFrame({
        "site_id": ["S1", "S1", "S2"], "cell_id": ["S1-1", "S1-2", "S2-1"],
        "operator": ["Viettel", "Viettel", "MobiFone"], "technology": ["4G", "4G", "2G"],
        "lon": [105.6, 105.6, 105.62], "lat": [19.8, 19.8, 19.81], "antenna_height_m": [40.0] * 3,
        "azimuth_deg": [0.0, 120.0, np.nan], "tilt_deg": [4.0] * 3, "h_beamwidth_deg": [65.0] * 3,
        "v_beamwidth_deg": [7.0] * 3, "freq_mhz": [1842.5, 1842.5, 942.5], "eirp_dbm": [59.0] * 3,
    })
    plain = folium.Map(location=(19.8, 105.6), zoom_start=9, tiles=None)
    folium.CircleMarker((19.8, 105.6), radius=4, tooltip="a site").add_to(folium.FeatureGroup("sites").add_to(plain))
    branca.colormap.LinearColormap(["#000000", "#ffffff"], vmin=-120, vmax=-60).add_to(plain)
    folium.LayerControl().add_to(plain)
    level = dem.with_values(np.where(dem.values > 450, -80.0 - (dem.values - 450) / 10, np.nan).astype(np.float32),
                            nodata=None)
    server = np.where(np.isfinite(level.values), 0, -1).astype(np.int32)
    coverage = coverage_map(dem, best_level=level, threshold_dbm=-110.0,
                            best_server=dem.with_values(server, nodata=None),
                            station_operators=pd.Series(["Viettel"], index=[0]), operator_levels={"Viettel": level},
                            stations=stations, lang="vi")
    return [overview_map(dem, stations, title="Synthetic", lang="en"), plain, coverage]


def _st_folium_args(fmap: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(sf, "_component_func", lambda **kw: seen.update(kw) or {})
    sf.st_folium(copy.deepcopy(fmap), height=500, use_container_width=True, returned_objects=[], key="k")
    return seen


def test_payload_is_what_st_folium_sends(monkeypatch: pytest.MonkeyPatch) -> None:
    for fmap in _maps():
        expected = _st_folium_args(fmap, monkeypatch)
        sent = _capture_payload(fmap, monkeypatch)
        for name in ("on_change",):
            expected.pop(name), sent.pop(name)
        assert sent == expected


def _capture_payload(fmap: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(sf, "_component_func", lambda **kw: seen.update(kw) or {})
    map_render.show_payload(map_render.map_payload(fmap), key="k", height=500)
    return seen


def test_a_master_is_rendered_once_and_never_itself() -> None:
    fmap = _maps()[0]
    before = map_render._CACHE.renders
    first = map_render.map_payload(fmap)
    again = map_render.map_payload(fmap)
    assert again is first
    assert map_render._CACHE.renders == before + 1
    assert first.size_bytes > 1000
    assert "L.map(" in first.script
    # the master itself was not rendered: a copy of it still renders to the same script
    assert map_render._render(copy.deepcopy(fmap)).script == first.script
    other = _maps()[1]
    assert map_render.map_payload(other).script != first.script
    # a dropped master takes its payload with it
    gc.collect()
    n = len(map_render._CACHE._by_map)
    del other
    gc.collect()
    assert len(map_render._CACHE._by_map) == n - 1
