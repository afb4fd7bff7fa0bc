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
    assert "discount_rate" in text
    assert "climate" in text
    assert "radio_sharing" in text
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
    assert p.radio_sharing == "shared"
    assert p.assume_towers_fed is False
    assert (p.costs.horizon_years, p.costs.discount_rate) == (12.0, 0.07)
    assert p.microwave.rain_rate_mm_h == 95.0
    assert p.microwave.clearance.climate == "temperate"
    s = scenario_from_settings(inputs={"demo": True}, placement=p)
    assert s.placement == p


def test_report_lists_both_totals_sharing_and_the_fibre_assumption() -> None:
    import dataclasses

    from export_sample import sample_package

    from towerplan.export.report_model import build_report

    base = sample_package()
    props = base.proposals.assign(capex_vnd=[2.0e9, 3.0e8], present_value_vnd=[3.29e9, 4.5e8])
    placed = {"capex_vnd": 2.3e9, "present_value_vnd": 3.74e9, "horizon_years": 10.0, "discount_rate": 0.1,
              "radio_sharing": "shared", "fibre_assumed": True, "proposals_on_assumed_fibre": 1,
              "microwave_clearance_rule": ClearanceRule().describe(), "microwave_max_hop_km": 8.15,
              "microwave_rain": "R0.01 = 110 mm/h"}
    warning = "no fibre points were given: existing tower sites are ASSUMED to be fibre-fed"
    package = dataclasses.replace(base, proposals=props, summary={**base.summary, "placement": placed,
                                                                  "warnings": [warning]})
    for lang, capex, pv, shared, fibre in (
            ("en", "Capital cost (capex)", "Cost over 10 years, present value (discounted at 10 % a year)",
             "shared by the operators (MOCN/MORAN)", "existing towers are assumed fibre-fed (1 proposed"),
            ("vi", "Vốn đầu tư ban đầu (CAPEX)", "Chi phí 10 năm quy về hiện tại (chiết khấu 10 %/năm)",
             "dùng chung cho các nhà mạng (MOCN/MORAN)", "giả định các trạm hiện có đều có cáp quang (1 trạm")):
        report = build_report(package, {}, lang=lang)
        rows = {r[0]: r[1] for r in report.headline.rows}
        assert rows[capex].startswith("2")
        assert rows[pv].startswith("3")
        assert any(shared == v for v in rows.values())
        assert any(fibre in v for v in rows.values())
        assert any("P.530-18" in v for v in rows.values())
        texts = [b.text for b in report.blocks]
        assert any(warning in (t or "") for t in texts)
        table = next(b for b in report.blocks if b.kind == "table" and b.columns and len(b.columns) == 9)
        assert table.rows[0][5]
        assert table.rows[0][6]
