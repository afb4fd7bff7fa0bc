"""Antenna patterns per sector: tilt combination, omni tilt, pattern files (MSI and CSV) used by the engine.

Gains are checked against values worked out by hand at chosen angles (comments give the sums).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from affine import Affine
from pyproj import Transformer

from towerplan.coverage import _gain_kernels as gk
from towerplan.coverage.antenna import SectorPattern, TabulatedPattern, read_pattern, read_pattern_csv
from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.engine import run_coverage
from towerplan.coverage.linkbudget import TECHNOLOGIES
from towerplan.coverage.plan import prepare_stations
from towerplan.errors import StationDataError, UnreadableFileError
from towerplan.grid import Grid
from towerplan.stations import read_stations

RES = 30.0
X0, Y0 = 500_000.0, 2_000_000.0


def _linear_tables() -> TabulatedPattern:
    """L_H(φ) = 0.1 |φ| dB (φ in -180..180), L_V(j) = j / 10 dB (j = 0..359): easy sums by hand."""
    h = np.array([0.1 * min(a, 360 - a) for a in range(360)])
    v = np.arange(360) / 10.0
    return TabulatedPattern(h, v, 17.0, "linear", 0.0)


def test_sector_pattern_combines_electrical_and_mechanical_tilt() -> None:
    pat = SectorPattern(65.0, 7.0, electrical_tilt_deg=4.0, mechanical_tilt_deg=3.0)
    # boresight: the beam points 4 + 3 = 7 degrees down
    assert float(pat.gain_db(0.0, 7.0)) == pytest.approx(0.0, abs=1e-12)
    # 60 degrees off: tilt seen 4 + 3 cos 60 = 5.5; A_V = -12 (1.5/7)^2 = -0.55102, A_H = -12 (60/65)^2 = -10.22485
    assert float(pat.gain_db(60.0, 4.0)) == pytest.approx(-0.55102 - 10.22485, abs=1e-4)
    # at the side the mechanical tilt vanishes: 4 degrees down is the peak of the vertical pattern
    assert float(pat.vertical_db(4.0, 90.0)) == pytest.approx(0.0, abs=1e-12)
    # behind, the mechanical tilt is an uptilt: 4 - 3 = 1; the sum -25 - 0.2449 is capped at A_m = 25
    assert float(pat.vertical_db(0.0, 180.0)) == pytest.approx(-12 * (1 / 7) ** 2, abs=1e-9)
    assert float(pat.gain_db(180.0, 0.0)) == pytest.approx(-25.0)
    # electrical tilt alone is the same in every direction
    e_only = SectorPattern(65.0, 7.0, electrical_tilt_deg=6.0)
    assert float(e_only.vertical_db(6.0, 0.0)) == float(e_only.vertical_db(6.0, 150.0)) == 0.0
    for phi, theta in [(0.0, 7.0), (60.0, 4.0), (-135.0, 2.0), (180.0, 0.0)]:
        assert gk.sector_gain_db(phi, theta, False, 65.0, 7.0, 4.0, 3.0, 25.0, 20.0) == pytest.approx(
            float(pat.gain_db(phi, theta)), abs=1e-12)


@pytest.mark.parametrize(("phi", "theta", "e_shift", "m_tilt", "want"), [
    (0.0, 5.0, 0.0, 0.0, -0.5),    # L_H(0) + L_V(5) = 0 + 0.5
    (0.0, 2.5, 0.0, 0.0, -0.25),   # interpolated between 1-degree entries
    (0.0, 5.0, 2.0, 0.0, -0.3),    # 2 degrees more electrical tilt: L_V(3)
    (0.0, 5.0, 0.0, 2.0, -0.3),    # 2 degrees mechanical on boresight: L_V(3)
    (90.0, 5.0, 0.0, 2.0, -9.5),   # at the side mechanical tilt is not seen: L_H(90) + L_V(5) = 9 + 0.5
    (180.0, 5.0, 0.0, 0.0, -17.5),  # behind: L_H(180) + L_V(175) - L_V(180) + L_V(0) = 18 + 17.5 - 18 + 0
    (180.0, 5.0, 0.0, 2.0, -17.3),  # behind, mechanical tilt is an uptilt: L_V(180 - 7) = 17.3
    (180.0, 5.0, 2.0, 0.0, -17.7),  # behind, electrical tilt still points down: L_V(180 - 3) = 17.7
    (120.0, 10.0, 0.0, 0.0, -12.0),  # w = 0.5: L_H(120) + 0.5 L_V(10) + 0.5 (L_V(170) - 18) = 12 + 0.5 - 0.5
    (0.0, -90.0, 0.0, 0.0, -27.0),  # straight up is j = 270
])
def test_tabulated_pattern_at_chosen_angles(phi, theta, e_shift, m_tilt, want) -> None:
    pat = _linear_tables()
    got = float(pat.gain_db(phi, theta, electrical_shift_deg=e_shift, mechanical_tilt_deg=m_tilt))
    assert got == pytest.approx(want, abs=1e-9)
    assert gk.tabulated_gain_db(phi, theta, pat.tables(), e_shift, m_tilt, pat.max_loss_db) == pytest.approx(
        want, abs=1e-9)


def test_the_back_half_of_the_vertical_cut_is_the_files() -> None:
    # a flat front; behind, the cut has its back lobe on the horizon (10 dB) and falls 0.5 dB a degree
    # above and below it; the horizontal cut's back is 10 dB too
    h = np.zeros(360)
    h[150:211] = 10.0
    v = np.zeros(360)
    v[150:211] = 10.0 + 0.5 * np.abs(np.arange(150, 211) - 180)
    pat = TabulatedPattern(h, v)
    assert float(pat.gain_db(0.0, 10.0)) == pytest.approx(0.0)
    # behind, 10 degrees down: L_H(180) + L_V(170) - L_V(180) + L_V(0) = 10 + 15 - 10 + 0 = 15
    # (reusing the front cut would give L_H(180) + L_V(10) = 10)
    assert float(pat.gain_db(180.0, 10.0)) == pytest.approx(-15.0)
    assert float(pat.gain_db(180.0, -10.0)) == pytest.approx(-15.0)  # 10 degrees up: L_V(190)
    assert float(pat.gain_db(180.0, 0.0)) == pytest.approx(-10.0)  # the horizon: the horizontal cut
    # continuity across the side (the weight of the back cut grows from 0 at 90 degrees)
    side = [float(pat.gain_db(p, 10.0)) for p in (89.9, 90.0, 90.1)]
    assert max(side) - min(side) < 0.1


def test_kernel_matches_python_everywhere() -> None:
    rng = np.random.default_rng(5)
    pat = TabulatedPattern(rng.uniform(0, 30, 360), rng.uniform(0, 30, 360), electrical_tilt_deg=2.0)
    phi = rng.uniform(-180, 180, 300)
    theta = rng.uniform(-90, 90, 300)
    want = pat.gain_db(phi, theta, electrical_shift_deg=1.5, mechanical_tilt_deg=3.0)
    tables = pat.tables()
    got = [gk.tabulated_gain_db(p, t, tables, 1.5, 3.0, pat.max_loss_db) for p, t in zip(phi, theta, strict=True)]
    np.testing.assert_allclose(got, want, atol=1e-9)


def _write_csv_pattern(path, *, tilt: float = 0.0) -> None:
    lines = ["# gain_dbi = 17.5", f"# electrical_tilt_deg = {tilt:g}", "cut,angle_deg,loss_db"]
    lines += [f"horizontal,{a},{min(12 * (min(a, 360 - a) / 65) ** 2, 25):.4f}" for a in range(0, 360, 5)]
    for a in range(360):  # the 3GPP form in front (7 degree beam), a flat 22 dB behind
        loss = min(12 * ((a if a <= 180 else a - 360) - tilt) ** 2 / 49, 20) if a <= 90 or a >= 270 else 22
        lines.append(f"vertical,{a},{loss:.4f}")
    path.write_text("\n".join(lines), encoding="utf-8")


def test_read_pattern_csv(tmp_path) -> None:
    p = tmp_path / "panel.csv"
    _write_csv_pattern(p, tilt=3.0)
    pat = read_pattern(p)
    assert pat.gain_dbi == 17.5
    assert pat.electrical_tilt_deg == 3.0
    assert float(pat.gain_db(0.0, 3.0)) == pytest.approx(0.0, abs=1e-9)
    # 32.5 degrees lies between the 30 and 35 degree entries: (12 (30/65)^2 + 12 (35/65)^2) / 2
    want = -(12 * (30 / 65) ** 2 + 12 * (35 / 65) ** 2) / 2 - 12 * 9 / 49  # and L_V(0) with the 3 degree tilt
    assert float(pat.gain_db(32.5, 0.0)) == pytest.approx(want, abs=1e-3)
    gain = tmp_path / "gain.csv"
    gain.write_text("cut,angle_deg,gain_db\nh,0,0\nh,180,-20\nv,0,0\nv,90,-15\nv,180,-20\nv,270,-15\n")
    pat = read_pattern_csv(gain)
    assert float(pat.gain_db(90.0, 0.0)) == pytest.approx(-10.0)  # halfway between 0 and -20
    assert float(pat.gain_db(0.0, 45.0)) == pytest.approx(-7.5)
    bad = tmp_path / "bad.csv"
    bad.write_text("angle,loss\n0,1\n")
    with pytest.raises(UnreadableFileError, match="cut, angle_deg"):
        read_pattern_csv(bad)
    bad.write_text("cut,angle_deg,loss_db\nsideways,0,1\n")
    with pytest.raises(UnreadableFileError, match="horizontal or vertical"):
        read_pattern_csv(bad)


def _lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = Transformer.from_crs(32648, 4326, always_xy=True).transform(x, y)
    return float(lon), float(lat)


def _station(**kw) -> dict:
    lon, lat = _lonlat(X0 + 100.5 * RES, Y0 - 100.5 * RES)
    row = {"operator": "Viettel", "technology": "4G", "lon": lon, "lat": lat, "antenna_height_m": 30.0,
           "azimuth_deg": 90.0, "freq_mhz": 1800.0, "eirp_dbm": 60.0}
    row.update(kw)
    return row


def _flat() -> Grid:
    return Grid(np.full((201, 201), 10.0, dtype=np.float32), Affine(RES, 0, X0, 0, -RES, Y0), 32648, None)


def test_omni_cells_are_untilted_by_default_and_sectors_keep_4_degrees(tmp_path) -> None:
    table = pd.DataFrame([_station(azimuth_deg=np.nan), _station(azimuth_deg=90.0),
                          _station(azimuth_deg=90.0, tilt_deg=2.0, mechanical_tilt_deg=5.0)])
    sec = prepare_stations(table, _flat(), CoverageConfig(model="fspl")).table
    assert sec["tilt_deg"].tolist() == [0.0, 4.0, 2.0]
    assert sec["mechanical_tilt_deg"].tolist() == [0.0, 0.0, 5.0]
    # read from a list: the omni cell (empty azimuth) gets 0 degrees, the sector 4, both reported
    csv = tmp_path / "cells.csv"
    csv.write_text("site_id,cell_id,operator,technology,lon,lat,azimuth_deg,freq_mhz,mechanical tilt\n"
                   "A,A1,Viettel,4G,105.75,19.75,,1842.5,\nA,A2,Viettel,4G,105.75,19.75,120,1842.5,2\n")
    load = read_stations(csv)
    assert load.stations["tilt_deg"].tolist() == [0.0, 4.0]
    assert load.stations["mechanical_tilt_deg"].tolist() == [0.0, 2.0]


def test_vietnamese_tilt_headers(tmp_path) -> None:
    csv = tmp_path / "tram.csv"
    csv.write_text("Mã trạm,Nhà mạng,Công nghệ,Kinh độ,Vĩ độ,Phương vị,Tần số,Góc tilt điện,Góc nghiêng cơ\n"
                   "A,Viettel,4G,105.75,19.75,120,1842.5,6,3\n", encoding="utf-8")
    st = read_stations(csv).stations
    assert st["tilt_deg"].tolist() == [6.0]
    assert st["mechanical_tilt_deg"].tolist() == [3.0]


def test_pattern_files_are_found_beside_the_list_and_used_by_the_engine(tmp_path) -> None:
    _write_csv_pattern(tmp_path / "panel.csv", tilt=3.0)
    lon, lat = _lonlat(X0 + 100.5 * RES, Y0 - 100.5 * RES)
    csv = tmp_path / "cells.csv"
    csv.write_text("site_id,cell_id,operator,technology,lon,lat,antenna_height_m,azimuth_deg,freq_mhz,eirp_dbm,"
                   "antenna_pattern,tilt_deg,mechanical_tilt_deg\n"
                   f"A,A1,Viettel,4G,{lon},{lat},30,90,1800,60,panel.csv,,2\n"
                   f"B,B1,Viettel,4G,{lon},{lat},30,90,1800,60,missing.msi,,\n")
    load = read_stations(csv)
    st = load.stations
    assert st["antenna_pattern"].iloc[0] == str((tmp_path / "panel.csv").resolve())
    assert st["antenna_pattern"].iloc[1] is None
    assert [i.code for i in load.report.issues if i.code == "pattern_missing"] == ["pattern_missing"]
    assert math.isnan(st["tilt_deg"].iloc[0])  # empty with a file: the file's own tilt
    # the missing file: the parametric pattern, with the engine's sector default tilt
    assert prepare_stations(st.iloc[[1]], _flat(), CoverageConfig(model="fspl")).table["tilt_deg"].tolist() == [4.0]
    cfg = CoverageConfig(model="fspl", max_radius_m=2900.0, threshold_dbm=-200.0)
    res = run_coverage(_flat(), st.iloc[[0]].reset_index(drop=True), config=cfg)
    xx, yy = np.meshgrid(*_flat().cell_centres())
    sx, sy = X0 + 100.5 * RES, Y0 - 100.5 * RES
    d = np.maximum(np.hypot(xx - sx, yy - sy), 0.01)
    theta = np.degrees(np.arctan((30.0 - 1.5) / d + d / (2 * 4.0 / 3.0 * 6_371_000.0)))
    bearing = np.degrees(np.arctan2(xx - sx, yy - sy))
    gain = res.best_level.values + res.path_loss.values - (60.0 + TECHNOLOGIES["4G"].level_offset_db)
    want = read_pattern(tmp_path / "panel.csv").gain_db(bearing - 90.0, theta, mechanical_tilt_deg=2.0)
    ok = np.isfinite(gain) & (d > RES)  # the site's own cell has no bearing
    assert ok.sum() > 20_000
    assert np.abs(gain[ok] - want[ok]).max() < 2e-3
    # a name the engine cannot read is refused with its row
    bad = st.iloc[[0]].reset_index(drop=True)
    bad.loc[0, "antenna_pattern"] = str(tmp_path / "nothere.msi")
    with pytest.raises(StationDataError, match=r"nothere\.msi"):
        run_coverage(_flat(), bad, config=cfg)


def test_sinr_sees_the_same_pattern_file_level_as_the_coverage(tmp_path) -> None:
    """One level definition (kernels.sector_level_dbm): the SINR serving level is the engine's best level."""
    _write_csv_pattern(tmp_path / "panel.csv", tilt=3.0)
    lon, lat = _lonlat(X0 + 100.5 * RES, Y0 - 100.5 * RES)
    csv = tmp_path / "cells.csv"
    csv.write_text("site_id,cell_id,operator,technology,lon,lat,antenna_height_m,azimuth_deg,freq_mhz,eirp_dbm,"
                   "antenna_pattern,tilt_deg,mechanical_tilt_deg\n"
                   f"A,A1,Viettel,4G,{lon},{lat},30,90,1800,60,panel.csv,,4\n", encoding="utf-8")
    st = read_stations(csv).stations
    cfg = CoverageConfig(model="fspl", max_radius_m=2900.0, threshold_dbm=-200.0, sinr=True)
    res = run_coverage(_flat(), st, config=cfg)
    assert res.sinr is not None
    sinr_level = res.sinr.level_dbm[("Viettel", "4G")].values
    ok = np.isfinite(res.best_level.values)
    assert ok.sum() > 20_000
    np.testing.assert_array_equal(sinr_level[ok], res.best_level.values[ok])
    # and the file's pattern is in use: the parametric pattern gives other levels
    params = dataclasses.replace(cfg, sinr=False)
    plain = run_coverage(_flat(), st.assign(antenna_pattern=None), config=params)
    assert np.nanmax(np.abs(plain.best_level.values - res.best_level.values)) > 1.0
