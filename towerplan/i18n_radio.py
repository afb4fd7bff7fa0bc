"""App and map wording of the radio-quality layer (SINR, speed, the speed objective), Vietnamese and English.

Merged into :data:`towerplan.i18n.MESSAGES`; ``tests/test_app.py`` checks both languages carry the same keys.
"""

from __future__ import annotations

__all__ = ["RADIO_VI", "RADIO_EN"]

RADIO_VI: dict[str, str] = {
    "cov_sinr": "Tính SINR và tốc độ tải xuống (4G/5G)",
    "cov_speed_title": "Tốc độ so với mục tiêu quốc gia (Quyết định 36/QĐ-TTg)",
    "cov_speed_target": "{tech}: đạt {target_mbps:g} Mbit/s",
    "cov_speed_gap": "{tech}: có sóng, dưới mục tiêu",
    "cov_speed_mean": "{tech}: tốc độ trung bình",
    "cov_speed_note": ("Tốc độ giờ cao điểm của một người dùng: tốc độ từ SINR (3GPP TR 36.942 Phụ lục A.2) chia "
                       "cho số người dùng hoạt động của ô (dân số x thị phần x {activity:g}). Thị phần: {shares}."),
    "cov_sinr_none": "Không có ô 4G/5G nào trong lần chạy: không tính được SINR và tốc độ.",
    "map_sinr": "SINR – {op} (dB)",
    "map_throughput": "Tốc độ tải xuống – {op} (Mbit/s)",
    "legend_sinr": "SINR đường xuống",
    "legend_throughput": "Tốc độ tải xuống (một người dùng)",
    "legend_throughput_note": "mục tiêu: 4G 40, 5G 100 Mbit/s",
    "objective_speed": "Dân được nâng lên mục tiêu tốc độ (QĐ 36/QĐ-TTg)",
    "pop_omni": "vô hướng",  # a sector popup's azimuth of an omni antenna (towerplan.maps.sectors)
}

RADIO_EN: dict[str, str] = {
    "cov_sinr": "Compute SINR and download speed (4G/5G)",
    "cov_speed_title": "Speed against the national targets (Decision 36/QĐ-TTg)",
    "cov_speed_target": "{tech}: reach {target_mbps:g} Mbit/s",
    "cov_speed_gap": "{tech}: served, below target",
    "cov_speed_mean": "{tech}: mean user speed",
    "cov_speed_note": ("Busy-hour speed of one user: the rate from the SINR (3GPP TR 36.942 Annex A.2) shared among "
                       "the sector's active users (people x market share x {activity:g}). Market shares: {shares}."),
    "cov_sinr_none": "No 4G/5G sector in the run: no SINR or speed.",
    "map_sinr": "SINR – {op} (dB)",
    "map_throughput": "Download speed – {op} (Mbit/s)",
    "legend_sinr": "Downlink SINR",
    "legend_throughput": "Download speed (one user)",
    "legend_throughput_note": "targets: 4G 40, 5G 100 Mbit/s",
    "objective_speed": "People brought up to the speed target (Decision 36/QĐ-TTg)",
    "pop_omni": "omni",
}
