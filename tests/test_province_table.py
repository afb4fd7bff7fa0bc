"""The province's planned-positions table (both languages), the village sheets, the admin units label and
a comparison in a written plan package; administrative units from an uploaded boundary file."""

from __future__ import annotations

import dataclasses
import math

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
from export_sample import CRS, X0, Y0, sample_package
from shapely.geometry import Point
from test_compare import plan_a, plan_b

from towerplan.export.compare import compare_plans
from towerplan.export.i18n_report import column_label
from towerplan.export.package import write_plan_package
from towerplan.export.province_table import PROVINCE_COLUMNS, province_plan_table
from towerplan.study.inputs import admin_units_for

VI_HEADERS = ["STT", "Ký hiệu vị trí", "Kinh độ", "Vĩ độ", "Xã", "Địa chỉ", "Loại cột ăng-ten", "Chiều cao cột (m)",
              "Đơn vị đầu tư / chủ sở hữu", "Doanh nghiệp dùng chung", "Năm thực hiện"]
EN_HEADERS = ["No.", "Position code", "Longitude", "Latitude", "Commune", "Address", "Mast type", "Mast height (m)",
              "Owner", "Operators sharing", "Target year"]


def _villages() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({
        "village_id": ["V1", "V2"], "name": ["Bản Co Lúm", "Bản Pá Quăn"], "unit": ["Xã Mường Lát", "Xã Pù Nhi"],
        "households": [45.0, 80.0], "grid_power": pd.array([True, False], dtype="boolean"),
        "reported_no_signal": pd.array([False, True], dtype="boolean"), "served_4G": [True, False],
        "served_any": [True, False], "served_after_plan": [True, True], "best_level_dbm": [-95.0, np.nan],
        "dist_tower_m": [120.0, 2400.0], "dist_road_m": [30.0, 900.0], "gap_rank": [np.nan, 1.0],
    }, geometry=[Point(X0 + 900, Y0 - 900), Point(X0 + 3600, Y0 - 2700)], crs=CRS)


def test_columns_in_both_languages():
    assert [column_label(c, "vi") for c in PROVINCE_COLUMNS] == VI_HEADERS
    assert [column_label(c, "en") for c in PROVINCE_COLUMNS] == EN_HEADERS


def test_positions_per_commune_with_codes_addresses_and_types():
    package = sample_package()
    vi = province_plan_table(package.proposals, units=package.commune_stats, villages=_villages(), target_year=2027)
    en = province_plan_table(package.proposals, units=package.commune_stats, villages=_villages(), target_year=2027,
                             lang="en")
    assert list(vi.columns) == list(PROVINCE_COLUMNS) == list(en.columns)
    assert vi["commune"].tolist() == ["Xã Mường Lát", "Xã Pù Nhi"]  # sorted by commune, then build order
    assert vi["site_code"].tolist() == ["TH001-01", "TH002-01"]
    assert vi["stt"].tolist() == [1, 2]
    assert vi["address"].tolist() == ["gần Bản Co Lúm, Xã Mường Lát", "gần Bản Pá Quăn, Xã Pù Nhi"]
    assert en["address"].tolist() == ["near Bản Co Lúm, Xã Mường Lát", "near Bản Pá Quăn, Xã Pù Nhi"]
    assert vi["mast_type"].str.startswith(("Cột hiện có", "A2b")).all()
    assert en["mast_type"].tolist() == ["Existing mast – antennas added (shared)",
                                        "A2b – bulky ground-based antenna mast (new)"]
    assert vi["mast_height_m"].tolist() == [30.0, 40.0]
    assert en["owner"].tolist() == ["Owner of the existing mast", "Operator or tower company to be assigned (shared)"]
    assert vi["operators_sharing"].tolist() == ["MobiFone", "MobiFone,VNPT-VinaPhone,Viettel"]
    assert vi["target_year"].tolist() == [2027, 2027]
    ll = package.proposals.set_index("candidate_id")
    assert vi.loc[1, "lon"] == pytest.approx(ll.loc["G00001", "lon"])
    phased = package.proposals.assign(target_year=[2026, 2028])  # a phased plan's own years win
    assert province_plan_table(phased, units=package.commune_stats)["target_year"].tolist() == [2028, 2026]
    # an upgrade (5G on an operator's own 4G site) is that operator's existing mast, not a new one
    kinds = package.proposals["kind"].replace({"colocation": "upgrade"})  # the Mường Lát position
    hosted = kinds.map({"upgrade": "Viettel"}).fillna("MobiFone")
    upgraded = package.proposals.assign(kind=kinds, operators_hosted=hosted)
    up = province_plan_table(upgraded, units=package.commune_stats, lang="en").set_index("commune")
    assert up.loc["Xã Mường Lát", "mast_type"] == "Operator's existing mast – radio added (upgrade)"
    assert up.loc["Xã Mường Lát", "owner"] == "Viettel (existing mast)"
    assert up.loc["Xã Pù Nhi", "mast_type"] == "A2b – bulky ground-based antenna mast (new)"
    far = province_plan_table(package.proposals, units=None)
    assert far["commune"].eq("ngoài các đơn vị hành chính đã nạp").all()
    assert province_plan_table(package.proposals.iloc[:0]).empty


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """One sample package with villages, the province table and an admin-units label, written in Vietnamese."""
    package = sample_package()
    summary = {**package.summary, "admin_units": "units_2025.geojson: 2 units, no districts",
               "villages": {"villages": 2, "without_signal": 1,
                            "agreement": {"tp": 1, "fp": 0, "fn": 0, "tn": 1, "precision": 1.0, "recall": 1.0}}}
    comparison = compare_plans(plan_a(), plan_b()).tables()
    package = dataclasses.replace(package, villages=_villages(), summary=summary, comparison=comparison)
    out = tmp_path_factory.mktemp("prov") / "plan"
    write_plan_package(package, out, lang="vi")
    return out


def test_the_plan_package_has_the_sheets_and_report_tables(written):
    book = openpyxl.load_workbook(written / "plan.xlsx", read_only=True)
    about = list(book["Giới thiệu"].iter_rows(values_only=True))
    assert about[1][0].endswith("· Đơn vị hành chính: units_2025.geojson: 2 units, no districts")
    assert {"Thôn bản", "Thôn cần kiểm tra", "Quy hoạch vị trí", "Quy hoạch vị trí (EN)"} <= set(book.sheetnames)
    rows = list(book["Quy hoạch vị trí"].iter_rows(values_only=True))
    assert list(rows[0]) == VI_HEADERS
    assert list(rows[1]) == EN_HEADERS
    assert rows[2][1] == "TH001-01"
    en_rows = list(book["Quy hoạch vị trí (EN)"].iter_rows(values_only=True))
    assert en_rows[2][6] == "Existing mast – antennas added (shared)"
    villages = pd.read_excel(written / "plan.xlsx", sheet_name="Thôn bản", header=1)
    assert villages["Village id"].tolist() == ["V1", "V2"]
    assert villages["Served 4G"].tolist() == ["Có / Yes", "Không / No"]  # yes/no in words, never True/False
    html = (written / "report.html").read_text(encoding="utf-8")
    for expected in ("Bảng quy hoạch vị trí cột ăng-ten", "Thôn, bản chưa có sóng (1 trên 2 thôn bản",
                     "độ chính xác (precision) 1.00", "Đơn vị hành chính: units_2025.geojson: 2 units, no districts",
                     "Bản Pá Quăn"):
        assert expected in html, expected
    assert "So sánh với phương án khác" in html
    assert "Các trạm đề xuất khác nhau" in html
    assert {"So sánh theo xã", "So sánh trạm đề xuất"} <= set(book.sheetnames)
    import pyogrio

    assert "villages" in {name for name, _ in pyogrio.list_layers(written / "plan.gpkg")}


def test_admin_units_replace_the_communes_and_say_which():
    communes = sample_package().commune_stats
    merged = gpd.GeoDataFrame({"name": ["Xã Mường Lát mới"]}, geometry=[communes.union_all()], crs=communes.crs)
    units, label = admin_units_for(communes, merged, "units_2025.gpkg")
    assert units is merged
    assert label == "units_2025.gpkg: 1 units, no districts"
    same, none = admin_units_for(communes, None)
    assert same is communes
    assert none == ""
    _, with_districts = admin_units_for(None, communes, "old.gpkg")
    assert with_districts == "old.gpkg: 2 units with districts"
    assert not math.isnan(units.area.iloc[0])
