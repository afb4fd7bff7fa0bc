"""The placement's speed objective (towerplan.planning.speed_objective, placement objective "speed").

Two co-channel omni cells of one operator on flat ground under free space (as
tests/test_coverage_sinr.py): on their bisector the SINR is 0 dB, so a 20 MHz LTE carrier
gives 0.6 x 20 = 12 Mbit/s there, below the 40 Mbit/s target; next to a cell it gives the
88 Mbit/s peak.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from affine import Affine
from pyproj import Transformer

from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.engine import run_coverage
from towerplan.coverage.radio import LTE_DOWNLINK
from towerplan.coverage.radio_maps import radio_maps
from towerplan.coverage.throughput import required_sinr_db
from towerplan.errors import ConfigError, InputError
from towerplan.grid import Grid
from towerplan.planning.matrix import CandidateRadio
from towerplan.planning.placement import plan_towers
from towerplan.planning.speed import LoadModel, analyse_speed
from towerplan.planning.speed_objective import required_level_dbm, speed_demand

RES, N = 100.0, 100
X0, Y0 = 500_000.0, 2_250_000.0
A = (X0 + 3050.0, Y0 - 5050.0)
B = (X0 + 7050.0, Y0 - 5050.0)
CONFIG = CoverageConfig(model="fspl", rx_height_m=30.0, front_to_back_db=0.0, side_lobe_db=0.0, sinr=True,
                        max_radius_m=10_000.0)
TR = Transformer.from_crs(32648, 4326, always_xy=True)


def _dem() -> Grid:
    return Grid(np.zeros((N, N)), Affine(RES, 0, X0, 0, -RES, Y0), 32648, None)


def _people() -> Grid:
    pop = np.zeros((N, N))
    pop[49:52, 49:52] = 50.0  # on the bisector (column 50): 0 dB SINR
    pop[49:52, 29:32] = 50.0  # next to A (column 30): the peak rate
    return _dem().with_values(pop)


@pytest.fixture(scope="module")
def network():
    lon, lat = TR.transform([A[0], B[0]], [A[1], B[1]])
    stations = pd.DataFrame({"operator": "Viettel", "technology": "4G", "lon": lon, "lat": lat,
                             "antenna_height_m": 30.0, "azimuth_deg": np.nan, "freq_mhz": 1842.5, "eirp_dbm": 80.0})
    cov = run_coverage(_dem(), stations, config=CONFIG)
    maps = radio_maps(cov)
    speed = analyse_speed(maps.throughput_dl_mbps, maps.serving, _people())
    return cov, speed


def test_required_level_is_the_sinr_needed_over_interference_and_noise():
    got = required_level_dbm(9.0, np.array([0.0, 1e-10]), -120.0)
    assert got[0] == pytest.approx(9.0 - 120.0, abs=1e-4)
    assert got[1] == pytest.approx(9.0 + 10 * math.log10(1e-10 + 1e-12), abs=1e-4)


def test_speed_demand_marks_the_bisector_and_asks_the_sinr_for_the_target(network):
    cov, speed = network
    demand = speed_demand(cov.sinr, speed.user_throughput_mbps, technology="4G", config=CONFIG, load=speed.load)
    # 40 Mbit/s on 20 MHz: 2 bit/s/Hz = 0.6 log2(1 + SINR)
    want_sinr = 10 * math.log10(2 ** (2 / 0.6) - 1)
    assert demand.required_sinr_db == pytest.approx(want_sinr, abs=1e-9)
    assert demand.required_sinr_db == pytest.approx(required_sinr_db(40.0, 20.0, LTE_DOWNLINK))
    assert demand.below_target[50, 50]
    assert not demand.below_target[50, 30]
    # required level on the bisector: SINR_req + 10 log10(load S + I_other + N) from the SINR layer
    pair = ("Viettel", "4G")
    s = 10 ** (float(cov.sinr.level_dbm[pair].values[50, 50]) / 10)
    i = 10 ** (float(cov.sinr.interference_dbm[pair].values[50, 50]) / 10)
    n = 10 ** (cov.sinr.noise_dbm["4G"] / 10)
    assert float(demand.required_level_dbm[50, 50]) == pytest.approx(want_sinr + 10 * math.log10(s + i + n),
                                                                     abs=1e-3)
    with pytest.raises(ConfigError, match="cannot be reached"):
        speed_demand(cov.sinr, speed.user_throughput_mbps, technology="4G", config=CONFIG,
                     load=LoadModel(targets_mbps={"4G": 100.0}))


def _cands(specs) -> gpd.GeoDataFrame:
    rows = []
    for cid, (x, y) in specs:
        lon, lat = TR.transform(x, y)
        rows.append({"candidate_id": cid, "kind": "greenfield", "lon": lon, "lat": lat, "x": x, "y": y,
                     "mast_height_m": 30.0, "operators_present": "", "road_distance_m": 100.0})
    df = pd.DataFrame(rows)
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.x, df.y), crs=32648)


def test_speed_objective_chooses_the_candidate_that_lifts_the_bisector_village(network):
    cov, speed = network
    demand = speed_demand(cov.sinr, speed.user_throughput_mbps, technology="4G", config=CONFIG, load=speed.load)
    radio = CandidateRadio(omni=True, v_beamwidth_deg=180.0, tilt_deg=0.0, eirp_dbm=80.0)
    # at the village; 1.5 km north of it (only ~2.5 dB above the existing cells: not enough); far south-east
    cands = _cands([("G1", (X0 + 5050.0, Y0 - 5050.0)), ("G2", (X0 + 5050.0, Y0 - 3550.0)),
                    ("G3", (X0 + 9050.0, Y0 - 9050.0))])
    levels = {"Viettel": cov.operator_levels["Viettel"]}
    res = plan_towers(_dem(), _people(), levels, cands, objective="speed", max_sites=2, method="ilp",
                      config=CONFIG, radio=radio, speed=demand)
    assert res.proposals["candidate_id"].tolist() == ["G1"]  # the others bring nobody up to 40 Mbit/s
    assert res.demand_weight == pytest.approx(450.0)  # the bisector village only
    assert res.proposals.iloc[0].people_newly_covered == pytest.approx(450.0)
    with pytest.raises(InputError, match="speed demand"):
        plan_towers(_dem(), _people(), levels, cands, objective="speed", max_sites=1, config=CONFIG, radio=radio)
