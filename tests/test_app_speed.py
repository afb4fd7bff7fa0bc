"""The Coverage page with SINR: speed figures against the Decision 36 targets, SINR and speed map layers,
and the speed objective offered on the shared-towers page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
APP = str(REPO / "app.py")


@pytest.mark.slow
def test_coverage_page_with_sinr_shows_speeds_and_radio_layers(home: Path, monkeypatch) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("HOME", str(home))
    at = AppTest.from_file(APP, default_timeout=600)
    at.query_params["lang"] = "en"
    at.run()
    at.switch_page("app_pages/coverage.py").run()
    at.checkbox(key="cov_sinr").check()
    at.button(key="FormSubmitter:cov_form-Compute coverage").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["cov_result"]["value"]["config"].sinr
    assert any("Speed against the national targets" in s.value for s in at.subheader)
    labels = [m.label for m in at.metric]
    assert "4G: reach 40 Mbit/s" in labels
    assert "4G: served, below target" in labels
    html = at.session_state["cov_radio"]["map"].get_root().render()
    for name in ("SINR – ", "Download speed – "):  # layer names (the layer control escapes the dash)
        assert name in html or json.dumps(name)[1:-1] in html, name
    assert "targets: 4G 40, 5G 100 Mbit/s" in html
    at.switch_page("app_pages/towers.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "speed" in at.radio(key="towers_objective").options or any(
        "speed target" in o for o in at.radio(key="towers_objective").options)
