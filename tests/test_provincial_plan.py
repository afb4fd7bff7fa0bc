"""The provincial plan's options (issue 22 items 1-4): targets, phasing, upgrades, switch-offs.

Oracles: brute force over every subset for the least-cost target; the budget rules checked
year by year; the accounting identity ``before = after + lost - gained`` per commune and
operator against independent counts; known answers on flat synthetic terrain (free space).
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from affine import Affine
from pyproj import Transformer
from shapely.geometry import box

from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.engine import run_coverage
from towerplan.errors import ConfigError
from towerplan.grid import Grid
from towerplan.planning.costs import CostModel, candidate_costs
from towerplan.planning.matrix import CandidateRadio, candidate_sectors, coverage_matrix
from towerplan.planning.phasing import PhasingSettings, phase_proposals
from towerplan.planning.shared_towers import PlacementSettings, propose_shared_towers
from towerplan.planning.switchoff import (
    ALL_OPERATORS,
    SwitchOffSettings,
    switch_off_impact,
    technologies_off,
)
from towerplan.planning.targets import TargetSettings, cover_target
from towerplan.planning.upgrades import (
    coverage_matrix_mixed,
    operator_5g_band,
    price_candidates,
    upgrade_candidates,
)

RES = 30.0
X0, Y0 = 580_020.0, 2_190_000.0
N = 160
RADIO = CandidateRadio(omni=True, v_beamwidth_deg=180.0, tilt_deg=0.0, eirp_dbm=20.0)  # ~1.2 km reach
CONFIG = CoverageConfig(model="fspl", threshold_dbm=-110.0, max_radius_m=3000)
TO_LONLAT = Transformer.from_crs(32648, 4326, always_xy=True)


def _grid(values) -> Grid:
    return Grid(np.asarray(values, dtype=np.float32), Affine(RES, 0, X0, 0, -RES, Y0), 32648)


DEM = _grid(np.full((N, N), 20.0))


def _lonlat(r: float, c: float) -> tuple[float, float]:
    lon, lat = TO_LONLAT.transform(X0 + (c + 0.5) * RES, Y0 - (r + 0.5) * RES)
    return float(lon), float(lat)


def _site(name: str, r: int, c: int, operator: str, technology: str) -> pd.DataFrame:
    lon, lat = _lonlat(r, c)
    radio = CandidateRadio(technology=technology, omni=True, v_beamwidth_deg=180.0, tilt_deg=0.0, eirp_dbm=20.0)
    return candidate_sectors(pd.Series({"candidate_id": name, "lon": lon, "lat": lat, "mast_height_m": 30.0}), radio,
                             operator=operator)


# ------------------------------------------------------------------ targets
def _brute_force(a: np.ndarray, w: np.ndarray, c: np.ndarray, need: float, req: list[int]) -> float:
    best = np.inf
    for k in range(a.shape[0] + 1):
        for s in itertools.combinations(range(a.shape[0]), k):
            hit = a[list(s)].any(axis=0) if s else np.zeros(a.shape[1], bool)
            if w[hit].sum() >= need - 1e-9 and hit[req].all():
                best = min(best, c[list(s)].sum())
    return best


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_target_ilp_is_the_brute_force_optimum_and_greedy_is_feasible(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.random((10, 30)) < 0.2
    w = rng.integers(1, 50, 30).astype(float)
    c = rng.integers(1, 20, 10).astype(float)
    reach = a.any(axis=0)
    need = 0.7 * w[reach].sum()
    req = [int(j) for j in np.flatnonzero(reach)[:2]]
    best = _brute_force(a, w, c, need, req)
    ilp = cover_target(a, w, c, required_weight=need, required_columns=req, method="ilp")
    greedy = cover_target(a, w, c, required_weight=need, required_columns=req, method="greedy")
    assert ilp.selection.cost == pytest.approx(best)
    assert ilp.selection.gap == pytest.approx(0.0, abs=1e-6)
    assert ilp.selection.extra["lower_bound_cost"] <= best + 1e-6
    for sol in (ilp, greedy):
        hit = a[list(sol.selection.sites)].any(axis=0)
        assert w[hit].sum() >= need - 1e-9
        assert hit[req].all()
        assert sol.report.reachable
        assert sol.report.shortfall_weight == 0.0
        assert sol.selection.covered_weight == pytest.approx(w[hit].sum())
    assert greedy.selection.cost >= best - 1e-9


def test_unreachable_target_says_how_far_and_which_columns() -> None:
    a = np.array([[1, 1, 0, 0, 0], [0, 1, 1, 0, 0], [0, 0, 0, 0, 0]], dtype=bool)
    w = np.array([10.0, 20.0, 30.0, 40.0, 5.0])
    c = np.array([1.0, 2.0, 1.0])
    sol = cover_target(a, w, c, required_weight=100.0, required_columns=[4], method="ilp")
    rep = sol.report
    assert not rep.reachable
    assert rep.reachable_weight == 60.0
    assert rep.unreachable_weight == 45.0
    assert rep.unreachable_columns == (3, 4)
    assert rep.unreachable_required == (4,)
    assert rep.reached_weight == 60.0
    assert rep.shortfall_weight == 40.0
    assert sorted(sol.selection.sites) == [0, 1]  # the cheapest plan covering all that can be covered
    assert sol.selection.extra["reached"] == 0.0


def test_target_settings_are_validated() -> None:
    with pytest.raises(ConfigError):
        TargetSettings()
    with pytest.raises(ConfigError):
        TargetSettings(population_share=1.5)
    assert TargetSettings(population_share=0.99).population_share == 0.99


# ------------------------------------------------------------------ phasing
@pytest.mark.parametrize(("seed", "carry"), [(0, True), (1, True), (2, False), (3, False)])
def test_phasing_spends_at_most_each_years_budget(seed: int, carry: bool) -> None:
    rng = np.random.default_rng(seed)
    n = 25
    covers = rng.random((n, 60)) < 0.1
    weights = rng.integers(1, 100, 60).astype(float)
    props = pd.DataFrame({"candidate_id": [f"S{i}" for i in range(n)], "cost_vnd": rng.uniform(1, 10, n) * 1e8})
    budgets = tuple(rng.uniform(3, 9, 4) * 1e8)
    res = phase_proposals(props, PhasingSettings(start_year=2027, budgets_vnd=budgets, carry_over=carry),
                          covers=covers, weights=weights, base_people=500.0, total_people=5000.0)
    years = res.years
    spent = props.groupby(res.proposals["target_year"])["cost_vnd"].sum()
    carried = 0.0
    for k, row in years.iterrows():
        assert row["spent_vnd"] == pytest.approx(spent.get(row["year"], 0.0))
        limit = budgets[k] + (carried if carry else 0.0)
        assert row["spent_vnd"] <= limit * (1 + 1e-12)
        carried = limit - row["spent_vnd"]
    assert (years["spent_vnd"].cumsum() <= np.cumsum(budgets) * (1 + 1e-12)).all()
    # first fit: nothing left unfunded would have fitted in the money left in the last year
    left = years["available_vnd"].iloc[-1] - years["spent_vnd"].iloc[-1]
    unfunded = props[res.proposals["target_year"].isna()]
    assert (unfunded["cost_vnd"] > left).all()
    assert set(unfunded["candidate_id"]) == set(res.unfunded)
    # the people counted year by year are those the funded sites cover together
    funded = res.proposals["target_year"].notna().to_numpy()
    together = weights[covers[funded].any(axis=0)].sum() if funded.any() else 0.0
    assert years["people_newly_covered"].sum() == pytest.approx(together)
    assert years["people_covered_cumulative"].iloc[-1] == pytest.approx(500.0 + together)


def test_phasing_priority_rule_and_validation() -> None:
    props = pd.DataFrame({"candidate_id": ["a", "b", "c"], "cost_vnd": [5.0, 5.0, 5.0], "priority": [1.0, 3.0, 2.0]})
    res = phase_proposals(props, PhasingSettings(budgets_vnd=(5.0, 5.0, 5.0), rule="priority"))
    assert res.proposals["target_year"].tolist() == [2029, 2027, 2028]
    with pytest.raises(ConfigError):
        PhasingSettings(budgets_vnd=())
    with pytest.raises(ConfigError):
        PhasingSettings(budgets_vnd=(-1.0,))


# ------------------------------------------------------------------ upgrades
def test_upgrade_candidates_and_their_costs() -> None:
    stations = pd.concat([_site("A1", 40, 40, "Viettel", "2G"), _site("A2", 80, 80, "Viettel", "2G"),
                          _site("A2", 80, 80, "Viettel", "4G"), _site("B1", 40, 120, "VNPT-VinaPhone", "4G")],
                         ignore_index=True)
    up4 = upgrade_candidates(stations, DEM, technology="4G", radio=RADIO)
    assert up4["candidate_id"].tolist() == ["UP4G-viettel-A1"]
    assert up4["upgrade_from"].tolist() == ["2G"]
    radio5 = CandidateRadio(technology="5G", freq_mhz=3550.0, eirp_dbm=74.0)
    up5 = upgrade_candidates(stations, DEM, technology="5G", radio=radio5)
    assert sorted(up5["candidate_id"]) == ["UP5G-viettel-A2", "UP5G-vnptvinaphone-B1"]
    freq = dict(zip(up5["upgrade_operator"], up5["radio_freq_mhz"], strict=True))
    assert freq == {"Viettel": 2550.0, "VNPT-VinaPhone": 3750.0}
    assert operator_5g_band("MobiFone") == (3800.0, 3900.0)
    assert operator_5g_band("Vietnamobile") is None
    # priced beside tenancy: an upgrade costs a radio and its installation, less than a tenancy
    coloc = up4.assign(kind="colocation", candidate_id="C-A1", upgrade_operator="", radio_freq_mhz=np.nan)
    both = pd.concat([coloc, up4], ignore_index=True)
    model = CostModel()
    costs = price_candidates(both, model=model)
    assert costs["candidate_id"].tolist() == ["C-A1", "UP4G-viettel-A1"]
    assert costs["total_vnd"].iloc[0] == pytest.approx(candidate_costs(coloc, model=model)["total_vnd"].iloc[0])
    capex = model.equipment_vnd + model.colocation_install_vnd  # a radio and its installation, no rent
    yearly = model.power_per_radio_year_vnd + model.radio_upkeep_per_year_vnd
    assert costs["capex_vnd"].iloc[1] == pytest.approx(capex)
    assert costs["total_vnd"].iloc[1] == pytest.approx(capex + yearly * model.pv_factor)  # present value
    assert costs["total_vnd"].iloc[1] < costs["total_vnd"].iloc[0]


def test_mixed_radio_matrix_matches_one_matrix_per_radio() -> None:
    cands = pd.DataFrame({"candidate_id": ["a", "b", "c"], "lon": [_lonlat(50, 50)[0], _lonlat(80, 80)[0],
                                                                   _lonlat(110, 110)[0]],
                          "lat": [_lonlat(50, 50)[1], _lonlat(80, 80)[1], _lonlat(110, 110)[1]],
                          "mast_height_m": 30.0, "radio_freq_mhz": [np.nan, 900.0, np.nan]})
    demand = np.ones(DEM.shape, dtype=bool)
    mixed, _cells = coverage_matrix_mixed(DEM, cands, demand, radio=RADIO, config=CONFIG)
    plain, _ = coverage_matrix(DEM, cands.iloc[[0, 2]], demand, radio=RADIO, config=CONFIG)
    low, _ = coverage_matrix(DEM, cands.iloc[[1]], demand, radio=RADIO.__class__(**{**RADIO.__dict__,
                                                                                   "freq_mhz": 900.0}),
                             config=CONFIG)
    assert (mixed[0] != plain[0]).nnz == 0
    assert (mixed[2] != plain[1]).nnz == 0
    assert (mixed[1] != low[0]).nnz == 0
    assert mixed[1].nnz > mixed[0].nnz  # 900 MHz reaches farther than 1842.5 MHz


# ------------------------------------------- targets and phasing end to end
@pytest.fixture(scope="module")
def world() -> dict:
    """Village A (row 40, col 40; 50/cell) has Viettel 4G; B (40, 120; 40/cell), C (120, 120; 20/cell)
    have none: a user mast U1 may stand at B; Viettel has a 2G-only site at C (an upgrade);
    D (120, 20; 10/cell) is out of every candidate's reach."""
    pop = np.zeros((N, N))
    for (r, c), p in (((40, 40), 50.0), ((40, 120), 40.0), ((120, 120), 20.0), ((120, 20), 10.0)):
        pop[r - 5:r + 5, c - 5:c + 5] = p
    s4 = _site("S1", 40, 40, "Viettel", "4G")
    s2 = _site("S2", 120, 120, "Viettel", "2G")
    levels = dict(run_coverage(DEM, s4, config=CONFIG).operator_levels)
    levels["MobiFone"] = _grid(np.full((N, N), np.nan))
    users = pd.DataFrame({"candidate_id": ["U1"], "lon": [_lonlat(40, 120)[0]], "lat": [_lonlat(40, 120)[1]],
                          "mast_height_m": [30.0]})
    return {"pop": _grid(pop), "s4": s4, "all": pd.concat([s4, s2], ignore_index=True), "levels": levels,
            "users": users}


def _plan(world: dict, **settings):
    s = PlacementSettings(include_greenfield=False, include_colocation=False, radio=RADIO, method="ilp", **settings)
    return propose_shared_towers(DEM, world["pop"], world["s4"], world["levels"], settings=s, coverage_config=CONFIG,
                                 user_candidates=world["users"], all_stations=world["all"])


def test_target_plan_reaches_the_target_with_an_upgrade(world: dict) -> None:
    total = 100 * (50 + 40 + 20 + 10)  # 12,000 people; A's 5,000 served now
    plan = _plan(world, include_upgrades=True, target=TargetSettings(population_share=0.95))
    ids = set(plan.result.proposals["candidate_id"])
    assert ids == {"U1", "UP4G-viettel-S2"}  # 5,000 + 4,000 + 2,000 = 11,000 < 11,400: out of reach
    summ = plan.summary()
    assert summ["target"]["reachable"] is False
    assert summ["target"]["people_out_of_reach"] == pytest.approx(1000.0)
    assert summ["target"]["share_reachable_max"] == pytest.approx(11000 / total)
    assert summ["upgrades"] == {"technology": "4G", "candidates": 1, "proposed": 1}
    up = plan.result.proposals.set_index("candidate_id").loc["UP4G-viettel-S2"]
    assert up["kind"] == "upgrade"
    m = CostModel()
    assert up["cost_vnd"] == pytest.approx(680e6 + (m.power_per_radio_year_vnd + m.radio_upkeep_per_year_vnd)
                                           * m.pv_factor)
    # a reachable target: B alone brings 9,000 of 12,000 (75 %)
    plan = _plan(world, include_upgrades=True, target=TargetSettings(population_share=0.7))
    assert plan.result.proposals["candidate_id"].tolist() == ["U1"]
    assert plan.summary()["target"]["reachable"] is True
    assert plan.summary()["target"]["share_reached"] == pytest.approx(9000 / total)


def test_phasing_end_to_end_gives_years_and_coverage_by_year(world: dict) -> None:
    plan = _plan(world, include_upgrades=True, phasing=PhasingSettings(start_year=2027, budgets_vnd=(1.1e9, 5e9)))
    years = plan.phasing.years
    assert years["year"].tolist() == [2027, 2028]
    assert (years["spent_vnd"] <= years["available_vnd"] * (1 + 1e-12)).all()
    first = plan.phasing.proposals.set_index("candidate_id")["target_year"]
    assert first["UP4G-viettel-S2"] == 2027
    assert first["U1"] == 2028
    assert years["people_covered_cumulative"].tolist() == pytest.approx([7000.0, 11000.0])
    assert plan.summary()["phasing"]["unfunded"] == 0
    # by priority (e.g. the gap score burnt onto the grid): B's mast first, though dearer per person
    grid = np.zeros(DEM.shape)
    grid[30:50, 110:130] = 9.0
    s = PlacementSettings(include_greenfield=False, include_colocation=False, radio=RADIO, include_upgrades=True,
                          phasing=PhasingSettings(start_year=2027, budgets_vnd=(1.1e9, 5e9), rule="priority"))
    plan = propose_shared_towers(DEM, world["pop"], world["s4"], world["levels"], settings=s, coverage_config=CONFIG,
                                 user_candidates=world["users"], all_stations=world["all"], priority_grid=grid)
    ranked = plan.phasing.proposals.set_index("candidate_id")
    assert ranked.loc["U1", "phase_rank"] == 1
    assert ranked.loc["U1", "priority"] == 9.0
    assert ranked.loc["UP4G-viettel-S2", "target_year"] == 2027  # first fit: the cheap upgrade still fits 2027


# ------------------------------------------------------------------ switch-off
def test_switch_off_calendar() -> None:
    assert technologies_off("2026-09-14") == ()
    assert technologies_off("2026-09-15") == ("2G",)
    assert technologies_off("2028-10-01") == ("2G", "3G")
    assert SwitchOffSettings(date="2027-01-01").off == ("2G",)
    assert SwitchOffSettings(technologies=("3g",)).off == ("3G",)
    with pytest.raises(ConfigError):
        SwitchOffSettings()
    with pytest.raises(ConfigError):
        SwitchOffSettings(date="15/09/2026")


def test_switch_off_accounting_per_commune_and_operator() -> None:
    sites = {("Viettel", "2G"): [("V1", 40, 40), ("V2", 100, 110)], ("Viettel", "4G"): [("V2", 100, 110)],
             ("MobiFone", "3G"): [("M1", 60, 60)], ("MobiFone", "4G"): [("M2", 120, 30)]}
    stations, levels, servers = [], {}, {}
    for (op, tech), rows in sites.items():
        table = pd.concat([_site(n, r, c, op, tech) for n, r, c in rows], ignore_index=True)
        stations.append(table)
        cov = run_coverage(DEM, table, config=CONFIG)
        levels[(op, tech)] = cov.operator_levels[op]
        servers[(op, tech)] = (cov.best_server, cov.stations)
    stations_all = pd.concat(stations, ignore_index=True)
    rng = np.random.default_rng(5)
    pop = _grid(rng.uniform(0, 10, (N, N)))
    bounds = DEM.bounds
    xm = 0.5 * (bounds[0] + bounds[2]) + 7.0  # a boundary through cells: people shared by area
    communes = gpd.GeoDataFrame({"name": ["West", "East"]}, geometry=[box(bounds[0], bounds[1], xm, bounds[3]),
                                                                      box(xm, bounds[1], bounds[2], bounds[3])],
                                crs=32648)
    added = {"MobiFone": run_coverage(DEM, _site("M9", 140, 140, "MobiFone", "4G"), config=CONFIG)
             .operator_levels["MobiFone"]}
    villages = pd.DataFrame({"x": [X0 + 40.5 * RES, X0 + 150.5 * RES], "y": [Y0 - 40.5 * RES, Y0 - 150.5 * RES],
                             "households": [30.0, 12.0]})
    impact = switch_off_impact(levels, pop, off=("2G", "3G"), thresholds_dbm=-110.0, stations=stations_all,
                               servers=servers, added=added, communes=communes, commune_names=["West", "East"],
                               villages=villages)
    t = impact.by_commune
    assert set(t["operator"]) == {"Viettel", "MobiFone", ALL_OPERATORS}
    assert np.allclose(t["people_before"], t["people_after"] + t["people_lost"] - t["people_gained"])
    people = pop.values.astype(float)
    for op in ("Viettel", "MobiFone"):
        before = np.logical_or.reduce([np.isfinite(g.values) for (o, _), g in levels.items() if o == op])
        rows = t[t["operator"] == op]
        assert rows["people_before"].sum() == pytest.approx(people[before].sum(), rel=1e-6)
    assert t[t["operator"] == "MobiFone"]["people_gained"].sum() > 0  # the added 4G radio M9 where MobiFone had nothing
    assert t[t["operator"] == "Viettel"]["people_lost"].sum() > 0  # V1 was 2G only
    site = impact.sites.set_index(["operator", "site_id"])
    assert bool(site.loc[("Viettel", "V1"), "needs_4g_radio"])
    assert site.loc[("Viettel", "V1"), "action"] == "add 4G"
    assert ("Viettel", "V2") not in site.index or not bool(site.loc[("Viettel", "V2"), "needs_4g_radio"])
    everyone = t[t["operator"] == ALL_OPERATORS]
    assert everyone["villages_lost"].sum() == 1
    assert everyone["households_lost"].sum() == 30.0
    # without a village layer the village columns are empty, not zero
    bare = switch_off_impact(levels, pop, off=("2G",), thresholds_dbm=-110.0, stations=stations_all)
    assert bare.by_commune["villages_lost"].isna().all()
    assert len(bare.sites) == 0
    assert bare.by_commune["commune"].tolist()[0] == "whole area"


# ------------------------------------------------------------------ scenario and command line
def test_scenario_sections_round_trip(tmp_path) -> None:
    from pathlib import Path

    from towerplan.study.scenario import ScenarioError
    from towerplan.study.scenario_file import load_scenario, save_scenario

    demo = Path(__file__).resolve().parents[1] / "data" / "demo" / "provincial.toml"
    s = load_scenario(demo)
    p = s.placement
    assert p is not None
    assert p.include_upgrades
    assert p.target == TargetSettings(population_share=0.99)
    assert p.phasing is not None
    assert p.phasing.years == (2027, 2028, 2029, 2030)
    assert s.settings.switch_off is not None
    assert s.settings.switch_off.off == ("2G", "3G")
    # it names the demo's villages and units (data/demo): saved elsewhere, that folder must be allowed
    again = load_scenario(save_scenario(s, tmp_path / "again.toml"), allowed_roots=[demo.parent])
    assert again.settings == s.settings
    bad = (tmp_path / "bad.toml")
    bad.write_text('[inputs]\ndemo = true\n[switch_off]\ndate = "soon"\n[placement]\n'
                   '[placement.phasing]\nbudgets_vnd = [-1.0]\n', encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(bad)
    text = str(err.value)
    assert "switch_off" in text
    assert "budgets_vnd" in text


def test_new_command_lines_are_listed() -> None:
    from towerplan.cli import COMMAND_HELP, build_parser

    assert COMMAND_HELP["switchoff"] == "who loses every service when 2G/3G are switched off"
    parser = build_parser()
    args = parser.parse_args(["place", "--scenario", "d", "--out", "o", "--target", "0.99", "--upgrades",
                              "--phasing", "2027:60e9,60e9"])
    assert args.target == 0.99
    assert args.upgrades
    assert args.phasing == (2027, (60e9, 60e9))
    args = parser.parse_args(["switchoff", "--scenario", "d", "--date", "2028-10-01", "--out", "o"])
    assert args.date == "2028-10-01"


def test_app_page_shows_the_switch_off_target_and_years(world: dict) -> None:
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    page = Path(__file__).resolve().parents[1] / "app_pages" / "provincial.py"
    at = AppTest.from_file(str(page), default_timeout=120)
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception
    assert [i.value for i in at.info] == ["No coverage yet: run it on the Coverage page first."]
    plan = _plan(world, include_upgrades=True, target=TargetSettings(population_share=0.95),
                 phasing=PhasingSettings(start_year=2027, budgets_vnd=(1.1e9, 5e9)))
    s2 = _site("S2", 120, 120, "Viettel", "2G")
    s4 = world["s4"]
    levels = {("Viettel", "2G"): run_coverage(DEM, s2, config=CONFIG).operator_levels["Viettel"],
              ("Viettel", "4G"): world["levels"]["Viettel"]}
    impact = switch_off_impact(levels, world["pop"], off=("2G",), thresholds_dbm=-110.0, stations=world["all"])
    only_2g = np.isfinite(levels[("Viettel", "2G")].values) & ~np.isfinite(levels[("Viettel", "4G")].values)
    lost = float(world["pop"].values[only_2g].sum())
    assert lost >= 2000.0  # at least village C, which only the 2G site serves
    assert impact.totals["people_lost"] == pytest.approx(lost)
    assert len(s4)
    for key, value in (("cov_result", {"coverage": None, "config": CONFIG}), ("prov_switch_result", impact),
                       ("prov_plan_result", plan)):
        at.session_state[key] = {"value": value, "version": 0, "at": 0.0}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(f"{lost:,.0f} people lose every service" in s.value for s in at.success)
    assert any("cannot be reached" in w.value for w in at.warning)
    assert len(at.dataframe) == 3  # switch-off by commune, years, proposals


def test_report_and_workbook_carry_the_new_sections(tmp_path) -> None:
    import dataclasses

    from export_sample import sample_package
    from openpyxl import load_workbook

    from towerplan.export.report_model import build_report
    from towerplan.export.tables import write_tables

    base = sample_package()
    switch = pd.DataFrame({"commune": ["Xã A", "outside communes"], "operator": [ALL_OPERATORS] * 2,
                           "people_before": [100.0, 0.0], "people_after": [60.0, 0.0], "people_lost": [40.0, 0.0],
                           "people_gained": [0.0, 0.0], "villages_lost": [np.nan, np.nan],
                           "households_lost": [np.nan, np.nan]})
    years = pd.DataFrame({"year": [2027, 2028], "budget_vnd": [1e9, 1e9], "carried_in_vnd": [0.0, 2e8],
                          "available_vnd": [1e9, 1.2e9], "spent_vnd": [8e8, 1.2e9], "carried_out_vnd": [2e8, 0.0],
                          "sites": [1, 1], "people_newly_covered": [50.0, 30.0],
                          "people_covered_cumulative": [950.0, 980.0], "share_covered": [0.95, 0.98]})
    summary = {**base.summary,
               "switch_off": {"technologies_off": ["2G"], "people_before": 100.0, "people_after": 60.0,
                              "people_lost": 40.0, "people_gained": 0.0, "sites_to_act": 1.0,
                              "sites_needing_4g_radio": 1.0},
               "placement": {**(base.summary.get("placement") or {}),
                             "target": {"reachable": False, "share_reachable_max": 0.97, "people_out_of_reach": 20.0,
                                        "cells_out_of_reach": 3, "cost_vnd": 2e9},
                             "phasing": {"rule": "cost_per_person", "carry_over": True, "unfunded": 0}}}
    package = dataclasses.replace(base, summary=summary,
                                  extra_tables={"switch_off": switch, "phasing_years": years})
    for lang, words in (("en", ("Switching off older networks: 2G", "cannot be reached", "Coverage year by year")),
                        ("vi", ("Tắt sóng công nghệ cũ: 2G", "Không thể đạt mục tiêu", "Vùng phủ theo từng năm"))):
        report = build_report(package, {}, lang=lang)
        texts = " | ".join(b.text for b in report.blocks)
        assert all(w in texts for w in words), texts
    tables = write_tables(package, tmp_path / "csv", tmp_path / "plan.xlsx")
    assert {"switch_off", "phasing_years"} <= set(tables)
    sheets = load_workbook(tmp_path / "plan.xlsx").sheetnames
    assert "Tắt sóng 2G-3G" in sheets
    assert "Phân kỳ theo năm" in sheets
    assert (tmp_path / "csv" / "phasing_years.csv").read_text(encoding="utf-8-sig").startswith("Năm / Year")
