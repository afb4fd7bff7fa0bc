"""The workflow steps shared by ``towerplan run`` and the app, on a coarse demo province."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from affine import Affine

from towerplan.coverage.config import CoverageConfig
from towerplan.errors import ConfigError, UnreadableFileError
from towerplan.export.package import PlanPackage
from towerplan.grid import Grid
from towerplan.planning.candidates import CandidateConfig
from towerplan.planning.gaps import GapConfig
from towerplan.planning.shared_towers import PlacementSettings
from towerplan.sources.cache import sha256_file
from towerplan.study import (
    PlanResults,
    StudyInputs,
    StudySettings,
    load_study_folder,
    load_study_inputs,
    method_record,
    plan_package,
    plan_summary,
    run_coverage_step,
    run_gaps_step,
    run_placement_step,
    run_plan,
    select_technologies,
    server_names,
)

RES_M = 300.0
PLACEMENT = PlacementSettings(method="greedy", max_sites=2, candidates=CandidateConfig(max_candidates=40))


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    from towerplan.demo import write_demo

    folder = tmp_path_factory.mktemp("demo")
    write_demo(folder, resolution_m=RES_M)
    return folder


@pytest.fixture(scope="module")
def inputs(study: Path) -> StudyInputs:
    return load_study_folder(study)


@pytest.fixture(scope="module")
def results(inputs: StudyInputs) -> tuple[PlanResults, list[tuple[str, float]]]:
    seen: list[tuple[str, float]] = []
    res = run_plan(inputs, StudySettings.create(placement=PLACEMENT),
                   progress=lambda stage, fraction: seen.append((stage, fraction)))
    return res, seen


# ------------------------------------------------------------------ inputs
def test_load_study_folder_reads_every_layer(study: Path, inputs: StudyInputs) -> None:
    from towerplan.rasters import read_grid

    dem = read_grid(study / "dem.tif")
    assert inputs.dem.same_lattice(dem)  # a metric GeoTIFF is used as it is
    assert inputs.population.same_lattice(inputs.dem)
    np.testing.assert_allclose(inputs.population.values.sum(dtype=np.float64),
                               read_grid(study / "population.tif").values.sum(dtype=np.float64), rtol=1e-6)
    assert inputs.stations.crs.to_epsg() == 4326
    assert len(inputs.stations) == len(pd.read_csv(study / "stations.csv"))
    assert inputs.communes is not None
    assert inputs.roads is not None
    assert inputs.exclusions is None
    assert inputs.user_candidates is None
    assert dict(inputs.files) == {r: study / n for r, n in (("dem", "dem.tif"), ("population", "population.tif"),
                                                          ("stations", "stations.csv"),
                                                          ("communes", "communes.gpkg"), ("roads", "roads.gpkg"),
                                                          ("landcover", "landcover.tif"))}
    assert inputs.land_cover is not None
    assert inputs.land_cover.source == "landcover.tif"  # the demo folder's land cover is a study input
    assert "not real data" in inputs.label.lower()  # from the demo's README.txt
    assert inputs.station_report is not None
    assert {"row", "severity", "code", "message"} <= set(inputs.station_report.columns)


def test_load_study_folder_resamples_to_another_cell_size(study: Path, inputs: StudyInputs) -> None:
    coarse = load_study_folder(study, resolution_m=600.0, label="coarse")
    assert coarse.dem.res == (600.0, 600.0)
    assert coarse.population.same_lattice(coarse.dem)
    assert coarse.label == "coarse"
    total = inputs.population.values.sum(dtype=np.float64)
    assert abs(coarse.population.values.sum(dtype=np.float64) - total) / total < 0.01


def test_load_study_folder_names_what_is_missing(study: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(study, copy)
    (copy / "stations.csv").unlink()
    with pytest.raises(UnreadableFileError, match=r"stations\.csv missing"):
        load_study_folder(copy)
    with pytest.raises(UnreadableFileError, match="not a study-area folder"):
        load_study_folder(tmp_path / "nowhere")


def test_several_station_lists_and_optional_layers(study: Path, tmp_path: Path) -> None:
    table = pd.read_csv(study / "stations.csv")
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    ops = sorted(table["operator"].unique())
    table[table["operator"] == ops[0]].to_csv(first, index=False)
    table[table["operator"] != ops[0]].to_csv(second, index=False)
    cands = tmp_path / "cands.csv"
    pd.DataFrame({"candidate_id": ["U1"], "lon": [105.5], "lat": [19.9]}).to_csv(cands, index=False)
    got = load_study_inputs(dem=study / "dem.tif", population=study / "population.tif", stations=[first, second],
                            candidates=cands, label="two lists")
    assert len(got.stations) == len(table)
    assert set(got.files) == {"dem", "population", "stations", "stations_2", "candidates"}
    assert got.user_candidates is not None
    assert got.user_candidates["candidate_id"].tolist() == ["U1"]
    assert got.communes is None


def test_candidates_as_a_point_layer(study: Path, tmp_path: Path) -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    layer = tmp_path / "cands.geojson"
    gpd.GeoDataFrame({"candidate_id": ["U7"]}, geometry=[Point(105.5, 19.9)], crs=4326).to_file(layer)
    got = load_study_inputs(dem=study / "dem.tif", population=study / "population.tif",
                            stations=study / "stations.csv", candidates=layer)
    assert isinstance(got.user_candidates, gpd.GeoDataFrame)
    assert got.user_candidates["candidate_id"].tolist() == ["U7"]


def test_load_study_folder_with_files_given_apart(study: Path, tmp_path: Path) -> None:
    import geopandas as gpd
    from shapely.geometry import box

    x0, y0, *_ = load_study_folder(study).dem.bounds
    parks = tmp_path / "parks.gpkg"
    gpd.GeoDataFrame({"name": ["park"]}, geometry=[box(x0, y0, x0 + 900, y0 + 900)], crs=32648).to_file(parks)
    got = load_study_folder(study, files={"exclusions": parks, "fibre_points": None})
    assert got.files["exclusions"] == parks
    assert "fibre_points" not in got.files
    assert got.exclusions is not None
    assert len(got.exclusions) == 1
    with pytest.raises(ConfigError, match="unknown study file role"):
        load_study_folder(study, files={"parks": parks})
    with pytest.raises(UnreadableFileError, match="no such file"):
        load_study_folder(study, files={"candidates": tmp_path / "missing.csv"})


def test_read_study_stations_refuses_a_list_without_usable_rows(study: Path, tmp_path: Path) -> None:
    from towerplan.study import read_study_stations

    bad = tmp_path / "bad.csv"
    table = pd.read_csv(study / "stations.csv").head(3)
    table["lat"] = 95.0  # off the globe, every row rejected
    table.to_csv(bad, index=False)
    with pytest.raises(ConfigError, match=r"no usable station rows in bad\.csv"):
        read_study_stations(bad)


def test_coverage_of_stations_is_the_coverage_step(inputs: StudyInputs, results) -> None:
    from towerplan.study import coverage_of_stations, read_study_dem

    res, _ = results
    dem = read_study_dem(inputs.files["dem"])
    # the study's land cover is P.1812's clutter (auto): the step passes it, so the direct call does too
    cov = coverage_of_stations(dem, inputs.stations, CoverageConfig(), technologies=["4G"], clutter=inputs.clutter)
    np.testing.assert_array_equal(cov.best_level.values, res.coverage.best_level.values)
    assert len(server_names(cov)) == len(select_technologies(inputs.stations, ["4G"]))


def test_study_inputs_refuse_misaligned_population(inputs: StudyInputs) -> None:
    shifted = Grid(inputs.population.values, inputs.population.transform @ Affine.translation(1, 0),
                   inputs.population.crs)
    with pytest.raises(ConfigError, match="population must be on the DEM's lattice"):
        StudyInputs(dem=inputs.dem, population=shifted, stations=inputs.stations)
    with pytest.raises(ConfigError, match="EPSG:4326"):
        StudyInputs(dem=inputs.dem, population=inputs.population, stations=inputs.stations.to_crs(32648))


def test_select_technologies(inputs: StudyInputs) -> None:
    four = select_technologies(inputs.stations, ["4g"])
    assert set(four["technology"]) == {"4G"}
    assert four.index.tolist() == list(range(len(four)))
    assert len(select_technologies(inputs.stations, None)) == len(inputs.stations)
    with pytest.raises(ConfigError, match="technologies must be among"):
        select_technologies(inputs.stations, ["6G"])
    with pytest.raises(ConfigError, match="no 5G sectors"):
        select_technologies(inputs.stations[inputs.stations["technology"] != "5G"], ["5G"])


# ------------------------------------------------------------------ steps
def test_coverage_step_models_the_chosen_technology(inputs: StudyInputs, results) -> None:
    res, _ = results
    cov = res.coverage
    assert set(cov.stations["technology"]) == {"4G"}
    assert cov.best_level.same_lattice(inputs.dem)
    names = server_names(cov)
    assert names["best_server"].tolist() == list(range(len(names)))
    served = np.unique(cov.best_server.values[cov.best_server.values >= 0])
    assert served.max() < len(names)
    assert {"site_id", "cell_id", "operator"} <= set(names.columns)
    # the same step called on its own gives the same rasters
    again = run_coverage_step(inputs, CoverageConfig(), technologies=["4G"])
    np.testing.assert_array_equal(again.best_level.values, cov.best_level.values)


def test_gaps_step_uses_the_coverage_threshold(inputs: StudyInputs) -> None:
    config = CoverageConfig(threshold_dbm=-100.0)
    cov = run_coverage_step(inputs, config)
    gaps = run_gaps_step(inputs, cov)
    assert gaps.config.threshold_dbm == -100.0
    assert gaps.commune_stats is not None
    assert len(gaps.commune_stats) == len(inputs.communes)
    same = run_gaps_step(inputs, cov, GapConfig(threshold_dbm=-100.0, min_people=0.0))
    assert same.config.threshold_dbm == -100.0
    # another gap threshold than the coverage run's is a contradiction, refused naming both
    with pytest.raises(ConfigError, match=r"gap threshold_dbm = -90 contradicts the coverage run's threshold_dbm"):
        run_gaps_step(inputs, cov, GapConfig(threshold_dbm=-90.0, min_people=0.0))


@pytest.mark.slow
def test_a_custom_threshold_gives_the_same_uncovered_people_in_gaps_and_placement(study: Path) -> None:
    """One definition of served: the dead zones and the placement's demand count the same people as
    uncovered, at a threshold set once in the scenario."""
    from towerplan.study import parse_scenario

    doc = {"inputs": {"study_folder": str(study)}, "coverage": {"threshold_dbm": -95.5},
           "gaps": {"min_people": 0.0},
           "placement": {"max_sites": 1, "method": "greedy", "include_colocation": False},
           "candidates": {"max_candidates": 10}}
    scenario = parse_scenario(doc, base_dir=study)
    assert scenario.gaps.threshold_dbm == -95.5
    # with communes: both count the people of the study area (the communes' union), the placement's demand
    # included (towerplan.study.summary.study_area_population)
    inputs = scenario.load_inputs()
    assert inputs.communes is not None
    res = run_plan(inputs, scenario.settings)
    assert res.gaps.config.threshold_dbm == res.coverage.config.threshold_dbm == -95.5
    uncovered = res.gaps.summary()["uncovered"]
    assert res.placement is not None
    demand = res.placement.summary()["people_without_coverage"]
    assert uncovered > 0
    assert demand == pytest.approx(uncovered, rel=1e-6)


def test_placement_step_passes_the_study_layers(inputs: StudyInputs, results, monkeypatch) -> None:
    import towerplan.planning.shared_towers as st

    res, _ = results
    seen = {}

    def fake(dem, population, stations, current_levels, **kw):
        seen.update(kw, stations=stations, levels=current_levels)
        return "plan"

    monkeypatch.setattr(st, "propose_shared_towers", fake)
    out = run_placement_step(inputs, res.coverage, PLACEMENT, coverage_config=CoverageConfig(),
                             progress=lambda s, f: None)
    assert out == "plan"
    assert set(seen["stations"]["technology"]) == {"4G"}  # the towers of the modelled technology
    assert seen["levels"] is res.coverage.operator_levels
    assert seen["roads"] is inputs.roads
    assert seen["settings"] is PLACEMENT
    assert callable(seen["progress"])


def test_run_plan_reports_progress_and_timings(results) -> None:
    res, seen = results
    assert res.placement is not None
    assert set(res.timings) == {"coverage", "gaps", "placement"}
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0
    assert all(0.0 <= f <= 1.0 for f in fractions)
    stages = {s.split(":")[0] for s, _ in seen}
    assert {"coverage", "dead zones", "shared towers", "done"} <= stages


def test_run_plan_without_placement(inputs: StudyInputs, results) -> None:
    res, _ = results
    bare = PlanResults(res.inputs, res.coverage, res.gaps, None, {}, res.settings.replace(placement=None))
    pkg = plan_package(bare, title="no proposals", method=None)
    assert pkg.proposals is None
    assert pkg.curve is None
    assert "coverage_before_dbm" not in pkg.rasters
    assert pkg.summary["placement"] is None


# ------------------------------------------------------------------ package
def test_plan_package_contents(results, study: Path) -> None:
    res, _ = results
    pkg = plan_package(res, title="Plan", method={"settings": {"scenario": {"name": "t"}}, "notes": ["extra note"]},
                       base_dir=study)
    assert isinstance(pkg, PlanPackage)
    assert pkg.title == "Plan"
    assert "not real data" in pkg.study_label.lower()
    ops = sorted(res.coverage.operator_levels)
    assert len(ops) == 3
    assert set(pkg.rasters) == {"best_rsrp_dbm", "best_server", "server_count", "coverage_before_dbm",
                                "coverage_after_dbm", *(f"rsrp_{o.lower().replace(' ', '-')}_dbm" for o in ops)}
    assert pkg.rasters["coverage_after_dbm"] is res.placement.after
    assert len(pkg.proposals) == len(res.placement.result.proposals) <= 2
    assert pkg.gaps is res.gaps.gaps
    assert pkg.commune_stats is res.gaps.commune_stats
    # summary: the headline figures, JSON-ready, without run times
    s = pkg.summary
    text = json.dumps(s, allow_nan=False)
    assert "runtime" not in text
    raster_total = float(res.inputs.population.values.sum(dtype=np.float64))
    assert 0.99 * raster_total < s["population_total"] <= raster_total  # inside the communes
    assert set(s["covered_by_operator"]) == set(ops)
    assert s["covered_two_or_more_operators"] <= s["covered_any_operator"] <= s["population_total"]
    assert s["gap_count"] == len(res.gaps.gaps)
    assert s["proposals"] == len(pkg.proposals)
    assert s["people_newly_covered"] == pytest.approx(float(pkg.proposals["people_newly_covered"].sum()))
    assert s["cost_vnd"] == pytest.approx(float(pkg.proposals["cost_vnd"].sum()))
    # method: models with validity ranges, settings, files with checksums, notes merged
    m = pkg.method
    json.dumps(m, allow_nan=False)
    assert m["models"]
    assert all("sectors" in v for v in m["models"].values())
    assert "MHz" in " ".join(m["models"].values())
    assert m["settings"]["scenario"] == {"name": "t"}
    assert m["settings"]["coverage"]["threshold_dbm"] == -110.0
    assert m["settings"]["placement"]["max_sites"] == 2
    files = {f["role"]: f for f in m["input_files"]}
    assert files["dem"]["path"] == "dem.tif"  # relative to base_dir
    assert files["dem"]["sha256"] == sha256_file(study / "dem.tif")
    assert m["notes"][-1] == "extra note"


def test_plan_summary_is_deterministic(results) -> None:
    res, _ = results
    first, moved = plan_summary(res)
    second, _ = plan_summary(res)
    assert first == second
    assert "placement.runtime_s" in moved
    assert method_record(res) == method_record(res)
