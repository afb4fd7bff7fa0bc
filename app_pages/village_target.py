"""The village target on the Provincial page: every village of more than N households served, or why not.

The record is the plan's (:func:`towerplan.study.villages_step.village_target_summary`, the one ``towerplan run``
writes into ``summary.json``); its text and table are the report's (:mod:`towerplan.export.report_village_target`),
so the app, the report and the summary show the same villages and figures.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from app_pages.common import lang, show_table, tr

__all__ = ["loaded_villages", "show_village_target", "village_target_record"]


def loaded_villages() -> Any | None:
    """The village list read on the Villages page (a GeoDataFrame), or None."""
    load = st.session_state.get("vil_load")
    villages = getattr(load, "villages", None)
    return villages if villages is not None and len(villages) else None


def village_target_record(inputs: Any, coverage: Any, gaps: Any, plan: Any) -> dict[str, Any] | None:
    """The plan's village-target record (None without villages in ``inputs`` or without a village target)."""
    from towerplan.study.summary import study_area_population
    from towerplan.study.villages_step import run_villages_step, village_target_summary

    table = run_villages_step(inputs, coverage, gaps, plan)
    return village_target_summary(table, plan, inputs.dem, people=study_area_population(inputs))


def show_village_target(record: dict[str, Any] | None) -> None:
    """The counts (success when every target village is served, a warning otherwise) and the villages."""
    if not record:
        return
    from towerplan.export.report_village_target import village_target_table, village_target_text

    st.subheader(tr("prov_village_target"))
    (st.success if record.get("reached") else st.warning)(village_target_text(record, lang()))
    show_table(village_target_table(record, lang(), labelled=True), key="prov_village_table", height=300)
    from towerplan.export.i18n_report import text

    st.caption(text("village_target_note", lang()))
