"""The app's messages for the provincial plan page (switch-offs, targets, phasing, upgrades).

Merged into :data:`towerplan.i18n.MESSAGES`; kept apart so these strings live in one place.
"""

from __future__ import annotations

__all__ = ["PROVINCIAL_MESSAGES"]

_VI: dict[str, str] = {
    "page_provincial": "Kế hoạch tỉnh",
    "prov_intro": ("Tắt sóng 2G/3G (ai mất toàn bộ dịch vụ), chi phí thấp nhất để đạt mục tiêu phủ sóng, "
                   "nâng cấp trạm của chính nhà mạng và phân kỳ đầu tư theo năm."),
    "prov_switch_off": "Tắt sóng công nghệ cũ",
    "prov_off_techs": "Công nghệ bị tắt",
    "prov_off_date": "Hoặc theo lộ trình, tại ngày",
    "prov_use_date": "Theo lộ trình (2G: 15/9/2026, 3G: 9/2028)",
    "prov_add_4g": "Lắp 4G trên các trạm chưa có 4G",
    "prov_switch_run": "Tính tác động tắt sóng",
    "prov_switch_done": ("{lost:,.0f} người mất toàn bộ dịch vụ (trước {before:,.0f}, sau {after:,.0f}, "
                         "thêm mới {gained:,.0f}); {sites} trạm cần hành động."),
    "prov_plan": "Mục tiêu, nâng cấp và phân kỳ",
    "prov_upgrades": "Xét nâng cấp trạm của nhà mạng (4G trên trạm 2G/3G, 5G trên trạm 4G)",
    "prov_target_pct": "Mục tiêu: % dân số được phục vụ (0 = không đặt mục tiêu)",
    "prov_phasing": "Ngân sách từng năm (tỷ đồng, cách nhau bởi dấu phẩy; để trống = không phân kỳ)",
    "prov_start_year": "Năm bắt đầu",
    "prov_carry": "Tiền chưa dùng được chuyển sang năm sau",
    "prov_plan_run": "Lập phương án",
    "prov_bad_budgets": "Ngân sách từng năm không đọc được: {text}",
    "prov_target_ok": "Đạt mục tiêu: {share:.2%} dân số được phục vụ, chi phí {cost:,.2f} tỷ đồng.",
    "prov_target_no": ("Không đạt được mục tiêu với các ứng viên đã cho: tối đa {share:.2%} dân số; "
                       "{people:,.0f} người ngoài tầm mọi ứng viên. Phương án rẻ nhất đạt mức đó: "
                       "{cost:,.2f} tỷ đồng."),
    "prov_years": "Vùng phủ theo năm",
    "prov_switch_progress": "Đang tính tác động tắt sóng… {pct:.0f} %",
    "prov_plan_progress": "Đang lập phương án… {pct:.0f} %",
    "prov_village_households": "Mục tiêu thôn bản: mọi thôn trên bao nhiêu hộ phải có sóng (0 = không đặt mục tiêu)",
    "prov_village_needs_list": "Nạp danh sách thôn ở trang Thôn bản để đặt mục tiêu thôn bản.",
    "prov_village_target": "Mục tiêu thôn bản",
    # administrative units (Data page upload; the caption of every per-commune table)
    "upload_admin_units": "Đơn vị hành chính cấp xã sau sắp xếp 2025 (GeoPackage, GeoJSON)",
    "upload_admin_units_help": ("Ranh giới các xã, phường sau sắp xếp năm 2025 (Thanh Hóa: 166 đơn vị, không còn "
                                "cấp huyện). Khi dùng, mọi bảng theo xã tính theo các đơn vị này thay cho lớp ranh "
                                "giới xã."),
    "units_read": "Đã đọc {label}.",
    "units_use": "Dùng các đơn vị này cho các bảng theo xã",
    "units_drop": "Bỏ các đơn vị đã tải, dùng lại lớp ranh giới xã",
    "units_in_use": "Đơn vị hành chính: {label}",
    "units_communes_layer": "Đơn vị hành chính: lớp ranh giới xã của dữ liệu ({n} xã)",
    "units_none": "Đơn vị hành chính: chưa có ranh giới xã",
}

_EN: dict[str, str] = {
    "page_provincial": "Provincial plan",
    "prov_intro": ("Switching off 2G/3G (who loses every service), the least cost to reach a coverage target, "
                   "upgrades of the operators' own sites, and phasing over the years."),
    "prov_switch_off": "Switching off older networks",
    "prov_off_techs": "Technologies switched off",
    "prov_off_date": "Or by the calendar, on",
    "prov_use_date": "By the calendar (2G: 15 Sept 2026, 3G: Sept 2028)",
    "prov_add_4g": "Add 4G on the sites without it",
    "prov_switch_run": "Compute the switch-off",
    "prov_switch_done": ("{lost:,.0f} people lose every service (before {before:,.0f}, after {after:,.0f}, "
                         "gained {gained:,.0f}); {sites} sites to act on."),
    "prov_plan": "Target, upgrades and phasing",
    "prov_upgrades": "Consider upgrades of the operators' own sites (4G on 2G/3G, 5G on 4G)",
    "prov_target_pct": "Target: % of the people served (0 = no target)",
    "prov_phasing": "Budget of each year (bn VND, comma-separated; empty = no phasing)",
    "prov_start_year": "First year",
    "prov_carry": "Unspent money carries over to the next year",
    "prov_plan_run": "Plan",
    "prov_bad_budgets": "Cannot read the yearly budgets: {text}",
    "prov_target_ok": "Target reached: {share:.2%} of the people served, for {cost:,.2f} bn VND.",
    "prov_target_no": ("The target cannot be reached with the candidates given: at most {share:.2%} of the people; "
                       "{people:,.0f} people out of reach of every candidate. Cheapest plan reaching that: "
                       "{cost:,.2f} bn VND."),
    "prov_years": "Coverage year by year",
    "prov_switch_progress": "Computing the switch-off… {pct:.0f} %",
    "prov_plan_progress": "Planning… {pct:.0f} %",
    "prov_village_households": "Village target: every village of more than this many households served (0 = no target)",
    "prov_village_needs_list": "Load a village list on the Villages page to set a village target.",
    "prov_village_target": "Village target",
    # administrative units (Data page upload; the caption of every per-commune table)
    "upload_admin_units": "Administrative units after the 2025 reform (GeoPackage, GeoJSON)",
    "upload_admin_units_help": ("The boundaries of the communes and wards after the 2025 reform (Thanh Hóa: 166 "
                                "units, no districts). Once used, every per-commune table counts these units "
                                "instead of the communes layer."),
    "units_read": "Read {label}.",
    "units_use": "Use these units for the per-commune tables",
    "units_drop": "Drop the uploaded units, use the communes layer again",
    "units_in_use": "Administrative units: {label}",
    "units_communes_layer": "Administrative units: the data's communes layer ({n} communes)",
    "units_none": "Administrative units: no commune boundaries",
}

PROVINCIAL_MESSAGES: dict[str, dict[str, str]] = {"vi": _VI, "en": _EN}
