"""The app's administrative units (issue 22, item 6): the Data page's boundary upload, and every
per-commune table saying which units it uses (AppTest, English)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest

REPO = Path(__file__).resolve().parents[1]
APP = str(REPO / "app.py")
UNITS = REPO / "data" / "demo" / "units_2025.geojson"
LABEL = "units_2025.geojson: 12 units, no districts"


def test_the_upload_reads_the_units_and_refuses_what_is_not_a_boundary_file(tmp_path) -> None:
    from app_pages.common import UPLOAD_TYPES
    from app_pages.uploads import handle_upload
    from towerplan.study.inputs import admin_units_for

    assert UPLOAD_TYPES["admin_units"] == ("gpkg", "geojson", "json")
    done = handle_upload("admin_units", UNITS.name, UNITS.read_bytes(), tmp_path, "en")
    assert done.ok
    assert len(done.value) == 12
    assert admin_units_for(None, done.value, UNITS.name)[1] == LABEL
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy([105.5], [19.8]), crs=4326).to_json()
    refused = handle_upload("admin_units", "points.geojson", points.encode(), tmp_path, "vi")
    assert not refused.ok
    assert refused.messages
    wrong = handle_upload("admin_units", "units.csv", b"a,b\n1,2\n", tmp_path, "en")
    assert not wrong.ok


def test_the_labels_exist_in_both_languages() -> None:
    from towerplan.i18n import t

    for key in ("upload_admin_units", "upload_admin_units_help", "units_use", "units_drop", "units_read",
                "units_in_use", "units_communes_layer", "units_none"):
        assert t(key, "vi", label="x", n=1) != t(key, "en", label="x", n=1), key
    assert t("units_in_use", "vi", label=LABEL) == f"Đơn vị hành chính: {LABEL}"


@pytest.mark.slow  # ~40-90 s: the demo's coverage and gaps in the app, on the 12 post-reform units
def test_per_commune_tables_use_the_loaded_units_and_say_which(home: Path, monkeypatch) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("HOME", str(home))
    app = AppTest.from_file(APP, default_timeout=300)
    app.query_params["lang"] = "en"
    app.run()
    app.switch_page("app_pages/data.py").run()
    assert not app.exception, [e.value for e in app.exception]
    text = " ".join(m.value for m in app.markdown)
    assert "Administrative units: the data's communes layer (30 communes)" in text
    assert any(e.label.startswith("Administrative units after the 2025 reform") for e in app.expander)
    # what the upload's "use" button stores: the units and their label
    units = gpd.read_file(UNITS)
    app.session_state["data_units"] = {"frame": units, "label": LABEL}
    app.run()
    text = " ".join(m.value for m in app.markdown)
    assert f"Administrative units: {LABEL}" in text
    assert app.button(key="data_units_drop") is not None
    app.switch_page("app_pages/coverage.py").run()
    app.button(key="FormSubmitter:cov_form-Compute coverage").click().run()
    app.switch_page("app_pages/gaps.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert any(c.value == f"Administrative units: {LABEL}" for c in app.caption)
    stats = app.session_state["gaps_result"]["value"].commune_stats
    assert len(stats) == 12
    assert set(stats["name"]) == set(units["name"])
