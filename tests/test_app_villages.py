"""The app's Villages and Compare pages through Streamlit's AppTest (English)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
APP = str(REPO / "app.py")


@pytest.mark.slow  # ~30-60 s: one coverage run of the demo in the app
def test_villages_page_on_the_demo(home: Path, monkeypatch) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("HOME", str(home))
    app = AppTest.from_file(APP, default_timeout=300)
    app.query_params["lang"] = "en"
    app.run()
    app.switch_page("app_pages/villages.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("No village list yet" in i.value for i in app.info)
    app.button(key="vil_demo").click().run()
    assert any("Read 156 villages" in s.value for s in app.success)
    assert any("run it on the Coverage page" in i.value for i in app.info)  # coverage first
    app.switch_page("app_pages/coverage.py").run()
    app.button(key="FormSubmitter:cov_form-Compute coverage").click().run()
    app.switch_page("app_pages/villages.py").run()
    assert not app.exception, [e.value for e in app.exception]
    metrics = {m.label: m.value for m in app.metric}
    assert int(metrics["Villages"]) == 156
    assert 0 < int(metrics["Villages without signal"]) < 156
    assert 0 < float(metrics["Precision"]) <= 1
    assert 0 < float(metrics["Recall"]) <= 1
    assert "vil_result" in app.session_state


def test_compare_page_asks_for_two_plans(home: Path, monkeypatch) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("HOME", str(home))
    app = AppTest.from_file(APP, default_timeout=120)
    app.query_params["lang"] = "vi"
    app.run()
    app.switch_page("app_pages/compare.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.title[0].value == "So sánh phương án"
    assert any("Cần hai gói kết quả" in i.value for i in app.info)
