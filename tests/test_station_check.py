"""One study-area check for ``towerplan validate --dem`` and the app's Data page (issue 21, item 2),
and the validation report in Vietnamese (item 4)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from affine import Affine
from pyproj import Transformer

from towerplan.cli import main
from towerplan.grid import Grid
from towerplan.rasters import write_grid
from towerplan.stations import read_many
from towerplan.study.station_check import study_area_lonlat, within_study_area

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def case(utm_grid: Grid, tmp_path: Path) -> dict:
    """A DEM (40 x 50 cells of 30 m) and a list with one station inside, one 500 m east of it, one far away."""
    dem = tmp_path / "dem.tif"
    write_grid(utm_grid, dem)
    left, bottom, right, top = utm_grid.bounds
    to_lonlat = Transformer.from_crs(32648, 4326, always_xy=True)
    inside = to_lonlat.transform((left + right) / 2, (bottom + top) / 2)
    near = to_lonlat.transform(right + 500.0, (bottom + top) / 2)
    stations = tmp_path / "s.csv"
    stations.write_text(f"site,lon,lat,azimuth\nIN,{inside[0]:.6f},{inside[1]:.6f},0\n"
                        f"NEAR,{near[0]:.6f},{near[1]:.6f},0\nFAR,105.0,20.5,0\n", encoding="utf-8")
    return {"dem": dem, "grid": utm_grid, "stations": stations}


def _errors(frame: pd.DataFrame) -> list[tuple[int, str]]:
    errs = frame[frame["severity"] == "error"]
    return sorted(zip(errs["row"].astype(int), errs["code"], strict=True))


def test_cli_and_app_check_report_the_same_errors(case, tmp_path: Path, capsys) -> None:
    load = within_study_area(read_many([case["stations"]]), case["grid"])  # what the Data page does
    assert _errors(load.report.to_frame()) == [(3, "outside_study_area"), (4, "outside_study_area")]
    assert list(load.stations["site_id"]) == ["IN"]
    assert sorted(load.rejected["site_id"]) == ["FAR", "NEAR"]
    report_csv = tmp_path / "report.csv"
    assert main(["validate", str(case["stations"]), "--dem", str(case["dem"]), "--report-csv", str(report_csv)]) == 1
    cli = pd.read_csv(report_csv, encoding="utf-8-sig")
    cli.columns = [c.split(" / ")[-1].strip().lower() for c in cli.columns]
    assert _errors(cli) == _errors(load.report.to_frame())


def test_a_margin_takes_in_nearby_stations_alike(case, capsys) -> None:
    load = within_study_area(read_many([case["stations"]]), case["grid"], margin_m=1000.0)
    assert sorted(load.stations["site_id"]) == ["IN", "NEAR"]
    assert main(["validate", str(case["stations"]), "--dem", str(case["dem"]), "--margin-m", "1000"]) == 1
    out = capsys.readouterr().out
    assert "valid sectors: 2" in out
    assert out.count("outside_study_area") == 1
    west, south, east, north = study_area_lonlat(case["grid"], margin_m=1000.0)
    w0, s0, e0, n0 = study_area_lonlat(case["grid"])
    assert west < w0 < e0 < east
    assert south < s0 < n0 < north
    with pytest.raises(Exception, match="margin"):
        study_area_lonlat(case["grid"], margin_m=-1.0)


def test_validate_speaks_vietnamese(case, capsys) -> None:
    assert main(["validate", str(case["stations"]), "--dem", str(case["dem"]), "--lang", "vi"]) == 1
    out = capsys.readouterr().out
    for word in ("dòng", "cột", "mức", "nội dung", "lỗi", "Tóm tắt", "cell hợp lệ: 1", "nằm ngoài vùng nghiên cứu"):
        assert word in out, word
    for english in ("severity", "message", "Summary", "valid sectors", "lies outside", "error(s)"):
        assert english not in out, english


def test_the_app_shows_the_report_in_its_language_with_one_type_per_column(case) -> None:
    from app_pages.common import report_for_display

    load = within_study_area(read_many([case["stations"]]), case["grid"])
    for lang, header in (("vi", "nội dung"), ("en", "message")):
        shown = report_for_display(load.report.to_frame(lang=lang), language=lang)
        assert header in shown.columns
        for col in shown.columns:  # Arrow needs one type per column (no pyarrow traceback in the log)
            kinds = {type(v) for v in shown[col] if pd.notna(v)}
            assert len(kinds) <= 1, (col, kinds)
    import pyarrow as pa

    pa.Table.from_pandas(report_for_display(load.report.to_frame(lang="vi"), language="vi").astype(object))


def test_library_errors_shown_in_the_app_are_vietnamese() -> None:
    """Issue 21: the errors a planner meets in the app's runs, in Vietnamese, with their values."""
    from towerplan.errors import ConfigError
    from towerplan.i18n_errors import error_in
    from towerplan.study import select_technologies

    stations = pd.DataFrame({"technology": ["4G", "4G"]})
    with pytest.raises(ConfigError) as info:
        select_technologies(stations, ("5G",))
    assert error_in(info.value, "vi") == "không có cell 5G nào trong 2 cell của danh sách trạm"
    assert error_in(info.value, "en") == str(info.value)
    with pytest.raises(ConfigError) as info:
        study_area_lonlat(Grid(np.zeros((2, 2), dtype=np.float32), Affine(30, 0, 5e5, 0, -30, 2.2e6), 32648, None),
                          margin_m=-5)
    assert error_in(info.value, "vi").startswith("lề vùng nghiên cứu phải")
    assert error_in("something unknown", "vi") == "lỗi kỹ thuật, nguyên văn tiếng Anh: «something unknown»"
