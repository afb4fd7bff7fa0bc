"""Write the station-list templates ``stations_template.csv`` and ``stations_template.xlsx``.

Run from the repository root::

    python data/make_templates.py            # writes into data/
    python data/make_templates.py OUT_DIR    # writes elsewhere

The output is deterministic (fixed workbook timestamps and ZIP entry dates),
so regenerating it leaves git clean unless the content changed. The example
rows are realistic but invented sites in Thanh Hóa; they validate with no
error and no warning.
"""

from __future__ import annotations

import csv
import io
import re
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # allow "python data/make_templates.py" without installing
    sys.path.insert(0, str(ROOT))

from towerplan.stations.schema import OPERATORS, StationDefaults  # noqa: E402

COLUMNS = (
    "site_id", "cell_id", "operator", "technology", "lon", "lat", "antenna_height_m", "azimuth_deg",
    "tilt_deg", "h_beamwidth_deg", "v_beamwidth_deg", "freq_mhz", "band", "eirp_dbm", "tx_power_dbm",
    "antenna_gain_dbi", "feeder_loss_db",
)  # fmt: skip

# invented example sites: Thanh Hóa city, Sầm Sơn, Mường Lát (mountains), Bỉm Sơn; empty azimuth = omni
_ROWS_TEXT = """\
THA-TP-001,THA-TP-001-1,Viettel,4G,105.77612,19.80754,36,0,4,65,7,1842.5,B3,,43,18,2
THA-TP-001,THA-TP-001-2,Viettel,4G,105.77612,19.80754,36,120,4,65,7,1842.5,B3,,43,18,2
THA-TP-001,THA-TP-001-3,Viettel,4G,105.77612,19.80754,36,240,4,65,7,1842.5,B3,,43,18,2
THA-SS-014,THA-SS-014-1,VNPT-VinaPhone,5G,105.90431,19.73577,30,90,6,65,7,3550,n78,,46,24,0.5
THA-ML-002,THA-ML-002-1,MobiFone,2G,104.61935,20.5312,45,,2,360,10,947.5,GSM900,,43,11,3
THA-BS-007,THA-BS-007-2,Vietnamobile,3G,105.86121,20.08144,40,150,5,65,7,2140,UMTS2100,58,43,17,2
"""


def _typed(text: str) -> object:
    """Numbers as numbers (for the workbook), empty as None, the rest as text."""
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() else number


ROWS: tuple[tuple[object, ...], ...] = tuple(
    tuple(_typed(cell) for cell in line.split(",")) for line in _ROWS_TEXT.splitlines()
)


def column_notes(d: StationDefaults) -> list[tuple[str, str, str, str, str, str]]:
    """(column, meaning, ý nghĩa, unit, allowed values, default) for the explanation sheet."""
    operators = ", ".join(OPERATORS)
    return [
        ("site_id", "Site (tower) identifier; rows with the same id are sectors of one site",
         "Mã trạm; các dòng cùng mã trạm là các sector của cùng một trạm", "", "text",
         "the cell id, else row<N> (warning)"),
        ("cell_id", "Cell (sector) identifier, unique within an operator",
         "Mã cell (sector), không được trùng trong cùng một nhà mạng", "", "text",
         "<site>-1, <site>-2, ... in file order"),
        ("operator", "Mobile network operator", "Nhà mạng", "",
         f"{operators} (also VinaPhone, VNPT, Mobifone, VNMB, Gtel, or a PLMN code such as 452-04)",
         "none: the row belongs to no operator (warning)"),
        ("technology", "Radio access technology", "Công nghệ", "", "2G, 3G, 4G, 5G (GSM, UMTS, LTE, NR)",
         f"from the band, else {d.technology}"),
        ("lon", "Longitude, WGS 84", "Kinh độ (WGS 84)", "degrees / độ",
         "decimal (105.77612, 105,77612) or DMS (105°46'34\"E)", "required / bắt buộc"),
        ("lat", "Latitude, WGS 84", "Vĩ độ (WGS 84)", "degrees / độ",
         "decimal (19.80754) or DMS (19°48'27\"N)", "required / bắt buộc"),
        ("antenna_height_m", "Antenna height above ground", "Độ cao treo anten so với mặt đất", "m",
         "above 0, at most 300", f"{d.antenna_height_m:g}"),
        ("azimuth_deg", "Direction of the main beam, clockwise from north; empty = omni antenna",
         "Góc phương vị hướng phát chính, theo chiều kim đồng hồ từ hướng Bắc; để trống = anten vô hướng",
         "° / độ", "0 to 360",
         f"no column: each row is a site with {d.sectors_per_site} sectors at 0°, 120°, 240°; empty cell: omni"),
        ("tilt_deg", "Electrical downtilt, positive downwards (a single total tilt is read as electrical)",
         "Góc tilt điện, dương là chúc xuống (một góc tilt tổng được hiểu là tilt điện)", "° / độ", "-20 to 30",
         f"{d.tilt_deg:g} ({d.omni_tilt_deg:g} for omni; the pattern file's tilt when a file is named)"),
        ("mechanical_tilt_deg", "Mechanical downtilt of the panel, positive downwards",
         "Góc tilt cơ khí của anten, dương là chúc xuống", "° / độ", "-20 to 30", "0"),
        ("antenna_pattern", "Antenna pattern file (.msi/.pln/.ant/.txt, or a CSV of two cuts) beside the list",
         "Tệp giản đồ anten (.msi/.pln/.ant/.txt hoặc CSV hai mặt cắt) đặt cạnh danh sách trạm", "file / tệp",
         "a file name", "none: the 3GPP parametric pattern"),
        ("h_beamwidth_deg", "Horizontal half-power (-3 dB) beamwidth", "Độ rộng búp sóng ngang (-3 dB)",
         "° / độ", "1 to 360", f"{d.h_beamwidth_deg:g} (360 for omni)"),
        ("v_beamwidth_deg", "Vertical half-power (-3 dB) beamwidth", "Độ rộng búp sóng dọc (-3 dB)",
         "° / độ", "1 to 180", f"{d.v_beamwidth_deg:g}"),
        ("freq_mhz", "Downlink centre frequency", "Tần số trung tâm đường xuống", "MHz",
         "400 to 6000, or a band name",
         f"from the band, else 2G {d.freq_2g_mhz:g}, 3G {d.freq_3g_mhz:g}, 4G {d.freq_4g_mhz:g}, "
         f"5G {d.freq_5g_mhz:g}"),
        ("band", "3GPP band name (3GPP TS 36.101, 38.101-1)", "Băng tần (theo 3GPP)", "",
         "B1, B3, B5, B7, B8, B20, B28, B38, B40, B41, n1, n3, n8, n28, n41, n77, n78, n79, GSM900, "
         "GSM1800, UMTS900, UMTS2100 ...", "optional / không bắt buộc"),
        ("eirp_dbm", "Effective isotropic radiated power of the sector",
         "Công suất bức xạ đẳng hướng tương đương (EIRP) của sector", "dBm", "0 to 100",
         "tx_power_dbm + antenna_gain_dbi - feeder_loss_db"),
        ("tx_power_dbm", "Transmitter output power", "Công suất phát của máy phát", "dBm (or W: '20 W')",
         "0 to 70 dBm", f"{d.tx_power_dbm:g} dBm (20 W)"),
        ("antenna_gain_dbi", "Antenna gain", "Độ lợi (hệ số khuếch đại) anten", "dBi", "-10 to 30",
         f"{d.antenna_gain_dbi:g} ({d.omni_antenna_gain_dbi:g} for omni)"),
        ("feeder_loss_db", "Feeder, jumper and connector loss", "Suy hao feeder, jumper và connector", "dB",
         "0 to 30", f"{d.feeder_loss_db:g}"),
    ]  # fmt: skip


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def template_csv() -> bytes:
    """The CSV template: UTF-8 with BOM (so Excel shows Vietnamese text right), comma-separated."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in ROWS:
        writer.writerow([_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


_FIXED_TIME = "2025-01-01T00:00:00Z"


def _deterministic_zip(data: bytes) -> bytes:
    """Rewrite a ZIP with fixed entry dates and fixed workbook timestamps."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = content.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)", rf"\g<1>{_FIXED_TIME}\3", text
                )
                content = text.encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, content)
    return out.getvalue()


def template_xlsx() -> bytes:
    """The XLSX template: sheet 'stations' with the example rows, sheet 'columns' explaining each column."""
    import datetime as dt

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "stations"
    ws.append(list(COLUMNS))
    for row in ROWS:
        ws.append(list(row))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for letter, width in zip(
        "ABCDEFGHIJKLMNOPQ", (13, 15, 16, 11, 11, 10, 17, 12, 9, 16, 16, 10, 10, 9, 13, 16, 15), strict=True
    ):
        ws.column_dimensions[letter].width = width
    notes = wb.create_sheet("columns")
    notes.append(["column", "meaning", "ý nghĩa", "unit / đơn vị", "allowed values / giá trị", "default / mặc định"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for entry in column_notes(StationDefaults()):
        notes.append(list(entry))
    for letter, width in zip("ABCDEF", (18, 48, 52, 16, 44, 40), strict=True):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    fixed = dt.datetime(2025, 1, 1)
    wb.properties.creator = "towerplan"
    wb.properties.created = fixed
    wb.properties.modified = fixed
    buffer = io.BytesIO()
    wb.save(buffer)
    return _deterministic_zip(buffer.getvalue())


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else Path(__file__).resolve().parent
    out.mkdir(parents=True, exist_ok=True)
    (out / "stations_template.csv").write_bytes(template_csv())
    (out / "stations_template.xlsx").write_bytes(template_xlsx())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
