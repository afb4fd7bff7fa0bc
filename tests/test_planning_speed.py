"""Load model, average user throughput and speed gaps (towerplan.planning.speed)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from affine import Affine
from pyproj import Transformer
from shapely.geometry import box

from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.engine import run_coverage
from towerplan.coverage.radio_maps import radio_maps
from towerplan.errors import ConfigError
from towerplan.grid import Grid
from towerplan.planning.speed import LoadModel, analyse_speed, user_throughput

RES, N = 100.0, 100
X0, Y0 = 500_000.0, 2_250_000.0
A = (X0 + 3050.0, Y0 - 5050.0)
B = (X0 + 7050.0, Y0 - 5050.0)


def _network():
    """Two co-channel omni cells of one operator on flat ground, free space (as tests/test_coverage_sinr.py)."""
    tr = Transformer.from_crs(32648, 4326, always_xy=True)
    lon, lat = tr.transform([A[0], B[0]], [A[1], B[1]])
    stations = pd.DataFrame({"operator": "Viettel", "technology": "4G", "lon": lon, "lat": lat,
                             "antenna_height_m": 30.0, "azimuth_deg": np.nan, "freq_mhz": 1842.5, "eirp_dbm": 80.0})
    dem = Grid(np.zeros((N, N)), Affine(RES, 0, X0, 0, -RES, Y0), 32648, None)
    config = CoverageConfig(model="fspl", rx_height_m=30.0, front_to_back_db=0.0, side_lobe_db=0.0, sinr=True,
                            max_radius_m=10_000.0)
    return run_coverage(dem, stations, config=config)


def test_user_throughput_shares_each_sectors_rate_among_its_active_users():
    rate = np.array([[80.0, 40.0, np.nan], [20.0, 10.0, 5.0]])
    serving = np.array([[0, 0, -1], [1, 1, 1]])
    people = np.array([[3000.0, 1000.0, 50.0], [100.0, 0.0, 0.0]])
    cell, table = user_throughput(rate, serving, people, share=0.5, activity=0.01)
    # sector 0: 4,000 people x 0.5 x 0.01 = 20 active users; area mean (80 + 40) / 2 = 60 -> 3 Mbit/s each
    # sector 1: 100 x 0.5 x 0.01 = 0.5 active users -> at least one: 35 / 3 = 11.67 Mbit/s
    t = table.set_index("station_index")
    assert t.loc[0, "active_users"] == pytest.approx(20.0)
    assert t.loc[0, "user_throughput_mbps"] == pytest.approx(3.0)
    assert t.loc[1, "user_throughput_mbps"] == pytest.approx(35.0 / 3.0)
    np.testing.assert_allclose(cell, [[4.0, 2.0, np.nan], [20.0, 10.0, 5.0]])
    # the area average of the per-cell user rate is the sector's average user throughput
    assert np.nanmean(cell[serving == 0]) == pytest.approx(t.loc[0, "user_throughput_mbps"])


def test_market_share_matches_aliases_and_is_validated():
    load = LoadModel()
    assert load.share("vinaphone") == 0.19
    assert load.share("Viettel Telecom") == 0.48
    assert load.share("Somebody") == load.other_share
    with pytest.raises(ConfigError):
        LoadModel(market_share={"Viettel": 1.5})
    with pytest.raises(ConfigError):
        LoadModel(targets_mbps={"3G": 10.0})


def test_speed_targets_per_commune_and_speed_gaps():
    maps = radio_maps(_network())
    people = np.full((100, 100), 10.0)
    pop = maps.sinr_db[("Viettel", "4G")].with_values(people, nodata=None)
    west = box(X0, Y0 - 100 * RES, X0 + 50 * RES, Y0)
    east = box(X0 + 50 * RES, Y0 - 100 * RES, X0 + 100 * RES, Y0)
    communes = gpd.GeoDataFrame({"name": ["west", "east"]}, geometry=[west, east], crs=32648)
    load = LoadModel(market_share={"Viettel": 0.55}, busy_hour_activity=0.0005, targets_mbps={"4G": 2.0})
    res = analyse_speed(maps.throughput_dl_mbps, maps.serving, pop, communes=communes, load=load)
    # the cells of column 50 are on the bisector (a tie, to the lower station index): the first sector serves
    # 51 columns, 51,000 people x 0.55 x 0.0005 = 14.025 active users, the second 49,000 -> 13.475
    sec = res.sectors.set_index("station_index")
    assert sec["active_users"].to_numpy() == pytest.approx([14.025, 13.475])
    rate = maps.throughput_dl_mbps[("Viettel", "4G")].values
    user = res.user_throughput_mbps[("Viettel", "4G")].values
    users = np.where(maps.serving[("Viettel", "4G")].values == 0, 14.025, 13.475)
    np.testing.assert_allclose(user, rate / users, rtol=1e-6)
    t = res.totals["4G"]
    reach = (user >= 2.0).sum() * 10.0
    assert t["people_target"] == pytest.approx(reach)
    assert t["people_served"] == pytest.approx(t["people_target"] + t["people_speed_gap"])
    assert 0 < t["people_speed_gap"] < t["people_served"]
    c = res.communes.set_index("name")
    assert c["people"].sum() == pytest.approx(100_000.0)
    assert c["people_4g_target"].sum() == pytest.approx(t["people_target"])
    assert c["people_4g_target_viettel"].sum() == pytest.approx(t["people_target"])
    # the gaps are the cells around the bisector, between the two cells (low SINR)
    assert res.speed_gaps["people"].sum() == pytest.approx(t["people_speed_gap"])
    assert all(g.intersects(box(X0 + 4900, Y0 - 5200, X0 + 5200, Y0 - 4900)) for g in res.speed_gaps.geometry[:1])
