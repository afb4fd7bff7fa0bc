"""Labels of the app's Measurements page (drive tests and calibration), Vietnamese and English.

Merged into :data:`towerplan.i18n.MESSAGES`; kept apart so the page's strings live together.
"""

from __future__ import annotations

__all__ = ["MEASUREMENTS_EN", "MEASUREMENTS_VI"]

MEASUREMENTS_VI: dict[str, str] = {
    "page_measurements": "Đo kiểm",
    "meas_intro": "Tải lên kết quả đo kiểm (drive test: CSV, TXT của G-NetTrack Pro, XLSX, có thể nén .gz), so sánh "
                  "với mô hình và hiệu chỉnh mô hình; sai số được đánh giá chéo theo ô không gian.",
    "meas_upload": "Tệp đo kiểm",
    "meas_from_file": ("Lấy vị trí cell phục vụ từ tệp đo (các cột «Kinh độ trạm», «Vĩ độ trạm», «Tần số») "
                       "thay vì danh sách trạm"),
    "meas_folds": "Số phần đánh giá chéo",
    "meas_fold_by": "Chia phần theo",
    "meas_fold_tile": "ô vuông (khuyến nghị)",
    "meas_fold_random": "ngẫu nhiên",
    "meas_tile_m": "Cạnh ô (m)",
    "meas_min_distance_m": "Bỏ các điểm gần cell hơn (m)",
    "meas_run": "So sánh và hiệu chỉnh",
    "meas_rows": "{used} điểm đo được dùng; {rejected} dòng lỗi; {unmatched} điểm không khớp cell nào; {near} "
                 "điểm quá gần cell.",
    "meas_before": "Chưa hiệu chỉnh",
    "meas_after": "Đã hiệu chỉnh (đánh giá chéo)",
    "meas_mean": "Trung bình (dB)",
    "meas_std": "Độ lệch chuẩn (dB)",
    "meas_slope": "Độ dốc (dB/decade)",
    "meas_stats": "Thống kê đo - dự báo theo nhà mạng, băng tần, lớp phủ đất, khoảng cách",
    "meas_corrections": "Các hiệu chỉnh",
    "meas_download": "Tải calibration.json",
    "meas_apply": "Áp dụng hiệu chỉnh cho nghiên cứu",
    "meas_applied": "Đang dùng hiệu chỉnh theo đo kiểm: {groups} nhóm, độ lệch chuẩn {sigma:.1f} dB.",
    "meas_issues": "Các vấn đề trong tệp đo",
    "meas_no_file": "Hãy tải lên một tệp đo kiểm.",
}

MEASUREMENTS_EN: dict[str, str] = {
    "page_measurements": "Measurements",
    "meas_intro": "Upload drive tests (CSV, G-NetTrack Pro TXT, XLSX, also gzipped), compare them with the model "
                  "and calibrate it; the error is cross-validated by spatial tiles.",
    "meas_upload": "Drive-test file",
    "meas_from_file": ("Take the serving cells' positions from the file (columns “Cell longitude”, “Cell latitude”, "
                       "“Frequency”) instead of the station list"),
    "meas_folds": "Cross-validation folds",
    "meas_fold_by": "Folds by",
    "meas_fold_tile": "square tiles (recommended)",
    "meas_fold_random": "random",
    "meas_tile_m": "Tile size (m)",
    "meas_min_distance_m": "Leave out points closer to their cell than (m)",
    "meas_run": "Compare and calibrate",
    "meas_rows": "{used} measurements used; {rejected} rows with errors; {unmatched} match no cell; {near} too "
                 "close to their cell.",
    "meas_before": "Uncalibrated",
    "meas_after": "Calibrated (held out)",
    "meas_mean": "Mean (dB)",
    "meas_std": "Standard deviation (dB)",
    "meas_slope": "Slope (dB/decade)",
    "meas_stats": "Measured - predicted by operator, band, land cover, distance",
    "meas_corrections": "Corrections",
    "meas_download": "Download calibration.json",
    "meas_apply": "Apply the corrections to the study",
    "meas_applied": "A drive-test calibration is in use: {groups} group(s), standard deviation {sigma:.1f} dB.",
    "meas_issues": "Problems in the drive-test file",
    "meas_no_file": "Upload a drive-test file.",
}
