"""app_pages.map_static: the demo's overview map as a content-keyed static page (issue 20 item 6).

The page holds what st_folium sends for the same map, is named by its SHA-256, written atomically, never
shared by two different maps, and only ``<sha256>.html`` files of its own folder are ever written or removed.
The overview page shows the demo's map from that page (``st.iframe`` with its URL), still with its figures,
and draws the folded stations table only once it is opened.
"""

from __future__ import annotations

import copy
import gc
import hashlib
import os
import re
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import streamlit_folium as sf
from affine import Affine
from app_figures import figures

from app_pages import map_render, map_static
from towerplan.grid import Grid
from towerplan.maps.overview import overview_map

pytestmark = pytest.mark.skipif(not map_render.supported(), reason="streamlit-folium lacks the helpers used")

REPO = Path(__file__).resolve().parents[1]
_PAGE = re.compile(r"/app/static/st_folium/([0-9a-f]{64})\.html")


def _overview(lang: str = "en", title: str = "Synthetic <b>study</b>") -> Any:
    y, x = np.mgrid[0:40, 0:50]
    dem = Grid((400 + 300 * np.sin(x / 9.0) * np.cos(y / 7.0)).astype(np.float32),
               Affine(90, 0, 560_000, 0, -90, 2_200_000), 32648, None)
    stations = pd.DataFrame({
        "site_id": ["S1", "S1", "S2"], "cell_id": ["S1-1", "S1-2", "S2-1"],
        "operator": ["Viettel", "Viettel", "Mobi<Fone>"], "technology": ["4G", "4G", "2G"],
        "lon": [105.6, 105.6, 105.62], "lat": [19.8, 19.8, 19.81], "antenna_height_m": [40.0] * 3,
        "azimuth_deg": [0.0, 120.0, np.nan], "tilt_deg": [4.0] * 3, "h_beamwidth_deg": [65.0] * 3,
        "v_beamwidth_deg": [7.0] * 3, "freq_mhz": [1842.5, 1842.5, 942.5], "eirp_dbm": [59.0] * 3,
    })
    return overview_map(dem, stations, title=title, lang=lang)


def _st_folium_args(fmap: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(sf, "_component_func", lambda **kw: seen.update(kw) or {})
    sf.st_folium(copy.deepcopy(fmap), height=500, use_container_width=True, returned_objects=[], key="k")
    return seen


def test_the_page_holds_what_st_folium_sends_in_its_frames_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    fmap = _overview()
    sent = _st_folium_args(fmap, monkeypatch)
    doc = map_static.page_document(map_render.render_copy(fmap), height=620, lang="en")
    assert doc.startswith("<!doctype html>")
    assert doc.endswith("</body></html>")
    for part in (sent["header"], sent["html"], sent["script"]):
        assert part
        assert part in doc
    for href in sent["css_links"]:
        assert f'<link rel="stylesheet" href="{href}"/>' in doc
    for src in sent["js_links"]:
        assert f'<script src="{src}"></script>' in doc
    assert all(u.startswith("/app/static/") for u in (*sent["css_links"], *sent["js_links"]))  # offline
    # Leaflet before the map's script, the map's element (with the frame's height) before its script
    assert doc.index("leaflet.js") < doc.index(sent["script"])
    assert doc.index(f'<div id="{sent["id"]}" style="height:620px">') < doc.index(sent["script"])
    assert "Synthetic &lt;b&gt;study&lt;/b&gt;" in doc
    assert "<b>study</b>" not in doc
    assert "Mobi<Fone>" not in doc


def test_a_script_end_tag_inside_the_map_script_cannot_end_it() -> None:
    payload = map_render.render_copy(_overview())
    text = "var s = '</SCRIPT><img src=x onerror=alert(1)>';"
    odd = map_render.MapPayload(script=payload.script + text, header="", html="", map_id=payload.map_id,
                                css_links=(), js_links=())
    doc = map_static.page_document(odd, height=600, lang="en")
    body = doc[doc.index("<body>"):]
    assert re.findall(r"</script", body, flags=re.IGNORECASE) == ["</script"]  # the map script's own end only
    assert "var s = '<\\/SCRIPT><img src=x onerror=alert(1)>';" in body  # the same string to JavaScript
    with pytest.raises(ValueError, match="positive height"):
        map_static.page_document(payload, height=0, lang="en")


def test_pages_are_named_by_content_written_once_and_never_shared(tmp_path: Path) -> None:
    docs = {lang: map_static.page_document(map_render.render_copy(_overview(lang)), height=620, lang=lang)
            for lang in ("en", "vi")}
    other = map_static.page_document(map_render.render_copy(_overview("en", title="Another study")), height=620,
                                     lang="en")
    names = {k: map_static.write_page(tmp_path, d) for k, d in {**docs, "other": other}.items()}
    assert len(set(names.values())) == 3  # languages and studies never share a file
    for key, doc in {**docs, "other": other}.items():
        assert names[key] == hashlib.sha256(doc.encode()).hexdigest() + ".html"
        assert (tmp_path / names[key]).read_text(encoding="utf-8") == doc
    stamp = (tmp_path / names["en"]).stat().st_ino
    assert map_static.write_page(tmp_path, docs["en"]) == names["en"]  # the same content: the same file, kept
    assert (tmp_path / names["en"]).stat().st_ino == stamp
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names.values())  # no temporary file left


def test_a_file_of_that_name_with_other_content_is_replaced_atomically(tmp_path: Path) -> None:
    doc = map_static.page_document(map_render.render_copy(_overview()), height=620, lang="en")
    name = hashlib.sha256(doc.encode()).hexdigest() + ".html"
    (tmp_path / name).write_text("truncated")  # e.g. left by a crash of an older writer
    assert map_static.write_page(tmp_path, doc) == name
    assert (tmp_path / name).read_text(encoding="utf-8") == doc
    assert [p.name for p in tmp_path.iterdir()] == [name]
    # a link at the page's name is replaced by the page; what it pointed to is not written
    target = tmp_path.parent / (tmp_path.name + "-target.txt")
    target.write_text("not the app's")
    (tmp_path / name).unlink()
    (tmp_path / name).symlink_to(target)
    assert map_static.write_page(tmp_path, doc) == name
    assert not (tmp_path / name).is_symlink()
    assert (tmp_path / name).read_text(encoding="utf-8") == doc
    assert target.read_text() == "not the app's"


def test_the_sweep_removes_only_old_pages_of_its_own_folder(tmp_path: Path) -> None:
    folder = tmp_path / "st_folium"
    folder.mkdir()
    old = time.time() - map_static.PAGE_MAX_AGE_S - 60
    stale, fresh = folder / ("a" * 64 + ".html"), folder / ("b" * 64 + ".html")
    other_html, outside = folder / "notes.html", tmp_path / ("c" * 64 + ".html")
    for path in (stale, fresh, other_html, outside):
        path.write_text("x")
    link = folder / ("d" * 64 + ".html")
    link.symlink_to(outside)
    crashed = folder / ".tmpab_12cd.tmp"
    crashed.write_text("x")
    for path in (stale, other_html, outside, crashed):
        os.utime(path, (old, old))
    os.utime(link, (old, old), follow_symlinks=False)
    assert sorted(map_static.sweep_pages(folder)) == sorted([stale.name, crashed.name])
    assert not stale.exists()
    assert fresh.exists()
    assert other_html.exists()
    assert outside.exists()
    assert link.is_symlink()


def test_a_master_map_is_written_once_and_rewritten_when_its_file_went(tmp_path: Path) -> None:
    fmap = _overview()
    url = map_static.static_page(fmap, tmp_path, height=620, lang="en")
    name = _PAGE.fullmatch(url)
    assert name is not None, url
    path = tmp_path / "st_folium" / (name.group(1) + ".html")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == name.group(1)
    assert map_static.static_page(fmap, tmp_path, height=620, lang="en") == url
    path.unlink()  # a clean-up under a running server
    assert map_static.static_page(fmap, tmp_path, height=620, lang="en") == url
    assert hashlib.sha256(path.read_bytes()).hexdigest() == name.group(1)
    assert map_static.static_page(fmap, tmp_path, height=500, lang="en") != url  # another frame height
    # the master itself was never rendered: it renders to the same page as a fresh copy would
    assert map_static.page_document(map_render.render_copy(fmap), height=620, lang="en") == path.read_text("utf-8")
    del fmap
    gc.collect()


# ------------------------------------------------------------------ the overview page (AppTest)
@pytest.fixture(scope="module")
def overview(home: Path):
    from streamlit.testing.v1 import AppTest

    mp = pytest.MonkeyPatch()
    mp.setenv("HOME", str(home))
    app = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
    app.query_params["lang"] = "en"
    app.run()
    yield app
    mp.undo()


def _frame(app) -> Any:
    frames = [e for e in app.main if getattr(e, "type", None) == "iframe"]
    assert len(frames) == 1, [type(e).__name__ for e in app.main]
    return frames[0].proto


def test_the_overview_shows_the_demo_map_from_its_static_page_with_the_figures(overview) -> None:
    assert not overview.exception, [e.value for e in overview.exception]
    frame = _frame(overview)
    found = _PAGE.fullmatch(frame.src)
    assert found is not None, frame.src
    assert frame.alt == map_static.FRAME_TITLE
    assert not frame.srcdoc
    page = REPO / "static" / "st_folium" / (found.group(1) + ".html")
    doc = page.read_text(encoding="utf-8")
    assert hashlib.sha256(doc.encode()).hexdigest() == found.group(1)
    assert "towerplanSectors" in doc
    assert "Synthetic demo" in doc
    assert 'lang="en"' in doc
    labels = figures(overview)  # the figures, as before (one Markdown block: tests/test_app_page_load.py)
    assert int(labels["Operators"]) == 3
    assert any(k.startswith("Sites") for k in labels)
    assert "Area" in labels


def test_the_vietnamese_overview_has_its_own_page(overview) -> None:
    english = _frame(overview).src
    overview.radio(key="lang").set_value("vi").run()
    assert not overview.exception
    vietnamese = _frame(overview).src
    assert _PAGE.fullmatch(vietnamese)
    assert vietnamese != english
    overview.radio(key="lang").set_value("en").run()
    assert _frame(overview).src == english


def test_the_stations_table_is_drawn_once_opened(overview) -> None:
    assert [e.label for e in overview.expander] == ["Stations per operator and technology"]
    assert len(overview.table) == 0  # folded: not sent, not loaded by the browser
    overview.session_state["overview_stations_open"] = True
    overview.run()
    assert not overview.exception
    table = overview.table[0].value
    assert list(table.columns) == ["Operator", "Technology", "Sites", "Sectors"]
    from towerplan.demo import demo_dir
    from towerplan.study import default_cache_dir, load_study_folder

    demo = load_study_folder(demo_dir(default_cache_dir(), resolution_m=90.0))
    assert int(table["Sectors"].sum()) == len(demo.stations)
