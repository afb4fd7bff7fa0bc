"""Cost model (VND): arithmetic of each component and the choice between fibre and microwave."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from towerplan.errors import ConfigError, InputError
from towerplan.planning.costs import ASSUMED_BACKHAUL, CostModel, candidate_costs, present_value_factor

M = 1e6


def _cands() -> pd.DataFrame:
    return pd.DataFrame({
        "candidate_id": ["G1", "G2", "C-S1", "U1"],
        "kind": ["greenfield", "greenfield", "colocation", "user"],
        "mast_height_m": [40.0, 30.0, 35.0, 45.0],
        "road_distance_m": [500.0, 5000.0, 0.0, np.nan],
    })


F10 = (1 - 1.1 ** -10) / 0.1  # present value of 1 VND a year for 10 years at 10 % = 6.1446


def test_present_value_factor_by_hand() -> None:
    assert present_value_factor(10, 0.10) == pytest.approx(6.144567105704685, rel=1e-12)
    assert CostModel().pv_factor == pytest.approx(F10, rel=1e-12)
    # two years at 10 % with 3 % growth: 1 / 1.1 + 1.03 / 1.1^2
    assert present_value_factor(2, 0.10, 0.03) == pytest.approx(1 / 1.1 + 1.03 / 1.21, rel=1e-12)
    # no discounting: the plain sum; rate equal to growth: N / (1 + r)
    assert present_value_factor(7, 0.0) == pytest.approx(7.0)
    assert present_value_factor(5, 0.08, 0.08) == pytest.approx(5 / 1.08)
    assert present_value_factor(0, 0.1) == 0.0


def test_components_by_hand() -> None:
    m = CostModel()
    out = candidate_costs(_cands(), model=m, new_tenants=[1, 2, 2, 1],
                          fibre_route_m=[3000.0, np.inf, np.nan, 1000.0], microwave_m=[8000.0, 20000.0, np.nan, np.nan])
    g1, g2, col, u1 = (out.iloc[i] for i in range(4))
    # G1: mast 700 + 15 x 10 = 850 M; site 300; one radio 600; power: 0.5 km x 300 = 150. Backhaul over the
    # horizon: fibre 3 km x 120 + 3 x 3 M a year (415 M) vs microwave 250 + 12 M a year (324 M) -> microwave
    assert g1.mast_vnd == 850 * M
    assert g1.backhaul == "microwave"
    assert g1.backhaul_vnd == 250 * M
    assert g1.power_vnd == pytest.approx(150 * M)
    assert g1.capex_vnd == pytest.approx(2150 * M)
    # yearly: site rent 20 + mast upkeep 15 + radio upkeep 18 + electricity 38 + microwave 12 = 103 M
    assert g1.opex_per_year_vnd == pytest.approx(103 * M)
    assert g1.present_value_vnd == pytest.approx((2150 + 103 * F10) * M)  # 2,782.9 M
    assert g1.total_vnd == g1.present_value_vnd
    # G2: no fibre route and the only fed site is 20 km away (> 15 km): one hop assumed; 5 km from a road:
    # off-grid (its kit's upkeep replaces the electricity bill); two radios
    assert g2.backhaul == ASSUMED_BACKHAUL == "none in range: microwave relay (assumed)"
    assert g2.backhaul_vnd == 250 * M
    assert g2.power_vnd == 400 * M
    assert g2.equipment_vnd == 1200 * M
    assert g2.capex_vnd == pytest.approx((700 + 300 + 1200 + 250 + 400) * M)
    assert g2.opex_per_year_vnd == pytest.approx((20 + 15 + 2 * 18 + 30 + 12) * M)
    # tenancy: two tenants x (80 + 600) capital, then 2 x (rent 36 + power 38 + upkeep 18 + transmission 24)
    assert col.capex_vnd == pytest.approx(2 * (80 + 600) * M)
    assert col.opex_per_year_vnd == pytest.approx(2 * 116 * M)
    assert col.present_value_vnd == pytest.approx((1360 + 232 * F10) * M)
    assert col.backhaul == "existing"
    assert col.radios == 2
    # user candidate: fibre 1 km = 120 M (+ 3 M a year) beats nothing; unknown road distance -> off-grid
    assert u1.backhaul == "fibre"
    assert u1.backhaul_vnd == pytest.approx(120 * M)
    assert u1.mast_vnd == (700 + 15 * 15) * M
    assert u1.opex_per_year_vnd == pytest.approx((20 + 15 + 18 + 30 + 3) * M)


def test_tenancy_and_new_mast_are_costed_over_the_same_horizon() -> None:
    """The old model charged a tenancy 10 years of rent and a new mast only its build: both now carry
    their yearly costs over the same discounted horizon, and the horizon moves both."""
    cands = _cands().iloc[[0, 2]]
    short = candidate_costs(cands, model=CostModel(horizon_years=1), fibre_route_m=[1000.0, np.nan])
    long = candidate_costs(cands, model=CostModel(horizon_years=20), fibre_route_m=[1000.0, np.nan])
    for out in (short, long):
        assert (out.present_value_vnd > out.capex_vnd).all()
    grew = long.present_value_vnd - short.present_value_vnd
    assert grew.iloc[0] == pytest.approx(long.opex_per_year_vnd.iloc[0] * (present_value_factor(20, 0.1)
                                                                          - present_value_factor(1, 0.1)))
    assert (grew > 0).all()
    # by default a tenancy still costs much less than a new mast over the horizon
    out = candidate_costs(cands, new_tenants=1, fibre_route_m=[1000.0, np.nan])
    assert out.iloc[1].total_vnd < 0.6 * out.iloc[0].total_vnd
    assert CostModel().tenancy_vnd == pytest.approx(out.iloc[1].present_value_vnd)
    # budget basis: capital only
    capex = candidate_costs(cands, model=CostModel(budget_basis="capex"), fibre_route_m=[1000.0, np.nan])
    np.testing.assert_allclose(capex.total_vnd, capex.capex_vnd)


def test_shared_radio_against_one_radio_per_operator() -> None:
    """MOCN/MORAN: one radio set and one tenancy carry three operators (plus 60 M VND per extra operator);
    per operator: three of everything."""
    cands = _cands().iloc[[0, 2]]
    per_op = candidate_costs(cands, new_tenants=3, fibre_route_m=[1000.0, np.nan])
    shared = candidate_costs(cands, new_tenants=3, radio_sharing="shared", fibre_route_m=[1000.0, np.nan])
    assert per_op.radios.tolist() == [3, 3]
    assert shared.radios.tolist() == [1, 1]
    # tenancy: 3 x (80 + 600) vs 80 + 600 + 2 x 60 capital; 3 x 116 vs 116 M a year
    assert per_op.iloc[1].capex_vnd == pytest.approx(3 * 680 * M)
    assert shared.iloc[1].capex_vnd == pytest.approx((680 + 120) * M)
    assert per_op.iloc[1].opex_per_year_vnd == pytest.approx(3 * 116 * M)
    assert shared.iloc[1].opex_per_year_vnd == pytest.approx(116 * M)
    # new mast: the mast is shared either way; radios, their power and upkeep are not
    assert per_op.iloc[0].equipment_vnd - shared.iloc[0].equipment_vnd == pytest.approx((1800 - 720) * M)
    assert per_op.iloc[0].opex_per_year_vnd - shared.iloc[0].opex_per_year_vnd == pytest.approx(2 * (18 + 38) * M)
    with pytest.raises(InputError, match="radio_sharing"):
        candidate_costs(cands, radio_sharing="neutral")


def test_bad_settings() -> None:
    with pytest.raises(ConfigError, match="fibre_per_km_vnd"):
        CostModel(fibre_per_km_vnd=-1)
    with pytest.raises(ConfigError, match="discount_rate"):
        CostModel(discount_rate=1.5)
    with pytest.raises(ConfigError, match="budget_basis"):
        CostModel(budget_basis="npv")
    bad = _cands().assign(kind=["greenfield", "castle", "colocation", "user"])
    with pytest.raises(InputError, match="castle"):
        candidate_costs(bad)
    with pytest.raises(InputError, match="new_tenants"):
        candidate_costs(_cands(), new_tenants=-1)
