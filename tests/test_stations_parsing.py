"""Parsing building blocks: DMS coordinates, numbers and units, bands, operators, headers, report."""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from towerplan.errors import ConfigError, InputError
from towerplan.stations import (
    BANDS,
    CANONICAL_COLUMNS,
    REPORT_COLUMNS,
    Issue,
    StationDefaults,
    ValidationReport,
    format_dms,
    parse_coordinate,
    resolve_band,
    resolve_operator,
    resolve_technology,
)
from towerplan.stations.coords import CoordinateError
from towerplan.stations.headers import field_for_header, find_header_row
from towerplan.stations.values import UnitError, parse_number, parse_quantity

DEG_19_48_30 = 19 + 48 / 60 + 30 / 3600
DEG_105_45_12 = 105 + 45 / 60 + 12 / 3600


# ----------------------------------------------------------------------------- coordinates


@pytest.mark.parametrize(
    ("text", "expected", "axis"),
    [
        ("19.8083", 19.8083, None),
        ("19,8083", 19.8083, None),
        ("-19.8083", -19.8083, None),
        ("  105.7533 ", 105.7533, None),
        ("105.7533E", 105.7533, "lon"),
        ("N19.8083", 19.8083, "lat"),
        ("19°48'30\"N", DEG_19_48_30, "lat"),
        ("19 48 30 N", DEG_19_48_30, "lat"),
        ("19 48 30.5 N", 19 + 48 / 60 + 30.5 / 3600, "lat"),
        ("105°45′12″E", DEG_105_45_12, "lon"),
        ("105º45'12''E", DEG_105_45_12, "lon"),
        ("19d48m30s", DEG_19_48_30, None),
        ("19D 48M 30S N", DEG_19_48_30, "lat"),
        ("19:48:30", DEG_19_48_30, None),
        ("19°48.5'N", DEG_19_48_30, "lat"),
        ("19 độ 48 phút 30 giây", DEG_19_48_30, None),
        ("19°48'30\"S", -DEG_19_48_30, "lat"),
        ("105d45m12sW", -DEG_105_45_12, "lon"),
        ("19d48m30sS", -DEG_19_48_30, "lat"),
        ("W 105 45 12", -DEG_105_45_12, "lon"),
        ("-105°45'12\"", -DEG_105_45_12, None),
        ("-105°45'12\"W", -DEG_105_45_12, "lon"),  # sign and W agree: not negated twice
    ],
)
def test_parse_coordinate_accepts_decimal_and_dms(text: str, expected: float, axis: str | None) -> None:
    value, found_axis = parse_coordinate(text)
    assert value == pytest.approx(expected, abs=1e-9)
    assert found_axis == axis


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("abc", "unexpected"),
        ("19°75'N", "minutes"),
        ("19°48'75\"N", "seconds"),
        ("19.5°30'", "only the last"),
        ("N19 48 30 S", "two hemisphere"),
        ("19 48 30 40", "more than three"),
        ("'48", "before any number"),
        ("", "empty"),
    ],
)
def test_parse_coordinate_rejects_nonsense(text: str, reason: str) -> None:
    with pytest.raises(CoordinateError, match=reason):
        parse_coordinate(text)


def test_format_dms() -> None:
    assert format_dms(DEG_19_48_30, axis="lat") == "19°48'30.00\"N"
    assert format_dms(-DEG_105_45_12, axis="lon", seconds_decimals=0) == "105°45'12\"W"
    assert format_dms(0.0, axis="lat") == "0°00'00.00\"N"
    with pytest.raises(ValueError, match="DMS"):
        format_dms(math.inf, axis="lat")


@settings(max_examples=300, deadline=None)
@given(
    value=st.floats(min_value=-180, max_value=180, allow_nan=False),
    axis=st.sampled_from(["lat", "lon"]),
    decimals=st.integers(min_value=0, max_value=4),
)
def test_dms_round_trip(value: float, axis: str, decimals: int) -> None:
    text = format_dms(value, axis=axis, seconds_decimals=decimals)  # type: ignore[arg-type]
    parsed, found_axis = parse_coordinate(text)
    assert found_axis == axis
    # rounding the seconds to `decimals` places moves the value by at most half a unit of the last place
    assert parsed == pytest.approx(value, abs=0.5 * 10**-decimals / 3600 + 1e-12)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_parse_coordinate_never_raises_other_errors(text: str) -> None:
    try:
        value, _ = parse_coordinate(text)
    except CoordinateError:
        return
    assert isinstance(value, float)


# ----------------------------------------------------------------------------- numbers and units


@pytest.mark.parametrize(
    ("text", "decimal_comma", "expected"),
    [
        ("12.5", False, 12.5),
        ("12,5", False, 12.5),
        ("105,123", True, 105.123),
        ("1,800", False, 1800.0),
        ("1,800", True, 1.8),
        ("1.800,5", True, 1800.5),
        ("1 800", False, 1800.0),
        ("1e3", False, 1000.0),
        ("-4", False, -4.0),
        (42, False, 42.0),
    ],
)
def test_parse_number(text: object, decimal_comma: bool, expected: float) -> None:
    assert parse_number(text, decimal_comma=decimal_comma) == pytest.approx(expected)


def test_parse_number_infinities_and_errors() -> None:
    assert parse_number("inf") == math.inf
    assert parse_number("-Infinity") == -math.inf
    for bad in ("forty", "1.2.3", "", True):
        with pytest.raises(ValueError, match="number"):
            parse_number(bad)


@pytest.mark.parametrize(
    ("text", "kind", "header_unit", "expected"),
    [
        ("30 m", "height", "", 30.0),
        ("100 ft", "height", "", 30.48),
        ("3.5 GHz", "freq", "", 3500.0),
        ("3,5", "freq", "ghz", 3500.0),
        ("20 W", "power", "", 43.0103),  # 10*log10(20 W / 1 mW)
        ("20", "power", "w", 43.0103),
        ("13 dBW", "power", "", 43.0),
        ("15 dBd", "gain", "", 17.15),  # dBi = dBd + 2.15
        ("120°", "angle", "", 120.0),
    ],
)
def test_parse_quantity_converts_units(text: str, kind: str, header_unit: str, expected: float) -> None:
    value = parse_quantity(text, kind=kind, decimal_comma=True, header_unit=header_unit)  # type: ignore[arg-type]
    assert value == pytest.approx(expected, abs=1e-3)


def test_parse_quantity_refuses_wrong_units() -> None:
    with pytest.raises(UnitError, match="does not fit"):
        parse_quantity("30 kg", kind="height")
    with pytest.raises(UnitError):
        parse_quantity("-5 W", kind="power")


# ----------------------------------------------------------------------------- bands (3GPP)


# Downlink ranges: 3GPP TS 36.101 Table 5.5-1 (E-UTRA bands), TS 38.101-1 Table 5.2-1 (NR FR1),
# TS 45.005 §2 (GSM 900: 935-960 MHz, DCS 1800: 1805-1880 MHz), TS 25.101 §5.2 (UTRA band I: 2110-2170 MHz).
@pytest.mark.parametrize(
    ("band", "centre_mhz", "technology"),
    [
        ("B1", 2140.0, "4G"),  # 2110-2170
        ("B3", 1842.5, "4G"),  # 1805-1880
        ("B5", 881.5, "4G"),  # 869-894
        ("B7", 2655.0, "4G"),  # 2620-2690
        ("B8", 942.5, "4G"),  # 925-960
        ("B20", 806.0, "4G"),  # 791-821
        ("B28", 780.5, "4G"),  # 758-803
        ("B38", 2595.0, "4G"),  # 2570-2620
        ("B40", 2350.0, "4G"),  # 2300-2400
        ("B41", 2593.0, "4G"),  # 2496-2690
        ("n1", 2140.0, "5G"),
        ("n3", 1842.5, "5G"),
        ("n8", 942.5, "5G"),
        ("n28", 780.5, "5G"),
        ("n41", 2593.0, "5G"),
        ("n77", 3750.0, "5G"),  # 3300-4200
        ("n78", 3550.0, "5G"),  # 3300-3800
        ("n79", 4700.0, "5G"),  # 4400-5000
        ("GSM900", 947.5, "2G"),
        ("GSM1800", 1842.5, "2G"),
        ("UMTS2100", 2140.0, "3G"),
    ],
)
def test_band_table_gives_downlink_centres(band: str, centre_mhz: float, technology: str) -> None:
    assert BANDS[band].centre_mhz == pytest.approx(centre_mhz)
    assert BANDS[band].technology == technology


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("B3", "B3"), ("b3", "B3"), ("Band 3", "B3"), ("B03", "B3"), ("LTE1800", "B3"), ("L2100", "B1"),
        ("LTE 900", "B8"), ("n78", "n78"), ("N78", "n78"), ("NR n78", "n78"), ("GSM 900", "GSM900"),
        ("DCS1800", "GSM1800"), ("U2100", "UMTS2100"), ("WCDMA 900", "UMTS900"),
    ],
)  # fmt: skip
def test_band_aliases(text: str, name: str) -> None:
    band = resolve_band(text)
    assert band is not None
    assert band.name == name


def test_bare_band_number_depends_on_technology() -> None:
    assert resolve_band("3").name == "B3"  # type: ignore[union-attr]
    assert resolve_band("78", technology="5G").name == "n78"  # type: ignore[union-attr]
    assert resolve_band("B99") is None
    assert resolve_band("n258") is None  # FR2: not modelled


# ----------------------------------------------------------------------------- operators, technologies


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Viettel", "Viettel"), ("VIETTEL", "Viettel"), ("Viettel Telecom", "Viettel"),
        ("viettel thanh hóa", "Viettel"),
        ("vinaphone", "VNPT-VinaPhone"), ("VNPT", "VNPT-VinaPhone"), ("VNPT-VinaPhone", "VNPT-VinaPhone"),
        ("Mobifone", "MobiFone"), ("Tổng công ty Viễn thông MobiFone", "MobiFone"),
        ("VNMB", "Vietnamobile"), ("Vietnamobile", "Vietnamobile"), ("Gtel", "Gmobile"), ("GMOBILE", "Gmobile"),
        ("45204", "Viettel"), ("452-01", "MobiFone"), ("452/2", "VNPT-VinaPhone"), ("452 05", "Vietnamobile"),
        ("452-07", "Gmobile"),
    ],
)  # fmt: skip
def test_operator_aliases(text: str, name: str) -> None:
    assert resolve_operator(text) == name


@pytest.mark.parametrize("text", ["Vietel", "S-Fone", "310-260", "452-03", ""])
def test_unknown_operators(text: str) -> None:
    assert resolve_operator(text) is None


@pytest.mark.parametrize(
    ("text", "tech"),
    [
        ("2G", "2G"), ("GSM", "2G"), ("gsm", "2G"), ("3G", "3G"), ("UMTS", "3G"), ("WCDMA", "3G"), ("HSPA+", "3G"),
        ("4G", "4G"), ("LTE", "4G"), ("4G LTE", "4G"), ("LTE-A", "4G"), ("5G", "5G"), ("NR", "5G"), ("5G NR", "5G"),
        ("4", "4G"),
    ],
)  # fmt: skip
def test_technology_aliases(text: str, tech: str) -> None:
    assert resolve_technology(text) == tech


def test_unknown_technology() -> None:
    assert resolve_technology("CDMA") is None
    assert resolve_technology("6G") is None


# ----------------------------------------------------------------------------- headers


@pytest.mark.parametrize(
    ("header", "field", "unit"),
    [
        ("Kinh độ", "lon", ""), ("Kinh do", "lon", ""), ("KINH_ĐỘ", "lon", ""), ("long", "lon", ""),
        ("lng", "lon", ""), ("x", "lon", ""), ("Longitude (WGS84)", "lon", "wgs84"),
        ("Vĩ độ", "lat", ""), ("vi do", "lat", ""), ("Latitude", "lat", ""), ("y", "lat", ""),
        ("Độ cao anten (m)", "antenna_height_m", "m"), ("Độ cao cột", "antenna_height_m", ""),
        ("height", "antenna_height_m", ""), ("antenna_height_m", "antenna_height_m", ""),
        ("Góc phương vị", "azimuth_deg", ""), ("azimuth", "azimuth_deg", ""), ("Hướng", "azimuth_deg", ""),
        ("Góc ngẩng", "tilt_deg", ""), ("Góc tilt", "tilt_deg", ""), ("tilt", "tilt_deg", ""),
        ("Nhà mạng", "operator", ""), ("nha mang", "operator", ""), ("operator", "operator", ""),
        ("Mạng", "operator", ""), ("Mã trạm", "site_id", ""), ("Tên trạm", "site_id", ""), ("site", "site_id", ""),
        ("Mã cell", "cell_id", ""), ("cell", "cell_id", ""), ("Công nghệ", "technology", ""),
        ("tech", "technology", ""), ("RAT", "technology", ""), ("Tần số", "freq_mhz", ""),
        ("frequency (MHz)", "freq_mhz", "mhz"), ("freq_mhz", "freq_mhz", ""), ("Băng tần", "band", ""),
        ("band", "band", ""), ("Công suất phát (W)", "tx_power_dbm", "w"), ("tx power", "tx_power_dbm", ""),
        ("EIRP (dBm)", "eirp_dbm", "dbm"), ("Độ lợi anten", "antenna_gain_dbi", ""), ("gain", "antenna_gain_dbi", ""),
        ("Suy hao feeder", "feeder_loss_db", ""), ("tx_power_W", "tx_power_dbm", "w"),
    ],
)  # fmt: skip
def test_header_aliases(header: str, field: str, unit: str) -> None:
    assert field_for_header(header) == (field, unit)


def test_unknown_header() -> None:
    assert field_for_header("Ghi chú") is None
    assert field_for_header("STT") is None


def test_find_header_row_skips_title_rows() -> None:
    rows = [["DANH SÁCH TRẠM BTS"], [], ["STT", "Mã trạm", "Kinh độ", "Vĩ độ"], [1, "A", 105.7, 19.8]]
    assert find_header_row(rows) == 2
    assert find_header_row([["a", "b"], [1, 2]]) is None


# ----------------------------------------------------------------------------- defaults and report


def test_station_defaults_are_documented_values() -> None:
    d = StationDefaults()
    assert (d.antenna_height_m, d.sectors_per_site, d.h_beamwidth_deg, d.antenna_gain_dbi, d.tilt_deg) == (
        40.0, 3, 65.0, 18.0, 4.0,
    )  # fmt: skip
    assert d.sector_azimuths_deg() == (0.0, 120.0, 240.0)
    assert d.freq_mhz_for("4G") == BANDS["B3"].centre_mhz
    assert d.freq_mhz_for("5G") == BANDS["n78"].centre_mhz
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.tilt_deg = 3.0  # type: ignore[misc]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"antenna_height_m": 0.0}, {"antenna_height_m": math.nan}, {"sectors_per_site": 0},
        {"sectors_per_site": 2.5}, {"technology": "6G"}, {"operator": "Vietel"}, {"freq_4g_mhz": 60000.0},
        {"tilt_deg": 80.0}, {"h_beamwidth_deg": True},
    ],
)  # fmt: skip
def test_station_defaults_validate(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        StationDefaults(**kwargs)  # type: ignore[arg-type]


def test_report_api() -> None:
    issues = (
        Issue(None, None, "info", "columns_mapped", "ok"),
        Issue(3, "lat", "error", "missing_coordinates", "empty", None, "a.csv"),
        Issue(4, "tilt", "warning", "tilt_out_of_range", "45", "45", "a.csv"),
    )
    report = ValidationReport(issues)
    assert (report.n_errors, report.n_warnings, report.n_infos, report.has_errors) == (1, 1, 1, True)
    frame = report.to_frame()
    assert tuple(frame.columns) == REPORT_COLUMNS
    assert frame["row"].tolist()[1:] == [3, 4]
    text = report.format_text()
    assert "missing_coordinates" in text
    assert "columns_mapped" not in report.format_text(min_severity="warning")
    assert "1 more" in report.format_text(max_issues=2)
    assert len(report.filter(severity="error")) == 1
    assert (report + report).n_errors == 2
    assert ValidationReport().format_text() == "no problems found"


def test_issue_validates_itself() -> None:
    with pytest.raises(InputError):
        Issue(1, None, "fatal", "x", "m")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        Issue(1, None, "error", "Not Snake", "m")


def test_canonical_columns() -> None:
    assert CANONICAL_COLUMNS[:4] == ("site_id", "cell_id", "operator", "technology")
    assert {"eirp_dbm", "tx_power_dbm", "antenna_gain_dbi", "feeder_loss_db", "band", "source_row"} <= set(
        CANONICAL_COLUMNS
    )
