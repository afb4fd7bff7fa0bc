"""Every label and message of the app and its maps, in Vietnamese and English.

``t(key, lang, **values)`` looks a key up and fills ``{placeholders}``. Vietnamese is
the default: the users are provincial planners; English is one click away in the
app's sidebar. ``tests/test_app.py`` checks that every key exists in both languages
with the same placeholders, and that every key the app and maps use is defined.

No streamlit import: the map builders use the same strings.
"""

from __future__ import annotations

import string
from typing import Literal

from towerplan.i18n_columns import COLUMNS_EN, COLUMNS_VI
from towerplan.i18n_landcover import LANDCOVER_EN, LANDCOVER_VI
from towerplan.i18n_measurements import MEASUREMENTS_EN, MEASUREMENTS_VI
from towerplan.i18n_plan_app import PLAN_APP_EN, PLAN_APP_VI
from towerplan.i18n_provincial import PROVINCIAL_MESSAGES
from towerplan.i18n_radio import RADIO_EN, RADIO_VI
from towerplan.i18n_scenario import SCENARIO_EN, SCENARIO_VI
from towerplan.i18n_service import SERVICE_EN, SERVICE_VI
from towerplan.i18n_store import STORE_MESSAGES
from towerplan.i18n_summary import SUMMARY_EN, SUMMARY_VI
from towerplan.i18n_widgets import WIDGETS_EN, WIDGETS_VI

__all__ = ["LANGUAGES", "DEFAULT_LANG", "Lang", "t", "MESSAGES", "placeholders"]

Lang = Literal["vi", "en"]
DEFAULT_LANG: Lang = "vi"
#: language code -> its own name (for the switch)
LANGUAGES: dict[str, str] = {"vi": "Tiếng Việt", "en": "English"}

_VI: dict[str, str] = {
    # --- app shell
    "app_tagline": "Vùng phủ sóng, vùng lõm và trạm dùng chung cho các tỉnh miền núi.",
    "lang_switch": "Ngôn ngữ / Language",
    "data_source": "Dữ liệu: {label}",
    "demo_label": "Tỉnh mẫu tổng hợp (không phải dữ liệu thật)",
    "page_overview": "Tổng quan",
    "page_data": "Dữ liệu",
    "page_coverage": "Vùng phủ",
    "page_gaps": "Vùng lõm",
    "page_towers": "Trạm dùng chung",
    "page_export": "Xuất kết quả",
    "offline_note": "Bản đồ không tải tài nguyên nào từ Internet.",
    "osm_toggle": "Nền OpenStreetMap (cần Internet)",
    "osm_help": "Thêm lớp bản đồ nền OpenStreetMap. Khi không có mạng lớp này để trống, phần còn lại vẫn hoạt động.",
    "run_first": "Chưa có kết quả vùng phủ: hãy chạy ở trang «Vùng phủ» trước.",
    "run_gaps_first": "Chưa có kết quả vùng lõm: hãy chạy ở trang «Vùng lõm» trước.",
    "results_stale": "Dữ liệu đã thay đổi sau lần chạy này: hãy chạy lại.",
    # --- overview
    "metric_sites": "Vị trí trạm",
    "metric_sectors": "Cell (hướng phát)",
    "metric_operators": "Nhà mạng",
    "metric_area": "Diện tích",
    "stations_by_op": "Trạm theo nhà mạng và công nghệ",
    "grid_caption": "Lưới: {w} × {h} ô {res:.0f} m, hệ toạ độ EPSG:{epsg} (WGS 84 / UTM).",
    "terrain_source": "địa hình: {label}",
    # --- data
    "data_intro": (
        "Bắt đầu với **tỉnh mẫu tổng hợp** có sẵn, hoặc tải lên danh sách trạm của từng nhà mạng (CSV, XLSX, "
        "GeoJSON, KML/KMZ, GeoPackage hoặc tệp OpenCelliD), mô hình độ cao (DEM), dân số, ranh giới xã và "
        "đường giao thông. Tiêu đề cột tiếng Việt hoặc tiếng Anh đều được nhận."
    ),
    "data_choice": "Nguồn dữ liệu",
    "data_choice_demo": "Tỉnh mẫu (độ phân giải 90 m)",
    "data_choice_upload": "Tải tệp lên",
    "upload_stations": "Danh sách trạm (một hoặc nhiều tệp)",
    "upload_dem": "Mô hình độ cao DEM (GeoTIFF hoặc SRTM .hgt)",
    "upload_population": "Dân số (GeoTIFF, người/ô)",
    "upload_communes": "Ranh giới xã (GeoPackage, GeoJSON)",
    "upload_roads": "Đường giao thông (GeoPackage, GeoJSON)",
    "upload_limit": "Mỗi tệp tối đa {mb} MB.",
    "upload_too_big": "Tệp «{name}» nặng {size:.0f} MB, vượt giới hạn {mb} MB: hãy cắt nhỏ hoặc nén tệp.",
    "upload_read_error": "Không đọc được tệp tải lên: {error}",
    "kept_sectors": "Giữ lại {n} cell từ {files} tệp.",
    "issues_found": "{errors} lỗi và {warnings} cảnh báo: các dòng lỗi được liệt kê bên dưới, không bị bỏ qua âm thầm.",
    "validation_report": "Báo cáo kiểm tra",
    "download_errors": "Tải các dòng lỗi (CSV)",
    "download_template_csv": "Tải mẫu danh sách trạm (CSV)",
    "download_template_xlsx": "Tải mẫu danh sách trạm (XLSX)",
    "download_demo_stations": "Tải danh sách trạm mẫu (CSV)",
    "use_uploads": "Dùng dữ liệu đã tải lên",
    "use_demo": "Quay lại tỉnh mẫu",
    "uploads_need_dem": (
        "Cần có DEM để tính vùng phủ; không có tệp DEM thì dùng địa hình, dân số, xã và đường của "
        "tỉnh mẫu."
    ),
    "using_uploads": "Đang dùng dữ liệu tải lên: {label}",
    "loaded_summary": "Dữ liệu đang dùng",
    "summary_extent": "Phạm vi (kinh độ, vĩ độ): {w:.3f}–{e:.3f} °E, {s:.3f}–{n:.3f} °N",
    "summary_crs": "Hệ toạ độ phân tích: {crs}; lưới {w} × {h} ô {res:.0f} m",
    "summary_people": "Dân số trên lưới: {people} người",
    "summary_layers": "Lớp: {layers}",
    "no_stations": "Không còn cell hợp lệ nào.",
    # --- coverage
    "cov_intro": (
        "Tính cường độ tín hiệu của mọi cell trên địa hình, rồi vẽ nhà mạng phục vụ tốt nhất và "
        "vùng chồng lấn."
    ),
    "cov_model": "Mô hình truyền sóng",
    "model_auto": "Tự động: ITU-R P.1812 (30-6000 MHz, có lớp phủ mặt đất), ITM ngoài dải",
    "model_p1812": "ITU-R P.1812 (địa hình + lớp phủ)",
    "model_itm": "ITM (Longley-Rice)",
    "model_hata": "Hata + nhiễu xạ",
    "model_cost231": "COST-231 + nhiễu xạ",
    "model_fspl": "Không gian tự do",
    "cov_threshold": "Ngưỡng phủ sóng (dBm)",
    "cov_technology": "Công nghệ",
    "cov_indoor": "Suy hao trong nhà (dB)",
    "cov_body": "Suy hao cơ thể (dB)",
    "cov_shadow": "Xác suất vị trí (%)",
    "cov_resolution": "Độ phân giải (m)",
    "cov_run": "Tính vùng phủ",
    "cov_progress": "Đang tính vùng phủ… {pct:.0f} %",
    "cov_done": "Xong trong {s:.1f} s: {sites} vị trí, {sectors} cell.",
    "cov_no_stations": "Không có cell {tech} nào để tính.",
    "cov_area": "Diện tích được phủ",
    "cov_people": "Dân được phủ",
    "cov_summary_op": "Theo nhà mạng",
    "cov_skipped": "{n} cell nằm ngoài DEM nên bị bỏ qua.",
    # --- gaps
    "gaps_intro": "Vùng lõm: cụm ô có dân mà không nhà mạng nào phủ sóng, xếp theo số dân và độ xa.",
    "gaps_run": "Phân tích vùng lõm",
    "gaps_min_people": "Bỏ vùng lõm ít hơn (người)",
    "gaps_progress": "Đang phân tích vùng lõm… {pct:.0f} %",
    "gaps_table": "Vùng lõm theo thứ tự ưu tiên (chọn một dòng để phóng to bản đồ)",
    "gaps_none": "Không tìm thấy vùng lõm nào.",
    "gaps_selected": "Đang xem vùng lõm hạng {rank}: {people:,.0f} người, {commune}.",
    "gaps_count": "Số vùng lõm",
    "gaps_people": "Dân trong vùng lõm",
    "covered_any_pct": "Dân được phủ (bất kỳ nhà mạng)",
    "commune_table": "Theo xã",
    "road_table": "Đường được phủ sóng",
    "road_km": "Đường (km)",
    "road_covered_km": "Đường được phủ (km)",
    "score_formula": "Điểm ưu tiên: {formula}",
    # --- shared towers
    "towers_intro": (
        "Đề xuất trạm dùng chung (thuê trên trạm có sẵn hoặc cột mới) phủ được nhiều dân nhất "
        "trong ngân sách."
    ),
    "budget_kind": "Ngân sách",
    "budget_towers": "Số trạm",
    "budget_vnd": "Tiền (tỷ đồng)",
    "budget_towers_n": "Số trạm tối đa",
    "budget_vnd_bn": "Ngân sách (tỷ đồng)",
    "radio_sharing": "Thiết bị vô tuyến",
    "sharing_per_operator": "Mỗi nhà mạng một bộ",
    "sharing_shared": "Dùng chung (MOCN/MORAN)",
    "horizon_years": "Thời gian tính chi phí (năm)",
    "fibre_assumed_warning": ("Không có dữ liệu điểm cáp quang: giả định mọi trạm hiện có đều có cáp quang "
                              "({n} trạm đề xuất dựa vào giả định này). Hãy nạp điểm cáp quang của nhà mạng."),
    "discount_rate_pct": "Tỷ lệ chiết khấu (%/năm)",
    "towers_costs": ("Vốn đầu tư {capex:,.2f} tỷ đồng; chi phí {years:g} năm quy về hiện tại {pv:,.2f} tỷ đồng "
                     "(chiết khấu {rate:g} %/năm)"),
    "method": "Phương pháp",
    "method_greedy": "Tham lam (nhanh)",
    "method_ilp": "Quy hoạch nguyên (tối ưu)",
    "objective": "Mục tiêu",
    "objective_any": "Dân chưa có sóng của nhà mạng nào",
    "objective_per_operator": "Dân chưa có sóng của từng nhà mạng (cộng theo nhà mạng)",
    "towers_run": "Đề xuất trạm",
    "towers_progress": "Đang đề xuất trạm… {pct:.0f} % (tính vùng phủ của từng vị trí ứng viên)",
    "towers_done": "{n} trạm phủ thêm {people:,.0f} người với {cost:,.2f} tỷ đồng.",
    "towers_none": "Không có đề xuất nào (không còn dân chưa được phủ, hoặc ngân sách quá nhỏ).",
    "proposals_table": "Các trạm đề xuất (theo thứ tự xây)",
    "curve_title": "Dân được phủ thêm theo số trạm",
    "before_after": "Trước và sau",
    "before": "Trước",
    "after": "Sau",
    "people_uncovered": "Dân chưa có sóng",
    "kind_colocation": "thuê trạm có sẵn",
    "kind_greenfield": "cột mới",
    # --- export
    "export_intro": "Tải về kết quả để đưa vào quy hoạch.",
    "export_zip": "Tải toàn bộ gói quy hoạch (ZIP)",
    "export_nothing": "Chưa có gì để xuất: hãy chạy vùng phủ, vùng lõm và đề xuất trạm trước.",
    "export_file": "Tải {name}",
    "export_missing": "Chưa có: {what}",
    "export_pdf_missing": "Báo cáo PDF sẽ có khi mô-đun xuất (towerplan.export) hoàn thành.",
    # --- maps
    "map_terrain": "Địa hình (bóng đổ)",
    "map_osm": "OpenStreetMap (trực tuyến)",
    "map_communes": "Ranh giới xã",
    "map_roads": "Đường giao thông",
    "map_stations": "Trạm: {op} ({n} vị trí)",
    "map_best_rsrp": "Tín hiệu mạnh nhất (dBm)",
    "map_best_server": "Nhà mạng phục vụ tốt nhất",
    "map_operator_level": "Vùng phủ {op}",
    "map_overlap": "Số cell phủ (chồng lấn)",
    "map_gaps": "Vùng lõm",
    "map_choropleth": "Tỷ lệ dân được phủ theo xã",
    "map_road_cov": "Đường: có sóng / không sóng",
    "map_proposals": "Trạm đề xuất",
    "map_newly_covered": "Vùng được phủ thêm",
    "legend_rsrp": "Tín hiệu mạnh nhất (RSRP, dBm)",
    "legend_rsrp_note": "Trong suốt: dưới ngưỡng {threshold:.0f} dBm (không có sóng).",
    "legend_stations": "Nhà mạng",
    "legend_stations_note": "Hình quạt chỉ hướng anten, không phải vùng phủ.",
    "legend_overlap": "Số cell phủ",
    "legend_gaps": "Vùng lõm theo hạng ưu tiên",
    "legend_choropleth": "Dân được phủ theo xã (%)",
    "legend_proposals": "Trạm đề xuất (số = thứ tự xây)",
    "legend_colocation": "Thuê trạm có sẵn",
    "legend_greenfield": "Cột mới",
    "road_covered": "Đường có sóng",
    "road_uncovered": "Đường không sóng",
    "scenario_demo_variant": (
        "Kịch bản «{name}» dùng một biến thể khác của tỉnh mẫu: ứng dụng chỉ nhận tỉnh mẫu hạt giống {seed} với "
        "độ phân giải {resolutions} m. Hãy chạy kịch bản này bằng dòng lệnh (towerplan run)."
    ),
    # --- uploads and runs (app_pages.common.handle_upload, run_guard)
    'upload_empty': 'Tệp «{name}» rỗng (0 byte): hãy chọn lại tệp.',
    'upload_too_large': (
        'Tệp «{name}» nặng {size}, vượt giới hạn tải lên {limit}: hãy cắt nhỏ, cắt theo vùng nghiên cứu, '
        'hoặc dùng dòng lệnh với tệp trên máy.'
    ),
    'upload_bad_type': 'Tệp «{name}» không đúng loại cho ô này (chỉ nhận {allowed}): {error}',
    'upload_unusable': 'Không dùng được tệp «{name}»: {error}',
    'upload_memory': (
        'Tệp «{name}» cần nhiều bộ nhớ hơn máy chủ có: hãy cắt theo vùng nghiên cứu hoặc dùng độ phân giải '
        'thô hơn.'
    ),
    'upload_unexpected': (
        'Lỗi không mong đợi khi đọc tệp «{name}» ({error}). Tệp chưa được dùng; hãy kiểm tra tệp, hoặc gửi '
        'nó cho nhóm phát triển towerplan.'
    ),
    'upload_no_rows': 'Tệp «{name}» không có dòng trạm nào dùng được: xem báo cáo kiểm tra bên dưới.',
    'upload_needs_dem': 'Tệp dân số «{name}» cần một DEM hợp lệ: hãy tải lên DEM cùng lúc.',
    'upload_population_outside': (
        'Tệp dân số «{name}»: lớp dân số không chồng lên vùng tính (vùng của DEM); hãy '
        'kiểm tra phạm vi và hệ toạ độ của tệp.'
    ),
    'upload_note': 'Tệp «{name}»: {note}',
    'upload_dem_needs_population': 'Đã có DEM: hãy tải thêm lớp dân số (GeoTIFF, người/ô) trên cùng vùng.',
    'upload_stored': 'Tệp tải lên được lưu trong thư mục tạm riêng của phiên này và tự xoá sau {hours:.0f} giờ.',
    'run_failed': '{what}: không thực hiện được: {error}. Hãy sửa dữ liệu hoặc tham số rồi chạy lại.',
    'run_failed_memory': (
        '{what}: máy chủ không đủ bộ nhớ. Hãy dùng độ phân giải thô hơn, vùng nhỏ hơn hoặc ít công nghệ '
        'hơn. Kết quả trước đó vẫn được giữ.'
    ),
    'run_failed_unexpected': (
        '{what}: lỗi không mong đợi ({error}). Kết quả trước đó vẫn được giữ. Hãy chạy lại; nếu lỗi lặp '
        'lại, hãy thử độ phân giải thô hơn và báo cho nhóm phát triển kèm dữ liệu đã dùng.'
    ),
    'run_stoppable': (
        'Có thể dừng lần chạy bằng nút «Stop» (góc trên bên phải) hoặc bằng cách đổi tham số; kết quả trước '
        'đó được giữ nguyên cho tới khi một lần chạy hoàn tất.'
    ),
    # --- scenarios (save / load) and one site's footprint
    "objective_backup": "Dân chỉ có sóng của một nhà mạng (dự phòng)",
    "cov_site": "Một trạm",
    "cov_site_placeholder": "Chọn một trạm để xem vùng phủ riêng của nó (gõ để tìm)",
    "cov_site_done": "Trạm {site} ({op}): {sectors} cell, phủ {area:,.1f} km² (≥ {threshold:.0f} dBm), {s:.1f} giây.",
    "map_site": "Vùng phủ trạm {site} ({op})",
    "legend_site": "Một trạm",
}

_EN: dict[str, str] = {
    "app_tagline": "Coverage, dead zones and shared towers for mountain provinces.",
    "lang_switch": "Ngôn ngữ / Language",
    "data_source": "Data: {label}",
    "demo_label": "Synthetic demo province (not real data)",
    "page_overview": "Overview",
    "page_data": "Data",
    "page_coverage": "Coverage",
    "page_gaps": "Gaps",
    "page_towers": "Shared towers",
    "page_export": "Export",
    "offline_note": "Maps load no internet resources.",
    "osm_toggle": "OpenStreetMap background (needs internet)",
    "osm_help": "Adds an OpenStreetMap tile layer. Offline it stays blank; everything else still works.",
    "run_first": "No coverage yet: run it on the Coverage page first.",
    "run_gaps_first": "No gap analysis yet: run it on the Gaps page first.",
    "results_stale": "The data changed after this run: run it again.",
    "metric_sites": "Sites",
    "metric_sectors": "Sectors",
    "metric_operators": "Operators",
    "metric_area": "Area",
    "stations_by_op": "Stations per operator and technology",
    "grid_caption": "Grid: {w} × {h} cells of {res:.0f} m, CRS EPSG:{epsg} (WGS 84 / UTM).",
    "terrain_source": "terrain: {label}",
    "data_intro": (
        "Start from the built-in **synthetic demo province**, or upload the station lists each operator sent "
        "(CSV, XLSX, GeoJSON, KML/KMZ, GeoPackage or an OpenCelliD dump), a DEM, a population raster, commune "
        "boundaries and roads. Vietnamese or English headers are recognised."
    ),
    "data_choice": "Data source",
    "data_choice_demo": "Demo province (90 m)",
    "data_choice_upload": "Upload files",
    "upload_stations": "Station lists (one or several files)",
    "upload_dem": "Elevation model DEM (GeoTIFF or SRTM .hgt)",
    "upload_population": "Population (GeoTIFF, people per cell)",
    "upload_communes": "Commune boundaries (GeoPackage, GeoJSON)",
    "upload_roads": "Roads (GeoPackage, GeoJSON)",
    "upload_limit": "At most {mb} MB per file.",
    "upload_too_big": "“{name}” is {size:.0f} MB, over the {mb} MB limit: split or compress the file.",
    "upload_read_error": "Could not read the upload: {error}",
    "kept_sectors": "{n} sector(s) kept from {files} file(s).",
    "issues_found": (
        "{errors} error(s) and {warnings} warning(s): rows in error are listed below, not dropped "
        "silently."
    ),
    "validation_report": "Validation report",
    "download_errors": "Download the rows in error (CSV)",
    "download_template_csv": "Download the station-list template (CSV)",
    "download_template_xlsx": "Download the station-list template (XLSX)",
    "download_demo_stations": "Download the demo station list (CSV)",
    "use_uploads": "Use the uploaded data",
    "use_demo": "Back to the demo province",
    "uploads_need_dem": (
        "Coverage needs a DEM; without one, the demo's terrain, population, communes and roads are "
        "used."
    ),
    "using_uploads": "Using uploaded data: {label}",
    "loaded_summary": "What is loaded",
    "summary_extent": "Extent (lon, lat): {w:.3f}–{e:.3f} °E, {s:.3f}–{n:.3f} °N",
    "summary_crs": "Analysis CRS: {crs}; grid {w} × {h} cells of {res:.0f} m",
    "summary_people": "People on the grid: {people}",
    "summary_layers": "Layers: {layers}",
    "no_stations": "No valid sector is left.",
    "cov_intro": "Computes every sector's signal over the terrain, then the best server and the overlap.",
    "cov_model": "Propagation model",
    "model_auto": "Automatic: ITU-R P.1812 (30-6000 MHz, with land cover), ITM outside",
    "model_p1812": "ITU-R P.1812 (terrain + clutter)",
    "model_itm": "ITM (Longley-Rice)",
    "model_hata": "Hata + diffraction",
    "model_cost231": "COST-231 + diffraction",
    "model_fspl": "Free space",
    "cov_threshold": "Coverage threshold (dBm)",
    "cov_technology": "Technology",
    "cov_indoor": "Indoor loss (dB)",
    "cov_body": "Body loss (dB)",
    "cov_shadow": "Location probability (%)",
    "cov_resolution": "Resolution (m)",
    "cov_run": "Compute coverage",
    "cov_progress": "Computing coverage… {pct:.0f} %",
    "cov_done": "Done in {s:.1f} s: {sites} sites, {sectors} sectors.",
    "cov_no_stations": "No {tech} sectors to compute.",
    "cov_area": "Area covered",
    "cov_people": "People covered",
    "cov_summary_op": "Per operator",
    "cov_skipped": "{n} sector(s) lie outside the DEM and were left out.",
    "gaps_intro": "Dead zones: groups of populated cells no operator covers, ranked by people and remoteness.",
    "gaps_run": "Analyse gaps",
    "gaps_min_people": "Drop gaps with fewer people than",
    "gaps_progress": "Analysing gaps… {pct:.0f} %",
    "gaps_table": "Gaps by priority (select a row to zoom the map)",
    "gaps_none": "No gaps found.",
    "gaps_selected": "Showing gap rank {rank}: {people:,.0f} people, {commune}.",
    "gaps_count": "Gaps",
    "gaps_people": "People in gaps",
    "covered_any_pct": "People covered (any operator)",
    "commune_table": "Per commune",
    "road_table": "Road coverage",
    "road_km": "Roads (km)",
    "road_covered_km": "Roads covered (km)",
    "score_formula": "Priority score: {formula}",
    "towers_intro": (
        "Proposes shared towers (tenancy on existing towers or new masts) covering the most people "
        "within a budget."
    ),
    "budget_kind": "Budget",
    "budget_towers": "Towers",
    "budget_vnd": "Money (bn VND)",
    "budget_towers_n": "Number of towers",
    "budget_vnd_bn": "Budget (bn VND)",
    "radio_sharing": "Radio equipment",
    "sharing_per_operator": "One per operator",
    "sharing_shared": "Shared (MOCN/MORAN)",
    "horizon_years": "Cost horizon (years)",
    "fibre_assumed_warning": ("No fibre points given: every existing tower is assumed fibre-fed ({n} proposed "
                              "site(s) rely on it). Load the operators' fibre points to replace the assumption."),
    "discount_rate_pct": "Discount rate (% a year)",
    "towers_costs": ("Capex {capex:,.2f} bn VND; {years:g}-year cost at present value {pv:,.2f} bn VND "
                     "(discounted at {rate:g} % a year)"),
    "method": "Method",
    "method_greedy": "Greedy (fast)",
    "method_ilp": "Integer programme (optimal)",
    "objective": "Objective",
    "objective_any": "People without coverage from any operator",
    "objective_per_operator": "People without each operator (summed over operators)",
    "towers_run": "Propose towers",
    "towers_progress": "Proposing towers… {pct:.0f} % (computing each candidate site's coverage)",
    "towers_done": "{n} tower(s) newly cover {people:,.0f} people for {cost:,.2f} bn VND.",
    "towers_none": "No proposal (nobody left without coverage, or the budget is too small).",
    "proposals_table": "Proposed towers (in build order)",
    "curve_title": "People newly covered versus towers built",
    "before_after": "Before and after",
    "before": "Before",
    "after": "After",
    "people_uncovered": "People without coverage",
    "kind_colocation": "tenancy on existing tower",
    "kind_greenfield": "new mast",
    "export_intro": "Download the results for the plan.",
    "export_zip": "Download the whole plan package (ZIP)",
    "export_nothing": "Nothing to export yet: run coverage, gaps and shared towers first.",
    "export_file": "Download {name}",
    "export_missing": "Not yet available: {what}",
    "export_pdf_missing": "The PDF report comes with the export module (towerplan.export).",
    "map_terrain": "Terrain (hillshade)",
    "map_osm": "OpenStreetMap (online)",
    "map_communes": "Communes",
    "map_roads": "Roads",
    "map_stations": "Stations: {op} ({n} sites)",
    "map_best_rsrp": "Best signal (dBm)",
    "map_best_server": "Best server (operator)",
    "map_operator_level": "Coverage {op}",
    "map_overlap": "Sectors covering (overlap)",
    "map_gaps": "Gaps",
    "map_choropleth": "People covered per commune",
    "map_road_cov": "Roads: covered / not covered",
    "map_proposals": "Proposed towers",
    "map_newly_covered": "Newly covered",
    "legend_rsrp": "Best signal (RSRP, dBm)",
    "legend_rsrp_note": "Transparent: below the {threshold:.0f} dBm threshold (no service).",
    "legend_stations": "Operators",
    "legend_stations_note": "Wedges show sector directions, not coverage.",
    "legend_overlap": "Sectors covering",
    "legend_gaps": "Gaps by priority rank",
    "legend_choropleth": "People covered per commune (%)",
    "legend_proposals": "Proposed towers (number = build order)",
    "legend_colocation": "Tenancy on an existing tower",
    "legend_greenfield": "New mast",
    "road_covered": "Road covered",
    "road_uncovered": "Road not covered",
    "scenario_demo_variant": (
        "The scenario “{name}” uses another variant of the demo province: the app takes only the demo with "
        "seed {seed} at {resolutions} m. Run this scenario from the command line (towerplan run)."
    ),
    # --- uploads and runs (app_pages.common.handle_upload, run_guard)
    'upload_empty': '“{name}”: the file is empty (0 bytes): choose the file again.',
    'upload_too_large': (
        '“{name}” is {size}, over the upload limit of {limit}: split it, clip it to the study area, or use '
        'the command line on local files.'
    ),
    'upload_bad_type': '“{name}” is not a file type this upload takes ({allowed}): {error}',
    'upload_unusable': '“{name}” cannot be used: {error}',
    'upload_memory': (
        '“{name}” needs more memory than this server has: clip it to the study area or use a coarser '
        'resolution.'
    ),
    'upload_unexpected': (
        'Unexpected error while reading “{name}” ({error}). The file was not used: check it, or send it to '
        'the towerplan maintainers.'
    ),
    'upload_no_rows': '“{name}” has no usable station rows: see the validation report below.',
    'upload_needs_dem': 'The population raster “{name}” needs a valid DEM: upload one with it.',
    'upload_population_outside': (
        "“{name}”: the population raster does not overlap the coverage grids (the DEM's area); check its "
        'extent and coordinate system.'
    ),
    'upload_note': '“{name}”: {note}',
    'upload_dem_needs_population': 'With a DEM, upload the population (GeoTIFF, people per cell) of the same area.',
    'upload_stored': (
        "Uploads are kept in this session's private temporary folder and removed after {hours:.0f} hours "
        'without use.'
    ),
    'run_failed': '{what} could not run: {error}. Fix the data or the settings and run again.',
    'run_failed_memory': (
        '{what}: the server ran out of memory. Use a coarser resolution, a smaller area or fewer '
        'technologies. The previous results are kept.'
    ),
    'run_failed_unexpected': (
        '{what} stopped on an unexpected error ({error}). The previous results are kept. Run it again; if '
        'it happens again, try a coarser resolution and report it to the towerplan maintainers with the '
        'data used.'
    ),
    'run_stoppable': (
        'A run can be stopped with “Stop” (top right) or by changing a setting; the previous results stay '
        'until a run completes.'
    ),
    # --- scenarios (save / load) and one site's footprint
    "objective_backup": "People served by only one operator (backup)",
    "cov_site": "One site",
    "cov_site_placeholder": "Choose a site to see its own coverage (type to search)",
    "cov_site_done": "Site {site} ({op}): {sectors} sector(s), {area:,.1f} km² covered (≥ {threshold:.0f} dBm), "
                     "{s:.1f} s.",
    "map_site": "Coverage of site {site} ({op})",
    "legend_site": "One site",
}

# the other message tables, in this order (a later one wins; Villages and Compare pages: PLAN_APP)
for _vi, _en in ((COLUMNS_VI, COLUMNS_EN), (MEASUREMENTS_VI, MEASUREMENTS_EN), (SCENARIO_VI, SCENARIO_EN),
                 (RADIO_VI, RADIO_EN),
                 (SERVICE_VI, SERVICE_EN), (PLAN_APP_VI, PLAN_APP_EN), (STORE_MESSAGES["vi"], STORE_MESSAGES["en"]),
                 (SUMMARY_VI, SUMMARY_EN), (PROVINCIAL_MESSAGES["vi"], PROVINCIAL_MESSAGES["en"]),
                 (LANDCOVER_VI, LANDCOVER_EN), (WIDGETS_VI, WIDGETS_EN)):
    _VI.update(_vi)
    _EN.update(_en)

#: language -> key -> text
MESSAGES: dict[str, dict[str, str]] = {"vi": _VI, "en": _EN}


def placeholders(text: str) -> set[str]:
    """The ``{names}`` a message expects."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def t(key: str, lang: str = DEFAULT_LANG, /, **values: object) -> str:
    """The message ``key`` in ``lang`` (unknown languages fall back to Vietnamese), formatted with ``values``.

    An unknown key raises ``KeyError``: a missing translation is a bug, caught by the tests.
    """
    table = MESSAGES.get(lang, MESSAGES[DEFAULT_LANG])
    text = table[key]
    return text.format(**values) if values else text
