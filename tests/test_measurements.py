"""Drive-test import, serving-cell matching, statistics and calibration (towerplan.measurements)."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from towerplan.errors import ConfigError, UnreadableFileError
from towerplan.measurements import (
    CalibrationSettings,
    assign_folds,
    calibrate,
    fit_corrections,
    match_serving,
    read_measurements,
    residual_stats,
    stations_from_measurements,
)
from towerplan.measurements.schema import band_label, channel_to_mhz


# ----------------------------------------------------------------------------- reading
def test_vietnamese_headers_decimal_comma_and_row_issues(tmp_path: Path) -> None:
    text = ("Kinh độ;Vĩ độ;RSRP (dBm);Mã cell;Nhà mạng\n"
            "105,771;19,801;-95,5;C1;Viettel\n"
            ";19,802;-96;C1;Viettel\n"          # no longitude: error, row 2
            "105,773;19,803;5;C1;Viettel\n"     # +5 dBm: implausible, error, row 3
            "105,774;19,804;-150,5;C1;Viettel\n"  # outside RSRP's reporting range: warning, kept
            "105,775;19,805;-80;C2;45204\n")
    path = tmp_path / "do_kiem.csv"
    path.write_text(text, encoding="utf-8")
    load = read_measurements(path)
    t = load.table
    assert t["row"].tolist() == [1, 4, 5]
    assert t["level_dbm"].tolist() == [-95.5, -150.5, -80.0]
    assert t["lon"].iloc[0] == pytest.approx(105.771)
    assert set(t["technology"]) == {"4G"}
    assert t["operator"].iloc[2] == t["operator"].iloc[0] == "Viettel"  # PLMN 452-04 is Viettel
    errors = load.report.filter(severity="error").issues
    assert [(i.row, i.column, i.code) for i in errors] == [(3, "Kinh độ", "bad_coordinate"),
                                                           (4, "RSRP (dBm)", "implausible_level")]
    warn = load.report.filter(code="level_out_of_range").issues
    assert [i.row for i in warn] == [5]
    assert load.rejected["row"].tolist() == [2, 3]


GNETTRACK_HEADER = ("Timestamp\tLongitude\tLatitude\tSpeed\tOperatorname\tOperator\tCGI\tCellname\tNode\tCellID\tLAC\t"
                    "NetworkTech\tNetworkMode\tLevel\tQual\tSNR\tCQI\tLTERSSI\tARFCN\tDL_bitrate\tUL_bitrate")


def _gnettrack(tmp_path: Path) -> Path:
    rows = [
        "2024.05.02_09.15.01\t105.77100\t19.80100\t32\tViettel\t45204\t452-04-12345-2345601\tC1\t9123\t1\t12345\tLTE"
        "\tLTE\t-97\t-11\t8.0\t9\t-65\t1650\t1200\t80",
        "2024.05.02_09.15.02\t105.77110\t19.80110\t33\tViettel\t45204\t452-04-12345-2345601\tC1\t9123\t1\t12345\tLTE"
        "\tLTE\t-99\t-12\t7.0\t9\t-66\t1650\t1100\t70",
        "2024.05.02_09.15.03\t105.77120\t19.80120\t33\tViettel\t45204\t452-04-12345-2345602\tC2\t9123\t2\t12345\tWCDMA"
        "\tHSPA\t-85\t-8\t-\t-\t-\t10700\t300\t20",
    ]
    path = tmp_path / "gnettrack_log.txt.gz"
    path.write_bytes(gzip.compress(("\n".join([GNETTRACK_HEADER, *rows]) + "\n").encode("utf-8")))
    return path


def test_gnettrack_log_as_it_comes(tmp_path: Path) -> None:
    load = read_measurements(_gnettrack(tmp_path))
    t = load.table
    assert len(t) == 3
    assert not load.report.has_errors
    assert t["technology"].tolist() == ["4G", "4G", "3G"]  # Level is RSRP for LTE, RSCP for WCDMA
    assert t["level_dbm"].tolist() == [-97.0, -99.0, -85.0]
    # EARFCN 1650 is band 3: 1805 + 0.1 (1650 - 1200) = 1850 MHz; UARFCN 10700 / 5 = 2140 MHz
    assert t["freq_mhz"].tolist() == pytest.approx([1850.0, 1850.0, 2140.0])
    assert t["cell_id"].tolist() == ["1", "1", "2"]
    assert t["node"].tolist() == ["9123", "9123", "9123"]
    assert t["operator"].iloc[0] == "Viettel"


def test_unreadable_files(tmp_path: Path) -> None:
    no_level = tmp_path / "a.csv"
    no_level.write_text("lon,lat,speed\n105.1,19.8,3\n", encoding="utf-8")
    with pytest.raises(UnreadableFileError, match="level"):
        read_measurements(no_level)
    bomb = tmp_path / "b.csv.gz"
    bomb.write_bytes(gzip.compress(b"lon,lat,rsrp\n" + b"105.1,19.8,-90\n" * 20_000))
    with pytest.raises(UnreadableFileError, match="unpacked"):
        read_measurements(bomb, max_bytes=100_000)


def test_channels_and_bands() -> None:
    assert channel_to_mhz(6300, "4G") == pytest.approx(806.0)   # band 20 (TS 36.101 table 5.7.3-1)
    assert channel_to_mhz(3100, "4G") == pytest.approx(2655.0)  # band 7
    assert channel_to_mhz(62, "2G") == pytest.approx(947.4)     # GSM 900
    assert channel_to_mhz(636_666, "5G") == pytest.approx(3549.99, abs=0.01)  # n78
    assert np.isnan(channel_to_mhz(99_999, "4G"))
    assert band_label(811.0, "4G") == "B20"
    assert band_label(2630.0, "4G") == "B7"
    assert band_label(5000.0, "4G") == "n79"
    assert band_label(7000.0, "4G") == "7000 MHz"


# ----------------------------------------------------------------------------- matching
STATIONS = pd.DataFrame({
    "site_id": ["S1", "S1", "S1", "S2", "9123"],
    "cell_id": ["S1-0", "S1-120", "S1-240", "S2-1", str(9123 * 256 + 1)],
    "operator": ["Viettel"] * 5, "technology": ["4G"] * 5,
    "lon": [105.77, 105.77, 105.77, 105.80, 105.771], "lat": [19.80, 19.80, 19.80, 19.82, 19.801],
    "azimuth_deg": [0.0, 120.0, 240.0, np.nan, 0.0], "freq_mhz": [1850.0, 1850.0, 1850.0, 806.0, 1850.0],
})


def _meas(**cols) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    base = {"file": "f.csv", "row": np.arange(1, n + 1), "line": np.arange(2, n + 2), "operator": "Viettel",
            "technology": "4G", "cell_id": "", "site_id": "", "freq_mhz": np.nan, "cell_lon": np.nan,
            "cell_lat": np.nan, "level_dbm": -90.0}
    base.update(cols)
    return pd.DataFrame(base)


def test_match_by_cell_site_position_and_bearing() -> None:
    m = _meas(lon=[105.77, 105.79, 105.75, 105.80, 105.77, 105.77],
              lat=[19.81, 19.79, 19.79, 19.821, 19.81, 19.81],
              cell_id=["S2-1", "", "", "", "nope", "1"],
              site_id=["", "S1", "S1", "", "", ""],
              node=["", "", "", "", "", "9123"],
              freq_mhz=[np.nan, 1850.0, 1850.0, 806.0, np.nan, np.nan],
              cell_lon=[np.nan, np.nan, np.nan, 105.8001, np.nan, np.nan],
              cell_lat=[np.nan, np.nan, np.nan, 19.8201, np.nan, np.nan])
    mt = match_serving(m, STATIONS)
    # cell id; site + carrier -> the sector pointing at the point (south-east: 120, south-west: 240);
    # serving-cell position + carrier; an unknown cell; G-NetTrack Node/CellID as the LTE ECI
    assert mt.serving.tolist() == [3, 1, 2, 3, -1, 4]
    assert mt.method.tolist() == ["cell_id", "site_id+freq", "site_id+freq", "position+freq", "", "cell_id"]
    assert mt.unmatched["row"].tolist() == [5]
    assert "nope" in mt.unmatched["reason"].iloc[0]


def test_stations_from_measurements() -> None:
    m = _meas(lon=[12.52, 12.53, 12.52], lat=[55.78] * 3, cell_lon=[12.5234] * 3, cell_lat=[55.7846] * 3,
              freq_mhz=[811.0, 2630.0, 811.0], operator="unknown")
    st = stations_from_measurements(m)
    assert len(st) == 2
    assert st["freq_mhz"].tolist() == [811.0, 2630.0]
    assert st["azimuth_deg"].isna().all()
    assert (st["site_id"] == "M001").all()
    assert (match_serving(m, st).serving == [0, 1, 0]).all()
    with pytest.raises(Exception, match="station list"):
        stations_from_measurements(_meas(lon=[1.0], lat=[1.0]))


# ----------------------------------------------------------------------------- statistics and calibration
def _synthetic(n: int = 20_000, *, seed: int = 3) -> tuple[pd.DataFrame, dict]:
    """Samples whose true correction is known: per group offset + slope, per cell offsets, 6 dB noise."""
    rng = np.random.default_rng(seed)
    truth = {("A", "B3"): (6.0, -8.0), ("A", "B8"): (-3.0, 4.0), ("B", "B3"): (12.0, 0.0)}
    keys = list(truth)
    n_cells = 60
    cell_group = np.arange(n_cells) % 3
    cell_off = rng.normal(0.0, 4.0, n_cells)
    cells = rng.integers(0, n_cells, n)
    d = 10 ** rng.uniform(2.0, 4.0, n)
    ang = rng.uniform(0, 2 * np.pi, n)
    cx, cy = rng.uniform(0, 40_000, n_cells), rng.uniform(0, 40_000, n_cells)
    x, y = cx[cells] + d * np.sin(ang), cy[cells] + d * np.cos(ang)
    g = cell_group[cells]
    a = np.array([truth[keys[k]][0] for k in g])
    b = np.array([truth[keys[k]][1] for k in g])
    pred = -50.0 - 35.0 * np.log10(d / 100.0)
    meas = pred + a + b * np.log10(d / 1000.0) + cell_off[cells] + rng.normal(0, 6.0, n)
    s = pd.DataFrame({"measured_dbm": meas, "predicted_dbm": pred, "distance_m": d, "x": x, "y": y,
                      "cell": [f"c{c}" for c in cells], "operator": [keys[k][0] for k in g],
                      "band": [keys[k][1] for k in g], "landcover": ""})
    return s, {"groups": truth, "cells": {f"c{c}": cell_off[c] for c in range(n_cells)}}


def test_fit_recovers_known_corrections() -> None:
    s, truth = _synthetic()
    model = fit_corrections(s.rename(columns={"predicted_dbm": "uncalibrated_dbm"}),
                            CalibrationSettings(per_cell=False))
    for g in model.groups:
        a, b = truth["groups"][(g.operator, g.band)]
        # the mean cell offset of a group (20 cells of sd 4 dB) lands in its offset: ~1 dB
        assert g.offset_db == pytest.approx(a, abs=2.0)
        assert g.slope_db_per_decade == pytest.approx(b, abs=0.6)
        assert g.slope_fitted
    with_cells = fit_corrections(s.rename(columns={"predicted_dbm": "uncalibrated_dbm"}), CalibrationSettings())
    assert with_cells.tau_db == pytest.approx(4.0, abs=1.5)
    # shrunk cell offsets follow the true ones (around each group's mean)
    true = pd.Series(truth["cells"])
    got = pd.Series(with_cells.cell_offsets_db)[true.index]
    assert np.corrcoef(true, got)[0, 1] > 0.9
    assert with_cells.residual_std_db == pytest.approx(6.0, abs=0.3)


def test_cross_validation_held_out_and_deterministic() -> None:
    s, _ = _synthetic(8_000)
    s.loc[s.index[:50], "distance_m"] = 50.0
    r = calibrate(s, CalibrationSettings(folds=5, tile_m=2000.0))
    assert r.excluded_near == 50
    assert len(r.predictions) == len(s) - 50
    assert abs(r.cv_stats["mean_db"]) < 0.5
    assert abs(r.cv_stats["slope_db_per_decade"]) < 1.0
    assert r.cv_stats["std_db"] == pytest.approx(6.3, abs=0.6)
    assert r.uncalibrated_stats["std_db"] > r.cv_stats["std_db"] + 1.0
    # every tile lies in one fold; folds are balanced and the same for the same seed
    p = r.predictions
    tiles = np.floor(p["x"] / 2000.0).astype(int).astype(str) + "_" + np.floor(p["y"] / 2000.0).astype(int).astype(str)
    assert (p.groupby(tiles)["fold"].nunique() == 1).all()
    counts = p["fold"].value_counts()
    assert counts.min() > 0.6 * counts.max()
    again = calibrate(s, CalibrationSettings(folds=5, tile_m=2000.0))
    assert np.array_equal(again.predictions["fold"], p["fold"])
    assert np.allclose(again.predictions["predicted_dbm"], p["predicted_dbm"])
    rnd = assign_folds(p, CalibrationSettings(fold_by="random", seed=1))
    assert sorted(np.bincount(rnd).tolist()) == sorted(np.bincount(np.arange(len(p)) % 5).tolist())


def test_settings_and_stats_validation() -> None:
    with pytest.raises(ConfigError, match="folds"):
        CalibrationSettings(folds=1)
    with pytest.raises(ConfigError, match="fold_by"):
        CalibrationSettings(fold_by="rows")  # type: ignore[arg-type]
    st = residual_stats(np.array([1.0, 2.0, 3.0]), np.array([100.0, 1000.0, 10000.0]))
    assert st["count"] == 3
    assert st["mean_db"] == 2.0
    assert st["slope_db_per_decade"] == pytest.approx(1.0)
    assert st["rmse_db"] == pytest.approx(np.sqrt(14 / 3))
    few = pd.DataFrame({"x": [0.0, 10.0], "y": [0.0, 0.0]})
    with pytest.raises(ConfigError, match="tile"):
        assign_folds(few, CalibrationSettings(folds=5))


def test_vietnamese_messages(tmp_path: Path) -> None:
    from towerplan.measurements.messages_vi import MESSAGES_VI, measurement_report_frame

    path = tmp_path / "m.csv"
    path.write_text("lon,lat,rsrp_dbm\n105.1,19.8,abc\n105.1,19.8,7\n,19.8,-90\n105.1,19.8,-150\n", encoding="utf-8")
    report = read_measurements(path).report
    assert {"missing_level", "implausible_level", "bad_coordinate", "level_out_of_range"} <= set(report.codes())
    vi = measurement_report_frame(report, "vi")
    en = measurement_report_frame(report, "en")
    assert list(vi["row"]) == list(en["row"])
    for code in set(report.codes()):
        assert code in MESSAGES_VI
        text = vi.loc[vi["code"] == code, "message"].iloc[0]
        assert text != en.loc[en["code"] == code, "message"].iloc[0]
        assert "{" not in text
    assert "Dòng 3, cột 'rsrp_dbm'" in vi.loc[vi["code"] == "implausible_level", "message"].iloc[0]


def test_apply_calibration_to_a_station_table(tmp_path: Path) -> None:
    import json

    from towerplan.errors import ConfigError as CfgError
    from towerplan.measurements import apply_calibration, read_calibration

    record = {"format": "towerplan-calibration", "version": 1, "shadowing_sigma_db": 7.5,
              "groups": [{"operator": "Viettel", "band": "B3", "landcover": "1", "offset_db": 4.0,
                          "slope_db_per_decade": 2.0, "n_samples": 300},
                         {"operator": "Viettel", "band": "B3", "landcover": "2", "offset_db": 8.0,
                          "slope_db_per_decade": 6.0, "n_samples": 100}],
              "cells": [{"cell": "S1/S1-120", "offset_db": -1.5, "n_samples": 50}]}
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    cal = read_calibration(path)
    assert cal.shadowing_sigma_db == 7.5
    out = apply_calibration(STATIONS, cal)
    # land-cover groups are averaged by their sample counts: (3 * 4 + 8) / 4 = 5 dB, (3 * 2 + 6) / 4 = 3 dB/decade
    assert out["calibration_offset_db"].tolist() == [5.0, 3.5, 5.0, 0.0, 5.0]
    assert out["calibration_slope_db"].tolist() == [3.0, 3.0, 3.0, 0.0, 3.0]  # S2 is band 20: not calibrated
    assert "calibration_offset_db" not in STATIONS.columns
    path.write_text(json.dumps({"format": "other"}), encoding="utf-8")
    with pytest.raises(CfgError, match="not a towerplan calibration"):
        read_calibration(path)
    path.write_text("{", encoding="utf-8")
    with pytest.raises(UnreadableFileError):
        read_calibration(path)


def test_xlsx_with_title_rows(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Kết quả đo kiểm Thanh Hóa"])
    ws.append(["Longitude", "Latitude", "RSCP", "Mã trạm", "Tần số"])
    ws.append([105.7, 19.8, -85.0, "TH001", 2140.0])
    ws.append([105.71, 19.81, "-88,5", "TH001", 2140.0])
    path = tmp_path / "do_kiem.xlsx"
    wb.save(path)
    t = read_measurements(path).table
    assert t["level_dbm"].tolist() == [-85.0, -88.5]
    assert t["technology"].tolist() == ["3G", "3G"]  # the column is RSCP
    assert t["site_id"].tolist() == ["TH001", "TH001"]
    assert t["row"].tolist() == [1, 2]
