"""Validation rules: site expansion, omni cells, EIRP, bands, study area, swaps, read_many, outputs."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Polygon

from towerplan.errors import InputError, StationDataError, UnreadableFileError
from towerplan.stations import (
    CANONICAL_COLUMNS,
    StationDefaults,
    project_stations,
    read_many,
    read_stations,
    validate_stations,
    write_stations_csv,
)

REPO = Path(__file__).resolve().parents[1]
THANH_HOA = (104.3, 19.3, 106.1, 20.7)


def load_text(text: str, name: str = "s.csv", **kwargs: object):
    return read_stations(text.encode("utf-8"), name=name, **kwargs)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- sectors and defaults


def test_site_list_expands_into_three_sectors() -> None:
    load = load_text("Mã trạm,Nhà mạng,Kinh độ,Vĩ độ\nTHA1,Viettel,105.77,19.80\nTHA2,MobiFone,105.90,19.73\n")
    st = load.stations
    assert len(st) == 6
    assert st["cell_id"].tolist() == ["THA1-1", "THA1-2", "THA1-3", "THA2-1", "THA2-2", "THA2-3"]
    assert st["azimuth_deg"].tolist() == [0.0, 120.0, 240.0] * 2
    assert st["source_row"].tolist() == [2, 2, 2, 3, 3, 3]
    assert (st["h_beamwidth_deg"] == 65.0).all()
    warning = load.report.filter(code="sites_expanded").issues
    assert len(warning) == 1
    assert "3 sectors" in warning[0].message
    assert warning[0].severity == "warning"
    assert load.summary()["sites"] == 2


def test_site_expansion_follows_defaults() -> None:
    load = load_text("site,lon,lat\nS,105.7,19.8\n", defaults=StationDefaults(sectors_per_site=4))
    assert load.stations["azimuth_deg"].tolist() == [0.0, 90.0, 180.0, 270.0]


def test_empty_azimuth_is_an_omni_cell() -> None:
    load = load_text("site,cell,operator,lon,lat,azimuth\nS,S-1,Viettel,105.7,19.8,\nS,S-2,Viettel,105.7,19.8,omni\n")
    st = load.stations
    assert st["azimuth_deg"].isna().all()
    assert (st["h_beamwidth_deg"] == 360.0).all()
    # EIRP = 43 dBm (default tx) + 11 dBi (omni default gain) - 2 dB (default loss)
    assert st["eirp_dbm"].tolist() == [52.0, 52.0]
    assert "sites_expanded" not in load.report.codes()


def test_eirp_from_its_parts_or_given_directly() -> None:
    text = (
        "site,lon,lat,azimuth,Công suất phát (W),gain,Suy hao feeder,EIRP\n"
        "A,105.70,19.80,0,40,17,3,\n"
        "B,105.71,19.81,0,,,,62.5\n"
    )
    st = load_text(text).stations
    tx_dbm = 10 * math.log10(40) + 30  # 40 W = 46.02 dBm
    assert st["tx_power_dbm"].iloc[0] == pytest.approx(tx_dbm)
    assert st["eirp_dbm"].iloc[0] == pytest.approx(tx_dbm + 17 - 3)
    assert st["eirp_dbm"].iloc[1] == 62.5
    assert st[["tx_power_dbm", "antenna_gain_dbi", "feeder_loss_db"]].iloc[1].isna().all()


def test_defaults_are_reported_once_per_missing_column() -> None:
    load = load_text("site,lon,lat,azimuth,tilt\nA,105.70,19.80,0,\nB,105.71,19.81,0,3\n")
    st = load.stations
    assert st["antenna_height_m"].tolist() == [40.0, 40.0]
    assert st["tilt_deg"].tolist() == [4.0, 3.0]
    default_used = load.report.filter(code="default_used").issues
    height = [i for i in default_used if "antenna height" in i.message]
    assert len(height) == 1
    assert height[0].row is None
    tilt = [i for i in default_used if "tilt" in i.message]
    assert [(i.row, i.column) for i in tilt] == [(2, "tilt")]


def test_operator_default_for_a_single_operator_file() -> None:
    load = load_text("site,lon,lat\nA,105.7,19.8\n", defaults=StationDefaults(operator="Viettel"))
    assert set(load.stations["operator"]) == {"Viettel"}
    assert "missing_operator" not in load.report.codes()


@pytest.mark.parametrize(
    ("band", "freq", "tech"),
    [("B3", 1842.5, "4G"), ("n78", 3550.0, "5G"), ("GSM900", 947.5, "2G"), ("UMTS2100", 2140.0, "3G"),
     ("LTE1800", 1842.5, "4G"), ("B28", 780.5, "4G")],
)  # fmt: skip
def test_band_names_give_frequency_and_technology(band: str, freq: float, tech: str) -> None:
    load = load_text(f"site,lon,lat,azimuth,technology,Băng tần\nA,105.7,19.8,0,,{band}\n")
    row = load.stations.iloc[0]
    assert (row["freq_mhz"], row["technology"]) == (freq, tech)
    assert row["band"] in {band, "B3"}
    assert "default_used" not in {i.code for i in load.report.issues if i.row == 2}


def test_frequency_number_wins_over_band_and_units_in_cells() -> None:
    load = load_text("site,lon,lat,azimuth,tech,freq,band\nA,105.7,19.8,0,4G,1850,B3\nB,105.8,19.9,0,5G,3.6 GHz,\n")
    assert load.stations["freq_mhz"].tolist() == [1850.0, 3600.0]
    assert load.stations["band"].tolist()[0] == "B3"


def test_default_frequency_per_technology() -> None:
    load = load_text("site,lon,lat,azimuth,RAT\nA,105.7,19.8,0,GSM\nB,105.8,19.9,0,NR\nC,105.9,19.7,0,\n")
    assert load.stations["freq_mhz"].tolist() == [947.5, 3550.0, 1842.5]
    assert load.stations["technology"].tolist() == ["2G", "5G", "4G"]


def test_azimuth_360_is_north() -> None:
    assert load_text("site,lon,lat,azimuth\nA,105.7,19.8,360\n").stations["azimuth_deg"].tolist() == [0.0]


# ----------------------------------------------------------------------------- coordinates and study area


def test_dms_and_decimal_comma_coordinates() -> None:
    text = "site;Kinh độ;Vĩ độ;azimuth\nA;105°45'12\"E;19°48'30\"N;0\nB;105,7533;19,8083;0\n"
    st = load_text(text).stations
    assert st["lon"].tolist() == pytest.approx([105.75333, 105.7533], abs=1e-5)
    assert st["lat"].tolist() == pytest.approx([19.80833, 19.8083], abs=1e-5)


def test_hemisphere_letters_reveal_swapped_columns() -> None:
    load = load_text("site,lon,lat,azimuth\nA,19°48'30\"N,105°45'12\"E,0\nB,105.7,19.8,0\n")
    assert load.stations["lon"].iloc[0] == pytest.approx(105.7533, abs=1e-4)
    assert [(i.row, i.code) for i in load.report.filter(code="latlon_swapped").issues] == [(2, "latlon_swapped")]


def test_whole_file_swapped_gives_one_warning() -> None:
    load = load_text("site,lon,lat,azimuth\nA,19.80,105.77,0\nB,19.81,105.78,0\n")
    swapped = load.report.filter(code="latlon_swapped").issues
    assert len(swapped) == 1
    assert swapped[0].row is None
    assert load.stations["lon"].tolist() == [105.77, 105.78]


def test_study_area_decides_an_ambiguous_swap() -> None:
    # outside Viet Nam both orders are plausible degrees: only the study area can tell
    area = (10.0, 40.0, 12.0, 45.0)
    load = load_text("site,lon,lat,azimuth\nA,42.0,11.0,0\nB,11.5,42.5,0\n", study_area=area)
    assert load.stations[["lon", "lat"]].to_numpy().tolist() == [[11.0, 42.0], [11.5, 42.5]]
    assert [i.row for i in load.report.filter(code="latlon_swapped").issues] == [2]


def test_study_area_polygon_and_bbox() -> None:
    text = "site,lon,lat,azimuth\nIN,105.5,19.8,0\nOUT,105.9,20.5,0\n"
    triangle = Polygon([(105.0, 19.5), (106.0, 19.5), (105.0, 20.6)])
    load = load_text(text, study_area=triangle)
    assert load.stations["site_id"].tolist() == ["IN"]
    assert [i.row for i in load.report.filter(code="outside_study_area").issues] == [3]
    assert len(load_text(text, study_area=THANH_HOA).stations) == 2
    gdf = gpd.GeoDataFrame(geometry=[triangle], crs=4326).to_crs(32648)
    assert load_text(text, study_area=gdf).stations["site_id"].tolist() == ["IN"]


@pytest.mark.parametrize("bad", [(1, 2, 3), (106, 19, 105, 20), (0, 0, 600000, 2000000), "Thanh Hoa"])
def test_bad_study_area_is_an_input_error(bad: object) -> None:
    with pytest.raises(InputError):
        load_text("site,lon,lat\nA,105.7,19.8\n", study_area=bad)


# ----------------------------------------------------------------------------- several files


def test_read_many_tags_issues_and_checks_across_files(tmp_path: Path) -> None:
    viettel = tmp_path / "viettel.csv"
    viettel.write_text("site,cell,operator,lon,lat,azimuth\nV1,C1,Viettel,105.7,19.8,0\n", encoding="utf-8")
    vnpt = tmp_path / "vnpt.csv"
    vnpt.write_text("site,cell,operator,lon,lat,azimuth\nN1,C1,VNPT,105.7,19.8,0\nN2,C2,VNPT,105.8,19.9,\n",
                    encoding="utf-8")  # fmt: skip
    again = tmp_path / "viettel_again.csv"
    again.write_text(viettel.read_text(encoding="utf-8"), encoding="utf-8")
    load = read_many([viettel, vnpt, (again.read_bytes(), "viettel_again.csv")])
    # C1 of VNPT does not clash with C1 of Viettel; the repeated Viettel file does
    assert load.stations["cell_id"].tolist() == ["C1", "C1", "C2"]
    assert load.stations["source_file"].tolist() == ["viettel.csv", "vnpt.csv", "vnpt.csv"]
    dup = load.report.filter(code="duplicate_cell_id").issues
    assert [(i.file, i.row) for i in dup] == [("viettel_again.csv", 2)]
    assert "row 2 of viettel.csv" in dup[0].message
    assert load.rejected["source_file"].tolist() == ["viettel_again.csv"]
    assert set(load.report.to_frame()["file"]) == {"viettel.csv", "vnpt.csv", "viettel_again.csv"}
    assert load.sources == ("viettel.csv", "vnpt.csv", "viettel_again.csv")
    assert load.n_rows_read == 4


def test_read_many_unreadable_file_raise_or_report(tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text("site,lon,lat,azimuth\nA,105.7,19.8,0\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(bytes(range(256)))
    with pytest.raises(UnreadableFileError):
        read_many([good, bad])
    load = read_many([good, bad], on_unreadable="report")
    assert len(load.stations) == 1
    assert [(i.code, i.file) for i in load.report.filter(severity="error").issues] == [("unreadable_file", "bad.csv")]


def test_read_many_accepts_name_content_pairs() -> None:
    data = b"site,lon,lat,azimuth\nA,105.7,19.8,0\n"
    load = read_many([("up.csv", data)])
    assert load.stations["source_file"].tolist() == ["up.csv"]


# ----------------------------------------------------------------------------- in-memory tables and outputs


def test_validate_stations_on_a_dataframe_and_idempotence() -> None:
    frame = pd.DataFrame({"Mã trạm": ["A", "B"], "Kinh độ": [105.7, 205.0], "Vĩ độ": [19.8, 19.9], "azimuth": [0, 90]})
    load = validate_stations(frame, source_file="memory")
    assert load.stations["site_id"].tolist() == ["A"]
    assert load.rejected["source_row"].tolist() == [3]  # position + 2: a spreadsheet with its header on row 1
    again = validate_stations(load.stations)
    assert not again.report.has_errors
    cols = [c for c in CANONICAL_COLUMNS if c != "source_file"]
    pd.testing.assert_frame_equal(again.stations[cols], load.stations[cols])


def test_validate_stations_uses_point_geometry() -> None:
    gdf = gpd.GeoDataFrame({"site": ["A"], "azimuth": [10.0]}, geometry=gpd.points_from_xy([580000], [2190000]),
                           crs=32648)  # fmt: skip
    st = validate_stations(gdf).stations
    assert st["lon"].iloc[0] == pytest.approx(105.76, abs=0.01)


def test_project_stations_to_utm() -> None:
    st = load_text("site,lon,lat,azimuth\nA,105.0,0.0001,0\nB,105.77,19.80,0\n").stations
    utm = project_stations(st, 32648)
    assert utm.crs.to_epsg() == 32648
    assert utm["x"].iloc[0] == pytest.approx(500000.0, abs=0.5)  # central meridian of UTM zone 48 is 105° E
    assert st.crs.to_epsg() == 4326  # input untouched
    assert project_stations(st).crs.to_epsg() == 32648  # the zone is picked from the stations
    with pytest.raises(InputError, match="projected"):
        project_stations(st, 4326)


def test_write_stations_csv_round_trip(tmp_path: Path) -> None:
    load = load_text("Mã trạm,Nhà mạng,Kinh độ,Vĩ độ,Ghi chú\nTHA1,Viettel,105.77123456789,19.80,Thọ Xuân\n")
    out = tmp_path / "out" / "stations.csv"
    write_stations_csv(load.stations, out)
    back = read_stations(out)
    cols = [c for c in CANONICAL_COLUMNS if c not in ("source_row", "source_file")]
    pd.testing.assert_frame_equal(back.stations[cols], load.stations[cols])
    assert back.stations["Ghi chú"].tolist() == ["Thọ Xuân"] * 3
    assert back.stations["source_row (input)"].tolist() == ["2"] * 3
    assert not back.report.has_errors
    assert "sites_expanded" not in back.report.codes()
    assert [p.name for p in out.parent.iterdir()] == ["stations.csv"]  # no temporary file left


def test_output_schema_types_and_determinism() -> None:
    text = "site,operator,lon,lat,azimuth\nB,Viettel,105.71,19.81,0\nA,MobiFone,105.70,19.80,\n"
    first, second = load_text(text), load_text(text)
    pd.testing.assert_frame_equal(first.stations, second.stations)
    st = first.stations
    assert list(st.columns[: len(CANONICAL_COLUMNS)]) == list(CANONICAL_COLUMNS)
    assert st.columns[-1] == "geometry"
    assert st["source_row"].dtype == np.int64
    for column in ("lon", "lat", "antenna_height_m", "azimuth_deg", "freq_mhz", "eirp_dbm"):
        assert st[column].dtype == np.float64
    assert st["site_id"].tolist() == ["B", "A"]  # file order


def test_rejected_keeps_original_values() -> None:
    load = load_text("Mã trạm,Kinh độ,Vĩ độ,azimuth\nA,105.7,19.8,0\nB,xyz,19.8,0\n")
    rej = load.rejected
    assert rej[["Mã trạm", "Kinh độ", "source_row", "error_codes"]].to_numpy().tolist() == [
        ["B", "xyz", 3, "unparseable_coordinate"]
    ]


# ----------------------------------------------------------------------------- templates


@pytest.mark.parametrize("name", ["stations_template.csv", "stations_template.xlsx"])
def test_templates_validate_cleanly(name: str) -> None:
    load = read_stations(REPO / "data" / name, study_area=THANH_HOA)
    assert load.report.n_errors == 0
    assert load.report.n_warnings == 0
    assert len(load.stations) == 6
    assert set(load.stations["operator"]) == {"Viettel", "VNPT-VinaPhone", "MobiFone", "Vietnamobile"}


def test_xlsx_template_explains_every_column() -> None:
    from openpyxl import load_workbook

    wb = load_workbook(REPO / "data" / "stations_template.xlsx", read_only=True)
    assert wb.sheetnames == ["stations", "columns"]
    rows = list(wb["columns"].iter_rows(values_only=True))
    wb.close()
    explained = {r[0] for r in rows[1:]}
    assert explained == set(CANONICAL_COLUMNS) - {"source_row", "source_file"}
    assert all(r[1] and r[2] and r[5] for r in rows[1:])  # English, Vietnamese, default


def test_make_templates_is_deterministic(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_templates", REPO / "data" / "make_templates.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main([str(tmp_path / "a")])
    module.main([str(tmp_path / "b")])
    for name in ("stations_template.csv", "stations_template.xlsx"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a" / "stations_template.csv").read_bytes() == (
        REPO / "data" / "stations_template.csv"
    ).read_bytes()


def test_raise_for_errors_and_headerless_hint() -> None:
    good = load_text("site,lon,lat,azimuth\nA,105.7,19.8,0\n")
    assert good.raise_for_errors() is good
    headerless = load_text("105.70,19.80,0\n105.71,19.81,90\n")
    assert "add a header row" in headerless.report.filter(code="no_coordinate_columns").issues[0].message
    with pytest.raises(StationDataError, match="no_coordinate_columns") as info:
        headerless.raise_for_errors()
    assert info.value.report is headerless.report
