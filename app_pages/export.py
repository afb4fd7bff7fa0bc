"""Export page: the plan package (what ``towerplan run`` writes) as one ZIP and file by file."""

from __future__ import annotations

import mimetypes

import streamlit as st

from app_pages.common import (
    current_inputs,
    data_version,
    export_files,
    fetch,
    input_label,
    lang,
    run_guard,
    tr,
    write_package,
    zip_folder,
)
from app_pages.scenarios import (
    current_scenario,
    scenario_archive,
)
from app_pages.uploads import session_dir
from towerplan.export.names import deliverable_name, package_zip_name
from towerplan.study import TECHNOLOGIES, PlanResults, StudySettings, plan_package
from towerplan.study.origin import data_origin

st.title(tr("page_export"))
st.write(tr("export_intro"))

# ------------------------------------------------------------ the scenario (inputs and settings), results or not
st.subheader(tr("scenario_section"))
st.caption(tr("scenario_save_caption"))
saved = None
with run_guard(tr("scenario_download_zip")):
    techs_present = [t for t in TECHNOLOGIES if t in set(current_inputs().stations["technology"])]
    scenario = current_scenario(present_techs=techs_present)
    sc_key = (scenario.to_toml(), data_version())
    saved = st.session_state.get("export_scenario")
    if saved is None or saved["key"] != sc_key:
        archive, text = scenario_archive(scenario)
        saved = {"key": sc_key, "zip": archive, "toml": text, "demo_only": not scenario.inputs.paths()}
        st.session_state["export_scenario"] = saved
if saved is not None:
    s1, s2 = st.columns(2)
    s1.download_button(tr("scenario_download_zip"), saved["zip"], "scenario.zip", "application/zip",
                       on_click="ignore", key="export_scenario_zip")
    if saved["demo_only"]:  # no file of its own: the TOML alone runs
        s2.download_button(tr("scenario_download_toml"), saved["toml"].encode("utf-8"), "scenario.toml",
                           "application/toml", on_click="ignore", key="export_scenario_toml")
st.divider()

cov_item = fetch("cov_result")
gaps = fetch("gaps_result")
plan = fetch("towers_result")
if cov_item is None or gaps is None:
    st.info(tr("export_nothing"))
    st.stop()
if plan is None:
    st.caption(tr("export_missing", what=tr("page_towers")))

villages_item = st.session_state.get("vil_result")  # the Villages page's table, when it ran
villages = villages_item["value"]["table"] if villages_item else None
key = (id(cov_item["coverage"]), id(gaps), id(plan), id(villages), lang())
item = st.session_state.get("export_package")
if item is None or item["key"] != key:
    with st.spinner(tr("export_intro")):
        inputs = current_inputs()
        settings = StudySettings.create(coverage=cov_item["config"], technologies=cov_item["technologies"],
                                        gaps=gaps.config, placement=plan.settings if plan is not None else None)
        results = PlanResults(inputs, cov_item["coverage"], gaps, plan, {}, settings, villages=villages)
        item = None
        with run_guard(tr("export_zip")):
            package = plan_package(results, title=f"towerplan · {input_label(inputs)}")
            folder, notes = write_package(package, session_dir() / "export" / "plan", language=lang())
            item = {"key": key, "folder": folder, "zip": zip_folder(folder), "notes": notes}
            st.session_state["export_package"] = item
        if item is None:
            st.stop()

# the file name says what the study is made of (demo / mixed / real), as every page and export does
origin = data_origin(current_inputs()).kind
zip_name = package_zip_name(origin)
st.download_button(tr("export_zip"), item["zip"], zip_name, "application/zip", type="primary",
                   on_click="ignore", key="export_zip")
for note in item["notes"]:
    st.caption(tr("export_missing", what=note))
files = export_files(item["folder"])
if not any(p.suffix == ".pdf" for p in files):
    st.caption(tr("export_pdf_missing"))
cols = st.columns(3)
for k, path in enumerate(files):
    rel = path.relative_to(item["folder"]).as_posix()
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    cols[k % 3].download_button(tr("export_file", name=rel), path.read_bytes(), deliverable_name(rel, origin), mime,
                                on_click="ignore", key=f"export_file_{rel}")
