"""Legends beside or under the map, never over its data, in a real browser (headless Chromium, offline
page from file://).

The page is a raster map (an image overlay under the whole view, as on the coverage and gaps maps) with
proposal discs at its corners and several legends. At a wide and a narrow window every legend must be
outside the Leaflet container (so over neither the raster nor a disc), visible, and inside the window
with the map, and so must the layer control (which still switches layers from there); the band sits at
the map's side in the wide window and under it in the narrow one. More legends than the band holds fold
(the last ones) to their titles, which stay in view. The last case loads the map in a frame that gets
its height only after the page has loaded, as Streamlit's component frame does: the layout follows the
final size.
"""

from __future__ import annotations

from pathlib import Path

import folium
import numpy as np
import pytest
from browser_support import chromium

from towerplan.maps.aids import MapAids, proposal_markers
from towerplan.maps.assets import install_leaflet_assets, offline_map
from towerplan.maps.layers import legend

BOUNDS = (105.4, 19.7, 105.6, 19.9)  # lon_min, lat_min, lon_max, lat_max


def _page(folder: Path, *, n_legends: int = 3, n_items: int = 3) -> Path:
    install_leaflet_assets(folder)
    m = offline_map(bounds_lonlat=BOUNDS, asset_url="leaflet")
    lon0, lat0, lon1, lat1 = BOUNDS
    rgba = np.zeros((32, 32, 4), dtype=np.uint8)
    rgba[..., 0] = np.linspace(0, 255, 32, dtype=np.uint8)[None, :]
    rgba[..., 1], rgba[..., 3] = 160, 255
    # a raster wider than any view of the page: data under every pixel of the map
    folium.raster_layers.ImageOverlay(image=rgba, bounds=[[lat0 - 5, lon0 - 5], [lat1 + 5, lon1 + 5]],
                                      name="Raster").add_to(m)
    colours = ["#1a9641", "#a6d96a", "#fdae61", "#d7191c", "#2b83ba", "#756bb1", "#636363", "#e7298a"]
    for k in range(n_legends):
        items = [(f"class {k}.{i}", colours[i % len(colours)]) for i in range(n_items)]
        legend(f"Legend {k + 1}", items, note="a note under the classes").add_to(m)
    # discs at the raster's corners and centre: where legends used to be drawn
    lat = [lat0 + 0.004, lat0 + 0.004, lat1 - 0.004, lat1 - 0.004, (lat0 + lat1) / 2]
    lon = [lon0 + 0.004, lon1 - 0.004, lon0 + 0.004, lon1 - 0.004, (lon0 + lon1) / 2]
    proposal_markers(lat, lon, labels=[str(i + 1) for i in range(len(lat))], colours=["#c00"] * len(lat),
                     tooltips=[[("n", str(i))] for i in range(len(lat))],
                     popups=[[("n", str(i))] for i in range(len(lat))]).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    MapAids().add_to(m)
    path = folder / "map.html"
    path.write_text(m.get_root().render(), encoding="utf-8")
    return path


_STATE = """() => {
  const hit = (p, q) => p.left < q.right && q.left < p.right && p.top < q.bottom && q.top < p.bottom;
  const box = document.querySelector('.leaflet-container');
  const map = box.getBoundingClientRect();
  const raster = document.querySelector('.leaflet-overlay-pane img').getBoundingClientRect();
  const data = {left: Math.max(map.left, raster.left), top: Math.max(map.top, raster.top),
                right: Math.min(map.right, raster.right), bottom: Math.min(map.bottom, raster.bottom)};
  const discs = [...document.querySelectorAll('.towerplan-proposal')].map(e => e.getBoundingClientRect());
  const band = document.querySelector('.towerplan-legend-band').getBoundingClientRect();
  const out = {overMap: [], overData: [], overDiscs: [], hidden: [], outOfView: [], folded: [], open: [],
               discs: discs.length, side: box.parentNode.classList.contains('towerplan-band-side'),
               map: [map.left, map.top, map.right, map.bottom], band: [band.left, band.top, band.right, band.bottom],
               dataArea: (data.right - data.left) * (data.bottom - data.top),
               pageHigh: document.documentElement.scrollHeight, pageWide: document.documentElement.scrollWidth,
               high: window.innerHeight, wide: window.innerWidth};
  for (const el of document.querySelectorAll('.towerplan-legend')) {
    const name = el.querySelector('summary').textContent;
    const r = el.getBoundingClientRect(), title = el.querySelector('summary').getBoundingClientRect();
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none' || !r.width || !r.height) out.hidden.push(name);
    if (hit(r, map)) out.overMap.push(name);
    if (hit(r, data)) out.overData.push(name);
    if (discs.some(q => hit(r, q))) out.overDiscs.push(name);
    if (title.top < band.top - 1 || title.bottom > Math.min(band.bottom, window.innerHeight) + 1
        || title.right > window.innerWidth + 1) out.outOfView.push(name);
    (el.open ? out.open : out.folded).push(name);
  }
  const control = document.querySelector('.leaflet-control-layers');
  out.controlOverMap = !control || hit(control.getBoundingClientRect(), map);
  out.controlInBand = !!control && !!control.closest('.towerplan-legend-band');
  return out; }"""


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def _state(browser, url: str, width: int, height: int, *, frame_suffix: str | None = None, wait_ms: int = 1500):
    page = browser.new_page(viewport={"width": width, "height": height})
    try:
        page.goto(url)
        frame = page.main_frame if frame_suffix is None else next(f for f in page.frames
                                                                  if f.url.endswith(frame_suffix))
        frame.locator(".towerplan-proposal").first.wait_for(timeout=30_000)
        page.wait_for_timeout(wait_ms)
        return frame.evaluate(_STATE)
    finally:
        page.close()


def _assert_clear(state: dict, names: list[str]) -> None:
    assert state["discs"] == 5
    assert state["dataArea"] >= 0.99 * (state["map"][2] - state["map"][0]) * (state["map"][3] - state["map"][1])
    assert state["overMap"] == []
    assert state["overData"] == []
    assert state["overDiscs"] == []
    assert state["hidden"] == []
    assert state["outOfView"] == []
    assert sorted(state["open"] + state["folded"]) == sorted(names)
    # the layer control is at the band's head too, not over the map's corner
    assert state["controlInBand"]
    assert not state["controlOverMap"]
    # the map and the band fill the window without pushing anything out of it
    assert state["pageHigh"] <= state["high"]
    assert state["pageWide"] <= state["wide"]


@pytest.mark.parametrize(("width", "height", "side"), [(1280, 800, True), (700, 600, False)])
def test_legends_never_cover_the_raster_or_the_discs(browser, tmp_path: Path, width: int, height: int,
                                                     side: bool) -> None:
    state = _state(browser, _page(tmp_path).as_uri(), width, height)
    _assert_clear(state, ["Legend 1", "Legend 2", "Legend 3"])
    assert state["side"] is side  # beside the map in a wide window, under it in a narrow one
    assert state["folded"] == []  # three small legends fit
    if side:
        assert state["band"][0] >= state["map"][2] - 0.5
    else:
        assert state["band"][1] >= state["map"][3] - 0.5
        assert state["map"][3] >= 0.6 * height - 1  # the band takes at most 40 % of the frame


def test_legends_that_do_not_fit_fold_to_their_titles(browser, tmp_path: Path) -> None:
    names = [f"Legend {k + 1}" for k in range(6)]
    state = _state(browser, _page(tmp_path, n_legends=6, n_items=6).as_uri(), 1280, 420)
    _assert_clear(state, names)
    assert state["folded"]
    assert state["open"][0] == "Legend 1"
    assert state["folded"] == names[len(names) - len(state["folded"]):]  # the last ones fold first


def test_legends_are_placed_against_the_frame_size_given_after_load(browser, tmp_path: Path) -> None:
    path = _page(tmp_path)
    host = tmp_path / "host.html"
    host.write_text(f'<html><body style="margin:0"><iframe id="f" src="{path.name}" '
                    'style="border:0;width:1000px;height:40px"></iframe>'
                    '<script>setTimeout(function () { document.getElementById("f").style.height = "600px"; }, '
                    '2500);</script></body></html>', encoding="utf-8")
    state = _state(browser, host.as_uri(), 1000, 600, frame_suffix="map.html", wait_ms=3500)
    _assert_clear(state, ["Legend 1", "Legend 2", "Legend 3"])
    assert state["side"] is True
    assert state["map"][3] - state["map"][1] >= 599  # the map took the frame's final height


def test_the_layer_control_in_the_band_still_switches_layers(browser, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.goto(_page(tmp_path).as_uri())
        box = page.locator(".towerplan-legend-band .leaflet-control-layers")
        box.wait_for(timeout=30_000)
        assert page.locator(".leaflet-overlay-pane img").count() == 1
        box.get_by_text("Raster").click()  # switched off from the band
        page.wait_for_function("() => document.querySelectorAll('.leaflet-overlay-pane img').length === 0",
                               timeout=10_000)
        box.get_by_text("Raster").click()  # and on again
        page.wait_for_function("() => document.querySelectorAll('.leaflet-overlay-pane img').length === 1",
                               timeout=10_000)
    finally:
        page.close()
