"""The input warnings the plan records (English) are shown in Vietnamese in the Vietnamese app (issue 19 item 5)."""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import box

from towerplan.plan_checks import check_study, nodata_warning, warning_in


def test_nodata_warning_in_vietnamese() -> None:
    text = nodata_warning(0.2)
    assert text is not None
    assert text.startswith("20% of the study grid")
    vi = warning_in(text, "vi")
    assert vi.startswith("20% ô đất liền")
    assert "raster dân số" in vi
    assert "population" not in vi
    assert warning_in(text, "en") == text


def test_communes_outside_warning_in_vietnamese() -> None:
    communes = gpd.GeoDataFrame({"name": ["a", "b", "c"]},
                                geometry=[box(0, 0, 1, 1), box(50, 50, 51, 51), box(60, 60, 61, 61)], crs="EPSG:32648")
    warnings = check_study(population_total=10.0, communes=communes, grid_bounds=(0.0, 0.0, 2.0, 2.0),
                           grid_crs="EPSG:32648", warnings=[])
    assert warnings == ["2 of 3 communes lie wholly outside the study grid and are left out of the commune table"]
    expected = "2 trên 3 xã nằm hoàn toàn ngoài lưới nghiên cứu và không có trong bảng theo xã"
    assert warning_in(warnings[0], "vi") == expected


def test_unknown_text_passes_through() -> None:
    assert warning_in("something else", "vi") == "something else"
