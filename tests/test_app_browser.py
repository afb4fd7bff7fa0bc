"""The real app in headless Chromium, offline: every request outside 127.0.0.1 is refused and fails the test.

One Streamlit server for the module (demo at 90 m, 4G only); screenshots go to
``/tmp/towerplan_shots/`` so a person can look at what a planner sees.
"""

from __future__ import annotations

import contextlib
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_figures import FIGURES_JS
from browser_support import chromium, streamlit_server
from playwright.sync_api import TimeoutError as PlaywrightTimeout

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/towerplan_shots")
FOLIUM_IFRAME = "iframe[title='streamlit_folium.st_folium']"


@pytest.fixture(scope="module")
def app_url(home: Path, streamlit_env: dict[str, str]) -> Iterator[str]:
    """The app's server; its coverage step reads the session's stored runs (the demo's default run, when an
    in-process app test computed it first)."""
    with streamlit_server(streamlit_env, home / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    SHOTS.mkdir(parents=True, exist_ok=True)
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser):
    """A page whose every request leaving 127.0.0.1 is refused and recorded (checked at the end)."""
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    external: list[str] = []

    def guard(route) -> None:
        url = route.request.url
        host = url.split("/")[2].split(":")[0] if "://" in url else ""
        if url.startswith(("data:", "blob:", "about:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            external.append(url)
            route.abort()

    page.route("**/*", guard)
    yield page
    page.close()
    assert external == [], f"requests outside this machine: {external[:5]}"


def _map(page):
    return page.frame_locator(FOLIUM_IFRAME).first


def _leaflet_count(page, js_class: str) -> int:
    """How many layers of a Leaflet class (``L.Polygon``, ``L.CircleMarker`` ...) the map iframe holds."""
    frame = next(f for f in page.frames if "st_folium" in f.url or "streamlit_folium" in f.url)
    return frame.evaluate(
        f"""() => {{ const m = Object.values(window).find(v => v instanceof L.Map); let n = 0;
                   m.eachLayer(l => {{ if (l instanceof {js_class}) n += 1; }}); return n; }}"""
    )


def _metrics(page) -> dict[str, str]:
    """The page's figures (``st.metric`` and the overview's figure block) label -> value, as shown."""
    return page.evaluate(FIGURES_JS)


def _rects_overlap(page, selector_a: str, selector_b: str) -> list[str]:
    """Pairs of visible elements of the two kinds (in the map frame) whose boxes overlap."""
    frame = next(f for f in page.frames if "st_folium" in f.url or "streamlit_folium" in f.url)
    return frame.evaluate(
        """([a, b]) => { const box = e => e.getBoundingClientRect(); const out = [];
             for (const x of document.querySelectorAll(a)) { for (const y of document.querySelectorAll(b)) {
               const p = box(x), q = box(y);
               const shown = e => getComputedStyle(e).visibility !== 'hidden';
               if (p.width && q.width && shown(x) && shown(y)
                   && p.left < q.right && q.left < p.right && p.top < q.bottom && q.top < p.bottom)
                 out.push(x.className + ' / ' + y.innerText); } } return out; }""", [selector_a, selector_b])


def _legends_off_the_map(page) -> list[str]:
    """Legends (in the map frame) over the Leaflet container (its rasters, markers), hidden, or with their
    title out of the frame; waits a few seconds for the layout when the frame is sized late."""
    frame = next(f for f in page.frames if "st_folium" in f.url or "streamlit_folium" in f.url)
    problems: list[str] = []
    for _ in range(10):
        problems = frame.evaluate(
            """() => { const m = document.querySelector('.leaflet-container').getBoundingClientRect(); const out = [];
                 const legends = document.querySelectorAll('.towerplan-legend');
                 if (!legends.length) out.push('no legend');
                 for (const el of legends) {
                   const r = el.getBoundingClientRect(), t = el.querySelector('summary').getBoundingClientRect();
                   const name = el.querySelector('summary').textContent, st = getComputedStyle(el);
                   if (r.left < m.right && m.left < r.right && r.top < m.bottom && m.top < r.bottom)
                     out.push(name + ' over the map');
                   if (st.visibility === 'hidden' || st.display === 'none' || !r.width) out.push(name + ' hidden');
                   if (t.bottom > innerHeight + 1 || t.right > innerWidth + 1) out.push(name + ' out of the frame');
                 } return out; }""")
        if not problems:
            break
        page.wait_for_timeout(500)
    return problems


def _tooltips_inside(page) -> list[str]:
    """Open each proposal's tooltip; those cut at the map frame's edge (frame-relative boxes)."""
    frame = next(f for f in page.frames if "st_folium" in f.url or "streamlit_folium" in f.url)
    return frame.evaluate(
        """() => { const m = Object.values(window).find(v => v instanceof L.Map); const out = [];
             const f = m.getContainer().getBoundingClientRect();
             m.eachLayer(l => { if (l instanceof L.Marker && l.options.towerplanProposal) {
               l.openTooltip(); const r = l.getTooltip().getElement().getBoundingClientRect();
               if (r.left < f.left || r.top < f.top || r.right > Math.min(f.right, innerWidth)
                   || r.bottom > Math.min(f.bottom, innerHeight)) out.push(JSON.stringify(r));
               l.closeTooltip(); } }); return out; }""")


def _idle(page) -> None:
    """Wait until the script run is over (Streamlit shows its running/stop widget while it runs)."""
    page.wait_for_timeout(300)
    page.locator("[data-testid='stStatusWidget']").wait_for(state="detached", timeout=120_000)


def _nav(page, label: str) -> None:
    """Go to another page through the sidebar (keeps the session, unlike a new URL); a page's first visit
    in a fresh checkout may compile its kernels (no numba cache yet), hence the long wait."""
    page.locator("[data-testid='stSidebarNav'] a", has_text=label).first.click()
    page.get_by_role("heading", name=label).first.wait_for(timeout=180_000)


def _upload(page, key: str, path: Path) -> None:
    """Give ``path`` to the uploader of widget key ``key`` once the page's script run is over (a file given while
    the page is still being drawn can go to an input Streamlit then replaces), and wait until it shows the file."""
    _idle(page)
    page.locator(f".st-key-{key} input[type='file']").set_input_files(str(path))
    page.locator(f".st-key-{key} [data-testid='stFileChipName']", has_text=path.name).first.wait_for(timeout=60_000)


def test_demo_map_shows_leaflet_layers_offline(page, app_url: str) -> None:
    page.goto(app_url, wait_until="domcontentloaded")
    page.get_by_role("heading", name="Tổng quan").wait_for(timeout=120_000)  # Vietnamese by default
    m = _map(page)
    m.locator(".leaflet-container").wait_for(timeout=60_000)
    m.locator(".leaflet-image-layer").first.wait_for(state="attached", timeout=30_000)
    m.locator(".towerplan-legend").wait_for(timeout=30_000)
    m.locator(".leaflet-control-layers").wait_for(timeout=30_000)
    m.locator(".leaflet-overlay-pane canvas").first.wait_for(state="attached", timeout=30_000)
    assert _leaflet_count(page, "L.Polygon") > 1000  # sector wedges
    page.screenshot(path=str(SHOTS / "01_overview_vi.png"))
    # one click to English
    page.get_by_text("English").click()
    page.get_by_role("heading", name="Overview").wait_for(timeout=60_000)


def test_uploaded_station_errors_appear(page, app_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "tram_viettel.csv"
    bad.write_text(
        "Mã trạm,Nhà mạng,Công nghệ,Kinh độ,Vĩ độ,Độ cao anten (m),Góc phương vị\n"
        "TH001,Viettel,4G,105.7761,19.8075,40,0\n"
        "TH002,Viettel,4G,,19.81,35,120\n"
        "TH003,Viettel,4G,105.80,19.83,-5,240\n",
        encoding="utf-8",
    )
    page.goto(f"{app_url}/data?lang=en", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Data").first.wait_for(timeout=120_000)
    _upload(page, "data_uploads", bad)
    page.get_by_text("1 sector(s) kept from 1 file(s)").wait_for(timeout=60_000)
    page.get_by_text("2 error(s) and").wait_for(timeout=30_000)  # row 3 (no longitude), row 4 (height -5)
    page.get_by_text("Download the rows in error").wait_for(timeout=30_000)
    page.screenshot(path=str(SHOTS / "02_data_upload_errors.png"), full_page=True)


def test_coverage_gaps_and_proposals(page, app_url: str) -> None:
    page.goto(f"{app_url}/coverage?lang=en", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Coverage").first.wait_for(timeout=120_000)
    page.get_by_role("button", name="Compute coverage").click()
    # a fresh checkout compiles the coverage kernels in the server on this first run (no numba cache yet)
    page.get_by_text("sectors.", exact=False).first.wait_for(timeout=300_000)
    m = _map(page)
    m.locator(".towerplan-legend", has_text="Best signal (RSRP, dBm)").wait_for(timeout=60_000)
    m.locator(".leaflet-control-layers", has_text="Best server").wait_for(timeout=30_000)
    page.wait_for_timeout(500)
    assert _legends_off_the_map(page) == []  # issue 21: beside or under the map, never over the raster
    page.screenshot(path=str(SHOTS / "03_coverage.png"))

    _nav(page, "Gaps")
    page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=120_000)
    _map(page).locator(".towerplan-legend", has_text="Gaps").wait_for(timeout=60_000)
    assert _leaflet_count(page, "L.Polygon") > 10  # gaps and communes
    page.wait_for_timeout(500)
    assert _legends_off_the_map(page) == []  # a narrower column: the band under the map
    page.screenshot(path=str(SHOTS / "04_gaps.png"))
    # select the second-ranked gap (the grid is a canvas: click its row-selection cell): the map zooms to it
    grid = page.locator("[data-testid='stDataFrame']").first
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 16, box["y"] + 35 + 35 + 17)
    page.get_by_text("Showing gap rank 2").wait_for(timeout=60_000)
    _idle(page)
    _map(page).locator(".leaflet-image-layer").first.wait_for(state="attached", timeout=60_000)
    page.wait_for_timeout(800)
    page.screenshot(path=str(SHOTS / "04b_gap_selected.png"))

    _nav(page, "Shared towers")
    page.get_by_label("Number of towers").fill("3")
    page.get_by_role("button", name="Propose towers").click()
    page.get_by_text("Shared sites proposed").first.wait_for(timeout=300_000)  # the study summary's figures
    _map(page).locator(".towerplan-proposal").first.wait_for(timeout=60_000)
    assert _map(page).locator(".towerplan-proposal").count() == 3
    page.get_by_text("Proposed towers (in build order)").wait_for(timeout=30_000)
    page.wait_for_timeout(1000)
    # readable maps (issue 21): no legend over a proposal (nor anywhere over the map), tooltips inside the
    # frame, the new area outlined; the band is laid out once the frame has its size, so the check is given a
    # few seconds to settle
    for _ in range(10):
        overlaps = _rects_overlap(page, ".towerplan-legend", ".towerplan-proposal")
        if not overlaps:
            break
        page.wait_for_timeout(500)
    if overlaps:
        page.screenshot(path=str(SHOTS / "05_towers_overlap.png"), full_page=True)
    assert overlaps == []
    assert _legends_off_the_map(page) == []
    assert _tooltips_inside(page) == []
    assert _leaflet_count(page, "L.Polyline") >= 1  # the outline of the newly covered area
    page.screenshot(path=str(SHOTS / "05_towers.png"), full_page=True)

    _nav(page, "Export")
    zip_button = page.get_by_role("button", name="Download the whole plan package (ZIP)")
    try:
        zip_button.wait_for(timeout=120_000)
    except Exception:
        page.screenshot(path=str(SHOTS / "06_export_failed.png"), full_page=True)
        raise AssertionError(page.locator("[data-testid='stMain']").inner_text()[-3000:]) from None
    page.screenshot(path=str(SHOTS / "06_export.png"), full_page=True)
    # the downloads are named by the data origin (the demo: "demo"), and the package holds summary.json
    with page.expect_download(timeout=120_000) as got:
        zip_button.click()
    assert got.value.suggested_filename == "towerplan_plan_demo.zip"
    with zipfile.ZipFile(got.value.path()) as zf:
        figures = json.loads(zf.read("summary.json").decode("utf-8"))["figures"]
    with page.expect_download(timeout=60_000) as got:
        page.get_by_role("button", name="Download report.pdf").click()
    assert got.value.suggested_filename == "towerplan_demo_report.pdf"

    # every page shows summary.json's figures, in English and in Vietnamese (issue 21 item 3)
    _pages_show_the_summary(page, figures, "en")
    page.get_by_text("Tiếng Việt").click()
    page.get_by_role("heading", name="Trạm dùng chung").first.wait_for(timeout=120_000)  # the last page visited
    _pages_show_the_summary(page, figures, "vi")

    # results survive switching pages, and a map kept in the session renders again
    _nav(page, "Vùng phủ")
    _map(page).locator(".towerplan-legend", has_text="Tín hiệu mạnh nhất (RSRP, dBm)").first.wait_for(timeout=60_000)


#: what each page shows of the study summary (the keys of summary.json's figures)
PAGE_FIGURES = {
    "page_overview": ("sites", "sectors"),
    "page_coverage": ("sites_modelled", "sectors_modelled", "threshold_dbm"),
    "page_gaps": ("uncovered", "gap_people", "covered_any_pct", "population_total"),
    "page_towers": ("proposals", "people_newly_covered", "cost_bn_vnd", "uncovered_after"),
}


def _main_text(page) -> str:
    """The main area's text as read, without the names of Material icons (``keyboard_arrow_right`` is drawn
    as an arrow)."""
    main = page.locator("[data-testid='stMain']")
    text = main.inner_text()
    for icon in set(main.locator("[data-testid='stIconMaterial']").all_inner_texts()):
        text = text.replace(icon, " ")
    return text


def _pages_show_the_summary(page, figures: dict, lang: str) -> None:
    """Each page's metrics are the summary's figures as :func:`summary_rows` writes them; the pages of the
    Vietnamese app have no English words or internal names, those of the English one no Vietnamese."""
    from test_summary import VIETNAMESE_LETTERS, _english, _internal

    from towerplan.i18n import t
    from towerplan.i18n_errors import original_detail
    from towerplan.i18n_summary import summary_rows

    expected = {label: (key, text) for key, label, text in summary_rows(figures, lang)}
    for page_key, keys in PAGE_FIGURES.items():
        _nav(page, t(page_key, lang))
        _idle(page)
        for _ in range(240):  # the page may still be drawing (a map in the new language) below its first figures
            shown = {label: value for label, value in _metrics(page).items() if label in expected}
            seen = {expected[label][0].split(":")[0] for label in shown}
            if set(keys) <= seen:
                break
            page.wait_for_timeout(500)
        assert set(keys) <= seen, (page_key, lang, set(keys) - seen)
        _idle(page)
        wrong = {label: (value, expected[label][1]) for label, value in shown.items() if value != expected[label][1]}
        assert wrong == {}, (page_key, lang, wrong)
        if page_key == "page_towers":  # the budget beside the result: the result's cost, on the budget's basis
            result_label = t("budget_compare_result", lang, basis="").split("(")[0]
            cost = [v for k, v in _metrics(page).items() if k.startswith(result_label)]
            assert cost == [expected[t("fig_cost_bn_vnd", lang)][1]], cost
        text = original_detail(_main_text(page))
        if lang == "vi":
            assert _english(text) == [], (page_key, _english(text))
        else:
            assert VIETNAMESE_LETTERS.findall(text) == [], (page_key, VIETNAMESE_LETTERS.findall(text)[:10])
        assert _internal(text) == [], (page_key, lang, _internal(text))


def test_a_bad_upload_shows_an_error_and_the_page_keeps_working(page, app_url: str, tmp_path: Path) -> None:
    """A junk file given as the DEM: one error element naming it, no traceback; the page still works."""
    junk = tmp_path / "dem_from_email.tif"
    junk.write_bytes(b"this is not a GeoTIFF\n" * 50)
    page.goto(f"{app_url}/data?lang=en", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Data").first.wait_for(timeout=120_000)
    page.get_by_text("Elevation model DEM", exact=False).first.click()  # open the expander
    _upload(page, "data_dem", junk)
    error = page.locator("[data-testid='stAlertContentError']", has_text="dem_from_email.tif")
    error.first.wait_for(timeout=60_000)
    assert "cannot be used" in error.first.inner_text()
    assert page.locator("[data-testid='stException']").count() == 0
    page.screenshot(path=str(SHOTS / "07_bad_dem_upload.png"), full_page=True)
    # the page keeps working: a station list is still read and summarised
    good = tmp_path / "tram.csv"
    good.write_text("site_id,operator,technology,lon,lat\nOK1,Viettel,4G,105.78,19.81\n", encoding="utf-8")
    _upload(page, "data_uploads", good)
    page.get_by_text("sector(s) kept from 1 file(s)").wait_for(timeout=60_000)
    _nav(page, "Overview")
    assert page.locator("[data-testid='stException']").count() == 0


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_stations_without_terrain_are_refused_then_labelled_mixed(page, app_url: str, lang: str) -> None:
    """Issue 21: uploaded stations on the demo's synthetic terrain and people need an explicit tick, and
    every page then says "mixed"; the Overview's sites and sectors are the study summary's."""
    import pandas as pd

    from towerplan.i18n import t
    from towerplan.i18n_summary import figure_text
    from towerplan.study import default_cache_dir
    from towerplan.study.summary import count_sites

    stations = next(default_cache_dir().glob("demo-*-90m")) / "stations.csv"
    page.goto(f"{app_url}/data?lang={lang}", wait_until="domcontentloaded")
    page.get_by_role("heading", name=t("page_data", lang)).first.wait_for(timeout=120_000)
    # Streamlit's own uploader text in the page language (issue 21 item 4)
    zone = page.locator("[data-testid='stFileUploaderDropzone']").first
    zone.wait_for(timeout=60_000)
    if lang == "vi":  # the stylesheet comes with the page's first elements; give a busy browser a moment
        with contextlib.suppress(PlaywrightTimeout):  # the assertions below say what shows
            page.wait_for_function("""() => !document.querySelector("[data-testid='stFileUploaderDropzone']")
                                         .innerText.includes("per file")""", timeout=15_000)
    after = zone.locator("button [data-testid='stMarkdownContainer']").evaluate(
        "e => getComputedStyle(e, '::after').content")
    if lang == "vi":
        assert "per file" not in zone.inner_text()
        assert "Upload" not in zone.inner_text()
        assert after == '"Chọn tệp"'
        limit = zone.locator("[data-testid='stFileUploaderDropzoneInstructions'] > div").evaluate(
            "e => getComputedStyle(e, '::after').content")
        assert "tối đa 200 MB mỗi tệp • CSV" in limit
    else:
        assert "Upload" in zone.inner_text()
        assert after in ("none", "normal", "")
    _upload(page, "data_uploads", stations)
    page.get_by_text(t("mixed_refused", lang)[:40]).first.wait_for(timeout=120_000)  # refused ...
    assert page.get_by_role("button", name=t("use_uploads", lang)).count() == 0
    page.get_by_text(t("mixed_consent", lang)[:40]).first.click()  # ... unless ticked
    page.get_by_role("button", name=t("use_uploads", lang)).click()
    banner = "⚠"
    page.locator("[data-testid='stAlertContentWarning']", has_text=banner).first.wait_for(timeout=120_000)
    page.screenshot(path=str(SHOTS / f"08_mixed_data_{lang}.png"), full_page=True)
    _nav(page, t("page_overview", lang))
    warning = page.locator("[data-testid='stAlertContentWarning']", has_text=banner).first
    warning.wait_for(timeout=60_000)
    assert t("origin_short_mixed", lang, synthetic="").split(":")[0] in warning.inner_text().lower()
    count = count_sites(pd.read_csv(stations))
    main = page.locator("[data-testid='stMain']")
    main.get_by_text(figure_text("sites", count.sites, lang), exact=True).first.wait_for(timeout=60_000)
    main.get_by_text(figure_text("sectors", count.sectors, lang), exact=True).first.wait_for(timeout=30_000)
