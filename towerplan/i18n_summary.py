"""The headline figures of a study and its data origin: labels in Vietnamese and English, and one
way to write each figure (:func:`summary_rows`).

Every front end (the app's pages, ``towerplan run``/``place``, the PDF/HTML report, the XLSX
workbook) shows the figures of one :class:`towerplan.study.summary.StudySummary` through
:func:`summary_rows`, so a number reads the same everywhere. The figures arrive as the plain
mapping of ``summary.json``'s ``figures`` (key -> value, already rounded as shown), which lets
``towerplan.export`` use this module without importing the study layer. The labels are merged
into :data:`towerplan.i18n.MESSAGES` too (keys ``fig_*``, ``origin_*``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = [
    "FIGURE_KEYS",
    "SUMMARY_EN",
    "SUMMARY_VI",
    "figure_label",
    "figure_text",
    "format_number",
    "origin_text",
    "sites_text",
    "summary_rows",
]

#: the figures in the order they are shown, with the number of decimals and the unit key
FIGURE_KEYS: dict[str, tuple[int, str]] = {
    "sites": (0, "unit_sites"),
    "towers": (0, "unit_towers"),
    "sectors": (0, "unit_sectors"),
    "sites_modelled": (0, "unit_sites"),
    "sectors_modelled": (0, "unit_sectors"),
    "sectors_skipped": (0, "unit_sectors"),
    "operators": (0, ""),
    "threshold_dbm": (0, "unit_dbm"),
    "area_covered_km2": (0, "unit_km2"),
    "population_total": (0, "unit_people"),
    "covered_any": (0, "unit_people"),
    "covered_any_pct": (1, "unit_pct"),
    "covered_two_plus": (0, "unit_people"),
    "covered_by_operator": (0, "unit_people"),
    "uncovered": (0, "unit_people"),
    "gap_count": (0, ""),
    "gap_people": (0, "unit_people"),
    "uncovered_outside_gaps": (0, "unit_people"),
    "road_km": (1, "unit_road_km"),
    "road_covered_km": (1, "unit_road_km"),
    "road_covered_pct": (1, "unit_pct"),
    "proposals": (0, "unit_sites"),
    "people_newly_covered": (0, "unit_people"),
    "uncovered_after": (0, "unit_people"),
    "cost_bn_vnd": (2, "unit_bn_vnd"),
}

SUMMARY_VI: dict[str, str] = {
    "fig_sites": "Trạm (vị trí của từng nhà mạng) trong dữ liệu",
    "fig_towers": "Cột anten (vị trí vật lý, các nhà mạng cách nhau < 30 m tính là một)",
    "fig_sectors": "Cell (sector) trong dữ liệu",
    "fig_sites_modelled": "Trạm được tính vùng phủ ({tech})",
    "fig_sectors_modelled": "Cell được tính vùng phủ ({tech})",
    "fig_sectors_skipped": "Cell bị bỏ qua khi tính vùng phủ",
    "fig_operators": "Số nhà mạng",
    "fig_threshold_dbm": "Ngưỡng phủ sóng ({tech})",
    "fig_area_covered_km2": "Diện tích có sóng ({tech}, ít nhất một nhà mạng)",
    "fig_population_total": "Dân số vùng nghiên cứu",
    "fig_covered_any": "Người có sóng {tech} (ít nhất một nhà mạng)",
    "fig_covered_any_pct": "Tỷ lệ dân có sóng {tech}",
    "fig_covered_two_plus": "Người có sóng {tech} của hai nhà mạng trở lên",
    "fig_covered_by_operator": "Người có sóng {tech} của {operator}",
    "fig_uncovered": "Người chưa có sóng {tech} (toàn vùng nghiên cứu)",
    "fig_gap_count": "Số vùng lõm sóng",
    "fig_gap_people": "Người trong các vùng lõm sóng (≥ {min_people} người mỗi vùng)",
    "fig_uncovered_outside_gaps": "Người chưa có sóng, rải rác ngoài các vùng lõm",
    "fig_road_km": "Chiều dài đường (km đường)",
    "fig_road_covered_km": "Đường có sóng {tech} (km đường)",
    "fig_road_covered_pct": "Tỷ lệ km đường có sóng",
    "fig_proposals": "Trạm dùng chung đề xuất",
    "fig_people_newly_covered": "Người được phủ sóng mới nhờ các trạm đề xuất",
    "fig_uncovered_after": "Người chưa có sóng {tech} sau các trạm đề xuất",
    "fig_cost_bn_vnd": "Chi phí ước tính của các trạm đề xuất",
    "fig_figure": "Chỉ tiêu",
    "fig_value": "Giá trị",
    "fig_unit": "Đơn vị",
    "fig_key": "Mã chỉ tiêu",
    "fig_all_tech": "mọi công nghệ",
    "unit_sites": "trạm",
    "unit_towers": "cột",
    "unit_sectors": "cell",
    "unit_dbm": "dBm",
    "unit_km2": "km²",
    "unit_people": "người",
    "unit_pct": "%",
    "unit_road_km": "km đường",
    "unit_bn_vnd": "tỷ đồng",
    "sites_sectors": "{sites} trạm / {sectors} cell",
    "origin_real": "Dữ liệu thật (tệp của người dùng): {roles}",
    "origin_synthetic": "Dữ liệu giả lập của tỉnh mẫu (không phải dữ liệu thật)",
    "origin_mixed": "Dữ liệu trộn: {synthetic} giả lập (tỉnh mẫu), {real} thật",
    "origin_short_real": "dữ liệu thật",
    "origin_short_synthetic": "dữ liệu giả lập",
    "origin_short_mixed": "dữ liệu trộn: {synthetic} giả lập",
    "role_dem": "địa hình",
    "role_population": "dân số",
    "role_stations": "danh sách trạm",
    "role_communes": "ranh giới xã",
    "role_roads": "đường",
    "role_candidates": "vị trí ứng viên",
    "role_exclusions": "vùng cấm",
    "role_fibre_points": "điểm cáp quang",
    "role_calibration": "hiệu chỉnh đo kiểm",
    "mixed_consent": (
        "Tôi hiểu: chưa tải DEM và dân số, nên trạm của tôi sẽ được tính trên địa hình và dân số GIẢ LẬP của "
        "tỉnh mẫu; mọi trang và tệp xuất sẽ ghi «dữ liệu trộn»."
    ),
    "mixed_refused": (
        "Chưa dùng được: trạm tải lên sẽ được tính trên địa hình và dân số giả lập của tỉnh mẫu (không phải của "
        "vùng có trạm). Hãy tải lên DEM và dân số, hoặc đánh dấu ô đồng ý bên dưới để tính trên dữ liệu trộn."
    ),
    "origin_banner_mixed": "⚠ {label}: các con số về dân và vùng lõm KHÔNG phải của vùng có trạm.",
    "area_margin_m": "Lề quanh vùng nghiên cứu (m)",
    "gaps_commune_more": "{main} (+{n} xã)",
    "towers_budget_used": "Kết quả này được tính với ngân sách: {budget}.",
    "area_margin_help": (
        "Trạm nằm ngoài phạm vi DEM (cộng lề này) bị báo lỗi và không được tính, như lệnh "
        "«towerplan validate --dem DEM --margin-m M»."
    ),
}

SUMMARY_EN: dict[str, str] = {
    "fig_sites": "Sites (each operator's site) in the inputs",
    "fig_towers": "Towers (physical: operators' sites < 30 m apart count once)",
    "fig_sectors": "Sectors (cells) in the inputs",
    "fig_sites_modelled": "Sites modelled ({tech})",
    "fig_sectors_modelled": "Sectors modelled ({tech})",
    "fig_sectors_skipped": "Sectors left out of the coverage",
    "fig_operators": "Operators",
    "fig_threshold_dbm": "Coverage threshold ({tech})",
    "fig_area_covered_km2": "Area with {tech} signal (at least one operator)",
    "fig_population_total": "People in the study area",
    "fig_covered_any": "People with {tech} (at least one operator)",
    "fig_covered_any_pct": "Share of people with {tech}",
    "fig_covered_two_plus": "People with {tech} from two or more operators",
    "fig_covered_by_operator": "People with {tech} from {operator}",
    "fig_uncovered": "People without {tech} (whole study area)",
    "fig_gap_count": "Dead zones",
    "fig_gap_people": "People in dead zones (≥ {min_people} people each)",
    "fig_uncovered_outside_gaps": "People without signal, scattered outside the dead zones",
    "fig_road_km": "Roads (road km)",
    "fig_road_covered_km": "Roads with {tech} (road km)",
    "fig_road_covered_pct": "Share of road km covered",
    "fig_proposals": "Shared sites proposed",
    "fig_people_newly_covered": "People newly covered by the proposed sites",
    "fig_uncovered_after": "People without {tech} after the proposed sites",
    "fig_cost_bn_vnd": "Estimated cost of the proposed sites",
    "fig_figure": "Figure",
    "fig_value": "Value",
    "fig_unit": "Unit",
    "fig_key": "Figure key",
    "fig_all_tech": "all technologies",
    "unit_sites": "sites",
    "unit_towers": "towers",
    "unit_sectors": "sectors",
    "unit_dbm": "dBm",
    "unit_km2": "km²",
    "unit_people": "people",
    "unit_pct": "%",
    "unit_road_km": "road km",
    "unit_bn_vnd": "bn VND",
    "sites_sectors": "{sites} sites / {sectors} sectors",
    "origin_real": "Real data (the user's files): {roles}",
    "origin_synthetic": "Synthetic demo province data (not real data)",
    "origin_mixed": "Mixed data: synthetic {synthetic} (demo province), real {real}",
    "origin_short_real": "real data",
    "origin_short_synthetic": "synthetic data",
    "origin_short_mixed": "mixed: synthetic {synthetic}",
    "role_dem": "terrain",
    "role_population": "people",
    "role_stations": "station lists",
    "role_communes": "commune boundaries",
    "role_roads": "roads",
    "role_candidates": "candidate sites",
    "role_exclusions": "excluded zones",
    "role_fibre_points": "fibre points",
    "role_calibration": "drive-test calibration",
    "mixed_consent": (
        "I understand: without an uploaded DEM and population, my stations are computed on the demo province's "
        "SYNTHETIC terrain and people; every page and export will say \"mixed data\"."
    ),
    "mixed_refused": (
        "Not used yet: the uploaded stations would be computed on the demo province's synthetic terrain and "
        "people (not those where the stations stand). Upload a DEM and a population raster, or tick the box "
        "below to compute on mixed data."
    ),
    "origin_banner_mixed": "⚠ {label}: the people and dead-zone figures are NOT those of the stations' area.",
    "area_margin_m": "Margin around the study area (m)",
    "gaps_commune_more": "{main} (+{n} communes)",
    "towers_budget_used": "This result was computed with the budget: {budget}.",
    "area_margin_help": (
        "Stations outside the DEM's extent (plus this margin) are errors and left out, as with "
        "\"towerplan validate --dem DEM --margin-m M\"."
    ),
}

_TABLES = {"vi": SUMMARY_VI, "en": SUMMARY_EN}


def _t(key: str, lang: str, **values: object) -> str:
    text = _TABLES.get(lang, SUMMARY_VI)[key]
    return text.format(**values) if values else text


def format_number(value: Any, *, decimals: int = 0, lang: str = "vi") -> str:
    """``1.234,5`` in Vietnamese, ``1,234.5`` in English; ``–`` for None/NaN."""
    if value is None:
        return "–"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(number):
        return "–"
    out = f"{number:,.{decimals}f}"
    if out.startswith("-") and float(out.replace(",", "")) == 0:
        out = out[1:]
    if lang == "vi":
        out = out.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return out


def _context(figures: Mapping[str, Any], lang: str) -> dict[str, str]:
    techs = figures.get("technologies")
    tech = "/".join(techs) if techs else _t("fig_all_tech", lang)
    return {"tech": tech, "min_people": format_number(figures.get("gap_min_people"), lang=lang)}


def figure_label(key: str, figures: Mapping[str, Any], lang: str, *, operator: str = "") -> str:
    """The label of figure ``key`` (with the technology and thresholds of ``figures`` filled in)."""
    ctx = _context(figures, lang)
    return _t(f"fig_{key}", lang, **ctx, operator=operator) if key == "covered_by_operator" else _t(
        f"fig_{key}", lang, **ctx)


def figure_text(key: str, value: Any, lang: str) -> str:
    """The value of figure ``key`` with its unit, as every front end shows it (``137.121 người``)."""
    decimals, unit = FIGURE_KEYS[key]
    text = format_number(value, decimals=decimals, lang=lang)
    return f"{text} {_t(unit, lang)}" if unit and unit != "unit_pct" else (f"{text} %" if unit else text)


def summary_rows(figures: Mapping[str, Any], lang: str) -> list[tuple[str, str, str]]:
    """(key, label, text) of every figure present, in :data:`FIGURE_KEYS` order; per-operator figures
    as ``covered_by_operator:<operator>`` rows."""
    rows: list[tuple[str, str, str]] = []
    for key in FIGURE_KEYS:
        value = figures.get(key)
        if value is None:
            continue
        if isinstance(value, Mapping):
            for op in sorted(value):
                rows.append((f"{key}:{op}", figure_label(key, figures, lang, operator=str(op)),
                             figure_text(key, value[op], lang)))
        else:
            rows.append((key, figure_label(key, figures, lang), figure_text(key, value, lang)))
    return rows


def sites_text(sites: int, sectors: int, lang: str) -> str:
    """``"340 trạm / 2.136 cell"``: sites and sectors as every screen labels them."""
    return _t("sites_sectors", lang, sites=format_number(sites, lang=lang), sectors=format_number(sectors, lang=lang))


def _roles(roles: Any, lang: str) -> str:
    return ", ".join(_t(f"role_{r}", lang) if f"role_{r}" in SUMMARY_EN else str(r) for r in roles)


def origin_text(origin: Mapping[str, Any], lang: str, *, short: bool = False) -> str:
    """The data-origin label: ``origin`` is ``{"kind": "real"|"synthetic"|"mixed", "synthetic": [roles],
    "real": [roles]}`` (``summary.json``'s ``data_origin``)."""
    kind = str(origin.get("kind", "real"))
    values = {"synthetic": _roles(origin.get("synthetic") or (), lang), "real": _roles(origin.get("real") or (), lang),
              "roles": _roles(origin.get("real") or (), lang)}
    key = f"origin_short_{kind}" if short else f"origin_{kind}"
    text = _TABLES.get(lang, SUMMARY_VI)[key]
    return text.format(**values)
