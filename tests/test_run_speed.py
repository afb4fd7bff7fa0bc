"""Speed analysis in a plan (``coverage.sinr``): run_plan, summary.json, the [speed] section, the speed objective."""

from __future__ import annotations

from pathlib import Path

import pytest

from towerplan.planning.speed import VIETNAM_MARKET_SHARE
from towerplan.study import parse_scenario, plan_summary, run_plan
from towerplan.study.scenario import ScenarioError

RES_M = 300.0


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    from towerplan.demo import write_demo

    folder = tmp_path_factory.mktemp("demo")
    write_demo(folder, resolution_m=RES_M)
    return folder


def test_speed_section_overrides_the_market_shares_and_is_checked(study: Path) -> None:
    doc = {"inputs": {"study_folder": str(study)}, "coverage": {"sinr": True},
           "speed": {"market_share": {"Viettel": 0.5}, "busy_hour_activity": 0.01}}
    scenario = parse_scenario(doc, base_dir=study)
    load = scenario.settings.speed
    assert load.share("Viettel") == 0.5
    assert load.share("MobiFone") == VIETNAM_MARKET_SHARE["MobiFone"]  # the others keep their default
    assert load.busy_hour_activity == 0.01
    again = parse_scenario(scenario.to_dict(relative_to=study), base_dir=study)
    assert dict(again.settings.speed.market_share) == dict(load.market_share)
    with pytest.raises(ScenarioError, match="speed"):
        parse_scenario({**doc, "speed": {"market_share": {"Viettel": 1.5}}}, base_dir=study)
    with pytest.raises(ScenarioError, match=r"speed\.busy_hour"):
        parse_scenario({**doc, "speed": {"busy_hour": 0.1}}, base_dir=study)


@pytest.mark.slow
def test_run_plan_with_sinr_reports_speeds_and_places_for_the_speed_target(study: Path) -> None:
    doc = {"inputs": {"study_folder": str(study)}, "coverage": {"sinr": True},
           "placement": {"max_sites": 1, "objective": "speed", "include_colocation": False},
           "candidates": {"max_candidates": 15}}
    scenario = parse_scenario(doc, base_dir=study)
    res = run_plan(scenario.load_inputs(), scenario.settings)
    assert res.speed is not None
    summary, _ = plan_summary(res)
    speed = summary["speed"]
    assert speed["targets_mbps"] == {"4G": 40.0, "5G": 100.0}
    totals = speed["totals"]["4G"]
    assert 0 < totals["people_target"] <= totals["people_served"] <= summary["population_total"]
    assert totals["people_speed_gap"] == pytest.approx(totals["people_served"] - totals["people_target"], rel=1e-6)
    assert speed["market_share"]["Viettel"] == VIETNAM_MARKET_SHARE["Viettel"]
    placed = summary["placement"]
    assert placed["objective"] == "speed"
    assert placed["unit"] == "people brought up to the speed target"
    assert placed["speed_target_mbps"] == 40.0
    assert 0 < placed["people_newly_covered"] <= placed["demand_weight"]
    # the report's speed section and the speed-by-commune table (both languages)
    from towerplan.export.report_model import build_report
    from towerplan.export.tables import plan_tables
    from towerplan.study import plan_package

    package = plan_package(res, title="speed")
    table = plan_tables(package)["speed_communes"]
    assert {"people_4g_served", "people_4g_target", "people_4g_speed_gap", "user_throughput_4g_mbps"} <= set(table)
    assert table["people_4g_target"].sum() <= totals["people_target"] + 1e-6
    for lang, heading in (("en", "Download speed against the national targets"),
                          ("vi", "Tốc độ tải xuống so với mục tiêu quốc gia")):
        report = build_report(package, {}, lang=lang)
        texts = [b.text for b in report.blocks]
        assert heading in texts
        i = texts.index(heading)
        assert "40 Mbit/s" in texts[i + 2]
        assert any(b.kind == "table" and "4G" in " ".join(b.columns) for b in report.blocks[i:i + 5])
