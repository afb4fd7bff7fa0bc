"""Cost model (VND): arithmetic of each component and the choice between fibre and microwave."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from towerplan.errors import ConfigError, InputError
from towerplan.planning.costs import ASSUMED_BACKHAUL, CostModel, candidate_costs

M = 1e6


def _cands() -> pd.DataFrame:
    return pd.DataFrame({
        "candidate_id": ["G1", "G2", "C-S1", "U1"],
        "kind": ["greenfield", "greenfield", "colocation", "user"],
        "mast_height_m": [40.0, 30.0, 35.0, 45.0],
        "road_distance_m": [500.0, 5000.0, 0.0, np.nan],
    })


def test_components_by_hand() -> None:
    m = CostModel()
    out = candidate_costs(_cands(), model=m, new_tenants=[1, 2, 2, 1],
                          fibre_route_m=[3000.0, np.inf, np.nan, 1000.0], microwave_m=[8000.0, 20000.0, np.nan, np.nan])
    g1, g2, col, u1 = (out.iloc[i] for i in range(4))
    # G1: mast 700 + 15 x 10 = 850 M; site 300; one tenant 600; fibre 3 km x 120 = 360 vs microwave 250 -> 250;
    # power: 0.5 km x 300 = 150 -> total 2,150 M
    assert g1.mast_vnd == 850 * M
    assert g1.backhaul == "microwave"
    assert g1.backhaul_vnd == 250 * M
    assert g1.power_vnd == pytest.approx(150 * M)
    assert g1.total_vnd == pytest.approx(2150 * M)
    # G2: no fibre route and the only fed site is 20 km away (> 15 km): one hop assumed; 5 km from a road: off-grid
    assert g2.backhaul == ASSUMED_BACKHAUL == "none in range: microwave relay (assumed)"
    assert g2.backhaul_vnd == 250 * M
    assert g2.power_vnd == 400 * M
    assert g2.equipment_vnd == 1200 * M
    # co-location: two tenants x (80 + 36 x 10 + 600) = 2,080 M, no mast, site, backhaul or power
    assert col.total_vnd == pytest.approx(2 * (80 + 360 + 600) * M)
    assert col.backhaul == "existing"
    # user candidate: fibre 1 km = 120 M beats nothing; unknown road distance -> off-grid
    assert u1.backhaul == "fibre"
    assert u1.backhaul_vnd == pytest.approx(120 * M)
    assert u1.mast_vnd == (700 + 15 * 15) * M


def test_tenancy_is_much_cheaper_than_a_new_mast_by_default() -> None:
    out = candidate_costs(_cands().iloc[[0, 2]], new_tenants=1, fibre_route_m=[1000.0, np.nan])
    assert out.iloc[1].total_vnd < 0.6 * out.iloc[0].total_vnd


def test_bad_settings() -> None:
    with pytest.raises(ConfigError, match="fibre_per_km_vnd"):
        CostModel(fibre_per_km_vnd=-1)
    bad = _cands().assign(kind=["greenfield", "castle", "colocation", "user"])
    with pytest.raises(InputError, match="castle"):
        candidate_costs(bad)
    with pytest.raises(InputError, match="new_tenants"):
        candidate_costs(_cands(), new_tenants=-1)
