"""Report and table wording in Vietnamese and English: one dict of strings per language.

Every heading, label and column title used by the report, figures, KMZ and tables
comes from here, so both languages always have the same set of keys (a test
checks it).
"""

from __future__ import annotations

import re

__all__ = ["COLUMNS", "STRINGS", "VALUES", "column_format", "column_label", "text", "value_label"]

LANGS = ("vi", "en")

STRINGS: dict[str, dict[str, str]] = {
    "vi": {
        "report": "Báo cáo",
        "study": "Khu vực nghiên cứu",
        "generated_by": "Lập bằng towerplan {version}",
        "page": "Trang {page}",
        "contents": "Nội dung",
        "headline": "Số liệu chính",
        "figure": "Chỉ tiêu",
        "value": "Giá trị",
        "population_total": "Tổng dân số",
        "covered_by": "Dân số được phủ sóng – {operator}",
        "covered_any": "Dân số được phủ sóng bởi ít nhất một nhà mạng",
        "covered_two_plus": "Dân số được phủ sóng bởi hai nhà mạng trở lên",
        "uncovered": "Dân số chưa được phủ sóng",
        "threshold": "Ngưỡng phủ sóng",
        "gap_count": "Số vùng lõm sóng",
        "gap_people": "Dân số trong các vùng lõm sóng",
        "proposal_count": "Số vị trí trạm đề xuất",
        "people_newly_covered": "Dân số được phủ sóng mới",
        "cost_total": "Tổng chi phí ước tính",
        "cost_capex": "Vốn đầu tư ban đầu (CAPEX)",
        "cost_present_value": "Chi phí {years:g} năm quy về hiện tại (chiết khấu {rate:g} %/năm)",
        "radio_sharing": "Thiết bị vô tuyến",
        "radio_per_operator": "mỗi nhà mạng một bộ (tính chi phí theo từng nhà mạng)",
        "radio_shared": "dùng chung cho các nhà mạng (MOCN/MORAN)",
        "fibre_assumed": "Giả định truyền dẫn",
        "fibre_assumed_text": ("không có dữ liệu điểm cáp quang: giả định các trạm hiện có đều có cáp quang "
                               "({n} trạm đề xuất dựa vào giả định này)"),
        "microwave_rule": "Tiêu chí viba",
        "max_hop": "chặng tối đa",
        "people_unit": "người",
        "vnd_unit": "đồng",
        "bn_vnd": "tỷ đồng",
        "maps": "Bản đồ",
        "figure_n": "Hình {n}.",
        "map_rsrp": "Mức tín hiệu tốt nhất (RSRP) và các trạm hiện có",
        "map_gaps": "Các vùng lõm sóng theo thứ tự ưu tiên",
        "map_proposals": "Vị trí trạm đề xuất theo thứ tự xây dựng",
        "map_curve": "Dân số được phủ sóng mới theo ngân sách đầu tư",
        "rsrp_colorbar": "Mức tín hiệu tốt nhất (dBm)",
        "no_signal": "Không có sóng",
        "existing_sites": "Trạm hiện có",
        "area_covered": "Vùng đã có sóng (ít nhất một nhà mạng)",
        "area_newly_covered": "Vùng được phủ sóng mới",
        "below_threshold": "Không có sóng (dưới {threshold} dBm)",
        "proposed_sites": "Trạm đề xuất",
        "proposed_colocation": "Dùng chung trạm hiện có",
        "proposed_greenfield": "Xây trạm mới",
        "proposed_user": "Vị trí do địa phương đề xuất",
        "gap": "Vùng lõm sóng",
        "gap_rank": "Hạng {rank}",
        "communes_boundary": "Ranh giới xã",
        "easting_km": "Hoành độ (km, {crs})",
        "northing_km": "Tung độ (km, {crs})",
        "longitude": "Kinh độ",
        "latitude": "Vĩ độ",
        "curve_x": "Chi phí tích lũy (tỷ đồng)",
        "curve_y": "Dân số được phủ sóng mới, tích lũy (nghìn người)",
        "curve_towers": "{n} trạm",
        "tables": "Bảng số liệu",
        "table_communes": "Thống kê theo xã",
        "table_gaps": "Các vùng lõm sóng ưu tiên ({n} vùng đầu trong tổng số {total})",
        "table_gaps_all": "Các vùng lõm sóng ưu tiên",
        "table_proposals": "Danh sách trạm đề xuất theo thứ tự xây dựng",
        "table_roads": "Phủ sóng đường giao thông",
        "table_stations": "Tổng hợp trạm hiện có theo nhà mạng và công nghệ",
        "table_curve": "Đường cong phủ sóng – chi phí",
        "none": "Không có",
        "total": "Tổng cộng",
        "method": "Phương pháp",
        "method_models": "Mô hình truyền sóng và phạm vi áp dụng",
        "method_settings": "Tham số tính toán",
        "method_inputs": "Dữ liệu đầu vào (mã kiểm tra SHA-256)",
        "method_notes": "Ghi chú",
        "method_version": "Phiên bản towerplan",
        "method_date": "Ngày lập",
        "file_role": "Loại dữ liệu",
        "file_path": "Tệp",
        "file_bytes": "Dung lượng (byte)",
        "model": "Mô hình",
        "validity": "Mô tả và phạm vi áp dụng",
        "setting": "Tham số",
        "unit": "Đơn vị",
        "method_all_settings": "Mọi tham số (kể cả tham số kỹ thuật, theo tên trong tệp kịch bản) được ghi trong "
                               "method.json của gói kết quả.",
        "layers_absent": "Lớp dữ liệu không có trong gói: {layers}",
        "input_warning": "Cảnh báo về dữ liệu đầu vào",
        "method_land_cover": "Lớp phủ mặt đất và vật cản (clutter)",
        "lc_source": "Nguồn lớp phủ mặt đất",
        "lc_default_source": "không có: mọi ô dùng lớp mặc định",
        "lc_table": "Bảng phân loại vật cản",
        "lc_worldcover_source": ("chú giải ESA WorldCover 2021 v200; loại vật cản và độ cao theo bảng 2 của "
                                 "ITU-R P.1812-7, loại vật cản quanh máy đầu cuối theo bảng 3 của ITU-R P.2108-1"),
        "lc_models_using": "Mô hình dùng lớp phủ mặt đất",
        "lc_no_model": "không mô hình nào của lần chạy này (mức tín hiệu không phụ thuộc lớp phủ mặt đất)",
        "lc_terminal_clutter": ("Suy hao vật cản quanh máy đầu cuối theo ITU-R P.2108-1 mục 3.1 (giá trị trung vị, "
                                "theo lớp phủ của từng ô) cộng thêm cho"),
        "lc_default_class": "Ô không có dữ liệu",
        "lc_default_value": "lớp mặc định đất trống/nông thôn (loại vật cản P.1812 số 2), chiều cao vật cản 0 m",
        "lc_class": "Mã lớp",
        "lc_name": "Lớp phủ",
        "lc_category": "Loại vật cản P.1812",
        "lc_height": "Chiều cao vật cản (m)",
        "lc_share": "Tỷ lệ diện tích (%)",
        "kml_stations": "Trạm hiện có",
        "kml_gaps": "Vùng lõm sóng",
        "kml_proposals": "Trạm đề xuất",
        "kml_coverage": "Mức tín hiệu tốt nhất (dBm)",
        "kml_legend": "Chú giải",
        "sector": "Ô (cell)",
        "indicative_costs": "Chi phí là ước tính tham khảo (VND), cần thẩm định lại theo đơn giá địa phương.",
        "sheet_communes": "Xã",
        "sheet_gaps": "Vùng lõm sóng",
        "sheet_proposals": "Trạm đề xuất",
        "sheet_roads": "Đường giao thông",
        "sheet_stations": "Tổng hợp trạm",
        "sheet_curve": "Đường cong chi phí",
        "sheet_speed": "Tốc độ theo xã",
        "speed": "Tốc độ tải xuống so với mục tiêu quốc gia",
        "speed_intro": ("Tốc độ tải xuống trung bình của người dùng giờ cao điểm, từ SINR (3GPP TR 36.942 Phụ lục "
                        "A.2) chia đều cho số người dùng hoạt động của mỗi ô (thị phần nhà mạng x hệ số hoạt động "
                        "giờ cao điểm {activity:g}), so với mục tiêu của Quyết định 36/QĐ-TTg (4G ≥ 40 Mbit/s, "
                        "5G ≥ 100 Mbit/s). Thị phần: {shares}."),
        "speed_line": ("{tech}: {served} người được phục vụ, {target} người đạt {target_mbps:g} Mbit/s, "
                       "{gap} người có sóng nhưng dưới mục tiêu (vùng thiếu tốc độ); tốc độ trung bình "
                       "{mean} Mbit/s."),
        "table_speed_communes": "Tốc độ theo xã: dân số đạt và chưa đạt mục tiêu tốc độ",
        "sheet_about": "Giới thiệu",
    },
    "en": {
        "report": "Report",
        "study": "Study area",
        "generated_by": "Produced with towerplan {version}",
        "page": "Page {page}",
        "contents": "Contents",
        "headline": "Headline figures",
        "figure": "Indicator",
        "value": "Value",
        "population_total": "Total population",
        "covered_by": "People covered – {operator}",
        "covered_any": "People covered by at least one operator",
        "covered_two_plus": "People covered by two or more operators",
        "uncovered": "People without coverage",
        "threshold": "Coverage threshold",
        "gap_count": "Coverage gaps",
        "gap_people": "People in coverage gaps",
        "proposal_count": "Proposed sites",
        "people_newly_covered": "People newly covered",
        "cost_total": "Estimated total cost",
        "cost_capex": "Capital cost (capex)",
        "cost_present_value": "Cost over {years:g} years, present value (discounted at {rate:g} % a year)",
        "radio_sharing": "Radio equipment",
        "radio_per_operator": "one radio set per operator (costed per operator)",
        "radio_shared": "shared by the operators (MOCN/MORAN)",
        "fibre_assumed": "Backhaul assumption",
        "fibre_assumed_text": ("no fibre points given: existing towers are assumed fibre-fed "
                               "({n} proposed site(s) rely on it)"),
        "microwave_rule": "Microwave criteria",
        "max_hop": "max hop",
        "people_unit": "people",
        "vnd_unit": "VND",
        "bn_vnd": "bn VND",
        "maps": "Maps",
        "figure_n": "Figure {n}.",
        "map_rsrp": "Best signal level (RSRP) and existing sites",
        "map_gaps": "Coverage gaps by priority",
        "map_proposals": "Proposed sites in build order",
        "map_curve": "People newly covered against investment",
        "rsrp_colorbar": "Best signal level (dBm)",
        "no_signal": "No signal",
        "existing_sites": "Existing sites",
        "area_covered": "Area with coverage (any operator)",
        "area_newly_covered": "Area newly covered",
        "below_threshold": "No signal (below {threshold} dBm)",
        "proposed_sites": "Proposed sites",
        "proposed_colocation": "Share an existing tower",
        "proposed_greenfield": "New tower",
        "proposed_user": "User-listed site",
        "gap": "Coverage gap",
        "gap_rank": "Rank {rank}",
        "communes_boundary": "Commune boundaries",
        "easting_km": "Easting (km, {crs})",
        "northing_km": "Northing (km, {crs})",
        "longitude": "Longitude",
        "latitude": "Latitude",
        "curve_x": "Cumulative cost (bn VND)",
        "curve_y": "People newly covered, cumulative (thousand)",
        "curve_towers": "{n} sites",
        "tables": "Tables",
        "table_communes": "Figures per commune",
        "table_gaps": "Priority coverage gaps (top {n} of {total})",
        "table_gaps_all": "Priority coverage gaps",
        "table_proposals": "Proposed sites in build order",
        "table_roads": "Road coverage",
        "table_stations": "Existing sites by operator and technology",
        "table_curve": "Coverage against cost",
        "none": "None",
        "total": "Total",
        "method": "Method",
        "method_models": "Propagation models and their validity ranges",
        "method_settings": "Settings",
        "method_inputs": "Input files (SHA-256 checksums)",
        "method_notes": "Notes",
        "method_version": "towerplan version",
        "method_date": "Date",
        "file_role": "Role",
        "file_path": "File",
        "file_bytes": "Size (bytes)",
        "model": "Model",
        "validity": "Description and validity range",
        "setting": "Setting",
        "unit": "Unit",
        "method_all_settings": "Every setting (the technical ones too, by their scenario-file names) is recorded "
                               "in the package's method.json.",
        "layers_absent": "Layers not in this package: {layers}",
        "input_warning": "Input warning",
        "method_land_cover": "Land cover and clutter",
        "lc_source": "Land-cover source",
        "lc_default_source": "none: every cell uses the default class",
        "lc_table": "Clutter table",
        "lc_worldcover_source": ("ESA WorldCover 2021 v200 legend; clutter categories and heights from ITU-R "
                                 "P.1812-7 Table 2, terminal clutter types from ITU-R P.2108-1 Table 3"),
        "lc_models_using": "Models using the land cover",
        "lc_no_model": "none of this run's models (the levels do not depend on the land cover)",
        "lc_terminal_clutter": ("Terminal clutter loss of ITU-R P.2108-1 §3.1 (median, by each cell's land-cover "
                                "class) added for"),
        "lc_default_class": "Cells without data",
        "lc_default_value": "the default class open/rural (P.1812 clutter category 2), clutter height 0 m",
        "lc_class": "Class",
        "lc_name": "Land cover",
        "lc_category": "P.1812 clutter category",
        "lc_height": "Clutter height (m)",
        "lc_share": "Share of the area (%)",
        "kml_stations": "Existing sites",
        "kml_gaps": "Coverage gaps",
        "kml_proposals": "Proposed sites",
        "kml_coverage": "Best signal level (dBm)",
        "kml_legend": "Legend",
        "sector": "Cell",
        "indicative_costs": "Costs are indicative (VND) and must be checked against local unit prices.",
        "sheet_communes": "Communes",
        "sheet_gaps": "Gaps",
        "sheet_proposals": "Proposals",
        "sheet_roads": "Roads",
        "sheet_stations": "Sites summary",
        "sheet_curve": "Cost curve",
        "sheet_speed": "Speed by commune",
        "speed": "Download speed against the national targets",
        "speed_intro": ("Busy-hour average user download speed: the single-user rate from the SINR (3GPP TR 36.942 "
                        "Annex A.2) shared among each sector's active users (operator market share x busy-hour "
                        "activity {activity:g}), against the targets of Decision 36/QĐ-TTg (4G ≥ 40 Mbit/s, "
                        "5G ≥ 100 Mbit/s). Market shares: {shares}."),
        "speed_line": ("{tech}: {served} people served, {target} reach {target_mbps:g} Mbit/s, {gap} served but "
                       "below the target (speed gaps); mean user speed {mean} Mbit/s."),
        "table_speed_communes": "Speed by commune: people reaching and below the speed targets",
        "sheet_about": "About",
    },
}

# column -> (Vietnamese, English, Excel number format or "")
INT = "#,##0"
DEC1 = "#,##0.0"
DEC2 = "#,##0.00"
PCT = "0.0"
DEG = "0.000000"
COLUMNS: dict[str, tuple[str, str, str]] = {
    # communes
    "commune_id": ("Mã xã", "Commune code", ""),
    "name": ("Tên", "Name", ""),
    "district": ("Huyện", "District", ""),
    "population": ("Dân số (thống kê)", "Population (census)", INT),
    "area_km2": ("Diện tích (km²)", "Area (km²)", DEC2),
    "source": ("Nguồn", "Source", ""),
    "people": ("Dân số", "People", INT),
    "people_covered_any": ("Được phủ sóng (ít nhất 1 mạng)", "Covered (any operator)", INT),
    "people_covered_2plus": ("Được phủ sóng (≥ 2 mạng)", "Covered (2+ operators)", INT),
    "people_uncovered": ("Chưa được phủ sóng", "Not covered", INT),
    "covered_any_pct": ("Tỷ lệ phủ sóng (%)", "Covered (%)", PCT),
    "population_data_pct": ("Có dữ liệu dân số (%)", "Population data (%)", PCT),
    "gap_people": ("Dân số vùng lõm", "People in gaps", INT),
    "gap_count": ("Số vùng lõm", "Gaps", INT),
    "road_km": ("Đường (km)", "Roads (km)", DEC1),
    "road_covered_km": ("Đường được phủ sóng (km)", "Roads covered (km)", DEC1),
    # gaps
    "rank": ("Hạng ưu tiên", "Priority rank", INT),
    "gap_id": ("Mã vùng lõm", "Gap id", INT),
    "elev_mean_m": ("Độ cao TB (m)", "Mean elevation (m)", INT),
    "elev_max_m": ("Độ cao lớn nhất (m)", "Max elevation (m)", INT),
    "lon": ("Kinh độ", "Longitude", DEG),
    "lat": ("Vĩ độ", "Latitude", DEG),
    "dist_road_m": ("Đến đường (m)", "To road (m)", INT),
    "dist_tower_m": ("Đến trạm (m)", "To site (m)", INT),
    "travel_m": ("Quãng đường tiếp cận (m)", "Access distance (m)", INT),
    "commune": ("Xã", "Commune", ""),
    "communes": ("Các xã", "Communes", ""),
    "remoteness_km": ("Độ xa (km)", "Remoteness (km)", DEC1),
    "score": ("Điểm ưu tiên", "Priority score", INT),
    "households": ("Số hộ", "Households", INT),
    # proposals
    "build_order": ("Thứ tự xây dựng", "Build order", INT),
    "candidate_id": ("Mã vị trí", "Site id", ""),
    "kind": ("Loại", "Kind", ""),
    "mast_height_m": ("Chiều cao cột (m)", "Mast height (m)", INT),
    "operators_hosted": ("Nhà mạng lắp đặt", "Operators hosted", ""),
    "tenants_costed": ("Số nhà mạng tính chi phí", "Tenants costed", INT),
    "people_newly_covered": ("Dân số được phủ mới", "People newly covered", INT),
    "cost_vnd": ("Chi phí (đồng)", "Cost (VND)", INT),
    "cumulative_cost_vnd": ("Chi phí cộng dồn (đồng)", "Cumulative cost (VND)", INT),
    "cost_mvnd": ("Chi phí (triệu đồng)", "Cost (million VND)", INT),
    "capex_vnd": ("Vốn đầu tư (đồng)", "Capex (VND)", INT),
    "capex_mvnd": ("Vốn đầu tư (triệu đồng)", "Capex (million VND)", INT),
    "present_value_vnd": ("Chi phí cả kỳ, hiện giá (đồng)", "Horizon cost, present value (VND)", INT),
    "present_value_mvnd": ("Chi phí cả kỳ, hiện giá (triệu đồng)", "Horizon cost, present value (million VND)",
                           INT),
    "opex_per_year_vnd": ("Chi phí hằng năm (đồng)", "Yearly cost (VND)", INT),
    "radio_sharing": ("Thiết bị vô tuyến", "Radio equipment", ""),
    "vnd_per_person": ("Chi phí / người (đồng)", "VND per person", INT),
    "backhaul": ("Truyền dẫn", "Backhaul", ""),
    "towers": ("Số trạm", "Sites", INT),
    # roads
    "zone": ("Mã vùng", "Zone", INT),
    "zone_name": ("Xã", "Commune", ""),
    "road_class": ("Loại đường", "Road class", ""),
    "length_km": ("Chiều dài (km)", "Length (km)", DEC1),
    "covered_km": ("Được phủ sóng (km)", "Covered (km)", DEC1),
    "uncovered_km": ("Chưa phủ sóng (km)", "Not covered (km)", DEC1),
    "covered_pct": ("Tỷ lệ phủ sóng (%)", "Covered (%)", PCT),
    # stations
    "operator": ("Nhà mạng", "Operator", ""),
    "technology": ("Công nghệ", "Technology", ""),
    "site_id": ("Mã trạm", "Site id", ""),
    "cell_id": ("Mã ô", "Cell id", ""),
    "sites": ("Số trạm", "Sites", INT),
    "sectors": ("Số ô (sector)", "Sectors", INT),
    "azimuth_deg": ("Góc phương vị (°)", "Azimuth (°)", INT),
    "antenna_height_m": ("Độ cao anten (m)", "Antenna height (m)", DEC1),
    "tilt_deg": ("Góc ngẩng (°)", "Tilt (°)", DEC1),
    "h_beamwidth_deg": ("Độ rộng búp ngang (°)", "H beamwidth (°)", INT),
    "v_beamwidth_deg": ("Độ rộng búp đứng (°)", "V beamwidth (°)", INT),
    "freq_mhz": ("Tần số (MHz)", "Frequency (MHz)", INT),
    "eirp_dbm": ("EIRP (dBm)", "EIRP (dBm)", DEC1),
    "best_server": ("Mã trạm phục vụ", "Best-server value", INT),
    # speed (coverage.sinr)
    "people_4g_served": ("Có sóng 4G", "4G served", INT),
    "people_4g_target": ("Đạt 40 Mbit/s (4G)", "Reach 40 Mbit/s (4G)", INT),
    "people_4g_speed_gap": ("4G dưới mục tiêu tốc độ", "4G below speed target", INT),
    "user_throughput_4g_mbps": ("Tốc độ 4G TB (Mbit/s)", "Mean 4G speed (Mbit/s)", DEC1),
    "people_5g_served": ("Có sóng 5G", "5G served", INT),
    "people_5g_target": ("Đạt 100 Mbit/s (5G)", "Reach 100 Mbit/s (5G)", INT),
    "people_5g_speed_gap": ("5G dưới mục tiêu tốc độ", "5G below speed target", INT),
    "user_throughput_5g_mbps": ("Tốc độ 5G TB (Mbit/s)", "Mean 5G speed (Mbit/s)", DEC1),
}

# dynamic per-operator columns: regex -> (Vietnamese template, English template, format)
_PATTERNS: list[tuple[re.Pattern[str], tuple[str, str, str]]] = [
    (re.compile(r"^people_covered_tech_(.+)$"), ("Được phủ sóng {op}", "Covered by {op}", INT)),
    (re.compile(r"^people_covered_(.+)$"), ("Được phủ sóng – {op}", "Covered – {op}", INT)),
    (re.compile(r"^people_4g_target_(.+)$"), ("Đạt mục tiêu 4G – {op}", "4G target – {op}", INT)),
    (re.compile(r"^people_5g_target_(.+)$"), ("Đạt mục tiêu 5G – {op}", "5G target – {op}", INT)),
    (re.compile(r"^people_(?!newly_covered$)(.+)$"), ("Phủ mới – {op}", "Newly covered – {op}", INT)),
    (re.compile(r"^rsrp_(.+)_dbm$"), ("RSRP {op} (dBm)", "RSRP {op} (dBm)", PCT)),
]

_OPERATOR_NAMES = {
    "2g": "2G", "3g": "3G", "4g": "4G", "5g": "5G",  # technologies (people_covered_tech_4g)
    "viettel": "Viettel",
    "mobifone": "MobiFone",
    "vnpt_vinaphone": "VNPT-VinaPhone",
    "vinaphone": "VinaPhone",
    "vietnamobile": "Vietnamobile",
    "gmobile": "Gmobile",
}


# cell values shown in the report tables and the workbook (as "Tiếng Việt / English"); the CSV and
# GeoPackage files keep the original values
VALUES: dict[str, tuple[str, str]] = {
    "yes": ("Có", "Yes"),
    "per_operator": ("Riêng từng nhà mạng", "One per operator"),
    "shared": ("Dùng chung", "Shared"),
    "no": ("Không", "No"),
    "greenfield": ("Xây trạm mới", "New tower"),
    "colocation": ("Dùng chung trạm", "Co-location"),
    "co-location": ("Dùng chung trạm", "Co-location"),
    "microwave": ("Viba", "Microwave"),
    "microwave (assumed)": ("Viba (giả định)", "Microwave (assumed)"),
    "fibre": ("Cáp quang", "Fibre"),
    "fiber": ("Cáp quang", "Fibre"),
    "road": ("Đường", "Road"),
    "user": ("Vị trí do địa phương đề xuất", "User-listed site"),
}


# the provincial outputs' text (villages, province plan table, comparison): towerplan.export.i18n_plan
def _merge_plan_text() -> None:
    from towerplan.export.i18n_plan import PLAN_COLUMNS, PLAN_PATTERNS, PLAN_STRINGS

    for lang_code in LANGS:
        STRINGS[lang_code].update(PLAN_STRINGS[lang_code])
    COLUMNS.update(PLAN_COLUMNS)
    _PATTERNS[:0] = [(re.compile(rx), labels) for rx, labels in PLAN_PATTERNS]


_merge_plan_text()


def value_label(value: object, lang: str) -> object:
    """Localised display text of a known cell value (others unchanged)."""
    if isinstance(value, str) and value.lower() in VALUES:
        return VALUES[value.lower()][LANGS.index(lang)]
    return value


def text(key: str, lang: str, **values: object) -> str:
    """The string ``key`` in ``lang``, formatted with ``values``."""
    template = STRINGS[lang][key]
    return template.format(**values) if values else template


def _operator_name(slug: str) -> str:
    return _OPERATOR_NAMES.get(slug.lower().replace("-", "_"), slug)


def column_label(column: str, lang: str) -> str:
    """Human column title in ``lang`` (the column name itself when unknown)."""
    index = LANGS.index(lang)
    if column in COLUMNS:
        return COLUMNS[column][index]
    for pattern, labels in _PATTERNS:
        match = pattern.match(column)
        if match:
            return labels[index].format(op=_operator_name(match.group(1)))
    return column


def column_format(column: str) -> str:
    """Excel number format of ``column`` (``""`` = general)."""
    if column in COLUMNS:
        return COLUMNS[column][2]
    for pattern, labels in _PATTERNS:
        if pattern.match(column):
            return labels[2]
    return ""


def _merge_provincial() -> None:
    """Add the labels of the provincial-plan options (:mod:`towerplan.export.i18n_provincial`)."""
    from towerplan.export import i18n_provincial, i18n_village_target

    for lang in LANGS:
        STRINGS[lang].update(i18n_provincial.STRINGS[lang])
        STRINGS[lang].update(i18n_village_target.STRINGS[lang])
    COLUMNS.update(i18n_provincial.COLUMNS)
    COLUMNS.update(i18n_village_target.COLUMNS)
    VALUES.update(i18n_provincial.VALUES)


_merge_provincial()
