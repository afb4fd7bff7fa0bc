"""The Streamlit app's logic through AppTest: every page on the demo, results surviving page switches,
the language switch, uploads, and the translations (every key in both languages).

The browser tests (real headless Chromium) are in ``test_app_browser.py``.
"""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from app_figures import figures

from towerplan.coverage.criteria import ServiceSettings
from towerplan.i18n import DEFAULT_LANG, MESSAGES, placeholders, t

REPO = Path(__file__).resolve().parents[1]
APP = str(REPO / "app.py")


# ------------------------------------------------------------------ translations
def test_every_key_exists_in_both_languages_with_the_same_placeholders() -> None:
    vi, en = MESSAGES["vi"], MESSAGES["en"]
    assert set(vi) == set(en), (set(vi) ^ set(en))
    for key in vi:
        assert placeholders(vi[key]) == placeholders(en[key]), key
        assert vi[key].strip(), key
        assert en[key].strip(), key


def test_every_key_used_by_the_app_is_translated() -> None:
    import re

    used: set[str] = set()
    files = [REPO / "app.py", *(REPO / "app_pages").glob("*.py"), *(REPO / "towerplan" / "maps").glob("*.py")]
    for path in files:
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""\btr?\(\s*["']([a-z0-9_]+)["']""", text))
    assert used, "no keys found"
    missing = sorted(k for k in used if k not in MESSAGES["en"])
    assert missing == []


def test_vietnamese_is_the_default_and_messages_format() -> None:
    assert DEFAULT_LANG == "vi"
    assert t("page_coverage") == "Vùng phủ"
    assert t("page_coverage", "en") == "Coverage"
    assert t("kept_sectors", "en", n=3, files=1) == "3 sector(s) kept from 1 file(s)."
    with pytest.raises(KeyError):
        t("no_such_key", "en")
    assert all(isinstance(f, tuple) for f in string.Formatter().parse(t("cov_done", "vi", s=1.0, sites=2, sectors=3)))


# ------------------------------------------------------------------ the pages
@pytest.fixture(scope="module")
def at(home: Path):
    """One app session walked through the pages in order by the tests below (English)."""
    from streamlit.testing.v1 import AppTest

    mp = pytest.MonkeyPatch()
    mp.setenv("HOME", str(home))
    app = AppTest.from_file(APP, default_timeout=300)
    app.query_params["lang"] = "en"
    app.run()
    yield app
    mp.undo()


def _ok(app) -> None:
    assert not app.exception, [e.value for e in app.exception]


def test_overview_opens_on_the_demo(at) -> None:
    _ok(at)
    assert at.title[0].value == "Overview"
    labels = figures(at)
    assert int(labels["Operators"]) == 3
    # sites counted as everywhere (operator sites; the study summary): "340 sites"
    assert int(labels["Sites (each operator's site) in the inputs"].split()[0].replace(",", "")) > 50
    assert any("Synthetic demo" in c.value for c in at.caption)
    # the sidebar says once that the demo is synthetic (the demo label and the data origin said it twice)
    source = [i.value for i in at.sidebar.info if i.value.startswith("Data:") or "demo" in i.value.lower()]
    assert source
    assert all(v.lower().count("not real data") == 1 for v in source), source


def test_data_page_summarises_the_demo(at) -> None:
    at.switch_page("app_pages/data.py").run()
    _ok(at)
    assert at.title[0].value == "Data"
    text = " ".join(m.value for m in at.markdown)
    assert "EPSG:32648" in text
    assert "People on the grid" in text
    assert "Land cover: landcover.tif (Cropland" in text
    assert len(at.get("download_button")) >= 3  # templates (CSV, XLSX) and the demo list


def test_coverage_run_produces_the_map_and_figures(at) -> None:
    at.switch_page("app_pages/coverage.py").run()
    _ok(at)
    assert any("run it on the Coverage page" in i.value for i in at.info)
    at.button(key="FormSubmitter:cov_form-Compute coverage").click().run()
    _ok(at)
    assert any("sectors" in s.value for s in at.success)
    assert at.metric[0].label == "Sites modelled (4G)"
    assert "Area with 4G signal (at least one operator)" in [m.label for m in at.metric]
    item = at.session_state["cov_result"]
    assert item["value"]["technologies"] == ("4G",)
    html = at.session_state["cov_map"]["map"].get_root().render()
    assert "Best signal (RSRP, dBm)" in html
    assert "Best server (operator)" in html


def test_coverage_names_the_land_cover_and_shows_its_layer(at) -> None:
    _ok(at)
    line = next(c.value for c in at.caption if c.value.startswith("Model: "))
    assert "Land cover: landcover.tif" in line
    assert "Clutter table: ESA WorldCover 10 m v200" in line
    at.checkbox(key="cov_landcover").check().run()
    _ok(at)
    html = at.session_state["cov_map"]["map"].get_root().render()
    assert "Tree cover" in html  # the land-cover legend


def test_gaps_table_is_present(at) -> None:
    at.switch_page("app_pages/gaps.py").run()
    _ok(at)
    assert at.title[0].value == "Gaps"
    assert len(at.dataframe) >= 2  # gaps, communes (and roads)
    labels = [m.label for m in at.metric]
    assert "Dead zones" in labels
    assert "People with 4G (at least one operator)" in labels
    assert "People without 4G (whole study area)" in labels


def test_results_survive_switching_pages(at) -> None:
    at.switch_page("app_pages/overview.py").run()
    at.switch_page("app_pages/coverage.py").run()
    _ok(at)
    assert any("sectors" in s.value for s in at.success)  # not run again, still there


def test_shared_towers_with_a_small_budget(at) -> None:
    at.switch_page("app_pages/towers.py").run()
    _ok(at)
    at.number_input(key="towers_n").set_value(2)
    at.button(key="FormSubmitter:towers_form-Propose towers").click().run()
    _ok(at)
    labels = {m.label: m.value for m in at.metric}
    assert labels["Shared sites proposed"] == "2 sites", [w.value for w in at.warning]
    plan = at.session_state["towers_result"]["value"]
    assert len(plan.result.proposals) == 2
    html = at.session_state["towers_map"]["map"].get_root().render()
    assert "towerplan-proposal" in html


def test_export_offers_downloads(at) -> None:
    at.switch_page("app_pages/export.py").run()
    _ok(at)
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Download the whole plan package (ZIP)" in labels
    assert any(label.endswith(".csv") for label in labels)
    assert len(at.session_state["export_package"]["zip"]) > 10_000


def test_language_switch_changes_labels(home: Path, monkeypatch) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("HOME", str(home))
    app = AppTest.from_file(APP, default_timeout=300)
    app.run()
    _ok(app)
    assert app.title[0].value == "Tổng quan"  # Vietnamese by default
    app.radio(key="lang").set_value("en").run()
    _ok(app)
    assert app.title[0].value == "Overview"
    assert "Sites (each operator's site) in the inputs" in figures(app)


def test_uploaded_stations_replace_the_demo_stations(home: Path, monkeypatch) -> None:
    from streamlit.testing.v1 import AppTest

    from app_pages import uploads

    monkeypatch.setenv("HOME", str(home))
    app = AppTest.from_file(APP, default_timeout=300)
    app.query_params["lang"] = "en"
    app.run()
    app.switch_page("app_pages/data.py").run()
    _ok(app)
    # AppTest cannot fill a file_uploader: use the page-level loader the button calls
    folder = Path(app.session_state["data_tmpdir"]) if "data_tmpdir" in app.session_state else None
    assert folder is None  # nothing written before an upload
    # uploads go through towerplan.safety (tests/test_app_bad_inputs.py runs the corpus through it)
    refused = uploads.handle_upload("stations", "../../etc/passwd", b"root:x:0:0", home / "s", "en")
    assert not refused.ok
    assert "not a file type this upload takes" in refused.messages[0]
    assert not (home / "s" / "uploads").exists()


# ------------------------------------------------------------------ runs: interruption and failures
@pytest.fixture
def covered(home: Path, monkeypatch):
    """A fresh session (English) on the Coverage page with one completed run."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("HOME", str(home))
    app = AppTest.from_file(APP, default_timeout=300)
    app.query_params["lang"] = "en"
    app.run()
    app.switch_page("app_pages/coverage.py").run()
    app.button(key="FormSubmitter:cov_form-Compute coverage").click().run()
    _ok(app)
    assert "cov_result" in app.session_state
    return app


def test_an_interrupted_run_keeps_the_previous_results(covered, monkeypatch) -> None:
    """Stop (or a widget change) ends the script at the progress bar's next update: Streamlit raises
    StopException (RerunException) there. The half-done run must leave the previous results as they were."""
    from streamlit.runtime.scriptrunner_utils.exceptions import StopException

    import towerplan.study

    before = covered.session_state["cov_result"]
    calls = []

    def interrupted(inputs, config, *, technologies=None, progress=None, **kwargs):
        progress("coverage", 0.4)  # the bar moves, then the user presses Stop
        calls.append(1)
        raise StopException()

    monkeypatch.setattr(towerplan.study, "run_coverage_step", interrupted)
    covered.slider(key="cov_threshold").set_value(-100)  # another threshold: a new run is asked for
    covered.button(key="FormSubmitter:cov_form-Compute coverage").click().run()
    _ok(covered)
    assert calls == [1]
    after = covered.session_state["cov_result"]
    assert after is before or after == before
    # still the completed run's: the default criterion, outdoor 4G RSRP at 75 % (towerplan.coverage.criteria)
    assert after["value"]["config"].threshold_dbm == pytest.approx(
        ServiceSettings().criterion("4G").required_median_dbm, abs=1e-6)
    monkeypatch.undo()
    covered.run()  # the page keeps working on the kept results
    _ok(covered)
    assert any("sectors" in s.value for s in covered.success)
    assert any("previous results stay" in c.value for c in covered.caption)


def test_an_unexpected_error_is_a_friendly_message(covered, monkeypatch) -> None:
    import towerplan.study

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero in a kernel")

    monkeypatch.setattr(towerplan.study, "run_coverage_step", broken)
    covered.button(key="FormSubmitter:cov_form-Compute coverage").click().run()
    _ok(covered)  # no traceback element
    errors = [e.value for e in covered.error]
    assert any("unexpected error (ZeroDivisionError" in e and "previous results are kept" in e for e in errors), errors
    assert any("sectors" in s.value for s in covered.success)  # the previous results are still shown


# ------------------------------------------------------------------ one site's footprint (issue #8)
def test_one_site_shows_its_own_footprint(covered) -> None:
    import copy

    import numpy as np

    box = covered.selectbox(key="cov_site")
    assert box.value is None  # the default page is unchanged
    assert "Coverage of site" not in copy.deepcopy(covered.session_state["cov_map"]["map"]).get_root().render()
    site = box.options[0]
    box.select_index(0).run()
    _ok(covered)
    site_id, op = site.split(" · ")  # options are "site · operator"
    name = f"Coverage of site {site_id} ({op})"
    assert any(name.replace("Coverage of site", "Site") in c.value and "km²" in c.value for c in covered.caption)
    html = copy.deepcopy(covered.session_state["cov_site_map"]["map"]).get_root().render()
    assert f'"{name}" : feature_group_' in html
    assert "fitBounds" in html
    level = covered.session_state["cov_site_cache"][next(iter(covered.session_state["cov_site_cache"]))][0]
    full = covered.session_state["cov_result"]["value"]["coverage"].best_level
    reached = np.isfinite(level.values)
    assert 0 < reached.sum() < np.isfinite(full.values).sum()
    assert np.all(np.isfinite(full.values[reached]))  # the site's cells are covered in the full run too
    assert np.all(full.values[reached] >= level.values[reached] - 1e-3)
