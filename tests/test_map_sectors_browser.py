"""Sector wedges drawn by the page's script (towerplan.maps.sectors), checked in headless Chromium: where they
are, and what the mouse gets on each (tooltip, hover style, popup: bound once on the operator's layer)."""

from __future__ import annotations

import contextlib
import math

import numpy as np
import pandas as pd
from browser_support import chromium
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from towerplan.maps.assets import leaflet_source_dir, offline_map
from towerplan.maps.layers import sector_polygon, stations_layers

_LAYERS = """() => { const m = Object.values(window).find(v => v instanceof L.Map); const out = [];
  m.eachLayer(l => {
    if (l instanceof L.Polygon) out.push({kind: "polygon", ring: l.getLatLngs()[0].map(p => [p.lat, p.lng])});
    else if (l instanceof L.CircleMarker) out.push({kind: "dot"}); });
  return out; }"""
# the page point (px) inside wedge k (the mean of its vertices: site and arc, or the omni circle's centre), and the
# wedge's current line weight
_POINT = """(k) => { const m = Object.values(window).find(v => v instanceof L.Map); const ps = [];
  m.eachLayer(l => { if (l instanceof L.Polygon) ps.push(l); });
  const ring = ps[k].getLatLngs()[0];
  const c = L.latLng(ring.reduce((s, p) => s + p.lat, 0) / ring.length,
                     ring.reduce((s, p) => s + p.lng, 0) / ring.length);
  const xy = m.latLngToContainerPoint(c), box = m.getContainer().getBoundingClientRect();
  return {x: box.left + xy.x, y: box.top + xy.y, weight: ps[k].options.weight}; }"""
_WEIGHT = """(k) => { const m = Object.values(window).find(v => v instanceof L.Map); const ps = [];
  m.eachLayer(l => { if (l instanceof L.Polygon) ps.push(l); }); return ps[k].options.weight; }"""
_SHOWN = """(cls) => { const el = document.querySelectorAll(cls);
  return el.length ? el[el.length - 1].innerHTML : ""; }"""


_MAP = "Object.values(window).find(v => v instanceof L.Map)"


def _until(page, condition: str, *, nudge=None, tries: int = 6) -> None:
    """Wait for a JavaScript condition; ``nudge`` (called between tries) repeats the mouse gesture that should
    bring it (on a loaded machine a mouse event can reach Leaflet's throttled canvas handler late or merged)."""
    for attempt in range(tries):
        try:
            page.wait_for_function(condition, timeout=5_000)
            return
        except PlaywrightTimeout:
            if attempt == tries - 1:
                raise
            if nudge is not None:
                nudge(attempt)


def _mouse_on_wedge(page, k: int) -> tuple[str, float, str]:
    """Hover wedge k (its tooltip, its line weight while hovered), then click it (its popup)."""
    # the previous popup's auto-pan may still be moving the map: stop it, so the point below stays under the wedge
    page.evaluate(f"() => {_MAP}.stop()")
    page.mouse.move(5, 5)
    _until(page, f"() => ({_SHOWN})('.leaflet-tooltip') === ''")  # no tooltip left from the wedge before
    point = page.evaluate(_POINT, k)
    page.wait_for_timeout(100)  # Leaflet's canvas reads the mouse at most every 32 ms (later moves are dropped)
    page.mouse.move(point["x"], point["y"], steps=3)
    page.wait_for_timeout(100)
    page.mouse.move(point["x"] + 1, point["y"] + 1)
    _until(page, f"() => ({_SHOWN})('.leaflet-tooltip') !== ''",
           nudge=lambda i: page.mouse.move(point["x"] + (i % 2), point["y"] + 1 - (i % 2), steps=2))
    tooltip, weight = page.evaluate(_SHOWN, ".leaflet-tooltip"), page.evaluate(_WEIGHT, k)
    page.mouse.click(point["x"], point["y"])
    _until(page, f"() => ({_SHOWN})('.leaflet-popup-content') !== ''",
           nudge=lambda _i: page.mouse.click(point["x"], point["y"]))
    popup = page.evaluate(_SHOWN, ".leaflet-popup-content")
    page.evaluate(f"() => {_MAP}.closePopup()")
    return tooltip, weight, popup


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
    m = offline_map(bounds_lonlat=(105.76, 19.79, 105.81, 19.83), asset_url=leaflet_source_dir().as_uri())
    for fg in stations_layers(stations, radius_m=700.0, lang="en"):
        fg.add_to(m)
    page_file = tmp_path / "map.html"
    page_file.write_text(m.get_root().render(), encoding="utf-8")
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 900, "height": 700})
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
        shown = [_mouse_on_wedge(page, k) for k in range(len(polygons))]
        page.wait_for_timeout(100)
        page.mouse.move(5, 5)  # off every wedge: the hover style goes
        with contextlib.suppress(PlaywrightTimeout):  # the assertion below says what stayed
            _until(page, f"() => {{ const w = []; {_MAP}.eachLayer(l => {{ if (l instanceof L.Polygon) "
                         "w.push(l.options.weight); }); return w.every(x => x === 1); }", tries=2)
        assert [page.evaluate(_WEIGHT, k) for k in range(len(polygons))] == [1] * len(polygons)
    assert [weight for _, weight, _ in shown] == [3] * len(polygons)  # the wedge under the mouse is outlined
    tooltips, texts = [x[0] for x in shown], [x[2] for x in shown]
    # each wedge's own tooltip (site, cell, technology) and popup (every field), one wedge each
    assert sorted(x.split("Cell</th><td>")[1].split("<")[0] for x in tooltips) == sorted(
        ["S1-0", "S1-1", "S1-2", "&lt;b&gt;omni&lt;/b&gt;"])
    assert all("Azimuth" not in x and "Site" in x for x in tooltips)
    viettel = next(x for x in texts if "S1-1" in x)
    for part in ("Viettel", "4G", "1842.5 MHz", "120°", "4.0°", "30 m", "58.0 dBm", "Azimuth", "EIRP"):
        assert part in viettel, part
    omni = next(x for x in texts if "MobiFone" in x)
    assert "&lt;b&gt;omni&lt;/b&gt;" in omni  # a cell id is text, never markup
    assert "<b>" not in omni
    assert "omni" in omni.split("Azimuth")[1][:40]
