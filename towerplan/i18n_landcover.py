"""Labels of the app's land-cover parts (Data page upload, Coverage page layer and model line), Vietnamese
and English.

Merged into :data:`towerplan.i18n.MESSAGES`; kept apart so these strings live together.
"""

from __future__ import annotations

__all__ = ["LANDCOVER_EN", "LANDCOVER_VI", "LAND_CLASS_VI", "land_class_name"]

#: land-cover class names (ESA WorldCover v200 legend and the default class) in Vietnamese
LAND_CLASS_VI: dict[str, str] = {
    "Tree cover": "Rừng, cây che phủ",
    "Shrubland": "Cây bụi",
    "Grassland": "Đồng cỏ",
    "Cropland": "Đất trồng trọt",
    "Built-up": "Khu xây dựng",
    "Bare / sparse vegetation": "Đất trống, thực vật thưa",
    "Snow and ice": "Băng tuyết",
    "Permanent water bodies": "Mặt nước thường xuyên",
    "Herbaceous wetland": "Đất ngập nước",
    "Mangroves": "Rừng ngập mặn",
    "Moss and lichen": "Rêu, địa y",
    "default: open/rural (no land cover)": "mặc định: đất trống/nông thôn (không có lớp phủ)",
    "no land cover (open/rural)": "không có lớp phủ (đất trống/nông thôn)",
}


def land_class_name(name: str, lang: str) -> str:
    """A land-cover class name in ``lang`` (a user's own class names are kept as written)."""
    return LAND_CLASS_VI.get(name, name) if lang == "vi" else name

LANDCOVER_VI: dict[str, str] = {
    "upload_landcover": "Lớp phủ mặt đất (GeoTIFF phân loại, ví dụ ESA WorldCover: towerplan fetch --landcover)",
    "upload_landcover_help": "Rừng, làng mạc, mặt nước… làm suy hao tín hiệu theo ITU-R P.1812. Không có tệp này, "
                             "mọi ô được coi là đất trống/nông thôn (vật cản 0 m).",
    "lc_default": "không có (mọi ô dùng lớp mặc định: đất trống/nông thôn, vật cản 0 m)",
    "lc_line": "Mô hình: {model} · Lớp phủ mặt đất: {source} · Bảng vật cản: {table}",
    "lc_not_used": "Mô hình đang dùng ({models}) không tính vật cản của lớp phủ mặt đất; chọn ITU-R P.1812 để tính.",
    "lc_default_warning": "Chưa có lớp phủ mặt đất: mọi ô được coi là đất trống/nông thôn, nên rừng và làng mạc "
                          "không làm suy hao tín hiệu. Tải lên lớp phủ mặt đất ở trang Dữ liệu.",
    "summary_landcover": "Lớp phủ mặt đất: {source} ({classes})",
    "map_landcover": "Lớp phủ mặt đất",
}

LANDCOVER_EN: dict[str, str] = {
    "upload_landcover": "Land cover (categorical GeoTIFF, e.g. ESA WorldCover: towerplan fetch --landcover)",
    "upload_landcover_help": "Forest, villages, water … attenuate the signal in ITU-R P.1812. Without this file "
                             "every cell is taken as open/rural (clutter 0 m).",
    "lc_default": "none (every cell uses the default class: open/rural, clutter 0 m)",
    "lc_line": "Model: {model} · Land cover: {source} · Clutter table: {table}",
    "lc_not_used": "The model in use ({models}) does not take the land cover's clutter; choose ITU-R P.1812 for it.",
    "lc_default_warning": "No land cover: every cell is taken as open/rural, so forest and villages add no loss. "
                          "Upload a land cover on the Data page.",
    "summary_landcover": "Land cover: {source} ({classes})",
    "map_landcover": "Land cover",
}
