"""Vietnamese station-validation messages (issue #8): every issue code has one, and it reads right.

The codes are gathered twice: by reading every malformed file of
``tests/test_stations_malformed.py`` and every station case of
``tests/data/bad/cases.toml`` (plus a few extra files for the rarer message
forms), and by a static scan of the package source.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import logging
import re
import string
import sys
import tomllib
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from towerplan.errors import TowerplanError
from towerplan.stations import read_many, read_stations
from towerplan.stations.fields import RANGE_CODES
from towerplan.stations.messages_vi import MESSAGES_VI, vietnamese_message
from towerplan.stations.report import Issue, ValidationReport, severity_label
from towerplan.stations.schema import StationDefaults

HERE = Path(__file__).parent
SOURCE = HERE.parent / "towerplan" / "stations"
BAD = HERE / "data" / "bad"
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")

HEADER = "site_id,cell_id,operator,technology,lon,lat,antenna_height_m,azimuth_deg,tilt_deg,freq_mhz"


def _valid(k: int) -> str:
    return f"V{k},V{k}-1,Viettel,4G,{105.70 + 0.01 * k:.2f},{19.80 + 0.01 * k:.2f},30,0,4,1842.5"


def _csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def _malformed_cases() -> list[Any]:
    spec = importlib.util.spec_from_file_location("_malformed_cases", HERE / "test_stations_malformed.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("_malformed_cases", module)
    spec.loader.exec_module(module)
    return list(module.CASES)


#: extra files for message forms the other corpora do not reach
EXTRA: list[tuple[str, bytes, dict[str, Any]]] = [
    ("foreign_mcc.csv", _csv(_valid(1), "B,B-1,452-04x,4G,105.75,19.75,30,0,4,1842.5"), {}),
    ("foreign_plmn.csv", _csv(_valid(1), "B,B-1,310-260,4G,105.75,19.75,30,0,4,1842.5"), {}),
    ("unknown_mnc.csv", _csv(_valid(1), "B,B-1,452-09,4G,105.75,19.75,30,0,4,1842.5"), {}),
    ("typo_operator.csv", _csv(_valid(1), "B,B-1,Vietel,4G,105.75,19.75,30,0,4,1842.5"), {}),
    ("ghz.csv", _csv(_valid(1), "B,B-1,Viettel,4G,105.75,19.75,30,0,4,3.5"), {}),
    ("above_6ghz.csv", _csv(_valid(1), "B,B-1,Viettel,4G,105.75,19.75,30,0,4,28000"), {}),
    ("tilt.csv", _csv(_valid(1), "B,B-1,Viettel,4G,105.75,19.75,30,0,-60,1842.5"), {}),
    ("clash.csv", _csv(_valid(1), "B,B-1,Viettel,4G,105.75,19.75,30,0,4,1842.5",
                       "B,B-2,MobiFone,4G,105.85,19.85,30,0,4,1842.5"), {}),
    ("pattern.csv", _csv(_valid(1) + ",", "B,B-1,Viettel,4G,105.75,19.75,30,0,4,1842.5,nowhere.msi",
                         header=HEADER + ",antenna_pattern"), {}),
    ("azimuth.csv", _csv(_valid(1), "B,B-1,Viettel,4G,105.75,19.75,30,400,4,1842.5"), {}),
    ("band.csv", _csv(_valid(1), "B,B-1,Viettel,4G,105.75,19.75,30,0,4,B99", header=HEADER), {}),
    ("empty_op.csv", _csv(_valid(1), "B,B-1,,4G,105.75,19.75,30,0,4,1842.5"), {}),
    ("no_op.csv", _csv("B,B-1,4G,105.75,19.75,30,0,4,1842.5", header=HEADER.replace("operator,", "")), {}),
    ("empty_tech.csv", _csv(_valid(1), "B,B-1,Viettel,,105.75,19.75,30,0,4,"), {}),
    ("empty_ids.csv", _csv(_valid(1), ",,Viettel,4G,105.75,19.75,30,0,4,1842.5"), {}),
    ("no_ids.csv", _csv("Viettel,4G,105.75,19.75,30,0,4,1842.5", header=HEADER.split(",", 2)[2]), {}),
    ("empty_op_default.csv", _csv(_valid(1), "B,B-1,,4G,105.75,19.75,30,0,4,1842.5"), {"operator": "Viettel"}),
    (
        "no_op_default.csv",
        _csv("B,B-1,4G,105.75,19.75,30,0,4,1842.5", header=HEADER.replace("operator,", "")),
        {"operator": "Viettel"},
    ),
    ("blank_row.csv", _csv(_valid(1), ",,,,,,,,,", _valid(2)), {}),
    ("dup_no_operator.csv", _csv("A,X-1,,4G,105.75,19.75,30,0,4,1842.5", "B,X-1,,4G,105.85,19.85,30,0,4,1842.5"), {}),
    (
        "all_swapped.csv",
        _csv("A,A-1,Viettel,4G,19.75,105.75,30,0,4,1842.5", "B,B-1,Viettel,4G,19.85,105.85,30,0,4,1842.5"),
        {},
    ),
    ("no_header.csv", _csv(_valid(2), header=_valid(1)), {}),
    ("inf_freq.csv", _csv(_valid(1), "B,B-1,Viettel,4G,105.75,19.75,30,0,4,1e999"), {}),
    ("title.csv", _csv(_valid(1), header="Danh sách trạm BTS Thanh Hóa\n" + HEADER), {}),
    ("cells_only.csv", _csv("B-1,Viettel,4G,105.75,19.75,30,0,4,1842.5", header=HEADER.split(",", 1)[1]), {}),
    ("mismatch.csv", _csv(_valid(1), "B,B-1,Viettel,2G,105.75,19.75,30,0,4,n78"), {}),
    (
        "eirp.csv",
        _csv(
            "B,B-1,Viettel,4G,105.75,19.75,30,0,4,1842.5,43,18,2,50",
            header=HEADER + ",tx_power_dbm,antenna_gain_dbi,feeder_loss_db,eirp_dbm",
        ),
        {},
    ),
]


def _station_cases() -> list[dict[str, Any]]:
    cases = tomllib.loads((BAD / "cases.toml").read_text(encoding="utf-8"))["case"]
    return [c for c in cases if c["kind"] == "stations" and not c.get("generated")]


@pytest.fixture(scope="module")
def issues(tmp_path_factory: pytest.TempPathFactory) -> list[Issue]:
    """Every issue of every malformed station file we have."""
    root = tmp_path_factory.mktemp("vi")
    found: list[Issue] = []
    for k, case in enumerate(_malformed_cases()):
        path = root / f"m{k}" / case.filename
        path.parent.mkdir()
        path.write_bytes(case.content)
        found.extend(read_stations(path, **case.kwargs).report.issues)
    for case in _station_cases():
        try:
            found.extend(read_stations(BAD / "files" / case["file"]).report.issues)
        except TowerplanError:
            continue  # unreadable files raise: no report
    for name, content, defaults in EXTRA:
        path = root / name
        path.write_bytes(content)
        found.extend(read_stations(path, defaults=StationDefaults(**defaults)).report.issues)
    geojson = root / "features.geojson"
    geojson.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [105.75, 19.75]},
                        "properties": {"site_id": "G", "operator": "Viettel", "azimuth": 0},
                    },
                    42,
                ],
            }
        ),
        encoding="utf-8",
    )
    found.extend(read_stations(geojson).report.issues)
    workbook = Workbook()
    for values in [HEADER.split(","), _valid(1).split(",")]:
        workbook.active.append(values)
    workbook.create_sheet("Ghi chú")
    xlsx = root / "tram.xlsx"
    workbook.save(xlsx)
    found.extend(read_stations(xlsx).report.issues)
    # a hidden first sheet, a stray cell far below and to the right (issue 19)
    hidden = Workbook()
    hidden.active.title = "cu"
    hidden.active.sheet_state = "hidden"
    shown = hidden.create_sheet("moi")
    for values in [HEADER.split(","), _valid(1).split(",")]:
        shown.append(values)
    shown["ZZ20000"] = "x"
    hidden.save(root / "an.xlsx")
    found.extend(read_stations(root / "an.xlsx").report.issues)
    # a NUL byte in one row, a line in Windows-1258 among UTF-8 lines
    mixed = root / "mixed.csv"
    mixed.write_bytes(_csv(_valid(1), _valid(2)).replace(b"Viettel", b"Viettel H\xc3\xb3a", 1)
                      + "V7,V7-1,Viettel Hóa,4G,105.59,19.87,30,0,4,1842.5\n".encode("cp1258")
                      + b"V8,V8-1,Viettel,4G,105.59,19.87,30,0,4,1842.5\x00\n")
    found.extend(read_stations(mixed).report.issues)
    # a decimal-comma file with a number that may hold a thousands dot
    semicolons = root / "semicolons.csv"
    semicolons.write_bytes(_csv("V1;V1-1;Viettel;4G;105,71;19,81;30;1.040;4;1842,5").replace(b",", b";", 9))
    found.extend(read_stations(semicolons).report.issues)
    # the same cell list twice: cross-file duplicates; an unreadable file among several
    first, second = root / "one.csv", root / "two.csv"
    first.write_bytes(_csv(_valid(1), _valid(2)))
    second.write_bytes(_csv(_valid(1), "V2,V2-9,Viettel,4G,106.00,20.10,30,0,4,1842.5"))
    empty = root / "empty.csv"
    empty.write_bytes(b"")
    found.extend(read_many([first, second, empty, first], on_unreadable="report").report.issues)
    return found


def _source_codes() -> set[str]:
    """Codes written as literals where issues are made (Issue, sink.row, sink.file, _Cell problems)."""
    codes: set[str] = set(RANGE_CODES.values())

    def constants(node: ast.AST) -> list[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.IfExp):
            return constants(node.body) + constants(node.orelse)
        return []

    for path in sorted(SOURCE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "code" for t in node.targets):
                codes.update(constants(node.value))
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            position = {"Issue": 3, "row": 3, "file": 2}.get(name)
            if position is not None and len(node.args) > position:
                codes.update(c for c in constants(node.args[position]) if _CODE.match(c))
            if name == "_Cell":
                for kw in node.keywords:
                    if kw.arg == "problem" and isinstance(kw.value, ast.Tuple):
                        codes.update(constants(kw.value.elts[0]))
        for node in ast.walk(tree):  # problem codes returned by the number parser
            if isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple) and len(node.value.elts) == 2:
                first, second = node.value.elts
                if isinstance(first, ast.Constant) and first.value is None:
                    codes.update(c for c in constants(second) if _CODE.match(c) and c.endswith("_value"))
    return codes


def test_static_scan_finds_the_codes() -> None:
    codes = _source_codes()
    for expected in ("missing_coordinates", "unknown_operator", "unknown_band", "unparseable_value", "blank_rows"):
        assert expected in codes
    assert len(codes) >= 40


def test_every_code_has_a_vietnamese_template(issues: list[Issue]) -> None:
    emitted = {i.code for i in issues}
    static = _source_codes()
    assert emitted <= static, f"codes emitted but not found by the scan: {emitted - static}"
    missing = sorted((emitted | static) - set(MESSAGES_VI))
    assert not missing, f"no Vietnamese message for {missing}"
    assert set(MESSAGES_VI) <= emitted | static, "templates for codes the package never emits"


def test_every_issue_gets_a_complete_vietnamese_message(issues: list[Issue], caplog: pytest.LogCaptureFixture) -> None:
    assert len({i.code for i in issues}) >= 45
    with caplog.at_level(logging.WARNING):
        for issue in issues:
            text = vietnamese_message(issue)
            assert text is not None, f"{issue.code} (variant {issue.params.get('variant', '')!r}) not translated"
            assert text == issue.message_in("vi")
            assert "None" not in text, (issue, text)
            assert unicodedata.is_normalized("NFC", text)
            template = re.sub(r"'[^']*'", "", text)  # user values may hold anything
            assert not re.search(r"\{[a-z_]+(:[^}]*)?\}", template), text
    assert not caplog.records


def test_every_message_form_is_exercised(issues: list[Issue]) -> None:
    seen = {
        (i.code, "" if isinstance(MESSAGES_VI.get(i.code), str) else str(i.params.get("variant", ""))) for i in issues
    }
    forms = {
        (code, variant)
        for code, entry in MESSAGES_VI.items()
        for variant in ([""] if isinstance(entry, str) else entry)
    }
    # forms that need inputs the test corpus does not build (GeoPackage layers, an unknown CRS name...)
    rare = {
        (code, variant)
        for code, variant in forms
        if code in {"layer_used", "unknown_crs", "crs_assumed", "degrees_in_projected_crs"}
        or code.endswith("_out_of_range")
    }
    missing = sorted((forms - rare) - seen)
    assert not missing, str(missing)


def test_templates_are_nfc_and_use_known_fields() -> None:
    for code, entry in MESSAGES_VI.items():
        for template in [entry] if isinstance(entry, str) else entry.values():
            assert unicodedata.is_normalized("NFC", template), code
            for _, name, _, _ in string.Formatter().parse(template):
                assert name is None or re.fullmatch(r"[a-z_]+", name), (code, name)


def _load(tmp_path: Path, content: bytes, **kwargs: Any) -> ValidationReport:
    path = tmp_path / "tram.csv"
    path.write_bytes(content)
    return read_stations(path, **kwargs).report


def test_latitude_out_of_range_in_vietnamese(tmp_path: Path) -> None:
    report = _load(tmp_path, _csv(_valid(1), "B,B-1,Viettel,4G,105.7,95.5,30,0,4,1842.5"))
    issue = report.filter(code="coordinate_out_of_range").issues[0]
    assert issue.message_in("vi") == (
        "Vĩ độ 95.5 (ô 'lat', dòng 3) nằm ngoài khoảng -90..90 độ; hãy kiểm tra lại toạ độ (độ thập phân WGS 84)."
    )


def test_unknown_band_in_vietnamese(tmp_path: Path) -> None:
    report = _load(
        tmp_path,
        _csv("B,B-1,Viettel,4G,105.75,19.75,30,0,4,X7", header=HEADER.replace("freq_mhz", "Băng tần")),
    )
    text = report.filter(code="unknown_band").issues[0].message_in("vi")
    assert text.startswith("'X7' (ô 'Băng tần', dòng 2) không phải là tần số (MHz) cũng không phải là băng tần đã biết")
    assert "B3" in text
    assert "n78" in text


def test_missing_operator_in_vietnamese(tmp_path: Path) -> None:
    report = _load(tmp_path, _csv(_valid(1), "B,B-1,,4G,105.75,19.75,30,0,4,1842.5"))
    issue = report.filter(code="missing_operator").issues[0]
    assert issue.message_in("vi") == (
        "Nhà mạng đang trống (ô 'operator', dòng 3); trạm không thuộc nhà mạng nào. Hãy điền tên nhà mạng."
    )
    assert issue.message_in("en") == issue.message == "operator is empty; the station belongs to no operator"


def test_height_default_names_the_number(tmp_path: Path) -> None:
    report = _load(tmp_path, _csv(_valid(1), "B,B-1,Viettel,4G,105.75,19.75,,0,4,1842.5"))
    issue = next(i for i in report.filter(code="default_used").issues if i.row == 3)
    assert issue.message_in("vi").startswith(
        "Độ cao anten đang trống (ô 'antenna_height_m', dòng 3); đã dùng giá trị mặc định "
    )
    assert issue.message.split("default ")[1].split(" was")[0] in issue.message_in("vi")


def test_to_frame_in_vietnamese_keeps_the_stable_columns(tmp_path: Path) -> None:
    report = _load(tmp_path, _csv(_valid(1), "B,B-1,Viettel,4G,105.7,95.5,30,0,4,1842.5"))
    english, vietnamese = report.to_frame(), report.to_frame(lang="vi")
    assert list(english.columns) == list(vietnamese.columns)
    assert vietnamese.drop(columns="message").equals(english.drop(columns="message"))
    assert set(vietnamese["severity"]) <= {"error", "warning", "info"}
    assert vietnamese["message"].str.contains("Vĩ độ").any()
    assert severity_label("error", "vi") == "lỗi"
    assert severity_label("warning", "vi") == "cảnh báo"
    assert severity_label("error") == "error"


def test_unknown_code_falls_back_to_english(caplog: pytest.LogCaptureFixture) -> None:
    issue = Issue(4, "x", "warning", "brand_new_code", "something new")
    with caplog.at_level(logging.WARNING):
        assert issue.message_in("vi") == "something new"
    assert "brand_new_code" in caplog.text


def test_params_do_not_change_equality() -> None:
    a = Issue(3, "lat", "error", "coordinate_out_of_range", "m", "95", params={"limit": 90.0})
    b = Issue(3, "lat", "error", "coordinate_out_of_range", "m", "95")
    assert a == b
    assert hash(a) == hash(b)
    assert a.with_file("f.csv").params == {"limit": 90.0}
