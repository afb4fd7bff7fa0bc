"""Sector wedges drawn by the page's script (towerplan.maps.sectors), checked in headless Chromium."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from browser_support import chromium

from towerplan.maps.assets import leaflet_source_dir, offline_map
from towerplan.maps.layers import sector_polygon, stations_layers

_LAYERS = """() => { const m = Object.values(window).find(v => v instanceof L.Map); const out = [];
  m.eachLayer(l => {
    if (l instanceof L.Polygon) out.push({kind: "polygon", ring: l.getLatLngs()[0].map(p => [p.lat, p.lng])});
    else if (l instanceof L.CircleMarker) out.push({kind: "dot"}); });
  return out; }"""
_POPUP = """(k) => { const m = Object.values(window).find(v => v instanceof L.Map); const ps = [];
  m.eachLayer(l => { if (l instanceof L.Polygon) ps.push(l); });
  m.closePopup(); ps[k].openPopup(ps[k].getBounds().getCenter());
  const shown = document.querySelectorAll('.leaflet-popup-content'); return shown[shown.length - 1].innerHTML; }"""


def _stations() -> pd.DataFrame:
    rows = [("S1", f"S1-{k}", "Viettel", "4G", 105.77, 19.80, 30.0, az, 65.0, 1842.5, 4.0, 58.0)
            for k, az in enumerate((0.0, 120.0, 240.0))]
    rows.append(("S2", "<b>omni</b>", "MobiFone", "2G", 105.80, 19.82, 25.0, np.nan, np.nan, 942.5, np.nan, 50.0))
    return pd.DataFrame(rows, columns=["site_id", "cell_id", "operator", "technology", "lon", "lat",
                                       "antenna_height_m", "azimuth_deg", "h_beamwidth_deg", "freq_mhz", "tilt_deg",
                                       "eirp_dbm"])


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    dy = (a[0] - b[0]) * 111_320.0
    dx = (a[1] - b[1]) * 111_320.0 * math.cos(math.radians(a[0]))
    return math.hypot(dx, dy)


def test_every_sector_is_drawn_where_python_puts_it_with_its_popup(tmp_path) -> None:
    stations = _stations()
    m = offline_map(bounds_lonlat=(105.7, 19.7, 105.9, 19.9), asset_url=leaflet_source_dir().as_uri())
    for fg in stations_layers(stations, radius_m=700.0, lang="en"):
        fg.add_to(m)
    page_file = tmp_path / "map.html"
    page_file.write_text(m.get_root().render(), encoding="utf-8")
    with chromium() as browser:
        page = browser.new_page()
        page.goto(page_file.as_uri())
        page.wait_for_function("() => typeof L !== 'undefined' && Object.values(window).some(v => v instanceof L.Map)")
        layers = page.evaluate(_LAYERS)
        polygons = [np.array(x["ring"]) for x in layers if x["kind"] == "polygon"]
        assert len(polygons) == len(stations)
        assert sum(x["kind"] == "dot" for x in layers) == 2  # one per site
        # the browser's wedges (sphere) lie within a few metres of the geodesic ones of sector_polygon
        expected = []
        for row in stations.itertuples(index=False):
            az = None if math.isnan(row.azimuth_deg) else row.azimuth_deg
            ring = sector_polygon(row.lon, row.lat, azimuth_deg=az, beamwidth_deg=65.0, radius_m=700.0, steps=6)
            expected.append(np.array(ring[:-1]))  # Leaflet closes its rings itself
        for ring in polygons:
            errors = [max(_metres(tuple(p), tuple(q)) for p, q in zip(ring, e, strict=True))
                      for e in expected if e.shape == ring.shape]
            assert errors
            assert min(errors) < 5.0
        texts = [page.evaluate(_POPUP, k) for k in range(len(polygons))]
    viettel = next(x for x in texts if "S1-1" in x)
    for part in ("Viettel", "4G", "1842.5 MHz", "120°", "4.0°", "30 m", "58.0 dBm", "Azimuth", "EIRP"):
        assert part in viettel, part
    omni = next(x for x in texts if "MobiFone" in x)
    assert "&lt;b&gt;omni&lt;/b&gt;" in omni  # a cell id is text, never markup
    assert "<b>" not in omni
    assert "omni" in omni.split("Azimuth")[1][:40]
