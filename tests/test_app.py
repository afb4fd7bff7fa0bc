"""The Streamlit app: logic through AppTest, and the real page in headless Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def demo_cache(tmp_path_factory) -> Path:
    """A private HOME so the app's demo cache is generated fresh and not shared with the user's."""
    return tmp_path_factory.mktemp("home")


def test_app_opens_on_the_demo(demo_cache: Path, monkeypatch) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("HOME", str(demo_cache))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Overview"
    labels = {m.label: m.value for m in at.metric}
    assert int(labels["Operators"]) == 3
    assert int(labels["Sites"].replace(",", "")) > 50
    assert any("Synthetic demo" in c.value for c in at.caption)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def app_url(demo_cache: Path) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "HOME": str(demo_cache)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            proc.kill()
            out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            pytest.fail(f"streamlit did not start: {out[-2000:]}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is not installed (scripts/install-test-deps.sh installs it)")
        pytest.skip("Debian's chromium is not installed: run scripts/install-test-deps.sh")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield b
        b.close()


@pytest.mark.browser
def test_map_renders_offline_in_chromium(browser, app_url: str, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    external: list[str] = []

    def guard(route) -> None:  # refuse every request that leaves this machine
        host = route.request.url.split("/")[2].split(":")[0] if "://" in route.request.url else ""
        if route.request.url.startswith(("data:", "blob:", "about:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.goto(app_url, wait_until="domcontentloaded")
    page.get_by_role("heading", name="Overview").wait_for(timeout=120_000)
    frame = page.frame_locator("iframe[title='streamlit_folium.st_folium']")
    frame.locator(".leaflet-container").wait_for(timeout=60_000)
    frame.locator(".leaflet-image-layer").first.wait_for(state="attached", timeout=30_000)
    frame.locator(".towerplan-legend").wait_for(timeout=30_000)
    frame.locator(".leaflet-overlay-pane canvas").first.wait_for(state="attached", timeout=30_000)
    # vectors are drawn on a canvas (prefer_canvas): count the map's polygon layers through Leaflet itself
    inner = next(f for f in page.frames if "st_folium" in f.url)
    wedges = inner.evaluate(
        """() => { const m = Object.values(window).find(v => v instanceof L.Map); let n = 0;
                   m.eachLayer(l => { if (l instanceof L.Polygon) n += 1; }); return n; }"""
    )
    assert wedges > 1000, wedges
    page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)
    assert external == [], external
    page.close()


@pytest.mark.browser
def test_upload_a_station_list_shows_the_report(browser, app_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "tram_viettel.csv"
    bad.write_text(
        "Mã trạm,Nhà mạng,Công nghệ,Kinh độ,Vĩ độ,Độ cao anten (m),Góc phương vị\n"
        "TH001,Viettel,4G,105.7761,19.8075,40,0\n"
        "TH002,Viettel,4G,,19.81,35,120\n"
        "TH003,Viettel,4G,105.80,19.83,-5,240\n",
        encoding="utf-8",
    )
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{app_url}/data", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Data").wait_for(timeout=120_000)
    page.locator("input[type='file']").first.set_input_files(str(bad))
    page.get_by_text("1 sector kept from 1 file").wait_for(timeout=60_000)
    page.get_by_text("2 error(s) and").wait_for(timeout=30_000)  # rows 3 (no longitude) and 4 (height -5)
    page.get_by_text("Download the rows in error").wait_for(timeout=30_000)
    page.screenshot(path=str(tmp_path / "data.png"), full_page=True)
    page.close()
