"""Villages: the province's list (CSV/XLSX, Vietnamese headers, hostile files), OSM village points,
served status against a hand-made case, and precision/recall of the model against the province's list."""

from __future__ import annotations

import json
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from affine import Affine
from pyproj import CRS
from shapely.geometry import LineString, Point, box

from towerplan.errors import ConfigError, UnreadableFileError
from towerplan.grid import Grid
from towerplan.villages.osm import overpass_village_query, parse_overpass_villages
from towerplan.villages.status import mark_reported, village_agreement, village_status
from towerplan.villages.table import (
    VillageDataError,
    header_field,
    parse_yes_no,
    read_village_names,
    read_villages,
    write_village_csv,
)

UTM = CRS.from_epsg(32648)

VN_CSV = """DANH SÁCH THÔN BẢN - XÃ MẪU (dữ liệu thử)
Mã thôn,Tên thôn,Xã,Kinh độ,Vĩ độ,Số hộ,Điện lưới,Không có sóng
T01,Bản Pù Lâu,Xã Trung Lý,104.9012,20.3456,85,không,có
T02,Thôn Đồng Tâm,Xã Trung Lý,"104,9100","20,3500",120,có,không
T03,Bản Na Mèo,Xã Na Mèo,104.95,20.36,,Có,
"""


# ------------------------------------------------------------------ readers
def test_vietnamese_csv_with_a_title_row_and_decimal_commas(tmp_path):
    path = tmp_path / "thon_ban.csv"
    path.write_text(VN_CSV, encoding="utf-8")
    load = read_villages(path)
    v = load.villages
    assert v["village_id"].tolist() == ["T01", "T02", "T03"]
    assert v["name"].tolist() == ["Bản Pù Lâu", "Thôn Đồng Tâm", "Bản Na Mèo"]
    assert v["commune"].tolist() == ["Xã Trung Lý", "Xã Trung Lý", "Xã Na Mèo"]
    assert v.loc[1, "lon"] == pytest.approx(104.91)
    assert v.loc[1, "lat"] == pytest.approx(20.35)
    assert v["households"].tolist()[:2] == [85.0, 120.0]
    assert math.isnan(v.loc[2, "households"])
    assert v["grid_power"].tolist() == [False, True, True]
    assert v["reported_no_signal"].tolist()[:2] == [True, False]
    assert v["reported_no_signal"].isna()[2]
    assert v.crs.to_epsg() == 4326
    assert v.geometry.iloc[0].equals(Point(104.9012, 20.3456))
    assert load.issues == ()


def test_english_xlsx(tmp_path):
    frame = pd.DataFrame({"Village": ["Ban A", "Ban B"], "Commune": ["X1", "X2"], "Longitude": [105.1, 105.2],
                          "Latitude": [19.9, 19.8], "Households": [40, 55], "Grid power": ["yes", "no"]})
    path = tmp_path / "villages.xlsx"
    frame.to_excel(path, index=False)
    v = read_villages(path).villages
    assert v["name"].tolist() == ["Ban A", "Ban B"]
    assert v["village_id"].tolist() == ["V0001", "V0002"]  # numbered when the list has no ids
    assert v["grid_power"].tolist() == [True, False]
    assert "reported_no_signal" in v
    assert v["reported_no_signal"].isna().all()


def test_bad_rows_are_left_out_and_named_by_file_row_and_column(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("Tên thôn,Xã,Kinh độ,Vĩ độ,Số hộ,Điện lưới\n"
                    "Bản 1,Xã A,105.1,19.9,30,có\n"
                    "Bản 2,Xã A,abc,19.9,30,có\n"          # line 3: longitude not a number
                    "Bản 3,Xã A,105.1,95.0,30,có\n"        # line 4: latitude out of range
                    ",Xã A,105.2,19.8,30,có\n"             # line 5: no name
                    "Bản 5,Xã A,105.3,19.7,-4,maybe\n",    # line 6: warnings only
                    encoding="utf-8")
    load = read_villages(path)
    assert load.villages["name"].tolist() == ["Bản 1", "Bản 5"]
    errors = {(i.row, i.column, i.code) for i in load.issues if i.severity == "error"}
    assert errors == {(3, "Kinh độ", "not_a_number"), (4, "Vĩ độ", "coordinate_out_of_range"),
                      (5, "Tên thôn", "name_missing")}
    warnings = {(i.row, i.column, i.code) for i in load.issues if i.severity == "warning"}
    assert warnings == {(6, "Số hộ", "bad_households"), (6, "Điện lưới", "bad_yes_no")}
    assert all(i.file == "bad.csv" for i in load.issues)
    assert "bad.csv, row 3, column 'Kinh độ'" in next(i for i in load.issues if i.row == 3).describe()
    assert math.isnan(load.villages.loc[1, "households"])
    assert load.villages["grid_power"].isna()[1]
    assert list(load.issues_frame().columns) == ["file", "row", "column", "severity", "code", "message", "value"]


def test_hostile_files_are_refused(tmp_path):
    no_coords = tmp_path / "no_coords.csv"
    no_coords.write_text("Tên thôn,Xã,Số hộ\nBản 1,Xã A,30\n", encoding="utf-8")
    with pytest.raises(VillageDataError, match="no lon, lat column"):
        read_villages(no_coords)
    all_bad = tmp_path / "all_bad.csv"
    all_bad.write_text("name,lon,lat\nA,x,y\nB,,\n", encoding="utf-8")
    with pytest.raises(VillageDataError, match="no usable village row") as info:
        read_villages(all_bad)
    assert {i.row for i in info.value.issues} == {2, 3}
    binary = tmp_path / "villages.csv"
    binary.write_bytes(b"\x00\x01\x02PK\x03\x04" * 200)
    with pytest.raises(UnreadableFileError):
        read_villages(binary)
    with pytest.raises(UnreadableFileError):
        read_villages(tmp_path / "missing.csv")
    fake_xlsx = tmp_path / "list.xlsx"
    fake_xlsx.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(UnreadableFileError):
        read_villages(fake_xlsx)


def test_headers_and_yes_no_words():
    assert header_field("Tên thôn/bản") == "name"
    assert header_field("KINH ĐỘ (độ)") == "lon"
    assert header_field("Số hộ gia đình") == "households"
    assert header_field("Điện lưới quốc gia") == "grid_power"
    assert header_field("Vùng lõm sóng") == "reported_no_signal"
    assert header_field("Ghi chú") is None
    assert [parse_yes_no(v) for v in ("Có", "không", "x", "0", 1, None, "", "chưa có")] == [
        True, False, True, False, True, None, None, False]
    with pytest.raises(ValueError, match="perhaps"):
        parse_yes_no("perhaps")


def test_csv_written_reads_back(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text(VN_CSV, encoding="utf-8")
    first = read_villages(path).villages
    write_village_csv(first, tmp_path / "out.csv")
    again = read_villages(tmp_path / "out.csv").villages
    cols = ["village_id", "name", "commune", "lon", "lat", "households", "grid_power", "reported_no_signal"]
    pd.testing.assert_frame_equal(pd.DataFrame(first[cols]), pd.DataFrame(again[cols]))


# ------------------------------------------------------------------ OpenStreetMap
def overpass_villages() -> bytes:
    return json.dumps({"elements": [
        {"type": "node", "id": 1, "lat": 19.80, "lon": 105.75, "tags": {"place": "village", "name": "Ban X",
                                                                       "name:vi": "Bản Xa"}},
        {"type": "node", "id": 2, "lat": 19.81, "lon": 105.76, "tags": {"place": "hamlet"}},
        {"type": "way", "id": 3, "center": {"lat": 19.82, "lon": 105.77},
         "tags": {"place": "isolated_dwelling", "name": "Nhà ông A"}},
        {"type": "node", "id": 4, "lat": 19.83, "lon": 105.78, "tags": {"place": "town", "name": "Thị trấn"}},
        {"type": "way", "id": 5, "tags": {"place": "village", "name": "no position"}},
        {"type": "node", "id": 6, "lat": 21.0, "lon": 106.5, "tags": {"place": "village", "name": "Far away"}},
    ]}).encode()


def test_overpass_answer_to_villages():
    v = parse_overpass_villages(overpass_villages())
    assert v["village_id"].tolist() == ["osm-node-1", "osm-node-2", "osm-way-3", "osm-node-6"]
    assert v["name"].tolist() == ["Bản Xa", "hamlet 2", "Nhà ông A", "Far away"]
    assert v["place"].tolist() == ["village", "hamlet", "isolated_dwelling", "village"]
    assert v["households"].isna().all()
    assert v["grid_power"].isna().all()
    with pytest.raises(VillageDataError):
        parse_overpass_villages(b"<html>rate limited</html>")
    with pytest.raises(VillageDataError):
        parse_overpass_villages(b'{"version": 0.6}')


def test_overpass_query_names_the_classes_and_box():
    q = overpass_village_query((105.7, 19.7, 105.9, 19.9))
    assert '"place"~"^(village|hamlet|isolated_dwelling)$"' in q
    assert "(19.700000,105.700000,19.900000,105.900000)" in q
    assert q.startswith("[out:json]")
    assert q.endswith("out center tags;")
    with pytest.raises(VillageDataError):
        overpass_village_query((105.9, 19.7, 105.7, 19.9))


# ------------------------------------------------------------------ served status, by hand
X0, Y0, CELL = 560_000.0, 2_200_000.0, 100.0


def _grid(values: np.ndarray) -> Grid:
    return Grid(values.astype(np.float32), Affine(CELL, 0, X0, 0, -CELL, Y0), UTM, None)


def _villages_at(cells: list[tuple[int, int]], **columns: list) -> gpd.GeoDataFrame:
    """Villages at the centres of (row, col) cells of the 5 x 5 hand grid, given in EPSG:4326."""
    pts = [Point(X0 + (c + 0.5) * CELL, Y0 - (r + 0.5) * CELL) for r, c in cells]
    frame = gpd.GeoDataFrame({"village_id": [f"V{k}" for k in range(len(cells))],
                              "name": [f"Thôn {k}" for k in range(len(cells))], **columns},
                             geometry=pts, crs=UTM)
    return frame.to_crs(4326)


def test_served_status_on_a_hand_case():
    nan = np.nan
    g4 = np.full((5, 5), nan)
    g4[0, :] = -100.0   # row 0 served by 4G
    g4[1, 0] = -115.0   # below the -110 dBm criterion
    g2 = np.full((5, 5), nan)
    g2[2, :] = -90.0    # row 2 served by 2G only
    after = g4.copy()
    after[3, 3] = -105.0  # a proposal serves cell (3, 3)
    villages = _villages_at([(0, 0), (1, 0), (2, 4), (3, 3), (4, 4)], households=[10.0, 20.0, 30.0, 40.0, 50.0])
    towers = gpd.GeoDataFrame(geometry=[Point(X0 + 50, Y0 - 50)], crs=UTM).to_crs(4326)  # at village V0
    road = gpd.GeoDataFrame(geometry=[LineString([(X0, Y0 - 450), (X0 + 500, Y0 - 450)])], crs=UTM)  # row 4
    gap = gpd.GeoDataFrame({"rank": [1], "gap_id": [17]}, geometry=[box(X0 + 300, Y0 - 400, X0 + 400, Y0 - 300)],
                           crs=UTM)
    units = gpd.GeoDataFrame({"name": ["Xã Tây", "Xã Đông"]},
                             geometry=[box(X0, Y0 - 500, X0 + 250, Y0), box(X0 + 250, Y0 - 500, X0 + 500, Y0)],
                             crs=UTM)
    out = village_status(villages, grid=_grid(np.zeros((5, 5))), technology_levels={"4G": _grid(g4),
                                                                                      "2G": _grid(g2)},
                         criterion_dbm=-110.0, after=_grid(after), towers=towers, roads=road, gaps=gap, units=units,
                         class_criteria={"data": {"4G": -95.0, "2G": -95.0}, "voice": {"4G": -101.0}})
    assert out["served_4G"].tolist() == [True, False, False, False, False]
    assert out["served_2G"].tolist() == [False, False, True, False, False]
    assert out["served_any"].tolist() == [True, False, True, False, False]
    assert out["served_after_plan"].tolist() == [True, False, True, True, False]
    assert out["served_class_data"].tolist() == [False, False, True, False, False]  # -100 < -95 <= -90
    assert out["served_class_voice"].tolist() == [True, False, False, False, False]  # 4G only: -100 >= -101
    assert out["best_level_dbm"].tolist()[:3] == [-100.0, -115.0, -90.0]
    assert out["dist_tower_m"].to_numpy() == pytest.approx(
        [0.0, 100.0, math.hypot(400, 200), math.hypot(300, 300), math.hypot(400, 400)], abs=0.5)
    assert out["dist_road_m"].to_numpy() == pytest.approx([400.0, 300.0, 200.0, 100.0, 0.0], abs=0.5)
    assert out["gap_rank"].isna().tolist() == [True, True, True, False, True]
    assert out.loc[3, "gap_rank"] == 1
    assert out.loc[3, "gap_id"] == 17
    assert out["unit"].tolist() == ["Xã Tây", "Xã Tây", "Xã Đông", "Xã Đông", "Xã Đông"]
    assert out["in_grid"].all()
    per_tech = village_status(villages, grid=_grid(np.zeros((5, 5))), technology_levels={"4G": _grid(g4)},
                              criterion_dbm={"4G": -120.0})
    assert per_tech["served_4G"].tolist() == [True, True, False, False, False]  # -115 meets -120
    with pytest.raises(ConfigError, match="no service criterion for 4G"):
        village_status(villages, grid=_grid(np.zeros((5, 5))), technology_levels={"4G": _grid(g4)},
                       criterion_dbm={"2G": -100.0})


def test_a_village_outside_the_grid_is_not_served():
    far = gpd.GeoDataFrame({"village_id": ["F"], "name": ["xa"]}, geometry=[Point(X0 - 5000, Y0)], crs=UTM)
    out = village_status(far.to_crs(4326), grid=_grid(np.zeros((5, 5))),
                         technology_levels={"4G": _grid(np.full((5, 5), -50.0))}, criterion_dbm=-110.0)
    assert not out["in_grid"].iloc[0]
    assert not out["served_any"].iloc[0]


# ------------------------------------------------------------------ precision and recall
def test_precision_and_recall_on_a_constructed_case():
    # model: no signal for V0..V4; province reports V0, V1, V2 (TP), V5, V6 (FN); V3, V4 FP; V7..V9 TN
    served = [False] * 5 + [True] * 5
    reported = [True, True, True, False, False, True, True, False, False, False]
    status = pd.DataFrame({"village_id": [f"V{k}" for k in range(10)], "name": [f"T{k}" for k in range(10)],
                           "served_any": served, "reported_no_signal": pd.array(reported, dtype="boolean")})
    a = village_agreement(status)
    assert (a.tp, a.fp, a.fn, a.tn, a.unknown) == (3, 2, 2, 3, 0)
    assert a.precision == pytest.approx(3 / 5)
    assert a.recall == pytest.approx(3 / 5)
    assert dict(zip(a.disagreements["village_id"], a.disagreements["finding"], strict=True)) == {
        "V3": "model_only", "V4": "model_only", "V5": "province_only", "V6": "province_only"}
    status.loc[9, "reported_no_signal"] = pd.NA  # not classified by the province: left out of the scores
    b = village_agreement(status)
    assert (b.tn, b.unknown) == (2, 1)
    none = village_agreement(status.assign(reported_no_signal=pd.array([False] * 10, dtype="boolean")))
    assert math.isnan(none.recall)
    assert none.precision == 0.0


def test_reported_list_matched_by_name_and_commune():
    villages = pd.DataFrame({"village_id": ["A", "B", "C"], "name": ["Bản Pù Lâu", "Thôn 2", "Thôn 2"],
                             "commune": ["Xã Trung Lý", "Xã A", "Xã B"]})
    reported = pd.DataFrame({"name": ["ban pu lau", "Thôn 2"], "commune": ["TRUNG LÝ", "Xã B"]})
    marked = mark_reported(villages, reported.assign(commune=["Xã Trung Lý", "Xã B"]))
    assert marked["reported_no_signal"].tolist() == [True, False, True]
    with pytest.raises(ConfigError, match="matches a village"):
        mark_reported(villages, pd.DataFrame({"name": ["Bản Không Có"], "commune": ["Xã Z"]}))


def test_the_provinces_separate_no_signal_list(tmp_path):
    (tmp_path / "villages.csv").write_text(VN_CSV, encoding="utf-8")
    (tmp_path / "lom_song.csv").write_text("Tên thôn;Xã\nBản Na Mèo;Xã Na Mèo\nBản Lạ;Xã Khác\n", encoding="utf-8")
    names = read_village_names(tmp_path / "lom_song.csv")
    assert names.to_dict("list") == {"name": ["Bản Na Mèo", "Bản Lạ"], "commune": ["Xã Na Mèo", "Xã Khác"]}
    marked = mark_reported(read_villages(tmp_path / "villages.csv").villages, names)  # Bản Lạ: logged, not fatal
    assert marked["reported_no_signal"].tolist() == [False, False, True]
    (tmp_path / "empty.csv").write_text("Ghi chú\nx\n", encoding="utf-8")
    with pytest.raises(VillageDataError, match="no village name or id column"):
        read_village_names(tmp_path / "empty.csv")


def test_scenario_inputs_name_villages_units_and_the_no_signal_list(tmp_path):
    from towerplan.study.scenario_file import load_scenario

    for name in ("villages.csv", "units.geojson", "lom_song.csv"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / "s.toml").write_text('[inputs]\ndemo = true\nvillages = "villages.csv"\nadmin_units = "units.geojson"'
                                     '\nno_signal_villages = "lom_song.csv"\n', encoding="utf-8")
    inputs = load_scenario(tmp_path / "s.toml").inputs
    assert (inputs.villages, inputs.admin_units, inputs.no_signal_villages) == (
        tmp_path / "villages.csv", tmp_path / "units.geojson", tmp_path / "lom_song.csv")


def test_class_criteria_follow_the_study_service_criteria():
    from towerplan.coverage.criteria import ServiceSettings
    from towerplan.study.settings import StudySettings
    from towerplan.study.villages_step import class_criteria_for

    outdoor = StudySettings.create(service=ServiceSettings(), technologies=("4G", "2G"))
    crit = class_criteria_for(outdoor.service, outdoor.coverage, ["4G", "2G"])
    assert list(crit) == ["outdoor", "in_car", "indoor"]
    # the study's own class is the study's one threshold, on every technology's (offset) grid
    assert crit["outdoor"]["4G"] == pytest.approx(outdoor.coverage.threshold_dbm)
    assert crit["outdoor"]["2G"] == pytest.approx(outdoor.coverage.threshold_dbm)
    assert crit["in_car"]["4G"] > crit["outdoor"]["4G"]
    assert crit["indoor"]["2G"] > crit["outdoor"]["2G"]
    in_car = StudySettings.create(service=ServiceSettings(service_class="in_car"), technologies=("4G",))
    stricter = class_criteria_for(in_car.service, in_car.coverage, ["4G"])
    assert "outdoor" not in stricter  # looser than the study's class: cells below it are not in the grids
    assert stricter["in_car"]["4G"] == pytest.approx(in_car.coverage.threshold_dbm)
    assert class_criteria_for(None, outdoor.coverage, ["4G"]) == {}
