"""Physical sites: towers found from positions across operators, site-id clashes, tenant heights, and
results that do not depend on what the operators call their sites."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from affine import Affine

from towerplan.grid import Grid
from towerplan.planning.candidates import CandidateConfig, colocation_candidates
from towerplan.planning.matrix import radio_height_m
from towerplan.planning.shared_towers import PlacementSettings
from towerplan.stations import read_stations
from towerplan.stations.sites import physical_sites, site_id_clashes

# 1e-4 degree of latitude is 11.06 m; of longitude at 20 N, 10.46 m
LAT0, LON0 = 20.0, 105.5


def _table() -> pd.DataFrame:
    rows = [  # (site_id, operator, dlon, dlat, height)
        ("VT001", "Viettel", 0.0, 0.0, 42.0),
        ("VT001", "Viettel", 0.0, 0.0, 38.0),
        ("MB-77", "MobiFone", 0.0002, 0.0001, 30.0),   # 23.4 m away: the same tower
        ("VNP9", "VNPT-VinaPhone", 0.0004, 0.0002, 25.0),  # 23.4 m from MB-77, 46.8 m from VT001: chained
        ("VT002", "Viettel", 0.01, 0.0, 40.0),         # 1 km east: its own tower
        ("VT002", "MobiFone", 0.0, 0.02, 35.0),        # MobiFone's "VT002" 2.2 km north: a different tower
    ]
    return pd.DataFrame([{"site_id": s, "operator": o, "lon": LON0 + dx, "lat": LAT0 + dy, "antenna_height_m": h}
                         for s, o, dx, dy, h in rows])


def test_towers_are_found_from_positions_across_operators() -> None:
    ps = physical_sites(_table())
    assert len(ps.sites) == 3
    shared = ps.sites.iloc[1]
    assert shared["tenants"] == "MobiFone,VNPT-VinaPhone,Viettel"
    assert shared["n_tenants"] == 3
    assert shared["site_ids"] == "MobiFone:MB-77; VNPT-VinaPhone:VNP9; Viettel:VT001"
    assert (shared["top_height_m"], shared["lowest_height_m"]) == (42.0, 25.0)
    assert ps.of_sector.tolist() == [1, 1, 1, 1, 2, 0]  # numbered west to east (then south to north)
    assert ps.sites["physical_site"].tolist() == ["P0001", "P0002", "P0003"]
    # closer than the documented 30 m only: at 20 m, MobiFone's and VNPT's antennas are separate towers
    assert len(physical_sites(_table(), merge_distance_m=20.0).sites) == 5


def test_equal_site_ids_far_apart_are_reported_not_merged(tmp_path: Path) -> None:
    clashes = site_id_clashes(_table())
    assert clashes[["site_id", "operator_a", "operator_b"]].values.tolist() == [["VT002", "MobiFone", "Viettel"]]
    assert clashes["distance_m"].iloc[0] == pytest.approx(np.hypot(1046.0, 2212.0), rel=0.01)
    csv = tmp_path / "cells.csv"
    _table().assign(technology="4G", freq_mhz=1842.5, azimuth_deg=0).to_csv(csv, index=False)
    issues = [i for i in read_stations(csv).report.issues if i.code == "site_id_elsewhere"]
    assert [i.value for i in issues] == ["VT002"]
    assert "kept as two towers" in issues[0].message
    assert "hai cột khác nhau" in issues[0].message_in("vi")
    summary = read_stations(csv).summary()  # the station report's summary: towers and who shares them
    assert summary["sites"] == 5
    assert summary["towers"] == 3
    assert summary["shared_towers"] == {
        "P0002": "MobiFone,VNPT-VinaPhone,Viettel (MobiFone:MB-77; VNPT-VinaPhone:VNP9; Viettel:VT001)"}


def test_renaming_changes_nothing_but_the_names() -> None:
    table = _table()
    renamed = table.assign(site_id=np.where(table["operator"] == "Viettel", "TH-" + table["site_id"][::-1],
                                            table["site_id"]))
    a, b = physical_sites(table), physical_sites(renamed)
    assert a.of_sector.tolist() == b.of_sector.tolist()
    pd.testing.assert_frame_equal(a.sites.drop(columns="site_ids"), b.sites.drop(columns="site_ids"))


def _grid() -> Grid:
    return Grid(np.zeros((10, 10), dtype=np.float32), Affine(30.0, 0, 600_000.0, 0, -30.0, 2_212_000.0), 32648)


@pytest.mark.parametrize(("config", "want"), [
    (CandidateConfig(), [32.0, 22.0, 37.0]),  # 3 m below the lowest antenna (35, 25, 40 m)
    (CandidateConfig(tenant_below="top", tenant_separation_m=5.0), [30.0, 37.0, 35.0]),  # 5 m below the top
    (CandidateConfig(min_tenant_height_m=30.0), [32.0, 30.0, 37.0]),  # never below 30 m
])
def test_a_new_tenant_goes_below_the_antennas_already_there(config: CandidateConfig, want: list[float]) -> None:
    cands = colocation_candidates(_table(), _grid(), config=config)
    assert cands["candidate_id"].tolist() == ["C-VT002", "C-MB-77", "C-VT002~2"]
    assert cands["mast_height_m"].tolist() == [35.0, 42.0, 40.0]
    assert cands["tenant_height_m"].tolist() == want
    assert radio_height_m(cands).tolist() == want  # the height the coverage matrix gives the new radio


@pytest.mark.slow
def test_renaming_one_operators_site_ids_leaves_the_study_unchanged(tmp_path: Path) -> None:
    from towerplan.demo import write_demo
    from towerplan.study import StudySettings, load_study_folder, plan_summary, run_plan

    write_demo(tmp_path, resolution_m=600.0)
    inputs = load_study_folder(tmp_path)
    st = inputs.stations
    viettel = st["operator"] == "Viettel"
    renamed = st.copy()
    renamed.loc[viettel, "site_id"] = "VTT-" + st.loc[viettel, "site_id"].astype(str).str[::-1]
    settings = StudySettings.create(placement=PlacementSettings(
        method="greedy", max_sites=3, candidates=CandidateConfig(max_candidates=40)))
    before = run_plan(inputs, settings)
    after = run_plan(dataclasses.replace(inputs, stations=renamed), settings)
    one, two = plan_summary(before)[0], plan_summary(after)[0]
    assert one["placement"]["candidates"]["colocation"] > 0
    assert one == two  # every headline figure: coverage, gaps, candidates, proposals, costs, backhaul
    pa, pb = before.placement.result.proposals, after.placement.result.proposals
    assert len(pa) == len(pb) > 0
    np.testing.assert_allclose(pa.geometry.x.to_numpy(), pb.geometry.x.to_numpy())
    np.testing.assert_allclose(pa.geometry.y.to_numpy(), pb.geometry.y.to_numpy())
    assert pa["kind"].tolist() == pb["kind"].tolist()


def test_the_station_map_names_shared_towers_and_their_tenants() -> None:
    import folium

    from towerplan.maps.layers import stations_layers

    table = _table().assign(cell_id=[f"c{i}" for i in range(6)], technology="4G", azimuth_deg=0.0)
    m = folium.Map()
    for fg in stations_layers(table):
        fg.add_to(m)
    html = m.get_root().render()
    assert "P0002: MobiFone, VNPT-VinaPhone, Viettel" in html  # the three-tenant tower, on each tenant's sectors
    assert html.count("P0002: MobiFone, VNPT-VinaPhone, Viettel") == 4
