"""Streamlit's uploader text that only shows in a browser (issue 21, item 4), in headless Chromium, offline:
the banner while a file is dragged over an uploader and the tooltip over a refused file are Vietnamese in the
Vietnamese app (:func:`app_pages.widget_text.uploader_css`) and Streamlit's English in the English one.

Streamlit marks neither element with a ``data-testid`` of its own, so the stylesheet finds them by their
place in Streamlit's markup; this test fails when a Streamlit version moves them and the English shows again.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import REPO, chromium, streamlit_server

from towerplan.i18n import t

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # ~30-60 s: a Streamlit server and Chromium

SHOTS = Path("/tmp/towerplan_shots")
ZONE = ".st-key-vil_upload [data-testid='stFileUploaderDropzone']"
BANNER = f"{ZONE} > [data-testid='stFileUploaderDropzoneInput'] + div:not([data-testid]) > span"


@pytest.fixture(scope="module")
def app_url(home: Path) -> Iterator[str]:
    env = {**os.environ, "HOME": str(home), "PYTHONPATH": str(REPO)}
    with streamlit_server(env, home / "streamlit.log") as url:
        yield url


def _style(locator, pseudo: str | None, prop: str) -> str:
    return str(locator.evaluate(f"(e, p) => getComputedStyle(e, p).{prop}", pseudo))


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_drag_banner_and_refused_file_tooltip_in_the_page_language(app_url: str, lang: str) -> None:
    from app_pages.common import MAX_UPLOAD_MB

    SHOTS.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.route("**/*", lambda route: route.continue_() if "127.0.0.1" in route.request.url
                   or route.request.url.startswith(("data:", "blob:", "about:")) else route.abort())
        page.goto(f"{app_url}/villages?lang={lang}", wait_until="domcontentloaded")
        zone = page.locator(ZONE)
        zone.wait_for(timeout=120_000)
        # a file dragged over the uploader: Streamlit's banner appears (react-dropzone's drag state)
        files = page.evaluate_handle("""() => { const d = new DataTransfer();
            d.items.add(new File(['a'], 'thon.csv', {type: 'text/csv'})); return d; }""")
        zone.dispatch_event("dragenter", {"dataTransfer": files})
        banner = page.locator(BANNER)
        banner.wait_for(timeout=10_000)
        assert "Drag and drop" in banner.inner_text()  # Streamlit's text is still in the markup ...
        page.screenshot(path=str(SHOTS / f"uploader_drag_{lang}.png"))
        if lang == "vi":  # ... but not shown: ours is
            assert _style(banner, None, "fontSize") == "0px"
            assert _style(banner, "::after", "content") == f'"{t("uploader_drop", "vi")}"'
            assert _style(banner, "::after", "fontSize") != "0px"
        else:
            assert _style(banner, None, "fontSize") != "0px"
            assert _style(banner, "::after", "content") in ("none", "normal")
        zone.dispatch_event("dragleave", {"dataTransfer": files})
        banner.wait_for(state="detached", timeout=10_000)
        # a file of a type the uploader does not take: refused in the browser, its chip has an error tooltip
        page.locator(f"{ZONE} input[type='file']").set_input_files(
            files=[{"name": "thon.exe", "mimeType": "application/octet-stream", "buffer": b"MZ"}])
        chip = page.locator(".st-key-vil_upload [data-testid='stFileChip'][aria-invalid='true']")
        chip.wait_for(timeout=30_000)
        chip.hover()
        tip = page.locator("[data-testid='stTooltipErrorContent']")
        tip.wait_for(timeout=10_000)
        page.wait_for_timeout(800)  # the tooltip fades in
        page.screenshot(path=str(SHOTS / f"uploader_refused_{lang}.png"))
        box = tip.bounding_box()
        assert box is not None
        assert box["width"] > 100, box  # shown, with its text's size (not shrunk to nothing)
        assert box["height"] > 10, box
        assert "not allowed" in tip.inner_text()
        if lang == "vi":
            assert _style(tip, None, "fontSize") == "0px"
            assert _style(tip, "::after", "content") == f'"{t("uploader_refused_tip", "vi", mb=MAX_UPLOAD_MB)}"'
        else:
            assert _style(tip, None, "fontSize") != "0px"
            assert _style(tip, "::after", "content") in ("none", "normal")
        page.close()
