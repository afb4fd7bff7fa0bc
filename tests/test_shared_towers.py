"""propose_shared_towers end to end on flat synthetic terrain (free space, ~1.2 km reach, known answers)."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from affine import Affine
from pyproj import Transformer
from shapely.geometry import LineString, Point, box

from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.engine import run_coverage
from towerplan.errors import ConfigError, InputError
from towerplan.grid import Grid
from towerplan.planning.matrix import CandidateRadio, candidate_sectors
from towerplan.planning.shared_towers import PlacementSettings, SharedTowerPlan, propose_shared_towers

RES = 30.0
X0, Y0 = 580_020.0, 2_190_000.0
N = 240
RADIO = CandidateRadio(omni=True, v_beamwidth_deg=180.0, tilt_deg=0.0, eirp_dbm=20.0)  # ~1.2 km reach
CONFIG = CoverageConfig(model="fspl", threshold_dbm=-110.0, max_radius_m=3000)
TO_LONLAT = Transformer.from_crs(32648, 4326, always_xy=True)


def _grid(values) -> Grid:
    return Grid(np.asarray(values, dtype=np.float32), Affine(RES, 0, X0, 0, -RES, Y0), 32648)


DEM = _grid(np.full((N, N), 20.0))


def _xy(r: float, c: float) -> tuple[float, float]:
    return X0 + (c + 0.5) * RES, Y0 - (r + 0.5) * RES


def _lonlat(r: float, c: float) -> tuple[float, float]:
    lon, lat = TO_LONLAT.transform(*_xy(r, c))
    return float(lon), float(lat)


@pytest.fixture(scope="module")
def world() -> dict:
    """Village A (row 120, col 60; 50/cell) has Viettel from tower S1; B (120, 180; 40/cell) and
    C (40, 180; 20/cell) have nobody. A road along row 130 and a fibre point beside it near B."""
    pop = np.zeros((N, N))
    for (r, c), p in (((120, 60), 50.0), ((120, 180), 40.0), ((40, 180), 20.0)):
        pop[r - 5 : r + 5, c - 5 : c + 5] = p
    lon, lat = _lonlat(120, 60)
    stations = candidate_sectors(pd.Series({"candidate_id": "S1", "lon": lon, "lat": lat, "mast_height_m": 30.0}),
                                 RADIO, operator="Viettel")
    levels = dict(run_coverage(DEM, stations, config=CONFIG).operator_levels)
    levels["MobiFone"] = _grid(np.full((N, N), np.nan))
    users = pd.DataFrame({"candidate_id": ["U1", "U2"], "lon": [_lonlat(120, 180)[0], _lonlat(40, 180)[0]],
                          "lat": [_lonlat(120, 180)[1], _lonlat(40, 180)[1]], "mast_height_m": [30.0, 30.0]})
    road = gpd.GeoDataFrame({"road_class": ["track"]}, geometry=[LineString([_xy(130, 0), _xy(130, 239)])],
                            crs=32648)
    fibre = gpd.GeoDataFrame({"fibre_id": ["POP1"]}, geometry=[Point(*_xy(125, 190))], crs=32648)
    return {"pop": _grid(pop), "stations": stations, "levels": levels, "users": users, "roads": road,
            "fibre": fibre}


def _plan(world: dict, **settings) -> SharedTowerPlan:
    s = PlacementSettings(include_greenfield=False, radio=RADIO, **settings)
    return propose_shared_towers(DEM, world["pop"], world["stations"], world["levels"], settings=s,
                                 coverage_config=CONFIG, roads=world["roads"], user_candidates=world["users"],
                                 fibre_points=world["fibre"])


def test_plan_with_backhaul_and_before_after(world: dict) -> None:
    seen: list[tuple[int, int]] = []
    plan = propose_shared_towers(
        DEM, world["pop"], world["stations"], world["levels"],
        settings=PlacementSettings(max_sites=1, method="ilp", include_greenfield=False, radio=RADIO),
        coverage_config=CONFIG, roads=world["roads"], user_candidates=world["users"], fibre_points=world["fibre"],
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen[-1] == (3, 3)  # C-S1, U1, U2
    props = plan.result.proposals
    assert props["candidate_id"].tolist() == ["U1"]
    assert props.iloc[0].people_newly_covered == pytest.approx(4000.0)
    assert plan.people_without_coverage == pytest.approx(6000.0)  # B and C
    # backhaul of U1: 300 m off-road to row 130, 300 m along it, 150 m to the fibre point = 750 m of fibre
    cands = plan.candidates.set_index("candidate_id")
    assert cands.loc["U1", "fibre_route_m"] == pytest.approx(750.0)
    assert cands.loc["U1", "fibre_from"] == "fibre:POP1"
    assert cands.loc["U1", "microwave_to"] == "tower:S1"  # flat ground: 3.6 km in sight
    assert cands.loc["U1", "backhaul"] == "fibre"
    assert cands.loc["U1", "backhaul_vnd"] == pytest.approx(0.75 * 120e6)
    assert cands.loc["C-S1", "backhaul"] == "existing"
    assert props.iloc[0].backhaul == "fibre"
    routes = plan.backhaul_routes
    assert routes["candidate_id"].tolist() == ["U1"]
    assert routes.geometry.iloc[0].length == pytest.approx(750.0)
    assert routes.crs == DEM.crs
    # before / after on the DEM lattice: never worse, better over village B, unchanged far from it
    before, after = plan.before.values, plan.after.values
    assert plan.after.same_lattice(DEM)
    assert np.all(np.isfinite(after[np.isfinite(before)]))
    both = np.isfinite(before)
    assert np.all(after[both] >= before[both])
    assert np.isnan(before[115:125, 175:185]).all()
    assert np.isfinite(after[115:125, 175:185]).all()
    assert np.isnan(after[35:45, 175:185]).all()  # village C stays without
    np.testing.assert_array_equal(before[:, :100], after[:, :100])
    summary = plan.summary()
    json.dumps(summary)
    assert summary["proposals"] == 1
    assert summary["candidates"] == {"colocation": 1, "greenfield": 0, "user": 2, "total": 3, "locked_in": 0}
    assert summary["vnd_per_person"] == pytest.approx(summary["cost_vnd"] / 4000.0)
    assert summary["unit"] == "people"
    assert summary["optimality_gap"] == 0.0
    # both totals over the horizon; fibre points were given, so nothing is assumed
    assert summary["capex_vnd"] == pytest.approx(props.iloc[0].capex_vnd)
    assert summary["present_value_vnd"] > summary["capex_vnd"]
    assert summary["cost_vnd"] == pytest.approx(summary["present_value_vnd"])
    assert (summary["horizon_years"], summary["discount_rate"], summary["radio_sharing"]) == (10.0, 0.1,
                                                                                             "per_operator")
    assert summary["fibre_assumed"] is False
    assert summary["warnings"] == []
    # without the fibre layer the towers stand in, and the plan says so
    assumed = propose_shared_towers(
        DEM, world["pop"], world["stations"], world["levels"],
        settings=PlacementSettings(max_sites=1, include_greenfield=False, radio=RADIO), coverage_config=CONFIG,
        roads=world["roads"], user_candidates=world["users"]).summary()
    assert assumed["fibre_assumed"] is True
    assert assumed["fibre_source"] == "existing tower sites (assumed fed)"
    assert "ASSUMED to be fibre-fed" in assumed["warnings"][0]


def test_locked_in_site_counts_as_existing(world: dict) -> None:
    plan = _plan(world, max_sites=1, method="ilp", locked_in=("U1",))
    assert plan.result.proposals["candidate_id"].tolist() == ["U2"]
    assert plan.result.demand_weight == pytest.approx(2000.0)  # village C only
    assert plan.people_without_coverage == pytest.approx(2000.0)
    assert np.isfinite(plan.before.values[115:125, 175:185]).all()  # U1's coverage is part of "before"
    assert np.isfinite(plan.after.values[35:45, 175:185]).all()
    assert plan.summary()["candidates"]["locked_in"] == 1


def test_backup_prefers_the_tenancy_on_the_single_operator_tower(world: dict) -> None:
    # A (5,000 people) has Viettel only: MobiFone on tower S1 gives them a second operator
    plan = _plan(world, objective="backup", max_sites=1, method="ilp")
    props = plan.result.proposals
    assert props["candidate_id"].tolist() == ["C-S1"]
    assert props.iloc[0].operators_hosted == "MobiFone"
    assert props.iloc[0].people_newly_covered == pytest.approx(5000.0)
    assert plan.summary()["unit"] == "people gaining a second operator"


def test_exclusions_drop_user_candidates(world: dict) -> None:
    s = PlacementSettings(max_sites=2, include_greenfield=False, radio=RADIO)
    zone = gpd.GeoDataFrame(geometry=[box(*_xy(50, 170), *_xy(30, 190))], crs=32648)
    plan = propose_shared_towers(DEM, world["pop"], world["stations"], world["levels"], settings=s,
                                 coverage_config=CONFIG, user_candidates=world["users"], exclusions=zone)
    assert "U2" not in set(plan.candidates["candidate_id"])
    assert plan.summary()["user_candidates_dropped_in_exclusions"] == 1
    # no roads: no fibre; U1 still has a microwave hop to S1
    u1 = plan.candidates.set_index("candidate_id").loc["U1"]
    assert np.isinf(u1.fibre_route_m)
    assert u1.backhaul == "microwave"
    assert len(plan.backhaul_routes) == 0


def test_settings_are_validated() -> None:
    with pytest.raises(ConfigError, match="objective"):
        PlacementSettings(objective="coverage")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="max_sites"):
        PlacementSettings(max_sites=0)
    with pytest.raises(ConfigError, match="budget_vnd"):
        PlacementSettings(budget_vnd=-5.0)
    with pytest.raises(ConfigError, match="both must_include and forbidden: G1"):
        PlacementSettings(max_sites=2, must_include=("G1",), forbidden=("G1", "G2"))
    with pytest.raises(ConfigError, match="microwave_freq_ghz"):
        PlacementSettings(microwave_freq_ghz=500.0)
    # several problems in one message
    with pytest.raises(ConfigError, match=r"method.*mast_height_m"):
        PlacementSettings(method="best", mast_height_m=-1)  # type: ignore[arg-type]
    assert PlacementSettings(must_include=["G1", "C-S1"]).must_include == ("G1", "C-S1")  # type: ignore[arg-type]


def test_bad_inputs_are_reported(world: dict) -> None:
    with pytest.raises(ConfigError, match="tower count"):
        _plan(world)
    with pytest.raises(ConfigError, match=r"unknown candidate ids.*G7"):
        _plan(world, max_sites=1, must_include=("G7",))
    with pytest.raises(InputError, match="lattice"):
        propose_shared_towers(DEM, world["pop"], world["stations"], {"Viettel": _grid(np.zeros((10, 10)))},
                              settings=PlacementSettings(max_sites=1))
    with pytest.raises(InputError, match="no current coverage"):
        propose_shared_towers(DEM, world["pop"], world["stations"], {}, settings=PlacementSettings(max_sites=1))
