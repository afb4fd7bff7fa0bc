"""Vietnamese and English labels of the provincial-plan options: switch-offs, targets, phasing, upgrades.

Merged into :mod:`towerplan.export.i18n_report`'s tables (strings and column labels), kept
apart so the report's own tables stay easy to merge.
"""

from __future__ import annotations

__all__ = ["COLUMNS", "STRINGS", "VALUES"]

_INT = "#,##0"

STRINGS: dict[str, dict[str, str]] = {
    "vi": {
        "sheet_switch_off": "Tắt sóng 2G-3G",
        "sheet_switch_off_sites": "Trạm cần lắp 4G",
        "sheet_phasing_years": "Phân kỳ theo năm",
        "sheet_target": "Mục tiêu phủ sóng",
        "section_switch_off": "Tắt sóng công nghệ cũ: {techs}",
        "switch_off_text": ("Sau khi tắt {techs}: {lost} người mất toàn bộ dịch vụ của mọi nhà mạng "
                            "(trước {before}, sau {after}, thêm mới {gained}); {sites} trạm cần hành động, "
                            "trong đó {radios} trạm chưa có 4G."),
        "table_switch_off": "Người mất toàn bộ dịch vụ theo xã và nhà mạng (chỉ các dòng có người bị mất)",
        "table_switch_off_sites": "Trạm có lớp bị tắt đang phục vụ người sẽ mất sóng",
        "section_target": "Chi phí thấp nhất để đạt mục tiêu",
        "target_reached": ("Mục tiêu đạt được: phủ {share} dân số, chi phí {cost} triệu đồng "
                           "(cận dưới đã chứng minh {bound} triệu đồng)."),
        "target_unreached": ("Không thể đạt mục tiêu với các vị trí ứng viên đã cho: tối đa {max_share} dân số; "
                             "{people} người ở {cells} ô không ứng viên nào phủ tới. Phương án rẻ nhất đạt mức tối đa "
                             "này tốn {cost} triệu đồng."),
        "section_phasing": "Phân kỳ đầu tư theo năm",
        "phasing_text": ("Quy tắc: {rule}; tiền chưa dùng {carry}. Mỗi năm chi không quá ngân sách năm "
                         "(cộng phần chuyển sang). {unfunded} đề xuất chưa có kinh phí."),
        "carry_yes": "được chuyển sang năm sau",
        "carry_no": "không chuyển sang năm sau",
        "rule_cost_per_person": "chi phí trên mỗi người thấp nhất trước",
        "rule_priority": "theo điểm ưu tiên",
        "table_phasing": "Vùng phủ theo từng năm",
    },
    "en": {
        "sheet_switch_off": "2G-3G switch-off",
        "sheet_switch_off_sites": "Sites needing 4G",
        "sheet_phasing_years": "Phasing by year",
        "sheet_target": "Coverage target",
        "section_switch_off": "Switching off older networks: {techs}",
        "switch_off_text": ("After switching off {techs}: {lost} people lose every service of every operator "
                            "(before {before}, after {after}, gained {gained}); {sites} sites to act on, "
                            "{radios} of them without 4G."),
        "table_switch_off": "People losing every service by commune and operator (rows with losses only)",
        "table_switch_off_sites": "Sites whose switched-off layer serves people who lose service",
        "section_target": "Least cost to reach the target",
        "target_reached": ("Target reached: {share} of the people served, at {cost} million VND "
                           "(proven lower bound {bound} million VND)."),
        "target_unreached": ("The target cannot be reached with the candidates given: at most {max_share} of the "
                             "people; {people} people in {cells} cells are out of reach of every candidate. The "
                             "cheapest plan reaching that maximum costs {cost} million VND."),
        "section_phasing": "Phasing over the years",
        "phasing_text": ("Rule: {rule}; unspent money {carry}. Each year spends at most its budget (plus what is "
                         "carried over). {unfunded} proposals left unfunded."),
        "carry_yes": "carries over to the next year",
        "carry_no": "lapses at the end of the year",
        "rule_cost_per_person": "cheapest per person first",
        "rule_priority": "by priority score",
        "table_phasing": "Coverage year by year",
    },
}

# column -> (Vietnamese, English, Excel number format)
COLUMNS: dict[str, tuple[str, str, str]] = {
    "people_before": ("Dân được phục vụ trước", "People served before", _INT),
    "people_after": ("Dân được phục vụ sau", "People served after", _INT),
    "people_lost": ("Dân mất toàn bộ dịch vụ", "People losing every service", _INT),
    "people_gained": ("Dân được phục vụ mới", "People gained", _INT),
    "villages_lost": ("Số thôn mất sóng", "Villages losing service", _INT),
    "households_lost": ("Số hộ mất sóng", "Households losing service", _INT),
    "technologies": ("Công nghệ tại trạm", "Technologies on site", ""),
    "needs_4g_radio": ("Cần lắp 4G", "Needs a 4G radio", ""),
    "action": ("Việc cần làm", "Action", ""),
    "target_year": ("Năm thực hiện", "Target year", "0"),
    "phase_rank": ("Thứ tự ưu tiên", "Priority rank", _INT),
    "year": ("Năm", "Year", "0"),
    "budget_vnd": ("Ngân sách năm (đồng)", "Budget of the year (VND)", _INT),
    "carried_in_vnd": ("Chuyển từ năm trước (đồng)", "Carried in (VND)", _INT),
    "available_vnd": ("Có thể chi (đồng)", "Available (VND)", _INT),
    "spent_vnd": ("Đã chi (đồng)", "Spent (VND)", _INT),
    "carried_out_vnd": ("Chuyển sang năm sau (đồng)", "Carried over (VND)", _INT),
    "people_covered_cumulative": ("Dân được phục vụ cuối năm", "People served at year end", _INT),
    "share_covered": ("Tỷ lệ dân được phục vụ", "Share of people served", "0.0%"),
    "reachable": ("Đạt được", "Reachable", ""),
    "people_required_new": ("Số dân cần phủ thêm", "People still to serve", _INT),
    "people_reachable_new": ("Số dân có thể phủ thêm", "People the candidates can serve", _INT),
    "people_reached_new": ("Số dân được phủ thêm", "People newly served", _INT),
    "people_shortfall": ("Số dân còn thiếu", "Shortfall (people)", _INT),
    "people_out_of_reach": ("Dân ngoài tầm mọi ứng viên", "People out of reach", _INT),
    "cells_out_of_reach": ("Ô ngoài tầm mọi ứng viên", "Cells out of reach", _INT),
    "upgrade_operator": ("Nhà mạng nâng cấp", "Operator upgrading", ""),
    "upgrade_from": ("Công nghệ hiện có", "Layers there now", ""),
}

# cell values shown in the report tables
VALUES: dict[str, tuple[str, str]] = {
    "upgrade": ("Nâng cấp trạm của nhà mạng", "Upgrade of an operator's site"),
    "add 4G": ("Lắp thêm 4G", "Add 4G"),
    "extend 4G": ("Mở rộng vùng phủ 4G", "Extend 4G"),
    "all operators": ("Mọi nhà mạng", "All operators"),
}
