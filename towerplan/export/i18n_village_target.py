"""Vietnamese and English labels of the village target (every village of more than N households served).

The strings and column labels are merged into :mod:`towerplan.export.i18n_report`'s tables; the statuses
and reasons stay here (:data:`LABELS`, not among the report's generic cell values: "left" is a common word). The app
shows the same labels (:mod:`app_pages.village_target`), so the report and the app name the same things
alike. The statuses and reasons are those of :mod:`towerplan.villages.target`.
"""

from __future__ import annotations

__all__ = ["COLUMNS", "LABELS", "STRINGS"]

_INT = "#,##0"

STRINGS: dict[str, dict[str, str]] = {
    "vi": {
        "section_village_target": "Mục tiêu thôn bản: mọi thôn trên {min_households} hộ có sóng",
        "village_target_reached": ("Đạt mục tiêu: cả {required} thôn trên {min_households} hộ đều có sóng sau "
                                   "quy hoạch ({before} thôn đã có sóng từ trước, {reached} thôn do các trạm đề xuất "
                                   "phủ tới)."),
        "village_target_left": ("Chưa đạt mục tiêu: {after} trên {required} thôn trên {min_households} hộ có sóng "
                                "sau quy hoạch ({before} thôn đã có sóng từ trước); còn {left} thôn chưa có sóng: "
                                "{out_of_reach} thôn ngoài tầm mọi vị trí ứng viên, {no_people} thôn nằm ở ô không "
                                "có dân trong lớp dân số, {not_chosen} thôn có ứng viên phủ tới nhưng phương án "
                                "không chọn."),
        "village_target_note": ("Số dân trong ô là số người của một ô lưới chứa điểm thôn (không phải dân số cả "
                                "thôn). Trạm phủ tới là đề xuất đầu tiên theo thứ tự xây dựng có vùng phủ chứa "
                                "ô của thôn."),
        "table_village_target": "Các thôn trên {min_households} hộ: trạng thái sau quy hoạch",
        "table_village_target_cut": (" ({shown} thôn đầu trên {n}: các thôn chưa có sóng trước, đủ danh sách trong "
                                     "summary.json)"),
    },
    "en": {
        "section_village_target": "Village target: every village of more than {min_households} households served",
        "village_target_reached": ("Target reached: all {required} villages of more than {min_households} "
                                   "households are served after the plan ({before} served before, {reached} reached "
                                   "by the proposed sites)."),
        "village_target_left": ("Target not reached: {after} of the {required} villages of more than "
                                "{min_households} households are served after the plan ({before} served before). "
                                "Left without service: {left} ({out_of_reach} out of reach of every candidate, "
                                "{no_people} on a cell with no people in the population layer, {not_chosen} "
                                "covered by a candidate the plan does not choose)."),
        "village_target_note": ("People in cell: the people of the one grid cell holding the village point (not the "
                                "village's population). Reaching proposal: the first proposal in build order whose "
                                "footprint covers the village's cell."),
        "table_village_target": "Villages of more than {min_households} households: status after the plan",
        "table_village_target_cut": " (the first {shown} of {n}: those left first; the full list is in summary.json)",
    },
}

# column -> (Vietnamese, English, Excel number format)
COLUMNS: dict[str, tuple[str, str, str]] = {
    "people_in_cell": ("Số dân trong ô", "People in cell", _INT),
    "target_status": ("Trạng thái", "Status", ""),
    "target_reason": ("Lý do chưa có sóng", "Why left", ""),
    "reaching_proposal": ("Trạm đề xuất phủ tới", "Reaching proposal", ""),
}

# the statuses and reasons of towerplan.villages.target (STATUSES, REASONS) -> (Vietnamese, English)
LABELS: dict[str, tuple[str, str]] = {
    "served before": ("Đã có sóng từ trước", "Served before"),
    "reached by the plan": ("Có sóng nhờ quy hoạch", "Reached by the plan"),
    "left": ("Chưa có sóng", "Left without service"),
    "out of reach": ("Ngoài tầm mọi vị trí ứng viên", "Out of reach of every candidate"),
    "no people in its cell": ("Ô của thôn không có dân trong lớp dân số", "No people in its cell"),
    "not chosen": ("Có ứng viên phủ tới nhưng không được chọn", "Covered by a candidate not chosen"),
}
