"""Scenario files: every validation rule with its message, path confinement, round trips."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.criteria import ServiceSettings
from towerplan.coverage.itm import CLIMATES
from towerplan.errors import ConfigError, UnreadableFileError
from towerplan.planning.candidates import CandidateConfig
from towerplan.planning.costs import CostModel
from towerplan.planning.gaps import GapConfig
from towerplan.planning.matrix import CandidateRadio
from towerplan.planning.shared_towers import PlacementSettings
from towerplan.study import (
    DemoInputs,
    Scenario,
    ScenarioError,
    ScenarioInputs,
    load_scenario,
    save_scenario,
    scenario_from_settings,
)
from towerplan.study.service import coverage_for_service

REPO = Path(__file__).resolve().parents[1]

FILES = ("dem.tif", "population.tif", "stations.csv", "more_stations.xlsx", "communes.gpkg", "roads.gpkg",
         "candidates.csv", "exclusions.gpkg", "fibre.gpkg")
BASE_INPUTS = '[inputs]\ndem = "dem.tif"\npopulation = "population.tif"\nstations = "stations.csv"\n'


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A scenario folder whose input files exist (their contents are not read while loading a scenario)."""
    d = tmp_path / "study"
    (d / "data").mkdir(parents=True)
    for name in FILES:
        (d / name).write_bytes(b"x")
    (d / "data" / "roads2.gpkg").write_bytes(b"x")
    return d


def write(folder: Path, text: str, name: str = "scenario.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(folder: Path, text: str, **kw) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(folder, text), **kw)
    err = info.value
    assert isinstance(err, ConfigError)  # the CLI maps it to exit code 2
    for p in err.problems:  # the message lists every problem
        assert p in str(err)
    return err.problems


def one(folder: Path, text: str, **kw) -> str:
    found = problems(folder, text, **kw)
    assert len(found) == 1, found
    return found[0]


# ------------------------------------------------------------------ a good file
def test_a_complete_file_maps_onto_the_settings(folder: Path) -> None:
    path = write(folder, '''
[scenario]
name = "th-2026"
title = "Quy hoạch 2026"
language = "en"

[inputs]
stations = ["stations.csv", "more_stations.xlsx"]
dem = "dem.tif"
population = "population.tif"
communes = "communes.gpkg"
roads = "data/roads2.gpkg"
candidates = "candidates.csv"
exclusions = "exclusions.gpkg"
fibre_points = "fibre.gpkg"
commune_name_column = "ten_xa"

[coverage]
technologies = ["4g", "5G"]
resolution_m = 60
model = "itm"
threshold_dbm = -105
rx_height_m = 1.5
[coverage.itm]
climate = "maritime_subtropical"
n0 = 350
[coverage.link_budget]
indoor_loss_db = 12.0
[coverage.technology_params.4G]
bandwidth_mhz = 10

[gaps]
min_people = 100
household_size = 3.8

[placement]
objective = "per_operator"
method = "ilp"
budget_towers = 12
budget_vnd = 30e9
must_include = ["C-DM0001"]
[placement.radio]
azimuths_deg = [0, 180]

[costs]
site_vnd = 250e6

[candidates]
max_road_distance_m = "none"
min_spacing_m = 2000

[run]
executor = "processes"
workers = 2
''')
    s = load_scenario(path)
    assert (s.name, s.title, s.language) == ("th-2026", "Quy hoạch 2026", "en")
    assert s.inputs.stations == (folder / "stations.csv", folder / "more_stations.xlsx")
    assert s.inputs.dem == (folder / "dem.tif",)
    assert s.inputs.roads == folder / "data" / "roads2.gpkg"
    assert s.inputs.fibre_points == folder / "fibre.gpkg"
    assert s.inputs.commune_name_column == "ten_xa"
    assert s.technologies == ("4G", "5G")
    assert s.resolution_m == 60.0
    assert s.coverage.model == "itm"
    assert s.coverage.threshold_dbm == -105.0
    assert s.coverage.itm.climate == CLIMATES["maritime_subtropical"]  # names map to ITM's codes
    assert s.coverage.itm.n0 == 350.0
    assert s.coverage.link_budget.indoor_loss_db == 12.0
    assert s.coverage.technologies["4G"].bandwidth_mhz == 10.0
    assert s.coverage.technologies["5G"] == CoverageConfig().technologies["5G"]  # the others keep their defaults
    assert s.gaps.threshold_dbm == -105.0  # the gap threshold follows the coverage threshold
    assert s.gaps.min_people == 100.0
    assert s.gaps.household_size == 3.8
    pl = s.placement
    assert pl is not None
    assert (pl.objective, pl.method, pl.max_sites, pl.budget_vnd) == ("per_operator", "ilp", 12, 30e9)
    assert pl.must_include == ("C-DM0001",)
    assert pl.radio.azimuths_deg == (0.0, 180.0)
    assert pl.costs == CostModel(site_vnd=250e6)
    assert pl.candidates == CandidateConfig(max_road_distance_m=None, min_spacing_m=2000.0)
    assert (s.executor, s.workers) == ("processes", 2)


def test_defaults_and_no_placement_section(folder: Path) -> None:
    s = load_scenario(write(folder, BASE_INPUTS))
    assert s.name == "scenario"  # the file's stem
    assert s.language == "vi"
    # no threshold given: the default service criterion (towerplan.coverage.criteria) derives it
    assert s.settings.service == ServiceSettings()
    assert s.coverage == coverage_for_service(CoverageConfig(), ServiceSettings(), ("4G",))
    assert s.coverage.threshold_dbm == pytest.approx(ServiceSettings().criterion("4G").required_median_dbm)
    assert s.gaps == GapConfig(threshold_dbm=s.coverage.threshold_dbm)
    assert s.placement is None
    assert s.technologies == ("4G",)
    assert s.resolution_m is None
    assert (s.executor, s.workers) == ("serial", None)


def test_all_technologies(folder: Path) -> None:
    s = load_scenario(write(folder, BASE_INPUTS + '[coverage]\ntechnologies = "all"\n'))
    assert s.technologies is None


def test_the_shipped_demo_scenario_loads() -> None:
    s = load_scenario(REPO / "data" / "demo" / "scenario.toml")
    assert s.inputs.demo == DemoInputs(seed=2024, resolution_m=90.0)
    assert s.technologies == ("4G",)
    assert s.placement is not None
    assert s.placement.method == "ilp"
    assert s.placement.max_sites == 10
    assert "not real data" in s.label.lower()


def test_a_fetch_skeleton_is_accepted(folder: Path) -> None:
    (folder / "province.gpkg").write_bytes(b"x")
    (folder / "roads.graphml").write_bytes(b"x")
    s = load_scenario(write(folder, '''
[area]
name = "Thanh Hóa"
kind = "province"
bounds_lonlat = [104.4, 19.3, 106.1, 20.7]
crs = "EPSG:32648"
boundary = "province.gpkg"

[grid]
resolution_m = 30

[inputs]
dem = "dem.tif"
population = "population.tif"
province = "province.gpkg"
communes = "communes.gpkg"
roads = "roads.gpkg"
road_graph = "roads.graphml"
stations = "stations.csv"
'''))
    assert s.resolution_m == 30.0
    assert s.inputs.communes == folder / "communes.gpkg"


# ------------------------------------------------------------------ unknown keys
@pytest.mark.parametrize(("text", "message"), [
    ("[gap]\nmin_people = 1\n", "[gap]: unknown section (did you mean 'gaps'?)"),
    ("[coverage]\ntreshold_dbm = -100\n", "coverage.treshold_dbm: unknown key (did you mean 'threshold_dbm'?)"),
    ("[coverage.itm]\nclimat = 2\n", "coverage.itm.climat: unknown key (did you mean 'climate'?)"),
    ("[coverage.link_budget]\nindoor_los_db = 2\n",
     "coverage.link_budget.indoor_los_db: unknown key (did you mean 'indoor_loss_db'?)"),
    ("[scenario]\ntitel = \"x\"\n", "scenario.titel: unknown key (did you mean 'title'?)"),
    ("[gaps]\nmin_peple = 3\n", "gaps.min_peple: unknown key (did you mean 'min_people'?)"),
    ("[placement]\nmax_sites = 3\nobjectiv = \"any\"\n",
     "placement.objectiv: unknown key (did you mean 'objective'?)"),
    ("[costs]\nsite_cost_vnd = 1\n", "costs.site_cost_vnd: unknown key (did you mean 'site_vnd'?)"),
    ("[candidates]\nmin_spacing = 1\n", "candidates.min_spacing: unknown key (did you mean 'min_spacing_m'?)"),
    ("[run]\nworker = 2\n", "run.worker: unknown key (did you mean 'workers'?)"),
    ("[run]\nzzz = 2\n", "run.zzz: unknown key"),
])
def test_unknown_keys_with_suggestions(folder: Path, text: str, message: str) -> None:
    assert one(folder, BASE_INPUTS + text) == message


def test_unknown_input_key(folder: Path) -> None:
    assert one(folder, BASE_INPUTS + 'comunes = "communes.gpkg"\n') == (
        "inputs.comunes: unknown key (did you mean 'communes'?)")


def test_placement_tables_belong_in_their_own_sections(folder: Path) -> None:
    msg = one(folder, BASE_INPUTS + "[placement]\nmax_sites = 3\n[placement.costs]\nsite_vnd = 1\n")
    assert msg == "placement.costs: set it in its own section [costs]"


def test_technology_params_replaces_the_technologies_field(folder: Path) -> None:
    # [coverage] technologies selects sectors; the per-technology level definitions are technology_params
    s = load_scenario(write(folder, BASE_INPUTS + "[coverage.technology_params.3G]\npilot_share_db = -9.0\n"))
    assert s.coverage.technologies["3G"].pilot_share_db == -9.0


# ------------------------------------------------------------------ wrong types and values
@pytest.mark.parametrize(("text", "message"), [
    ('[coverage]\nthreshold_dbm = "-110"\n', "coverage.threshold_dbm: expected a number, got string \"-110\""),
    ("[coverage]\ncost231_metropolitan = 1\n",
     "coverage.cost231_metropolitan: expected a boolean (true/false), got integer 1"),
    ('[coverage]\nmodel = "hatta"\n',
     "coverage.model: expected one of 'auto', 'p1812', 'itm', 'hata', 'cost231', 'fspl', got \"hatta\" "
     "(did you mean 'hata'?)"),
    ("[coverage]\ndeygout_edges = 2.5\n", "coverage.deygout_edges: expected an integer, got float 2.5"),
    ("[coverage]\ntechnologies = [\"4G\", \"6G\"]\n",
     "coverage.technologies: unknown '6G' (expected 2G, 3G, 4G, 5G)"),
    ("[coverage]\ntechnologies = 4\n",
     'coverage.technologies: expected an array of technologies such as ["4G"] or "all", got integer 4'),
    ("[coverage]\nresolution_m = 5000\n", "coverage.resolution_m: 5000 m must be within 1-1000 m"),
    ("[coverage]\nitm = 3\n", "coverage.itm: expected a table, got integer 3"),
    ("[gaps]\nhousehold_size = \"4\"\n", "gaps.household_size: expected a number, got string \"4\""),
    ("[placement]\nmax_sites = 2.5\n", "placement.max_sites: expected an integer, got float 2.5"),
    ("[placement]\nmax_sites = 3\nmust_include = \"C-1\"\n",
     "placement.must_include: expected an array of strings, got string \"C-1\""),
    ("[placement]\nmax_sites = 3\nmust_include = [\"C-1\", 2]\n",
     "placement.must_include[1]: expected a string, got integer 2"),
    ("[placement]\nmax_sites = 3\nmethod = \"lp\"\n",
     "placement.method: expected one of 'greedy', 'ilp', got \"lp\" (did you mean 'ilp'?)"),
    ("[placement.radio]\nazimuths_deg = [\"north\"]\n",
     "placement.radio.azimuths_deg[0]: expected a number, got string \"north\""),
    ("[placement]\nmax_sites = 3\ninclude_greenfield = \"yes\"\n",
     "placement.include_greenfield: expected a boolean (true/false), got string \"yes\""),
    ("[run]\nexecutor = \"threads\"\n", "run.executor: expected one of 'serial', 'processes', 'dask', got \"threads\""),
    ("[run]\nworkers = 0\n", "run.workers: must be at least 1, got 0"),
    ("[scenario]\nlanguage = \"fr\"\n", "scenario.language: expected one of 'vi', 'en', got \"fr\""),
    ("[scenario]\ntitle = 3\n", "scenario.title: expected a string, got integer 3"),
    ("scenario = 3\n", "scenario: expected a table [scenario], got integer 3"),
])
def test_wrong_types(folder: Path, text: str, message: str) -> None:
    doc = text if text.startswith("scenario =") else BASE_INPUTS + text
    if text.startswith("scenario ="):
        doc = text + BASE_INPUTS
    found = problems(folder, doc)
    assert message in found, found


@pytest.mark.parametrize(("text", "start", "detail"), [
    ("[coverage]\nthreshold_dbm = 10\n", "coverage: ", "threshold_dbm = 10.0 must be within -200..0 dBm"),
    ("[coverage.itm]\nn0 = 100\n", "coverage.itm: ", "n0 = 100.0 N-units must be within 250-400"),
    ("[gaps]\nmin_people = -1\n", "gaps: ", "min_people must be a number >= 0"),
    ("[costs]\nsite_vnd = -1\n", "costs: ", "site_vnd must be a finite number >= 0"),
    ("[candidates]\nmin_spacing_m = 0\n", "candidates: ", "min_spacing_m must be > 0"),
    ("[placement]\nmax_sites = 0\n", "placement: ", "max_sites must be at least 1"),
    ("[placement]\nmax_sites = 2\nmust_include = [\"A\"]\nforbidden = [\"A\"]\n", "placement: ",
     "candidates both must_include and forbidden: A"),
    ("[placement.radio]\nfreq_mhz = 100\n", "placement.radio: ", "freq_mhz must be within 400-6000 MHz"),
])
def test_bad_values_name_their_section(folder: Path, text: str, start: str, detail: str) -> None:
    found = problems(folder, BASE_INPUTS + text)
    assert any(p.startswith(start) and detail in p for p in found), found


def test_placement_needs_a_budget(folder: Path) -> None:
    msg = one(folder, BASE_INPUTS + "[placement]\nmethod = \"ilp\"\n")
    assert msg.startswith("placement: give a tower count (max_sites, or budget_towers) or a money budget")


def test_budget_towers_and_max_sites_together(folder: Path) -> None:
    msg = one(folder, BASE_INPUTS + "[placement]\nmax_sites = 3\nbudget_towers = 4\n")
    assert msg == "placement.budget_towers: given twice (also as 'max_sites')"


def test_none_sets_an_optional_setting(folder: Path) -> None:
    s = load_scenario(write(folder, BASE_INPUTS + '[placement]\nbudget_vnd = 5e9\nmax_sites = "none"\n'))
    assert s.placement is not None
    assert s.placement.max_sites is None
    assert s.placement.budget_vnd == 5e9


def test_every_problem_is_listed_at_once(folder: Path) -> None:
    found = problems(folder, '''
[inputs]
dem = "missing.tif"
stations = "stations.csv"
[coverage]
treshold_dbm = -100
model = 3
[gaps]
min_people = "many"
[run]
executor = "x"
''')
    assert len(found) == 6, found
    text = "\n".join(found)
    for key in ("inputs.dem", "inputs.population", "coverage.treshold_dbm", "coverage.model", "gaps.min_people",
                "run.executor"):
        assert key in text
    with pytest.raises(ScenarioError, match=r"scenario\.toml: 6 problems:\n  - "):
        load_scenario(folder / "scenario.toml")


def test_invalid_toml(folder: Path) -> None:
    msg = one(folder, '[inputs]\ndem = "dem.tif\n')
    assert msg.startswith("not valid TOML: ")
    assert "line 2" in msg


def test_unreadable_scenario_files(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFileError, match="scenario file not found"):
        load_scenario(tmp_path / "nope.toml")
    with pytest.raises(UnreadableFileError, match="is a folder"):
        load_scenario(tmp_path)
    (tmp_path / "bin.toml").write_bytes(b"\xff\xfe\x00junk")
    with pytest.raises(UnreadableFileError, match="not a UTF-8 text file"):
        load_scenario(tmp_path / "bin.toml")


# ------------------------------------------------------------------ inputs
def test_missing_files_are_named_with_where_they_were_looked_for(folder: Path) -> None:
    found = problems(folder, '[inputs]\ndem = ["dem.tif", "tiles/n20.hgt"]\npopulation = "pop.tif"\n'
                             'stations = "stations.csv"\nroads = "data/nope.gpkg"\n')
    assert found == [
        f"inputs.dem[1]: file 'tiles/n20.hgt' not found (looked for {folder / 'tiles' / 'n20.hgt'})",
        f"inputs.population: file 'pop.tif' not found (looked for {folder / 'pop.tif'})",
        f"inputs.roads: file 'data/nope.gpkg' not found (looked for {folder / 'data' / 'nope.gpkg'})",
    ]


def test_required_inputs(folder: Path) -> None:
    found = problems(folder, '[inputs]\ncommunes = "communes.gpkg"\n')
    assert found == [f"inputs.{k}: missing (or name a study_folder, or demo = true)"
                     for k in ("dem", "population", "stations")]
    assert one(folder, "[scenario]\nname = 'x'\n") == (
        "[inputs]: missing (name the input files, a study_folder, or demo = true)")


def test_paths_must_be_strings(folder: Path) -> None:
    assert one(folder, BASE_INPUTS.replace('"population.tif"', "3")) == (
        "inputs.population: expected a path (a non-empty string), got integer 3")


def test_study_folder(folder: Path) -> None:
    study = folder / "data"
    for name in ("dem.tif", "population.tif"):
        (study / name).write_bytes(b"x")
    msg = one(folder, '[inputs]\nstudy_folder = "data"\n')
    assert msg == f"inputs.study_folder: stations.csv not found in {study} (or name inputs.stations)"
    s = load_scenario(write(folder, '[inputs]\nstudy_folder = "data"\nstations = "stations.csv"\n'))
    assert s.inputs.study_folder == study
    files = s.input_files()
    assert files["dem"] == study / "dem.tif"
    assert files["stations"] == (folder / "stations.csv",)  # named files win over the folder's
    assert "roads" not in files  # roads2.gpkg is not a study-folder name
    assert one(folder, '[inputs]\nstudy_folder = "nowhere"\n') == (
        f"inputs.study_folder: folder 'nowhere' not found (looked for {folder / 'nowhere'})")


def test_demo_inputs(folder: Path) -> None:
    assert load_scenario(write(folder, "[inputs]\ndemo = true\n")).inputs.demo == DemoInputs()
    s = load_scenario(write(folder, "[inputs]\ndemo = {seed = 7, resolution_m = 300}\n"))
    assert s.inputs.demo == DemoInputs(seed=7, resolution_m=300.0)
    assert one(folder, "[inputs]\ndemo = {seed = 7, resolution = 300}\n") == (
        "inputs.demo.resolution: unknown key (did you mean 'resolution_m'?)")
    assert "resolution_m must be between 20 and 1000 m" in one(folder, "[inputs]\ndemo = {resolution_m = 5}\n")
    assert one(folder, '[inputs]\ndemo = true\nstudy_folder = "data"\n') == (
        "inputs: give either study_folder or demo, not both")


# ------------------------------------------------------------------ allowed folders
def test_dotdot_escape_is_refused(folder: Path) -> None:
    (folder.parent / "secret.tif").write_bytes(b"x")
    msg = one(folder, BASE_INPUTS.replace('"dem.tif"', '"../secret.tif"'))
    assert msg.startswith("inputs.dem: '../secret.tif' is not allowed: '..' leaves the scenario's folder")
    assert str(folder) in msg  # names the allowed folders
    # even when it comes back in
    s = load_scenario(write(folder, BASE_INPUTS.replace('"dem.tif"', '"../study/dem.tif"')))
    assert s.inputs.dem == (folder / "dem.tif",)


def test_absolute_paths_elsewhere_are_refused(folder: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "pop.tif").write_bytes(b"x")
    text = BASE_INPUTS.replace('"population.tif"', f'"{(other / "pop.tif").as_posix()}"')
    msg = one(folder, text)
    assert msg.startswith(f"inputs.population: '{(other / 'pop.tif').as_posix()}' is not allowed: "
                          "it is outside the scenario's folder")
    # allowed_roots opens it, and only it
    s = load_scenario(folder / "scenario.toml", allowed_roots=[other])
    assert s.inputs.population == other / "pop.tif"
    # absolute paths inside the folder are fine
    inside = BASE_INPUTS.replace('"population.tif"', f'"{(folder / "population.tif").as_posix()}"')
    assert load_scenario(write(folder, inside)).inputs.population == folder / "population.tif"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_symlinks_leading_out_are_refused(folder: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "stations.csv").write_text("x")
    (folder / "linked.csv").symlink_to(outside / "stations.csv")
    (folder / "linkdir").symlink_to(outside, target_is_directory=True)
    found = problems(folder, BASE_INPUTS.replace('"stations.csv"', '["linked.csv", "linkdir/stations.csv"]'))
    assert found == [
        f"inputs.stations[0]: 'linked.csv' is not allowed: it leads outside through a symbolic link "
        f"(allowed folders: {folder})",
        f"inputs.stations[1]: 'linkdir/stations.csv' is not allowed: it leads outside through a symbolic link "
        f"(allowed folders: {folder})",
    ]
    # a link inside the folder pointing inside the folder is fine
    (folder / "inner.csv").symlink_to(folder / "stations.csv")
    assert load_scenario(write(folder, BASE_INPUTS.replace('"stations.csv"', '"inner.csv"'))).inputs.stations == (
        folder / "stations.csv",)


# ------------------------------------------------------------------ round trips
def _full_scenario(folder: Path) -> Scenario:
    return scenario_from_settings(
        inputs={"dem": folder / "dem.tif", "population": folder / "population.tif",
                "stations": [folder / "stations.csv", folder / "more_stations.xlsx"],
                "roads": folder / "data" / "roads2.gpkg", "candidates": folder / "candidates.csv",
                "commune_name_column": "ten"},
        name="round-trip", title="Kế hoạch \"thử\" – 2026", language="en", description="line one\nline two",
        coverage=CoverageConfig(model="hata", threshold_dbm=-105.5, max_radius_m=20_000.0, radial_spacing_cells=1.5),
        technologies=("4G", "5G"), resolution_m=45.0,
        gaps=GapConfig(threshold_dbm=-105.5, household_size=4.1, operator="Viettel"),
        placement=PlacementSettings(
            objective="backup", method="ilp", max_sites=7, budget_vnd=1.5e10, must_include=("C-1",),
            forbidden=("G00002",), include_colocation=False,
            candidates=CandidateConfig(max_road_distance_m=None, max_candidates=99),
            costs=CostModel(site_vnd=1.25e8, horizon_years=7.5), radio=CandidateRadio(omni=True, eirp_dbm=55.5)),
        executor="dask", workers=3, path=folder / "scenario.toml",
    )


def test_round_trip_through_a_file(folder: Path) -> None:
    s = _full_scenario(folder)
    path = save_scenario(s, folder / "saved.toml")
    text = path.read_text(encoding="utf-8")
    assert 'dem = ["dem.tif"]' in text  # relative to the file
    assert 'roads = "data/roads2.gpkg"' in text
    assert "max_road_distance_m = \"none\"" in text
    back = load_scenario(path)
    assert back == s
    assert back.placement == s.placement
    assert back.coverage == s.coverage
    assert back.gaps == s.gaps
    assert back.inputs == s.inputs
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # the atomic write left nothing
    # and the written text is what to_toml gives and parses back to to_dict
    assert tomllib.loads(s.to_toml(relative_to=folder)) == s.to_dict(relative_to=folder)


def test_round_trip_of_the_demo_and_of_defaults(tmp_path: Path) -> None:
    for s in (scenario_from_settings(inputs={"demo": True}),
              scenario_from_settings(inputs={"demo": {"seed": 3, "resolution_m": 250}}, technologies=None,
                                     placement=PlacementSettings(budget_vnd=2e10))):
        back = load_scenario(save_scenario(s, tmp_path / "s.toml"))
        assert back == s
        assert back.placement == s.placement


def test_round_trip_of_the_shipped_demo(tmp_path: Path) -> None:
    s = load_scenario(REPO / "data" / "demo" / "scenario.toml")
    assert load_scenario(save_scenario(s, tmp_path / "copy.toml")) == s


def test_saving_elsewhere_keeps_absolute_paths_that_then_need_allowing(folder: Path, tmp_path: Path) -> None:
    s = _full_scenario(folder)
    away = tmp_path / "away"
    save_scenario(s, away / "s.toml")
    assert str(folder / "dem.tif") in (away / "s.toml").read_text(encoding="utf-8")
    with pytest.raises(ScenarioError, match="is outside the scenario's folder"):
        load_scenario(away / "s.toml")
    assert load_scenario(away / "s.toml", allowed_roots=[folder]) == s


def test_scenario_from_settings_checks_like_a_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"inputs\.stations: missing"):
        scenario_from_settings(inputs={"dem": tmp_path / "nope.tif"})
    with pytest.raises(ScenarioError, match=r"inputs\.dme: unknown key \(did you mean 'dem'\?\)"):
        scenario_from_settings(inputs={"dme": "x"})
    with pytest.raises(ScenarioError, match="placement: give a tower count"):
        scenario_from_settings(inputs={"demo": True}, placement=PlacementSettings())


def test_scenario_inputs_value_object() -> None:
    ins = ScenarioInputs(dem=(Path("/a/dem.tif"),), population=Path("/a/p.tif"), stations=(Path("/a/s.csv"),))
    assert set(ins.paths()) == {"dem", "population", "stations"}


# ------------------------------------------------------------------ one service threshold
def test_a_gap_threshold_that_contradicts_the_coverage_one_is_refused_naming_both_keys(folder: Path) -> None:
    msg = one(folder, BASE_INPUTS + "[coverage]\nthreshold_dbm = -100\n[gaps]\nthreshold_dbm = -95\n")
    assert msg.startswith("gaps.threshold_dbm = -95 contradicts coverage.threshold_dbm = -100")
    # against the threshold derived from the default service criterion, said so
    msg = one(folder, BASE_INPUTS + "[gaps]\nthreshold_dbm = -100\nmin_people = 10\n")
    assert "gaps.threshold_dbm = -100 contradicts coverage.threshold_dbm (derived from [service]) = -105.953" in msg
    # the same value twice is no contradiction
    s = load_scenario(write(folder, BASE_INPUTS + "[coverage]\nthreshold_dbm = -98\n[gaps]\nthreshold_dbm = -98\n"))
    assert s.gaps.threshold_dbm == s.coverage.threshold_dbm == s.settings.threshold_dbm == -98.0


def test_settings_objects_with_contradicting_thresholds_are_refused(folder: Path) -> None:
    from towerplan.study import StudySettings

    with pytest.raises(ScenarioError, match=r"gaps\.threshold_dbm = -100 contradicts coverage\.threshold_dbm = -105"):
        scenario_from_settings(inputs={"demo": True}, coverage=CoverageConfig(threshold_dbm=-105.0),
                               gaps=GapConfig(threshold_dbm=-100.0))
    with pytest.raises(ConfigError, match="contradicts"):
        StudySettings(coverage=CoverageConfig(threshold_dbm=-105.0), gaps=GapConfig())
    # create() and replace() derive the gap threshold from the coverage one
    made = StudySettings.create(coverage=CoverageConfig(threshold_dbm=-105.0), gaps=GapConfig(min_people=7.0))
    assert (made.gaps.threshold_dbm, made.gaps.min_people) == (-105.0, 7.0)
    moved = made.replace(coverage=CoverageConfig(threshold_dbm=-90.0))
    assert (moved.gaps.threshold_dbm, moved.gaps.min_people) == (-90.0, 7.0)


def test_a_saved_scenario_writes_the_threshold_once(folder: Path) -> None:
    s = scenario_from_settings(inputs={"demo": True}, coverage=CoverageConfig(threshold_dbm=-101.0))
    doc = tomllib.loads(s.to_toml(relative_to=folder))
    assert doc["coverage"]["threshold_dbm"] == -101.0
    assert "threshold_dbm" not in doc["gaps"]
    assert load_scenario(save_scenario(s, folder / "once.toml")).gaps.threshold_dbm == -101.0
