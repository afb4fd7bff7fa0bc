"""The village target in the report and the app: every village of more than N households, reached or not.

The one source is the plan's village-target record (:func:`towerplan.villages.target.village_target_report`,
``summary.json``'s ``villages.target``): :func:`village_target_text` words its counts, :func:`village_target_table`
lays out its villages (status, why one is left, the proposal that reaches it) with headers and values in
Vietnamese or English, and :func:`village_target_blocks` makes the report's section of both. The app's
Provincial page shows the same text and table (``app_pages/village_target.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from towerplan.export.i18n_report import LANGS, column_label, text
from towerplan.export.i18n_village_target import LABELS
from towerplan.export.report_model import MAX_TABLE_ROWS, Block, fmt_number, table_block
from towerplan.villages.target import REASONS, village_target_frame

__all__ = ["TABLE_COLUMNS", "village_target_blocks", "village_target_record", "village_target_table",
           "village_target_text"]

#: the table's columns, as :func:`village_target_table` names them before labelling
TABLE_COLUMNS = ("village_id", "name", "commune", "unit", "households", "people_in_cell", "target_status",
                 "target_reason", "reaching_proposal", "build_order", "target_year")


def village_target_record(summary: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """The village-target record of a plan summary (``villages.target``), or None without one."""
    record = ((summary or {}).get("villages") or {}).get("target")
    return record if record else None


def _label(value: Any, lang: str) -> Any:
    if isinstance(value, str) and value in LABELS:
        return LABELS[value][LANGS.index(lang)]
    return value


def village_target_text(record: Mapping[str, Any], lang: str) -> str:
    """One paragraph: how many target villages are served before and after the plan, and why the rest are left."""
    left = record.get("left") or []
    by_reason = record.get("left_by_reason") or {}
    counts = {
        "min_households": fmt_number(record.get("min_households"), lang=lang),
        "required": fmt_number(record.get("villages_required"), lang=lang),
        "before": fmt_number(record.get("served_before"), lang=lang),
        "after": fmt_number(record.get("served_after_plan"), lang=lang),
        "reached": fmt_number((record.get("served_after_plan") or 0) - (record.get("served_before") or 0), lang=lang),
        "left": fmt_number(len(left), lang=lang),
        "out_of_reach": fmt_number(by_reason.get(REASONS[0], 0), lang=lang),
        "no_people": fmt_number(by_reason.get(REASONS[1], 0), lang=lang),
        "not_chosen": fmt_number(by_reason.get(REASONS[2], 0), lang=lang),
    }
    return text("village_target_reached" if record.get("reached") else "village_target_left", lang, **counts)


def village_target_table(record: Mapping[str, Any], lang: str, *, labelled: bool = False) -> pd.DataFrame:
    """The target villages (:func:`towerplan.villages.target.village_target_frame`) with the status and reason
    in ``lang`` and the columns of :data:`TABLE_COLUMNS` (``labelled``: headers in ``lang`` too, for the app)."""
    frame = village_target_frame(record).rename(columns={"status": "target_status", "reason": "target_reason",
                                                         "proposal": "reaching_proposal"})
    for col in ("target_status", "target_reason"):
        frame[col] = frame[col].map(lambda v: _label(v, lang))
    for col in ("build_order", "target_year"):  # whole numbers as written (a year has no thousands separator)
        frame[col] = frame[col].map(lambda v: None if pd.isna(v) else str(int(v)))
    frame = frame[list(TABLE_COLUMNS)]
    if labelled:
        frame.columns = [column_label(c, lang) for c in frame.columns]
    return frame


def village_target_blocks(summary: Mapping[str, Any] | None, lang: str) -> list[Block]:
    """The report's village-target section (heading, counts, table, note); nothing without such a target."""
    record = village_target_record(summary)
    if record is None:
        return []
    n = fmt_number(record.get("min_households"), lang=lang)
    blocks = [Block("heading", text=text("section_village_target", lang, min_households=n), level=1),
              Block("paragraph", text=village_target_text(record, lang))]
    table = village_target_table(record, lang)
    if len(table):
        shown = [c for c in TABLE_COLUMNS if table[c].notna().any() or c in ("households", "target_status")]
        if "unit" in shown and table["unit"].astype(str).equals(table["commune"].astype(str)):
            shown.remove("unit")  # the units are the listed communes: one column says it
        caption = text("table_village_target", lang, min_households=n)
        if len(table) > MAX_TABLE_ROWS:  # the table shows its first rows: the villages left come first
            caption += text("table_village_target_cut", lang, shown=fmt_number(MAX_TABLE_ROWS, lang=lang),
                            n=fmt_number(len(table), lang=lang))
        blocks.append(table_block(table, shown, caption, lang, small=True))
        blocks.append(Block("paragraph", text=text("village_target_note", lang), small=True))
    return blocks
