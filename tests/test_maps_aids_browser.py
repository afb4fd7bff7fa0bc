"""The map aids' legend placement in a real browser (headless Chromium, offline page from file://).

A proposal disc under a legend must end with the legend moved to a free corner, folded to its title,
or (nowhere clear) hidden; never drawn over the disc. The second case loads the map in a frame that
gets its height only after the page has loaded, as Streamlit's component frame does: the legends are
placed against the final layout, not the first one.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from browser_support import chromium

from towerplan.maps.aids import MapAids, proposal_markers
from towerplan.maps.assets import install_leaflet_assets, offline_map
from towerplan.maps.layers import legend

W, H = 900, 600
CENTRE = (19.8, 105.5)  # lat, lon
ZOOM = 12


def _latlon_at(x: float, y: float) -> tuple[float, float]:
    """The lat/lon at pixel (x, y) of a W x H map centred on CENTRE at ZOOM (Web Mercator)."""
    scale = 256 * 2 ** ZOOM

    def px(lat: float, lon: float) -> tuple[float, float]:
        s = math.sin(math.radians(lat))
        return (lon + 180) / 360 * scale, (0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * scale

    cx, cy = px(*CENTRE)
    gx, gy = cx + (x - W / 2), cy + (y - H / 2)
    lon = gx / scale * 360 - 180
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * gy / scale))))
    return lat, lon


def _page(folder: Path, discs_px: list[tuple[float, float]]) -> Path:
    install_leaflet_assets(folder)
    m = offline_map(bounds_lonlat=(105.4, 19.7, 105.6, 19.9), asset_url="leaflet")
    m.options["zoomSnap"] = 0
    items = [("a", "#f00"), ("b", "#0f0"), ("c", "#00f")]
    legend("Top left legend", items, corner="topleft").add_to(m)
    legend("Bottom left legend", items, corner="bottomleft").add_to(m)
    legend("Bottom right legend", items, corner="bottomright").add_to(m)
    pts = [_latlon_at(x, y) for x, y in discs_px]
    proposal_markers([p[0] for p in pts], [p[1] for p in pts], labels=[str(i + 1) for i in range(len(pts))],
                     colours=["#c00"] * len(pts), tooltips=[[("n", str(i))] for i in range(len(pts))],
                     popups=[[("n", str(i))] for i in range(len(pts))]).add_to(m)
    MapAids().add_to(m)
    html = m.get_root().render()
    # a fixed view (not the fitted bounds), so the discs fall where the test put them
    html = html.replace("</script>\n</html>", f"{m.get_name()}.setView([{CENTRE[0]}, {CENTRE[1]}], {ZOOM}, "
                        "{animate: false});\n</script>\n</html>")
    path = folder / "map.html"
    path.write_text(html, encoding="utf-8")
    return path


_STATE = """() => { const out = {overlaps: [], hidden: [], folded: []};
  const discs = [...document.querySelectorAll('.towerplan-proposal')].map(e => e.getBoundingClientRect());
  for (const el of document.querySelectorAll('.towerplan-legend')) {
    const name = el.querySelector('summary').textContent;
    out.corners = (out.corners || []).concat([el.dataset.corner || el.dataset.home]);
    if (getComputedStyle(el).visibility === 'hidden') { out.hidden.push(name); continue; }
    if (!el.open) out.folded.push(name);
    const p = el.getBoundingClientRect();
    for (const q of discs) if (p.left < q.right && q.left < p.right && p.top < q.bottom && q.top < p.bottom)
      out.overlaps.push(name); }
  out.discs = discs.length; return out; }"""


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def _settled(frame, page) -> dict:
    page.wait_for_timeout(2000)  # the last scheduled re-check runs 1.5 s after the map is ready
    return frame.evaluate(_STATE)


def test_a_legend_over_a_disc_moves_off_it(browser, tmp_path: Path) -> None:
    # disc 1 under the top-left legend, disc 2 under the bottom-left one; the bottom-right corner is taken
    path = _page(tmp_path, [(70.0, 120.0), (60.0, H - 70.0)])
    page = browser.new_page(viewport={"width": W, "height": H})
    try:
        page.goto(path.as_uri())
        page.locator(".towerplan-proposal").first.wait_for(timeout=30_000)
        state = _settled(page.main_frame, page)
    finally:
        page.close()
    assert state["discs"] == 2
    assert state["overlaps"] == []
    assert state["hidden"] == []  # a free place exists for each (the centres of the top and bottom edges)
    assert sorted(state["corners"]) == ["bottomcentre", "bottomright", "topcentre"]


def test_legends_are_placed_against_the_frame_size_given_after_load(browser, tmp_path: Path) -> None:
    path = _page(tmp_path, [(70.0, 120.0), (W - 60.0, H - 50.0)])
    host = tmp_path / "host.html"
    host.write_text(f'<html><body style="margin:0"><iframe id="f" src="{path.name}" '
                    f'style="border:0;width:{W}px;height:40px"></iframe>'
                    f'<script>setTimeout(function () {{ document.getElementById("f").style.height = "{H}px"; }}, '
                    f'2500);</script></body></html>', encoding="utf-8")
    page = browser.new_page(viewport={"width": W, "height": H})
    try:
        page.goto(host.as_uri())
        frame = next(f for f in page.frames if f.url.endswith("map.html"))
        frame.wait_for_load_state()
        page.wait_for_timeout(3000)  # after the host gave the frame its height
        frame.locator(".towerplan-proposal").first.wait_for(timeout=30_000)
        state = _settled(frame, page)
    finally:
        page.close()
    assert state["discs"] == 2
    assert state["overlaps"] == []
