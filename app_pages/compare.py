"""Compare page: two plan packages (zips of the Export page), what option B changes against option A."""

from __future__ import annotations

import shutil

import streamlit as st

from app_pages.common import lang, run_guard, show_table, tr, zip_folder
from app_pages.uploads import session_dir
from towerplan.export.compare import PlanView, compare_plans
from towerplan.export.compare_io import unpack_plan_zip, write_comparison
from towerplan.i18n_summary import format_number

st.title(tr("page_compare"))
st.write(tr("cmp_intro"))

exported = st.session_state.get("export_package")
use_session = exported is not None and st.checkbox(tr("cmp_use_session"), key="cmp_use_session")
c1, c2 = st.columns(2)
file_a = None if use_session else c1.file_uploader(tr("cmp_plan_a"), type=["zip"], key="cmp_a")
file_b = c2.file_uploader(tr("cmp_plan_b"), type=["zip"], key="cmp_b")
if (file_a is None and not use_session) or file_b is None:
    st.info(tr("cmp_need_two"))
    st.stop()
assert file_b is not None  # st.stop() above ends the script (for the type checker)

key = ("session" if use_session or file_a is None else (file_a.name, file_a.size), file_b.name, file_b.size,
       lang())
item = st.session_state.get("cmp_result")
if item is None or item["key"] != key:
    root = session_dir() / "compare"
    shutil.rmtree(root, ignore_errors=True)
    with run_guard(tr("page_compare")):
        if use_session or file_a is None:
            folder_a, name_a = (exported or {})["folder"], "A"
        else:
            folder_a, name_a = unpack_plan_zip(file_a.getvalue(), root / "a"), file_a.name
        folder_b = unpack_plan_zip(file_b.getvalue(), root / "b")
        result = compare_plans(PlanView.from_folder(folder_a, name=name_a),
                               PlanView.from_folder(folder_b, name=file_b.name))
        out = write_comparison(result, root / "out", lang=lang())
        st.session_state["cmp_result"] = {"key": key, "result": result, "zip": zip_folder(out)}
item = st.session_state.get("cmp_result")
if item is None or item["key"] != key:
    st.stop()
result = item["result"]
s = result.summary
if result.identical:
    st.success(tr("cmp_identical"))
m1, m2, m3, m4 = st.columns(4)
m1.metric(tr("cmp_people"),
          ("+" if s["people_covered_change"] > 0 else "") + format_number(s["people_covered_change"], lang=lang()))
m2.metric(tr("cmp_proposals"), format_number(s["proposals_differing"], lang=lang()))
m3.metric(tr("cmp_area"), f"{format_number(s['area_gained_km2'], decimals=1, lang=lang())} / "
                                f"{format_number(s['area_lost_km2'], decimals=1, lang=lang())}")
m4.metric(tr("cmp_villages"), f"{format_number(s['villages_gained'], lang=lang())} / "
                                    f"{format_number(s['villages_lost'], lang=lang())}")
if len(result.communes):
    st.subheader(tr("cmp_communes"))
    show_table(result.communes, key="cmp_communes_table")
if len(result.proposals):
    st.subheader(tr("cmp_props"))
    show_table(result.proposals, key="cmp_props_table")
if len(result.villages):
    st.subheader(tr("cmp_village_table"))
    show_table(result.villages, key="cmp_villages_table")
st.download_button(tr("cmp_download"), item["zip"], "towerplan_comparison.zip", "application/zip",
                   on_click="ignore", key="cmp_zip")
