"""The app's Villages and Compare pages, in Vietnamese and English (merged into :mod:`towerplan.i18n`)."""

from __future__ import annotations

__all__ = ["PLAN_APP_EN", "PLAN_APP_VI"]

PLAN_APP_VI: dict[str, str] = {
    "page_villages": "Thôn bản",
    "page_compare": "So sánh phương án",
    "vil_intro": (
        "Tải lên danh sách thôn, bản của tỉnh (CSV hoặc XLSX: tên thôn, xã, kinh độ, vĩ độ, số hộ, điện lưới; có thể "
        "có cột «Không có sóng» theo báo cáo của tỉnh). Mỗi thôn được đánh giá có sóng hay không theo kết quả trang "
        "«Vùng phủ», khoảng cách tới trạm và đường gần nhất, và vùng lõm chứa thôn."
    ),
    "vil_upload": "Danh sách thôn bản (CSV, XLSX)",
    "vil_use_demo": "Dùng danh sách thôn bản mẫu (giả lập)",
    "vil_demo_label": "Thôn bản mẫu tổng hợp (không phải dữ liệu thật)",
    "vil_loaded": "Đã đọc {n} thôn bản từ {name}.",
    "vil_issues": "Các vấn đề trong danh sách (hàng có lỗi bị bỏ qua)",
    "vil_none": "Chưa có danh sách thôn bản: hãy tải lên hoặc dùng danh sách mẫu.",
    "vil_total": "Số thôn bản",
    "vil_without": "Thôn bản chưa có sóng",
    "vil_households": "Số hộ chưa có sóng",
    "vil_no_power": "Chưa có sóng và chưa có điện",
    "vil_precision": "Độ chính xác (precision)",
    "vil_recall": "Độ bao phủ (recall)",
    "vil_agreement": (
        "So với danh sách lõm sóng của tỉnh: {tp} thôn cả hai cùng lõm, {fp} thôn chỉ mô hình báo lõm, {fn} thôn chỉ "
        "tỉnh báo lõm."
    ),
    "vil_check": "Thôn bản cần kiểm tra thực địa",
    "vil_table": "Các thôn bản",
    "vil_download": "Tải bảng thôn bản (CSV)",
    "cmp_intro": (
        "Tải lên hai gói kết quả (tệp ZIP tải từ trang «Xuất kết quả» hoặc thư mục của `towerplan run` đã nén). "
        "Trang này cho biết phương án B thay đổi gì so với phương án A: theo xã, theo thôn bản và các trạm đề xuất."
    ),
    "cmp_plan_a": "Phương án A (ZIP)",
    "cmp_plan_b": "Phương án B (ZIP)",
    "cmp_use_session": "Dùng gói vừa xuất trong phiên này làm phương án A",
    "cmp_need_two": "Cần hai gói kết quả để so sánh.",
    "cmp_identical": "Hai phương án giống hệt nhau.",
    "cmp_people": "Chênh lệch dân số được phủ (B − A)",
    "cmp_proposals": "Trạm đề xuất khác nhau",
    "cmp_area": "Diện tích được phủ thêm / mất (km²)",
    "cmp_villages": "Thôn bản được phủ thêm / mất",
    "cmp_communes": "Thay đổi theo xã",
    "cmp_props": "Các trạm đề xuất khác nhau",
    "cmp_village_table": "Thôn bản thay đổi",
    "cmp_download": "Tải kết quả so sánh (ZIP)",
}

PLAN_APP_EN: dict[str, str] = {
    "page_villages": "Villages",
    "page_compare": "Compare plans",
    "vil_intro": (
        "Upload the province's village list (CSV or XLSX: village name, commune, longitude, latitude, households, "
        "grid power; optionally a «no signal» column from the province's reports). Each village is judged served or "
        "not from the Coverage page's result, with the distance to the nearest tower and road and the dead zone it "
        "lies in."
    ),
    "vil_upload": "Village list (CSV, XLSX)",
    "vil_use_demo": "Use the sample village list (synthetic)",
    "vil_demo_label": "Synthetic sample villages (not real data)",
    "vil_loaded": "Read {n} villages from {name}.",
    "vil_issues": "Problems in the list (rows with errors are left out)",
    "vil_none": "No village list yet: upload one or use the sample list.",
    "vil_total": "Villages",
    "vil_without": "Villages without signal",
    "vil_households": "Households without signal",
    "vil_no_power": "Without signal and without power",
    "vil_precision": "Precision",
    "vil_recall": "Recall",
    "vil_agreement": (
        "Against the province's list of villages without signal: {tp} without signal in both, {fp} in the model only, "
        "{fn} in the province's list only."
    ),
    "vil_check": "Villages to check in the field",
    "vil_table": "Villages",
    "vil_download": "Download the village table (CSV)",
    "cmp_intro": (
        "Upload two plan packages (the ZIP of the Export page, or a zipped `towerplan run` folder). The page shows "
        "what option B changes against option A: per commune, per village and in the proposals."
    ),
    "cmp_plan_a": "Option A (ZIP)",
    "cmp_plan_b": "Option B (ZIP)",
    "cmp_use_session": "Use this session's exported plan as option A",
    "cmp_need_two": "Two plan packages are needed for a comparison.",
    "cmp_identical": "The two plans are identical.",
    "cmp_people": "Change in people covered (B − A)",
    "cmp_proposals": "Proposals that differ",
    "cmp_area": "Area gaining / losing service (km²)",
    "cmp_villages": "Villages gaining / losing service",
    "cmp_communes": "Change per commune",
    "cmp_props": "Proposals that differ",
    "cmp_village_table": "Villages that change",
    "cmp_download": "Download the comparison (ZIP)",
}
