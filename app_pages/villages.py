"""Villages page: the province's village list (or the synthetic sample), each village's service from the
Coverage page's run, and the check against the province's own "no signal" reports."""

from __future__ import annotations

import dataclasses

import streamlit as st

from app_pages.common import (
    REPO,
    UPLOAD_TYPES,
    current_inputs,
    fetch,
    lang,
    run_guard,
    show_table,
    store,
    tr,
    using_demo,
)
from app_pages.uploads import handle_upload, session_dir, upload_display
from towerplan.i18n_summary import format_number
from towerplan.study.villages_step import run_villages_step, villages_summary
from towerplan.textsafe import formula_safe_frame
from towerplan.villages.status import village_agreement

DEMO_VILLAGES = REPO / "data" / "demo" / "villages.csv"

st.title(tr("page_villages"))
st.write(tr("vil_intro"))

c1, c2 = st.columns([3, 1])
upload = c1.file_uploader(tr("vil_upload"), type=list(UPLOAD_TYPES["villages"]), key="vil_upload")
if upload is not None:
    key = (getattr(upload, "file_id", None) or upload.name, int(upload.size), lang())
    if st.session_state.get("vil_key") != key:
        handled = handle_upload("villages", upload.name, upload.getvalue(), session_dir(), lang())
        for level, message in upload_display(handled):
            getattr(st, level)(message)
        if handled.ok:
            st.session_state["vil_load"] = handled.value
            st.session_state["vil_name"] = upload.name
            st.session_state.pop("vil_result", None)
        st.session_state["vil_key"] = key
if using_demo() and c2.button(tr("vil_use_demo"), key="vil_demo"):
    with run_guard(tr("vil_use_demo")):
        from towerplan.villages.table import read_villages

        st.session_state["vil_load"] = read_villages(DEMO_VILLAGES)
        st.session_state["vil_name"] = tr("vil_demo_label")
        st.session_state.pop("vil_result", None)

load = st.session_state.get("vil_load")
if load is None:
    st.info(tr("vil_none"))
    st.stop()
st.success(tr("vil_loaded", n=format_number(len(load.villages), lang=lang()),
              name=st.session_state.get("vil_name", "")))
if load.issues:
    with st.expander(tr("vil_issues")):
        show_table(load.issues_frame(), key="vil_issue_table")

cov_item = fetch("cov_result")
if cov_item is None:
    st.info(tr("run_first"))
    st.stop()
gaps = fetch("gaps_result")
plan = fetch("towers_result")
run_key = (id(cov_item["coverage"]), id(gaps), id(plan), id(load))
item = st.session_state.get("vil_result")
if item is None or item["value"]["key"] != run_key:
    with run_guard(tr("page_villages")):
        inputs = dataclasses.replace(current_inputs(), villages=load.villages)
        table = run_villages_step(inputs, cov_item["coverage"], gaps, plan)
        store("vil_result", {"key": run_key, "table": table})
item = fetch("vil_result")
if item is None or item["table"] is None:
    st.stop()
table = item["table"]
figures = villages_summary(table) or {}
m1, m2, m3, m4 = st.columns(4)
m1.metric(tr("vil_total"), format_number(figures.get("villages", 0), lang=lang()))
m2.metric(tr("vil_without"), format_number(figures.get("without_signal", 0), lang=lang()))
m3.metric(tr("vil_households"), format_number(figures.get("households_without_signal", 0), lang=lang()))
m4.metric(tr("vil_no_power"), format_number(figures.get("without_signal_and_power", 0), lang=lang()))
if "agreement" in figures:
    agreement = village_agreement(table)
    a1, a2 = st.columns(2)
    a1.metric(tr("vil_precision"), f"{agreement.precision:.2f}")
    a2.metric(tr("vil_recall"), f"{agreement.recall:.2f}")
    st.caption(tr("vil_agreement", tp=agreement.tp, fp=agreement.fp, fn=agreement.fn))
    if len(agreement.disagreements):
        st.subheader(tr("vil_check"))
        show_table(agreement.disagreements, key="vil_check_table")
st.subheader(tr("vil_table"))
plain = table.drop(columns=table.geometry.name)
show_table(plain, key="vil_table_view")
st.download_button(tr("vil_download"), formula_safe_frame(plain).to_csv(index=False).encode("utf-8-sig"),
                   "villages.csv", "text/csv", on_click="ignore", key="vil_csv")
