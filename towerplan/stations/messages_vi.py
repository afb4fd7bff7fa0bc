"""Vietnamese messages for the station-list issues (issue #8).

Every :class:`~towerplan.stations.report.Issue` has a stable ``code`` and an
English ``message``. This module holds one Vietnamese template per code,
filled from the issue's structured fields only: ``{row}``, ``{column}``,
``{value}``, ``{file}`` and the numbers and names the code that created the
issue put in :attr:`Issue.params <towerplan.stations.report.Issue.params>`.
Derived fields: ``{field_vi}`` (the Vietnamese name of ``params["field"]``,
e.g. ``"Độ cao anten"``), ``{field_vi_lc}`` (the same, lower-case first letter,
for inside a sentence) and ``{unit}`` (empty when not given).

A code whose English message has several forms has a dict of templates keyed
by ``params["variant"]`` (``""`` is the plain form). Use
:meth:`Issue.message_in("vi") <towerplan.stations.report.Issue.message_in>` or
``ValidationReport.to_frame(lang="vi")`` rather than this module directly.
"""

from __future__ import annotations

import logging
import string
import unicodedata
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from towerplan.stations.report import Issue

__all__ = ["FIELD_NAMES_VI", "MESSAGES_VI", "template_fields", "vietnamese_message"]

logger = logging.getLogger(__name__)

#: Vietnamese names of the station fields (canonical name -> label a planner knows)
FIELD_NAMES_VI: dict[str, str] = {
    "lon": "Kinh độ",
    "lat": "Vĩ độ",
    "site_id": "Mã trạm",
    "cell_id": "Mã cell",
    "operator": "Nhà mạng",
    "technology": "Công nghệ",
    "band": "Băng tần",
    "antenna_height_m": "Độ cao anten",
    "azimuth_deg": "Góc phương vị",
    "tilt_deg": "Góc nghiêng anten (tilt)",
    "mechanical_tilt_deg": "Góc nghiêng cơ khí",
    "antenna_pattern": "Giản đồ anten",
    "freq_mhz": "Tần số",
    "h_beamwidth_deg": "Độ rộng búp sóng ngang",
    "v_beamwidth_deg": "Độ rộng búp sóng đứng",
    "tx_power_dbm": "Công suất máy phát",
    "antenna_gain_dbi": "Độ lợi anten",
    "feeder_loss_db": "Suy hao feeder",
    "eirp_dbm": "Công suất phát (EIRP)",
}

_RANGE: dict[str, str] = {
    "": "{field_vi} {number:g}{unit} nằm ngoài khoảng cho phép (từ {low:g}{unit} đến {high:g}{unit}); "
    "hãy kiểm tra giá trị và đơn vị.",
    "ghz": "{field_vi} {number:g}{unit} nằm ngoài khoảng cho phép (từ {low:g}{unit} đến {high:g}{unit}); "
    "{number:g} có vẻ là GHz: hãy ghi {mhz:g} (MHz) hoặc tên băng tần như B3, n78.",
    "above_6ghz": "{field_vi} {number:g}{unit} nằm ngoài khoảng cho phép (từ {low:g}{unit} đến {high:g}{unit}); "
    "chương trình chỉ mô phỏng các băng tần dưới 6 GHz.",
    "altitude": "{field_vi} {number:g}{unit} nằm ngoài khoảng cho phép (lớn hơn 0 và không quá {high:g}{unit}); "
    "độ cao anten tính bằng mét so với mặt đất (không phải độ cao so với mực nước biển, không phải feet).",
    "antenna_height_m": "{field_vi} {number:g}{unit} nằm ngoài khoảng cho phép (lớn hơn 0 và không quá "
    "{high:g}{unit}); hãy ghi độ cao anten so với mặt đất, tính bằng mét.",
    "azimuth_deg": "{field_vi} {number:g}{unit} nằm ngoài khoảng cho phép (từ {low:g}{unit} đến {high:g}{unit}); "
    "hãy ghi số độ theo chiều kim đồng hồ tính từ hướng Bắc, từ 0 đến 360, hoặc để trống nếu là cell vô hướng (omni).",
    "tilt_deg": "{field_vi} {number:g}{unit} nằm ngoài khoảng thường gặp (từ {low:g}{unit} đến {high:g}{unit}); "
    "góc nghiêng xuống là số dương, thường vài độ (giá trị được giữ nguyên, hãy kiểm tra lại).",
}

_SEE_ROW = "(ô '{column}', dòng {row})"

#: one Vietnamese template per issue code (a dict: one per ``params["variant"]``)
MESSAGES_VI: dict[str, str | dict[str, str]] = {
    # --- reading the file
    "unreadable_file": "Không đọc được tệp {file}. Hãy kiểm tra định dạng tệp (CSV, XLSX, GeoJSON, KML, "
    "GeoPackage) rồi tải lên lại. Chi tiết kỹ thuật: {detail}",
    "encoding_guessed": "Tệp được đọc theo bảng mã Windows-1258 (tiếng Việt); nếu dấu tiếng Việt hiển thị sai, "
    "hãy lưu lại tệp dưới dạng 'CSV UTF-8'.",
    "title_rows_skipped": "Dòng tiêu đề cột nằm ở dòng {header_line}; đã bỏ qua {skipped} dòng tiêu đề phía trên.",
    "sheet_used": {
        "": "Đã đọc trang tính '{sheet}' với dòng tiêu đề cột ở dòng {header_row}.",
        "skipped": "Đã đọc trang tính '{sheet}' với dòng tiêu đề cột ở dòng {header_row} "
        "(bỏ qua {skipped} dòng tiêu đề phía trên).",
    },
    "hidden_sheet_skipped": "Không đọc (các) trang tính ẩn {hidden}; đã đọc trang tính '{sheet}' (trang hiển thị "
    "đầu tiên). Nếu đây không phải danh sách trạm, hãy bỏ ẩn trang đúng hoặc xoá các trang khác.",
    "stray_cells_ignored": "Bỏ qua các ô từ dòng {row} trở đi: có hơn 10.000 dòng trống sau dòng cuối của bảng "
    "({last}); hãy xoá các ô thừa (Ctrl+End sẽ chỉ ra chúng).",
    "columns_limited": "Trang tính khai báo {columns} cột; chỉ đọc {limit} cột đầu tiên.",
    "nul_removed": "Đã xoá ký tự NUL (\\x00) ở dòng {line}; hãy kiểm tra dòng này (tệp bị hỏng hoặc xuất sai).",
    "line_not_utf8": "Dòng {line} không phải UTF-8 như phần còn lại của tệp; đã đọc theo bảng mã Windows-1258 "
    "(tiếng Việt): hãy kiểm tra dấu của dòng này.",
    "duplicate_file": "{file} được liệt kê lần nữa (cùng tệp với {first}); chỉ đọc một lần để các sector không bị "
    "nhân đôi.",
    "ambiguous_decimal": "{value} được đọc là {read}, nhưng tệp này viết số thập phân bằng dấu phẩy nên dấu chấm "
    "có thể là dấu phân cách hàng nghìn ({other}); hãy viết số không có dấu chấm, hoặc dùng dấu phẩy thập phân.",
    "formula_without_value": "Ô '{column}' ở dòng {row} chứa công thức chưa có kết quả được lưu nên được đọc là ô "
    "trống; hãy mở bảng tính bằng Excel rồi lưu lại (Excel sẽ lưu kết quả), hoặc dán dạng giá trị (Paste Values).",
    "duplicate_header": "Tiêu đề cột '{column}' xuất hiện nhiều lần; bản ở cột thứ {position} được giữ với tên "
    "'{renamed}' và không được dùng làm trường dữ liệu trạm. Hãy đổi tên hoặc xoá một trong hai cột.",
    "extra_values": "Dòng {row} có nhiều giá trị hơn số cột tiêu đề; các giá trị thừa được giữ trong các cột "
    "không tên. Hãy kiểm tra dấu phân cách thừa (tên có dấu phẩy phải đặt trong dấu ngoặc kép).",
    "blank_rows": "Đã bỏ qua {count} dòng trống: {shown}.",
    "no_data_rows": "Tệp {source} có dòng tiêu đề cột nhưng không có dòng dữ liệu trạm nào; hãy thêm mỗi cell "
    "một dòng (xem mẫu data/stations_template.csv).",
    # --- GeoJSON / KML / GeoPackage
    "not_a_feature": "Phần tử thứ {row} trong 'features' không phải là một GeoJSON Feature; hãy sửa hoặc xoá phần "
    "tử này.",
    "not_a_point": "Đối tượng thứ {row} là {value}, không phải điểm; hãy nhập mỗi trạm dưới dạng một điểm "
    "(Point) đặt tại vị trí anten.",
    "degrees_in_projected_crs": "Toạ độ ({x}, {y}) của đối tượng thứ {row} trông giống kinh độ/vĩ độ (độ), nhưng "
    "tệp khai báo hệ toạ độ {crs} (đơn vị mét); tệp đang trộn lẫn hai hệ toạ độ: hãy ghi mọi điểm theo hệ toạ "
    "độ đã khai báo, hoặc khai báo WGS 84.",
    "unknown_crs": "Không nhận ra hệ toạ độ (crs) '{crs}'; toạ độ được đọc theo WGS 84. Nếu sai, hãy khai báo "
    "đúng hệ toạ độ (ví dụ EPSG:4326 hoặc VN-2000).",
    "crs_assumed": "Lớp dữ liệu không khai báo hệ toạ độ; toạ độ được đọc là kinh độ/vĩ độ WGS 84.",
    "reprojected": "Toạ độ đã được chuyển từ hệ {crs} sang WGS 84 (EPSG:4326).",
    "layer_used": "Đã đọc lớp '{layer}' (tệp có {count} lớp).",
    # --- columns
    "columns_mapped": "Các cột được nhận diện: {mapped}.",
    "ambiguous_column": "Cột '{column}' cũng giống cột {field_vi}, nhưng cột '{winner}' được dùng; cột "
    "'{column}' được giữ nguyên không xử lý.",
    "unknown_columns": "Các cột được giữ nguyên (không phải trường dữ liệu trạm): {columns}.",
    "no_coordinate_columns": {
        "": "Không tìm thấy cột Kinh độ và/hoặc Vĩ độ trong các tiêu đề {found}; hãy đặt tên cột, ví dụ "
        "{lon_names} hoặc 'Kinh độ' và {lat_names} hoặc 'Vĩ độ' (độ thập phân hoặc độ-phút-giây).",
        "no_header": "Không tìm thấy cột Kinh độ và/hoặc Vĩ độ trong các tiêu đề {found}; dòng đầu tiên trông "
        "giống dữ liệu: hãy thêm một dòng tiêu đề cột phía trên, ví dụ {lon_names} hoặc 'Kinh độ' và "
        "{lat_names} hoặc 'Vĩ độ'.",
    },
    # --- coordinates
    "missing_coordinates": {
        "lon": "Kinh độ đang trống " + _SEE_ROW + "; mỗi trạm cần vị trí theo độ WGS 84.",
        "lat": "Vĩ độ đang trống " + _SEE_ROW + "; mỗi trạm cần vị trí theo độ WGS 84.",
        "both": "Kinh độ và Vĩ độ đều trống ở dòng {row}; mỗi trạm cần vị trí theo độ WGS 84.",
    },
    "unparseable_coordinate": "'{value}' " + _SEE_ROW + " không phải là toạ độ hợp lệ; hãy ghi độ thập phân "
    "như 19.8083 / 105.7533 hoặc độ-phút-giây như 19°48'30\"N / 105°45'12\"E.",
    "latlon_swapped": {
        "": "Vĩ độ và Kinh độ ở dòng {row} có vẻ bị đảo ngược (vĩ độ {lat:g}, kinh độ {lon:g}); chương trình đã "
        "đổi chỗ hai giá trị. Hãy sửa lại dòng này để không còn cảnh báo.",
        "all": "Vĩ độ và Kinh độ có vẻ bị đảo ngược ở mọi dòng: cột '{lat_column}' chứa kinh độ và cột "
        "'{lon_column}' chứa vĩ độ; chương trình đã đổi chỗ hai cột. Hãy đổi tên cột để không còn cảnh báo.",
    },
    "coordinate_out_of_range": {
        "": "{field_vi} {number:g} " + _SEE_ROW + " nằm ngoài khoảng -{limit:g}..{limit:g} độ; hãy kiểm tra "
        "lại toạ độ (độ thập phân WGS 84).",
        "projected": "{field_vi} {number:g} " + _SEE_ROW + " nằm ngoài khoảng -{limit:g}..{limit:g} độ. Giá trị "
        "này trông giống toạ độ phẳng tính bằng mét (UTM hoặc VN-2000): hãy chuyển sang độ WGS 84.",
    },
    "zero_coordinates": "Kinh độ và Vĩ độ ở dòng {row} đều bằng 0, đây là giá trị giữ chỗ chứ không phải vị trí "
    "thật; hãy điền toạ độ thực của trạm.",
    "outside_study_area": "Trạm ở dòng {row} có toạ độ {lon:.5f}, {lat:.5f}, nằm ngoài vùng nghiên cứu "
    "({minx:.3f}..{maxx:.3f} độ Đông, {miny:.3f}..{maxy:.3f} độ Bắc); hãy kiểm tra toạ độ hoặc mở rộng vùng "
    "nghiên cứu (DEM).",
    # --- numbers
    "unparseable_value": "'{value}' " + _SEE_ROW + " không phải là số; hãy ghi {field_vi} dưới dạng số "
    "(đơn vị {unit}, dấu chấm hay dấu phẩy thập phân đều được).",
    "non_finite_value": {
        "number": "'{value}' " + _SEE_ROW + " không phải là số hữu hạn; hãy ghi {field_vi} dưới dạng số "
        "(đơn vị {unit}).",
        "coordinate": "'{value}' " + _SEE_ROW + " không phải là toạ độ hữu hạn; hãy ghi độ thập phân, ví dụ 105.7533.",
        "frequency": "'{value}' " + _SEE_ROW + " không phải là tần số hữu hạn; hãy ghi tần số theo MHz, ví dụ 1842.5.",
    },
    "height_out_of_range": _RANGE,
    "azimuth_out_of_range": _RANGE,
    "tilt_out_of_range": _RANGE,
    "frequency_out_of_range": _RANGE,
    "beamwidth_out_of_range": _RANGE,
    "power_out_of_range": _RANGE,
    "gain_out_of_range": _RANGE,
    "loss_out_of_range": _RANGE,
    "eirp_out_of_range": _RANGE,
    # --- operator, technology, band
    "unknown_operator": {
        "": "'{value}' " + _SEE_ROW + " không phải là nhà mạng đã biết; hãy dùng một trong các nhà mạng: {known}.",
        "suggest": "'{value}' " + _SEE_ROW + " không phải là nhà mạng đã biết; hãy dùng một trong các nhà mạng: "
        "{known}. Có phải ý bạn là '{suggestion}'?",
        "foreign": "Mạng '{value}' " + _SEE_ROW + " có MCC {mcc}, không phải nhà mạng Việt Nam (MCC 452); hãy xoá "
        "các dòng của mạng nước ngoài hoặc mạng khác khỏi danh sách.",
        "mnc": "MNC {mnc} của MCC 452 " + _SEE_ROW + " không thuộc các nhà mạng đã biết: {known}; hãy kiểm tra "
        "lại mã mạng.",
    },
    "missing_operator": {
        "no_column": "Không có cột Nhà mạng: các trạm không thuộc nhà mạng nào; hãy thêm cột Nhà mạng "
        "(operator) hoặc đặt StationDefaults.operator.",
        "empty": "Nhà mạng đang trống " + _SEE_ROW + "; trạm không thuộc nhà mạng nào. Hãy điền tên nhà mạng.",
    },
    "unknown_technology": "'{value}' " + _SEE_ROW + " không phải là công nghệ mà chương trình mô phỏng; hãy "
    "dùng 2G/3G/4G/5G (GSM, UMTS/WCDMA, LTE, NR cũng được chấp nhận).",
    "unknown_band": "'{value}' " + _SEE_ROW + " không phải là tần số (MHz) cũng không phải là băng tần đã biết; "
    "hãy ghi ví dụ 1842.5, B3, n78, GSM900 hoặc UMTS2100 (các băng tần đã biết: {known}).",
    "band_technology_mismatch": "Băng tần {band} ở dòng {row} là băng tần {band_technology} nhưng cột Công nghệ "
    "ghi {technology}; hãy kiểm tra giá trị nào đúng.",
    # --- defaults and derived values
    "default_used": {
        "no_column": "Không có cột {field_vi}: đã dùng giá trị mặc định {default:g}{unit} "
        "(StationDefaults.{field}); hãy thêm cột này để có giá trị thật.",
        "no_column_per_row": "Không có cột {field_vi}: đã dùng giá trị mặc định cho từng dòng; hãy thêm cột này "
        "để có giá trị thật.",
        "empty": "{field_vi} đang trống " + _SEE_ROW + "; đã dùng giá trị mặc định {default:g}{unit}.",
        "no_operator_column": "Không có cột Nhà mạng: mọi dòng được gán nhà mạng {operator}.",
        "empty_operator": "Nhà mạng đang trống " + _SEE_ROW + "; đã dùng {operator}.",
        "no_technology_column": "Không có cột Công nghệ: đã dùng {technology} ở những dòng mà băng tần không cho "
        "biết công nghệ (StationDefaults.technology).",
        "empty_technology": "Công nghệ đang trống " + _SEE_ROW + "; đã dùng {technology}.",
    },
    "sites_expanded": "Không có cột Góc phương vị: danh sách được đọc là danh sách trạm, mỗi dòng trong {n} dòng "
    "được tách thành {sectors} sector ở các hướng {angles} với mã cell <mã trạm>-1..{sectors}; hãy thêm cột "
    "Góc phương vị để có sector thật.",
    "azimuth_unknown": "Dữ liệu {fmt} không có góc phương vị: cả {n} cell được coi là vô hướng (omni: búp sóng "
    "360°, độ lợi anten omni).",
    "eirp_inconsistent": "Công suất phát (EIRP) {eirp:g} dBm ở dòng {row} khác với công suất máy phát + độ lợi "
    "anten - suy hao = {computed:g} dBm; chương trình dùng giá trị ở cột EIRP.",
    "site_ids_derived": "Không có cột Mã trạm: mã cell của mỗi cell được dùng làm mã trạm.",
    "cell_ids_derived": "Không có cột Mã cell: các cell được đặt tên <mã trạm>-1, <mã trạm>-2, ... theo thứ tự "
    "trong tệp.",
    "missing_id": {
        "no_column": "Không có cột Mã trạm hay Mã cell: các trạm được đặt tên row<N> theo số dòng; hãy thêm cột "
        "Mã trạm.",
        "site": "Mã trạm đang trống " + _SEE_ROW + "; trạm được đặt tên '{name}' theo số dòng.",
        "cell": "Mã cell đang trống " + _SEE_ROW + "; cell được đặt tên '{name}' (mã trạm và số thứ tự).",
    },
    # --- duplicates
    "duplicate_cell_id": {
        "": "Mã cell '{value}' ở dòng {row} đã được dùng ở dòng {first_row}; mã cell phải là duy nhất: hãy đổi "
        "tên hoặc xoá một trong hai.",
        "same_operator": "Mã cell '{value}' ở dòng {row} đã được dùng ở dòng {first_row} cho cùng nhà mạng; mã "
        "cell phải là duy nhất: hãy đổi tên hoặc xoá một trong hai.",
        "site": "Trạm '{value}' ở dòng {row} bị lặp lại (xuất hiện lần đầu ở dòng {first_row}); danh sách trạm "
        "chỉ cần một dòng cho mỗi trạm: hãy xoá dòng lặp hoặc đặt mã trạm khác.",
        "other_file": "Mã cell '{value}' (dòng {row} của tệp {file}) của cùng nhà mạng đã có ở dòng {first_row} "
        "của tệp {first_file}; có thể cùng một danh sách được đọc hai lần, hoặc các mã bị trùng: hãy đổi tên "
        "hoặc xoá một mã.",
    },
    "pattern_missing": "Giản đồ anten '{name}' (dòng {rows}) không phải tệp giản đồ trong {folder}; các sector này "
    "dùng giản đồ tham số 3GPP; hãy đặt tệp cạnh danh sách trạm hoặc chỉ ra thư mục giản đồ (pattern_dir).",
    "site_id_elsewhere": "Mã trạm '{value}' được {operator_a} và {operator_b} dùng cho hai vị trí cách nhau "
    "{distance_km:.2f} km: đây là hai cột khác nhau (chỉ các sector cách nhau dưới {merge_m:g} m mới là một cột).",
    "site_two_places": {
        "": "Trạm '{value}' ở dòng {row} có toạ độ {lon:.5f}, {lat:.5f} nhưng ở dòng {first_row} lại có toạ độ "
        "{first_lon:.5f}, {first_lat:.5f}, cách nhau {distance_km:.2f} km; hãy sửa toạ độ hoặc đặt mã trạm "
        "khác nhau.",
        "other_file": "Trạm '{value}' (dòng {row} của tệp {file}) cách {distance_km:.2f} km so với trạm cùng mã "
        "ở dòng {first_row} của tệp {first_file}; hãy sửa toạ độ hoặc mã trạm.",
    },
}


def _template(code: str, variant: str) -> str | None:
    entry = MESSAGES_VI.get(code)
    if entry is None or isinstance(entry, str):
        return entry
    return entry.get(variant)


def template_fields(issue: Issue) -> dict[str, Any]:
    """The values a Vietnamese template may use for ``issue``."""
    params: Mapping[str, Any] = issue.params
    fields: dict[str, Any] = {"unit": "", "file": "", "column": "", "value": "", "row": ""}
    fields.update(params)
    fields.update(
        {key: getattr(issue, key) for key in ("row", "column", "value", "file") if getattr(issue, key) is not None}
    )
    field_name = params.get("field")
    if field_name is not None:
        name = FIELD_NAMES_VI.get(str(field_name), str(field_name))
        fields["field_vi"] = name
        fields["field_vi_lc"] = name[:1].lower() + name[1:]  # inside a sentence
    return fields


def vietnamese_message(issue: Issue) -> str | None:
    """The Vietnamese message of ``issue``, or ``None`` when its code (or variant) has no template.

    A template that cannot be filled (a parameter missing) is logged and also
    gives ``None``, so the caller falls back to the English message.
    """
    variant = str(issue.params.get("variant", ""))
    template = _template(issue.code, variant)
    if template is None:
        return None
    try:
        text = string.Formatter().vformat(template, (), template_fields(issue))
    except (KeyError, IndexError, ValueError) as exc:
        logger.warning("cannot fill the Vietnamese message of %r (variant %r): %s", issue.code, variant, exc)
        return None
    return unicodedata.normalize("NFC", text)
