"""The provincial parts of a plan package: village tables, the province's planned-positions table and a
comparison with another plan, as XLSX/CSV tables (:func:`provincial_tables`) and report blocks
(:func:`provincial_blocks`)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from towerplan.export.i18n_report import text

if TYPE_CHECKING:  # pragma: no cover
    from towerplan.export.package import PlanPackage
    from towerplan.export.report_model import Block

__all__ = ["PLAN_SHEETS", "provincial_blocks", "provincial_tables"]

#: table name -> sheet-name key (towerplan.export.i18n_plan)
PLAN_SHEETS = {
    "villages": "sheet_villages",
    "village_check": "sheet_village_check",
    "province_plan": "sheet_province_plan",
    "province_plan_en": "sheet_province_plan_en",
    "compare_communes": "sheet_compare_communes",
    "compare_villages": "sheet_compare_villages",
    "compare_proposals": "sheet_compare_proposals",
}
MAX_VILLAGE_ROWS = 60


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    geom = getattr(frame, "_geometry_column_name", None)
    cols = [c for c in frame.columns if c != geom and str(frame[c].dtype) != "geometry"]
    return pd.DataFrame(frame[cols]).reset_index(drop=True)


def _villages_table(villages: pd.DataFrame) -> pd.DataFrame:
    table = _plain(villages).drop(columns=[c for c in ("source",) if c in villages.columns])
    for col in table.columns:
        if str(table[col].dtype) in ("boolean", "bool"):
            table[col] = table[col].map(lambda v: None if v is pd.NA or v is None else bool(v))
    return table


def provincial_tables(package: PlanPackage) -> dict[str, pd.DataFrame]:
    """Villages (with the field-check list), the province plan table (vi and en) and the comparison tables."""
    from towerplan.export.province_table import province_plan_table
    from towerplan.villages.status import village_agreement

    out: dict[str, pd.DataFrame] = {}
    villages = package.villages
    if villages is not None and len(villages):
        out["villages"] = _villages_table(villages)
        if "reported_no_signal" in villages and villages["reported_no_signal"].notna().any():
            out["village_check"] = village_agreement(villages).disagreements
    if package.proposals is not None and len(package.proposals):
        for name, lang in (("province_plan", "vi"), ("province_plan_en", "en")):
            out[name] = province_plan_table(package.proposals, units=package.commune_stats, villages=villages,
                                            lang=lang)
    for name, frame in (package.comparison or {}).items():
        key = f"compare_{name}"
        if key in PLAN_SHEETS:
            out[key] = _plain(frame)
    return out


def _fmt(value: Any) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.2f}"


def _yes_no(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Yes/no columns as words of ``lang`` (empty when unknown)."""
    words = {True: "có" if lang == "vi" else "yes", False: "không" if lang == "vi" else "no"}
    out = frame.copy()
    for col in out.columns:
        values = out[col].dropna()
        if len(values) and all(isinstance(v, bool) for v in values):
            out[col] = out[col].map(lambda v: words.get(v, "") if isinstance(v, bool) else "")
    return out


def provincial_blocks(package: PlanPackage, tables: dict[str, pd.DataFrame], lang: str) -> list[Block]:
    """Report blocks: villages without signal, the agreement with the province, the planned positions,
    the comparison."""
    from towerplan.export.report_model import Block, table_block

    blocks: list[Block] = []
    summary = package.summary or {}
    if "villages" in tables:
        villages = tables["villages"]
        without = villages[~villages["served_any"].astype(bool)]
        if "households" in without:
            without = without.sort_values("households", ascending=False, kind="stable")
        caption = (text("table_villages", lang, n=len(without), total=len(villages)) if len(without) > 0
                   else text("table_villages_all", lang))
        cols = ["village_id", "name", "unit", "households", "grid_power", "best_level_dbm", "dist_tower_m",
                "dist_road_m", "gap_rank", "served_after_plan"]
        blocks.append(table_block(_yes_no(without.head(MAX_VILLAGE_ROWS), lang), cols, caption, lang, small=True))
        agreement = (summary.get("villages") or {}).get("agreement")
        if agreement:
            blocks.append(Block("paragraph", text=text(
                "village_agreement", lang, precision=_fmt(agreement.get("precision")),
                recall=_fmt(agreement.get("recall")), tp=agreement.get("tp"), fp=agreement.get("fp"),
                fn=agreement.get("fn"))))
        if "village_check" in tables and len(tables["village_check"]):
            check = tables["village_check"].copy()
            check["finding"] = check["finding"].map(lambda v: text(v, lang) if v in ("model_only", "province_only")
                                                    else v)
            blocks.append(table_block(check.head(MAX_VILLAGE_ROWS), ["village_id", "name", "unit", "households",
                                                                     "best_level_dbm", "dist_tower_m", "finding"],
                                      text("table_village_check", lang), lang, small=True))
    plan = tables.get("province_plan" if lang == "vi" else "province_plan_en")
    if plan is not None and len(plan):
        blocks.append(table_block(plan, list(plan.columns), text("table_province_plan", lang), lang, small=True))
    if package.comparison:
        from towerplan.export.compare import comparison_blocks

        blocks.extend(comparison_blocks(package.comparison, lang))
    return blocks
