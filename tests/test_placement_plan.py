"""Shared-tower placement end to end on flat synthetic terrain (free space, known reach)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from affine import Affine
from pyproj import Transformer

from towerplan.coverage.config import CoverageConfig
from towerplan.errors import InputError
from towerplan.grid import Grid
from towerplan.planning.costs import CostModel
from towerplan.planning.matrix import CandidateRadio
from towerplan.planning.placement import plan_towers

RES = 30.0
X0, Y0 = 580_020.0, 2_190_000.0
N = 240
RADIO = CandidateRadio(omni=True, v_beamwidth_deg=180.0, tilt_deg=0.0, eirp_dbm=20.0)  # ~1.2 km reach
CONFIG = CoverageConfig(model="fspl", threshold_dbm=-110.0, max_radius_m=3000)


def _grid(values) -> Grid:
    return Grid(np.asarray(values, dtype=np.float32), Affine(RES, 0, X0, 0, -RES, Y0), 32648)


def _cands(dem: Grid, specs) -> gpd.GeoDataFrame:
    tr = Transformer.from_crs(32648, 4326, always_xy=True)
    rows = []
    for cid, kind, (r, c), present in specs:
        x, y = dem.xy(r, c)
        lon, lat = tr.transform(float(x), float(y))
        rows.append({"candidate_id": cid, "kind": kind, "lon": lon, "lat": lat, "x": float(x), "y": float(y),
                     "mast_height_m": 30.0, "operators_present": present, "road_distance_m": 100.0})
    df = pd.DataFrame(rows)
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.x, df.y), crs=32648)


def _village(r: int, c: int, people: float = 40.0) -> np.ndarray:
    pop = np.zeros((N, N))
    pop[r - 5 : r + 5, c - 5 : c + 5] = people
    return pop


def test_any_operator_gap_gets_the_tower_over_the_village() -> None:
    dem = _grid(np.full((N, N), 20.0))
    pop = _grid(_village(120, 180))
    none = np.full((N, N), np.nan)
    levels = {"Viettel": _grid(none), "MobiFone": _grid(none)}
    cands = _cands(dem, [("G1", "greenfield", (120, 40), ""), ("G2", "greenfield", (120, 180), ""),
                         ("G3", "greenfield", (30, 180), "")])
    res = plan_towers(dem, pop, levels, cands, objective="any", max_sites=1, method="ilp", config=CONFIG, radio=RADIO)
    props = res.proposals
    assert props["candidate_id"].tolist() == ["G2"]
    assert props.iloc[0].people_newly_covered == pytest.approx(100 * 40.0)
    assert res.demand_weight == pytest.approx(4000.0)
    assert res.curve["people_newly_covered"].tolist() == [pytest.approx(4000.0)]
    assert props.iloc[0].vnd_per_person == pytest.approx(props.iloc[0].cost_vnd / 4000.0)
    # everybody counted is served: one radio per operator wanted (the default accounting) ...
    assert props.iloc[0].operators_hosted == "MobiFone,Viettel"
    assert props.iloc[0].radio_sharing == "per_operator"
    assert props.iloc[0].tenants_costed == 2
    # ... or one shared radio (MOCN/MORAN) for both: same people, one radio set and a sharing fee
    shared = plan_towers(dem, pop, levels, cands, objective="any", max_sites=1, method="ilp", config=CONFIG,
                         radio=RADIO, radio_sharing="shared")
    sp_ = shared.proposals.iloc[0]
    assert (sp_.candidate_id, sp_.operators_hosted, sp_.tenants_costed) == ("G2", "MobiFone,Viettel", 1)
    assert sp_.people_newly_covered == pytest.approx(4000.0)
    m = CostModel()
    radio_pv = m.equipment_vnd + (m.power_per_radio_year_vnd + m.radio_upkeep_per_year_vnd) * m.pv_factor
    assert props.iloc[0].cost_vnd - sp_.cost_vnd == pytest.approx(radio_pv - m.shared_radio_per_operator_vnd)
    assert props.iloc[0].capex_vnd - sp_.capex_vnd == pytest.approx(m.equipment_vnd
                                                                     - m.shared_radio_per_operator_vnd)


def test_colocation_on_a_viettel_tower_closes_two_operators_gaps_cheaply() -> None:
    dem = _grid(np.full((N, N), 20.0))
    pop = _grid(_village(120, 120))
    viettel = np.full((N, N), np.nan)
    viettel[80:160, 80:160] = -80.0  # Viettel already covers the village from its tower at (120, 120)
    none = np.full((N, N), np.nan)
    levels = {"Viettel": _grid(viettel), "MobiFone": _grid(none), "VNPT-VinaPhone": _grid(none)}
    cands = _cands(dem, [("C-V1", "colocation", (120, 120), "Viettel"),
                         ("G1", "greenfield", (120, 128), "")])
    # two tenancies (2 x 1,393 M VND over ten years) fit; a new mast with three radios (4.4 bn) does not
    budget = 3_000e6
    res = plan_towers(dem, pop, levels, cands, objective="per_operator", budget_vnd=budget, method="ilp",
                      config=CONFIG, radio=RADIO)
    p = res.proposals.iloc[0]
    assert res.proposals["candidate_id"].tolist() == ["C-V1"]
    assert p.operators_hosted == "MobiFone,VNPT-VinaPhone"
    assert p.people_MobiFone == pytest.approx(4000.0)
    assert p["people_VNPT-VinaPhone"] == pytest.approx(4000.0)
    assert p.people_newly_covered == pytest.approx(8000.0)
    assert p.cost_vnd <= budget
    # with no budget limit but one tower, the new mast hosting three operators would add nothing for Viettel,
    # so both options cover the same 8,000 person-operators
    res2 = plan_towers(dem, pop, levels, cands, objective="per_operator", max_sites=1, method="ilp",
                       config=CONFIG, radio=RADIO)
    assert res2.proposals.iloc[0].people_newly_covered == pytest.approx(8000.0)


def test_backup_objective_by_hand() -> None:
    """Two operators. V1 (4,000 people) has Viettel only, V2 (3,000) nobody, V3 (5,000) both.

    A tenancy on the Viettel tower between V1 and V2 brings MobiFone alone: it gives V1 its second
    operator but leaves V2 with one, so it counts 4,000. A new mast beside V2 hosts both: 3,000.
    A tenancy on a MobiFone tower over V1 would bring Viettel, which V1 has already: 0.
    """
    dem = _grid(np.full((N, N), 20.0))
    pop = _village(120, 100) + _village(120, 140, people=30.0) + _village(40, 40, people=50.0)
    viettel = np.full((N, N), np.nan)
    viettel[100:140, 80:121] = -80.0  # V1, not V2
    viettel[20:60, 20:60] = -80.0  # V3
    mobi = np.full((N, N), np.nan)
    mobi[20:60, 20:60] = -85.0  # V3
    levels = {"Viettel": _grid(viettel), "MobiFone": _grid(mobi)}
    cands = _cands(dem, [("C-V1", "colocation", (120, 120), "Viettel"),
                         ("G1", "greenfield", (120, 160), ""),
                         ("C-M1", "colocation", (120, 100), "MobiFone")])
    res = plan_towers(dem, _grid(pop), levels, cands, objective="backup", max_sites=1, method="ilp",
                      config=CONFIG, radio=RADIO)
    assert res.demand_weight == pytest.approx(7000.0)  # V3 already has two operators
    assert res.proposals["candidate_id"].tolist() == ["C-V1"]
    assert res.proposals.iloc[0].people_newly_covered == pytest.approx(4000.0)
    assert res.proposals.iloc[0].operators_hosted == "MobiFone"
    two = plan_towers(dem, _grid(pop), levels, cands, objective="backup", max_sites=2, method="ilp",
                      config=CONFIG, radio=RADIO)
    assert sorted(two.proposals["candidate_id"]) == ["C-V1", "G1"]
    assert two.selection.covered_weight == pytest.approx(7000.0)
    g1 = two.proposals.set_index("candidate_id").loc["G1"]
    assert g1.operators_hosted == "MobiFone,Viettel"
    assert g1.people_newly_covered == pytest.approx(3000.0)
    # without C-V1, the MobiFone tower over V1 adds nothing: the new mast is the only useful site
    alt = plan_towers(dem, _grid(pop), levels, cands, objective="backup", max_sites=2, method="ilp",
                      config=CONFIG, radio=RADIO, forbidden=("C-V1",))
    assert alt.selection.covered_weight == pytest.approx(3000.0)
    # for comparison, the per-operator objective counts the new mast's V2 people twice
    per_op = plan_towers(dem, _grid(pop), levels, cands, objective="per_operator", max_sites=1, method="ilp",
                         config=CONFIG, radio=RADIO, forbidden=("C-V1", "C-M1"))
    assert per_op.selection.covered_weight == pytest.approx(6000.0)


def test_locked_in_sites_count_as_existing_coverage() -> None:
    dem = _grid(np.full((N, N), 20.0))
    pop = _village(120, 60) + _village(120, 180, people=20.0)
    none = np.full((N, N), np.nan)
    levels = {"Viettel": _grid(none), "MobiFone": _grid(none)}
    cands = _cands(dem, [("G1", "greenfield", (120, 60), ""), ("G2", "greenfield", (120, 180), "")])
    free = plan_towers(dem, _grid(pop), levels, cands, max_sites=1, method="ilp", config=CONFIG, radio=RADIO)
    assert free.proposals["candidate_id"].tolist() == ["G1"]  # the bigger village first
    locked = plan_towers(dem, _grid(pop), levels, cands, max_sites=1, method="ilp", config=CONFIG, radio=RADIO,
                         locked_in=("G1",))
    assert locked.proposals["candidate_id"].tolist() == ["G2"]
    assert locked.demand_weight == pytest.approx(2000.0)  # G1's 4,000 people count as covered
    assert locked.locked_in == ("G1",)


def test_backup_and_bad_ids_are_reported() -> None:
    dem = _grid(np.full((N, N), 20.0))
    pop = _grid(_village(120, 60))
    cands = _cands(dem, [("G1", "greenfield", (120, 60), "")])
    with pytest.raises(InputError, match="at least two operators"):
        plan_towers(dem, pop, {"Viettel": _grid(np.full((N, N), np.nan))}, cands, objective="backup",
                    max_sites=1, config=CONFIG, radio=RADIO)
    levels = {"Viettel": _grid(np.full((N, N), np.nan)), "MobiFone": _grid(np.full((N, N), np.nan))}
    with pytest.raises(InputError, match="unknown candidate ids"):
        plan_towers(dem, pop, levels, cands, max_sites=1, config=CONFIG, radio=RADIO, locked_in=("G9",))
    with pytest.raises(InputError, match="locked-in"):
        plan_towers(dem, pop, levels, cands, max_sites=1, config=CONFIG, radio=RADIO, locked_in=("G1",),
                    must_include=("G1",))


@pytest.mark.parametrize("method", ["greedy", "ilp"])
def test_equal_coverage_is_broken_by_cost_with_a_tower_budget(method: str) -> None:
    """Two new masts at the same place cover the same people; the one off the grid (5 km from a road) costs
    more over the horizon. With only a tower budget the cheaper one is chosen, whichever comes first."""
    dem = _grid(np.full((N, N), 20.0))
    pop = _grid(_village(120, 120))
    none = np.full((N, N), np.nan)
    levels = {"Viettel": _grid(none)}
    cands = _cands(dem, [("G-far", "greenfield", (120, 120), ""), ("G-near", "greenfield", (120, 120), "")])
    cands["road_distance_m"] = [5000.0, 100.0]
    res = plan_towers(dem, pop, levels, cands, objective="any", max_sites=1, method=method, config=CONFIG,
                      radio=RADIO)
    costs = res.candidate_costs.set_index("candidate_id")
    assert costs.loc["G-far", "total_vnd"] > costs.loc["G-near", "total_vnd"]
    assert res.proposals["candidate_id"].tolist() == ["G-near"]
    # the other order: still the cheaper one
    swapped = cands.iloc[::-1].reset_index(drop=True)
    res2 = plan_towers(dem, pop, levels, swapped, objective="any", max_sites=1, method=method, config=CONFIG,
                       radio=RADIO)
    assert res2.proposals["candidate_id"].tolist() == ["G-near"]
    # ... and when the near one is dearer (a pricey grid extension), the far one wins the tie
    dear = CostModel(grid_per_km_vnd=1e15, grid_max_km=0.2)
    res3 = plan_towers(dem, pop, levels, cands, objective="any", max_sites=1, method=method, config=CONFIG,
                       radio=RADIO, cost_model=dear)
    assert res3.proposals["candidate_id"].tolist() == ["G-far"]
