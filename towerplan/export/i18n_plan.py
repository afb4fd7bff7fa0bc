"""Report and table text of the provincial outputs (villages, province plan table, plan comparison),
Vietnamese and English; merged into :mod:`towerplan.export.i18n_report`'s tables at import."""

from __future__ import annotations

__all__ = ["PLAN_COLUMNS", "PLAN_PATTERNS", "PLAN_STRINGS"]

INT = "#,##0"
DEC1 = "#,##0.0"
DEC3 = "0.000"

PLAN_STRINGS: dict[str, dict[str, str]] = {
    "vi": {
        "sheet_villages": "Thôn bản",
        "sheet_village_check": "Thôn cần kiểm tra",
        "sheet_province_plan": "Quy hoạch vị trí",
        "sheet_province_plan_en": "Quy hoạch vị trí (EN)",
        "sheet_compare_communes": "So sánh theo xã",
        "sheet_compare_villages": "So sánh theo thôn",
        "sheet_compare_proposals": "So sánh trạm đề xuất",
        "table_villages": "Thôn, bản chưa có sóng ({n} trên {total} thôn bản; đủ danh sách trong plan.xlsx)",
        "table_villages_all": "Các thôn, bản: tình trạng phủ sóng",
        "village_agreement": ("Đối chiếu với danh sách thôn bản lõm sóng do tỉnh báo cáo: độ chính xác (precision) "
                              "{precision}, độ bao phủ (recall) {recall}; {tp} thôn cả hai cùng lõm, {fp} thôn chỉ mô "
                              "hình báo lõm, {fn} thôn chỉ tỉnh báo lõm. Các thôn không khớp cần kiểm tra thực địa."),
        "table_village_check": "Thôn bản cần kiểm tra thực địa (mô hình và báo cáo của tỉnh không khớp)",
        "table_province_plan": "Bảng quy hoạch vị trí cột ăng-ten theo xã (mẫu quy hoạch hạ tầng viễn thông thụ động)",
        "units_caption": "Đơn vị hành chính: {label}",
        "compare_heading": "So sánh với phương án khác",
        "compare_summary": ("Phương án A: {a}; phương án B: {b}. Chênh lệch dân số được phủ sóng (B − A): {people}; "
                            "số trạm đề xuất khác nhau: {proposals}."),
        "table_compare_communes": "Thay đổi theo xã (B − A)",
        "table_compare_proposals": "Các trạm đề xuất khác nhau giữa hai phương án",
        "table_compare_villages": "Các thôn bản thay đổi tình trạng phủ sóng",
        "only_a": "chỉ có ở A",
        "only_b": "chỉ có ở B",
        "changed": "thay đổi",
        "model_only": "mô hình báo lõm, tỉnh báo có sóng",
        "province_only": "tỉnh báo lõm, mô hình báo có sóng",
        "gained": "được phủ thêm",
        "lost": "mất phủ sóng",
    },
    "en": {
        "sheet_villages": "Villages",
        "sheet_village_check": "Villages to check",
        "sheet_province_plan": "Planned sites",
        "sheet_province_plan_en": "Planned sites (EN)",
        "sheet_compare_communes": "Compare communes",
        "sheet_compare_villages": "Compare villages",
        "sheet_compare_proposals": "Compare proposals",
        "table_villages": "Villages without signal ({n} of {total} villages; the full list is in plan.xlsx)",
        "table_villages_all": "Villages: coverage status",
        "village_agreement": ("Agreement with the province's list of villages reported without signal: precision "
                              "{precision}, recall {recall}; {tp} villages without signal in both, {fp} in the model "
                              "only, {fn} in the province's list only. The villages that disagree need a field check."),
        "table_village_check": "Villages to check in the field (the model and the province's report disagree)",
        "table_province_plan": "Planned antenna-mast positions per commune (provincial passive-infrastructure layout)",
        "units_caption": "Administrative units: {label}",
        "compare_heading": "Comparison with another option",
        "compare_summary": ("Option A: {a}; option B: {b}. Change in people covered (B − A): {people}; proposals "
                            "that differ: {proposals}."),
        "table_compare_communes": "Change per commune (B − A)",
        "table_compare_proposals": "Proposals that differ between the two options",
        "table_compare_villages": "Villages whose coverage changes",
        "only_a": "only in A",
        "only_b": "only in B",
        "changed": "changed",
        "model_only": "model: no signal; province: signal",
        "province_only": "province: no signal; model: signal",
        "gained": "gains coverage",
        "lost": "loses coverage",
    },
}

# column -> (Vietnamese, English, Excel number format)
PLAN_COLUMNS: dict[str, tuple[str, str, str]] = {
    # villages
    "village_id": ("Mã thôn", "Village id", ""),
    "unit": ("Đơn vị hành chính", "Administrative unit", ""),
    "grid_power": ("Điện lưới", "Grid power", ""),
    "reported_no_signal": ("Tỉnh báo lõm sóng", "Reported without signal", ""),
    "place": ("Loại điểm dân cư", "Place class", ""),
    "in_grid": ("Trong vùng tính", "In the study grid", ""),
    "best_level_dbm": ("Mức tín hiệu tốt nhất (dBm)", "Best level (dBm)", DEC1),
    "served_any": ("Có sóng (ít nhất 1 mạng)", "Served (any operator)", ""),
    "served_after_plan": ("Có sóng sau quy hoạch", "Served after the plan", ""),
    "gap_rank": ("Vùng lõm (hạng)", "Gap (rank)", INT),
    "finding": ("Kết quả đối chiếu", "Finding", ""),
    # province plan
    "stt": ("STT", "No.", INT),
    "site_code": ("Ký hiệu vị trí", "Position code", ""),
    "address": ("Địa chỉ", "Address", ""),
    "mast_type": ("Loại cột ăng-ten", "Mast type", ""),
    "owner": ("Đơn vị đầu tư / chủ sở hữu", "Owner", ""),
    "operators_sharing": ("Doanh nghiệp dùng chung", "Operators sharing", ""),
    "target_year": ("Năm thực hiện", "Target year", ""),
    # comparison
    "people_covered_a": ("Dân số được phủ sóng (A)", "People covered (A)", INT),
    "people_covered_b": ("Dân số được phủ sóng (B)", "People covered (B)", INT),
    "people_covered_change": ("Chênh lệch dân số được phủ (B − A)", "Change in people covered (B − A)", INT),
    "gap_people_a": ("Dân số vùng lõm (A)", "People in gaps (A)", INT),
    "gap_people_b": ("Dân số vùng lõm (B)", "People in gaps (B)", INT),
    "gap_people_change": ("Chênh lệch dân số vùng lõm (B − A)", "Change in people in gaps (B − A)", INT),
    "proposals_a": ("Trạm đề xuất (A)", "Proposals (A)", INT),
    "proposals_b": ("Trạm đề xuất (B)", "Proposals (B)", INT),
    "served_a": ("Có sóng (A)", "Served (A)", ""),
    "served_b": ("Có sóng (B)", "Served (B)", ""),
    "change": ("Thay đổi", "Change", ""),
    "in_plan": ("Phương án", "In option", ""),
    "gained_km2": ("Diện tích được phủ thêm (km²)", "Area gaining service (km²)", "#,##0.00"),
    "lost_km2": ("Diện tích mất phủ sóng (km²)", "Area losing service (km²)", "#,##0.00"),
    "area_gained_km2": ("Diện tích được phủ thêm (km²)", "Area gaining service (km²)", "#,##0.00"),
    "area_lost_km2": ("Diện tích mất phủ sóng (km²)", "Area losing service (km²)", "#,##0.00"),
    "proposals_differing": ("Số trạm đề xuất khác nhau", "Proposals that differ", INT),
    "villages_gained": ("Thôn bản được phủ thêm", "Villages gaining service", INT),
    "villages_lost": ("Thôn bản mất phủ sóng", "Villages losing service", INT),
    "cost_vnd_change": ("Chênh lệch chi phí (đồng)", "Change in cost (VND)", INT),
}

#: dynamic columns: regex -> (Vietnamese template, English template, format); ``{op}`` is the match
PLAN_PATTERNS: list[tuple[str, tuple[str, str, str]]] = [
    (r"^served_class_(.+)$", ("Có sóng – loại {op}", "Served – class {op}", "")),
    (r"^served_((?:2|3|4|5)G)$", ("Có sóng {op}", "Served {op}", "")),
]
