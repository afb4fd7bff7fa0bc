"""The app's scenario save/load labels and messages, in Vietnamese and English (merged into
:data:`towerplan.i18n.MESSAGES`; ``tests/test_app.py`` checks both languages have every key)."""

from __future__ import annotations

__all__ = ["SCENARIO_EN", "SCENARIO_VI"]

SCENARIO_VI: dict[str, str] = {
    "scenario_section": "Kịch bản (lưu / mở lại)",
    "scenario_save_caption": (
        "Kịch bản ghi dữ liệu đang dùng và mọi tham số của các trang Vùng phủ, Vùng lõm, Trạm dùng chung; "
        "giải nén rồi chạy bằng «towerplan run scenario.toml --out THƯ_MỤC», hoặc mở lại ở trang Dữ liệu."
    ),
    "scenario_download_zip": "Kịch bản (scenario.zip)",
    "scenario_download_toml": "Kịch bản (scenario.toml)",
    "scenario_save_failed": "Không lưu được kịch bản: {error}",
    "scenario_upload": "Mở một kịch bản (.toml, hoặc .zip gồm scenario.toml và các tệp của nó)",
    "scenario_upload_help": (
        "Một tệp .toml riêng lẻ chỉ dùng được tỉnh mẫu; kịch bản dùng tệp dữ liệu riêng phải được nén (.zip) "
        "cùng các tệp đó. Đường dẫn ra ngoài kịch bản bị từ chối."
    ),
    "scenario_ready": "Kịch bản «{name}»: {label}. Nhấn nút bên dưới để dùng dữ liệu và tham số của nó.",
    "scenario_use": "Dùng kịch bản này",
    "scenario_loaded": "Đã mở kịch bản «{name}»: dữ liệu và tham số đã được nạp, kết quả cũ đã xoá.",
    "scenario_using": "Đang dùng dữ liệu của kịch bản «{name}».",
    "scenario_unusable": "Không dùng được kịch bản «{name}»: {error}",
    "scenario_zip_empty": "Tệp «{name}» không chứa scenario.toml (hay tệp .toml nào).",
    "scenario_zip_many": "Tệp «{name}» chứa nhiều kịch bản ({files}): hãy để một scenario.toml ở gốc tệp nén.",
}

SCENARIO_EN: dict[str, str] = {
    "scenario_section": "Scenario (save / load)",
    "scenario_save_caption": (
        "A scenario records the data in use and every setting of the Coverage, Gaps and Shared towers pages; "
        "unzip it and run “towerplan run scenario.toml --out FOLDER”, or load it again on the Data page."
    ),
    "scenario_download_zip": "Scenario (scenario.zip)",
    "scenario_download_toml": "Scenario (scenario.toml)",
    "scenario_save_failed": "The scenario could not be saved: {error}",
    "scenario_upload": "Load a scenario (.toml, or a .zip with scenario.toml and its files)",
    "scenario_upload_help": (
        "A .toml file alone can only use the demo province; a scenario with its own data files must be zipped "
        "with them. Paths leading outside the scenario are refused."
    ),
    "scenario_ready": "Scenario “{name}”: {label}. Press the button below to use its data and settings.",
    "scenario_use": "Use this scenario",
    "scenario_loaded": "Scenario “{name}” loaded: its data and settings are in use, earlier results cleared.",
    "scenario_using": "Using the data of scenario “{name}”.",
    "scenario_unusable": "The scenario “{name}” cannot be used: {error}",
    "scenario_zip_empty": "“{name}” holds no scenario.toml (nor any .toml file).",
    "scenario_zip_many": "“{name}” holds several scenarios ({files}): keep one scenario.toml at its top.",
}
