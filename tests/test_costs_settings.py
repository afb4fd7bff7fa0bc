"""Costs and backhaul settings reach the plan from a scenario file and the CLI (one StudySettings)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from towerplan.errors import ConfigError
from towerplan.planning.backhaul_p530 import ClearanceRule
from towerplan.planning.backhaul_rain import MicrowaveLink
from towerplan.planning.costs import CostModel
from towerplan.planning.shared_towers import PlacementSettings
from towerplan.study import ScenarioError, load_scenario, save_scenario, scenario_from_settings

INPUTS = '[inputs]\ndem = "dem.tif"\npopulation = "population.tif"\nstations = "stations.csv"\n'


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name in ("dem.tif", "population.tif", "stations.csv"):
        (tmp_path / name).write_bytes(b"x")
    return tmp_path


def test_scenario_sections_for_costs_sharing_and_microwave(folder: Path) -> None:
    text = INPUTS + '''
[costs]
horizon_years = 15
discount_rate = 0.08
cost_escalation = 0.03
budget_basis = "capex"
power_per_radio_year_vnd = 4.5e7

[placement]
max_sites = 3
radio_sharing = "shared"
assume_towers_fed = false
microwave_freq_ghz = 7.5

[placement.microwave]
rain_rate_mm_h = 120
availability_pct = 99.995

[placement.microwave.clearance]
climate = "temperate"
obstruction = "isolated"
clutter_m = 12
'''
    path = folder / "s.toml"
    path.write_text(text, encoding="utf-8")
    s = load_scenario(path)
    p = s.placement
    assert p.costs == CostModel(horizon_years=15.0, discount_rate=0.08, cost_escalation=0.03, budget_basis="capex",
                                power_per_radio_year_vnd=4.5e7)
    assert (p.radio_sharing, p.assume_towers_fed, p.microwave_freq_ghz) == ("shared", False, 7.5)
    assert p.microwave == MicrowaveLink(rain_rate_mm_h=120.0, availability_pct=99.995,
                                        clearance=ClearanceRule(climate="temperate", obstruction="isolated",
                                                                clutter_m=12.0))
    assert p.microwave.clearance.low_fraction == 0.0  # temperate, one isolated obstacle: grazing at low k
    # and back through a saved file
    back = load_scenario(save_scenario(s, folder / "saved.toml"))
    assert back.placement == p


def test_bad_values_are_named(folder: Path) -> None:
    path = folder / "s.toml"
    path.write_text(INPUTS + '[placement]\nmax_sites = 1\nradio_sharing = "neutral"\n[placement.microwave.clearance]\n'
                             'climate = "polar"\n[costs]\ndiscount_rate = 2\n', encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    text = str(info.value)
    assert "discount_rate" in text and "climate" in text and "radio_sharing" in text
    with pytest.raises(ConfigError, match="radio_sharing"):
        PlacementSettings(max_sites=1, radio_sharing="neutral")  # type: ignore[arg-type]


def test_cli_flags_build_the_same_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from towerplan.cli import place

    seen = {}

    def fake_place_run(folder, out, *, settings, files, calibration):
        seen["settings"] = settings
        raise SystemExit(0)

    monkeypatch.setattr("towerplan.study.commands.place_run", fake_place_run)
    parser = argparse.ArgumentParser()
    place.register(parser.add_subparsers())
    args = parser.parse_args(["place", "--scenario", str(tmp_path), "--budget-towers", "2", "--out", str(tmp_path),
                              "--radio-sharing", "shared", "--horizon-years", "12", "--discount-rate", "0.07",
                              "--rain-rate-mm-h", "95", "--climate", "temperate", "--no-fibre-assumption"])
    with pytest.raises(SystemExit):
        args.func(args)
    p = seen["settings"].placement
    assert p.radio_sharing == "shared" and p.assume_towers_fed is False
    assert (p.costs.horizon_years, p.costs.discount_rate) == (12.0, 0.07)
    assert p.microwave.rain_rate_mm_h == 95.0 and p.microwave.clearance.climate == "temperate"
    s = scenario_from_settings(inputs={"demo": True}, placement=p)
    assert s.placement == p
