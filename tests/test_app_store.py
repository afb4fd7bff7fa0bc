"""The app with a project store configured (AppTest): login, pages by role, an operator sees only its own.

Without a store the app opens on the Overview with no login: ``test_app.py`` covers that default.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from store_project import PASSWORDS, SECRET, make_project

REPO = Path(__file__).resolve().parents[1]
APP = str(REPO / "app.py")


@pytest.fixture(scope="module")
def store_file(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("app-store")
    location = str(folder / "project.gpkg")
    project = make_project(location, folder)
    project.store.upload_stations(project.vt, project.files["Viettel"])
    project.store.upload_stations(project.mb, project.files["MobiFone"])
    return location


def _app(store_file: str, home: Path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("TOWERPLAN_STORE", store_file)
    monkeypatch.delenv("TOWERPLAN_DATABASE_URL", raising=False)
    app = AppTest.from_file(APP, default_timeout=300)
    app.query_params["lang"] = "en"
    return app.run()


def _login(app, user: str, password: str):
    app.text_input(key="login_user").input(user)
    app.text_input(key="login_password").input(password)
    next(b for b in app.button if b.label == "Log in").click()
    return app.run()


def _everything(app) -> str:
    parts = [str(e.value) for kind in ("markdown", "caption", "title", "subheader", "success", "info", "error")
             for e in getattr(app, kind)]
    parts += [df.value.to_csv() for df in app.dataframe]
    return "\n".join(parts)


def test_login_then_an_operator_sees_only_its_own(store_file, home, monkeypatch) -> None:
    app = _app(store_file, home, monkeypatch)
    assert not app.exception
    assert app.title[0].value == "Log in"
    app = _login(app, "vt", "wrong-password")
    assert any("Cannot log in: wrong user name or password" in e.value for e in app.error)
    app = _login(app, "vt", PASSWORDS["vt"])
    assert not app.exception, [e.value for e in app.exception]
    assert app.title[0].value == "Project store"
    text = _everything(app)
    assert "Viettel" in text
    assert SECRET["MobiFone"] not in text
    assert "MobiFone" not in text
    versions = app.dataframe[0].value
    assert set(versions["operator"]) == {"Viettel"}
    # the export is its own list only
    next(b for b in app.button if b.key == "store_export_btn").click()
    app.run()
    exported = Path(app.session_state["store_export_path"]).read_text()
    assert SECRET["Viettel"] in exported
    assert SECRET["MobiFone"] not in exported
    # logging out ends the session
    next(b for b in app.button if b.key == "store_logout").click()
    app.run()
    assert app.title[0].value == "Log in"


def test_a_planner_sees_every_operator_and_the_planning_pages(store_file, home, monkeypatch) -> None:
    app = _login(_app(store_file, home, monkeypatch), "planner", PASSWORDS["planner"])
    assert not app.exception, [e.value for e in app.exception]
    assert app.title[0].value == "Project store"
    versions = app.dataframe[0].value
    assert set(versions["operator"]) == {"Viettel", "MobiFone"}
    # the planning pages then run on the store's current lists (a snapshot of their version ids)
    next(b for b in app.button if b.key == "store_use_snapshot").click()
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    inputs = app.session_state["data_inputs"]
    assert len(inputs.stations) == 18
    assert set(inputs.stations["operator"]) == {"Viettel", "MobiFone"}
    assert inputs.label == "Project store: MobiFone v1, Viettel v1"
    assert set(app.session_state["store_snapshot"]) == {"Viettel", "MobiFone"}


def test_a_store_that_cannot_be_opened_stops_with_one_line(tmp_path, home, monkeypatch) -> None:
    app = _app(str(tmp_path / "never-initialised.gpkg"), home, monkeypatch)
    assert not app.exception
    assert any("The project store cannot be opened" in e.value and "towerplan store init" in e.value
               for e in app.error)
    assert not [t for t in app.text_input if t.key == "login_password"]
    assert not (tmp_path / "never-initialised.gpkg").exists()  # only 'towerplan store init' creates a store
