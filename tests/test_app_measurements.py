"""The app's Measurements page (AppTest cannot upload files: the page opens, asks for a file, and its
labels exist in both languages; the calibration itself is tested through the library and the CLI)."""

from __future__ import annotations

from pathlib import Path

import pytest

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.mark.slow
def test_measurements_page_opens_and_asks_for_a_file(home: Path) -> None:
    from streamlit.testing.v1 import AppTest

    mp = pytest.MonkeyPatch()
    mp.setenv("HOME", str(home))
    try:
        app = AppTest.from_file(APP, default_timeout=300)
        app.query_params["lang"] = "en"
        app.run()
        app.switch_page("app_pages/measurements.py").run()
        assert not app.exception, [e.value for e in app.exception]
        assert app.title[0].value == "Measurements"
        app.button(key="meas_run").click().run()
        assert not app.exception
        assert any("Upload a drive-test file" in w.value for w in app.warning)
    finally:
        mp.undo()
