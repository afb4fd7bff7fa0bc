"""Exports never hold a live formula, and text shown in messages shows its control characters (issue 19)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from towerplan.textsafe import formula_safe, formula_safe_frame, visible

ATTACKS = ["=HYPERLINK(\"http://x\",\"y\")", "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("text", ATTACKS)
def test_formula_text_is_escaped(text: str) -> None:
    assert formula_safe(text) == "'" + text


def test_numbers_and_plain_text_stay_as_they_are() -> None:
    assert formula_safe(-5) == -5
    assert formula_safe(-2.5) == -2.5
    assert formula_safe("Xã Đông Sơn") == "Xã Đông Sơn"
    frame = formula_safe_frame(pd.DataFrame({"id": ["=1+1", "ok"], "x_m": [-1.0, 2.0], "n": [-3, 4]}))
    assert frame["id"].tolist() == ["'=1+1", "ok"]
    assert frame["x_m"].tolist() == [-1.0, 2.0]
    assert frame["n"].dtype.kind == "i"


def test_csv_and_xlsx_exports_hold_no_formula(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from towerplan.export.tables import write_csv, write_xlsx

    frame = pd.DataFrame({"site_id": ATTACKS, "rsrp_dbm": [-90.5] * len(ATTACKS)})
    path = write_csv(frame, tmp_path / "t.csv", bilingual=False)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
    assert [r[0] for r in rows[1:]] == ["'" + a.replace("\r", "\n") for a in ATTACKS]
    assert {r[1] for r in rows[1:]} == {"-90.5"}
    xlsx = write_xlsx({"gaps": frame}, tmp_path / "t.xlsx", title="=cmd|' /C calc'!A0", study_label="@x")
    wb = load_workbook(xlsx)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), cell.value
    numbers = [c.value for c in wb.worksheets[1]["B"][2:]]
    assert numbers == [-90.5] * len(ATTACKS)


def test_station_list_written_and_read_back_keeps_its_ids(tmp_path: Path) -> None:
    from towerplan.stations import read_stations, write_stations_csv

    src = tmp_path / "in.csv"
    src.write_text("site_id,lon,lat,operator,technology\n\"\t=HYPERLINK(\"\"http://x\"\")\",105.7,19.8,viettel,LTE\n"
                   "@evil,105.8,19.9,vnpt,LTE\n", encoding="utf-8")
    load = read_stations(src)
    assert set(load.stations["site_id"]) == {"=HYPERLINK(\"http://x\")", "@evil"}
    out = tmp_path / "out.csv"
    write_stations_csv(load.stations, out)
    text = out.read_text(encoding="utf-8")
    assert "\n'=HYPERLINK" in text or ",'=HYPERLINK" in text or "\"'=HYPERLINK" in text
    assert "\n'@evil" in text or ",'@evil" in text
    back = read_stations(out)
    assert sorted(back.stations["site_id"]) == sorted(load.stations["site_id"])


def test_html_report_escapes_markup_and_formulas() -> None:
    from towerplan.export.report_html import render_html
    from towerplan.export.report_model import Block, Report

    evil = "<script>alert(1)</script>=cmd|' /C calc'!A0"
    report = Report(title=evil, study_label=evil, subtitle="s", lang="en", headline=Block("h2", evil),
                    blocks=[Block("table", evil, columns=[evil], rows=[[evil]], numeric=[False]), Block("p", evil)])
    page = render_html(report)
    assert "<script>" not in page
    assert page.count("&lt;script&gt;") >= 5


def test_control_and_bidi_characters_are_shown_as_codes() -> None:
    assert visible("a\x1b[31mred") == "a\\x1b[31mred"
    assert visible("abc\u202edef.csv") == "abc\\u202edef.csv"
    assert visible("x\x00y") == "x\\x00y"
    assert visible("Thanh Hóa") == "Thanh Hóa"
    assert len(visible("x" * 1000)) == 200
