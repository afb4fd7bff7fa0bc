"""The Data page writes to the store, the shared-towers page records plans in it (issue 23 item 4).

The two page helpers of ``app_pages/store_links.py`` run inside a real Streamlit script (AppTest)
against a real file store; the store checks the roles, the page only offers the buttons.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from store_project import PASSWORDS, SECRET, make_project, station_csv

REPO = Path(__file__).resolve().parents[1]


def _upload_script() -> None:
    from dataclasses import dataclass
    from pathlib import Path

    import streamlit as st

    from app_pages.store_links import offer_store_upload

    @dataclass
    class Up:
        name: str
        path: Path

    offer_store_upload([Up("list.csv", Path(st.session_state["test_file"]))])


def _record_script() -> None:
    import streamlit as st

    from app_pages.store_links import offer_plan_record
    from towerplan.study import load_scenario

    path = st.session_state["test_scenario"]
    offer_plan_record({"people_newly_covered": 1234.0, "proposals": 3, "objective": "any"},
                      scenario=lambda: load_scenario(path))


@pytest.fixture
def project(tmp_path, monkeypatch):
    location = str(tmp_path / "project.gpkg")
    project = make_project(location, tmp_path)
    monkeypatch.setenv("TOWERPLAN_STORE", location)
    monkeypatch.delenv("TOWERPLAN_DATABASE_URL", raising=False)
    monkeypatch.chdir(REPO)
    return project


def _app(script, user: str, project, **state):
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_function(script, default_timeout=120)
    app.session_state["lang"] = "en"
    app.session_state["store_token"] = project.store.login(user, PASSWORDS[user]).token
    for key, value in state.items():
        app.session_state[key] = value
    return app.run()


def test_an_operator_saves_its_uploaded_list_in_the_store(project, tmp_path) -> None:
    upload = station_csv(tmp_path / "new.csv", "Viettel", n_sites=4)
    app = _app(_upload_script, "vt", project, test_file=str(upload))
    assert not app.exception, [e.value for e in app.exception]
    assert not [s for s in app.selectbox if s.key == "data_store_operator"]  # an operator saves only its own
    next(b for b in app.button if b.key == "data_store_save").click()
    app.run()
    assert any("Stored Viettel version 1: 12 sector(s)" in s.value for s in app.success)
    versions = project.store.station_versions(project.planner)
    assert [(v.operator, v.number, v.n_sectors) for v in versions] == [("Viettel", 1, 12)]
    assert versions[0].uploaded_by == "vt"


def test_an_operator_cannot_save_another_operators_list(project, tmp_path) -> None:
    upload = station_csv(tmp_path / "theirs.csv", "MobiFone", n_sites=2)
    app = _app(_upload_script, "vt", project, test_file=str(upload))
    next(b for b in app.button if b.key == "data_store_save").click()
    app.run()
    assert app.error, "the store refuses a list of another operator"
    assert project.store.station_versions(project.planner) == []


def test_a_planner_records_a_plan_made_on_the_store_snapshot(project) -> None:
    project.store.upload_stations(project.vt, project.files["Viettel"])
    snapshot = project.store.current_versions(project.planner)
    scenario = str(REPO / "data" / "demo" / "scenario.toml")
    # without a snapshot the page says how to get one, and records nothing
    app = _app(_record_script, "planner", project, test_scenario=scenario)
    assert any("Only a plan made on the store's station lists" in i.value for i in app.info)
    assert not [b for b in app.button if b.key == "towers_store_record"]
    # with the snapshot and a plan made on it: recorded with the versions it ran on
    app = _app(_record_script, "planner", project, test_scenario=scenario, store_snapshot=snapshot,
               towers_result={"value": None, "version": 0, "at": 0.0})
    app.text_input(key="towers_store_name").input("Phương án A")
    app.run()
    next(b for b in app.button if b.key == "towers_store_record").click()
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert any('"Phương án A" recorded' in s.value for s in app.success)
    (plan,) = project.store.plans(project.planner)
    assert plan.name == "Phương án A"
    assert plan.station_versions == snapshot
    assert plan.summary["people_newly_covered"] == 1234.0
    assert "[coverage]" in plan.scenario
    # an operator is never offered it
    app = _app(_record_script, "vt", project, test_scenario=scenario, store_snapshot=snapshot,
               towers_result={"value": None, "version": 0, "at": 0.0})
    assert not app.subheader
    assert SECRET["MobiFone"] not in str(app)
