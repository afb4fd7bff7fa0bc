"""The demo's overview map in headless Chromium is loaded from its static page, offline (issue 20 item 6).

The frame's URL is the content-keyed page under ``/app/static/st_folium/``, the bytes served are the file the
app wrote, streamlit-folium's component is not loaded for it, nor the scripts of ``st.metric`` and ``st.html``,
and the map inside is complete (relief, legend, layer control, every sector wedge); each
language has its own page.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import REPO, chromium, streamlit_server

pytestmark = pytest.mark.browser

_PAGE = re.compile(r"http://127\.0\.0\.1:\d+/app/static/st_folium/([0-9a-f]{64})\.html")
_POLYGONS = """() => { const m = Object.values(window).find(v => v instanceof L.Map); let n = 0;
                      m.eachLayer(l => { if (l instanceof L.Polygon) n += 1; }); return n; }"""


@pytest.fixture(scope="module")
def app_url(home: Path, streamlit_env: dict[str, str]) -> Iterator[str]:
    with streamlit_server(streamlit_env, home / "streamlit_static_map.log") as url:
        yield url


def _load(browser, url: str) -> tuple[str, list[str], int, bytes]:
    """(map frame URL, requests made, polygons drawn, bytes the frame's page was served) of one new page."""
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("data:", "blob:", "about:"))
               or r.request.url.split("/")[2].split(":")[0] in ("127.0.0.1", "localhost") else r.abort())
    try:
        page.goto(url, wait_until="domcontentloaded")
        frame_el = page.locator("iframe[title='streamlit_folium.st_folium']").first
        frame = page.frame_locator("iframe[title='streamlit_folium.st_folium']").first
        frame.locator(".leaflet-image-layer").first.wait_for(state="attached", timeout=120_000)
        frame.locator(".towerplan-legend").first.wait_for(timeout=60_000)
        frame.locator(".leaflet-control-layers").first.wait_for(timeout=60_000)
        src = frame_el.get_attribute("src") or ""
        inner = next(f for f in page.frames if f.url.endswith(src.rsplit("/", 1)[-1]))
        inner.wait_for_function(f"() => ({_POLYGONS})() > 1000", timeout=60_000)
        served = page.request.get(inner.url).body()
        return inner.url, requests, int(inner.evaluate(_POLYGONS)), served
    finally:
        page.close()


def test_the_overview_map_loads_from_its_static_page(app_url: str) -> None:
    with chromium() as browser:
        url_en, requests, polygons, served = _load(browser, f"{app_url}/?lang=en")
        url_vi, _, polygons_vi, _ = _load(browser, app_url)
    found = _PAGE.fullmatch(url_en)
    assert found is not None, url_en
    page = REPO / "static" / "st_folium" / (found.group(1) + ".html")
    assert served == page.read_bytes()  # the file the app wrote, served as it is
    assert hashlib.sha256(served).hexdigest() == found.group(1)  # named by its content
    assert polygons > 1000
    assert polygons_vi == polygons
    assert not [u for u in requests if "/component/streamlit_folium" in u]  # no st_folium frame for it
    # the first page's figures are Markdown (its script is in Streamlit's first bundle): no script of st.metric
    # or st.html is loaded with the map's frame (bench/README.md, "Overview page load: ...")
    assert not [u for u in requests if re.search(r"/static/js/(Metric|Html|numbro|purify)[.-]", u)]
    assert all(u.split("/")[2].startswith(("127.0.0.1", "localhost")) for u in requests if "://" in u)
    assert _PAGE.fullmatch(url_vi)
    assert url_vi != url_en
