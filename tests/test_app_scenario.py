"""Saving the app's state as a scenario and loading one back (issue #7).

AppTest cannot fill a file_uploader, so the load is tested through the plain function the Data page
calls (:func:`app_pages.scenarios.load_scenario_upload`) and the session values it sets; the save through
an AppTest session on the demo (its Export page builds the ZIP).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from app_pages import scenarios
from towerplan.study import DemoInputs, load_scenario

REPO = Path(__file__).resolve().parents[1]
APP = str(REPO / "app.py")


def _values(**changes) -> dict:
    values = {**scenarios.WIDGET_DEFAULTS, "cov_techs": ["4G"], "cov_resolution": 90.0}
    values.update(changes)
    return values


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.fixture
def cache(home: Path) -> Path:
    return home / ".cache" / "towerplan"


def test_demo_scenario_round_trip_keeps_the_pages_settings(tmp_path: Path, cache: Path) -> None:
    values = _values(cov_model="hata", cov_threshold=-100, cov_indoor=12.0, cov_body=3.0, cov_probability=90,
                     cov_service="fixed", gaps_min_people=120, towers_n=3, towers_method="ilp",
                     towers_objective="per_operator")
    settings = scenarios.settings_from_widgets(values)
    scenario = scenarios.build_app_scenario({"demo": DemoInputs()}, settings, language="en")
    archive, text = scenarios.scenario_archive(scenario)
    assert "demo = {seed = 2024, resolution_m = 90.0}" in text
    assert zipfile.ZipFile(io.BytesIO(archive)).namelist() == ["scenario.toml"]

    load = scenarios.load_scenario_upload("plan.zip", archive, tmp_path, "en", cache_dir=cache)
    assert load.ok, load.messages
    assert load.is_app_demo
    assert load.inputs is None
    assert load.resolution_m == 90.0
    assert load.scenario == scenario
    widgets = scenarios.widgets_from_scenario(load.scenario, load.resolution_m)
    flat = {**widgets["cov"], **widgets["gaps"], **widgets["towers"]}
    assert flat == values
    again = scenarios.settings_from_widgets(flat, cov_base=load.scenario.coverage, gaps_base=load.scenario.gaps,
                                         towers_base=load.scenario.placement)
    assert again == settings
    # the plain TOML loads too
    plain = scenarios.load_scenario_upload("scenario.toml", text.encode(), tmp_path, "en", cache_dir=cache)
    assert plain.ok
    assert plain.scenario == scenario


def test_the_service_criterion_widgets_round_trip(tmp_path: Path, cache: Path) -> None:
    values = _values(cov_service="indoor", cov_service_probability=90)
    settings = scenarios.settings_from_widgets(values)
    assert settings.service is not None
    assert (settings.service.service_class, settings.service.location_probability) == ("indoor", 0.9)
    assert settings.threshold_dbm == pytest.approx(settings.criteria["4G"].required_median_dbm)
    assert settings.coverage.link_budget.indoor_loss_db == 0.0  # the criterion holds the building loss
    scenario = scenarios.build_app_scenario({"demo": DemoInputs()}, settings, language="en")
    archive, text = scenarios.scenario_archive(scenario)
    assert "[service]" in text
    assert 'service_class = "indoor"' in text
    load = scenarios.load_scenario_upload("plan.zip", archive, tmp_path, "en", cache_dir=cache)
    assert load.ok, load.messages
    widgets = scenarios.widgets_from_scenario(load.scenario, load.resolution_m)
    assert (widgets["cov"]["cov_service"], widgets["cov"]["cov_service_probability"]) == ("indoor", 90)
    flat = {**widgets["cov"], **widgets["gaps"], **widgets["towers"]}
    again = scenarios.settings_from_widgets(flat, cov_base=load.scenario.coverage, gaps_base=load.scenario.gaps,
                                            towers_base=load.scenario.placement,
                                            service_base=load.scenario.settings.service)
    assert again.service == settings.service
    assert again.threshold_dbm == settings.threshold_dbm
    fixed = scenarios.settings_from_widgets(_values(cov_service="fixed", cov_threshold=-100))
    assert (fixed.service, fixed.threshold_dbm) == (None, -100.0)


def test_settings_the_pages_do_not_show_survive_a_load_and_save(tmp_path: Path, cache: Path) -> None:
    doc = ("[inputs]\ndemo = {seed = 2024, resolution_m = 90}\n[coverage]\nthreshold_dbm = -104.5\n"
           "max_radius_m = 20000.0\n[coverage.link_budget]\nlocation_probability = 0.955\n"
           "[gaps]\nmin_area_km2 = 0.5\n[placement]\nbudget_vnd = 2.5e10\n[costs]\nsite_vnd = 1.0e8\n")
    load = scenarios.load_scenario_upload("mine.toml", doc.encode(), tmp_path, "vi", cache_dir=cache)
    assert load.ok, load.messages
    widgets = scenarios.widgets_from_scenario(load.scenario, load.resolution_m)
    flat = {**widgets["cov"], **widgets["gaps"], **widgets["towers"]}
    assert flat["cov_threshold"] == -104
    assert flat["towers_budget_kind"] == "vnd"
    assert flat["towers_bn"] == 25.0
    settings = scenarios.settings_from_widgets(flat, cov_base=load.scenario.coverage, gaps_base=load.scenario.gaps,
                                            towers_base=load.scenario.placement)
    assert settings.coverage == load.scenario.coverage  # -104.5 dBm, 95.5 %, 20 km kept exactly
    assert settings.gaps.min_area_km2 == 0.5
    assert settings.placement == load.scenario.placement
    assert settings.placement.costs.site_vnd == 1.0e8


def test_a_zip_with_its_input_files_loads_them_from_the_private_folder(tmp_path: Path, cache: Path) -> None:
    from towerplan.demo import demo_dir

    folder = demo_dir(cache, resolution_m=90.0)
    inputs = {"dem": (folder / "dem.tif",), "population": folder / "population.tif",
              "stations": (folder / "stations.csv",), "communes": folder / "communes.gpkg", "label": "Mine"}
    scenario = scenarios.build_app_scenario(inputs, scenarios.settings_from_widgets(_values(towers_n=2)), language="en")
    archive, text = scenarios.scenario_archive(scenario)
    assert 'stations = ["inputs/stations.csv"]' in text
    assert 'dem = ["inputs/dem.tif"]' in text
    names = set(zipfile.ZipFile(io.BytesIO(archive)).namelist())
    assert names == {"scenario.toml", "inputs/dem.tif", "inputs/population.tif", "inputs/stations.csv",
                     "inputs/communes.gpkg"}

    session = tmp_path / "session"
    load = scenarios.load_scenario_upload("study.zip", archive, session, "en", cache_dir=cache)
    assert load.ok, load.messages
    assert not load.is_app_demo
    assert load.inputs is not None
    assert load.inputs.label == "Mine"
    assert len(load.inputs.stations) > 100
    private = load.folder
    assert private is not None
    assert private.parent == (session / "scenarios").resolve()
    fields = scenarios.scenario_input_fields(load.scenario)
    assert all(p.is_relative_to(private) for p in (*fields["dem"], fields["population"], *fields["stations"]))
    values = scenarios.scenario_session_values(load)
    assert values["data_inputs"] is load.inputs
    assert values["data_scenario"] is load.scenario
    assert values["cov_result"] is None
    assert values["cov_threshold"] is None
    assert values["towers_widgets"]["towers_n"] == 2
    # saved again from the loaded state: same settings, files copied again
    again = scenarios.build_app_scenario(fields, scenarios.settings_from_widgets(
        {**values["cov_widgets"], **values["gaps_widgets"], **values["towers_widgets"]},
        cov_base=values["cov_base"], gaps_base=values["gaps_base"], towers_base=values["towers_base"]),
        language="en")
    archive2, _ = scenarios.scenario_archive(again)
    assert set(zipfile.ZipFile(io.BytesIO(archive2)).namelist()) == names


@pytest.mark.parametrize(("path", "why"), [("/etc/passwd", "it is outside the scenario's folder"),
                                       ("../x.tif", "'..' leaves the scenario's folder")])
def test_paths_outside_the_scenario_are_refused(tmp_path: Path, cache: Path, path: str, why: str) -> None:
    doc = f'[inputs]\ndem = "{path}"\npopulation = "p.tif"\nstations = "s.csv"\n'
    for name, data in (("evil.toml", doc.encode()), ("evil.zip", _zip({"scenario.toml": doc.encode()}))):
        load = scenarios.load_scenario_upload(name, data, tmp_path, "en", cache_dir=cache)
        assert not load.ok
        text = load.messages[0]
        assert text.startswith(f"The scenario “{name}” cannot be used")
        assert f"inputs.dem: '{path}' is not allowed: {why}" in text
        assert str(tmp_path) not in text  # the server's folders are not shown
    assert list((tmp_path / "scenarios").iterdir()) == []  # nothing left behind


def test_a_symlink_leading_out_is_refused(tmp_path: Path, cache: Path) -> None:
    # a ZIP cannot carry a symbolic link (safety refuses it), so the only way in is a symlink member
    info = zipfile.ZipInfo("inputs/dem.tif")
    info.external_attr = (0o120777 << 16)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("scenario.toml", '[inputs]\ndem = "inputs/dem.tif"\npopulation = "p.tif"\nstations = "s.csv"\n')
        zf.writestr(info, "/etc/passwd")
    load = scenarios.load_scenario_upload("link.zip", buf.getvalue(), tmp_path, "en", cache_dir=cache)
    assert not load.ok
    assert "symbolic link" in load.messages[0]


@pytest.mark.parametrize("member", ["../scenario.toml", "/tmp/scenario.toml", "a/../../x.toml"])
def test_a_zip_with_traversal_entries_is_refused(tmp_path: Path, cache: Path, member: str) -> None:
    data = _zip({"scenario.toml": b'[inputs]\ndemo = true\n', member: b"[inputs]\ndemo = true\n"})
    load = scenarios.load_scenario_upload("trick.zip", data, tmp_path, "en", cache_dir=cache)
    assert not load.ok
    assert "cannot be used" in load.messages[0]
    assert ("absolute path" in load.messages[0]
                                                     or "climbs out" in load.messages[0])
    assert not (tmp_path.parent / "x.toml").exists()
    assert list((tmp_path / "scenarios").iterdir()) == []


def test_unknown_keys_show_the_scenarios_message(tmp_path: Path, cache: Path) -> None:
    doc = b"[inputs]\ndemo = true\n[coverage]\ntreshold_dbm = -100\n[placment]\nmax_sites = 2\n"
    load = scenarios.load_scenario_upload("typo.toml", doc, tmp_path, "vi", cache_dir=cache)
    assert not load.ok
    text = load.messages[0]
    assert text.startswith("Không dùng được kịch bản «typo.toml»")
    assert "coverage.treshold_dbm: unknown key (did you mean 'threshold_dbm'?)" in text
    assert "[placment]: unknown section (did you mean 'placement'?)" in text


@pytest.mark.parametrize(("name", "data", "fragment"), [
    ("plan.txt", b"x", "not a file type this upload takes"),
    ("plan.toml", b"", "the file is empty"),
    ("plan.toml", b"[inputs\n", "not valid TOML"),
    ("plan.toml", b"\xff\xfe\x00", "not a UTF-8 text file"),
    ("plan.zip", b"not a zip", "not a valid ZIP"),
    ("plan.zip", None, "holds no scenario.toml"),
])
def test_bad_scenario_files_get_a_message(tmp_path: Path, cache: Path, name: str, data: bytes | None,
                                          fragment: str) -> None:
    data = _zip({"readme.txt": b"hello"}) if data is None else data
    load = scenarios.load_scenario_upload(name, data, tmp_path, "en", cache_dir=cache)
    assert not load.ok
    assert fragment in load.messages[0], load.messages


# ------------------------------------------------------------------ in the app
def _ok(app) -> None:
    assert not app.exception, [e.value for e in app.exception]


def test_the_export_page_saves_the_pages_settings(home: Path, tmp_path: Path, monkeypatch) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("HOME", str(home))
    app = AppTest.from_file(APP, default_timeout=300)
    app.query_params["lang"] = "en"
    app.run()
    app.switch_page("app_pages/coverage.py").run()
    _ok(app)
    app.selectbox(key="cov_model").set_value("hata")
    app.selectbox(key="cov_service").set_value("fixed")  # the threshold and margin fields, not a service class
    app.slider(key="cov_threshold").set_value(-100)
    app.number_input(key="cov_indoor").set_value(10.0)
    app.button(key="FormSubmitter:cov_form-Compute coverage").click().run()  # the form's values count once submitted
    _ok(app)
    app.switch_page("app_pages/export.py").run()
    _ok(app)
    labels = [b.proto.label for b in app.get("download_button")]
    assert "Scenario (scenario.zip)" in labels
    assert "Scenario (scenario.toml)" in labels
    saved = app.session_state["export_scenario"]
    with zipfile.ZipFile(io.BytesIO(saved["zip"])) as zf:
        zf.extractall(tmp_path)
    scenario = load_scenario(tmp_path / "scenario.toml")
    assert scenario.coverage.model == "hata"
    assert scenario.coverage.threshold_dbm == -100.0
    assert scenario.coverage.link_budget.indoor_loss_db == 10.0
    assert scenario.technologies == ("4G",)
    assert scenario.resolution_m == 90.0
    assert scenario.inputs.demo == DemoInputs(seed=2024, resolution_m=90.0)
    assert scenario.gaps.threshold_dbm == -100.0
    assert scenario.gaps.min_people == 50.0
    assert scenario.placement is not None
    assert scenario.placement.max_sites == 5
    assert scenario.placement.method == "greedy"
    assert scenario.placement.objective == "any"
    assert (tmp_path / "scenario.toml").read_text(encoding="utf-8") == saved["toml"]


def test_a_loaded_scenario_sets_the_pages_widgets(home: Path, tmp_path: Path, monkeypatch) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("HOME", str(home))
    doc = ("[inputs]\ndemo = {seed = 2024, resolution_m = 90}\n[coverage]\nmodel = \"fspl\"\n"
           "threshold_dbm = -95\ntechnologies = [\"4G\"]\n[placement]\nmax_sites = 7\nmethod = \"ilp\"\n")
    load = scenarios.load_scenario_upload("s.toml", doc.encode(), tmp_path, "en",
                                       cache_dir=home / ".cache" / "towerplan")
    assert load.ok, load.messages
    app = AppTest.from_file(APP, default_timeout=300)
    app.query_params["lang"] = "en"
    app.run()
    app.switch_page("app_pages/coverage.py").run()
    app.slider(key="cov_threshold").set_value(-120)  # the widgets had other values
    app.button(key="FormSubmitter:cov_form-Compute coverage").click().run()
    _ok(app)
    app.switch_page("app_pages/data.py").run()
    for key, value in scenarios.scenario_session_values(load).items():  # what apply_scenario sets
        if value is None:
            if key in app.session_state:
                del app.session_state[key]
        else:
            app.session_state[key] = value
    app.run()
    _ok(app)
    app.switch_page("app_pages/coverage.py").run()
    _ok(app)
    assert app.selectbox(key="cov_model").value == "fspl"
    assert app.slider(key="cov_threshold").value == -95
    assert app.selectbox(key="cov_service").value == "fixed"  # the scenario's fixed threshold
    assert "cov_result" not in app.session_state  # earlier results cleared
    app.switch_page("app_pages/export.py").run()
    _ok(app)
    saved = load_scenario_from_zip(app.session_state["export_scenario"]["zip"], tmp_path / "out")
    assert saved.coverage == load.scenario.coverage
    assert saved.placement == load.scenario.placement


def load_scenario_from_zip(data: bytes, folder: Path):
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        zf.extractall(folder)
    return load_scenario(folder / "scenario.toml")


def test_a_saved_scenario_runs_with_towerplan_run(home: Path, tmp_path: Path, cache: Path, monkeypatch,
                                                  shared_coverage_runs) -> None:
    """The saved ZIP, unzipped elsewhere, is a complete plan: ``towerplan run scenario.toml --out OUT``.

    The uploaded study is the demo's files (terrain, people, stations, land cover) with the pages' default
    coverage settings: the run's coverage step is the session's memo (``coverage_runs``), so when an app
    test has computed the demo's default coverage the run reads it; the rest of the plan runs here.
    """
    import json

    from coverage_runs import install

    from towerplan.cli import main
    from towerplan.demo import demo_dir
    from towerplan.planning.candidates import CandidateConfig
    from towerplan.planning.shared_towers import PlacementSettings

    folder = demo_dir(cache, resolution_m=90.0)
    inputs = {"dem": (folder / "dem.tif",), "population": folder / "population.tif",
              "stations": (folder / "stations.csv",), "landcover": (folder / "landcover.tif",),
              "label": "Uploaded study"}
    small = PlacementSettings(max_sites=1, candidates=CandidateConfig(max_candidates=40))  # keeps the test fast
    settings = scenarios.settings_from_widgets(_values(towers_n=1, cov_threshold=-105), towers_base=small)
    archive, _ = scenarios.scenario_archive(scenarios.build_app_scenario(inputs, settings, language="en"))
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        zf.extractall(tmp_path / "unzipped")
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    undo = install(shared_coverage_runs, in_plans=True)
    try:
        code = main(["run", str(tmp_path / "unzipped" / "scenario.toml"), "--out", str(tmp_path / "plan"), "--quiet"])
    finally:
        undo()
    assert code == 0
    method = json.loads((tmp_path / "plan" / "method.json").read_text(encoding="utf-8"))
    assert method["settings"]["placement"]["max_sites"] == 1
    assert (tmp_path / "plan" / "summary.json").is_file()


@pytest.mark.parametrize("demo", ["{seed = 7, resolution_m = 90}", "{seed = 2024, resolution_m = 45}"])
def test_another_demo_variant_is_refused_so_uploads_cannot_fill_the_cache(tmp_path: Path, cache: Path,
                                                                          demo: str) -> None:
    doc = f"[inputs]\ndemo = {demo}\n".encode()
    load = scenarios.load_scenario_upload("other.toml", doc, tmp_path, "vi", cache_dir=cache)
    assert not load.ok
    assert "towerplan run" in load.messages[0]
    assert "hạt giống 2024" in load.messages[0]
    assert not any(cache.glob("demo-*")) or all("2024" in p.name for p in cache.glob("demo-*"))
    assert list((tmp_path / "scenarios").iterdir()) == []
