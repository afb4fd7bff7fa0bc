"""Service-criterion wording (app, report, CLI) in Vietnamese and English (merged into
:data:`towerplan.i18n.MESSAGES`; ``tests/test_service_criteria.py`` checks both languages have every key)."""

from __future__ import annotations

__all__ = ["SERVICE_EN", "SERVICE_VI"]

SERVICE_VI: dict[str, str] = {
    "svc_heading": "Tiêu chí phục vụ",
    "svc_caption": (
        "Một ô được coi là có sóng khi mức thu trung vị dự báo đạt mức yêu cầu: mức tối thiểu của công nghệ "
        "+ suy hao (cơ thể, trong xe, vào nhà theo ITU-R P.2109) + dự phòng che khuất σ·z(p) cho xác suất "
        "p tại biên vùng phủ."
    ),
    "svc_summary": (
        "Tiêu chí: {quantity} ≥ {min_level} dBm, {service_class}, xác suất {probability} % tại biên "
        "({area} % diện tích), dự phòng {margin} dB → trung vị ≥ {required} dBm"
    ),
    "svc_fixed": "Ngưỡng cố định {threshold} dBm cho mọi công nghệ (không có tiêu chí theo công nghệ)",
    "svc_class": "Loại phục vụ",
    "svc_class_outdoor": "ngoài trời",
    "svc_class_in_car": "trong xe",
    "svc_class_indoor": "trong nhà",
    "svc_class_fixed": "ngưỡng cố định (các ô ngưỡng, suy hao, xác suất bên dưới)",
    "svc_probability": "Xác suất tại biên vùng phủ (%)",
    "svc_environment": "Môi trường (độ lệch chuẩn che khuất mặc định)",
    "svc_env_urban": "đô thị (8 dB)",
    "svc_env_suburban": "ven đô (7 dB)",
    "svc_env_rural": "nông thôn (6 dB)",
    "svc_sigma": "Độ lệch chuẩn che khuất σ (dB; 0 = theo môi trường hoặc hiệu chỉnh)",
    "svc_building": "Loại nhà (ITU-R P.2109)",
    "svc_building_traditional": "truyền thống",
    "svc_building_thermally_efficient": "tiết kiệm năng lượng (kính phủ kim loại)",
    "svc_col_technology": "Công nghệ",
    "svc_col_quantity": "Đại lượng",
    "svc_col_min_level": "Mức tối thiểu (dBm)",
    "svc_col_losses": "Suy hao thêm (dB)",
    "svc_col_sigma": "σ (dB)",
    "svc_col_margin": "Dự phòng (dB)",
    "svc_col_probability": "Xác suất tại biên (%)",
    "svc_col_area": "Độ tin cậy diện tích (%)",
    "svc_col_required": "Mức trung vị yêu cầu (dBm)",
    "svc_table_caption": (
        "Tiêu chí phục vụ theo công nghệ ({service_class}); độ tin cậy diện tích theo công thức Jakes "
        "(1974, mục 2.5) với số mũ suy hao {exponent}."
    ),
    "svc_carrier_note": (
        "Trong nhà, suy hao vào nhà được tính tại tần số của từng sóng mang (ITU-R P.2109-2, nhà {building}, "
        "không vượt quá ở {probability} % số nhà): bảng trên ghi giá trị tại tần số tham chiếu của mỗi công "
        "nghệ ({freqs}); chẳng hạn {example}."
    ),
}

SERVICE_EN: dict[str, str] = {
    "svc_heading": "Service criterion",
    "svc_caption": (
        "A cell is served when its predicted median level reaches the required level: the technology's "
        "minimum level + losses (body, in-car, building entry per ITU-R P.2109) + a shadowing margin σ·z(p) "
        "for probability p at the edge of the served area."
    ),
    "svc_summary": (
        "Criterion: {quantity} ≥ {min_level} dBm, {service_class}, {probability} % at the edge "
        "({area} % of the area), margin {margin} dB → median ≥ {required} dBm"
    ),
    "svc_fixed": "One fixed threshold of {threshold} dBm for every technology (no per-technology criterion)",
    "svc_class": "Service class",
    "svc_class_outdoor": "outdoor",
    "svc_class_in_car": "in car",
    "svc_class_indoor": "indoor",
    "svc_class_fixed": "fixed threshold (the threshold, loss and probability fields below)",
    "svc_probability": "Probability at the edge of the served area (%)",
    "svc_environment": "Environment (default shadowing sigma)",
    "svc_env_urban": "urban (8 dB)",
    "svc_env_suburban": "suburban (7 dB)",
    "svc_env_rural": "rural (6 dB)",
    "svc_sigma": "Shadowing sigma σ (dB; 0 = from the environment or the calibration)",
    "svc_building": "Building type (ITU-R P.2109)",
    "svc_building_traditional": "traditional",
    "svc_building_thermally_efficient": "thermally efficient (metallised glass)",
    "svc_col_technology": "Technology",
    "svc_col_quantity": "Quantity",
    "svc_col_min_level": "Minimum level (dBm)",
    "svc_col_losses": "Extra loss (dB)",
    "svc_col_sigma": "σ (dB)",
    "svc_col_margin": "Margin (dB)",
    "svc_col_probability": "Edge probability (%)",
    "svc_col_area": "Area reliability (%)",
    "svc_col_required": "Required median (dBm)",
    "svc_table_caption": (
        "Service criterion per technology ({service_class}); area reliability by Jakes' formula "
        "(1974, section 2.5) with path-loss exponent {exponent}."
    ),
    "svc_carrier_note": (
        "Indoors the building entry loss is taken at each carrier's own frequency (ITU-R P.2109-2, "
        "{building} buildings, not exceeded in {probability} % of them): the table gives it at each "
        "technology's reference frequency ({freqs}); for instance {example}."
    ),
}
