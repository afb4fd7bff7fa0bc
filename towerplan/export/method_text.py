"""The report's method section in plain words: the main settings as (label, value, unit), the models
and the notes in the report's language.

The method record (``method.json``) keeps every setting under its technical key for reproducibility;
the report shows the settings a reader needs, named in Vietnamese or English with their units
(:func:`readable_settings`), the propagation models described in the report's language
(:func:`model_text`) and the analysis notes translated where their wording is known (:func:`note_text`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["SETTINGS", "model_name", "model_text", "note_text", "priority_formula", "readable_settings",
           "role_label", "settings_value"]

#: (key in the method's settings, label vi, label en, unit vi, unit en), in the order shown
SETTINGS: tuple[tuple[str, str, str, str, str], ...] = (
    ("technologies", "Công nghệ được tính", "Technologies modelled", "", ""),
    ("coverage.model", "Mô hình truyền sóng", "Propagation model", "", ""),
    ("coverage.threshold_dbm", "Ngưỡng phủ sóng (RSRP)", "Coverage threshold (RSRP)", "dBm", "dBm"),
    ("grid.resolution_m", "Độ phân giải lưới", "Grid resolution", "m", "m"),
    ("coverage.rx_height_m", "Độ cao máy thu", "Receiver height", "m", "m"),
    ("coverage.max_radius_m", "Bán kính tính tối đa của mỗi trạm", "Largest radius computed per site", "m", "m"),
    ("coverage.diffraction", "Nhiễu xạ địa hình", "Terrain diffraction", "", ""),
    ("coverage.link_budget.indoor_loss_db", "Suy hao trong nhà", "Indoor loss", "dB", "dB"),
    ("coverage.link_budget.body_loss_db", "Suy hao cơ thể người", "Body loss", "dB", "dB"),
    ("coverage.link_budget.location_probability", "Xác suất phủ theo vị trí", "Location probability", "", ""),
    ("coverage.link_budget.total_margin_db", "Tổng dự phòng", "Total margin", "dB", "dB"),
    ("gaps.min_people", "Số dân tối thiểu của một vùng lõm", "Fewest people in a dead zone", "người", "people"),
    ("gaps.min_density_per_km2", "Mật độ dân tối thiểu của vùng lõm", "Lowest density of a dead zone",
     "người/km²", "people/km²"),
    ("gaps.household_size", "Số người mỗi hộ", "People per household", "người", "people"),
    ("gaps.remoteness_scale_km", "Thang độ xa trong điểm ưu tiên", "Remoteness scale of the priority score",
     "km", "km"),
    ("placement.objective", "Mục tiêu đặt trạm", "Placement objective", "", ""),
    ("placement.method", "Phương pháp chọn trạm", "Selection method", "", ""),
    ("placement.max_sites", "Ngân sách (số trạm)", "Budget (sites)", "trạm", "sites"),
    ("placement.budget_vnd", "Ngân sách (tiền)", "Budget (money)", "đồng", "VND"),
    ("placement.mast_height_m", "Chiều cao cột mới", "Height of a new mast", "m", "m"),
    ("placement.include_colocation", "Xét dùng chung cột hiện có", "Tenancy on existing towers considered", "", ""),
    ("placement.include_greenfield", "Xét xây cột mới", "New masts considered", "", ""),
    ("placement.candidates.min_spacing_m", "Khoảng cách tối thiểu giữa hai vị trí ứng viên",
     "Least spacing of candidate sites", "m", "m"),
    ("placement.candidates.max_candidates", "Số vị trí ứng viên tối đa", "Most candidate sites", "", ""),
    ("placement.costs.horizon_years", "Thời gian tính chi phí", "Cost horizon", "năm", "years"),
    ("placement.time_limit_s", "Thời gian giải tối đa", "Solver time limit", "giây", "s"),
    ("placement.mip_rel_gap", "Khoảng cách tối ưu cho phép khi dừng giải", "Solver stopping gap (share of the optimum)",
     "", ""),
)

_VALUES: dict[str, tuple[str, str]] = {
    "auto": ("tự động: ITU-R P.1812 trong 30-6000 MHz, ITM ngoài dải",
             "automatic: ITU-R P.1812 within 30-6000 MHz, ITM outside"),
    "p1812": ("ITU-R P.1812", "ITU-R P.1812"),
    "itm": ("Longley-Rice ITM", "Longley-Rice ITM"),
    "hata": ("Okumura-Hata", "Okumura-Hata"),
    "cost231": ("COST-231 Hata", "COST-231 Hata"),
    "fspl": ("không gian tự do", "free space"),
    "deygout": ("Deygout", "Deygout"),
    "bullington": ("Bullington", "Bullington"),
    "delta_bullington": ("Delta-Bullington", "Delta-Bullington"),
    "none": ("không", "none"),
    "any": ("người chưa có sóng của nhà mạng nào", "people no operator covers"),
    "per_operator": ("người chưa có sóng của từng nhà mạng", "people each operator lacks"),
    "backup": ("người chỉ có sóng của một nhà mạng", "people with only one operator"),
    "greedy": ("tham lam (từng trạm tốt nhất)", "greedy (best site first)"),
    "ilp": ("tối ưu nguyên (ILP, HiGHS)", "integer programme (ILP, HiGHS)"),
    "all": ("mọi công nghệ", "all technologies"),
}


def _lookup(settings: Mapping[str, Any], key: str) -> Any:
    value: Any = settings
    for part in key.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _number(value: float, lang: str) -> str:
    text = f"{value:,.0f}" if abs(value) >= 1000 or float(value).is_integer() else f"{value:,.6g}"
    if lang == "vi":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def settings_value(value: Any, lang: str) -> str:
    """A setting's value in words: yes/no, known names translated, numbers with separators."""
    k = 0 if lang == "vi" else 1
    if isinstance(value, bool):
        return ("Có", "Yes")[k] if value else ("Không", "No")[k]
    if value is None:
        return "–"
    if isinstance(value, int | float):
        return _number(float(value), lang) if math.isfinite(float(value)) else "–"
    if isinstance(value, list | tuple):
        return ", ".join(settings_value(v, lang) for v in value) if value else "–"
    text = str(value)
    return _VALUES[text][k] if text in _VALUES else text


def priority_formula(scale_km: float | str, lang: str) -> str:
    """The dead zones' priority score in words (``GapConfig.score_formula`` names its variables)."""
    scale = scale_km if isinstance(scale_km, str) else settings_value(scale_km, lang)
    if lang == "vi":
        return (f"số dân × (1 + độ xa / {scale} km); độ xa = khoảng cách thẳng từ tâm dân cư của vùng lõm tới "
                "đường gần nhất + quãng đường theo đường bộ")
    return (f"people × (1 + remoteness / {scale} km); remoteness = straight-line distance from the dead zone's "
            "population centre to the nearest road + the distance along roads")


def readable_settings(settings: Mapping[str, Any], lang: str) -> list[list[str]]:
    """``[label, value, unit]`` of each main setting present (:data:`SETTINGS`)."""
    k = 0 if lang == "vi" else 1
    rows = []
    for key, label_vi, label_en, unit_vi, unit_en in SETTINGS:
        value = _lookup(settings, key)
        if isinstance(value, list | tuple) and len(value) == 2 and value[0] == value[1]:  # square cells: one size
            value = value[0]
        if value is None and key != "placement.budget_vnd":
            continue
        if value is None and _lookup(settings, "placement") is None:
            continue
        unit = (unit_vi, unit_en)[k] if value is not None else ""
        rows.append([(label_vi, label_en)[k], settings_value(value, lang), unit])
    if settings.get("gap_score_formula"):
        scale = settings_value(_lookup(settings, "gaps.remoteness_scale_km"), lang)
        rows.append([("Điểm ưu tiên của vùng lõm", "Priority score of a dead zone")[k],
                     priority_formula(scale, lang), ""])
    return rows


_MODEL_VI = {
    "hata": "Okumura-Hata, cộng nhiễu xạ địa hình ngoài mặt đất cong (ITU-R P.526)",
    "cost231": "COST-231 Hata, cộng nhiễu xạ địa hình ngoài mặt đất cong (ITU-R P.526)",
    "itm": "Longley-Rice ITM v1.2.2 (điểm tới điểm)",
    "fspl": "không gian tự do cộng một vật cản (không tính lớp phủ: giới hạn lạc quan)",
    "p1812": "ITU-R P.1812 (dự báo điểm tới vùng theo mặt cắt địa hình)",
}
_RANGE = re.compile(r"valid ([\d.]+)-([\d.]+) MHz, ([\d.]+)-([\d.]+) km, base antenna ([\d.]+)-([\d.]+) m, "
                    r"mobile ([\d.]+)-([\d.]+) m")
_SECTORS = re.compile(r"; (\d+) sectors$")


_MODEL_NAMES = {"hata": "Okumura-Hata", "cost231": "COST-231 Hata", "itm": "ITM", "fspl": "FSPL", "p1812": "P.1812"}


def model_name(name: str) -> str:
    """A propagation model's name as written in the literature (``cost231`` -> ``COST-231 Hata``)."""
    return _MODEL_NAMES.get(name, name)


def model_text(name: str, text_en: str, lang: str) -> str:
    """The description of model ``name`` (the method record's English text) in ``lang``."""
    if lang != "vi":
        return text_en
    parts = [_MODEL_VI.get(name, name)]
    r = _RANGE.search(text_en)
    if r:
        f0, f1, d0, d1, b0, b1, m0, m1 = r.groups()
        parts.append(f"áp dụng {f0}–{f1} MHz, {d0}–{d1} km, anten trạm {b0}–{b1} m, máy di động {m0}–{m1} m "
                     "(ngoài khoảng: ngoại suy)")
    n = _SECTORS.search(text_en)
    if n:
        parts.append(f"{_number(float(n.group(1)), lang)} cell")
    return "; ".join(parts)


_NOTES_VI: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"station lists: (\d+) error\(s\) \(rows left out\) and (\d+) warning\(s\) \(defaults used\);.*"),
     "Danh sách trạm: {0} lỗi (các dòng bị loại) và {1} cảnh báo (dùng giá trị mặc định); xem «towerplan validate»."),
    (re.compile(r"population moved onto the coverage grid \(sum-preserving\); ([\d,.]+) people of the population "
                r"raster lie outside it"),
     "Dân số được chuyển lên lưới vùng phủ (giữ nguyên tổng); {0} người của lớp dân số nằm ngoài lưới."),
    (re.compile(r"commune polygons overlap on ([\d,]+) cells;.*"),
     "Ranh giới xã chồng lên nhau ở {0} ô; các ô đó được chia cho các xã theo phần diện tích (không ai bị tính "
     "hai lần)."),
    (re.compile(r"the population raster covers only ([\d.]+) % of the area;.*"),
     "Lớp dân số chỉ phủ {0} % diện tích; người ở phần còn lại không biết và không được tính."),
    (re.compile(r"some coverage grids were on another lattice and were warped onto the first \(nearest\)"),
     "Một số lưới vùng phủ nằm trên lưới khác và đã được chuyển về lưới đầu tiên (lân cận gần nhất)."),
)


def note_text(note: str, lang: str) -> str:
    """An analysis note in ``lang`` (known wordings translated; others as written)."""
    if lang != "vi":
        return note
    for pattern, template in _NOTES_VI:
        match = pattern.fullmatch(note.strip())
        if match:
            return template.format(*match.groups())
    return note


def role_label(role: str, lang: str) -> str:
    """An input file's role (``dem``, ``stations_2``...) in words (``địa hình``, ``danh sách trạm 2``)."""
    from towerplan.i18n_summary import SUMMARY_EN, SUMMARY_VI

    table = SUMMARY_VI if lang == "vi" else SUMMARY_EN
    match = re.fullmatch(r"(.+?)(?:_(\d+))?", role)
    base, number = (match.group(1), match.group(2)) if match else (role, None)
    label = table.get(f"role_{base}", role)
    return f"{label} {number}" if number and label != role else label
