"""The report's service-criterion section: which criterion "covered" means in this plan.

Reads ``summary["service_criterion"]`` (:func:`towerplan.study.service.criterion_record`):
one sentence for the primary technology and a table per technology (quantity, minimum level,
extra loss, σ, margin, edge probability, area reliability, required median level).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from towerplan.export.report_model import Block, fmt_number
from towerplan.i18n import t

__all__ = ["carrier_note", "criterion_sentence", "service_blocks"]


def _class_label(service_class: Any, lang: str) -> str:
    key = f"svc_class_{service_class}"
    try:
        return t(key, lang)
    except KeyError:
        return str(service_class)


def _pct(value: Any, lang: str) -> str:
    return fmt_number(100.0 * float(value), decimals=0, lang=lang)


def _db(value: Any, lang: str) -> str:
    return fmt_number(float(value), decimals=1, lang=lang)


def criterion_sentence(record: Mapping[str, Any] | None, lang: str) -> str:
    """One line saying the criterion of the primary technology (or the fixed threshold)."""
    if not record:
        return ""
    rows = record.get("technologies") or {}
    primary = rows.get(record.get("primary_technology")) if isinstance(rows, Mapping) else None
    if record.get("mode") != "service criteria" or not isinstance(primary, Mapping):
        return t("svc_fixed", lang, threshold=_db(record.get("threshold_dbm", float("nan")), lang))
    return t("svc_summary", lang, quantity=f"{primary['technology']} {primary['quantity']}",
             min_level=_db(primary["min_level_dbm"], lang),
             service_class=_class_label(record.get("service_class"), lang),
             probability=_pct(primary["location_probability"], lang), area=_pct(primary["area_reliability"], lang),
             margin=_db(primary["margin_db"], lang), required=_db(primary["required_median_dbm"], lang))


def _losses(row: Mapping[str, Any]) -> float:
    if "extra_loss_db" in row:
        return float(row["extra_loss_db"])
    return sum(float(row.get(k) or 0.0) for k in ("body_loss_db", "in_car_loss_db", "building_entry_loss_db"))


def service_blocks(summary: Mapping[str, Any] | None, lang: str) -> list[Block]:
    """Heading, sentence and per-technology table of the plan's service criterion (nothing without one)."""
    record = (summary or {}).get("service_criterion")
    if not isinstance(record, Mapping):
        return []
    blocks = [Block("heading", text=t("svc_heading", lang), level=1),
              Block("paragraph", text=criterion_sentence(record, lang)),
              Block("paragraph", text=t("svc_caption", lang), small=True)]
    rows = record.get("technologies") or {}
    if not isinstance(rows, Mapping) or not rows:
        return blocks
    exponent = next((r.get("path_loss_exponent") for r in rows.values() if r.get("path_loss_exponent")), 3.5)
    columns = [t(k, lang) for k in ("svc_col_technology", "svc_col_quantity", "svc_col_min_level", "svc_col_losses",
                                    "svc_col_sigma", "svc_col_margin", "svc_col_probability", "svc_col_area",
                                    "svc_col_required")]
    table = [[str(r["technology"]), str(r["quantity"]), _db(r["min_level_dbm"], lang), _db(_losses(r), lang),
              _db(r["sigma_db"], lang), _db(r["margin_db"], lang), _pct(r["location_probability"], lang),
              _pct(r["area_reliability"], lang), _db(r["required_median_dbm"], lang)] for r in rows.values()]
    caption = t("svc_table_caption", lang, service_class=_class_label(record.get("service_class"), lang),
                exponent=fmt_number(float(exponent), decimals=1, lang=lang))
    blocks.append(Block("table", text=caption, columns=columns, rows=table,
                        numeric=[False, False, True, True, True, True, True, True, True], small=True))
    carrier = record.get("carrier_entry_loss")
    if isinstance(carrier, Mapping):
        blocks.append(Block("paragraph", text=carrier_note(carrier, lang), small=True))
    return blocks


def carrier_note(carrier: Mapping[str, Any], lang: str) -> str:
    """The sentence saying that indoors each carrier's building entry loss is taken at its own frequency,
    with the P.2109 loss at 700, 1800 and 3500 MHz as an example."""
    import numpy as np

    from towerplan.coverage.building_loss import p2109_building_entry_loss_db

    kind, prob = str(carrier.get("building_type", "traditional")), float(carrier.get("probability", 0.5))
    refs = carrier.get("reference_freq_mhz") or {}
    freqs = ", ".join(f"{tech} {fmt_number(float(f), decimals=0, lang=lang)} MHz" for tech, f in refs.items())
    losses = p2109_building_entry_loss_db(np.array([700.0, 1800.0, 3500.0]), prob, np.asarray(kind))
    example = ", ".join(f"{fmt_number(float(v), decimals=1, lang=lang)} dB @ {f:g} MHz"
                        for f, v in zip((700.0, 1800.0, 3500.0), losses, strict=True))
    return t("svc_carrier_note", lang, building=_building_label(kind, lang), probability=_pct(prob, lang),
             freqs=freqs, example=example)


def _building_label(kind: str, lang: str) -> str:
    try:
        return t(f"svc_building_{kind}", lang)
    except KeyError:
        return kind
